"""`specbook lint --changed REV` on a git repository built in tmp_path."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specbook.cli import main

SPEC = """# Technical Specification: {title}

**ID**: {id}
**Date**: 2026-01-05
**Status**: Draft
**Type**: Feature

See {ref}.
"""


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def _spec(root: Path, n: int, ref: str = "nothing", title: str | None = None) -> Path:
    path = root / "docs" / "specs" / f"SPEC-00{n}-s{n}.md"
    path.write_text(SPEC.format(title=title or f"Spec {n}", id=f"SPEC-00{n}", ref=ref))
    return path


@pytest.fixture
def repo(book: Path) -> Path:
    """A book in a git repository: SPEC-001..004 on main; SPEC-002 references SPEC-001."""
    _git(book, "init", "-q", "-b", "main")
    _git(book, "config", "user.email", "t@example.com")
    _git(book, "config", "user.name", "T")
    (book / ".gitignore").write_text(".specbook/\n")
    _spec(book, 1)
    _spec(book, 2, ref="SPEC-001")
    _spec(book, 3)
    _spec(book, 4, ref="SPEC-003")
    _git(book, "add", "-A")
    _git(book, "commit", "-q", "-m", "base")
    _git(book, "checkout", "-q", "-b", "feature")
    return book


def _paths(runner: CliRunner, *args: str) -> tuple[int, set[str], dict[str, int]]:
    r = runner.invoke(main, ["lint", "--format", "json", "--select", "SB401,SB105", *args])
    assert r.exit_code in (0, 1), r.output
    data = json.loads(r.stdout)
    return r.exit_code, {f["path"] for f in data["findings"]}, data["summary"]


def test_changed_lints_the_branch_changes_and_their_referrers(
    repo: Path, runner: CliRunner
) -> None:
    # committed on the branch: SPEC-001 now references a document that does not exist
    _spec(repo, 1, ref="SPEC-404")
    _git(repo, "commit", "-qam", "break 1")
    # unstaged edit of SPEC-004 and a new, untracked SPEC-005, both with dangling refs
    _spec(repo, 4, ref="SPEC-405")
    _spec(repo, 5, ref="SPEC-406")
    # main moves on meanwhile: its own change to SPEC-003 is not the branch's
    _git(repo, "stash", "-q", "--include-untracked")
    _git(repo, "checkout", "-q", "main")
    _spec(repo, 3, ref="SPEC-999")
    _git(repo, "commit", "-qam", "3 on main")
    _git(repo, "checkout", "-q", "feature")
    _git(repo, "stash", "pop", "-q")
    _spec(repo, 3, ref="SPEC-998")  # dangling in the work tree too, so a full lint sees it
    _git(repo, "stash", "-q", "--", "docs/specs/SPEC-003-s3.md")

    code, paths, summary = _paths(runner, "--changed", "main")
    # REV...HEAD: what the branch did since it left main, not what main did since
    assert paths == {
        "docs/specs/SPEC-001-s1.md",
        "docs/specs/SPEC-004-s4.md",
        "docs/specs/SPEC-005-s5.md",
    }
    assert code == 1
    # linted: SPEC-001, 004, 005 and SPEC-002 (it references SPEC-001, which changed)
    assert summary["documents"] == 4
    # a whole-book lint reports more than the branch changed
    _spec(repo, 3, ref="SPEC-998")
    _, everything, _ = _paths(runner)
    assert "docs/specs/SPEC-003-s3.md" in everything
    _, again, _ = _paths(runner, "--changed", "main")
    assert "docs/specs/SPEC-003-s3.md" in again  # now an uncommitted change of the branch


def test_a_referrer_of_a_changed_document_is_linted(repo: Path, runner: CliRunner) -> None:
    # SPEC-001 is renamed to SPEC-010: SPEC-002's reference to it now dangles
    old = repo / "docs" / "specs" / "SPEC-001-s1.md"
    old.unlink()
    _spec(repo, 1, title="Renamed")
    (repo / "docs" / "specs" / "SPEC-001-s1.md").rename(repo / "docs" / "specs" / "SPEC-010-s1.md")
    new = repo / "docs" / "specs" / "SPEC-010-s1.md"
    new.write_text(new.read_text().replace("SPEC-001", "SPEC-010"))
    code, paths, summary = _paths(runner, "--changed", "main")
    assert paths == {"docs/specs/SPEC-002-s2.md"}  # through the deleted file's ID
    assert code == 1
    assert summary["documents"] == 2  # SPEC-010 (new) and SPEC-002 (its referrer)


def test_nothing_changed_is_clean(repo: Path, runner: CliRunner) -> None:
    code, paths, summary = _paths(runner, "--changed", "main")
    assert (code, paths, summary["documents"]) == (0, set(), 0)


def test_changed_outside_git_or_with_a_bad_rev_is_a_usage_error(
    book: Path, runner: CliRunner
) -> None:
    r = runner.invoke(main, ["lint", "--changed", "main"])
    assert r.exit_code == 2
    assert "not inside a git repository" in r.output
    _git(book, "init", "-q", "-b", "main")
    r = runner.invoke(main, ["lint", "--changed", "no-such-branch"])
    assert r.exit_code == 2
    assert "specbook: error: git rev-parse" in r.output
    r = runner.invoke(main, ["lint", "--changed", "main", "docs"])
    assert r.exit_code == 2
    assert "without PATHS" in r.output


def test_only_the_changes_and_the_documents_that_mention_them_are_linted(
    repo: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI job's fresh clone has no cache: the rest of the book is read for IDs and
    links only, not linted, and no document is linted twice."""
    from specbook.lint.engine import Linter

    specs = repo / "docs" / "specs"
    _git(repo, "checkout", "-q", "main")  # (on main: not changes of the branch)
    # SPEC-006 mentions SPEC-001 only inside a code block: read in full, not a referrer
    (specs / "SPEC-006-s6.md").write_text(
        SPEC.format(title="Spec 6", id="SPEC-006", ref="the log")
        + "\n```text\nspec-001 was here\n```\n"
    )
    # SPEC-007 refers to SPEC-001 from a file that is not UTF-8 (Latin-1)
    (specs / "SPEC-007-s7.md").write_bytes(
        SPEC.format(title="Spec 7: café", id="SPEC-007", ref="SPEC-001").encode("latin-1")
    )
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "6 and 7")
    _git(repo, "checkout", "-q", "feature")
    _git(repo, "merge", "-q", "--ff-only", "main")
    _spec(repo, 1, ref="SPEC-404")  # the branch's change
    linted: list[str] = []
    real = Linter.lint_document

    def spy(self: Linter, doc: Any) -> Any:
        linted.append(doc.path)
        return real(self, doc)

    monkeypatch.setattr(Linter, "lint_document", spy)
    r = runner.invoke(main, ["lint", "--format", "json", "--changed", "main"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert sorted(linted) == [
        "docs/specs/SPEC-001-s1.md",
        "docs/specs/SPEC-002-s2.md",
        "docs/specs/SPEC-006-s6.md",
        "docs/specs/SPEC-007-s7.md",
    ]
    # reported: the change and its two referrers; SPEC-006 only mentioned the ID
    assert data["summary"]["documents"] == 3
    assert {f["path"] for f in data["findings"]} >= {"docs/specs/SPEC-007-s7.md"}  # SB001
    assert {f["path"] for f in data["findings"] if f["rule"] == "SB401"} == {
        "docs/specs/SPEC-001-s1.md"
    }
    # without the cache, one run lints every document, and reports the same
    linted.clear()
    again = runner.invoke(main, ["lint", "--format", "json", "--changed", "main", "--no-cache"])
    assert json.loads(again.stdout) == data
    assert len(linted) == len(set(linted)) == 6  # SPEC-001..004, 006, 007
