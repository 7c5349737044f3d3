"""``index``, ``search`` and ``refs``: the book's index and what it answers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from specbook.cli import emit_json, handle_errors, main, progress_bar, warn_if_empty

if TYPE_CHECKING:
    from specbook.book import Book
    from specbook.store import RefEdge, Store

DB_HELP = (
    "The PostgreSQL database shared by many books (postgresql://user@host/db); "
    "default: $SPECBOOK_DB, else [index] db in the book's config, else the book's own "
    "SQLite index."
)


def _synced(book: Book, full: bool = False, db: str | None = None) -> Store:
    from specbook.store import synced_store

    update, stop = progress_bar("indexing")
    try:
        store, _ = synced_store(book, full=full, progress=update, db=db)
    finally:
        stop()
    return store


def _book_or_none(required: bool) -> Book | None:
    """The book of the current folder; ``None`` outside any book unless ``required``."""
    from specbook.core.errors import NoBookError
    from specbook.services.zeroconf import open_book

    try:
        # (a shared database is not given books inferred from wherever one stands)
        return open_book(infer=required)
    except NoBookError:
        if required:
            raise
        return None


def _reading_store(db: str | None, book_name: str | None, *, every_book: bool) -> Store:
    """The store a reading command asks: the current book's SQLite index (synced), or
    the PostgreSQL database, where the current book is synced first when it is the one
    (or among those) asked about. ``every_book``: no --book reads all books."""
    import os

    from specbook.core.errors import UsageError
    from specbook.store import DB_ENV, database_url

    url = database_url(None, db) if db or os.environ.get(DB_ENV) else None
    book = _book_or_none(required=url is None)
    if url is None and book is not None:
        url = database_url(book, db)
    if url is None:
        assert book is not None
        if book_name and book_name != book.config.name:
            raise UsageError(
                f"--book {book_name}: another book's index needs the shared database; "
                "give --db postgresql://... (or set SPECBOOK_DB)"
            )
        return _synced(book)
    from specbook.store.postgres import PostgresStore

    if book is not None and book_name in (None, book.config.name):
        _synced(book, db=url).close()
    if book_name is None and not every_book:
        book_name = book.config.name if book is not None else None
        if book_name is None:
            raise UsageError("outside a book, say which one: --book NAME")
    return PostgresStore(url, book_name)


@main.command()
@click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option("--db", metavar="URL", help=DB_HELP)
@click.option("--book", "book_name", metavar="NAME", help="The book's name in the database "
              "(default: its configured name).")  # fmt: skip
@click.option("--full", is_flag=True, help="Re-read every file, not only changed ones.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@handle_errors
def index(
    path: Path | None, db: str | None, book_name: str | None, full: bool, as_json: bool
) -> None:
    """Index the book at PATH (default: the current one), with its findings.

    \b
    Without a database: brings the book's .specbook/index.db in step, parsing only the
    files whose content changed (--full rebuilds it from every file). Other commands
    keep it in step by themselves; deleting .specbook/ loses nothing.
    With --db (or SPECBOOK_DB, or [index] db): syncs the book into the shared
    PostgreSQL database as book NAME, reading only files changed since the last sync
    (--full reads all); the sync is one transaction, all or nothing.
    """
    import time

    from specbook.services.zeroconf import open_book
    from specbook.store import database_url, synced_store
    from specbook.store.findings import store_findings

    started = time.perf_counter()
    book = open_book(path)
    url = database_url(book, db)
    update, stop = progress_bar("indexing")
    try:
        store, stats = synced_store(book, full=full, progress=update, db=url, name=book_name)
    finally:
        stop()
    try:
        update, stop = progress_bar("checking")
        try:
            findings = store_findings(store, book, update)
        finally:
            stop()
    finally:
        store.close()
    if stats.files == 0:
        warn_if_empty(book)
    seconds = time.perf_counter() - started
    name = book_name or book.config.name
    if as_json:
        out: dict[str, object] = {
            "documents": stats.files,
            "findings": findings,
            "seconds": round(seconds, 3),
        }
        if url is not None:
            out.update(book=name, changed=stats.changed)
        emit_json(out)
        return
    where = "" if url is None else f" into book {name} ({stats.changed} changed)"
    click.echo(
        f"indexed {stats.files} document{'s' * (stats.files != 1)} and {findings} "
        f"finding{'s' * (findings != 1)}{where} in {seconds:.2f} s"
    )


def _snippet(text: str, color: bool) -> str:
    if color:
        return text.replace("\x02", "\x1b[1;33m").replace("\x03", "\x1b[0m")
    return text.replace("\x02", "").replace("\x03", "")


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]})
@click.argument("query", nargs=-1, required=True)
@click.option("--kind", multiple=True, help="Only documents of this kind (repeatable).")
@click.option("--status", multiple=True, help="Only documents in this status (repeatable).")
@click.option("--type", "type_", multiple=True, help="Only documents of this type (repeatable).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--db", metavar="URL", help=DB_HELP)
@click.option(
    "--book",
    "book_name",
    metavar="NAME",
    help="In a database: only this book (default: every book).",
)
@click.option("--json", "as_json", is_flag=True, help="Print an array of results.")
@handle_errors
def search(
    query: tuple[str, ...],
    kind: tuple[str, ...],
    status: tuple[str, ...],
    type_: tuple[str, ...],
    limit: int,
    db: str | None,
    book_name: str | None,
    as_json: bool,
) -> None:
    """Search the book's documents, best match first.

    \b
    Words must all appear:     webhook signature
    A phrase:                  "rate limit"
    A prefix:                  retr*
    Either:                    webhook OR polling
    Not:                       -draft   (or NOT draft; a leading -word is no option)
    Field filters:             status:review type:feature kind:spec tag:api
                               author:ana id:SPEC-00*

    A title match ranks above matches in the text. Exit 1 when nothing matches.
    With a shared database every book is searched unless --book says which, and
    each result names its book.
    """
    from specbook.store import parse_query
    from specbook.store.base import hit_json

    q = parse_query(" ".join(query))
    for key, values in (("kind", kind), ("status", status), ("type", type_)):
        if values:
            q.filters.setdefault(key, []).extend(values)
    store = _reading_store(db, book_name, every_book=True)
    from specbook.store.postgres import PostgresStore

    many = isinstance(store, PostgresStore)  # a shared database: hits name their book
    try:
        hits = store.search(q, limit)
        empty = not hits and store.count() == 0
    finally:
        store.close()
    book = _book_or_none(required=False) if empty else None
    if book is not None:
        # no match in a book with no documents is no answer: say why (exit 2)
        book.require_documents()
    if as_json:
        emit_json([hit_json(h, with_book=many) for h in hits])
    else:
        color = sys.stdout.isatty()
        for h in hits:
            where = f"{h.book}:{h.path}" if many else h.path
            head = f"{where}:{h.line}: {h.id or '-'} {h.title} [{h.status or 'no status'}]"
            click.echo(click.style(head, bold=True) if color else head)
            if h.snippet:
                click.echo(f"    {_snippet(h.snippet, color)}")
        if not hits:
            click.echo("no matches", err=True)
    if not hits:
        raise SystemExit(1)


@main.command()
@click.argument("doc_id", metavar="ID")
@click.option("--db", metavar="URL", help=DB_HELP)
@click.option(
    "--book",
    "book_name",
    metavar="NAME",
    help="In a database: the book ID is in (default: this one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print outgoing and incoming as JSON.")
@handle_errors
def refs(doc_id: str, db: str | None, book_name: str | None, as_json: bool) -> None:
    """Show what document ID references and what references it, with type and line.

    Types: relates, depends-on, supersedes, superseded-by, fixes, implements; each
    comes from the words before the reference (Depends on, Fixes, Supersedes ...) or
    the field or section it is in (Parent, Dependencies), else relates.

    A reference written book:ID (payments:SPEC-004) points into another book of a
    shared database; there ID may be written the same way.
    """
    from specbook.core.ids import ambiguous_id, unknown_id

    prefix, sep, rest = doc_id.rpartition(":")
    if sep and prefix:
        book_name, doc_id = book_name or prefix, rest
    store = _reading_store(db, book_name, every_book=False)
    here: str | None = getattr(store, "book", None)
    try:
        want = doc_id.upper()
        every = store.documents()
        known = {d.id: d for d in every if d.id}
        if want not in known:
            raise unknown_id(doc_id, known, f"in book {here}" if here else "in this book")
        carriers = [d for d in every if d.id == want]
        if len(carriers) > 1:
            # references name the ID, not the file: they cannot tell these apart
            raise ambiguous_id(doc_id, carriers, by_path=False)
        out = store.outgoing(want)
        inc = store.incoming(want)
        others = _other_books_ids(store, {e.target_book for e in out} - {None, here})
    finally:
        store.close()

    def exists(e: RefEdge) -> bool | None:
        if e.target_book is None or e.target_book == here:
            return e.target in known
        ids = others.get(e.target_book)
        return None if ids is None else e.target in ids  # None: that book is not here

    def row(e: RefEdge, other: str, book: str | None) -> dict[str, object]:
        return {
            "id": other,
            "book": None if book == here else book,
            "requirement": e.requirement,
            "type": e.type,
            "path": e.path,
            "line": e.line,
            "section": e.section,
            "exists": exists(e) if book is e.target_book else True,
        }

    if as_json:
        emit_json(
            {
                "id": want,
                "book": here,
                "outgoing": [row(e, e.target, e.target_book) for e in out],
                "incoming": [row(e, e.source or "", e.book) for e in inc],
            }
        )
        return
    d = known[want]
    click.echo(f"{want} {d.title} [{d.status or 'no status'}]")
    click.echo(f"references ({len(out)}):")
    for e in out:
        target = e.target + (f"/{e.requirement}" if e.requirement else "")
        if e.target_book and e.target_book != here:
            target = f"{e.target_book}:{target}"
        found = exists(e)
        missing = {True: "", False: "  (no such document)", None: "  (book not indexed here)"}
        click.echo(f"  -> {target:<16} {e.type:<14} {e.path}:{e.line}{missing[found]}")
    click.echo(f"referenced by ({len(inc)}):")
    for e in inc:
        source = (e.source or "?") + (f" (about {e.requirement})" if e.requirement else "")
        if e.book and e.book != here:
            source = f"{e.book}:{source}"
        path = f"{e.book}:{e.path}" if e.book and e.book != here else e.path
        click.echo(f"  <- {source:<16} {e.type:<14} {path}:{e.line}")


def _other_books_ids(store: Store, books: set[str | None]) -> dict[str, set[str]]:
    """The IDs of each of ``books`` that the store's database holds (none in SQLite)."""
    from specbook.store.postgres import PostgresStore

    if not isinstance(store, PostgresStore) or not books:
        return {}
    present = {name for name, _, _ in store.books()}
    return {
        b: {d.id for d in PostgresStore(store.url, b).documents() if d.id}
        for b in books
        if b is not None and b in present
    }
