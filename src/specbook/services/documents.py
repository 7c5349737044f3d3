"""Every document of a book as the snapshot holds it (issue 19: each document parsed
once for every command).

:func:`book_documents` is what a command that shows the whole book (``report``, the
portal's timeline and risk pages) reads instead of parsing every file: the snapshot
(``.specbook/index.db``) is brought in step first, as ``search`` and ``serve`` bring it
(stat, hash, parse and lint only what changed), and each document is then made from the
parse stored for its current content (:class:`specbook.lint.run.StoredDocuments`).
"""

from __future__ import annotations

import sqlite3

from specbook.book import Book
from specbook.core.errors import SpecbookError
from specbook.core.model import Document
from specbook.lint.run import snapshot_documents


def book_documents(book: Book, paths: list[str] | None = None) -> list[Document]:
    """The documents at ``paths`` (default: the book's), in that order, from the synced
    snapshot. A snapshot that cannot be synced (a read-only folder, a database that is
    down) costs only time: the documents are then read as :func:`snapshot_documents`
    reads them."""
    from specbook.store import synced_store

    try:
        store, _ = synced_store(book)
    except (SpecbookError, OSError, sqlite3.Error):
        pass
    else:
        store.close()
    return snapshot_documents(book, paths)
