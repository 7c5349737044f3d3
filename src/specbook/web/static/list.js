// specbook static site: facets and sorting of documents.html without a server.
// The page lists every document; this script reads the same query the portal takes
// (?status=Review&sort=title&order=desc), hides the rows that do not match, orders
// the rest, and recounts the facets. With JavaScript off every row stays listed.
(function () {
  "use strict";
  if (document.body.dataset.mode !== "static") return;
  var table = document.querySelector("table.rows.sortable");
  if (!table || !table.tBodies.length) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  rows.forEach(function (r, i) { r.dataset.order = String(i); });  // built in ID order
  var FACETS = ["kind", "status", "type", "tag", "author"];
  var COLUMNS = { title: 1, kind: 2, status: 3 };
  var params = new URLSearchParams(location.search);
  var chosen = {};
  FACETS.forEach(function (f) { if (params.get(f)) chosen[f] = params.get(f); });
  var sort = params.get("sort") || "id";
  var order = params.get("order") === "desc" ? "desc" : "asc";

  function values(r, f) {
    if (f === "tag") return (r.dataset.tag || "").split("|").filter(Boolean);
    return [r.dataset[f] || "(none)"];
  }

  function keep(r, skip) {
    return Object.keys(chosen).every(function (f) {
      if (f === skip) return true;
      var want = chosen[f].toLowerCase();
      return values(r, f).some(function (v) { return v.toLowerCase() === want; });
    });
  }

  function href(facets, s, o) {
    var q = new URLSearchParams();
    FACETS.forEach(function (f) { if (facets[f]) q.set(f, facets[f]); });
    q.set("sort", s);
    q.set("order", o);
    return "documents.html?" + q.toString();
  }

  function key(r) {
    if (sort === "modified") return (r.dataset.modified || "").toLowerCase();
    var col = COLUMNS[sort];
    return col === undefined ? "" : r.cells[col].textContent.trim().toLowerCase();
  }

  var shown = 0;
  rows.forEach(function (r) { r.hidden = !keep(r); if (!r.hidden) shown += 1; });
  var sorted = rows.slice().sort(function (a, b) {
    var ka = sort === "id" ? "" : key(a), kb = sort === "id" ? "" : key(b);
    var by = ka < kb ? -1 : ka > kb ? 1 : Number(a.dataset.order) - Number(b.dataset.order);
    return order === "desc" ? -by : by;
  });
  sorted.forEach(function (r) { tbody.appendChild(r); });

  var count = document.querySelector("main h1 small");
  if (count) count.textContent = String(shown);

  // One pass per facet: counts of each value among the rows the other facets keep.
  var counts = {};
  FACETS.forEach(function (f) {
    var c = counts[f] = Object.create(null);  // a tag may be called "constructor"
    rows.forEach(function (r) {
      if (!keep(r, f)) return;
      var seen = Object.create(null);
      values(r, f).forEach(function (x) {
        var k = x.toLowerCase();
        if (!seen[k]) { seen[k] = true; c[k] = (c[k] || 0) + 1; }
      });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("li[data-facet]"), function (li) {
    var f = li.dataset.facet, v = li.dataset.value;
    var on = (chosen[f] || "").toLowerCase() === v.toLowerCase();
    var n = (counts[f] && counts[f][v.toLowerCase()]) || 0;
    li.classList.toggle("on", on);
    li.hidden = n === 0 && !on;
    var span = li.querySelector(".n");
    if (span) span.textContent = String(n);
    var next = {};
    Object.keys(chosen).forEach(function (k) { next[k] = chosen[k]; });
    next[f] = on ? "" : v;
    var a = li.querySelector("a");
    if (a) a.setAttribute("href", href(next, sort, order));
  });

  Array.prototype.forEach.call(document.querySelectorAll("a[data-sort]"), function (a) {
    var s = a.dataset.sort;
    var o = s === sort && order === "asc" ? "desc" : "asc";
    a.setAttribute("href", href(chosen, s, o));
    var label = a.textContent.replace(/\s*[▲▼]\s*$/, "");
    a.textContent = label + (s === sort ? (order === "asc" ? " ▲" : " ▼") : "");
  });
})();
