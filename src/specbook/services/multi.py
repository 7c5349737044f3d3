"""Moves that change several files at once, all or nothing: ``supersede`` and ``renumber``.

Both compute every file's new bytes first, each verified by parsing it again, and only
then write, all of them or none, through :func:`specbook.edit.commit.commit`.

``supersede OLD NEW``
    OLD moves to its kind's archived status (SPEC: Archived, DEC: Superseded) with one
    Review History row whose note is ``Superseded by NEW`` (plus ``--note``) and its
    Modified date; NEW gets its Modified date. The link itself is one sentence in each
    document's ``## Notes`` section, the last section of every built-in template:
    ``Superseded by NEW.`` in OLD and ``Supersedes OLD.`` in NEW, each its own paragraph
    after the section's last line; a document without a level-2 Notes section gets one
    at its end. One sentence per link, so a document that supersedes several says so once
    for each, and both the parser (a reference) and lint rule SB402 see every one. The
    workflow's gates do not apply: superseding is its own move.

``renumber``
    After a merge left two (or more) documents with one ID, the oldest keeps it and each
    newer one gets the next free ID of its kind. A document's age is when it was first
    added to git (``git log --diff-filter=A``), or its file modification time when the
    book is not in git or the file is not committed. The renumbered file is renamed (the
    ID part of its name) and these references are rewritten, nothing else:

    1. in the renumbered document: its ID field(s) (every header place; the title's
       leading ID when it has no ID field) and every mention of the old ID the parser
       counts as a reference, ``OLD/FR-n`` included (there it can only mean itself);
    2. in the document that keeps the ID: nothing;
    3. in every other document, a reference means
       a. the duplicate that has the requirement it names (``SPEC-004/FR-3``), when
          exactly one of them has it; else
       b. the newest duplicate that already existed when the referencing document was
          added (same clock): a document added after the newer duplicate was written
          knowing it. When no duplicate existed yet, or two tie, the reference is left.

    References in code blocks and HTML blocks are not references and are never touched.
    Every reference left as it is is listed in the plan, so a reviewer can check them;
    ``--dry-run`` prints the plan and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specbook.book import Book
from specbook.core.clock import today
from specbook.core.config import BookConfig, KindConfig
from specbook.core.errors import SpecbookError, UsageError
from specbook.core.gitrun import GitFailed, git
from specbook.core.model import Document, Reference, Section
from specbook.core.workflow import workflow_for
from specbook.edit.atomic import (
    ChangedOnDisk,
)
from specbook.edit.commit import FileChange, commit
from specbook.edit.document import DocumentEdit, EditRefused, newline_of
from specbook.edit.lock import book_lock
from specbook.edit.patch import Patch, apply_patches
from specbook.lint.facts import facts_of
from specbook.parse import parse
from specbook.services.lifecycle import who_is

# ---------------------------------------------------------------------------------------
# supersede
# ---------------------------------------------------------------------------------------


class SupersedeRefused(SpecbookError):
    """Raised when OLD cannot be superseded by NEW (exit 1); nothing is written."""


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")
_BREAK = re.compile(rb"^[ \t]*(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")


def _notes_section(doc: Document) -> Section | None:
    for s in doc.all_sections():
        if s.level <= 2 and (s.template_name or s.title).strip().casefold() == "notes":
            return s
    return None


def _last_content_end(data: bytes, section: Section) -> int:
    """Offset just after the last line of ``section`` that is neither blank nor a
    thematic break (``---``), or after its heading when it has no such line."""
    end = section.heading.end
    pos = section.heading.end
    while pos < section.span.end:
        m = _LINE.match(data, pos, section.span.end)
        if m is None or m.end() == pos:
            break
        line = m.group(0).rstrip(b"\r\n")
        if line.strip() and not _BREAK.match(line):
            end = m.end()
        pos = m.end()
    return end


def with_note_sentence(data: bytes, rel: str, config: BookConfig, sentence: str) -> bytes:
    """``data`` with ``sentence`` added as its own paragraph at the end of the level-2
    Notes section, or in a new ``## Notes`` section at the end of the file when there is
    none. Every other byte is kept; the result is parsed again and checked.

    Raises :class:`EditRefused` when the result would read differently elsewhere.
    """
    doc = parse(data, rel, config)
    notes = _notes_section(doc)
    text = sentence.encode("utf-8")
    if notes is not None:
        at = _last_content_end(data, notes)
        nl = newline_of(data, notes.heading.start)
        if at > 0 and data[at - 1 : at] in (b"\n", b"\r"):
            patch = Patch(at, at, nl + text + nl)
        else:  # the last line ends the file with no newline
            patch = Patch(at, at, nl + nl + text)
    else:
        nl = newline_of(data)
        lead = b"" if not data or data.endswith((b"\n", b"\r")) else nl
        patch = Patch(len(data), len(data), lead + nl + b"## Notes" + nl + nl + text + nl)
    new = apply_patches(data, [patch])
    after = parse(new, rel, config)
    problems = []
    if [(f.key, f.value) for f in after.fields] != [(f.key, f.value) for f in doc.fields]:
        problems.append("fields changed")
    if [(e.date, e.reviewer, e.status, e.feedback) for e in after.review_history] != [
        (e.date, e.reviewer, e.status, e.feedback) for e in doc.review_history
    ]:
        problems.append("Review History changed")
    made = [] if notes is not None else ["Notes"]
    if [s.title for s in after.all_sections()] != [s.title for s in doc.all_sections()] + made:
        problems.append("sections changed")
    if len(after.checklists) != len(doc.checklists):
        problems.append("checklists changed")
    if problems:
        raise EditRefused(
            f"{rel}: adding {sentence!r} would not come out as intended: "
            + "; ".join(problems)
            + "; nothing was written"
        )
    return new


_ID = re.compile(r"(?:[A-Z][A-Z0-9]*-)+\d+")


def _links(doc: Document) -> tuple[set[str], set[str]]:
    """(IDs ``doc`` says it is superseded by, IDs it says it supersedes): in its text
    (``Superseded by X.``, ``status: superseded by X``) and in its header fields
    (``superseded_by: X``, ``supersedes: [X, Y]`` in front matter or a sidecar)."""
    f = facts_of(doc)
    by, sup = {t for t, _, _ in f.superseded_by}, {t for t, _, _ in f.supersedes}
    for fld in doc.fields:
        if fld.section not in (None, "Metadata"):
            continue
        if fld.key == "superseded_by":
            by.update(_ID.findall(fld.value))
        elif fld.key == "supersedes":
            sup.update(_ID.findall(fld.value))
    return by, sup


def _link_field(edit: DocumentEdit, key: str, doc_id: str) -> bool:
    """Record relation ``key`` (``superseded_by``/``supersedes``) to ``doc_id`` in the
    document's own form, when it has one: the field it already has (front-matter
    scalar or list, sidecar, bold line), else a new key in its front matter or
    sidecar, else a bold header line like its others. Returns False for a document
    that keeps none of these and follows specbook's template (it has a level-2 Notes
    or the Metadata section): the caller writes the Notes sentence there."""
    doc = edit.doc
    has_field = bool(edit.header_fields(key))
    keeps_yaml = any(f.source in ("front_matter", "sidecar") for f in doc.fields)
    template = _notes_section(doc) is not None or doc.section("Metadata") is not None
    if not has_field and not keeps_yaml and template:
        return False
    edit.add_to_list(key, doc_id)
    return True


def _check_pair(book: Book, old: Document, new: Document) -> KindConfig:
    if old.path == new.path:
        raise UsageError(f"{old.id or old.path}: a document cannot supersede itself")
    for d in (old, new):
        if not d.id:
            raise SupersedeRefused(f"{d.path}: the document has no ID; give it one first")
    if old.id == new.id:
        raise SupersedeRefused(
            f"{old.path} and {new.path} both carry the ID {old.id}; run `specbook renumber` first"
        )
    if old.kind != new.kind:
        raise SupersedeRefused(
            f"{old.id} is a {old.kind or 'document of no known kind'} and {new.id} a "
            f"{new.kind or 'document of no known kind'}: a document is superseded by one of "
            "its own kind (a DEC by a DEC, a SPEC by a SPEC)"
        )
    kind = book.config.kinds.get(old.kind or "")
    if kind is None:
        raise UsageError(f"{old.id}: its kind is unknown, so it has no workflow")
    archived = workflow_for(kind).archived
    if archived is None:
        raise SupersedeRefused(
            f"the {kind.name} workflow has no archived status ({', '.join(kind.statuses)}), "
            "so nothing can be superseded there"
        )
    old_by, old_sup = _links(old)
    new_by, _ = _links(new)
    others = sorted(old_by - {new.id})
    if others:
        raise SupersedeRefused(
            f"{old.id} is already superseded by {', '.join(others)}; "
            f"to supersede that one too, run `specbook supersede {others[0]} {new.id}`"
        )
    if new.id in old_sup or old.id in new_by:
        raise SupersedeRefused(
            f"{old.id} already supersedes {new.id}, so {new.id} cannot supersede it"
        )
    if new_by:
        raise SupersedeRefused(
            f"{new.id} is itself superseded by {', '.join(sorted(new_by))}; supersede "
            f"{old.id} by the current document"
        )
    if new.status_canonical == archived:
        raise SupersedeRefused(
            f"{new.id} is {archived} itself; supersede {old.id} by a current document"
        )
    return kind


def supersede(
    book: Book,
    old_ref: str,
    new_ref: str,
    by: str | None = None,
    note: str | None = None,
    on: dt.date | None = None,
    expect: Callable[[Document, Document], None] | None = None,
    dry_run: list[FileChange] | None = None,
) -> str:
    """OLD is superseded by NEW: both files are edited, or neither.

    OLD gets its kind's archived status (in the case it writes its status), a Review
    History row where it keeps one (note ``Superseded by NEW``, then ``note``), its
    own modified date and the link ``superseded_by: NEW`` in its own form (see
    :func:`_link_field`; the sentence ``Superseded by NEW.`` in its Notes section for
    a document written from specbook's template); NEW gets ``supersedes: OLD`` (or
    ``Supersedes OLD.``) and its modified date. Raises
    :class:`SupersedeRefused` (OLD superseded by another, across kinds, a cycle),
    :class:`UsageError` (OLD is NEW), :class:`NotFoundError` (unknown ID).
    ``expect`` (when given) sees OLD and NEW as read under the lock first, and may
    refuse by raising (an agent's expected hashes that no longer hold). With
    ``dry_run`` (a list), nothing is written: the changes go into the list.
    """
    person = who_is(by, book.root)
    date = on or today()
    day = date.isoformat()
    extra = " ".join((note or "").split())
    for attempt in range(5):
        with book_lock(book):
            old_doc, new_doc = book.find(old_ref), book.find(new_ref)
            old_path, new_path = book.root / (old_doc.path or ""), book.root / (new_doc.path or "")
            old_edit = DocumentEdit(old_path, book.config, book.rel(old_path))
            new_edit = DocumentEdit(new_path, book.config, book.rel(new_path))
            old, new = old_edit.doc, new_edit.doc  # what the edits were computed from
            if expect is not None:
                expect(old, new)
            kind = _check_pair(book, old, new)
            archived = workflow_for(kind).archived
            assert archived is not None and old.id is not None and new.id is not None
            old_by, _ = _links(old)
            _, new_sup = _links(new)
            done: list[str] = []
            if old.status_canonical != archived:
                row_note = f"Superseded by {new.id}" + (f"; {extra}" if extra else "")
                old_edit.set_status(archived, kind)
                if old_edit.keeps_history(kind.history):
                    old_edit.append_review_row(day, person, archived, row_note)
                done.append(f"{old.id}: {old.status_canonical or 'no status'} -> {archived}")
            old_sentence = new_sentence = False
            if new.id not in old_by:
                old_sentence = not _link_field(old_edit, "superseded_by", new.id)
                done.append(f"{old.id}: superseded by {new.id}")
            if old.id not in new_sup:
                new_sentence = not _link_field(new_edit, "supersedes", old.id)
                done.append(f"{new.id}: supersedes {old.id}")
            if not done:
                return f"{old.id} is already superseded by {new.id}; nothing to do"
            # (the Notes sentence is added after the patches: the date counts it too)
            old_edit.touch_modified(date, person, changed=old_sentence)
            new_edit.touch_modified(date, person, changed=new_sentence)
            # the field and row edits first, then the sentence at the end of Notes (so it
            # stays in Notes when the edit appends Review History at the end)
            old_bytes, new_bytes = old_edit.result(), new_edit.result()
            if old_sentence:
                old_bytes = with_note_sentence(
                    old_bytes, old_edit.rel, book.config, f"Superseded by {new.id}."
                )
            if new_sentence:
                new_bytes = with_note_sentence(
                    new_bytes, new_edit.rel, book.config, f"Supersedes {old.id}."
                )
            _verify_supersede(book, old_edit, old_bytes, new_edit, new_bytes, archived)
            changes = [
                FileChange(e.path, e.original, b)
                for e, b in ((old_edit, old_bytes), (new_edit, new_bytes))
                if b != e.original
            ] + [FileChange(p, o, b) for e in (old_edit, new_edit) for p, o, b in e.side_results()]
            if dry_run is not None:
                dry_run.extend(changes)
                return "\n".join(done)
            try:
                commit(changes, root=book.root)
            except ChangedOnDisk:
                time.sleep(0.05 * (attempt + 1))
                continue
            return "\n".join(done)
    raise SpecbookError(
        f"{old_ref} or {new_ref} changed on disk while being edited, five times; re-run"
    )


def _verify_supersede(
    book: Book,
    old_edit: DocumentEdit,
    old_bytes: bytes,
    new_edit: DocumentEdit,
    new_bytes: bytes,
    archived: str,
) -> None:
    """Refuse unless OLD reads as ``archived`` and superseded by NEW, and NEW as
    superseding OLD: from the new bytes, and for fields a sidecar file holds, from the
    values written there (the sidecars are checked to load to them)."""
    old_rel, new_rel = old_edit.rel, new_edit.rel
    old = parse(old_bytes, old_rel, book.config)
    new = parse(new_bytes, new_rel, book.config)
    old_by, _ = _links(old)
    _, new_sup = _links(new)
    old_by.update(i for v in old_edit.sidecar_values("superseded_by") for i in _ID.findall(v))
    new_sup.update(i for v in new_edit.sidecar_values("supersedes") for i in _ID.findall(v))
    kind = book.config.kinds.get(old_edit.doc.kind or "")
    statuses = [old.status or "", *old_edit.sidecar_values("status")]
    problems = []
    if not any(kind and kind.canonical_status(s) == archived for s in statuses):
        problems.append(f"{old_rel} reads status {old.status!r}, expected {archived}")
    if new_edit.doc.id not in old_by:
        problems.append(f"{old_rel} does not read as superseded by {new_edit.doc.id}")
    if old_edit.doc.id not in new_sup:
        problems.append(f"{new_rel} does not read as superseding {old_edit.doc.id}")
    if problems:
        raise EditRefused(
            "the edit would not come out as intended: "
            + "; ".join(problems)
            + "; nothing was written"
        )


# ---------------------------------------------------------------------------------------
# renumber
# ---------------------------------------------------------------------------------------


class _Clock:
    """A document's age: first added to git, else its modification time (seconds)."""

    def __init__(self, root: Path, use_git: bool | None) -> None:
        self.root = root
        self.git = _in_git(root) if use_git is None else use_git
        self._cache: dict[Path, float] = {}

    def age(self, path: Path) -> float:
        hit = self._cache.get(path)
        if hit is None:
            added = _git_added(self.root, path) if self.git else None
            hit = added if added is not None else path.stat().st_mtime
            self._cache[path] = hit
        return hit


def _git(root: Path, *args: str) -> str | None:
    """``git ARGS`` in ``root``, or ``None`` when git fails or cannot run (the clock
    then falls back to modification times)."""
    try:
        return git(root, *args, timeout=30).decode("utf-8", "replace")
    except (GitFailed, UsageError):
        return None


def _in_git(root: Path) -> bool:
    out = _git(root, "rev-parse", "--is-inside-work-tree")
    return out is not None and out.strip() == "true"


def _git_added(root: Path, path: Path) -> float | None:
    out = _git(root, "log", "--diff-filter=A", "--format=%ct", "--", str(path))
    times = [int(t) for t in (out or "").split() if t.isdigit()]
    return float(min(times)) if times else None


@dataclass(frozen=True)
class Rename:
    """One renumbered document."""

    old_id: str
    new_id: str
    path: str
    new_path: str
    keeper: str  # the path of the document that keeps old_id


@dataclass(frozen=True)
class RefLine:
    """A mention of a duplicated ID: rewritten (``new`` set) or left as it is."""

    path: str
    line: int
    column: int
    text: str
    new: str | None
    why: str


@dataclass
class RenumberPlan:
    renames: list[Rename] = field(default_factory=list)
    rewritten: list[RefLine] = field(default_factory=list)
    left: list[RefLine] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # duplicates that cannot be renumbered
    changes: list[FileChange] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The plan for people: renames, every rewritten and every left reference."""
        if not self.renames and not self.skipped:
            return ["no duplicate IDs; nothing to renumber"]
        out: list[str] = []
        for r in self.renames:
            move = f"{r.path} -> {r.new_path}" if r.new_path != r.path else r.path
            out.append(f"{r.old_id} -> {r.new_id}: {move} (the older {r.keeper} keeps {r.old_id})")
        for ref in self.rewritten:
            out.append(f"  {ref.path}:{ref.line}:{ref.column}: {ref.text} -> {ref.new} ({ref.why})")
        for ref in self.left:
            out.append(f"  {ref.path}:{ref.line}:{ref.column}: {ref.text} left as is ({ref.why})")
        out.extend(f"skipped: {s}" for s in self.skipped)
        return out

    def to_json(self) -> dict[str, Any]:
        def ref(r: RefLine) -> dict[str, Any]:
            return {
                "path": r.path,
                "line": r.line,
                "column": r.column,
                "text": r.text,
                "new": r.new,
                "why": r.why,
            }

        return {
            "renames": [
                {
                    "old_id": r.old_id,
                    "new_id": r.new_id,
                    "path": r.path,
                    "new_path": r.new_path,
                    "keeper": r.keeper,
                }
                for r in self.renames
            ],
            "rewritten": [ref(r) for r in self.rewritten],
            "left": [ref(r) for r in self.left],
            "skipped": self.skipped,
        }


@dataclass(eq=False)  # compared by identity
class _Entry:
    path: Path
    rel: str
    data: bytes
    doc: Document
    new_id: str | None = None  # set when this document is renumbered
    new_rel: str | None = None


def _number_of(doc_id: str) -> int | None:
    m = re.search(r"-(\d+)$", doc_id)
    return int(m.group(1)) if m else None


def _new_name(name: str, old_id: str, new_id: str) -> str:
    if name.upper().startswith(old_id.upper()):
        rest = name[len(old_id) :]
        if not rest or not rest[0].isalnum():
            return new_id + rest
    return name


def _id_patches(e: _Entry, new_id: str) -> list[Patch]:
    """Patches turning the document's own ID into ``new_id``: every header ID field that
    states it, else the title's leading ID when that is where the ID comes from."""
    old = (e.doc.id or "").encode()
    patches = []
    for f in e.doc.fields:
        if f.key != "id" or f.section not in (None, "Metadata") or f.file is not None:
            continue  # (an ID in a sidecar is not in this file's bytes)
        at = e.data.find(old, f.value_span.start, f.value_span.end)
        if at >= 0:
            patches.append(Patch(at, at + len(old), new_id.encode()))
    if not patches:
        h1 = next((s for s in e.doc.all_sections() if s.level == 1), None)
        if h1 is not None:
            at = e.data.find(old, h1.heading.start, h1.heading.end)
            if at >= 0:
                patches.append(Patch(at, at + len(old), new_id.encode()))
    return patches


def _meant(
    ref: Reference, group: list[_Entry], clock: _Clock, here: _Entry
) -> tuple[_Entry | None, str]:
    """Which duplicate ``ref`` (in ``here``) means, and why; ``None`` when it is unclear."""
    if ref.requirement:
        having = [g for g in group if any(r.id == ref.requirement for r in g.doc.requirements)]
        if len(having) == 1:
            return having[0], f"only {having[0].rel} has {ref.requirement}"
    mine = clock.age(here.path)
    existed = [g for g in group if clock.age(g.path) <= mine]
    if not existed:
        return None, "its document is older than every document with this ID"
    newest = max(clock.age(g.path) for g in existed)
    top = [g for g in existed if clock.age(g.path) == newest]
    if len(top) > 1:
        return None, "the documents with this ID are as old as each other"
    return top[0], f"its document was added after {top[0].rel}"


def plan_renumber(book: Book, use_git: bool | None = None) -> RenumberPlan:
    """Every change ``renumber`` would make, computed and verified; nothing is written."""
    config = book.config
    clock = _Clock(book.root, use_git)
    entries: list[_Entry] = []
    for p in book.paths():
        try:
            data = p.read_bytes()
        except OSError:
            continue
        rel = book.rel(p)
        entries.append(_Entry(p, rel, data, parse(data, rel, config, book.sidecars(rel))))
    by_id: dict[str, list[_Entry]] = {}
    for e in entries:
        if e.doc.id:
            by_id.setdefault(e.doc.id, []).append(e)
    plan = RenumberPlan()
    groups: dict[str, list[_Entry]] = {}
    used: dict[str, set[int]] = {}
    for doc_id, group in sorted(by_id.items()):
        if len(group) < 2:
            continue
        kind = config.kind_for_id(doc_id)
        if kind is None:
            plan.skipped.append(f"{doc_id} ({', '.join(g.rel for g in group)}): no kind has it")
            continue
        if kind.name not in used:
            used[kind.name] = set(book.used_numbers(kind)) | {
                n
                for e in entries
                if e.doc.id and config.kind_for_id(e.doc.id) == kind
                for n in [_number_of(e.doc.id)]
                if n is not None
            }
        group.sort(key=lambda g: (clock.age(g.path), g.rel))
        groups[doc_id] = group
        keeper = group[0]
        for g in group[1:]:
            number = max(used[kind.name], default=0) + 1
            used[kind.name].add(number)
            g.new_id = f"{kind.prefix}-{number:0{kind.digits}d}"
            new_name = _new_name(g.path.name, doc_id, g.new_id)
            g.new_rel = book.rel(g.path.with_name(new_name))
            if new_name != g.path.name and g.path.with_name(new_name).exists():
                raise SpecbookError(
                    f"{g.rel}: cannot rename it to {new_name}, which exists already"
                )
            plan.renames.append(Rename(doc_id, g.new_id, g.rel, g.new_rel, keeper.rel))
    if not groups:
        return plan
    for e in entries:
        _plan_file(e, groups, clock, book, plan)
    return plan


def _plan_file(
    e: _Entry, groups: dict[str, list[_Entry]], clock: _Clock, book: Book, plan: RenumberPlan
) -> None:
    stage1 = e.data
    doc = e.doc
    rel = e.new_rel or e.rel
    id_patches: list[Patch] = []
    if e.new_id is not None:
        id_patches = _id_patches(e, e.new_id)
        stage1 = apply_patches(e.data, id_patches)
        doc = parse(stage1, rel, book.config, e.doc.sidecars)
        for p in id_patches:
            plan.rewritten.append(
                RefLine(
                    e.rel,
                    _line_of(e.doc, p.start),
                    e.doc.column(p.start),
                    e.doc.id or "",
                    e.new_id,
                    "its ID field"
                    if any(
                        f.value_span.start <= p.start < f.value_span.end
                        for f in e.doc.fields
                        if f.file is None
                    )
                    else "its ID in the title",
                )
            )
    patches: list[Patch] = []
    expected: list[tuple[str, str | None]] = []
    for r in doc.references:
        group = groups.get(r.target)
        target = r.target
        if group is not None and not (e in group and e.new_id is None):
            if e in group:  # the renumbered document mentions its old ID: itself
                meant: _Entry | None = e
                why = "in the renumbered document"
            else:
                meant, why = _meant(r, group, clock, e)
            line, column = r.span.line, doc.column(r.span.start)
            if meant is not None and meant.new_id is not None:
                target = meant.new_id
                end = r.span.start + len(r.target)
                patches.append(Patch(r.span.start, end, target.encode()))
                new_text = target + r.text[len(r.target) :]
                plan.rewritten.append(RefLine(e.rel, line, column, r.text, new_text, why))
            else:
                why = f"means {meant.rel}: {why}" if meant else f"unclear: {why}"
                plan.left.append(RefLine(e.rel, line, column, r.text, None, why))
        expected.append((target, r.requirement))
    if not patches and not id_patches and e.new_rel in (None, e.rel):
        return
    final = apply_patches(stage1, patches)
    after = parse(final, rel, book.config, e.doc.sidecars)
    want_id = e.new_id or e.doc.id
    want_refs = [(t, q) for t, q in expected if not (t == want_id and q is None)]
    got_refs = [(r.target, r.requirement) for r in after.references]
    problems = []
    if after.id != want_id:
        problems.append(f"its ID reads {after.id!r}, expected {want_id!r}")
    if got_refs != want_refs:
        problems.append("its references would not read as planned")
    # keys may hold an ID (a `| SPEC-004 | … |` row near the top): compare places
    if [(f.source, f.span.line) for f in after.fields] != [
        (f.source, f.span.line) for f in e.doc.fields
    ]:
        problems.append("its fields would change")
    if len(after.flat_sections) != len(e.doc.flat_sections):
        problems.append("its sections would change")
    if problems:
        raise EditRefused(
            f"{e.rel}: the renumbering would not come out as intended: "
            + "; ".join(problems)
            + "; nothing was written"
        )
    new_path = book.root / e.new_rel if e.new_rel and e.new_rel != e.rel else None
    plan.changes.append(FileChange(e.path, e.data, final, new_path))


def _line_of(doc: Document, offset: int) -> int:
    from bisect import bisect_right

    return bisect_right(doc.line_starts, offset)


def renumber(book: Book, dry_run: bool = False, use_git: bool | None = None) -> RenumberPlan:
    """Give every newer document that shares an ID with an older one the next free ID
    of its kind (see the module's docs for which references are rewritten).

    With ``dry_run`` nothing is written. Raises :class:`CommitFailed` or
    :class:`SpecbookError` when the files could not be written (every file is then as
    it was, or the message names those that are not).
    """
    if dry_run:
        return plan_renumber(book, use_git)
    with book_lock(book):
        plan = plan_renumber(book, use_git)
        if plan.changes:
            try:
                commit(plan.changes, root=book.root)
            except ChangedOnDisk as exc:
                raise SpecbookError(
                    f"{exc} changed on disk while renumbering; nothing was changed; re-run"
                ) from exc
    return plan
