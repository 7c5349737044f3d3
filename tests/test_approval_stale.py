"""SB505 approval-stale on git repositories built in the test.

SPEC-001 is approved (by `specbook review --approve` and `specbook status
Approved`) and committed; later commits change it in different ways.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.book.approvals import approved_or_later
from specbook.cli import main
from specbook.core.config import default_config
from tests.gitbook import commit, count_git, git, init, isolate, replace_in, spec, write

FR = [
    ("A user signs in with email and password", "a known user reaches the dashboard"),
    ("A locked account cannot sign in", "the fifth wrong password locks the account"),
]
PATH = "docs/specs/SPEC-001-login.md"


def run(book: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(book)
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def stale(book: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> list[dict[str, object]]:
    """The SB505 findings of `specbook lint` (cache and memo on, as a user runs it)."""
    code, out = run(book, ["lint", "--select", "SB505", "--format", "json", *extra], monkeypatch)
    assert code in (0, 1), out
    return [f for f in json.loads(out)["findings"] if f["rule"] == "SB505"]


def line_of(book: Path, text: str) -> int:
    lines = (book / PATH).read_text(encoding="utf-8").split("\n")
    return lines.index(text) + 1


def edit(book: Path, old: str, new: str) -> None:
    replace_in(book / PATH, old, new)


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A book (in book/ below the repository top) whose SPEC-001 was approved in
    the second commit."""
    isolate(monkeypatch)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-02")
    top = tmp_path / "repo"
    init(top)
    root = top / "book"
    write(root / "specbook.toml", '[book]\nname = "demo"\n')
    history = "| 2026-03-01 | Ann Lee | Review | Ready for review |\n"
    write(
        root / PATH,
        spec(
            1, "User login", "Review", FR, [(1, "Sign-in is fast", "p95 < 300 ms")], history=history
        ),
    )
    commit(top, "draft", "2026-03-01T10:00:00Z")
    for args in (
        ["review", "SPEC-001", "--approve", "--by", "Bob Stone", "--note", "Looks good"],
        ["status", "SPEC-001", "Approved", "--by", "Bob Stone"],
    ):
        code, out = run(root, args, monkeypatch)
        assert code == 0, out
    commit(top, "approve", "2026-03-02T10:00:00Z")
    assert not stale(root, monkeypatch)
    return root


def test_reworded_requirement_after_the_approval_is_reported_on_its_section(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    approval = git(book, "rev-parse", "--short=7", "HEAD").strip()
    edit(book, "A locked account cannot sign in", "A locked account can sign in after an hour")
    commit(book, "reword FR-2", "2026-03-03T10:00:00Z")
    [finding] = stale(book, monkeypatch)
    assert finding["path"] == PATH and finding["doc_id"] == "SPEC-001"
    assert finding["line"] == line_of(book, "## Requirements")
    assert finding["severity"] == "error"
    message = str(finding["message"])
    assert message.startswith(
        "Requirements changed (FR-2 reworded) since the approval by Bob Stone"
    )
    assert f"committed in {approval} on 2026-03-02" in message
    assert "specbook review SPEC-001 --approve" in message


def test_uncommitted_change_counts_too(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(
        book, "- [ ] `tests/test_login.py` - login tests", "- [ ] `tests/test_auth.py` - auth tests"
    )
    [finding] = stale(book, monkeypatch)
    assert finding["line"] == line_of(book, "## Implementation Plan")
    assert str(finding["message"]).startswith("Implementation Plan changed since the approval")


def test_lifecycle_edits_never_make_an_approval_stale(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-10")
    for args in (
        ["check", "SPEC-001", "--all", "Implementation Plan"],
        ["status", "SPEC-001", "Implemented", "--by", "Ann Lee"],
        ["review", "SPEC-001", "--comment", "--by", "Carl Diaz", "--note", "Shipped"],
    ):
        code, out = run(book, args, monkeypatch)
        assert code == 0, out
    text = (book / PATH).read_text(encoding="utf-8")
    assert "**Status**: Implemented" in text and "- [x] `tests/test_login.py`" in text
    assert not stale(book, monkeypatch)
    commit(book, "implemented", "2026-03-10T10:00:00Z")
    assert not stale(book, monkeypatch)


def test_a_new_approval_clears_it(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(book, "   - Target: p95 < 300 ms", "   - Target: p95 < 250 ms")
    commit(book, "tighten NFR-1", "2026-03-04T10:00:00Z")
    [finding] = stale(book, monkeypatch)
    assert "NFR-1 reworded" in str(finding["message"])
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-05")
    code, out = run(book, ["review", "SPEC-001", "--approve", "--by", "Dana Fox"], monkeypatch)
    assert code == 0, out
    assert not stale(book, monkeypatch)  # not committed yet: the approval covers the tree
    commit(book, "approve again", "2026-03-05T10:00:00Z")
    assert not stale(book, monkeypatch)
    edit(book, "   - Target: p95 < 250 ms", "   - Target: p95 < 200 ms")
    [finding] = stale(book, monkeypatch)  # and the next change is measured from it
    assert "by Dana Fox on 2026-03-05" in str(finding["message"])


def test_memo_is_not_reused_when_head_moves(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(book, "A user signs in with email and password", "A user signs in with a passkey")
    assert len(stale(book, monkeypatch)) == 1
    assert len(stale(book, monkeypatch)) == 1  # served from the memo
    # the same file, but HEAD moves back before the approval: its row is uncommitted now
    git(book, "reset", "-q", "--soft", "HEAD~1")
    assert not stale(book, monkeypatch)
    commit(book, "approve with the passkey wording", "2026-03-06T10:00:00Z")
    assert not stale(book, monkeypatch)


def test_renamed_file_keeps_its_approval(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(book, "mv", PATH, "docs/specs/SPEC-001-sign-in.md")
    commit(book, "rename", "2026-03-03T10:00:00Z")
    assert not stale(book, monkeypatch)
    path = book / "docs/specs/SPEC-001-sign-in.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("cannot sign in", "can sign in"), encoding="utf-8"
    )
    commit(book, "reword", "2026-03-04T10:00:00Z")
    [finding] = stale(book, monkeypatch)
    assert finding["path"] == "docs/specs/SPEC-001-sign-in.md"


def test_sections_option(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (book / "specbook.toml").write_text(
        '[book]\nname = "demo"\n\n[lint.rules.approval-stale]\nsections = ["Summary"]\n'
    )
    edit(book, "A locked account cannot sign in", "A locked account can sign in")
    assert not stale(book, monkeypatch)
    edit(book, "User login for the web app.", "User login for the web and mobile apps.")
    [finding] = stale(book, monkeypatch)
    assert finding["line"] == line_of(book, "## Summary")


def test_no_history_no_finding(book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside git, or a file git does not track: the rule cannot judge."""
    edit(book, "A locked account cannot sign in", "A locked account can sign in")
    untracked = book / "docs/specs/SPEC-002-copy.md"
    untracked.write_text(
        (book / PATH).read_text(encoding="utf-8").replace("SPEC-001", "SPEC-002"), encoding="utf-8"
    )
    assert [f["path"] for f in stale(book, monkeypatch)] == [PATH]
    loose = tmp_path / "loose"
    shutil.copytree(book, loose)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert not stale(loose, monkeypatch, "--no-cache")


def test_approved_or_later_follows_the_workflow() -> None:
    kinds = default_config().kinds
    assert approved_or_later(kinds["SPEC"]) == {"Approved", "Implemented"}
    assert approved_or_later(kinds["DEC"]) == {"Accepted", "Deprecated"}
    assert approved_or_later(kinds["BUG"]) == frozenset()


def test_cache_drops_answers_for_files_a_new_commit_touched(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HEAD moves forward and the working file is unchanged, but the commit gives it
    a new approval commit: the cached answer must not be reused."""
    git(book, "reset", "-q", "--soft", "HEAD~1")  # the approval is uncommitted now
    approved = (book / PATH).read_text(encoding="utf-8")
    edit(book, "A locked account cannot sign in", "A locked account can sign in")
    assert not stale(book, monkeypatch)  # an uncommitted approval covers the tree
    reworded = (book / PATH).read_text(encoding="utf-8")
    (book / PATH).write_text(approved, encoding="utf-8")
    git(book, "add", PATH)  # commit the approved wording, keep the reword in the tree
    (book / PATH).write_text(reworded, encoding="utf-8")
    git(book, "commit", "-q", "-m", "approve", date="2026-03-02T10:00:00Z")
    assert git(book, "status", "--porcelain").strip()  # the reword is still uncommitted
    [finding] = stale(book, monkeypatch)
    assert "FR-2 reworded" in str(finding["message"])


def test_without_git_on_path_there_is_no_finding_and_no_failure(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repository is there (.git), but no git command to read it with."""
    edit(book, "A locked account cannot sign in", "A locked account can sign in")
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert not stale(book, monkeypatch, "--no-cache")
    assert not stale(book, monkeypatch)


def _git_calls(book: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], list[str]]:
    """The SB505 findings of a lint run, and the git commands it ran."""
    with monkeypatch.context() as m:
        calls = count_git(m)
        found = stale(book, monkeypatch)
    return [f["message"] for f in found], calls


def test_an_edit_after_a_lint_reuses_the_approval_it_found(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixture's lint found the approval commit; while HEAD stays and the approval
    row is the same, edits are judged without `git log` (and, once the approved
    version was read, without git at all while the compared sections are as approved)."""
    edit(book, "User login for the web app.", "User login for the web app, rewritten.")
    assert _git_calls(book, monkeypatch) == ([], ["cat-file"])  # Summary is not compared
    edit(book, "User login for the web app, rewritten.", "User login for the web app.")
    assert _git_calls(book, monkeypatch) == ([], [])  # (the approved bytes: no parse either)
    edit(book, "User login for the web app.", "User login for the web app, rewritten.")
    assert _git_calls(book, monkeypatch) == ([], [])
    edit(book, "A locked account cannot sign in", "A locked account can sign in")
    messages, calls = _git_calls(book, monkeypatch)
    assert calls == ["cat-file"]  # the approved version, to say what changed
    [message] = messages
    assert str(message).startswith("Requirements changed (FR-2 reworded) since the approval")
    # the same finding as a lint that looks everything up again
    assert [f["message"] for f in stale(book, monkeypatch, "--no-cache")] == messages
    edit(book, "User login for the web app, rewritten.", "User login, once more.")
    assert _git_calls(book, monkeypatch) == (messages, ["cat-file"])
    edit(book, "A locked account can sign in", "A locked account cannot sign in")
    assert _git_calls(book, monkeypatch) == ([], [])  # back to the approved sections


def test_a_new_approval_row_is_looked_up(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(book, "A locked account cannot sign in", "A locked account can sign in")
    assert len(_git_calls(book, monkeypatch)[0]) == 1
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-05")
    code, out = run(book, ["review", "SPEC-001", "--approve", "--by", "Dana Fox"], monkeypatch)
    assert code == 0, out
    messages, calls = _git_calls(book, monkeypatch)
    assert messages == [] and "log" in calls  # a row the cache does not know: history
    commit(book, "approve again", "2026-03-05T10:00:00Z")
    edit(book, "A locked account can sign in", "A locked account can sign in at once")
    [message] = _git_calls(book, monkeypatch)[0]
    assert "by Dana Fox on 2026-03-05" in str(message)


def test_an_uncommitted_approval_stays_uncommitted_while_head_does(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(book, "reset", "-q", "--soft", "HEAD~1")  # the approval row is uncommitted now
    assert _git_calls(book, monkeypatch)[0] == []
    edit(book, "A locked account cannot sign in", "A locked account can sign in")
    assert _git_calls(book, monkeypatch) == ([], [])
    commit(book, "approve", "2026-03-02T10:00:00Z")  # (with the reword: approved as is)
    assert _git_calls(book, monkeypatch)[0] == []
    edit(book, "A locked account can sign in", "A locked account can sign in later")
    assert len(_git_calls(book, monkeypatch)[0]) == 1


def test_an_approved_document_whose_answer_is_kept_is_not_read_again(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lint of the book after another document changed judges SPEC-001 (unchanged,
    its answer kept for its bytes) without reading its file: the content hash taken
    when it was linted names the answer (a book of 10,000 read and hashed every
    approved document on each lint). Once it changes, it is read and judged again."""
    from specbook.book import approvals

    other = book / "docs/specs/SPEC-002-other.md"
    write(other, spec(2, "Other", "Draft", FR[:1], [], history=""))
    read: list[str] = []
    real = approvals._read

    def recorded(full: str) -> bytes | None:
        read.append(Path(full).name)
        return real(full)

    assert not stale(book, monkeypatch)
    write(other, spec(2, "Other, edited", "Draft", FR[:1], [], history=""))
    with monkeypatch.context() as m:
        m.setattr(approvals, "_read", recorded)
        assert not stale(book, monkeypatch)
    assert "SPEC-001-login.md" not in read
    edit(book, "A locked account cannot sign in", "A locked account can sign in")
    with monkeypatch.context() as m:
        m.setattr(approvals, "_read", recorded)
        [finding] = stale(book, monkeypatch)
    assert "FR-2 reworded" in str(finding["message"])
    assert "SPEC-001-login.md" in read


def test_a_files_repository_path_resolves_links_as_realpath_does(tmp_path: Path) -> None:
    """SB505 finds each approved file's history by its path in the repository, links
    resolved; the folders are resolved once each, so a linked folder, a linked file
    and a link to a folder outside the repository must come out as realpath has them."""
    from specbook.book.approvals import _repo_path

    top = tmp_path / "repo"
    (top / "docs" / "specs").mkdir(parents=True)
    (top / "docs" / "specs" / "SPEC-001.md").write_text("x")
    (top / "elsewhere").mkdir()
    (top / "elsewhere" / "SPEC-002.md").write_text("x")
    (top / "docs" / "linked").symlink_to(top / "elsewhere", target_is_directory=True)
    (top / "docs" / "specs" / "SPEC-003.md").symlink_to(top / "elsewhere" / "SPEC-002.md")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "SPEC-004.md").write_text("x")
    (top / "docs" / "out").symlink_to(outside, target_is_directory=True)
    (top / "README.md").write_text("x")
    files = [
        top / "docs" / "specs" / "SPEC-001.md",
        top / "docs" / "linked" / "SPEC-002.md",
        top / "docs" / "specs" / "SPEC-003.md",
        top / "docs" / "out" / "SPEC-004.md",
        top / "README.md",
        top / "docs" / "specs" / ".." / "linked" / "SPEC-002.md",
    ]
    real_dirs: dict[str, str] = {}
    got = [_repo_path(f, top, real_dirs) for f in files + files]  # (twice: from the memo)
    want = [os.path.relpath(os.path.realpath(f), top).replace(os.sep, "/") for f in files]
    assert got == want + want
    assert want[1] == want[2] == "elsewhere/SPEC-002.md"
    assert want[3] == "../outside/SPEC-004.md"
