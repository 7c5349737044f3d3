"""What a kind's template requires, read from the template itself.

Its ``##`` sections, and the ``###`` sections under them whose titles hold no
prompt, are required by name, in order. Headings holding a prompt
(``#### Component 1: [Name]``) are repeatable examples. Bracketed prompts and
``XXX`` IDs are placeholders; fixed text (headings, checklist items, table headers)
is not. A book's own template gets the same checks with no code.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import re
from bisect import bisect_right
from functools import lru_cache
from typing import NamedTuple

from specbook.core.config import BookConfig, KindConfig
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document
from specbook.core.template_files import template_bytes
from specbook.core.text import norm_heading
from specbook.parse import parse

# A bracketed prompt: not a task box `[ ]`/`[x]`, not link text `[a](b)` / `[a][b]` /
# `![a](b)`, not an index `a[i]`. A `[label]: url` definition is told apart by
# DEFINITION, not here: `- [Metric 1]: [Expected change]` holds two prompts.
# (`\[` comes first, the look-behind after it: a literal start lets `re` skip ahead fast.)
_PROMPT = r"\[(?<![\w!\]\\]\[)(?![ xX]\])([^\[\]\r\n]{1,200})\](?![(\[])"
# `SPEC-XXX`, but not a part of a path or name such as `feature/SPEC-XXX-title.md`.
_XXX_ID = r"(?<![\w/.-])[A-Z][A-Z0-9]*-X{3,}(?![\w/-]|\.\w)"
_MUSTACHE = r"\{\{[^{}\r\n]{0,200}\}\}"
# A link reference definition at the start of a line: `[label]: destination "title"`.
_DEFINITION = (
    r"[ \t]{0,3}\[([^\[\]\r\n]+)\]:[ \t]*(?:<[^<>\r\n]*>|[^\s<\[\]]+)"
    r"(?:[ \t]+(?:\"[^\"\r\n]*\"|'[^'\r\n]*'|\([^()\r\n]*\)))?[ \t]*(?:\r\n|\r|\n|\Z)"
)
PROMPT = lazy_compile(_PROMPT, re.ASCII)
XXX_ID = lazy_compile(_XXX_ID)
MUSTACHE = lazy_compile(_MUSTACHE)
DEFINITION = lazy_compile(_DEFINITION)
# The same patterns over a document's bytes (spans are byte offsets).
PROMPT_BYTES = lazy_compile(_PROMPT.encode())
XXX_ID_BYTES = lazy_compile(_XXX_ID.encode())
MUSTACHE_BYTES = lazy_compile(_MUSTACHE.encode())
DEFINITION_BYTES = lazy_compile(_DEFINITION.encode())
HTML_COMMENT_BYTES = lazy_compile(rb"<!--.*?-->", re.S)
_DIGITS = lazy_compile(r"\d+")
# `[kubernetes.io]`, `[kubernetes/website]`: a bare lower-case name with a dot or slash
# in it (a host, a repository, a file) outside code is Markdown's shortcut link
# `[label]` (its `[label]: url` line may be elsewhere or lost), not a prompt: templates
# write the paths and names to fill in as code (`[path/to/file.py]`) or in words.
_LINK_LABEL = lazy_compile(rb"\[(?=[^\]]*[a-z]{2})[a-z0-9_-]+(?:[./][a-z0-9_-]+)+\]")
_TICKS = lazy_compile(rb"`+")


class RequiredSection(NamedTuple):
    level: int
    title: str
    parent: str | None


class TemplateFacts(NamedTuple):
    """The checks a template implies.

    ``prompt_keys`` holds :func:`prompt_key` of every bracketed prompt, so
    ``[Step 4]`` in a document is known as the template's ``[Step 1]``;
    ``markers`` holds the template's ``XXX`` IDs and ``{{…}}`` prompts as written, and
    ``code_markers`` those of them it has inside code (a block or a `code span`).
    """

    kind: str
    document: Document
    required: tuple[RequiredSection, ...]
    order: tuple[str, ...]  # the `##` titles in template order
    prompts: frozenset[str]  # bracketed prompts, brackets included
    repeatable: tuple[str, ...]  # normalized heading stems such as "component"
    prompt_keys: frozenset[str] = frozenset()
    markers: frozenset[str] = frozenset()
    code_markers: frozenset[str] = frozenset()  # markers the template has inside code


def prompt_key(prompt: str) -> str:
    """How prompts are compared: case, spacing and numbers ignored (``[Step 2]`` ~ ``[step 1]``)."""
    return _DIGITS.sub("#", " ".join(prompt.split())).casefold()


def heading_stem(title: str) -> str:
    """``Component 1: [Name]`` -> ``component``: the part before any number or prompt."""
    head = re.split(r"[\[\d:{]", title, maxsplit=1)[0]
    return norm_heading(head) or norm_heading(title)


def _has_prompt(title: str) -> bool:
    return bool(PROMPT.search(title) or XXX_ID.search(title) or MUSTACHE.search(title))


def facts_from_template(kind: str, data: bytes) -> TemplateFacts:
    """Read the required sections, order, prompts and repeatable headings of a template."""
    doc = parse(data, None, None)
    required: list[RequiredSection] = []
    order: list[str] = []
    repeatable: list[str] = []
    for top in doc.sections:
        level2 = [s for s in top.children] if top.level == 1 else [top]
        for s2 in level2:
            if s2.level != 2:
                continue
            if _has_prompt(s2.title):
                repeatable.append(heading_stem(s2.title))
                continue
            required.append(RequiredSection(2, s2.title, None))
            order.append(s2.title)
            for s3 in s2.walk():
                if s3 is s2:
                    continue
                if _has_prompt(s3.title):
                    repeatable.append(heading_stem(s3.title))
                elif s3.level == 3:
                    required.append(RequiredSection(3, s3.title, s2.title))
    prompts, markers, code_markers = _prompts(doc)
    return TemplateFacts(
        kind,
        doc,
        tuple(required),
        tuple(order),
        frozenset(prompts),
        tuple(repeatable),
        frozenset(prompt_key(p) for p in prompts),
        frozenset(markers),
        frozenset(code_markers),
    )


class Ranges:
    """Byte ranges, merged, that answer "is this offset inside one?" by bisection."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for s, e in sorted(ranges):
            if starts and s <= ends[-1]:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        self._starts = starts
        self._ends = ends

    def __contains__(self, pos: int) -> bool:
        i = bisect_right(self._starts, pos) - 1
        return i >= 0 and pos < self._ends[i]


def comment_ranges(data: bytes, code: Ranges) -> list[tuple[int, int]]:
    """Byte ranges of the HTML comments of ``data`` that do not start inside ``code``."""
    if b"<!--" not in data:
        return []
    return [
        (m.start(), m.end()) for m in HTML_COMMENT_BYTES.finditer(data) if m.start() not in code
    ]


def is_definition(data: bytes, start: int, line_start: int) -> bool:
    """True when the ``[`` at ``start`` opens a link reference definition line."""
    return (
        data[line_start:start].strip(b" \t") == b""
        and DEFINITION_BYTES.match(data, line_start) is not None
    )


def in_code_span(data: bytes, line_start: int, pos: int) -> bool:
    """True when ``pos`` is inside a `code span`.

    A cheap test (an odd number of backtick runs before ``pos`` on its line), used only
    for the few matches that need it.
    """
    return len(_TICKS.findall(data, line_start, pos)) % 2 == 1


def _prompts(doc: Document) -> tuple[set[str], set[str], set[str]]:
    """The template's bracketed prompts, its ``XXX`` IDs and ``{{…}}`` prompts, and those
    of the latter that stand inside code.

    Not prompts: table header cells and link text (fixed text), link reference
    definitions and the labels they define, a bare lower-case name with a dot or slash
    outside code (``[kubernetes.io]``, ``[kubernetes/website]``: a shortcut link whose
    definition is elsewhere or lost), and anything inside HTML comments (guidance for
    the writer, not text to fill in)."""
    data = doc.source
    code = Ranges([(c.span.start, c.span.end) for c in doc.code_blocks])
    skip = [(t.header[0].span.start, t.header[-1].span.end) for t in doc.tables if t.header]
    skip += [(link.span.start, link.span.end) for link in doc.links]
    skip += comment_ranges(data, code)
    defined: set[str] = set()
    for line_start in doc.line_starts:
        if data.startswith(b"[", line_start) or data.startswith(b" ", line_start):
            m = DEFINITION_BYTES.match(data, line_start)
            if m is not None:
                skip.append((m.start(), m.end()))
                defined.add(prompt_key(f"[{m.group(1).decode('utf-8', 'replace')}]"))
    skipped = Ranges(skip)
    prompts: set[str] = set()
    for m in PROMPT_BYTES.finditer(data):
        text = m.group(0).decode("utf-8", "replace")
        if m.start() in skipped or prompt_key(text) in defined:
            continue
        if _LINK_LABEL.fullmatch(m.group(0)) and m.start() not in code:
            line_start = doc.line_starts[bisect_right(doc.line_starts, m.start()) - 1]
            if not in_code_span(data, line_start, m.start()):
                continue  # a shortcut link's label
        prompts.add(text)
    markers: set[str] = set()
    code_markers: set[str] = set()
    for rx in (XXX_ID_BYTES, MUSTACHE_BYTES):
        for m in rx.finditer(data):
            if m.start() in skipped:
                continue
            text = m.group(0).decode("utf-8", "replace")
            markers.add(text)
            line_start = doc.line_starts[bisect_right(doc.line_starts, m.start()) - 1]
            if m.start() in code or in_code_span(data, line_start, m.start()):
                code_markers.add(text)
    return prompts, markers, code_markers


@lru_cache(maxsize=64)
def _cached(kind: str, data: bytes) -> TemplateFacts:
    return facts_from_template(kind, data)


def template_facts(config: BookConfig, kind: KindConfig) -> TemplateFacts | None:
    """The facts of ``kind``'s template (the book's override or the built-in one)."""
    try:
        data = template_bytes(config, kind)
    except Exception:
        return None
    return _cached(kind.name, data)
