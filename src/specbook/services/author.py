"""Writing a document's content, section by section: what the MCP write tools call.

Each write is planned on the bytes read under the book lock, refused unless the
document still has the content hash the caller read (``expected_hash``), applied as
byte patches (:mod:`specbook.edit.patch`), parsed again and checked before anything
is written: the section, requirement or row reads back as given, and everything
outside the patched bytes reads as it did (its sections, fields, requirements,
checklists, tables, code blocks, Review History). The file is then replaced
atomically, refusing when it changed on disk meanwhile (:func:`replace_if_unchanged`).

- :func:`write_section` replaces the body of one section (or creates the section
  where the kind's template puts it); Markdown that would end the section early (a
  heading of its level or higher, a setext underline) or run on past it (an unclosed
  code fence) is refused.
- :func:`add_requirement` / :func:`update_requirement` write a requirement item in
  the document's own list style and ID style.
- :func:`add_row` adds a row to a section's table, its cells checked as SB604 and
  SB605 check them.
- :func:`set_field` and :func:`check` edit through :class:`DocumentEdit`, as the
  lifecycle commands do.

Content writes change only the bytes named: the document's modified date follows
its lifecycle moves (``transition``, ``review``, ``check``), not these.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbook.book import Book
from specbook.core.errors import NotFoundError, SpecbookError, UsageError
from specbook.core.model import Document, Requirement, Section, Table
from specbook.core.text import heading_key, is_placeholder
from specbook.edit.atomic import ChangedOnDisk, replace_if_unchanged
from specbook.edit.document import DocumentEdit, EditRefused, newline_of
from specbook.edit.lock import book_lock
from specbook.edit.patch import Patch, apply_patches
from specbook.parse import parse

__all__ = [
    "HashMismatch",
    "Written",
    "add_requirement",
    "add_row",
    "check",
    "find_section",
    "section_body",
    "set_field",
    "update_requirement",
    "write_section",
]

# Sections the lifecycle writes: a content write would let an agent forge approvals
# or dates there (`review`, `transition` and `set_field` write them instead).
LIFECYCLE_SECTIONS = ("review history", "metadata")
# Fields set_field leaves to the tools that own them
LIFECYCLE_FIELDS = {
    "status": "`transition` moves the status through the workflow and its gates",
    "id": "the ID is fixed when the document is created",
    "approvers": "approvals are recorded by `review` with verdict approve",
    "superseded_by": "`supersede` records both sides of the link",
    "supersedes": "`supersede` records both sides of the link",
}
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")
_BREAK = re.compile(rb"^[ \t]*(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_TEXT_BREAK = re.compile(r"^[ \t]*(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_MARKER_NUMBER = re.compile(rb"([ \t]*)(\d+)([.)])")
_LAST_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")
_LEVEL_WORDS = {"high", "med", "medium", "low", "high/med/low", "high/medium/low"}


class HashMismatch(SpecbookError):
    """Raised when the document changed since the caller read it (its content hash is
    no longer ``expected_hash``); nothing is written. ``current`` is the hash now."""

    def __init__(self, message: str, current: str) -> None:
        super().__init__(message)
        self.current = current


@dataclass
class Written:
    """What a write did (or, for a dry run, would do)."""

    message: str
    rel: str
    doc_id: str | None
    before: bytes
    after: bytes
    lines: list[tuple[int, int]]  # the written lines of `after`, 1-based, inclusive
    written: bool  # False for a dry run, or when the document already said it
    hash: str  # the document's content hash now (what the next write expects)

    def patch(self) -> str:
        """The change as a unified diff (line endings shown as LF)."""
        old = self.before.decode("utf-8", "replace").splitlines(keepends=True)
        new = self.after.decode("utf-8", "replace").splitlines(keepends=True)
        return "".join(
            difflib.unified_diff(old, new, f"a/{self.rel}", f"b/{self.rel}", n=1, lineterm="\n")
        )


@dataclass
class _Plan:
    """A content change: its message, the patches, and what must read back after."""

    message: str
    patches: list[Patch]
    check: Callable[[Document], list[str]]


# -- reading sections ----------------------------------------------------------------------
def _lines(data: bytes, start: int, end: int) -> Iterable[tuple[int, int]]:
    """(start, end) of each line of ``data[start:end]``, its line ending included."""
    pos = start
    while pos < end:
        m = _LINE.match(data, pos, end)
        if m is None or m.end() == pos:
            return
        yield pos, m.end()
        pos = m.end()


def body_region(data: bytes, section: Section) -> tuple[int, int]:
    """Bytes ``start:end`` of a section's body: from its first line that is not blank
    to the end of its last line that is neither blank nor a thematic break (the
    ``---`` and blank lines before the next heading are the document's separators,
    not the section's). An empty body is ``(heading end, heading end)``."""
    start = end = section.heading.end
    first = None
    for a, b in _lines(data, section.heading.end, section.span.end):
        line = data[a:b].rstrip(b"\r\n")
        if not line.strip():
            continue
        if first is None:
            first = a
        if not _BREAK.match(line):
            end = b
    if first is None or end == section.heading.end:
        return start, start
    return first, end


def section_body(data: bytes, section: Section) -> str:
    """The body of ``section`` as text: LF line endings, no trailing newline."""
    a, b = body_region(data, section)
    text = data[a:b].decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")


def _path_of(doc: Document, section: Section) -> str:
    """``Requirements / Functional Requirements``: the titles down to ``section``."""
    chain: list[Section] = []

    def walk(nodes: Iterable[Section]) -> bool:
        for s in nodes:
            chain.append(s)
            if s is section or walk(s.children):
                return True
            chain.pop()
        return False

    walk(doc.sections)
    return " / ".join(s.title for s in chain if s.level > 1)


def _named(sections: Iterable[Section], name: str) -> list[Section]:
    want = name.strip().casefold()
    key = heading_key(name)
    out = []
    for s in sections:
        names = (s.title, s.template_name) if s.template_name else (s.title,)
        if any(n.casefold() == want or (key and heading_key(n) == key) for n in names):
            out.append(s)
    return out


def find_section(doc: Document, name: str) -> Section | None:
    """The section ``name`` names: a title or template name (``Summary`` names ``## 1.
    Summary ✅``, as :meth:`Document.sections_named`), or a heading path of them
    separated by ``/`` or ``>`` (``Requirements / Functional Requirements``). ``None``
    when none does. Raises :class:`UsageError` when several do, listing their paths."""
    parts = [p.strip() for p in re.split(r"\s+[/>]\s+|(?<=\S)/(?=\S)", name) if p.strip()]
    if not parts:
        raise UsageError("the section name is empty; give one such as Summary")
    if len(parts) > 1 and doc.sections_named(name):
        parts = [name]  # a title with a slash in it (`New/Modified Tables`)
    pool: list[Section] = list(doc.all_sections())
    hits: list[Section] = []
    for i, part in enumerate(parts):
        hits = _named(pool, part)
        if i < len(parts) - 1:
            pool = [d for h in hits for d in h.walk() if d is not h]
    if not hits:
        return None
    if len(hits) > 1:
        listed = "; ".join(f"{_path_of(doc, s)} (line {s.heading.line})" for s in hits[:6])
        raise UsageError(
            f"{doc.id or doc.path}: {len(hits)} sections are named {name!r}: {listed}; "
            "name one by its heading path, e.g. 'Parent / Child'"
        )
    return hits[0]


def _titles(doc: Document) -> str:
    return ", ".join(s.title for s in doc.all_sections() if s.level > 1) or "none"


# -- checking what a write leaves -----------------------------------------------------------
def _outline(doc: Document) -> list[tuple[str, int, int, Any]]:
    """(what, start, end, value) of every part of ``doc`` a content write must keep when
    it lies outside the patched bytes."""
    out: list[tuple[str, int, int, Any]] = []
    out += [
        ("heading", s.heading.start, s.heading.end, (s.level, s.title)) for s in doc.all_sections()
    ]
    out += [
        ("field", f.span.start, f.span.end, (f.key, f.value))
        for f in doc.fields
        if f.source != "sidecar"
    ]
    out += [
        ("requirement", r.span.start, r.span.end, (r.id, r.text, r.criteria, r.target))
        for r in doc.requirements
    ]
    out += [("checklist", c.span.start, c.span.end, (c.checked, c.text)) for c in doc.checklists]
    out += [
        ("table", t.span.start, t.span.end, (tuple(c.text for c in t.header), len(t.rows)))
        for t in doc.tables
    ]
    out += [
        ("code", c.span.start, c.span.end, (c.language, c.text, c.closed)) for c in doc.code_blocks
    ]
    out += [
        ("review row", e.span.start, e.span.end, (e.date, e.reviewer, e.status, e.feedback))
        for e in doc.review_history
    ]
    return out


def _overlaps(start: int, end: int, cuts: list[tuple[int, int]]) -> bool:
    """Whether bytes ``start:end`` of a part meet a written span (an insertion at
    ``a == b`` meets the part it lands inside)."""
    for a, b in cuts:
        if a == b:
            if start <= a < end:
                return True
        elif start < b and a < end:
            return True
    return False


def _outside_changes(
    before: Document, after: Document, patches: list[Patch], what: str
) -> list[str]:
    """What reads differently after the patches outside the bytes they write: each
    part of ``before`` that no patch touches must be in ``after`` where the patches
    moved it, reading the same, and no new part may appear outside the written bytes."""
    ordered = sorted(patches, key=lambda p: (p.start, p.end))
    old_cuts = [(p.start, p.end) for p in ordered]
    new_cuts = []
    shifts = []  # (end of the written bytes in the new file, total shift from there on)
    shift = 0
    for p in ordered:
        a = p.start + shift
        shift += len(p.text) - (p.end - p.start)
        new_cuts.append((a, a + len(p.text)))
        shifts.append((a + len(p.text), shift))

    def old_of(pos: int) -> int:
        delta = 0
        for written_end, moved in shifts:
            if pos >= written_end:
                delta = moved
        return pos - delta

    kept = {(k, s, v) for k, s, e, v in _outline(before) if not _overlaps(s, e, old_cuts)}
    now = {(k, old_of(s), v) for k, s, e, v in _outline(after) if not _overlaps(s, e, new_cuts)}
    lost = sorted(kept - now, key=lambda x: x[1])
    new = sorted(now - kept, key=lambda x: x[1])
    out = []
    for k, s, v in (lost + new)[:3]:
        line = before.source.count(b"\n", 0, s) + 1
        out.append(f"the {k} at line {line} ({_short(v)}) would read differently")
    if out:
        out.insert(0, f"{what} would change the document outside the written lines")
    return out


def _short(value: Any) -> str:
    text = " ".join(str(v) for v in value) if isinstance(value, tuple) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _written_lines(after: bytes, patches: list[Patch]) -> list[tuple[int, int]]:
    out = []
    shift = 0
    for p in sorted(patches, key=lambda p: (p.start, p.end)):
        a = p.start + shift
        b = a + len(p.text)
        shift += len(p.text) - (p.end - p.start)
        first = after.count(b"\n", 0, a) + 1
        text = p.text.rstrip(b"\r\n") or p.text
        last = first + text.count(b"\n") if text.strip() else first
        if after[a : a + 1] in (b"\n", b"\r") and text.startswith((b"\n", b"\r")) and b > a + 1:
            first += 1  # (a patch that starts with the newline ending the line before)
        out.append((first, max(first, last)))
    return out


# -- the write itself --------------------------------------------------------------------------
def _diff_summary(old: bytes | None, new: bytes, doc: Document) -> str:
    if old is None:
        return "read it again with `get` to see what changed"
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    parts = []
    added = removed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        where = _section_at_line(doc, j1 + 1)
        span = f"line {j1 + 1}" if j2 - j1 <= 1 else f"lines {j1 + 1}-{j2}"
        parts.append(f"{span} ({where})" if where else span)
    shown = "; ".join(parts[:5]) + (f"; and {len(parts) - 5} more" if len(parts) > 5 else "")
    return f"{added} line(s) added, {removed} removed since: {shown}"


def _section_at_line(doc: Document, line: int) -> str | None:
    best = None
    for s in doc.all_sections():
        if s.level > 1 and s.span.line <= line <= s.span.end_line:
            best = s.title
    return best


def _conflict(rel: str, expected: str, doc: Document, known: Callable[[str], bytes | None]) -> str:
    return (
        f"{rel}: the document changed since you read it (you expected hash {expected}; it "
        f"is now {doc.digest}): {_diff_summary(known(expected), doc.source, doc)}. Nothing "
        "was written. Read it again (`get`), redo your change on what it says now, and "
        "write with the new hash"
    )


def apply(
    book: Book,
    path: Path,
    expected_hash: str | None,
    plan: Callable[[DocumentEdit], _Plan | str],
    *,
    dry_run: bool = False,
    known: Callable[[str], bytes | None] = lambda h: None,
) -> Written:
    """Plan a change of the document at ``path`` on its bytes read under the book lock,
    verify it and (unless ``dry_run``) write it atomically.

    ``plan`` gets the edit and either returns a :class:`_Plan` of content patches, or
    makes its changes through the :class:`DocumentEdit` (fields, ticks) and returns the
    message. ``known`` gives the bytes a hash stood for, if still known, for the
    conflict's diff summary. Raises :class:`HashMismatch` when the document's hash is
    not ``expected_hash`` (or the file changes before it is replaced),
    :class:`EditRefused` when the result would not read as intended.
    """
    rel = book.rel(path)
    with book_lock(book):
        edit = DocumentEdit(path, book.config, rel)
        doc = edit.doc
        if expected_hash is not None and expected_hash.strip() != doc.digest:
            raise HashMismatch(_conflict(rel, expected_hash.strip(), doc, known), doc.digest)
        planned = plan(edit)
        if isinstance(planned, str):
            message, patches = planned, list(edit.patches)
            new = edit.result()  # (verified by the edit engine)
            edit.side_results()
        else:
            message, patches = planned.message, planned.patches
            try:
                new = apply_patches(edit.original, patches)
            except ValueError as exc:
                raise EditRefused(f"{rel}: two edits overlap ({exc}); nothing was written") from exc
            after = parse(new, rel, book.config, edit.sidecars)
            problems = _outside_changes(doc, after, patches, message) + planned.check(after)
            if problems:
                raise EditRefused(f"{rel}: refused, nothing was written: " + "; ".join(problems))
        lines = _written_lines(new, patches)
        done = not dry_run and new != edit.original
        if done:
            try:
                if isinstance(planned, str):
                    edit.write()
                else:
                    replace_if_unchanged(path, edit.original, new, root=book.root)
            except ChangedOnDisk:
                now = parse(path.read_bytes(), rel, book.config, edit.sidecars)
                raise HashMismatch(
                    _conflict(rel, doc.digest, now, lambda h: edit.original), now.digest
                ) from None
        # (the hash as every reader computes it: with the sidecar files, re-read)
        digest = DocumentEdit(path, book.config, rel).doc.digest if done else doc.digest
        return Written(message, rel, doc.id, edit.original, new, lines, done, digest)


# -- sections -----------------------------------------------------------------------------------
def normalise_body(markdown: str) -> str:
    """``markdown`` as a section body is stored: LF line endings, no blank lines (nor a
    trailing ``---``, the document's separator) at either end."""
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and (not lines[-1].strip() or _TEXT_BREAK.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def structure_problem(body: str, level: int, config: Any = None) -> str | None:
    """Why Markdown ``body`` cannot be the body of a level-``level`` section, or None:
    a heading of that level or higher (ATX or setext) would end the section; a code
    fence left open would swallow the rest of the document."""
    if "\x00" in body:
        return "it holds a NUL character"
    head = "#" * level + " Section\n\n"
    doc = parse((head + body + "\n").encode("utf-8"), None, config)
    for s in doc.all_sections():
        if s.heading.start == 0:
            continue
        if s.level <= level:
            line = s.heading.line - 2
            return (
                f"line {line}: {s.title!r} is a level-{s.level} heading, as high as the "
                f"section's own (level {level}), so it would end the section there; make it "
                f"level {level + 1} or deeper (`{'#' * (level + 1)} {s.title}`), or write "
                "that section with its own call"
            )
    for c in doc.code_blocks:
        if c.fenced and not c.closed:
            return (
                f"line {c.span.line - 2}: the code fence opened there is never closed, so "
                "it would run on over the rest of the document; close it with the same fence"
            )
    for p in doc.problems:
        if p.code == "unclosed-fence":
            return f"line {p.span.line - 2}: {p.message}"
    return None


def write_section(
    book: Book,
    path: Path,
    name: str,
    markdown: str,
    expected_hash: str | None,
    *,
    dry_run: bool = False,
    known: Callable[[str], bytes | None] = lambda h: None,
) -> Written:
    """Replace the body of section ``name`` (see :func:`find_section`) with
    ``markdown``, or create the section where the kind's template puts it. Raises
    :class:`UsageError` for Markdown that would break the document's structure or a
    section the lifecycle writes, :class:`NotFoundError` for a section neither the
    document nor its template has, and as :func:`apply`."""
    body = normalise_body(markdown)

    def plan(edit: DocumentEdit) -> _Plan:
        doc, data = edit.doc, edit.original
        target = find_section(doc, name)
        if target is None:
            return _new_section(book, doc, data, name, body)
        where = doc.id or doc.path
        if target.level <= 1:
            raise UsageError(
                f"{where}: {target.title!r} is the document's title; write one of its sections"
            )
        if (target.template_name or target.title).strip().casefold() in LIFECYCLE_SECTIONS:
            raise UsageError(
                f"{where}: {target.title} is written by the lifecycle tools (`review`, "
                "`transition`; Metadata fields with `set_field`), not by write_section"
            )
        problem = structure_problem(body, target.level, book.config)
        if problem:
            raise UsageError(f"{where}: refused for section {target.title}: {problem}")
        nl = newline_of(data, target.heading.start)
        start, end = body_region(data, target)
        text = body.encode("utf-8").replace(b"\n", nl)
        if not body:
            patch = Patch(target.heading.end, end, b"")
        elif start == end:  # an empty section: the body under its heading, a blank between
            lead = nl if data[start - 1 : start] in (b"\n", b"\r") else nl + nl
            patch = Patch(start, start, lead + text + nl)
        else:
            tail = nl if data[end - 1 : end] in (b"\n", b"\r") else b""
            patch = Patch(start, end, text + tail)
        heading_at = target.heading.start

        def check(after: Document) -> list[str]:
            got = next((s for s in after.all_sections() if s.heading.start == heading_at), None)
            if got is None or section_body(after.source, got) != body:
                return [f"section {target.title} would not read back as written"]
            return []

        return _Plan(f"{where}: wrote section {target.title}", [patch], check)

    return apply(book, path, expected_hash, plan, dry_run=dry_run, known=known)


def _template_document(book: Book, doc: Document) -> Document | None:
    from specbook.templates.facts import template_facts

    kind = book.config.kinds.get(doc.kind or "")
    facts = template_facts(book.config, kind) if kind is not None else None
    return facts.document if facts is not None else None


def _new_section(book: Book, doc: Document, data: bytes, name: str, body: str) -> _Plan:
    """A plan adding section ``name`` from the kind's template, with ``body``: before
    the next of its template siblings the document has, else at the end of its parent."""
    where = doc.id or doc.path
    template = _template_document(book, doc)
    wanted = find_section(template, name) if template is not None else None
    if template is None or wanted is None or wanted.level <= 1:
        raise NotFoundError(
            f"{where}: no section {name!r}, and its kind's template has none to add; "
            f"it has: {_titles(doc)}"
        )
    if (wanted.template_name or wanted.title).strip().casefold() in LIFECYCLE_SECTIONS:
        raise UsageError(f"{where}: {wanted.title} is written by the lifecycle tools")
    problem = structure_problem(body, wanted.level, book.config)
    if problem:
        raise UsageError(f"{where}: refused for section {wanted.title}: {problem}")
    # the template's parent of `wanted`, and its siblings in template order
    t_parent: Section | None = None
    siblings: tuple[Section, ...] = template.sections
    for s in template.all_sections():
        if wanted in s.children:
            t_parent, siblings = s, s.children
    if t_parent is not None and t_parent.level > 1:
        parent = find_section(doc, t_parent.template_name or t_parent.title)
        if parent is None:
            raise NotFoundError(
                f"{where}: no section {name!r}; add its parent section {t_parent.title} first "
                "(write_section creates it)"
            )
        pool: tuple[Section, ...] = parent.children
        end_of_parent = body_region(data, parent)[1] or parent.heading.end
    else:
        parent = None
        top = [s for s in doc.sections if s.level == 1]
        pool = top[0].children if len(top) == 1 else doc.sections
        end_of_parent = len(data)
    later = list(siblings[siblings.index(wanted) + 1 :])
    nl = newline_of(data)
    heading = ("#" * wanted.level + " " + wanted.title).encode("utf-8")
    text = body.encode("utf-8").replace(b"\n", nl)
    block = heading + nl + (nl + text + nl if body else b"")
    # sections of this level separated by `---` lines: the new one is too
    breaks = any(
        s.level == wanted.level
        and any(_BREAK.match(data[a:b].rstrip(b"\r\n")) for a, b in _lines(data, *_gap(data, s)))
        for s in doc.all_sections()
    )
    following = next(
        (s for t in later for s in pool if _named([s], t.template_name or t.title)), None
    )
    if following is not None:
        at = following.heading.start
        patch = Patch(at, at, block + nl + ((b"---" + nl + nl) if breaks else b""))
    else:
        at = end_of_parent if parent is not None else _content_end(data)
        lead = b"" if at == 0 or data[at - 1 : at] in (b"\n", b"\r") else nl
        patch = Patch(at, at, lead + nl + ((b"---" + nl + nl) if breaks else b"") + block)
    title = wanted.title

    def check(after: Document) -> list[str]:
        got = [s for s in after.all_sections() if s.title == title]
        if len(got) != 1 or section_body(after.source, got[0]) != body:
            return [f"the new section {title} would not read back as written"]
        return []

    return _Plan(f"{where}: added section {title}", [patch], check)


def _gap(data: bytes, s: Section) -> tuple[int, int]:
    """The separator lines just before section ``s``'s heading."""
    pos = s.heading.start
    start = pos
    while start > 0:
        prev = max(data.rfind(b"\n", 0, start - 1), data.rfind(b"\r", 0, start - 1)) + 1
        line = data[prev:start].rstrip(b"\r\n")
        if line.strip() and not _BREAK.match(line):
            break
        start = prev
    return start, pos


def _content_end(data: bytes) -> int:
    end = 0
    for a, b in _lines(data, 0, len(data)):
        line = data[a:b].rstrip(b"\r\n")
        if line.strip() and not _BREAK.match(line):
            end = b
    return end


# -- requirements ---------------------------------------------------------------------------
def _one_line(value: str, what: str) -> str:
    if "\n" in value or "\r" in value:
        raise UsageError(f"{what} must be one line; remove the line breaks")
    if not value.strip():
        raise UsageError(f"{what} is empty")
    return value.strip()


def _item_end(data: bytes, r: Requirement) -> int:
    """End of the last line of requirement ``r``'s item that is not blank."""
    end = r.span.start
    for a, b in _lines(data, r.span.start, r.span.end):
        if data[a:b].strip():
            end = b
    return end


def _next_id(reqs: list[Requirement], others: list[Requirement], prefix: str, book: Book) -> str:
    """The next free ID in the document's own style: the last number of its highest ID
    of this kind plus one, zero-padded as that one is (``FR-009`` -> ``FR-010``); with
    none of this kind, the style of the other kind's IDs; else the book's default."""
    styled = [(m.group(1), m.group(2), m.group(3)) for r in reqs if (m := _LAST_NUMBER.match(r.id))]
    if styled:
        stem, digits, tail = max(styled, key=lambda x: int(x[1]))
        n = int(digits) + 1
        width = len(digits) if digits.startswith("0") else 1
        return f"{stem}{n:0{width}d}{tail}"
    for r in others:
        m = _LAST_NUMBER.match(r.id)
        if m and not any(c.isdigit() for c in m.group(1)):
            stem = re.sub(r"^[A-Za-z]+", prefix, m.group(1))
            digits = m.group(2)
            width = len(digits) if digits.startswith("0") else 1
            return f"{stem}{1:0{width}d}{m.group(3)}"
    pattern = re.compile(book.config.requirement_pattern)
    for guess in (f"{prefix}-1", f"{prefix}1"):
        if pattern.fullmatch(guess):
            return guess
    raise UsageError(
        f"cannot tell how this book writes a new requirement ID ([requirements] id = "
        f"{book.config.requirement_id!r}); add the first one with write_section"
    )


def _is_prompt(r: Requirement) -> bool:
    return is_placeholder(r.text) and all(
        v is None or is_placeholder(v) for v in (r.criteria, r.target)
    )


def _detail_line(data: bytes, r: Requirement, value: str, label: str, nl: bytes) -> bytes:
    """Requirement ``r``'s acceptance or target line with ``value`` in place of its own."""
    span = r.criteria_span if label == "criteria" else r.target_span
    old = r.criteria if label == "criteria" else r.target
    if span is not None and old is not None:
        line = data[span.start : span.end].rstrip(b"\r\n")  # (a CRLF line's span holds its CR)
        i = line.rfind(old.encode("utf-8"))
        if i >= 0:
            return line[:i] + value.encode("utf-8") + line[i + len(old.encode("utf-8")) :]
    first = data[r.span.start : _line_end(data, r.span.start)]
    m = re.match(rb"[ \t]*(?:[-*+]|\d+[.)])[ \t]+", first)
    indent = b" " * (len(m.group(0)) if m else 2)
    word = "Acceptance Criteria" if label == "criteria" else "Target"
    return indent + f"- {word}: {value}".encode()


def _line_end(data: bytes, pos: int) -> int:
    """Offset of the line ending (not after it) of the line holding ``pos``."""
    while pos < len(data) and data[pos] not in b"\r\n":
        pos += 1
    return pos


def _first_line(data: bytes, r: Requirement, new_id: str, text: str, number: int | None) -> bytes:
    line = data[r.span.start : _line_end(data, r.span.start)]
    i = line.find(r.id.encode())
    j = line.rfind(r.text.encode("utf-8")) if r.text else -1
    if i < 0 or j < i + len(r.id):
        m = re.match(rb"[ \t]*(?:[-*+]|\d+[.)])[ \t]+", line)
        marker = m.group(0) if m else b"- "
        line = marker + f"**{r.id}**: {r.text}".encode()
        i = line.find(r.id.encode())
        j = line.rfind(r.text.encode("utf-8"))
    out = (
        line[:i]
        + new_id.encode()
        + line[i + len(r.id) : j]
        + text.encode("utf-8")
        + line[j + len(r.text.encode("utf-8")) :]
    )
    m = _MARKER_NUMBER.match(out)
    if number is not None and m is not None:
        out = m.group(1) + str(number).encode() + m.group(3) + out[m.end() :]
    return out


def _kind_words(kind: str, book: Book) -> tuple[str, str, tuple[str, ...]]:
    """(requirement kind as the parser names it, its detail label, its prefixes)."""
    k = kind.strip().upper()
    cfg = book.config
    if k in ("FR", "FUNCTIONAL") or k in cfg.functional_prefixes:
        return "functional", "criteria", cfg.functional_prefixes
    if k in ("NFR", "NON-FUNCTIONAL", "NONFUNCTIONAL") or k in cfg.non_functional_prefixes:
        return "non-functional", "target", cfg.non_functional_prefixes
    raise UsageError(f"unknown requirement kind {kind!r}; say FR or NFR")


def add_requirement(
    book: Book,
    path: Path,
    kind: str,
    text: str,
    detail: str,
    expected_hash: str | None,
    *,
    dry_run: bool = False,
    known: Callable[[str], bytes | None] = lambda h: None,
) -> Written:
    """Add a functional (``kind`` FR, ``detail`` its acceptance criteria) or
    non-functional requirement (NFR, ``detail`` its target) with the next free ID in
    the document's own style, written like its last requirement of that kind. While
    every requirement of that kind is still the template's prompt, the first one added
    takes their place (and the first number). Raises :class:`UsageError`,
    :class:`NotFoundError` (no requirements section to add to), and as :func:`apply`."""
    req_kind, label, prefixes = _kind_words(kind, book)
    text = _one_line(text, "the requirement text")
    detail = _one_line(detail, "the acceptance criteria" if label == "criteria" else "the target")

    def plan(edit: DocumentEdit) -> _Plan:
        doc, data = edit.doc, edit.original
        where = doc.id or doc.path
        mine = [r for r in doc.requirements if r.kind == req_kind]
        others = [r for r in doc.requirements if r.kind != req_kind]
        nl = newline_of(data)
        prompts = bool(mine) and all(_is_prompt(r) for r in mine)
        model: Requirement | None
        if prompts:
            new_id = mine[0].id
            model = mine[0]
        else:
            new_id = _next_id(mine, others, prefixes[0], book)
            model = mine[-1] if mine else (others[-1] if others else None)
        if model is None:
            raise NotFoundError(
                f"{where}: has no requirements to follow; write the first into its "
                "Requirements section with write_section"
            )
        number = None
        if _MARKER_NUMBER.match(data, model.span.start):
            if prompts:
                number = int(_MARKER_NUMBER.match(data, mine[0].span.start).group(2))  # type: ignore[union-attr]
            elif mine:
                m = _MARKER_NUMBER.match(data, mine[-1].span.start)
                number = int(m.group(2)) + 1 if m else None
            else:
                number = 1
        item = _first_line(data, model, new_id, text, number) + nl
        item += _detail_line(data, model, detail, label, nl) + nl
        if prompts:
            patch = Patch(mine[0].span.start, _item_end(data, mine[-1]), item)
        elif mine:
            at = _item_end(data, mine[-1])
            if len(mine) >= 2:
                gap = data[_item_end(data, mine[-2]) : mine[-1].span.start]
            else:
                gap = nl if data[_item_end(data, mine[-1]) :].startswith((b"\n", b"\r")) else b""
            lead = b"" if data[at - 1 : at] in (b"\n", b"\r") else nl
            patch = Patch(at, at, lead + gap + item)
        else:
            section = doc.section(
                "Functional Requirements"
                if req_kind == "functional"
                else "Non-Functional Requirements"
            )
            if section is None:
                raise NotFoundError(
                    f"{where}: no {req_kind} requirements and no section for them; write "
                    "the first with write_section"
                )
            end = body_region(data, section)[1]
            at = end if end > section.heading.end else section.heading.end
            patch = Patch(at, at, nl + item if end > section.heading.end else item)

        def check(after: Document) -> list[str]:
            got = next((r for r in after.requirements if r.id == new_id), None)
            said = None if got is None else (got.criteria if label == "criteria" else got.target)
            if got is None or got.text != text or said != detail:
                said_as = "nothing" if got is None else f"{got.text!r} / {said!r}"
                return [f"{new_id} would not read back as written: it reads {said_as}"]
            return []

        check_ids = {r.id for r in mine} if prompts else set()
        replaced = f" in place of the template's {', '.join(sorted(check_ids))}" if prompts else ""
        return _Plan(f"{where}: added {new_id}{replaced}", [patch], check)

    return apply(book, path, expected_hash, plan, dry_run=dry_run, known=known)


def update_requirement(
    book: Book,
    path: Path,
    req_id: str,
    text: str | None,
    acceptance: str | None,
    target: str | None,
    expected_hash: str | None,
    *,
    dry_run: bool = False,
    known: Callable[[str], bytes | None] = lambda h: None,
) -> Written:
    """Replace the text, acceptance criteria or target of requirement ``req_id``
    (each given one; a missing acceptance or target line is added in the item's
    style). Raises :class:`NotFoundError` for an ID the document does not have,
    :class:`UsageError` when nothing is given, and as :func:`apply`."""
    if text is None and acceptance is None and target is None:
        raise UsageError("give the new text, acceptance criteria or target")
    text = None if text is None else _one_line(text, "the requirement text")
    acceptance = None if acceptance is None else _one_line(acceptance, "the acceptance criteria")
    target = None if target is None else _one_line(target, "the target")

    def plan(edit: DocumentEdit) -> _Plan:
        doc, data = edit.doc, edit.original
        where = doc.id or doc.path
        hits = [r for r in doc.requirements if r.id.casefold() == req_id.strip().casefold()]
        if not hits:
            ids = ", ".join(r.id for r in doc.requirements) or "none"
            raise NotFoundError(f"{where}: no requirement {req_id}; it has: {ids}")
        if len(hits) > 1:
            raise UsageError(f"{where}: {req_id} is stated {len(hits)} times; fix that first")
        r = hits[0]
        nl = newline_of(data, r.span.start)
        patches = []
        if text is not None:
            eol = _line_end(data, r.span.start)
            patches.append(Patch(r.span.start, eol, _first_line(data, r, r.id, text, None)))
        for value, label, span in (
            (acceptance, "criteria", r.criteria_span),
            (target, "target", r.target_span),
        ):
            if value is None:
                continue
            line = _detail_line(data, r, value, label, nl)
            if span is not None:
                kept = data[span.start : span.end].rstrip(b"\r\n")
                patches.append(Patch(span.start, span.start + len(kept), line))
            else:
                at = _item_end(data, r)
                lead = b"" if data[at - 1 : at] in (b"\n", b"\r") else nl
                patches.append(Patch(at, at, lead + line + nl))

        def check(after: Document) -> list[str]:
            got = next((x for x in after.requirements if x.id == r.id), None)
            if got is None:
                return [f"{r.id} would be gone"]
            wrong = [
                name
                for name, want, have in (
                    ("text", text, got.text),
                    ("acceptance criteria", acceptance, got.criteria),
                    ("target", target, got.target),
                )
                if want is not None and want != have
            ]
            return [f"{r.id}'s {', '.join(wrong)} would not read back as written"] if wrong else []

        return _Plan(f"{where}: updated {r.id}", patches, check)

    return apply(book, path, expected_hash, plan, dry_run=dry_run, known=known)


# -- tables -----------------------------------------------------------------------------------
def _cell_text(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise UsageError(f"the cell {value[:40]!r} must be one line; remove the line breaks")
    return value.strip().replace("\\", "\\\\").replace("|", "\\|")


def _example_row(data: bytes, table: Table, i: int, template: frozenset[bytes]) -> bool:
    """Whether row ``i`` is still the template's example: every cell a prompt
    (``[Risk 1]``, ``High/Med/Low``), or the row as the template writes it with a
    prompt in it (``| Design | [X days] | [YYYY-MM-DD] | ...``)."""
    from specbook.templates.facts import PROMPT

    def prompt(text: str) -> bool:
        t = text.strip()
        return is_placeholder(t) or PROMPT.fullmatch(t) is not None or t.casefold() in _LEVEL_WORDS

    cells = table.rows[i]
    if all(prompt(c.text) or not c.text.strip() for c in cells):
        return True
    span = table.row_spans[i]
    line = data[_line_start(data, span.start) : _line_end(data, span.start)].strip()
    return any(prompt(c.text) for c in cells) and line in template


def _line_start(data: bytes, pos: int) -> int:
    return max(data.rfind(b"\n", 0, pos), data.rfind(b"\r", 0, pos)) + 1


def add_row(
    book: Book,
    path: Path,
    section_name: str,
    cells: list[str],
    expected_hash: str | None,
    *,
    dry_run: bool = False,
    known: Callable[[str], bytes | None] = lambda h: None,
) -> Written:
    """Add a row of ``cells`` (one per column) to the table of section
    ``section_name`` (Risk Assessment, Timeline), after its last row; while every row
    is still the template's prompt, the new row takes their place. The row is refused
    when rules SB604 (Probability and Impact High/Med/Low) or SB605 (a phase ends
    before it starts) would report it. Raises :class:`UsageError`,
    :class:`NotFoundError`, and as :func:`apply`."""
    texts = [_cell_text(c) for c in cells]
    if not any(texts):
        raise UsageError("the row is empty; give one text per column")

    def plan(edit: DocumentEdit) -> _Plan:
        doc, data = edit.doc, edit.original
        where = doc.id or doc.path
        section = find_section(doc, section_name)
        if section is None:
            raise NotFoundError(f"{where}: no section {section_name!r}; it has: {_titles(doc)}")
        if (section.template_name or section.title).strip().casefold() in LIFECYCLE_SECTIONS:
            raise UsageError(f"{where}: {section.title} is written by the lifecycle tools")
        tables = [t for t in doc.tables if section.span.start <= t.span.start < section.span.end]
        if not tables:
            raise NotFoundError(f"{where}: section {section.title} has no table")
        table = tables[0]
        header = [c.text for c in table.header]
        if len(texts) != len(header):
            raise UsageError(
                f"{where}: the {section.title} table has {len(header)} columns "
                f"({', '.join(header)}); give {len(header)} cells, not {len(texts)}"
            )
        nl = newline_of(data, table.span.start)
        row = ("| " + " | ".join(texts) + " |").encode("utf-8")
        spans = table.row_spans
        model = _template_document(book, doc)
        lines = frozenset(x.strip() for x in model.source.splitlines()) if model else frozenset()
        prompts = bool(spans) and all(
            _example_row(data, table, i, lines) for i in range(len(table.rows))
        )
        if prompts:
            patch = Patch(_line_start(data, spans[0].start), _line_end(data, spans[-1].start), row)
            replaced = f" in place of the template's {len(spans)} example row(s)"
        else:
            at = _line_end(data, max(table.span.end - 1, table.span.start))
            patch = Patch(at, at, nl + row)
            replaced = ""
        start = patch.start

        def check(after: Document) -> list[str]:
            from specbook.lint.engine import Linter

            line = after.source.count(b"\n", 0, start + (0 if prompts else len(nl))) + 1
            got = [t for t in after.tables if t.span.start == table.span.start]
            rows = [r for r, s in zip(got[0].rows, got[0].row_spans, strict=False)
                    if s.line == line] if got else []  # fmt: skip
            out = []
            if not rows or [c.text.strip() for c in rows[0]] != [c.strip() for c in cells]:
                out.append("the row would not read back as written")
            for f in Linter(book.config).lint_document(after):
                if f.rule in ("SB604", "SB605") and f.line == line:
                    out.append(f"{f.rule} {f.name}: {f.message}")
            return out

        return _Plan(f"{where}: added a row to {section.title}{replaced}", [patch], check)

    return apply(book, path, expected_hash, plan, dry_run=dry_run, known=known)


# -- fields and checklists (through the edit engine) ----------------------------------------------
def set_field(
    book: Book,
    path: Path,
    name: str,
    value: str,
    expected_hash: str | None,
    *,
    dry_run: bool = False,
    known: Callable[[str], bytes | None] = lambda h: None,
) -> Written:
    """Set header field ``name`` (Type, Tags, Reviewers, Author, ...) to ``value`` in
    every place the document states it (front matter, bold line, Metadata, sidecar),
    each in its own form; a missing field is added where the document keeps its
    fields. Lifecycle fields (Status, ID, Approvers, the supersede links) are refused,
    naming the tool that writes them. Raises :class:`UsageError` and as :func:`apply`."""
    key = book.config.field_key(name).replace(" ", "_")
    if key in LIFECYCLE_FIELDS:
        raise UsageError(f"{name} is not set with set_field: {LIFECYCLE_FIELDS[key]}")
    if key in ("modified",):
        raise UsageError(f"{name} follows the document's lifecycle moves; it is not set by hand")
    value = _one_line(value, name)

    def plan(edit: DocumentEdit) -> str:
        doc = edit.doc
        kind = book.config.kinds.get(doc.kind or "")
        said = value
        if key == "type" and kind is not None and kind.types:
            match = [t for t in kind.types if t.casefold() == value.casefold()]
            if not match:
                raise UsageError(
                    f"unknown type {value!r} for {kind.name}; allowed: {', '.join(kind.types)}"
                )
            said = match[0]
        edit.set_field(key, said)
        return f"{doc.id or doc.path}: {name} set to {said}"

    return apply(book, path, expected_hash, plan, dry_run=dry_run, known=known)


def check(
    book: Book,
    path: Path,
    item: str | None,
    section: str | None,
    expected_hash: str | None,
    *,
    by: str | None = None,
    on: dt.date | None = None,
    dry_run: bool = False,
    known: Callable[[str], bytes | None] = lambda h: None,
) -> Written:
    """Tick checklist items as ``specbook check`` does (one by number or text, or every
    item of a section; the document's own modified date follows). Raises as
    :func:`specbook.services.lifecycle.tick_items` and :func:`apply`."""
    from specbook.core.clock import today
    from specbook.services.lifecycle import tick_items

    date = on or today()

    def plan(edit: DocumentEdit) -> str:
        return tick_items(book, edit, item, section, date, by)

    return apply(book, path, expected_hash, plan, dry_run=dry_run, known=known)
