"""The book's state folder, ``.specbook/``: index, caches, lock, portal secret.

Nothing in it belongs in version control (the portal secret must never be
committed), so the folder is created with a ``.gitignore`` that ignores everything in
it, the way tool caches such as ``.pytest_cache`` do; a book needs no entry of its own.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

STATE_DIR = ".specbook"
_IGNORE = "# specbook's index, caches and secrets: not for version control\n*\n"


def make_state_dir(folder: Path) -> None:
    """Create ``folder`` (and its parents); a ``.specbook`` folder gets its ``.gitignore``."""
    folder.mkdir(parents=True, exist_ok=True)
    if folder.name != STATE_DIR:
        return
    ignore = folder / ".gitignore"
    if ignore.exists():
        return
    tmp = folder / f".gitignore.{os.getpid()}.tmp"
    try:
        tmp.write_text(_IGNORE, encoding="utf-8")
        os.replace(tmp, ignore)
    except OSError:
        pass  # a read-only folder: git may see the files, nothing else is lost


# -- the snapshot: the one file every command reads and keeps in step --------------------
SNAPSHOT_NAME = "index.db"
# what older specbooks kept beside it; a snapshot opened next to them removes them
OLD_CACHES = (
    "lint-cache.db",
    "lint-cache.db-wal",
    "lint-cache.db-shm",
    "lint-last.json",
    "trace-cache.json",
    "approval-cache.json",
)
_swept: set[str] = set()


def snapshot_path(root: Path) -> Path:
    """The book's snapshot file, ``ROOT/.specbook/index.db``: the index (documents and
    their rows), each document version's lint facts and findings, and per book the
    checkers' answers, the code scan and the approval history (as named blobs).
    Deleting it loses nothing but time."""
    return root / STATE_DIR / SNAPSHOT_NAME


# SQLite's result codes for a file that is not a database or whose pages are damaged
# (a disk fault, a copy taken mid-write, a file truncated by hand)
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_discarded: set[str] = set()
_opened: set[str] = set()  # (the snapshots this process opened)


def is_damaged(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite saying the file is damaged or no database at all (not a
    lock, a full disk or a read-only folder: those pass, the file is sound)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def opened_snapshot(path: Path | str) -> None:
    """Note that this process opened the snapshot at ``path`` (see
    :func:`discard_opened`)."""
    _opened.add(str(path))


def discard_opened(exc: BaseException) -> list[str]:
    """Remove each snapshot this process opened, if ``exc`` says one is damaged and
    escaped the command that read it (a page only a query reached): the names
    removed."""
    if not is_damaged(exc):
        return []
    gone = sorted(_opened)
    for name in gone:
        discard_damaged(name, exc)
    return gone


def discard_damaged(path: Path | str, exc: BaseException) -> bool:
    """Remove the snapshot at ``path`` (and its ``-wal``/``-shm`` files) if ``exc`` says
    it is damaged (see :func:`is_damaged`), saying so once on stderr: it holds nothing
    the files do not, so the next reader makes it afresh. True if it was removed."""
    if not is_damaged(exc):
        return False
    import sys

    name = str(path)
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(name + suffix)
    if name not in _discarded:
        _discarded.add(name)
        if os.path.exists(name):  # (a read-only folder, say)
            said = f"could not remove it; delete {os.path.dirname(name)} by hand"
        else:
            said = "removed it: it is made again from the documents, nothing is lost"
        sys.stderr.write(f"specbook: warning: {name} was damaged ({exc}); {said}\n")
    return True


def sweep_old_caches(folder: Path) -> None:
    """Remove the caches older specbooks kept in ``folder`` (once per process): their
    content lives in the snapshot now. Failures are ignored (they only cost space)."""
    key = str(folder)
    if key in _swept:
        return
    _swept.add(key)
    for name in OLD_CACHES:
        with contextlib.suppress(OSError):
            os.unlink(folder / name)


def _blob_db(root: Path, create: bool) -> Any:
    import sqlite3

    path = snapshot_path(root)
    if not create and not path.exists():
        return None
    make_state_dir(path.parent)
    sweep_old_caches(path.parent)
    db = sqlite3.connect(path, timeout=10, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS blobs (name TEXT PRIMARY KEY, data BLOB)")
    return db


def read_blob(root: Path, name: str) -> bytes | None:
    """The bytes kept under ``name`` in the book's snapshot (see :func:`write_blob`),
    or ``None`` (never written, no snapshot, or it cannot be read)."""
    import sqlite3

    try:
        db = _blob_db(root, create=False)
        if db is None:
            return None
        try:
            row = db.execute("SELECT data FROM blobs WHERE name = ?", (name,)).fetchone()
        finally:
            db.close()
    except (OSError, sqlite3.Error) as exc:
        discard_damaged(snapshot_path(root), exc)
        return None
    return None if row is None else bytes(row[0])


def write_blob(root: Path, name: str, data: bytes) -> None:
    """Keep ``data`` under ``name`` in the book's snapshot (a per-book cache entry:
    the last lint result, the code scan, the approval history). Failures are
    ignored: a cache that cannot be written only costs time."""
    import sqlite3

    try:
        db = _blob_db(root, create=True)
        try:
            db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?)", (name, data))
        finally:
            db.close()
    except (OSError, sqlite3.Error) as exc:
        discard_damaged(snapshot_path(root), exc)
