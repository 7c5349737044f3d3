"""The reference graph drawn as SVG on the server: no JavaScript, works from file://.

Documents stand in columns by kind (in the book's kind order, dangling IDs last),
sorted by ID; each edge is a curve from its source's right side to its target's left
side, styled by reference type. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from specbook.trace.graph import Graph, id_order

NODE_W, NODE_H, COL_GAP, ROW_GAP, PAD = 210, 40, 90, 14, 20


def graph_svg(graph: Graph, kinds: list[str], href: Callable[[str], str]) -> str:
    """``graph`` as an SVG element; ``href(ID)`` gives each node's link."""
    order = {k: i for i, k in enumerate(kinds)}
    columns: dict[int, list[str]] = {}
    for n in sorted(graph.nodes, key=lambda n: id_order(n.id)):
        col = len(kinds) if n.dangling else order.get(n.kind or "", len(kinds) - 1)
        columns.setdefault(col, []).append(n.id)
    used = sorted(columns)
    pos: dict[str, tuple[float, float]] = {}
    for ci, col in enumerate(used):
        for ri, node_id in enumerate(columns[col]):
            pos[node_id] = (PAD + ci * (NODE_W + COL_GAP), PAD + ri * (NODE_H + ROW_GAP))
    width = PAD * 2 + max(1, len(used)) * (NODE_W + COL_GAP) - COL_GAP
    rows = max((len(v) for v in columns.values()), default=1)
    height = PAD * 2 + rows * (NODE_H + ROW_GAP) - ROW_GAP
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="refgraph" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Reference graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/>'
        "</marker></defs>",
    ]
    for e in graph.edges:
        if e.source not in pos or e.target not in pos:
            continue
        sx, sy = pos[e.source]
        tx, ty = pos[e.target]
        y1, y2 = sy + NODE_H / 2, ty + NODE_H / 2
        if abs(sx - tx) < 1:  # same column: a loop out to the right
            x = sx + NODE_W
            d = f"M{x},{y1} C{x + 60},{y1} {x + 60},{y2} {x},{y2}"
        else:
            x1, x2 = (sx + NODE_W, tx) if sx < tx else (sx, tx + NODE_W)
            mid = (x1 + x2) / 2
            d = f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"
        label = escape(f"{e.source} {e.type} {e.target}" + (f" ×{e.count}" if e.count > 1 else ""))
        out.append(
            f'<path class="edge edge-{escape(e.type)}" d="{d}" marker-end="url(#arrow)">'
            f"<title>{label}</title></path>"
        )
    for n in graph.nodes:
        x, y = pos[n.id]
        status = escape((n.status or "none").lower().replace(" ", "-"))
        tip = f"{n.title} ({n.status or 'no status'})"
        title = n.title if len(n.title) <= 26 else n.title[:25] + "…"
        if len(n.carriers) > 1:  # an ID two documents share: its link lists them
            title = f"{len(n.carriers)} documents"
            tip = "; ".join(f"{c.title} ({c.status or 'no status'}, {c.path})" for c in n.carriers)
        body = (
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<text x="{x + 8}" y="{y + 16}" class="nid">{escape(n.id)}</text>'
            f'<text x="{x + 8}" y="{y + 32}" class="ntitle">{escape(title)}</text>'
            f"<title>{escape(n.id)} {escape(tip)}</title>"
        )
        if n.dangling:
            out.append(f'<g class="node dangling">{body}</g>')
        else:
            out.append(
                f'<a href="{escape(href(n.id))}"><g class="node status-{status}">{body}</g></a>'
            )
    out.append("</svg>")
    return "\n".join(out)
