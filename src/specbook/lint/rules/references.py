"""Rules about links between documents and to files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from specbook.core.ids import IdIndex
from specbook.core.model import Document
from specbook.lint.facts import BookFacts, DocFacts
from specbook.lint.registry import BookReport, RuleContext, rule


@rule("SB106", "duplicate-id", severity="error", tags=("identity",), scope="book")
def duplicate_id(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """Two documents carry the same ID.

    Why: a reference to the ID cannot say which of them it means, and every
    command given the ID (`show`, `status`, `review`, `refs`…) refuses it until one
    is named by its path.

    Example: after a merge, `SPEC-014-login.md` and `SPEC-014-export.md` both say
    `**ID**: SPEC-014`.

    Fix: give the newer one the next free ID: `specbook renumber` does it, renames
    its file and rewrites the references that mean it (`--dry-run` shows the plan).
    """
    for doc_id, docs in book.by_id.items():
        if len(docs) < 2:
            continue
        for d in docs:
            if book.focus is not None and d.path not in book.focus:
                continue
            others = ", ".join(o.path for o in docs if o is not d)
            line = d.id_span.line if d.id_span else 1
            col = d.id_column if d.id_span else 1
            end_col = col + len(doc_id)
            yield BookReport(
                d.path, d.id, line, col, line, end_col,
                f"{doc_id} is also the ID of {others}; `specbook renumber` gives the newer "
                "one the next free ID and rewrites the references that mean it",
            )  # fmt: skip


@rule("SB401", "dangling-reference", severity="error", tags=("references",), scope="book")
def dangling_reference(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """A reference to an ID that no document in the book has.

    Why: a reader who follows it finds nothing; it usually means a typo or a
    document that was renamed or never written.

    Example: `Related Bugs: BUG-042` when there is no BUG-042; or `SPEC-007/FR-9`
    when SPEC-007 has no FR-9. An anchor is no reference: an ID right after `#`
    (`[[#ADR-3803]]`, `notes.md#SPEC-004`) or in a link to a place in the same page
    (`[ADR-3803](#adr-3803)`) names a heading, and is never reported.

    Fix: correct the ID, or write the missing document.
    """
    index = IdIndex(book.by_id)
    for d in book.reported:
        for r in d.references:
            targets = book.by_id.get(r.target)
            if not targets:
                close = index.nearest(r.target)
                hint = f"; did you mean {close}?" if close else ""
                yield BookReport(
                    d.path,
                    d.id,
                    r.line,
                    r.column,
                    r.span.end_line,
                    r.end_column,
                    f"{r.target} is not the ID of any document in the book{hint}",
                )
            elif r.requirement and not any(r.requirement in t.requirement_ids for t in targets):
                yield BookReport(
                    d.path,
                    d.id,
                    r.line,
                    r.column,
                    r.span.end_line,
                    r.end_column,
                    f"{r.target} has no requirement {r.requirement}",
                )


@rule(
    "SB402", "supersede-asymmetry", severity="error", tags=("references", "lifecycle"), scope="book"
)
def supersede_asymmetry(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """A is superseded by B but B does not say it supersedes A (or the reverse).

    Why: readers of either document should find the other; a one-sided link means
    one of the two was not updated.

    Example: DEC-002 says `Superseded by DEC-003`, but DEC-003 never says
    `Supersedes DEC-002`. Either side may say it in a field, under any name the book
    maps to `supersedes` / `superseded_by` (front matter `superseded_by: DEC-003`,
    `superseded-by:`, `supersedes: [DEC-001, DEC-002]` or a block list; a bold line
    `**Superseded by**: DEC-003`), in its text after "superseded by" or "supersedes"
    (`status: superseded by DEC-003`; every ID of a list: `Supersedes DEC-001 and
    DEC-002`) or the same words in French, Spanish, Portuguese, Italian, German or
    Dutch (`**Statut :** SUPERSÉDÉ par DEC-003`, `Reemplazado por`, `Ersetzt durch`),
    or in a section so named. A link said to be of a part only (`**Replaces**: parts
    of DEC-002`, `**Remplace :** Parties de DEC-002`) is no supersede. A link stated
    in several places is reported
    once, where it is first stated; when two documents carry the other ID (SB106),
    either saying it is enough.

    Fix: add the missing sentence to the other document (`specbook supersede OLD
    NEW` edits both).
    """
    for d in book.reported:
        for mine, theirs, says, missing in (
            ("superseded_by", "supersedes", "is superseded by", "supersedes"),
            ("supersedes", "superseded_by", "supersedes", "is superseded by"),
        ):
            told: set[str] = set()
            for target, span, col in getattr(d, mine):
                if target in told:
                    continue  # the same link stated again (front matter and text)
                told.add(target)
                others = book.by_id.get(target, [])
                # (with two documents under one ID, SB106's case, either may say it)
                if others and not any(
                    src == d.id for t in others for src, _, _ in getattr(t, theirs)
                ):
                    yield BookReport(
                        d.path,
                        d.id,
                        span.line,
                        col,
                        span.line,
                        col + len(target),
                        f"{d.id} says it {says} {target}, "
                        f"but {target} does not say it {missing} {d.id}",
                    )


@lru_cache(maxsize=8192)
def _anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes.

    (Memoised: the same template headings come back in every document.)"""
    low = title.lower()
    if low.isascii():  # (ASCII letters and digits are what str.isalnum takes of ASCII)
        keep = low.encode().translate(None, _NOT_ANCHOR_ASCII).decode()
    else:
        keep = "".join(ch for ch in low if ch.isalnum() or ch in " -_")
    return keep.replace(" ", "-")


@lru_cache(maxsize=8192)
def _loose(anchor: str) -> str:
    """Renderers disagree on punctuation in anchors (`_`, `→`, dashes): compare without it."""
    low = anchor.lower()
    if low.isascii():
        return low.encode().translate(None, _NOT_ALNUM_ASCII).decode()
    return "".join(ch for ch in low if ch.isalnum())


# the ASCII bytes an anchor drops (every one but [a-z0-9 _-]; _loose's: but [a-z0-9]),
# deleted by bytes.translate in a tenth of the time of an expression's sub
_ALNUM_ASCII = "abcdefghijklmnopqrstuvwxyz0123456789"
_NOT_ANCHOR_ASCII = bytes(c for c in range(128) if chr(c) not in _ALNUM_ASCII + " _-")
_NOT_ALNUM_ASCII = bytes(c for c in range(128) if chr(c) not in _ALNUM_ASCII)


class _Anchors(dict[str, str]):
    """:func:`_anchor` of each title, computed on first look-up: a dict's look-up from C
    (:func:`_exact_anchors` maps it over every heading of every document), where
    ``lru_cache`` took a Python call per title and, on the titles of one document only
    (most of a document's: `Component 1: Gateway Client`), evicted others. Emptied as
    ``functools``' caches are (``cache_clear``), and at 65,536 titles."""

    def __missing__(self, title: str) -> str:
        if len(self) >= 65_536:
            self.clear()
        anchor = self[title] = _anchor.__wrapped__(title)
        return anchor

    @classmethod
    def cache_clear(cls) -> None:
        _ANCHORS.clear()


_ANCHORS = _Anchors()


_TITLE = attrgetter("title")


def _exact_anchors(doc: Document) -> list[str]:
    """Every anchor the document's headings make, as GitHub numbers repeated ones."""
    bases = list(map(_ANCHORS.__getitem__, map(_TITLE, doc.flat_sections)))
    if len(set(bases)) == len(bases):
        return bases  # (the usual case, no heading repeated: no numbers to add)
    seen: dict[str, int] = {}
    out = []
    for base in bases:
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}-{n}")
    return out


def _anchors(exact: list[str]) -> set[str]:
    """Every anchor of ``exact`` (:func:`_exact_anchors`), in its exact and loose forms."""
    return {*exact, *map(_loose, exact)}


def _has_anchor(anchors: set[str], fragment: str) -> bool:
    f = fragment.lower()
    return f in anchors or _loose(f) in anchors


def _links_of(doc: Document, ctx: RuleContext) -> dict[str, Any]:
    """What SB403 needs of a document, taken while it is linted (see :attr:`Rule.extract`):

    - ``own``: its links to an anchor of its own that no heading makes, as
      ``[line, column, end line, end column, fragment]`` (judged here: the document is
      all they need);
    - ``links``: its relative links to files, ``[target, fragment, line, column, end
      line, end column]`` (judged by the book check, which looks at those files);
    - ``anchors``: the anchors its headings make, for links from other documents.
    """
    exact = _exact_anchors(doc)
    own_anchors: set[str] | None = None
    own: list[list[Any]] = []
    links: list[list[Any]] = []
    for link in doc.links:
        url = link.url.strip()
        if not url or (link.image and url.startswith("data:")):
            continue
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith("//"):
            continue
        target, fragment = unquote(parts.path), unquote(parts.fragment)
        where = [
            link.span.line,
            doc.column(link.span.start),
            link.span.end_line,
            doc.column(link.span.end),
        ]
        if target:
            links.append([target, fragment, *where])
        elif fragment:
            own_anchors = own_anchors if own_anchors is not None else _anchors(exact)
            if not _has_anchor(own_anchors, fragment):
                own.append([*where, fragment])
    return {"own": own, "links": links, "anchors": sorted(exact)}


def _link_base(d: DocFacts, root: Path | None) -> Path:
    """The folder a document's relative links start from."""
    if root is not None and not os.path.isabs(d.path):
        return (root / d.path).parent
    return Path(d.path).parent


@rule(
    "SB403",
    "broken-link",
    severity="error",
    tags=("references",),
    scope="book",
    extract=_links_of,
)
def broken_link(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """A relative link to a file or anchor that does not exist.

    Why: the link leads nowhere, in the portal, on GitHub and in an editor.

    Example: `[design](../decisions/DEC-009-cache.md)` after DEC-009 was renamed, or
    `[see below](#rollout-plan)` when no heading makes that anchor.

    The rule looks at the files the links lead to (a book rule: its findings follow
    those files, not only the linking document).

    Fix: point the link at the file's new name or at an existing heading.
    """
    root = ctx.config.root
    # the book's documents by full path: their existence and anchors are known
    # without touching the disk (a document linted in full carries its anchors)
    documents: dict[str, DocFacts] | None = None
    read: dict[str, set[str] | None] = {}  # anchors of files parsed here (None: unreadable)
    for d in book.reported:
        taken = (d.extras or {}).get("SB403")
        if not taken:
            continue
        for line, col, end_line, end_col, fragment in taken["own"]:
            yield BookReport(
                d.path, d.id, line, col, end_line, end_col,
                f"no heading in this document makes the anchor #{fragment}",
            )  # fmt: skip
        if not taken["links"]:
            continue
        if documents is None:
            documents = {
                os.path.normpath(os.path.join(root, o.path) if root else o.path): o
                for o in book.docs
            }
        base = _link_base(d, root)
        for target, fragment, line, col, end_line, end_col in taken["links"]:
            path = (
                (base / target)
                if not target.startswith("/")
                else (root or base) / target.lstrip("/")
            )
            full = os.path.normpath(path)
            other = documents.get(full)
            if other is None:
                book.looked.add(full)  # (lint's memo is kept only while it stays as it is)
                if not path.exists():
                    yield BookReport(
                        d.path, d.id, line, col, end_line, end_col,
                        f"link target {target} does not exist",
                    )  # fmt: skip
                    continue
            if not fragment or path.suffix.lower() not in (".md", ".markdown"):
                continue
            anchors = _anchors_of(other, path, full, read, ctx)
            if anchors is not None and not _has_anchor(anchors, fragment):
                yield BookReport(
                    d.path, d.id, line, col, end_line, end_col,
                    f"{target} has no heading that makes the anchor #{fragment}",
                )  # fmt: skip


def _anchors_of(
    other: DocFacts | None,
    path: Path,
    full: str,
    read: dict[str, set[str] | None],
    ctx: RuleContext,
) -> set[str] | None:
    """The anchors (exact and loose) the file at ``path`` makes: from the book
    document's facts when they carry them, else parsed from the file (once per run);
    ``None`` for a folder or a file that cannot be read."""
    taken = (other.extras or {}).get("SB403") if other is not None else None
    if taken:
        return _anchors(taken["anchors"])
    if full not in read:
        from specbook.parse import parse

        try:
            data = path.read_bytes()
        except OSError:  # (a folder named like a Markdown file, or unreadable)
            read[full] = None
        else:
            read[full] = _anchors(_exact_anchors(parse(data, None, ctx.config)))
    return read[full]
