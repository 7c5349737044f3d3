"""Whether a SQL block parses, and if not, what is wrong and where (SB601).

Which grammar reads a block depends on its language (the fence's first word):

- ``postgresql``, ``postgres``, ``psql``, ``pgsql``: PostgreSQL's own parser
  (libpg_query through pgparse, BSD-3-Clause), which rejects what PostgreSQL would, ``DEFAULT 2,,``
  included; psql's meta-commands (a line starting with a backslash) are skipped.
- ``sql``: the same, since most specs' schemas are PostgreSQL's. But such a block may
  hold another dialect's SQL: one that PostgreSQL rejects is not reported when
  sqlparser-rs (sqloxide) accepts it in its generic, MySQL or SQLite dialect, or when
  sqlglot's generic dialect accepts it (SQLite's ``CREATE VIRTUAL TABLE … USING
  fts5(url UNINDEXED)``), unless the error is an empty list item (below).
- ``mysql``, ``sqlite``, ``tsql``: sqlparser-rs (sqloxide) in that dialect, which is
  strict where sqlglot is lax (``,,``, ``(a INT,)``, ``ADD COLUMN;``, a trigger without
  its ``;``). sqlparser-rs lacks some dialect syntax (``ZEROFILL``, ``PRAGMA x = ON``,
  ``CREATE NONCLUSTERED INDEX``), so a block it rejects is reported only when sqlglot,
  the second opinion, does not vouch for the statement at fault (fails, or understands it
  only as an opaque command), or when the error is an empty list item (``,,``, ``,)``), which
  sqlglot skips silently. Measured (strictness on broken statements, no finding on
  valid ones, cost) in bench/sql_bench.py and tests/test_sql_check.py.

The parsers are imported on first use: none of them at the CLI's start.
"""

from __future__ import annotations

import re

from specbook.core.lazyre import lazy_compile

# What a problem is: (message, 1-based line in the block or 0 when unknown, 1-based column
# or None). It goes through JSON in the lint cache (verdicts.remember).
Problem = tuple[str, int, int | None]

POSTGRES = frozenset({"sql", "postgresql", "postgres", "psql", "pgsql"})
# the block's language -> sqloxide's dialect and sqlglot's
OTHER = {"mysql": ("mysql", "mysql"), "sqlite": ("sqlite", "sqlite"), "tsql": ("mssql", "tsql")}
LANGUAGES = POSTGRES | OTHER.keys()
# The dialects a plain ```sql block that PostgreSQL rejects is tried in: its SQL may be
# MySQL's (backticks, AUTO_INCREMENT) or SQLite's (AUTOINCREMENT, VIRTUAL TABLE), common
# in real specs.
_ANY_DIALECT = ("generic", "mysql", "sqlite")

_META = lazy_compile(r"(?m)^[ \t]*\\[^\n]*")
_OXIDE_AT = lazy_compile(r"\s+at Line: (\d+), Column: (\d+)\s*$")
_OXIDE_PREFIX = lazy_compile(r"^(?:Query parsing failed\.\s*)?(?:sql parser error:\s*)?", re.S)


def sql_problem(text: str, language: str) -> Problem | None:
    """What is wrong with the SQL ``text`` of a block marked ``language`` (one of
    :data:`LANGUAGES`), or ``None`` when it parses. Never raises for a parser's defect
    (that is no fault of the document): such a block counts as parsing."""
    try:
        if language in POSTGRES:
            problem = _postgres(text, language)
            if problem is None or language != "sql" or _empty_item(text, problem):
                return problem
            # a plain ```sql block: perhaps another dialect's SQL
            if any(_oxide(text, dialect) is None for dialect in _ANY_DIALECT):
                return None
            return problem if _sqlglot(text, None) is None else None
        oxide, glot = OTHER[language]
        problem = _oxide(text, oxide)
        if problem is None or _empty_item(text, problem):
            return problem
        return None if _sqlglot(_statement_at(text, problem, glot), glot) else problem
    except Exception:  # a parser defect is not the document's fault
        return None


def _postgres(text: str, language: str) -> Problem | None:
    import pgparse

    if "\\" in text:  # psql's meta-commands (\c db, \i file): blanked, lines kept
        text = _META.sub("", text)
    try:
        # libpg_query's normalize runs PostgreSQL's raw parser over the whole text and
        # fails with its syntax error, as its parse does, without building the parse
        # tree's Python objects (15 µs for a three-statement block; parse: 65 µs)
        pgparse.normalize(text)
    except pgparse.PGQueryError as exc:
        what = str(exc.message)
        # (its position: 1-based, in characters)
        index = exc.position - 1 if isinstance(exc.position, int) else None
        if index is None or "end of input" in what:  # the end of the last line
            index = len(text.rstrip())
        line, column = _line_column(text, index)
        return _short(what), line, column
    return None


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index``."""
    index = max(0, min(index, len(text)))
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    line = 1 + text.count("\n", 0, index) + text.count("\r", 0, index)
    line -= text.count("\r\n", 0, index)
    return line, index - start + 1


def _oxide(text: str, dialect: str) -> Problem | None:
    import sqloxide

    try:
        sqloxide.parse_sql(text, dialect=dialect)
    except ValueError as exc:
        what = " ".join(str(exc).split())
        what = _OXIDE_PREFIX.sub("", what)
        m = _OXIDE_AT.search(what)
        if m is None:  # found: EOF, no position: the end of the last line
            line, column = _line_column(text, len(text.rstrip()))
        else:
            what = what[: m.start()]
            line, column = int(m.group(1)), int(m.group(2))
        return _short(what.rstrip()), line, column
    return None


def _offset(text: str, line: int, column: int) -> int:
    """The index of 1-based ``line`` and ``column`` in ``text`` (lines split at \\n)."""
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def _empty_item(text: str, problem: Problem) -> bool:
    """Whether the parser stopped at a ``,`` or ``)`` right after a ``,`` or ``(``: an
    empty item in a list, which sqlglot drops without a word."""
    _, line, column = problem
    if line <= 0 or column is None:
        return False
    at = _offset(text, line, column)
    if not 0 <= at < len(text) or text[at] not in ",)":
        return False
    return text[:at].rstrip().endswith((",", "("))


def _statement_at(text: str, problem: Problem, dialect: str) -> str:
    """The statement of ``text`` (split at semicolons as sqlglot splits) that holds the
    problem's position: sqlglot's opinion on it alone, not on its neighbours."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.tokenizer_core import TokenType

    _, line, column = problem
    if line <= 0 or column is None:
        return text
    at = _offset(text, line, column)
    start = 0
    for token in Dialect.get_or_raise(dialect).tokenize(text):
        if token.token_type == TokenType.SEMICOLON:
            if token.start >= at:
                return text[start : token.end + 1]
            start = token.end + 1
    return text[start:]


def _sqlglot(text: str, dialect: str | None) -> bool | None:
    """Whether sqlglot parses ``text`` in ``dialect`` and understands every statement
    (False: it parses, but keeps a statement it does not know as an opaque ``Command``;
    None: it does not parse)."""
    import logging

    import sqlglot
    from sqlglot import exp

    # (sqlglot logs a warning for each statement it keeps as a Command)
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        statements = sqlglot.parse(text, read=dialect)
    except Exception:
        return None
    return not any(isinstance(s, exp.Command) for s in statements)


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
