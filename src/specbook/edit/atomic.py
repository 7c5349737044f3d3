"""Atomic file writes: a temporary file in the same folder, fsync, then rename or link."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def temp_beside(path: Path, data: bytes, mode: int | None = None) -> str:
    """A temporary file ``.NAME.*.tmp`` in ``path``'s folder holding ``data``, fsynced
    (and given ``mode`` when set); the caller renames or links it into place."""
    import tempfile  # (here: a read-only command such as `lint FILE` never pays for it)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def create_new(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, which must not exist yet; never leaves a torn file.

    Raises :class:`FileExistsError` when ``path`` exists (another writer won the race).
    """
    tmp = temp_beside(path, data)
    try:
        os.link(tmp, path)  # atomic, and refuses to replace an existing file
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: some file systems refuse)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ChangedOnDisk(Exception):
    """The file's bytes are no longer the ones the edit was computed from."""


def replace_if_unchanged(path: Path, expected: bytes, data: bytes) -> None:
    """Atomically replace ``path`` with ``data`` if it still holds ``expected``.

    Raises :class:`ChangedOnDisk` when someone changed the file since it was read.
    The file keeps its permission bits.
    """
    if path.read_bytes() != expected:
        raise ChangedOnDisk(str(path))
    mode = path.stat().st_mode & 0o7777
    tmp = temp_beside(path, data, mode)
    try:
        if path.read_bytes() != expected:
            raise ChangedOnDisk(str(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
