"""File names git would quote, through every command that asks git for paths.

Without ``-z``, git prints ``docs/specs/SPEC-099-caf\\303\\251.md`` in double quotes
(core.quotepath, on by default), and a quote, a tab or a newline is escaped the same
way. Each repository here is built with the machine's git config ignored
(:func:`tests.gitbook.isolate`), so git's defaults hold, and the book sits in a
folder below the repository's top unless the test says otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specbook.book.approvals import FEW
from specbook.cli import main
from specbook.services.multi import Rename, plan_renumber
from specbook.services.zeroconf import open_book
from tests.gitbook import commit, count_git, git, init, isolate, replace_in, spec, write

CAFE = "SPEC-099-café.md"  # a letter outside ASCII
ODD = 'SPEC-098-a b "q".md'  # a space and double quotes
TAB = "SPEC-097-tab\there.md"
NL = "SPEC-096-new\nline.md"
SPECS = "docs/specs"

DOC = """# Technical Specification: {title}

**ID**: SPEC-{num:03d}
**Date**: 2026-03-01
**Status**: Draft
**Type**: Feature

## Summary

See {ref}.

## Implementation Plan

### Files to Modify
- [ ] `{planned}` - the code
"""


def doc(num: int, ref: str = "nothing", planned: str = "src/app.py") -> str:
    return DOC.format(title=f"Spec {num}", num=num, ref=ref, planned=planned)


def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sub: str = "handbook") -> Path:
    """A new repository with an empty book in ``sub`` (``""``: at the top); returns
    the book's root, which is also the current folder."""
    isolate(monkeypatch)
    top = tmp_path / "repo"
    init(top)
    root = top / sub if sub else top
    write(root / "specbook.toml", '[book]\nname = "demo"\n')
    monkeypatch.chdir(root)
    return root


def cli(*args: str) -> dict[str, Any]:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code in (0, 1), r.output
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def dangling(*extra: str) -> tuple[set[str], int]:
    """The paths with an SB401 finding (a reference to no document), and how many
    documents the lint reported on."""
    data = cli("lint", "--format", "json", "--select", "SB401", *extra)
    return {f["path"] for f in data["findings"]}, data["summary"]["documents"]


# -- lint --changed -----------------------------------------------------------------------------
@pytest.mark.parametrize("sub", ["", "handbook"])
def test_lint_changed_finds_an_edited_document_git_would_quote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sub: str
) -> None:
    root = repository(tmp_path, monkeypatch, sub)
    specs = root / SPECS
    for num, name in ((99, CAFE), (98, ODD), (97, TAB)):
        write(specs / name, doc(num))
    commit(root, "base", "2026-03-01T10:00:00Z")
    write(specs / CAFE, doc(99, "SPEC-404"))  # an unstaged edit: a dangling reference
    assert dangling("--changed", "HEAD") == ({f"{SPECS}/{CAFE}"}, 1)
    # a whole lint sees the same finding: --changed is not hiding others
    assert dangling()[0] == {f"{SPECS}/{CAFE}"}


def test_lint_changed_finds_what_a_branch_did_to_such_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repository(tmp_path, monkeypatch)
    specs = root / SPECS
    for num, name in ((99, CAFE), (98, ODD), (97, TAB)):
        write(specs / name, doc(num))
    # its reference dangles, but the branch does not change it
    write(specs / "SPEC-095-plain.md", doc(95, "SPEC-408"))
    commit(root, "base", "2026-03-01T10:00:00Z")
    git(root, "checkout", "-q", "-b", "feature")
    write(specs / ODD, doc(98, "SPEC-404"))  # committed on the branch
    renamed = "SPEC-099-café crème.md"
    git(root, "mv", f"{SPECS}/{CAFE}", f"{SPECS}/{renamed}")  # renamed on the branch
    write(specs / renamed, doc(99, "SPEC-405"))
    commit(root, "branch work", "2026-03-02T10:00:00Z")
    write(specs / TAB, doc(97, "SPEC-406"))
    git(root, "add", f"{SPECS}/{TAB}")  # staged, not committed
    write(specs / NL, doc(96, "SPEC-407"))  # untracked
    found, documents = dangling("--changed", "main")
    assert found == {f"{SPECS}/{n}" for n in (ODD, renamed, TAB, NL)}
    assert documents == 4
    assert f"{SPECS}/SPEC-095-plain.md" in dangling()[0]


# -- impact --git-diff --------------------------------------------------------------------------
def test_impact_git_diff_lists_changed_files_as_they_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repository(tmp_path, monkeypatch)
    top = root.parent
    write(root / SPECS / CAFE, doc(99, planned="src/café.py"))
    write(top / "src" / "café.py", "x = 1\n")
    write(root / "notes" / "ok.py", "x = 1\n")
    commit(top, "base", "2026-03-01T10:00:00Z")
    write(top / "src" / "café.py", "x = 2\n")  # modified, outside the book
    write(top / "src" / 'a b "q".py', "x = 1\n")  # untracked, outside the book
    write(top / "src" / "tab\there.py", "x = 1\n")
    write(root / "notes" / "ok.py", "x = 2\n")  # inside the book
    data = cli("impact", "--json", "--git-diff", "HEAD")
    # outside the book: relative to the repository's top; inside: to the book's root
    assert data["files"] == ["notes/ok.py", 'src/a b "q".py', "src/café.py", "src/tab\there.py"]
    [hit] = data["documents"]
    assert hit["path"] == f"{SPECS}/{CAFE}"
    assert [m["file"] for m in hit["matches"]] == ["src/café.py"]


# -- diff -------------------------------------------------------------------------------------
def test_diff_pairs_and_reads_documents_git_would_quote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repository(tmp_path, monkeypatch)
    specs = root / SPECS
    fr = [("A user signs in", "the dashboard shows")]
    for num, name in ((99, CAFE), (98, ODD), (96, NL)):
        write(specs / name, spec(num, f"Spec {num}", "Draft", fr, []))
    commit(root, "base", "2026-03-01T10:00:00Z")
    git(root, "checkout", "-q", "-b", "feature")
    reworded = [("A user signs in with a passkey", "the dashboard shows")]
    for num, name in ((99, CAFE), (96, NL)):
        write(specs / name, spec(num, f"Spec {num}", "Draft", reworded, []))
    moved = 'SPEC-098-a b "q" moved.md'
    git(root, "mv", f"{SPECS}/{ODD}", f"{SPECS}/{moved}")
    commit(root, "reword, move", "2026-03-02T10:00:00Z")
    write(specs / TAB, spec(97, "Spec 97", "Draft", fr, []))  # untracked

    def changes(*args: str) -> dict[str, tuple[str, bool, list[str]]]:
        data = cli("diff", "--format", "json", *args)
        return {
            d["path"]: (d["change"], d["renamed"], [r["change"] for r in d["requirements"]])
            for d in data["documents"]
        }

    between_commits = {
        f"{SPECS}/{CAFE}": ("modified", False, ["reworded"]),
        f"{SPECS}/{NL}": ("modified", False, ["reworded"]),
        f"{SPECS}/{moved}": ("modified", True, []),
    }
    assert changes("main", "HEAD") == between_commits
    assert changes("main") == {**between_commits, f"{SPECS}/{TAB}": ("added", False, [])}


# -- renumber -----------------------------------------------------------------------------------
def test_renumber_ages_documents_git_would_quote_by_their_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The older of two duplicates keeps the ID, by when git added it: the files'
    modification times say the opposite. ``[x]`` in a name is not a pattern (as a
    pattern it would match ``SPEC-002-x.md``, added first, and make the two alike)."""
    root = repository(tmp_path, monkeypatch)
    specs = root / SPECS
    older = [(CAFE.replace("099", "001"), 1), ("SPEC-002-x.md", 2)]
    newer = [('SPEC-001-a b "q".md', 1), ("SPEC-002-[x].md", 2)]
    for name, num in older:
        write(specs / name, doc(num))
    commit(root, "older", "2026-03-01T10:00:00Z")
    for name, num in newer:
        write(specs / name, doc(num))
    commit(root, "newer", "2026-03-05T10:00:00Z")
    for at, (name, _) in enumerate(newer + older):
        os.utime(specs / name, (1_800_000_000 + at, 1_800_000_000 + at))
    plan = plan_renumber(open_book(root))
    assert plan.renames == [
        Rename(
            "SPEC-001",
            "SPEC-003",
            f'{SPECS}/SPEC-001-a b "q".md',
            f'{SPECS}/SPEC-003-a b "q".md',
            f"{SPECS}/SPEC-001-café.md",
        ),
        Rename(
            "SPEC-002",
            "SPEC-004",
            f"{SPECS}/SPEC-002-[x].md",
            f"{SPECS}/SPEC-004-[x].md",
            f"{SPECS}/SPEC-002-x.md",
        ),
    ]


# -- SB505 --------------------------------------------------------------------------------------
FR = [
    ("A user signs in with email and password", "a known user reaches the dashboard"),
    ("A locked account cannot sign in", "the fifth wrong password locks the account"),
]
NFR = [(1, "Sign-in is fast", "p95 < 300 ms")]
APPROVED = "| 2026-03-02 | Bob Stone | Approved | Looks good |\n"


@pytest.mark.parametrize("plain", [0, FEW])
def test_approval_stale_follows_documents_git_would_quote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plain: int
) -> None:
    """With up to FEW approved documents each file's history is its own `git log
    --follow`; with more, one `git log` of the book gives them all."""
    root = repository(tmp_path, monkeypatch)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-20")
    specs = root / SPECS
    names = {99: CAFE, 98: "SPEC-098-plain.md", 97: TAB, 96: NL}
    names.update({n: f"SPEC-{n:03d}-p.md" for n in range(1, plain + 1)})
    for num, name in names.items():
        write(specs / name, spec(num, f"Spec {num}", "Review", FR, NFR))
    commit(root, "drafts", "2026-03-01T10:00:00Z")
    for num, name in names.items():
        write(specs / name, spec(num, f"Spec {num}", "Approved", FR, NFR, history=APPROVED))
    commit(root, "approve", "2026-03-02T10:00:00Z")
    git(root, "mv", f"{SPECS}/SPEC-098-plain.md", f"{SPECS}/{ODD}")
    commit(root, "rename", "2026-03-03T10:00:00Z")
    for name in (CAFE, ODD, NL):
        replace_in(specs / name, "cannot sign in", "can sign in")
    commit(root, "reword", "2026-03-04T10:00:00Z")
    calls = count_git(monkeypatch)
    data = cli("lint", "--format", "json", "--select", "SB505", "--no-cache")
    assert {f["path"] for f in data["findings"]} == {f"{SPECS}/{n}" for n in (CAFE, ODD, NL)}
    if plain:  # (the runs that keep SB505 cheap, whatever the names)
        assert calls == ["log", "diff-tree", "cat-file"]
    else:
        assert calls == ["log"] * len(names) + ["cat-file"]
