"""The index: documents, fields, sections, requirements, typed references, checklist
progress, review rows and findings, searchable, kept in step with the files.

:func:`open_store` opens a book's index (``.specbook/index.db``) and
:func:`synced_store` also brings it up to date, which every reading command does first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from specbook.book import Book
from specbook.store.base import DocSummary, FindingRow, Hit, RefEdge, Store, StoredFile
from specbook.store.incremental import SyncStats, sync
from specbook.store.query import Query, QueryError, parse_query

INDEX_NAME = "index.db"

__all__ = [
    "DocSummary",
    "FindingRow",
    "Hit",
    "Query",
    "QueryError",
    "RefEdge",
    "Store",
    "StoredFile",
    "SyncStats",
    "index_path",
    "open_store",
    "parse_query",
    "sync",
    "synced_store",
]


def index_path(book: Book) -> Path:
    return book.root / ".specbook" / INDEX_NAME


def open_store(book: Book) -> Store:
    """The book's SQLite index. Where ``.specbook/`` cannot be written (a read-only
    checkout) the index lives in memory for this one command."""
    from specbook.store.sqlite import SQLiteStore, StoreError

    try:
        return SQLiteStore(index_path(book))
    except (StoreError, OSError):
        return SQLiteStore(":memory:")


def synced_store(
    book: Book, *, full: bool = False, progress: Callable[[int, int], None] | None = None
) -> tuple[Store, SyncStats]:
    """The book's index, brought in step with its files."""
    store = open_store(book)
    try:
        stats = sync(store, book, full=full, progress=progress)
    except BaseException:
        store.close()
        raise
    return store, stats
