"""Line numbers in pure Python: the line index of a file and the span function over it.

:mod:`specbook.parse.scan` uses the C versions of both (``_cscan.line_starts`` and
``_cscan.Spans``) when the C module is built; tests hold them to these.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

from specbook.core.lazyre import lazy_compile
from specbook.core.model import Span

__all__ = ["line_spans", "line_starts"]

_NEWLINE = lazy_compile(rb"\r\n|\r|\n")
_PLUS_ONE = (1).__add__
# Builds a Span from a tuple of its fields, without the Python-level __new__ of a named tuple
_new = tuple.__new__


def line_starts(data: bytes) -> tuple[int, ...]:
    """Offsets where each line starts (lines end at CRLF, CR or LF, as CommonMark says)."""
    if b"\r" not in data:
        # all in C: the running sum of line lengths plus their newlines
        starts = list(accumulate(map(_PLUS_ONE, map(len, data.split(b"\n"))), initial=0))
        starts.pop()
        return tuple(starts)
    return (0, *[m.end() for m in _NEWLINE.finditer(data)])


def line_spans(line_starts: tuple[int, ...]) -> Callable[[int, int], Span]:
    """``span(start, end)``: the :class:`Span` of file offsets ``start:end``, its line
    numbers being what ``bisect_right(line_starts, offset)`` gives.

    Most spans start on the line of the span made just before (the cells of a table row,
    a checklist item and its box, a heading and its section), so the function keeps the
    bounds of the last line it looked up and bisects only for an offset outside them.
    """
    ls = line_starts
    bounds = (*ls[1:], 1 << 62)  # bounds[i - 1]: where line i ends (the last line runs on)
    lo, hi, line = 0, -1, 0  # the remembered line: bytes lo:hi are line `line` (none yet)

    def span(start: int, end: int) -> Span:
        nonlocal lo, hi, line
        last = end - 1 if end > start else end
        if lo <= start < hi:
            if start <= last < hi:
                return _new(Span, (start, end, line, line))
            i = line
        else:
            i = bisect_right(ls, start)
            if not i:  # before the first line (not an offset of the file)
                return _new(Span, (start, end, 0, bisect_right(ls, last)))
            lo, hi, line = ls[i - 1], bounds[i - 1], i
            if start <= last < hi:
                return _new(Span, (start, end, i, i))
        # last is on a later line (or, for a span that ends before it starts, anywhere)
        j = bisect_right(ls, last, i) if last >= start else bisect_right(ls, last)
        return _new(Span, (start, end, i, j))

    return span
