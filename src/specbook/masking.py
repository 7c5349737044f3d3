"""A document's text with lifecycle edits blanked out, for comparing two versions.

`specbook status`, `review` and `check` rewrite a few bytes of a document: field values
(Status, Modified, Reviewers, Approvers), Review History rows and checklist marks. Two
versions that differ only there compare equal here. Used by :mod:`specbook.diff` and by
rule SB505, which must not import the whole differ to check one edited file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from specbook.model import Document, Section

TICK = re.compile(rb"\[[xX]\]")
_NEWLINES = re.compile(rb"\r\n?")
# fields a lifecycle edit writes: their values are masked in section_text
LIFECYCLE_FIELDS = frozenset({"status", "modified", "reviewers", "approvers"})


def lifecycle_masks(doc: Document, keys: Iterable[str] | None = None) -> list[tuple[int, int]]:
    """Byte ranges a lifecycle edit rewrites: the values of fields ``keys`` (default:
    every field), every Review History row, and checklist marks (``[x]``)."""
    wanted = None if keys is None else set(keys)
    out = [
        (f.value_span.start, f.value_span.end)
        for f in doc.fields
        # (a field of a sidecar file is not in the document's bytes)
        if (wanted is None or f.key in wanted) and f.file is None
    ]
    out += [(e.span.start, e.span.end) for e in doc.review_history]
    out += [(c.marker.start, c.marker.end) for c in doc.checklists]
    return sorted(out)


def masked(doc: Document, start: int, end: int, masks: Sequence[tuple[int, int]]) -> bytes:
    """Bytes ``start:end`` with every mask range inside it blanked, newlines as LF."""
    parts: list[bytes] = []
    pos = start
    for a, b in masks:
        if b <= pos or a >= end:
            continue
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
