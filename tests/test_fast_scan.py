"""The pure-Python fast path (specbook.parse.scan.fast) against pyromark (event_blocks).

For every input, ``scan`` must either return ``None`` (use pyromark) or exactly what
``event_blocks`` returns for the decoded text. It must also accept what specs are
actually made of: the seed template and the generated benchmark documents.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specbook.parse.scan.events import event_blocks
from specbook.parse.scan.fast import scan
from tests.conftest import CORPUS, REPO, SEED

_FRONT_OPEN = re.compile(rb"---[ \t]*(?:\r\n|\r|\n)")
_FRONT_CLOSE = re.compile(rb"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n|\Z)", re.MULTILINE)


def _blank_front_matter(work: bytes) -> bytes | None:
    """``work`` with its front matter turned into spaces, as the parser hands it over."""
    opener = _FRONT_OPEN.match(work)
    closer = _FRONT_CLOSE.search(work, opener.end()) if opener else None
    if opener is None or closer is None:
        return None
    return re.sub(rb"[^\r\n]", b" ", work[: closer.end()]) + work[closer.end() :]


def _check(work: bytes, label: str = "") -> bool:
    """Whether ``scan`` accepted ``work``; fails if it accepted it with a wrong result."""
    got = scan(work)
    if got is None:
        return False
    expected = event_blocks(work.decode("utf-8"))
    for field in expected._fields:
        assert getattr(got, field) == getattr(expected, field), (label, field, work[:200])
    assert got == expected, label
    # the same named records (repr tells a RawCell from a plain tuple, True from 1)
    assert repr(got) == repr(expected), label
    return True


def _corpus_files() -> Iterator[tuple[str, bytes]]:
    root = CORPUS
    files = sorted(p for p in root.rglob("*") if p.is_file())
    if not files:
        pytest.fail(f"{root} holds no files")
    for path in files:
        data = path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        yield str(path.relative_to(root)), data


def _generated(n: int) -> list[bytes]:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import gen
    finally:
        sys.path.remove(str(REPO / "bench"))
    return [gen.render_spec(i, n, random.Random(i)).encode("utf-8") for i in range(1, n + 1)]


# -- the documents specs are made of --------------------------------------------------------


def test_seed_template_is_accepted_and_exact() -> None:
    assert _check(SEED.read_bytes())


def test_generated_documents_are_exact_and_accepted() -> None:
    docs = _generated(300)
    accepted = sum(_check(doc, f"generated {i}") for i, doc in enumerate(docs, 1))
    assert accepted >= 0.95 * len(docs), f"only {accepted} of {len(docs)} accepted"


def test_corpus_is_exact() -> None:
    seen = accepted = 0
    for name, data in _corpus_files():
        seen += 1
        accepted += _check(data, name)
        blanked = _blank_front_matter(data)
        if blanked is not None:
            accepted += _check(blanked, f"{name} (front matter blanked)")
    assert seen > 300
    assert accepted >= seen // 4, f"only {accepted} accepted for {seen} files"


# -- constructs, one at a time ----------------------------------------------------------------

ACCEPTED = [
    "# Title\n\nText.\n",
    "## Closing hashes ##\n### Not closing#\n#### # ###\n#\n",
    "  ### Indented heading  \n",
    "Para one\ngoes on.\n\n---\n\n***\n\nPara two.",
    "```python\nx = 1\n\n# not a heading\n```\n",
    "~~~\nunclosed fence runs to the end\n\n",
    "````\n```\n````\n",
    "1. **FR-1**: The thing.\n   - Acceptance Criteria: it works.\n\n2. **FR-2**: Another.\n",
    "- a\n  - b\n    - c\n  - d\n- e\n",
    "- [ ] todo\n- [x] done\n- [X] `code` task\n",
    "- a\n\n  second paragraph\n\n- b\n",
    "- item\n\n  ```sh\n  make\n  ```\n- next\n",
    "10. ten\n11. eleven\n",
    "| Risk | Level |\n|------|:-----:|\n| [Risk 1] | High |\n| short |\n| a | b | extra |\n",
    "Text with [a link](https://example.com/a_b) and ![img](p.png) and <https://x.org>.\n",
    "- **Author**: [Name]\n- **Date**: [YYYY-MM-DD]\n- [Metric 1]: [Expected change]\n",
    "Inline `code`, **strong**, *em*, _em_, snake_case and a<=b, R&D.\n",
    "- `[path/to/file.py]` - [Purpose]\n",
    "- **Validación**: sí, *también* é**a**é\n- **Auto-pause (Planned)**: x\n",
    "Intro line\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "- a\n- b\n- c\n  continued\n- [x] d\n\n1. one\n2. two\n",
]

REFUSED = [
    "<div>\nhtml\n</div>\n",
    "> quote\n",
    "Title\n=====\n",
    "Title\n-----\n",
    "    indented code\n",
    "\tTab\n",
    "a\r\nb\r\n",
    "[ref]: https://example.com\n\n[ref]\n",
    "Note[^1].\n\n[^1]: A footnote.\n",
    "Entity &amp; here\n\n- in an item &amp;\n",
    "- escaped \\*star\\*\n",
    "- a\nlazy continuation\n",
    "- unbalanced **strong\n",
    "- inline <b>html</b>\n",
    "- [half link](\n",
    "- ~~struck~~\n",
    "para\n| a |\n|---|---|\n",
    "- item\n  | a |\n  |---|\n",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_constructs(text: str) -> None:
    assert _check(text.encode("utf-8")), text


@pytest.mark.parametrize("text", REFUSED)
def test_refused_constructs(text: str) -> None:
    assert scan(text.encode("utf-8")) is None, text


# -- random documents -------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "alpha",
        "Beta",
        "FR-1",
        "42",
        "2025-01-01",
        "snake_case",
        "x*y",
        "a**b",
        "**bold**",
        "*em*",
        "_em_",
        "__init__",
        "`code`",
        "``a`b``",
        "` x `",
        "[Name]",
        "[YYYY-MM-DD]",
        "[ ]",
        "[x]",
        "[link](https://a.b/c_d)",
        "![img](p.png)",
        "[a *b*](u)",
        "<https://x.org/p>",
        "<=",
        ">",
        "&",
        "R&D",
        "|",
        ":",
        "!",
        "(",
        ")",
        "é",
        "日本",
        "\u00a0",
        "🙂",
    ]
)
_HOSTILE = st.sampled_from(
    [
        "<div>",
        "<b>x</b>",
        "> quote",
        "&amp;",
        "&#35;",
        "\\*",
        "**unbalanced",
        "*a**",
        "[x](",
        "[a][b]",
        "[^1]",
        "~~del~~",
        "~",
        "\t",
        "<a@b.c>",
        "[",
        "]",
        "`",
        "***",
        "_",
    ]
)


@st.composite
def _inline(draw: st.DrawFn, hostile: bool = True) -> str:
    words = draw(st.lists(_WORDS | _HOSTILE if hostile else _WORDS, min_size=1, max_size=6))
    sep = draw(st.sampled_from([" ", " ", "", "  "]))
    return sep.join(words)


@st.composite
def _list_lines(draw: st.DrawFn, depth: int = 0) -> list[str]:
    ordered = draw(st.booleans())
    start = draw(st.sampled_from([1, 1, 2, 10]))
    bullet = draw(st.sampled_from("-*+"))
    out: list[str] = []
    for k in range(draw(st.integers(1, 3))):
        marker = f"{start + k}{draw(st.sampled_from('..)'))}" if ordered else bullet
        spaces = " " * draw(st.sampled_from([1, 1, 1, 2, 5]))
        width = len(marker) + len(spaces)
        task = draw(st.sampled_from(["", "", "[ ] ", "[x] ", "[ ]"]))
        out.append(marker + spaces + task + draw(_inline()))
        if draw(st.integers(0, 4)) == 0:
            indent = draw(st.sampled_from([width, width, 0, width + 4, width - 1]))
            out.append(" " * indent + draw(_inline()))
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            indent = " " * draw(st.sampled_from([width, width, width + 1, width - 1, 0]))
            if draw(st.booleans()):
                out.append("")
            out += [indent + line if line else line for line in draw(_list_lines(depth + 1))]
        if draw(st.integers(0, 6)) == 0:
            indent = " " * width
            body = draw(st.lists(st.sampled_from(["code", "  x", "", "```", " "]), max_size=3))
            out += ["", indent + "```", *[indent + b for b in body], indent + "```"]
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(["", "  "])))
    return out


@st.composite
def _table(draw: st.DrawFn) -> list[str]:
    ncol = draw(st.integers(1, 3))
    lead = draw(st.sampled_from(["| ", "|", ""]))
    trail = draw(st.sampled_from([" |", "|", ""]))

    def row(cells: list[str]) -> str:
        return lead + " | ".join(cells) + trail + draw(st.sampled_from(["", " "]))

    lines = [row([draw(_inline(hostile=False)) for _ in range(ncol)])]
    lines.append(row([draw(st.sampled_from(["---", ":-:", "--:", "-"])) for _ in range(ncol)]))
    for _ in range(draw(st.integers(0, 3))):
        k = max(1, ncol + draw(st.sampled_from([0, 0, -1, 1])))
        lines.append(row([draw(_inline()) for _ in range(k)]))
    return lines


@st.composite
def _block(draw: st.DrawFn) -> list[str]:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        level = draw(st.integers(1, 6))
        close = draw(st.sampled_from(["", "", " #", " ##", "#"]))
        return [
            " " * draw(st.sampled_from([0, 0, 1, 4])) + "#" * level + " " + draw(_inline()) + close
        ]
    if kind in (1, 2):
        return draw(st.lists(_inline(), min_size=1, max_size=3))
    if kind in (3, 4):
        return draw(_list_lines())
    if kind == 5:
        return draw(_table())
    if kind == 6:
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        body = draw(
            st.lists(
                st.sampled_from(["x = 1", "", "   ", "# h", "- i", "<div>", "\tt"]), max_size=3
            )
        )
        close = draw(st.sampled_from([[fence], [fence], [], [" " + fence]]))
        return [fence + draw(st.sampled_from(["", "sql", " py "])), *body, *close]
    if kind == 7:
        return [draw(st.sampled_from(["---", "***", "___", "* * *", "- - -", "==="]))]
    if kind == 8:
        return [
            draw(
                st.sampled_from(
                    [
                        "> quote",
                        "<div>",
                        "    indented",
                        "[a]: https://x.org",
                        "[^1]: note",
                        "\tTab",
                        "Setext",
                        "|---|",
                        "- ",
                        "1.",
                    ]
                )
            )
        ]
    return [draw(st.sampled_from(["", " ", "   "]))]


@st.composite
def _document(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for block in draw(st.lists(_block(), min_size=1, max_size=8)):
        lines += block
        if draw(st.integers(0, 3)):
            lines.append(draw(st.sampled_from(["", "", "  "])))
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n"]))
    if draw(st.integers(0, 20)) == 0:
        text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_random_documents(text: str) -> None:
    _check(text.encode("utf-8"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab *_`[]()!<>#-|:~&\\\n 1.é\t", max_size=40))
def test_random_text(text: str) -> None:
    _check(text.encode("utf-8"))
