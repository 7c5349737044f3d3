"""A parsed :class:`~specbook.core.model.Document` kept in the snapshot and made again
without parsing (issue 19: each document parsed once for every command).

:func:`dump` turns a parsed document into plain nested tuples (``marshal`` data: no
classes, no C objects such as the scanner's span maker); :func:`load` makes a
:class:`Document` of them and the file's bytes again. Its header is made at once; each
part (sections, tables…) only when first asked for, as a parse makes them, so a page
that shows requirements does not pay for the tables. Loading costs about a tenth of a
parse (marshal's C reader does most of it); a document is the same as the parse gives
it, part for part (``tests/test_stored.py``).

The data holds no bytes of the file: :func:`load` takes them (and the sidecars) from
the caller, who read them to check the content hash the data was stored under.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Sequence
from typing import Any

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
)

# Bumped whenever the shape of the data changes: older data is then not loaded.
VERSION = 1

# marshal's format for the Python way (without the C module): format 2 keeps no table
# of the objects met before, which format 4 looks each one up in: with the command's
# collector settings a generated document's data dumps in 45 us against 78 (format 4 is
# a fifth smaller). The C ``pack`` is both: under 40 us for the whole dump, smaller still
_MARSHAL = 2

_new = tuple.__new__  # (a node made without the named tuple's Python-level __new__)


def _span(s: Span | None) -> tuple[int, int, int, int] | None:
    return None if s is None else (s[0], s[1], s[2], s[3])


def _section(s: Section) -> tuple[Any, ...]:
    return (
        s.level, s.title, s.template_name, tuple(s.heading), tuple(s.span),
        tuple([_section(c) for c in s.children]) if s.children else (),
    )  # fmt: skip


def _cells(row: tuple[Cell, ...]) -> tuple[Any, ...]:
    return tuple([(c.text, tuple(c.span)) for c in row])


def dump(doc: Document, pack: Callable[[Any], bytes] | None = None) -> bytes:
    """``doc`` (a parse's result: every part is built) as bytes for :func:`load`.

    ``pack``: a function that writes a value as ``marshal`` data, every tuple (named
    tuples too) and list of it as a tuple (the C scanner's ``pack``,
    :data:`specbook.parse.scan.pack`): the same data as the Python path below at a
    fraction of the cost, since each node is already its fields in the stored order, and
    smaller (short codes, each repeated string once). A value it cannot write (an int
    beyond 32 bits: a file of 2 GB) goes the Python way."""
    if pack is not None:
        try:
            return pack(
                (
                    VERSION,
                    doc.path, doc.kind, doc.id, doc.title, doc.status, doc.status_canonical,
                    doc.type, doc.fields, doc.encoding, doc.problems, doc.line_starts,
                    doc.sections, doc.requirements, doc.references, doc.checklists,
                    doc.tables, doc.code_blocks, doc.links, doc.review_history,
                )
            )  # fmt: skip
        except (TypeError, ValueError):
            pass
    data: tuple[Any, ...] = (
        VERSION,
        doc.path, doc.kind, doc.id, doc.title, doc.status, doc.status_canonical, doc.type,
        tuple([(*f[:4], tuple(f.span), tuple(f.value_span), f.section, f.file)
               for f in doc.fields]),
        tuple(doc.encoding),
        tuple([(p.code, p.message, tuple(p.span)) for p in doc.problems]),
        doc.line_starts,
        tuple([_section(s) for s in doc.sections]),
        tuple([(*r[:6], tuple(r.span), _span(r.criteria_span), _span(r.target_span))
               for r in doc.requirements]),
        tuple([(*r[:4], tuple(r.span)) for r in doc.references]),
        tuple([(c.checked, c.text, c.section, tuple(c.span), tuple(c.marker))
               for c in doc.checklists]),
        tuple([(_cells(t.header), tuple([_cells(r) for r in t.rows]), t.section,
                tuple(t.span), tuple([tuple(s) for s in t.row_spans])) for t in doc.tables]),
        tuple([(c.language, c.text, c.section, tuple(c.span), c.fenced, c.closed)
               for c in doc.code_blocks]),
        tuple([(k.url, k.text, k.section, tuple(k.span), k.image) for k in doc.links]),
        tuple([(*e[:4], tuple(e.span)) for e in doc.review_history]),
    )  # fmt: skip
    return marshal.dumps(data, _MARSHAL)


def _sp(t: Any) -> Span:
    return _new(Span, t)


def _opt(t: Any) -> Span | None:
    return None if t is None else _sp(t)


def _sections(raw: Sequence[Any]) -> tuple[Section, ...]:
    return tuple(
        [
            _new(Section, (lv, title, name, _sp(h), _sp(s), _sections(kids)))
            for lv, title, name, h, s, kids in raw
        ]
    )


def _row(raw: Sequence[Any]) -> tuple[Cell, ...]:
    return tuple([_new(Cell, (text, _sp(s))) for text, s in raw])


# What each stored part is made into, for a ``revive`` function (the C scanner's
# ``revive``, :data:`specbook.parse.scan.revive`): None: as stored; a type: a node of the
# stored items; (type, shapes): a node of items made by those shapes; [shape]: a tuple
# of items made by that shape (see ``_cscan.c``).
_SECTIONS: list[Any] = []
_SECTIONS.append((Section, (None, None, None, Span, Span, _SECTIONS)))  # (children: these)
_ROW = [(Cell, (None, Span))]
SHAPES: dict[str, Any] = {
    "fields": [(Field, (None, None, None, None, Span, Span, None, None))],
    "problems": [(Problem, (None, None, Span))],
    "sections": _SECTIONS,
    "requirements": [(Requirement, (None, None, None, None, None, None, Span, Span, Span))],
    "references": [(Reference, (None, None, None, None, Span))],
    "checklists": [(ChecklistItem, (None, None, None, Span, Span))],
    "tables": [(Table, (_ROW, [_ROW], None, Span, [Span]))],
    "code_blocks": [(CodeBlock, (None, None, None, Span, None, None))],
    "links": [(Link, (None, None, None, Span, None))],
    "review_history": [(ReviewEntry, (None, None, None, None, Span))],
}

Revive = Callable[[Any, Any], Any]


class _StoredParts:
    """The parts of a stored document, each made when the document first asks for it."""

    __slots__ = ("raw",)

    def __init__(self, raw: tuple[Any, ...]) -> None:
        self.raw = raw

    def sections(self) -> tuple[Section, ...]:
        return _sections(self.raw[12])

    def requirements(self) -> tuple[Requirement, ...]:
        return tuple(
            [_new(Requirement, (*r[:6], _sp(r[6]), _opt(r[7]), _opt(r[8]))) for r in self.raw[13]]
        )

    def references(self) -> tuple[Reference, ...]:
        return tuple([_new(Reference, (*r[:4], _sp(r[4]))) for r in self.raw[14]])

    def checklists(self) -> tuple[ChecklistItem, ...]:
        return tuple([_new(ChecklistItem, (*c[:3], _sp(c[3]), _sp(c[4]))) for c in self.raw[15]])

    def tables(self) -> tuple[Table, ...]:
        out = []
        for h, rows, sec, s, spans in self.raw[16]:
            body = tuple([_row(r) for r in rows])
            out.append(_new(Table, (_row(h), body, sec, _sp(s), tuple([_sp(x) for x in spans]))))
        return tuple(out)

    def code_blocks(self) -> tuple[CodeBlock, ...]:
        return tuple([_new(CodeBlock, (*c[:3], _sp(c[3]), *c[4:])) for c in self.raw[17]])

    def links(self) -> tuple[Link, ...]:
        return tuple([_new(Link, (*k[:3], _sp(k[3]), k[4])) for k in self.raw[18]])

    def review_history(self) -> tuple[ReviewEntry, ...]:
        return tuple([_new(ReviewEntry, (*e[:4], _sp(e[4]))) for e in self.raw[19]])


class _RevivedParts:
    """:class:`_StoredParts` made by a ``revive`` function: one call per part."""

    __slots__ = ("raw", "revive")

    def __init__(self, raw: tuple[Any, ...], revive: Revive) -> None:
        self.raw = raw
        self.revive = revive

    def _part(self, at: int, name: str) -> Any:
        return self.revive(self.raw[at], SHAPES[name])

    def sections(self) -> tuple[Section, ...]:
        return self._part(12, "sections")  # type: ignore[no-any-return]

    def requirements(self) -> tuple[Requirement, ...]:
        return self._part(13, "requirements")  # type: ignore[no-any-return]

    def references(self) -> tuple[Reference, ...]:
        return self._part(14, "references")  # type: ignore[no-any-return]

    def checklists(self) -> tuple[ChecklistItem, ...]:
        return self._part(15, "checklists")  # type: ignore[no-any-return]

    def tables(self) -> tuple[Table, ...]:
        return self._part(16, "tables")  # type: ignore[no-any-return]

    def code_blocks(self) -> tuple[CodeBlock, ...]:
        return self._part(17, "code_blocks")  # type: ignore[no-any-return]

    def links(self) -> tuple[Link, ...]:
        return self._part(18, "links")  # type: ignore[no-any-return]

    def review_history(self) -> tuple[ReviewEntry, ...]:
        return self._part(19, "review_history")  # type: ignore[no-any-return]


def load(
    stored: bytes, source: bytes, sidecars: Sequence[Sidecar] = (), revive: Revive | None = None
) -> Document | None:
    """The document :func:`dump` stored, with ``source`` (the file's bytes, those it was
    parsed from) and ``sidecars``; ``None`` when ``stored`` is not data this version
    of :func:`dump` wrote (the caller parses the file instead). Never raises.

    ``revive``: a function that makes a part's nodes of its stored data by
    :data:`SHAPES` (the C scanner's, :data:`specbook.parse.scan.revive`): each part in
    one call instead of a Python loop over its nodes."""
    try:
        raw = marshal.loads(stored)
        if not isinstance(raw, tuple) or len(raw) != 20 or raw[0] != VERSION:
            return None
        if revive is not None:
            fields = revive(raw[8], SHAPES["fields"])
            problems = revive(raw[10], SHAPES["problems"])
        else:
            fields = tuple(
                [_new(Field, (*f[:4], _sp(f[4]), _sp(f[5]), f[6], f[7])) for f in raw[8]]
            )
            problems = tuple([_new(Problem, (c, m, _sp(s))) for c, m, s in raw[10]])
        return Document(
            path=raw[1], kind=raw[2], id=raw[3], title=raw[4], status=raw[5],
            status_canonical=raw[6], type=raw[7], fields=fields,
            encoding=_new(Encoding, raw[9]), problems=problems,
            source=source, line_starts=raw[11],
            parts=_StoredParts(raw) if revive is None else _RevivedParts(raw, revive),
            sidecars=tuple(sidecars),
        )  # fmt: skip
    except (ValueError, EOFError, TypeError, IndexError):
        return None
