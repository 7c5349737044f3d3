"""The index: documents, fields, sections, requirements, typed references, checklist
progress, review rows and findings, searchable, kept in step with the files.

:func:`open_store` opens a book's index and :func:`synced_store` also brings it up to
date, which every reading command does first. The index is the book's own SQLite file
(``.specbook/index.db``) unless a PostgreSQL database is chosen: ``--db URL``, else
the ``SPECBOOK_DB`` environment variable, else ``[index] db`` in the book's config.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from specbook.book import Book
from specbook.store.base import DocSummary, Hit, RefEdge, Store, StoredFile
from specbook.store.incremental import SyncStats, sync
from specbook.store.query import Query, QueryError, parse_query

INDEX_NAME = "index.db"
DB_ENV = "SPECBOOK_DB"

__all__ = [
    "DB_ENV",
    "DocSummary",
    "Hit",
    "Query",
    "QueryError",
    "RefEdge",
    "Store",
    "StoredFile",
    "SyncStats",
    "database_url",
    "index_path",
    "open_store",
    "parse_query",
    "sync",
    "synced_store",
]


def index_path(book: Book) -> Path:
    return book.root / ".specbook" / INDEX_NAME


def database_url(book: Book | None, db: str | None = None) -> str | None:
    """The PostgreSQL URL the index lives in, or ``None`` for the book's SQLite file:
    ``db`` (``--db``), else ``$SPECBOOK_DB``, else the book's ``[index] db``.
    Raises :class:`~specbook.core.errors.UsageError` for a URL that is not PostgreSQL's."""
    url = db or os.environ.get(DB_ENV) or (book.config.index_db if book else None)
    if not url or url == "sqlite":
        return None
    # (only now: the PostgreSQL store's module is not what a SQLite book's `lint FILE`
    # should pay for at start-up)
    from specbook.core.errors import UsageError
    from specbook.store.postgres import is_postgres_url, redact

    if not is_postgres_url(url):
        raise UsageError(
            f"{redact(url)}: not a database specbook can use; give a "
            "postgresql://user@host/database URL, or sqlite for the book's own index"
        )
    return url


def open_store(book: Book, *, db: str | None = None, name: str | None = None) -> Store:
    """The book's index. In PostgreSQL (see :func:`database_url`) it is the book named
    ``name`` (default: the book's configured name). The SQLite index lives in memory
    for this one command where ``.specbook/`` cannot be written (a read-only checkout)."""
    url = database_url(book, db)
    if url is not None:
        from specbook.store.postgres import PostgresStore

        return PostgresStore(
            url, name or book.config.name, root=str(book.root), language=book.config.language
        )
    from specbook.store.sqlite import SQLiteStore, StoreError

    try:
        return SQLiteStore(index_path(book), book=book.config.name)
    except (StoreError, OSError):
        return SQLiteStore(":memory:", book=book.config.name)


def synced_store(
    book: Book,
    *,
    full: bool = False,
    progress: Callable[[int, int], None] | None = None,
    db: str | None = None,
    name: str | None = None,
    search: bool = True,
) -> tuple[Store, SyncStats]:
    """The book's index, brought in step with its files (``search``: see
    :func:`specbook.store.incremental.sync`)."""
    store = open_store(book, db=db, name=name)
    try:
        stats = sync(store, book, full=full, progress=progress, search=search)
    except BaseException as exc:
        store.close()
        from specbook.core.state import discard_damaged

        if database_url(book, db) is not None or not discard_damaged(index_path(book), exc):
            raise
        # (a damaged SQLite index, found by the sync: removed, so made afresh)
        store = open_store(book, db=db, name=name)
        try:
            stats = sync(store, book, full=True, progress=progress, search=search)
        except BaseException:
            store.close()
            raise
    return store, stats
