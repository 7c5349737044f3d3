"""A parsed document kept in the snapshot (:mod:`specbook.core.stored`) is the parse,
part for part: what ``report``, ``build`` and the portal's pages read instead of
parsing again must show the same thing."""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

import pytest

from specbook.core import stored
from specbook.core.model import Sidecar
from specbook.parse import parse, scan

REPO = Path(__file__).resolve().parents[1]
PARTS = (
    "sections", "requirements", "references", "checklists", "tables", "code_blocks",
    "links", "review_history", "flat_sections", "metadata", "digest",
)  # fmt: skip


def _files() -> list[Path]:
    found = sorted((REPO / "tests/corpus").rglob("*.md")) + sorted(
        (REPO / "examples").rglob("*.md")
    )
    return found[::3]  # (a third of them: every kind of file, in a fraction of a second)


@pytest.mark.parametrize("way", ["python", "c"])
def test_a_stored_document_is_the_parse_part_for_part(way: str) -> None:
    """Both ways of dumping (node by node in Python; the C module's generic ``plain``,
    which lint uses) store the same data, and it loads as the parse."""
    plain = scan.plain if way == "c" else None
    revive = scan.revive if way == "c" else None
    assert way == "python" or (plain is not None and revive is not None), "C module not built"
    files = _files()
    assert len(files) > 100
    for f in files:
        data = f.read_bytes()
        doc = parse(data, f.name)
        dumped = stored.dump(doc, plain)
        if plain is not None:
            assert marshal.loads(dumped) == marshal.loads(stored.dump(doc)), f
        again = stored.load(dumped, data, (), revive)
        assert again == doc, f
        for part in PARTS:
            assert getattr(again, part) == getattr(doc, part), (f, part)
        for s in doc.flat_sections[:3]:
            assert again.column(s.span.start) == doc.column(s.span.start)


def test_revive_makes_the_nodes_its_shape_names_and_refuses_other_data() -> None:
    from specbook.core.model import Section, Span

    assert scan.revive is not None
    shapes: list[Any] = []
    shapes.append((Section, (None, None, None, Span, Span, shapes)))
    kid = (2, "B", None, (5, 6, 2, 2), (5, 9, 2, 3), ())
    got = scan.revive(((1, "A", "a", (0, 3, 1, 1), (0, 9, 1, 3), (kid,)),), shapes)
    assert got == (Section(1, "A", "a", Span(0, 3, 1, 1), Span(0, 9, 1, 3), (
        Section(2, "B", None, Span(5, 6, 2, 2), Span(5, 9, 2, 3), ()),
    )),)  # fmt: skip
    assert type(got[0]) is Section and type(got[0].children[0].span) is Span
    assert scan.revive((None, (1, 2, 3, 4)), [Span]) == (None, Span(1, 2, 3, 4))
    for value, shape in (
        ((1, 2), [(Span, (None, None, None, None))]),  # an item is no tuple
        (((1, 2),), [(Span, (None, None, None, None))]),  # too few items
        (((1, 2),), [int]),  # not a tuple type
        (((1, 2),), [None, None]),  # a list shape of two
        (((1, 2),), [(Span,)]),  # a node shape without its field shapes
    ):
        with pytest.raises(TypeError):
            scan.revive(value, shape)
    deep: Any = ()
    for _ in range(100_000):
        deep = (deep,)
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(RecursionError):
        scan.revive(deep, loop)


def test_plain_makes_exact_tuples_all_the_way_down() -> None:
    from specbook.core.model import Span

    assert scan.plain is not None
    got = scan.plain([Span(1, 2, 3, 4), (Span(5, 6, 7, 8), [1, "a", None, b"x"]), 2.5])
    assert got == ((1, 2, 3, 4), ((5, 6, 7, 8), (1, "a", None, b"x")), 2.5)
    assert type(got[0]) is tuple and type(got[1][0]) is tuple and type(got[1][1]) is tuple
    deep: Any = ()
    for _ in range(100_000):
        deep = (deep,)
    with pytest.raises(RecursionError):
        scan.plain(deep)


def test_a_stored_document_keeps_its_sidecars_and_refuses_other_data() -> None:
    data = b"# T\n\n**ID**: SPEC-001\n\n- [ ] one\n"
    side = (Sidecar("kep.yaml", b"status: Draft\n"),)
    doc = parse(data, "docs/specs/SPEC-001-t.md", None, side)
    again = stored.load(stored.dump(doc), data, side)
    assert again is not None and again.sidecars == side and again.digest == doc.digest
    assert again.checklists == doc.checklists
    old = bytearray(stored.dump(doc))
    for bad in (b"", b"\x00garbage", bytes(old[: len(old) // 2])):
        assert stored.load(bad, data) is None


def test_data_of_another_version_is_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = parse(b"# T\n", "t.md")
    monkeypatch.setattr(stored, "VERSION", stored.VERSION + 1)
    data = stored.dump(doc)
    monkeypatch.setattr(stored, "VERSION", stored.VERSION - 1)
    assert stored.load(data, b"# T\n") is None
