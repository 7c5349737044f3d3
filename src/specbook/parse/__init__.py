"""Markdown -> :class:`~specbook.model.Document`. The parser never raises.

>>> doc = parse(b"# Technical Specification: Login\\n\\n**ID**: SPEC-001\\n")
>>> doc.id, doc.title
('SPEC-001', 'Login')
"""

from __future__ import annotations

from pathlib import Path

from specbook.config import BookConfig
from specbook.model import Document, Encoding, Problem, Span
from specbook.parse import core as _core
from specbook.parse import fast as _fast
from specbook.parse.context import ParseContext, context_for
from specbook.parse.core import parse_document

_core._fast_scan = _fast.scan  # after both modules are loaded: fast imports core

__all__ = ["ParseContext", "context_for", "parse", "parse_file"]


def parse(data: bytes, path: str | None = None, config: BookConfig | None = None) -> Document:
    """Parse the bytes of one Markdown file.

    ``path`` (relative to the book root when there is a book) helps find the ID and
    kind. Never raises: a parser defect is caught and reported as a ``internal``
    problem on a minimal document, so one strange file cannot stop a whole book.
    """
    ctx = context_for(config)
    try:
        return parse_document(data, path, ctx)
    except Exception as exc:  # the contract is "never raises"; the problem records why
        return _fallback(data, path, f"{type(exc).__name__}: {exc}")


def parse_file(path: Path, rel: str | None = None, config: BookConfig | None = None) -> Document:
    """Read ``path`` as bytes (never as text: CRLF must survive) and parse it.

    Raises :class:`OSError` when the file cannot be read.
    """
    return parse(path.read_bytes(), rel if rel is not None else str(path), config)


def _fallback(data: bytes, path: str | None, why: str) -> Document:
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
    )
