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


def test_tree_stamp_follows_module_edits_and_ignores_bytecode(tmp_path: Path) -> None:
    """The lint cache and the index are keyed by the stamp of specbook's own modules:
    an edited module (size or mtime) changes it, compiled bytecode does not."""
    import os

    from specbook.core.digest import code_stamp, tree_stamp

    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    mod = tmp_path / "pkg" / "sub" / "m.py"
    mod.write_text("X = 1\n")
    (tmp_path / "pkg" / "notes.txt").write_text("not code\n")
    first = tree_stamp(str(tmp_path / "pkg"))
    (tmp_path / "pkg" / "sub" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "sub" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "pkg" / "notes.txt").write_text("still not code\n")
    assert tree_stamp(str(tmp_path / "pkg")) == first
    mod.write_text("X = 2\n")  # same size: the mtime tells
    os.utime(mod, ns=(1, 1))
    assert tree_stamp(str(tmp_path / "pkg")) != first
    assert code_stamp() == code_stamp() and len(code_stamp()) == 24
