"""Markdown bytes -> :class:`~specbook.core.model.Document`.

One pass of a block scanner (:mod:`specbook.parse.scan`) collects headings, list
items, tables, code blocks and links with their byte ranges; fields, requirements and
references are then read from those byte ranges. Nothing here raises on any input: see
:func:`parse`.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import codecs
import re
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from specbook.core.config import KindConfig
from specbook.core.lazyre import lazy_compile
from specbook.core.model import (
    Cell,
    ChecklistItem,
    CodeBlock,
    Document,
    Encoding,
    Field,
    Link,
    Problem,
    Reference,
    Requirement,
    ReviewEntry,
    Section,
    Sidecar,
    Span,
    Table,
    cached_property,
    preorder,
)
from specbook.core.text import (
    fold,
    is_placeholder,
    is_placeholder_id,
    name_number,
    norm_heading,
    norm_key,
)
from specbook.parse import scan as scanners
from specbook.parse.scan import Blocks, RawHeading, RawTable
from specbook.parse.scan.events import pyromark_headings

if TYPE_CHECKING:  # (the context imports this module: only its type here)
    from specbook.parse.context import ParseContext

_NOT_NEWLINE = lazy_compile(rb"[^\r\n]")
_FRONT_OPEN = re.compile(rb"---[ \t]*(?:\r\n|\r|\n)")
_FRONT_CLOSE = lazy_compile(rb"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n|\Z)", re.MULTILINE)
_BOLD_FIELD = lazy_compile(
    rb"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)(?P<name>[^*_\r\n]{1,60}?)(?:\*\*|__)"
    rb"(?P<colon>[ \t]*:)?[ \t]*(?P<value>[^\r\n]*)\r?$",
    re.MULTILINE,
)
_LIST_MARKER = lazy_compile(rb"(?:[-*+]|\d{1,9}[.)])[ \t]+(?=\S)")
_PLAIN_FIELD = re.compile(
    rb"^(?P<name>[^\s:*|#>`\[\-][^:\r\n*|`\[]{0,40}?)[ \t]*:[ \t]+(?P<value>[^\r\n]*\S)[ \t]*\r?$",
    re.MULTILINE,
)
# `- Start Date: 2014-03-11`: a header field as a list item (read above the first
# section only, and only under a name the book knows)
# (The patterns of what few documents have are compiled on first use, by _rx: a
# one-file lint pays for no pattern it does not need.)
_BULLET_FIELD = (
    rb"(?m)^[-*+][ \t]+(?P<name>[^\s:*|#>`\[\-][^:\r\n*|`\[]{0,40}?)[ \t]*:[ \t]+"
    rb"(?P<value>[^\r\n]*\S)[ \t]*\r?$"
)
_CRITERIA = lazy_compile(
    rb"^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?(?P<label>acceptance criteria|acceptance|"
    rb"criteria|target|targets|metric)(?:[ \t]*:)?(?:\*\*|__)?[ \t]*:?[ \t]*"
    rb"(?P<value>[^\r\n]*)\r?$",
    re.MULTILINE | re.IGNORECASE,
)
_LEADING_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+\b")
# An ID a template leaves unfilled, leading a title: `# KEP-NNNN: Title`, `[SPEC-XXX] Title`
_LEADING_PLACEHOLDER_ID = (
    r"^\[?[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-(?:N{2,}|X{2,}|n{2,}|x{2,}|#{2,})\]?(?=$|[\s:—–\-|.])"
)
# An ID leading a title field's value, and what separates it from the title
_TITLE_ID = (
    r"^\[?(?P<id>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-(?:\d+|N{2,}|X{2,}|n{2,}|x{2,}))\]?"
    r"(?P<sep>[ \t]*[:—–|][ \t]*|[ \t]+[-—–][ \t]+|(?<=\])[ \t]+|$)"
)
_ID_VALUE = re.compile(r"^[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-\d+$")
# An ID field naming the document by an ID and more words: `FEAT-109-ZED-INVESTIGATION`
_NAMED_ID_VALUE = lazy_compile(r"^[A-Z][A-Za-z0-9]*-\d+(?:-[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*)+$")
# After an H1's leading ID, more of the document's own name before the separator:
# `# ADR-032-fix — Diagnostic` (the title is `Diagnostic`, not `fix — Diagnostic`)
_ID_SUFFIX = lazy_compile(r"(?:-\w+)+(?=[ \t]*[:—–|]|[ \t]+-[ \t])")
# A leading number and its separator: `# 012 — Planning dialog` of ADR-012
_LEADING_NUMBER = lazy_compile(r"^(\d+)(?:[ \t]*[:—–|]|[ \t]+-|[.)])[ \t]+")
# What separates a name leading a title from the title (`ADR-PWA-FIX — Title`)
_NAME_SEP = lazy_compile(r"[ \t]*[:—–|][ \t]*|[ \t]+-[ \t]+")
# A Markdown file name's suffix (precompiled: re.sub with flags costs a cache lookup
# keyed by an enum on every call, which is most of a title's time)
_MD_SUFFIX = re.compile(r"\.(md|markdown)$", re.I)
_FILE_ID = lazy_compile(r"^([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+)(?:$|[-_. ])")
_TITLE_JUNK = re.compile(r"^[^\w\[(\"'`]+")
_ASCII_ALNUM = re.compile(r"[0-9A-Za-z]")  # (what str.isalnum() holds of an ASCII character)
_FIELD_HEADINGS = {"status", "statut", "estado", "title"}
_FIELD_SECTIONS = {
    "metadata",
    "document metadata",
    "metadatos",
    "metadonnees",
    "document information",
}
_HEADER_NAMES = {
    "field",
    "fields",
    "property",
    "key",
    "name",
    "attribute",
    "item",
    "campo",
    "champ",
}

_SOURCE_RANK = {"front_matter": 0, "bold": 1, "table": 2, "section": 3, "plain": 4}


@cache
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def _rxb(pattern: bytes) -> re.Pattern[bytes]:
    return re.compile(pattern)


class _Bad:
    """Records invalid UTF-8 sequences while decoding."""

    __slots__ = ("ranges",)

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []


_BAD: list[_Bad] = []


def _record(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    _BAD[-1].ranges.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("specbook-record", _record)


class _Decoded:
    """The bytes the scanners read (the file's without a BOM, each invalid UTF-8 sequence
    made U+FFFD) and the map from their offsets to the file's."""

    def __init__(self, data: bytes) -> None:
        self.bom = data.startswith(b"\xef\xbb\xbf")
        self.base = 3 if self.bom else 0
        body = data[self.base :]
        self.invalid: list[int] = []
        self._shift_at: list[int] = []
        self._shift_by: list[int] = []
        try:
            # (valid UTF-8 told without decoding it: C's check is what the strict decoder
            # accepts, and a tenth of its time on a page with a few non-ASCII letters)
            if not (body.isascii() or (_C is not None and _C.utf8_valid(body))):
                body.decode("utf-8")
            self.work = body
        except UnicodeDecodeError:
            bad = _Bad()
            _BAD.append(bad)
            try:
                text = body.decode("utf-8", "specbook-record")
            finally:
                _BAD.pop()
            self.work = text.encode("utf-8")
            acc = 0
            for start, end in bad.ranges:
                self.invalid.append(start + self.base)
                # In `work` this run is U+FFFD (3 bytes) where the file has end - start bytes.
                at = start - acc + 3
                acc += (end - start) - 3
                self._shift_at.append(at)
                self._shift_by.append(acc)

    def map(self, offset: int) -> int:
        """File offset of ``offset`` in :attr:`work`."""
        if not self._shift_at:
            return offset + self.base
        i = bisect_right(self._shift_at, offset)
        return offset + self.base + (self._shift_by[i - 1] if i else 0)


class _Head(NamedTuple):
    """A heading and the section it opens, which runs ``until`` the next heading of its
    level or higher (or the end of the document)."""

    level: int
    start: int
    end: int
    title: str
    until: int


class _SectionHead(NamedTuple):
    """A :class:`_Head` with ``name``, the template section it matches (if any)."""

    level: int
    start: int
    end: int
    title: str
    until: int
    name: str | None


# Builds a node (a Span, a Cell, a Section…) from a tuple of all its fields, without the
# Python-level __new__ of a named tuple: the same object, made faster.
_new = tuple.__new__
# The C builders of the nodes (specbook.parse.scan.c_nodes), or None: pure Python.
_C = scanners.c_nodes
_TITLE = itemgetter(3)  # (a heading's title)
_RANK_START = itemgetter(0, 1)  # (a found field's rank and start: their order)


class _Memo(dict[str, str]):
    """:func:`norm_heading`'s answers for the headings' keys in C (``_cscan.heading_keys``:
    a dict look-up is a fraction of a call through its ``lru_cache``; the C side empties
    it at 16,384), emptied as the caches of ``functools`` are (``cache_clear`` of the class
    or of the one instance)."""

    @classmethod
    def cache_clear(cls) -> None:
        _HEADING_KEYS.clear()


_HEADING_KEYS = _Memo()


class FieldKeys(dict[str, str]):
    """A bold field's key of each name as written (``field_key`` with ``_`` for each space)
    for one config (a :class:`ParseContext`'s), which ``_cscan.bold_field_nodes`` asks
    before calling ``field_key`` (and empties at 16,384 names); every one is emptied as
    the caches of ``functools`` are (``cache_clear`` of the class)."""

    _every: ClassVar[list["weakref.ReferenceType[FieldKeys]"]] = []

    def __init__(self) -> None:
        super().__init__()
        alive = [r for r in FieldKeys._every if r() is not None]
        FieldKeys._every = [*alive, weakref.ref(self)]

    @classmethod
    def cache_clear(cls) -> None:
        for ref in cls._every:
            keys = ref()
            if keys is not None:
                keys.clear()


# A heading of level 0 after the last one: it closes every open section.
_CLOSE_ALL = _SectionHead(0, 0, 0, "", 0, None)


class _Parser:
    def __init__(
        self, data: bytes, path: str | None, ctx: "ParseContext", sidecars: Sequence[Sidecar] = ()
    ) -> None:
        self.data = data
        self.path = path
        self.ctx = ctx
        self.sidecars = tuple(sidecars)
        self.dec = _Decoded(data)
        self.work = self.dec.work
        self.problems: list[Problem] = []
        # A span from offsets in :attr:`work` (hundreds per document: a closure over the
        # line index, the plainest for a file without a BOM or invalid bytes).
        self.span: Callable[[int, int], Span]
        if _C is not None:  # (the line index and the C span function in one call)
            self.line_starts, span = _C.line_index(data, Span)
            self.span = _spans(self.line_starts, self.dec, span)
        else:
            self.line_starts = scanners.line_starts(data)
            self.span = _spans(self.line_starts, self.dec)

    def text_of(self, start: int, end: int) -> str:
        return self.work[start:end].decode("utf-8", "replace")

    # -- main ------------------------------------------------------------------------
    def run(self) -> Document:
        work = self.work
        front: tuple[int, int, str] | None = None
        scanned = work
        opener = _FRONT_OPEN.match(work)
        fm = _FRONT_CLOSE.search(work, opener.end()) if opener else None
        if opener is not None and fm is not None:
            # Front matter is ours to read; the block parsers see blank lines of the same
            # byte length, so offsets stay aligned and a later `---` pair is never taken
            # for metadata.
            open_end = opener.end()
            front = (0, fm.end(), work[open_end : fm.start()].decode("utf-8", "replace"))
            scanned = _NOT_NEWLINE.sub(b" ", work[: fm.end()]) + work[fm.end() :]
        # The fast scanners handle the plain Markdown most specs are written in and
        # return exactly what pyromark's events give (differential tests hold them to
        # that); anything else goes to pyromark.
        return self.build(work, scanners.scan(scanned), front)

    # -- assembly --------------------------------------------------------------------
    def build(
        self,
        work: bytes,
        blocks: Blocks,
        front: tuple[int, int, str] | None,
    ) -> Document:
        ctx = self.ctx
        headings, _, tables, codes, html, _ = blocks
        # Each heading runs to the next heading of its level or higher.
        heads = _heads(headings, len(work))

        # Code and HTML ranges are opaque to field and reference scans.
        opaque: list[tuple[int, int]] = (
            sorted([(c.start, c.end) for c in codes] + [(h.start, h.end) for h in html])
            if codes or html
            else []
        )
        keys = (
            _C.heading_keys(heads, norm_heading, _HEADING_KEYS)
            if _C is not None
            else list(map(norm_heading, map(_TITLE, heads)))
        )
        fields = self._fields(work, heads, keys, tables, opaque, front)
        if self.sidecars:  # the metadata files come first: they are where fields live
            fields = [f for sc in self.sidecars for f in self._sidecar_fields(sc)] + fields

        doc_id = self._doc_id(fields, headings)
        kind = ctx.config.kind_for_id(doc_id) if doc_id else None
        if kind is None:
            kind = self.path_kind
        kind_name = kind.name if kind else None

        title = self._title(headings, fields, doc_id)
        status_field = _first(fields, "status")
        status = status_field.value if status_field else None
        canonical = None
        if status is not None:
            if kind is not None:
                canonical = kind.canonical_status(status)
            else:
                for k in ctx.config.kinds.values():
                    canonical = k.canonical_status(status)
                    if canonical:
                        break
        type_field = _first(fields, "type")

        fence_closed = _C.fence_closed if _C is not None else _fence_closed
        for cs, ce, _, _, fenced in codes:
            if fenced and not fence_closed(work, cs, ce):
                sp = self.span(cs, ce)
                self.problems.append(
                    Problem(
                        "unclosed-fence", f"code fence opened on line {sp.line} is never closed", sp
                    )
                )
        for off in self.dec.invalid:
            i = bisect_right(self.line_starts, off)
            self.problems.append(
                Problem(
                    "invalid-utf8",
                    f"bytes at offset {off} are not valid UTF-8",
                    Span(off, off + 1, i, i),
                )
            )
        self.problems.sort(key=lambda p: p.span.start)

        return Document(
            path=self.path,
            kind=kind_name,
            id=doc_id,
            title=title,
            status=status,
            status_canonical=canonical,
            type=type_field.value if type_field else None,
            fields=tuple(fields),
            encoding=_encoding(self.data, self.dec, self.line_starts),
            problems=tuple(self.problems),
            source=self.data,
            line_starts=self.line_starts,
            parts=_Parts(self, heads, keys, blocks, opaque, kind_name, doc_id),
            sidecars=self.sidecars,
        )

    # -- fields ----------------------------------------------------------------------
    def _fields(
        self,
        work: bytes,
        heads: list[_Head],
        keys: list[str],
        tables: list[RawTable],
        opaque: list[tuple[int, int]],
        front: tuple[int, int, str] | None,
    ) -> list[Field]:
        """The fields of the document, best first; ``keys`` are the headings' titles
        normalised (:func:`norm_heading`)."""
        cfg = self.ctx.config
        names = self.ctx.template_sections(None)
        found: list[tuple[int, int, Field]] = []

        body_start = 0
        if front is not None:
            body_start = front[1]
            for f in self._front_matter(work, front):
                found.append((0, f.span.start, f))

        # The preamble runs from the top to the first heading below the title.
        pre_end = len(work)
        first_h1 = True
        for level, hs, _, title, _ in heads:
            if hs < body_start:
                continue
            if level == 1 and first_h1 and not self._names_section(title):
                first_h1 = False
                continue
            pre_end = hs  # (an H1 `# Summary` is the first section: the header is above)
            break
        zones: list[tuple[int, int, str | None, bool]] = [(body_start, pre_end, None, False)]
        # Documents that open with `## Summary` and a list of `- **Severity:** P2` lines keep
        # their header there: the first section gives fields, but only under known names.
        first = next((h for h in heads if h.start >= pre_end and h.level >= 2), None)
        if first is not None:
            zones.append(
                (first.end, first.until, names.get(norm_heading(first.title), first.title), True)
            )
        aliases = cfg.field_aliases
        named = self.ctx.field_heading_keys  # (what the loop below tests, most headings fail)
        in_sections: list[int] | set[int]
        candidates: list[int] | set[int]
        if _C is not None:  # (the two loops just below, in C)
            in_sections, candidates = _C.field_heads(heads, keys, _FIELD_SECTIONS, named)
        else:
            in_sections = [i for i, key in enumerate(keys) if key in _FIELD_SECTIONS]
            candidates = {i for i, key in enumerate(keys) if key in named}
            candidates.update([i for i, h in enumerate(heads) if ":" in h.title])
        for i in in_sections:
            level, hs, he, title, end = heads[i]
            if level >= 2:
                zones.append((he, end, names.get(keys[i], title), False))
        # `## Status` section: its first line is the value; `## Statut : CLOS` carries it.
        # Only at level 2: a `#### Modifié : GET /api` heading deep in a design is no field.
        for i in sorted(candidates):
            level, hs, he, title, end = heads[i]
            key = keys[i]
            if level == 2 and (
                ":" in title or key in _FIELD_HEADINGS or aliases.get(key) in ("status", "title")
            ):
                hf = self._heading_field(work, title, hs, he, end)
                if hf is not None:
                    found.append((_SOURCE_RANK["section"], hf.span.start, hf))

        seen_zone: set[tuple[int, int]] = set()
        for zs, ze, zname, known_only in zones:
            if ze <= zs or (zs, ze) in seen_zone:
                continue
            seen_zone.add((zs, ze))
            self._bold_fields(work, zs, ze, zname, known_only, opaque, found)
            if zname is None:
                plain: Iterator[re.Match[bytes]] = _PLAIN_FIELD.finditer(work, zs, ze)
                if zs == body_start and _has_bullet(work, zs, ze):  # (the preamble)
                    plain = chain(plain, _rxb(_BULLET_FIELD).finditer(work, zs, ze))
                for m in plain:
                    name = m.group("name").decode("utf-8", "replace").strip()
                    if not cfg.is_known_field(name) or _inside(opaque, m.start()):
                        continue
                    vs, ve = _trim_value(work, *m.span("value"))
                    f = Field(
                        cfg.field_key(name),
                        name,
                        self.text_of(vs, ve),
                        "plain",
                        self.span(m.start(), m.end()),
                        self.span(vs, ve),
                        None,
                    )
                    found.append((_SOURCE_RANK["plain"], m.start(), f))
                for ts, _te, rows in tables:
                    if not zs <= ts < ze:
                        continue
                    for ri, row in enumerate(rows):
                        if len(row) != 2:
                            break
                        name = row[0][0].strip().strip("*_").strip().rstrip(":").strip()
                        if ri == 0 and (
                            norm_key(name) in _HEADER_NAMES or not cfg.is_known_field(name)
                        ):
                            continue
                        if not name:
                            continue
                        vs, ve = _trim_cell(work, row[1][1], row[1][2])
                        f = Field(
                            cfg.field_key(name).replace(" ", "_"),
                            name,
                            row[1][0].strip(),
                            "table",
                            self.span(row[0][1], row[1][2]),
                            self.span(vs, ve),
                            None,
                        )
                        found.append((_SOURCE_RANK["table"], row[0][1], f))
        found.sort(key=_RANK_START)
        return [f for _, _, f in found]

    def _bold_fields(
        self,
        work: bytes,
        zs: int,
        ze: int,
        zname: str | None,
        known_only: bool,
        opaque: list[tuple[int, int]],
        found: list[tuple[int, int, Field]],
    ) -> None:
        """Add the ``**Name**: value`` fields of bytes ``zs:ze`` to ``found`` (rank, start,
        field); ``known_only`` keeps only names the book knows."""
        cfg = self.ctx.config
        span = self.span
        rank = _SOURCE_RANK["bold"] if zname is None else 1
        if _C is not None and type(span) is scanners.c_spans:  # (the same loop in C)
            known = cfg.is_known_field if known_only else None
            keys = self.ctx.field_keys  # (this book's config's answers)
            found += _C.bold_field_nodes(
                work, zs, ze, span, Field, cfg.field_key, known, zname, opaque, rank, keys
            )
            return
        for start, end, ns, ne, colon, vs, ve in _bold_matches(work, zs, ze):
            if opaque and _inside(opaque, start):
                continue
            name = work[ns:ne].decode("utf-8", "replace").strip()
            if not colon and not name.endswith(":"):
                continue
            name = name.rstrip(": \t")
            if not name or (known_only and not cfg.is_known_field(name)):
                continue
            key = cfg.field_key(name).replace(" ", "_")
            value = work[vs:ve].decode("utf-8", "replace")
            fields = (key, name, value, "bold", span(start, end), span(vs, ve), zname, None)
            found.append((rank, start, _new(Field, fields)))

    def _heading_field(self, work: bytes, title: str, hs: int, he: int, end: int) -> Field | None:
        cfg = self.ctx.config
        key_text = norm_heading(title)
        if ":" in title:
            fname, _, value = title.partition(":")
            if cfg.is_known_field(fname.strip()) and value.strip():
                raw = work[hs:he]
                colon = raw.find(b":")
                vs, ve = _trim_value(work, hs + colon + 1, hs + len(raw.rstrip(b"\r\n# \t")))
                return Field(
                    cfg.field_key(fname.strip()),
                    fname.strip(),
                    self.text_of(vs, ve),
                    "section",
                    self.span(hs, he),
                    self.span(vs, ve),
                    None,
                )
            return None
        if key_text in ("status", "statut", "estado", "title") or (
            cfg.field_aliases.get(key_text) in ("status", "title") and len(key_text.split()) <= 2
        ):
            # first non-empty line of the body
            pos = he
            while pos < end:
                nl = work.find(b"\n", pos, end)
                line_end = end if nl < 0 else nl
                line = work[pos:line_end].strip()
                if line:
                    if line.startswith((b"#", b"```", b"|", b"<")):
                        return None
                    bold = _BOLD_FIELD.match(work, pos, line_end)
                    if bold is not None and (bold["colon"] or bold["name"].rstrip().endswith(b":")):
                        return None  # `- **State:** Done`: a field of its own, read as such
                    ls = pos + (len(work[pos:line_end]) - len(work[pos:line_end].lstrip()))
                    marker = _LIST_MARKER.match(work, ls, line_end)
                    if marker is not None and marker.end() < line_end:
                        ls = marker.end()  # `- Done`: the value is the item's text
                    vs, ve = _trim_value(work, ls, line_end)
                    value = self.text_of(vs, ve).strip("*_ ")
                    return Field(
                        cfg.field_key(key_text),
                        title.strip(),
                        value,
                        "section",
                        self.span(ls, line_end),
                        self.span(vs, ve),
                        None,
                    )
                pos = line_end + 1
        return None

    def _front_matter(self, work: bytes, front: tuple[int, int, str]) -> list[Field]:
        from specbook.parse.mapping import load_yaml, mapping_fields

        fs, fe, text = front
        values, problem = load_yaml(text, first_line=2)
        if problem is not None:
            self.problems.append(
                Problem("front-matter", f"front matter {problem}", self.span(fs, fe))
            )
        # The first line is `---`: start after it.
        first_nl = work.find(b"\n", fs, fe)
        inner_start = fs if first_nl < 0 else first_nl + 1
        last = work.rfind(b"\n", inner_start, fe - 1)
        inner_end = fe if last < 0 else last + 1
        return mapping_fields(
            self.ctx, work, inner_start, inner_end, values, self.span, "front_matter", None
        )

    def _sidecar_fields(self, sidecar: Sidecar) -> list[Field]:
        """The fields of one metadata file beside the document (see
        :func:`specbook.parse.mapping.sidecar_fields`); a file that is not valid YAML or
        JSON is a problem of the document, naming the file and line."""
        from specbook.parse.mapping import sidecar_fields

        spans = scanners.span_maker(scanners.line_starts(sidecar.data))
        found, problem = sidecar_fields(self.ctx, sidecar, spans)
        if problem is not None:
            self.problems.append(
                Problem(
                    "sidecar",
                    f"{sidecar.path} {problem}; each of its keys is read on its own",
                    Span(0, 0, 1, 1),
                )
            )
        return found

    # -- requirements ----------------------------------------------------------------
    def _requirement(
        self, m: re.Match[str], s: int, e: int, section: str | None, body_from: int | None = None
    ) -> Requirement:
        rid = m.group(1)
        nonfunc = self.ctx.requirement_kind(rid) == "non-functional"
        text = m.group(2).strip()
        criteria = target = None
        criteria_span = target_span = None
        work = self.work
        scan_from = body_from if body_from is not None else s
        for cs, ce, ls, _, vs, ve in _criteria(work, scan_from, e):
            vs, ve = _trim_value(work, vs, ve)
            value = self.text_of(vs, ve).strip()
            if not value:
                value, vs, ve = self._following_items(ce, e)
            if work[ls : ls + 1] in b"tTmM":  # (a target or a metric)
                if target is None:
                    target, target_span = value, self.span(cs, ce)
            elif criteria is None:
                criteria, criteria_span = value, self.span(cs, ce)
        kind = "non-functional" if nonfunc else "functional"
        return _new(
            Requirement,
            (
                rid,
                kind,
                text,
                criteria if criteria else None,
                target if target else None,
                section,
                self.span(s, e),
                criteria_span,
                target_span,
            ),
        )

    def _following_items(self, pos: int, end: int) -> tuple[str, int, int]:
        """Bullet lines right after an empty ``Acceptance Criteria:`` label, joined."""
        parts: list[str] = []
        first = last = pos
        for m in re.finditer(rb"\r?\n[ \t]*(?:[-*+]|\d+[.)])[ \t]+([^\r\n]*)", self.work[pos:end]):
            if m.start() != (last - pos if parts else 0):
                break
            parts.append(m.group(1).decode("utf-8", "replace").strip())
            if not parts[:-1]:
                first = pos + m.start(1)
            last = pos + m.end()
        return "; ".join(p for p in parts if p), first, last

    # -- references ------------------------------------------------------------------
    def _references(
        self,
        work: bytes,
        opaque: list[tuple[int, int]],
        section_at: Callable[[int], str | None],
        doc_id: str | None,
        anchors: Sequence[tuple[int, int]] = (),
    ) -> list[Reference]:
        """The mentions of configured kinds' IDs outside code and HTML blocks. An ID right
        after ``#`` is an anchor (``[[#ADR-3803]]``, ``other.md#SPEC-004``) and one inside
        a link to a place in this page (``anchors``) names a heading: neither is one."""
        out = []
        span = self.span
        for m in _find_refs(self.ctx, work):
            s = m.start()
            if opaque and _inside(opaque, s):
                continue
            if s and work[s - 1] == 0x23:  # `#`
                continue
            if anchors and _inside(anchors, s):
                continue
            target = m.group(1).decode()
            req = m.group(2).decode() if m.group(2) else None
            if target == doc_id and req is None:
                continue
            out.append(
                _new(Reference, (target, req, m.group(0).decode(), section_at(s), span(s, m.end())))
            )
        return out

    # -- review history --------------------------------------------------------------
    def _review_history(
        self, heads: list[_SectionHead], names: list[str], tables: tuple[Table, ...]
    ) -> list[ReviewEntry]:
        """The rows of the first table in the first section named Review History;
        ``names``: each of ``heads``' template name, else its title."""
        # (norm_key is memoized, and the build has just normalized most of these titles:
        # mapped over the names, a few microseconds less than a loop testing each head)
        try:
            at_head = list(map(norm_key, names)).index("review history")
        except ValueError:
            return []
        _level, hs, _he, _title, end, _name = heads[at_head]
        start_b, end_b = self.dec.map(hs), self.dec.map(end)
        for t in tables:
            if start_b <= t.span.start < end_b:
                cols = {_review_col(c.text): i for i, c in reversed(list(enumerate(t.header)))}
                at = [cols.get(k) for k in ("date", "reviewer", "status", "feedback")]
                return [
                    _new(
                        ReviewEntry,
                        (
                            *[row[i].text if i is not None and i < len(row) else "" for i in at],
                            rs,
                        ),
                    )
                    for row, rs in zip(t.rows, t.row_spans, strict=False)
                ]
        return []

    # -- identity --------------------------------------------------------------------
    @cached_property
    def path_kind(self) -> KindConfig | None:
        """The kind whose folder holds the document (asked only when its ID does not
        name one, or its name may give the ID)."""
        cfg = self.ctx.config
        return self.ctx.kind_for_path(self.path) if self.path and cfg.root is not None else None

    def _doc_id(self, fields: list[Field], headings: list[RawHeading]) -> str | None:
        """The ID the document states (an ID field, its H1 — ``# SPEC-012: …`` or, with a
        kind's prefix, ``# ADR 018 — …`` —, a file name such as ``SPEC-012-x.md``), else,
        for a kind with ``ids_from_names``, PREFIX-<number> of its number-only file or
        folder name. Placeholders (``KEP-NNNN``, ``SPEC-000``) are never IDs, and an ID
        field naming the document by more than an ID (``FEAT-109-ZED-INVESTIGATION``)
        leaves it without one. An ID field holding a bare number (``kep-number: 1440``) is the
        number with the prefix of the kind the document's folder belongs to."""
        for f in fields:
            if f.key == "id":
                v = f.value.strip().strip("`*")
                if not v or is_placeholder(v):
                    continue
                if _ID_VALUE.match(v):
                    if _zeros(v):
                        continue  # `SPEC-000`: a template's placeholder
                    return v
                if v.isascii() and v.isdigit() and not _zeros(v) and self.path_kind is not None:
                    return f"{self.path_kind.prefix}-{v}"
                if _NAMED_ID_VALUE.match(v):
                    # `id: FEAT-109-ZED-INVESTIGATION`: the document's own name, not
                    # FEAT-109 (whose companion it is); no number of its own
                    return None
        for level, _, _, title in headings:
            if level == 1:
                t = _TITLE_JUNK.sub("", title)
                m = _LEADING_ID.match(t)
                if m and not _zeros(m.group(0)):
                    return m.group(0)
                named = self.ctx.named_h1_re
                nm = named.match(t) if named is not None and m is None else None
                if nm and nm.group("number") and not _zeros(nm.group("number")):
                    return f"{nm.group('prefix')}-{nm.group('number')}"  # `# ADR 018 — …`
                break
        path_kind = self.path_kind
        name = self._name(path_kind)
        if name:
            m = _FILE_ID.match(name)
            if m and not _zeros(m.group(1)):
                return m.group(1)
            if path_kind is not None and path_kind.ids_from_names:
                number = name_number(name)
                if number is not None:
                    return f"{path_kind.prefix}-{number}"
        return None

    def _name(self, path_kind: KindConfig | None) -> str:
        """The name that stands for the document: its file name, or for a document of a
        folder-per-document kind (``1440-kubectl-events/README.md``) its folder's name."""
        if not self.path:
            return ""
        path = self.path.replace("\\", "/")
        if path_kind is None or path_kind.layout != "folder":
            return path.rsplit("/", 1)[-1]
        from specbook.core.layout import document_name

        return document_name(path_kind, path)

    def _title(self, headings: list[RawHeading], fields: list[Field], doc_id: str | None) -> str:
        """The H1 without an ID or placeholder-ID prefix (``# KEP-NNNN: Title``) or the
        template's generic title; else the title field without the document's ID
        (``title: "SPEC-020: Title"``); else the file or folder name without its ID or
        number. An H1 naming a section (``# Summary``) is not the title."""
        generic = self.ctx.generic_titles
        for level, _, _, raw in headings:
            if level != 1:
                continue
            t = _TITLE_JUNK.sub("", raw.strip())
            m = _LEADING_ID.match(t)
            if m is None and ("-N" in t or "-X" in t or "-n" in t or "-x" in t or "-#" in t):
                m = _rx(_LEADING_PLACEHOLDER_ID).match(t)
            if m:
                t = t[m.end() :]
                suffix = _ID_SUFFIX.match(t)
                if suffix:
                    t = t[suffix.end() :]
                t = re.sub(r"^(?:\.md\b)?[\s:—–\-|.]*", "", t)
            else:
                t, m = self._title_without_name(t, doc_id)
            folded = fold(t)
            for g in generic:
                if folded.startswith(g):
                    rest = t[len(g) :]
                    if not rest.strip() or rest.lstrip()[:1] in (":", "—", "–", "-", "|"):
                        t = rest.lstrip().lstrip(":—–-|").strip()
                        break
            if _ASCII_ALNUM.search(t) if t.isascii() else any(ch.isalnum() for ch in t):
                if m is None and self._names_section(raw):
                    break  # the H1s are the sections: the title is elsewhere
                return t.strip()
        for f in fields:
            if f.key == "title" and f.value.strip() and not is_placeholder(f.value):
                t = _title_value(f.value.strip(), doc_id)
                if t:
                    return t
        name = self._name(self.path_kind)
        if name:
            stem = _MD_SUFFIX.sub("", name)
            m = _FILE_ID.match(stem)
            if m:
                stem = stem[len(m.group(1)) :]
            else:
                number = re.match(r"\d+(?=$|[-_. ])", stem)
                if number:
                    stem = stem[number.end() :]
            stem = stem.strip("-_ .").replace("-", " ").replace("_", " ")
            if stem:
                return stem
        return ""

    def _title_without_name(self, t: str, doc_id: str | None) -> tuple[str, re.Match[str] | None]:
        """An H1 without the name leading it other than as an ID: the kind's prefix in
        words (``ADR 018 — Title``, ``ADR — Title``), the ID's number alone
        (``012 — Title`` of ADR-012), or the document's file name (``ADR-PWA-FIX — Title``
        in ``ADR-PWA-FIX.md``); the match of what was taken off, else ``None``."""
        named = self.ctx.named_h1_re
        m = named.match(t) if named is not None else None
        if m is None and doc_id is not None and t[:1].isdigit():
            m = _LEADING_NUMBER.match(t)
            number = doc_id.rpartition("-")[2]
            if m is not None and not (number.isdigit() and int(m.group(1)) == int(number)):
                m = None
        if m is None:
            stem = _MD_SUFFIX.sub("", self._name(self.path_kind))
            if len(stem) > 2 and t[: len(stem)].casefold() == stem.casefold():
                m = _NAME_SEP.match(t, len(stem))
        if m is None or not t[m.end() :].strip():
            return t, None
        return t[m.end() :], m

    def _names_section(self, h1: str) -> bool:
        """Whether an H1's text names a section (``Summary``, or a heading of one of the
        book's templates) rather than the document. (Asked for a document's first H1
        twice; a title longer than any section name is not normalized at all.)"""
        ctx = self.ctx
        if len(h1) > ctx.section_h1_longest:
            return False
        return norm_heading(h1) in ctx.section_h1_keys


def _zeros(doc_id: str) -> bool:
    """Whether an ID's number (``SPEC-000``, ``0000``) is zeros only: a template's
    placeholder, never an ID. (IDs with letters for the number never match an ID's
    pattern in the first place.)"""
    return not doc_id.rpartition("-")[2].strip("0")


def _title_value(value: str, doc_id: str | None) -> str:
    """A title field's value without a leading ID: the document's own ID, a placeholder
    ID, or any ID followed by a colon (``SPEC-020: Multi-user`` -> ``Multi-user``).
    Another ID that is part of the title (``RFC-7231 compliance``) stays."""
    m = _rx(_TITLE_ID).match(value)
    if m is None:
        return value
    lead = m.group("id")
    own = doc_id is not None and lead.upper() == doc_id.upper()
    if own or is_placeholder_id(lead) or ":" in m.group("sep"):
        return value[m.end() :].strip()
    return value


def _spans(
    line_starts: tuple[int, ...], dec: _Decoded, span: Callable[[int, int], Span] | None = None
) -> Callable[[int, int], Span]:
    """The span function of a parse: offsets in ``dec.work`` to a :class:`Span` of the file.

    Line numbers are what ``bisect_right(line_starts, offset)`` gives. Most spans start
    on the line of the span made just before (the cells of a table row, a checklist item
    and its box, a heading and its section), so the function keeps the bounds of the
    last line it looked up and bisects only for an offset outside them. ``span``: that
    function of the file's offsets when the caller has it.
    """
    if span is None:
        span = scanners.span_maker(line_starts)
    if not dec._shift_at and not dec.base:
        return span
    to_file = dec.map

    def mapped(start: int, end: int) -> Span:
        return span(to_file(start), to_file(end))

    return mapped


class _Parts:
    """Builds a document's sections, requirements, tables… on first access.

    Holds the parser's block tuples so a :class:`Document` that is only listed never
    pays for building hundreds of node objects.
    """

    def __init__(
        self,
        p: _Parser,
        heads: list[_Head],
        keys: list[str],
        blocks: Blocks,
        opaque: list[tuple[int, int]],
        kind: str | None,
        doc_id: str | None,
    ) -> None:
        self.p = p
        self.raw_heads = heads
        self.keys = keys  # (each heading's title normalised)
        self.blocks = blocks
        self.opaque = opaque
        self.kind = kind
        self.doc_id = doc_id
        # the C builders of the nodes, when the span function is C's (no BOM or invalid
        # bytes to map offsets past)
        self.c = _C if _C is not None and type(p.span) is scanners.c_spans else None

    @cached_property
    def heads(self) -> list[_SectionHead]:
        """Headings with the template section each one matches."""
        tmpl = self.p.ctx.template_sections(self.kind)
        if _C is not None:
            return _C.named_heads(_SectionHead, self.raw_heads, tmpl, self.keys)
        return [
            _new(_SectionHead, (*h, tmpl.get(key) if h.level > 1 else None))
            for h, key in zip(self.raw_heads, self.keys, strict=True)
        ]

    @cached_property
    def _named(self) -> tuple[list[int], list[str], list[str | None]]:
        """In C: each head's start, its template name else its title (:attr:`_index`), and
        its template name or ``None`` (:attr:`heads`' names, without a head made for each)."""
        assert _C is not None
        return _C.head_names(self.raw_heads, self.p.ctx.template_sections(self.kind), self.keys)

    @cached_property
    def _index(self) -> tuple[list[int], list[str]]:
        if _C is not None:
            starts, labels, _ = self._named
            return starts, labels
        heads = self.heads
        return [h.start for h in heads], [h.name or h.title for h in heads]

    def section_at(self, offset: int) -> str | None:
        """The innermost section holding ``offset``: its template name, else its title."""
        starts, names = self._index
        i = bisect_right(starts, offset) - 1
        return names[i] if i >= 0 else None

    def sections(self) -> tuple[Section, ...]:
        """The section tree: each heading holds the headings below it of a deeper level."""
        if self.c is not None:
            return self.c.sections(self.p.span, Section, self.raw_heads, self._named[2])
        span = self.p.span
        top: list[Section] = []
        # The sections still open, innermost last: level, fields but children, children.
        stack: list[tuple[int, tuple[int, str, str | None, Span, Span], list[Section]]] = []
        for level, hs, he, title, end, name in (*self.heads, _CLOSE_ALL):
            while stack and stack[-1][0] >= level:
                _, fields, children = stack.pop()
                (stack[-1][2] if stack else top).append(_new(Section, (*fields, tuple(children))))
            if level:
                stack.append((level, (level, title, name, span(hs, he), span(hs, end)), []))
        return tuple(top)

    def flat_sections(self, sections: tuple[Section, ...]) -> tuple[Section, ...]:
        """:func:`~specbook.core.model.preorder` of ``sections`` (this document's), in C
        when it is built (:attr:`Document.flat_sections` asks for it)."""
        if _C is not None:
            return _C.preorder(sections, 5)
        return preorder(sections)

    def requirements(self) -> tuple[Requirement, ...]:
        p = self.p
        match = p.ctx.req_item_re.match
        items, heads = self.blocks.items, self.raw_heads
        needles = p.ctx.req_needles
        if needles is not None and _C is not None:  # (only the texts that can match)
            items, heads = _C.holding(items, 2, needles), _C.holding(heads, 3, needles)
        if self.c is not None:  # (the loops below and _requirement, in C)
            kind_of = p.ctx.requirement_kind
            return self.c.requirements(
                p.span, Requirement, match, kind_of, items, heads, p.work, *self._index
            )
        out = []
        for s, e, text, _ in items:
            m = match(text)
            if m:
                out.append(p._requirement(m, s, e, self.section_at(s)))
        for _level, hs, he, title, end in heads:
            m = match(title)
            if m:
                out.append(p._requirement(m, hs, end, self.section_at(hs), body_from=he))
        out.sort(key=lambda r: r.span.start)
        return tuple(out)

    def references(self) -> tuple[Reference, ...]:
        # A link to a place in this page (`[ADR-3803](#adr-3803)`) names a heading, not a
        # document: the IDs in it are no references.
        anchors = [(s, e) for s, e, url, _, _ in self.blocks.links if url.startswith("#")]
        p = self.p
        if self.c is not None:
            found = _find_refs(p.ctx, p.work)
            args = (p.work, self.opaque, anchors, self.doc_id, *self._index)
            return tuple(self.c.references(p.span, Reference, found, *args))
        return tuple(p._references(p.work, self.opaque, self.section_at, self.doc_id, anchors))

    def checklists(self) -> tuple[ChecklistItem, ...]:
        if self.c is not None:
            return self.c.checklists(self.p.span, ChecklistItem, self.blocks.items, *self._index)
        span = self.p.span
        section_at = self.section_at
        return tuple(
            [
                _new(
                    ChecklistItem,
                    (
                        marker[0],
                        text.strip(),
                        section_at(s),
                        span(s, e),
                        span(marker[1], marker[2]),
                    ),
                )
                for s, e, text, marker in self.blocks.items
                if marker is not None
            ]
        )

    @cached_property
    def _tables(self) -> tuple[Table, ...]:
        if self.c is not None:
            return self.c.tables(self.p.span, Table, Cell, self.blocks.tables, *self._index)
        span = self.p.span
        out = []
        for ts, te, rows in self.blocks.tables:
            if not rows:
                continue
            header = tuple([_new(Cell, (t.strip(), span(cs, ce))) for t, cs, ce in rows[0]])
            body = []
            row_spans = []
            for row in rows[1:]:  # (a row's cells and its span: the same line, made in a row)
                body.append(tuple([_new(Cell, (t.strip(), span(cs, ce))) for t, cs, ce in row]))
                row_spans.append(span(row[0][1], row[-1][2]) if row else span(ts, ts))
            fields = (header, tuple(body), self.section_at(ts), span(ts, te), tuple(row_spans))
            out.append(_new(Table, fields))
        return tuple(out)

    def tables(self) -> tuple[Table, ...]:
        return self._tables

    def code_blocks(self) -> tuple[CodeBlock, ...]:
        p = self.p
        if self.c is not None:
            return self.c.code_blocks(p.span, CodeBlock, self.blocks.codes, *self._index, p.work)
        return tuple(
            [
                _new(
                    CodeBlock,
                    (
                        lang.strip(),
                        text,
                        self.section_at(cs),
                        p.span(cs, ce),
                        fenced,
                        _fence_closed(p.work, cs, ce) if fenced else True,
                    ),
                )
                for cs, ce, lang, text, fenced in self.blocks.codes
            ]
        )

    def links(self) -> tuple[Link, ...]:
        if self.c is not None:
            return self.c.links(self.p.span, Link, self.blocks.links, *self._index)
        span = self.p.span
        section_at = self.section_at
        return tuple(
            [
                _new(Link, (url, text, section_at(s), span(s, e), img))
                for s, e, url, text, img in self.blocks.links
            ]
        )

    def review_history(self) -> tuple[ReviewEntry, ...]:
        if self.c is not None:
            return self.c.review_history(  # (the raw heads: their start and until)
                ReviewEntry, self._index[1], self.raw_heads, self._tables, norm_key
            )
        return tuple(self.p._review_history(self.heads, self._index[1], self._tables))


def _heads(headings: list[RawHeading], n: int) -> list[_Head]:
    """Each heading with where its section ends: at the next heading of its level or
    higher, else at ``n``."""
    if _C is not None:
        return _C.heads(_Head, headings, n)
    ends = [n] * len(headings)
    open_: list[int] = []
    for i, (level, hs, _, _) in enumerate(headings):
        while open_ and headings[open_[-1]].level >= level:
            ends[open_.pop()] = hs
        open_.append(i)
    return [_new(_Head, (*h, ends[i])) for i, h in enumerate(headings)]


def _first(fields: list[Field], key: str) -> Field | None:
    for f in fields:
        if f.key == key:
            return f
    return None


def _review_col(header: str) -> str:
    k = norm_key(header)
    if k in ("date", "when", "fecha"):
        return "date"
    if k in ("reviewer", "who", "by", "name", "author", "revisor", "relecteur"):
        return "reviewer"
    if k in ("status", "state", "decision", "result", "estado", "statut"):
        return "status"
    if k in ("feedback", "note", "notes", "comment", "comments", "remarks"):
        return "feedback"
    return k


def _find_refs(ctx: "ParseContext", work: bytes) -> list[re.Match[bytes]]:
    """``list(ctx.ref_re.finditer(work))``, faster.

    A match of ref_re starts with one of ``ctx.ref_heads`` (a kind prefix and its hyphen),
    so ref_re is tried only where ``bytes.find`` finds one, from left to right and never
    inside the last match, as finditer does; finditer's attempts anywhere else would fail.
    In C when it is built (the loop over a few dozen offsets a document).
    """
    if _C is not None:
        return _C.find_refs(work, ctx.ref_heads, ctx.ref_re.match)
    starts = _find_all(work, ctx.ref_heads)
    out: list[re.Match[bytes]] = []
    if not starts:
        return out
    match = ctx.ref_re.match
    end = 0
    for i in starts:
        if i >= end:
            m = match(work, i)
            if m is not None:
                out.append(m)
                end = m.end()
    return out


def _bold_matches(
    work: bytes, start: int, end: int
) -> list[tuple[int, int, int, int, bool, int, int]]:
    """Each ``**Name**: value`` line of ``work[start:end]`` (a match of
    :data:`_BOLD_FIELD`): its start and end, its name's, whether the colon follows the
    bold name, and its value's bytes less what :func:`_trim_value` trims. In C when it is
    built (the pattern, tried at every offset of a zone, was a fifth of a parse)."""
    if _C is not None:
        return _C.bold_fields(work, start, end)
    out = []
    for m in _BOLD_FIELD.finditer(work, start, end):
        vs, ve = _trim_value(work, *m.span(3))
        out.append((m.start(), m.end(), *m.span(1), m.group(2) is not None, vs, ve))
    return out


def _criteria(work: bytes, start: int, end: int) -> list[tuple[int, int, int, int, int, int]]:
    """The acceptance-criteria and target lines of ``work[start:end]`` (each match of
    :data:`_CRITERIA`): its start and end, its label's and its value's. In C when it is
    built (finditer's attempt at every offset of the requirement was half its time)."""
    if _C is not None:
        return _C.criteria(work, start, end)
    return [
        (*m.span(), *m.span("label"), *m.span("value"))
        for m in _CRITERIA.finditer(work, start, end)
    ]


def _find_all(work: bytes, needles: tuple[bytes, ...]) -> list[int]:
    """Every offset where one of ``needles`` starts in ``work``, ascending, each once
    (overlapping occurrences too); in C when it is built (``bytes.find`` over the whole
    document once per needle costs microseconds for each needle that is not there)."""
    if _C is not None:
        return _C.find_all(work, needles)
    starts: set[int] = set()
    for needle in needles:
        i = work.find(needle)
        while i >= 0:
            starts.add(i)
            i = work.find(needle, i + 1)
    return sorted(starts)


def _has_bullet(work: bytes, start: int, end: int) -> bool:
    """Whether bytes ``start:end`` may hold a list item (a quick test before a
    line-anchored scan, which tries every offset)."""
    find = work.find
    return (
        find(b"- ", start, end) >= 0 or find(b"* ", start, end) >= 0 or find(b"+ ", start, end) >= 0
    )


def _inside(ranges: Sequence[tuple[int, int]], pos: int) -> bool:
    i = bisect_right(ranges, (pos, 1 << 62)) - 1
    return i >= 0 and ranges[i][0] <= pos < ranges[i][1]


def _trim_value(work: bytes, s: int, e: int) -> tuple[int, int]:
    """Narrow a value's byte range: no surrounding blanks, trailing HTML comment,
    backslash break or backticks."""
    while e > s and work[e - 1] in b" \t\r":
        e -= 1
    if e - s >= 7 and work[e - 3 : e] == b"-->":  # `**Status**: Draft <!-- reviewed -->`
        open_at = work.rfind(b"<!--", s, e)
        if open_at >= 0:
            e = open_at
            while e > s and work[e - 1] in b" \t":
                e -= 1
    if e > s and work[e - 1] == 0x5C:  # trailing backslash line break
        e -= 1
        while e > s and work[e - 1] in b" \t":
            e -= 1
    while s < e and work[s] in b" \t":
        s += 1
    if e - s >= 2 and work[s] == 0x60 and work[e - 1] == 0x60:
        s, e = s + 1, e - 1
    return s, e


def _trim_cell(work: bytes, s: int, e: int) -> tuple[int, int]:
    while s < e and work[s] in b" \t":
        s += 1
    while e > s and work[e - 1] in b" \t":
        e -= 1
    return s, e


def _fence_closed(work: bytes, s: int, e: int) -> bool:
    """Whether the fenced block at ``s:e`` ends with a closing fence line."""
    opener = work[s:e].lstrip(b" ")
    ch = opener[:1]
    if ch not in (b"`", b"~"):
        return True
    n = len(opener) - len(opener.lstrip(ch))
    tail = work[s:e].rstrip(b"\r\n")
    last_nl = max(tail.rfind(b"\n"), tail.rfind(b"\r"))
    if last_nl < 0:
        return False
    last_line = tail[last_nl + 1 :].strip()
    return len(last_line) >= n and last_line == ch * len(last_line)


def _encoding(data: bytes, dec: _Decoded, line_starts: tuple[int, ...]) -> Encoding:
    if b"\r" in data:
        crlf = data.count(b"\r\n")
        cr = data.count(b"\r") - crlf
        lf = data.count(b"\n") - crlf
    else:  # every line but the first starts after a newline
        crlf = cr = 0
        lf = len(line_starts) - 1
    kinds = [name for name, count in (("crlf", crlf), ("cr", cr), ("lf", lf)) if count]
    newline = kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "none")
    return Encoding(
        bom=dec.bom,
        newline=newline,
        final_newline=data.endswith((b"\n", b"\r")),
        size=len(data),
        invalid_utf8=tuple(dec.invalid),
    )


def headings_of(data: bytes) -> list[tuple[int, str]]:
    """(level, title) of every heading in ``data``; used to read templates.

    From the block scanners when they take ``data`` (they give what pyromark would;
    a one-file lint then never imports pyromark for its templates), else pyromark."""
    text = data.decode("utf-8", "replace")
    blocks = scanners.quick_scan(text.encode("utf-8"))
    if blocks is not None:
        return [(h.level, h.text.strip()) for h in blocks.headings]
    return pyromark_headings(text)


def parse_document(
    data: bytes, path: str | None, ctx: "ParseContext", sidecars: Sequence[Sidecar] = ()
) -> Document:
    """Parse ``data``; may raise on a parser defect (see :func:`specbook.parse.parse`)."""
    return _Parser(data, path, ctx, sidecars).run()
