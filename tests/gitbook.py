"""Git repositories built inside a test: pinned names and dates, no user config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

# git must not read the machine's config (signing, hooks, default branch, ...)
ISOLATED = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
}


def isolate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the git that specbook runs in this test ignore the machine's config too."""
    for k, v in ISOLATED.items():
        monkeypatch.setenv(k, v)


def count_git(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on (in ``monkeypatch``'s scope), the git commands specbook starts, in
    order (the COMMAND of each, after git's own options)."""
    from specbook.core.gitrun import command

    calls: list[str] = []
    popen = subprocess.Popen
    at = len(command(Path(".")))  # after git, -C, TOP and the options specbook adds

    def counting(cmd: list[str], *args: Any, **kw: Any) -> Any:
        if cmd[0] == "git":
            calls.append(cmd[at])
        return popen(cmd, *args, **kw)

    monkeypatch.setattr(subprocess, "Popen", counting)
    return calls


def git(repo: Path, *args: str, date: str = "2026-03-01T10:00:00Z") -> str:
    env = {**os.environ, **ISOLATED, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def init(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")


def commit(repo: Path, message: str, date: str) -> str:
    """Commit everything in the work tree at ``date`` (ISO 8601); returns the commit."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").strip()


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in the file at ``path``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def write(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def spec(
    num: int,
    title: str,
    status: str,
    functional: list[tuple[str, str]],
    nonfunctional: list[tuple[int, str, str]],
    ticks: tuple[bool, bool] = (False, False),
    related: str = "DEC-001",
    history: str = "",
) -> str:
    """A small SPEC: Summary, FR/NFR requirements, a two-item Implementation Plan,
    Review History (the Draft row, then ``history`` rows) and Metadata."""
    fr = "\n\n".join(
        f"{i}. **FR-{i}**: {text}\n   - Acceptance Criteria: {crit}"
        for i, (text, crit) in enumerate(functional, 1)
    )
    nfr = "\n\n".join(
        f"{i}. **NFR-{n}**: {text}\n   - Target: {target}"
        for i, (n, text, target) in enumerate(nonfunctional, 1)
    )
    a, b = ("x" if t else " " for t in ticks)
    return f"""# Technical Specification: {title}

**ID**: SPEC-{num:03d}
**Date**: 2026-03-01
**Status**: {status}
**Type**: Feature

## Summary

{title} for the web app. Related: {related}.

## Requirements

### Functional Requirements
{fr}

### Non-Functional Requirements
{nfr}

## Implementation Plan

### Files to Create
- [{a}] `src/auth/login.py` - login service
- [{b}] `tests/test_login.py` - login tests

## Review History

| Date | Reviewer | Status | Feedback |
|------|----------|--------|----------|
| 2026-03-01 | Ann Lee | Draft | First version |
{history}
## Metadata

- **Created**: 2026-03-01
- **Modified**: 2026-03-01
- **Author**: Ann Lee
- **Reviewers**: Bob Stone
- **Approvers**: none
"""
