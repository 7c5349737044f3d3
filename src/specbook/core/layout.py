"""Where a document's text and fields come from on disk: its file, the folder that is
the document in a folder-per-document layout, and its sidecar metadata files.

Every face (CLI, lint, index, portal, site, MCP, export) reads a book's documents
through :func:`read_document` / :func:`load` (or :meth:`specbook.book.Book.load`, which
calls them), so a sidecar's keys are fields everywhere, and every cache keyed by a
document's content uses :func:`signature` and :func:`specbook.core.digest.source_hash`,
which change when a sidecar changes. A book without sidecars pays one attribute test
per document.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from specbook.core.config import BookConfig, KindConfig
from specbook.core.confine import within
from specbook.core.digest import blake2b
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Sidecar
from specbook.core.text import is_placeholder_id, name_number

_MD = lazy_compile(r"\.(?:md|markdown)$", re.IGNORECASE)
_ID_NAME = lazy_compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-(\d+)(?=$|[-_. ])")


def is_document_folder(name: str) -> bool:
    """Whether a folder named ``name`` is a document of a folder-per-document kind: it
    is numbered (``1440-kubectl-events``, ``0048``) or named after an ID
    (``KEP-1440-events``); a placeholder (``NNNN-kep-template``, ``0000-x``) is not."""
    if name_number(name) is not None:
        return True
    m = _ID_NAME.match(name)
    return m is not None and not is_placeholder_id(m.group(0))


def document_name(kind: KindConfig, rel: str) -> str:
    """The name that stands for the document at ``rel``: its file name, or for a
    document of a folder-per-document kind (``keps/1440-x/README.md``) its folder's."""
    folder, _, name = rel.rpartition("/")
    if kind.layout == "folder" and folder and name.lower() in _lower(kind.document_names):
        return folder.rpartition("/")[2]
    return name


@lru_cache(maxsize=64)
def _lower(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(n.lower() for n in names)


def sidecar_names(config: BookConfig, rel: str) -> tuple[str, ...]:
    """The book-relative paths of the sidecar files the document at ``rel`` may have
    (its kind's ``sidecars``, in the document's folder; ``{stem}`` replaced by the
    document's file name without .md). Empty for most books."""
    if not config.sidecar_kinds:
        return ()
    kind = config.kind_for_path(rel)
    if kind is None or not kind.sidecars:
        return ()
    folder, sep, name = rel.rpartition("/")
    stem = _MD.sub("", name)
    return tuple(folder + sep + s.replace("{stem}", stem) for s in kind.sidecars)


def read_sidecars(config: BookConfig, rel: str) -> tuple[Sidecar, ...]:
    """The sidecar files of the document at ``rel`` that exist, with their bytes. A
    sidecar whose real path lies outside the book (a link leading out) is not read."""
    names = sidecar_names(config, rel)
    if not names or config.root is None:
        return ()
    root = str(config.root)
    real_root = _real_root(root)
    out = []
    for name in names:
        full = os.path.join(root, name)
        try:
            real = os.path.realpath(full)
            if not within(real, real_root):
                continue
            with open(real, "rb") as fh:
                out.append(Sidecar(name, fh.read()))
        except OSError:
            continue  # none there (the common case), or unreadable: no fields from it
    return tuple(out)


@lru_cache(maxsize=16)
def _real_root(root: str) -> str:
    return os.path.realpath(root)


def signature(config: BookConfig, rel: str, mtime_ns: int, size: int) -> tuple[int, int]:
    """The ``(mtime, size)`` pair caches compare to know a document unchanged: the
    file's own, or, for a document that may have sidecars, one that also changes when
    a sidecar appears, changes or goes (its parts mixed into both numbers)."""
    names = sidecar_names(config, rel)
    if not names or config.root is None:
        return mtime_ns, size
    parts = []
    total = size
    for name in names:
        try:
            st = os.stat(os.path.join(config.root, name))
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_mtime_ns}:{st.st_size}")
        total += st.st_size
    if all(p == "-" for p in parts):
        return mtime_ns, size
    h = blake2b(f"{mtime_ns}:{size};{';'.join(parts)}".encode(), digest_size=8)
    return int.from_bytes(h.digest(), "little") >> 2, total  # (fits SQLite's INTEGER)


# (binary on Windows; not inherited by the processes a command starts)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _read(path: str | os.PathLike[str]) -> tuple[os.stat_result, bytes]:
    """The file's status, taken before its bytes are read, and its bytes: one open and a
    read of its size, not ``open()``'s buffered reader (half the time of a document's
    read, and a cold lint reads every document). Raises OSError as ``open`` does."""
    fd = os.open(path, _READ_FLAGS)
    try:
        st = os.fstat(fd)
        data = os.read(fd, st.st_size + 1)  # (a byte more: EOF is seen in this read)
        if len(data) != st.st_size or not data:
            # (grown or shrunk since, a read cut short, or a size the system does not
            # know: read on to the end)
            parts = [data]
            while part := os.read(fd, 1 << 20):
                parts.append(part)
            data = b"".join(parts)
    finally:
        os.close(fd)
    return st, data


def read_document(
    config: BookConfig, path: str | os.PathLike[str], rel: str
) -> tuple[tuple[int, int], bytes, tuple[Sidecar, ...]] | None:
    """``(signature, bytes, sidecars)`` of the document at ``path`` (``rel`` relative to
    the book root), the signature taken before the read (a write during it makes the
    document look changed next time); ``None`` when the file is gone or unreadable."""
    try:
        st, data = _read(path)
    except OSError:
        return None
    sig = signature(config, rel, st.st_mtime_ns, st.st_size)
    return sig, data, read_sidecars(config, rel)
