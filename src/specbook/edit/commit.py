"""Writing several files at once, all or nothing (:func:`commit`).

Every new content goes to a temporary file beside its target (fsynced), then the
temporary files are renamed into place one by one; when any step fails, each file already
replaced is put back to its original bytes (atomically), a file already renamed gets its
old name back, and the error says so. Used by a document edit with sidecar files and by
the multi-file moves of :mod:`specbook.services.multi`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from specbook.core.errors import SpecbookError
from specbook.edit.atomic import (
    ChangedOnDisk,
    WriteRefused,
    fsync_dir,
    replace_if_unchanged,
    temp_beside,
    writable,
)


@dataclass(frozen=True)
class FileChange:
    """Replace ``path`` (which must still hold ``original``) with ``data``; with
    ``new_path``, the new content goes there and ``path`` is removed (a rename)."""

    path: Path
    original: bytes
    data: bytes
    new_path: Path | None = None

    @property
    def target(self) -> Path:
        return self.new_path if self.new_path is not None else self.path


class CommitFailed(SpecbookError):
    """A multi-file write failed; the message says whether every file was put back."""


def _install(tmp: str, target: Path) -> None:
    """Put a staged file in place of ``target`` (atomic rename)."""
    os.replace(tmp, target)


def _install_new(tmp: str, target: Path) -> None:
    """Put a staged file at ``target``, which must not exist (raises FileExistsError)."""
    os.link(tmp, target)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _discard(staged: Sequence[tuple[FileChange, str]]) -> None:
    for _, tmp in staged:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _rollback(done: list[tuple[str, FileChange, int]]) -> list[str]:
    """Undo the steps in ``done`` (newest first); returns what could not be undone."""
    failed: list[str] = []
    for step, c, mode in reversed(done):
        try:
            if step == "replaced":
                # (c.path is real and was checked by commit: no root to keep to here)
                replace_if_unchanged(c.path, c.data, c.original, root=None)
            elif step == "created":
                assert c.new_path is not None
                if c.new_path.read_bytes() != c.data:
                    raise ChangedOnDisk(str(c.new_path))
                os.unlink(c.new_path)
            else:  # "removed": bring the old name back with its original bytes
                tmp = temp_beside(c.path, c.original, mode)
                try:
                    os.link(tmp, c.path)
                finally:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
        except (OSError, ChangedOnDisk) as exc:
            what = "changed by someone else meanwhile" if isinstance(exc, ChangedOnDisk) else exc
            failed.append(f"{c.path} ({what})")
    return failed


def _real_change(c: FileChange, root: Path | None) -> FileChange:
    """``c`` on the real files it writes: a symlinked document is written where the
    link leads (the link kept). Raises :class:`WriteRefused` for a file outside the
    book at ``root`` or read-only, and for a rename of a link."""
    real = writable(c.path, root)
    if c.new_path is None:
        return replace(c, path=real)
    if c.path.is_symlink():
        raise WriteRefused(
            f"{c.path}: a symbolic link, which would have to be renamed to {c.new_path.name} "
            "with its target; rename both by hand, then run the command again"
        )
    return replace(c, path=real, new_path=real.parent / c.new_path.name)


def commit(changes: Sequence[FileChange], *, root: Path | None) -> None:
    """Write every change or none, inside the book at ``root``.

    Raises :class:`ChangedOnDisk` when a file no longer holds the bytes its change was
    computed from (every file is then as it was), :class:`CommitFailed` when a
    write fails (saying whether every file could be put back), and
    :class:`WriteRefused` before writing anything when a file lies outside the book
    (through a link) or is read-only.
    """
    changes = [_real_change(c, root) for c in changes]
    staged: list[tuple[FileChange, str]] = []
    modes: dict[Path, int] = {}
    try:
        for c in changes:
            if c.path.read_bytes() != c.original:
                raise ChangedOnDisk(str(c.path))
            modes[c.path] = c.path.stat().st_mode & 0o7777
            if c.new_path is not None and c.new_path.exists():
                raise CommitFailed(f"{c.new_path} exists already; nothing was changed")
            staged.append((c, temp_beside(c.target, c.data, modes[c.path])))
    except OSError as exc:
        _discard(staged)
        raise CommitFailed(f"could not prepare the new files ({exc}); nothing was changed") from exc
    except BaseException:
        _discard(staged)
        raise
    done: list[tuple[str, FileChange, int]] = []
    pending = list(staged)
    try:
        while pending:
            c, tmp = pending[0]
            if c.path.read_bytes() != c.original:
                raise ChangedOnDisk(str(c.path))
            mode = modes[c.path]
            if c.new_path is None:
                _install(tmp, c.path)
                pending.pop(0)
                done.append(("replaced", c, mode))
            else:
                _install_new(tmp, c.new_path)
                pending.pop(0)
                done.append(("created", c, mode))
                os.unlink(c.path)
                done.append(("removed", c, mode))
    except BaseException as exc:
        _discard(pending)
        failed = _rollback(done)
        if failed:
            raise CommitFailed(
                f"writing failed ({_why(exc)}) and these files could not be put back: "
                f"{'; '.join(failed)}; the others are as they were"
            ) from exc
        if isinstance(exc, ChangedOnDisk | CommitFailed):
            raise
        if isinstance(exc, OSError):
            raise CommitFailed(
                f"writing failed ({_why(exc)}); every file was put back, nothing changed"
            ) from exc
        raise
    for folder in {c.path.parent for c in changes} | {c.target.parent for c in changes}:
        fsync_dir(folder)


def _why(exc: BaseException) -> str:
    if isinstance(exc, ChangedOnDisk):
        return f"{exc} changed on disk meanwhile"
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return str(exc) or type(exc).__name__
