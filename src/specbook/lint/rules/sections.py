"""Rules about a document's sections and the template prompts left in it.

What is required comes from the kind's template (see :mod:`specbook.templates.facts`),
so a book's own template gets the same checks with no code.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from itertools import compress, count
from operator import attrgetter, itemgetter, ne
from typing import Any, NamedTuple

from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, Section, Span
from specbook.core.text import norm_heading
from specbook.lint.registry import Report, RuleContext, rule
from specbook.parse import scan as scanners
from specbook.templates.facts import (
    MUSTACHE_BYTES,
    PROMPT_BYTES,
    XXX_ID_BYTES,
    Ranges,
    RequiredSection,
    TemplateFacts,
    comment_ranges,
    heading_stem,
    in_code_span,
    is_definition,
    prompt_key,
)

# A line that shows nothing: blank, or a thematic break (`---`, `***`, `___`).
_QUIET_LINE = rb"(?:[ \t]*|[ ]{0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}))"
_QUIET = lazy_compile(rb"(?:" + _QUIET_LINE + rb"(?:\r\n|\r|\n))*" + _QUIET_LINE)
_COMMENT = lazy_compile(rb"<!--.*?-->", re.S)
_BLANKS = lazy_compile(rb"[ \t\r\n]*")
_MAY_BE_QUIET = frozenset(b"-*_<")  # the first byte of a rule or a comment
_RULE_BYTES = frozenset(b"-*_")  # what a thematic break is made of
# 1 for a byte that is blank or may start a quiet line or a comment, else 0
_OPENS = bytes(1 if b in _MAY_BE_QUIET or b in b" \t\r\n" else 0 for b in range(256))
_QUIET_OPENER = lazy_compile(rb"(?:" + _QUIET_LINE + rb"(?:\r\n|\r|\n|\Z)|<!--)")
# blanks, then something that starts neither a quiet line nor a comment: content
_SPOKEN = lazy_compile(rb"[ \t\r\n]*(?!" + _QUIET_OPENER.pattern + rb")[^ \t\r\n]")
_NEWLINES = b"\r\n"
# The C module's loops of this module (``_cscan.section_walk``, ``own_title_keys``,
# ``sections_present``, ``quiet_leaves``, ``prompt_spans``), or None: the Python below,
# which is their reference (tests/test_csections.py holds them to it).
_C = scanners.c_nodes


class _Memo(dict[str, str]):
    """:func:`norm_heading`'s answers for the C walk (a dict look-up is a fifth of a call
    through its ``lru_cache``; the C side empties it at 16,384), emptied as the caches of
    ``functools`` are (``cache_clear`` of the class or of the one instance)."""

    @classmethod
    def cache_clear(cls) -> None:
        _KEYS.clear()


_KEYS = _Memo()


# A section of the tree with what the section rules look up about it: (the section, its
# parent section or None, its key: norm_heading of its template name, else of its title,
# the parent's node or None). A plain tuple: the walk makes one per section of every
# document, and a tuple display is the cheapest thing to build.
_Node = tuple[Section, "Section | None", str, Any]


class SectionWalk(NamedTuple):
    """One walk over a document's section tree that the section, requirement and
    content rules share (made once per document: the rules run one after another on
    the same document)."""

    nodes: list[_Node]  # every section with its parent and key, in document order
    # key -> positions in ``nodes`` of the sections of that key, in document order
    by_key: dict[str, list[int]]


def section_walk(doc: Document) -> SectionWalk:
    """The shared :class:`SectionWalk` of ``doc``, computed on first use."""
    memo = doc.derived
    walk: SectionWalk | None = memo.get("section_walk")
    if walk is None:
        walk = memo["section_walk"] = _build_walk(doc)
    return walk


def _build_walk(doc: Document) -> SectionWalk:
    if _C is not None:
        nodes, by_key = _C.section_walk(doc.sections, norm_heading, _KEYS)
        return SectionWalk(nodes, by_key)
    return _py_walk(doc)


def _py_walk(doc: Document) -> SectionWalk:
    """:func:`_build_walk` in Python (the C module's reference)."""
    nodes: list[_Node] = []
    _add_nodes(nodes, doc.sections, None, None)
    keys = [node[2] for node in nodes]
    # (the usual case, no two sections of one key: the positions made in one C-level
    # pass, not a dict look-up and a list per section)
    by_key: dict[str, list[int]] = dict(zip(keys, map(list, zip(range(len(keys)))), strict=True))
    if len(by_key) < len(keys):
        by_key = {}
        for i, key in enumerate(keys):
            at = by_key.get(key)
            if at is None:
                by_key[key] = [i]
            else:
                at.append(i)
    return SectionWalk(nodes, by_key)


def section_nodes(doc: Document) -> list[_Node]:
    """Every section with its parent and key, in document order (made once per document)."""
    return section_walk(doc).nodes


def _add_nodes(
    out: list[_Node], sections: tuple[Section, ...], up: _Node | None, parent: Section | None
) -> None:
    for s in sections:
        node: _Node = (s, parent, norm_heading(s.template_name or s.title), up)
        out.append(node)
        if s.children:
            _add_nodes(out, s.children, node, s)


def first_of_key(walk: SectionWalk, key: str) -> Section | None:
    """The first section (in document order) whose key is ``key``, or ``None``."""
    at = walk.by_key.get(key)
    return walk.nodes[at[0]][0] if at else None


def section_ranges(doc: Document, name: str) -> list[tuple[int, int]]:
    """Byte ranges of the sections called ``name`` (a :func:`norm_heading` key: of the
    template section a section matches, or of its own title), each with its subsections,
    in document order."""
    walk = section_walk(doc)
    at = walk.by_key.get(name, [])
    also = _own_title_keys(doc, walk).get(name)
    if also:
        at = sorted(at + also)
    nodes = walk.nodes
    return [(nodes[i][0].span.start, nodes[i][0].span.end) for i in at]


def _own_title_keys(doc: Document, walk: SectionWalk) -> dict[str, list[int]]:
    """For the sections that match a template section whose key their own title does not
    have (``## Data Model`` written for the template's ``Schema``): the key of their
    title -> their positions (made once per document, on first use)."""
    memo = doc.derived
    found: dict[str, list[int]] | None = memo.get("own_title_keys")
    if found is None:
        found = memo["own_title_keys"] = (
            _C.own_title_keys(walk.nodes, norm_heading)
            if _C is not None
            else _py_own_title_keys(walk)
        )
    return found


def _py_own_title_keys(walk: SectionWalk) -> dict[str, list[int]]:
    """:func:`_own_title_keys` in Python (the C module's reference)."""
    found: dict[str, list[int]] = {}
    nodes = walk.nodes
    sections = list(map(_SECTION, nodes))
    # (the sections whose template name is not their title, told apart in C: most are
    # their template's section under its own title)
    for i in compress(count(), map(ne, map(_TEMPLATE_NAME, sections), map(_TITLE, sections))):
        sec = sections[i]
        if not sec.template_name:
            continue  # (no template section: its key is its title's)
        own = norm_heading(sec.title)
        if own != nodes[i][2]:
            found.setdefault(own, []).append(i)
    return found


_SECTION = itemgetter(0)  # (of a node of the walk)
# (a section's fields by name: the model's layout is the parser's to change)
_TITLE, _TEMPLATE_NAME = attrgetter("title"), attrgetter("template_name")


def _heading_span(doc: Document, s: Section) -> Span:
    """The heading's bytes without its line end."""
    start, end = s.heading.start, s.heading.end
    while end > start and doc.source[end - 1] in _NEWLINES:
        end -= 1
    return Span(
        start, end, s.heading.line, max(s.heading.line, bisect_right(doc.line_starts, end - 1))
    )


def _title_span(doc: Document) -> Span:
    """The first H1's heading line, or line 1 when the document has no H1."""
    for s in doc.sections:
        if s.level == 1:
            return _heading_span(doc, s)
    starts = doc.line_starts
    end = starts[1] if len(starts) > 1 else len(doc.source)
    while end > 0 and doc.source[end - 1] in _NEWLINES:
        end -= 1
    return Span(0, end, 1, 1)


def _with_template(doc: Document, ctx: RuleContext) -> TemplateFacts | None:
    """The kind's template facts, or ``None`` for a document of no known kind."""
    if doc.kind is None or ctx.kind is None:
        return None
    facts: TemplateFacts | None = ctx.template
    return facts


class _Required(NamedTuple):
    """The template's required sections, each with its key and its parent's key, and the
    keys of those that must stand under another."""

    sections: list[tuple[RequiredSection, str, str | None]]
    nested: frozenset[str]
    tops: frozenset[str]  # the keys of the `##` sections
    pairs: frozenset[tuple[str, str]]  # (parent key, key) of those that stand under another


_REQUIRED: dict[int, tuple[TemplateFacts, _Required]] = {}


def _required(tmpl: TemplateFacts) -> _Required:
    """The template's required sections with their keys (computed once per template)."""
    hit = _REQUIRED.get(id(tmpl))
    if hit is None or hit[0] is not tmpl:
        keys = [
            (r, norm_heading(r.title), None if r.parent is None else norm_heading(r.parent))
            for r in tmpl.required
        ]
        nested = frozenset(key for _, key, parent in keys if parent is not None)
        tops = frozenset(key for _, key, parent in keys if parent is None)
        pairs = frozenset((parent, key) for _, key, parent in keys if parent is not None)
        if len(_REQUIRED) > 64:
            _REQUIRED.clear()
        hit = _REQUIRED[id(tmpl)] = (tmpl, _Required(keys, nested, tops, pairs))
    return hit[1]


_RANKS: dict[int, tuple[TemplateFacts, dict[str, int]]] = {}


def _rank(tmpl: TemplateFacts) -> dict[str, int]:
    """The place of each of the template's `##` sections (by key), computed once per
    template."""
    hit = _RANKS.get(id(tmpl))
    if hit is None or hit[0] is not tmpl:
        rank = {norm_heading(t): i for i, t in enumerate(tmpl.order)}
        if len(_RANKS) > 64:
            _RANKS.clear()
        hit = _RANKS[id(tmpl)] = (tmpl, rank)
    return hit[1]


def _sections_present(walk: SectionWalk, required: _Required) -> bool:
    """Whether every `##` section ``required`` names is in the walk, and every section
    that must stand under another stands right under a section of that key."""
    if _C is not None:
        return _C.sections_present(walk.nodes, walk.by_key, required.tops, required.pairs)
    return (
        walk.by_key.keys() >= required.tops
        and {(up[2], key) for _, _, key, up in walk.nodes if up is not None} >= required.pairs
    )


@rule("SB201", "missing-section", severity="error", tags=("template", "sections"))
def missing_section(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A section of the template is absent.

    Why: readers and reviewers look for the same sections in every document of a
    kind; a missing one is usually forgotten rather than not applicable. What is
    required comes from the kind's template (the book's own in `docs/templates/`, else
    the built-in one): its `##` sections, and the `###` sections under them whose
    titles hold no prompt. Headings that hold a prompt (`#### Component 1: [Name]`)
    are examples: any number of them, none included, is fine. Titles match whatever
    their numbering, emoji or case (`## 2. Context ✅` is `Context`).

    Example: a spec with no `## Risk Assessment` (reported on the title line), or a
    `## Deployment` without its `### Rollback Plan` (reported on `## Deployment`).

    Fix: add the section under the heading the template gives it. When it does not
    apply, keep the heading and write `N/A` and why.
    """
    tmpl = _with_template(doc, ctx)
    if tmpl is None:
        return
    required = _required(tmpl)
    walk = section_walk(doc)
    nodes, by_key = walk.nodes, walk.by_key
    if _sections_present(walk, required):
        return  # (the usual case: every required section is there, under its parent)
    # (key of an ancestor, key of a section below it), for the keys that need an ancestor
    under: set[tuple[str, str]] = set()
    for key in required.nested:
        for i in by_key.get(key, ()):
            up = nodes[i][3]
            while up is not None:
                under.add((up[2], key))
                up = up[3]
    if by_key.keys() >= required.tops and under >= required.pairs:
        return  # (the usual case: every required section is there, where it belongs)
    title: Span | None = None
    previous: str | None = None
    for req, key, parent_key in required.sections:
        if parent_key is None:
            if key not in by_key:
                title = title or _title_span(doc)
                where = f'after "{previous}"' if previous else "first, after the header"
                yield Report(
                    title,
                    f'section "{req.title}" of the {tmpl.kind} template is missing; '
                    f'add "## {req.title}" {where}',
                )
            previous = req.title
            continue
        if (parent_key, key) in under:
            continue  # (so the parent is there)
        parent = first_of_key(walk, parent_key)
        if parent is None:
            continue  # the missing parent is reported already
        elsewhere = first_of_key(walk, key)
        hint = (
            f' (the one at line {elsewhere.heading.line} is not under "{parent.title}";'
            " move it there)"
            if elsewhere is not None
            else ""
        )
        yield Report(
            _heading_span(doc, parent),
            f'section "{parent.title}" has no "{req.title}"; add "### {req.title}" under it{hint}',
        )


def _py_quiet_leaves(doc: Document) -> list[Section]:
    """The sections SB202 looks at closer: those with no subsections, not of level 1,
    whose text after the heading is not :data:`_SPOKEN` (the C module's reference)."""
    data, spoken = doc.source, _SPOKEN.match
    quiet_ones: list[Section] = []
    for s in [s for s, _, _, _ in section_nodes(doc) if not s.children and s.level != 1]:
        start, end = s.heading.end, s.span.end
        if start < end:  # (the usual case, text on the next line or the one after)
            b = data[start]
            if not _OPENS[b] or (b == 10 and start + 1 < end and not _OPENS[data[start + 1]]):
                continue
            if b in _RULE_BYTES and start + 2 < end:
                # `- item`, `**Bold**`: not a thematic break (three of one of `-*_`
                # with only blanks between), so text
                c, d = data[start + 1], data[start + 2]
                if (c != b and c != 32 and c != 9) or (d != b and d != 32 and d != 9):
                    continue
        if not spoken(data, start, end):
            quiet_ones.append(s)
    return quiet_ones


@rule("SB202", "empty-section", severity="error", tags=("sections",), status_aware=True)
def empty_section(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A section with no content.

    Why: an empty heading promises an answer that is not there; a reader cannot tell
    "nothing to say" from "not written yet". Blank lines, `---` rules and HTML
    comments are not content. A section whose only content is its subsections (such
    as the template's `### Component Design`) is not empty, nor is a heading that
    states a field (`## Status: Done`). A warning while the document is a Draft, an
    error from the next status on.

    Example: `## Rollback Plan` followed directly by `---` and the next heading.

    Fix: write what the section asks for; when it does not apply, say so (`N/A: the
    change is additive`) rather than leaving it blank.
    """
    data = doc.source
    blanks, opener = _BLANKS.match, _QUIET_OPENER.match
    quiet_ones = (
        _C.quiet_leaves(section_nodes(doc), data) if _C is not None else _py_quiet_leaves(doc)
    )
    for s in quiet_ones:
        start, end = s.heading.end, s.span.end
        m = blanks(data, start, end)
        first = m.end() if m is not None else start
        if first < end and (data[first] not in _MAY_BE_QUIET or not opener(data, first, end)):
            continue  # the usual case: text right after the heading
        if data.find(b"<!--", start, end) >= 0:
            quiet = _QUIET.fullmatch(_COMMENT.sub(b"", data[start:end])) is not None
        else:
            quiet = _QUIET.fullmatch(data, start, end) is not None
        if quiet and not any(
            f.source == "section" and s.heading.start <= f.value_span.start < s.heading.end
            for f in doc.fields
        ):  # `## Status: Done` states a field in its heading: nothing more to write
            yield Report(
                _heading_span(doc, s),
                f'section "{s.title}" is empty; write its content, '
                'or "N/A" and why if it does not apply',
            )


@rule("SB203", "section-order", severity="warning", tags=("template", "sections"))
def section_order(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """Sections out of the template's order.

    Why: documents of one kind are read side by side; the same sections in the same
    order let a reader find things without searching. Only the `##` sections the
    template names are compared; sections of your own may stand anywhere.

    Example: `## Notes` written before `## Context` in a spec, where the template
    puts Notes last. Each section that stands before one it should follow is
    reported once, on its heading.

    Fix: move the reported section below the one the message names.
    """
    tmpl = _with_template(doc, ctx)
    if tmpl is None:
        return
    rank = _rank(tmpl)
    walk = section_walk(doc)
    nodes, by_key = walk.nodes, walk.by_key
    at = sorted([i for k in rank for i in by_key.get(k, ()) if nodes[i][0].level == 2])
    ranks = [rank[nodes[i][2]] for i in at]
    if ranks == sorted(ranks):
        return  # (the usual case: in the template's order, no section before a lower one)
    placed = [(nodes[i][0], r) for i, r in zip(at, ranks, strict=True)]
    n = len(placed)
    lowest = [0] * (n + 1)  # lowest[i]: the smallest rank from position i on
    lowest[n] = len(rank)
    for i in range(n - 1, -1, -1):
        lowest[i] = min(placed[i][1], lowest[i + 1])
    for i, (s, r) in enumerate(placed):
        if r <= lowest[i + 1]:
            continue
        after = next(t for t, tr in reversed(placed[i + 1 :]) if tr < r)
        yield Report(
            _heading_span(doc, s),
            f'section "{s.title}" comes before "{after.title}", but the {tmpl.kind} '
            f'template puts it after; move it below "{after.title}"',
        )


@rule("SB204", "duplicate-section", severity="warning", tags=("sections",))
def duplicate_section(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """The same section twice at one level.

    Why: readers, links (`#context`) and specbook itself find the first one only; the
    second usually holds text that belongs in the first. Sections are the same when
    they match the same template section or have the same title (numbering, emoji and
    case aside) under the same parent. The template's repeatable examples
    (`#### Component 1: [Name]`, `### Alternative 2: [Name]`) may appear any number
    of times.

    Example: two `## Context` sections after a merge; every `## Context` after the
    first is reported.

    Fix: merge the two sections into one.
    """
    walk = section_walk(doc)
    if len(walk.by_key) == len(walk.nodes):
        return  # (the usual case: no two sections share a key)
    tmpl: TemplateFacts | None = ctx.template if doc.kind is not None else None
    repeatable = frozenset(tmpl.repeatable) if tmpl is not None else frozenset()
    seen: dict[tuple[int, str], Section] = {}  # (id of the parent, key) -> first section
    for s, parent, key, _ in walk.nodes:
        if not key:
            continue
        first = seen.setdefault((id(parent), key), s)
        if first is s or (repeatable and heading_stem(s.title) in repeatable):
            continue
        where = f'under "{parent.title}"' if parent is not None else "at the top level"
        yield Report(
            _heading_span(doc, s),
            f'section "{s.title}" appears twice {where} (first at line '
            f"{first.heading.line}); merge the two",
        )


# `{{.Expected}}`, `{{ $name }}`, `{{#each items}}`, `{{ user | upper }}`, `{{ f(x) }}`:
# a template language's code quoted as content (a Go message format, a Helm value),
# not a prompt; a prompt names what to write (`{{title}}`, `{{ owner }}`).
_TEMPLATE_CODE = lazy_compile(rb"\{\{-?\s*(?:[.$#/>!^&%]|[^}]*[|(])")


@lru_cache(maxsize=4096)
def _doc_prompt_key(raw: bytes) -> str:
    return prompt_key(raw.decode("utf-8", "replace"))


@rule("SB205", "placeholder", severity="error", tags=("template",), status_aware=True)
def placeholder(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A template prompt left unfilled.

    Why: a prompt such as `[YYYY-MM-DD]` or `[Brief one-line description …]` reads as
    content to tools and hurried readers while saying nothing. Reported: every
    bracketed prompt of the kind's template (also with another number, `[Step 4]`
    for the template's `[Step 1]`), an `XXX` ID (`SPEC-XXX`) and a `{{…}}` prompt,
    wherever it stands: header fields, headings (`#### Component 1: [Name]`), tables,
    checklist items and code blocks. Task boxes (`[ ]`, `[x]`), link text, HTML
    comments and the template's fixed text (headings, checklist items such as
    `Tests passing`, table header rows) are never placeholders, nor is a bare
    lower-case name with a dot or slash outside code in the template (`[kubernetes.io]`,
    `[kubernetes/website]`: a shortcut link whose `[label]: url` line is elsewhere or
    lost), nor a template language's code quoted as content (`{{.Expected}}`,
    `{{ $name }}`, `{{#each items}}`, `{{ name | upper }}`). A Draft may keep
    placeholders (warning); from the next status on they are errors.

    Example: `**Date**: [YYYY-MM-DD]`, `- Related Bugs: BUG-XXX`,
    `| Design | [X days] | … |`.

    Fix: replace each prompt with the real text, or with `N/A` where it does not
    apply; delete example entries you do not need (`#### Component 2: [Name]`).
    """
    data = doc.source
    tmpl = _with_template(doc, ctx)
    keys = tmpl.prompt_keys if tmpl is not None else frozenset()
    markers = tmpl.markers if tmpl is not None else frozenset()
    code_markers = tmpl.code_markers if tmpl is not None else frozenset()
    found: list[tuple[int, int, str]] = []  # start, end, what
    if keys:
        spans = (
            _C.prompt_spans(data)
            if _C is not None
            else [(m.start(), m.end()) for m in PROMPT_BYTES.finditer(data)]
        )
        for start, end in spans:
            if _doc_prompt_key(data[start:end]) in keys:
                found.append((start, end, "prompt"))
    # (a byte is found by memchr, a longer needle by a slower search: most documents
    # hold no `{` at all)
    if b"X" in data and b"-XXX" in data:
        prefixes = {k.prefix.encode() for k in ctx.config.kinds.values()}
        for m in XXX_ID_BYTES.finditer(data):
            raw = m.group(0)
            if raw.split(b"-", 1)[0] in prefixes or raw.decode() in markers:
                found.append((m.start(), m.end(), "id"))
    if b"{" in data and b"{{" in data:
        found.extend(
            (m.start(), m.end(), "mustache")
            for m in MUSTACHE_BYTES.finditer(data)
            if not _TEMPLATE_CODE.match(m.group(0))
        )
    if not found:
        return
    found.sort()
    code = Ranges([(c.span.start, c.span.end) for c in doc.code_blocks])
    comments = Ranges(comment_ranges(data, code))
    links: Ranges | None = None
    starts = doc.line_starts
    for start, end, what in found:
        if start in comments:
            continue
        text = data[start:end].decode("utf-8", "replace")
        line = bisect_right(starts, start)
        if what == "prompt":
            links = links or Ranges([(k.span.start, k.span.end) for k in doc.links])
            if start in links:
                continue
            if data[end : end + 1] == b":" and is_definition(data, start, starts[line - 1]):
                continue
        elif text not in code_markers and (
            start in code or in_code_span(data, starts[line - 1], start)
        ):
            continue  # `feature/SPEC-XXX`, `{{ user }}`: code that explains, not a prompt
        yield Report(
            Span(start, end, line, line),
            f'placeholder "{text}" left from the template; fill it in',
        )
