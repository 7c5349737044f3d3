"""`specbook report`: counts, stale reviews, checklists, risks, timelines, review load.

The example book's JSON report is compared with tests/golden/report/example-book.json,
made with SPECBOOK_TODAY=2026-12-15 (a day on which the book has a stale review and
overdue phases). To regenerate it on purpose after a deliberate change, run
``SPECBOOK_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_report.py`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.core.config import config_from_mapping, default_config
from specbook.core.model import Document
from specbook.lint.engine import Linter
from specbook.parse import parse
from specbook.services.report import build_report, render_markdown, render_text, report_json

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"
GOLDEN = Path(__file__).resolve().parent / "golden" / "report" / "example-book.json"
TODAY = dt.date(2026, 12, 15)
CONFIG = default_config(Path("/book"))


def spec(
    num: int,
    status: str = "Draft",
    *,
    title: str = "A spec",
    history: str = "",
    modified: str = "2026-01-01",
    body: str = "",
    author: str = "Ann Author",
    reviewers: str = "None",
) -> Document:
    """A small SPEC with the parts the report reads."""
    text = f"""# Technical Specification: {title}

**ID**: SPEC-{num:03d}
**Date**: 2026-01-01
**Status**: {status}
**Type**: Feature

{body}

## Review History

| Date | Reviewer | Status | Feedback |
|------|----------|--------|----------|
{history}

## Metadata

- **Created**: 2026-01-01
- **Modified**: {modified}
- **Author**: {author}
- **Reviewers**: {reviewers}
"""
    return parse(text.encode(), f"docs/specs/SPEC-{num:03d}-x.md", CONFIG)


def _report_cli(book: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(book)
    monkeypatch.setenv("SPECBOOK_TODAY", TODAY.isoformat())
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.output


# --- the example book ------------------------------------------------------------


def test_example_book_json_matches_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _report_cli(EXAMPLE, ["--format", "json"], monkeypatch)
    assert code == 0, out
    if os.environ.get("SPECBOOK_REGEN_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(out, encoding="utf-8")
    assert GOLDEN.is_file(), f"{GOLDEN} is missing; SPECBOOK_REGEN_GOLDEN=1 writes it"
    assert json.loads(out) == json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert out == GOLDEN.read_text(encoding="utf-8")  # key order is part of the contract


def test_example_book_key_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(_report_cli(EXAMPLE, ["--format", "json"], monkeypatch)[1])
    assert data["version"] == 1 and data["today"] == "2026-12-15" and data["documents"] == 14
    spec_counts = data["counts"][0]
    assert spec_counts["kind"] == "SPEC" and spec_counts["total"] == 5
    assert spec_counts["statuses"]["Review"] == 1 and spec_counts["types"]["Feature"] == 3
    assert [(w["id"], w["days"], w["stale"]) for w in data["in_review"]] == [("SPEC-003", 29, True)]
    overdue = [
        (t["id"], p["phase"]) for t in data["timelines"] for p in t["phases"] if p["overdue"]
    ]
    # SPEC-005's cancelled phases ended long ago but are not overdue
    assert overdue == [
        ("SPEC-002", "Implementation"),
        ("SPEC-004", "Design"),
        ("SPEC-004", "Implementation"),
    ]
    top = data["risks"][0]
    assert (top["id"], top["score"], top["probability"], top["impact"]) == (
        "SPEC-005",
        9,
        "High",
        "High",
    )
    scores = [r["score"] for r in data["risks"]]
    assert scores == sorted(scores, reverse=True)
    amara = next(r for r in data["reviewers"] if r["name"] == "Amara Okafor")
    assert amara["pending"] == ["SPEC-003"] and amara["approvals"] == 3
    assert data["summary"]["stale_reviews"] == 1 and data["summary"]["overdue_phases"] == 3


def test_example_book_text_and_markdown_show_the_key_facts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, text = _report_cli(EXAMPLE, [], monkeypatch)
    assert code == 0, text
    stale_line = next(line for line in text.splitlines() if "SPEC-003" in line and "29" in line)
    assert "STALE" in stale_line and "2026-11-16" in stale_line
    overdue = [line.split()[0] for line in text.splitlines() if "OVERDUE" in line]
    assert overdue == ["Implementation", "Design", "Implementation"]
    risk_line = next(line for line in text.splitlines() if "Quota still exceeded" in line)
    assert risk_line.split()[:4] == ["9", "High", "High", "SPEC-005"]
    assert "Pre-Deployment Checklist  5/5" in text
    assert "SPEC-001  20/21 (95%)" in text

    code, md = _report_cli(EXAMPLE, ["--format", "markdown"], monkeypatch)
    assert code == 0, md
    assert md.startswith("# Report: parcel\n")
    for heading in ("Documents", "In review", "Checklists", "Risk register", "Timeline"):
        assert f"\n## {heading}\n" in md
    assert "| SPEC-003 | Delivery notifications | 2026-11-16 |" in md and "**stale**" in md
    assert (
        "| SPEC-002 | Implementation | 40 days | 2026-10-19 | 2026-12-11 | In Progress | "
        "**overdue** |" in md
    )
    assert "| 9 | SPEC-005 | Quota still exceeded as instances grow | High | High |" in md
    assert "| Amara Okafor | 7 | 3 | SPEC-003 |" in md
    # every table row has as many cells as its header
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert all(line.endswith("|") for line in rows)


def test_report_does_not_depend_on_document_order() -> None:
    docs = [spec(2, "Review", history="| 2026-11-01 | Ann Author | Review | go |"), spec(1)]
    assert build_report(docs, CONFIG, TODAY) == build_report(docs[::-1], CONFIG, TODAY)


# --- stale reviews ---------------------------------------------------------------


def test_stale_review_is_counted_from_the_last_move_to_review() -> None:
    docs = [
        # back to Review after changes: the later row counts (20 days), so stale
        spec(
            1,
            "Review",
            history="| 2026-10-01 | Ann Author | Review | first |\n"
            "| 2026-10-05 | Bob | Draft | changes |\n"
            "| 2026-11-25 | Ann Author | Review | again |",
        ),
        # 14 days exactly: not more than the book allows
        spec(2, "Review", history="| 2026-12-01 | Ann Author | Review | go |"),
        # no Review row: Metadata Modified counts
        spec(3, "Review", modified="2026-11-01"),
        spec(4, "Draft", history="| 2026-01-01 | Ann Author | Review | old |"),
    ]
    report = build_report(docs, CONFIG, TODAY)
    got = {
        w.id: (w.since.isoformat(), w.since_source.split()[0], w.days, w.stale)
        for w in report.in_review
    }
    assert got == {
        "SPEC-001": ("2026-11-25", "Review", 20, True),
        "SPEC-002": ("2026-12-01", "Review", 14, False),
        "SPEC-003": ("2026-11-01", "Modified", 44, True),
    }
    assert [w.id for w in report.stale] == ["SPEC-001", "SPEC-003"]


def test_stale_review_agrees_with_rule_sb504_and_its_days_option() -> None:
    config = config_from_mapping(
        {"lint": {"rules": {"stale-review": {"days": 30}}}}, root=Path("/book"), path=None
    )
    docs = [
        parse(d.source, d.path, config)
        for d in (
            spec(1, "Review", history="| 2026-11-25 | Ann Author | Review | go |"),
            spec(2, "Review", history="| 2026-11-01 | Ann Author | Review | go |"),
            spec(3, "Review", modified="2026-11-14"),
            spec(4, "Review", modified="2026-11-16"),
        )
    ]
    report = build_report(docs, config, TODAY)
    assert report.stale_after_days == 30
    linter = Linter(config, select=["SB504"], today=TODAY)
    flagged = {d.id for d in docs if linter.lint_document(d)}
    assert {w.id for w in report.stale} == flagged == {"SPEC-002", "SPEC-003"}


def test_invalid_stale_days_is_a_config_error(book: Path, runner: CliRunner) -> None:
    (book / "specbook.toml").write_text('[lint.rules.SB504]\ndays = "two weeks"\n')
    r = runner.invoke(main, ["report"])
    assert r.exit_code == 2
    assert "lint.rules.SB504.days" in r.output and "two weeks" in r.output


# --- timeline ----------------------------------------------------------------------

TIMELINE = """
## Timeline

| Phase | Duration | Start Date | End Date | Status |
|-------|----------|------------|----------|--------|
| Design | 5 days | 2026-11-01 | 2026-11-05 | Done |
| Build | 10 days | 2026-11-09 | 2026-12-14 | In Progress |
| Polish | 2 days | 2026-11-20 | 2026-11-21 | cancelled |
| Docs | 1 day | 2026-12-01 | 2026-12-02 | |
| Release | 1 day | 2026-12-15 | 2026-12-15 | Planned |
| Later | [X days] | [YYYY-MM-DD] | [YYYY-MM-DD] | [Status] |
| Someday | 3 days | soon | next year | Planned |
"""


def test_overdue_phases_end_before_today_and_are_not_closed() -> None:
    report = build_report([spec(1, body=TIMELINE)], CONFIG, TODAY)
    (timeline,) = report.timelines
    got = [(p.phase, p.overdue) for p in timeline.phases]
    assert got == [
        ("Design", False),  # done
        ("Build", True),  # ended yesterday, still in progress
        ("Polish", False),  # cancelled
        ("Docs", True),  # no status says it is done
        ("Release", False),  # ends today
        ("Someday", False),  # no date to compare
    ]
    assert timeline.phases[1].duration == "10 days" and timeline.phases[1].end == "2026-12-14"
    assert [p.phase for _, p in report.overdue] == ["Build", "Docs"]


# --- risks -------------------------------------------------------------------------


def test_risks_are_scored_and_sorted_across_documents() -> None:
    one = """
## Risk Assessment

| Risk | Probability | Impact | Mitigation |
|------|-------------|--------|------------|
| Low and low | Low | Low | Accept |
| Likely thing | Likely | High | Argue |
| [Risk 1] | High/Med/Low | High/Med/Low | [How to mitigate] |
| Medium spelled out | medium | HIGH | [How to mitigate] |
"""
    two = """
## Risk Assessment

| Risk | Probability | Impact | Mitigation |
|------|-------------|--------|------------|
| Worst | High | High | Pray |
| Middling | Med | Med | Watch |
"""
    report = build_report([spec(1, body=one), spec(2, body=two)], CONFIG, TODAY)
    got = [(r.id, r.risk, r.probability, r.impact, r.score, r.mitigation) for r in report.risks]
    assert got == [
        ("SPEC-002", "Worst", "High", "High", 9, "Pray"),
        ("SPEC-001", "Medium spelled out", "Med", "High", 6, ""),
        ("SPEC-002", "Middling", "Med", "Med", 4, "Watch"),
        ("SPEC-001", "Low and low", "Low", "Low", 1, "Accept"),
        ("SPEC-001", "Likely thing", "Likely", "High", None, "Argue"),  # unscored: last
    ]
    assert report_json(report)["risks"][-1]["score"] is None


# --- checklists --------------------------------------------------------------------

CHECKLISTS = """
## Implementation Plan

### Files to Create
- [x] `a.py` - one
- [ ] `b.py` - two

### Files to Modify
- [X] `c.py` - three
- [ ] [path/to/file.py] - [Purpose]

## Testing Strategy

### Unit Tests
- [ ] `test_a()` - Tests a

## Deployment

### Pre-Deployment Checklist
- [x] Tests passing
- [x] Documentation updated
"""


def test_checklist_completion_overall_and_per_section() -> None:
    report = build_report([spec(1, body=CHECKLISTS), spec(2)], CONFIG, TODAY)
    (progress,) = report.checklists  # SPEC-002 has no checklist
    assert (progress.id, progress.done, progress.total) == ("SPEC-001", 4, 6)
    assert [(s.section, s.done, s.total) for s in progress.sections] == [
        ("Implementation Plan", 2, 3),  # the prompt-only item is not counted
        ("Testing Strategy", 0, 1),
        ("Pre-Deployment Checklist", 2, 2),
    ]
    summary = report_json(report)["summary"]
    assert (summary["checklist_done"], summary["checklist_total"]) == (4, 6)


# --- review load -------------------------------------------------------------------


def test_review_load_counts_rows_by_others_and_pending_reviews() -> None:
    docs = [
        spec(
            1,
            "Approved",
            history="| 2026-11-01 | Ann Author | Review | go |\n"
            "| 2026-11-02 | Bob Builder | Comment | nit |\n"
            "| 2026-11-03 | bob builder | Approved | fine |",
            reviewers="Bob Builder, Cy Critic",
        ),
        spec(
            2,
            "Review",
            history="| 2026-11-20 | Ann Author | Review | go |",
            reviewers="Cy Critic, @Bob Builder and Ann Author",
        ),
        spec(3, "Draft", reviewers="Dee Draft"),  # not in Review: nothing pending
    ]
    report = build_report(docs, CONFIG, TODAY)
    got = [(r.name, r.reviews, r.approvals, r.reviewed, r.pending) for r in report.reviewers]
    assert got == [
        ("Bob Builder", 2, 1, ("SPEC-001",), ("SPEC-002",)),
        ("Cy Critic", 0, 0, (), ("SPEC-002",)),
    ]


# --- empty book and output safety --------------------------------------------------


def test_a_book_without_documents_gives_an_empty_valid_report(
    book: Path, runner: CliRunner
) -> None:
    r = runner.invoke(main, ["report", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert r.stderr.startswith("specbook: warning: no documents found under")  # (and why)
    assert data["version"] == 1 and data["documents"] == 0
    for key in ("in_review", "checklists", "risks", "timelines", "reviewers"):
        assert data[key] == []
    assert [c["kind"] for c in data["counts"]] == ["SPEC", "DEC", "BUG", "TASK"]
    assert all(c["total"] == 0 and not any(c["statuses"].values()) for c in data["counts"])
    assert data["summary"] == {
        "stale_reviews": 0,
        "overdue_phases": 0,
        "risks": 0,
        "checklist_done": 0,
        "checklist_total": 0,
    }
    for fmt in ("text", "markdown"):
        r = runner.invoke(main, ["report", "--format", fmt])
        assert r.exit_code == 0 and "0 documents" in r.output, r.output


def test_markdown_cells_escape_pipes() -> None:
    doc = spec(
        1,
        "Review",
        title="Pipes | in titles",
        history="| 2026-11-01 | Ann Author | Review | go |",
        body=CHECKLISTS,
    )
    md = render_markdown(build_report([doc], CONFIG, TODAY))
    assert "| SPEC-001 | Pipes \\| in titles | 2026-11-01 |" in md
    text = render_text(build_report([doc], CONFIG, TODAY))
    assert "Pipes | in titles" in text and "STALE" in text


def test_bad_format_is_a_usage_error(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["report", "--format", "html"])
    assert r.exit_code == 2
