"""``specbook lint --statistics``: findings per rule (count, documents, fixable), most
first, as text or JSON, counting exactly what the same lint without it reports."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specbook.cli import main
from tests.conftest import REPO

CORPUS = REPO / "tests" / "corpus" / "synthetic" / "frontmatter-adr"


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "book"
    shutil.copytree(CORPUS, root)
    (root / "specbook.toml").write_text('[book]\nname = "adr"\n', encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def _findings(runner: CliRunner, *args: str) -> list[dict[str, Any]]:
    r = runner.invoke(main, ["lint", "--format", "json", *args])
    assert r.exit_code in (0, 1), r.output
    found: list[dict[str, Any]] = json.loads(r.stdout)["findings"]
    return found


def _expected(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The statistics worked out by hand from the findings themselves."""
    counts = Counter(f["rule"] for f in findings)
    rows = [
        {
            "rule": rule,
            "name": next(f["name"] for f in findings if f["rule"] == rule),
            "count": n,
            "documents": len({f["path"] for f in findings if f["rule"] == rule}),
            "fixable": sum(1 for f in findings if f["rule"] == rule and f["fixable"]),
        }
        for rule, n in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["rule"]))


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--select", "SB1"],
        ["--ignore", "SB201,SB101"],
        ["docs/decisions"],
        ["docs/specs/SPEC-004-pdf-reports.md", "docs/specs/SPEC-001-multi-tenant-auth.md"],
    ],
)
def test_json_statistics_count_what_the_lint_reports(
    book: Path, runner: CliRunner, args: list[str]
) -> None:
    findings = _findings(runner, *args)
    r = runner.invoke(main, ["lint", "--statistics", "--format", "json", *args])
    plain = runner.invoke(main, ["lint", "--format", "json", *args])
    assert r.exit_code == plain.exit_code  # the same verdict
    data = json.loads(r.stdout)
    assert data["version"] == 1
    assert data["statistics"] == _expected(findings)
    assert data["summary"] == json.loads(plain.stdout)["summary"]
    assert data["statistics"], "the book has findings of several rules to count"


def test_text_statistics_are_a_table_most_first(book: Path, runner: CliRunner) -> None:
    findings = _findings(runner)
    expected = _expected(findings)
    assert len({r["count"] for r in expected}) >= 2  # (so the order means something)
    r = runner.invoke(main, ["lint", "--statistics"])
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["count", "rule", "name", "documents", "fixable"]
    rows = [line.split() for line in lines[1:-1]]
    assert rows == [
        [str(e["count"]), e["rule"], e["name"], str(e["documents"]), str(e["fixable"])]
        for e in expected
    ]
    # the numbers are right-aligned under their heads
    body = zip(lines[1:-1], expected, strict=True)
    assert len({len(line.split(e["rule"])[0]) for line, e in body}) == 1
    documents = len({f["path"] for f in findings})
    fixable = sum(f["fixable"] for f in findings)
    assert lines[-1].startswith(f"{len(findings)} findings of {len(expected)} rules in ")
    assert f"in {documents} documents" in lines[-1]
    assert lines[-1].endswith(f"; {fixable} fixable with --fix")
    assert "SB106" in r.stdout  # the shared SPEC-004
    assert ":" not in "".join(lines[1:-1])  # no path:line finding lines


def test_statistics_with_no_findings_and_other_formats(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["lint", "--statistics", "--select", "SB001"])
    assert r.exit_code == 0 and r.stdout.startswith("no findings in ")
    data = json.loads(
        runner.invoke(
            main, ["lint", "--statistics", "--select", "SB001", "--format", "json"]
        ).stdout
    )
    assert data["statistics"] == []
    for fmt in ("sarif", "github"):
        refused = runner.invoke(main, ["lint", "--statistics", "--format", fmt])
        assert refused.exit_code == 2 and "--statistics prints text or json" in refused.stderr
