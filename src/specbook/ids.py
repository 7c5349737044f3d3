"""Looking up document IDs that may be written differently or mistyped.

:class:`IdIndex` answers, for a book's IDs, which one an ID as written names
(``SPEC-7`` names ``SPEC-007``) and which one a mistyped ID probably meant (the "did
you mean" of SB401 and SB404). Both are cheap for books of any size: a dictionary by
prefix and number, and a look-up of every ID one edit away from the one written,
instead of comparing it with every ID of the book.
"""

from __future__ import annotations

from collections.abc import Iterable

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"


def _numeric(doc_id: str) -> tuple[str, int] | None:
    prefix, _, number = doc_id.rpartition("-")
    return (prefix.upper(), int(number)) if number.isdigit() else None


class IdIndex:
    """The IDs of one book."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = frozenset(ids)
        self._by_number: dict[tuple[str, int], str] | None = None
        self._near: dict[str, str | None] = {}

    def resolve(self, doc_id: str) -> str | None:
        """The ID that ``doc_id`` names: itself, or the same prefix and number with other
        zero padding (the first such ID in sorted order); else ``None``."""
        if doc_id in self.ids:
            return doc_id
        want = _numeric(doc_id)
        if want is None:
            return None
        if self._by_number is None:
            self._by_number = {}
            for k in sorted(self.ids):
                key = _numeric(k)
                if key is not None:
                    self._by_number.setdefault(key, k)
        return self._by_number.get(want)

    def nearest(self, doc_id: str) -> str | None:
        """The ID that a missing ``doc_id`` most likely meant, or ``None``: the same ID
        with other padding or case, else one ID one edit away (a character changed,
        added, dropped, or two neighbours swapped), the most similar if several are."""
        if doc_id in self._near:
            return self._near[doc_id]
        found = self._nearest(doc_id)
        self._near[doc_id] = found
        return found

    def _nearest(self, doc_id: str) -> str | None:
        up = doc_id.upper()
        for form in (doc_id, up):
            hit = self.resolve(form)
            if hit is not None and hit != doc_id:
                return hit
        ids = self.ids
        n = len(up)
        hits: set[str] = set()
        for i in range(n + 1):
            head, tail = up[:i], up[i:]
            if tail:
                if head + tail[1:] in ids:  # one dropped
                    hits.add(head + tail[1:])
                if len(tail) > 1 and head + tail[1] + tail[0] + tail[2:] in ids:  # swapped
                    hits.add(head + tail[1] + tail[0] + tail[2:])
            for ch in _ALPHABET:
                if head + ch + tail in ids:  # one added
                    hits.add(head + ch + tail)
                if tail and head + ch + tail[1:] in ids:  # one changed
                    hits.add(head + ch + tail[1:])
        hits.discard(doc_id)
        if len(hits) <= 1:
            return next(iter(hits), None)
        import difflib  # (only for a tie: most lints never get here)

        return max(sorted(hits), key=lambda k: difflib.SequenceMatcher(None, up, k).ratio())
