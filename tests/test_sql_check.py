"""SB601's SQL checker (specbook.lint.sqlcheck) and SB602's YAML checker: strict on
broken statements of each dialect, silent on a corpus of valid migrations, and the
YAML event parser answering exactly as loading does."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from specbook.book import Book
from specbook.core.config import default_config
from specbook.lint.engine import Linter
from specbook.lint.rules.content import (
    _YAML_NEEDS_EVENTS,
    _yaml_error,
    _yaml_loaded,
    _yaml_plain,
    _yaml_problem,
    _yaml_quick,
)
from specbook.lint.sqlcheck import POSTGRES, sql_problem

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "rules" / "SB601-invalid-sql"
CORPUS = HERE / "corpus" / "sql"

# (language, block, the 1-based line in the block the problem is on)
BROKEN = [
    (
        "sql",
        "CREATE TABLE jobs (\n  id int,\n  max_concurrent INTEGER NOT NULL DEFAULT 2,,\n  name text\n);",
        3,
    ),
    ("postgresql", "CREATE TABLE t (a int,\n b int,\n);", 3),
    ("postgresql", "ALTER TABLE t ADD COLUMN;", 1),
    ("postgres", "SELECT 1;\nUPDATE t SET WHERE id = 1;", 2),
    ("psql", "\\c shop\nCREATE TYPE mood AS ENUM ('sad' 'ok');", 2),
    ("pgsql", "CREATE INDEX ON t (a) WHERE;", 1),
    ("postgresql", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1\n", 1),
    ("sql", "CREATE TABLE t (\n  id int PRIMARY KEY\n", 2),
    ("mysql", "CREATE TABLE t (\n  id INT NOT NULL DEFAULT 2,,\n  name TEXT\n);", 2),
    ("mysql", "CREATE TABLE t (a INT,\n);", 2),
    ("mysql", "ALTER TABLE t ADD COLUMN;", 1),
    ("mysql", "ALTER TABLE t MODIFY COLUMN a INT DEFAULT;", 1),
    ("sqlite", "CREATE TABLE t (a INT,);", 1),
    ("sqlite", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET a = 1\nEND;", 3),
    ("sqlite", "CREATE TABLE t (a INTEGER PRIMARY KEY AUTOINCREMENT,\n  b TEXT", 2),
    ("tsql", "CREATE TABLE t (id INT IDENTITY(1,1),, name NVARCHAR(50));", 1),
    ("tsql", "SELECT TOP FROM t;", 1),
    ("tsql", "SELECT 1;\nALTER TABLE t ADD CONSTRAINT;", 2),
]


@pytest.mark.parametrize(("language", "text", "line"), BROKEN)
def test_a_broken_statement_is_reported_on_its_line(language: str, text: str, line: int) -> None:
    problem = sql_problem(text, language)
    assert problem is not None, f"{language}: {text!r} passed"
    what, got, column = problem
    assert got == line, problem
    assert what and column is not None and column >= 1


def test_default_two_comma_comma_was_missed_by_sqlglot_and_is_caught_now() -> None:
    import sqlglot

    text = BROKEN[0][1]
    sqlglot.parse(text)  # (what SB601 used before: no error)
    assert sql_problem(text, "sql") == ('syntax error at or near ","', 3, 45)


def _corpus() -> list[Path]:
    return sorted(CORPUS.glob("*/*.sql"))


def _statements(path: Path) -> int:
    import pgparse

    text = path.read_text(encoding="utf-8")
    if path.parent.name == "postgresql":
        return len(pgparse.parse(text))
    return sum(1 for chunk in re.split(r";\s*$", text, flags=re.M) if chunk.strip(" \n-"))


def test_the_valid_corpus_holds_a_hundred_statements_or_more() -> None:
    assert sum(_statements(p) for p in _corpus()) >= 100
    assert {p.parent.name for p in _corpus()} == {"postgresql", "mysql", "sqlite", "tsql"}


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_migrations_produce_no_finding(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert sql_problem(text, path.parent.name) is None
    if path.parent.name == "postgresql":
        for language in POSTGRES:
            assert sql_problem(text, language) is None, language


def test_valid_migrations_pass_the_rule_in_a_data_model_section(tmp_path: Path) -> None:
    """The whole corpus as blocks of a document: no SB601 finding."""
    blocks = "".join(
        f"```{p.parent.name}\n{p.read_text(encoding='utf-8')}```\n\n" for p in _corpus()
    )
    specs = tmp_path / "docs" / "specs"
    specs.mkdir(parents=True)
    (specs / "SPEC-001-schema.md").write_text(
        "# Schema\n\n**ID**: SPEC-001\n**Status**: Draft\n\n## Design\n\n### Data Model\n\n"
        + blocks,
        encoding="utf-8",
    )
    config = default_config(tmp_path)
    book = Book(config, warn=None)
    result = Linter(config, select=["SB601"], today=dt.date(2026, 6, 15)).run(
        list(book.documents()), skipped=book.skipped
    )
    assert [f.message for f in result.findings] == []


def test_each_message_names_the_line_at_fault() -> None:
    """In the scenario, the line a finding's message names ends with `-- <- here`."""
    config = default_config(SCENARIO)
    book = Book(config, warn=None)
    result = Linter(config, select=["SB601"], today=dt.date(2026, 6, 15)).run(
        list(book.documents()), skipped=book.skipped
    )
    path = SCENARIO / "docs" / "specs" / "SPEC-002-dialects.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    marked = {n for n, line in enumerate(lines, 1) if line.endswith("<- here")}
    named = set()
    for f in result.findings:
        if f.path.endswith("SPEC-002-dialects.md"):
            m = re.search(r"\(line (\d+), column (\d+)\)", f.message)
            assert m, f.message
            named.add(int(m.group(1)))
    assert named == marked


YAML = [
    "a: 1\nb: [1, 2\n",
    "a: 1\n  b: 2\n",
    "key: value\n- item\n",
    "a: 'unterminated\n",
    "a: {b: 1\n",
    "x: 1\n---\ny: [\n",
    "a: *missing\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "a: !Ref Thing\n",
    "a: !!python/object:os.system echo\n",
    "<<: 1\n",
    "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
    "? [a, b]\n: 1\n",
    "{[1]: 2}\n",
    "a: !Ref x\n---\nb: [\n",
    "a: 1\n---\nb: [\n---\nc: !Ref x\n",
    "list:\n  - a\n  - b: 1\n    c: 2\n",
    "plain: 2026-13-45\n",
    "tab:\n\t- a\n",
    "a: 'quoted'\nb: \"double\"\nc: |\n  block\n",
    "",
    "# only a comment\n",
    "a: b: c\n",
    "- [a, b]\n- {c: d}\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: @reserved\n",
]


@pytest.mark.parametrize("text", YAML)
def test_yaml_events_answer_as_loading_does(text: str) -> None:
    _yaml_problem.cache_clear()
    assert _yaml_problem(text) == _yaml_loaded(text)


def _answer(check: Callable[[], bool]) -> tuple[str, int, int] | None:
    import yaml

    try:
        check()
    except yaml.YAMLError as exc:
        return _yaml_error(exc)
    return None


@pytest.mark.parametrize("text", [t for t in YAML if not _YAML_NEEDS_EVENTS.search(t)])
def test_yaml_quick_parse_answers_as_the_event_walk(text: str) -> None:
    """A block with no tag, anchor, alias, merge key or flow collection is parsed by
    libyaml in C without event objects (SB602's cold cost): it must stop at the same
    place with the same message as walking the events."""
    import yaml

    quick = _answer(lambda: _yaml_quick(text, yaml))
    assert quick == _answer(lambda: _yaml_plain(text, yaml))
    if quick is None:
        assert _yaml_quick(text, yaml) is True  # (it answered, not passed the block on)
