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

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from specbook.core.model import Sidecar

__all__ = ["blake2b", "content_hash", "source_hash"]


def content_hash(data: bytes) -> str:
    """The content key of a file's bytes: the lint cache's, the index's, the portal's."""
    return blake2b(data, digest_size=16).hexdigest()


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
