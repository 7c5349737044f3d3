"""Markdown -> :class:`~specbook.core.model.Document`. The parser never raises.

>>> doc = parse(b"# Technical Specification: Login\\n\\n**ID**: SPEC-001\\n")
>>> doc.id, doc.title
('SPEC-001', 'Login')
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specbook.core.config import BookConfig
from specbook.core.model import Document, Encoding, Problem, Sidecar, Span
from specbook.parse.scan import which_scanner

if TYPE_CHECKING:  # (imported on first use: see __getattr__ below)
    from specbook.parse.context import ParseContext, context_for
    from specbook.parse.core import parse_document as parse_document

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
    # (read as the module's attributes: imported on first use, and a test may stand in
    # for parse_document)
    this = sys.modules[__name__]
    ctx: ParseContext = this.context_for(config)
    run: Callable[[bytes, str | None, ParseContext, Sequence[Sidecar]], Document]
    run = this.parse_document
    try:
        return run(data, path, ctx, sidecars)
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


def __getattr__(name: str) -> Any:
    """The parser itself (``parse_document``, ``context_for``, ``ParseContext``), imported
    on first use: a one-file lint whose file is unchanged parses nothing and does not
    pay for compiling its patterns (~7 ms of a pre-commit hook's start)."""
    if name in ("ParseContext", "context_for"):
        from specbook.parse import context

        value = getattr(context, name)
    elif name == "parse_document":
        from specbook.parse import core

        value = core.parse_document
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
