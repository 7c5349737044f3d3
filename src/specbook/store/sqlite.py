"""The SQLite backend of the store: ``.specbook/index.db`` (WAL, FTS5).

One row per document (with its headings' outline) plus child tables for what commands
query (requirements, typed references, review rows, findings), and an
FTS5 table over ID, title and text ranked by bm25 with the title weighted highest. The
FTS table stems (Porter over unicode61 without diacritics: ``sandbox`` finds
"Sandboxing", ``cafe`` finds "café"); a second one, unstemmed, answers quoted words and
phrases, which match only as written.
A database written by another schema version is rebuilt, never migrated in place:
the files are the source of truth and the index is only a cache of them.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from specbook.core.errors import SpecbookError
from specbook.core.state import discard_damaged, make_state_dir, opened_snapshot
from specbook.lint.finding import Finding
from specbook.store.base import (
    SCHEMA_VERSION,
    DocSummary,
    Hit,
    RefEdge,
    StoredFile,
    edges_by_target,
)
from specbook.store.query import (
    Query,
    QueryError,
    best_line,
    filter_sql,
    fts5_exact_conditions,
    fts5_expression,
    match_pattern,
)
from specbook.store.records import DocRecord, filter_key, read_outline
from specbook.store.schema import child_tables, sqlite_ddl

# Weights of the FTS columns id, title, body: a title match outranks body matches.
RANK = "bm25(6.0, 10.0, 1.0)"

_SCHEMA = sqlite_ddl(RANK)  # (the same tables as PostgreSQL's: see store/schema.py)
_TABLES = ("fts", "fts_exact", *reversed(child_tables()), "documents", "meta")
# tables an index of an older schema may still hold (dropped with the rest when the
# schema changes)
_RETIRED = ("fields", "sections", "checklists")
_CHILD_INDEXES = tuple(
    stmt
    for stmt in _SCHEMA
    if stmt.startswith("CREATE INDEX") and stmt.split()[4].split("(")[0] in child_tables()
)

# Up to this many documents, put_findings looks up each one's row rather than read all.
_FEW_FINDINGS = 64

# A meta key: the search tables are to be built from the documents' rows (a cold lint
# leaves them to the first search; see SQLiteStore.put_many).
_SEARCH_PENDING = "search-pending"

# the columns of a stored finding, in the order of Finding's fields (f: findings, d: its
# document; ``file`` is NULL when the finding stands in the document itself)
_FINDING = (
    "f.rule, f.name, f.severity, coalesce(f.file, d.path), d.id, f.line, f.col,"
    " f.end_line, f.end_col, f.message"
)


class StoreError(SpecbookError):
    """The index cannot be opened or written; the message names the file."""


class SQLiteStore:
    """The index of one book in one SQLite file (or ``:memory:``)."""

    def __init__(
        self, path: Path | str, check_same_thread: bool = True, book: str | None = None
    ) -> None:
        """``book`` is the book's name: a reference naming it (``name:SPEC-001``) is
        one within the book."""
        self.path = str(path)
        self.book = book
        self._same_thread = check_same_thread
        self._borrowed = False
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            # Not a database (or damaged): it is only a cache, so start it afresh. (Not
            # a lock or a full disk: those leave a sound file that another process uses.)
            if self.path == ":memory:" or not discard_damaged(self.path, exc):
                raise StoreError(f"{self.path}: cannot open the index ({exc})") from exc
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            make_state_dir(Path(self.path).parent)
            opened_snapshot(self.path)
        try:
            db = sqlite3.connect(
                self.path,
                isolation_level=None,
                timeout=30.0,
                check_same_thread=self._same_thread,
            )
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot open the index ({exc})") from exc
        db.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        self._ensure_schema(db)
        return db

    @classmethod
    def borrowing(
        cls, db: sqlite3.Connection, path: Path | str, book: str | None = None
    ) -> SQLiteStore:
        """The index in the file another connection ``db`` has open, written through
        that connection (inside its transaction, if it has one open: the lint cache's,
        so that the cache's rows and the index's are one transaction). The schema is
        made there if it is missing or old. :meth:`close` leaves ``db`` open. Raises
        :class:`sqlite3.Error` when the schema cannot be read or made."""
        store = cls.__new__(cls)
        store.path = str(path)
        store.book = book
        store._same_thread = True
        store._borrowed = True
        store._db = db
        cls._ensure_schema(db)
        return store

    @staticmethod
    def _ensure_schema(db: sqlite3.Connection) -> None:
        version: Any = None
        with contextlib.suppress(sqlite3.OperationalError):
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            version = row[0] if row else None
        if version == str(SCHEMA_VERSION):
            return
        outer = db.in_transaction  # (a borrowed connection's: see borrowing)
        if not outer:
            db.execute("BEGIN IMMEDIATE")
        try:
            for table in (*_TABLES, *_RETIRED):
                db.execute(f"DROP TABLE IF EXISTS {table}")
            for stmt in _SCHEMA:
                db.execute(stmt)
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            if not outer:
                db.execute("COMMIT")
        except BaseException:
            if not outer:
                db.execute("ROLLBACK")
            raise

    # -- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside are one transaction: a sync is all or nothing."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def clear(self) -> None:
        self._db.execute("INSERT INTO fts(fts) VALUES ('delete-all')")
        self._db.execute("INSERT INTO fts_exact(fts_exact) VALUES ('delete-all')")
        for table in _TABLES[2:-1]:
            self._db.execute(f"DELETE FROM {table}")
        self._db.execute("DELETE FROM meta WHERE key = ?", (_SEARCH_PENDING,))

    def _search_pending(self) -> bool:
        """Whether the search tables are still to be built from the documents' rows."""
        row = self._db.execute("SELECT 1 FROM meta WHERE key = ?", (_SEARCH_PENDING,)).fetchone()
        return row is not None

    def ensure_search(self) -> None:
        """Build the search tables from the documents' rows if a cold lint left them to
        the first search (see :meth:`put_many`). Raises :class:`StoreError` when the
        file cannot be written."""
        if not self._search_pending():
            return
        db = self._db
        outer = db.in_transaction
        try:
            if not outer:
                db.execute("BEGIN IMMEDIATE")
            try:
                if self._search_pending():  # (another process may have built them)
                    for table in ("fts", "fts_exact"):
                        db.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
                    db.execute("DELETE FROM meta WHERE key = ?", (_SEARCH_PENDING,))
            except BaseException:
                if not outer:
                    db.execute("ROLLBACK")
                raise
            if not outer:
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: cannot build the search index ({exc}); run `specbook index`"
            ) from exc

    def stored_files(self, paths: Iterable[str] | None = None) -> dict[str, StoredFile]:
        """``path -> (mtime, size, hash)`` of every document held, or of those of
        ``paths`` that are held (a one-file lint asks for one row, not the book's)."""
        if paths is not None:
            found: dict[str, StoredFile] = {}
            for path in paths:
                row = self._db.execute(
                    "SELECT mtime_ns, size, hash FROM documents WHERE path = ?", (path,)
                ).fetchone()
                if row is not None:
                    found[path] = StoredFile(*row)
            return found
        return {
            p: StoredFile(m, s, h)
            for p, m, s, h in self._db.execute("SELECT path, mtime_ns, size, hash FROM documents")
        }

    def delete(self, paths: Iterable[str]) -> None:
        db = self._db
        pending = self._search_pending()  # (then the search tables hold none of them)
        for path in paths:
            row = db.execute(
                "SELECT docid, coalesce(id, ''), title, body FROM documents WHERE path = ?",
                (path,),
            ).fetchone()
            if row is not None:
                # External-content FTS forgets a row when told its old text.
                for table in () if pending else ("fts", "fts_exact"):
                    db.execute(
                        f"INSERT INTO {table}({table}, rowid, id, title, body)"
                        " VALUES ('delete', ?, ?, ?, ?)",
                        row,
                    )
                db.execute("DELETE FROM documents WHERE docid = ?", (row[0],))

    def touch(self, path: str, mtime_ns: int, size: int) -> None:
        self._db.execute(
            "UPDATE documents SET mtime_ns = ?, size = ? WHERE path = ?", (mtime_ns, size, path)
        )

    def put(self, r: DocRecord) -> None:
        self.put_many([r])

    def put_many(self, records: Iterable[DocRecord], search: bool = True) -> None:
        """Replace the documents at the records' paths: one statement per table for all
        of them (a cold build's 10,000 documents and 800,000 child rows), not one per
        document and table.

        With ``search`` false, into an empty index (a cold lint), the search tables are
        left to the first search (:meth:`ensure_search`), which builds them from the
        documents' rows: tokenising every text twice was a third of a cold lint, and a
        CI job's lint never searches."""
        db = self._db
        records = list({r.path: r for r in records}.values())  # (a path twice: the last)
        if not records:
            return
        empty = db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None
        if not empty:
            self.delete([r.path for r in records])  # (an empty index has nothing to replace)
        if not search and empty:
            self.set_meta(_SEARCH_PENDING, "1")
        # docids given here, so that every child row can be made before any insert
        first = int(db.execute("SELECT coalesce(max(docid), 0) + 1 FROM documents").fetchone()[0])
        # Into empty tables, the child tables' indexes are made after their rows: one
        # sort each instead of an index insert per row (a cold build's 800,000 rows).
        later = _CHILD_INDEXES if empty and len(records) >= 256 else ()
        for stmt in later:
            db.execute(f"DROP INDEX IF EXISTS {stmt.split()[2]}")
        keyed = list(enumerate(records, first))
        self._insert(keyed)
        for stmt in later:
            db.execute(stmt)
        if not self._search_pending():  # (else built from these rows by the first search)
            self._insert_search(keyed)

    def loading(self, search: bool = True) -> Loading:
        """Fill this index, emptied by :meth:`clear` in the open transaction, batch by
        batch (:meth:`Loading.put`; a cold build's batches as the worker processes
        parse them, so that the writing overlaps the parsing), then
        :meth:`Loading.finish`. ``search`` as for :meth:`put_many`."""
        return Loading(self, search)

    def _insert(self, keyed: list[tuple[int, DocRecord]]) -> None:
        """Insert the rows of each ``(docid, record)`` but the search tables'."""
        db = self._db
        db.executemany(
            "INSERT INTO documents(docid, path, mtime_ns, size, hash, id, kind, title,"
            " title_line, status, status_canonical, status_key, type, type_key, date, modified,"
            " author, tags, body, outline) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    docid, r.path, r.mtime_ns, r.size, r.hash, r.id, r.kind, r.title,
                    r.title_line, r.status, r.status_canonical,
                    filter_key(r.status_canonical or r.status or ""), r.type,
                    filter_key(r.type or ""), r.date, r.modified, r.author,
                    "|" + "|".join(filter_key(t) for t in r.tags) + "|", r.body, r.outline,
                )
                for docid, r in keyed
            ],
        )  # fmt: skip
        db.executemany(
            "INSERT INTO requirements VALUES (?,?,?,?,?,?,?,?)",
            [(docid, *q) for docid, r in keyed for q in r.requirements],
        )
        db.executemany(
            "INSERT INTO refs VALUES (?,?,?,?,?,?,?,?,?)",
            [(docid, r.id, *ref) for docid, r in keyed for ref in r.references],
        )
        db.executemany(
            "INSERT INTO reviews VALUES (?,?,?,?,?,?)",
            [(docid, *v) for docid, r in keyed for v in r.reviews],
        )

    def _insert_search(self, keyed: list[tuple[int, DocRecord]]) -> None:
        texts = [(docid, r.id or "", r.title, r.body) for docid, r in keyed]
        for table in ("fts", "fts_exact"):
            self._db.executemany(
                f"INSERT INTO {table}(rowid, id, title, body) VALUES (?,?,?,?)", texts
            )

    def put_findings(self, hashes: dict[str, str], rows: Iterable[tuple[str, Finding]]) -> None:
        """Replace the findings of the documents in ``hashes`` (path -> the content hash
        they were computed for), given as ``(document path, finding)``; a finding's own
        path differs from its document's when it stands in a sidecar file. A document
        changed since is left without findings (and is not marked linted)."""
        db = self._db
        held: dict[str, tuple[int, str]] = {}  # path -> (docid, hash) of those held
        if len(hashes) <= _FEW_FINDINGS:
            for path in hashes:
                row = db.execute(
                    "SELECT docid, hash FROM documents WHERE path = ?", (path,)
                ).fetchone()
                if row is not None:
                    held[path] = (row[0], row[1])
        else:  # (a whole book's: one scan, not a query per document)
            held = {
                path: (docid, digest)
                for path, docid, digest in db.execute("SELECT path, docid, hash FROM documents")
                if path in hashes
            }
        if len(held) == self.count():  # (every document's: one statement)
            db.execute("DELETE FROM findings")
        else:
            db.executemany(
                "DELETE FROM findings WHERE docid = ?", [(docid,) for docid, _ in held.values()]
            )
        ids = {path: docid for path, (docid, digest) in held.items() if digest == hashes[path]}
        db.executemany(
            "INSERT OR REPLACE INTO linted VALUES (?,?)",
            [(docid, hashes[path]) for path, docid in ids.items()],
        )
        db.executemany(
            "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    ids[doc], hashes[doc], f.rule, f.name, f.severity, f.line, f.column,
                    f.message, None if f.path == doc else f.path, f.end_line, f.end_column,
                )
                for doc, f in rows
                if doc in ids
            ],
        )  # fmt: skip

    # -- reading ---------------------------------------------------------------------
    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def documents(self) -> list[DocSummary]:
        return [
            DocSummary(*row)
            for row in self._db.execute(
                "SELECT id, kind, title, status, status_canonical, type, path FROM documents"
                " ORDER BY path"
            )
        ]

    _LISTING = (
        "SELECT id, kind, title, status, status_canonical, type, path, date, modified, author,"
        " tags, mtime_ns, hash FROM documents"
    )
    _LISTING_KEYS = (
        "id", "kind", "title", "status", "status_canonical", "type", "path", "date",
        "modified", "author", "tags", "mtime_ns", "hash",
    )  # fmt: skip

    def _listing_row(self, row: tuple[Any, ...]) -> dict[str, Any]:
        out = dict(zip(self._LISTING_KEYS, row, strict=True))
        out["tags"] = [t for t in str(out["tags"]).split("|") if t]
        return out

    def listing(self) -> list[dict[str, Any]]:
        """Every document as a dict of its header facts (tags as a list), by path."""
        return [self._listing_row(r) for r in self._db.execute(self._LISTING + " ORDER BY path")]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The header facts of the document with ID ``doc_id`` (the first by path)."""
        row = self._db.execute(
            self._LISTING + " WHERE id = ? ORDER BY path LIMIT 1", (doc_id,)
        ).fetchone()
        return None if row is None else self._listing_row(row)

    def documents_with_id(self, doc_id: str) -> list[dict[str, Any]]:
        """The header facts of every document with ID ``doc_id`` (more than one when
        documents share it), by path."""
        return [
            self._listing_row(r)
            for r in self._db.execute(self._LISTING + " WHERE id = ? ORDER BY path", (doc_id,))
        ]

    def reviews(self, paths: Iterable[str]) -> dict[str, list[tuple[str, str, str, str, int]]]:
        """Review History rows (date, reviewer, status, feedback, line) of ``paths``."""
        out: dict[str, list[tuple[str, str, str, str, int]]] = {}
        for path in paths:
            out[path] = [
                tuple(r)
                for r in self._db.execute(
                    "SELECT v.date, v.reviewer, v.status, v.feedback, v.line FROM reviews v"
                    " JOIN documents d ON d.docid = v.docid WHERE d.path = ? ORDER BY v.line",
                    (path,),
                )
            ]
        return out

    def sections(self, path: str) -> list[tuple[int, str, int, int]]:
        """(level, title, line, end line) of every heading of ``path``, in order."""
        row = self._db.execute("SELECT outline FROM documents WHERE path = ?", (path,)).fetchone()
        return read_outline(None if row is None else row[0])

    def finding_counts(self) -> dict[str, int]:
        """Current findings by severity (only those computed for the current content)."""
        return {
            sev: n
            for sev, n in self._db.execute(
                "SELECT f.severity, count(*) FROM findings f JOIN documents d"
                " ON d.docid = f.docid AND d.hash = f.hash GROUP BY f.severity"
            )
        }

    @staticmethod
    def _filters(q: Query) -> tuple[str, list[Any]]:
        return filter_sql(q, "?")

    def search(self, query: Query, limit: int = 20) -> list[Hit]:
        db = self._db
        where, params = self._filters(query)
        if not query.has_terms:
            listed = db.execute(
                "SELECT d.id, d.title, d.status, d.path, d.title_line FROM documents d"
                " WHERE 1" + where + " ORDER BY d.kind, d.id, d.path LIMIT ?",
                (*params, limit),
            ).fetchall()
            return [Hit(i, t, s, p, line, "", 0.0) for i, t, s, p, line in listed]
        self.ensure_search()
        expr = fts5_expression(query)
        exact, exact_params = "", list[str]()
        if query.has_exact:
            # the stemmed match also finds other forms of the quoted words: keep the
            # documents that hold them as written
            # (`+`: the IN must not become a rowid constraint of the fts scan, which runs
            # the MATCH again for each listed rowid: 3 s for a common phrase in 3,000
            # documents, 25 s in 10,000, against 10 ms)
            cond, exact_params = fts5_exact_conditions(query, "+fts.rowid")
            exact = " AND " + cond
        try:
            top = db.execute(
                "SELECT fts.rowid, fts.rank FROM fts JOIN documents d ON d.docid = fts.rowid"
                " WHERE fts MATCH ?" + exact + where + " ORDER BY fts.rank LIMIT ?",
                (expr, *exact_params, *params, limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:  # should not happen: every word is quoted
            raise QueryError(f"search query {query.text!r} cannot be run: {exc}") from exc
        pattern = match_pattern(query)
        rows: dict[int, tuple[Any, ...]] = {
            row[0]: row[1:]
            for row in db.execute(
                "SELECT docid, id, title, status, path, title_line, body FROM documents"
                f" WHERE docid IN ({','.join('?' * len(top))})",
                [docid for docid, _ in top],
            )
        }
        hits = []
        for docid, rank in top:
            doc_id, title, status, path, title_line, body = rows[docid]
            line, snippet = best_line(body, pattern)
            if line == 0:  # matched in the ID or title only
                line, snippet = title_line, title
            hits.append(Hit(doc_id, title, status, path, line, snippet, -float(rank)))
        return hits

    def _edges(self, where: str, params: tuple[Any, ...]) -> list[RefEdge]:
        return [
            RefEdge(*row)
            for row in self._db.execute(
                "SELECT r.source, d.path, r.target, r.requirement, r.type, r.section, r.line,"
                " r.text, r.target_book FROM refs r JOIN documents d ON d.docid = r.docid"
                f" WHERE {where} ORDER BY r.source, d.path, r.line",
                params,
            )
        ]

    def outgoing(self, doc_id: str) -> list[RefEdge]:
        return self._edges("r.source = ?", (doc_id,))

    def incoming(self, doc_id: str) -> list[RefEdge]:
        """References to ``doc_id`` in this book (not those naming another book)."""
        return self._edges(
            "r.target = ? AND (r.target_book IS NULL OR r.target_book = ?)", (doc_id, self.book)
        )

    def incoming_by_target(self) -> dict[str, list[RefEdge]]:
        """:meth:`incoming` of every ID at once (one query, not one per document):
        referenced ID -> the references to it, in the order :meth:`incoming` gives."""
        return edges_by_target(
            self._edges("r.target_book IS NULL OR r.target_book = ?", (self.book,))
        )

    def references(self) -> Iterator[RefEdge]:
        yield from self._edges("1", ())

    def requirements(self, doc_id: str | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT d.id, d.path, q.req_id, q.kind, q.text, q.criteria, q.target, q.section,"
            " q.line FROM requirements q JOIN documents d ON d.docid = q.docid"
        )
        params: tuple[Any, ...] = ()
        if doc_id is not None:
            sql += " WHERE d.id = ?"
            params = (doc_id,)
        keys = ("doc_id", "path", "id", "kind", "text", "criteria", "target", "section", "line")
        return [dict(zip(keys, row, strict=True)) for row in self._db.execute(sql, params)]

    def findings(self, path: str | None = None) -> list[Finding]:
        sql = (
            f"SELECT {_FINDING} FROM findings f"
            " JOIN documents d ON d.docid = f.docid AND d.hash = f.hash"
        )
        params: tuple[Any, ...] = ()
        if path is not None:
            sql += " WHERE d.path = ?"
            params = (path,)
        return [
            Finding(*row)
            for row in self._db.execute(f"{sql} ORDER BY d.path, f.line, f.rowid", params)
        ]

    def document_findings(self, path: str, digest: str) -> list[Finding] | None:
        """The findings stored for the document at ``path`` with content hash ``digest``
        (as lint reports them, in lint's order); ``None`` when the store holds none
        computed for that content (not linted yet, or edited since)."""
        row = self._db.execute(
            "SELECT l.docid FROM linted l JOIN documents d ON d.docid = l.docid"
            " WHERE d.path = ? AND l.hash = ?",
            (path, digest),
        ).fetchone()
        if row is None:
            return None
        return [
            Finding(*found)
            for found in self._db.execute(
                f"SELECT {_FINDING} FROM findings f JOIN documents d ON d.docid = f.docid"
                " WHERE f.docid = ? AND f.hash = ? ORDER BY f.rowid",
                (row[0], digest),
            )
        ]

    def close(self) -> None:
        if not self._borrowed:
            self._db.close()


class Loading:
    """An emptied index filled batch by batch in one transaction (see
    :meth:`SQLiteStore.loading`): the child tables' indexes are made once, at
    :meth:`finish`, after their rows (one sort each, not an index insert per row)."""

    def __init__(self, store: SQLiteStore, search: bool) -> None:
        self._store = store
        self._next = 1
        self._paths: set[str] = set()
        db = store._db
        if db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None:
            raise StoreError(f"{store.path}: an index is loaded only once emptied")
        if not search:
            store.set_meta(_SEARCH_PENDING, "1")
        self._search = search
        for stmt in _CHILD_INDEXES:
            db.execute(f"DROP INDEX IF EXISTS {stmt.split()[2]}")

    def put(self, records: Iterable[DocRecord]) -> None:
        """Add ``records`` (a path already added is replaced)."""
        batch = list({r.path: r for r in records}.values())
        again = [r.path for r in batch if r.path in self._paths]
        if again:  # (not in a sync's batches, whose paths differ: kept correct anyway)
            db = self._store._db
            for path in again:  # (child rows by hand: the connection may not cascade)
                for table in child_tables():
                    db.execute(
                        f"DELETE FROM {table} WHERE docid IN"
                        " (SELECT docid FROM documents WHERE path = ?)",
                        (path,),
                    )
            self._store.delete(again)
        self._paths.update(r.path for r in batch)
        keyed = list(enumerate(batch, self._next))
        self._next += len(batch)
        self._store._insert(keyed)
        if self._search:
            self._store._insert_search(keyed)

    def finish(self) -> None:
        """Make the child tables' indexes."""
        for stmt in _CHILD_INDEXES:
            self._store._db.execute(stmt)
