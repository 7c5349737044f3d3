"""Fixtures of the hostile-book suite: the 50 MB document (made once per session), the
books (one per module of every hostile file but the 50 MB one, one per session of the
50 MB one, one per small case), running specbook as a user does (a subprocess with a
time limit), and what must hold after every command: nothing outside the book changed.

Time: the whole suite takes about 90 s on the 2-core machine (lightly loaded), so
the books are shared where they can be (each module writes only in its own book of
every hostile file; the 50 MB book is read only, and written only in copies), and
commands that do not depend on each other run two at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TODAY
from tests.hostile.books import ALL, HUGE, MARKER, HostileBook, make_book, write_huge

# How long one command may take (a subprocess killed after it fails the test). On a
# busy 2-core machine a command over the 50 MB book takes up to about 20 s (`index`,
# `diff`; most others 1-5 s); over any other book under 4 s. Three times that and
# more is a hang, not a slow machine.
BOUND_HUGE = 90
BOUND = 30
# Commands run at once where they do not depend on each other (the machine's cores).
WORKERS = 2


@pytest.fixture(scope="session")
def huge_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 50 MB specification, written once per session and copied into the book
    that holds it."""
    return write_huge(tmp_path_factory.mktemp("hostile-huge") / "SPEC-095-huge.md")


def bound(case: str) -> int:
    return BOUND_HUGE if case == HUGE else BOUND


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Hostile", "-c", "user.email=h@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=120,
    )


def make_git_book(
    base: Path, case: str, huge: Path, leave_out: Collection[str] = ()
) -> HostileBook:
    """The case's book, committed to a git repository of its own (links as links, the
    name that is not UTF-8 as its bytes)."""
    hb = make_book(base, case, huge, leave_out)
    git(hb.root, "init", "-q", "-b", "main")
    git(hb.root, "add", "-A")
    git(hb.root, "commit", "-q", "-m", "a hostile book")
    return hb


def head(hb: HostileBook) -> str:
    """The commit the book's repository is at."""
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hb.root, check=True, capture_output=True, text=True
    ).stdout.strip()


# -- what is outside the book ------------------------------------------------------------
Snapshot = dict[str, tuple[str, bytes, int]]


def snapshot_outside(hb: HostileBook) -> Snapshot:
    """Every file, folder and link of the case's folder that is neither the book nor the
    suite's own output: its kind, its bytes (a link: its target) and its mtime."""
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(hb.base)):
        rel_dir = os.path.relpath(dirpath, os.fsencode(hb.base))
        if rel_dir == b".":
            dirnames[:] = [d for d in dirnames if d not in (b"book", b"out")]
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            key = os.path.relpath(path, os.fsencode(hb.base)).decode("utf-8", "backslashreplace")
            if os.path.islink(path):
                out[key] = ("link", os.readlink(path), st.st_mtime_ns)
            elif os.path.isdir(path):
                out[key] = ("dir", b"", st.st_mtime_ns)
            else:
                with open(path, "rb") as fh:
                    out[key] = ("file", fh.read(), st.st_mtime_ns)
    return out


@contextmanager
def outside_unchanged(hb: HostileBook) -> Iterator[HostileBook]:
    """The book; afterwards, nothing outside it (and outside the suite's out/) has
    changed: no file written, touched, added or removed."""
    before = snapshot_outside(hb)
    yield hb
    after = snapshot_outside(hb)
    assert after == before, "files outside the book changed: " + ", ".join(
        sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
    )


@pytest.fixture(scope="module")
def all_book(tmp_path_factory: pytest.TempPathFactory, huge_file: Path) -> Iterator[HostileBook]:
    """Every hostile file but the 50 MB document, in one book in git: one per module
    (each module writes in its own)."""
    hb = make_git_book(tmp_path_factory.mktemp("hostile-all"), ALL, huge_file)
    with outside_unchanged(hb):
        yield hb


@pytest.fixture(scope="session")
def huge_book(tmp_path_factory: pytest.TempPathFactory, huge_file: Path) -> Iterator[HostileBook]:
    """The 50 MB document's book in git, one per session: read only (a test that writes
    works on a copy), so its index, built by whichever test reads it first, serves the
    rest."""
    hb = make_git_book(tmp_path_factory.mktemp("hostile-huge-book"), HUGE, huge_file)
    with outside_unchanged(hb):
        yield hb


# -- running specbook --------------------------------------------------------------------
@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    stdout: bytes
    stderr: bytes
    seconds: float

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "backslashreplace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "backslashreplace")

    def __str__(self) -> str:
        return (
            f"specbook {' '.join(self.args)} -> {self.code} in {self.seconds:.1f} s\n"
            f"stdout: {self.out[:1500]}\nstderr: {self.err[:3000]}"
        )


def env() -> dict[str, str]:
    return {**os.environ, "SPECBOOK_TODAY": TODAY, "PYTHONFAULTHANDLER": "1"}


def specbook(cwd: Path, *args: str, timeout: float, stdin: bytes | None = None) -> Run:
    """``specbook ARGS`` in ``cwd``, as a user runs it: a process of its own, killed
    after ``timeout`` seconds (which fails the test)."""
    began = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "specbook", *args],
            cwd=cwd,
            env=env(),
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"specbook {' '.join(args)} ran past its bound of {timeout} s (a hang)\n"
            f"stderr so far: {(exc.stderr or b'')[-2000:]!r}",
            pytrace=False,
        )
    return Run(args, done.returncode, done.stdout, done.stderr, time.monotonic() - began)


def specbook_many(
    cwd: Path,
    runs: Sequence[tuple[str, ...]],
    timeout: float,
    stdin: dict[str, bytes] | None = None,
) -> list[Run]:
    """Each of ``runs`` (argument tuples) in ``cwd``, :data:`WORKERS` at a time (they
    must not depend on each other); their results in the order given. ``stdin``: what
    a command (by name) reads."""
    given = stdin or {}

    def run(args: tuple[str, ...]) -> Run:
        return specbook(cwd, *args, timeout=timeout, stdin=given.get(args[0]))

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(run, runs))


def problems_of(run: Run) -> list[str]:
    """What is wrong with any command's run over a hostile book: a crash (an exit code
    other than 0, 1 and 2; a traceback), or the secret's marker in what it printed."""
    found = []
    if run.code not in (0, 1, 2):
        found.append(f"exit code {run.code}")
    if b"Traceback" in run.stdout or b"Traceback" in run.stderr:
        found.append("a traceback")
    if MARKER.encode() in run.stdout or MARKER.encode() in run.stderr:
        found.append("the secret outside the book")
    return found


def no_marker_in_files(*folders: Path) -> None:
    """No file under ``folders`` (links and .git left out) holds the marker: nothing
    from outside the book was published, exported or written."""
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink() and ".git" not in path.parts:
                assert MARKER.encode() not in path.read_bytes(), path
