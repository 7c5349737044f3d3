"""SB505's histories for a whole book at once: one `git log` for every approved
document, and the same approval commits as following each file on its own.

The repository below has what a history can throw at the walk: a rename inside the
book, a file moved into the book from elsewhere, a merge where both sides changed a
file, an approval row removed and added again, a file deleted and re-added.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.book.approvals import (
    FEW,
    approvals_in,
    approved_or_later,
    book_histories,
    file_history,
    find_approval,
)
from specbook.cli import main
from specbook.lint.registry import RuleContext
from specbook.parse import parse
from specbook.services.zeroconf import open_book
from tests.gitbook import commit, count_git, git, init, isolate, replace_in, spec, write

FR = [
    ("A user signs in with email and password", "a known user reaches the dashboard"),
    ("A locked account cannot sign in", "the fifth wrong password locks the account"),
]
NFR = [(1, "Sign-in is fast", "p95 < 300 ms")]
APPROVED = "| 2026-03-02 | Bob Stone | Approved | Looks good |\n"
SPECS = "book/docs/specs"


def _doc(num: int, status: str = "Approved", history: str = APPROVED, **kw: object) -> str:
    return spec(num, f"Feature {num}", status, FR, NFR, history=history, **kw)  # type: ignore[arg-type]


def _write(top: Path, rel: str, text: str) -> None:
    write(top / rel, text)


def _reword(top: Path, rel: str, old: str = "cannot sign in", new: str = "can sign in") -> None:
    replace_in(top / rel, old, new)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-20")
    top = tmp_path / "repo"
    init(top)
    write(top / "book" / "specbook.toml", '[book]\nname = "demo"\n')
    for n in range(1, 7):
        _write(top, f"{SPECS}/SPEC-00{n}-f{n}.md", _doc(n, "Review", ""))
    # approved outside the book, moved in later
    _write(top, "elsewhere/SPEC-007-f7.md", _doc(7))
    commit(top, "drafts", "2026-03-01T10:00:00Z")
    for n in range(1, 6):
        _write(top, f"{SPECS}/SPEC-00{n}-f{n}.md", _doc(n))
    commit(top, "approve 1-5", "2026-03-02T10:00:00Z")
    # a rename inside the book; a reword after the approval; a move from outside
    git(top, "mv", f"{SPECS}/SPEC-002-f2.md", f"{SPECS}/SPEC-002-renamed.md")
    _reword(top, f"{SPECS}/SPEC-003-f3.md")
    git(top, "mv", "elsewhere/SPEC-007-f7.md", f"{SPECS}/SPEC-007-f7.md")
    commit(top, "rename, reword, move in", "2026-03-03T10:00:00Z")
    _reword(top, f"{SPECS}/SPEC-007-f7.md")
    commit(top, "reword 7", "2026-03-04T10:00:00Z")
    # both sides of a merge change SPEC-004: a reword on the side, the summary on main
    git(top, "checkout", "-q", "-b", "side")
    _reword(top, f"{SPECS}/SPEC-004-f4.md")
    commit(top, "side: reword 4", "2026-03-05T10:00:00Z")
    git(top, "checkout", "-q", "main")
    _reword(top, f"{SPECS}/SPEC-004-f4.md", "for the web app", "for the web and mobile apps")
    commit(top, "main: summary of 4", "2026-03-06T10:00:00Z")
    git(top, "merge", "-q", "--no-ff", "-m", "merge side", "side", date="2026-03-07T10:00:00Z")
    # SPEC-005's approval row removed, then a new approval: the run starts again
    _write(top, f"{SPECS}/SPEC-005-f5.md", _doc(5, "Review", ""))
    commit(top, "back to review", "2026-03-08T10:00:00Z")
    again = "| 2026-03-09 | Bob Stone | Approved | Looks good |\n"
    _write(top, f"{SPECS}/SPEC-005-f5.md", _doc(5, history=again))
    commit(top, "approve 5 again", "2026-03-09T10:00:00Z")
    # SPEC-006 deleted, then re-added approved
    (top / f"{SPECS}/SPEC-006-f6.md").unlink()
    commit(top, "drop 6", "2026-03-10T10:00:00Z")
    _write(top, f"{SPECS}/SPEC-006-f6.md", _doc(6))
    commit(top, "approve 6", "2026-03-11T10:00:00Z")
    return top


def _approved(top: Path) -> list[str]:
    return sorted(f"{SPECS}/{p.name}" for p in (top / SPECS).glob("*.md"))


def test_one_log_for_the_book_finds_what_following_each_file_finds(repo: Path) -> None:
    paths = _approved(repo)
    row = APPROVED.strip().encode()
    histories = book_histories(repo, "book", paths)
    found = approvals_in(repo, [(histories[p], row, 1) for p in paths])
    batch = dict(zip(paths, found, strict=True))
    subject = {
        p: git(repo, "log", "-1", "--format=%s", a.commit).strip() if a else None
        for p, a in batch.items()
    }
    assert subject == {
        f"{SPECS}/SPEC-001-f1.md": "approve 1-5",
        f"{SPECS}/SPEC-002-renamed.md": "approve 1-5",  # through the rename
        f"{SPECS}/SPEC-003-f3.md": "approve 1-5",
        f"{SPECS}/SPEC-004-f4.md": "approve 1-5",  # through both sides of the merge
        f"{SPECS}/SPEC-005-f5.md": None,  # this row (2026-03-02) is gone from the file
        f"{SPECS}/SPEC-006-f6.md": "approve 6",  # not before the deletion
        f"{SPECS}/SPEC-007-f7.md": "drafts",  # from before it moved into the book
    }
    # the book's own log starts SPEC-007 at the move; the rest comes from following it
    assert histories[f"{SPECS}/SPEC-007-f7.md"][-1].path == "elsewhere/SPEC-007-f7.md"
    # the same as walking each file's own `git log --follow` (a few documents, or
    # the portal's page), which git takes the re-added SPEC-006 in as a copy of the
    # alike SPEC-001: that is where its history starts, not SPEC-001's history
    assert git(repo, "log", "--follow", "--name-status", "--format=", "--", paths[5]).startswith(
        "C"
    )
    for path, got in batch.items():
        alone = approvals_in(repo, [(file_history(repo, path) or [], row, 1)])[0]
        assert (got and (got.commit, got.source)) == (alone and (alone.commit, alone.source))
        one = find_approval(repo, path, row, 1, "book")
        assert (one and one.commit) == (got and got.commit)


def _stale(top: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> set[str]:
    monkeypatch.chdir(top / "book")
    r = CliRunner().invoke(main, ["lint", "--select", "SB505", "--format", "json", *extra])
    assert r.exit_code in (0, 1), r.output
    return {f["path"] for f in json.loads(r.stdout)["findings"]}


def test_lint_reports_the_documents_changed_since_their_approval(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = {"docs/specs/SPEC-003-f3.md", "docs/specs/SPEC-004-f4.md", "docs/specs/SPEC-007-f7.md"}
    assert _stale(repo, monkeypatch, "--no-cache") == want
    assert _stale(repo, monkeypatch) == want  # rows taken while linting, then from the cache
    assert _stale(repo, monkeypatch) == want
    _reword(repo, f"{SPECS}/SPEC-001-f1.md")  # uncommitted: the tree counts
    assert _stale(repo, monkeypatch) == want | {"docs/specs/SPEC-001-f1.md"}


def _book_of(top: Path, approved: int) -> Path:
    init(top)
    write(top / "specbook.toml", '[book]\nname = "demo"\n')
    for n in range(1, approved + 1):
        write(top / f"docs/specs/SPEC-{n:03d}-f.md", spec(n, "F", "Review", FR, NFR))
    commit(top, "drafts", "2026-03-01T10:00:00Z")
    for n in range(1, approved + 1):
        write(
            top / f"docs/specs/SPEC-{n:03d}-f.md",
            spec(n, "F", "Approved", FR, NFR, history=APPROVED),
        )
    commit(top, "approve", "2026-03-02T10:00:00Z")
    for n in range(1, approved + 1, 2):
        _reword(top, f"docs/specs/SPEC-{n:03d}-f.md")
    commit(top, "reword the odd ones", "2026-03-03T10:00:00Z")
    return top


@pytest.mark.parametrize("approved", [FEW + 2, 12])
def test_git_runs_a_fixed_number_of_times_however_many_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, approved: int
) -> None:
    isolate(monkeypatch)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-20")
    top = _book_of(tmp_path / "repo", approved)
    calls = count_git(monkeypatch)
    monkeypatch.chdir(top)
    r = CliRunner().invoke(main, ["lint", "--select", "SB505", "--format", "json", "--no-cache"])
    stale = {f["path"] for f in json.loads(r.stdout)["findings"]}
    assert stale == {f"docs/specs/SPEC-{n:03d}-f.md" for n in range(1, approved + 1, 2)}
    # one log for the book, one diff-tree for the first versions (moved in?), one
    # cat-file for the versions (three deep: the reworded and the approved ones hold
    # the row, the draft does not): not one git per document
    assert calls == ["log", "diff-tree", "cat-file"]


def test_a_newest_version_the_work_tree_holds_is_not_read_from_git(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the files' bytes, approvals_in takes a newest version whose blob ID is
    theirs from them: the same approvals, fewer blobs read, and a file edited in the
    work tree still read from git."""
    from specbook.core import gitrun

    paths = _approved(repo)
    row = APPROVED.strip().encode()
    histories = book_histories(repo, "book", paths)
    wanted = [(histories[p], row, 1) for p in paths]
    edited = f"{SPECS}/SPEC-001-f1.md"
    _reword(repo, edited)  # (not committed: its newest version is not these bytes)
    rounds: list[list[str]] = []  # the names asked, a read (a round) at a time
    read = gitrun.BlobReader.read

    def counting(self: gitrun.BlobReader, names: list[str]) -> dict[str, bytes | None]:
        rounds.append(list(names))
        return read(self, names)

    monkeypatch.setattr(gitrun.BlobReader, "read", counting)
    plain = approvals_in(repo, wanted)
    from_git, rounds = rounds, []
    given = approvals_in(repo, wanted, [(repo / p).read_bytes() for p in paths])
    assert [a and (a.commit, a.date, a.source, a.blob) for a in given] == [
        a and (a.commit, a.date, a.source, a.blob) for a in plain
    ]
    newest = {p: histories[p][0].blob for p in paths}
    assert set(newest.values()) == set(from_git[0])
    assert rounds[0] == [newest[edited]]  # (the work tree's bytes are not that version)
    assert sum(map(len, rounds)) < sum(map(len, from_git))


def _approved_as_committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose book's documents were added approved in one commit."""
    isolate(monkeypatch)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-20")
    top = tmp_path / "repo"
    init(top)
    write(top / "book" / "specbook.toml", '[book]\nname = "demo"\n')
    for n in range(1, FEW + 3):
        _write(top, f"{SPECS}/SPEC-{n:03d}-f.md", _doc(n))
    commit(top, "approved", "2026-03-02T10:00:00Z")
    return top


def test_no_blob_is_read_for_documents_approved_as_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents added approved in one commit and not changed since: their one
    version is the work tree's, and SB505 starts no `git cat-file`; once one is
    edited, its version is read and the change reported."""
    top = _approved_as_committed(tmp_path, monkeypatch)
    calls = count_git(monkeypatch)
    assert _stale(top, monkeypatch, "--no-cache") == set()
    assert "log" in calls  # (the histories were looked at)
    assert "cat-file" not in calls
    _reword(top, f"{SPECS}/SPEC-002-f.md")
    assert _stale(top, monkeypatch, "--no-cache") == {"docs/specs/SPEC-002-f.md"}
    assert "cat-file" in calls


def test_sb505_does_not_read_again_the_documents_the_lint_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The approval row SB505 takes while a document is linted carries the blob ID of
    its bytes: a document as last committed is judged from it, its file not read a
    second time; an edited one is still read, parsed and reported; and a row taken by
    an older specbook (no blob ID) still judges its document, from the file."""
    from specbook.book import approvals
    from specbook.lint.rules import approval as rule

    top = _approved_as_committed(tmp_path, monkeypatch)
    _reword(top, f"{SPECS}/SPEC-002-f.md")
    read: list[str] = []
    real = approvals._read

    def reading(full: str) -> bytes | None:
        read.append(Path(full).name)
        return real(full)

    monkeypatch.setattr(approvals, "_read", reading)
    assert _stale(top, monkeypatch, "--no-cache") == {"docs/specs/SPEC-002-f.md"}
    # (only the edited one, parsed to be compared with its approved version)
    assert [name for name in read if name.startswith("SPEC-")] == ["SPEC-002-f.md"]
    # rows of an older specbook ([text, copy, reviewer, date, line, hash], no blob ID)
    book = open_book(top / "book")
    config = book.config
    kind = config.kinds["SPEC"]
    ctx = RuleContext(config, kind, {}, dt.date(2026, 3, 20), None)
    wanted = []
    for path in book.path_strings():
        rel = book.rel(path)
        doc = parse(Path(path).read_bytes(), rel, config)
        taken = rule._extract(doc, ctx)
        assert len(taken) == 7 and taken[6] == git(top, "hash-object", path).strip()
        wanted.append(approvals.Candidate(rel, doc.id, taken[:6], kind))
    read.clear()
    names = list(approvals.DEFAULT_SECTIONS)
    reports = approvals.stale_reports(
        config, wanted, names, {"SPEC": approved_or_later(kind)}, use_cache=False
    )
    assert {r[0] for r in reports} == {"docs/specs/SPEC-002-f.md"}
    assert len([name for name in read if name.startswith("SPEC-")]) == len(wanted)
