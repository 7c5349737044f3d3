"""A parsed document kept in the snapshot (:mod:`specbook.core.stored`) is the parse,
part for part: what ``report``, ``build`` and the portal's pages read instead of
parsing again must show the same thing."""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

import pytest

from specbook.core import stored
from specbook.core.model import Document, Sidecar
from specbook.parse import parse, scan

REPO = Path(__file__).resolve().parents[1]
PARTS = (
    "sections", "requirements", "references", "checklists", "tables", "code_blocks",
    "links", "review_history", "flat_sections", "metadata", "digest",
)  # fmt: skip


def _files() -> list[Path]:
    return sorted((REPO / "tests/corpus").rglob("*.md")) + sorted((REPO / "examples").rglob("*.md"))


def _variants(data: bytes) -> list[bytes]:
    """``data``, and it with a BOM, with CRLF line ends, and with a byte that is not
    UTF-8 (each shifts the offsets, lines or texts the stored spans hold)."""
    return [
        data,
        b"\xef\xbb\xbf" + data,
        data.replace(b"\n", b"\r\n"),
        data[:40] + b"\xff" + data[40:],
    ]


def _assert_same(again: object, doc: Document, label: object) -> None:
    assert again == doc, label
    assert isinstance(again, Document)
    for part in PARTS:
        assert getattr(again, part) == getattr(doc, part), (label, part)
    assert again.line_starts == doc.line_starts and again.sidecars == doc.sidecars, label
    for s in doc.flat_sections[:3]:
        assert again.column(s.span.start) == doc.column(s.span.start)


@pytest.mark.parametrize("way", ["python", "c"])
def test_a_stored_document_is_the_parse_part_for_part(way: str) -> None:
    """Both ways of dumping (node by node in Python; the C module's ``pack``, which lint
    uses) store the same data, and it loads as the parse: every corpus and example
    file (a third of them the Python way), a ninth also with a BOM, CRLF line ends, a
    byte that is not UTF-8."""
    pack = scan.pack if way == "c" else None
    revive = scan.revive if way == "c" else None
    assert way == "python" or (pack is not None and revive is not None), "C module not built"
    files = _files()
    assert len(files) > 400
    for i, f in enumerate(files):
        # (the Python way, a reference, on a third of them: every kind of file, cheaply)
        if pack is None and i % 3:
            continue
        for data in _variants(f.read_bytes()) if i % 9 == 0 else [f.read_bytes()]:
            doc = parse(data, f.name)
            dumped = stored.dump(doc, pack)
            if pack is not None:
                assert marshal.loads(dumped) == marshal.loads(stored.dump(doc)), f
            _assert_same(stored.load(dumped, data, (), revive), doc, f)


def test_every_book_stored_with_its_config_and_sidecars_loads_as_its_parse() -> None:
    """The example book and each synthetic corpus book (sidecar files, front matter,
    number-named files), each document read and parsed as lint does (its book's config,
    inferred for a book without one, and its sidecars), stored by ``pack`` and loaded.
    (The wild books' files, parsed without their config, are in the test above.)"""
    from specbook.book import Book
    from specbook.core.config import load_config
    from specbook.core.layout import read_document
    from specbook.services.adopt import infer

    synthetic = REPO / "tests/corpus/synthetic"
    roots = [REPO / "examples/book", *(p for p in sorted(synthetic.iterdir()) if p.is_dir())]
    documents = with_sidecars = 0
    for root in roots:
        cfg = root / "specbook.toml"
        config = load_config(cfg) if cfg.exists() else infer(root).config()
        book = Book(config)
        for path in book.path_strings():
            rel = book.rel(path)
            got = read_document(config, path, rel)
            assert got is not None, path
            _, data, sidecars = got
            doc = parse(data, rel, config, sidecars)
            again = stored.load(stored.dump(doc, scan.pack), data, sidecars, scan.revive)
            _assert_same(again, doc, path)
            documents += 1
            with_sidecars += bool(sidecars)
    assert len(roots) > 3 and documents > 40 and with_sidecars > 0


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


def test_pack_writes_what_marshal_reads_as_the_plain_tuples() -> None:
    from specbook.core.model import Span

    assert scan.pack is not None
    long_ascii, long_text = "x" * 300, "é" * 300
    value = [
        Span(1, 2, 3, 4), (Span(5, 6, 7, 8), [1, "a", None, b"x", True, False]),
        ("abcd", "abcd", "abc", "abc", "\u00e9t\u00e9s", "\u00e9t\u00e9s", "a\udc80b!", "", "\U0001f600!!"),
        (2**31 - 1, -(2**31), 0, -1, 255, 256), tuple(range(255)), tuple(range(256)), [],
        (long_ascii, long_text, "y" * 255, "y" * 256, "y" * 255),
    ]  # fmt: skip
    plain = (
        (1, 2, 3, 4), ((5, 6, 7, 8), (1, "a", None, b"x", True, False)), value[2], value[3],
        value[4], value[5], (), value[7],
    )  # fmt: skip
    got = marshal.loads(scan.pack(value))
    assert got == plain
    assert type(got[0]) is tuple and type(got[1][1]) is tuple and type(got[6]) is tuple
    assert [type(x) for x in got[1][1]] == [int, str, type(None), bytes, bool, bool]
    # a string of 4 characters or more is written once: equal ones load as one object
    assert got[2][0] is got[2][1] and got[2][4] is got[2][5] and got[7][2] is got[7][4]
    many = tuple("".join(("Require", "ments")) for _ in range(50))  # (equal, not one object)
    assert len({id(x) for x in many}) == 50
    assert len(scan.pack(many)) < len(marshal.dumps(many, 4)) / 2
    assert marshal.loads(scan.pack(many)) == many
    for bad in (1.5, {"a": 1}, 2**31, -(2**31) - 1, [1, {2}], type("S", (str,), {})("abcd")):
        with pytest.raises((TypeError, ValueError)):
            scan.pack(bad)
    deep: Any = ()
    for _ in range(100_000):
        deep = (deep,)
    with pytest.raises(RecursionError):
        scan.pack(deep)


def test_a_document_pack_cannot_write_is_stored_the_python_way() -> None:
    import dataclasses

    data = b"# T\n\n- [ ] one\n"
    doc = parse(data, "t.md")
    huge = dataclasses.replace(doc, encoding=doc.encoding._replace(size=2**40))
    dumped = stored.dump(huge, scan.pack)
    assert dumped == stored.dump(huge)
    again = stored.load(dumped, data, (), scan.revive)
    assert again is not None and again.encoding.size == 2**40 and again.checklists == doc.checklists


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
