"""Editing one document by byte-span patches, verified before anything is written.

A :class:`DocumentEdit` reads a file's bytes, parses them, and collects patches:
set a field (in every header place that states it, so front matter and bold line
stay consistent), add a name to a list field, append a Review History row, tick a
checklist item. Where a field or the Review History table is missing, it is
inserted where the template puts it. :meth:`DocumentEdit.result` applies the
patches, parses the result again and checks that the document now says what was
intended and that nothing else changed; :meth:`DocumentEdit.write` then replaces the
file atomically, refusing if its bytes changed since they were read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from specbook.config import BookConfig
from specbook.edit.atomic import ChangedOnDisk, replace_if_unchanged
from specbook.edit.patch import Patch, apply_patches
from specbook.errors import SpecbookError
from specbook.layout import read_sidecars
from specbook.model import ChecklistItem, Document, Field, Section
from specbook.parse import parse
from specbook.text import is_placeholder

# Header places an edit keeps consistent; body mentions (a `**Status**:` line in a
# design section) are not the document's field.
_HEADER_SOURCES = ("front_matter", "bold", "table", "section", "plain")
_METADATA_KEYS = ("created", "modified", "author", "reviewers", "approvers", "tags")
_EMPTY = {"", "none", "-", "n/a", "tbd"}
_LIST_MARKER = re.compile(rb"[ \t]*(?:[-*+]|\d+[.)])[ \t]+")
_TITLES = {
    "id": "ID",
    "date": "Date",
    "status": "Status",
    "type": "Type",
    "created": "Created",
    "modified": "Modified",
    "author": "Author",
    "reviewers": "Reviewers",
    "approvers": "Approvers",
    "tags": "Tags",
}


class EditRefused(SpecbookError):
    """Raised when an edit cannot be made safely; nothing is written."""


@dataclass
class _Intent:
    fields: dict[str, str] = field(default_factory=dict)
    rows_added: int = 0
    ticked: set[int] = field(default_factory=set)  # marker start offsets
    new_sections: set[str] = field(default_factory=set)  # sections the edit creates


def newline_of(data: bytes, at: int | None = None) -> bytes:
    """The newline the file uses (near ``at`` when given): CRLF, CR or LF."""
    if at is not None:
        nl = data.find(b"\n", at)
        if nl > 0:
            return b"\r\n" if data[nl - 1 : nl] == b"\r" else b"\n"
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    cr = data.count(b"\r") - crlf
    if crlf >= lf and crlf >= cr and crlf:
        return b"\r\n"
    if cr > lf:
        return b"\r"
    return b"\n"


def _cell(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()
    )


def _one_line(value: str, what: str) -> str:
    if "\n" in value or "\r" in value:
        raise EditRefused(f"{what} must be one line; remove the line breaks")
    return value.strip()


class DocumentEdit:
    """Collects byte patches for one document and verifies them before writing."""

    def __init__(self, path: Path, config: BookConfig | None, rel: str | None = None) -> None:
        self.path = path
        self.config = config
        self.rel = rel if rel is not None else str(path)
        try:
            self.original = path.read_bytes()
        except OSError as exc:
            raise EditRefused(f"{path}: cannot read the file ({exc.strerror})") from exc
        # the document as every reader sees it: with its sidecar metadata files (its
        # status may live in `kep.yaml`)
        self.sidecars = (
            read_sidecars(config, self.rel) if config is not None and config.sidecar_kinds else ()
        )
        self.doc: Document = parse(self.original, self.rel, config, self.sidecars)
        self.patches: list[Patch] = []
        self.intent = _Intent()
        self._meta_patch: int | None = None
        self._rh_patch: int | None = None  # the Review History table this edit adds
        self._rh_row_end = b""

    # -- fields ---------------------------------------------------------------------
    def header_fields(self, key: str) -> list[Field]:
        """Every header place that states ``key`` (front matter, title block, Metadata)."""
        return [
            f
            for f in self.doc.fields
            if f.key == key and f.source in _HEADER_SOURCES and (f.section in (None, "Metadata"))
        ]

    def set_field(self, key: str, value: str) -> None:
        """Write ``value`` into every header place of ``key``; insert the field if missing."""
        value = _one_line(value, key)
        places = self.header_fields(key)
        if not places:
            self._insert_field(key, value)
        for f in places:
            raw = self.original[f.value_span.start : f.value_span.end].decode("utf-8", "replace")
            if (
                f.source == "front_matter"
                and raw != f.value
                and raw.strip() not in (f.value, f"'{f.value}'")
            ):
                raise EditRefused(
                    f"{self.rel}:{f.span.line}: the front matter value of {f.name} is not a plain "
                    "scalar; edit it by hand"
                )
            text = value
            if f.source == "table":
                text = _cell(value)
            self.patches.append(Patch(f.value_span.start, f.value_span.end, text.encode("utf-8")))
        self.intent.fields[key] = value

    def add_name(self, key: str, name: str) -> None:
        """Add ``name`` to a comma-separated list field (Reviewers, Approvers), once."""
        name = _one_line(name, key)
        places = self.header_fields(key)
        current = places[0].value if places else ""
        names = [] if current.strip().lower() in _EMPTY or is_placeholder(current) else [
            n.strip() for n in current.split(",") if n.strip()
        ]  # fmt: skip
        if any(n.casefold() == name.casefold() for n in names):
            return
        self.set_field(key, ", ".join([*names, name]))

    def _insert_field(self, key: str, value: str) -> None:
        data = self.original
        title = _TITLES.get(key, key.replace("_", " ").title())
        if key in _METADATA_KEYS:
            meta = self.doc.section("Metadata")
            existing = [f for f in self.doc.fields if f.section == "Metadata"]
            if existing:
                last = max(existing, key=lambda f: f.span.end)
                nl = newline_of(data, last.span.start)
                # the new line is an item of the same list: copy the marker (`- `, `-\t`, `* `)
                marker = _LIST_MARKER.match(data, last.span.start)
                prefix = marker.group(0) if marker else b""
                at = self._line_end(last.span.end)
                line = prefix + f"**{title}**: {value}".encode() + nl
                self.patches.append(Patch(at, at, line))
                return
            if meta is not None:
                nl = newline_of(data, meta.heading.start)
                at = meta.heading.end
                self.patches.append(Patch(at, at, nl + f"- **{title}**: {value}".encode() + nl))
                return
            nl = newline_of(data)
            at = len(data)
            lead = b"" if data.endswith((b"\n", b"\r")) or not data else nl
            line = f"- **{title}**: {value}".encode() + nl
            if self._meta_patch is not None:  # a Metadata section this edit adds: one more line
                i = self._meta_patch
                self.patches[i] = self.patches[i]._replace(text=self.patches[i].text + line)
                return
            self._meta_patch = len(self.patches)
            self.patches.append(Patch(at, at, lead + nl + b"## Metadata" + nl + nl + line))
            self.intent.new_sections.add("Metadata")
            return
        # a title-block field: after the last bold header line, else under the H1
        header = [f for f in self.doc.fields if f.section is None and f.source == "bold"]
        if header:
            last = max(header, key=lambda f: f.span.end)
            nl = newline_of(data, last.span.start)
            at = self._line_end(last.span.end)
            self.patches.append(Patch(at, at, f"**{title}**: {value}".encode() + nl))
            return
        h1 = next((s for s in self.doc.all_sections() if s.level == 1), None)
        nl = newline_of(data)
        if h1 is not None:
            at = h1.heading.end
            self.patches.append(Patch(at, at, nl + f"**{title}**: {value}".encode() + nl))
        else:
            self.patches.append(Patch(0, 0, f"**{title}**: {value}".encode() + nl + nl))

    def _line_end(self, pos: int) -> int:
        """Offset just after the newline that ends the line holding ``pos``."""
        data = self.original
        while pos < len(data) and data[pos] not in b"\r\n":
            pos += 1
        if data[pos : pos + 2] == b"\r\n":
            return pos + 2
        return pos + 1 if pos < len(data) else pos

    # -- review history -------------------------------------------------------------
    def append_review_row(self, date: str, who: str, status: str, note: str) -> None:
        """Append ``| date | who | status | note |`` to Review History (made if missing)."""
        cells = [_cell(date), _cell(who), _cell(status), _cell(note)]
        data = self.original
        section = self._review_section()
        table = None
        if section is not None:
            table = next(
                (
                    t
                    for t in self.doc.tables
                    if section.span.start <= t.span.start < section.span.end
                ),
                None,
            )
        if self._rh_patch is not None:  # a table this edit already adds: one more row
            i = self._rh_patch
            p = self.patches[i]
            nl = newline_of(data)
            row = self._row(cells, 4).encode("utf-8") + nl
            cut = p.text.rindex(self._rh_row_end) + len(self._rh_row_end)
            self.patches[i] = p._replace(text=p.text[:cut] + row + p.text[cut:])
            self._rh_row_end = row
        elif table is not None:
            nl = newline_of(data, table.span.start)
            at = self._line_end(max(table.span.end - 1, table.span.start))
            if at > len(data) or data[at - 1 : at] not in (b"\n", b"\r"):
                # the table ends the file with no newline: start the row on a new line
                row = nl + self._row(cells, len(table.header)).encode("utf-8")
            else:
                row = self._row(cells, len(table.header)).encode("utf-8") + nl
            self.patches.append(Patch(at, at, row))
        else:
            nl = newline_of(data)
            header = "| Date | Reviewer | Status | Feedback |"
            rule = "|------|----------|--------|----------|"
            body = nl.join(x.encode() for x in (header, rule, self._row(cells, 4)))
            self._rh_row_end = self._row(cells, 4).encode("utf-8") + nl
            if section is not None:
                at = section.heading.end
                self._rh_patch = len(self.patches)
                self.patches.append(Patch(at, at, nl + body + nl))
            else:
                at, block = self._new_section_place(b"## Review History" + nl + nl + body + nl, nl)
                if self._meta_patch is not None:
                    # before the Metadata section this edit adds at the same place
                    self._rh_patch = self._meta_patch
                    self.patches.insert(self._meta_patch, Patch(at, at, block))
                    self._meta_patch += 1
                else:
                    self._rh_patch = len(self.patches)
                    self.patches.append(Patch(at, at, block))
                self.intent.new_sections.add("Review History")
        self.intent.rows_added += 1

    @staticmethod
    def _row(cells: list[str], width: int) -> str:
        cells = cells + [""] * (width - len(cells))
        return "| " + " | ".join(cells) + " |"

    def _review_section(self) -> Section | None:
        for s in self.doc.all_sections():
            if (s.template_name or s.title).strip().casefold() == "review history":
                return s
        return None

    def _new_section_place(self, block: bytes, nl: bytes) -> tuple[int, bytes]:
        """Where a new ``## Review History`` goes: before Metadata (the template's order),
        else at the end of the file."""
        meta = self.doc.section("Metadata")
        if meta is not None:
            return meta.heading.start, block + nl
        data = self.original
        lead = b"" if not data or data.endswith((b"\n", b"\r")) else nl
        return len(data), lead + nl + block

    # -- checklists -----------------------------------------------------------------
    def tick(self, item: ChecklistItem) -> None:
        """Check one checklist item (its ``[ ]`` becomes ``[x]``)."""
        if item.checked:
            return
        m = item.marker
        self.patches.append(Patch(m.start, m.end, b"[x]"))
        self.intent.ticked.add(m.start)

    # -- result and write -----------------------------------------------------------
    def result(self) -> bytes:
        """The new bytes, verified. Raises :class:`EditRefused` when the re-parsed
        document does not say what was intended, or says something else too."""
        try:
            new = apply_patches(self.original, self.patches)
        except ValueError as exc:
            raise EditRefused(
                f"{self.rel}: two edits overlap ({exc}); nothing was written"
            ) from exc
        after = parse(new, self.rel, self.config, self.sidecars)
        problems = self._verify(after)
        if problems:
            raise EditRefused(
                f"{self.rel}: the edit would not come out as intended: {'; '.join(problems)}"
            )
        return new

    def _verify(self, after: Document) -> list[str]:
        before = self.doc
        out = []
        for key, value in self.intent.fields.items():
            got = [
                f.value for f in after.fields if f.key == key and f.section in (None, "Metadata")
            ]
            if not got or any(v.strip() != value for v in got):
                out.append(f"{key} reads {got!r}, expected {value!r}")
        untouched = {k for k in {f.key for f in before.fields}} - set(self.intent.fields)
        for key in untouched:
            b = [f.value for f in before.fields if f.key == key]
            a = [f.value for f in after.fields if f.key == key]
            if a != b:
                out.append(f"{key} changed from {b!r} to {a!r}")
        if len(after.review_history) != len(before.review_history) + self.intent.rows_added:
            out.append(
                f"Review History has {len(after.review_history)} rows, expected "
                f"{len(before.review_history) + self.intent.rows_added}"
            )
        elif [
            (e.date, e.reviewer, e.status)
            for e in after.review_history[: len(before.review_history)]
        ] != [(e.date, e.reviewer, e.status) for e in before.review_history]:
            out.append("earlier Review History rows changed")
        want_checked = sum(1 for c in before.checklists if c.checked) + len(self.intent.ticked)
        if (
            len(after.checklists) != len(before.checklists)
            or sum(1 for c in after.checklists if c.checked) != want_checked
        ):
            out.append("checklist items changed beyond the ticks asked for")
        added = self.intent.new_sections
        if [s.title for s in after.all_sections() if s.title not in added] != [
            s.title for s in before.all_sections() if s.title not in added
        ]:
            out.append("sections changed")
        return out

    def write(self) -> bytes:
        """Verify and atomically replace the file. Raises :class:`ChangedOnDisk` when
        the file changed since it was read (nothing is written)."""
        new = self.result()
        if new != self.original:
            root = self.config.root if self.config is not None else None
            replace_if_unchanged(self.path, self.original, new, root=root)
        return new


__all__ = ["ChangedOnDisk", "DocumentEdit", "EditRefused", "newline_of"]
