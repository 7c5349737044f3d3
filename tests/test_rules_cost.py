"""The cheaper ways the document rules and the facts do their work (issue 19) against
what they replaced: the C loop of the tests a Testing Strategy lists
(``_cscan.listed_items``) against its Python reference, ``contains_any_ci``'s three-byte
look-up against ``bytes.lower`` then ``in``, and the memos of section keys and heading
anchors against the functions they remember, on every book here (generated documents,
the example book, each corpus and rule scenario) and on hand-written edge cases."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from specbook.book import Book
from specbook.core.config import load_config
from specbook.core.model import Document
from specbook.lint.rules import references, requirements
from specbook.lint.rules.sections import section_walk
from specbook.parse import parse
from specbook.services.adopt import infer
from specbook.trace import coverage
from tests.conftest import every_book


def _c() -> ModuleType:
    try:
        from specbook.parse.scan import _cscan
    except ImportError as exc:  # pragma: no cover - the failure is the point
        pytest.fail(f"the C scanner is not built ({exc}); `pip install -e .` builds it")
    return _cscan


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[Document]:
    docs = []
    for root in every_book(tmp_path_factory.mktemp("gen")):
        cfg = root / "specbook.toml"
        config = load_config(cfg) if cfg.exists() else infer(root).config()
        book = Book(config, warn=None)
        docs += [parse(Path(p).read_bytes(), book.rel(p), config) for p in book.path_strings()]
    assert len(docs) > 600
    return docs


# -- the tests a Testing Strategy lists ------------------------------------------------------


def _same_items(data: bytes, pos: int, end: int) -> None:
    got = _c().listed_items(data, pos, end)
    if got is None:  # (declined: only for text that is not ASCII, or offsets out of order)
        assert not data[max(pos, 0) : end].isascii() or not 0 <= pos <= end <= len(data)
        return
    assert got == coverage._py_listed_items(data, pos, end)


def test_listed_items_in_c_are_the_python_loop_s_on_every_book(documents: list[Document]) -> None:
    sections = named = 0
    for doc in documents:
        _same_items(doc.source, 0, len(doc.source))  # (every line of the document)
        section = doc.section("Testing Strategy")
        if section is not None:
            sections += 1
            _same_items(doc.source, section.heading.end, section.span.end)
            named += len(
                coverage._py_listed_items(doc.source, section.heading.end, section.span.end)
            )
    assert sections > 40 and named > 100


def test_listed_tests_are_the_same_with_the_c_loop_or_without(
    documents: list[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_c = []
    for doc in documents:
        doc.derived.pop("listed_tests", None)
        with_c.append(coverage.listed_tests(doc))
    monkeypatch.setattr(coverage, "_C", None)
    for doc, expected in zip(documents, with_c, strict=True):
        doc.derived.pop("listed_tests", None)
        assert coverage.listed_tests(doc) == expected, doc.path


_ITEM_PIECES = [
    "- ", "* ", "+ ", "1. ", "12) ", "1234567890. ", "123456789. ", "-", "-\t", "  - ", "\t* ",
    "[x] ", "[X]\t", "[ ] ", "[x]", "[y] ", "`", "``", "test_a()", "test_b", "tests/test_x.py::",
    "tests/x.py::", "a.py::", ".py::", "Cls::", "mod.", "Cls.", "::", ":", ".", "test", "tes",
    "test_x(a, b)", "test_y(()", "test_z())", "(", ")", " ", "\t", "x", "\r", "\r\n", "\n",
    "\x0b", "\x1c", "é", "TEST_a", "test-x", "a\\b.py::", "a-b/c.py::test_q", "`test_k` `",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_ITEM_PIECES), max_size=30).map("".join), st.data())
@example("- [x] `test_a()` - tests it\n1. `tests/test_x.py::Cls::test_b` \r\n", None)
@example("- `` `test_a` ``\n- ` test_b `\n- `x` `test_c(a)`\n- `a.test_d.test_e()`", None)
@example("12345678901. `test_a`\n-\t[x]\t`test_b`\n- [x]`test_c`\n-`test_d`\n", None)
@example("- `tests/x.py::a.b::test_f`\n- `x.py::test_g`\n- `.py::test_h`\n- `a:test_i`", None)
@example("- `test_a(b)c`\n- `test_()`\n- `test`\n- `Test_a`\n- `\x1ctest_a\x0c`", None)
def test_listed_items_on_odd_markdown(text: str, data: st.DataObject | None) -> None:
    raw = text.encode()
    _same_items(raw, 0, len(raw))
    if data is not None and raw:
        pos = data.draw(st.integers(0, len(raw)))
        _same_items(raw, pos, data.draw(st.integers(pos, len(raw))))


def test_listed_items_decline_and_refuse() -> None:
    c = _c()
    assert c.listed_items(b"- `test_a`", 0, 10) == [(0, None, 3, 9, "test_a", "test_a")]
    assert c.listed_items(b"- `test_\xc3\xa9`", 0, 11) is None  # (not ASCII: Python's)
    assert c.listed_items(b"- `test_a`", 5, 2) is None
    assert c.listed_items(b"- `test_a`", 0, 99) is None
    assert c.listed_items(b"- `test_a`", -1, 5) is None
    assert c.listed_items(b"", 0, 0) == []
    with pytest.raises(TypeError):
        c.listed_items("- `test_a`", 0, 10)
    with pytest.raises(TypeError):
        c.listed_items(b"x", 0)


# -- contains_any_ci's look-up of three bytes ------------------------------------------------

_NEEDLES = [
    b"supersed", b"supers\xc3", b"remplac", b"SUPersed", b"abc", b"abcd", b"xyz", b"a-b",
    b"\xc3\xa9t", b"ers", b"r\xc3\xa9", b"zzzzzzzz",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"SUPERSED", b"superse", b"Supers\xc3\xa9", b"RemPlac", b"aBc", b"ABCD",
                         b"xy", b"z", b"ERS", b"\xc3\xa9T", b"R\xc3\xa9", b" ", b"-", b"\n"]),
        max_size=14,
    ).map(b"".join),
    st.lists(st.sampled_from(_NEEDLES), min_size=1, max_size=6, unique=True).map(tuple),
)  # fmt: skip
@example(b"abc", (b"abc",))
@example(b"ab", (b"abc",))
@example(b"xxABC", (b"abc", b"abcd"))
@example(b"xxABCD", (b"abcd",))
@example(b"SUPERSED", (b"SUPersed",))
def test_contains_any_ci_of_long_needles_is_lower_then_in(
    work: bytes, needles: tuple[bytes, ...]
) -> None:
    low = work.lower()
    assert _c().contains_any_ci(work, needles) is any(n in low for n in needles)


# -- the memos of section keys and heading anchors -------------------------------------------


def test_named_sections_are_the_keys_role_and_acceptance(documents: list[Document]) -> None:
    """_named_sections (a dict's look-up per key) is what a role and acceptance test of
    every key of the walk made, in the walk's order."""
    named = 0
    for doc in documents:
        doc.derived.pop("named_sections", None)
        got = requirements._named_sections(doc)
        by_key = section_walk(doc).by_key
        expected = [
            (requirements._role(k), requirements._is_acceptance(k), at)
            for k, at in by_key.items()
            if requirements._role(k) or requirements._is_acceptance(k)
        ]
        assert got == expected, doc.path
        named += len(got)
    assert named > 500
    requirements._KeyNames.cache_clear()
    assert not requirements._KEY_CODES


def _anchor_by_expression(title: str) -> str:
    low = title.lower()
    if low.isascii():
        return re.sub(r"[^a-z0-9 _-]+", "", low).replace(" ", "-")
    return references._anchor.__wrapped__(title)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet=st.characters(max_codepoint=127)), st.text()))
@example("2.1 Data Model (v2) — Schéma")
@example("A_B-c: d/e\tf")
def test_anchor_and_loose_are_what_the_expressions_made(title: str) -> None:
    assert references._anchor(title) == _anchor_by_expression(title)
    assert references._ANCHORS[title] == _anchor_by_expression(title)
    low = title.lower()
    if low.isascii():
        assert references._loose(title) == re.sub(r"[^a-z0-9]+", "", low)


def test_exact_anchors_on_every_book(documents: list[Document]) -> None:
    for doc in documents:
        bases = [_anchor_by_expression(s.title) for s in doc.flat_sections]
        seen: dict[str, int] = {}
        expected = []
        for base in bases:
            n = seen.get(base, 0)
            seen[base] = n + 1
            expected.append(base if n == 0 else f"{base}-{n}")
        assert references._exact_anchors(doc) == expected, doc.path
    references._Anchors.cache_clear()
    assert not references._ANCHORS


@pytest.mark.parametrize("many", [False, True])
def test_contains_any_ci_at_every_place_of_a_long_text(many: bool) -> None:
    """Sixteen places at a time (SSE2, at most eight distinct first three bytes), then
    one by one to the end: a needle at any place, cut by the end, or absent."""
    needles = (b"supersed", b"remplac", b"ersetzt", b"vervang")
    if many:  # (more than eight distinct first three bytes: the loop of one place)
        needles += tuple(bytes([97 + i, 98 + i, 99 + i, 100]) for i in range(8))
    c = _c()
    for size in (0, 2, 3, 15, 16, 17, 18, 19, 33, 40):
        for at in range(size + 1):
            for word in (b"SuperSeded", b"superse", b"VERVANG", b"ersetzT!", b"remPLA"):
                work = (b"e" * at + word + b"r" * size)[: max(size, 0) + len(word)]
                low = work.lower()
                assert c.contains_any_ci(work, needles) is any(n in low for n in needles)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(
            alphabet=st.sampled_from(list("aZ1 .)(\t\x1c\x0b:-ivxlcIVXLC\u00e9\u017f")), max_size=9
        ),
        st.text(max_size=6),
    )
)
@example("iv. Intro")
@example("C. Foo")
@example("Component 1: Gateway")
@example("a) b")
@example("ii. ")
def test_norm_heading_is_the_numbering_expression_then_norm_key(title: str) -> None:
    """norm_heading tells most titles hold no numbering without the expression: with the
    C module's ``norm_ascii`` and with the Python shortcut it stands in front of."""
    from specbook.core import text
    from specbook.core.text import _NUMBERING, norm_heading, norm_key

    want = norm_key.__wrapped__(_NUMBERING.sub("", title, count=1))
    assert norm_heading.__wrapped__(title) == want
    c_norm = text.ascii_norm
    text.ascii_norm = None  # (the Python way, as without the C module)
    try:
        assert norm_heading.__wrapped__(title) == want
        assert norm_key.__wrapped__(_NUMBERING.sub("", title, count=1)) == want
    finally:
        text.ascii_norm = c_norm


def _measurable_by_expressions(text: str) -> bool:
    if requirements._MEASURED_BY_NUMBER.search(text) is not None:
        return True
    if text.isascii():
        return requirements._MEASURED_BY_LOWER_WORDS.search(text.lower()) is not None
    return requirements._MEASURED_BY_WORDS.search(text) is not None


@settings(max_examples=800, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [*"0123456789.,$ %msMSkKgb/x-_aZ\t", "one ", "Ten x", "2024-01-02", "p95",
             " \u00b5s", "\u20ac5", "\u2030", "\u00d7"]
        ),
        max_size=8,
    ).map("".join)
)  # fmt: skip
@example(">= 3700 requests/s per node")
@example("fast enough for users")
@example("x.5 ms")
@example("a5 ms")
def test_is_measurable_is_what_the_expressions_say(text: str) -> None:
    """ASCII text is tried from its first digit, `.` or `$`, without regard to case."""
    assert requirements.is_measurable(text) is _measurable_by_expressions(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab: -\n<!&*?[]{}#\"'")), max_size=12))
@example("a: <<")
@example("<< : x")
@example("a: <b")
def test_yaml_quick_looks_for_what_the_expression_found(text: str) -> None:
    from specbook.lint.rules import content

    needs = content._YAML_NEEDS_CHARACTERS.search(text) is not None or "<<" in text
    assert needs is (content._YAML_NEEDS_EVENTS.search(text) is not None)
