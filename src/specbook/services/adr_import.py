"""``specbook adopt --import-adr DIR``: adr-tools and MADR decision records as DEC documents.

Each record becomes a new file in the book's DEC folder, with the next free DEC ID
(taken under the same book lock and exclusive create as ``specbook new``), laid out
as the built-in DEC template with the record's content in its sections. The
originals are only read. Links between the imported records (``Superseded by
[2. …](0002-….md)``) become the new DEC IDs, so supersede links stay symmetric.

Formats, as their tools write them:

* adr-tools: ``# 1. Title``, ``Date: …``, ``## Status`` (``Accepted``, ``Superseded by
  [2. …](0002-….md)``, ``Supersedes …``), ``## Context``, ``## Decision``,
  ``## Consequences``.
* MADR (2.x to 4.x): ``status:``/``date:``/``deciders:`` (or ``decision-makers:``)
  front matter or ``* Status: …`` lines, ``## Context and Problem Statement``,
  ``## Decision Drivers``, ``## Considered Options``, ``## Decision Outcome`` with
  ``Chosen option: "…", because …`` and ``### Consequences`` (``Good, because …`` /
  ``Bad, because …``), ``## Pros and Cons of the Options``, ``## More Information``.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from specbook.book import Book
from specbook.core.config import KindConfig
from specbook.core.confine import is_utf8, real_root, shown, within
from specbook.core.errors import SpecbookError, UsageError
from specbook.core.text import norm_heading, norm_key, slugify

NOT_RECORDED = "Not recorded in the original decision record."
_NUMBER = re.compile(r"^(\d+)[-_]")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_RELATION = re.compile(r"^\s*(superseded by|supersedes)\b", re.IGNORECASE)
_PREAMBLE_FIELD = re.compile(r"^\s*(?:[*-]\s+)?([A-Za-z][A-Za-z -]*?)\s*:\s*(.+?)\s*$")
_CHOSEN = re.compile(r'chosen option:\s*"?([^",\n]+)"?\s*,?\s*(.*)', re.IGNORECASE | re.DOTALL)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SKIP_NAMES = {"readme", "index", "template", "adr template", "madr template"}


@dataclass
class DecisionRecord:
    """One adr-tools or MADR record, read; ``source`` is its path."""

    source: Path
    format: str
    number: int | None
    title: str
    date: str | None
    status: str
    deciders: str | None
    sections: dict[str, str] = field(default_factory=dict)  # normalized title -> body
    subsections: dict[str, dict[str, str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # level-2 titles as written
    supersedes: list[str] = field(default_factory=list)  # file names
    superseded_by: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportedDecision:
    source: Path
    doc_id: str
    path: Path


def read_record(path: Path) -> DecisionRecord:
    """Read one decision record. Raises :class:`UsageError` when it cannot be read."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the decision record ({exc.strerror})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta: dict[str, object] = {}
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            try:
                loaded = yaml.safe_load(text[4:end])
            except yaml.YAMLError:
                loaded = None
            if isinstance(loaded, dict):
                meta = {str(k).lower(): v for k, v in loaded.items()}
            text = text[end + 4 :].split("\n", 1)[1] if "\n" in text[end + 4 :] else ""
    title = ""
    preamble: list[str] = []
    level2: list[tuple[str, list[str]]] = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        if m and len(m.group(1)) == 1 and not title:
            title = m.group(2)
            continue
        if m and len(m.group(1)) == 2:
            level2.append((m.group(2), []))
            continue
        (level2[-1][1] if level2 else preamble).append(line)
    number_m = _NUMBER.match(path.name)
    number = int(number_m.group(1)) if number_m else None
    title_m = re.match(r"^\d+\.\s+(.*)$", title)
    if title_m:
        title = title_m.group(1)
    fields: dict[str, str] = {}
    for line in preamble:
        fm = _PREAMBLE_FIELD.match(line)
        if fm:
            fields.setdefault(norm_key(fm.group(1)), fm.group(2).strip())
    rec = DecisionRecord(
        source=path,
        format="adr-tools",
        number=number,
        title=title.strip() or path.stem,
        date=None,
        status="",
        deciders=None,
    )
    for name, body in level2:
        key = norm_heading(name)
        rec.order.append(name)
        main: list[str] = []
        subs: dict[str, list[str]] = {}
        current: list[str] = main
        for line in body:
            m = _HEADING.match(line)
            if m and len(m.group(1)) == 3:
                current = subs.setdefault(m.group(2), [])
                continue
            current.append(line)
        rec.sections[key] = "\n".join(main).strip()
        rec.subsections[key] = {k: "\n".join(v).strip() for k, v in subs.items()}
    status_body = rec.sections.get("status", "")
    status_lines = [ln.strip() for ln in status_body.split("\n") if ln.strip()]
    madr = bool(meta.get("status")) or "decision outcome" in rec.sections
    rec.format = "MADR" if madr else "adr-tools"
    raw_status = str(meta.get("status") or fields.get("status") or "")
    if not raw_status and status_lines:
        raw_status = status_lines[0]
    for line in [*status_lines, raw_status]:
        rm = _RELATION.match(line)
        if rm is None:
            continue
        targets = [os.path.basename(u) for _, u in _LINK.findall(line)]
        bucket = rec.superseded_by if rm.group(1).lower() == "superseded by" else rec.supersedes
        bucket.extend(t for t in targets if t not in bucket)
    rec.status = _LINK.sub(r"\1", raw_status).strip()
    date = meta.get("date") or fields.get("date")
    rec.date = str(date).strip() if date else None
    deciders = meta.get("deciders") or meta.get("decision-makers") or fields.get("deciders")
    if isinstance(deciders, list):
        deciders = ", ".join(str(d) for d in deciders)
    rec.deciders = str(deciders).strip() if deciders and not _is_prompt(str(deciders)) else None
    return rec


def _is_prompt(text: str) -> bool:
    t = text.strip()
    return (t.startswith("{") and t.endswith("}")) or (t.startswith("[") and t.endswith("]"))


def find_records(
    folder: Path, book_root: str | None = None, warn: Callable[[str], None] | None = None
) -> list[Path]:
    """The decision records in ``folder`` (Markdown files, not README/index/template),
    in record-number order.

    A record is a file of ``folder`` itself: a symbolic link is followed only when its
    real path lies in ``folder`` or in the book at ``book_root`` (a real path); one
    leading elsewhere, a loop of links and a name that is not UTF-8 are left out, and
    ``warn`` is told of each (a committed ``0002-x.md -> ~/.ssh/id_rsa`` would
    otherwise be copied into the book).
    """
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give the folder holding the ADR files")
    real_folder = real_root(folder)
    out = []
    for p in folder.iterdir():
        if p.suffix.lower() not in (".md", ".markdown") or norm_key(p.stem) in _SKIP_NAMES:
            continue
        why = None
        if not is_utf8(p.name):
            why = "the file name is not valid UTF-8 (its bytes shown as \\xNN); not imported"
        elif p.is_symlink():
            real = os.path.realpath(p)
            if _loops(p):
                why = "a symbolic link that leads round in a loop; not imported"
            elif p.exists() and not (
                within(real, real_folder) or (book_root is not None and within(real, book_root))
            ):
                why = (
                    f"a symbolic link to {shown(real)}, outside {folder} and the book; not imported"
                )
        if why is not None:
            if warn is not None:
                warn(f"{shown(str(p))}: {why}")
            continue
        if p.is_file():
            out.append(p)

    def order(p: Path) -> tuple[int, str]:
        m = _NUMBER.match(p.name)
        return (int(m.group(1)) if m else 1 << 30, p.name)

    out.sort(key=order)
    if not out:
        raise UsageError(f"{folder}: no decision records (Markdown files) found there")
    return out


def _loops(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


# -- rendering ------------------------------------------------------------------------
def _demote(text: str, below: int = 3) -> str:
    """Headings inside a moved body sit below the DEC section they land in."""
    lines = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        if m and len(m.group(1)) <= below:
            line = "#" * (below + 1) + " " + m.group(2)
        lines.append(line)
    return "\n".join(lines)


def _bullets(text: str) -> list[str]:
    return [
        re.sub(r"^\s*[*+-]\s+", "", ln).strip()
        for ln in text.split("\n")
        if re.match(r"^\s*[*+-]\s+", ln)
    ]


class _Renderer:
    def __init__(
        self,
        book: Book,
        kind: KindConfig,
        rec: DecisionRecord,
        doc_id: str,
        ids: dict[str, str],
        target: Path,
        today: dt.date,
    ) -> None:
        self.book, self.kind, self.rec = book, kind, rec
        self.doc_id, self.ids, self.target, self.today = doc_id, ids, target, today

    def text(self, body: str) -> str:
        """``body`` with links to imported records as DEC IDs and relative links re-aimed."""
        src_dir = self.rec.source.parent

        def fix(m: re.Match[str]) -> str:
            label, url = m.group(1), m.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", url, re.IGNORECASE):
                return m.group(0)
            path, _, anchor = url.partition("#")
            name = os.path.basename(path)
            if name in self.ids:
                return f"{self.ids[name]} ({label})" if label else self.ids[name]
            moved = os.path.relpath((src_dir / path).resolve(), self.target.parent.resolve())
            return f"[{label}]({moved}{'#' + anchor if anchor else ''})"

        return _demote(_LINK.sub(fix, body)).strip()

    def status(self) -> tuple[str, str | None]:
        raw = self.rec.status
        kind = self.kind
        hit = kind.canonical_status(raw) if raw else None
        if hit is None and raw.lower().startswith("superseded"):
            hit = kind.canonical_status("Superseded")
        if hit is None:
            first = kind.statuses[0]
            note = f"The original status was {raw!r}; it was imported as {first}."
            return first, note if raw else None
        return hit, None

    def render(self) -> str:
        rec = self.rec
        secs, subs = rec.sections, rec.subsections
        status, status_note = self.status()
        date = rec.date if rec.date and _ISO.match(rec.date) else self.today.isoformat()
        today = self.today.isoformat()
        madr = rec.format == "MADR"
        context = secs.get("context and problem statement") or secs.get("context") or ""
        decision = secs.get("decision outcome") or secs.get("decision") or ""
        chosen, rationale = decision, ""
        cm = _CHOSEN.match(decision) if madr else None
        if cm:
            chosen = cm.group(1).strip()
            rationale = re.sub(r"^because\s*", "", cm.group(2).strip(), flags=re.I)
        outcome_subs = subs.get("decision outcome", {})
        consequences = secs.get("consequences", "")
        good: list[str] = []
        bad: list[str] = []
        for name, body in outcome_subs.items():
            key = norm_heading(name)
            if key in ("positive consequences",):
                good += _bullets(body)
            elif key in ("negative consequences",):
                bad += _bullets(body)
            elif key == "consequences":
                consequences = body
        for item in _bullets(consequences):
            low = item.lower()
            if low.startswith("good"):
                good.append(item)
            elif low.startswith("bad"):
                bad.append(item)
        drivers = secs.get("decision drivers", "")
        options = _bullets(secs.get("considered options", ""))
        pros_cons = subs.get("pros and cons of the options", {})

        related = ["- Related Specs: None", "- Related Bugs: None", "- Related Tasks: None"]
        for name in rec.supersedes:
            if name in self.ids:
                related.append(f"- Supersedes: {self.ids[name]}")
        for name in rec.superseded_by:
            if name in self.ids:
                related.append(f"- Superseded by: {self.ids[name]}")
        source_rel = self.book.rel(rec.source)

        opt_lines: list[str] = []
        for i, opt in enumerate(options, 1):
            name = _LINK.sub(r"\1", opt).strip().strip('"')
            detail = next((b for t, b in pros_cons.items() if norm_key(t) == norm_key(name)), "")
            pros = [b for b in _bullets(detail) if b.lower().startswith("good")]
            cons = [b for b in _bullets(detail) if b.lower().startswith("bad")]
            desc = "\n".join(ln for ln in detail.split("\n") if not re.match(r"^\s*[*+-]\s", ln))
            opt_lines += [
                f"### Option {i}: {name}",
                f"**Description**: {self.text(desc).strip() or name}",
                f"**Pros**: {'; '.join(pros) or 'Not recorded.'}",
                f"**Cons**: {'; '.join(cons) or 'Not recorded.'}",
                "",
            ]
        if not opt_lines:
            opt_lines = [
                "The original decision record lists no alternatives; the chosen course is "
                "under Decision.",
                "",
            ]

        def items(values: list[str], fallback: str) -> list[str]:
            return [f"- {self.text(v)}" for v in values] or [f"- {fallback}"]

        sep = ["", "---", ""]
        summary = rec.title if rec.title.endswith(".") else rec.title + "."
        cons_text = self.text(consequences)
        split_note = (
            "Not separated in the original record; see above." if cons_text else NOT_RECORDED
        )
        notes = [
            f"Imported from `{source_rel}` ({rec.format} format) by `specbook adopt "
            f"--import-adr` on {today}; the original file is unchanged."
        ]
        if status_note:
            notes.append(status_note)
        mapped = {
            "status",
            "context",
            "context and problem statement",
            "decision",
            "decision outcome",
            "consequences",
            "decision drivers",
            "considered options",
            "pros and cons of the options",
        }
        for name in rec.order:
            key = norm_heading(name)
            if key in mapped or not secs.get(key):
                continue
            notes += ["", f"### {name}", self.text(secs[key])]
        who = rec.deciders or "Original record"
        lines = [
            f"# Decision Record: {rec.title}",
            "",
            f"**ID**: {self.doc_id}",
            f"**Date**: {date}",
            f"**Status**: {status}",
            "**Type**: Architecture",
            *sep,
            "## Summary",
            "",
            summary,
            *sep,
            "## Context",
            "",
            "### Background",
            self.text(context) or NOT_RECORDED,
            "",
            "### Related Work",
            *related,
            *sep,
            "## Decision Drivers",
            "",
            self.text(drivers) or f"- {NOT_RECORDED}",
            *sep,
            "## Considered Options",
            "",
            *opt_lines[:-1],
            *sep,
            "## Decision",
            "",
            "### Chosen Option",
            self.text(chosen) or NOT_RECORDED,
            "",
            "### Rationale",
            self.text(rationale) or "Not given separately in the original record; see Context.",
            *sep,
            "## Consequences",
            "",
            *([cons_text, ""] if cons_text and not (good or bad) else []),
            "### Positive",
            *items(good, split_note if not (good or bad) else NOT_RECORDED),
            "",
            "### Negative",
            *items(bad, split_note if not (good or bad) else NOT_RECORDED),
            "",
            "### Follow-up Actions",
            "- None recorded in the original decision record.",
            *sep,
            "## Review History",
            "",
            "| Date | Reviewer | Status | Feedback |",
            "|------|----------|--------|----------|",
            f"| {date} | {who} | {status} | Imported from `{source_rel}` |",
            *sep,
            "## Metadata",
            "",
            f"- **Created**: {date}",
            f"- **Modified**: {max(date, today)}",
            "- **Author**: Not recorded",
            "- **Reviewers**: None",
            f"- **Approvers**: {rec.deciders or 'None'}",
            "- **Tags**: adr, imported",
            *sep,
            "## Notes",
            "",
            *notes,
        ]
        return "\n".join(lines).rstrip() + "\n"


def import_records(
    book: Book, folder: Path, dry_run: bool = False, today: dt.date | None = None
) -> list[ImportedDecision]:
    """Create one DEC document per decision record in ``folder``; returns what was (or,
    with ``dry_run``, would be) created. Originals are never written.

    Raises :class:`UsageError` when the folder holds no records or the book has no
    DEC kind, and :class:`SpecbookError` when a target file appears while importing.
    """
    from specbook.core.clock import today as _today
    from specbook.edit.atomic import create_new, inside_book
    from specbook.edit.lock import book_lock

    day = today or _today()
    kind = book.kind("DEC")
    records = [read_record(p) for p in find_records(folder, book.real_root, book.warn)]
    dest = book.root / kind.folder
    with book_lock(book):
        number = max(book.used_numbers(kind), default=0)
        plan: list[tuple[DecisionRecord, str, Path]] = []
        for rec in records:
            while True:
                number += 1
                doc_id = f"{kind.prefix}-{number:0{kind.digits}d}"
                path = dest / f"{doc_id}-{slugify(rec.title)}.md"
                if not path.exists():
                    break
            plan.append((rec, doc_id, path))
        ids = {rec.source.name: doc_id for rec, doc_id, _ in plan}
        out = [ImportedDecision(rec.source, doc_id, path) for rec, doc_id, path in plan]
        if dry_run:
            return out
        inside_book(dest, book.root)
        dest.mkdir(parents=True, exist_ok=True)
        created: list[Path] = []
        try:
            for rec, doc_id, path in plan:
                text = _Renderer(book, kind, rec, doc_id, ids, path, day).render()
                create_new(path, text.encode("utf-8"), root=book.root)
                created.append(path)
        except FileExistsError as exc:
            for p in created:
                p.unlink(missing_ok=True)
            raise SpecbookError(
                f"{exc.filename or 'a target file'}: appeared while importing; nothing was "
                "imported, run the command again"
            ) from exc
    return out
