"""Small per-document summaries that book-wide rules work on.

A :class:`DocFacts` holds what rules about the whole book need (ID, references,
supersede links, requirement IDs) so that they can run from the lint cache without
parsing every file again.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from specbook.core.model import Document, Span
from specbook.parse import scan as scanners
from specbook.trace.coverage import listed_tests
from specbook.trace.links import (
    SUPERSEDE_PHRASES,
    SUPERSEDE_STEMS,
    SUPERSEDED_BY,
    SUPERSEDES,
    book_prefix,
    reference_type,
    relation_of_field,
    sidecar_relations,
)


class Ref(NamedTuple):
    target: str
    requirement: str | None
    text: str
    span: Span
    line: int
    column: int
    end_column: int


class DocFacts(NamedTuple):
    """(A named tuple: a one-file lint builds 10,000 of them from the cache.)"""

    path: str
    id: str | None
    kind: str | None
    status_canonical: str | None
    id_span: Span | None
    id_column: int
    requirement_ids: frozenset[str]
    references: tuple[Ref, ...]
    superseded_by: tuple[tuple[str, Span, int], ...]  # (ID, span, column)
    supersedes: tuple[tuple[str, Span, int], ...]
    # tests the Testing Strategy lists: (name, line, column, end column, checked)
    listed_tests: tuple[tuple[str, int, int, int, bool | None], ...] = ()
    # what book rules took of the document while it was linted (Rule.extract), by
    # rule ID; None where nothing was taken (light facts, or facts made without a linter)
    extras: dict[str, Any] | None = None


Link = tuple[str, Span, int]  # (ID, span, column)


def _supersede_links(doc: Document) -> tuple[tuple[Link, ...], tuple[Link, ...]]:
    """(the IDs ``doc`` says it is superseded by, the IDs it says it supersedes), each
    where it says so: in a relation field (``superseded_by:``, ``supersedes: [A, B]``,
    a block list, ``**Superseded by**:``, under the book's aliases), after the words
    "superseded by" / "supersedes" in its text (``status: superseded by DEC-010``,
    every ID of a list after them), or in a section of that name."""
    # Most documents have neither the word (in any ASCII case) nor such a field: one
    # lower() and a look at the field names are much cheaper than typing references.
    if not scanners.contains_any_ci(doc.source, SUPERSEDE_STEMS) and not any(
        relation_of_field(f) in (SUPERSEDES, SUPERSEDED_BY) for f in doc.fields
    ):
        return (), ()
    by: list[Link] = []
    sup: list[Link] = []
    for r in doc.references:
        if book_prefix(doc.source, r.span.start) is not None:
            continue  # another book's document: this book cannot judge it
        kind = reference_type(doc, r, SUPERSEDE_PHRASES)
        if kind not in (SUPERSEDES, SUPERSEDED_BY):
            continue
        s = r.span.start
        link = (r.target, Span(s, s + len(r.target.encode()), r.span.line, r.span.line))
        (by if kind == SUPERSEDED_BY else sup).append((*link, doc.column(s)))
    for target, kind, _ in sidecar_relations(doc):  # (placed at the document's top)
        if kind in (SUPERSEDES, SUPERSEDED_BY):
            (by if kind == SUPERSEDED_BY else sup).append((target, Span(0, 0, 1, 1), 1))
    return tuple(by), tuple(sup)


def facts_of(doc: Document) -> DocFacts:
    """The book-rule summary of one parsed document."""
    id_field = doc.field("id")
    if id_field is not None and id_field.file is not None:
        id_field = None  # (an ID in a sidecar: book rules point at the document's top)
    refs = tuple(
        Ref(
            r.target,
            r.requirement,
            r.text,
            r.span,
            r.span.line,
            doc.column(r.span.start),
            doc.column(r.span.end),
        )
        for r in doc.references
        # payments:SPEC-004 names another book's document: this book cannot judge it
        if book_prefix(doc.source, r.span.start) is None
    )
    return light_facts_of(doc)._replace(
        id_span=id_field.value_span if id_field else None,
        id_column=doc.column(id_field.value_span.start) if id_field else 1,
        references=refs,
        listed_tests=tuple(
            (t.name, t.line, t.column, t.end_column, t.checked) for t in listed_tests(doc)
        ),
    )


def light_facts_of(doc: Document) -> DocFacts:
    """What book rules need of a document whose own findings are not wanted (see
    :class:`BookFacts`' ``focus``): ID, kind, status, requirement IDs, supersede links."""
    by, sup = _supersede_links(doc)
    return DocFacts(
        path=doc.path or "",
        id=doc.id,
        kind=doc.kind,
        status_canonical=doc.status_canonical,
        id_span=None,
        id_column=1,
        requirement_ids=frozenset(r.id for r in doc.requirements),
        references=(),
        superseded_by=by,
        supersedes=sup,
    )


@dataclass
class BookFacts:
    """Every document's facts, with an index by ID.

    ``focus``, when set, names the documents (paths) whose findings are wanted
    (``specbook lint FILE``): rules report on :attr:`reported` only, and the other
    documents' facts may be light (no references, no listed tests, no ID span).
    ``skipped`` holds the files the book's listing left out and why
    (:attr:`specbook.book.Book.skipped`). ``looked``: the files besides the documents
    that rules looked at (whether they exist, what they hold), as full normalised
    paths, for lint's whole-result memo (which must not outlive a change to one).
    """

    docs: list[DocFacts]
    by_id: dict[str, list[DocFacts]] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)  # work rules share (the code scan)
    focus: frozenset[str] | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    looked: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for d in self.docs:
            if d.id:
                self.by_id.setdefault(d.id, []).append(d)

    @cached_property
    def reported(self) -> list[DocFacts]:
        """The documents rules report on: the focus, or every document."""
        if self.focus is None:
            return self.docs
        return [d for d in self.docs if d.path in self.focus]
