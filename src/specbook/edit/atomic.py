"""Atomic file writes: a temporary file in the same folder, fsync, then rename or link.

Every write of a document goes through :func:`replace_if_unchanged`,
:func:`create_new` or :func:`writable` (for several files at once), each given the
book root: the file written is the real one (a symlinked document is edited where
it lives, the link kept), and one whose real path lies outside the book, or that is
read-only, is refused with :class:`WriteRefused`. New files get the permissions any
editor gives them (0666 less the umask); a replaced file keeps its own.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from specbook.core.confine import real_root, within
from specbook.core.errors import SpecbookError


class WriteRefused(SpecbookError):
    """A write specbook does not make: a file outside the book, or a read-only one."""


def inside_book(path: Path, root: Path | None) -> Path:
    """``path`` with every symbolic link resolved (it need not exist yet), once that
    lies inside the book at ``root`` (``None``: a file in no book, not confined).

    Raises :class:`WriteRefused` naming the link's target when it lies outside.
    """
    real = Path(os.path.realpath(path))
    if root is None:
        return real
    top = real_root(root)
    if not within(str(real), top):
        raise WriteRefused(
            f"{path}: leads to {real}, outside the book at {top} (through a symbolic link); "
            "specbook writes only inside the book. Replace the link with the file or folder "
            "itself, or edit the file where it lives"
        )
    return real


def writable(path: Path, root: Path | None) -> Path:
    """The real file a write of existing ``path`` changes (see :func:`inside_book`).

    Raises :class:`WriteRefused` when it lies outside the book or is read-only (an
    editor would refuse it too; rename-into-place would otherwise replace it).
    """
    real = inside_book(path, root)
    try:
        mode = real.stat().st_mode
    except OSError:
        return real  # a missing file: the caller's read says so
    if not mode & 0o222 or not os.access(real, os.W_OK):
        raise WriteRefused(
            f"{path}: the file is read-only (mode {mode & 0o7777:04o}); specbook leaves it "
            f"as it is. Make it writable first (chmod u+w {path}) if it should change"
        )
    return real


def temp_beside(path: Path, data: bytes, mode: int | None = None) -> str:
    """A temporary file ``.NAME.*.tmp`` in ``path``'s folder holding ``data``, fsynced,
    with ``mode`` when set, else 0666 less the umask (as a new file gets from any
    editor); the caller renames or links it into place."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            # (not mkstemp: its 0600 would become a new document's mode; O_EXCL, as
            # there, refuses a name that exists, a planted link included. With a mode
            # to give, 0600 until then: a private file is never readable meanwhile.)
            fd = os.open(tmp, flags, 0o600 if mode is not None else 0o666)
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(f"no free temporary name beside {path}")
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


def create_new(path: Path, data: bytes, *, root: Path | None) -> None:
    """Write ``data`` to ``path``, which must not exist yet; never leaves a torn file.

    ``root`` is the book's (see :func:`inside_book`). Raises :class:`FileExistsError`
    when ``path`` exists (another writer won the race) and :class:`WriteRefused`
    when its folder leads outside the book.
    """
    target = inside_book(path.parent, root) / path.name
    tmp = temp_beside(target, data)
    try:
        os.link(tmp, target)  # atomic, and refuses to replace an existing file
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    fsync_dir(target.parent)


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


def replace_if_unchanged(path: Path, expected: bytes, data: bytes, *, root: Path | None) -> None:
    """Atomically replace ``path`` with ``data`` if it still holds ``expected``.

    Raises :class:`ChangedOnDisk` when someone changed the file since it was read,
    and :class:`WriteRefused` when it lies outside the book at ``root`` or is
    read-only. The file keeps its permission bits; a symlinked document is replaced
    where the link leads, the link kept.
    """
    real = writable(path, root)
    if real.read_bytes() != expected:
        raise ChangedOnDisk(str(path))
    mode = real.stat().st_mode & 0o7777
    tmp = temp_beside(real, data, mode)
    try:
        if real.read_bytes() != expected:
            raise ChangedOnDisk(str(path))
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(real.parent)
