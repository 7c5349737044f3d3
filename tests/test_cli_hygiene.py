"""CLI hygiene: mistyped commands and options, unknown IDs and filter values, and help
texts that name only files that exist. Each test runs the real command on a fresh book."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from specbook.cli import main


# -- a mistyped command or option --------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lsit"], "No such command 'lsit'. Did you mean 'list'?"),
        (["stauts", "SPEC-001", "Review"], "No such command 'stauts'. Did you mean 'status'?"),
        (["serach", "x"], "No such command 'serach'. Did you mean 'search'?"),
        (["li"], "No such command 'li'. (Did you mean one of: 'lint', 'list'?)"),
        (["list", "--jsno"], "No such option '--jsno'. Did you mean '--json'?"),
        (["lint", "--strcit"], "No such option '--strcit'. Did you mean '--strict'?"),
        (["review", "SPEC-001", "--aprove"], "Did you mean '--approve'?"),
        (["--verison"], "No such option '--verison'. Did you mean '--version'?"),
    ],
)
def test_mistyped_command_or_option_suggests_the_close_one(
    book: Path, runner: CliRunner, argv: list[str], message: str
) -> None:
    r = runner.invoke(main, argv)
    assert r.exit_code == 2, r.output
    assert message in r.output


def test_unknown_command_without_a_close_one_suggests_nothing(
    book: Path, runner: CliRunner
) -> None:
    r = runner.invoke(main, ["frobnicate"])
    assert r.exit_code == 2
    assert "No such command 'frobnicate'." in r.output and "Did you mean" not in r.output


def test_command_suggestion_in_a_fresh_process(book: Path) -> None:
    """A fresh `specbook` has imported no command module yet (they load lazily); the
    suggestion still comes from every command."""
    r = subprocess.run(
        [sys.executable, "-m", "specbook", "chek", "SPEC-001"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2
    assert "No such command 'chek'. Did you mean 'check'?" in r.stderr


# -- an unknown document ID ---------------------------------------------------------------
@pytest.fixture
def small_book(book: Path, runner: CliRunner) -> Path:
    """SPEC-001 to SPEC-003 and DEC-001."""
    for kind, title in [("spec", "A"), ("spec", "B"), ("spec", "C"), ("dec", "D")]:
        r = runner.invoke(main, ["new", kind, title, "--author", "al"])
        assert r.exit_code == 0, r.output
    return book


# Every command that takes a document ID, with SPEC-999 (no such document) in its place.
ID_COMMANDS = {
    "show": ["show", "SPEC-999"],
    "status": ["status", "SPEC-999", "Review", "--by", "bo"],
    "review": ["review", "SPEC-999", "--comment", "--by", "bo"],
    "check": ["check", "SPEC-999", "1"],
    "refs": ["refs", "SPEC-999"],
    "supersede OLD": ["supersede", "SPEC-999", "SPEC-001", "--by", "bo"],
    "supersede NEW": ["supersede", "SPEC-001", "SPEC-999", "--by", "bo"],
    "graph": ["graph", "--root", "SPEC-999"],
    "diff": ["diff", "HEAD", "SPEC-999"],
}


def test_every_command_taking_an_id_is_covered() -> None:
    """A command with an ID argument or option (its metavar says ID) is in ID_COMMANDS."""
    ctx = click.Context(main)
    takes_id = set()
    for name in main.list_commands(ctx):
        cmd = main.get_command(ctx, name)
        assert cmd is not None
        if any("ID" in (p.metavar or "").split("|")[0] for p in cmd.params):
            takes_id.add(name)
    assert takes_id == {"show", "status", "review", "check", "refs", "graph", "diff"}
    assert takes_id <= {name.split()[0] for name in ID_COMMANDS}


@pytest.mark.parametrize("case", sorted(ID_COMMANDS))
def test_unknown_id_names_the_closest_ids(
    small_book: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    from tests.gitbook import commit, init, isolate

    isolate(monkeypatch)
    init(small_book)
    commit(small_book, "start", "2026-03-01T10:00:00Z")
    before = {p: p.read_bytes() for p in small_book.glob("docs/**/*.md")}
    r = runner.invoke(main, ID_COMMANDS[case])
    assert r.exit_code == 1, r.output
    assert "SPEC-999: no document with this ID" in r.output
    assert "did you mean SPEC-003, SPEC-002 or SPEC-001?" in r.output
    assert {p: p.read_bytes() for p in small_book.glob("docs/**/*.md")} == before


@pytest.mark.parametrize(
    ("written", "closest"),
    [
        # a sure slip alone: other zero padding, a letter swapped, dropped or added
        ("SPEC-3", "SPEC-003"),
        ("SEPC-001", "SPEC-001"),
        ("DCE-001", "DEC-001"),
        ("SPEC-0002", "SPEC-002"),
        ("SPC-003", "SPEC-003"),
        # else the nearest numbers of the kind, then similar IDs of other kinds
        ("SPEC-050", "SPEC-003, SPEC-002 or SPEC-001"),
        ("DEC-7", "DEC-001"),
        ("SPEX-004", "SPEC-003, SPEC-002 or SPEC-001"),
    ],
)
def test_unknown_id_suggestions_by_kind_of_slip(
    small_book: Path, runner: CliRunner, written: str, closest: str
) -> None:
    r = runner.invoke(main, ["show", written])
    assert r.exit_code == 1
    assert f"did you mean {closest}?" in r.output


def test_unknown_id_with_nothing_close(small_book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["status", "login-page", "Review"])
    assert r.exit_code == 1
    assert "login-page: no document with this ID" in r.output
    assert "did you mean" not in r.output and "`specbook list` shows the IDs" in r.output


def test_unknown_id_in_an_empty_book(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["show", "SPEC-001"])
    assert r.exit_code == 1
    assert "there is no document with an ID yet" in r.output


def test_diff_of_an_unchanged_id_is_no_error(
    small_book: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.gitbook import commit, init, isolate

    isolate(monkeypatch)
    init(small_book)
    commit(small_book, "start", "2026-03-01T10:00:00Z")
    r = runner.invoke(main, ["diff", "HEAD", "SPEC-002"])
    assert r.exit_code == 0, r.output
    assert "No document changed." in r.output


# -- list filters with a value nothing can have ---------------------------------------------
@pytest.fixture
def example_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example book (14 documents with tags), the current folder."""
    import shutil

    from tests.conftest import REPO

    root = tmp_path / "book"
    shutil.copytree(REPO / "examples" / "book", root, ignore=shutil.ignore_patterns(".specbook"))
    monkeypatch.chdir(root)
    return root


def _ids(runner: CliRunner, *argv: str) -> list[str]:
    r = runner.invoke(main, ["list", *argv, "--json"])
    assert r.exit_code == 0, r.output
    return [d["id"] for d in json.loads(r.output)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--status", "bogus"],
            "unknown status 'bogus'; this book's statuses: Draft, Review, Approved, "
            "Implemented, Archived, Proposed, Accepted,",
        ),
        (
            ["--kind", "dec", "--status", "implemented"],
            "unknown status 'implemented'; DEC's statuses: Proposed, Accepted, Rejected, "
            "Deprecated, Superseded (any case)",
        ),
        (
            ["--type", "bogus"],
            "unknown type 'bogus'; this book's types: Feature, Enhancement, Fix, Refactor,",
        ),
        (
            ["--kind", "bug", "--type", "feature"],
            "unknown type 'feature'; BUG's types: Defect, Regression, Performance, Security, "
            "Usability (any case)",
        ),
        (["--tag", "bogus"], "unknown tag 'bogus'; the documents carry: api, architecture,"),
    ],
)
def test_list_filter_nothing_can_match_is_a_usage_error(
    example_book: Path, runner: CliRunner, argv: list[str], message: str
) -> None:
    r = runner.invoke(main, ["list", *argv])
    assert r.exit_code == 2, r.output
    assert message in r.output


def test_list_filters_ignore_case(example_book: Path, runner: CliRunner) -> None:
    assert _ids(runner, "--status", "accepted") == ["DEC-001", "DEC-003"]
    assert _ids(runner, "--status", "IN PROGRESS") == ["BUG-003", "TASK-001"]
    assert _ids(runner, "--type", "ENHANCEMENT") == ["SPEC-004"]
    assert "SPEC-002" in _ids(runner, "--tag", "WEBHOOKS")
    # a known status no document is in is no error: just nothing
    assert _ids(runner, "--kind", "dec", "--status", "Rejected") == []


def test_list_status_a_document_states_outside_the_config(
    example_book: Path, runner: CliRunner
) -> None:
    """A book's documents may use a status word its config does not know (lint reports
    it); the filter still finds them, and the error names them."""
    doc = example_book / "docs/tasks/TASK-003-document-notification-opt-out.md"
    text = doc.read_text(encoding="utf-8")
    assert "**Status**: Blocked" in text
    doc.write_text(text.replace("**Status**: Blocked", "**Status**: Parked"), encoding="utf-8")
    assert _ids(runner, "--status", "parked") == ["TASK-003"]
    r = runner.invoke(main, ["list", "--kind", "task", "--status", "bogus"])
    assert r.exit_code == 2
    assert "TASK's statuses: Todo, In Progress, Blocked, Done, Cancelled; " in r.output
    assert "documents also say: Parked (any case)" in r.output


def test_list_error_leaves_out_unfilled_template_prompts(
    small_book: Path, runner: CliRunner
) -> None:
    """The documents made without --type still hold the template's prompt
    ([Feature|Enhancement|...]); it is no type a document states."""
    assert "**Type**: [Feature|" in (small_book / "docs/specs/SPEC-001-a.md").read_text()
    r = runner.invoke(main, ["list", "--type", "bogus"])
    assert r.exit_code == 2
    assert "[" not in r.output and "documents also say" not in r.output


# -- lint of a path that does not exist ----------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["missing.md"],
        ["docs/specs/SPEC-001-a.md", "docs/specs/SPEC-404.md"],
        ["docs/nowhere"],
    ],
)
def test_lint_missing_path_is_a_usage_error(
    small_book: Path, runner: CliRunner, argv: list[str]
) -> None:
    assert (small_book / "docs/specs/SPEC-001-a.md").is_file()
    r = runner.invoke(main, ["lint", *argv])
    assert r.exit_code == 2, r.output
    assert f"Path '{argv[-1]}' does not exist" in r.output
    assert not (small_book / ".specbook" / "index.db").exists()  # nothing was linted


# -- review with two verdicts ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--approve", "--comment"], "not --approve and --comment"),
        (["--request-changes", "--approve"], "not --approve and --request-changes"),
        (
            ["--comment", "--request-changes", "--approve"],
            "not --approve and --request-changes and --comment",
        ),
        ([], "say one of --approve, --request-changes or --comment"),
    ],
)
def test_review_needs_exactly_one_verdict(
    small_book: Path, runner: CliRunner, flags: list[str], message: str
) -> None:
    doc = small_book / "docs/specs/SPEC-001-a.md"
    before = doc.read_bytes()
    r = runner.invoke(main, ["review", "SPEC-001", *flags, "--by", "bo", "--note", "x"])
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert doc.read_bytes() == before  # nothing recorded


@pytest.mark.parametrize(("flag", "row"), [("--approve", "Approve"), ("--comment", "Comment")])
def test_review_with_one_verdict_records_it(
    small_book: Path, runner: CliRunner, flag: str, row: str
) -> None:
    r = runner.invoke(main, ["review", "SPEC-001", flag, "--by", "bo", "--note", "looks fine"])
    assert r.exit_code == 0, r.output
    text = (small_book / "docs/specs/SPEC-001-a.md").read_text(encoding="utf-8")
    assert f"| bo | {row} | looks fine |" in text


# -- check --all SECTION ---------------------------------------------------------------------
NUMBERED = """# Technical Specification: Numbered

**ID**: SPEC-001
**Status**: Draft

## 1. Summary

Numbered headings, as many teams write them.

## 11. Acceptance Criteria

- [ ] one
- [ ] two

### 11.1 Edge cases

- [ ] three

## ✅ Done Criteria

- [ ] four

## 🚀 3.2 Rollout

- [ ] five

## Notes

Nothing to tick.
"""


@pytest.mark.parametrize(
    ("section", "ticked"),
    [
        ("Acceptance Criteria", ["one", "two", "three"]),
        ("acceptance criteria", ["one", "two", "three"]),
        ("11. Acceptance Criteria", ["one", "two", "three"]),
        ("Edge cases", ["three"]),
        ("Done Criteria", ["four"]),
        ("✅ Done Criteria", ["four"]),
        ("Rollout", ["five"]),
    ],
)
def test_check_all_matches_numbered_and_emoji_headings(
    book: Path, runner: CliRunner, section: str, ticked: list[str]
) -> None:
    doc = book / "docs/specs/SPEC-001-numbered.md"
    doc.write_text(NUMBERED, encoding="utf-8")
    r = runner.invoke(main, ["check", "SPEC-001", "--all", section])
    assert r.exit_code == 0, r.output
    assert f"checked {len(ticked)} item" in r.output
    expected = NUMBERED
    for text in ticked:
        expected = expected.replace(f"- [ ] {text}\n", f"- [x] {text}\n")
    assert doc.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("Acceptance", "no section 'Acceptance'"),
        ("Notes", "section 'Notes' has no checklist items"),
    ],
)
def test_check_all_unknown_section_lists_the_sections_with_checklists(
    book: Path, runner: CliRunner, section: str, problem: str
) -> None:
    doc = book / "docs/specs/SPEC-001-numbered.md"
    doc.write_text(NUMBERED, encoding="utf-8")
    r = runner.invoke(main, ["check", "SPEC-001", "--all", section])
    assert r.exit_code == 2, r.output
    assert (
        f"SPEC-001: {problem}; the sections with checklist items: 11. Acceptance Criteria, "
        "11.1 Edge cases, ✅ Done Criteria, 🚀 3.2 Rollout\n"
    ) in r.output
    assert doc.read_text(encoding="utf-8") == NUMBERED


# -- show without sections; list with a very long value --------------------------------------
def test_show_prints_no_empty_sections_header(book: Path, runner: CliRunner) -> None:
    flat = book / "docs/specs/SPEC-001-flat.md"
    flat.write_text("# Flat\n\n**ID**: SPEC-001\n**Status**: Draft\n\nJust text.\n")
    r = runner.invoke(main, ["show", "SPEC-001"])
    assert r.exit_code == 0, r.output
    assert "\nFields\n" in r.output and "Sections" not in r.output
    flat.write_text("# Flat\n\n**ID**: SPEC-001\n**Status**: Draft\n\n## Summary\n\nText.\n")
    r = runner.invoke(main, ["show", "SPEC-001"])
    assert "\nSections\n      6  Summary\n" in r.output


LONG_STATUS = "Waiting for the legal team to sign off the data processing agreement"
LONG_TITLE = "Export every shipment event to the customer's data warehouse nightly"


@pytest.fixture
def long_book(book: Path, runner: CliRunner) -> Path:
    """SPEC-001 (short values), SPEC-002 (a status no config knows, 68 characters, and a
    long title) and BUG-001."""
    for kind, title, type_ in [
        ("spec", "Login", "Feature"),
        ("spec", LONG_TITLE, "Feature"),
        ("bug", "Crash", "Defect"),
    ]:
        r = runner.invoke(main, ["new", kind, title, "--type", type_, "--author", "al"])
        assert r.exit_code == 0, r.output
    (doc,) = book.glob("docs/specs/SPEC-002-*.md")
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("**Status**: Draft", f"**Status**: {LONG_STATUS}"))
    return book


def test_list_piped_and_json_keep_long_values_whole(long_book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["list"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        f"BUG-001   {'Open':<{len(LONG_STATUS)}}  Defect   Crash",
        f"SPEC-001  {'Draft':<{len(LONG_STATUS)}}  Feature  Login",
        f"SPEC-002  {LONG_STATUS}  Feature  {LONG_TITLE}",
        "3 documents",
    ]
    listed = json.loads(runner.invoke(main, ["list", "--json"]).output)
    assert (listed[2]["status"], listed[2]["title"]) == (LONG_STATUS, LONG_TITLE)


def test_list_on_a_terminal_fits_its_width(long_book: Path) -> None:
    """Run in a real terminal (a pseudo-terminal) 60 columns wide."""
    import pty

    master, slave = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "specbook", "list"],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=subprocess.PIPE,
            env={**os.environ, "COLUMNS": "60"},
            check=False,
        )
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed (Linux)
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert done.returncode == 0, done.stderr
    lines = b"".join(chunks).decode().replace("\r\n", "\n").splitlines()
    assert lines == [
        "BUG-001   Open              Defect   Crash",
        "SPEC-001  Draft             Feature  Login",
        "SPEC-002  Waiting for the…  Feature  Export every shipment …",
        "3 documents",
    ]
    assert max(len(line) for line in lines) == 60


def test_shorten_counts_terminal_columns() -> None:
    from specbook.core.text import cells, shorten

    assert cells("日本語") == 6 and cells("e\u0301") == 1
    assert shorten("日本語のタイトル", 7) == "日本語…"
    assert shorten("日本語のタイトル", 8) == "日本語…"  # a wide character does not half fit
    assert shorten("short", 5) == "short"
    assert shorten("shorter", 5) == "shor…"


# -- help texts name only files that exist --------------------------------------------------
# A path in a help text is a file (or folder) of the repository, or one of these.
CREATED = {  # made in a book by the command that follows (checked below)
    "specbook.toml": "init",
    "docs/specs": "init",
    "docs/decisions": "init",
    "docs/bugs": "init",
    "docs/tasks": "init",
    ".specbook/": "lint",
    ".specbook/index.db": "index",
}
NOT_PATHS = {
    "FR/NFR": "the two kinds of requirement",
    "SPEC-007/FR-2": "a requirement tag",
    "origin/HEAD": "a git ref",
}
EXAMPLES = {  # impact's help: a path as a document of the example book lists it
    "parcel/api/shipments.py": "listed by SPEC-001's Implementation Plan",
    "parcel/app.py": "listed by SPEC-001's Implementation Plan",
    "parcel/webhooks/": "the folder of parcel/webhooks/receiver.py (SPEC-002)",
    "src/parcel/app.py": "a changed path that ends with parcel/app.py",
}
_URL = re.compile(r"\S+://\S*")
_PATH = re.compile(
    r"(?<![\w/:.-])"
    r"(\.?[\w*<>-][\w.*<>-]*(?:/[\w.*<>-]*)+"  # with a slash: docs/rules/, a/b.py
    r"|[\w*<>-][\w.*<>-]*\.(?:md|toml|db|json|ya?ml|py|sql|txt|csv|html|cfg|ini|lock))"
    r"(?![\w/-])"
)


def _commands(cmd: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd)
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, (*path, name))


def _command(path: tuple[str, ...]) -> click.Command:
    cmd: click.Command = main
    for name in path:
        assert isinstance(cmd, click.Group)
        found = cmd.get_command(click.Context(cmd), name)
        assert found is not None
        cmd = found
    return cmd


def _paths_in_help(path: tuple[str, ...]) -> set[str]:
    cmd = _command(path)
    texts = [cmd.help, cmd.short_help, cmd.epilog, *(getattr(p, "help", None) for p in cmd.params)]
    return {m for t in texts if t for m in _PATH.findall(_URL.sub(" ", t))}


@pytest.mark.parametrize("path", list(_commands(main)), ids=lambda p: " ".join(("specbook", *p)))
def test_help_names_only_files_that_exist(runner: CliRunner, path: tuple[str, ...]) -> None:
    from tests.conftest import REPO

    r = runner.invoke(main, [*path, "--help"])
    assert r.exit_code == 0, r.output
    missing = sorted(
        p
        for p in _paths_in_help(path)
        if not (REPO / p).exists()
        and p not in CREATED
        and p not in NOT_PATHS
        and p not in EXAMPLES
        and "*" not in p  # a glob
        and "<" not in p  # a name made from placeholders: <folder>/<ID>-<slug>.md
    )
    assert not missing, f"`{' '.join(('specbook', *path))} --help` names {missing}"


def test_help_allow_lists_are_used_and_true(tmp_path: Path, runner: CliRunner) -> None:
    """Every allow-listed path is named by some help text (no stale entries), the paths
    said to be created are created by their command, and the examples are in the
    example book's documents."""
    from tests.conftest import REPO

    named = set().union(*(_paths_in_help(p) for p in _commands(main)))
    assert {*CREATED, *NOT_PATHS, *EXAMPLES} <= named
    root = tmp_path / "b"
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    old = Path.cwd()
    os.chdir(root)
    try:
        assert runner.invoke(main, ["new", "spec", "X", "--author", "al"]).exit_code == 0
        for command in sorted(set(CREATED.values()) - {"init"}):
            assert runner.invoke(main, [command]).exit_code in (0, 1), command
    finally:
        os.chdir(old)
    assert [p for p in CREATED if not (root / p).exists()] == []
    book_text = "".join(
        p.read_text(encoding="utf-8") for p in (REPO / "examples/book/docs").rglob("*.md")
    )
    for example in EXAMPLES:
        if example.startswith("parcel/"):
            assert example in book_text, example
