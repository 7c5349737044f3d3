"""Typed references: what a mention of another document means.

A reference's type comes from the words just before it on its line (``Depends on
SPEC-003``, ``Fixes BUG-012``, ``Superseded by DEC-004``), else from the field or
section it sits in (a task's ``Parent``, a spec's ``Dependencies``), else it is a plain
``relates``. The closest phrase before the ID wins, so ``Related: A; depends on B``
types A and B differently.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from specbook.config import DEFAULT_FIELD_ALIASES
from specbook.model import Document, Reference
from specbook.text import norm_key

RELATES = "relates"
DEPENDS_ON = "depends-on"
SUPERSEDES = "supersedes"
SUPERSEDED_BY = "superseded-by"
FIXES = "fixes"
IMPLEMENTS = "implements"

REF_TYPES = (RELATES, DEPENDS_ON, SUPERSEDES, SUPERSEDED_BY, FIXES, IMPLEMENTS)

# Phrases and how many other words may stand between each and the first ID it types
# ("Related Specs: X" has one); -1 marks an imperative ("Fix BUG-1"), which counts
# only at the start of a line, item or field value and right before the ID. Passive
# forms point the other way ("Fixed by X": X fixes this one), so they only relate.
_PHRASES: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (re.compile(r"\b(?:superseded|replaced|obsoleted)\s+by\b", re.I), SUPERSEDED_BY, 1),
    (re.compile(r"\b(?:supersedes|replaces|obsoletes)\b", re.I), SUPERSEDES, 1),
    (re.compile(r"\b(?:fixed|resolved|closed|implemented)\s+by\b", re.I), RELATES, 1),
    (re.compile(r"\b(?:depends\s+on|dependenc(?:y|ies)|blocked\s+by|requires)\b", re.I),
     DEPENDS_ON, 3),
    (re.compile(r"\b(?:fixes|resolves|closes)\b", re.I), FIXES, 2),
    (re.compile(r"\b(?:fix|resolve|close)\b", re.I), FIXES, -1),
    (re.compile(r"\b(?:implements|parent|realizes|delivers)\b", re.I), IMPLEMENTS, 2),
    (re.compile(r"\bimplement\b", re.I), IMPLEMENTS, -1),
    (re.compile(r"\b(?:related|relates|see|links?)\b", re.I), RELATES, 3),
)  # fmt: skip

_SECTION_TYPES = {
    "dependencies": DEPENDS_ON,
    "depends on": DEPENDS_ON,
    "parent": IMPLEMENTS,
    "parent spec": IMPLEMENTS,
    "implements": IMPLEMENTS,
    "fixes": FIXES,
    "supersedes": SUPERSEDES,
    "superseded by": SUPERSEDED_BY,
}
_ID = re.compile(r"[A-Z][A-Z0-9]*-\d+(?:/[A-Z]+-\d+(?:\.\d+)*)?")
_AT_START = re.compile(r"[\s>*+\-#\d.)\[\]x_`]*(?:[^\W\d_][\w ]*[*_`]*:[\s*_`]*)?", re.I)
_LIST_GLUE = re.compile(r"(?:[\s,;&/*_`:()\[\]-]|\band\b|\bor\b)*")
# `payments:SPEC-004`: a book name glued to the ID by a colon names the book it lives in.
_BOOK_PREFIX = re.compile(rb"(?<![\w.:/@-])([A-Za-z0-9][\w.-]*):$")
_NOT_BOOKS = frozenset(
    {"see", "ref", "refs", "re", "fix", "fixes", "closes", "implements", "parent", "related"}
)


class TypedReference(NamedTuple):
    """One reference of a document with its inferred type."""

    source: str | None  # the referring document's ID
    target: str
    requirement: str | None
    type: str
    section: str | None
    line: int
    text: str
    target_book: str | None = None  # the book of a cross-book reference (`payments:SPEC-004`)


def book_prefix(source: bytes, start: int) -> str | None:
    """The book named right before the reference at byte ``start`` of ``source``
    (``payments`` in ``payments:SPEC-004``), or ``None`` for a reference within the book.
    Field names and phrases glued to an ID (``Parent:SPEC-001``) name no book."""
    m = _BOOK_PREFIX.search(source[max(0, start - 80) : start])
    if m is None:
        return None
    name = m.group(1).decode("utf-8", "replace")
    key = norm_key(name)
    if key in _NOT_BOOKS or key in DEFAULT_FIELD_ALIASES:
        return None
    return name


def phrase_type(before: str) -> str | None:
    """The type the words ``before`` an ID give it, or ``None`` when they say nothing.

    A phrase counts when at most a few words stand between it and the first ID after
    it, and only a list of IDs (``Fixes BUG-1, BUG-2 and BUG-3``) between that ID and
    this one. Text before a sentence break or a table cell border does not count.
    """
    tail = re.split(r"[.!?](?:\s|$)|\|", before)[-1]
    best: tuple[int, str] | None = None
    for pattern, kind, lead in _PHRASES:
        for m in pattern.finditer(tail):
            if best is not None and m.end() <= best[0]:
                continue
            if lead < 0 and not _AT_START.fullmatch(tail[: m.start()]):
                continue  # "No code fix: X" is no instruction to fix X
            if _leads_to_id(tail[m.end() :], max(lead, 0)):
                best = (m.end(), kind)
    return None if best is None else best[1]


def _leads_to_id(gap: str, max_lead: int) -> bool:
    first = _ID.search(gap)
    lead = gap if first is None else gap[: first.start()]
    if len(re.findall(r"[^\W_]+", lead)) > max_lead:
        return False
    if first is None:
        return True
    rest = _ID.sub(" ", gap[first.start() :])
    return _LIST_GLUE.fullmatch(rest) is not None


def reference_type(doc: Document, ref: Reference) -> str:
    """The type of one reference of ``doc`` (see the module docstring)."""
    src = doc.source
    line_start = src.rfind(b"\n", 0, ref.span.start) + 1
    before = src[line_start : ref.span.start].decode("utf-8", "replace")
    prefix = book_prefix(src, ref.span.start)
    if prefix is not None:
        before = before[: -len(prefix) - 1]  # "Depends on payments:X" reads as "Depends on X"
    kind = phrase_type(before)
    if kind is not None:
        return kind
    if ref.section is not None:
        got = _SECTION_TYPES.get(norm_key(ref.section))
        if got is not None:
            return got
    return RELATES


def typed_references(doc: Document) -> list[TypedReference]:
    """Every reference of ``doc`` with its type, in document order."""
    return [
        TypedReference(
            doc.id,
            r.target,
            r.requirement,
            reference_type(doc, r),
            r.section,
            r.span.line,
            r.text,
            book_prefix(doc.source, r.span.start),
        )
        for r in doc.references
    ]
