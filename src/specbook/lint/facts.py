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
from itertools import product
from operator import attrgetter
from typing import Any, NamedTuple

from specbook.core.model import Document, Span
from specbook.parse import scan as scanners
from specbook.trace.coverage import listed_tests
from specbook.trace.links import (
    RELATION_FIELDS,
    SUPERSEDE_PHRASES,
    SUPERSEDE_STEMS,
    SUPERSEDED_BY,
    SUPERSEDES,
    book_prefixes,
    reference_types,
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

# The field keys whose relation (:func:`relation_of_field`: the key with its spaces made
# underscores) is a supersede: ``superseded_by`` and ``superseded by``, … (a set, so
# that a document's fields are looked up in one call)
_SUPERSEDE_KEYS = frozenset(
    "".join(parts)
    for key, kind in RELATION_FIELDS.items()
    if kind in (SUPERSEDES, SUPERSEDED_BY)
    for parts in product(*(("_", " ") if ch == "_" else (ch,) for ch in key))
)
_KEY = attrgetter("key")
# builds a named tuple of all its fields without its Python-level __new__ (a call per
# reference and per document)
_new = tuple.__new__
_ID = attrgetter("id")


def _own_positions(doc: Document) -> list[int]:
    """The positions in ``doc.references`` of its references but those naming another
    book's document (``payments:SPEC-004``: this book cannot judge them)."""
    return [i for i, prefix in enumerate(book_prefixes(doc)) if prefix is None]


def _supersede_links(
    doc: Document, own: list[int] | None = None
) -> tuple[tuple[Link, ...], tuple[Link, ...]]:
    """(the IDs ``doc`` says it is superseded by, the IDs it says it supersedes), each
    where it says so: in a relation field (``superseded_by:``, ``supersedes: [A, B]``,
    a block list, ``**Superseded by**:``, under the book's aliases), after the words
    "superseded by" / "supersedes" in its text (``status: superseded by DEC-010``,
    every ID of a list after them), or in a section of that name. ``own``: the
    positions of :func:`_own_positions`, when the caller has them."""
    at = _own_positions(doc) if own is None else own
    by: list[Link] = []
    sup: list[Link] = []
    # Most documents have neither the word (in any ASCII case) nor such a field: a look
    # at the field names and one pass over the bytes are much cheaper than typing
    # references. A document that names no other (most of a real book's) has only its
    # sidecars' relation fields to say it: the pass over its bytes would find nothing.
    if at and (
        not _SUPERSEDE_KEYS.isdisjoint(map(_KEY, doc.fields))
        or scanners.contains_any_ci(doc.source, SUPERSEDE_STEMS)
    ):
        refs = doc.references
        for i, kind in zip(at, reference_types(doc, SUPERSEDE_PHRASES, at), strict=True):
            if kind not in (SUPERSEDES, SUPERSEDED_BY):
                continue
            r = refs[i]
            s = r.span.start
            link = (r.target, Span(s, s + len(r.target.encode()), r.span.line, r.span.line))
            (by if kind == SUPERSEDED_BY else sup).append((*link, doc.column(s)))
    for target, kind, _ in sidecar_relations(doc):  # (placed at the document's top)
        if kind in (SUPERSEDES, SUPERSEDED_BY):
            (by if kind == SUPERSEDED_BY else sup).append((target, Span(0, 0, 1, 1), 1))
    return tuple(by), tuple(sup)


def facts_of(doc: Document, extras: dict[str, Any] | None = None) -> DocFacts:
    """The book-rule summary of one parsed document (``extras``: what book rules took of
    it, see :attr:`DocFacts.extras`)."""
    id_field = doc.field("id")
    if id_field is not None and id_field.file is not None:
        id_field = None  # (an ID in a sidecar: book rules point at the document's top)
    own = _own_positions(doc)
    every = doc.references
    refs = []
    column = doc.column
    for i in own:
        r = every[i]
        span = r.span
        refs.append(
            _new(
                Ref,
                (
                    r.target,
                    r.requirement,
                    r.text,
                    span,
                    span.line,
                    column(span.start),
                    column(span.end),
                ),
            )
        )
    by, sup = _supersede_links(doc, own)
    return _new(
        DocFacts,
        (
            doc.path or "",
            doc.id,
            doc.kind,
            doc.status_canonical,
            id_field.value_span if id_field else None,
            doc.column(id_field.value_span.start) if id_field else 1,
            frozenset(map(_ID, doc.requirements)),
            tuple(refs),
            by,
            sup,
            tuple((t.name, t.line, t.column, t.end_column, t.checked) for t in listed_tests(doc)),
            extras,
        ),
    )


def light_facts_of(doc: Document) -> DocFacts:
    """What book rules need of a document whose own findings are not wanted (see
    :class:`BookFacts`' ``focus``): ID, kind, status, requirement IDs, supersede links."""
    by, sup = _supersede_links(doc)
    return DocFacts(
        doc.path or "",
        doc.id,
        doc.kind,
        doc.status_canonical,
        None,
        1,
        frozenset(map(_ID, doc.requirements)),
        (),
        by,
        sup,
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
