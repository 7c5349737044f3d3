"""Rules about links between documents and to files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from specbook.ids import IdIndex
from specbook.lint.facts import BookFacts
from specbook.lint.registry import BookReport, Report, RuleContext, rule
from specbook.model import Document


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


def _anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    keep = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_")
    return keep.replace(" ", "-")


def _loose(anchor: str) -> str:
    """Renderers disagree on punctuation in anchors (`_`, `→`, dashes): compare without it."""
    return "".join(ch for ch in anchor.lower() if ch.isalnum())


def _anchors(doc: Document) -> set[str]:
    """Every anchor the document's headings make, exact and loose forms."""
    seen: dict[str, int] = {}
    out = set()
    for s in doc.all_sections():
        base = _anchor(s.title)
        n = seen.get(base, 0)
        seen[base] = n + 1
        exact = base if n == 0 else f"{base}-{n}"
        out.add(exact)
        out.add(_loose(exact))
    return out


def _has_anchor(anchors: set[str], fragment: str) -> bool:
    f = fragment.lower()
    return f in anchors or _loose(f) in anchors


@rule("SB403", "broken-link", severity="error", tags=("references",))
def broken_link(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A relative link to a file or anchor that does not exist.

    Why: the link leads nowhere, in the portal, on GitHub and in an editor.

    Example: `[design](../decisions/DEC-009-cache.md)` after DEC-009 was renamed, or
    `[see below](#rollout-plan)` when no heading makes that anchor.

    Fix: point the link at the file's new name or at an existing heading.
    """
    base: Path | None = None
    if ctx.config.root is not None and doc.path and not os.path.isabs(doc.path):
        base = (ctx.config.root / doc.path).parent
    elif doc.path:
        base = Path(doc.path).parent
    own: set[str] | None = None
    for link in doc.links:
        url = link.url.strip()
        if not url or (link.image and url.startswith("data:")):
            continue
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith("//"):
            continue
        target, fragment = unquote(parts.path), unquote(parts.fragment)
        if not target:
            if fragment:
                own = own if own is not None else _anchors(doc)
                if not _has_anchor(own, fragment):
                    yield Report(
                        link.span, f"no heading in this document makes the anchor #{fragment}"
                    )
            continue
        if base is None:
            continue
        path = (
            (base / target)
            if not target.startswith("/")
            else (ctx.config.root or base) / target.lstrip("/")
        )
        if not path.exists():
            yield Report(link.span, f"link target {target} does not exist")
        elif fragment and path.suffix.lower() in (".md", ".markdown") and path.is_file():
            from specbook.parse import parse

            other = parse(path.read_bytes(), None, ctx.config)
            if not _has_anchor(_anchors(other), fragment):
                yield Report(
                    link.span, f"{target} has no heading that makes the anchor #{fragment}"
                )
