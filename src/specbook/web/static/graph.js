/* The reference graph, drawn in the browser by the vendored cytoscape.js and its fcose
   layout (see VENDORED.md), the same in the portal and in the static site opened from
   file://. The data is one script (window.SPECBOOK_GRAPH, the format of
   specbook/web/graphview.py): the page loads it, and the libraries, only when a graph
   is on screen, so a document page whose reader never scrolls to its graph costs
   nothing.

   The graph page shows the whole book, or the neighbourhood of ?root=ID (to ?depth=N);
   a document page shows its own neighbourhood. Above COLLAPSE_AT documents the whole
   book starts as one node per kind (or folder); a cluster expands on click. Filters
   by kind, status and reference type, search-to-focus, zoom buttons; a click on a
   document opens its page. */
(function () {
  "use strict";

  var COLLAPSE_AT = 300;  // whole-book views above this many documents start collapsed
  var DRAW_LIMIT = 2500;  // never lay out more single documents than this at once
  var FCOSE_MAX = 150;  // above this many nodes fcose is too slow: d3-force lays them out
  var LIBS = ["cytoscape.min.js", "layout-base.js", "cose-base.js", "cytoscape-fcose.js",
              "d3-dispatch.min.js", "d3-quadtree.min.js", "d3-timer.min.js", "d3-force.min.js"];
  /* Never colour alone: a reference type is also its line style and arrow head, a status
     also a sign before the ID (the legend names both). */
  var TYPE_STYLE = {  // reference type -> colour, line style, arrow head, the head's sign
    "relates": ["#94a3b8", "solid", "circle", "\u25cf"],
    "depends-on": ["#2563eb", "solid", "triangle", "\u25b6"],
    "supersedes": ["#7c3aed", "dashed", "triangle", "\u25b6"],
    "superseded-by": ["#7c3aed", "dotted", "triangle", "\u25b6"],
    "fixes": ["#c2410c", "dashed", "tee", "\u22a3"],
    "implements": ["#15803d", "solid", "diamond", "\u25c6"]
  };
  var LOOKS = {  // a group of statuses -> fill and sign
    todo: ["#eeeeee", "\u25cb"], open: ["#fde2e1", "\u25c7"], busy: ["#fff3bf", "\u25d0"],
    blocked: ["#ffd8a8", "\u2298"], agreed: ["#d3f9d8", "\u25cf"], done: ["#d0ebff", "\u2714"],
    gone: ["#dee2e6", "\u00d7"]
  };
  var STATUS_LOOK = {
    "draft": "todo", "proposed": "todo", "todo": "todo", "open": "open",
    "review": "busy", "in review": "busy", "in progress": "busy", "blocked": "blocked",
    "approved": "agreed", "accepted": "agreed", "fixed": "agreed",
    "implemented": "done", "verified": "done", "done": "done", "closed": "done",
    "archived": "gone", "superseded": "gone", "deprecated": "gone", "rejected": "gone", "cancelled": "gone"
  };
  /* [fill, sign] of a status, or null for one the view has no look for (drawn white). */
  function statusLook(name) {
    var group = STATUS_LOOK[String(name).toLowerCase()];
    return group ? LOOKS[group] : null;
  }
  var DIRECTIONS = { ArrowLeft: [-1, 0, "left"], ArrowRight: [1, 0, "right"],
                     ArrowUp: [0, -1, "up"], ArrowDown: [0, 1, "down"] };

  function loadScripts(urls, done, failed) {
    var i = 0;
    (function next() {
      if (i >= urls.length) { done(); return; }
      var s = document.createElement("script");
      s.src = urls[i++];
      s.onload = next;
      s.onerror = function () { failed(s.src); };
      document.head.appendChild(s);
    })();
  }

  function start(view) {
    var status = view.querySelector(".graph-status");
    var urls = [];
    if (!window.cytoscape) {
      LIBS.forEach(function (name) { urls.push(view.dataset.static + name); });
    }
    if (!window.SPECBOOK_GRAPH) urls.push(view.dataset.data);
    loadScripts(urls, function () {
      try {
        new GraphView(view, window.SPECBOOK_GRAPH);
      } catch (e) {
        status.textContent = "The graph could not be drawn: " + e.message;
        throw e;
      }
    }, function (src) {
      status.textContent = "The graph could not be loaded (" + src + ").";
    });
  }

  /* ---- the data, indexed once ---------------------------------------------------- */

  function Book(data) {
    var n = data.nodes.length;
    this.data = data;
    this.byId = new Map();
    this.adj = new Array(n);
    for (var i = 0; i < n; i++) {
      this.byId.set(data.nodes[i][0].toUpperCase(), i);
      this.adj[i] = [];
    }
    for (var e = 0; e < data.edges.length; e++) {
      var edge = data.edges[e];
      this.adj[edge[0]].push(e);
      this.adj[edge[1]].push(e);
    }
  }
  Book.prototype.kindName = function (i) {
    var node = this.data.nodes[i];
    if (node[6] & 1) return "(no such document)";
    return node[2] < 0 ? "(no kind)" : this.data.kinds[node[2]];
  };
  Book.prototype.statusName = function (i) {
    var s = this.data.nodes[i][3];
    return s < 0 ? "(no status)" : this.data.statuses[s];
  };
  Book.prototype.folderName = function (i) {
    var f = this.data.nodes[i][4];
    return f < 0 ? "(elsewhere)" : this.data.folders[f];
  };
  /* The first node with this ID (any case), else the first whose title holds the words. */
  Book.prototype.find = function (text) {
    var want = text.trim();
    if (!want) return -1;
    var hit = this.byId.get(want.toUpperCase());
    if (hit !== undefined) return hit;
    var id = want.split(/\s/)[0].toUpperCase();  // "SPEC-001 Title" from the list
    hit = this.byId.get(id);
    if (hit !== undefined) return hit;
    var low = want.toLowerCase();
    var nodes = this.data.nodes;
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i][1].toLowerCase().indexOf(low) >= 0) return i;
    }
    return -1;
  };

  /* ---- the view ------------------------------------------------------------------ */

  function GraphView(view, data) {
    var self = this;
    this.view = view;
    this.book = new Book(data);
    this.embed = !!view.dataset.embed;
    this.base = view.dataset.base || "";
    this.statusLine = view.querySelector(".graph-status");
    var params = new URLSearchParams(window.location.search);
    var root = this.embed ? view.dataset.root : (params.get("root") || view.dataset.root || "");
    var depth = parseInt(this.embed ? view.dataset.depth : (params.get("depth") || view.dataset.depth), 10);
    this.depth = isNaN(depth) ? 2 : Math.max(0, Math.min(6, depth));
    this.root = -1;
    if (root) {
      this.root = this.book.byId.has(root.toUpperCase()) ? this.book.byId.get(root.toUpperCase()) : -1;
      if (this.root < 0) { this.say("No document has the ID " + root + "."); return; }
    }
    this.hidden = { kind: new Set(), status: new Set(), type: new Set() };
    this.group = "kind";
    this.expanded = new Set();
    this.allExpanded = false;
    this.cy = cytoscape({
      container: view.querySelector(".graph-canvas"),
      style: this.style(),
      minZoom: 0.02,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autoungrabify: false
    });
    this.wire();
    this.draw();
    window.specbookGraph = this;  // (for the browser tests and the curious)
  }

  GraphView.prototype.say = function (text) { this.statusLine.textContent = text; };

  GraphView.prototype.style = function () {
    var s = [
      { selector: "node", style: {
        "shape": "round-rectangle", "width": "data(w)", "height": "data(h)",
        "label": "data(label)", "font-size": 11, "text-valign": "center", "text-halign": "center",
        "text-wrap": "wrap", "text-max-width": "240px", "background-color": "data(fill)",
        "border-width": 1, "border-color": "#64748b", "color": "#1d2330" } },
      { selector: "node.dangling", style: {
        "border-style": "dashed", "border-color": "#c92a2a", "color": "#c92a2a", "background-color": "#fff5f5" } },
      { selector: "node.root", style: { "border-width": 4, "border-color": "#1d2330", "font-weight": "bold" } },
      { selector: "node.cluster", style: {
        "shape": "ellipse", "width": "data(size)", "height": "data(size)", "padding": "0px",
        "background-color": "#e0e7ff", "border-color": "#4338ca", "border-width": 2,
        "font-size": 13, "font-weight": "bold", "text-max-width": "200px" } },
      { selector: "node.focus", style: { "border-width": 5, "border-color": "#db2777", "z-index": 10 } },
      { selector: "edge", style: {
        // (an open head: a type with no style of its own looks like none of the known ones)
        "width": "data(width)", "curve-style": "bezier", "target-arrow-shape": "vee",
        "arrow-scale": 0.8, "line-color": "#94a3b8", "target-arrow-color": "#94a3b8", "opacity": 0.8 } },
      { selector: "edge.straight", style: { "curve-style": "straight", "arrow-scale": 0.6 } },
      { selector: "edge.bundle", style: { "line-color": "#6366f1", "target-arrow-color": "#6366f1",
        "target-arrow-shape": "triangle",
        "label": "data(label)", "font-size": 10, "text-background-color": "#fff", "text-background-opacity": 0.8 } },
      { selector: "edge.labelled", style: { "label": "data(label)", "font-size": 9,
        "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8 } }
    ];
    Object.keys(TYPE_STYLE).forEach(function (t) {
      s.push({ selector: 'edge[type="' + t + '"]', style: {
        "line-color": TYPE_STYLE[t][0], "target-arrow-color": TYPE_STYLE[t][0], "line-style": TYPE_STYLE[t][1],
        "target-arrow-shape": TYPE_STYLE[t][2] } });
    });
    s.push({ selector: ".faded", style: { "opacity": 0.12 } });  // (last: it wins)
    // the keyboard's selection: a thick double border and a halo, never faded
    s.push({ selector: "node.kbd", style: { "border-width": 6, "border-style": "double",
      "border-color": "#1d4ed8", "underlay-color": "#1d4ed8", "underlay-opacity": 0.25,
      "underlay-padding": 8, "opacity": 1, "z-index": 20 } });
    s.push({ selector: "edge.bundle.quiet", style: { "label": "" } });
    return s;
  };

  GraphView.prototype.clusterOf = function (i) {
    return this.group === "folder" ? this.book.folderName(i) : this.book.kindName(i);
  };

  GraphView.prototype.visibleNode = function (i) {
    return !this.hidden.kind.has(this.book.kindName(i)) && !this.hidden.status.has(this.book.statusName(i));
  };

  /* The node numbers to show: the root's neighbourhood, or every document, filtered. */
  GraphView.prototype.shown = function () {
    var book = this.book, edges = book.data.edges, self = this;
    var out = [];
    if (this.root < 0) {
      for (var i = 0; i < book.data.nodes.length; i++) if (this.visibleNode(i)) out.push(i);
      return out;
    }
    var hops = new Map([[this.root, 0]]), queue = [this.root];
    while (queue.length) {
      var here = queue.shift(), h = hops.get(here);
      out.push(here);
      if (h >= this.depth) continue;
      book.adj[here].forEach(function (e) {
        var edge = edges[e];
        if (self.hidden.type.has(book.data.types[edge[2]])) return;
        var there = edge[0] === here ? edge[1] : edge[0];
        if (!hops.has(there) && self.visibleNode(there)) { hops.set(there, h + 1); queue.push(there); }
      });
    }
    this.hops = hops;
    return out;
  };

  GraphView.prototype.elements = function (nodes) {
    var book = this.book, data = book.data, self = this;
    var collapse = this.root < 0 && this.group !== "none" && !this.allExpanded && nodes.length > COLLAPSE_AT;
    this.collapsed = collapse;
    var where = new Map();  // node -> its element id
    var clusters = new Map();  // cluster name -> member count
    var els = [];
    var singles = 0;
    nodes.forEach(function (i) {
      var c = self.clusterOf(i);
      if (collapse && !self.expanded.has(c)) {
        where.set(i, "c:" + c);
        clusters.set(c, (clusters.get(c) || 0) + 1);
      } else {
        where.set(i, "n:" + i);
        singles++;
      }
    });
    if (singles > DRAW_LIMIT) return null;
    var small = singles <= 80;
    nodes.forEach(function (i) {
      if (where.get(i) !== "n:" + i) return;
      var node = data.nodes[i], st = book.statusName(i);
      var cls = (node[6] & 1) ? "dangling" : "";
      if (i === self.root) cls += " root";
      var title = node[1].length > 28 ? node[1].slice(0, 27) + "…" : node[1];
      var look = statusLook(st);
      var id = look ? look[1] + " " + node[0] : node[0];
      var label = small && title ? id + "\n" + title : id;
      var lines = label.split("\n");
      var longest = Math.max.apply(null, lines.map(function (l) { return l.length; }));
      els.push({ group: "nodes", classes: cls, data: {
        id: "n:" + i, n: i, href: node[5], label: label,
        w: Math.max(40, Math.round(longest * 6.2 + 14)), h: lines.length * 14 + 10,
        fill: look ? look[0] : "#ffffff" } });
    });
    clusters.forEach(function (count, c) {
      els.push({ group: "nodes", classes: "cluster", data: {
        id: "c:" + c, cluster: c, fill: "#e0e7ff", label: c + "\n" + count.toLocaleString("en") + " documents",
        size: Math.round(60 + 14 * Math.sqrt(count)) } });
    });
    var merged = new Map();
    data.edges.forEach(function (edge) {
      var type = data.types[edge[2]];
      if (self.hidden.type.has(type)) return;
      var s = where.get(edge[0]), t = where.get(edge[1]);
      if (s === undefined || t === undefined || s === t) return;
      var bundle = s.charAt(0) === "c" || t.charAt(0) === "c";
      var key = bundle ? s + ">" + t : s + ">" + t + ">" + type;
      var m = merged.get(key);
      if (!m) merged.set(key, m = { s: s, t: t, type: bundle ? "" : type, count: 0, bundle: bundle });
      m.count += edge[3];
    });
    var few = merged.size <= 24, many = merged.size > 400;  // (straight lines draw faster)
    merged.forEach(function (m, key) {
      var cls = m.bundle ? (many ? "bundle quiet" : "bundle") : (few ? "labelled" : (many ? "straight" : ""));
      els.push({ group: "edges", classes: cls, data: {
        id: "e:" + key, source: m.s, target: m.t, type: m.type,
        label: m.bundle ? m.count.toLocaleString("en") : m.type,
        width: m.bundle ? Math.min(12, 1 + Math.log2(m.count)) : 1.3 } });
    });
    return els;
  };

  GraphView.prototype.draw = function (then) {
    var self = this, cy = this.cy;
    var t0 = performance.now();
    var nodes = this.shown();
    var els = this.elements(nodes);
    if (els === null) {
      this.say(nodes.length.toLocaleString("en") + " documents are too many to draw one by one; " +
               "collapse, filter or group them.");
      this.allExpanded = false;
      this.expanded.clear();
      els = this.elements(nodes);
    }
    this.view.removeAttribute("data-ready");
    cy.elements().remove();
    cy.add(els);
    var count = cy.nodes().length;
    var picked = this.selected ? this.selected.id() : null;
    this.selected = null;
    function finish() {
      cy.fit(undefined, 24);
      if (cy.zoom() > 1.6) { cy.zoom(1.6); cy.center(); }  // (a few nodes: not huge)
      if (picked && cy.getElementById(picked).nonempty()) self.select(cy.getElementById(picked), true);
      self.ms = Math.round(performance.now() - t0);
      self.readyAt = Math.round(performance.now());
      self.view.setAttribute("data-ready", String(++self.draws));
      self.report(nodes.length);
      if (then) then();
    }
    if (count > FCOSE_MAX) {
      this.forceLayout();
      finish();
      return;
    }
    var layout = this.fcose();
    if (this.root >= 0 && count <= 40) {  // rings by distance from the document
      layout = { name: "concentric", animate: false, minNodeSpacing: 12,
        concentric: function (n) { return 100 - (self.hops.get(n.data("n")) || 0); },
        levelWidth: function () { return 1; } };
    }
    var run = cy.layout(layout);
    run.one("layoutstop", finish);
    run.run();
  };
  GraphView.prototype.draws = 0;

  GraphView.prototype.fcose = function () {
    return { name: "fcose", animate: false, randomize: true, quality: "default",
      nodeDimensionsIncludeLabels: true, nodeRepulsion: 6000, idealEdgeLength: 70, tile: true };
  };

  /* d3-force's many-body simulation (Barnes-Hut, so O(n log n) a step), run to its end
     at once, with a collision force so no two nodes overlap; cytoscape then shows the
     positions as they are. */
  GraphView.prototype.forceLayout = function () {
    var cy = this.cy, at = new Map();
    var nodes = cy.nodes().map(function (n, i) {
      at.set(n.id(), i);
      return { id: n.id(), r: Math.max(n.width(), n.height()) / 2 + 4 };
    });
    var links = cy.edges().map(function (e) {
      return { source: at.get(e.source().id()), target: at.get(e.target().id()) };
    });
    var sim = d3.forceSimulation(nodes)
      .force("link", d3.forceLink(links).distance(50))
      .force("charge", d3.forceManyBody().strength(-90).theta(0.9).distanceMax(2000))
      .force("collide", d3.forceCollide(function (d) { return d.r; }))
      .force("x", d3.forceX(0).strength(0.04))
      .force("y", d3.forceY(0).strength(0.04))
      .stop();
    var ticks = Math.ceil(Math.log(sim.alphaMin()) / Math.log(1 - sim.alphaDecay()));
    for (var i = 0; i < ticks; i++) sim.tick();
    cy.batch(function () {
      nodes.forEach(function (d) { cy.getElementById(d.id).position({ x: d.x, y: d.y }); });
    });
  };

  GraphView.prototype.report = function (n) {
    if (this.statusLine.dataset.keep) { delete this.statusLine.dataset.keep; return; }
    var drawn = this.cy.nodes().not(".cluster").length;
    var clusters = this.cy.nodes(".cluster").length;
    var text = n.toLocaleString("en") + " documents";
    if (this.root >= 0) {
      text += " within " + this.depth + " of " + this.book.data.nodes[this.root][0];
    }
    if (clusters) {
      text += " in " + clusters + " clusters (" + (this.group === "folder" ? "by folder" : "by kind") +
              "; click one to expand it)" + (drawn ? ", " + drawn + " shown one by one" : "");
    }
    this.say(text + ". Scroll to zoom, drag to pan, click a document to open it.");
  };

  /* Select node i: expand its cluster when needed, centre on it, dim the rest. */
  GraphView.prototype.focus = function (i) {
    var self = this, book = this.book;
    if (!this.visibleNode(i)) { this.say(book.data.nodes[i][0] + " is hidden by the filters."); return; }
    var el = this.cy.getElementById("n:" + i);
    if (el.empty()) {
      if (this.root >= 0) {
        var link = this.view.dataset.page + "?root=" + encodeURIComponent(book.data.nodes[i][0]);
        this.say(book.data.nodes[i][0] + " is not within " + this.depth + " of this document.");
        var a = document.createElement("a");
        a.href = link; a.textContent = " Show its neighbourhood.";
        this.statusLine.appendChild(a);
        return;
      }
      this.expanded.add(this.clusterOf(i));
      this.draw(function () { self.focus(i); });
      return;
    }
    var cy = this.cy;
    cy.elements().removeClass("focus faded");
    var near = el.closedNeighborhood();
    cy.elements().not(near).addClass("faded");
    el.addClass("focus");
    cy.zoom({ level: Math.max(cy.zoom(), 1.2), position: el.position() });
    cy.center(el);
    this.select(el, true);  // (the keyboard goes on from here, its references listed)
    var node = book.data.nodes[i];
    this.statusLine.dataset.keep = "1";
    this.say(node[0] + " " + node[1] + " (" + book.kindName(i) + ", " + book.statusName(i) + "): " +
             (el.degree() ) + " references shown. ");
    if (node[5]) {
      var open = document.createElement("a");
      open.href = this.base + node[5];
      open.textContent = "Open " + node[0];
      this.statusLine.appendChild(open);
    }
    this.focused = i;
  };

  GraphView.prototype.wire = function () {
    var self = this, view = this.view, cy = this.cy;
    cy.on("tap", "node", function (evt) {
      var n = evt.target;
      if (n.hasClass("cluster")) {
        self.expanded.add(n.data("cluster"));
        self.draw();
      } else if (n.data("href")) {
        window.location.href = self.base + n.data("href");
      }
    });
    cy.on("mouseover", "node", function (evt) {
      var n = evt.target, i = n.data("n");
      view.querySelector(".graph-canvas").style.cursor = "pointer";
      if (i === undefined) return;
      var node = self.book.data.nodes[i];
      self.say(node[0] + (node[1] ? " " + node[1] : "") + " (" + self.book.kindName(i) + ", " +
               self.book.statusName(i) + ")");
    });
    cy.on("mouseout", "node", function () { view.querySelector(".graph-canvas").style.cursor = ""; });
    cy.on("tap", function (evt) {
      if (evt.target === cy) cy.elements().removeClass("focus faded");
    });
    view.querySelector(".graph-in").addEventListener("click", function () { self.zoomBy(1.4); });
    view.querySelector(".graph-out").addEventListener("click", function () { self.zoomBy(1 / 1.4); });
    view.querySelector(".graph-fit").addEventListener("click", function () { cy.fit(undefined, 24); });
    this.keys();
    this.legend();
    var depth = view.querySelector(".graph-depth");
    depth.value = String(this.depth);  // (the static page learns them from its URL only)
    if (this.root >= 0 && !this.embed) {
      view.querySelector("#graph-root").value = this.book.data.nodes[this.root][0];
    }
    if (this.embed) {
      depth.addEventListener("change", function () { self.depth = parseInt(depth.value, 10); self.draw(); });
      return;
    }
    var find = view.querySelector("#graph-find");
    var listed = false;
    find.addEventListener("focus", function () {  // (10,000 options: made on first use)
      if (listed) return;
      listed = true;
      var list = view.querySelector("#graph-ids"), frag = document.createDocumentFragment();
      self.book.data.nodes.forEach(function (node) {
        if (node[6] & 1) return;
        var o = document.createElement("option");
        o.value = node[0] + " " + node[1];
        frag.appendChild(o);
      });
      list.appendChild(frag);
    });
    function go() {
      var i = self.book.find(find.value);
      if (i < 0) self.say("No document matches " + find.value + ".");
      else self.focus(i);
    }
    view.querySelector("#graph-focus").addEventListener("click", go);
    find.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); go(); }
    });
    var group = view.querySelector("#graph-group");
    group.addEventListener("change", function () {
      self.group = group.value; self.expanded.clear(); self.allExpanded = false; self.draw();
    });
    view.querySelector("#graph-expand").addEventListener("click", function () {
      self.allExpanded = true; self.draw();
    });
    view.querySelector("#graph-collapse").addEventListener("click", function () {
      self.allExpanded = false; self.expanded.clear(); self.draw();
    });
    this.filters();
  };

  /* ---- the keyboard ------------------------------------------------------------ */

  GraphView.prototype.zoomBy = function (f) {
    var cy = this.cy, at = this.selected;
    var c = this.view.querySelector(".graph-canvas");
    var centre = at ? at.renderedPosition() : { x: c.clientWidth / 2, y: c.clientHeight / 2 };
    cy.zoom({ level: cy.zoom() * f, renderedPosition: centre });
  };

  /* The canvas takes the focus (Tab) and keys: the arrows move the selection to the
     node in that direction (a neighbour first), Page Down/Up to the next or previous
     node, Home to the document the view is about; Enter or Space opens the selected
     document or expands the selected cluster; + and - zoom, 0 fits, Escape lets go.
     Tab leaves the canvas as from any element. */
  GraphView.prototype.keys = function () {
    var self = this, cy = this.cy, canvas = this.view.querySelector(".graph-canvas");
    canvas.addEventListener("focus", function () {
      if (!self.selected) self.select(self.startNode());
    });
    canvas.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      var dir = DIRECTIONS[e.key];
      if (dir) self.step(dir);
      else if (e.key === "Enter" || e.key === " ") self.activate();
      else if (e.key === "+" || e.key === "=") self.zoomBy(1.4);
      else if (e.key === "-" || e.key === "_") self.zoomBy(1 / 1.4);
      else if (e.key === "0") cy.fit(undefined, 24);
      else if (e.key === "Home") self.select(self.startNode());
      else if (e.key === "PageDown") self.select(self.following(1));
      else if (e.key === "PageUp") self.select(self.following(-1));
      else if (e.key === "Escape") self.select(null);
      else return;
      e.preventDefault();  // (the arrows and Space would scroll the page)
    });
  };

  /* Where the keyboard starts: the document the view is about, the one found last,
     else the node nearest the middle of the canvas. */
  GraphView.prototype.startNode = function () {
    var cy = this.cy;
    var mine = cy.getElementById("n:" + (this.focused !== undefined ? this.focused : this.root));
    if (mine.nonempty()) return mine;
    var mx = cy.width() / 2, my = cy.height() / 2, best = null, far = Infinity;
    cy.nodes().forEach(function (n) {
      var p = n.renderedPosition(), d = (p.x - mx) * (p.x - mx) + (p.y - my) * (p.y - my);
      if (d < far) { far = d; best = n; }
    });
    return best;
  };

  /* The next (1) or previous (-1) node in the drawing's order, round the end. */
  GraphView.prototype.following = function (by) {
    var nodes = this.cy.nodes();
    if (!nodes.length) return null;
    var at = this.selected ? nodes.indexOf(this.selected) : -1;
    return nodes[((at + by) % nodes.length + nodes.length) % nodes.length];
  };

  /* Move the selection the way of `dir` ([dx, dy, name]): to the nearest node it refers
     to or is referred by within 45 degrees of that way, else to the nearest node at all
     within about 60 degrees; nearer the axis is better. */
  GraphView.prototype.step = function (dir) {
    var from = this.selected;
    if (!from) { this.select(this.startNode()); return; }
    var p = from.position();
    function best(nodes, cone) {
      var pick = null, score = Infinity;
      nodes.forEach(function (n) {
        if (n.same(from)) return;
        var q = n.position(), vx = q.x - p.x, vy = q.y - p.y;
        var along = vx * dir[0] + vy * dir[1], across = Math.abs(vx * dir[1] - vy * dir[0]);
        if (along <= 0 || across > along * cone) return;
        var d = along + 2 * across;
        if (d < score) { score = d; pick = n; }
      });
      return pick;
    }
    var next = best(from.neighborhood().nodes(), 1) || best(this.cy.nodes(), 1.8);
    if (next) this.select(next);
    else this.announce("Nothing further " + dir[2] + " of " + this.nameOf(from) + ".");
  };

  /* Enter on the selection: a cluster expands (the selection moves to one of its
     documents), a document opens. */
  GraphView.prototype.activate = function () {
    var self = this, n = this.selected;
    if (!n) { this.select(this.startNode()); return; }
    if (n.hasClass("cluster")) {
      var name = n.data("cluster");
      this.expanded.add(name);
      this.selected = null;
      this.draw(function () {
        var first = self.cy.nodes().filter(function (m) {
          return m.data("n") !== undefined && self.clusterOf(m.data("n")) === name;
        });
        self.select(first.nonempty() ? first[0] : self.startNode());
      });
    } else if (n.data("href")) {
      window.location.href = this.base + n.data("href");
    } else {
      this.announce(this.nameOf(n) + " is not the ID of any document of the book.");
    }
  };

  GraphView.prototype.nameOf = function (n) {
    return n.hasClass("cluster") ? n.data("cluster") : this.book.data.nodes[n.data("n")][0];
  };

  GraphView.prototype.announce = function (text) {
    this.view.querySelector(".graph-announce").textContent = text;
  };

  /* Select node `n` (null: none): mark it, keep it on screen, say what it is, and list
     its references as links (the graph's content without the canvas). `quiet`: a
     redraw keeping the selection says nothing again. */
  GraphView.prototype.select = function (n, quiet) {
    var cy = this.cy, list = this.view.querySelector(".graph-neighbours");
    cy.nodes(".kbd").removeClass("kbd");
    this.selected = n && n.nonempty() ? n : null;
    list.textContent = "";
    if (!this.selected) { if (!quiet) this.announce("Nothing selected."); return; }
    n.addClass("kbd");
    var box = n.renderedBoundingBox(), w = cy.width(), h = cy.height();
    if (box.x1 < 0 || box.y1 < 0 || box.x2 > w || box.y2 > h) cy.center(n);
    if (n.hasClass("cluster")) {
      if (!quiet) this.announce(n.data("label").replace("\n", ": ") + " (a cluster). Enter expands it.");
      return;
    }
    var i = n.data("n"), book = this.book, node = book.data.nodes[i];
    var refs = book.adj[i].length;
    if (!quiet) {
      this.announce(node[0] + (node[1] ? " " + node[1] : "") + " (" + book.kindName(i) + ", " +
        book.statusName(i) + "), " + refs + " reference" + (refs === 1 ? "" : "s") +
        (node[5] ? ". Enter opens it." : "."));
    }
    this.neighbours(i, list);
  };

  var LIST_AT_MOST = 30;
  /* The references of node i, as links to their documents (at most LIST_AT_MOST). */
  GraphView.prototype.neighbours = function (i, list) {
    var book = this.book, data = book.data, base = this.base;
    book.adj[i].slice(0, LIST_AT_MOST).forEach(function (e) {
      var edge = data.edges[e], out = edge[0] === i, other = out ? edge[1] : edge[0];
      var node = data.nodes[other], li = document.createElement("li");
      li.appendChild(document.createTextNode((out ? "\u2192 " : "\u2190 ") + data.types[edge[2]] + " "));
      var name = node[0] + (node[1] ? " " + node[1] : "");
      if (node[5]) {
        var a = document.createElement("a");
        a.href = base + node[5];
        a.textContent = name;
        li.appendChild(a);
      } else {
        li.appendChild(document.createTextNode(name + " (no such document)"));
      }
      list.appendChild(li);
    });
    var more = book.adj[i].length - LIST_AT_MOST;
    if (more > 0) {
      var li = document.createElement("li");
      li.textContent = "and " + more.toLocaleString("en") + " more";
      list.appendChild(li);
    }
  };

  /* A reference type's line: its colour, its style and its arrow head's sign. */
  function typeSwatch(type) {
    var swatch = document.createElement("span");
    swatch.className = "graph-swatch " + TYPE_STYLE[type][1];
    swatch.style.borderColor = TYPE_STYLE[type][0];
    var head = document.createElement("span");
    head.className = "graph-head";
    head.style.color = TYPE_STYLE[type][0];
    head.setAttribute("aria-hidden", "true");
    head.textContent = TYPE_STYLE[type][3];
    var both = document.createElement("span");
    both.appendChild(swatch);
    both.appendChild(head);
    return both;
  }
  /* A status's sign on its fill, as on the nodes. */
  function statusSwatch(look) {
    var sign = document.createElement("span");
    sign.className = "graph-sign";
    sign.style.backgroundColor = look[0];
    sign.setAttribute("aria-hidden", "true");
    sign.textContent = look[1];
    return sign;
  }

  /* What the lines and signs mean: the reference types and the statuses the book uses,
     each by name beside its line or sign. */
  GraphView.prototype.legend = function () {
    var box = this.view.querySelector(".graph-legend"), data = this.book.data;
    var used = new Set(data.edges.map(function (e) { return data.types[e[2]]; }));
    function item(swatch, text) {
      var span = document.createElement("span");
      span.className = "graph-key";
      span.appendChild(swatch);
      span.appendChild(document.createTextNode(text));
      box.appendChild(span);
    }
    data.types.forEach(function (t) {
      if (used.has(t) && TYPE_STYLE[t]) item(typeSwatch(t), t);
    });
    var statuses = new Set(data.nodes.map(function (n) { return n[3]; }));
    data.statuses.forEach(function (name, i) {
      var look = statusLook(name);
      if (look && statuses.has(i)) item(statusSwatch(look), name);
    });
  };

  GraphView.prototype.filters = function () {
    var self = this, book = this.book, data = book.data;
    function counts(name) {
      var m = new Map();
      for (var i = 0; i < data.nodes.length; i++) {
        var v = name(i);
        m.set(v, (m.get(v) || 0) + 1);
      }
      return m;
    }
    var typeCounts = new Map();
    data.edges.forEach(function (e) {
      var t = data.types[e[2]];
      typeCounts.set(t, (typeCounts.get(t) || 0) + 1);
    });
    var groups = [
      ["#graph-kinds", "kind", counts(function (i) { return book.kindName(i); })],
      ["#graph-statuses", "status", counts(function (i) { return book.statusName(i); })],
      ["#graph-types", "type", typeCounts]
    ];
    groups.forEach(function (g) {
      var box = self.view.querySelector(g[0]);
      g[2].forEach(function (n, name) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = "checkbox";
        input.checked = true;
        input.value = name;
        input.dataset.filter = g[1];
        input.addEventListener("change", function () {
          if (input.checked) self.hidden[g[1]].delete(name); else self.hidden[g[1]].add(name);
          self.draw();
        });
        label.appendChild(input);
        var text = " " + name + " (" + n.toLocaleString("en") + ")";
        if (g[1] === "type" && TYPE_STYLE[name]) label.appendChild(typeSwatch(name));
        if (g[1] === "status" && statusLook(name)) label.appendChild(statusSwatch(statusLook(name)));
        label.appendChild(document.createTextNode(text));
        box.appendChild(label);
      });
    });
  };

  function boot() {
    var view = document.getElementById("graph-view");
    if (!view) return;
    if (!view.dataset.embed || !("IntersectionObserver" in window)) { start(view); return; }
    var seen = new IntersectionObserver(function (entries) {  // load when scrolled to
      if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); start(view); }
    }, { rootMargin: "200px" });
    seen.observe(view);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
