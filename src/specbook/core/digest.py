"""Content hashes: BLAKE2b, imported without :mod:`hashlib`.

``hashlib`` loads OpenSSL when imported (~3 ms, a tenth of what a one-file lint may
spend importing); the BLAKE2 it offers comes from CPython's own ``_blake2`` module,
which is imported directly where it exists.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # another Python: the same function through hashlib
    from hashlib import blake2b

import functools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from specbook.core.model import Sidecar

__all__ = ["blake2b", "code_stamp", "content_hash", "source_hash", "tree_stamp"]


# (the last bytes hashed and their key: a lint hashes each document for its cache row and
# then again for its index record, the same bytes object; holding it keeps its id from
# being reused by other bytes)
_last: tuple[bytes, str] | None = None


def content_hash(data: bytes) -> str:
    """The content key of a file's bytes: the lint cache's, the index's, the portal's."""
    global _last
    last = _last
    if last is not None and last[0] is data:
        return last[1]
    digest = blake2b(data, digest_size=16).hexdigest()
    if type(data) is bytes:  # (not a bytearray: its content may change under the same id)
        _last = (data, digest)
    return digest


def source_hash(data: bytes, sidecars: Sequence[Sidecar] = ()) -> str:
    """The content key of a document read with its sidecar metadata files: what it
    says depends on their bytes too. Without sidecars, :func:`content_hash` of
    ``data`` (so caches of books without sidecars stay as they were)."""
    if not sidecars:
        return content_hash(data)
    h = blake2b(digest_size=16)
    h.update(len(data).to_bytes(8, "little") + data)
    for s in sidecars:
        name = s.path.encode("utf-8", "surrogateescape")
        h.update(len(name).to_bytes(4, "little") + name)
        h.update(len(s.data).to_bytes(8, "little") + s.data)
    return h.hexdigest()


@functools.cache
def code_stamp() -> str:
    """:func:`tree_stamp` of specbook's own package, once per process (both the lint
    cache and the index are keyed by it): editing the code without a version bump must
    not serve results the old code computed."""
    return tree_stamp(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tree_stamp(root: str) -> str:
    """A hash of the relative name, size and mtime of every ``.py`` file under ``root``
    (``__pycache__`` left out), walked with ``os.scandir``: a pathlib ``rglob`` costs
    several times as much on specbook's ~150 modules."""
    entries: list[tuple[str, int, int]] = []
    todo = [root]
    while todo:
        folder = todo.pop()
        try:
            it = os.scandir(folder)
        except OSError:
            continue
        with it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        todo.append(e.path)
                elif e.name.endswith(".py"):
                    try:
                        st = e.stat()
                    except OSError:
                        continue
                    entries.append((e.path[len(root) + 1 :], st.st_size, st.st_mtime_ns))
    h = blake2b(digest_size=12)
    for name, size, mtime in sorted(entries):
        h.update(f"{name}:{size}:{mtime};".encode("utf-8", "surrogateescape"))
    return h.hexdigest()
