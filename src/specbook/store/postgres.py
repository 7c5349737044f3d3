"""The PostgreSQL backend of the store: many books in one database (psycopg 3).

The same :class:`~specbook.store.base.Store` as the SQLite index, for an organisation
that keeps many books (repositories) in one database behind one portal:

- a ``books`` table (name, root of the working copy, meta) and one ``documents`` row per
  file with ``UNIQUE (book, path)``; the child tables (requirements,
  references, reviews, findings) hang off ``documents`` with
  ``ON DELETE CASCADE``, as in SQLite;
- full-text search on a ``tsvector`` column with a GIN index, built with the book's
  text-search configuration (:func:`ts_config`: ``english`` for ``[book] language =
  "en"``, ``simple`` for a language PostgreSQL has none for) from text folded the way
  SQLite's tokenizer reads it (no diacritics), so word forms match (``sandbox`` finds
  "Sandboxing"); quoted words and phrases match as written through a second,
  unstemmed vector (``tsx``, ``simple``); ID and title weighted ``A`` and the body
  ``D``; ranked by
  ``ts_rank`` with the title weighted highest, and a title that holds the whole query
  (found through a small ``head`` vector with its own index) ranked above every
  document that only mentions it; documents that only mention it are ranked among the
  first :data:`RANK_CANDIDATES` matches, so a word found in all 100,000 documents
  costs no more than a rare one; the hit's line and snippet come from the same
  :func:`~specbook.store.query.best_line` as SQLite's;
- versioned migrations (:data:`MIGRATIONS`), applied in order in one transaction under
  an advisory lock, so processes starting at once do not race; a database written by a
  newer specbook is refused with :class:`StoreError`;
- one connection pool per database URL in each process (``psycopg_pool``);
- a write :meth:`PostgresStore.transaction` holds the book's advisory lock, so two
  syncs of one book run one after the other and syncs of different books side by
  side; a sync is one transaction, all or nothing, also when its process is killed.

A store is opened for one book (``book="payments"``) and reads and writes that book
only, except that :meth:`PostgresStore.incoming` also returns references from other
books that name it (``payments:SPEC-004``). Opened with ``book=None`` it is read-only
and reads every book: listings and search cover all books (each hit and listing row
says its ``book``), and methods that take an ID or a path answer for the first book
(by name) that has it; writes raise :class:`StoreError`.

psycopg is imported only when a ``postgresql://`` URL is used.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from specbook import __version__
from specbook.core.errors import SpecbookError
from specbook.lint.finding import Finding
from specbook.store.base import DocSummary, Hit, RefEdge, StoredFile, edges_by_target
from specbook.store.query import (
    Query,
    QueryError,
    best_line,
    filter_sql,
    fold,
    match_pattern,
    tsquery_exact_conditions,
    tsquery_expression,
)
from specbook.store.records import DocRecord, filter_key, read_outline
from specbook.store.schema import postgres_ddl

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

# ts_rank's weights for the labels {D, C, B, A}: body D, ID and title A.
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
FLUSH_EVERY = 500  # documents buffered before they are copied in
POOL_MAX = int(os.environ.get("SPECBOOK_DB_POOL", "8"))
CONNECT_TIMEOUT = 10
# pg_advisory_xact_lock keys: migrations take one 64-bit key; a book's writers take
# (BOOK_LOCK, hashtext(name)), which never equals the migration key.
MIGRATION_LOCK = 0x73706563_626F6F6B  # "specbook"
BOOK_LOCK = 0x73706562

_V1 = """
CREATE TABLE books(
    name text PRIMARY KEY,
    root text,
    meta jsonb NOT NULL DEFAULT '{}'::jsonb);
CREATE TABLE documents(
    docid bigserial PRIMARY KEY,
    book text NOT NULL REFERENCES books(name) ON DELETE CASCADE,
    path text NOT NULL,
    mtime_ns bigint NOT NULL, size bigint NOT NULL, hash text NOT NULL,
    id text, kind text, title text NOT NULL, title_line integer NOT NULL,
    status text, status_canonical text, status_key text, type text, type_key text,
    date text, modified text, author text, tags text NOT NULL, body text NOT NULL,
    tsv tsvector NOT NULL,
    UNIQUE (book, path));
CREATE INDEX documents_book_id ON documents(book, id);
CREATE INDEX documents_id ON documents(id);
CREATE INDEX documents_tsv ON documents USING gin(tsv);
CREATE TABLE fields(docid bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    key text, name text, value text, source text, line integer);
CREATE INDEX fields_doc ON fields(docid);
CREATE TABLE sections(docid bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    ord integer, level integer, title text, template_name text, line integer,
    end_line integer, parent integer);
CREATE INDEX sections_doc ON sections(docid);
CREATE TABLE requirements(docid bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    req_id text, kind text, text text, criteria text, target text, section text,
    line integer);
CREATE INDEX requirements_doc ON requirements(docid);
CREATE TABLE refs(docid bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    source text, target text, requirement text, type text, section text, line integer,
    text text, target_book text);
CREATE INDEX refs_doc ON refs(docid);
CREATE INDEX refs_source ON refs(source);
CREATE INDEX refs_target ON refs(target);
CREATE TABLE checklists(docid bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    section text, total integer, done integer);
CREATE INDEX checklists_doc ON checklists(docid);
CREATE TABLE reviews(docid bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    date text, reviewer text, status text, feedback text, line integer);
CREATE INDEX reviews_doc ON reviews(docid);
CREATE TABLE findings(docid bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    hash text NOT NULL, rule text, name text, severity text, line integer, col integer,
    message text);
CREATE INDEX findings_doc ON findings(docid);
"""

# Migration steps, in order: (version, SQL). Append new steps; never edit a released one;
# and change store/schema.py alike, which a new database is made from (a test checks
# that both reach the same schema).
# 2: ``head``, the ID and title lexemes alone, with its own GIN index: title matches are
# found without reading any document's whole text vector.
_V2 = """
ALTER TABLE documents ADD COLUMN head tsvector;
UPDATE documents SET head = ts_filter(tsv, '{a}');
ALTER TABLE documents ALTER COLUMN head SET NOT NULL;
CREATE INDEX documents_head ON documents USING gin(head);
"""
# 3: the portal's signed-out sessions (by nonce, until the cookie's own expiry), shared
# by every server process of the database.
_V3 = """
CREATE TABLE portal_revoked(nonce text PRIMARY KEY, expires bigint NOT NULL);
CREATE INDEX portal_revoked_expires ON portal_revoked(expires);
"""
# 4: a finding keeps the sidecar file it stands in (``file``, NULL for the document);
# ``linted`` says which content of each document its findings were computed for (a
# document without findings has no rows to say it).
_V4 = """
ALTER TABLE findings ADD COLUMN file text;
CREATE TABLE linted(docid bigint PRIMARY KEY REFERENCES documents ON DELETE CASCADE,
    hash text NOT NULL);
"""
# 5: search finds word forms: each book has its text-search configuration (``tscfg``);
# ``tsv`` and ``head`` are built with it, and ``tsx`` keeps the unstemmed vector (the
# old ``tsv``) that quoted words and phrases are checked against. Existing rows keep
# their unstemmed vectors until their book is next indexed (the index key changed).
_V5 = """
ALTER TABLE books ADD COLUMN tscfg regconfig NOT NULL DEFAULT 'simple';
ALTER TABLE documents RENAME COLUMN tsv TO tsx;
DROP INDEX documents_tsv;
ALTER TABLE documents ADD COLUMN tsv tsvector;
UPDATE documents SET tsv = tsx;
ALTER TABLE documents ALTER COLUMN tsv SET NOT NULL;
CREATE INDEX documents_tsv ON documents USING gin(tsv);
"""
# 6: a finding keeps where it ends: the store gives back the linter's Finding whole.
_V6 = """
ALTER TABLE findings ADD COLUMN end_line integer;
ALTER TABLE findings ADD COLUMN end_col integer;
"""
# 7: no tables of fields, sections and checklists (nothing queried them; their rows
# were most of an index write): a document's headings are its ``outline``, which rows
# written before have empty until their book is next indexed (the index key changed).
_V7 = """
ALTER TABLE documents ADD COLUMN outline text;
DROP TABLE fields;
DROP TABLE sections;
DROP TABLE checklists;
"""
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, _V1), (2, _V2), (3, _V3), (4, _V4), (5, _V5), (6, _V6), (7, _V7),
)  # fmt: skip
# the columns of a stored finding, in the order of Finding's fields (f: findings, d: its
# document; ``file`` is NULL when the finding stands in the document itself)
_FINDING = (
    "f.rule, f.name, f.severity, coalesce(f.file, d.path), d.id, f.line, f.col,"
    " f.end_line, f.end_col, f.message"
)
# [book] language (ISO 639-1) -> PostgreSQL's text-search configuration for it
TS_CONFIGS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nb": "norwegian", "ne": "nepali", "nl": "dutch",
    "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
# Body-only matches are ranked among this many candidates: ranking reads each match's
# whole text vector, and a common word matches every document of every book.
RANK_CANDIDATES = 2000
SCHEMA_VERSION = MIGRATIONS[-1][0]

_DOC_COLUMNS = (
    "docid", "book", "path", "mtime_ns", "size", "hash", "id", "kind", "title", "title_line",
    "status", "status_canonical", "status_key", "type", "type_key", "date", "modified",
    "author", "tags", "body", "outline",
)  # fmt: skip
_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS specbook_stage("
    "docid bigint, book text, path text, mtime_ns bigint, size bigint, hash text, id text,"
    " kind text, title text, title_line integer, status text, status_canonical text,"
    " status_key text, type text, type_key text, date text, modified text, author text,"
    " tags text, body text, outline text, head_words text, body_words text)"
    " ON COMMIT DELETE ROWS"
)
_CHILDREN = (
    ("requirements", "docid, req_id, kind, text, criteria, target, section, line"),
    ("refs", "docid, source, target, requirement, type, section, line, text, target_book"),
    ("reviews", "docid, date, reviewer, status, feedback, line"),
)


class StoreError(SpecbookError):
    """The database cannot be reached, is of a newer schema, or refuses a write; the
    message names the database (never its password) and what to do."""


def is_postgres_url(text: str | None) -> bool:
    return bool(text) and re.match(r"postgres(?:ql)?://", text or "") is not None


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://***"
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _clean(url: str, text: str) -> str:
    """An error text without the URL's password, wherever the driver quoted it."""
    password = urlsplit(url).password if is_postgres_url(url) else None
    text = text.replace(url, redact(url))
    return text.replace(password, "***") if password else text


def _t(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL: a binary file's NULs become U+FFFD."""
    if value is not None and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


def _import_psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool
    except ImportError as exc:
        raise StoreError(
            "a postgresql:// database needs psycopg: pip install 'specbook[postgres]'"
        ) from exc
    return psycopg, psycopg_pool


# -- pools and migrations ------------------------------------------------------------------
_POOLS: dict[str, tuple[int, ConnectionPool]] = {}
_POOLS_LOCK = threading.Lock()


def _connect_error(url: str, exc: Exception) -> StoreError:
    return StoreError(
        f"cannot reach the database {redact(url)}: {_clean(url, str(exc)).strip()}; check "
        "the URL (--db, SPECBOOK_DB or [index] db) and that the server is running"
    )


def migrate(conn: psycopg.Connection[Any]) -> int:
    """Bring the database's schema to :data:`SCHEMA_VERSION`, one step after another in
    one transaction under an advisory lock. Returns the version found before.

    Raises :class:`StoreError` when the database is newer than this specbook."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version(version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now(), specbook text NOT NULL)"
        )
        row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        found = int(row[0]) if row else 0
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"the database has schema version {found}, newer than this specbook "
                f"{__version__} knows ({SCHEMA_VERSION}): upgrade specbook "
                "(pip install -U 'specbook[postgres]') to use it"
            )
        if found == 0:
            # a new database: the schema the migrations reach, from the one definition
            # SQLite's index is rendered from too (store/schema.py)
            for stmt in postgres_ddl():
                conn.execute(stmt.encode())
        for version, sql in MIGRATIONS:
            if version > found:
                if found > 0:
                    conn.execute(sql.encode())
                conn.execute(
                    "INSERT INTO schema_version(version, specbook) VALUES (%s, %s)",
                    (version, __version__),
                )
    return found


def pool_for(url: str) -> ConnectionPool:
    """The process's connection pool for ``url``, created (and the schema migrated)
    on first use. A forked child gets its own pool, never its parent's sockets."""
    psycopg, psycopg_pool = _import_psycopg()
    with _POOLS_LOCK:
        got = _POOLS.get(url)
        if got is not None and got[0] == os.getpid():
            return got[1]
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                migrate(conn)
        except psycopg.Error as exc:
            raise _connect_error(url, exc) from None
        pool: ConnectionPool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=max(POOL_MAX, 1),
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            open=True,
            name="specbook",
        )
        if not _POOLS:
            atexit.register(close_pools, None)
        _POOLS[url] = (os.getpid(), pool)
        return pool


def close_pools(url: str | None = None) -> None:
    """Close this process's pool for ``url``, or every pool (at exit)."""
    with _POOLS_LOCK:
        for key in [url] if url is not None else list(_POOLS):
            got = _POOLS.pop(key, None)
            if got is not None and got[0] == os.getpid():
                got[1].close()


class PostgresRevocations:
    """The portal's sign-outs in the shared database (``serve --db``): a signed-out
    cookie is refused by every server process on it, after restarts too."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool = pool_for(url)

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        psycopg, _ = _import_psycopg()
        try:
            with self._pool.connection() as conn:
                cur = conn.execute(sql, params)
                return cur.fetchall() if cur.description else []
        except psycopg.OperationalError as exc:
            raise _connect_error(self.url, exc) from None

    def revoke(self, nonce: str, expires: int) -> None:
        self._run("DELETE FROM portal_revoked WHERE expires < %s", (int(time.time()),))
        self._run(
            "INSERT INTO portal_revoked(nonce, expires) VALUES (%s, %s)"
            " ON CONFLICT (nonce) DO NOTHING",
            (nonce, expires),
        )

    def is_revoked(self, nonce: str) -> bool:
        return bool(self._run("SELECT 1 FROM portal_revoked WHERE nonce = %s", (nonce,)))


def ts_config(conn: psycopg.Connection[Any], language: str) -> str:
    """The text-search configuration for ``language`` (``en``, or a configuration's
    own name such as ``english``) that the server has, else ``simple`` (no stemming)."""
    name = TS_CONFIGS.get(language.lower(), language.lower())
    row = conn.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", (name,)).fetchone()
    return name if row else "simple"


# -- the store -----------------------------------------------------------------------------
class PostgresStore:
    """The index of one book in a shared PostgreSQL database (see the module docstring).

    ``book=None`` opens every book, read-only. ``root`` is recorded as the book's
    working copy when the book is written. Raises :class:`StoreError` when the
    database cannot be reached or is newer than this specbook.
    """

    def __init__(
        self, url: str, book: str | None, root: str | None = None, language: str | None = None
    ) -> None:
        if book is not None and not book.strip():
            raise StoreError("a book name cannot be empty; give --book NAME")
        self.url = url
        self.book = book
        self.root = root
        self.language = language
        self._tscfg = "simple"  # the book's, read when a transaction starts
        self._pool = pool_for(url)
        self._local = threading.local()
        self._pending: list[DocRecord] = []

    def __repr__(self) -> str:
        return f"PostgresStore({redact(self.url)!r}, book={self.book!r})"

    # -- connections -----------------------------------------------------------------
    def _tx(self) -> psycopg.Connection[Any] | None:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        return conn

    @contextlib.contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        """The transaction's connection inside :meth:`transaction`, else a pooled one."""
        conn = self._tx()
        if conn is not None:
            self._flush()
            yield conn
            return
        psycopg, _ = _import_psycopg()
        try:
            with self._pool.connection() as pooled:
                yield pooled
        except psycopg.OperationalError as exc:
            raise _connect_error(self.url, exc) from None

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            return conn.execute(sql, params).fetchall()

    def _writable(self) -> str:
        if self.book is None:
            raise StoreError(
                "this store reads every book and cannot write; open it for one book (--book)"
            )
        return self.book

    @contextlib.contextmanager
    def _writing(self) -> Iterator[psycopg.Connection[Any]]:
        """The transaction's connection; a write outside one is its own transaction."""
        conn = self._tx()
        if conn is not None:
            yield conn
            return
        with self.transaction():
            conn = self._tx()
            assert conn is not None
            yield conn

    # -- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside are one transaction: a sync is all or nothing. Holds the
        book's lock, so another writer of the same book waits for the commit."""
        book = self._writable()
        if self._tx() is not None:
            yield  # nested: part of the outer transaction
            return
        psycopg, _ = _import_psycopg()
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (BOOK_LOCK, book))
                cfg = None if self.language is None else ts_config(conn, self.language)
                row = conn.execute(
                    "INSERT INTO books(name, root, tscfg) VALUES (%s, %s,"
                    " coalesce(%s, 'simple')::regconfig) ON CONFLICT (name)"
                    " DO UPDATE SET root = coalesce(EXCLUDED.root, books.root),"
                    " tscfg = coalesce(%s::regconfig, books.tscfg) RETURNING tscfg::text",
                    (book, self.root, cfg, cfg),
                ).fetchone()
                self._tscfg = str(row[0]) if row else "simple"
                self._local.conn = conn
                self._pending = []
                try:
                    yield
                    self._flush()
                finally:
                    self._local.conn = None
                    self._pending = []
        except psycopg.OperationalError as exc:
            raise _connect_error(self.url, exc) from None

    def get_meta(self, key: str) -> str | None:
        if self.book is None:
            return None
        rows = self._rows("SELECT meta ->> %s FROM books WHERE name = %s", (key, self.book))
        return None if not rows or rows[0][0] is None else str(rows[0][0])

    def set_meta(self, key: str, value: str) -> None:
        book = self._writable()
        with self._writing() as conn:
            conn.execute(
                "UPDATE books SET meta = meta || jsonb_build_object(%s::text, %s::text)"
                " WHERE name = %s",
                (key, value, book),
            )

    def clear(self) -> None:
        """Forget every document of this book (other books are untouched)."""
        book = self._writable()
        self._pending = []
        with self._writing() as conn:
            conn.execute("DELETE FROM documents WHERE book = %s", (book,))

    def stored_files(self, paths: Iterable[str] | None = None) -> dict[str, StoredFile]:
        """``path -> (mtime, size, hash)`` of every document of the book held, or of
        those of ``paths`` that are held."""
        if paths is not None:
            return {
                p: StoredFile(m, s, h)
                for p, m, s, h in self._rows(
                    "SELECT path, mtime_ns, size, hash FROM documents"
                    " WHERE book = %s AND path = ANY(%s)",
                    (self._writable(), list(paths)),
                )
            }
        return {
            p: StoredFile(m, s, h)
            for p, m, s, h in self._rows(
                "SELECT path, mtime_ns, size, hash FROM documents WHERE book = %s",
                (self._writable(),),
            )
        }

    def delete(self, paths: Iterable[str]) -> None:
        book = self._writable()
        paths = list(paths)
        if not paths:
            return
        with self._writing() as conn:
            self._flush()
            conn.execute("DELETE FROM documents WHERE book = %s AND path = ANY(%s)", (book, paths))

    def touch(self, path: str, mtime_ns: int, size: int) -> None:
        book = self._writable()
        with self._writing() as conn:
            self._flush()
            conn.execute(
                "UPDATE documents SET mtime_ns = %s, size = %s WHERE book = %s AND path = %s",
                (mtime_ns, size, book, path),
            )

    def put(self, r: DocRecord) -> None:
        """Replace the document at ``r.path``. Inside a transaction documents are
        buffered and copied in batches; a read in the transaction sees them."""
        self._writable()
        if self._tx() is None:
            with self.transaction():
                self._pending.append(r)
            return
        self._pending.append(r)
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def put_many(self, records: Iterable[DocRecord], search: bool = True) -> None:
        """:meth:`put` each record (buffered and copied in batches all the same; the
        search vectors are made with the rows, whatever ``search`` says)."""
        for r in records:
            self.put(r)

    def ensure_search(self) -> None:
        """Nothing to do: the search vectors are made with the rows."""

    def _flush(self) -> None:
        """Copy the buffered documents in: one staging COPY, one INSERT computing the
        search vectors on the server, one COPY per child table."""
        conn = self._tx()
        if not self._pending or conn is None:
            return
        book = self._writable()
        latest = {r.path: r for r in self._pending}  # a path put twice: the last wins
        self._pending = []
        records = list(latest.values())
        conn.execute(
            "DELETE FROM documents WHERE book = %s AND path = ANY(%s)", (book, list(latest))
        )
        ids = [
            int(row[0])
            for row in conn.execute(
                "SELECT nextval(pg_get_serial_sequence('documents', 'docid'))"
                " FROM generate_series(1, %s)",
                (len(records),),
            )
        ]
        conn.execute(_STAGE)
        with conn.cursor() as cur:
            with cur.copy(
                "COPY specbook_stage (" + ", ".join(_DOC_COLUMNS) + ", head_words, body_words)"
                " FROM STDIN"
            ) as copy:
                for docid, r in zip(ids, records, strict=True):
                    body = _t(r.body) or ""
                    copy.write_row(
                        (
                            docid, book, _t(r.path), r.mtime_ns, r.size, r.hash, _t(r.id),
                            _t(r.kind), _t(r.title), r.title_line, _t(r.status),
                            _t(r.status_canonical),
                            filter_key(r.status_canonical or r.status or ""), _t(r.type),
                            filter_key(r.type or ""), _t(r.date), _t(r.modified),
                            _t(r.author),
                            "|" + "|".join(filter_key(t) for t in r.tags) + "|",
                            body, _t(r.outline), fold(f"{r.id or ''} {_t(r.title)}"),
                            fold(body),
                        )
                    )  # fmt: skip
            cols = ", ".join(_DOC_COLUMNS)
            cur.execute(
                f"INSERT INTO documents ({cols}, tsv, head, tsx) SELECT {cols},"
                " setweight(to_tsvector(%(cfg)s::regconfig, head_words), 'A')"
                " || setweight(to_tsvector(%(cfg)s::regconfig, body_words), 'D'),"
                " setweight(to_tsvector(%(cfg)s::regconfig, head_words), 'A'),"
                " setweight(to_tsvector('simple', head_words), 'A')"
                " || setweight(to_tsvector('simple', body_words), 'D') FROM specbook_stage",
                {"cfg": self._tscfg},
            )
            cur.execute("DELETE FROM specbook_stage")
            for table, columns in _CHILDREN:
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for docid, r in zip(ids, records, strict=True):
                        rows: Iterable[tuple[Any, ...]]
                        if table == "refs":
                            rows = ((r.id, *ref) for ref in r.references)
                        else:
                            rows = getattr(r, table)
                        for row in rows:
                            copy.write_row(
                                (docid, *(_t(v) if isinstance(v, str) else v for v in row))
                            )

    def put_findings(self, hashes: dict[str, str], rows: Iterable[tuple[str, Finding]]) -> None:
        """Replace the findings of the documents in ``hashes`` (path -> the content hash
        they were computed for), given as ``(document path, finding)``; a finding's own
        path differs from its document's when it stands in a sidecar file. A document
        changed since is left without findings (and is not marked linted)."""
        book = self._writable()
        with self._writing() as conn:
            self._flush()
            found = conn.execute(
                "SELECT path, docid, hash FROM documents WHERE book = %s AND path = ANY(%s)",
                (book, list(hashes)),
            ).fetchall()
            docids = [docid for _, docid, _ in found]
            conn.execute("DELETE FROM findings WHERE docid = ANY(%s)", (docids,))
            conn.execute("DELETE FROM linted WHERE docid = ANY(%s)", (docids,))
            ids = {path: docid for path, docid, digest in found if hashes[path] == digest}
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO linted (docid, hash) VALUES (%s, %s)",
                    [(docid, hashes[path]) for path, docid in ids.items()],
                )
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY findings (docid, hash, rule, name, severity, line, col, message, file,"
                    " end_line, end_col) FROM STDIN"
                ) as copy,
            ):
                for doc, f in rows:
                    if doc in ids:
                        copy.write_row(
                            (ids[doc], hashes[doc], f.rule, f.name, f.severity, f.line,
                             f.column, _t(f.message), None if f.path == doc else _t(f.path),
                             f.end_line, f.end_column)
                        )  # fmt: skip

    # -- reading ---------------------------------------------------------------------
    def _scope(self, alias: str = "d") -> tuple[str, tuple[Any, ...]]:
        """The SQL condition limiting rows to this store's book (none for all books)."""
        if self.book is None:
            return "TRUE", ()
        return f"{alias}.book = %s", (self.book,)

    def books(self) -> list[tuple[str, str | None, int]]:
        """(name, root of its working copy, documents) of every book in the database."""
        return [
            (name, root, int(n))
            for name, root, n in self._rows(
                "SELECT b.name, b.root, count(d.docid) FROM books b"
                " LEFT JOIN documents d ON d.book = b.name GROUP BY b.name, b.root"
                " ORDER BY b.name"
            )
        ]

    def drop_book(self) -> None:
        """Remove this book and everything stored of it from the database."""
        book = self._writable()
        with self._writing() as conn:
            self._pending = []
            conn.execute("DELETE FROM books WHERE name = %s", (book,))

    def count(self) -> int:
        where, params = self._scope()
        return int(self._rows(f"SELECT count(*) FROM documents d WHERE {where}", params)[0][0])

    def documents(self) -> list[DocSummary]:
        where, params = self._scope()
        return [
            DocSummary(*row)
            for row in self._rows(
                "SELECT id, kind, title, status, status_canonical, type, path FROM documents d"
                f" WHERE {where} ORDER BY book, path",
                params,
            )
        ]

    _LISTING = (
        "SELECT id, kind, title, status, status_canonical, type, path, date, modified, author,"
        " tags, mtime_ns, hash, book FROM documents d"
    )
    _LISTING_KEYS = (
        "id", "kind", "title", "status", "status_canonical", "type", "path", "date",
        "modified", "author", "tags", "mtime_ns", "hash", "book",
    )  # fmt: skip

    def _listing_row(self, row: tuple[Any, ...]) -> dict[str, Any]:
        out = dict(zip(self._LISTING_KEYS, row, strict=True))
        out["tags"] = [t for t in str(out["tags"]).split("|") if t]
        if self.book is not None:
            del out["book"]  # the same dict as SQLite's for one book
        return out

    def listing(self) -> list[dict[str, Any]]:
        """Every document as a dict of its header facts (tags as a list), by path;
        across all books each also has its ``book``, ordered by book then path."""
        where, params = self._scope()
        return [
            self._listing_row(r)
            for r in self._rows(f"{self._LISTING} WHERE {where} ORDER BY book, path", params)
        ]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The header facts of the document with ID ``doc_id`` (the first by path)."""
        where, params = self._scope()
        rows = self._rows(
            f"{self._LISTING} WHERE {where} AND id = %s ORDER BY book, path LIMIT 1",
            (*params, doc_id),
        )
        return self._listing_row(rows[0]) if rows else None

    def documents_with_id(self, doc_id: str) -> list[dict[str, Any]]:
        """The header facts of every document with ID ``doc_id`` (more than one when
        documents share it), by book then path."""
        where, params = self._scope()
        return [
            self._listing_row(r)
            for r in self._rows(
                f"{self._LISTING} WHERE {where} AND id = %s ORDER BY book, path",
                (*params, doc_id),
            )
        ]

    def _docid(self, path: str) -> int | None:
        where, params = self._scope()
        rows = self._rows(
            f"SELECT docid FROM documents d WHERE {where} AND path = %s ORDER BY book LIMIT 1",
            (*params, path),
        )
        return int(rows[0][0]) if rows else None

    def reviews(self, paths: Iterable[str]) -> dict[str, list[tuple[str, str, str, str, int]]]:
        """Review History rows (date, reviewer, status, feedback, line) of ``paths``."""
        out: dict[str, list[tuple[str, str, str, str, int]]] = {}
        for path in paths:
            docid = self._docid(path)
            out[path] = [
                (str(a), str(b), str(c), str(d), int(e))
                for a, b, c, d, e in self._rows(
                    "SELECT date, reviewer, status, feedback, line FROM reviews"
                    " WHERE docid = %s ORDER BY line",
                    (docid,),
                )
            ]
        return out

    def sections(self, path: str) -> list[tuple[int, str, int, int]]:
        """(level, title, line, end line) of every heading of ``path``, in order."""
        docid = self._docid(path)
        rows = self._rows("SELECT outline FROM documents WHERE docid = %s", (docid,))
        return read_outline(str(rows[0][0]) if rows and rows[0][0] is not None else None)

    def finding_counts(self) -> dict[str, int]:
        """Current findings by severity (only those computed for the current content)."""
        where, params = self._scope()
        return {
            str(sev): int(n)
            for sev, n in self._rows(
                "SELECT f.severity, count(*) FROM findings f JOIN documents d"
                f" ON d.docid = f.docid AND d.hash = f.hash WHERE {where} GROUP BY f.severity",
                params,
            )
        }

    @staticmethod
    def _filters(q: Query) -> tuple[str, list[Any]]:
        return filter_sql(q, "%s")

    def search(self, query: Query, limit: int = 20) -> list[Hit]:
        """The best ``limit`` matches of ``query``: a document whose ID or title holds
        the whole query first, then by ``ts_rank`` (title and ID weighted above the
        text). Across all books when the store reads every book."""
        scope, scope_params = self._scope()
        where, params = self._filters(query)
        if not query.has_terms:
            listed = self._rows(
                "SELECT id, title, status, path, title_line, book FROM documents d"
                f" WHERE {scope}{where} ORDER BY kind, id, book, path LIMIT %s",
                (*scope_params, *params, limit),
            )
            return [Hit(i, t, s, p, line, "", 0.0, b) for i, t, s, p, line, b in listed]
        psycopg, _ = _import_psycopg()
        expr = tsquery_expression(query)
        exact, exact_params = "", list[str]()
        if query.has_exact:
            # the stemmed vector also matches other forms of the quoted words: keep the
            # documents whose unstemmed vector holds them as written
            cond, exact_params = tsquery_exact_conditions(query)
            exact = " AND " + cond
        book_scope, book_params = (
            ("TRUE", ()) if self.book is None else ("b.name = %s", (self.book,))
        )
        try:
            # Each book's query is read with its own text-search configuration.
            # Documents whose ID or title holds the whole query come first (a small set,
            # found through the head index); the rest are ranked among the first
            # RANK_CANDIDATES body matches, so a word in every document stays fast.
            top = self._rows(
                "WITH q AS (SELECT b.name AS book, b.tscfg AS cfg, to_tsquery(b.tscfg, %s) AS q"
                " FROM books b"
                f"  WHERE {book_scope}),"
                " heads AS (SELECT d.docid FROM documents d JOIN q ON q.book = d.book"
                f"  WHERE d.head @@ q.q AND {scope}{where}{exact} LIMIT %s),"
                " bodies AS (SELECT d.docid FROM documents d JOIN q ON q.book = d.book"
                f"  WHERE d.tsv @@ q.q AND {scope}{where}{exact}"
                "  AND d.docid NOT IN (SELECT docid FROM heads) LIMIT %s),"
                " chosen AS (SELECT docid, 1 AS boost FROM heads"
                "  UNION ALL SELECT docid, 0 FROM bodies)"
                " SELECT d.docid, d.id, d.title, d.status, d.path, d.title_line, d.book,"
                " ts_rank(%s::float4[], d.tsv, q.q) + c.boost AS score"
                " FROM chosen c JOIN documents d ON d.docid = c.docid JOIN q ON q.book = d.book"
                " ORDER BY score DESC, d.book, d.path LIMIT %s",
                (
                    expr, *book_params,
                    *scope_params, *params, *exact_params, RANK_CANDIDATES,
                    *scope_params, *params, *exact_params, RANK_CANDIDATES,
                    RANK_WEIGHTS, limit,
                ),
            )  # fmt: skip
        except psycopg.errors.DataError as exc:  # should not happen: every lexeme is quoted
            raise QueryError(f"search query {query.text!r} cannot be run: {exc}") from exc
        bodies = dict(
            self._rows(
                "SELECT docid, body FROM documents WHERE docid = ANY(%s)",
                ([row[0] for row in top],),
            )
        )
        pattern = match_pattern(query)
        hits = []
        for docid, doc_id, title, status, path, title_line, book, score in top:
            line, snippet = best_line(bodies[docid], pattern)
            if line == 0:  # matched in the ID or title only
                line, snippet = title_line, title
            hits.append(Hit(doc_id, title, status, path, line, snippet, float(score), book))
        return hits

    def _edges(self, where: str, params: tuple[Any, ...]) -> list[RefEdge]:
        return [
            RefEdge(*row)
            for row in self._rows(
                "SELECT r.source, d.path, r.target, r.requirement, r.type, r.section, r.line,"
                " r.text, r.target_book, d.book FROM refs r JOIN documents d"
                f" ON d.docid = r.docid WHERE {where} ORDER BY r.source, d.book, d.path, r.line",
                params,
            )
        ]

    def outgoing(self, doc_id: str) -> list[RefEdge]:
        scope, params = self._scope()
        return self._edges(f"{scope} AND r.source = %s", (*params, doc_id))

    def incoming(self, doc_id: str) -> list[RefEdge]:
        """References to ``doc_id``: from this book, and from other books that name
        this one (``payments:SPEC-004``). Across all books: every reference to the ID."""
        if self.book is None:
            return self._edges("r.target = %s", (doc_id,))
        return self._edges(
            "r.target = %s AND ((r.target_book IS NULL AND d.book = %s) OR r.target_book = %s)",
            (doc_id, self.book, self.book),
        )

    def incoming_by_target(self) -> dict[str, list[RefEdge]]:
        """:meth:`incoming` of every ID at once (one query, not one per document):
        referenced ID -> the references to it, in the order :meth:`incoming` gives."""
        if self.book is None:
            return edges_by_target(self._edges("TRUE", ()))
        return edges_by_target(
            self._edges(
                "(r.target_book IS NULL AND d.book = %s) OR r.target_book = %s",
                (self.book, self.book),
            )
        )

    def references(self) -> Iterator[RefEdge]:
        scope, params = self._scope()
        yield from self._edges(scope, params)

    def requirements(self, doc_id: str | None = None) -> list[dict[str, Any]]:
        scope, params = self._scope()
        sql = (
            "SELECT d.id, d.path, q.req_id, q.kind, q.text, q.criteria, q.target, q.section,"
            f" q.line FROM requirements q JOIN documents d ON d.docid = q.docid WHERE {scope}"
        )
        if doc_id is not None:
            sql += " AND d.id = %s"
            params = (*params, doc_id)
        keys = ("doc_id", "path", "id", "kind", "text", "criteria", "target", "section", "line")
        return [dict(zip(keys, row, strict=True)) for row in self._rows(sql, params)]

    def findings(self, path: str | None = None) -> list[Finding]:
        scope, params = self._scope()
        sql = (
            f"SELECT {_FINDING} FROM findings f"
            f" JOIN documents d ON d.docid = f.docid AND d.hash = f.hash WHERE {scope}"
        )
        if path is not None:
            sql += " AND d.path = %s"
            params = (*params, path)
        return [Finding(*row) for row in self._rows(f"{sql} ORDER BY d.path, f.line", params)]

    def document_findings(self, path: str, digest: str) -> list[Finding] | None:
        """The findings stored for the document at ``path`` with content hash ``digest``
        (in lint's order); ``None`` when the store holds none computed for that content
        (not linted yet, or edited since)."""
        scope, params = self._scope()
        got = self._rows(
            "SELECT l.docid FROM linted l JOIN documents d ON d.docid = l.docid"
            f" WHERE {scope} AND d.path = %s AND l.hash = %s",
            (*params, path, digest),
        )
        if not got:
            return None
        return [
            Finding(*row)
            for row in self._rows(
                f"SELECT {_FINDING} FROM findings f JOIN documents d ON d.docid = f.docid"
                " WHERE f.docid = %s AND f.hash = %s ORDER BY f.line, f.col, f.rule, f.message",
                (got[0][0], digest),
            )
        ]

    def close(self) -> None:
        """Nothing to release: connections go back to the process's shared pool."""
        self._pending = []
