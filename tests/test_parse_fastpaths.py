"""Shortcuts in the parser that must give exactly what the plain way gives."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specbook.core.config import default_config
from specbook.core.text import fold
from specbook.parse.context import ParseContext
from specbook.parse.core import _find_refs


def _context(*prefixes: str) -> ParseContext:
    config = default_config()
    spec = config.kinds["SPEC"]
    kinds = {
        f"K{i}": dataclasses.replace(spec, name=f"K{i}", prefix=p) for i, p in enumerate(prefixes)
    }
    return ParseContext(dataclasses.replace(config, kinds=kinds))


# Kind prefixes are free text: some overlap, hold a hyphen, a dot or a non-ASCII letter.
CONTEXTS = [
    _context("SPEC", "DEC", "BUG", "TASK"),
    _context("ADR", "DR", "R"),
    _context("A.B", "B", "A"),
    _context("RFC-X", "RFC", "X"),
    _context("ÉTUDE", "TUDE", "E"),
]
_PIECES = [
    b"SPEC", b"DEC", b"ADR", b"DR", b"R", b"A.B", b"B", b"A", b"RFC-X", b"RFC", b"X",
    "ÉTUDE".encode(), b"TUDE", b"E", b"-", b"1", b"22", b"/", b"FR", b"NFR", b"x", b"_",
    b" ", b"\n", b".", "é".encode(),
]  # fmt: skip


def _same(ctx: ParseContext, work: bytes) -> None:
    want = [(m.span(), m.groups()) for m in ctx.ref_re.finditer(work)]
    assert [(m.span(), m.groups()) for m in _find_refs(ctx, work)] == want, work


@pytest.mark.parametrize("ctx", CONTEXTS, ids=lambda c: "|".join(h.decode() for h in c.ref_heads))
def test_find_refs_is_finditer(ctx: ParseContext) -> None:
    rnd = random.Random(7)
    for _ in range(3000):
        _same(ctx, b"".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 14))))
    _same(ctx, b"See SPEC-001, SPEC-002/FR-3 and xSPEC-4, A.B-1, ADR-2/NFR-1.\n")
    _same(ctx, "ÉTUDE-1, RFC-X-2, RFC-3 X-4 (A.B-5/FR-1)".encode())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20), st.sampled_from(CONTEXTS))
def test_find_refs_random(pieces: list[bytes], ctx: ParseContext) -> None:
    _same(ctx, b"".join(pieces))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_fold_ascii_shortcut(text: str) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    assert fold(text) == "".join(c for c in decomposed if not unicodedata.combining(c))


def test_a_documents_parts_are_built_once_each_and_kept() -> None:
    """Document's parts are memoized by specbook's own cached_property (functools' takes
    a lock on Python 3.11): each part is asked of the parser once, kept on the document,
    and the class still gives the descriptor with the part's docstring."""
    from specbook.core.model import Document, cached_property
    from specbook.parse import parse

    doc = parse(b"# T\n\n## Scope\n\n- [x] done\n\n## Review History\n\n| Date | Reviewer |\n"
                b"|---|---|\n| 2026-01-02 | Ana |\n", "t.md")  # fmt: skip
    assert doc.parts is not None
    asked: list[str] = []
    parts = doc.parts

    class Counting:
        def __getattr__(self, name: str) -> object:
            asked.append(name)
            return getattr(parts, name)

    object.__setattr__(doc, "parts", Counting())
    first = (doc.sections, doc.checklists, doc.review_history)
    assert (doc.sections, doc.checklists, doc.review_history) == first
    assert doc.sections is first[0] and doc.review_history is first[2]
    assert asked == ["sections", "checklists", "review_history"]
    assert [e.reviewer for e in doc.review_history] == ["Ana"]
    assert isinstance(Document.__dict__["sections"], cached_property)
    assert Document.sections.name == "sections"  # type: ignore[attr-defined]
