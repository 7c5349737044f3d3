"""Keeping reads and writes inside the book.

A path is inside the book when its real path (every symbolic link resolved) is the
book root or lies below it. A link committed to a repository can point anywhere
(``/proc/self/environ``, ``~/.ssh``); specbook neither reads nor writes through one
that leads out, while links that stay inside the book keep working.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable


def real_root(root: str | os.PathLike[str]) -> str:
    """The book root's real path, as :func:`within` takes it."""
    return os.path.realpath(root)


def within(real: str, root: str) -> bool:
    """Whether the real path ``real`` is ``root`` (a real path) or lies below it."""
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def real_path(path: str, dirs: dict[str, str]) -> str:
    """``os.path.realpath(path)`` of an absolute ``path``, with the real path of its
    folder taken from (and kept in) ``dirs``: a whole book's files resolve with one
    ``lstat`` each rather than one per part of each path."""
    folder, name = os.path.split(path)
    real = dirs.get(folder)
    if real is None:
        real = dirs[folder] = os.path.realpath(folder)
    if not name or name in (".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    return os.path.join(real, name)


def is_utf8(name: str) -> bool:
    """Whether the file name (or path) ``name`` is valid UTF-8; an ASCII one cheaply.
    (Python keeps the bytes of a name that is not as lone surrogates, which cannot be
    printed, stored in SQLite or sent as JSON.)"""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(path: str) -> str:
    """``path`` printable: the bytes of a name that are not UTF-8 written as ``\\xNN``."""
    if is_utf8(path):
        return path
    try:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # (a surrogate that stands for no byte of a name)
        return path.encode("utf-8", "backslashreplace").decode("ascii")


# What was reported in this process, by (root's real path, path, reason): a skipped file
# is reported once, however many times the book (or its code) is listed.
_REPORTED: set[tuple[str, str, str]] = set()


def warn_stderr(message: str) -> None:
    """The default report of a skipped file: one line on stderr."""
    print(f"specbook: warning: {message}", file=sys.stderr, flush=True)


def report_once(
    root: str, skipped: dict[str, str], warn: Callable[[str], None] | None = warn_stderr
) -> None:
    """Tell ``warn`` of each skipped file (path relative to the folder whose real path
    is ``root`` -> why) not yet reported in this process."""
    if warn is None:
        return
    for rel, why in sorted(skipped.items()):
        key = (root, rel, why)
        if key not in _REPORTED:
            _REPORTED.add(key)
            warn(f"{rel}: {why}")


def why_not_read(path: str, root: str) -> str | None:
    """Why the file at ``path`` (a name found in a folder of the book at real path
    ``root``) is not to be read: a name that is not UTF-8, a loop of links, a link whose
    real path lies outside ``root``; ``None`` when it may be read."""
    if not is_utf8(os.path.basename(path)):
        return BAD_NAME.format(what="file", rest="not read")
    if not os.path.islink(path):
        return None
    try:
        os.stat(path)
    except OSError as exc:
        return LOOP if exc.errno == errno.ELOOP else None
    real = os.path.realpath(path)
    return None if within(real, root) else leads_out(real, root)


BAD_NAME = (
    "the {what} name is not valid UTF-8 (its bytes shown as \\xNN); {rest}. Give it a UTF-8 name"
)
LOOP = (
    "a symbolic link that leads round in a loop (or through too many links); not read. "
    "Remove it, or point it at a file"
)


def leads_out(real: str, root: str | os.PathLike[str]) -> str:
    """Why a file whose real path is ``real``, outside the book at ``root``, is not read."""
    return (
        f"a symbolic link to {shown(real)}, outside the book at {os.fspath(root)}; not read. "
        "Put the file itself in the book, or link to a file inside it"
    )
