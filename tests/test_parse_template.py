"""The document model of a filled-in seed template, through `specbook show --json`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from specbook.cli import main
from tests.conftest import FIXTURES


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first line that contains ``needle``."""
    for i, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in the fixture")


def _walk(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in sections:
        out.append(s)
        out.extend(_walk(s["children"]))
    return out


def _show(book: Path, runner: CliRunner, seed_bytes: bytes) -> tuple[dict[str, Any], str]:
    target = book / "docs" / "specs" / "SPEC-001-password-reset-by-email.md"
    shutil.copy(FIXTURES / "spec-filled.md", target)
    result = runner.invoke(main, ["show", "SPEC-001", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output), target.read_text(encoding="utf-8")


def test_identity_and_fields(book: Path, runner: CliRunner, seed_bytes: bytes) -> None:
    doc, text = _show(book, runner, seed_bytes)
    assert doc["id"] == "SPEC-001"
    assert doc["kind"] == "SPEC"
    assert doc["title"] == "Password reset by email"
    assert doc["status"] == "Review" and doc["status_canonical"] == "Review"
    assert doc["type"] == "Feature"
    assert doc["path"] == "docs/specs/SPEC-001-password-reset-by-email.md"
    fields = {(f["key"], f["value"], f["line"]) for f in doc["fields"]}
    expected = {
        ("id", "SPEC-001", _line_of(text, "**ID**")),
        ("date", "2026-03-02", _line_of(text, "**Date**")),
        ("status", "Review", _line_of(text, "**Status**")),
        ("type", "Feature", _line_of(text, "**Type**")),
        ("created", "2026-03-02", _line_of(text, "**Created**")),
        ("modified", "2026-03-04", _line_of(text, "**Modified**")),
        ("author", "Alice Martin", _line_of(text, "**Author**")),
        ("reviewers", "Bo Chen, Dana Ruiz", _line_of(text, "**Reviewers**")),
        ("approvers", "None", _line_of(text, "**Approvers**")),
        ("tags", "auth, email, security", _line_of(text, "**Tags**")),
    }
    assert fields == expected
    assert doc["metadata"]["author"] == "Alice Martin"


def test_sections(book: Path, runner: CliRunner, seed_bytes: bytes) -> None:
    doc, text = _show(book, runner, seed_bytes)
    seed = seed_bytes.decode()
    all_sections = _walk(doc["sections"])
    h2 = [s for s in all_sections if s["level"] == 2]
    h3 = [s for s in all_sections if s["level"] == 3]
    seed_h2 = re.findall(r"^## (.+)$", seed, re.M)
    seed_h3 = re.findall(r"^### (.+)$", seed, re.M)
    assert len(seed_h2) == 16 and len(seed_h3) == 29
    assert [s["template_name"] for s in h2] == seed_h2
    assert len(h3) == 29
    for s in h2 + h3:
        assert text.split("\n")[s["line"] - 1].lstrip("#").strip() == s["title"]
    # every ### sits under its ## in the tree
    context = next(s for s in h2 if s["title"] == "Context")
    assert [c["title"] for c in context["children"]] == [
        "Background",
        "Related Work",
        "Dependencies",
    ]


def test_requirements(book: Path, runner: CliRunner, seed_bytes: bytes) -> None:
    doc, text = _show(book, runner, seed_bytes)
    reqs = {r["id"]: r for r in doc["requirements"]}
    assert list(reqs) == ["FR-1", "FR-2", "NFR-1", "NFR-2"]
    assert (
        reqs["FR-1"]["acceptance_criteria"]
        == "A link arrives within 60 seconds for a known address"
    )
    assert (
        reqs["FR-2"]["acceptance_criteria"]
        == "A second use of the link is refused with a clear message"
    )
    assert reqs["NFR-1"]["target"] == "p95 < 200 ms"
    assert reqs["NFR-2"]["target"] == "30 minutes after issue"
    assert reqs["FR-1"]["kind"] == "functional" and reqs["NFR-2"]["kind"] == "non-functional"
    for rid, r in reqs.items():
        assert r["line"] == _line_of(text, f"**{rid}**")
        assert r["section"] in ("Functional Requirements", "Non-Functional Requirements")


def test_checklists_tables_history_and_references(
    book: Path, runner: CliRunner, seed_bytes: bytes
) -> None:
    doc, text = _show(book, runner, seed_bytes)
    lines = text.split("\n")
    items = doc["checklists"]
    boxes = [i for i, line in enumerate(lines, 1) if re.match(r"\s*- \[[ x]\] ", line)]
    assert [c["line"] for c in items] == boxes
    assert [c["checked"] for c in items] == ["[x]" in lines[i - 1] for i in boxes]
    assert {"text": "Tests passing", "section": "Pre-Deployment Checklist"}.items() <= next(
        c for c in items if c["text"] == "Tests passing"
    ).items()

    tables = {t["section"]: t for t in doc["tables"]}
    assert set(tables) == {"Risk Assessment", "Timeline", "Review History"}
    assert tables["Risk Assessment"]["header"] == ["Risk", "Probability", "Impact", "Mitigation"]
    assert tables["Risk Assessment"]["rows"][0] == [
        "Token leak in logs",
        "Low",
        "High",
        "Log token hashes only",
    ]
    assert [r[0] for r in tables["Timeline"]["rows"]] == [
        "Design",
        "Implementation",
        "Testing",
        "Deployment",
    ]
    assert tables["Timeline"]["row_lines"][0] == _line_of(text, "| Design |")

    history = doc["review_history"]
    assert [(h["date"], h["reviewer"], h["status"]) for h in history] == [
        ("2026-03-02", "Alice Martin", "Draft"),
        ("2026-03-04", "Alice Martin", "Review"),
    ]
    assert history[1]["line"] == _line_of(text, "| Ready for review |")

    related = [r for r in doc["references"] if r["section"] == "Related Work"]
    assert [(r["target"], r["line"]) for r in related] == [
        ("BUG-004", _line_of(text, "Related Bugs")),
        ("DEC-002", _line_of(text, "Related Decisions")),
        ("TASK-007", _line_of(text, "Related Tasks")),
    ]
    assert ("SPEC-003", _line_of(text, "Rate limiter")) in {
        (r["target"], r["line"]) for r in doc["references"]
    }
