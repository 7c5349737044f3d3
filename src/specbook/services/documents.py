"""Every document of a book as the snapshot holds it (issue 19: each document parsed
once for every command).

:func:`book_documents` is what a command that shows the whole book (``report``,
``trace``, ``impact``, the portal's timeline and risk pages, the MCP server's ``list``,
``trace`` and ``impact``) reads instead of parsing every file: the snapshot
(``.specbook/index.db``) is brought in step first, as ``search`` and ``serve`` bring it
(stat, hash, parse and lint only what changed), and each document is then made from the
parse stored for its current content (:class:`specbook.lint.run.StoredDocuments`).
:func:`use_snapshot` gives a book the same reader for the documents it loads one at a
time (:meth:`Book.load`, :meth:`Book.find`: the MCP server's ``get`` and ``search``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator

from specbook.book import Book
from specbook.core.digest import source_hash
from specbook.core.errors import SpecbookError
from specbook.core.model import Document, Sidecar
from specbook.lint.run import StoredDocuments, parsed_all, snapshot_documents
from specbook.parse import parse


def book_documents(book: Book, paths: list[str] | None = None) -> list[Document]:
    """The documents at ``paths`` (default: the book's), in that order, from the synced
    snapshot; files that are gone are left out. A snapshot that cannot be synced (a
    read-only folder, a database that is down) costs only time: the documents are then
    read as :func:`snapshot_documents` reads them.

    A book with no snapshot at all (a fresh clone: no ``.specbook/index.db``, no shared
    database) has its files parsed, and nothing is written: a first ``trace`` or
    ``impact`` in a CI job needs no findings and no index, and building them took four
    to eight times as long as the command (2,000 documents). The first ``lint``,
    ``index`` or ``search`` builds the snapshot."""
    from specbook.store import synced_store

    if _no_snapshot(book):
        return parsed_documents(book, paths)
    try:
        store, _ = synced_store(book)
    except (SpecbookError, OSError, sqlite3.Error):
        pass
    else:
        store.close()
    return snapshot_documents(book, paths)


def _no_snapshot(book: Book) -> bool:
    """Whether ``book`` has no snapshot at all: no ``.specbook/index.db``, no shared
    database (a fresh clone)."""
    from specbook.store import database_url, index_path

    try:
        return database_url(book) is None and not index_path(book).exists()
    except (SpecbookError, OSError):
        return False


def parsed_documents(book: Book, paths: list[str] | None = None) -> list[Document]:
    """The documents at ``paths`` (default: the book's), in that order, each file read
    and parsed; files that are gone are left out."""
    return list(_parsed(book, paths))


def _parsed(book: Book, paths: list[str] | None) -> Iterator[Document]:
    # (not Book.documents: a book whose reader is a SnapshotReader would come back here)
    every = book.path_strings() if paths is None else paths
    return parsed_all(book.config, [(p, book.rel(p)) for p in every])


def each_document(book: Book) -> Iterable[Document]:
    """The book's documents as :func:`book_documents` gives them, for a caller that goes
    through them once (``impact``): in a book with no snapshot, each is parsed as it is
    reached and may be let go after, not all held at once."""
    if _no_snapshot(book):
        return _parsed(book, None)
    return book_documents(book)


class SnapshotReader:
    """A :attr:`Book.reader`: the document of a file's bytes from the parse the snapshot
    holds for exactly those bytes (same content hash). A document of the book it lacks
    is read as :func:`book_documents` reads it: the snapshot is brought in step (the
    changed files parsed once, linted and indexed), so that no later command parses
    it again; any other Markdown file (not one of the book's documents) is parsed.
    Safe to share between threads; a snapshot that cannot be read costs only time."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.stored = StoredDocuments(book)

    def __call__(self, data: bytes, rel: str, sidecars: tuple[Sidecar, ...]) -> Document:
        digest = source_hash(data, sidecars)
        doc = self.stored.get(rel, digest, data, sidecars)
        if doc is not None:
            return doc
        path = rel if os.path.isabs(rel) else os.path.join(self.book.root, rel)
        if path in self.book.path_strings():
            for doc in book_documents(self.book, [path]):
                if doc.digest == digest:  # (the file read again is still these bytes)
                    return doc
        return parse(data, rel, self.book.config, sidecars)

    def close(self) -> None:
        """Close the snapshot's connection (a later read opens it again)."""
        self.stored.close()


def use_snapshot(book: Book) -> SnapshotReader:
    """Make ``book`` read the documents it loads one at a time (:meth:`Book.load`,
    :meth:`Book.find`) from the snapshot (see :class:`SnapshotReader`); returns the
    reader, to close when done."""
    reader = SnapshotReader(book)
    book.reader = reader
    return reader
