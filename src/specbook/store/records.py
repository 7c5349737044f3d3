"""What the index keeps of one document, extracted from its parsed model.

A :class:`DocRecord` is plain data (tuples of strings and numbers), so worker
processes can build records and hand them back cheaply, and every backend stores the
same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from specbook.book.jsonout import tags_of
from specbook.core.digest import source_hash
from specbook.core.model import Document, Section
from specbook.core.text import norm_key
from specbook.trace.links import typed_references

# Row shapes (positional, in the column order of the schema).
FieldRow = tuple[str, str, str, str, int]  # key, name, value, source, line
SectionRow = tuple[
    int, int, str, "str | None", int, int, int
]  # ord, level, title, template, line, end, parent
RequirementRow = tuple[str, str, str, "str | None", "str | None", "str | None", int]
RefRow = tuple[
    str, "str | None", str, "str | None", int, str, "str | None"
]  # target, req, type, section, line, text, target book (None: this book)
ChecklistRow = tuple[str, int, int]  # section, total, done
ReviewRow = tuple[str, str, str, str, int]  # date, reviewer, status, feedback, line


@dataclass(frozen=True)
class DocRecord:
    """One document as the index stores it."""

    path: str
    mtime_ns: int
    size: int
    hash: str
    id: str | None
    kind: str | None
    title: str
    title_line: int
    status: str | None
    status_canonical: str | None
    type: str | None
    date: str | None
    modified: str | None
    author: str | None
    tags: tuple[str, ...]
    body: str
    fields: tuple[FieldRow, ...]
    sections: tuple[SectionRow, ...]
    requirements: tuple[RequirementRow, ...]
    references: tuple[RefRow, ...]
    checklists: tuple[ChecklistRow, ...]
    reviews: tuple[ReviewRow, ...]


def _sections(doc: Document) -> list[SectionRow]:
    """Every section in document order, each with the position of its parent (-1: none)."""
    out: list[SectionRow] = []
    append = out.append
    # (a stack, not a recursive walk: ~50 sections in each of 10,000 documents)
    stack: list[tuple[Section, int]] = [(s, -1) for s in reversed(doc.sections)]
    while stack:
        s, parent = stack.pop()
        me = len(out)
        sp = s.span
        append((me, s.level, s.title, s.template_name, sp.line, sp.end_line, parent))
        if s.children:
            stack.extend((c, me) for c in reversed(s.children))
    return out


def _title_line(doc: Document) -> int:
    for s in doc.all_sections():
        if s.level == 1:
            return s.span.line
    return 1


def record_of(doc: Document, data: bytes, mtime_ns: int, size: int) -> DocRecord:
    """The index record of ``doc``, parsed from ``data`` (the file's bytes)."""
    progress: dict[str, list[int]] = {}
    for item in doc.checklists:
        counts = progress.setdefault(item.section or "", [0, 0])
        counts[0] += 1
        counts[1] += item.checked
    return DocRecord(
        path=doc.path or "",
        mtime_ns=mtime_ns,
        size=size,
        hash=source_hash(data, doc.sidecars),
        id=doc.id,
        kind=doc.kind,
        title=doc.title,
        title_line=_title_line(doc),
        status=doc.status,
        status_canonical=doc.status_canonical,
        type=doc.type,
        date=doc.value("date"),
        modified=doc.value("modified"),
        author=doc.value("author"),
        tags=tuple(tags_of(doc)),
        body=data.decode("utf-8", "replace"),
        fields=tuple((f.key, f.name, f.value, f.source, f.span.line) for f in doc.fields),
        sections=tuple(_sections(doc)),
        requirements=tuple(
            (r.id, r.kind, r.text, r.criteria, r.target, r.section, r.span.line)
            for r in doc.requirements
        ),
        references=tuple(
            (r.target, r.requirement, r.type, r.section, r.line, r.text, r.target_book)
            for r in typed_references(doc)
        ),
        checklists=tuple((sec, n, done) for sec, (n, done) in progress.items()),
        reviews=tuple(
            (e.date, e.reviewer, e.status, e.feedback, e.span.line) for e in doc.review_history
        ),
    )


def filter_key(text: str) -> str:
    """How filter values compare: ``In Review`` and ``in-review`` are the same."""
    return norm_key(text)
