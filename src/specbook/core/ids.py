"""Looking up document IDs that may be written differently or mistyped.

:class:`IdIndex` answers, for a book's IDs, which one an ID as written names
(``SPEC-7`` names ``SPEC-007``) and which one a mistyped ID probably meant (the "did
you mean" of SB401 and SB404). Both are cheap for books of any size: a dictionary by
prefix and number, and a look-up of every ID one edit away from the one written,
instead of comparing it with every ID of the book.
"""

from __future__ import annotations

from collections.abc import Iterable

from specbook.core.errors import AmbiguousIdError, NotFoundError

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


def closest_ids(doc_id: str, ids: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``ids`` that a missing ``doc_id`` most likely meant, best first: the
    one :meth:`IdIndex.nearest` finds (other padding or case, or one slip) alone, else the
    IDs of the same prefix with the nearest numbers, then IDs difflib finds similar."""
    known = sorted(set(ids))
    hit = IdIndex(known).nearest(doc_id.strip())
    if hit is not None:
        return [hit]
    out: list[str] = []
    want = _numeric(doc_id.strip())
    if want is not None:
        prefix, number = want
        same = []
        for k in known:
            key = _numeric(k)
            if key is not None and key[0] == prefix:
                same.append((abs(key[1] - number), k))
        out.extend(k for _, k in sorted(same) if k not in out)
    if len(out) < n:
        import difflib

        upper = {k.upper(): k for k in known}
        for u in difflib.get_close_matches(doc_id.strip().upper(), upper, n=n):
            if upper[u] not in out:
                out.append(upper[u])
    return out[:n]


def unknown_id(doc_id: str, ids: Iterable[str], where: str) -> NotFoundError:
    """The error for an ID that none of ``ids`` (the IDs there are ``where``: "in the book
    at ...") is: it says where it was looked for and names the closest IDs there are."""
    known = set(ids)
    near = closest_ids(doc_id, known)
    if not known:
        hint = "there is no document with an ID yet"
    elif near:
        names = near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}"
        hint = f"did you mean {names}? `specbook list` shows every ID"
    else:
        hint = "`specbook list` shows the IDs there are"
    return NotFoundError(f"{doc_id}: no document with this ID {where}; {hint}")


def ambiguous_id(doc_id: str, carriers: Iterable[object], by_path: bool = True) -> AmbiguousIdError:
    """The error for an ID that more than one document carries: ``carriers`` are those
    documents (parsed documents, index rows or listing dicts: anything with an id,
    title, status and path), listed by path. ``by_path``: the command takes a path in
    place of the ID (see :class:`AmbiguousIdError`)."""

    def get(item: object, key: str) -> str | None:
        value = item.get(key) if isinstance(item, dict) else getattr(item, key, None)
        return None if value is None else str(value)

    rows = sorted(
        (
            (get(c, "id") or doc_id, get(c, "title") or "", get(c, "status"), get(c, "path") or "")
            for c in carriers
        ),
        key=lambda r: r[3],
    )
    return AmbiguousIdError(doc_id, rows, by_path)
