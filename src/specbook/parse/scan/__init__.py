"""The block scanners, chosen through one registry.

Three scanners turn a document's bytes into :class:`~.blocks.Blocks` (headings, list
items, tables, code blocks, HTML blocks, links, with byte offsets), fastest first:

- ``"c"``: ``_cscan.c``, built when the package is installed with a compiler;
- ``"python"``: :mod:`.fast`, pure Python;
- ``"pyromark"``: :mod:`.events`, pulldown-cmark's events, CommonMark-exact.

Each of the first two returns ``None`` when it is not sure of a document, and exactly
what the next one would return otherwise (differential tests hold them to that); the
last always answers. :data:`SCANNERS` is that order, decided once on import:
``SPECBOOK_PURE_PYTHON=1`` leaves the C module out (its scanner, its line index, its
span function and its builders of the model's nodes, :data:`c_nodes`). :func:`scan`
asks them in turn; :func:`line_starts` and :func:`span_maker` are the line index and the
span function of the same choice.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import os
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from functools import partial
from typing import Any, NamedTuple, Protocol, TypeVar

from specbook.core import text
from specbook.core.model import Span
from specbook.parse.scan import lines
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

__all__ = [
    "SCANNERS",
    "Blocks",
    "NodeBuilders",
    "RawCell",
    "RawCode",
    "RawHeading",
    "RawHtml",
    "RawItem",
    "RawLink",
    "RawTable",
    "RawTask",
    "Scanner",
    "c_nodes",
    "c_spans",
    "contains_any_ci",
    "line_starts",
    "outline",
    "quick_scan",
    "scan",
    "span_maker",
    "which_scanner",
]


class Scanner(NamedTuple):
    """One block scanner: its name and its function (``None``: not sure, ask the next)."""

    name: str
    scan: Callable[[bytes], Blocks | None]


_T = TypeVar("_T", bound=tuple[Any, ...])
_Rec = Sequence[tuple[Any, ...]]


class NodeBuilders(Protocol):
    """The C module's builders of the model's nodes (the loops of
    :class:`specbook.parse.core._Parts`, in ``_cscan.c``); see ``_cscan.pyi``."""

    def heads(self, head_type: type[_T], headings: _Rec, n: int, /) -> list[_T]: ...
    def named_heads(
        self, head_type: type[_T], heads: _Rec, names: dict[str, str], keys: list[str], /
    ) -> list[_T]: ...
    def sections(
        self, spans: Any, section_type: type[_T], heads: _Rec, names: list[str | None] = ..., /
    ) -> tuple[_T, ...]: ...
    def checklists(
        self, spans: Any, item_type: type[_T], items: _Rec, starts: list[int], names: list[str], /
    ) -> tuple[_T, ...]: ...
    def tables(
        self,
        spans: Any,
        table_type: type[_T],
        cell_type: type[tuple[Any, ...]],
        tables: _Rec,
        starts: list[int],
        names: list[str],
        /,
    ) -> tuple[_T, ...]: ...
    def code_blocks(
        self,
        spans: Any,
        code_type: type[_T],
        codes: _Rec,
        starts: list[int],
        names: list[str],
        work: bytes,
        /,
    ) -> tuple[_T, ...]: ...
    def links(
        self, spans: Any, link_type: type[_T], links: _Rec, starts: list[int], names: list[str], /
    ) -> tuple[_T, ...]: ...
    def fence_closed(self, work: bytes, start: int, end: int, /) -> bool: ...
    def utf8_valid(self, data: bytes, /) -> bool: ...
    def contains_any_ci(self, work: bytes, needles: tuple[bytes, ...], /) -> bool: ...
    def outline(self, sections: tuple[Any, ...], /) -> str | None: ...
    def find_all(self, work: bytes, needles: tuple[bytes, ...], /) -> list[int]: ...
    def find_refs(
        self,
        work: bytes,
        needles: tuple[bytes, ...],
        match: Callable[[bytes, int], "re.Match[bytes] | None"],
        /,
    ) -> list[re.Match[bytes]]: ...
    def head_names(
        self, heads: _Rec, names: dict[str, str], keys: list[str], /
    ) -> tuple[list[int], list[str], list[str | None]]: ...
    def heading_keys(
        self, heads: _Rec, norm_heading: Callable[[str], str], memo: dict[str, str], /
    ) -> list[str]: ...
    def line_index(self, data: bytes, span_type: type[Any], /) -> tuple[tuple[int, ...], Any]: ...
    def head_index(self, heads: _Rec, /) -> tuple[list[int], list[str]]: ...
    def preorder(self, roots: tuple[_T, ...], k: int, /) -> tuple[_T, ...]: ...
    def field_heads(
        self, heads: _Rec, keys: list[str], sections: AbstractSet[str], named: AbstractSet[str], /
    ) -> tuple[list[int], list[int]]: ...
    def review_history(
        self,
        entry_type: type[_T],
        names: list[str],
        heads: _Rec,
        tables: Sequence[tuple[Any, ...]],
        norm_key: Callable[[str], str],
        /,
    ) -> tuple[_T, ...]: ...
    def references(
        self,
        spans: Any,
        ref_type: type[_T],
        matches: Sequence[re.Match[bytes]],
        work: bytes,
        opaque: Sequence[tuple[int, int]],
        anchors: Sequence[tuple[int, int]],
        doc_id: str | None,
        starts: list[int],
        names: list[str],
        /,
    ) -> list[_T]: ...
    def criteria(
        self, work: bytes, start: int, end: int, /
    ) -> list[tuple[int, int, int, int, int, int]]: ...
    def requirements(
        self,
        spans: Any,
        req_type: type[_T],
        match: Callable[[str], "re.Match[str] | None"],
        kind_of: Callable[[str], str | None],
        items: _Rec,
        heads: _Rec,
        work: bytes,
        starts: list[int],
        names: list[str],
        /,
    ) -> tuple[_T, ...]: ...
    def bold_field_nodes(
        self,
        work: bytes,
        start: int,
        end: int,
        spans: Any,
        field_type: type[_T],
        field_key: Callable[[str], str],
        known: Callable[[str], bool] | None,
        zone: str | None,
        opaque: Sequence[tuple[int, int]],
        rank: int,
        memo: dict[str, str] = ...,
        /,
    ) -> list[tuple[int, int, _T]]: ...
    def holding(self, records: Sequence[_T], k: int, needles: tuple[str, ...], /) -> list[_T]: ...
    def bold_fields(
        self, work: bytes, start: int, end: int, /
    ) -> list[tuple[int, int, int, int, bool, int, int]]: ...
    # (the section rules' loops, specbook.lint.rules.sections)
    def section_walk(
        self, sections: tuple[_T, ...], norm_heading: Callable[[str], str], memo: dict[str, str], /
    ) -> tuple[list[tuple[_T, _T | None, str, Any]], dict[str, list[int]]]: ...
    def own_title_keys(
        self, nodes: Sequence[tuple[Any, ...]], norm_heading: Callable[[str], str], /
    ) -> dict[str, list[int]]: ...
    def sections_present(
        self,
        nodes: Sequence[tuple[Any, ...]],
        by_key: dict[str, list[int]],
        tops: AbstractSet[str],
        pairs: AbstractSet[tuple[str, str]],
        /,
    ) -> bool: ...
    def quiet_leaves(
        self, nodes: Sequence[tuple[_T, Any, str, Any]], data: bytes, /
    ) -> list[_T]: ...
    def prompt_spans(self, data: bytes, /) -> list[tuple[int, int]]: ...
    # (trace.coverage's loop of the tests a Testing Strategy lists)
    def listed_items(
        self, work: bytes, pos: int, end: int, /
    ) -> list[tuple[int, bool | None, int, int, str, str]] | None: ...


def _python(work: bytes) -> Blocks | None:
    """The pure-Python scanner, imported on first use: with the C scanner it is needed
    only for the documents C leaves to it, and its patterns take milliseconds to compile
    (a one-file lint of a plain spec never loads it)."""
    from specbook.parse.scan.fast import scan as fast_scan

    global _python_scan
    _python_scan = fast_scan
    return fast_scan(work)


def _events_scan(work: bytes) -> Blocks:
    """pyromark's events, imported on first use (most documents never need them)."""
    from specbook.parse.scan.events import scan as events_scan

    return events_scan(work)


_python_scan: Callable[[bytes], Blocks | None] = _python

line_starts: Callable[[bytes], tuple[int, ...]] = lines.line_starts
span_maker: Callable[[tuple[int, ...]], Callable[[int, int], Span]] = lines.line_spans
_c_scan: Callable[[bytes], Blocks | None] | None = None
# The C builders of the model's nodes (``_cscan.sections``, ``tables``, … which
# :class:`specbook.parse.core._Parts` calls instead of its Python loops when the span
# function is a C :data:`c_spans`), or ``None`` without the C module.
c_nodes: NodeBuilders | None = None
c_spans: type | None = None
# ``_cscan.pack``: a value as ``marshal`` data, every tuple (named tuples too) and list
# as a tuple, all the way down (what :func:`specbook.core.stored.dump` stores); ``None``
# without the C module (``dump`` converts node type by node type in Python)
pack: Callable[[Any], bytes] | None = None
# ``_cscan.revive``: the model's nodes made again of what ``pack`` stored, by a shape
# (what :func:`specbook.core.stored.load` makes); ``None`` without the C module
revive: Callable[[Any, Any], Any] | None = None


def _contains_any_ci(work: bytes, needles: tuple[bytes, ...]) -> bool:
    low = work.lower()
    return any(n in low for n in needles)


# Whether one of ``needles`` (their ASCII letters lowercase) occurs in ``work``, its
# ASCII letters in any case: ``work.lower()`` then ``in`` for each, which the C module
# does in one pass without the copy (a ninth of the time on an 8 KB document).
contains_any_ci: Callable[[bytes, tuple[bytes, ...]], bool] = _contains_any_ci


# The index record's outline of a document's sections in document order (``_cscan.outline``,
# :func:`specbook.store.records.outline_of`), or ``None`` when the caller's loop must make
# it (no C module; a title not ASCII or of more than one line).
def _no_outline(sections: tuple[Any, ...]) -> str | None:
    return None


outline: Callable[[tuple[Any, ...]], str | None] = _no_outline
if os.environ.get("SPECBOOK_PURE_PYTHON", "") in ("", "0"):
    try:
        from specbook.parse.scan import _cscan
    except ImportError:  # built without a compiler (or an older build): all in Python
        pass
    else:
        _cscan.set_types(Blocks, RawHeading, RawItem, RawTask, RawCell, RawTable, RawCode)
        _c_scan = _cscan.scan
        line_starts = _cscan.line_starts
        span_maker = partial(_cscan.Spans, Span)
        c_nodes = _cscan
        c_spans = _cscan.Spans
        pack = _cscan.pack
        revive = _cscan.revive
        contains_any_ci = _cscan.contains_any_ci
        text.ascii_norm = _cscan.norm_ascii  # (norm_key and norm_heading of ASCII text)
        outline = _cscan.outline

SCANNERS: tuple[Scanner, ...] = (
    *([Scanner("c", _c_scan)] if _c_scan is not None else []),
    Scanner("python", lambda work: _python_scan(work)),
    Scanner("pyromark", _events_scan),
)


# (the scanners that may defer, as plain functions: asked for every document)
_QUICK = tuple(s.scan for s in SCANNERS[:-1])


def quick_scan(work: bytes) -> Blocks | None:
    """:class:`Blocks` of ``work`` (UTF-8, no BOM) from the first scanner of
    :data:`SCANNERS` before pyromark that is sure of it, else ``None``."""
    for quick in _QUICK:
        found = quick(work)
        if found is not None:
            return found
    return None


def scan(work: bytes) -> Blocks:
    """:class:`Blocks` of ``work`` (UTF-8 without a BOM) from the first scanner of
    :data:`SCANNERS` that is sure of it (the last, pyromark, always is)."""
    found = quick_scan(work)
    return found if found is not None else _events_scan(work)


def which_scanner(work: bytes) -> str:
    """The name of the scanner that reads ``work`` (bytes as the parser hands them over:
    no BOM, front matter blanked): ``"c"``, ``"python"`` or ``"pyromark"``. For
    benchmarks and tests."""
    for scanner in SCANNERS:
        if scanner.scan(work) is not None:
            return scanner.name
    raise AssertionError("pyromark answers every document")  # pragma: no cover
