"""The C scanner (specbook.parse.scan._cscan) against the Python one (scan.fast).

For every input, ``_cscan.scan`` must either return ``None`` (ask fast.py) or a tuple
equal, element for element and type for type, to the :class:`Blocks` that
``fast.scan`` returns (which ``test_fast_scan`` holds to pyromark). It must also take
every generated benchmark document and most real specs.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import specbook.core.config
import specbook.parse
import specbook.parse.context
from specbook.book import Book
from specbook.core.config import BookConfig, load_config
from specbook.core.model import (
    Cell,
    ChecklistItem,
    CodeBlock,
    Field,
    Link,
    Requirement,
    ReviewEntry,
    Section,
    Span,
    Table,
)
from specbook.core.text import norm_heading
from specbook.parse import core, which_scanner
from specbook.parse import scan as scanners
from specbook.parse.scan import RawHeading, fast, lines
from specbook.parse.scan.lines import line_starts as _line_starts
from specbook.services.adopt import infer
from tests.conftest import CORPUS, FIXTURES, REPO
from tests.test_fast_scan import _blank_front_matter, _document, _generated
from tests.test_properties import PIECES


def _c() -> ModuleType:
    try:
        from specbook.parse.scan import _cscan
    except ImportError as exc:  # pragma: no cover - the failure is the point
        pytest.fail(f"the C scanner is not built ({exc}); `pip install -e .` builds it")
    return _cscan


def _check(work: bytes, label: str = "") -> bool:
    """Whether the C scanner took ``work``; fails if it took it with a wrong result."""
    got = _c().scan(work)
    if got is None:
        return False
    expected = fast.scan(work)
    assert expected is not None, (label, "the C scanner took what fast.py refuses", work[:200])
    for field, mine, theirs in zip(expected._fields, got, expected, strict=True):
        assert mine == theirs, (label, field, work[:200])
    # repr tells True from 1, a tuple from a list and a named record from a plain tuple
    assert repr(got) == repr(expected), label
    return True


def _variants(data: bytes) -> Iterator[bytes]:
    """``data``, and what the parser would hand a scanner for it or a near relative."""
    yield data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        yield data
    if b"\r\n" in data:
        data = data.replace(b"\r\n", b"\n")
        yield data
    blanked = _blank_front_matter(data)
    if blanked is not None:
        yield blanked


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        pytest.fail(f"{root} is missing")
    return sorted(p for p in root.rglob("*") if p.is_file())


# -- (a) the extension is there, and it is used -------------------------------------------


def test_the_extension_is_built_and_used() -> None:
    mod = _c()
    assert mod.scan(b"# Title\n") is not None
    if os.environ.get("SPECBOOK_PURE_PYTHON", "") in ("", "0"):
        assert scanners.SCANNERS[0].scan is mod.scan
        assert which_scanner(b"# Title\n") == "c"


def test_pure_python_switch() -> None:
    code = (
        "import specbook.parse.scan as s; "
        "print([x.name for x in s.SCANNERS], s.which_scanner(b'# T\\n'), s.scan(b'# T\\n').headings)"
    )
    env = {**os.environ, "SPECBOOK_PURE_PYTHON": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split(None, 2) == [
        "['python',",
        "'pyromark']",
        "python [RawHeading(level=1, start=0, end=4, text='T')]\n",
    ]


def test_which_scanner() -> None:
    assert which_scanner(b"# T\n\nSee [the spec](a.md).\n") == "python"  # a link
    assert which_scanner(b"> a quote\n") == "pyromark"


def test_wrong_argument() -> None:
    with pytest.raises(TypeError):
        _c().scan("text")  # type: ignore[arg-type]


# -- (b) real and generated documents ------------------------------------------------------


def test_corpus_and_examples_are_exact() -> None:
    taken: dict[str, int] = {}
    seen: dict[str, int] = {}
    for root in (CORPUS.parent, REPO / "examples", FIXTURES, REPO / "tests" / "rules"):
        for path in _files(root):
            seen[root.name] = seen.get(root.name, 0) + 1
            for k, work in enumerate(_variants(path.read_bytes())):
                took = _check(work, f"{path} variant {k}")
                if k == 0:
                    taken[root.name] = taken.get(root.name, 0) + took
    assert seen["corpus"] > 300
    # (the C scanner leaves links and other inline markup to fast.py)
    assert taken["corpus"] >= 35, taken
    assert taken["rules"] >= 60, taken
    book = _files(REPO / "examples" / "book" / "docs")
    took = sum(_check(p.read_bytes(), str(p)) for p in book if p.suffix == ".md")
    assert took >= 0.9 * sum(p.suffix == ".md" for p in book), took


def test_generated_documents_are_all_taken() -> None:
    docs = _generated(300)
    taken = sum(_check(doc, f"generated {i}") for i, doc in enumerate(docs, 1))
    assert taken == len(docs)


# -- (c) random documents --------------------------------------------------------------------

_PLAIN = st.sampled_from(
    [
        "alpha",
        "Beta",
        "FR-1",
        "42",
        "snake_case",
        "**bold**",
        "**Status**:",
        "`code`",
        "`a b`",
        "[Name]",
        "[x]",
        "a < b",
        "x<=y",
        "R&D",
        "&",
        "(**x**)",
        "é",
        "日本",
        "\u00a0",
        "🙂",
        "|",
        ":",
        "#",
        "-",
        "1.",
    ]
)
_ODD = st.sampled_from(
    ["*em*", "_x_", "[a](b)", "<https://x.org>", "&amp;", "\\*", "~", "` x`", "**a", "**"]
)


@st.composite
def _easy_inline(draw: st.DrawFn, min_size: int = 0) -> str:
    odd = draw(st.integers(0, 9)) == 0
    words = draw(st.lists(_PLAIN | _ODD if odd else _PLAIN, min_size=min_size, max_size=6))
    return draw(st.sampled_from([" ", " ", "", "  "])).join(words)


@st.composite
def _spec(draw: st.DrawFn) -> str:
    """Mostly the constructs the C scanner takes, nested and mixed."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 8))
        ind = " " * draw(st.sampled_from([0] * 9 + [2, 2, 3, 3, 1, 4, 6]))
        if kind == 0:
            hashes = "#" * draw(st.integers(1, 7))
            gap = draw(st.sampled_from([" ", "  ", ""]))
            close = draw(st.sampled_from(["", "", " #", " ##", "#", " ", "  # "]))
            lines.append(ind + hashes + gap + draw(_easy_inline()) + close)
        elif kind in (1, 2):
            marker = draw(st.sampled_from(["-", "*", "+", "1.", "2)", "10.", "1."]))
            box = draw(st.sampled_from(["", "", "", "[ ] ", "[x] ", "[X]  "]))
            gap = " " * draw(st.sampled_from([1, 1, 1, 1, 2, 2, 3, 5]))
            lines.append(ind + marker + gap + box + draw(_easy_inline(min_size=1)))
        elif kind == 3:
            lines.append(ind + draw(_easy_inline(min_size=1)))
        elif kind == 4:
            ncol = draw(st.integers(1, 3))
            lead = draw(st.sampled_from(["|", "| "]))
            trail = draw(st.sampled_from(["|", " |", "", " | <!-- x -->", " | `a` |", "  "]))
            lines.append(lead + " | ".join(draw(_easy_inline()) for _ in range(ncol)) + trail)
            lines.append(draw(st.sampled_from(["", " "])) + "|" + "|".join(["---"] * ncol) + "|")
            for _ in range(draw(st.integers(0, 3))):
                k = max(1, ncol + draw(st.sampled_from([0, 0, -1, 1])))
                lines.append("| " + " | ".join(draw(_easy_inline()) for _ in range(k)) + trail)
            if draw(st.integers(0, 4)):
                lines.append("")
        elif kind == 5:
            fence = draw(st.sampled_from(["```", "~~~", "````"]))
            lines.append(ind + fence + draw(st.sampled_from(["", "sql", " py ", "a b"])))
            for _ in range(draw(st.integers(0, 3))):
                pad = draw(st.sampled_from(["", " ", "  ", "    "]))
                lines.append(pad + draw(st.sampled_from(["x = 1", "", "# h", "\tt", "```", "~~~"])))
            if draw(st.integers(0, 3)):
                lines.append(draw(st.sampled_from(["", " ", "  ", ind])) + fence)
        elif kind == 6:
            rule = draw(st.sampled_from(["---", "***", "___", "* * *", "- - -", "===", "--"]))
            lines.append(ind + rule)
        else:
            lines.append(draw(st.sampled_from(["", "", " ", "   "])))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n", "\n  "]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_spec())
def test_random_specs(text: str) -> None:
    _check(text.encode("utf-8"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_random_documents(text: str) -> None:
    _check(text.encode("utf-8"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab *_`[]()!<>#-|:~&\\\n 1.é\t\u00a0x", max_size=60))
def test_random_text(text: str) -> None:
    _check(text.encode("utf-8"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.binary(max_size=3))
def test_markdown_mixtures(pieces: list[str], junk: bytes) -> None:
    data = "".join(pieces).encode("utf-8")
    _check(data)
    if junk:
        _check(data[: len(data) // 2] + junk + data[len(data) // 2 :])


_GENERATED = _generated(20)
_EDITS = st.sampled_from(["delete", "duplicate", "indent", "dedent", "insert", "byte", "cut"])
_INSERTS = st.sampled_from(
    ["", " ", "- x", "  - y", "1. z", "| a |", "|---|", "```", "# H", "**", "`", "[", "<", "\t"]
)


def _edited(doc: bytes, edits: list[tuple[str, int, str]]) -> bytes:
    """``doc`` with a few lines deleted, moved in or out, inserted, changed or cut."""
    lines = doc.split(b"\n")
    for edit, at, piece in edits:
        i = at % len(lines)
        if edit == "delete" and len(lines) > 1:
            del lines[i]
        elif edit == "duplicate":
            lines.insert(i, lines[i])
        elif edit == "indent":
            lines[i] = b" " * (1 + at % 5) + lines[i]
        elif edit == "dedent":
            lines[i] = lines[i].lstrip(b" ")
        elif edit == "insert":
            lines.insert(i, piece.encode())
        elif edit == "byte" and lines[i]:
            j = at % len(lines[i])
            lines[i] = lines[i][:j] + piece.encode() + lines[i][j + 1 :]
        elif edit == "cut":
            lines = lines[: i + 1]
    return b"\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_GENERATED),
    st.lists(st.tuples(_EDITS, st.integers(0, 10**6), _INSERTS), max_size=6),
)
def test_edited_generated_documents(doc: bytes, edits: list[tuple[str, int, str]]) -> None:
    _check(_edited(doc, edits))


# -- the line index -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60) | st.text(alphabet="ab\r\n", max_size=60).map(str.encode))
def test_line_starts(data: bytes) -> None:
    assert _c().line_starts(data) == _line_starts(data)


def test_line_starts_is_used() -> None:
    if os.environ.get("SPECBOOK_PURE_PYTHON", "") in ("", "0"):
        assert scanners.line_starts is _c().line_starts
    for data in (b"", b"\n", b"a\r\nb\rc\n", b"x" * 100 + b"\n\n"):
        assert _c().line_starts(data) == _line_starts(data)


# -- (d) cases that took some care ----------------------------------------------------------

TAKEN = [
    "",
    "\n",
    "   \n\n",
    "# a",  # a last heading without a newline ends at the end
    "#\n## ##\n### a ###\n#### b#\n##### c  #  \n###### #\n",
    "####### seven is no heading\n",
    "# Titel\u00a0\n## \u3000Breit\u3000\n",  # str.strip takes Unicode white space
    "# `code` and **bold**: x\n",
    "- a\n\n  second paragraph\n\n  third\n- b\n",
    "- a\n  goes on\n     with spaces\n- b\n",
    "para\n     continued past four spaces\n",
    "- item\n\n  ```sh\n  make\n    indented\n  ```\n- next\n",
    "- item\n   ```\n   body\n  ```\n",
    "```\nunclosed\n  ",
    "```\nunclosed\n    ",
    "  ~~~ info string \nx\n  ~~~\n",
    "1. one\n2. two\n\npara\n2. not an item\n1. an item\n",
    "- [ ] a\n- [x] b\n- [X]   c\n  * [ ] nested\n",
    "| a | b |\n|---|:-:|\n| 1 |\n| 1 | 2 | 3 |\n| `x` | **y** |\n",
    "| a | b\n|---|---\n| 1 | 2\n",
    "| a | b |\n|---|---|\n| 1 | 2 | <!-- cut off, so cell by cell -->\n",
    "text\n| a |\n|---|\n| 1 |\n",
    "**Status**: Draft\n**ID**: SPEC-001 (see [Name])\n",
    "a_b_c, x < y, x<=y, R&D, (**bold**), [YYYY-MM-DD]\n",
    "- **FR-1**: the thing.\n   - Acceptance Criteria: done.\n\n2. **FR-2**: more\n",
    "* * *\n___\n- - -\n",
]


@pytest.mark.parametrize("text", TAKEN)
def test_taken(text: str) -> None:
    assert _check(text.encode("utf-8")), text


LEFT = [
    b"See [a link](https://example.com).\n",  # links are fast.py's
    b"- <https://x.org>\n",
    b"<div>\n",
    b"*em*\n\n- *em* in an item\n",
    b"Entity &amp; in an item:\n\n- &amp;\n",
    b"| a |\n|---|\n| ~x~ ~y~ |\n",
    b"a\r\nb\r\n",
    b"\x0c",
    b"# bad \xff UTF-8\n",
    b"# a surrogate \xed\xa0\x80\n",
    b"# overlong \xc0\xaf\n",
    b"# past U+10FFFF \xf4\x90\x80\x80\n",
    b"# cut short \xe6\x97",
    b"- [ ]\n",
    b"\tx\n",
]


@pytest.mark.parametrize("data", LEFT)
def test_left_to_python(data: bytes) -> None:
    assert _c().scan(data) is None, data


# -- (d) the span function: Spans is scan.lines.line_spans in C ----------------------------------


def test_spans_installed() -> None:
    if os.environ.get("SPECBOOK_PURE_PYTHON", "") in ("", "0"):
        assert isinstance(scanners.span_maker((0, 2, 4)), _c().Spans)


@settings(max_examples=300, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 40), max_size=30),
    calls=st.lists(st.tuples(st.integers(-5, 700), st.integers(-5, 700)), max_size=60),
)
def test_spans_are_the_closure(gaps: list[int], calls: list[tuple[int, int]]) -> None:
    starts = [0]
    for g in gaps:  # (an empty line is a gap of 1; 0 repeats a start, as no file does)
        starts.append(starts[-1] + g)
    line_starts = tuple(starts)
    mine, theirs = _c().Spans(Span, line_starts), lines.line_spans(line_starts)
    # nearby calls, as a parse makes them (the remembered line), then the random ones
    near = [(s + d, s + d + w) for s in starts for d, w in ((0, 3), (1, 0), (2, 50))]
    for start, end in [*near, *calls]:
        got, expected = mine(start, end), theirs(start, end)
        assert type(got) is Span and got == expected, (line_starts, start, end)


def _parts(data: bytes, path: Path) -> tuple[object, ...]:
    doc = specbook.parse.parse(data, str(path))
    return (
        doc.fields, doc.sections, doc.requirements, doc.references, doc.tables,
        doc.code_blocks, doc.checklists, doc.problems,
    )  # fmt: skip


def test_spans_real_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _files(CORPUS) + _files(FIXTURES)
    datas = [(p, d) for p in paths if p.suffix == ".md" for d in _variants(p.read_bytes())]
    assert len(datas) > 300
    expected = [_parts(d, p) for p, d in datas]
    monkeypatch.setattr(scanners, "span_maker", lines.line_spans)
    assert [_parts(d, p) for p, d in datas] == expected


def test_spans_pickle_and_copy() -> None:
    """A span function survives pickle and copy (parse results go into the snapshot)."""
    spans = _c().Spans(Span, (0, 3, 7, 12))
    spans(8, 9)  # (a remembered line is not part of the value)
    for again in (pickle.loads(pickle.dumps(spans)), copy.copy(spans), copy.deepcopy(spans)):
        assert type(again) is _c().Spans
        for start, end in ((0, 1), (4, 8), (8, 9), (2, 12), (13, 20)):
            assert again(start, end) == spans(start, end)
            assert type(again(start, end)) is Span


def test_spans_bad_arguments() -> None:
    spans = _c().Spans
    with pytest.raises(TypeError):
        spans((0, 1), Span)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        spans(Span, [0, 1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ascending"):
        spans(Span, (0, 5, 3))
    span = spans(Span, (0, 5))
    with pytest.raises(TypeError):
        span(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        span(1, "2")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        span(1, end=2)  # type: ignore[call-arg]


# -- (e) the model's nodes: the C builders are core._Parts's Python loops --------------------

_NODE_PARTS = (
    "sections", "requirements", "references", "checklists", "tables", "code_blocks", "links",
    "review_history",
)  # fmt: skip


def _model(data: bytes, path: str, config: BookConfig | None = None) -> str:
    """Everything a parse gives of ``data``, as one repr (types and all)."""
    doc = specbook.parse.parse(data, path, config)
    heads = getattr(doc.parts, "raw_heads", None)
    parts = (getattr(doc, p) for p in _NODE_PARTS)
    return repr((doc, doc.fields, doc.problems, heads, *parts, doc.flat_sections))


def _in_python(datas: list[tuple[str, bytes]], config: BookConfig | None = None) -> list[str]:
    """:func:`_model` of each document with the nodes built by the Python loops."""
    saved = core._C
    core._C = None
    try:
        return [_model(d, p, config) for p, d in datas]
    finally:
        core._C = saved


def _assert_same_model(datas: list[tuple[str, bytes]], config: BookConfig | None = None) -> None:
    mine = [_model(d, p, config) for p, d in datas]
    for (path, _), got, expected in zip(datas, mine, _in_python(datas, config), strict=True):
        assert got == expected, path


def test_nodes_installed() -> None:
    if os.environ.get("SPECBOOK_PURE_PYTHON", "") in ("", "0"):
        assert core._C is _c()
        doc = specbook.parse.parse(b"# T\n\n- [ ] a\n")
        assert doc.parts is not None and doc.parts.c is _c()  # type: ignore[attr-defined]
        # a BOM shifts offsets: that document's nodes are built in Python
        bom = specbook.parse.parse(b"\xef\xbb\xbf# T\n\n- [ ] a\n")
        assert bom.parts is not None and bom.parts.c is None  # type: ignore[attr-defined]


def test_nodes_real_and_generated_documents() -> None:
    datas = [
        (str(p), d)
        for root in (CORPUS.parent, REPO / "examples", FIXTURES, REPO / "tests" / "rules")
        for p in _files(root)
        if p.suffix == ".md"
        for d in _variants(p.read_bytes())
    ]
    datas += [(f"docs/specs/SPEC-{i:03}.md", d) for i, d in enumerate(_generated(60), 1)]
    assert len(datas) > 400
    _assert_same_model(datas)


def test_nodes_of_every_book_with_its_own_config(tmp_path: Path) -> None:
    """The example book, a generated book, each corpus book and each rule scenario, each
    document parsed with its own book's config (inferred for a book without
    ``specbook.toml``, as ``specbook`` would): the same model from the C builders and
    the Python loops. (The books' own requirement prefixes and field names, which the
    default config of the test above does not have.)"""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import gen
    finally:
        sys.path.remove(str(REPO / "bench"))
    gen.generate(tmp_path, 40)
    roots = [
        tmp_path,
        REPO / "examples" / "book",
        *(p for p in sorted(CORPUS.iterdir()) if p.is_dir()),
        *(p for p in sorted((CORPUS.parent / "synthetic").iterdir()) if p.is_dir()),
        *(p for p in sorted((REPO / "tests" / "rules").iterdir()) if p.is_dir()),
    ]
    documents = 0
    for root in roots:
        cfg = root / "specbook.toml"
        config = load_config(cfg) if cfg.exists() else infer(root).config()
        book = Book(config)
        datas = [(book.rel(p), Path(p).read_bytes()) for p in book.path_strings()]
        documents += len(datas)
        _assert_same_model(datas, config)
    assert len(roots) > 40 and documents > 600


# A requirement (a list item or a heading), its criteria or target lines, each maybe an
# empty label followed by list items, and lines around them
_REQ_LINE = st.sampled_from([
    "- **FR-1**: The sync persists", "1. **NFR-2**: Performance", "### FR-3: heading", "## NR3 x",
    "- R1.2: one", "BR-007 — two", "text", "```", "|a|b|", "|-|-|", "- FR-1", "",
])  # fmt: skip
_CRITERIA_LINE = st.sampled_from([
    "   - Acceptance Criteria:", "   - Target:", "Targets:", "  - criteria :  <!-- c -->",
    "   - Acceptance Criteria: 390", "  - Target: p99 < 830 ms", "**Metric**: x", "acceptance", "",
])  # fmt: skip
_ITEM_LINE = st.sampled_from(
    ["   - a", "   - ", "   * b \\", "   2) c", "   +\tlast", "   3.d", "x"]
)
_BIT = st.one_of(st.just(""), st.sampled_from([" ", "\t", "\u00a0", "\u2003", "é", "**", ":"]))


@st.composite
def _requirement_lines(draw: st.DrawFn) -> str:
    nl = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    lines = [draw(_REQ_LINE)]
    for _ in range(draw(st.integers(1, 2))):
        lines.append(draw(_CRITERIA_LINE))
        lines += draw(st.lists(_ITEM_LINE, min_size=1, max_size=3))
    lines = [draw(_BIT) + line + draw(_BIT) for line in lines]
    return nl.join(lines) + draw(st.sampled_from([nl, nl + nl, ""]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_requirement_lines(), max_size=6).map("".join), st.booleans())
@example("1. **FR-1**: x\n   - Acceptance Criteria:\n   - a\n   -  \n   - b\u00a0\n", False)
@example("## NR3: y\r\nTarget:\r\n2) fast\r\n3) cheap\r\nTarget: late\r\n", True)
def test_requirements_random_documents(text: str, own_prefixes: bool) -> None:
    """Requirements (list items and headings, their criteria and targets, an empty label
    followed by list items) from the C builder and from the Python loop, with the
    default requirement IDs and with a book's own (``{prefix}{n}``, R and NR)."""
    config = None
    if own_prefixes:
        config = specbook.core.config.config_from_mapping(
            {"requirements": {"functional": ["R", "BR"], "non_functional": ["NR"],
                              "id": "{prefix}{n}"}},
            root=None, path=None,
        )  # fmt: skip
    data = ("# SPEC-001: T\n\n## Requirements\n" + text).encode("utf-8")
    _assert_same_model([("docs/specs/SPEC-001-t.md", data)], config)


_REVIEW_HEADINGS = [
    "## Review History", "## 5. Review history", "## Review History ✅", "## Reviews",
    "### REVIEW-HISTORY", "## Historique", "# Review History", "## Notes", "## Revue History",
    "# Review History ✅", "## Révïew Hïstory", "# Ｒｅｖｉｅｗ History",
]  # fmt: skip
_REVIEW_HEADERS = [
    "Date", "When", "fecha", "Reviewer", "By", "Author", "Relecteur", "Status", "Decision",
    "Estado", "Feedback", "Notes", "Remarks", "Version", "Ré-viewer", " date ", "",
]  # fmt: skip


@st.composite
def _review_section(draw: st.DrawFn) -> str:
    header = draw(st.lists(st.sampled_from(_REVIEW_HEADERS), min_size=1, max_size=6))
    lines = [draw(st.sampled_from(_REVIEW_HEADINGS)), ""]
    if draw(st.booleans()):
        lines.append("Some text.")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i in range(draw(st.integers(0, 3))):
        cells = [f"c{i}{j}" for j in range(draw(st.integers(0, len(header) + 1)))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_review_section(), max_size=4).map("".join),
    st.sampled_from(["docs/specs/SPEC-001-t.md", "notes/a.md"]),
)
@example("## Review History\n\n| Date | Date | By |\n|---|---|---|\n| a | b |\n| c |\n\n", "a.md")
@example("# Review History ✅\n\n| Who | When |\n|---|---|\n| a | b |\n\n", "notes/a.md")
def test_review_history_random_documents(text: str, path: str) -> None:
    """The Review History rows (the first such section, its first table, each column by
    its role) from the C builder and from the Python loop; a section's name may be its
    template's or, not ASCII, its own title's."""
    data = ("# SPEC-001: T\n\n" + text).encode("utf-8")
    _assert_same_model([(path, data)])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_spec(), _document()))
def test_nodes_random_documents(text: str) -> None:
    data = text.encode("utf-8")
    _assert_same_model([("a.md", data), ("b.md", b"\xef\xbb\xbf" + data), ("c.md", b"\xff" + data)])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.integers(-50, 50), st.integers(-50, 50))
def test_fence_closed(work: bytes, start: int, end: int) -> None:
    expected = core._fence_closed(work, start, end)
    assert _c().fence_closed(work, start, end) is expected
    # (the same with fence characters, which the random bytes rarely hold)
    work = work.replace(b"a", b"`").replace(b"b", b"~").replace(b"c", b"\n")
    assert _c().fence_closed(work, start, end) is core._fence_closed(work, start, end)


def test_nodes_bad_arguments() -> None:
    c = _c()
    spans = c.Spans(Span, (0, 4))
    with pytest.raises(TypeError):
        c.sections(lines.line_spans((0, 4)), Section, [])  # not a C Spans
    with pytest.raises(TypeError):
        c.sections(spans, Span, [])  # a node type of the wrong size
    with pytest.raises(TypeError):
        c.sections(spans, Section, [(1, 0)])  # a record too short
    with pytest.raises(TypeError):
        c.links(spans, Link, [(0, "x", "u", "t", False)], [], [])  # an offset not an int
    with pytest.raises(ValueError, match="length"):
        c.checklists(spans, ChecklistItem, [], [0], [])
    with pytest.raises(TypeError):
        c.code_blocks(spans, CodeBlock, [(0, 3, "", "", 1)], [], [], b"abc")  # fenced: 1
    with pytest.raises(TypeError):
        c.heads(core._Head, None, 3)
    match = re.compile(r"(FR-\d+)(.*)").match
    with pytest.raises(TypeError):  # a node type of the wrong size
        c.requirements(spans, Span, match, str, [], [], b"", [], [])
    with pytest.raises(TypeError):  # an item record too short
        c.requirements(spans, Requirement, match, str, [(0, 1)], [], b"", [], [])
    with pytest.raises(ValueError, match="heads"):
        c.review_history(ReviewEntry, ["Review History"], [], [], str.lower)
    with pytest.raises(TypeError):  # a table record too short
        c.review_history(ReviewEntry, ["review history"], [(2, 0, 1, "", 9)], [(1,)], str.lower)
    # offsets past the bytes are spans like any other (no line beyond the last), never a
    # read outside them
    (table,) = c.tables(spans, Table, Cell, [(0, 99, [[("a", 90, 99)], []])], [], [])
    assert table.rows == ((),) and table.row_spans == (Span(0, 0, 1, 1),)
    assert c.fence_closed(b"```", -(10**6), 10**6) is False


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"SPEC-", b"C-", b"-", b"x", b"SPE", b"\x00", b"\xff-"]), max_size=30
    ),
    st.lists(
        st.sampled_from([b"SPEC-", b"C-", b"-", b"EC", b"\xff-", b"aa"]), min_size=1, max_size=4
    ),
)
def test_find_all(pieces: list[bytes], needles: list[bytes]) -> None:
    work = b"".join(pieces)
    saved = core._C
    core._C = None
    try:
        expected = core._find_all(work, tuple(needles))
    finally:
        core._C = saved
    assert _c().find_all(work, tuple(needles)) == expected
    assert expected == sorted(
        {i for n in needles for i in range(len(work)) if work.startswith(n, i)}
    )


_BOLD_PIECES = [
    b"**", b"__", b"*", b"_", b" ", b"\t", b"- ", b"* ", b"+\t", b":", b" :", b"Status", b"x" * 29, b"x",
    b"\n", b"\r\n", b"\r", b"value", b" <!-- c -->", b"-->", b"<!--", b"\\", b"`", b"\xc3\xa9",
    b"1. ", b"\x00",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(_BOLD_PIECES), max_size=30),
    st.integers(0, 80),
    st.integers(0, 200),
)
def test_bold_fields(pieces: list[bytes], start: int, end: int) -> None:
    work = b"".join(pieces)
    saved = core._C
    core._C = None
    try:
        expected = core._bold_matches(work, start, end)
    finally:
        core._C = saved
    assert _c().bold_fields(work, start, end) == expected, (work, start, end)


@pytest.mark.parametrize("n", [1, 59, 60, 61])
def test_bold_field_name_lengths(n: int) -> None:
    work = b"- **" + b"a" * n + b"**: v\n__" + b"b" * n + b"__ x\r\n"
    got = _c().bold_fields(work, 0, len(work))
    assert [(s, e) for s, e, *_ in got] == ([(0, n + 9), (n + 10, 2 * n + 17)] if n <= 60 else [])
    assert got == [
        (m.start(), m.end(), *m.span(1), m.group(2) is not None, *m.span(3))
        for m in core._BOLD_FIELD.finditer(work)
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(st.sampled_from("FRN-1 é\x00"), max_size=8), max_size=8),
    st.lists(st.text(st.sampled_from("FRN-1é"), min_size=1, max_size=3), max_size=3),
)
def test_holding(texts: list[str], needles: list[str]) -> None:
    records = [(i, t) for i, t in enumerate(texts)]
    want = [r for r in records if any(n in r[1] for n in needles)]
    assert _c().holding(records, 1, tuple(needles)) == want


def test_requirement_needles() -> None:
    """Texts are tried as requirements only when they hold a prefix, and only when the
    ID template makes the prefix a plain part of every ID."""
    from specbook.parse.context import _req_needles

    config = specbook.core.config.default_config()
    assert _req_needles(config) == ("NFR", "FR")
    for template in ("{prefix}{n}", "{prefix}-\\d\\.{n}", "REQ-{prefix}-{n}"):
        assert _req_needles(dataclasses.replace(config, requirement_id=template)) is not None
    for template in ("(?:{prefix}-)?{n}", "{prefix}-{n}|R{n}", "[A-Z]{prefix}{n}", "{prefix}?{n}"):
        assert _req_needles(dataclasses.replace(config, requirement_id=template)) is None


_CRITERIA_PIECES = [
    b"\n", b"\r\n", b"\r", b" ", b"\t", b"- ", b"* ", b"+\t", b"12. ", b"3)", b"**", b"__", b"*",
    b"Acceptance Criteria", b"acceptance  criteria", b"ACCEPTANCE", b"Criteria", b"TARGETs",
    b"target", b"Metric", b"metri", b":", b" :", b"x", b"\xc3\xa9", b"1.",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(_CRITERIA_PIECES), max_size=30),
    st.integers(0, 80),
    st.integers(0, 200),
)
def test_criteria(pieces: list[bytes], start: int, end: int) -> None:
    work = b"".join(pieces)
    saved = core._C
    core._C = None
    try:
        expected = core._criteria(work, start, end)
    finally:
        core._C = saved
    assert _c().criteria(work, start, end) == expected, (work, start, end)


_STEMS = (b"supersed", b"supers\xc3", b"remplac", b"ersetzt", b"x", b"ab")


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                b"SUPERSED",
                b"Supers\xc3\xa9",
                b"superse",
                b"Ab",
                b"rEmPlAc",
                b"X",
                b"ersetz",
                b"t",
                b" ",
                b"\xc3",
                b"s",
                b"a",
                b"-",
            ]
        ),
        max_size=12,
    ).map(b"".join),
    st.lists(st.sampled_from(_STEMS), min_size=1, max_size=4, unique=True).map(tuple),
)
def test_contains_any_ci_is_lower_then_in(work: bytes, needles: tuple[bytes, ...]) -> None:
    low = work.lower()
    assert _c().contains_any_ci(work, needles) is any(n in low for n in needles)


_UTF8_PIECES = [
    b"a", b"\xc3\xa9", b"\xe2\x80\x94", b"\xf0\x9f\x9a\x80", b"\xed\x9f\xbf", b"\xed\xa0\x80",
    b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\xa0\x80", b"\xf0\x80\x80\x80",
    b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xc3", b"\xe2\x80",
    b"\x80", b"\xff", b"\x00", b"12345678",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_UTF8_PIECES), max_size=12).map(b"".join), st.binary()))
def test_utf8_valid_is_the_strict_decoder(data: bytes) -> None:
    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    assert _c().utf8_valid(data) is valid


def test_contains_any_ci_refuses_what_it_cannot_read() -> None:
    with pytest.raises(TypeError):
        _c().contains_any_ci(b"x", (b"",))
    with pytest.raises(ValueError, match="64"):
        _c().contains_any_ci(b"x", tuple(bytes([97 + i % 26, i]) for i in range(65)))


# -- the index record's outline (recordcost block of _cscan.c) ------------------------------
_OUTLINE_TITLE = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=127), max_size=12),
    st.text(max_size=6),  # (not ASCII: the C side declines)
    st.sampled_from(["a\nb", "Café", "x\ty", ""]),
)
_OUTLINE_NUM = st.one_of(st.integers(-3, 10**6), st.sampled_from([2**62, -(2**62), 10**19]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_OUTLINE_NUM, _OUTLINE_TITLE, _OUTLINE_NUM, _OUTLINE_NUM), max_size=8))
def test_outline_in_c_is_the_python_loop_s_or_declines(
    rows: list[tuple[int, str, int, int]],
) -> None:
    """``_cscan.outline`` writes what records.outline_of's f-string per heading writes,
    and declines (None) exactly for a title not ASCII or holding a line break, or a
    number outside a C long long."""
    from specbook.store.records import outline_of

    flat = tuple(
        Section(level, title, None, Span(0, 0, 1, 1), Span(0, 0, line, end))
        for level, title, line, end in rows
    )
    got = _c().outline(flat)
    declines = any(
        not t.isascii() or "\n" in t or not all(-(2**63) <= v < 2**63 for v in (lv, a, b))
        for lv, t, a, b in rows
    )
    assert got == (None if declines else "\n".join(f"{lv}\t{a}\t{b}\t{t}" for lv, t, a, b in rows))

    class _Doc:  # (outline_of reads only flat_sections)
        flat_sections = flat

    # and outline_of, whichever side made it: a title of several lines on one line
    want = "\n".join(f"{lv}\t{a}\t{b}\t{t.replace(chr(10), ' ')}" for lv, t, a, b in rows)
    assert outline_of(_Doc()) == want  # type: ignore[arg-type]


def test_outline_in_c_declines_what_is_not_sections() -> None:
    c = _c()
    assert c.outline([]) is None  # (a list: the caller's loop)
    assert c.outline(()) == ""
    assert c.outline(((1, "t"),)) is None
    assert c.outline(((True, "t", None, None, (0, 0, 1, 1)),)) is None  # (a bool is no int)
    assert c.outline(((1, "t", None, None, (0, 0, 1.0, 1)),)) is None
    assert c.outline(((1, b"t", None, None, (0, 0, 1, 1)),)) is None
    assert c.outline(((1, "t", None, None, (0, 0, 1, 1)),)) == "1\t1\t1\tt"


# -- (g) the parse's assembly in C (the cparse block): find_refs, head_names, sections of the
# raw heads, and what the Python side remembers (kinds by folder)

_REF_PIECES = [
    b"SPEC-", b"ADR-", b"12", b"7", b"/FR-1", b"/NFR-2.3", b"-x", b"x", b" ", b"#", b"/", b"\n",
    b"\xc3\xa9", b"_", b"SPEC-SPEC-", b"-", b"FR-",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_REF_PIECES), max_size=30))
@example([b"SPEC-", b"SPEC-", b"12", b"/FR-1", b" ", b"ADR-", b"7", b"-x"])
def test_find_refs_is_finditer(pieces: list[bytes]) -> None:
    """The references' matches from C are the Python loop's and ref_re.finditer's, for
    the default kinds' prefixes (which overlap: SPEC-, C-…)."""
    work = b"".join(pieces)
    ctx = specbook.parse.context_for(None)
    saved = core._C
    core._C = None
    try:
        expected = [m.span() for m in core._find_refs(ctx, work)]
    finally:
        core._C = saved
    got = _c().find_refs(work, ctx.ref_heads, ctx.ref_re.match)
    assert [m.span() for m in got] == expected
    assert expected == [m.span() for m in ctx.ref_re.finditer(work)]
    assert [m.groups() for m in got] == [m.groups() for m in ctx.ref_re.finditer(work)]


def test_find_refs_passes_on_what_match_raises() -> None:
    def boom(work: bytes, at: int) -> None:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError, match="no"):
        _c().find_refs(b"x SPEC-1", (b"SPEC-",), boom)
    assert _c().find_refs(b"x SPEC-1", (b"SPEC-",), lambda work, at: None) == []
    with pytest.raises(TypeError):
        _c().find_refs(b"x", (b"SPEC-",))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _c().find_refs("x", (b"SPEC-",), re.compile(b"S").match)  # type: ignore[arg-type]


def test_head_names_and_sections_of_the_raw_heads() -> None:
    """head_names is _Parts.heads' names and _index without a _SectionHead for each head,
    and sections of the raw heads with those names is sections of the _SectionHeads."""
    c = _c()
    data = (
        b"# T\n\n## Summary\ntext\n### Deep: x\n## Motivation\n# Two\n## Summary\n#### Four\n"
        b"## \xc3\x89t\xc3\xa9\n"
    )
    doc = specbook.parse.parse(data, "docs/specs/SPEC-001-t.md")
    parts: Any = doc.parts
    tmpl = parts.p.ctx.template_sections(parts.kind)
    starts, labels, names = c.head_names(parts.raw_heads, tmpl, parts.keys)
    assert names == [h.name for h in parts.heads]
    assert (starts, labels) == ([h.start for h in parts.heads], c.head_index(parts.heads)[1])
    assert any(names) and not all(names)
    spans = c.Spans(Span, doc.line_starts)
    assert c.sections(spans, Section, parts.raw_heads, names) == c.sections(
        spans, Section, parts.heads
    )
    with pytest.raises(TypeError):
        c.head_names(parts.raw_heads, list(tmpl.items()), parts.keys)  # not a dict
    with pytest.raises(ValueError):
        c.head_names(parts.raw_heads, tmpl, parts.keys[1:])
    with pytest.raises(TypeError):
        c.head_names(parts.raw_heads, tmpl, [1] * len(parts.keys))
    with pytest.raises(TypeError):
        c.sections(spans, Section, parts.raw_heads, names[1:])  # one name per head
    with pytest.raises(TypeError):
        c.sections(spans, Section, parts.raw_heads, tuple(names))  # a list


def test_heads_end_at_the_closing_heading_s_start() -> None:
    """Each section's end is the start of the heading that closes it, that very int (or
    the document's length), as in the Python loop."""
    c = _c()
    raw = [
        RawHeading(*h)
        for h in [
            (1, 1000, 1005, "a"),
            (2, 2000, 2005, "b"),
            (3, 3000, 3005, "c"),
            (2, 4000, 4005, "d"),
        ]
    ]
    n = 10_000
    heads = c.heads(core._Head, raw, n)
    assert [h.until for h in heads] == [n, 4000, 4000, n]
    assert heads[1].until is raw[3][1] and heads[0].until is n
    saved = core._C
    core._C = None
    try:
        assert core._heads(raw, n) == heads
    finally:
        core._C = saved


@pytest.mark.parametrize(
    "path",
    [
        "docs/specs/SPEC-001.md", "docs/specs/deep/x.md", "docs/adr/0001-x.md", "SPEC-001.md",
        "docs/specsx/a.md", "docs/specs", "docs/specs/", "", "docs\\specs\\a.md", "/docs/specs/a.md",
        "rfcs/text/0001-x.md",
    ],
)  # fmt: skip
def test_kinds_by_folder_are_the_config_s(path: str) -> None:
    """ParseContext.kind_for_path remembers a kind by the path's folder: the config's
    answer for the path itself, asked first or after another path of the folder."""
    config = specbook.core.config.config_from_mapping(
        {"kinds": {"zs": {"prefix": "ZS", "folder": "docs/specs"},
                   "za": {"prefix": "ZA", "folder": "docs/adr/"},
                   "zn": {"prefix": "ZN", "folder": "."}}},
        root=None, path=None,
    )  # fmt: skip
    ctx = specbook.parse.context.ParseContext(config)
    folder = path[: path.rfind("/") + 1]
    assert ctx.kind_for_path(path) == config.kind_for_path(path)
    assert ctx.kind_for_path(folder + "other.md") == config.kind_for_path(folder + "other.md")
    assert ctx.kind_for_path(path) == config.kind_for_path(path)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from("1. iIvX)aB:-\t é✅"), max_size=12), max_size=8))
def test_heading_keys_are_norm_heading_s(titles: list[str]) -> None:
    """heading_keys is norm_heading of each title, from its memo when it has the title and
    into it otherwise, the memo emptied when it is full."""
    heads = [RawHeading(2, i, i, t) for i, t in enumerate(titles)]
    memo: dict[str, str] = {}
    assert _c().heading_keys(heads, norm_heading, memo) == [norm_heading(t) for t in titles]
    assert memo == {t: norm_heading(t) for t in titles}
    # (what the memo holds is what is given: it is asked first)
    if titles:
        memo[titles[0]] = "from the memo"
        assert _c().heading_keys(heads[:1], norm_heading, memo) == ["from the memo"]
    full = {f"t{i}": "x" for i in range(1 << 14)}
    assert _c().heading_keys(heads, norm_heading, full) == [norm_heading(t) for t in titles]
    assert len(full) <= max(1 << 14, len(titles))


def test_heading_keys_memo_is_emptied_with_the_functools_caches() -> None:
    """What empties specbook's caches (``cache_clear`` of each module value, as
    bench/lint_cost.py does before a round) empties the headings' memo too."""
    specbook.parse.parse(b"# T\n## Summary\nx\n", "docs/specs/SPEC-001-a.md")
    if core._C is not None:
        assert core._HEADING_KEYS
    for value in list(vars(core).values()):
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()
    assert not core._HEADING_KEYS
    with pytest.raises(TypeError):
        _c().heading_keys([], norm_heading, [])  # type: ignore[arg-type]
    with pytest.raises(ZeroDivisionError):
        _c().heading_keys([RawHeading(1, 0, 1, "x")], lambda t: 1 / 0, {})


_NORM_ALPHABET = st.sampled_from(
    list("0123456789.) \t\n\x0b\x0c\r\x1c\x1d\x1e\x1fivxlcIVXLCabyzAZ:-_#*!~\x00\x7f")
)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(_NORM_ALPHABET, max_size=14), st.text(st.characters(max_codepoint=127))))
@example("1.2.3) Summary")
@example("iv. Scope")
@example("a) b")
@example("Ix y")
@example("1.2.x")
@example("\x1c2 Two\x1f")
@example(" 12 ")
def test_norm_ascii_is_the_patterns(value: str) -> None:
    """norm_key and norm_heading of ASCII text in C are the patterns' answers."""
    from specbook.core import text

    saved = text.ascii_norm
    text.ascii_norm = None
    try:
        key, heading = text.norm_key.__wrapped__(value), text.norm_heading.__wrapped__(value)
    finally:
        text.ascii_norm = saved
    assert _c().norm_ascii(value, False) == key
    assert _c().norm_ascii(value, True) == heading


def test_norm_ascii_is_used_and_refuses_other_text() -> None:
    from specbook.core import text

    if os.environ.get("SPECBOOK_PURE_PYTHON", "") in ("", "0"):
        assert text.ascii_norm is _c().norm_ascii
    assert text.norm_heading("2.1 Summary ✅") == "summary"  # (not ASCII: the patterns)
    for bad in ("é", b"x", None):
        with pytest.raises(TypeError):
            _c().norm_ascii(bad, True)  # type: ignore[arg-type]
    long = "A-" * 300
    assert _c().norm_ascii(long, False) == " ".join(["a"] * 300)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60).map(lambda b: b.replace(b"a", b"\n").replace(b"b", b"\r")))
def test_line_index_is_line_starts_and_their_spans(data: bytes) -> None:
    """line_index gives line_starts(data) and a Spans of it: the spans the parse's span
    function makes (for every pair of offsets up to past the end)."""
    starts, spans = _c().line_index(data, Span)
    assert starts == _line_starts(data) and type(spans) is _c().Spans
    reference = lines.line_spans(starts)
    for s in range(0, len(data) + 2, 3):
        for e in range(s, len(data) + 2, 5):
            assert spans(s, e) == reference(s, e)
            assert type(spans(s, e)) is Span


def test_line_index_bad_arguments() -> None:
    with pytest.raises(TypeError):
        _c().line_index("x", Span)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _c().line_index(b"x", dict)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _c().line_index(b"x")  # type: ignore[call-arg]


def test_spans_share_ints_and_keep_their_types() -> None:
    """A span's line numbers past 256 are one int per number (and a span the C builders
    make takes the line index's int for an offset at a line start); the values are the
    Python closure's, and an int subclass in the line index (a bool) is never taken for
    an offset."""
    data = b"x\n" * 600
    starts, spans = _c().line_index(data, Span)
    reference = lines.line_spans(starts)
    for s, e in [(0, 0), (2, 4), (600, 602), (598, 1000), (1198, 1200), (1200, 1200), (3, 1199)]:
        got = spans(s, e)
        assert got == reference(s, e) and all(type(v) is int for v in got)
    a, b = spans(1000, 1001), spans(1000, 1002)
    assert a.line == 501 and a.line is b.line is b.end_line
    odd = _c().Spans(Span, (0, True, 5))
    for s, e in [(1, 1), (1, 5), (0, 1), (5, 5)]:
        got = odd(s, e)
        assert got == lines.line_spans((0, 1, 5))(s, e) and all(type(v) is int for v in got)


def test_bold_field_keys_come_from_a_memo_of_the_config_s_answers() -> None:
    """bold_field_nodes asks its memo for a name's key before field_key, and keeps
    field_key's answer (with "_" for each space); the parse's memo is of one config's
    answers and is emptied with the functools caches."""
    work = b"**Status**: Draft\n**Spec ID**: SPEC-1\n- __Owner__: me\n**Status**: again\n"
    spans = _c().Spans(Span, _line_starts(work))
    config = specbook.core.config.default_config(None)
    args = (work, 0, len(work), spans, Field, config.field_key, None, None, [], 0)
    memo: dict[str, str] = {}
    plain = _c().bold_field_nodes(*args)
    assert _c().bold_field_nodes(*args, memo) == plain
    assert memo == {f.name: config.field_key(f.name).replace(" ", "_") for _, _, f in plain}
    memo["Owner"] = "from_the_memo"
    assert [f.key for _, _, f in _c().bold_field_nodes(*args, memo)][2] == "from_the_memo"
    with pytest.raises(TypeError):
        _c().bold_field_nodes(*args, [])  # type: ignore[call-arg]
    own = specbook.core.config.config_from_mapping(
        {"fields": {"aliases": {"owner": "author"}}}, root=None, path=None
    )
    for cfg, key in ((None, "owner"), (own, "author"), (None, "owner"), (own, "author")):
        doc = specbook.parse.parse(work, "a.md", cfg)
        assert [f.key for f in doc.fields if f.name == "Owner"] == [key]
    memos = [specbook.parse.context_for(cfg).field_keys for cfg in (None, own)]
    if core._C is not None:
        assert [m["Owner"] for m in memos] == ["owner", "author"]
    for value in list(vars(core).values()):
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()
    assert not any(memos)
