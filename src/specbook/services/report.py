"""The book report: counts, reviews waiting, checklist progress, risks, timelines, reviewers.

:func:`build_report` is a pure function from documents, the book's config and a date
to a :class:`Report`; :func:`report_json`, :func:`render_text` and
:func:`render_markdown` turn a report into the three output formats.

Decisions the report makes (the README repeats them):

- A document is *stale* in Review exactly when lint rule SB504 (stale-review) would
  say so: in the kind's Review status for more than ``[lint.rules.stale-review]
  days`` (default 14), counted from the last Review History row that moved it to
  Review, else from Metadata Modified, else from Date.
- Checklist items count under their ``##`` section (Implementation Plan, Testing
  Strategy, Documentation…), except that a section named as a checklist
  (Pre-Deployment Checklist) counts on its own. Items that are only a template prompt
  (``[Work item 1]``) are not counted.
- A risk's score is probability × impact with High = 3, Med = 2, Low = 1; a risk whose
  levels are not High/Med/Low has no score and sorts last.
- A phase is overdue when its end date is before today and its status is not
  closed: Done, Complete(d), Cancelled/Canceled, Skipped or Closed.
- Review load: ``reviews`` counts the Review History rows a person wrote on
  documents they did not author (``approvals`` those that approve); ``pending``
  lists the documents now in Review that name the person under Metadata Reviewers.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from specbook.core.config import BookConfig, KindConfig
from specbook.core.errors import ConfigError
from specbook.core.model import Cell, Document, Section
from specbook.core.text import is_placeholder, norm_heading, norm_key
from specbook.lint.rules.content import _LEVEL_KEYS, _cell, _columns, _date, risk_tables
from specbook.lint.rules.workflow import (
    _EXPLICIT_NONE,
    _NAME_SPLIT,
    _only_prompts,
    _person,
    _review_word,
    in_review_since,
)
from specbook.templates.facts import MUSTACHE, PROMPT
from specbook.trace.graph import id_order

REPORT_VERSION = 1
DEFAULT_STALE_DAYS = 14
LEVEL_SCORES = {"High": 3, "Med": 2, "Low": 1}
# phase statuses that mean the phase needs no more work, so it cannot be overdue
CLOSED_PHASES = frozenset(
    ("done", "complete", "completed", "cancelled", "canceled", "skipped", "closed")
)
_NONE = "(none)"
_UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class KindCount:
    """How many documents a kind has, by canonical status and by type.

    ``statuses`` holds every status of the kind (zero included) in workflow order, then
    ``(unknown)`` for statuses that map to none of them and ``(none)`` for documents
    without one; ``types`` likewise.
    """

    kind: str
    total: int
    statuses: dict[str, int]
    types: dict[str, int]


@dataclass(frozen=True)
class ReviewWait:
    """A document now in its kind's Review status, and since when."""

    id: str | None
    kind: str | None
    title: str
    path: str | None
    since: dt.date
    since_source: str
    days: int
    stale: bool


@dataclass(frozen=True)
class SectionProgress:
    section: str
    done: int
    total: int


@dataclass(frozen=True)
class ChecklistProgress:
    """Checked and total checklist items of one document, overall and per section."""

    id: str | None
    kind: str | None
    title: str
    path: str | None
    done: int
    total: int
    sections: tuple[SectionProgress, ...]


@dataclass(frozen=True)
class Risk:
    """One row of a risk table. ``probability``/``impact`` are High, Med or Low when the
    document says so in any spelling (``medium``), else the text as written."""

    id: str | None
    title: str
    path: str | None
    line: int
    risk: str
    probability: str
    impact: str
    mitigation: str
    score: int | None


@dataclass(frozen=True)
class Phase:
    """One row of a timeline table; dates as written, ``overdue`` computed against today."""

    phase: str
    duration: str
    start: str
    end: str
    status: str
    overdue: bool
    line: int


@dataclass(frozen=True)
class Timeline:
    id: str | None
    kind: str | None
    title: str
    path: str | None
    phases: tuple[Phase, ...]


@dataclass(frozen=True)
class ReviewerLoad:
    """What one person reviewed and what waits for them (see the module docstring)."""

    name: str
    reviews: int
    approvals: int
    reviewed: tuple[str, ...]
    pending: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """Everything ``specbook report`` shows, computed for one day."""

    book: str
    today: dt.date
    stale_after_days: int
    documents: int
    counts: tuple[KindCount, ...]
    in_review: tuple[ReviewWait, ...]
    checklists: tuple[ChecklistProgress, ...]
    risks: tuple[Risk, ...]
    timelines: tuple[Timeline, ...]
    reviewers: tuple[ReviewerLoad, ...]

    @property
    def stale(self) -> tuple[ReviewWait, ...]:
        """The documents in Review for longer than the book allows."""
        return tuple(w for w in self.in_review if w.stale)

    @property
    def overdue(self) -> list[tuple[Timeline, Phase]]:
        """Every overdue phase with the timeline it belongs to."""
        return [(t, p) for t in self.timelines for p in t.phases if p.overdue]


def stale_review_days(config: BookConfig) -> int:
    """The days a review may take: ``days`` of ``[lint.rules.stale-review]`` (or
    ``[lint.rules.SB504]``), default 14, the same number lint rule SB504 uses.

    Raises :class:`ConfigError` when the setting is not a whole number of days ≥ 0.
    """
    for key, table in config.lint_rules.items():
        if key.upper() != "SB504" and key.lower() != "stale-review":
            continue
        days = table.get("days", DEFAULT_STALE_DAYS)
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ConfigError(
                str(config.path) if config.path else "(config)",
                f"lint.rules.{key}.days",
                f"expected a whole number of days like 14, got {days!r}",
            )
        return days
    return DEFAULT_STALE_DAYS


def build_report(documents: Iterable[Document], config: BookConfig, today: dt.date) -> Report:
    """The report of ``documents`` as of ``today``; documents are ordered by kind (as
    the config lists kinds) and ID, so the result does not depend on input order.

    Raises :class:`ConfigError` when the stale-review setting is invalid.
    """
    rank = {name: i for i, name in enumerate(config.kinds)}
    docs = sorted(
        documents,
        key=lambda d: (rank.get(d.kind or "", len(rank)), id_order(d.id or ""), d.path or ""),
    )
    limit = stale_review_days(config)
    waits: list[ReviewWait] = []
    checklists: list[ChecklistProgress] = []
    risks: list[Risk] = []
    timelines: list[Timeline] = []
    for doc in docs:
        kind = config.kinds.get(doc.kind) if doc.kind else None
        wait = review_wait(doc, kind, today, limit) if kind is not None else None
        if wait is not None:
            waits.append(wait)
        progress = checklist_progress(doc)
        if progress is not None:
            checklists.append(progress)
        risks.extend(document_risks(doc))
        timeline = document_timeline(doc, today)
        if timeline is not None:
            timelines.append(timeline)
    risks.sort(key=lambda r: (-(r.score or 0), r.score is None, id_order(r.id or ""), r.line))
    return Report(
        book=config.name,
        today=today,
        stale_after_days=limit,
        documents=len(docs),
        counts=_counts(docs, config),
        in_review=tuple(waits),
        checklists=tuple(checklists),
        risks=tuple(risks),
        timelines=tuple(timelines),
        reviewers=_reviewer_loads(docs, config),
    )


def _counts(docs: Sequence[Document], config: BookConfig) -> tuple[KindCount, ...]:
    out: list[KindCount] = []
    names = list(config.kinds)
    names += sorted({d.kind or _UNKNOWN for d in docs} - set(names))
    for name in names:
        kind = config.kinds.get(name)
        mine = [d for d in docs if (d.kind or _UNKNOWN) == name]
        statuses = dict.fromkeys(kind.statuses if kind else (), 0)
        types = dict.fromkeys(kind.types if kind else (), 0)
        extra_status: dict[str, int] = {}
        extra_type: dict[str, int] = {}
        for d in mine:
            if d.status_canonical is not None and d.status_canonical in statuses:
                statuses[d.status_canonical] += 1
            else:
                key = _NONE if not (d.status or "").strip() else _UNKNOWN
                extra_status[key] = extra_status.get(key, 0) + 1
            written = (d.type or "").strip()
            canon = kind.canonical_type(written) if kind and written else None
            if canon is not None:
                types[canon] += 1
            else:
                key = written if written and not is_placeholder(written) else _NONE
                extra_type[key] = extra_type.get(key, 0) + 1
        statuses.update(sorted(extra_status.items()))
        types.update(sorted(extra_type.items()))
        out.append(KindCount(name, len(mine), statuses, types))
    return tuple(out)


def review_wait(doc: Document, kind: KindConfig, today: dt.date, limit: int) -> ReviewWait | None:
    """How long ``doc`` has been in ``kind``'s Review status, or ``None`` when it is not
    in Review or no date says since when. Counted as rule SB504 counts it."""
    found = in_review_since(doc, kind)
    if found is None:
        return None
    since, source = found
    days = (today - since).days
    return ReviewWait(doc.id, doc.kind, doc.title, doc.path, since, source, days, days > limit)


def _chain(
    sections: Sequence[Section], pos: int, starts: dict[int, list[int]] | None = None
) -> list[Section]:
    """The sections holding byte ``pos``, outermost first.

    Siblings are in source order and do not overlap, so each level is a binary search
    of its start offsets: ``starts`` keeps them (by ``id`` of the level) for the next
    call on the same document. (A linear scan of each level made a document of 18,000
    sections, each with a checklist, take minutes.)
    """
    if starts is None:
        starts = {}
    out: list[Section] = []
    level = sections
    while level:
        at = starts.get(id(level))
        if at is None:
            at = starts[id(level)] = [s.span.start for s in level]
        i = bisect_right(at, pos) - 1
        if i < 0 or pos >= level[i].span.end:
            return out
        hit = level[i]
        out.append(hit)
        level = hit.children
    return out


def _group(chain: list[Section], fallback: str | None) -> str:
    """The section an item counts under (see the module docstring)."""
    for s in reversed(chain):
        if "checklist" in norm_heading(s.template_name or s.title).split():
            return s.template_name or s.title
    for s in chain:
        if s.level >= 2:
            return s.template_name or s.title
    if chain:
        return chain[-1].template_name or chain[-1].title
    return fallback or "(no section)"


def checklist_progress(doc: Document) -> ChecklistProgress | None:
    """Checked/total checklist items of ``doc``, overall and per section, or ``None``
    when it has no checklist item that is more than a template prompt."""
    groups: dict[str, list[int]] = {}
    starts: dict[int, list[int]] = {}
    for item in doc.checklists:
        if _only_prompts(item.text) or is_placeholder(item.text):
            continue
        name = _group(_chain(doc.sections, item.span.start, starts), item.section)
        counts = groups.setdefault(name, [0, 0])
        counts[0] += item.checked
        counts[1] += 1
    if not groups:
        return None
    sections = tuple(SectionProgress(n, c[0], c[1]) for n, c in groups.items())
    return ChecklistProgress(
        doc.id,
        doc.kind,
        doc.title,
        doc.path,
        sum(s.done for s in sections),
        sum(s.total for s in sections),
        sections,
    )


def _level(text: str) -> str | None:
    return _LEVEL_KEYS.get(norm_key(text))


def _unfilled(text: str) -> bool:
    """An empty cell or one holding only a template prompt."""
    value = text.strip()
    if not value or is_placeholder(value) or MUSTACHE.search(value):
        return True
    return bool(PROMPT.search(value)) and not any(ch.isalnum() for ch in PROMPT.sub("", value))


def document_risks(doc: Document) -> list[Risk]:
    """The filled rows of ``doc``'s risk tables, scored (rows that are still the
    template's, such as ``| [Risk 1] | High/Med/Low | ...``, are left out)."""
    out: list[Risk] = []
    for table, _likely, _impact in risk_tables(doc):
        likely = _columns(table, ("probability", "likelihood"))
        impact = _columns(table, ("impact",))
        named = _columns(table, ("risk", "risks", "description", "risk description"))
        mitig = _columns(table, ("mitigation", "mitigations", "mitigation strategy", "response"))
        ri = named[0] if named else 0
        for row, row_span in zip(table.rows, table.row_spans, strict=False):
            risk = _text(row, ri)
            if _unfilled(risk):
                continue
            p = _text(row, likely[0]) if likely else ""
            i = _text(row, impact[0]) if impact else ""
            lp, li = _level(p), _level(i)
            out.append(
                Risk(
                    id=doc.id,
                    title=doc.title,
                    path=doc.path,
                    line=row_span.line,
                    risk=risk,
                    probability=lp or p,
                    impact=li or i,
                    mitigation=_filled(row, mitig),
                    score=LEVEL_SCORES[lp] * LEVEL_SCORES[li] if lp and li else None,
                )
            )
    return out


def _text(row: tuple[Cell, ...], i: int) -> str:
    cell = _cell(row, i)
    return cell.text.strip() if cell is not None else ""


def _filled(row: tuple[Cell, ...], columns: list[int]) -> str:
    """The text of the first of ``columns`` in ``row``, or "" when absent or unfilled."""
    text = _text(row, columns[0]) if columns else ""
    return "" if _unfilled(text) else text


def phase_overdue(end: str, status: str, today: dt.date) -> bool:
    """Whether a timeline phase ending on ``end`` (as written) with ``status`` is past
    its end on ``today`` and not done."""
    end_date = _date(end)
    return end_date is not None and end_date < today and norm_key(status) not in CLOSED_PHASES


def document_timeline(doc: Document, today: dt.date) -> Timeline | None:
    """The phases of ``doc``'s timeline tables (those rule SB605 reads: a Start Date and
    an End Date column), with the overdue ones marked; ``None`` when there are none.
    Rows that are still the template's (no date, no status) are left out."""
    phases: list[Phase] = []
    for table in doc.tables:
        starts = _columns(table, ("start date", "start", "starts", "begin", "begins"))
        ends = _columns(table, ("end date", "end", "ends", "finish", "finish date"))
        if not starts or not ends:
            continue
        label = _columns(table, ("phase", "milestone", "stage", "step", "task"))
        duration = _columns(table, ("duration", "effort", "estimate"))
        status = _columns(table, ("status", "state"))
        li = label[0] if label else 0
        for row, row_span in zip(table.rows, table.row_spans, strict=False):
            start, end = _text(row, starts[0]), _text(row, ends[0])
            state = _text(row, status[0]) if status else ""
            if _unfilled(start) and _unfilled(end) and _unfilled(state):
                continue
            phases.append(
                Phase(
                    phase=_text(row, li),
                    duration=_filled(row, duration),
                    start="" if _unfilled(start) else start,
                    end="" if _unfilled(end) else end,
                    status="" if _unfilled(state) else state,
                    overdue=phase_overdue(end, state, today),
                    line=row_span.line,
                )
            )
    if not phases:
        return None
    return Timeline(doc.id, doc.kind, doc.title, doc.path, tuple(phases))


def _names(value: str) -> list[str]:
    """The people a Reviewers field names (``None``, ``TBD`` and prompts name nobody)."""
    if is_placeholder(value) or norm_key(value) in _EXPLICIT_NONE:
        return []
    out = []
    for name in _NAME_SPLIT.split(value):
        name = name.strip().lstrip("@")
        if name and _person(name) not in _EXPLICIT_NONE and not PROMPT.search(name):
            out.append(name)
    return out


def _reviewer_loads(docs: Sequence[Document], config: BookConfig) -> tuple[ReviewerLoad, ...]:
    shown: dict[str, str] = {}
    reviews: dict[str, int] = {}
    approvals: dict[str, int] = {}
    reviewed: dict[str, list[str]] = {}
    pending: dict[str, list[str]] = {}

    def person(name: str) -> str:
        key = _person(name)
        shown.setdefault(key, name.strip().lstrip("@"))
        return key

    for doc in docs:
        kind = config.kinds.get(doc.kind) if doc.kind else None
        author_raw = doc.metadata.get("author") or doc.value("author") or ""
        author = "" if is_placeholder(author_raw) else _person(author_raw)
        label = doc.id or doc.path or doc.title
        for entry in doc.review_history:
            if is_placeholder(entry.date) or is_placeholder(entry.reviewer):
                continue
            if not _person(entry.reviewer) or _person(entry.reviewer) == author:
                continue
            who = person(entry.reviewer)
            reviews[who] = reviews.get(who, 0) + 1
            if kind is not None and kind.is_approval(entry.status):
                approvals[who] = approvals.get(who, 0) + 1
            seen = reviewed.setdefault(who, [])
            if label not in seen:
                seen.append(label)
        review = _review_word(kind) if kind is not None else None
        if review is None or doc.status_canonical != review:
            continue
        for name in _names(doc.metadata.get("reviewers") or doc.value("reviewers") or ""):
            if _person(name) == author:
                continue
            who = person(name)
            waiting = pending.setdefault(who, [])
            if label not in waiting:
                waiting.append(label)
    loads = [
        ReviewerLoad(
            name=shown[key],
            reviews=reviews.get(key, 0),
            approvals=approvals.get(key, 0),
            reviewed=tuple(reviewed.get(key, ())),
            pending=tuple(pending.get(key, ())),
        )
        for key in shown
    ]
    loads.sort(key=lambda r: (-len(r.pending), -r.reviews, r.name.casefold()))
    return tuple(loads)


# --- output ---------------------------------------------------------------------------


def report_json(report: Report) -> dict[str, Any]:
    """The report as the stable JSON object ``specbook report --format json`` prints.

    ``{"version": 1, "book", "today", "stale_after_days", "documents",
    "counts": [{kind, total, statuses: {status: n}, types: {type: n}}],
    "in_review": [{id, kind, title, path, since, since_source, days, stale}],
    "checklists": [{id, kind, title, path, done, total, sections: [{section, done,
    total}]}], "risks": [{id, title, path, line, risk, probability, impact, mitigation,
    score}], "timelines": [{id, kind, title, path, phases: [{phase, duration, start, end,
    status, overdue, line}]}], "reviewers": [{name, reviews, approvals, reviewed,
    pending}], "summary": {stale_reviews, overdue_phases, risks, checklist_done,
    checklist_total}}``. Dates are ISO strings; ``score`` is null for a risk whose
    levels are not High/Med/Low.
    """
    return {
        "version": REPORT_VERSION,
        "book": report.book,
        "today": report.today.isoformat(),
        "stale_after_days": report.stale_after_days,
        "documents": report.documents,
        "counts": [
            {"kind": c.kind, "total": c.total, "statuses": c.statuses, "types": c.types}
            for c in report.counts
        ],
        "in_review": [
            {
                "id": w.id,
                "kind": w.kind,
                "title": w.title,
                "path": w.path,
                "since": w.since.isoformat(),
                "since_source": w.since_source,
                "days": w.days,
                "stale": w.stale,
            }
            for w in report.in_review
        ],
        "checklists": [
            {
                "id": c.id,
                "kind": c.kind,
                "title": c.title,
                "path": c.path,
                "done": c.done,
                "total": c.total,
                "sections": [
                    {"section": s.section, "done": s.done, "total": s.total} for s in c.sections
                ],
            }
            for c in report.checklists
        ],
        "risks": [
            {
                "id": r.id,
                "title": r.title,
                "path": r.path,
                "line": r.line,
                "risk": r.risk,
                "probability": r.probability,
                "impact": r.impact,
                "mitigation": r.mitigation,
                "score": r.score,
            }
            for r in report.risks
        ],
        "timelines": [
            {
                "id": t.id,
                "kind": t.kind,
                "title": t.title,
                "path": t.path,
                "phases": [
                    {
                        "phase": p.phase,
                        "duration": p.duration,
                        "start": p.start,
                        "end": p.end,
                        "status": p.status,
                        "overdue": p.overdue,
                        "line": p.line,
                    }
                    for p in t.phases
                ],
            }
            for t in report.timelines
        ],
        "reviewers": [
            {
                "name": r.name,
                "reviews": r.reviews,
                "approvals": r.approvals,
                "reviewed": list(r.reviewed),
                "pending": list(r.pending),
            }
            for r in report.reviewers
        ],
        "summary": _summary(report),
    }


def _summary(report: Report) -> dict[str, int]:
    return {
        "stale_reviews": len(report.stale),
        "overdue_phases": len(report.overdue),
        "risks": len(report.risks),
        "checklist_done": sum(c.done for c in report.checklists),
        "checklist_total": sum(c.total for c in report.checklists),
    }


def _percent(done: int, total: int) -> str:
    return f"{100 * done // total}%" if total else "-"


def _nonzero(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "-"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _columns_text(
    headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  "
) -> list[str]:
    """Rows aligned under their headers, for a terminal."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = []
    for row in (headers, *rows):
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _label(doc_id: str | None, path: str | None) -> str:
    return doc_id or path or "?"


def render_text(report: Report) -> str:
    """The report for a terminal: one titled block per part, columns aligned."""
    s = _summary(report)
    out = [
        f"Report for {report.book} on {report.today.isoformat()}",
        f"{report.documents} documents; {s['stale_reviews']} stale in review; "
        f"{s['overdue_phases']} overdue phases; {s['risks']} risks; checklists "
        f"{s['checklist_done']}/{s['checklist_total']} done",
        "",
        "Documents",
    ]
    out += _columns_text(
        ("kind", "total", "by status", "by type"),
        [(c.kind, str(c.total), _nonzero(c.statuses), _nonzero(c.types)) for c in report.counts],
    )
    out += ["", f"In review (stale after {report.stale_after_days} days)"]
    if report.in_review:
        out += _columns_text(
            ("id", "days", "since", "counted from", "", "title"),
            [
                (
                    _label(w.id, w.path),
                    str(w.days),
                    w.since.isoformat(),
                    w.since_source,
                    "STALE" if w.stale else "",
                    w.title,
                )
                for w in report.in_review
            ],
        )
    else:
        out.append("  none")
    out += ["", "Checklists"]
    if report.checklists:
        for c in report.checklists:
            out.append(
                f"  {_label(c.id, c.path)}  {c.done}/{c.total} ({_percent(c.done, c.total)})"
                f"  {c.title}"
            )
            out += _columns_text(
                ("section", "done", ""),
                [(x.section, f"{x.done}/{x.total}", _percent(x.done, x.total)) for x in c.sections],
                indent="      ",
            )[1:]
    else:
        out.append("  none")
    out += ["", "Risk register (score = probability x impact, High 3, Med 2, Low 1)"]
    if report.risks:
        out += _columns_text(
            ("score", "probability", "impact", "id", "risk", "mitigation"),
            [
                (
                    "-" if r.score is None else str(r.score),
                    r.probability,
                    r.impact,
                    _label(r.id, r.path),
                    _short(r.risk, 50),
                    _short(r.mitigation, 60),
                )
                for r in report.risks
            ],
        )
    else:
        out.append("  none")
    out += ["", "Timeline"]
    if report.timelines:
        for t in report.timelines:
            out.append(f"  {_label(t.id, t.path)}  {t.title}")
            out += _columns_text(
                ("phase", "duration", "start", "end", "status", ""),
                [
                    (p.phase, p.duration, p.start, p.end, p.status, "OVERDUE" if p.overdue else "")
                    for p in t.phases
                ],
                indent="      ",
            )[1:]
    else:
        out.append("  none")
    out += ["", "Review load (reviews written; documents in review naming them)"]
    if report.reviewers:
        out += _columns_text(
            ("reviewer", "reviews", "approvals", "pending"),
            [
                (r.name, str(r.reviews), str(r.approvals), ", ".join(r.pending) or "-")
                for r in report.reviewers
            ],
        )
    else:
        out.append("  none")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|") or " "


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out


def render_markdown(report: Report) -> str:
    """The report as a Markdown page (GitHub-flavoured tables), ready for a wiki."""
    s = _summary(report)
    out = [
        f"# Report: {report.book}",
        "",
        f"As of {report.today.isoformat()}: {report.documents} documents, "
        f"{s['stale_reviews']} stale in review, {s['overdue_phases']} overdue phases, "
        f"{s['risks']} risks, checklists {s['checklist_done']}/{s['checklist_total']} done.",
        "",
        "## Documents",
        "",
    ]
    out += _md_table(
        ("Kind", "Total", "By status", "By type"),
        [(c.kind, str(c.total), _nonzero(c.statuses), _nonzero(c.types)) for c in report.counts],
    )
    out += ["", "## In review", "", f"Stale after {report.stale_after_days} days.", ""]
    if report.in_review:
        out += _md_table(
            ("ID", "Title", "Since", "Counted from", "Days", "Stale"),
            [
                (
                    _label(w.id, w.path),
                    w.title,
                    w.since.isoformat(),
                    w.since_source,
                    str(w.days),
                    "**stale**" if w.stale else "no",
                )
                for w in report.in_review
            ],
        )
    else:
        out.append("No document is in review.")
    out += ["", "## Checklists", ""]
    if report.checklists:
        out += _md_table(
            ("ID", "Title", "Section", "Done", "Total", "%"),
            [
                row
                for c in report.checklists
                for row in [
                    (
                        _label(c.id, c.path),
                        c.title,
                        "**all**",
                        str(c.done),
                        str(c.total),
                        _percent(c.done, c.total),
                    ),
                    *[
                        ("", "", x.section, str(x.done), str(x.total), _percent(x.done, x.total))
                        for x in c.sections
                    ],
                ]
            ],
        )
    else:
        out.append("No checklists.")
    out += ["", "## Risk register", "", "Score = probability × impact (High 3, Med 2, Low 1).", ""]
    if report.risks:
        out += _md_table(
            ("Score", "ID", "Risk", "Probability", "Impact", "Mitigation"),
            [
                (
                    "-" if r.score is None else str(r.score),
                    _label(r.id, r.path),
                    r.risk,
                    r.probability,
                    r.impact,
                    r.mitigation,
                )
                for r in report.risks
            ],
        )
    else:
        out.append("No risks recorded.")
    out += ["", "## Timeline", ""]
    if report.timelines:
        out += _md_table(
            ("ID", "Phase", "Duration", "Start", "End", "Status", "Overdue"),
            [
                (
                    _label(t.id, t.path),
                    p.phase,
                    p.duration,
                    p.start,
                    p.end,
                    p.status,
                    "**overdue**" if p.overdue else "",
                )
                for t in report.timelines
                for p in t.phases
            ],
        )
    else:
        out.append("No timelines.")
    out += ["", "## Review load", ""]
    if report.reviewers:
        out += _md_table(
            ("Reviewer", "Reviews", "Approvals", "Pending"),
            [
                (r.name, str(r.reviews), str(r.approvals), ", ".join(r.pending) or "-")
                for r in report.reviewers
            ],
        )
    else:
        out.append("No reviews recorded.")
    return "\n".join(out) + "\n"
