"""Atomic file writes: a temporary file in the same folder, fsync, then rename or link."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _temp_with(path: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def create_new(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, which must not exist yet; never leaves a torn file.

    Raises :class:`FileExistsError` when ``path`` exists (another writer won the race).
    """
    tmp = _temp_with(path, data)
    try:
        os.link(tmp, path)  # atomic, and refuses to replace an existing file
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
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
    tmp = _temp_with(path, data)
    try:
        os.chmod(tmp, mode)
        if path.read_bytes() != expected:
            raise ChangedOnDisk(str(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
