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

__all__ = ["blake2b", "content_hash"]


def content_hash(data: bytes) -> str:
    """The content key of a file's bytes: the lint cache's, the index's, the portal's."""
    return blake2b(data, digest_size=16).hexdigest()
