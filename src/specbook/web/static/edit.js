// specbook editor: live preview and findings while typing (debounced). Without this
// file the editor still saves; the preview then updates on save.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  var source = document.getElementById("source");
  if (!form || !source) return;
  var preview = document.getElementById("preview");
  var list = document.getElementById("finding-list");
  var count = document.getElementById("finding-count");
  var timer = null, seq = 0;
  var SIGNS = { error: "\u2716", warning: "\u25b2", info: "\u2139" };  // as doc.html's
  function show(data, mine) {
    if (mine !== seq) return;  // a newer request is on its way
    if (data.error) {  // too large to preview (413): say so, keep the findings
      preview.textContent = data.error;
      return;
    }
    preview.innerHTML = data.html;  // sanitized by the server (nh3)
    list.textContent = "";
    data.findings.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "sev-" + f.severity;
      var sev = document.createElement("span");  // the severity in words, not colour alone
      sev.className = "sev";
      sev.textContent = (SIGNS[f.severity] || "\u2022") + " " + f.severity;
      li.appendChild(sev);
      li.appendChild(document.createTextNode(" "));
      var rule = document.createElement("span");
      rule.className = "rule";
      rule.textContent = f.rule;
      li.appendChild(rule);
      li.appendChild(document.createTextNode(" line " + f.line + ": " + f.message));
      list.appendChild(li);
    });
    count.textContent = String(data.findings.length);
  }
  source.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var mine = ++seq;
      fetch(form.dataset.preview || "/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
        body: JSON.stringify({ path: form.dataset.path, text: source.value })
      }).then(function (r) { return r.ok || r.status === 413 ? r.json() : null; })
        .then(function (data) { if (data) show(data, mine); })
        .catch(function () { /* offline: saving still works */ });
    }, 300);
  });
})();
