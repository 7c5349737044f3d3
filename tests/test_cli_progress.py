"""Progress bars of `build`, `index` and `lint`: drawn on a terminal (here a pty) once
the work has run for a while, and nothing at all when the output is piped."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

COMMANDS = {
    "lint": (["lint"], "linting"),
    "index": (["index"], "indexing"),  # (each file is parsed and linted while indexing)
    "build": (["build", "--out", "site"], "building"),
}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(REPO / "examples" / "book", root, ignore=shutil.ignore_patterns(".specbook"))
    return root


def _env(delay: str) -> dict[str, str]:
    # delay 0: the bar may show from the first file (the example book is quick)
    env = {k: v for k, v in os.environ.items() if k != "SPECBOOK_PROGRESS_DELAY"}
    env.update(SPECBOOK_PROGRESS_DELAY=delay, TERM="xterm", COLUMNS="100")
    return env


def _in_pty(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What ``specbook ARGV`` writes to a terminal (stdout and stderr both the pty)."""
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "specbook", *argv],
        cwd=cwd,
        env=env,
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        close_fds=True,
    )
    os.close(child_fd)
    out = bytearray()
    while True:
        ready, _, _ = select.select([main_fd], [], [], 60)
        if not ready:
            proc.kill()
            pytest.fail(f"specbook {argv} wrote nothing for 60 s")
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # (the child closed the pty: Linux says EIO)
            break
        if not chunk:
            break
        out += chunk
    os.close(main_fd)
    assert proc.wait(30) in (0, 1), out.decode(errors="replace")
    return out.decode(errors="replace")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_terminal_gets_a_progress_bar(book: Path, name: str) -> None:
    argv, label = COMMANDS[name]
    shown = _in_pty(argv, book, _env("0"))
    assert label in shown and "━" in shown, shown


def test_work_shorter_than_the_delay_draws_no_bar(book: Path) -> None:
    """A run that ends before the delay has passed (here 60 s, so a loaded machine
    cannot make it flaky) draws nothing on the terminal either."""
    shown = _in_pty(["lint"], book, _env("60"))
    assert "linting" not in shown and "━" not in shown, shown


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_piped_output_has_nothing_extra(book: Path, name: str) -> None:
    argv, _label = COMMANDS[name]
    r = subprocess.run(
        [sys.executable, "-m", "specbook", *argv],
        cwd=book,
        env=_env("0"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode in (0, 1), r.stderr
    assert r.stderr == ""
    assert "━" not in r.stdout and "\x1b" not in r.stdout
