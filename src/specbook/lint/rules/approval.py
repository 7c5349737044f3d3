"""SB505 approval-stale: an approved document whose design changed after the approval.

The history (git walk, cache, comparison) is :mod:`specbook.book.approvals`; this module
declares the rule: its inputs (HEAD, so that lint's whole-result memo is not reused
after a commit or a checkout), the approval row it takes while a document is linted
(``Rule.extract``, kept with the document's cached facts), and the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from specbook.book.approvals import (
    DEFAULT_SECTIONS,
    FEW,
    Candidate,
    approval_row,
    approved_or_later,
    blob_id,
    head_commit,
    stale_reports,
)
from specbook.core.config import BookConfig, KindConfig
from specbook.core.digest import content_hash
from specbook.core.model import Document
from specbook.lint.facts import BookFacts
from specbook.lint.registry import BookReport, RuleContext, rule


def _head_input(config: BookConfig) -> Iterable[tuple[str, int, int]]:
    """A pseudo-input naming the HEAD commit: the memo key changes when HEAD moves."""
    if config.root is None or config.path is None:
        return []
    return [(f"git-head:{head_commit(config.root)}", 0, 0)]


def _extract(doc: Document, ctx: RuleContext) -> list[Any]:
    """The last approval row of an approved-or-later document as a JSON value, with
    the content hash of the file's bytes and their git blob ID (SHA-1)
    (``[text, copy, reviewer, date, line, hash, blob]``), ``[]`` for any other
    document; taken while the document is linted, so that the rule need not parse it
    again, nor read it (a document as last committed is told by its blob ID)."""
    kind = ctx.kind
    if kind is None or doc.status_canonical in (None, kind.statuses[0]):
        return []
    if doc.status_canonical not in _later(kind):
        return []
    row = approval_row(doc, kind)
    if row is None:
        return []
    return [
        row.text.decode("utf-8", "surrogateescape"),
        *row[1:],
        content_hash(doc.source),
        _blob(doc.source),
    ]


_HASHED = [0]  # (approved documents hashed in this process)


def _blob(data: bytes) -> str:
    """``data``'s git blob ID (SHA-1): with CPython's own hash for the first few, so that
    a one-file lint does not load OpenSSL; with OpenSSL's, seven times faster, after."""
    _HASHED[0] += 1
    return blob_id(data, "", _HASHED[0] > FEW)


_LATER: dict[int, tuple[KindConfig, frozenset[str]]] = {}


def _later(kind: KindConfig) -> frozenset[str]:
    """:func:`approved_or_later`, once per kind object (the entry keeps it alive)."""
    hit = _LATER.get(id(kind))
    if hit is None or hit[0] is not kind:
        hit = _LATER[id(kind)] = (kind, approved_or_later(kind))
    return hit[1]


@rule(
    "SB505",
    "approval-stale",
    severity="error",
    tags=("lifecycle", "git"),
    scope="book",
    options={"sections": list(DEFAULT_SECTIONS)},
    inputs=_head_input,
    extract=_extract,
)
def approval_stale(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """An approved document whose requirements, design or plan changed after its last approval.

    Why: the approval is a statement about the text the approver read. When the
    Requirements, Design or Implementation Plan change afterwards, the document
    still says Approved (or Implemented) for a design nobody agreed to.

    Example:
    SPEC-001 is approved (`specbook review SPEC-001 --approve`, committed) and
    moved to Approved; a later commit rewords FR-2 under Requirements. The finding
    is on the `## Requirements` heading and names the approval's reviewer, date
    and commit. Edits that specbook's lifecycle makes never count: Status,
    Modified, Review History rows, Reviewers/Approvers and checklist ticks
    (`specbook status`, `review`, `check`).

    The rule reads git history: it applies to documents in the approved status or
    a status the workflow reaches from it (SPEC: Approved, Implemented; DEC:
    Accepted, Deprecated; not Archived or Superseded) that have an approval row in
    Review History (a row for the approved status, or `Approve`). The approval
    commit is the oldest commit of the newest run of versions of the file (renames
    followed; a file's history starts where it was added, even if git would call it
    a copy of a similar document) that hold that row; its sections are compared
    with the working tree. Outside git, for a file git does not track, or while the
    approval row is not committed yet, there is no finding.

    Fix: have the change reviewed and approved again (`specbook review ID --approve`
    clears the finding; once committed, later changes are measured from it), or
    undo the change.

    Options: `sections` lists the sections compared, by template name or title
    (default `["Requirements", "Technical Design", "Design", "Implementation Plan"]`).
    """
    cfg = ctx.config
    if cfg.root is None:
        return
    names = [str(n) for n in ctx.options.get("sections", DEFAULT_SECTIONS)]
    wanted: list[Candidate] = []
    statuses: dict[str, frozenset[str]] = {}
    for d in book.reported:
        kind = cfg.kinds.get(d.kind or "")
        if kind is None or d.status_canonical in (None, kind.statuses[0]):
            continue  # a draft is never approved: no need for the workflow
        if kind.name not in statuses:
            statuses[kind.name] = approved_or_later(kind)
        if d.status_canonical in statuses[kind.name]:
            wanted.append(Candidate(d.path, d.id, (d.extras or {}).get("SB505"), kind))
    for r in stale_reports(cfg, wanted, names, statuses, use_cache=ctx.cache):
        yield BookReport(*r)
