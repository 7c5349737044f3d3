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
    assert way == "python" or plain is not None, "the C module is not built"
    files = _files()
    assert len(files) > 100
    for f in files:
        data = f.read_bytes()
        doc = parse(data, f.name)
        dumped = stored.dump(doc, plain)
        if plain is not None:
            assert marshal.loads(dumped) == marshal.loads(stored.dump(doc)), f
        again = stored.load(dumped, data)
        assert again == doc, f
        for part in PARTS:
            assert getattr(again, part) == getattr(doc, part), (f, part)
        for s in doc.flat_sections[:3]:
            assert again.column(s.span.start) == doc.column(s.span.start)


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
