"""The section rules' loops in C (``_cscan.section_walk``, ``own_title_keys``,
``sections_present``, ``quiet_leaves``, ``prompt_spans``) against their Python reference
in :mod:`specbook.lint.rules.sections`: the same walk, the same candidates and the same
findings on every book here, generated documents and random Markdown; wrong arguments
raise, never crash."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from specbook.book import Book
from specbook.core.config import BookConfig, default_config, load_config
from specbook.core.model import Document, Section, Span
from specbook.core.text import norm_heading
from specbook.lint.engine import Linter
from specbook.lint.registry import load_rules
from specbook.lint.rules import sections
from specbook.parse import parse
from specbook.services.adopt import infer
from specbook.templates.facts import PROMPT_BYTES
from tests.conftest import every_book
from tests.test_fast_scan import _document

# The rules that read the shared walk (section_walk, section_ranges), but for the SQL and
# YAML checkers: they take the most time, and find their sections as SB603 and SB604 do.
_WALKERS = [
    r.id
    for r in load_rules()
    if r.check is not None
    and r.check.__module__.rsplit(".", 1)[-1] in ("sections", "requirements", "content", "workflow")
    and r.id not in ("SB601", "SB602")
]


def _c() -> ModuleType:
    try:
        from specbook.parse.scan import _cscan
    except ImportError as exc:  # pragma: no cover - the failure is the point
        pytest.fail(f"the C scanner is not built ({exc}); `pip install -e .` builds it")
    return _cscan


def _positions(nodes: list[Any]) -> list[tuple[int | None, ...]]:
    """Each node's parent node as a position in ``nodes`` (by identity), with the ids of
    its section and parent section: the shape of the walk beyond equality."""
    at = {id(node): i for i, node in enumerate(nodes)}
    return [
        (None if up is None else at[id(up)], id(s), None if parent is None else id(parent))
        for s, parent, _, up in nodes
    ]


def _same_walk(doc: Document) -> None:
    """The C walk and candidates of ``doc`` are the Python ones."""
    c = _c()
    nodes, by_key = c.section_walk(doc.sections, norm_heading, {})
    py = sections._py_walk(doc)
    assert nodes == py.nodes and _positions(nodes) == _positions(py.nodes), doc.path
    assert list(by_key.items()) == list(py.by_key.items()), doc.path
    walk = sections.SectionWalk(nodes, by_key)
    assert list(c.own_title_keys(nodes, norm_heading).items()) == list(
        sections._py_own_title_keys(py).items()
    )
    doc.derived["section_walk"] = py  # (the reference's candidates from its own walk)
    mine, theirs = c.quiet_leaves(nodes, doc.source), sections._py_quiet_leaves(doc)
    assert [id(s) for s in mine] == [id(s) for s in theirs], doc.path
    # SB201's usual case, for the template of every kind, and for the document's own
    # keys and pairs with one of each left out or made up
    keys = list(by_key)
    pairs = {(up[2], key) for _, _, key, up in nodes if up is not None}
    asks = [
        (frozenset(keys), frozenset(pairs)),
        (frozenset(keys[:3]), frozenset(list(pairs)[:2])),
        (frozenset([*keys, "no such section"]), frozenset(pairs)),
        (frozenset(keys), frozenset([*pairs, ("summary", "no such section")])),
        *((frozenset(), frozenset([(b, a)])) for a, b in list(pairs)[:4]),
    ]
    for tops, want in asks:
        required = sections._Required([], frozenset(), tops, want)
        assert c.sections_present(nodes, by_key, tops, want) == _py_present(walk, required)


def _py_present(walk: sections.SectionWalk, required: sections._Required) -> bool:
    saved = sections._C
    sections._C = None
    try:
        return sections._sections_present(walk, required)
    finally:
        sections._C = saved


_LINTERS: dict[int, Linter] = {}


def _findings(config: BookConfig, docs: list[Document], c: ModuleType | None) -> list[str]:
    """The walking rules' findings on each document, with the C loops or without (each
    document's memory of derived values emptied first: the walk and what is made of it)."""
    saved = sections._C
    sections._C = c
    try:
        linter = _LINTERS.get(id(config))
        if linter is None or linter.config is not config:
            linter = _LINTERS[id(config)] = Linter(config, select=_WALKERS)
        out = []
        for doc in docs:
            vars(doc).pop("derived", None)
            out.append(repr(linter.lint_document(doc)))
        return out
    finally:
        sections._C = saved


def _assert_same(config: BookConfig, datas: list[tuple[str, bytes]]) -> None:
    docs = [parse(d, p, config) for p, d in datas]
    for doc in docs:
        _same_walk(doc)
    mine, theirs = _findings(config, docs, _c()), _findings(config, docs, None)
    for doc, got, expected in zip(docs, mine, theirs, strict=True):
        assert got == expected, doc.path


def test_the_c_loops_are_used() -> None:
    if os.environ.get("SPECBOOK_PURE_PYTHON", "") in ("", "0"):
        assert sections._C is _c()


def test_every_book_here(tmp_path: Path) -> None:
    """Every document of the example book, a generated book, each corpus book and each
    rule scenario, with its own book's config: the same walk, candidates and findings."""
    roots = documents = 0
    for root in every_book(tmp_path):
        cfg = root / "specbook.toml"
        config = load_config(cfg) if cfg.exists() else infer(root).config()
        book = Book(config, warn=None)
        datas = [(book.rel(p), Path(p).read_bytes()) for p in book.path_strings()]
        _assert_same(config, datas)
        roots += 1
        documents += len(datas)
    assert roots > 40 and documents > 600


_TITLES = [
    "Summary", "2. Context \u2705", "Context", "Background", "Requirements", "Design",
    "Rollback Plan", "Deployment", "Functional Requirements", "\U0001f680 3.2 Rollout",
    "Notes", "Component 1: [Name]", "Sch\u00e9ma", "Testing Strategy", "Risk Assessment",
    "Status: Done", "", "Acceptance Criteria",
]  # fmt: skip
_BODIES = [
    "", "text", "---", "***", "* * *", "_ _ _", "--", "- item", "**Bold**: x", "<!-- c -->",
    "<!-- c -->\ntext", "<!--", "<p>", "  ---  ", "-\t-\t-x", "-\t-\t-", "___\n", "\t",
    "- [ ] task", "| a | b |\n|---|---|\n| 1 | 2 |", "```\ncode\n```", "N/A", "\u00e9",
    "**Status**: Draft",
]  # fmt: skip
_NEWLINES = ["\n", "\n", "\r\n", "\r"]


@st.composite
def _sectioned(draw: st.DrawFn) -> str:
    """A document of headings of any level (template sections among them) over bodies
    that are or are not quiet."""
    nl = draw(st.sampled_from(_NEWLINES))
    lines = ["# SPEC-001: A title", "", "**Status**: " + draw(st.sampled_from(["Draft", "Done"]))]
    for _ in range(draw(st.integers(0, 14))):
        level = draw(st.integers(1, 6))
        lines.append("#" * level + " " + draw(st.sampled_from(_TITLES)))
        lines += draw(st.lists(st.sampled_from(_BODIES), max_size=3))
    return nl.join(lines) + draw(st.sampled_from(["", nl]))


_DEFAULT = default_config(Path("."))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_sectioned(), _document()))
@example("# T\n## Summary\n---\n## Context\n### Background\n<!-- x -->\n")
@example("# T\r## Notes\r- - -\r## Design\r")
def test_random_markdown(text: str) -> None:
    _assert_same(_DEFAULT, [("docs/specs/SPEC-001-a.md", text.encode("utf-8"))])


_NAMES = [None, "", "Summary", "Schema", "Context", "Rollout", "2. Context", "x"]


@st.composite
def _tree(draw: st.DrawFn, depth: int = 0) -> tuple[Section, ...]:
    """Hand-made sections (as a test or a plugin might make them): titles and template
    names that agree or not, any levels and offsets, subsections to three deep."""
    out = []
    for _ in range(draw(st.integers(0, 3 if depth < 3 else 0))):
        a, b, c = sorted(draw(st.lists(st.integers(0, 60), min_size=3, max_size=3)))
        out.append(
            Section(
                draw(st.integers(1, 6)),
                draw(st.sampled_from(_TITLES)),
                draw(st.sampled_from(_NAMES)),
                Span(a, b, 1, 1),
                Span(a, c, 1, 1),
                draw(_tree(depth + 1)),
            )
        )
    return tuple(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tree(), st.binary(max_size=60) | st.sampled_from(_BODIES).map(str.encode))
def test_hand_made_sections(tree: tuple[Section, ...], data: bytes) -> None:
    """Sections whose template name's key is not their title's (no parse makes them:
    a template name is matched by its key) give the same walk as well."""
    doc = parse(b"# T\n", "SPEC-001-x.md", _DEFAULT)
    vars(doc)["sections"] = tree
    vars(doc)["source"] = data.ljust(61, b"\n")  # (every offset inside it)
    _same_walk(doc)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=40) | st.text(alphabet=" \t\r\n-*_<!x", max_size=40).map(str.encode),
    st.integers(-2, 8),
    st.integers(-2, 42),
)
@example(b"\n - - -\nx", 0, 9)
@example(b"\n-*-\n", 0, 5)
@example(b" __\r", 0, 4)
@example(b"<!-", 0, 3)
@example(b"x", 5, 2)
def test_quiet_leaves_is_the_spoken_expression(data: bytes, start: int, end: int) -> None:
    """A section is a candidate exactly when ``_SPOKEN`` does not match after its
    heading, offsets out of range included (taken as ``re`` takes pos and endpos)."""
    leaf = Section(2, "x", None, Span(0, start, 1, 1), Span(0, end, 1, 1))
    top = Section(1, "t", None, Span(0, start, 1, 1), Span(0, end, 1, 1))
    nodes = [(top, None, "t", None), (leaf, None, "x", None)]
    quiet = sections._SPOKEN.match(data, start, end) is None
    assert _c().quiet_leaves(nodes, data) == ([leaf] if quiet else [])


_BRACKETED = st.binary(max_size=300) | st.lists(
    st.sampled_from(
        [
            "[",
            "]",
            " ",
            "x",
            "X",
            "(",
            "\r",
            "\n",
            "!",
            "\\",
            "a",
            "_",
            "é",
            "- [ ] ",
            "[Name]",
            "a" * 199,
        ]
    ),
    max_size=40,
).map(lambda parts: "".join(parts).encode())


@settings(max_examples=400, deadline=None)
@given(_BRACKETED)
@example(b"[" + b"a" * 200 + b"]")
@example(b"[" + b"a" * 201 + b"]")
@example(b"x[a] [b](c) ![d] _[e] [ ] [x] [X]] [f][g] \\[h] [i]")
def test_prompt_spans_are_the_prompt_expression(data: bytes) -> None:
    expected = [(m.start(), m.end()) for m in PROMPT_BYTES.finditer(data)]
    assert _c().prompt_spans(data) == expected


def test_wrong_arguments_raise() -> None:
    c = _c()
    span = Span(0, 1, 1, 1)
    good = Section(2, "A", None, span, span)
    with pytest.raises(TypeError):
        c.section_walk([good], norm_heading, {})
    with pytest.raises(TypeError):
        c.section_walk((good, ("short",)), norm_heading, {})
    with pytest.raises(TypeError):
        c.section_walk((good._replace(children=[good]),), norm_heading, {})
    with pytest.raises(ZeroDivisionError):
        c.section_walk((good,), lambda t: 1 / 0, {})
    with pytest.raises(TypeError):  # (an unhashable key)
        c.section_walk((good,), lambda t: [t], {})
    with pytest.raises(TypeError):
        c.section_walk((good,), norm_heading, [])
    memo: dict[str, str] = {}
    nodes, by_key = c.section_walk((good,), norm_heading, memo)
    assert nodes == [(good, None, "a", None)] and by_key == {"a": [0]} and memo == {"A": "a"}
    with pytest.raises(TypeError):
        c.own_title_keys([("node",)], norm_heading)
    with pytest.raises(ZeroDivisionError):
        c.own_title_keys([(good._replace(template_name="B"), None, "b", None)], lambda t: 1 / 0)
    with pytest.raises(IndexError):
        c.sections_present(nodes, {"a": [5]}, frozenset(), frozenset([("b", "a")]))
    with pytest.raises(TypeError):
        c.sections_present(nodes, {"a": ["0"]}, frozenset(), frozenset([("b", "a")]))
    with pytest.raises(TypeError):
        c.sections_present(nodes, by_key, frozenset(), frozenset(["ab"]))
    with pytest.raises(TypeError):
        c.sections_present(nodes, {"a": (0,)}, frozenset(), frozenset([("b", "a")]))
    with pytest.raises(TypeError):
        c.quiet_leaves([(good._replace(span=(0,)), None, "a", None)], b"x")
    with pytest.raises(TypeError):
        c.quiet_leaves([(good._replace(level="2"), None, "a", None)], b"x")
    with pytest.raises(TypeError):
        c.quiet_leaves([(good._replace(heading=Span(0, 1.5, 1, 1)), None, "a", None)], b"x")
    with pytest.raises(TypeError):
        c.quiet_leaves(nodes, "x")
    with pytest.raises(TypeError):
        c.prompt_spans("[x]")


def test_the_walk_keeps_the_keys_it_made_to_a_bound() -> None:
    """The walk asks its memo before norm_heading, and empties it when it is full."""
    span = Span(0, 1, 1, 1)
    tree = (Section(2, "A", None, span, span), Section(2, "B", "Summary", span, span))
    memo = {"A": "kept", "Summary": "also kept"}
    _, by_key = _c().section_walk(tree, norm_heading, memo)
    assert by_key == {"kept": [0], "also kept": [1]}
    memo = {f"t{i}": "x" for i in range(1 << 14)}
    _, by_key = _c().section_walk(tree, norm_heading, memo)
    assert by_key == {"a": [0], "summary": [1]} and memo == {"A": "a", "Summary": "summary"}


def test_the_walks_memo_is_emptied_with_the_functools_caches() -> None:
    """What empties specbook's caches (``cache_clear`` of each module value, as
    bench/lint_cost.py does before a round) empties the walk's memo too."""
    sections.section_walk(parse(b"# T\n## Summary\nx\n", "docs/specs/SPEC-001-a.md", _DEFAULT))
    if sections._C is not None:
        assert sections._KEYS
    for value in list(vars(sections).values()):
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()
    assert not sections._KEYS


def test_a_deep_tree_is_walked_without_recursion() -> None:
    """A tree deeper than Python's recursion limit (only a hand-made one is: headings
    have six levels) is walked by the C side's own stack."""
    span = Span(0, 1, 1, 1)
    s = Section(6, "leaf", None, span, span)
    for _ in range(sys.getrecursionlimit() + 100):
        s = Section(6, "x", None, span, span, (s,))
    nodes, by_key = _c().section_walk((s,), norm_heading, {})
    assert len(nodes) == sys.getrecursionlimit() + 101 and nodes[-1][3] is nodes[-2]
    assert by_key["leaf"] == [len(nodes) - 1]
