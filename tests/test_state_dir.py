"""`.specbook/` keeps itself out of git: nothing a command writes there shows as a change."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.cli import main
from tests.gitbook import commit, git, init, isolate, write


def test_state_folder_is_never_seen_by_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
    repo = tmp_path / "repo"
    init(repo)
    write(repo / "specbook.toml", "[book]\nname = 't'\n")
    write(repo / "docs/specs/SPEC-001-a.md", "# A\n\n**ID**: SPEC-001\n**Status**: Draft\n")
    commit(repo, "book", "2026-03-01T10:00:00Z")
    monkeypatch.chdir(repo)
    runner = CliRunner()
    for args in (["lint"], ["lint", "docs/specs/SPEC-001-a.md"], ["index"], ["search", "A"]):
        runner.invoke(main, args)
    assert runner.invoke(main, ["new", "spec", "B", "--author", "x"]).exit_code == 0
    state = repo / ".specbook"
    assert (state / "index.db").exists() and not (state / "lint-cache.db").exists()
    assert (state / "lock").exists()
    # only the new document is a change; nothing under .specbook/, not even with -A
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    assert status.splitlines() == ["?? docs/specs/SPEC-002-b.md"]
    git(repo, "add", "-A")
    staged = git(repo, "diff", "--cached", "--name-only").splitlines()
    assert staged == ["docs/specs/SPEC-002-b.md"]
