"""Byte-span patches: replace exactly the bytes named and nothing else."""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

from typing import NamedTuple


class Patch(NamedTuple):
    """Replace ``data[start:end]`` with ``text``."""

    start: int
    end: int
    text: bytes


def apply_patches(data: bytes, patches: list[Patch]) -> bytes:
    """Apply non-overlapping patches; every byte outside them is kept as it is.

    Raises :class:`ValueError` when two patches overlap or one lies outside ``data``.
    """
    out: list[bytes] = []
    pos = 0
    for p in sorted(patches, key=lambda p: (p.start, p.end)):
        if p.start < pos or p.end < p.start or p.end > len(data):
            raise ValueError(f"patch {p.start}:{p.end} overlaps another or lies outside the file")
        out.append(data[pos : p.start])
        out.append(p.text)
        pos = p.end
    out.append(data[pos:])
    return b"".join(out)
