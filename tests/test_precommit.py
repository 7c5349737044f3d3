"""The pre-commit hook definition other repositories use."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from specbook.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_hook_runs_the_lint_command() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "specbook-lint")
    assert hook["entry"].split() == ["specbook", "lint"]
    assert hook["language"] == "python" and "markdown" in hook["types"]
    assert main.get_command(click.Context(main), "lint") is not None  # a real command


EXAMPLE = REPO / "examples" / "book"


def test_hook_from_the_top_of_a_repository_with_books_in_subfolders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit runs the hook at the repository's top with paths from there. A book in
    a subfolder is found from each file's folder: book-wide rules see that book (no
    false dangling references), paths are shown as given, and two books and a loose
    file can be named in one run."""
    for name in ("handbook", "other/book"):
        shutil.copytree(EXAMPLE, tmp_path / name, ignore=shutil.ignore_patterns(".specbook"))
    spec = next((tmp_path / "handbook/docs/specs").glob("SPEC-004-*.md"))
    spec.write_bytes(spec.read_bytes() + b"\nSee SPEC-777.\n")
    clean = next((tmp_path / "other/book/docs/specs").glob("SPEC-001-*.md"))
    (tmp_path / "notes.md").write_bytes(b"# Notes\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    named = [spec.relative_to(tmp_path).as_posix(), clean.relative_to(tmp_path).as_posix()]
    r = runner.invoke(main, ["lint", "--format", "json", *named, "notes.md"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.output)
    assert [(f["rule"], f["path"]) for f in data["findings"]] == [("SB401", named[0])]
    assert "SPEC-777" in data["findings"][0]["message"]
    assert data["summary"]["documents"] == 3
    assert (tmp_path / "handbook/.specbook/index.db").is_file()  # the book's own cache
    inside = runner.invoke(main, ["lint", "--format", "json", named[1]])
    assert inside.exit_code == 0 and json.loads(inside.output)["findings"] == []
