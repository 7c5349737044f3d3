"""Markdown -> :class:`~specbook.core.model.Document`. The parser never raises.

>>> doc = parse(b"# Technical Specification: Login\\n\\n**ID**: SPEC-001\\n")
>>> doc.id, doc.title
('SPEC-001', 'Login')
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from specbook.core.config import BookConfig
from specbook.core.model import Document, Encoding, Problem, Sidecar, Span
from specbook.parse.context import ParseContext, context_for
from specbook.parse.core import parse_document
from specbook.parse.scan import which_scanner

__all__ = ["ParseContext", "context_for", "parse", "parse_file", "which_scanner"]

# (The block scanners, C, pure Python and pyromark, and the choice between them live in
# specbook.parse.scan.)


def parse(
    data: bytes,
    path: str | None = None,
    config: BookConfig | None = None,
    sidecars: Sequence[Sidecar] = (),
) -> Document:
    """Parse the bytes of one Markdown file.

    ``path`` (relative to the book root when there is a book) helps find the ID and
    kind. ``sidecars`` are the metadata files beside it (``kep.yaml``, already read:
    parsing stays bytes in, see :func:`specbook.core.layout.read_sidecars`); their keys are
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
