"""The book's edit lock: one writer at a time across processes (``.specbook/lock``).

Every command that writes documents (``new``, the lifecycle moves, ``lint --fix``, the
portal's editor, ``supersede``/``renumber``, ``import-adr``) holds it while it reads and
writes, so no update is lost.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from specbook.book import Book
from specbook.core.state import make_state_dir


@contextmanager
def book_lock(book: Book) -> Iterator[None]:
    """An exclusive lock on the book (``.specbook/lock``) across processes."""
    folder = book.root / ".specbook"
    make_state_dir(folder)
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
