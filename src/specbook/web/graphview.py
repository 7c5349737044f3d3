"""The reference graph as the data of the interactive graph view (``static/graph.js``).

The portal serves it at ``/graph/data.js`` and the static site writes it to
``static/graph-data.js``: one script that sets ``window.SPECBOOK_GRAPH``, so the same
page and script draw it from a server and from ``file://`` (where a page cannot
fetch a file, but can load a script). The layout is computed in the browser by the
vendored cytoscape.js and its fcose layout (``static/VENDORED.md``).

The data is compact, as a 10,000-document book's graph must load fast: names that
repeat (kinds, statuses, folders, reference types) are listed once and referred to by
position, and every node and edge is an array::

    {"version": 1, "kinds": [...], "statuses": [...], "folders": [...], "types": [...],
     "nodes": [[id, title, kind, status, folder, href, flags], ...],
     "edges": [[source, target, type, count], ...]}

``kind``/``status``/``folder`` are positions in their lists, or -1 for none;
``source``/``target`` are positions in ``nodes``; ``href`` is the node's page (empty
for an ID no document has); ``flags`` is 1 for such a dangling ID, 2 for an ID more
than one document carries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any

from specbook.trace.graph import Graph
from specbook.trace.links import REF_TYPES

GRAPH_DATA_VERSION = 1
DANGLING, SHARED = 1, 2


class _Names:
    """Distinct names in the order given, each with its position."""

    def __init__(self, first: Iterable[str] = ()) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        for name in first:
            self.of(name)

    def of(self, name: str | None) -> int:
        if not name:
            return -1
        at = self.index.get(name)
        if at is None:
            at = self.index[name] = len(self.names)
            self.names.append(name)
        return at


def folder_of(path: str | None) -> str | None:
    """The folder of a book path (``docs/specs/a.md`` -> ``docs/specs``; ``.`` for the
    book's top), or ``None`` for no path."""
    if not path:
        return None
    return str(PurePosixPath(path).parent)


def graph_data(graph: Graph, kinds: Iterable[str], href: Callable[[str], str]) -> dict[str, Any]:
    """``graph`` in the compact form the module docstring describes; ``kinds`` are the
    book's kinds in its order (others follow as found), ``href(ID)`` a node's page."""
    kind_names = _Names(kinds)
    statuses = _Names()
    folders = _Names()
    types = _Names(REF_TYPES)
    position: dict[str, int] = {}
    nodes: list[list[Any]] = []
    for n in graph.nodes:
        position[n.id] = len(nodes)
        flags = (DANGLING if n.dangling else 0) | (SHARED if len(n.carriers) > 1 else 0)
        paths = n.paths
        nodes.append(
            [
                n.id,
                n.title,
                kind_names.of(n.kind),
                statuses.of(n.status),
                folders.of(folder_of(paths[0] if paths else None)),
                "" if n.dangling else href(n.id),
                flags,
            ]
        )
    edges = [
        [position[e.source], position[e.target], types.of(e.type), e.count]
        for e in graph.edges
        if e.source in position and e.target in position
    ]
    return {
        "version": GRAPH_DATA_VERSION,
        "kinds": kind_names.names,
        "statuses": statuses.names,
        "folders": folders.names,
        "types": types.names,
        "nodes": nodes,
        "edges": edges,
    }


def graph_script(data: dict[str, Any]) -> str:
    """``data`` as the script that hands it to the page (``window.SPECBOOK_GRAPH``).
    JSON is JavaScript; ``<`` is escaped all the same, so the text can never close a
    script element it might be pasted into."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.SPECBOOK_GRAPH={text};\n"
