"""Rules about the lifecycle: approvals, checklists, Review History, stale reviews."""

import datetime as dt
import re
from collections.abc import Iterator
from typing import NamedTuple

from specbook.core.config import KindConfig
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, ReviewEntry, Span
from specbook.core.text import is_placeholder, norm_key
from specbook.lint.registry import Report, RuleContext, day_after, rule
from specbook.lint.rules.sections import section_ranges
from specbook.templates.facts import PROMPT

_ISO = lazy_compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?!\d)")
_NAME_SPLIT = lazy_compile(r"\s*(?:[,;/&+]|\band\b)\s*", re.IGNORECASE)
_EXPLICIT_NONE = {"", "none", "n a", "na", "tbd", "nobody"}
_PLAN_SECTIONS = ("implementation plan", "pre deployment checklist")


def _parse_date(text: str) -> dt.date | None:
    m = _ISO.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _history(doc: Document, kind: KindConfig) -> list[tuple[ReviewEntry, str]]:
    """Review History rows that record a status of the kind, with that canonical status.

    Template rows (`[YYYY-MM-DD]`, `[Name]`) and rows whose status is not a status of
    the kind (`Changes requested`) are left out. Computed once per document and kind
    (SB501, SB503 and SB504 ask).
    """
    memo = doc.derived
    key = "history:" + kind.name
    found: list[tuple[ReviewEntry, str]] | None = memo.get(key)
    if found is None or memo.get(key + ":kind") is not kind:
        found = memo[key] = _history_rows(doc, kind)
        memo[key + ":kind"] = kind
    return found


def _history_rows(doc: Document, kind: KindConfig) -> list[tuple[ReviewEntry, str]]:
    out = []
    for e in doc.review_history:
        if is_placeholder(e.date) or is_placeholder(e.reviewer) or is_placeholder(e.status):
            continue
        canon = kind.canonical_status(e.status)
        if canon is not None:
            out.append((e, canon))
    return out


def _status_span(doc: Document) -> Span | None:
    f = doc.field("status")
    return f.value_span if f is not None else None


def _status_file(doc: Document) -> str | None:
    """The sidecar the status stands in (see :attr:`Report.file`), or ``None``."""
    f = doc.field("status")
    return f.file if f is not None else None


def _person(name: str) -> str:
    return norm_key(name.strip().lstrip("@"))


def _review_word(kind: KindConfig) -> str | None:
    return kind.canonical_status("Review") or kind.canonical_status("In Review")


@rule(
    "SB501",
    "approval-missing",
    severity="error",
    tags=("lifecycle",),
    options={"approvals": 1},
)
def approval_missing(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """Approved or Implemented without the approvals the workflow requires.

    Why: the status says the design was agreed on; without a recorded approval by
    someone other than the author nobody can tell who agreed, or whether the
    approval came before or after the last round of changes.

    Example:
    a SPEC with `**Status**: Approved` whose Review History ends with the author's
    own `Approved` row, or whose only `Approved` row comes before a later move back
    to `Review`. A DEC is checked the same way when it is `Accepted`.

    Fix: have a reviewer approve it (`specbook review ID --approve` adds the Review
    History row and the name under Approvers). Approvals count when they are
    Review History rows with the approved status after the last move to Review, or
    names under Metadata Approvers, and are not by the Author. The option
    `approvals` sets how many distinct approvers are needed (default 1).
    """
    kind = ctx.kind
    status = doc.status_canonical
    if kind is None or status is None:
        return
    approved = kind.canonical_status("Approved")
    implemented = kind.canonical_status("Implemented")
    if approved is None or status not in (approved, implemented):
        return
    needed = ctx.options.get("approvals", 1)
    if not isinstance(needed, int) or needed <= 0:
        return
    span = _status_span(doc)
    if span is None:
        return
    review = _review_word(kind) or kind.statuses[0]
    metadata = doc.metadata
    author_raw = metadata.get("author") or doc.value("author") or ""
    author = "" if is_placeholder(author_raw) else _person(author_raw)

    rows = _history(doc, kind)
    last_review = max((i for i, (_, canon) in enumerate(rows) if canon == review), default=-1)
    names: set[str] = set()
    for entry, canon in rows[last_review + 1 :]:
        who = _person(entry.reviewer)
        if (canon == approved or kind.is_approval(entry.status)) and who and who != author:
            names.add(who)
    listed = metadata.get("approvers") or doc.value("approvers") or ""
    if not is_placeholder(listed) and norm_key(listed) not in _EXPLICIT_NONE:
        for name in _NAME_SPLIT.split(listed):
            who = _person(name)
            if who and who not in _EXPLICIT_NONE and not PROMPT.search(name) and who != author:
                names.add(who)
    if len(names) >= needed:
        return
    found = len(names)
    by = f" ({author_raw.strip()})" if author else ""
    yield Report(
        span,
        f"{status} needs {needed} approval{'s' if needed != 1 else ''} by someone "
        f"other than the author{by} since the last move to {review}; found {found}. "
        f"Record it with `specbook review {doc.id or 'ID'} --approve`, or set the status "
        f"back to {review}",
        file=_status_file(doc),
    )


def _ranges(doc: Document, names: tuple[str, ...]) -> list[tuple[int, int]]:
    return [r for name in names for r in section_ranges(doc, name)]


def _only_prompts(text: str) -> bool:
    """A template item such as `[path/to/new/file.py] - [Purpose]`: SB205 reports it."""
    if not PROMPT.search(text):
        return False
    return not any(ch.isalnum() for ch in PROMPT.sub("", text))


@rule("SB502", "unchecked-implemented", severity="error", tags=("lifecycle",))
def unchecked_implemented(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """Implemented while Implementation Plan or Pre-Deployment Checklist items are unchecked.

    Why: the status says the work is done; an open box says it is not. One of the
    two is wrong, and readers trust the status.

    Example:
    `**Status**: Implemented` while `- [ ] Database migrations prepared` is still
    open under Pre-Deployment Checklist, or `- [ ] src/export.py` under
    Implementation Plan → Files to Create.

    Fix: check the items that are done (`specbook check ID ITEM`), remove the ones
    that were dropped, or move the status back until the rest are done.
    """
    kind = ctx.kind
    if kind is None or doc.status_canonical is None:
        return
    implemented = kind.canonical_status("Implemented")
    if implemented is None or doc.status_canonical != implemented:
        return
    if not doc.checklists:
        return
    ranges = _ranges(doc, _PLAN_SECTIONS)
    if not ranges:
        return
    for item in doc.checklists:
        if item.checked:
            continue
        pos = item.span.start
        if not any(a <= pos < b for a, b in ranges):
            continue
        if _only_prompts(item.text):
            continue
        line = item.marker.line
        starts = doc.line_starts
        end = starts[line] if line < len(starts) else len(doc.source)
        while end > item.marker.start and doc.source[end - 1] in b"\r\n":
            end -= 1
        where = item.section or "Implementation Plan"
        yield Report(
            Span(item.marker.start, end, line, line),
            f'"{_short(item.text)}" under {where} is unchecked but the status is '
            f"{implemented}; check it when done, remove it if dropped, or move the status back",
        )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@rule("SB503", "status-drift", severity="error", tags=("lifecycle",))
def status_drift(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """The header Status disagrees with the last status in Review History.

    Why: the history is the record of how the document got where it is; when the
    header says something else, either a transition was made by hand without a
    history row, or the header was not updated after one.

    Example:
    `**Status**: Approved` while the last Review History row says `Review`.

    Fix: make the change with `specbook status ID NEW` (it writes both), or add the
    missing Review History row, or correct the Status. Template rows such as
    `| [YYYY-MM-DD] | [Name] | ... |` and a document without history are not checked.
    """
    kind = ctx.kind
    status = doc.status_canonical
    if kind is None or status is None:
        return
    rows = _history(doc, kind)
    if not rows:
        return
    entry, last = rows[-1]
    if last == status:
        return
    span = _status_span(doc)
    if span is None:
        return
    yield Report(
        span,
        f'Status is "{status}" but the last Review History row (line {entry.span.line}) '
        f'says "{entry.status}"; add a Review History row for the change or correct the Status',
        file=_status_file(doc),
    )


def in_review_since(doc: Document, kind: KindConfig) -> tuple[dt.date, str] | None:
    """Since when ``doc`` has been in ``kind``'s review status, and what says so: the
    last Review History row that moved it there, else Modified, else Date. ``None``
    when it is not in review or no date says. SB504 and ``specbook report`` share it."""
    review = _review_word(kind)
    if review is None or doc.status_canonical != review:
        return None
    for entry, canon in reversed(_history(doc, kind)):
        if canon == review:
            since = _parse_date(entry.date)
            if since is not None:
                return since, f"Review History line {entry.span.line}"
            break
    for key, name in (("modified", "Modified"), ("date", "Date")):
        value = doc.metadata.get(key) or doc.value(key)
        since = _parse_date(value) if value else None
        if since is not None:
            return since, name
    return None


class _InReview(NamedTuple):
    since: dt.date
    source: str  # what says since when
    limit: int  # days a review may take
    review: str  # the kind's review status
    first: str  # and its first status (Draft)
    span: Span  # of the Status


def _in_review(doc: Document, ctx: RuleContext) -> _InReview | None:
    """What SB504 needs of ``doc`` to judge it on any day; ``None`` when it reports
    nothing on any day (not in review, no date, no Status to point at)."""
    kind = ctx.kind
    if kind is None or doc.status_canonical is None:
        return None
    review = _review_word(kind)
    if review is None or doc.status_canonical != review:
        return None
    limit = ctx.options.get("days", 14)
    if not isinstance(limit, int) or limit < 0:
        return None
    found = in_review_since(doc, kind)
    if found is None:
        return None
    span = _status_span(doc)
    if span is None:
        return None
    return _InReview(found[0], found[1], limit, review, kind.statuses[0], span)


def _stale_review_days(doc: Document, ctx: RuleContext) -> tuple[dt.date | None, dt.date | None]:
    """SB504's findings stay the same until the review goes stale; once it is, they
    change every day (the message counts the days)."""
    got = _in_review(doc, ctx)
    if got is None:
        return None, None
    stale_from = day_after(got.since, got.limit + 1)
    if stale_from is None or ctx.today < stale_from:
        return None, stale_from
    return ctx.today, day_after(ctx.today)


@rule(
    "SB504",
    "stale-review",
    severity="warning",
    tags=("lifecycle",),
    options={"days": 14},
    uses_today=True,
    day_window=_stale_review_days,
)
def stale_review(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """In Review longer than the book allows (default 14 days).

    Why: a review that sits for weeks blocks the work behind it and usually means
    nobody feels responsible for it.

    Example:
    a SPEC whose last Review History row moved it to `Review` on 2026-04-01, linted
    on 2026-06-15. Without such a row the Metadata Modified date counts, else the
    Date field.

    Fix: get the review done (approve or request changes), or move the document
    back to Draft until it is ready. The option `days` sets how long a review may
    take (default 14).
    """
    got = _in_review(doc, ctx)
    if got is None:
        return
    days = (ctx.today - got.since).days
    if days <= got.limit:
        return
    yield Report(
        got.span,
        f"in {got.review} since {got.since.isoformat()} ({got.source}): {days} days, more "
        f"than the {got.limit} the book allows; finish the review or move it back to "
        f"{got.first}",
        file=_status_file(doc),
    )
