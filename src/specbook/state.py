"""The book's state folder, ``.specbook/``: index, caches, lock, portal secret.

Nothing in it belongs in version control (the portal secret must never be
committed), so the folder is created with a ``.gitignore`` that ignores everything in
it, the way tool caches such as ``.pytest_cache`` do; a book needs no entry of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

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
