"""Property test: lifecycle edits change only the bytes they must.

Random variations of the filled spec (newlines, BOM, tabs and trailing spaces, non-ASCII
names, Review History / Metadata / front matter present or not) go through random
sequences of ``transition`` / ``review`` / ``check``. After every step the old and new
bytes are diffed (difflib, lines then bytes): every change must lie in a value the
operation sets, the ticked ``[ ]``, or the place where a row, field or section is added;
and the re-parsed document must say what the operation intended. A document that keeps
neither Review History nor Metadata (the kind's ``history = "auto"``) gets no row and no
section: an approval goes to an approvers field added in its header instead.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specbook.book import Book
from specbook.core.model import Document, Field, Span
from specbook.parse import parse
from specbook.services.init import init_book
from specbook.services.lifecycle import check, review, transition
from specbook.services.zeroconf import open_book

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "spec-filled.md"
BOM = b"\xef\xbb\xbf"
REL = "docs/specs/SPEC-001-password-reset.md"
STATUSES = ("Draft", "Review", "Approved", "Implemented", "Archived")
PEOPLE = ("Bo Chen", "dana ruiz", "José Núñez", "Zoë Ångström", "李雷", "Anne-Marie O'Neil")
NOTES = ("", "Looks good", "needs a | pipe", "ça coûte — trop", "  padded  ")
TRAILING = (" ", "  ", "\t", " \t ")
HEADER_SOURCES = ("front_matter", "bold", "table", "section", "plain")
VERDICT_LABEL = {"approve": "Approve", "comment": "Comment", "request-changes": "Changes requested"}
FRONT = {
    "none": "",
    "status": "---\nid: SPEC-001\ntitle: Password reset\nstatus: Review\n---\n\n",
    "quoted": '---\nid: SPEC-001\nstatus: "Review"\nowner: x\n---\n\n',
    "no-status": "---\ntitle: Password reset\ntags: [auth]\n---\n\n",
}


# -- documents ------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    newline: str  # lf, crlf, mixed
    bom: bool
    nonascii: bool
    history: str  # table, removed, heading
    metadata: str  # full, removed, partial
    front: str  # a key of FRONT
    final_newline: bool
    density: float  # share of lines that get tabs / trailing whitespace
    seed: int


def _drop_section(lines: list[str], title: str) -> list[str]:
    """Remove ``## title`` up to the next ``## `` heading (its closing ``---`` included)."""
    i = lines.index(f"## {title}")
    j = next(k for k in range(i + 1, len(lines)) if lines[k].startswith("## "))
    return lines[:i] + lines[j:]


def build(v: Variant) -> bytes:
    rng = random.Random(v.seed)
    text = FIXTURE.read_text("utf-8")
    if v.nonascii:
        text = (
            text.replace("Alice Martin", "Zoë Ångström-Ørsted")
            .replace("Bo Chen", "Bǒ Chén")
            .replace("Password reset by email", "Réinitialisation du mot de passe 🔑")
        )
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if v.history == "removed":
        lines = _drop_section(lines, "Review History")
    elif v.history == "heading":
        i = lines.index("## Review History")
        while lines[i + 2].startswith("|"):  # the table: header, rule and rows
            del lines[i + 2]
        del lines[i + 2]  # the blank line after the table
    if v.metadata == "removed":
        lines = _drop_section(lines, "Metadata")
    elif v.metadata == "partial":
        gone = [k for k in ("Modified", "Reviewers", "Approvers") if rng.random() < 0.6]
        lines = [ln for ln in lines if not any(ln.startswith(f"- **{k}**") for k in gone)]
    front = FRONT[v.front].split("\n")[:-1]
    out = []
    for ln in lines:
        # (pulldown-cmark ends no fence, and starts no table, on a line with a trailing tab:
        # leave those lines alone so the document keeps its shape)
        if ln and not ln.startswith(("```", "|-")) and rng.random() < v.density:
            if ln.startswith("- ") and rng.random() < 0.5:
                ln = "-\t" + ln[2:]
            elif ln.startswith("**") and "**: " in ln and rng.random() < 0.5:
                ln = ln.replace("**: ", "**:\t", 1)
            else:
                ln += rng.choice(TRAILING)
        out.append(ln)
    lines = front + out
    endings = {"lf": ["\n"], "crlf": ["\r\n"], "mixed": ["\n", "\r\n"]}[v.newline]
    text = "".join(ln + rng.choice(endings) for ln in lines)
    if not v.final_newline:
        text = text.rstrip("\r\n")
    data = text.encode("utf-8")
    return BOM + data if v.bom else data


variants = st.builds(
    Variant,
    newline=st.sampled_from(["lf", "crlf", "mixed"]),
    bom=st.booleans(),
    nonascii=st.booleans(),
    history=st.sampled_from(["table", "removed", "heading"]),
    metadata=st.sampled_from(["full", "removed", "partial"]),
    front=st.sampled_from(sorted(FRONT)),
    final_newline=st.booleans(),
    density=st.sampled_from([0.0, 0.1, 0.4]),
    seed=st.integers(0, 2**32 - 1),
)
operations = st.lists(
    st.tuples(
        st.sampled_from(["transition", "approve", "comment", "request-changes", "check"]),
        st.integers(0, 10_000),
        st.sampled_from(PEOPLE),
        st.sampled_from(NOTES),
    ),
    min_size=1,
    max_size=6,
)


# -- what an operation may change ----------------------------------------------------


def header_fields(doc: Document, key: str) -> list[Field]:
    return [
        f
        for f in doc.fields
        if f.key == key and f.source in HEADER_SOURCES and f.section in (None, "Metadata")
    ]


class Lines:
    """Line starts of a byte string (CRLF, LF and CR all end a line)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.lines = data.splitlines(keepends=True)
        self.starts = [0]
        for ln in self.lines:
            self.starts.append(self.starts[-1] + len(ln))

    def index(self, offset: int) -> int:
        """The line holding byte ``offset`` (len(data) is past the last line)."""
        lo, hi = 0, len(self.lines)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.starts[mid + 1] <= offset:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def around(self, line: int, slack: int = 2) -> Span:
        """Bytes from ``slack`` lines before ``line`` to the end of ``slack`` lines after."""
        a = max(0, line - slack)
        b = min(len(self.lines), line + slack + 1)
        return Span(self.starts[a], self.starts[b], a + 1, b)


@dataclass
class Allowed:
    """Spans whose bytes may be replaced and zones where new bytes may be inserted."""

    values: list[Span] = field(default_factory=list)
    zones: list[Span] = field(default_factory=list)
    changed_lines: set[int] = field(default_factory=set)  # old lines that may differ

    def replace_ok(self, a: int, b: int) -> bool:
        return any(s.start <= a and b <= s.end for s in self.values)

    def insert_ok(self, a: int) -> bool:
        return any(s.start <= a <= s.end for s in [*self.values, *self.zones])


def _table_in(doc: Document, title: str) -> tuple[Span | None, Span | None]:
    """(section heading, table) of the first section called ``title``."""
    for s in doc.all_sections():
        if (s.template_name or s.title).strip().casefold() == title.casefold():
            table = next((t for t in doc.tables if s.span.start <= t.span.start < s.span.end), None)
            return s.heading, table.span if table else None
    return None, None


def keeps_history(doc: Document) -> bool:
    """``history = "auto"``: rows go where the document keeps a Review History or
    follows the template (has its Metadata section)."""
    return doc.section("Review History") is not None or doc.section("Metadata") is not None


def allow_field(
    allowed: Allowed, doc: Document, lines: Lines, key: str, required: bool = False
) -> None:
    places = header_fields(doc, key)
    for f in places:
        allowed.values.append(f.value_span)
        allowed.changed_lines.add(lines.index(f.value_span.start))
    if places:
        return
    meta_fields = [f for f in doc.fields if f.section == "Metadata"]
    meta = doc.section("Metadata")
    if meta_fields:
        allow_insert(allowed, lines, max(f.span.end for f in meta_fields) - 1)
    elif meta is not None:
        allow_insert(allowed, lines, meta.heading.start)
    elif required:  # in the header: front matter's end, else after the bold header lines
        front = [f for f in doc.fields if f.source == "front_matter"]
        bold = [f for f in doc.fields if f.source == "bold" and f.section is None]
        if front:
            allow_insert(allowed, lines, max(f.span.end for f in front))
        elif bold:
            allow_insert(allowed, lines, max(f.span.end for f in bold))


def allow_row(allowed: Allowed, doc: Document, lines: Lines) -> None:
    heading, table = _table_in(doc, "Review History")
    meta = doc.section("Metadata")
    if table is not None:
        allow_insert(allowed, lines, table.end - 1)
    elif heading is not None:
        allow_insert(allowed, lines, heading.start)
    elif meta is not None:
        allow_insert(allowed, lines, meta.heading.start)


def allow_insert(allowed: Allowed, lines: Lines, offset: int) -> None:
    line = lines.index(offset)
    allowed.zones.append(lines.around(line))
    if offset == len(lines.data) and lines.lines and not lines.lines[-1].endswith(b"\n"):
        # adding after a last line with no newline ends that line first
        allowed.changed_lines.add(len(lines.lines) - 1)
        allowed.values.append(Span(len(lines.data), len(lines.data), 0, 0))


# -- byte checks -----------------------------------------------------------------------


def newline_style(data: bytes) -> str:
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    cr = data.count(b"\r") - crlf
    if cr:
        return "cr"
    if crlf and lf:
        return "mixed"
    return "crlf" if crlf else "lf"


def check_bytes(old: bytes, new: bytes, allowed: Allowed, what: str) -> None:
    old_lines, new_lines = Lines(old), Lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines.lines, new_lines.lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        ob, oe = old_lines.starts[i1], old_lines.starts[i2]
        nb, ne = new_lines.starts[j1], new_lines.starts[j2]
        inner = difflib.SequenceMatcher(None, old[ob:oe], new[nb:ne], autojunk=False)
        for t, a1, a2, b1, b2 in inner.get_opcodes():
            if t == "equal":
                continue
            a, b = ob + a1, ob + a2
            ok = allowed.insert_ok(a) if a == b else allowed.replace_ok(a, b)
            assert ok, (
                f"{what}: bytes {a}:{b} (line {old_lines.index(a) + 1}) changed from "
                f"{old[a:b]!r} to {new[nb + b1 : nb + b2]!r}, outside the intended spans\n"
                f"context: {old[max(0, a - 60) : b + 60]!r}"
            )
    # untouched lines (tabs, trailing spaces, newline bytes and all) are still there
    untouched = Counter(
        ln for i, ln in enumerate(old_lines.lines) if i not in allowed.changed_lines
    )
    missing = untouched - Counter(new_lines.lines)
    assert not missing, f"{what}: lines lost or altered: {list(missing)[:5]}"
    # BOM and newline style
    assert new.startswith(BOM) == old.startswith(BOM), what
    assert not new.startswith(BOM + BOM), what
    style = newline_style(old)
    got = newline_style(new)
    if style in ("lf", "crlf"):
        assert got == style, f"{what}: newline style {style} became {got}"
    else:
        assert got in ("mixed", "lf", "crlf"), f"{what}: a bare CR appeared"
    # what was added or rewritten is only what an operation writes
    rewritten = {old_lines.lines[i].rstrip(b"\r\n") for i in allowed.changed_lines}
    for line in Counter(new_lines.lines) - untouched:
        text = line.rstrip(b"\r\n")
        if text.startswith(BOM):
            text = text[len(BOM) :]
        assert NEW_LINE.match(text.decode("utf-8")) or text in rewritten, (
            f"{what}: unexpected new line {line!r}"
        )


NEW_LINE = re.compile(
    r"""^(?:
    | \|.*\|[ \t]*                                          # a table row
    | \#\#\ (?:Review\ History|Metadata)                     # a section the edit adds
    | status:[ \t].*                                        # front matter status
    | approvers:[ \t]\[.*\]                                  # front matter approvers
    | [ \t]*(?:[-*+][ \t]+)?\*\*(?:Status|Modified|Reviewers|Approvers)\*\*:.*
    | [ \t]*[-*+][ \t]+\[x\][ \t].*                          # a ticked item
    )$""",
    re.X,
)
LIST_ITEM = re.compile(rb"[ \t]*[-*+][ \t]")


def metadata_markers(doc: Document) -> list[bytes | None]:
    """The list marker (``- ``, ``-\\t``) of each Metadata field line, or None if it has none."""
    lines = Lines(doc.source)
    out = []
    for f in doc.fields:
        if f.section == "Metadata":
            start = lines.starts[lines.index(f.span.start)]
            m = LIST_ITEM.match(doc.source, start)
            out.append(m.group(0) if m else None)
    return out


def check_metadata_list(before: Document, after: Document, what: str) -> None:
    """A field added to a Metadata list is an item of that list too."""
    old, new = metadata_markers(before), metadata_markers(after)
    if not old or not all(old):
        return
    assert all(new), f"{what}: a Metadata field line has no list marker: {new}"


# -- running one operation -------------------------------------------------------------


@dataclass
class Step:
    kind: str
    person: str
    note: str
    day: str
    target: str | None = None
    item: int | None = None  # index into checklists
    back: bool = False


def run_step(
    book: Book, before: Document, op: tuple[str, int, str, str], n: int
) -> tuple[Step, Allowed]:
    verb, pick, person, note = op
    day = dt.date(2026, 5, 10) + dt.timedelta(days=n)
    old = before.source
    lines = Lines(old)
    allowed = Allowed()
    if verb == "check":
        open_items = [i for i, c in enumerate(before.checklists) if not c.checked]
        if not open_items:
            return Step("noop", person, note, day.isoformat()), allowed
        idx = open_items[pick % len(open_items)]
        marker = before.checklists[idx].marker
        allowed.values.append(marker)
        allowed.changed_lines.add(lines.index(marker.start))
        allow_field(allowed, before, lines, "modified")
        msg = check(book, "SPEC-001", str(idx + 1), by=person, on=day)
        assert "checked 1 item" in msg
        return Step("check", person, note, day.isoformat(), item=idx), allowed
    allow_field(allowed, before, lines, "modified")
    allow_row(allowed, before, lines)
    if verb == "transition":
        choices = [s for s in STATUSES if s != before.status_canonical]
        target = choices[pick % len(choices)]
        spelled = [target, target.lower(), target.upper()][pick % 3]
        allow_field(allowed, before, lines, "status")
        transition(book, "SPEC-001", spelled, by=person, note=note, force=True, on=day)
        return Step("transition", person, note, day.isoformat(), target=target), allowed
    back = verb == "request-changes" and before.status_canonical == "Review"
    allow_field(allowed, before, lines, "reviewers")
    if verb == "approve":
        allow_field(allowed, before, lines, "approvers", required=not keeps_history(before))
    if back:
        allow_field(allowed, before, lines, "status")
    review(book, "SPEC-001", verb, by=person, note=note, on=day)
    return Step(verb, person, note, day.isoformat(), back=back), allowed


def names(value: str | None) -> list[str]:
    return [n.strip().casefold() for n in (value or "").split(",")]


def check_meaning(before: Document, after: Document, step: Step) -> None:
    assert not after.problems, after.problems
    if step.kind == "noop":
        return
    modified = {f.value for f in header_fields(after, "modified")}
    has_modified = bool(header_fields(before, "modified")) or before.section("Metadata")
    assert modified == ({step.day} if has_modified else set()), modified
    if step.kind == "check":
        assert step.item is not None
        got = [c.checked for c in after.checklists]
        want = [c.checked for c in before.checklists]
        want[step.item] = True
        assert got == want
        return
    statuses = {f.value for f in header_fields(after, "status")}
    rows = after.review_history
    if not keeps_history(before):
        assert not after.section("Review History") and not after.section("Metadata")
        assert len(rows) == 0
        if step.kind == "approve":
            assert step.person.casefold() in names(after.value("approvers"))
        if step.kind == "transition":
            assert statuses == {step.target}, statuses
        elif step.back:
            assert statuses == {"Draft"}, statuses
        return
    if step.kind == "transition":
        assert after.status_canonical == step.target
        assert statuses == {step.target}, statuses
        assert len(rows) == len(before.review_history) + 1
        last = rows[-1]
        assert (last.date, last.reviewer, last.status) == (step.day, step.person, step.target)
        want_note = step.note.strip()
        assert last.feedback == want_note or (
            last.feedback.startswith("forced past: ")
            and last.feedback.endswith(f"; {want_note}" if want_note else "")
        ), last.feedback
        return
    label = VERDICT_LABEL[step.kind]
    added = rows[len(before.review_history) :]
    assert [(e.date, e.reviewer, e.status, e.feedback) for e in added[:1]] == [
        (step.day, step.person, label, step.note.strip())
    ]
    if step.back:
        assert after.status_canonical == "Draft"
        assert statuses == {"Draft"}, statuses
        assert [(e.status, e.feedback) for e in added[1:]] == [("Draft", "changes requested")]
    else:
        assert len(added) == 1
        assert after.status_canonical == before.status_canonical
    # the names go to the fields the document has (or its Metadata section); a field it
    # lacks is not added when the Review History records the review
    meta = before.section("Metadata") is not None
    if meta or header_fields(before, "reviewers"):
        assert step.person.casefold() in names(after.value("reviewers"))
    else:
        assert not header_fields(after, "reviewers")
    if step.kind == "approve" and (meta or header_fields(before, "approvers")):
        assert step.person.casefold() in names(after.value("approvers"))


# -- the test --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec_book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Book, Path]]:
    root = tmp_path_factory.mktemp("propbook")
    init_book(root)
    old = os.environ.get("SPECBOOK_TODAY")
    os.environ["SPECBOOK_TODAY"] = "2026-05-04"
    try:
        yield open_book(root), root / REL
    finally:
        if old is None:
            del os.environ["SPECBOOK_TODAY"]
        else:
            os.environ["SPECBOOK_TODAY"] = old


def test_build_makes_what_it_says() -> None:
    v = Variant("crlf", True, True, "removed", "removed", "status", False, 0.4, 7)
    data = build(v)
    assert data.startswith(BOM + b"---\r\n")
    assert b"Review History" not in data and b"## Metadata" not in data
    assert b"\t" in data and not data.endswith(b"\n")
    assert newline_style(data) == "crlf"
    mixed = build(Variant("mixed", False, False, "heading", "partial", "none", True, 0.0, 3))
    assert newline_style(mixed) == "mixed"
    assert re.search(rb"## Review History\r?\n\r?\n---", mixed)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(variant=variants, ops=operations)
def test_lifecycle_edits_touch_only_their_bytes(
    spec_book: tuple[Book, Path], variant: Variant, ops: list[tuple[str, int, str, str]]
) -> None:
    book, path = spec_book
    path.write_bytes(build(variant))
    for n, op in enumerate(ops):
        old = path.read_bytes()
        before = parse(old, REL, book.config)
        assert before.id == "SPEC-001" and before.status_canonical is not None
        step, allowed = run_step(book, before, op, n)
        new = path.read_bytes()
        what = f"step {n + 1} {op[0]} ({variant})"
        if step.kind == "noop":
            assert new == old
            continue
        check_bytes(old, new, allowed, what)
        after = parse(new, REL, book.config)
        check_meaning(before, after, step)
        check_metadata_list(before, after, what)


@pytest.mark.parametrize("history", ["heading", "removed"])
def test_request_changes_without_history_table(spec_book: tuple[Book, Path], history: str) -> None:
    book, path = spec_book
    path.write_bytes(build(Variant("lf", False, False, history, "full", "none", True, 0.0, 0)))
    review(book, "SPEC-001", "request-changes", by="Bo Chen", note="n", on=dt.date(2026, 5, 4))
    after = parse(path.read_bytes(), REL, book.config)
    assert [(e.status, e.feedback) for e in after.review_history] == [
        ("Changes requested", "n"),
        ("Draft", "changes requested"),
    ]


def test_field_added_after_tab_bullet(spec_book: tuple[Book, Path]) -> None:
    book, path = spec_book
    data = FIXTURE.read_bytes().replace(b"- **Approvers**: None\n", b"")
    path.write_bytes(data.replace(b"- **Tags**: ", b"-\t**Tags**: "))
    review(book, "SPEC-001", "approve", by="Zed", note="ok", on=dt.date(2026, 5, 4))
    assert re.search(
        rb"\n-\t\*\*Tags\*\*: [^\n]*\n-[ \t]+\*\*Approvers\*\*: Zed\n", path.read_bytes()
    )
