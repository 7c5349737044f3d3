"""A damaged `.specbook/index.db` (a disk fault, a copy taken mid-write, a file cut
short) is a cache that lost nothing: every command still answers as on a sound book,
says once on stderr that it removed the file, and the next run has a sound snapshot
again instead of finding the damage on every run."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import specbook.parse
from specbook.cli import main
from specbook.core import state
from specbook.core.state import is_damaged

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"
# (one of each way a command reaches the snapshot: the lint's cache, the index's sync,
# the stored parses, the export's kept lines)
COMMANDS = (
    ("lint",),
    ("search", "webhook"),
    ("trace", "--json"),
    ("report",),
    ("export", "--format", "json"),
)


def _damage_pages(db: Path) -> None:
    """Every page after the first two overwritten with garbage."""
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for start in range(2 * page, len(data), page):
        data[start : start + page] = b"\xa5" * min(page, len(data) - start)
    db.write_bytes(bytes(data))


def _cut_short(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])


def _not_a_database(db: Path) -> None:
    db.write_bytes(b"SQLite format 2\x00" + b"\x00" * 4080)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "pages": _damage_pages,
    "cut-short": _cut_short,
    "not-a-database": _not_a_database,
}


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    monkeypatch.chdir(root)
    monkeypatch.setattr(state, "_discarded", set())  # (each test's warning said anew)
    return root


def _run(*args: str) -> Result:
    r = CliRunner().invoke(main, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r


def _snapshot_is_sound(root: Path) -> bool:
    db = sqlite3.connect(root / ".specbook" / "index.db")
    try:
        return db.execute("PRAGMA quick_check").fetchone() == ("ok",)
    finally:
        db.close()


def _snapshot(root: Path) -> bytes:
    """The bytes of the book's snapshot, made by a lint and a search."""
    _run("lint")
    _run("search", "webhook")
    db = root / ".specbook" / "index.db"
    for suffix in ("-wal", "-shm"):  # (each command checkpoints and removes them)
        assert not Path(f"{db}{suffix}").exists()
    return db.read_bytes()


def _damaged_snapshot(root: Path, how: str, made: bytes | None = None) -> None:
    """The book's snapshot (``made``, else made now), damaged ``how``."""
    db = root / ".specbook" / "index.db"
    db.write_bytes(_snapshot(root) if made is None else made)
    DAMAGE[how](db)


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_every_command_answers_on_a_damaged_snapshot_as_on_a_sound_one(
    book: Path, how: str
) -> None:
    healthy = {}
    for args in COMMANDS:
        r = _run(*args)
        healthy[args] = (r.exit_code, r.stdout)
    made = _snapshot(book)
    for args in COMMANDS:
        _damaged_snapshot(book, how, made)
        state._discarded.clear()
        r = _run(*args)
        assert (r.exit_code, r.stdout) == healthy[args], args
        assert "was damaged" in r.stderr and "nothing is lost" in r.stderr, args
        assert _snapshot_is_sound(book), args


def test_a_lint_that_finds_the_snapshot_damaged_leaves_a_sound_one_for_the_next(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _damaged_snapshot(book, "pages")
    first = _run("lint")
    assert "was damaged" in first.stderr
    parsed: list[str] = []
    real = specbook.parse.parse_document

    def counted(data: bytes, path: str | None, *a: object, **k: object) -> object:
        if path is not None:
            parsed.append(path)
        return real(data, path, *a, **k)

    monkeypatch.setattr(specbook.parse, "parse_document", counted)
    again = _run("lint")
    assert (again.exit_code, again.stdout) == (first.exit_code, first.stdout)
    assert "was damaged" not in again.stderr
    assert parsed == []  # (the first lint's snapshot served it: nothing linted cold)
    assert _snapshot_is_sound(book)


def test_only_damage_counts_as_damage_not_a_lock(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("SELECT * FROM t").fetchall()
    assert not is_damaged(locked.value)
    assert not state.discard_damaged(path, locked.value)
    assert path.exists()  # (another process's sound file is left alone)
    holder.execute("ROLLBACK")
    holder.close()
    other.close()
    path.write_bytes(b"not a database at all" * 300)
    with pytest.raises(sqlite3.DatabaseError) as notadb:
        sqlite3.connect(path).execute("SELECT * FROM sqlite_master").fetchall()
    assert is_damaged(notadb.value)
