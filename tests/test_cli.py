"""End-to-end CLI tests on a fresh book: init, new, show, list, errors and exit codes."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from specbook.cli import main
from tests.conftest import TODAY


def test_init_writes_config_and_folders(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["init", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    for folder in ("docs/specs", "docs/decisions", "docs/bugs", "docs/tasks"):
        assert (tmp_path / "b" / folder).is_dir()
    text = (tmp_path / "b" / "specbook.toml").read_text()
    assert "[kinds.SPEC]" in text and text.count("#") > 10
    again = runner.invoke(main, ["init", str(tmp_path / "b")])
    assert again.exit_code == 1 and "already exists" in again.output


def test_new_spec_differs_from_seed_only_in_filled_lines(
    book: Path, runner: CliRunner, seed_bytes: bytes
) -> None:
    result = runner.invoke(
        main, ["new", "spec", "User login", "--type", "feature", "--author", "alice"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "docs/specs/SPEC-001-user-login.md"
    made = (book / "docs/specs/SPEC-001-user-login.md").read_bytes()
    seed_lines = seed_bytes.decode().splitlines(keepends=True)
    made_lines = made.decode().splitlines(keepends=True)
    assert len(seed_lines) == len(made_lines)
    changed = [(a, b) for a, b in zip(seed_lines, made_lines, strict=True) if a != b]
    today = TODAY
    assert changed == [
        ("# Technical Specification\n", "# Technical Specification: User login\n"),
        ("**ID**: SPEC-XXX\n", "**ID**: SPEC-001\n"),
        ("**Date**: [YYYY-MM-DD]\n", f"**Date**: {today}\n"),
        ("**Status**: [Draft|Review|Approved|Implemented|Archived]\n", "**Status**: Draft\n"),
        ("**Type**: [Feature|Enhancement|Fix|Refactor|Infrastructure]\n", "**Type**: Feature\n"),
        ("- **Created**: [YYYY-MM-DD]\n", f"- **Created**: {today}\n"),
        ("- **Modified**: [YYYY-MM-DD]\n", f"- **Modified**: {today}\n"),
        ("- **Author**: [Name]\n", "- **Author**: alice\n"),
    ], "".join(difflib.unified_diff(seed_lines, made_lines))


def test_new_numbers_each_kind_and_uses_its_template(book: Path, runner: CliRunner) -> None:
    for kind, title in [
        ("spec", "A"),
        ("spec", "B"),
        ("dec", "Use X"),
        ("bug", "Crash"),
        ("task", "Do it"),
    ]:
        assert runner.invoke(main, ["new", kind, title, "--author", "bo"]).exit_code == 0
    assert (book / "docs/specs/SPEC-002-b.md").is_file()
    dec = (book / "docs/decisions/DEC-001-use-x.md").read_text()
    assert dec.startswith("# Decision Record: Use X\n") and "**Status**: Proposed" in dec
    assert "**Status**: Open" in (book / "docs/bugs/BUG-001-crash.md").read_text()
    assert "**Status**: Todo" in (book / "docs/tasks/TASK-001-do-it.md").read_text()


def test_new_rejects_bad_input(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["new", "spec", "X", "--type", "bogus"])
    assert r.exit_code == 2 and "allowed: Feature, Enhancement" in r.output
    r = runner.invoke(main, ["new", "rfc", "X"])
    assert r.exit_code == 2 and "SPEC, DEC, BUG, TASK" in r.output
    r = runner.invoke(main, ["new", "spec", "   "])
    assert r.exit_code == 2


def test_new_outside_a_book(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(main, ["new", "spec", "X"])
    assert r.exit_code == 2 and "specbook init" in r.output


def test_template_override(book: Path, runner: CliRunner) -> None:
    (book / "docs/templates").mkdir()
    (book / "docs/templates/spec.md").write_text(
        "# [Title]\n\n**ID**: SPEC-XXX\n**Status**: [Draft]\n\nBody\n"
    )
    assert runner.invoke(main, ["new", "spec", "Own template"]).exit_code == 0
    text = (book / "docs/specs/SPEC-001-own-template.md").read_text()
    assert text == "# Own template\n\n**ID**: SPEC-001\n**Status**: Draft\n\nBody\n"


def test_show_and_list(book: Path, runner: CliRunner) -> None:
    runner.invoke(main, ["new", "spec", "Login", "--type", "Feature", "--author", "al"])
    runner.invoke(main, ["new", "bug", "Crash", "--type", "defect", "--author", "al"])
    r = runner.invoke(main, ["show", "spec-001"])
    assert r.exit_code == 0 and "SPEC-001  Login" in r.output
    listed = json.loads(runner.invoke(main, ["list", "--json"]).output)
    assert [d["id"] for d in listed] == ["BUG-001", "SPEC-001"]
    assert set(listed[0]) == {
        "id",
        "kind",
        "title",
        "status",
        "status_canonical",
        "duplicate_of",
        "type",
        "path",
        "date",
        "modified",
        "tags",
    }
    only = json.loads(
        runner.invoke(main, ["list", "--kind", "spec", "--status", "DRAFT", "--json"]).output
    )
    assert [d["id"] for d in only] == ["SPEC-001"]
    assert (
        json.loads(runner.invoke(main, ["list", "--type", "defect", "--json"]).output)[0]["id"]
        == "BUG-001"
    )
    r = runner.invoke(main, ["list", "--tag", "nope", "--json"])
    assert r.exit_code == 2 and "unknown tag 'nope'; no document carries a tag" in r.output
    text = runner.invoke(main, ["list"]).output
    assert "2 documents" in text


def test_show_unknown_id_and_missing_file(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["show", "SPEC-404"])
    assert r.exit_code == 1 and "SPEC-404" in r.output
    r = runner.invoke(main, ["show", "nowhere/x.md"])
    assert r.exit_code == 1 and "no such file" in r.output


def test_show_path_outside_any_book(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loose.md").write_text(
        "---\nid: BUG-009\nstatus: resolved\n---\n# BUG-009: Thing\n"
    )
    r = runner.invoke(main, ["show", "loose.md", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert (doc["id"], doc["kind"], doc["title"], doc["status_canonical"]) == (
        "BUG-009",
        "BUG",
        "Thing",
        "Fixed",
    )


def test_config_error_exit_2(book: Path, runner: CliRunner) -> None:
    (book / "specbook.toml").write_text("[kinds.SPEC]\ndigits = 0\n")
    r = runner.invoke(main, ["list"])
    assert r.exit_code == 2
    assert (
        "specbook.toml: kinds.SPEC.digits: expected a whole number from 1 to 9, got 0" in r.output
    )


def test_command_table_matches_the_modules() -> None:
    """The lazily loaded command table names every command each module registers, and
    `specbook lint` loads only its own module (not the portal's or the index's)."""
    import importlib

    from specbook.cli import COMMAND_MODULES

    registered = {}
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"specbook.cli.{module}")
    for name, cmd in main.commands.items():
        assert cmd.callback is not None
        registered[name] = cmd.callback.__module__.rsplit(".", 1)[1]
    assert registered == COMMAND_MODULES
    probe = (
        "import sys\nfrom specbook.cli import main\n"
        "try:\n    main(['lint', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('specbook.cli.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "['specbook.cli._gc', 'specbook.cli.lint']"


@pytest.mark.parametrize("name", sorted(main.list_commands(click.Context(main))))
def test_every_command_has_help_and_a_readme_entry(runner: CliRunner, name: str) -> None:
    sub = runner.invoke(main, [name, "--help"])
    assert sub.exit_code == 0 and len(sub.output) > 150
    assert name in runner.invoke(main, ["--help"]).output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"`specbook {name}" in readme, f"README.md has no entry for `specbook {name}`"


def test_console_script_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("specbook")
    r = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and "specbook" in r.stdout


def _history_rows(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    part = text.split("## Review History", 1)[1].split("\n---", 1)[0]
    return [line for line in part.splitlines() if line.startswith("| ") and "Date" not in line]


def test_the_first_row_takes_the_place_of_the_templates_example_rows(
    book: Path, runner: CliRunner
) -> None:
    """`new` keeps the template's example Review History rows (`| [YYYY-MM-DD] | [Name]
    | Draft | [Comments] |`); the first real row replaces them, else a document in
    Review carries placeholder errors that no command can clear."""
    assert runner.invoke(main, ["new", "spec", "A", "--author", "Ana"]).exit_code == 0
    spec = book / "docs/specs/SPEC-001-a.md"
    assert all("[YYYY-MM-DD]" in r for r in _history_rows(spec)) and _history_rows(spec)
    before = spec.read_bytes()
    got = runner.invoke(main, ["status", "SPEC-001", "Review", "--by", "Bo", "--force"])
    assert got.exit_code == 0, got.output
    assert [[c.strip() for c in r.split("|")[1:4]] for r in _history_rows(spec)] == [
        [TODAY, "Bo", "Review"]
    ]
    # nothing else moved: only the example rows, the status and the modified date
    changed = [
        line
        for line in difflib.unified_diff(
            before.decode().splitlines(), spec.read_text().splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert all(
        "[YYYY-MM-DD]" in c or "Status" in c or "Modified" in c or "| Bo |" in c for c in changed
    ), changed
    assert runner.invoke(main, ["review", "SPEC-001", "--approve", "--by", "Cy"]).exit_code == 0
    assert [r.split("|")[2].strip() for r in _history_rows(spec)] == ["Bo", "Cy"]


def test_a_table_with_a_real_row_keeps_its_example_rows(book: Path, runner: CliRunner) -> None:
    assert runner.invoke(main, ["new", "spec", "A", "--author", "Ana"]).exit_code == 0
    spec = book / "docs/specs/SPEC-001-a.md"
    text = spec.read_text(encoding="utf-8")
    first = _history_rows(spec)[0]
    spec.write_text(text.replace(first, f"{first}\n| 2026-01-02 | Ana | Draft | started |"))
    assert runner.invoke(main, ["review", "SPEC-001", "--comment", "--by", "Cy"]).exit_code == 0
    rows = _history_rows(spec)
    assert len(rows) == 4 and rows[0] == first and "| Cy |" in rows[-1]
