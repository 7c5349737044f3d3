"""What the index keeps of one document, extracted from its parsed model.

A :class:`DocRecord` is plain data (tuples of strings and numbers), so worker
processes can build records and hand them back cheaply, and every backend stores the
same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from specbook.book.jsonout import tags_of
from specbook.core.digest import source_hash
from specbook.core.model import Document
from specbook.core.text import norm_key
from specbook.parse import scan as scanners
from specbook.trace.links import typed_references

# Row shapes (positional, in the column order of the schema).
RequirementRow = tuple[str, str, str, "str | None", "str | None", "str | None", int]
RefRow = tuple[
    str, "str | None", str, "str | None", int, str, "str | None"
]  # target, req, type, section, line, text, target book (None: this book)
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
    outline: str  # the headings, as :func:`outline_of` writes them
    requirements: tuple[RequirementRow, ...]
    references: tuple[RefRow, ...]
    reviews: tuple[ReviewRow, ...]


def outline_of(doc: Document) -> str:
    """Every heading of ``doc`` in document order, one per line as ``level<TAB>line<TAB>
    end line<TAB>title`` (a title is one line of text; :func:`read_outline` reads it)."""
    flat = doc.flat_sections
    made = scanners.outline(flat)  # (in C: a third of an index record's cost in Python)
    if made is not None:
        return made
    # (by position: level, title, span's line and end line; a heading's title of more
    # than one line, which would add a line break, is rare: the lines are made again)
    out = "\n".join([f"{s[0]}\t{s[4][2]}\t{s[4][3]}\t{s[1]}" for s in flat])
    if out.count("\n") >= len(flat) > 0:
        out = "\n".join(
            f"{s.level}\t{s.span.line}\t{s.span.end_line}\t{_one_line(s.title)}" for s in flat
        )
    return out


def _one_line(title: str) -> str:
    return title.replace("\n", " ") if "\n" in title else title


def read_outline(text: str | None) -> list[tuple[int, str, int, int]]:
    """(level, title, line, end line) of each heading :func:`outline_of` wrote (none for
    ``None``: a row written before the column existed, until its document is indexed
    again)."""
    out = []
    for row in (text or "").split("\n") if text else ():
        level, line, end, title = row.split("\t", 3)
        out.append((int(level), title, int(line), int(end)))
    return out


def _title_line(doc: Document) -> int:
    for s in doc.flat_sections:
        if s[0] == 1:  # (level)
            return s[4][2]  # (span.line)
    return 1


def record_of(doc: Document, data: bytes, mtime_ns: int, size: int) -> DocRecord:
    """The index record of ``doc``, parsed from ``data`` (the file's bytes)."""
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
        outline=outline_of(doc),
        requirements=tuple(
            (r.id, r.kind, r.text, r.criteria, r.target, r.section, r.span.line)
            for r in doc.requirements
        ),
        references=tuple(r[1:] for r in typed_references(doc)),  # (all but the source)
        reviews=tuple(
            (e.date, e.reviewer, e.status, e.feedback, e.span.line) for e in doc.review_history
        ),
    )


def filter_key(text: str) -> str:
    """How filter values compare: ``In Review`` and ``in-review`` are the same."""
    return norm_key(text)
