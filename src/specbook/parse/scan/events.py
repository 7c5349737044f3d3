"""The reference block scanner: pyromark's (pulldown-cmark's) events, CommonMark-exact.

:func:`event_blocks` is what the faster scanners (the C one, :mod:`.fast`) must give
(differential tests hold them to it); it reads every document they are not sure of.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from specbook.parse.scan.blocks import (
    Blocks,
    RawCell,
    RawCode,
    RawHeading,
    RawHtml,
    RawItem,
    RawLink,
    RawTable,
    RawTask,
)

__all__ = ["event_blocks", "pyromark_headings", "scan"]


@lru_cache(maxsize=1)
def _markdown() -> Any:
    """pyromark's parser, made on first use: the C scanner and fast.py take most files,
    so a run that never defers to pyromark does not import it. (Typed as Any: the
    events are dicts whose shape the code below checks as it goes.)"""
    import pyromark

    o = pyromark.Options
    return pyromark.Markdown(
        options=o.ENABLE_TABLES | o.ENABLE_TASKLISTS | o.ENABLE_STRIKETHROUGH | o.ENABLE_FOOTNOTES
    )


def event_blocks(text: str) -> Blocks:
    """Collect :class:`Blocks` from pyromark's events (the CommonMark-exact reference path)."""
    headings: list[RawHeading] = []
    items: list[RawItem] = []
    tables: list[RawTable] = []
    codes: list[RawCode] = []
    html: list[RawHtml] = []
    links: list[RawLink] = []

    collectors: list[list[str]] = []
    item_stack: list[list[Any]] = []  # [start, end, parts, marker]
    cur_heading: list[Any] | None = None
    cur_table: list[list[RawCell]] | None = None
    cur_table_start = 0
    cur_row: list[RawCell] | None = None
    cell_parts: list[str] | None = None
    cur_code: list[Any] | None = None
    link_stack: list[list[Any]] = []

    for ev, rng in _markdown().events_with_range(text, merge_text=True):
        if ev.__class__ is str:
            if ev in ("SoftBreak", "HardBreak") and collectors:
                for c in collectors:
                    c.append(" ")
            continue
        t = ev.get("Text")
        if t is None:
            t = ev.get("Code")
        if t is not None:
            if cur_code is not None:
                cur_code[3].append(t)
            else:
                for c in collectors:
                    c.append(t)
            continue
        start = ev.get("Start")
        if start is not None:
            if start.__class__ is str:
                if start == "Item":
                    parts: list[str] = []
                    item_stack.append([rng["start"], rng["end"], parts, None])
                    collectors.append(parts)
                elif start == "TableCell":
                    cell_parts = []
                    collectors.append(cell_parts)
                elif start == "TableHead" or start == "TableRow":
                    cur_row = []
                elif start == "HtmlBlock":
                    html.append(RawHtml(rng["start"], rng["end"]))
                continue
            if "Heading" in start:
                cur_heading = [int(start["Heading"]["level"][1]), rng["start"], rng["end"], []]
                collectors.append(cur_heading[3])
            elif "List" in start:
                if item_stack:
                    _drop(collectors, item_stack[-1][2])
            elif "CodeBlock" in start:
                kind = start["CodeBlock"]
                if isinstance(kind, dict) and "Fenced" in kind:
                    cur_code = [rng["start"], rng["end"], kind["Fenced"], [], True]
                else:
                    cur_code = [rng["start"], rng["end"], "", [], False]
            elif "Table" in start:
                cur_table = []
                cur_table_start = rng["start"]
            elif "Link" in start or "Image" in start:
                info = start.get("Link") or start.get("Image")
                parts = []
                link_stack.append(
                    [rng["start"], rng["end"], info.get("dest_url", ""), parts, "Image" in start]
                )
                collectors.append(parts)
            continue
        end = ev.get("End")
        if end is not None:
            if end.__class__ is str:
                if end == "Item":
                    it = item_stack.pop()
                    _drop(collectors, it[2])
                    items.append(RawItem(it[0], it[1], "".join(it[2]), it[3]))
                elif end == "TableCell":
                    if cell_parts is not None:
                        _drop(collectors, cell_parts)
                        if cur_row is not None:
                            cur_row.append(RawCell("".join(cell_parts), rng["start"], rng["end"]))
                    cell_parts = None
                elif end == "TableHead" or end == "TableRow":
                    if cur_table is not None and cur_row is not None:
                        cur_table.append(cur_row)
                    cur_row = None
                elif end == "Table":
                    if cur_table is not None:
                        tables.append(RawTable(cur_table_start, rng["end"], cur_table))
                    cur_table = None
                elif end == "CodeBlock":
                    if cur_code is not None:
                        codes.append(
                            RawCode(
                                cur_code[0],
                                rng["end"],
                                cur_code[2],
                                "".join(cur_code[3]),
                                cur_code[4],
                            )
                        )
                    cur_code = None
                elif (end == "Link" or end == "Image") and link_stack:
                    lk = link_stack.pop()
                    _drop(collectors, lk[3])
                    links.append(RawLink(lk[0], lk[1], lk[2], "".join(lk[3]), lk[4]))
                continue
            if "Heading" in end and cur_heading is not None:
                _drop(collectors, cur_heading[3])
                text = "".join(cur_heading[3]).strip()
                headings.append(RawHeading(cur_heading[0], cur_heading[1], rng["end"], text))
                cur_heading = None
            continue
        marker = ev.get("TaskListMarker")
        if marker is not None and item_stack:
            item_stack[-1][3] = RawTask(bool(marker), rng["start"], rng["end"])

    items.sort(key=lambda it: it[0])
    links.sort(key=lambda lk: lk[0])
    return Blocks(headings, items, tables, codes, html, links)


def _drop(collectors: list[list[str]], parts: list[str]) -> None:
    """Stop collecting into ``parts`` (by identity: equal lists are different collectors)."""
    for i in range(len(collectors) - 1, -1, -1):
        if collectors[i] is parts:
            del collectors[i]
            return


def pyromark_headings(text: str) -> list[tuple[int, str]]:
    """(level, title) of every heading by pyromark's events: a heading's text and code
    pieces (:func:`specbook.parse.core.headings_of` when no faster scanner takes it)."""
    out: list[tuple[int, str]] = []
    parts: list[str] | None = None
    level = 0
    for ev in _markdown().events(text):
        if ev.__class__ is str:
            continue
        if "Start" in ev and isinstance(ev["Start"], dict) and "Heading" in ev["Start"]:
            level = int(ev["Start"]["Heading"]["level"][1])
            parts = []
        elif "End" in ev and isinstance(ev["End"], dict) and "Heading" in ev["End"]:
            if parts is not None:
                out.append((level, "".join(parts).strip()))
            parts = None
        elif parts is not None and ("Text" in ev or "Code" in ev):
            parts.append(ev.get("Text") or ev.get("Code") or "")
    return out


def scan(work: bytes) -> Blocks:
    """:func:`event_blocks` of UTF-8 bytes (the scanner registry's last scanner: it
    never defers)."""
    return event_blocks(work.decode("utf-8", "replace"))
