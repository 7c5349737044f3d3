"""CLI hygiene: mistyped commands and options, unknown IDs and filter values, and help
texts that name only files that exist. Each test runs the real command on a fresh book."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
