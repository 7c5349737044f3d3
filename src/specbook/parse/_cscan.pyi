"""Type stub for the C scanner (``_cscan.c``): ``specbook.parse.fast.scan`` in C."""

from typing import Generic, TypeVar

_Heading = tuple[int, int, int, str]
_Item = tuple[int, int, str, tuple[bool, int, int] | None]
_Table = tuple[int, int, list[list[tuple[str, int, int]]]]
_Code = tuple[int, int, str, str, bool]
_Link = tuple[int, int, str, str, bool]

# headings, items, tables, codes, html, links: the fields of specbook.parse.core.Blocks
Found = tuple[
    list[_Heading],
    list[_Item],
    list[_Table],
    list[_Code],
    list[tuple[int, int]],
    list[_Link],
]

def scan(work: bytes, /) -> Found | None: ...
def line_starts(data: bytes, /) -> tuple[int, ...]: ...

_S = TypeVar("_S", bound=tuple[int, int, int, int])

class Spans(Generic[_S]):
    """``span(start, end)``: ``span_type((start, end, line, end_line))``."""

    def __init__(self, span_type: type[_S], line_starts: tuple[int, ...], /) -> None: ...
    def __call__(self, start: int, end: int, /) -> _S: ...
