"""Editing one document by byte-span patches, verified before anything is written.

A :class:`DocumentEdit` reads a file's bytes, parses them, and collects patches:
set a field (in every header place that states it, so front matter, bold line and
sidecar file stay consistent), add a name to a list field, append a Review History
row, tick a checklist item, bring the document's own modified date up to date. Each
is written where the field lives and in the form the document uses: a front-matter
or sidecar value through its YAML node (quoting, ``[a, b]`` or ``- a`` lists, a
``{by, at}`` mapping), a status in the case the document writes it, a date in its
date format. A field the document lacks is added only where the document keeps its
fields (its Metadata section, front matter, sidecar or bold header lines); no
section is added but the Review History a kind keeps (see :meth:`keeps_history`).

:meth:`DocumentEdit.result` applies the patches, parses the result again and checks
that the document now says what was intended and that nothing else changed (front
matter and sidecar files are loaded as YAML before and after and compared key by
key); :meth:`DocumentEdit.write` then replaces the file(s) atomically, refusing if
their bytes changed since they were read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from specbook.core.config import BookConfig, KindConfig
from specbook.core.errors import SpecbookError
from specbook.core.layout import read_sidecars
from specbook.core.model import ChecklistItem, Document, Field, ReviewEntry, Section
from specbook.core.text import is_placeholder, norm_key
from specbook.edit.atomic import ChangedOnDisk, replace_if_unchanged
from specbook.edit.dates import date_in_form, replace_date
from specbook.edit.patch import Patch, apply_patches
from specbook.edit.style import key_in_style, name_in_style, status_in_style, team_word
from specbook.edit.yamlblock import (
    YamlBlock,
    YamlEditError,
    as_text,
    child,
    loaded,
    render_scalar,
)
from specbook.parse import parse

# Header places an edit keeps consistent; body mentions (a `**Status**:` line in a
# design section) are not the document's field.
_HEADER_SOURCES = ("front_matter", "bold", "table", "section", "plain", "sidecar")
_YAML_SOURCES = ("front_matter", "sidecar")
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
    "superseded_by": "Superseded by",
    "supersedes": "Supersedes",
}
# A document's own modified-date field, by its name as written (compared by norm_key),
# besides any field the book maps to `modified`.
MODIFIED_NAMES = frozenset(
    {
        "modified",
        "updated",
        "last updated",
        "last modified",
        "updated at",
        "modified at",
        "updated on",
        "modified on",
        "last update",
        "date modified",
        "date updated",
        "modified date",
        "updated date",
        "lastmod",
        "last changed",
    }
)
# In a `modified: {by, at}` mapping: the date and the person
_DATE_KEYS = ("at", "date", "on", "when", "day")
_WHO_KEYS = ("by", "who", "author")
_FRONT_OPEN = re.compile(rb"---[ \t]*(?:\r\n|\r|\n)")
_FRONT_CLOSE = re.compile(rb"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n|\Z)", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"
# A document that opens with a list of `- Name: value` lines (an RFC's `- Start Date:`)
# keeps its header there.
_LEAD_ITEM = re.compile(rb"([ \t]*[-*+][ \t]+)[^\s:][^:\r\n]{0,40}:[ \t]+\S[^\r\n]*(?:\r\n|\r|\n)")
_LEAD_LIST = re.compile(
    rb"(?:[ \t]*[-*+][ \t]+[^\s:][^:\r\n]{0,40}:[ \t]+\S[^\r\n]*(?:\r\n|\r|\n))+"
)


class EditRefused(SpecbookError):
    """Raised when an edit cannot be made safely; nothing is written."""


@dataclass
class _Intent:
    # Markdown places: key -> the values its places may read after the edit
    fields: dict[str, set[str]] = field(default_factory=dict)
    # YAML places: file ("" the document's front matter) -> key as written -> value (as_text)
    yaml: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows_added: int = 0
    ticked: set[int] = field(default_factory=set)  # marker start offsets
    new_sections: set[str] = field(default_factory=set)  # sections the edit creates


@dataclass
class _Yaml:
    """A YAML mapping being edited: the document's front matter or a sidecar file."""

    label: str  # where it is, for messages: `path:line` is built from it
    path: Path
    original: bytes
    block: YamlBlock
    patches: list[Patch] = field(default_factory=list)
    values: dict[Any, Any] | None = None  # the mapping as loaded, when first needed


def front_matter_region(data: bytes) -> tuple[int, int] | None:
    """Bytes ``start:end`` of the YAML between a file's opening ``---`` line and its
    closing ``---`` (or ``...``) line, as the parser reads front matter; ``None``
    when the file opens with none."""
    base = 3 if data.startswith(_BOM) else 0
    opener = _FRONT_OPEN.match(data, base)
    if opener is None:
        return None
    close = _FRONT_CLOSE.search(data, opener.end())
    if close is None:
        return None
    return opener.end(), close.start()


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


def _unset(value: str) -> bool:
    """Whether a field's value is empty or a placeholder (``[YYYY-MM-DD]``, ``TBD``,
    ``~``): a date may be written over it."""
    v = value.strip()
    return (
        v.lower() in _EMPTY
        or v in ("~", "null")
        or is_placeholder(v)
        or (v.isupper() and ("YY" in v or "DD" in v))
    )


def _flow_text(value: str) -> bool:
    v = value.strip()
    return v.startswith("[") and v.endswith("]")


def _person_key(name: str) -> str:
    # (case only: Bo Chen and Bǒ Chén may be two people; `@alice` is alice)
    return " ".join(name.strip().lstrip("@").casefold().split())


def is_modified_field(f: Field) -> bool:
    """Whether ``f`` is the document's own modified date (``updated_at``,
    ``last_updated``, ``Last-Updated``, ``modified: {by, at}``, ``**Actualizado**``)."""
    return f.key == "modified" or norm_key(f.name) in MODIFIED_NAMES


class DocumentEdit:
    """Collects byte patches for one document (and its sidecar files) and verifies
    them before writing."""

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
        self._rh_patch: int | None = None  # the Review History table this edit adds
        self._rh_row_end = b""
        self._dropped_rows: list[ReviewEntry] = []  # template example rows replaced
        self._yaml: dict[str, _Yaml | None] = {}  # "" front matter, else a sidecar's path
        self._loose: bool | None = None  # front matter that is not YAML (see _loose_front)

    # -- where fields live ---------------------------------------------------------------
    def header_fields(self, key: str) -> list[Field]:
        """Every header place that states ``key`` (front matter, sidecar, title block,
        Metadata)."""
        return [
            f
            for f in self.doc.fields
            if f.key == key and f.source in _HEADER_SOURCES and (f.section in (None, "Metadata"))
        ]

    def _modified_fields(self) -> list[Field]:
        return [
            f
            for f in self.doc.fields
            if is_modified_field(f)
            and f.source in _HEADER_SOURCES
            and f.section in (None, "Metadata")
        ]

    def _loose_front(self) -> bool:
        """Whether the document's front matter is read line by line because it is not
        valid YAML (``Owner: @team``: many tools accept that): its values are then
        edited as the text of their lines, as the parser reads them."""
        if self._loose is None:
            self._loose = False
            if front_matter_region(self.original) is not None:
                try:
                    self._yaml_for("")  # (composed once, kept for the edits)
                except EditRefused:
                    self._loose = True
        return self._loose

    def _in_yaml(self, f: Field) -> bool:
        """Whether field ``f`` is edited through its YAML node (front matter that is
        valid YAML, a sidecar file); else through the bytes of its value."""
        return f.source == "sidecar" or (f.source == "front_matter" and not self._loose_front())

    def _file_of(self, f: Field) -> str:
        """ "" for the document itself, else the sidecar's path (relative to the root)."""
        return (f.file or "") if f.source == "sidecar" else ""

    def _yaml_for(self, file: str, line: int | None = None) -> _Yaml:
        """The YAML being edited in ``file`` ("" the front matter). Raises
        :class:`EditRefused` when it cannot be read or is not a YAML mapping."""
        if file in self._yaml:
            got = self._yaml[file]
            if got is None:
                raise EditRefused(f"{self.rel}: the document has no front matter")
            return got
        if not file:
            region = front_matter_region(self.original)
            if region is None:
                self._yaml[file] = None
                raise EditRefused(f"{self.rel}: the document has no front matter")
            path, data, (start, end), label = self.path, self.original, region, self.rel
        else:
            root = self.config.root if self.config is not None else None
            path = (root / file) if root is not None else self.path.parent / Path(file).name
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise EditRefused(f"{file}: cannot read the sidecar file ({exc.strerror})") from exc
            start, end, label = (3 if data.startswith(_BOM) else 0), len(data), file
        try:
            block = YamlBlock(data, start, end)
        except YamlEditError as exc:
            where = f"{label}:{line}" if line else label
            what = "front matter" if not file else "sidecar file"
            raise EditRefused(f"{where}: the {what} is {exc}; fix it first") from exc
        y = _Yaml(label, path, data, block)
        self._yaml[file] = y
        return y

    def _node(self, f: Field) -> tuple[_Yaml, Any]:
        y = self._yaml_for(self._file_of(f), f.span.line)
        try:
            hit = y.block.entry(f.name)
        except YamlEditError as exc:
            raise EditRefused(f"{y.label}:{f.span.line}: {exc}; edit it by hand") from exc
        if hit is None:
            raise EditRefused(
                f"{y.label}:{f.span.line}: {f.name} is not a top-level key there; edit it by hand"
            )
        return y, hit[1]

    def _expect_yaml(self, y: _Yaml, f_name: str, value: Any) -> None:
        file = "" if y.path == self.path else y.label
        self.intent.yaml.setdefault(file, {})[f_name] = value

    def _before_yaml(self, y: _Yaml, name: str) -> Any:
        if y.values is None:
            data = loaded(y.block.text)
            y.values = data if isinstance(data, dict) else {}
        return as_text(y.values.get(name))

    def _yaml_patch(self, y: _Yaml, patch: Patch) -> None:
        if y.path == self.path:
            self.patches.append(patch)
        else:
            y.patches.append(patch)

    def _refuse(self, y: _Yaml, f: Field, exc: YamlEditError) -> EditRefused:
        return EditRefused(f"{y.label}:{f.span.line}: the value of {f.name} {exc}; edit it by hand")

    # -- fields ---------------------------------------------------------------------
    def set_field(self, key: str, value: str) -> None:
        """Write ``value`` into every header place of ``key``; insert the field if missing
        (see :meth:`_insert_field`)."""
        self._set(key, lambda f: value, value)

    def set_status(self, word: str, kind: KindConfig | None = None) -> None:
        """Write status ``word`` (the book's spelling) into every place the document
        states its status, each in that place's form (``accepted`` -> ``deprecated``,
        ``OUVERT`` -> ``CORRIGÉ`` when ``kind`` has that alias); a document with no
        status gets one."""

        def value(f: Field) -> str:
            said = team_word(kind, word, f.value) if kind is not None else word
            return status_in_style(said, f.value)

        self._set("status", value, word)

    def _set(self, key: str, value_for: Any, missing: str) -> None:
        places = self.header_fields(key)
        if not places:
            value = _one_line(missing, key)
            self._insert_field(key, value, required=True)
            self.intent.fields.setdefault(key, set()).add(value)
            return
        for f in places:
            value = _one_line(value_for(f), key)
            if self._in_yaml(f):
                y, node = self._node(f)
                try:
                    self._yaml_patch(y, y.block.set_scalar(node, value))
                except YamlEditError as exc:
                    raise self._refuse(y, f, exc) from exc
                self._expect_yaml(y, f.name, value)
                continue
            text = _cell(value) if f.source == "table" else value
            self.patches.append(Patch(f.value_span.start, f.value_span.end, text.encode("utf-8")))
            self.intent.fields.setdefault(key, set()).add(value)

    def add_name(self, key: str, name: str, required: bool = False) -> bool:
        """Add ``name`` to a list of people (Reviewers, Approvers, ``deciders: [a, b]``,
        a block list, a sidecar's ``approvers:``), once, in each place's style. Where
        the document has no such field, it is added to the Metadata section when the
        document has one, else only when ``required`` (in the document's header form).
        Returns whether the name is now recorded."""
        name = _one_line(name, key)
        places = self.header_fields(key)
        if not places:
            if self.doc.section("Metadata") is None and not required:
                return False
            self._insert_field(key, name, required=True, as_list=True)
            self.intent.fields.setdefault(key, set()).add(name)
            return True
        for f in places:
            if self._in_yaml(f):
                self._add_yaml_name(f, name)
                continue
            current = f.value
            if f.source == "front_matter" and _flow_text(self._raw(f)):  # loose `[a, b]`
                self._add_flow_text(f, key, name)
                continue
            names = [] if current.strip().lower() in _EMPTY or is_placeholder(current) else [
                n.strip() for n in current.split(",") if n.strip()
            ]  # fmt: skip
            if any(_person_key(n) == _person_key(name) for n in names):
                self.intent.fields.setdefault(key, set()).add(current.strip())
                continue
            value = ", ".join([*names, name_in_style(name, names)])
            text = _cell(value) if f.source == "table" else value
            self.patches.append(Patch(f.value_span.start, f.value_span.end, text.encode("utf-8")))
            self.intent.fields.setdefault(key, set()).add(value)
        return True

    def _add_yaml_name(self, f: Field, name: str) -> None:
        y, node = self._node(f)
        before = self._before_yaml(y, f.name)
        try:
            if isinstance(node, yaml.SequenceNode):
                items = [str(i) for i in before] if isinstance(before, list) else []
                if any(_person_key(i) == _person_key(name) for i in items):
                    return
                item = name_in_style(name, items)
                self._yaml_patch(y, y.block.append_item(node, item))
                self._expect_yaml(y, f.name, [*items, item])
                return
            if not isinstance(node, yaml.ScalarNode):
                raise YamlEditError("is a mapping, not a list of names")
            current = str(node.value) if node.tag.endswith(":str") else ""
            names = [n.strip() for n in current.split(",") if n.strip()]
            if any(_person_key(n) == _person_key(name) for n in names):
                return
            item = name_in_style(name, names)
            if names:  # `reviewers: alice, bob`: the team writes one line of names
                value = ", ".join([*names, item])
                self._yaml_patch(y, y.block.set_scalar(node, value))
                self._expect_yaml(y, f.name, value)
            else:  # `deciders:` / `~`: a list in the style this YAML writes lists
                self._yaml_patch(y, self._list_value_patch(y, node, [item]))
                self._expect_yaml(y, f.name, [item])
        except YamlEditError as exc:
            raise self._refuse(y, f, exc) from exc

    def _raw(self, f: Field) -> str:
        """The value of field ``f`` as its bytes in the document say it (``[a, b]``; the
        parser reads a line-read front matter's keys each as YAML: ``a, b``)."""
        return self.original[f.value_span.start : f.value_span.end].decode("utf-8", "replace")

    def _add_flow_text(self, f: Field, key: str, item: str) -> None:
        """Add ``item`` to ``[a, b]`` written in front matter read line by line."""
        raw = self._raw(f).strip()
        inner = raw[1:-1]
        written = [i.strip() for i in inner.split(",") if i.strip()]
        items = [i.strip("'\"") for i in written]
        if any(_person_key(i) == _person_key(item) for i in items):
            self.intent.fields.setdefault(key, set()).update((raw, f.value.strip()))
            return
        new = "[" + ", ".join([*written, item]) + "]"
        self.patches.append(Patch(f.value_span.start, f.value_span.end, new.encode("utf-8")))
        # (what the parser reads it as: the items, or the text when a line is not YAML)
        self.intent.fields.setdefault(key, set()).update((new, ", ".join([*items, item])))

    def _list_value_patch(self, y: _Yaml, node: Any, items: list[str]) -> Patch:
        """Replace empty scalar ``node`` (``key:`` or ``key: ~``) by a list of ``items``."""
        text = y.block.render_list(items)
        a, b = node.start_mark.index, node.end_mark.index
        lead = " " if a == b and not text.startswith(("\n", "\r")) else ""
        return Patch(y.block.offset(a), y.block.offset(b), (lead + text).encode("utf-8"))

    def add_to_list(self, key: str, item: str) -> None:
        """Add document ID ``item`` to relation field ``key`` (``supersedes``,
        ``superseded_by``) in each place's form, turning a one-ID scalar into a list
        (``supersedes: ADR-0010`` -> ``supersedes: [ADR-0010, ADR-0009]``); where the
        document has no such field, it is added in its header form."""
        places = self.header_fields(key)
        if not places:
            self._insert_field(key, item, required=True)
            self.intent.fields.setdefault(key, set()).add(item)
            return
        for f in places:
            if f.source == "front_matter" and not self._in_yaml(f) and _flow_text(self._raw(f)):
                self._add_flow_text(f, key, item)
                continue
            if not self._in_yaml(f):
                ids = [v.strip() for v in f.value.split(",") if v.strip()]
                if f.value.strip().lower() in _EMPTY or is_placeholder(f.value):
                    ids = []
                if item in ids:
                    continue
                value = ", ".join([*ids, item])
                text = _cell(value) if f.source == "table" else value
                self.patches.append(
                    Patch(f.value_span.start, f.value_span.end, text.encode("utf-8"))
                )
                self.intent.fields.setdefault(key, set()).add(value)
                continue
            y, node = self._node(f)
            before = self._before_yaml(y, f.name)
            try:
                if isinstance(node, yaml.SequenceNode):
                    items = [str(i) for i in before] if isinstance(before, list) else []
                    if item not in items:
                        self._yaml_patch(y, y.block.append_item(node, item))
                        self._expect_yaml(y, f.name, [*items, item])
                    continue
                if not isinstance(node, yaml.ScalarNode):
                    raise YamlEditError("is a mapping, not a list of IDs")
                current = "" if before in (None, "") else str(before)
                if current == item:
                    continue
                if not current:
                    self._yaml_patch(y, y.block.set_scalar(node, item))
                    self._expect_yaml(y, f.name, item)
                    continue
                self._yaml_patch(y, self._list_in_place(y, node, [current, item]))
                self._expect_yaml(y, f.name, [current, item])
            except YamlEditError as exc:
                raise self._refuse(y, f, exc) from exc

    def _list_in_place(self, y: _Yaml, node: Any, items: list[str]) -> Patch:
        """Replace scalar ``node`` by a list of ``items`` in this YAML's list style."""
        text = y.block.render_list(items)
        a, b = node.start_mark.index, node.end_mark.index
        if text.startswith(("\n", "\r")):  # a block list starts on the next line
            a = y.block.text.rfind(":", 0, a) + 1
        return Patch(y.block.offset(a), y.block.offset(b), text.encode("utf-8"))

    def touch_modified(
        self, day: dt.date, person: str | Callable[[], str], changed: bool = False
    ) -> None:
        """Bring the document's own modified date up to ``day``, in the form it writes
        its dates (``updated_at``, ``last_updated``, ``Last-Updated``, ``**Actualizado**``,
        ``modified: {by, at}`` whose ``by`` becomes ``person``, a name or a function
        giving it), when this edit changes anything (``changed``: the caller changes the
        document besides). A document with no such field gets one only in its Metadata
        section."""
        if (
            not changed
            and not self.patches
            and not any(y and y.patches for y in self._yaml.values())
        ):
            return
        places = self._modified_fields()
        samples = self._date_samples(places)
        if not places:
            if self.doc.section("Metadata") is not None:
                value = date_in_form(day, samples)
                self._insert_field("modified", value, required=False)
                self.intent.fields.setdefault("modified", set()).add(value)
            return
        for f in places:
            if self._in_yaml(f):
                self._touch_yaml(f, day, person, samples)
                continue
            raw = self.original[f.value_span.start : f.value_span.end].decode("utf-8", "replace")
            new = replace_date(raw, day, samples)
            if new is None:
                if not _unset(raw):
                    continue  # text that is not a date (`see the history`): not ours
                new = date_in_form(day, samples)
            text = _cell(new) if f.source == "table" else new
            self.patches.append(Patch(f.value_span.start, f.value_span.end, text.encode("utf-8")))
            self.intent.fields.setdefault(f.key, set()).add(new.strip())

    def _date_samples(self, first: list[Field]) -> list[str]:
        """The document's written dates, its modified fields' first: their form is the
        form a new date takes."""
        rest = [
            f
            for f in self.doc.fields
            if f not in first and f.source in _HEADER_SOURCES and f.section in (None, "Metadata")
        ]
        return [f.value for f in [*first, *rest] if f.value]

    def _touch_yaml(
        self, f: Field, day: dt.date, person: str | Callable[[], str], samples: list[str]
    ) -> None:
        y, node = self._node(f)
        before = self._before_yaml(y, f.name)
        try:
            if isinstance(node, yaml.MappingNode):
                expected = dict(before) if isinstance(before, dict) else {}
                when = child(node, _DATE_KEYS)
                if when is None:
                    return  # a mapping with no date in it: nothing of ours to update
                self._touch_scalar(y, when[1], day, samples, expected, when[0])
                who = child(node, _WHO_KEYS)
                if who is not None and isinstance(who[1], yaml.ScalarNode):
                    if callable(person):
                        person = person()
                    old = str(who[1].value)
                    if _person_key(old) != _person_key(person):
                        new = name_in_style(person, [old] if old else [])
                        self._yaml_patch(
                            y, y.block.set_scalar(who[1], new, flow=bool(node.flow_style))
                        )
                        expected[who[0]] = new
                self._expect_yaml(y, f.name, expected)
                return
            box: dict[str, Any] = {}
            self._touch_scalar(y, node, day, samples, box, "v")
            if "v" in box:
                self._expect_yaml(y, f.name, box["v"])
        except YamlEditError as exc:
            raise self._refuse(y, f, exc) from exc

    def _touch_scalar(
        self, y: _Yaml, node: Any, day: dt.date, samples: list[str], out: dict[str, Any], k: str
    ) -> None:
        patch = y.block.edit_inner(node, lambda text: replace_date(text, day, samples))
        if patch is None:  # no date written yet (empty, a placeholder): write one
            if not _unset(str(node.value) if node.value is not None else ""):
                return  # text that is not a date: not ours to replace
            value = date_in_form(day, samples)
            patch = y.block.set_scalar(node, value)
            out[k] = value
        else:
            text = y.block.text
            a, b = node.start_mark.index, node.end_mark.index
            q = 1 if node.style in ("'", '"') else 0
            inner = text[a + q : b - q]
            out[k] = replace_date(inner, day, samples)
            if not q:  # a plain scalar loads as what it says: a date, a number, text
                out[k] = as_text(loaded(f"k: {out[k]}")["k"])
        self._yaml_patch(y, patch)

    # -- adding a field where the document keeps its fields ---------------------------
    def _insert_field(self, key: str, value: str, *, required: bool, as_list: bool = False) -> bool:
        """Add field ``key``: into the Metadata section when the document has one and
        the template keeps ``key`` there; else, when ``required``, in the document's
        header form: its sidecar file, its front matter (key named and value written
        as its other keys and values are), a bold line like its other header lines, or
        a bold line under the H1. Never adds a section. Returns whether it was added."""
        data = self.original
        title = _TITLES.get(key, key.replace("_", " ").title())
        if key in _METADATA_KEYS and self.doc.section("Metadata") is not None:
            meta = self.doc.section("Metadata")
            assert meta is not None
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
                return True
            nl = newline_of(data, meta.heading.start)
            at = meta.heading.end
            self.patches.append(Patch(at, at, nl + f"- **{title}**: {value}".encode() + nl))
            return True
        if not required:
            return False
        sidecars = [f for f in self.doc.fields if f.source == "sidecar" and self._file_of(f)]
        if sidecars:
            self._insert_yaml(self._yaml_for(self._file_of(sidecars[0])), key, value, as_list)
            return True
        region = front_matter_region(data)
        if region is not None and self._loose_front():
            names = [f.name for f in self.doc.fields if f.source == "front_matter"]
            # (one value: a line-read front matter shows `[a]` as those four characters)
            line = f"{key_in_style(key, names)}: {value}".encode()
            nl = newline_of(data, region[0])
            at = region[1]
            self.patches.append(Patch(at, at, line + nl))
            return True
        if region is not None:
            self._insert_yaml(self._yaml_for(""), key, value, as_list)
            return True
        self._insert_bold(title, value)
        return True

    def _insert_yaml(self, y: _Yaml, key: str, value: str, as_list: bool) -> None:
        if y.path.suffix.lower() == ".json":
            raise EditRefused(
                f"{y.label}: has no {key}; specbook adds keys only to YAML; add it by hand"
            )
        name = key_in_style(key, y.block.keys())
        if as_list:
            text = y.block.render_list([value])
            expected: Any = [value]
        else:
            text = render_scalar(value, y.block.scalar_quote())
            expected = value
        self._yaml_patch(y, y.block.add_key(name, text.lstrip(" ")))
        self._expect_yaml(y, name, expected)

    def _insert_bold(self, title: str, value: str) -> None:
        """A header line written like the document's other header lines (``**Title**:
        value`` with their list marker, colon inside or outside the bold, a space
        before the colon, trailing hard-break spaces; or ``Title: value`` like its
        plain ones), after the last of them; else ``- **Title**: value`` after the list
        of ``- Name: value`` lines the document opens with; else a bold line under the
        H1."""
        data = self.original
        header = sorted(
            (f for f in self.doc.fields if f.section is None and f.source in ("bold", "plain")),
            key=lambda f: f.span.start,
        )
        if header:
            last = header[-1]
            like, at = last, self._line_end(last.span.end)
            if len(header) >= 2:
                prev = header[-2]
                if (
                    self._line_end(prev.span.end) == self._line_start(last.span.start)
                    and self._hard_break(prev)
                    and not self._hard_break(last)
                ):
                    # the block's lines end in a hard break but its last: add before it
                    like, at = prev, self._line_start(last.span.start)
            line = self._bold_like(like, title, value)
            nl = newline_of(data, like.span.start)
            if at > 0 and data[at - 1 : at] not in (b"\n", b"\r"):
                self.patches.append(Patch(at, at, nl + line))
            else:
                self.patches.append(Patch(at, at, line + nl))
            return
        lead = _LEAD_LIST.match(data, 3 if data.startswith(_BOM) else 0)
        if lead is not None:  # `- Start Date: 2014-04-21` lines open the document
            last_item = lead.group(0).splitlines(keepends=True)[-1]
            item = _LEAD_ITEM.match(last_item)
            assert item is not None
            nl = newline_of(data, lead.start())
            # (its marker; the name in bold, so that the parser reads it as a field)
            line = item.group(1) + f"**{title}**: {value}".encode() + nl
            self.patches.append(Patch(lead.end(), lead.end(), line))
            return
        h1 = next((s for s in self.doc.all_sections() if s.level == 1), None)
        nl = newline_of(data)
        if h1 is not None:
            at = h1.heading.end
            self.patches.append(Patch(at, at, nl + f"**{title}**: {value}".encode() + nl))
        else:
            self.patches.append(Patch(0, 0, f"**{title}**: {value}".encode() + nl + nl))

    def _bold_like(self, f: Field, title: str, value: str) -> bytes:
        """The line of header field ``f`` with its name and value replaced."""
        data = self.original
        ls = self._line_start(f.span.start)
        le = self._line_end(f.span.end)
        line = data[ls:le].rstrip(b"\r\n")
        name = f.name.encode("utf-8")
        vs, ve = f.value_span.start - ls, f.value_span.end - ls
        i = line.find(name)
        if i < 0 or i >= vs:
            return f"**{title}**: {value}".encode()
        return line[:i] + title.encode() + line[i + len(name) : vs] + value.encode() + line[ve:]

    def _hard_break(self, f: Field) -> bool:
        line = self.original[self._line_start(f.span.start) : self._line_end(f.span.end)]
        line = line.rstrip(b"\r\n")
        return line.endswith((b"  ", b"\\"))

    def _line_start(self, pos: int) -> int:
        data = self.original
        while pos > 0 and data[pos - 1 : pos] not in (b"\n", b"\r"):
            pos -= 1
        return pos

    def _line_end(self, pos: int) -> int:
        """Offset just after the newline that ends the line holding ``pos``."""
        data = self.original
        while pos < len(data) and data[pos] not in b"\r\n":
            pos += 1
        if data[pos : pos + 2] == b"\r\n":
            return pos + 2
        return pos + 1 if pos < len(data) else pos

    def keeps_history(self, mode: str = "auto") -> bool:
        """Whether Review History rows are written to this document, by the kind's
        ``history`` setting: ``"section"`` always (the section is added where
        specbook's template puts it when missing), ``"none"`` never, ``"auto"`` when
        the document keeps a Review History or follows specbook's template (it has the
        template's Metadata section, before which Review History goes)."""
        if mode == "section":
            return True
        if mode == "none":
            return False
        return self._review_section() is not None or self.doc.section("Metadata") is not None

    # -- review history -------------------------------------------------------------
    def append_review_row(self, date: str, who: str, status: str, note: str) -> None:
        """Append ``| date | who | status | note |`` to Review History (made if missing,
        before the Metadata section or at the end; callers ask :meth:`keeps_history`
        first)."""
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
            examples = self._example_rows(table.span.start, table.span.end)
            if examples:
                # the template's example rows (`| [YYYY-MM-DD] | [Name] | Draft | … |`),
                # every row of the table: the first real row takes their place
                start = self._line_start(examples[0].span.start)
                self.patches.append(Patch(start, at, row))
                self._dropped_rows.extend(examples)
            else:
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
                self._rh_patch = len(self.patches)
                self.patches.append(Patch(at, at, block))
                self.intent.new_sections.add("Review History")
        self.intent.rows_added += 1

    def _example_rows(self, start: int, end: int) -> list[ReviewEntry]:
        """The Review History rows between ``start`` and ``end`` when every one of them
        is an unfilled example of the template (its date and reviewer placeholders),
        else none: a table holding one real row is the team's, and is kept whole."""
        rows = [e for e in self.doc.review_history if start <= e.span.start < end]
        if rows and all(is_placeholder(e.date) and is_placeholder(e.reviewer) for e in rows):
            return rows
        return []

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
        """The document's new bytes, verified. Raises :class:`EditRefused` when the
        re-parsed document does not say what was intended, or says something else too."""
        try:
            new = apply_patches(self.original, self.patches)
        except ValueError as exc:
            raise EditRefused(
                f"{self.rel}: two edits overlap ({exc}); nothing was written"
            ) from exc
        after = parse(new, self.rel, self.config, self.sidecars)
        problems = self._verify(after)
        expected = self.intent.yaml.get("")
        if expected is not None:
            problems += _verify_yaml(self.original, new, expected, front=True)
        if problems:
            raise EditRefused(
                f"{self.rel}: the edit would not come out as intended: {'; '.join(problems)}"
            )
        return new

    def side_results(self) -> list[tuple[Path, bytes, bytes]]:
        """(path, original bytes, new bytes) of every sidecar file this edit changes,
        each verified: it loads as YAML to the intended values, every other key as it
        was. Raises :class:`EditRefused` otherwise."""
        out = []
        for file, y in self._yaml.items():
            if not file or y is None or not y.patches:
                continue
            try:
                new = apply_patches(y.original, y.patches)
            except ValueError as exc:
                raise EditRefused(
                    f"{file}: two edits overlap ({exc}); nothing was written"
                ) from exc
            problems = _verify_yaml(y.original, new, self.intent.yaml.get(file, {}), front=False)
            if problems:
                raise EditRefused(
                    f"{file}: the edit would not come out as intended: {'; '.join(problems)}"
                )
            out.append((y.path, y.original, new))
        return out

    def sidecar_values(self, key: str) -> list[str]:
        """What this edit writes to canonical field ``key`` in sidecar files, as text
        (a list joined with ``, ``); :meth:`side_results` checks the files load to it."""
        out = []
        for file, names in self.intent.yaml.items():
            if not file:
                continue
            for name, value in names.items():
                canon = self.config.field_key(name) if self.config else norm_key(name)
                if canon.replace(" ", "_") == key:
                    out.append(", ".join(value) if isinstance(value, list) else str(value))
        return out

    def _verify(self, after: Document) -> list[str]:
        before = self.doc
        out = []
        for key, values in self.intent.fields.items():
            places = [f for f in after.fields if f.key == key and f.section in (None, "Metadata")]
            got = [f.value for f in places if not self._in_yaml(f)]
            if not places and not any(key == k for k in self._yaml_keys()):
                out.append(f"{key} reads nothing, expected {sorted(values)!r}")
            elif any(v.strip() not in values for v in got):
                out.append(f"{key} reads {got!r}, expected {sorted(values)!r}")
        touched = set(self.intent.fields) | self._yaml_keys()
        for f in before.fields:
            if is_modified_field(f) and f.section in (None, "Metadata"):
                touched.add(f.key)
        # (a sidecar's fields are checked by loading the sidecar: see side_results)
        old_fields = [f for f in before.fields if f.source != "sidecar"]
        new_fields = [f for f in after.fields if f.source != "sidecar"]
        untouched = {f.key for f in old_fields} - touched
        for key in untouched:
            b = [f.value for f in old_fields if f.key == key]
            a = [f.value for f in new_fields if f.key == key]
            if a != b:
                out.append(f"{key} changed from {b!r} to {a!r}")
        kept = [e for e in before.review_history if e not in self._dropped_rows]
        if len(after.review_history) != len(kept) + self.intent.rows_added:
            out.append(
                f"Review History has {len(after.review_history)} rows, expected "
                f"{len(kept) + self.intent.rows_added}"
            )
        elif [(e.date, e.reviewer, e.status) for e in after.review_history[: len(kept)]] != [
            (e.date, e.reviewer, e.status) for e in kept
        ]:
            out.append("earlier Review History rows changed")
        want_checked = sum(1 for c in before.checklists if c.checked) + len(self.intent.ticked)
        if (
            len(after.checklists) != len(before.checklists)
            or sum(1 for c in after.checklists if c.checked) != want_checked
        ):
            out.append("checklist items changed beyond the ticks asked for")
        added = self.intent.new_sections
        # a heading that states a field (`## Statut : OUVERT`) changes with its value
        edited = {
            i
            for i, s in enumerate(before.all_sections())
            if any(s.heading.start <= p.start < s.heading.end for p in self.patches)
        }
        old_titles = [s.title for s in before.all_sections() if s.title not in added]
        new_titles = [s.title for s in after.all_sections() if s.title not in added]
        if len(old_titles) != len(new_titles) or any(
            a != b
            for i, (a, b) in enumerate(zip(old_titles, new_titles, strict=True))
            if i not in edited
        ):
            out.append("sections changed")
        return out

    def _yaml_keys(self) -> set[str]:
        """The canonical keys of the front-matter and sidecar keys this edit writes."""
        out: set[str] = set()
        for names in self.intent.yaml.values():
            for name in names:
                out.add(self.config.field_key(name).replace(" ", "_") if self.config else name)
                out.add(norm_key(name).replace(" ", "_"))
        return out

    def write(self) -> bytes:
        """Verify and atomically replace the file (and its sidecar files, all or none).
        Raises :class:`ChangedOnDisk` when a file changed since it was read (nothing is
        written)."""
        new = self.result()
        sides = self.side_results()
        root = self.config.root if self.config is not None else None
        if sides:
            from specbook.edit.commit import FileChange, commit

            changes = [FileChange(p, o, n) for p, o, n in sides]
            if new != self.original:
                changes.insert(0, FileChange(self.path, self.original, new))
            commit(changes, root=root)
        elif new != self.original:
            replace_if_unchanged(self.path, self.original, new, root=root)
        return new


def _verify_yaml(old: bytes, new: bytes, expected: dict[str, Any], *, front: bool) -> list[str]:
    """Problems with YAML ``new`` (a front matter's file, or a sidecar file) against
    ``old``: every key of ``expected`` must load to its value, every other key as it was."""

    def load(data: bytes) -> dict[str, Any]:
        if front:
            region = front_matter_region(data)
            if region is None:
                raise YamlEditError("the front matter is gone")
            a, b = region
        else:
            a, b = (3 if data.startswith(_BOM) else 0), len(data)
        got = loaded(data[a:b].decode("utf-8"))
        return {str(k): v for k, v in got.items()} if isinstance(got, dict) else {}

    try:
        before, after = load(old), load(new)
        keys = _top_keys(new, front)
    except (YamlEditError, UnicodeDecodeError) as exc:
        return [f"the YAML would not load ({exc})"]
    out = []
    old_keys = _top_keys(old, front)
    twice = sorted(
        {k for k in keys if keys.count(k) > 1} - {k for k in old_keys if old_keys.count(k) > 1}
    )
    if twice:
        out.append(f"{', '.join(twice)} would be stated twice")
    for key in sorted(set(before) | set(after)):
        want = expected[key] if key in expected else as_text(before.get(key))
        got = as_text(after.get(key)) if key in after else None
        if key not in expected and key not in after:
            continue
        if got != want:
            out.append(f"{key} would load as {got!r}, expected {want!r}")
    return out


def _top_keys(data: bytes, front: bool) -> list[str]:
    region = front_matter_region(data) if front else None
    a, b = region if region is not None else ((3 if data.startswith(_BOM) else 0), len(data))
    return YamlBlock(data, a, b).keys()


__all__ = ["ChangedOnDisk", "DocumentEdit", "EditRefused", "front_matter_region", "newline_of"]
