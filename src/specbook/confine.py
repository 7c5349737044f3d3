"""Keeping reads and writes inside the book.

A path is inside the book when its real path (every symbolic link resolved) is the
book root or lies below it. A link committed to a repository can point anywhere
(``/proc/self/environ``, ``~/.ssh``); specbook neither reads nor writes through one
that leads out, while links that stay inside the book keep working.
"""

from __future__ import annotations

import os


def real_root(root: str | os.PathLike[str]) -> str:
    """The book root's real path, as :func:`within` takes it."""
    return os.path.realpath(root)


def within(real: str, root: str) -> bool:
    """Whether the real path ``real`` is ``root`` (a real path) or lies below it."""
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


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
