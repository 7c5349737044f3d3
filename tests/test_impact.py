"""`specbook impact`: which documents' Implementation Plans name the changed files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.trace.impact import normalise, planned_files

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the example book, outside any git repository; cwd is its root."""
    root = tmp_path / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(root)
    return root


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _impact(*args: str) -> dict[str, Any]:
    code, out = _run("impact", "--json", *args)
    assert code == 0, out
    data: dict[str, Any] = json.loads(out)
    return data


def _hits(data: dict[str, Any]) -> set[tuple[str, str, int, str]]:
    return {
        (d["id"], m["file"], m["line"], m["section"])
        for d in data["documents"]
        for m in d["matches"]
    }


def test_paths_name_the_specs_that_plan_them(example: Path) -> None:
    data = _impact("parcel/tracker/service.py", "README.md")
    assert _hits(data) == {
        ("SPEC-001", "parcel/tracker/service.py", 101, "Files to Create"),
        ("SPEC-002", "parcel/tracker/service.py", 103, "Files to Modify"),
        ("SPEC-003", "parcel/tracker/service.py", 105, "Files to Modify"),
    }
    assert data["files"] == ["parcel/tracker/service.py", "README.md"]
    assert data["unmatched"] == ["README.md"]
    spec1 = data["documents"][0]
    assert {k: spec1[k] for k in ("id", "title", "status", "kind", "path")} == {
        "id": "SPEC-001",
        "title": "Shipment tracking API",
        "status": "Implemented",
        "kind": "SPEC",
        "path": "docs/specs/SPEC-001-shipment-tracking-api.md",
    }
    assert spec1["matches"] == [
        {
            "file": "parcel/tracker/service.py",
            "listed": "parcel/tracker/service.py",
            "line": 101,
            "section": "Files to Create",
            "checked": True,
        }
    ]


def test_text_output(example: Path) -> None:
    code, out = _run("impact", "parcel/api/shipments.py", "docs/notes.txt")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "2 documents name files among the 2 changed:"
    assert (
        "SPEC-004  Carrier auto-detection  [Draft]  docs/specs/SPEC-004-carrier-auto-detection.md"
        in lines
    )
    assert (
        "  parcel/api/shipments.py  docs/specs/SPEC-004-carrier-auto-detection.md:102 Files to Modify"
        in lines
    )
    assert lines[-2:] == ["Named by no document (1):", "  docs/notes.txt"]
    code, out = _run("impact", "nothing/here.py")
    assert (code, out) == (0, "No document names this file.\n")


def test_paths_are_normalised(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absolute = str(example / "parcel" / "carriers" / "detect.py")
    data = _impact("./parcel\\webhooks\\signature.py", absolute, "parcel/x/../poller/loop.py")
    assert {(h[0], h[1]) for h in _hits(data)} == {
        ("SPEC-002", "parcel/webhooks/signature.py"),
        ("SPEC-004", "parcel/carriers/detect.py"),
        ("SPEC-005", "parcel/poller/loop.py"),
    }
    # relative to the current folder, like any shell path
    (example / "parcel" / "api").mkdir(parents=True)
    monkeypatch.chdir(example / "parcel")
    assert {h[0] for h in _hits(_impact("api/shipments.py"))} == {"SPEC-001", "SPEC-004"}


def test_a_listed_path_matches_the_end_of_a_longer_one(example: Path) -> None:
    data = _impact("src/parcel/app.py", "notparcel/app.py")
    (doc,) = data["documents"]
    assert doc["id"] == "SPEC-001"
    assert doc["matches"] == [
        {
            "file": "src/parcel/app.py",
            "listed": "parcel/app.py",
            "line": 105,
            "section": "Files to Modify",
            "checked": True,
        }
    ]
    assert data["unmatched"] == ["notparcel/app.py"]


def test_planned_files_folders_globs_and_plain_items(tmp_path: Path) -> None:
    from specbook.parse import parse

    doc = parse(
        b"# Technical Specification: X\n\n**ID**: SPEC-001\n\n## Implementation Plan\n\n"
        b"### Files to Create\n- [ ] `app/webhooks/` - the package\n"
        b"- [x] `db/**/*.sql` and `app\\\\cli.py` - migrations, CLI\n"
        b"- app/plain.py - no code span\n- [ ] `make test` - a command, not a file\n"
        b"\n### Dependencies to Add\n- `requests.py` - not a Files section\n",
        "docs/specs/SPEC-001-x.md",
        None,
    )
    planned = [(p.path, p.line, p.checked) for p in planned_files(doc)]
    assert planned == [
        ("app/webhooks/", 8, False),
        ("db/**/*.sql", 9, True),
        ("app/cli.py", 9, True),
        ("app/plain.py", 10, None),
    ]


def test_normalise(tmp_path: Path) -> None:
    assert normalise("./a/./b/../c.py") == "a/c.py"
    assert normalise("a\\b\\c.py") == "a/b/c.py"
    assert normalise(str(tmp_path / "x" / "y.py"), tmp_path) == "x/y.py"
    assert normalise("/elsewhere/y.py", tmp_path) == "/elsewhere/y.py"
    assert normalise("pkg/", tmp_path) == "pkg/"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main",
         *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def _write(root: Path, rel: str, text: str = "x = 1\n") -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def test_git_diff(example: Path) -> None:
    _write(example, "parcel/poller/loop.py")
    _write(example, "parcel/api/shipments.py")
    _write(example, ".gitignore", "build/\n")
    _git(example, "init", "-q")
    _git(example, "add", "-A")
    _git(example, "commit", "-q", "-m", "base")
    _git(example, "tag", "base")
    _write(example, "parcel/poller/loop.py", "x = 2\n")
    _git(example, "commit", "-q", "-am", "scheduler")
    # uncommitted: a modified tracked file, a new untracked file, an ignored file
    _write(example, "parcel/api/shipments.py", "x = 3\n")
    _write(example, "parcel/webhooks/signature.py")
    _write(example, "build/parcel/carriers/detect.py")
    data = _impact("--git-diff", "base")
    assert data["files"] == [
        "parcel/api/shipments.py",
        "parcel/poller/loop.py",
        "parcel/webhooks/signature.py",
    ]
    assert {(h[0], h[1]) for h in _hits(data)} == {
        ("SPEC-001", "parcel/api/shipments.py"),
        ("SPEC-004", "parcel/api/shipments.py"),
        ("SPEC-005", "parcel/poller/loop.py"),
        ("SPEC-002", "parcel/webhooks/signature.py"),
    }
    # HEAD: only what is not committed yet; paths and --git-diff combine
    data = _impact("--git-diff", "HEAD", "parcel/app.py")
    assert data["files"] == [
        "parcel/app.py",
        "parcel/api/shipments.py",
        "parcel/webhooks/signature.py",
    ]


def test_git_diff_takes_what_the_branch_changed_not_what_main_gained(example: Path) -> None:
    _write(example, "parcel/app.py")
    _git(example, "init", "-q")
    _git(example, "add", "-A")
    _git(example, "commit", "-q", "-m", "base")
    _git(example, "checkout", "-q", "-b", "feature")
    _write(example, "parcel/carriers/detect.py")
    _git(example, "add", "-A")
    _git(example, "commit", "-q", "-m", "detector")
    _git(example, "checkout", "-q", "main")
    _write(example, "parcel/app.py", "x = 2\n")
    _git(example, "commit", "-q", "-am", "main moves on")
    _git(example, "checkout", "-q", "feature")
    data = _impact("--git-diff", "main")
    assert data["files"] == ["parcel/carriers/detect.py"]
    assert [d["id"] for d in data["documents"]] == ["SPEC-004"]


def test_git_diff_in_a_book_below_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo / "handbook", ignore=shutil.ignore_patterns(".specbook"))
    _write(repo, "README.md")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _write(repo, "handbook/parcel/app.py")
    _write(repo, "README.md", "changed\n")
    monkeypatch.chdir(repo / "handbook")
    data = _impact("--git-diff", "HEAD")
    assert data["files"] == ["README.md", "parcel/app.py"]
    assert [d["id"] for d in data["documents"]] == ["SPEC-001"]


def test_git_errors(example: Path) -> None:
    code, out = _run("impact", "--git-diff", "main")
    assert code == 2
    assert "is not inside a git repository" in out and "pass the changed files as PATHS" in out
    _git(example, "init", "-q")
    _git(example, "add", "-A")
    _git(example, "commit", "-q", "-m", "base")
    code, out = _run("impact", "--git-diff", "no-such-branch")
    assert code == 2 and "git diff no-such-branch failed" in out
    code, out = _run("impact", "--git-diff", "--output=/tmp/x")
    assert code == 2 and "give a commit, branch or tag" in out


def test_usage(example: Path) -> None:
    code, out = _run("impact")
    assert code == 2 and "give the changed files as PATHS, or --git-diff REV" in out
    os.chdir(example.parent)
    code, out = _run("impact", "a.py")
    assert code == 2 and "no specbook.toml" in out
