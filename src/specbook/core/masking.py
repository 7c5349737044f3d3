"""A document's text with lifecycle edits blanked out, for comparing two versions.

`specbook status`, `review` and `check` rewrite a few bytes of a document: field values
(Status, Modified, Reviewers, Approvers), Review History rows and checklist marks. Two
versions that differ only there compare equal here. Used by :mod:`specbook.book.diff` and by
rule SB505, which must not import the whole differ to check one edited file.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

from specbook.core.model import Document, Section

TICK = re.compile(rb"\[[xX]\]")
_NEWLINES = re.compile(rb"\r\n?")
# fields a lifecycle edit writes: their values are masked in section_text
LIFECYCLE_FIELDS = frozenset({"status", "modified", "reviewers", "approvers"})


def lifecycle_masks(doc: Document, keys: Iterable[str] | None = None) -> list[tuple[int, int]]:
    """Byte ranges a lifecycle edit rewrites: the values of fields ``keys`` (default:
    every field), every Review History row, and checklist marks (``[x]``); in order,
    overlapping ranges merged into one (what :func:`masked` expects)."""
    wanted = None if keys is None else set(keys)
    out = [
        (f.value_span.start, f.value_span.end)
        for f in doc.fields
        # (a field of a sidecar file is not in the document's bytes)
        if (wanted is None or f.key in wanted) and f.file is None
    ]
    out += [(e.span.start, e.span.end) for e in doc.review_history]
    out += [(c.marker.start, c.marker.end) for c in doc.checklists]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(out):
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def masked(doc: Document, start: int, end: int, masks: Sequence[tuple[int, int]]) -> bytes:
    """Bytes ``start:end`` with every mask range inside it blanked, newlines as LF.
    ``masks``: ranges in order that do not overlap (:func:`lifecycle_masks`)."""
    parts: list[bytes] = []
    pos = start
    # only the masks that meet start:end, found by binary search: a document's sections
    # are each masked, and a scan of every mask per section grew with the square of
    # its size (20,000 sections with a checklist item each: 27 s of a `diff`)
    first = bisect_right(masks, start, key=lambda m: m[1])
    last = bisect_left(masks, end, lo=first, key=lambda m: m[0])
    for a, b in masks[first:last]:
        a, b = max(a, pos), min(b, end)
        parts.append(doc.source[pos:a])
        parts.append(b"\x00")
        pos = b
    parts.append(doc.source[pos:end])
    lines = _NEWLINES.sub(b"\n", b"".join(parts)).split(b"\n")
    # a line that was only a masked thing (a Review History row) counts as absent
    return b"\n".join(
        line for line in lines if b"\x00" not in line or line.strip(b" \t|\x00")
    ).rstrip()


def section_text(doc: Document, section: Section, masks: Sequence[tuple[int, int]]) -> bytes:
    """The whole section (subsections included, heading line excluded) with
    ``masks`` blanked, checklist marks unticked and newlines as LF: two versions
    compare equal when only lifecycle edits separate them."""
    return TICK.sub(b"[ ]", masked(doc, section.heading.end, section.span.end, masks))
