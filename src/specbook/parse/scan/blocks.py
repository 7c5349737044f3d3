"""What a block scanner returns: :class:`Blocks` and its records, declared once here.

Every scanner (the C one, :mod:`~specbook.parse.scan.fast`, pyromark's events in
:mod:`~specbook.parse.scan.events`) builds these same named tuples, so the parser reads
``heading.level``, never ``h[0]``. Offsets are UTF-8 byte offsets of the scanned bytes.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

from typing import NamedTuple

__all__ = [
    "Blocks",
    "RawCell",
    "RawCode",
    "RawHeading",
    "RawHtml",
    "RawItem",
    "RawLink",
    "RawTable",
    "RawTask",
]


class RawHeading(NamedTuple):
    """An ATX or setext heading: its level (1-6), its bytes and its inline text."""

    level: int
    start: int
    end: int
    text: str


class RawTask(NamedTuple):
    """A list item's task box: checked or not, and the bytes of ``[ ]`` / ``[x]``."""

    checked: bool
    start: int
    end: int


class RawItem(NamedTuple):
    """A list item: its bytes (up to the next item or the end of its list), its inline
    text (without nested lists) and its task box if it has one."""

    start: int
    end: int
    text: str
    task: RawTask | None


class RawCell(NamedTuple):
    """A table cell's inline text and bytes."""

    text: str
    start: int
    end: int


class RawTable(NamedTuple):
    """A GFM table; its first row is the header row."""

    start: int
    end: int
    rows: list[list[RawCell]]


class RawCode(NamedTuple):
    """A code block: its bytes, its info string, its text and whether it is fenced."""

    start: int
    end: int
    info: str
    text: str
    fenced: bool


class RawHtml(NamedTuple):
    """An HTML block's bytes."""

    start: int
    end: int


class RawLink(NamedTuple):
    """A link or image: its bytes, destination, inline text and whether it is an image."""

    start: int
    end: int
    url: str
    text: str
    image: bool


class Blocks(NamedTuple):
    """What one pass over the block structure yields. Every list is in source order
    (by start offset)."""

    headings: list[RawHeading]
    items: list[RawItem]
    tables: list[RawTable]
    codes: list[RawCode]
    html: list[RawHtml]
    links: list[RawLink]
