"""The lifecycle: a state machine per kind, its gates, and the commands that move,
review and tick documents by editing only the bytes that must change.

Default SPEC workflow (DESIGN.md)::

    Draft -> Review -> Approved -> Implemented -> Archived
    Review -> Draft, Approved -> Draft (changes requested / reopened); any -> Archived

Gates: to Review, no error findings; to Approved, the required approvals since the
last move to Review, none by the author; to Implemented, every Implementation Plan
item checked; to Archived, a note. ``force`` passes a gate and says so in the row.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from specbook.book import Book
from specbook.core.clock import today
from specbook.core.config import KindConfig
from specbook.core.errors import SpecbookError, UsageError
from specbook.core.model import ChecklistItem, Document
from specbook.core.text import name_problem, norm_key
from specbook.core.workflow import Workflow, workflow_for
from specbook.edit.atomic import ChangedOnDisk
from specbook.edit.document import DocumentEdit, EditRefused
from specbook.edit.lock import book_lock
from specbook.services.create import git_user_name


class TransitionRefused(SpecbookError):
    """Raised when a move is not allowed or a gate is not met (exit 1); names every gate."""


def _person(name: str) -> str:
    return norm_key(name.lstrip("@"))


def _authors(doc: Document) -> set[str]:
    """The document's authors, each as :func:`_person` keys (``authors: [a, b]`` too)."""
    return {
        _person(n) for f in doc.fields if f.key == "author" for n in f.value.split(",") if n.strip()
    }


def approvals_since_review(doc: Document, wf: Workflow, history: bool = True) -> list[str]:
    """Distinct people who approved since the last move to Review, the author excepted.

    A document that keeps no Review History (``history`` false: see
    :meth:`DocumentEdit.keeps_history`) records approvals only in its approvers field
    (``deciders: [a, b]``, a sidecar's ``approvers:``): those names count.
    """
    authors = _authors(doc)
    if not history:
        out: list[str] = []
        for f in doc.fields:
            if f.key == "approvers" and f.section in (None, "Metadata"):
                for n in f.value.split(","):
                    who = _person(n)
                    if who and who not in authors and who not in out and who != "none":
                        out.append(who)
        return out
    rows = list(doc.review_history)
    last_review = -1
    for i, e in enumerate(rows):
        if wf.review and wf.kind.canonical_status(e.status) == wf.review:
            last_review = i
    out = []
    for e in rows[last_review + 1 :]:
        who = _person(e.reviewer)
        if who and who not in authors and wf.kind.is_approval(e.status) and who not in out:
            out.append(who)
    return out


def unmet_gates(
    doc: Document,
    wf: Workflow,
    target: str,
    note: str | None,
    lint_errors: Callable[[], list[str]],
    approvers: tuple[str, ...] = (),
    history: bool = True,
) -> list[str]:
    """Every gate the move to ``target`` does not meet, each as a sentence.
    ``history``: whether the document keeps its approvals in a Review History (else
    its approvers field holds them)."""
    gates = []
    if target == wf.review:
        errors = lint_errors()
        if errors:
            shown = "; ".join(errors[:5]) + (
                f"; and {len(errors) - 5} more" if len(errors) > 5 else ""
            )
            gates.append(f"gate no-errors: `specbook lint` reports {len(errors)} error(s): {shown}")
    if target == wf.approved:
        names = approvals_since_review(doc, wf, history)
        if approvers:
            allowed = {_person(a) for a in approvers}
            names = [n for n in names if n in allowed]
        if len(names) < wf.approvals:
            who = " from the book's approvers" if approvers else ""
            since = (
                f" since the last move to {wf.review or 'review'}"
                if history
                else " in its approvers field"
            )
            gates.append(
                f"gate approvals: needs {wf.approvals} approval(s){who}{since}, not by the "
                f"author; found {len(names)} "
                f"(record one with `specbook review {doc.id or doc.path} --approve --by NAME`)"
            )
    if target == wf.implemented:
        open_items = [
            c
            for c in doc.checklists
            if c.section and _in_section(doc, c.span.start, "Implementation Plan") and not c.checked
        ]
        if open_items:
            listed = "; ".join(f"line {c.span.line}: {c.text}" for c in open_items[:5])
            gates.append(
                f"gate checklist: {len(open_items)} Implementation Plan item(s) unchecked "
                f"({listed}); tick them with `specbook check {doc.id or doc.path} ITEM`"
            )
    if target == wf.archived and not (note and note.strip()):
        gates.append("gate note: archiving needs a note saying why (--note TEXT)")
    return gates


def _in_section(doc: Document, offset: int, name: str) -> bool:
    want = name.casefold()
    for s in doc.all_sections():
        if (s.template_name or s.title).casefold() == want and s.span.start <= offset < s.span.end:
            return True
    return False


def who_is(by: str | None, root: Path) -> str:
    """The person acting: ``--by``, else git user.name, else the login name.
    Raises :class:`UsageError` for a name that is not one line of text."""
    person = by.strip() if by and by.strip() else git_user_name(root) or getpass.getuser()
    problem = name_problem(person)
    if problem:
        raise UsageError(f"the name {person!r} {problem}")
    return person


def _sweep_temp_files(path: Path, lock: Path, older_than: float = 600.0) -> None:
    """Remove temporary files a killed writer left beside ``path`` (``.NAME.*.tmp``).

    Called under the book lock (``lock``, its file), so no live writer of this book owns
    them; a file younger than ``older_than`` seconds is left alone in case another tool
    wrote it.
    """
    left = list(path.parent.glob(f".{path.name}.*.tmp"))
    if not left:
        return
    # "Now" as the file system that stamped them tells it (the time it gives a file
    # made now, beside the lock): a host whose clock disagrees with the disk's (a network
    # share, a moved clock) must not take a live writer's file for an old one.
    try:
        fd, probe = tempfile.mkstemp(prefix=".clock-", dir=lock.parent)
        try:
            now = os.fstat(fd).st_mtime
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError:
        now = time.time()
    for tmp in left:
        try:
            if now - tmp.stat().st_mtime > older_than:
                tmp.unlink()
        except OSError:
            continue


def _edit_with_retry(
    book: Book,
    doc_path: Path,
    make: Callable[[DocumentEdit], str],
    expect: Callable[[Document], None] | None = None,
) -> str:
    """Run ``make`` on a fresh edit of the file under the book lock; retry when the
    file changed on disk (another writer), up to a few times, then report.
    ``expect`` (when given) sees the document as read under the lock first, and may
    refuse by raising (an agent's ``expected_hash`` that no longer holds).

    ``make`` decides from ``edit.doc`` alone (the bytes read under the lock): the
    workflow, the gates and what to write. A decision taken on a copy read before
    the lock could rest on a state another command has changed meanwhile.
    """
    rel = book.rel(doc_path)
    for attempt in range(5):
        with book_lock(book):
            _sweep_temp_files(doc_path, book.root / ".specbook" / "lock")
            edit = DocumentEdit(doc_path, book.config, rel)
            if expect is not None:
                expect(edit.doc)
            message = make(edit)
            try:
                edit.write()
            except ChangedOnDisk:
                time.sleep(0.05 * (attempt + 1))
                continue
            except EditRefused:
                raise
            return message
    raise SpecbookError(f"{rel}: changed on disk while being edited, five times; re-run")


def _path_of(book: Book, ref: str) -> Path:
    """The file of document ``ref``. Only the path is taken from this read: what the
    document says is read again under the lock."""
    return book.root / (book.find(ref).path or "")


def _kind_of(book: Book, doc: Document, ref: str) -> KindConfig:
    kind = book.config.kinds.get(doc.kind or "")
    if kind is None:
        raise UsageError(f"{ref}: its kind is unknown, so it has no workflow")
    return kind


def transition(
    book: Book,
    ref: str,
    target: str,
    by: str | None = None,
    note: str | None = None,
    force: bool = False,
    on: dt.date | None = None,
    lint_errors: Callable[[Document], list[str]] | None = None,
    expect: Callable[[Document], None] | None = None,
) -> str:
    """Move document ``ref`` to status ``target``: its status (in every place it is
    stated, in the case the document writes it), its own modified date (in its date
    format) and one Review History row (where the document keeps one: see
    :meth:`DocumentEdit.keeps_history`) change, nothing else. Raises
    :class:`TransitionRefused` naming every unmet gate, :class:`UsageError` for an
    unknown status.

    The current status and the gates are read under the book lock, from the bytes
    the edit is made on: two commands racing see each other's result, as if run one
    after the other (a second identical move finds the document already moved).
    """
    path = _path_of(book, ref)
    person = who_is(by, book.root)
    date = on or today()
    day = date.isoformat()

    def make(edit: DocumentEdit) -> str:
        doc = edit.doc
        kind = _kind_of(book, doc, ref)
        history = edit.keeps_history(kind.history)
        wanted = kind.canonical_status(target)
        if wanted is None:
            raise UsageError(
                f"unknown status {target!r} for {kind.name}; allowed: {', '.join(kind.statuses)}"
            )
        wf = workflow_for(kind)
        current = doc.status_canonical
        if current == wanted:
            raise TransitionRefused(f"{doc.id or doc.path} is already {wanted}")
        problems = []
        if wanted not in wf.allowed(current):
            problems.append(
                f"{current or 'no status'} -> {wanted} is not a move of the {kind.name} "
                f"workflow; from {current} it can go to: "
                f"{', '.join(wf.allowed(current)) or 'nowhere'}"
            )
        problems += unmet_gates(
            doc,
            wf,
            wanted,
            note,
            lambda: (lint_errors or _no_errors)(doc),
            kind.approvers,
            history,
        )
        if problems and not force:
            raise TransitionRefused(
                f"{doc.id or doc.path}: cannot move to {wanted}:\n  - " + "\n  - ".join(problems)
            )
        row_note = (note or "").strip()
        if problems:
            passed = ", ".join(re.sub(r"^gate ([\w-]+):.*", r"\1", p, flags=re.S) for p in problems)
            row_note = f"forced past: {passed}" + (f"; {row_note}" if row_note else "")
        edit.set_status(wanted, kind)
        if history:
            edit.append_review_row(day, person, wanted, row_note)
        edit.touch_modified(date, person)
        return f"{doc.id or doc.path}: {current or 'no status'} -> {wanted}" + (
            " (forced)" if problems else ""
        )

    return _edit_with_retry(book, path, make, expect)


def _no_errors(doc: Document) -> list[str]:
    return []


def lint_gate(book: Book) -> Callable[[Document], list[str]]:
    """The no-errors gate's check for ``book``: a function giving a document's error
    findings, one line each. The whole book is linted, so book-wide rules (dangling
    references, duplicate IDs) see every document, as in ``specbook lint``."""

    def errors(doc: Document) -> list[str]:
        from specbook.lint.engine import Linter
        from specbook.lint.run import lint_files

        result, _ = lint_files(book, Linter(book.config), book.paths(), [], [])
        return [
            f"{f.path}:{f.line} {f.rule} {f.message}"
            for f in result.findings
            if f.path == doc.path and f.severity == "error"
        ]

    return errors


def review(
    book: Book,
    ref: str,
    verdict: str,
    by: str | None = None,
    note: str | None = None,
    on: dt.date | None = None,
    expect: Callable[[Document], None] | None = None,
) -> str:
    """Record a review: ``approve``, ``request-changes`` or ``comment``.

    Appends a Review History row (where the document keeps one); an approval adds the
    name to the approvers list (``Approvers``, ``deciders: [a, b]``, a block list, a
    sidecar's ``approvers:``; added to the document's header when it keeps neither a
    Review History nor such a field, so the approval is recorded) and every review to
    Reviewers where the document has them; ``request-changes`` on a document in
    Review moves it back to the first status (the status read under the book lock, as
    :func:`transition`). The document's own modified date follows.
    """
    path = _path_of(book, ref)
    person = who_is(by, book.root)
    date = on or today()
    day = date.isoformat()
    labels = {"approve": "Approve", "request-changes": "Changes requested", "comment": "Comment"}
    label = labels[verdict]

    def make(edit: DocumentEdit) -> str:
        doc = edit.doc
        kind = _kind_of(book, doc, ref)
        wf = workflow_for(kind)
        if verdict == "approve" and kind.approvers:
            allowed = {_person(a) for a in kind.approvers}
            if _person(person) not in allowed:
                raise TransitionRefused(
                    f"{person} may not approve {kind.name} documents; the book's approvers are "
                    f"{', '.join(kind.approvers)} ([kinds.{kind.name}] approvers)"
                )
        back = (
            verdict == "request-changes"
            and wf.review is not None
            and doc.status_canonical == wf.review
        )
        first = kind.statuses[0]
        history = edit.keeps_history(kind.history)
        if history:
            edit.append_review_row(day, person, label, (note or "").strip())
        recorded = edit.add_name("reviewers", person) or history
        if verdict == "approve":
            recorded = edit.add_name("approvers", person, required=not history) or recorded
        if back:
            edit.set_status(first, kind)
            if history:
                edit.append_review_row(day, person, first, "changes requested")
        edit.touch_modified(date, person)
        said = f"{doc.id or doc.path}: {label.lower()} by {person}" + (
            f"; back to {first}" if back else ""
        )
        if not recorded and not back:
            said += (
                " (not recorded: the document keeps no Review History and no reviewers field; "
                f'set [kinds.{kind.name}] history = "section" to keep one)'
            )
        return said

    return _edit_with_retry(book, path, make, expect)


def _checklist_sections(doc: Document) -> list[str]:
    """The titles of the sections that hold checklist items themselves (not only in
    subsections), in document order, each once."""
    out: dict[str, None] = {}
    sections = list(doc.all_sections())
    for c in doc.checklists:
        inner = [s for s in sections if s.span.start <= c.span.start < s.span.end]
        if inner:
            out.setdefault(max(inner, key=lambda s: s.span.start).title, None)
    return list(out)


def _chosen_items(doc: Document, item: str | None, section: str | None) -> list[ChecklistItem]:
    """The checklist items ``item`` (a number or text) or ``section`` names in ``doc``."""
    items = list(doc.checklists)
    if not items:
        raise UsageError(f"{doc.id or doc.path}: the document has no checklist items")
    if section is not None:
        hits = doc.sections_named(section)
        chosen = [c for c in items if any(s.span.start <= c.span.start < s.span.end for s in hits)]
        if not chosen:
            problem = (
                f"section {section!r} has no checklist items" if hits else f"no section {section!r}"
            )
            raise UsageError(
                f"{doc.id or doc.path}: {problem}; the sections with checklist items: "
                + ", ".join(_checklist_sections(doc))
            )
        return chosen
    if item is None:
        raise UsageError("say which item (a number or its text) or --all SECTION")
    if item.isdigit():
        n = int(item)
        if not 1 <= n <= len(items):
            raise UsageError(
                f"{doc.id or doc.path}: item {n} does not exist; it has items 1 to {len(items)}"
            )
        return [items[n - 1]]
    want = item.casefold()
    exact = [c for c in items if c.text.casefold() == want]
    partial = exact or [c for c in items if want in c.text.casefold()]
    if not partial:
        raise UsageError(f"{doc.id or doc.path}: no checklist item matches {item!r}")
    if len(partial) > 1:
        listed = "; ".join(f"{items.index(c) + 1}: {c.text}" for c in partial[:8])
        raise UsageError(
            f"{doc.id or doc.path}: {item!r} matches {len(partial)} items ({listed}); "
            "give its number"
        )
    return partial


def check(
    book: Book,
    ref: str,
    item: str | None = None,
    section: str | None = None,
    by: str | None = None,
    on: dt.date | None = None,
) -> str:
    """Tick checklist items: one by number (1-based, in document order) or by text
    (case-insensitive, must match one item), or every item under ``section``. The
    document's own modified date follows (``by``: who, for a ``modified: {by, at}``).

    The items are chosen, and found already checked or not, under the book lock: of
    two commands ticking the same item, one ticks it and the other finds it checked.
    """
    path = _path_of(book, ref)
    date = on or today()
    return _edit_with_retry(
        book, path, lambda edit: tick_items(book, edit, item, section, date, by)
    )


def tick_items(
    book: Book,
    edit: DocumentEdit,
    item: str | None,
    section: str | None,
    date: dt.date,
    by: str | None,
) -> str:
    """Tick, in ``edit``, the checklist items ``item`` or ``section`` names (see
    :func:`check`) and bring the modified date up to ``date``; returns the message.
    Raises :class:`UsageError` when they name no item."""
    doc = edit.doc
    todo = [c for c in _chosen_items(doc, item, section) if not c.checked]
    if not todo:
        return f"{doc.id or doc.path}: already checked"  # nothing patched: nothing is written
    for c in todo:
        edit.tick(c)
    edit.touch_modified(date, lambda: who_is(by, book.root))
    return f"{doc.id or doc.path}: checked {len(todo)} item{'s' * (len(todo) != 1)}"
