"""Keeping the snapshot in step with the files, incrementally by content hash.

A file whose size and modification time match the index is not read; one whose
bytes hash the same only has its signature updated; the rest are parsed (in worker
processes when there are many) and replaced. Files that are gone are deleted. The
writes are one transaction, so an interrupted sync leaves the previous state.

Each file read is parsed once for everything the snapshot keeps of it: its index
rows here, and its lint findings and facts in the lint cache (the same file,
``.specbook/index.db``), through :func:`specbook.lint.run.lint_parsed`; the parsing
happens before the write lock is taken. A lint that parses files hands their records
back through :func:`index_parsed`, so a later sync finds them current; `lint FILE`
does not for the files it names, whose parse the lint cache keeps: a sync makes their
records from that parse (:func:`_stored_records`) instead of parsing them again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from specbook import __version__
from specbook.book import Book
from specbook.core.config import BookConfig
from specbook.core.digest import blake2b, code_stamp, source_hash
from specbook.core.layout import read_document, signature
from specbook.core.state import snapshot_path
from specbook.parse import parse, scan
from specbook.store.base import SCHEMA_VERSION, Store
from specbook.store.records import DocRecord, record_of

PARALLEL_THRESHOLD = 256  # fewer files than this parse faster in one process

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SyncStats:
    """What one sync did."""

    files: int
    added: int
    updated: int
    deleted: int
    unchanged: int
    rebuilt: bool

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deleted


def index_key(book: Book) -> str:
    """Identifies what the index's rows depend on besides the files themselves:
    specbook's version and code, the schema, the book's config and templates. A
    different key rebuilds the index from scratch."""
    from specbook.lint.run import book_fingerprint

    h = blake2b(digest_size=12)
    h.update(f"{__version__}|{SCHEMA_VERSION}|{book_fingerprint(book)}|{code_stamp()}".encode())
    return h.hexdigest()


def record_also(doc: Any, data: bytes, sig: tuple[int, int]) -> DocRecord:
    """The index record of a document parsed for lint (``also`` of
    :func:`specbook.lint.run.lint_files`)."""
    return record_of(doc, data, sig[0], sig[1])


class Rebuilding:
    """The book's own index (``.specbook/index.db``) made from scratch in the lint
    cache's write transaction, batch by batch as the worker processes parse (a
    :class:`specbook.lint.run.Sink`): the index's rows are written while the workers
    parse, not after them. It takes the batches only when, under the write lock, the
    index is still to be rebuilt (``full``, or its key differs) and the files are the
    whole book; otherwise the caller writes what was parsed its own way. ``count``:
    the records put; ``done``: committed. ``search``: see :meth:`Store.put_many`."""

    def __init__(self, book: Book, *, full: bool = False, search: bool = True) -> None:
        self.book = book
        self.full = full
        self.search = search
        self.done = False
        self.count = 0
        self._loading: Any = None

    def open(self, db: Any, rels: Sequence[str]) -> bool:
        from specbook.store.sqlite import SQLiteStore

        book = self.book
        assert book.config.root is not None  # (a book with a lint cache has a folder)
        store = SQLiteStore.borrowing(db, snapshot_path(book.config.root), book.config.name)
        key = index_key(book)
        if not self.full and store.get_meta("key") == key:
            return False  # (current: another process rebuilt it meanwhile)
        if set(rels) != {book.rel(p) for p in book.path_strings()}:
            return False  # (not the whole book)
        store.clear()
        store.set_meta("key", key)
        self._store = store
        self._loading = store.loading(self.search)
        return True

    def put(self, answers: list[Any]) -> None:
        records = [r for r in answers if isinstance(r, DocRecord)]
        self._loading.put(records)
        self.count += len(records)

    def finish(self) -> None:
        self._loading.finish()
        store = self._store
        # Readers (the portal) keep derived data per generation.
        store.set_meta("generation", str(int(store.get_meta("generation") or 0) + 1))


def streams_into(store: Store, book: Book) -> bool:
    """Whether ``store`` is the book's own index, in the file of its lint cache (which
    a :class:`Rebuilding` writes through)."""
    from specbook.store.sqlite import SQLiteStore

    root = book.config.root
    return (
        isinstance(store, SQLiteStore)
        and root is not None
        and store.path == str(snapshot_path(root))
    )


def _linted_records(
    book: Book,
    todo: Sequence[tuple[str, str]],
    jobs: int | None,
    progress: Progress | None,
    sink: Rebuilding | None = None,
) -> dict[str, DocRecord]:
    """The records of ``todo``, each file parsed once and linted with the book's rules
    (its findings saved in the lint cache) on the way; with ``sink``, given to it as
    they come (see :class:`Rebuilding`)."""
    from specbook.lint.engine import Linter
    from specbook.lint.run import lint_parsed

    if not todo:
        return {}
    out = _stored_records(book, todo)
    rest = [(p, rel) for p, rel in todo if rel not in out]
    if rest:
        found = lint_parsed(book, Linter(book.config), rest, record_also, jobs, progress, sink)
        out.update((rel, r) for rel, r in found.items() if isinstance(r, DocRecord))
    return out


def _stored_records(book: Book, todo: Sequence[tuple[str, str]]) -> dict[str, DocRecord]:
    """The records of the files of ``todo`` whose parse the lint cache holds for their
    current bytes (a `lint FILE` linted them and left the index to this sync): made
    from that parse, not parsed again. Only for fewer files than are parsed in worker
    processes (a rebuild's thousands are parsed there, as before, not loaded here one
    by one and all held at once)."""
    from specbook.core import stored
    from specbook.lint.run import StoredDocuments

    if len(todo) >= PARALLEL_THRESHOLD:
        return {}
    reader = StoredDocuments(book)
    try:
        held = reader.rows([rel for _, rel in todo])
    finally:
        reader.close()
    out: dict[str, DocRecord] = {}
    for path, rel in todo:
        hit = held.get(rel)
        if hit is None:
            continue
        got = read_document(book.config, path, rel)
        if got is None or source_hash(got[1], got[2]) != hit[0]:
            continue  # (changed since it was linted: parsed again)
        doc = stored.load(hit[1], got[1], got[2], scan.revive)
        if doc is not None:
            out[rel] = record_of(doc, got[1], *got[0])
    return out


# Up to this many records, index_parsed looks up each one's row rather than read all.
_FEW = 64


def index_parsed(
    store: Store,
    book: Book,
    records: Sequence[DocRecord],
    rebuild: bool = True,
    search: bool = True,
) -> int:
    """Put ``records`` (of documents a lint parsed) into ``store``, so that the next
    sync need not parse them again: those that differ from what it holds when it is
    current otherwise (same key), or (with ``rebuild``) all of them, from scratch, when
    it is not and they are the whole book. Returns how many were put. With ``search``
    false, a store built from scratch leaves its search tables to the first search
    (see :meth:`Store.put_many`)."""
    if not records:
        return 0
    key = index_key(book)
    if not rebuild and store.get_meta("key") != key:
        return 0
    with store.transaction():
        if store.get_meta("key") != key:
            if not rebuild or {r.path for r in records} != {
                book.rel(p) for p in book.path_strings()
            }:
                return 0  # (not the whole book: the next sync rebuilds it)
            store.clear()
            store.set_meta("key", key)
            fresh = list(records)
        else:
            # (a few records: only their rows, a query each; a one-file lint in a
            # 10,000-document book reads one row, not the book's)
            few = len(records) <= _FEW
            stored = store.stored_files([r.path for r in records] if few else None)
            fresh = [
                r
                for r in records
                if (old := stored.get(r.path)) is None
                or (old.hash, old.mtime_ns, old.size) != (r.hash, r.mtime_ns, r.size)
            ]
        store.put_many(fresh, search=search)
        if fresh:
            store.set_meta("generation", str(int(store.get_meta("generation") or 0) + 1))
    return len(fresh)


def _record(config: BookConfig, path: str, rel: str) -> DocRecord | None:
    got = read_document(config, path, rel)
    if got is None:
        return None  # vanished or unreadable: treated as gone
    (mtime_ns, size), data, sidecars = got
    return record_of(parse(data, rel, config, sidecars), data, mtime_ns, size)


_WORKER: dict[str, Any] = {}


def _init_worker(config: BookConfig) -> None:
    _WORKER["config"] = config


def _record_chunk(items: list[tuple[str, str]]) -> list[DocRecord | None]:
    config: BookConfig = _WORKER["config"]
    return [_record(config, p, rel) for p, rel in items]


def _records(
    config: BookConfig,
    todo: Sequence[tuple[str, str]],
    jobs: int | None,
    progress: Progress | None,
) -> list[DocRecord]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    out: list[DocRecord | None] = []
    if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
        from concurrent.futures import ProcessPoolExecutor  # only big syncs pay for it

        size = max(32, len(todo) // (workers * 8))
        chunks = [list(todo[i : i + size]) for i in range(0, len(todo), size)]
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(config,)
        ) as pool:
            for part in pool.map(_record_chunk, chunks):
                out.extend(part)
                if progress:
                    progress(len(out), len(todo))
    else:
        for path, rel in todo:
            out.append(_record(config, path, rel))
            if progress:
                progress(len(out), len(todo))
    return [r for r in out if r is not None]


def _plan(
    book: Book, stored: dict[str, Any]
) -> tuple[list[tuple[str, str]], list[tuple[str, int, int]], list[str], int]:
    """(files to parse, (rel, mtime, size) to touch, rels to delete, files seen)."""
    todo: list[tuple[str, str]] = []
    touch: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    paths = book.path_strings()
    sidecars = bool(book.config.sidecar_kinds)
    for path in paths:
        rel = book.rel(path)
        seen.add(rel)
        old = stored.get(rel)
        if old is None:
            todo.append((path, rel))
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue  # gone since the listing: deleted below
        sig = (st.st_mtime_ns, st.st_size)
        if sidecars:  # a sidecar's change is its document's
            sig = signature(book.config, rel, *sig)
        if sig == (old.mtime_ns, old.size):
            continue
        got = read_document(book.config, path, rel)
        if got is None:
            continue
        if source_hash(got[1], got[2]) == old.hash:
            touch.append((rel, *got[0]))
        else:
            todo.append((path, rel))
    gone = [rel for rel in stored if rel not in seen]
    return todo, touch, gone, len(paths)


def sync(
    store: Store,
    book: Book,
    *,
    full: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    search: bool = True,
) -> SyncStats:
    """Bring ``store`` in step with ``book``'s files; ``full`` rebuilds from scratch.
    With ``search`` false (a caller that never searches the index, such as ``build``),
    an index made from scratch leaves its search tables to the first search, as a cold
    lint does (see :meth:`Store.put_many`), and tables so left are not built here."""
    key = index_key(book)
    first_rebuild = full or store.get_meta("key") != key
    # Look first without the write lock: nothing changed is the common case.
    generation = store.get_meta("generation")
    stored = {} if first_rebuild else store.stored_files()
    todo, touch, gone, seen = _plan(book, stored)
    if not first_rebuild and not todo and not touch and not gone:
        if search:
            store.ensure_search()  # (what a cold lint left to the first search)
        return SyncStats(seen, 0, 0, 0, seen, False)
    # Parse before the write lock (the lint cache shares the file), each file once; a
    # rebuild of many files written as they are parsed, in one transaction with the
    # lint cache's rows (under its write lock, taken first).
    sink = None
    if first_rebuild and len(todo) >= PARALLEL_THRESHOLD and streams_into(store, book):
        sink = Rebuilding(book, full=full, search=search)
    ready = _linted_records(book, todo, jobs, progress, sink)
    if sink is not None and sink.done:
        return SyncStats(seen, sink.count, 0, 0, seen - sink.count, True)
    with store.transaction():
        # again, under the write lock: another process may have synced meanwhile
        rebuild = full or store.get_meta("key") != key
        if rebuild:
            store.clear()
            store.set_meta("key", key)
        if rebuild != first_rebuild or (not rebuild and store.get_meta("generation") != generation):
            stored = store.stored_files()
            todo, touch, gone, seen = _plan(book, stored)
            ready = {}  # (what was parsed may be older than what is there now)
        elif rebuild:
            stored = {}
        records = [ready[rel] for _, rel in todo if rel in ready]
        missing = [(p, rel) for p, rel in todo if rel not in ready]
        # (files another process changed since the first look: parsed for the index only)
        records += _records(book.config, missing, jobs, None)
        store.delete(gone)
        for rel, mtime_ns, size in touch:
            store.touch(rel, mtime_ns, size)
        added = sum(1 for record in records if record.path not in stored)
        store.put_many(records, search=search)
        if search:
            store.ensure_search()
        if records or gone:
            # Readers (the portal) keep derived data per generation.
            store.set_meta("generation", str(int(store.get_meta("generation") or 0) + 1))
    updated = len(records) - added
    unchanged = seen - len(records) - len(touch)
    return SyncStats(seen, added, updated, len(gone), unchanged, rebuild)
