"""A book's own workflow: transitions, approvals needed and who may approve."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.cli import main
from tests.conftest import FIXTURES


@pytest.fixture
def review_book(book: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(FIXTURES / "spec-filled.md", book / "docs/specs/SPEC-001-reset.md")
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-05-04")
    return book


def _config(book: Path, extra: str) -> None:
    (book / "specbook.toml").write_text(f"[kinds.SPEC]\n{extra}\n", encoding="utf-8")


def test_custom_transitions(review_book: Path, runner: CliRunner) -> None:
    _config(review_book, 'transitions = { Review = ["Implemented"], Implemented = ["Archived"] }')
    r = runner.invoke(main, ["status", "SPEC-001", "Approved", "--by", "x"])
    assert r.exit_code == 1 and "from Review it can go to: Implemented" in r.output
    r = runner.invoke(main, ["status", "SPEC-001", "Implemented", "--by", "x", "--force"])
    assert r.exit_code == 0, r.output


def test_two_approvals_needed(review_book: Path, runner: CliRunner) -> None:
    _config(review_book, "approvals = 2")
    assert (
        runner.invoke(main, ["review", "SPEC-001", "--approve", "--by", "Bo Chen"]).exit_code == 0
    )
    r = runner.invoke(main, ["status", "SPEC-001", "Approved", "--by", "Bo Chen"])
    assert r.exit_code == 1 and "needs 2 approval(s)" in r.output and "found 1" in r.output
    # the author's own approval does not count
    assert (
        runner.invoke(main, ["review", "SPEC-001", "--approve", "--by", "Alice Martin"]).exit_code
        == 0
    )
    assert runner.invoke(main, ["status", "SPEC-001", "Approved", "--by", "Bo"]).exit_code == 1
    assert (
        runner.invoke(main, ["review", "SPEC-001", "--approve", "--by", "Dana Ruiz"]).exit_code == 0
    )
    r = runner.invoke(main, ["status", "SPEC-001", "Approved", "--by", "Bo Chen"])
    assert r.exit_code == 0, r.output


def test_only_listed_approvers(review_book: Path, runner: CliRunner) -> None:
    _config(review_book, 'approvers = ["Dana Ruiz"]')
    before = (review_book / "docs/specs/SPEC-001-reset.md").read_bytes()
    r = runner.invoke(main, ["review", "SPEC-001", "--approve", "--by", "Bo Chen"])
    assert r.exit_code == 1 and "may not approve" in r.output
    assert (review_book / "docs/specs/SPEC-001-reset.md").read_bytes() == before
    assert (
        runner.invoke(main, ["review", "SPEC-001", "--approve", "--by", "Dana Ruiz"]).exit_code == 0
    )
    assert (
        runner.invoke(main, ["status", "SPEC-001", "Approved", "--by", "Dana Ruiz"]).exit_code == 0
    )


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('transitions = { Draft = ["Shipped"] }', "kinds.SPEC.transitions.Draft"),
        ('transitions = { Shipped = ["Draft"] }', "kinds.SPEC.transitions.Shipped"),
        ("approvals = -1", "kinds.SPEC.approvals"),
    ],
)
def test_workflow_config_errors(review_book: Path, runner: CliRunner, extra: str, key: str) -> None:
    _config(review_book, extra)
    r = runner.invoke(main, ["status", "SPEC-001", "Approved"])
    assert r.exit_code == 2 and key in r.output
