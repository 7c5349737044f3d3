"""No silent passes (issue 18): a book with no documents, or a config with no kinds, is an
error for the commands whose answer would otherwise be an empty "all is well" (lint,
list, search, build, trace --strict: exit 2, saying where they looked), and a warning on
stderr for those whose empty answer is still true (report, export, index, graph, trace).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import specbook.services.zeroconf
from specbook.book import Book
from specbook.cli import main
from specbook.core.errors import UsageError
from specbook.services.zeroconf import open_book

FOLDERS = ("docs/specs", "docs/decisions", "docs/bugs", "docs/tasks")


def _says_why(err: str, root: Path) -> None:
    assert f"no documents found under {root}" in err, err
    for folder in FOLDERS:
        assert folder in err, err
    assert str(root / "specbook.toml") in err
    assert "`specbook adopt`" in err and "`specbook new" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["list", "--json"],
        ["list", "--kind", "bug"],
        ["lint"],
        ["lint", "--format", "json"],
        ["lint", "--statistics"],
        ["search", "anything"],
        ["search", "anything", "--json"],
        ["build", "--out", "site"],
        ["trace", "--strict"],
    ],
)
def test_an_empty_book_is_an_error_saying_where_it_looked(
    book: Path, runner: CliRunner, argv: list[str]
) -> None:
    r = runner.invoke(main, argv)
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    _says_why(r.stderr, book)
    assert not (book / "site").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["report"],
        ["report", "--format", "json"],
        ["export"],
        ["export", "--format", "csv"],
        ["index"],
        ["graph"],
        ["trace"],
    ],
)
def test_an_empty_answer_that_is_true_comes_with_a_warning(
    book: Path, runner: CliRunner, argv: list[str]
) -> None:
    r = runner.invoke(main, argv)
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("specbook: warning: no documents found under")
    _says_why(r.stderr, book)


def test_with_documents_nothing_is_said(book: Path, runner: CliRunner) -> None:
    assert runner.invoke(main, ["new", "spec", "First"]).exit_code == 0
    for argv in (["list"], ["report"], ["graph"], ["export"], ["index"]):
        r = runner.invoke(main, argv)
        assert r.exit_code == 0 and r.stderr == "", (argv, r.output)
    assert runner.invoke(main, ["lint"]).exit_code in (0, 1)
    assert runner.invoke(main, ["search", "nothing-like-this"]).exit_code == 1  # no match


def test_a_named_file_is_linted_in_an_empty_book(book: Path, runner: CliRunner) -> None:
    (book / "notes.md").write_text("# Notes\n\nText.\n", encoding="utf-8")
    r = runner.invoke(main, ["lint", "notes.md"])
    assert r.exit_code in (0, 1) and "no documents found" not in r.output


def test_folders_whose_files_are_all_left_out_say_so(book: Path, runner: CliRunner) -> None:
    # a folder-per-document layout read with the default config: README.md is excluded
    for n in ("0001-first", "0002-second"):
        (book / "docs" / "specs" / n).mkdir()
        (book / "docs" / "specs" / n / "README.md").write_text(f"# {n}\n", encoding="utf-8")
    r = runner.invoke(main, ["lint"])
    assert r.exit_code == 2
    assert "docs/specs (2 Markdown files, every one left out: by [book] exclude" in r.stderr
    assert "docs/decisions (empty)" in r.stderr
    (book / "docs" / "tasks").rmdir()
    assert "docs/tasks (no such folder)" in runner.invoke(main, ["list"]).stderr


def test_a_config_without_kinds_is_an_error(
    book: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (a config file cannot drop the built-in kinds yet; one inferred from documents
    # that name no kind can have none)
    config = dataclasses.replace(open_book().config, kinds={})
    with pytest.raises(UsageError, match="has no kinds, so no folder is read"):
        Book(config).require_documents()
    monkeypatch.setattr(specbook.services.zeroconf, "open_book", lambda start=None: Book(config))
    for argv in (["list"], ["lint"]):
        r = runner.invoke(main, argv)
        assert r.exit_code == 2 and "has no kinds" in r.stderr, r.output
        assert "`specbook adopt`" in r.stderr


def test_lint_json_of_a_book_with_documents_is_unchanged(book: Path, runner: CliRunner) -> None:
    assert runner.invoke(main, ["new", "task", "Do it"]).exit_code == 0
    data = json.loads(runner.invoke(main, ["lint", "--format", "json"]).stdout)
    assert data["summary"]["documents"] == 1


def test_mcp_list_and_lint_of_an_empty_book_are_errors(book: Path) -> None:
    from specbook.mcp.server import BookTools

    tools = BookTools(open_book())
    for call in (tools.list_documents, tools.lint):
        with pytest.raises(UsageError, match="no documents found under"):
            call()
