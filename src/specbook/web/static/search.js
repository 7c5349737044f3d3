// specbook static site: search in the browser. Loaded by search.html only.
// The index (search-index.js, window.SPECBOOK_SEARCH) is loaded on first use: each
// document's facts and which shards of the inverted index exist. The inverted index
// of the words of the texts and of the IDs and titles (lower case, without
// diacritics) is split by the words' first letter (static/search/a.js, ...,
// SPECBOOK_SHARD), and a query loads only the shards of its own words: each holds its
// sorted words and, for each, the documents holding it in the text (postings) and in
// the ID or title (heads), as base-36 gaps between document numbers or "~" and a
// base64 bitmap. A query word finds every word of the same Porter stem
// (vendor/stemmer.js: `sandbox` finds "Sandboxing"); "a quoted phrase" or word matches
// only as written, checked against the document's text. Texts come in one small
// script per document (static/text/KEY.js, SPECBOOK_TEXT), loaded only for the
// results shown. Document text is never parsed as HTML: results are built from DOM
// nodes with textContent, so a document cannot inject markup or script here.
(function () {
  "use strict";
  if (document.body.dataset.mode !== "static") return;
  var me = document.currentScript;
  var box = document.getElementById("search-page-box");
  var results = document.getElementById("results");
  if (!box || !results || !me) return;
  var needsJs = document.getElementById("needs-js");  // shown only when this never runs
  if (needsJs) needsJs.hidden = true;
  var STATIC = me.dataset.static || "static/";
  var LIMIT = 50, BEFORE = 60, AFTER = 160;
  var FILTERS = ["status", "kind", "type", "tag", "id", "author"];
  var TOKEN = /[\p{L}\p{N}]+/gu;
  var stem = window.SPECBOOK_STEMMER || function (w) { return w; };

  function fold(s) {
    return (s || "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }
  function tokens(s) { return fold(s).match(TOKEN) || []; }

  // -- loading ----------------------------------------------------------------------
  var index = null, waiting = [];
  function withIndex(then) {
    if (index) { then(); return; }
    waiting.push(then);
    if (waiting.length > 1) return;
    var s = document.createElement("script");
    s.src = STATIC + "search-index.js";
    s.onload = function () {
      index = prepare(window.SPECBOOK_SEARCH);
      waiting.splice(0).forEach(function (f) { f(); });
    };
    s.onerror = function () {
      results.textContent = "The search index (static/search-index.js) could not be loaded.";
    };
    document.head.appendChild(s);
  }

  function prepare(raw) {
    return {
      docs: raw.documents.map(function (d, n) {
        return { n: n, id: d[0], title: d[1], status: d[2], canonical: d[3], kind: d[4],
                 type: d[5], tags: d[6] || [], path: d[7], url: d[8], key: d[9] };
      }),
      shards: raw.shards || {}, loaded: {},
    };
  }

  // The shard a folded word is in (site.py's shard_key): its first character when
  // that is a-z or 0-9, else "_". A Porter stem keeps the word's first letter.
  function shardKey(word) {
    var c = word.charAt(0);
    return /^[a-z0-9]$/.test(c) ? c : "_";
  }
  var shardWaits = {};
  window.SPECBOOK_SHARD = function (key, raw) {
    index.loaded[key] = {
      words: raw.words ? raw.words.split(" ") : [], postings: raw.postings, heads: raw.heads,
      decoded: {}, hdecoded: {}, stems: null,
    };
    (shardWaits[key] || []).forEach(function (f) { f(); });
    delete shardWaits[key];
  };
  // Load the shards holding the words of `q`'s terms (only those), then `then`.
  function withShards(q, then) {
    var left = 0;
    function one() { if (--left === 0) then(); }
    var keys = {};
    q.terms.forEach(function (t) { t.words.forEach(function (w) { keys[shardKey(w)] = true; }); });
    Object.keys(keys).forEach(function (key) {
      if (index.loaded[key] || !Object.prototype.hasOwnProperty.call(index.shards, key)) return;
      left++;
      if (shardWaits[key]) { shardWaits[key].push(one); return; }
      shardWaits[key] = [one];
      var s = document.createElement("script");
      s.src = STATIC + "search/" + key + ".js";
      s.onerror = function () { window.SPECBOOK_SHARD(key, { words: "", postings: [], heads: [] }); };
      document.head.appendChild(s);
    });
    if (left === 0) then();
  }

  var texts = {}, pending = {};
  window.SPECBOOK_TEXT = function (key, value) {
    texts[key] = { text: value[0], sections: value[1], low: null };
    (pending[key] || []).forEach(function (f) { f(); });
    delete pending[key];
  };
  function withTexts(docs, then) {
    var left = 0;
    function one() { if (--left === 0) then(); }
    docs.forEach(function (d) {
      if (texts[d.key]) return;
      left++;
      if (pending[d.key]) { pending[d.key].push(one); return; }
      pending[d.key] = [one];
      var s = document.createElement("script");
      s.src = STATIC + "text/" + d.key + ".js";
      s.onerror = function () { window.SPECBOOK_TEXT(d.key, ["", []]); };
      document.head.appendChild(s);
    });
    if (left === 0) then();
  }

  // -- the index ----------------------------------------------------------------------
  function decode(text) {  // document numbers from base-36 gaps, or "~" and a bitmap
    var out = [];
    if (!text) return out;
    if (text.charAt(0) === "~") {
      var bits = atob(text.slice(1));
      for (var b = 0; b < bits.length; b++) {
        var byte = bits.charCodeAt(b);
        for (var k = 0; byte; k++, byte >>= 1) if (byte & 1) out.push(b * 8 + k);
      }
      return out;
    }
    var at = 0, parts = text.split(",");
    for (var p = 0; p < parts.length; p++) { at += parseInt(parts[p], 36); out.push(at); }
    return out;
  }
  function postings(shard, i, head) {
    var cache = head ? shard.hdecoded : shard.decoded, got = cache[i];
    if (!got) got = cache[i] = decode((head ? shard.heads : shard.postings)[i]);
    return got;
  }
  function find(words, word) {  // the word's place in sorted words, or where it would be
    var lo = 0, hi = words.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (words[mid] < word) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
  function byStem(shard, s) {
    if (!shard.stems) {  // (only this shard's words: those sharing the first letter)
      shard.stems = new Map();
      shard.words.forEach(function (w, i) {
        var k = stem(w), got = shard.stems.get(k);
        if (got) got.push(i); else shard.stems.set(k, [i]);
      });
    }
    return shard.stems.get(s) || [];
  }
  // The shard of a query word and the numbers of its words the query word stands for.
  function forms(word, exact, prefix) {
    var shard = index.loaded[shardKey(word)], out = [];
    if (!shard) return { shard: null, ids: out };
    var words = shard.words, at = find(words, word);
    if (prefix) {
      for (var i = at; i < words.length && words[i].lastIndexOf(word, 0) === 0; i++) out.push(i);
    } else if (exact) {
      if (words[at] === word) out.push(at);
    } else {
      out = byStem(shard, stem(word));
    }
    return { shard: shard, ids: out };
  }
  function docsOf(found, head) {
    var set = new Set();
    found.ids.forEach(function (i) {
      postings(found.shard, i, head).forEach(function (n) { set.add(n); });
    });
    return set;
  }

  // -- queries --------------------------------------------------------------------------
  // Words, "quoted phrases" (as written), prefix*, -excluded, field:value filters.
  function parse(q) {
    var terms = [], filters = [], re = /(-?)(?:(\w+):("[^"]*"|\S+)|"([^"]*)"?|(\S+))/g, m;
    while ((m = re.exec(q)) !== null) {
      if (m[2] && FILTERS.indexOf(m[2].toLowerCase()) !== -1) {
        filters.push([m[2].toLowerCase(), m[3].replace(/"/g, "").toLowerCase()]);
        continue;
      }
      var exact = m[4] !== undefined, raw = exact ? m[4] : (m[2] !== undefined ? m[0].replace(/^-/, "") : m[5]);
      if (!exact && (raw === "AND" || raw === "OR" || raw === "NOT")) continue;
      var words = tokens(raw);
      if (!words.length) continue;
      var prefix = !exact && words.length === 1 && /\*$/.test(raw);
      terms.push({ words: words, exact: exact || words.length > 1, phrase: words.length > 1,
                   prefix: prefix, negated: m[1] === "-" });
    }
    return { terms: terms, filters: filters };
  }

  function passes(d, filters) {
    return filters.every(function (f) {
      var want = f[1];
      if (f[0] === "status") return [d.status, d.canonical].some(function (s) { return (s || "").toLowerCase() === want; });
      if (f[0] === "tag") return d.tags.some(function (s) { return s.toLowerCase() === want; });
      if (f[0] === "id" && /\*$/.test(want)) return (d.id || "").toLowerCase().lastIndexOf(want.slice(0, -1), 0) === 0;
      return (d[f[0]] || "").toLowerCase() === want;
    });
  }

  // Does a folded word match query word `w` of term `t`?
  function wordMatches(token, w, t) {
    if (token === w) return true;
    if (t.prefix) return token.lastIndexOf(w, 0) === 0;
    return !t.exact && stem(token) === stem(w);
  }
  // Whether the ID or title of `d` holds term `t` (its head postings, search() sets
  // t.heads; a phrase is then read in the words of the ID and title themselves).
  function headMatches(d, t) {
    if (!t.heads.has(d.n)) return false;
    if (!t.phrase) return true;
    var head = d._head || (d._head = tokens((d.id || "") + " " + (d.title || "")));
    return hasPhrase(head, t.words);
  }
  function hasPhrase(toks, words) {
    outer: for (var i = 0; i + words.length <= toks.length; i++) {
      for (var k = 0; k < words.length; k++) if (toks[i + k] !== words[k]) continue outer;
      return true;
    }
    return false;
  }
  // The documents whose text (or, `head`, ID or title) holds every word of `t` in a
  // matching form (for a phrase: every word; the phrase itself is checked later).
  function termDocs(t, head) {
    var set = null;
    t.words.forEach(function (w, k) {
      var got = docsOf(forms(w, t.exact, t.prefix && k === t.words.length - 1), head);
      set = set === null ? got : new Set(Array.from(set).filter(function (n) { return got.has(n); }));
    });
    return set || new Set();
  }

  // Ranked candidates: every positive term in the head or the text; a head (ID or
  // title) match outranks text matches. `check` lists the documents whose phrases
  // (or excluded phrases) must still be read in their text.
  function search(q) {
    var pos = q.terms.filter(function (t) { return !t.negated; });
    var neg = q.terms.filter(function (t) { return t.negated; });
    var bodies = q.terms.map(function (t) { return termDocs(t, false); });
    q.terms.forEach(function (t) { t.heads = termDocs(t, true); });
    var wanted = pos.map(function (t) { return t.words.join(" "); }).join(" ");
    var hits = [];
    index.docs.forEach(function (d) {
      if (!passes(d, q.filters)) return;
      var score = 0, check = false, heads = 0;
      for (var i = 0; i < q.terms.length; i++) {
        var t = q.terms[i], inBody = bodies[i].has(d.n), inHead = headMatches(d, t);
        if (t.negated) {
          if (inHead) return;
          if (inBody) { if (t.phrase) check = true; else return; }
          continue;
        }
        if (!inHead && !inBody) return;
        if (!inHead && t.phrase) check = true;
        heads += inHead ? 1 : 0;
        score += (inHead ? 1000 : 0) + (inBody ? 1 : 0);
      }
      // (an ID that is the query is in the head of every positive term)
      if (pos.length && heads === pos.length && tokens(d.id).join(" ") === wanted) score += 100000;
      hits.push({ d: d, score: score, check: check });
    });
    hits.sort(function (a, b) { return b.score - a.score || (a.d.path < b.d.path ? -1 : 1); });
    return { hits: hits, pos: pos, neg: neg };
  }

  function lowText(d) {
    var t = texts[d.key];
    if (t.low === null) t.low = tokens(t.text);
    return t.low;
  }
  // Whether the text of a hit that needs checking holds its phrases (and not its
  // excluded phrases); its text must be loaded.
  function confirmed(h, q) {
    if (!h.check) return true;
    var toks = lowText(h.d);
    return q.terms.every(function (t) {
      if (!t.phrase) return true;
      var found = hasPhrase(toks, t.words) || headMatches(h.d, t);
      return t.negated ? !found : found;
    });
  }

  // -- showing ------------------------------------------------------------------------
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // [start, end) of each word of `text` a positive term matches.
  function marks(text, pos) {
    var out = [], m, re = /[\p{L}\p{N}]+/gu;
    while ((m = re.exec(text)) !== null) {
      var f = fold(m[0]);
      if (pos.some(function (t) { return t.words.some(function (w) { return wordMatches(f, w, t); }); })) {
        out.push([m.index, m.index + m[0].length]);
      }
    }
    return out;
  }

  function snippet(d, pos) {
    var t = texts[d.key], text = (t && t.text) || "";
    var all = marks(text.slice(0, 20000), pos), first = all.length ? all[0][0] : -1;
    var from = first === -1 ? 0 : Math.max(0, first - BEFORE);
    if (from > 0) { var sp = text.indexOf(" ", from); if (sp !== -1 && sp < first) from = sp + 1; }
    var to = Math.min(text.length, (first === -1 ? 0 : first) + AFTER);
    var out = el("div", "snippet"), at = from;
    if (from > 0) out.appendChild(document.createTextNode("…"));
    all.forEach(function (m) {
      if (m[0] < at || m[1] > to) return;
      out.appendChild(document.createTextNode(text.slice(at, m[0])));
      out.appendChild(el("mark", "", text.slice(m[0], m[1])));
      at = m[1];
    });
    out.appendChild(document.createTextNode(text.slice(at, to)));
    if (to < text.length) out.appendChild(document.createTextNode("…"));
    var anchor = "";
    ((t && t.sections) || []).forEach(function (s) { if (first >= s[0]) anchor = s[1]; });
    return { node: out, href: anchor && first >= 0 ? d.url + "#" + encodeURIComponent(anchor) : d.url };
  }

  function render(shown, total, more, pos, raw) {
    var frag = document.createDocumentFragment();
    if (!shown.length) {
      frag.appendChild(el("p", "none", "No document matches “" + raw + "”."));
    } else {
      frag.appendChild(el("p", "count", total + (more ? "+" : "") + (total === 1 ? " document" : " documents")
        + (total > LIMIT || more ? ", the first " + shown.length + " shown" : "")));
    }
    var list = el("ol", "results"), later = [];
    shown.forEach(function (h) {
      var d = h.d, li = el("li");
      var a = el("a", "hit", (d.id || d.path) + " " + (d.title || ""));
      a.href = d.url;  // a relative doc/… file name written by the builder
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      var status = (d.status || "none").toLowerCase().replace(/[^a-z0-9]+/g, "-");
      li.appendChild(el("span", "badge status-" + status, d.status || "no status"));
      li.appendChild(el("div", "where", d.path));
      var slot = el("div", "snippet");
      li.appendChild(slot);
      list.appendChild(li);
      later.push(function () {
        withTexts([d], function () {
          var s = snippet(d, pos);
          slot.replaceWith(s.node);
          a.href = s.href;
        });
      });
    });
    frag.appendChild(list);
    results.textContent = "";
    results.appendChild(frag);
    // the texts (for snippets and section links) are asked for once the results show
    later.forEach(function (f) { f(); });
  }

  var asked = 0;
  function show(raw) {
    var q = parse(raw), mine = ++asked;
    if (!q.terms.length && !q.filters.length) { results.textContent = ""; return; }
    withIndex(function () { withShards(q, function () {
      if (mine !== asked) return;
      var found = search(q), hits = found.hits;
      if (!hits.some(function (h) { return h.check; })) {
        render(hits.slice(0, LIMIT), hits.length, false, found.pos, raw);
        return;
      }
      // Phrases: read the texts of the candidates in rank order until LIMIT are sure.
      var shown = [], i = 0;
      (function next() {
        if (mine !== asked) return;
        if (shown.length >= LIMIT || i >= hits.length) {
          render(shown, shown.length, i < hits.length, found.pos, raw);
          return;
        }
        var batch = hits.slice(i, i + LIMIT);
        i += batch.length;
        withTexts(batch.filter(function (h) { return h.check; }).map(function (h) { return h.d; }), function () {
          batch.forEach(function (h) { if (shown.length < LIMIT && confirmed(h, q)) shown.push(h); });
          next();
        });
      })();
    }); });
  }

  var params = new URLSearchParams(location.search);
  var initial = params.get("q") || "";
  box.value = initial;
  var header = document.getElementById("search-box");
  if (header) header.value = initial;
  if (initial) show(initial);
  box.addEventListener("focus", function () { withIndex(function () {}); });

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
