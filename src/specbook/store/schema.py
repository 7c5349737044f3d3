"""The index's tables, defined once and rendered for SQLite and for PostgreSQL.

Both backends keep the same rows: one per document (with its headings' outline), and
child tables (requirements, typed references, review rows, findings, which content was
linted) that point at it. :data:`DOCUMENT_COLUMNS` and
:data:`CHILDREN` say what they hold in portable types; :func:`sqlite_ddl` and
:func:`postgres_ddl` render them, each with what only that backend has (SQLite: the
``meta`` table and the FTS5 tables; PostgreSQL: the ``books`` table, a ``book``
column and the text-search vectors). A column added here reaches both.
"""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    name: str
    type: str  # "text", "int" (32-bit in PostgreSQL) or "bigint"
    not_null: bool = False


class Table(NamedTuple):
    """A child table of ``documents`` (its rows go with their document)."""

    name: str
    columns: tuple[Column, ...]
    key: bool = False  # one row per document: ``docid`` is its primary key
    indexed: bool = True  # an index on ``docid``
    indexes: tuple[str, ...] = ()  # further one-column indexes


def _c(spec: str) -> tuple[Column, ...]:
    """Columns from ``"name type[!], ..."`` (``!``: NOT NULL)."""
    out = []
    for item in spec.split(","):
        name, typ = item.split()
        out.append(Column(name, typ.rstrip("!"), typ.endswith("!")))
    return tuple(out)


_FIRST_COLUMNS = _c(
    "path text!, mtime_ns bigint!, size bigint!, hash text!, id text, kind text,"
    " title text!, title_line int!, status text, status_canonical text, status_key text,"
    " type text, type_key text, date text, modified text, author text, tags text!, body text!"
)
# Columns PostgreSQL's migrations added after its text-search vectors: a new database
# puts them there too, so that it has the shape of a migrated one.
_LATER_COLUMNS = _c(
    # the headings as :func:`specbook.store.records.outline_of` writes them: what the
    # index reads of sections, one value instead of a row per heading
    "outline text"
)
DOCUMENT_COLUMNS = _FIRST_COLUMNS + _LATER_COLUMNS
# (no table of a document's fields, sections or checklists: nothing queried them, and
# their rows were two thirds of a cold lint's index writes; the snapshot's stored parse
# holds them, the headings are ``documents.outline``)
CHILDREN = (
    Table(
        "requirements",
        _c("req_id text, kind text, text text, criteria text, target text, section text, line int"),
    ),
    Table(
        "refs",
        _c(
            "source text, target text, requirement text, type text, section text, line int,"
            " text text, target_book text"
        ),
        indexes=("source", "target"),
    ),
    Table("reviews", _c("date text, reviewer text, status text, feedback text, line int")),
    Table(
        "findings",
        _c(
            "hash text!, rule text, name text, severity text, line int, col int, message text,"
            " file text, end_line int, end_col int"
        ),
    ),
    Table("linted", _c("hash text!"), key=True, indexed=False),
)

_SQLITE_TYPES = {"text": "TEXT", "int": "INTEGER", "bigint": "INTEGER"}
_PG_TYPES = {"text": "text", "int": "integer", "bigint": "bigint"}


def _cols(columns: tuple[Column, ...], types: dict[str, str], unique: str = "") -> str:
    """The column definitions; ``unique`` names a column that is UNIQUE on its own."""
    return ", ".join(
        f"{c.name} {types[c.type]}{' NOT NULL' if c.not_null else ''}"
        f"{' UNIQUE' if c.name == unique else ''}"
        for c in columns
    )


def _children(types: dict[str, str], docid: str) -> list[str]:
    out = []
    for t in CHILDREN:
        key = " PRIMARY KEY" if t.key else " NOT NULL"
        ref = f"docid {docid}{key} REFERENCES documents ON DELETE CASCADE"
        out.append(f"CREATE TABLE {t.name}({ref}, {_cols(t.columns, types)})")
        if t.indexed:
            out.append(f"CREATE INDEX {t.name}_doc ON {t.name}(docid)")
        out += [f"CREATE INDEX {t.name}_{c} ON {t.name}({c})" for c in t.indexes]
    return out


def child_tables() -> tuple[str, ...]:
    """The child tables' names, in the order they are created."""
    return tuple(t.name for t in CHILDREN)


def sqlite_ddl(rank: str) -> list[str]:
    """The SQLite index's statements (``rank``: the FTS table's bm25 weights)."""
    fts = (
        "CREATE VIRTUAL TABLE {name} USING fts5(id, title, body, content = 'documents',"
        " content_rowid = 'docid', tokenize = '{tokenize}')"
    )
    return [
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE documents(docid INTEGER PRIMARY KEY, "
        + _cols(DOCUMENT_COLUMNS, _SQLITE_TYPES, unique="path")
        + ")",
        "CREATE INDEX documents_id ON documents(id)",
        *_children(_SQLITE_TYPES, "INTEGER"),
        fts.format(name="fts", tokenize="porter unicode61 remove_diacritics 2"),
        f"INSERT INTO fts(fts, rank) VALUES ('rank', '{rank}')",
        fts.format(name="fts_exact", tokenize="unicode61 remove_diacritics 2"),
    ]


def postgres_ddl() -> list[str]:
    """A new PostgreSQL database's statements: the schema its migrations reach."""
    return [
        "CREATE TABLE books(name text PRIMARY KEY, root text,"
        " meta jsonb NOT NULL DEFAULT '{}'::jsonb,"
        " tscfg regconfig NOT NULL DEFAULT 'simple')",
        "CREATE TABLE documents(docid bigserial PRIMARY KEY,"
        " book text NOT NULL REFERENCES books(name) ON DELETE CASCADE, "
        + _cols(_FIRST_COLUMNS, _PG_TYPES)
        # tsv: stemmed (the book's tscfg), tsx: as written, head: ID and title alone
        + ", tsx tsvector NOT NULL, head tsvector NOT NULL, tsv tsvector NOT NULL, "
        + _cols(_LATER_COLUMNS, _PG_TYPES)
        + ", UNIQUE (book, path))",
        "CREATE INDEX documents_book_id ON documents(book, id)",
        "CREATE INDEX documents_id ON documents(id)",
        "CREATE INDEX documents_tsv ON documents USING gin(tsv)",
        "CREATE INDEX documents_head ON documents USING gin(head)",
        *_children(_PG_TYPES, "bigint"),
        "CREATE TABLE portal_revoked(nonce text PRIMARY KEY, expires bigint NOT NULL)",
        "CREATE INDEX portal_revoked_expires ON portal_revoked(expires)",
    ]
