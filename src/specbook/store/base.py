"""The store interface every backend implements, and the records it returns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol

from specbook.lint.finding import Finding
from specbook.store.query import Query
from specbook.store.records import DocRecord

# 2: references keep the book they name (target_book); 3: findings keep the sidecar file
# they stand in, and which content of each document was linted (``linted``); 4: search
# stems and folds diacritics (porter), quoted words match through ``fts_exact``; 5: a
# finding keeps where it ends (``end_line``, ``end_col``): the store gives back the
# linter's :class:`~specbook.lint.finding.Finding` whole; 6: no tables of fields, sections
# and checklists (never queried): a document's headings are its ``outline``
SCHEMA_VERSION = 6


class StoredFile(NamedTuple):
    mtime_ns: int
    size: int
    hash: str


class Hit(NamedTuple):
    """One search result. ``snippet`` marks matched words with \\x02 ... \\x03."""

    id: str | None
    title: str
    status: str | None
    path: str
    line: int
    snippet: str
    score: float
    book: str | None = None  # the document's book (PostgreSQL; None in a one-book index)


def hit_json(h: Hit, with_book: bool = False) -> dict[str, Any]:
    """One search result in the JSON contract of DESIGN.md (``search --json``, the
    portal API, the MCP server): matches marked ``**word**``."""
    row: dict[str, Any] = {
        "id": h.id,
        "title": h.title,
        "status": h.status,
        "path": h.path,
        "line": h.line,
        "snippet": h.snippet.replace("\x02", "**").replace("\x03", "**"),
        "score": round(h.score, 4),
    }
    if with_book:
        row["book"] = h.book
    return row


class RefEdge(NamedTuple):
    """A typed reference from ``source`` (at ``path``:``line``) to ``target``.

    ``target_book`` is the book a cross-book reference names (``payments:SPEC-004``),
    ``None`` for one within the source's book; ``book`` is the source's book where the
    store knows it (PostgreSQL), else ``None``."""

    source: str | None
    path: str
    target: str
    requirement: str | None
    type: str
    section: str | None
    line: int
    text: str
    target_book: str | None = None
    book: str | None = None


class DocSummary(NamedTuple):
    id: str | None
    kind: str | None
    title: str
    status: str | None
    status_canonical: str | None
    type: str | None
    path: str


class Store(Protocol):
    """An index of one book. Writes happen inside :meth:`transaction` only."""

    def transaction(self) -> AbstractContextManager[None]: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def clear(self) -> None: ...
    def stored_files(self, paths: Iterable[str] | None = None) -> dict[str, StoredFile]: ...
    def put(self, record: DocRecord) -> None: ...
    def put_many(self, records: Iterable[DocRecord], search: bool = True) -> None: ...
    def ensure_search(self) -> None: ...
    def touch(self, path: str, mtime_ns: int, size: int) -> None: ...
    def delete(self, paths: Iterable[str]) -> None: ...
    def put_findings(self, hashes: dict[str, str], rows: Iterable[tuple[str, Finding]]) -> None: ...

    def count(self) -> int: ...
    def listing(self) -> list[dict[str, Any]]: ...
    def document(self, doc_id: str) -> dict[str, Any] | None: ...
    def documents_with_id(self, doc_id: str) -> list[dict[str, Any]]: ...
    def reviews(self, paths: Iterable[str]) -> dict[str, list[tuple[str, str, str, str, int]]]: ...
    def finding_counts(self) -> dict[str, int]: ...
    def sections(self, path: str) -> list[tuple[int, str, int, int]]: ...
    def documents(self) -> list[DocSummary]: ...
    def search(self, query: Query, limit: int = 20) -> list[Hit]: ...
    def outgoing(self, doc_id: str) -> list[RefEdge]: ...
    def incoming(self, doc_id: str) -> list[RefEdge]: ...
    def incoming_by_target(self) -> dict[str, list[RefEdge]]: ...
    def references(self) -> Iterator[RefEdge]: ...
    def requirements(self, doc_id: str | None = None) -> list[dict[str, Any]]: ...
    def findings(self, path: str | None = None) -> list[Finding]: ...
    def document_findings(self, path: str, digest: str) -> list[Finding] | None: ...
    def close(self) -> None: ...


def edges_by_target(edges: Iterable[RefEdge]) -> dict[str, list[RefEdge]]:
    """``edges`` grouped by the ID they reference, each group in the given order."""
    out: dict[str, list[RefEdge]] = {}
    for e in edges:
        out.setdefault(e.target, []).append(e)
    return out
