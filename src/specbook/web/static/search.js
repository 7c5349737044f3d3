// specbook static site: search in the browser over the index that `specbook build`
// writes to search-index.js (window.SPECBOOK_SEARCH). Loaded by search.html only.
// Document text is never parsed as HTML: results are built from DOM nodes with
// textContent, so a document cannot inject markup or script here.
(function () {
  "use strict";
  if (document.body.dataset.mode !== "static") return;
  var box = document.getElementById("search-page-box");
  var results = document.getElementById("results");
  var index = window.SPECBOOK_SEARCH;
  if (!box || !results || !index) return;
  var needsJs = document.getElementById("needs-js");  // shown only when this never runs
  if (needsJs) needsJs.hidden = true;
  var docs = index.documents || [];
  var LIMIT = 50, BEFORE = 60, AFTER = 160;
  var FILTERS = ["status", "kind", "type", "tag"];
  var WORDCHAR = /[\p{L}\p{N}_]/u;

  // Words, "quoted phrases", field:value filters; a trailing * is allowed (every
  // term already matches as a word prefix).
  function parse(q) {
    var terms = [], filters = [], re = /(\w+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g, m;
    while ((m = re.exec(q)) !== null) {
      if (m[1] && FILTERS.indexOf(m[1].toLowerCase()) !== -1) {
        filters.push([m[1].toLowerCase(), m[2].replace(/"/g, "").toLowerCase()]);
        continue;
      }
      var t = (m[3] !== undefined ? m[3] : m[0]).replace(/\*+$/, "").toLowerCase().trim();
      t = t.replace(/^[^\p{L}\p{N}_]+|[^\p{L}\p{N}_]+$/gu, "");
      if (t) terms.push(t);
    }
    return { terms: terms, filters: filters };
  }

  // Positions where `term` starts a word in `text` (both lower case).
  function starts(text, term, max) {
    var out = [], at = text.indexOf(term);
    while (at !== -1 && out.length < max) {
      if (at === 0 || !WORDCHAR.test(text.charAt(at - 1))) out.push(at);
      at = text.indexOf(term, at + 1);
    }
    return out;
  }

  function passes(d, filters) {
    return filters.every(function (f) {
      var want = f[1];
      if (f[0] === "status") return [d.status, d.canonical].some(function (s) { return (s || "").toLowerCase() === want; });
      if (f[0] === "tag") return (d.tags || []).some(function (s) { return s.toLowerCase() === want; });
      return (d[f[0]] || "").toLowerCase() === want;
    });
  }

  function lower(d) {
    if (d._head === undefined) {
      d._head = ((d.id || "") + " " + (d.title || "")).toLowerCase();
      d._text = (d.text || "").toLowerCase();
      // toLowerCase can change a string's length (rare letters); snippets then fall
      // back to the start of the text rather than mark the wrong words.
      d._aligned = d._text.length === (d.text || "").length;
    }
  }

  // A title (or ID) match outranks any number of body matches.
  function score(d, q) {
    lower(d);
    var total = 0;
    for (var i = 0; i < q.terms.length; i++) {
      var t = q.terms[i];
      var inHead = starts(d._head, t, 1).length > 0;
      var inBody = starts(d._text, t, 10).length;
      if (!inHead && !inBody) return -1;
      total += (inHead ? 1000 : 0) + inBody;
    }
    if (q.terms.length && (d.id || "").toLowerCase() === q.terms.join(" ")) total += 100000;
    return total;
  }

  function search(q) {
    var hits = [];
    docs.forEach(function (d) {
      if (!passes(d, q.filters)) return;
      var s = q.terms.length ? score(d, q) : 0;
      if (s >= 0) hits.push([s, d]);
    });
    hits.sort(function (a, b) { return b[0] - a[0] || (a[1].path < b[1].path ? -1 : 1); });
    return hits.map(function (h) { return h[1]; });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Where the first matched word of the body starts, or -1.
  function firstMatch(d, terms) {
    lower(d);
    var first = -1;
    if (!d._aligned) return -1;
    terms.forEach(function (t) {
      var at = starts(d._text, t, 1);
      if (at.length && (first === -1 || at[0] < first)) first = at[0];
    });
    return first;
  }

  // The document's page, at the section holding the first match.
  function target(d, first) {
    var anchor = "";
    (d.sections || []).forEach(function (s) { if (first >= s[0]) anchor = s[1]; });
    return anchor && first >= 0 ? d.url + "#" + encodeURIComponent(anchor) : d.url;
  }

  // The text around the first matched word, each matched word in a <mark>.
  function snippet(d, terms, first) {
    var text = d.text || "";
    var from = first === -1 ? 0 : Math.max(0, first - BEFORE);
    if (from > 0) { var sp = text.indexOf(" ", from); if (sp !== -1 && sp < first) from = sp + 1; }
    var to = Math.min(text.length, (first === -1 ? 0 : first) + AFTER);
    var out = el("div", "snippet");
    if (from > 0) out.appendChild(document.createTextNode("…"));
    var part = text.slice(from, to), low = d._aligned ? d._text.slice(from, to) : "", pos = 0;
    var marks = [];
    terms.forEach(function (t) {
      starts(low, t, 50).forEach(function (at) { marks.push([at, at + t.length]); });
    });
    marks.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    marks.forEach(function (m) {
      if (m[0] < pos) return;
      out.appendChild(document.createTextNode(part.slice(pos, m[0])));
      out.appendChild(el("mark", "", part.slice(m[0], m[1])));
      pos = m[1];
    });
    out.appendChild(document.createTextNode(part.slice(pos)));
    if (to < text.length) out.appendChild(document.createTextNode("…"));
    return out;
  }

  function show(raw) {
    var q = parse(raw), frag = document.createDocumentFragment();
    results.textContent = "";
    if (!q.terms.length && !q.filters.length) return;
    var hits = search(q);
    if (!hits.length) {
      frag.appendChild(el("p", "none", "No document matches “" + raw + "”."));
    } else {
      frag.appendChild(el("p", "count", hits.length + (hits.length === 1 ? " document" : " documents")
        + (hits.length > LIMIT ? ", the first " + LIMIT + " shown" : "")));
    }
    var list = el("ol", "results");
    hits.slice(0, LIMIT).forEach(function (d) {
      var li = el("li");
      var first = firstMatch(d, q.terms);
      var a = el("a", "hit", (d.id || d.path) + " " + (d.title || ""));
      a.href = target(d, first);  // a relative doc/… file name written by the builder
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      var status = (d.status || "none").toLowerCase().replace(/[^a-z0-9]+/g, "-");
      li.appendChild(el("span", "badge status-" + status, d.status || "no status"));
      li.appendChild(el("div", "where", d.path));
      li.appendChild(snippet(d, q.terms, first));
      list.appendChild(li);
    });
    frag.appendChild(list);
    results.appendChild(frag);
  }

  var params = new URLSearchParams(location.search);
  var initial = params.get("q") || "";
  box.value = initial;
  var header = document.getElementById("search-box");
  if (header) header.value = initial;
  show(initial);

  var timer = null, last = initial;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = box.value.trim();
      if (q === last) return;
      last = q;
      if (header) header.value = q;
      show(q);
      try {
        history.replaceState(null, "", "?q=" + encodeURIComponent(q));
      } catch (e) { /* some browsers refuse this on file:// pages; search still works */ }
    }, 120);
  });
})();
