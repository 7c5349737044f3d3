"""``supersede`` and ``renumber``: several files changed, all or nothing, byte-exact."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import specbook.cli.multi  # noqa: F401  (registers supersede and renumber on main)
from specbook.book import Book
from specbook.cli import main
from specbook.core.errors import NotFoundError, SpecbookError, UsageError
from specbook.edit import commit as multi_commit
from specbook.edit.commit import CommitFailed
from specbook.lint.engine import Linter
from specbook.services.multi import SupersedeRefused, renumber, supersede
from specbook.services.zeroconf import open_book

DAY = dt.date(2026, 5, 4)


def _lint(book: Book, *rules: str) -> list[str]:
    result = Linter(book.config, select=list(rules), today=DAY).run(list(book.documents()))
    return [f"{f.path}:{f.line} {f.rule} {f.message}" for f in result.findings]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "docs").rglob("*"))
        if p.is_file()
    }


# -- supersede -------------------------------------------------------------------------

DEC_002 = b"""# Decision Record: Use Postgres

**ID**: DEC-002
**Date**: 2026-01-10
**Status**: Accepted
**Type**: Technology

## Summary

We use Postgres.

## Review History

| Date | Reviewer | Status | Feedback |
|------|----------|--------|----------|
| 2026-01-10 | alice | Accepted | ok |

## Metadata

- **Created**: 2026-01-10
- **Modified**: 2026-01-10
- **Author**: alice

---

## Notes

Keep nightly backups.

---
"""

DEC_003 = (
    b"# Decision Record: Use SQLite\n\n**ID**: DEC-003\n**Date**: 2026-04-01\n"
    b"**Status**: Accepted\n**Type**: Technology\n\n## Summary\n\nWe use SQLite.\n\n"
    b"## Metadata\n\n- **Created**: 2026-04-01\n- **Modified**: 2026-04-01\n"
    b"- **Author**: bob\n"
).replace(b"\n", b"\r\n")  # CRLF and no Notes section


@pytest.fixture
def decs(book: Path) -> tuple[Path, Path]:
    folder = book / "docs" / "decisions"
    old, new = folder / "DEC-002-use-postgres.md", folder / "DEC-003-use-sqlite.md"
    old.write_bytes(DEC_002)
    new.write_bytes(DEC_003)
    return old, new


def test_supersede_edits_both_files_and_only_the_intended_lines(decs: tuple[Path, Path]) -> None:
    old, new = decs
    book = open_book()
    message = supersede(book, "DEC-002", "DEC-003", by="carol", note="simpler to run", on=DAY)
    assert message.splitlines() == [
        "DEC-002: Accepted -> Superseded",
        "DEC-002: superseded by DEC-003",
        "DEC-003: supersedes DEC-002",
    ]
    want_old = (
        DEC_002.replace(b"**Status**: Accepted", b"**Status**: Superseded")
        .replace(
            b"| 2026-01-10 | alice | Accepted | ok |\n",
            b"| 2026-01-10 | alice | Accepted | ok |\n"
            b"| 2026-05-04 | carol | Superseded | Superseded by DEC-003; simpler to run |\n",
        )
        .replace(b"- **Modified**: 2026-01-10", b"- **Modified**: 2026-05-04")
        .replace(b"Keep nightly backups.\n", b"Keep nightly backups.\n\nSuperseded by DEC-003.\n")
    )
    got_old = old.read_bytes()
    assert got_old == want_old, "".join(
        difflib.unified_diff(want_old.decode().splitlines(True), got_old.decode().splitlines(True))
    )
    want_new = DEC_003.replace(b"- **Modified**: 2026-04-01", b"- **Modified**: 2026-05-04") + (
        b"\r\n## Notes\r\n\r\nSupersedes DEC-002.\r\n"
    )
    assert new.read_bytes() == want_new
    assert _lint(book, "SB402") == []
    doc = book.find("DEC-002")
    assert doc.status == "Superseded"
    assert doc.review_history[-1].status == "Superseded"


def test_supersede_twice_is_a_no_op(decs: tuple[Path, Path]) -> None:
    book = open_book()
    supersede(book, "DEC-002", "DEC-003", by="carol", on=DAY)
    before = _snapshot(book.root)
    assert "already superseded" in supersede(book, "DEC-002", "DEC-003", by="carol", on=DAY)
    assert _snapshot(book.root) == before


def test_supersede_on_template_documents_via_cli(book: Path, runner: CliRunner) -> None:
    env = {"SPECBOOK_TODAY": "2026-05-04"}
    for title in ("Old way", "New way"):
        assert runner.invoke(main, ["new", "spec", title, "--author", "al"], env=env).exit_code == 0
    before = _snapshot(book)
    result = runner.invoke(main, ["supersede", "SPEC-001", "SPEC-002", "--by", "bo"], env=env)
    assert result.exit_code == 0, result.output
    after = _snapshot(book)
    changed = {}
    for rel, data in before.items():
        a, b = data.decode().splitlines(), after[rel].decode().splitlines()
        changed[rel] = [
            line[1:]
            for line in difflib.unified_diff(a, b, n=0, lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
    assert changed["docs/specs/SPEC-001-old-way.md"] == [
        "**Status**: Draft",
        "**Status**: Archived",
        # (the template's example rows give way to the first real row)
        "| [YYYY-MM-DD] | [Name] | Draft | [Comments] |",
        "| [YYYY-MM-DD] | [Name] | Approved | [Comments] |",
        "| 2026-05-04 | bo | Archived | Superseded by SPEC-002 |",
        "",
        "Superseded by SPEC-002.",
    ]
    assert changed["docs/specs/SPEC-002-new-way.md"] == ["", "Supersedes SPEC-001."]
    assert _lint(open_book(book), "SB402") == []


def test_supersede_refusals_change_nothing(decs: tuple[Path, Path], book: Path) -> None:
    (book / "docs" / "specs" / "SPEC-001-x.md").write_bytes(
        b"# Technical Specification: X\n\n**ID**: SPEC-001\n**Status**: Draft\n"
    )
    (book / "docs" / "decisions" / "DEC-004-other.md").write_bytes(
        b"# Decision Record: Other\n\n**ID**: DEC-004\n**Status**: Accepted\n"
    )
    (book / "docs" / "decisions" / "DEC-005-gone.md").write_bytes(
        b"# Decision Record: Gone\n\n**ID**: DEC-005\n**Status**: Superseded\n\n"
        b"## Notes\n\nSuperseded by DEC-004.\n"
    )
    b = open_book()
    before = _snapshot(book)
    with pytest.raises(UsageError, match="cannot supersede itself"):
        supersede(b, "DEC-002", "dec-002", on=DAY)
    with pytest.raises(NotFoundError, match="DEC-042"):
        supersede(b, "DEC-042", "DEC-003", on=DAY)
    with pytest.raises(SupersedeRefused, match="own kind"):
        supersede(b, "SPEC-001", "DEC-003", on=DAY)
    with pytest.raises(SupersedeRefused, match="already superseded by DEC-004"):
        supersede(b, "DEC-005", "DEC-003", on=DAY)
    with pytest.raises(SupersedeRefused, match="DEC-005 is itself superseded"):
        supersede(b, "DEC-002", "DEC-005", on=DAY)
    assert _snapshot(book) == before
    supersede(b, "DEC-002", "DEC-003", on=DAY)
    with pytest.raises(SupersedeRefused, match="already supersedes"):
        supersede(b, "DEC-003", "DEC-002", on=DAY)


def test_supersede_cli_refusal_exit_codes(decs: tuple[Path, Path], runner: CliRunner) -> None:
    same = runner.invoke(main, ["supersede", "DEC-002", "DEC-002"])
    assert same.exit_code == 2 and "cannot supersede itself" in same.output
    unknown = runner.invoke(main, ["supersede", "DEC-002", "DEC-099"])
    assert unknown.exit_code == 1 and "DEC-099" in unknown.output


def test_supersede_second_write_fails_first_is_restored(
    decs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = decs
    real = multi_commit._install
    calls: list[Path] = []

    def flaky(tmp: str, target: Path) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(target))
        real(tmp, target)

    monkeypatch.setattr(multi_commit, "_install", flaky)
    with pytest.raises(CommitFailed, match="every file was put back"):
        supersede(open_book(), "DEC-002", "DEC-003", by="carol", on=DAY)
    assert calls == [old, new]  # the first file was really replaced, then put back
    assert old.read_bytes() == DEC_002
    assert new.read_bytes() == DEC_003
    assert not [p for p in old.parent.iterdir() if p.name.endswith(".tmp")]


# -- renumber --------------------------------------------------------------------------

# `{N}`: a mention that means the newer SPEC-004 (export) and must become SPEC-005;
# `{I}`: the newer document's own ID field; `{O}`: mentions that must stay SPEC-004.
LOGIN = """# Technical Specification: Login

**ID**: {O}
**Status**: Draft

## Requirements

1. **FR-1**: Users log in.
2. **FR-2**: Users log out; see {O}/FR-1.
"""

EXPORT = """# Technical Specification: Export

**ID**: {I}
**Status**: Draft

## Summary

{N} replaces the manual export; FR-3 builds on {N}/FR-1.

## Requirements

1. **FR-1**: Export CSV.
2. **FR-2**: Export on a schedule.
3. **FR-3**: Export JSON too (like {N}/FR-1).
"""

TASK_1 = """# Task: Build the exporter

**ID**: TASK-001
**Status**: Todo

Implements {N}. Covers {N}/FR-1, {N}/FR-2 and {N}/FR-3.

| Spec | Why |
|------|-----|
| {N} | the source |

```sh
specbook show {O}
```

Also see `{N}`.
"""

TASK_2 = """# Task: Schedule exports

**ID**: TASK-002
**Status**: Todo

- Spec: {N}
- Requirement: {N}/FR-2
- Parent: **{N}**
- Related: TASK-001, {N}/FR-1
- Notes: ({N}), [{N}](../specs/SPEC-004-export.md)
"""

DEC_1 = """# Decision Record: CSV first

**ID**: DEC-001
**Status**: Accepted

For {N} we ship CSV first ({N}/FR-1), JSON later ({N}/FR-3), see {N}.
"""

BUG_1 = """# Bug Report: Login loops

**ID**: BUG-001
**Status**: Open

Seen in {O} (FR-2: {O}/FR-2). Not about {N}/FR-3, which only the export spec has.
Also {O}.
"""

SPEC_1 = """# Technical Specification: Base

**ID**: SPEC-001
**Status**: Draft

Later, {O} will follow.
"""

# (path, text, age): the older SPEC-004 is 1000, the newer 2000.
BOOK = [
    ("docs/specs/SPEC-001-base.md", SPEC_1, 500),
    ("docs/specs/SPEC-004-login.md", LOGIN, 1000),
    ("docs/bugs/BUG-001-login-loops.md", BUG_1, 1500),
    ("docs/specs/SPEC-004-export.md", EXPORT, 2000),
    ("docs/tasks/TASK-001-build.md", TASK_1, 3000),
    ("docs/tasks/TASK-002-schedule.md", TASK_2, 3000),
    ("docs/decisions/DEC-001-csv-first.md", DEC_1, 2500),
]
TOKEN = re.compile(r"\{([NIO])\}")


def _make(book: Path) -> dict[str, tuple[bytes, list[int]]]:
    """Write the book; returns, per file, its bytes and the offsets that must change."""
    out = {}
    for rel, text, age in BOOK:
        data, spots, pos = b"", [], 0
        for m in TOKEN.finditer(text):
            data += text[pos : m.start()].encode()
            if m.group(1) in "NI":
                spots.append(len(data))
            data += b"SPEC-004"
            pos = m.end()
        data += text[pos:].encode()
        path = book / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (age, age))
        out[rel] = (data, spots)
    return out


def test_renumber_rewrites_exactly_the_twenty_references_and_the_file_name(book: Path) -> None:
    made = _make(book)
    n_refs = sum(text.count("{N}") for _, text, _ in BOOK)
    assert n_refs == 20
    b = open_book()
    assert any("SB106" in f for f in _lint(b, "SB106"))
    plan = renumber(b, use_git=False)
    assert [(r.old_id, r.new_id, r.path, r.new_path) for r in plan.renames] == [
        ("SPEC-004", "SPEC-005", "docs/specs/SPEC-004-export.md", "docs/specs/SPEC-005-export.md")
    ]
    assert len([r for r in plan.rewritten if r.why != "its ID field"]) == 20
    assert not (book / "docs/specs/SPEC-004-export.md").exists()
    for rel, (data, spots) in made.items():
        now_rel = rel.replace("SPEC-004-export", "SPEC-005-export")
        got = (book / now_rel).read_bytes()
        want = bytearray(data)
        for at in spots:
            want[at : at + 8] = b"SPEC-005"
        assert got == bytes(want), rel
    assert _lint(open_book(), "SB106", "SB401") == []
    left = {(r.path, r.line) for r in plan.left}
    assert ("docs/specs/SPEC-001-base.md", 6) in left  # older than both: left, and listed
    assert ("docs/bugs/BUG-001-login-loops.md", 6) in left


def test_renumber_dry_run_writes_nothing_and_prints_the_plan(book: Path, runner: CliRunner) -> None:
    _make(book)
    before = _snapshot(book)
    result = runner.invoke(main, ["renumber", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert _snapshot(book) == before
    assert not (book / ".specbook").exists()
    out = result.output
    assert (
        "SPEC-004 -> SPEC-005: docs/specs/SPEC-004-export.md -> docs/specs/SPEC-005-export.md"
        in out
    )
    assert "docs/tasks/TASK-002-schedule.md:6:" in out
    assert "dry run: nothing was written" in out
    as_json = runner.invoke(main, ["renumber", "--dry-run", "--json"])
    data: dict[str, Any] = json.loads(as_json.output)
    assert data["dry_run"] is True
    assert len(data["rewritten"]) == 21  # 20 references and the ID field
    assert _snapshot(book) == before


def test_renumber_cli_writes_and_then_has_nothing_to_do(book: Path, runner: CliRunner) -> None:
    _make(book)
    result = runner.invoke(main, ["renumber"])
    assert result.exit_code == 0, result.output
    assert (book / "docs/specs/SPEC-005-export.md").is_file()
    again = runner.invoke(main, ["renumber"])
    assert again.exit_code == 0 and "nothing to renumber" in again.output


def test_renumber_failure_midway_restores_every_file(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make(book)
    before = _snapshot(book)
    real = multi_commit._install
    calls: list[Path] = []

    def flaky(tmp: str, target: Path) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError(5, "Input/output error", str(target))
        real(tmp, target)

    monkeypatch.setattr(multi_commit, "_install", flaky)
    with pytest.raises(SpecbookError, match="put back"):
        renumber(open_book(), use_git=False)
    assert len(calls) == 3
    assert _snapshot(book) == before
    leftovers = [p for p in book.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_renumber_refuses_a_file_changed_meanwhile(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make(book)
    task = book / "docs/tasks/TASK-002-schedule.md"
    real = multi_commit._install
    calls: list[Path] = []

    def meddle(tmp: str, target: Path) -> None:
        calls.append(target)
        if len(calls) == 1:
            task.write_bytes(task.read_bytes() + b"\nedited by someone\n")
        real(tmp, target)

    monkeypatch.setattr(multi_commit, "_install", meddle)
    before = {k: v for k, v in _snapshot(book).items()}
    with pytest.raises(SpecbookError, match="changed on disk"):
        renumber(open_book(), use_git=False)
    after = _snapshot(book)
    rel = "docs/tasks/TASK-002-schedule.md"
    assert after[rel].endswith(b"edited by someone\n")  # their edit is kept
    del before[rel], after[rel]
    assert after == before  # everything else as it was


def test_supersede_sentence_stays_in_notes_when_sections_are_added(book: Path) -> None:
    # (history = "section": Review History is added at the end, after Notes)
    toml = book / "specbook.toml"
    toml.write_text(toml.read_text().replace("[kinds.DEC]\n", '[kinds.DEC]\nhistory = "section"\n'))
    folder = book / "docs" / "decisions"
    old = folder / "DEC-001-a.md"
    new = folder / "DEC-002-b.md"
    old_bytes = b"# Decision Record: A\n\n**ID**: DEC-001\n**Status**: Accepted\n\n## Notes\n\nlast"
    old.write_bytes(old_bytes)  # Notes ends the file, with no newline; no history, no metadata
    new_bytes = b"# Decision Record: B\r\n\r\n**ID**: DEC-002\r\n**Status**: Accepted\r\n"
    new.write_bytes(new_bytes)
    b = open_book()
    supersede(b, "DEC-001", "DEC-002", by="x", on=DAY)
    doc = b.load(old)
    notes = doc.section("Notes")
    assert notes is not None
    assert b"Superseded by DEC-002." in doc.source[notes.span.start : notes.span.end]
    got = old.read_bytes()
    assert got.startswith(old_bytes.replace(b"Accepted", b"Superseded") + b"\n\nSuperseded by")
    # NEW keeps no Notes, no Metadata: the link is a header line like its others, CRLF kept
    assert new.read_bytes() == new_bytes + b"**Supersedes**: DEC-001\r\n"
    assert b.find("DEC-001").review_history[-1].feedback == "Superseded by DEC-002"
    assert _lint(b, "SB402") == []
