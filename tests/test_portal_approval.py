"""The portal's stale-approval banner (SB505) and its diff since the approval."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from specbook.cli import main
from specbook.services.zeroconf import open_book
from specbook.web.app import create_app
from tests.gitbook import commit, git, init, isolate, spec, write

FR = [
    ("A user signs in with email and password", "a known user reaches the dashboard"),
    ("A locked account cannot sign in", "the fifth wrong password locks the account"),
]
PATH = "docs/specs/SPEC-001-login.md"


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-02")
    top = tmp_path / "repo"
    init(top)
    root = top / "book"
    write(root / "specbook.toml", '[book]\nname = "demo"\n')
    history = "| 2026-03-01 | Ann Lee | Review | Ready for review |\n"
    write(
        root / PATH,
        spec(1, "User login", "Review", FR, [(1, "Fast", "p95 < 300 ms")], history=history),
    )
    commit(top, "draft", "2026-03-01T10:00:00Z")
    monkeypatch.chdir(root)
    for args in (
        ["review", "SPEC-001", "--approve", "--by", "Bob Stone"],
        ["status", "SPEC-001", "Approved", "--by", "Bob Stone"],
    ):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, res.output
    commit(top, "approve", "2026-03-02T10:00:00Z")
    return root


def test_banner_appears_after_a_reworded_requirement_and_links_to_the_diff(book: Path) -> None:
    approval = git(book, "rev-parse", "HEAD").strip()
    with TestClient(create_app(open_book(book))) as client:
        assert 'id="stale-approval"' not in client.get("/doc/SPEC-001").text
        p = book / PATH
        p.write_text(
            p.read_text(encoding="utf-8").replace(
                "A locked account cannot sign in", "A locked account can sign in after an hour"
            ),
            encoding="utf-8",
        )
        commit(book, "reword FR-2", "2026-03-03T10:00:00Z")
        page = client.get("/doc/SPEC-001").text
        assert 'id="stale-approval"' in page
        assert "Requirements changed after the approval by Bob Stone" in page
        link = f"/doc/SPEC-001/diff?base={approval}"
        assert link in page
        diff = client.get(link)
        assert diff.status_code == 200
        assert "FR-2" in diff.text and "after an hour" in diff.text
        assert client.get("/doc/SPEC-001/diff?base=not-a-commit").status_code == 400


def test_lifecycle_edits_show_no_banner(book: Path) -> None:
    res = CliRunner().invoke(
        main, ["status", "SPEC-001", "Implemented", "--by", "Bob Stone", "--force"]
    )
    assert res.exit_code == 0, res.output
    commit(book, "implemented", "2026-03-04T10:00:00Z")
    with TestClient(create_app(open_book(book))) as client:
        page = client.get("/doc/SPEC-001").text
        assert "Implemented" in page and 'id="stale-approval"' not in page
