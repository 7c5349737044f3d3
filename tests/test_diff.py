"""`specbook diff`: documents paired across git revisions, and what changed in each.

The fixture repository is built in the test with pinned names and dates, so commit
hashes are stable. The book sits in `book/` below the repository's top. The golden
outputs live in tests/golden/diff/; to change them on purpose, run
``SPECBOOK_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_diff.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import specbook.cli.diff  # noqa: F401  (registers `diff` until cli/__init__ imports it)
from specbook.book.diff import diff_documents, pair_documents
from specbook.cli import main
from specbook.core.config import default_config
from specbook.parse import parse
from tests.gitbook import commit, git, init, isolate, spec, write

GOLDEN = Path(__file__).resolve().parent / "golden" / "diff"
TODAY = "2026-03-06"


DEC = """# Decision Record: Use PostgreSQL

**ID**: DEC-00{n}
**Date**: 2026-03-01
**Status**: {status}
**Type**: Technology

## Summary

Keep accounts in {db}.
"""

FR = [
    ("A user signs in with email and password", "a known user reaches the dashboard"),
    ("A locked account cannot sign in", "the fifth wrong password locks the account"),
]


def cli(book: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(book)
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose book (in book/) changed on branch `feature` since main:

    - SPEC-001: FR-2 reworded, NFR-1 removed, NFR-3 added, BUG-003 referenced
      (committed); reviewed, approved, two items ticked (uncommitted, by specbook);
    - SPEC-002: renamed from SPEC-002-reset.md, FR-1's criteria changed;
    - SPEC-003 added (untracked); DEC-001 removed;
    - on main after the branch point: DEC-002 changed (not part of the branch).
    """
    isolate(monkeypatch)
    monkeypatch.setenv("SPECBOOK_TODAY", TODAY)
    top = tmp_path / "repo"
    init(top)
    book = top / "book"
    write(top / "README.md", "# The app\n")
    write(book / "specbook.toml", '[book]\nname = "demo"\n')
    specs = book / "docs" / "specs"
    decisions = book / "docs" / "decisions"
    history = "| 2026-03-02 | Ann Lee | Review | Ready for review |\n"
    write(
        specs / "SPEC-001-login.md",
        spec(
            1, "User login", "Review", FR, [(1, "Sign-in is fast", "p95 < 300 ms")], history=history
        ),
    )
    write(
        specs / "SPEC-002-reset.md",
        spec(2, "Password reset", "Draft", [("A user resets a password", "a mail arrives")], []),
    )
    write(
        decisions / "DEC-001-use-postgres.md", DEC.format(n=1, status="Accepted", db="PostgreSQL")
    )
    write(decisions / "DEC-002-cache.md", DEC.format(n=2, status="Proposed", db="Redis"))
    commit(top, "first", "2026-03-01T10:00:00Z")

    git(top, "checkout", "-q", "-b", "feature")
    write(
        specs / "SPEC-001-login.md",
        spec(
            1,
            "User login",
            "Review",
            [FR[0], ("A locked account can never sign in", FR[1][1])],
            [(3, "Sign-in works during a database failover", "99.9 % of sign-ins succeed")],
            related="DEC-001, BUG-003",
            history=history,
        ),
    )
    git(
        top, "mv", "book/docs/specs/SPEC-002-reset.md", "book/docs/specs/SPEC-002-password-reset.md"
    )
    write(
        specs / "SPEC-002-password-reset.md",
        spec(
            2,
            "Password reset",
            "Draft",
            [("A user resets a password", "a mail arrives in 60 s")],
            [],
        ),
    )
    (decisions / "DEC-001-use-postgres.md").unlink()
    commit(top, "reword", "2026-03-03T10:00:00Z")

    git(top, "checkout", "-q", "main")
    write(decisions / "DEC-002-cache.md", DEC.format(n=2, status="Accepted", db="Redis"))
    commit(top, "main moves on", "2026-03-04T10:00:00Z")
    git(top, "checkout", "-q", "feature")

    # uncommitted: lifecycle edits made by specbook itself, and a new document
    for args in (
        ["review", "SPEC-001", "--approve", "--by", "Bob Stone", "--note", "Looks good"],
        ["status", "SPEC-001", "Approved", "--by", "Bob Stone"],
        ["check", "SPEC-001", "1"],
        ["check", "SPEC-001", "2"],
    ):
        code, out = cli(book, args, monkeypatch)
        assert code == 0, out
    write(
        specs / "SPEC-003-audit-log.md",
        spec(3, "Audit log", "Draft", [("Sign-ins are logged", "a row per sign-in")], []),
    )
    return book


# --- golden outputs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"), [("text", "diff.txt"), ("json", "diff.json"), ("markdown", "diff.md")]
)
def test_default_diff_matches_golden(
    repo: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, name: str
) -> None:
    code, out = cli(repo, ["diff", "--format", fmt], monkeypatch)
    assert code == 0, out
    golden = GOLDEN / name
    if os.environ.get("SPECBOOK_REGEN_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing; SPECBOOK_REGEN_GOLDEN=1 writes it"
    assert out == golden.read_text(encoding="utf-8")


# --- what the report says ----------------------------------------------------------------


def test_default_base_is_the_merge_base_and_head_the_working_tree(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(cli(repo, ["diff", "--format", "json"], monkeypatch)[1])
    first = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    assert data["version"] == 1
    assert data["base"] == {"rev": "main", "commit": first, "merge_base": True}
    assert data["head"] == {"rev": None, "commit": None}
    docs = {d["id"]: d for d in data["documents"]}
    # DEC-002 changed on main after the branch point: not this branch's change
    assert sorted(docs) == ["DEC-001", "SPEC-001", "SPEC-002", "SPEC-003"]
    assert docs["DEC-001"]["change"] == "removed" and docs["SPEC-003"]["change"] == "added"
    assert data["summary"] == {
        "documents": 4, "added": 1, "removed": 1, "modified": 2, "renamed": 1,
    }  # fmt: skip


def test_renamed_file_is_one_document(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(cli(repo, ["diff", "SPEC-002", "--format", "json"], monkeypatch)[1])
    [doc] = data["documents"]
    assert doc["change"] == "modified" and doc["renamed"] is True
    assert doc["path"] == "docs/specs/SPEC-002-password-reset.md"
    assert doc["old_path"] == "docs/specs/SPEC-002-reset.md"
    [req] = doc["requirements"]
    assert req["change"] == "reworded" and req["id"] == "FR-1"
    assert (req["old"]["criteria"], req["new"]["criteria"]) == (
        "a mail arrives",
        "a mail arrives in 60 s",
    )


def test_requirements_fields_ticks_rows_and_references(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(cli(repo, ["diff", "SPEC-001", "--format", "json"], monkeypatch)[1])
    [doc] = data["documents"]
    reqs = {r["id"]: r for r in doc["requirements"]}
    assert {k: r["change"] for k, r in reqs.items()} == {
        "FR-2": "reworded", "NFR-3": "added", "NFR-1": "removed",
    }  # fmt: skip
    assert reqs["FR-2"]["old"]["text"] == "A locked account cannot sign in"
    assert reqs["FR-2"]["new"]["text"] == "A locked account can never sign in"
    assert reqs["NFR-3"]["new"]["target"] == "99.9 % of sign-ins succeed"
    assert reqs["NFR-1"]["old"]["target"] == "p95 < 300 ms" and reqs["NFR-1"]["new"] is None
    fields = {f["key"]: (f["old"], f["new"]) for f in doc["fields"]}
    assert fields["status"] == ("Review", "Approved")
    assert fields["modified"] == ("2026-03-01", TODAY)
    assert fields["approvers"] == ("none", "Bob Stone")
    assert [(c["change"], c["text"]) for c in doc["checklists"]] == [
        ("ticked", "src/auth/login.py - login service"),
        ("ticked", "tests/test_login.py - login tests"),
    ]
    assert [(r["reviewer"], r["status"], r["feedback"]) for r in doc["review_rows"]] == [
        ("Bob Stone", "Approve", "Looks good"),
        ("Bob Stone", "Approved", ""),
    ]
    assert [(r["change"], r["target"]) for r in doc["references"]] == [("added", "BUG-003")]
    # lifecycle edits are reported as fields, ticks and rows, never as modified sections
    modified = [s["path"] for s in doc["sections"] if s["change"] == "modified"]
    assert ["Review History"] not in modified and [
        "Implementation Plan",
        "Files to Create",
    ] not in modified
    assert ["Requirements", "Functional Requirements"] in modified


def test_two_revisions_compare_commits_only(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(cli(repo, ["diff", "main", "feature", "--format", "json"], monkeypatch)[1])
    assert data["base"]["rev"] == "main" and data["base"]["merge_base"] is False
    assert data["head"]["rev"] == "feature"
    assert data["head"]["commit"] == git(repo, "rev-parse", "feature").strip()
    docs = {d["id"]: d for d in data["documents"]}
    assert "SPEC-003" not in docs  # untracked in the working tree only
    assert [f["new"] for f in docs["DEC-002"]["fields"] if f["key"] == "status"] == ["Proposed"]
    assert not docs["SPEC-001"]["checklists"] and not docs["SPEC-001"]["review_rows"]


def test_no_change_says_so(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = cli(repo, ["diff", "HEAD", "HEAD"], monkeypatch)
    assert code == 0 and "No document changed." in out


def test_unknown_revision_exits_2_naming_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = cli(repo, ["diff", "no-such-branch"], monkeypatch)
    assert code == 2 and "unknown revision 'no-such-branch'" in out
    code, out = cli(repo, ["diff", "main", "nope"], monkeypatch)
    assert code == 2 and "'nope'" in out
    code, out = cli(repo, ["diff", "main", "HEAD", "HEAD~1"], monkeypatch)
    assert code == 2 and "at most two revisions" in out


def test_master_is_the_default_when_there_is_no_main(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "branch", "-m", "main", "master")
    data = json.loads(cli(repo, ["diff", "--format", "json"], monkeypatch)[1])
    assert data["base"]["rev"] == "master" and data["base"]["merge_base"] is True
    git(repo, "branch", "-m", "master", "trunk")
    code, out = cli(repo, ["diff"], monkeypatch)
    assert code == 2 and "no main branch" in out


def test_outside_git_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    write(tmp_path / "book" / "specbook.toml", "[book]\nname = 'x'\n")
    code, out = cli(tmp_path / "book", ["diff"], monkeypatch)
    assert code == 2 and "not inside a git repository" in out


# --- the pure comparison ------------------------------------------------------------------

CONFIG = default_config(Path("/book"))


def test_documents_without_id_pair_by_path() -> None:
    old = parse(b"# Notes\n\nOne.\n", "docs/specs/notes.md", CONFIG)
    new = parse(b"# Notes\n\nTwo.\n", "docs/specs/notes.md", CONFIG)
    other = parse(b"# Other\n", "docs/specs/other.md", CONFIG)
    pairs = pair_documents([old], [new, other])
    assert pairs == [(old, new), (None, other)]
    d = diff_documents(old, new)
    assert [(s.change, s.path) for s in d.sections] == [("modified", ("Notes",))]


def test_unticked_item_and_identical_documents() -> None:
    ticked = spec(1, "X", "Draft", FR, [], ticks=(True, False)).encode()
    unticked = spec(1, "X", "Draft", FR, [], ticks=(False, False)).encode()
    a = parse(ticked, "docs/specs/SPEC-001-x.md", CONFIG)
    b = parse(unticked, "docs/specs/SPEC-001-x.md", CONFIG)
    d = diff_documents(a, b)
    assert [(c.change, c.text) for c in d.checklists] == [
        ("unticked", "src/auth/login.py - login service")
    ]
    assert not d.sections and not d.fields and not d.requirements
    assert diff_documents(a, a).empty
