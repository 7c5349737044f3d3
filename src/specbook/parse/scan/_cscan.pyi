"""Type stub for the C scanner (``_cscan.c``): ``specbook.parse.scan.fast.scan`` in C."""

import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Generic, TypeVar

from specbook.parse.scan.blocks import (
    Blocks,
    RawCell,
    RawCode,
    RawHeading,
    RawItem,
    RawTable,
    RawTask,
)

def scan(work: bytes, /) -> Blocks | None: ...
def line_starts(data: bytes, /) -> tuple[int, ...]: ...
def set_types(
    blocks: type[Blocks],
    heading: type[RawHeading],
    item: type[RawItem],
    task: type[RawTask],
    cell: type[RawCell],
    table: type[RawTable],
    code: type[RawCode],
    /,
) -> None: ...

_S = TypeVar("_S", bound=tuple[int, int, int, int])

class Spans(Generic[_S]):
    """``span(start, end)``: ``span_type((start, end, line, end_line))``."""

    def __init__(self, span_type: type[_S], line_starts: tuple[int, ...], /) -> None: ...
    def __call__(self, start: int, end: int, /) -> _S: ...
    def __reduce__(self) -> tuple[type[Spans[_S]], tuple[type[_S], tuple[int, ...]]]: ...

# -- the model's nodes (specbook.parse.core._Parts's loops in C) -----------------------------

_T = TypeVar("_T", bound=tuple[Any, ...])
_Rec = Sequence[tuple[Any, ...]]

def heads(head_type: type[_T], headings: _Rec, n: int, /) -> list[_T]: ...
def named_heads(
    head_type: type[_T], heads: _Rec, names: dict[str, str], keys: list[str], /
) -> list[_T]: ...
def sections(
    spans: Spans[Any], section_type: type[_T], heads: _Rec, names: list[str | None] = ..., /
) -> tuple[_T, ...]: ...
def checklists(
    spans: Spans[Any],
    item_type: type[_T],
    items: _Rec,
    starts: list[int],
    names: list[str],
    /,
) -> tuple[_T, ...]: ...
def tables(
    spans: Spans[Any],
    table_type: type[_T],
    cell_type: type[tuple[Any, ...]],
    tables: _Rec,
    starts: list[int],
    names: list[str],
    /,
) -> tuple[_T, ...]: ...
def code_blocks(
    spans: Spans[Any],
    code_type: type[_T],
    codes: _Rec,
    starts: list[int],
    names: list[str],
    work: bytes,
    /,
) -> tuple[_T, ...]: ...
def links(
    spans: Spans[Any], link_type: type[_T], links: _Rec, starts: list[int], names: list[str], /
) -> tuple[_T, ...]: ...
def pack(value: Any, /) -> bytes: ...
def revive(value: Any, shape: Any, /) -> Any: ...
def json_of(record: Any, shape: Any, /) -> str: ...
def fence_closed(work: bytes, start: int, end: int, /) -> bool: ...
def utf8_valid(data: bytes, /) -> bool: ...
def contains_any_ci(work: bytes, needles: tuple[bytes, ...], /) -> bool: ...
def outline(sections: tuple[Any, ...], /) -> str | None: ...
def listed_items(
    work: bytes, pos: int, end: int, /
) -> list[tuple[int, bool | None, int, int, str, str]] | None: ...
def find_all(work: bytes, needles: tuple[bytes, ...], /) -> list[int]: ...
def find_refs(
    work: bytes,
    needles: tuple[bytes, ...],
    match: Callable[[bytes, int], re.Match[bytes] | None],
    /,
) -> list[re.Match[bytes]]: ...
def bold_fields(
    work: bytes, start: int, end: int, /
) -> list[tuple[int, int, int, int, bool, int, int]]: ...
def holding(records: Sequence[_T], k: int, needles: tuple[str, ...], /) -> list[_T]: ...
def bold_field_nodes(
    work: bytes,
    start: int,
    end: int,
    spans: Spans[Any],
    field_type: type[_T],
    field_key: Callable[[str], str],
    known: Callable[[str], bool] | None,
    zone: str | None,
    opaque: Sequence[tuple[int, int]],
    rank: int,
    memo: dict[str, str] = ...,
    /,
) -> list[tuple[int, int, _T]]: ...
def criteria(work: bytes, start: int, end: int, /) -> list[tuple[int, int, int, int, int, int]]: ...
def requirements(
    spans: Spans[Any],
    req_type: type[_T],
    match: Callable[[str], re.Match[str] | None],
    kind_of: Callable[[str], str | None],
    items: _Rec,
    heads: _Rec,
    work: bytes,
    starts: list[int],
    names: list[str],
    /,
) -> tuple[_T, ...]: ...
def head_names(
    heads: _Rec, names: dict[str, str], keys: list[str], /
) -> tuple[list[int], list[str], list[str | None]]: ...
def heading_keys(
    heads: _Rec, norm_heading: Callable[[str], str], memo: dict[str, str], /
) -> list[str]: ...
def norm_ascii(text: str, numbering: bool, /) -> str: ...
def line_index(data: bytes, span_type: type[_S], /) -> tuple[tuple[int, ...], Spans[_S]]: ...
def head_index(heads: _Rec, /) -> tuple[list[int], list[str]]: ...
def preorder(roots: tuple[_T, ...], k: int, /) -> tuple[_T, ...]: ...
def field_heads(
    heads: _Rec, keys: list[str], sections: AbstractSet[str], named: AbstractSet[str], /
) -> tuple[list[int], list[int]]: ...
def review_history(
    entry_type: type[_T],
    names: list[str],
    heads: _Rec,
    tables: Sequence[tuple[Any, ...]],
    norm_key: Callable[[str], str],
    /,
) -> tuple[_T, ...]: ...
def references(
    spans: Spans[Any],
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

# The section rules' loops (specbook.lint.rules.sections): the shared section walk, the
# sections whose title's key is not their template name's, SB201's usual case, SB202's
# candidates and SB205's bracketed prompts; the Python there is their reference.
def section_walk(
    sections: tuple[_T, ...], norm_heading: Callable[[str], str], memo: dict[str, str], /
) -> tuple[list[tuple[_T, _T | None, str, Any]], dict[str, list[int]]]: ...
def own_title_keys(
    nodes: Sequence[tuple[Any, ...]], norm_heading: Callable[[str], str], /
) -> dict[str, list[int]]: ...
def sections_present(
    nodes: Sequence[tuple[Any, ...]],
    by_key: dict[str, list[int]],
    tops: AbstractSet[str],
    pairs: AbstractSet[tuple[str, str]],
    /,
) -> bool: ...
def quiet_leaves(nodes: Sequence[tuple[_T, Any, str, Any]], data: bytes, /) -> list[_T]: ...
def prompt_spans(data: bytes, /) -> list[tuple[int, int]]: ...
