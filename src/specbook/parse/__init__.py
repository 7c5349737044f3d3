"""Markdown -> :class:`~specbook.model.Document`. The parser never raises.

>>> doc = parse(b"# Technical Specification: Login\\n\\n**ID**: SPEC-001\\n")
>>> doc.id, doc.title
('SPEC-001', 'Login')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from specbook.config import BookConfig
from specbook.model import Document, Encoding, Problem, Sidecar, Span
from specbook.parse import core as _core
from specbook.parse.context import ParseContext, context_for
from specbook.parse.core import Blocks, parse_document

if TYPE_CHECKING:
    from specbook.parse._cscan import Found

__all__ = ["ParseContext", "context_for", "parse", "parse_file", "which_scanner"]

# The block scanners, fastest first: the C one (specbook.parse._cscan, built when the
# package is installed with a compiler), the pure-Python one (specbook.parse.fast), then
# pyromark (core.event_blocks). Each of the first two returns None when it is not sure,
# and exactly what the next one would return otherwise. SPECBOOK_PURE_PYTHON=1 (read once,
# here) leaves the C module out (its scanner, its line index and its span function).
_c_scan: Callable[[bytes], Found | None] | None
if os.environ.get("SPECBOOK_PURE_PYTHON", "") in ("", "0"):
    try:
        from specbook.parse._cscan import Spans as _c_spans
        from specbook.parse._cscan import line_starts as _c_line_starts
        from specbook.parse._cscan import scan as _c_scan
    except ImportError:  # built without a compiler (or an older build): all in Python
        _c_scan = None
    else:
        _core._line_index = _c_line_starts  # the same as core._line_starts, in C
        _core._span_of = partial(_c_spans, Span)  # core._line_spans, in C
else:
    _c_scan = None

_blocks = Blocks._make


def _fast_scan(work: bytes) -> Blocks | None:
    """The pure-Python scanner, imported on first use: with the C scanner it is needed
    only for the documents C leaves to it, and its patterns take milliseconds to compile
    (a one-file lint of a plain spec never loads it)."""
    global _fast_scan
    from specbook.parse.fast import scan

    _fast_scan = scan
    return scan(work)


def _scan(work: bytes) -> Blocks | None:
    """:class:`Blocks` of ``work`` from the C scanner, else the Python one, else ``None``."""
    if _c_scan is not None:
        found = _c_scan(work)
        if found is not None:
            return _blocks(found)
    return _fast_scan(work)


def which_scanner(work: bytes) -> str:
    """Which scanner reads ``work`` (bytes as the parser hands them over: no BOM, front
    matter blanked): ``"c"``, ``"python"`` or ``"pyromark"``. For benchmarks and tests."""
    if _c_scan is not None and _c_scan(work) is not None:
        return "c"
    return "python" if _fast_scan(work) is not None else "pyromark"


_core._fast_scan = _scan  # after both modules are loaded: fast imports core


def parse(
    data: bytes,
    path: str | None = None,
    config: BookConfig | None = None,
    sidecars: Sequence[Sidecar] = (),
) -> Document:
    """Parse the bytes of one Markdown file.

    ``path`` (relative to the book root when there is a book) helps find the ID and
    kind. ``sidecars`` are the metadata files beside it (``kep.yaml``, already read:
    parsing stays bytes in, see :func:`specbook.layout.read_sidecars`); their keys are
    fields like the document's own. Never raises: a parser defect is caught and
    reported as a ``internal`` problem on a minimal document, so one strange file
    cannot stop a whole book.
    """
    ctx = context_for(config)
    try:
        return parse_document(data, path, ctx, sidecars)
    except Exception as exc:  # the contract is "never raises"; the problem records why
        return _fallback(data, path, f"{type(exc).__name__}: {exc}", tuple(sidecars))


def parse_file(path: Path, rel: str | None = None, config: BookConfig | None = None) -> Document:
    """Read ``path`` as bytes (never as text: CRLF must survive) and parse it.

    Raises :class:`OSError` when the file cannot be read.
    """
    return parse(path.read_bytes(), rel if rel is not None else str(path), config)


def _fallback(
    data: bytes, path: str | None, why: str, sidecars: tuple[Sidecar, ...] = ()
) -> Document:
    lines = data.count(b"\n") + 1
    whole = Span(0, len(data), 1, lines)
    return Document(
        path=path,
        kind=None,
        id=None,
        title=Path(path).stem if path else "",
        status=None,
        status_canonical=None,
        type=None,
        fields=(),
        encoding=Encoding(
            bom=data.startswith(b"\xef\xbb\xbf"),
            newline="none",
            final_newline=data.endswith(b"\n"),
            size=len(data),
        ),
        problems=(
            Problem(
                "internal", f"specbook could not parse this file ({why}); please report it", whole
            ),
        ),
        source=data,
        sidecars=sidecars,
    )
