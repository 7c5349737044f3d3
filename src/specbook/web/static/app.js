// specbook: search as you type. Progressive enhancement only: every page works
// without this file. No inline script anywhere (the portal's CSP forbids it).
(function () {
  "use strict";
  // the contents sidebar: open beside the text, collapsed above it on a narrow screen
  var toc = document.getElementById("toc-details");
  if (toc && window.matchMedia("(max-width: 800px)").matches) toc.open = false;
})();
(function () {
  "use strict";
  if (document.body.dataset.mode !== "server") return;
  var box = document.getElementById("search-page-box");
  var results = document.getElementById("results");
  if (!box || !results) return;
  var timer = null, last = box.value, pending = null;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = box.value.trim();
      if (q === last) return;
      last = q;
      if (pending) pending.abort();
      pending = new AbortController();
      var base = document.body.dataset.search || "/search";
      var url = base + "?partial=1&q=" + encodeURIComponent(q);
      fetch(url, { signal: pending.signal, credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          results.innerHTML = html;  // server-rendered and escaped by the portal
          history.replaceState(null, "", base + "?q=" + encodeURIComponent(q));
        })
        .catch(function () { /* aborted or offline: the form still works */ });
    }, 200);
  });
})();
