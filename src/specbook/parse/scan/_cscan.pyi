"""Type stub for the C scanner (``_cscan.c``): ``specbook.parse.scan.fast.scan`` in C."""

from typing import Generic, TypeVar

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
