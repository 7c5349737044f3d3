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
