"""The reference graph of a book: documents as nodes, typed references as edges.

:func:`build_graph` takes ``(node, references)`` pairs, so the edges can come from
parsed documents (:func:`graph_from_documents`) or from an index that stores the
typed references; :func:`neighbourhood` cuts the graph down to the nodes near one
document; :func:`render_mermaid`, :func:`render_dot` and :func:`graph_json` print it.

Edges between the same pair of documents with the same type are merged (``count``
says how many mentions they stand for). A reference to a requirement
(``SPEC-007/FR-2``) is an edge to its document. A document's references to itself
are left out, and so is a plain ``relates`` edge when the same pair also has a typed
one (``depends-on``, ``fixes``…), which says more. A reference to an ID no document
has ends at a *dangling* node.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from specbook.core.ids import ambiguous_id, unknown_id
from specbook.core.model import Document
from specbook.core.text import norm_key
from specbook.trace.links import REF_TYPES, RELATES, TypedReference, typed_references

if TYPE_CHECKING:
    from specbook.store import Store
    from specbook.store.base import RefEdge

GRAPH_VERSION = 1
_DIGITS = re.compile(r"(\d+)")


def id_order(doc_id: str) -> tuple[Any, ...]:
    """A sort key that puts ``SPEC-2`` before ``SPEC-10`` (numbers compared as numbers)."""
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(doc_id))


class NodeInfo(NamedTuple):
    """What the graph shows of a document. ``status`` is the canonical status when the
    document's status maps to one, else the status as written."""

    id: str
    kind: str | None
    title: str
    status: str | None
    path: str | None = None


@dataclass(frozen=True)
class Node:
    """A document, or an ID no document has (``dangling``). ``carriers`` are the
    documents with the ID when more than one has it (SB106): the node stands for them
    all, as every reference to the ID does; ``title`` and ``status`` are the first's."""

    id: str
    kind: str | None
    title: str
    status: str | None
    dangling: bool = False
    carriers: tuple[NodeInfo, ...] = ()

    @property
    def paths(self) -> list[str]:
        """The paths of the documents with this ID that are known (none for a dangling
        ID)."""
        return [c.path for c in self.carriers if c.path]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    type: str
    count: int = 1


@dataclass(frozen=True)
class Graph:
    """Nodes sorted by ID, edges by source, target and type (see :func:`id_order`)."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    root: str | None = None
    depth: int | None = None

    def node(self, node_id: str) -> Node | None:
        """The node with ID ``node_id`` (exact), or ``None``."""
        return next((n for n in self.nodes if n.id == node_id), None)


def node_info(doc: Document) -> NodeInfo | None:
    """The node of ``doc``, or ``None`` for a document without an ID."""
    if not doc.id:
        return None
    return NodeInfo(doc.id, doc.kind, doc.title, doc.status_canonical or doc.status, doc.path)


def build_graph(items: Iterable[tuple[NodeInfo, Iterable[TypedReference]]]) -> Graph:
    """The graph of ``items``: each a document's node and its typed references.

    When two documents share an ID (lint rule SB106 reports it) they are one node,
    the first one's title and status shown, every one of them among its ``carriers``;
    the references of both count.
    """
    nodes: dict[str, Node] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for info, refs in items:
        node = nodes.get(info.id)
        if node is None:
            nodes[info.id] = Node(info.id, info.kind, info.title, info.status, carriers=(info,))
        else:
            nodes[info.id] = dataclasses.replace(node, carriers=(*node.carriers, info))
        for ref in refs:
            if ref.target == info.id and not ref.target_book:
                continue  # a document naming itself says nothing about the graph
            # a document of another book (payments:SPEC-004) is its own node
            target = f"{ref.target_book}:{ref.target}" if ref.target_book else ref.target
            key = (info.id, target, ref.type)
            counts[key] = counts.get(key, 0) + 1
    typed = {(s, t) for (s, t, ty) in counts if ty != RELATES}
    for key in [k for k in counts if k[2] == RELATES and k[:2] in typed]:
        del counts[key]  # a plain mention adds nothing to a typed edge between the pair
    for _, target, _ in counts:
        if target not in nodes:
            nodes[target] = Node(target, None, "", None, dangling=True)
    type_rank = {t: i for i, t in enumerate(REF_TYPES)}
    edges = sorted(
        (Edge(s, t, ty, n) for (s, t, ty), n in counts.items()),
        key=lambda e: (id_order(e.source), id_order(e.target), type_rank.get(e.type, 99), e.type),
    )
    return Graph(tuple(sorted(nodes.values(), key=lambda n: id_order(n.id))), tuple(edges))


def graph_from_documents(documents: Iterable[Document]) -> Graph:
    """The graph of parsed documents (documents without an ID are left out)."""
    items = []
    for doc in documents:
        info = node_info(doc)
        if info is not None:
            items.append((info, typed_references(doc)))
    return build_graph(items)


def graph_from_store(store: Store, edges: Iterable[RefEdge] | None = None) -> Graph:
    """The same graph as :func:`graph_from_documents`, read from the book's index
    (``edges``: its references, when the caller has read them)."""
    refs: dict[str, list[TypedReference]] = {}
    for e in edges if edges is not None else store.references():
        if e.source:
            refs.setdefault(e.source, []).append(
                TypedReference(
                    e.source,
                    e.target,
                    e.requirement,
                    e.type,
                    e.section,
                    e.line,
                    e.text,
                    e.target_book,
                )
            )
    items = []
    for d in store.documents():  # sorted by path, as Book.documents() is
        if d.id:
            info = NodeInfo(d.id, d.kind, d.title, d.status_canonical or d.status, d.path)
            items.append((info, refs.pop(d.id, [])))
    return build_graph(items)


def neighbourhood(graph: Graph, root: str, depth: int = 2) -> Graph:
    """The part of ``graph`` within ``depth`` hops of document ``root``, following edges
    in either direction, with every edge between the nodes kept.

    ``root`` is matched case-insensitively. Raises :class:`NotFoundError` when no
    document of the graph has that ID (a dangling ID is no document), and
    :class:`AmbiguousIdError` when more than one has it: the references to it cannot
    tell them apart, so neither can their neighbourhood.
    """
    want = root.strip().upper()
    starts = [n for n in graph.nodes if n.id.upper() == want and not n.dangling]
    if not starts:
        raise unknown_id(root, (n.id for n in graph.nodes if not n.dangling), "in the book")
    carriers = [c for n in starts for c in n.carriers]
    if len(carriers) > 1:
        raise ambiguous_id(root, carriers, by_path=False)
    start = starts[0]
    near: dict[str, set[str]] = {}
    for e in graph.edges:
        near.setdefault(e.source, set()).add(e.target)
        near.setdefault(e.target, set()).add(e.source)
    hops = {start.id: 0}
    queue = deque([start.id])
    while queue:
        here = queue.popleft()
        if hops[here] >= depth:
            continue
        for there in sorted(near.get(here, ())):
            if there not in hops:
                hops[there] = hops[here] + 1
                queue.append(there)
    return Graph(
        tuple(n for n in graph.nodes if n.id in hops),
        tuple(e for e in graph.edges if e.source in hops and e.target in hops),
        root=start.id,
        depth=depth,
    )


def graph_json(graph: Graph) -> dict[str, Any]:
    """``{"version": 1, "root", "depth", "nodes": [{id, kind, title, status, dangling, paths}],
    "edges": [{source, target, type, count}]}``; ``root``/``depth`` are null for the
    whole book."""
    return {
        "version": GRAPH_VERSION,
        "root": graph.root,
        "depth": graph.depth,
        "nodes": [
            {
                "id": n.id,
                "kind": n.kind,
                "title": n.title,
                "status": n.status,
                "dangling": n.dangling,
                "paths": n.paths,
            }
            for n in graph.nodes
        ],
        "edges": [
            {"source": e.source, "target": e.target, "type": e.type, "count": e.count}
            for e in graph.edges
        ],
    }


# Fill colours by canonical status word; other statuses get the neutral one.
_STATUS_COLOURS = {
    "draft": "#eeeeee",
    "proposed": "#eeeeee",
    "todo": "#eeeeee",
    "open": "#fde2e1",
    "review": "#fff3bf",
    "in progress": "#fff3bf",
    "blocked": "#ffd8a8",
    "approved": "#d3f9d8",
    "accepted": "#d3f9d8",
    "fixed": "#d3f9d8",
    "implemented": "#d0ebff",
    "verified": "#d0ebff",
    "done": "#d0ebff",
    "closed": "#d0ebff",
    "archived": "#dee2e6",
    "superseded": "#dee2e6",
    "deprecated": "#dee2e6",
    "rejected": "#dee2e6",
    "won t fix": "#dee2e6",
    "cancelled": "#dee2e6",
}
_NEUTRAL = "#ffffff"
_DANGLING_COLOUR = "#fff5f5"


def status_class(status: str | None) -> str:
    """The class name a status gets in Mermaid output: ``In Progress`` -> ``st_in_progress``."""
    key = norm_key(status or "").replace(" ", "_")
    return f"st_{key}" if key else "st_none"


def _colour(status: str | None) -> str:
    return _STATUS_COLOURS.get(norm_key(status or ""), _NEUTRAL)


_MERMAID_WORDS = frozenset(
    ("end", "graph", "subgraph", "flowchart", "class", "classdef", "style", "click", "direction")
)


def _mermaid_ids(nodes: Iterable[Node]) -> dict[str, str]:
    """Mermaid-safe, unique node IDs: ``SPEC-001`` -> ``SPEC_001``."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for n in nodes:
        base = re.sub(r"[^A-Za-z0-9_]", "_", n.id) or "n"
        if base[0].isdigit() or base.lower() in _MERMAID_WORDS:
            base = "n_" + base
        safe, i = base, 2
        while safe in used:
            safe, i = f"{base}_{i}", i + 1
        used.add(safe)
        out[n.id] = safe
    return out


# Characters that end or change a quoted Mermaid label, as Mermaid entity codes.
_MERMAID_ESCAPES = {
    '"': "#quot;",
    "#": "#35;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    "[": "#91;",
    "]": "#93;",
    "(": "#40;",
    ")": "#41;",
    "{": "#123;",
    "}": "#125;",
    "|": "#124;",
    "`": "#96;",
}


def mermaid_label(text: str) -> str:
    """``text`` as the inside of a quoted Mermaid label: one line, entity-escaped."""
    flat = " ".join(text.split())
    return "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in flat)


def _node_label(n: Node) -> str:
    if n.dangling:
        return f"{n.id} (no such document)"
    if len(n.carriers) > 1:
        titles = " / ".join(c.title or "(no title)" for c in n.carriers)
        return f"{n.id} ({len(n.carriers)} documents): {titles}"
    return f"{n.id}: {n.title}" if n.title and n.title != n.id else n.id


def render_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: one quoted node per document, ``A -->|type| B`` edges, and a
    class per status (``st_approved``) plus ``dangling`` for missing documents."""
    ids = _mermaid_ids(graph.nodes)
    lines = ["graph LR"]
    for n in graph.nodes:
        lines.append(f'  {ids[n.id]}["{mermaid_label(_node_label(n))}"]')
    for e in graph.edges:
        label = mermaid_label(e.type)
        lines.append(f"  {ids[e.source]} -->|{label}| {ids[e.target]}")
    classes: dict[str, list[str]] = {}
    colours: dict[str, str] = {}
    for n in graph.nodes:
        name = "dangling" if n.dangling else status_class(n.status)
        classes.setdefault(name, []).append(ids[n.id])
        colours[name] = _DANGLING_COLOUR if n.dangling else _colour(n.status)
    for name in sorted(classes):
        if name == "dangling":
            style = f"fill:{colours[name]},stroke:#c92a2a,stroke-dasharray:5 5,color:#c92a2a"
        else:
            style = f"fill:{colours[name]},stroke:#495057,color:#212529"
        lines.append(f"  classDef {name} {style}")
    for name in sorted(classes):
        lines.append(f"  class {','.join(classes[name])} {name}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace('"', '\\"')


def dot_string(text: str) -> str:
    """``text`` as a quoted Graphviz string (backslashes and quotes escaped, one line)."""
    return f'"{_dot_escape(text)}"'


def render_dot(graph: Graph) -> str:
    """A Graphviz digraph: quoted IDs, labels with ID, title and status, edges labelled
    with their type; dangling nodes dashed and red."""
    lines = [
        "digraph specbook {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fillcolor="#ffffff"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for n in graph.nodes:
        if n.dangling:
            lines.append(
                f"  {dot_string(n.id)} [label={dot_string(_node_label(n))}, "
                f'style="dashed,filled", color="#c92a2a", fillcolor="{_DANGLING_COLOUR}"];'
            )
            continue
        label = _dot_escape(_node_label(n))
        if n.status:
            label += "\\n(" + _dot_escape(n.status) + ")"  # \n: a line break in a DOT label
        lines.append(
            f'  {dot_string(n.id)} [label="{label}", fillcolor="{_colour(n.status)}", '
            f"tooltip={dot_string(n.status or '')}];"
        )
    for e in graph.edges:
        lines.append(
            f"  {dot_string(e.source)} -> {dot_string(e.target)} [label={dot_string(e.type)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
