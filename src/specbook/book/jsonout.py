"""The JSON shapes of DESIGN.md (``show --json``, ``list --json``). Keep them stable.

:func:`document_summary` is the one place that says which document a JSON object is
about, for every output that names documents (``show``, ``list``, ``trace``, ``impact``,
the portal API, the MCP tools); the key tuples below are the orders each contract has.
"""

from __future__ import annotations

import marshal
from collections.abc import Mapping, Sequence
from typing import Any

from specbook.core import stored
from specbook.core.model import Document
from specbook.core.text import is_placeholder

# which document: ``show --json``, ``list --json``
SUMMARY_KEYS = ("id", "kind", "title", "status", "status_canonical", "type", "path")
# a row of the portal API's document list (``GET /api/documents``)
LIST_KEYS = (*SUMMARY_KEYS, "date", "modified", "tags")
# a document of ``trace --json`` and ``impact --json`` (version 1 of both)
REPORT_KEYS = ("id", "title", "status", "kind", "path")


def tags_of(doc: Document) -> list[str]:
    """The document's tags as a list (an unfilled ``[tag1, tag2]`` prompt gives none)."""
    raw = doc.value("tags")
    if not raw or is_placeholder(raw):
        return []
    return [t.strip().strip("`#") for t in raw.replace(";", ",").split(",") if t.strip()]


def document_summary(doc: object, keys: Sequence[str] = SUMMARY_KEYS) -> dict[str, Any]:
    """Which document ``doc`` is, as JSON: its ``keys`` in that order, read from a
    :class:`Document`, any object with those attributes (a trace or impact row, a
    :class:`~specbook.store.DocSummary`) or a mapping (a row of the index's listing).

    Raises :class:`AttributeError` / :class:`KeyError` when ``doc`` lacks a key.
    """
    if isinstance(doc, Mapping):
        return {k: doc[k] for k in keys}
    return {k: getattr(doc, k) for k in keys}


def document_json(doc: Document) -> dict[str, Any]:
    """The whole model of ``doc`` as plain JSON data, every node with its line numbers."""
    return record_json(document_record(doc))


def document_record(doc: Document) -> tuple[Any, ...]:
    """What :func:`document_json` is made of, as one tuple (see :data:`RECORD_SHAPE`)."""
    return (
        doc.id, doc.kind, doc.title, doc.status, doc.status_canonical, doc.type, doc.path,
        doc.fields, doc.metadata, doc.sections, doc.requirements, doc.references,
        doc.checklists, doc.tables, doc.code_blocks, doc.links, doc.review_history,
        doc.encoding, doc.problems,
    )  # fmt: skip


# The layout of :func:`specbook.core.stored.dump`'s data that :func:`stored_record`
# reads; data of another version is refused (the caller loads it as a document).
_STORED_VERSION = 1


def stored_record(data: bytes) -> tuple[Any, ...] | None:
    """:func:`document_record` of the document :func:`specbook.core.stored.dump` made
    ``data`` of, read straight from that data: without the model's nodes, which cost
    more to make than the JSON (an export after ``lint`` takes half the time). ``None``
    when ``data`` is not of the layout this reads (another version, damaged data).
    Never raises."""
    try:
        r = marshal.loads(data)
        if (
            not isinstance(r, tuple)
            or len(r) != 20
            or r[0] != _STORED_VERSION
            or stored.VERSION != _STORED_VERSION
        ):
            return None
        fields = r[8]
        metadata: dict[str, str] = {}  # (as Document.metadata: the first of each key)
        for f in fields:
            if f[6] == "Metadata" and f[0] not in metadata:
                metadata[f[0]] = f[2]
    except (ValueError, EOFError, TypeError, IndexError):
        return None
    # (id, kind, title, status, status_canonical, type, path: as the summary's keys)
    return (r[3], r[2], r[4], r[5], r[6], r[7], r[1], fields, metadata, *r[12:20], r[9], r[10])


def stored_document_json(data: bytes) -> dict[str, Any] | None:
    """:func:`document_json` of the document :func:`specbook.core.stored.dump` made
    ``data`` of (see :func:`stored_record`); ``None`` when ``data`` is not of the
    layout this reads. ``tests/test_export.py`` holds the two equal on the corpora.
    Never raises."""
    rec = stored_record(data)
    try:
        return None if rec is None else record_json(rec)
    except (ValueError, TypeError, IndexError):
        return None


# What follows reads each node by position, not by name, so that it serves both a
# document's nodes (named tuples) and the plain tuples ``stored.dump`` keeps of them
# (each node its fields in the same order); unpacking and indexing a tuple also cost
# less than its named attributes, and a dict display less than ``**`` merges (an
# export spends most of its time making these dicts: ~110 -> ~75 us per document).
# A Span is (start, end, line, end_line): [2] and [3] below.


def _sections_json(raw: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "title": title,
            "template_name": name,
            "level": level,
            "line": span[2],
            "end_line": span[3],
            "children": _sections_json(kids) if kids else [],
        }
        for level, title, name, _heading, span, kids in raw
    ]


def record_json(rec: tuple[Any, ...]) -> dict[str, Any]:
    """:func:`document_json` of a :func:`document_record` or :func:`stored_record`
    (nodes or their plain tuples). Raises :class:`TypeError` / :class:`IndexError` /
    :class:`ValueError` on a record of another layout."""
    (
        doc_id, kind, title, status, canonical, doc_type, path, fields, metadata, sections,
        requirements, references, checklists, tables, code_blocks, links, review_history,
        encoding, problems,
    ) = rec  # fmt: skip
    bom, newline, final_newline, size, invalid = encoding
    return {
        "id": doc_id,
        "kind": kind,
        "title": title,
        "status": status,
        "status_canonical": canonical,
        "type": doc_type,
        "path": path,
        "fields": [
            {
                "key": key,
                "name": name,
                "value": value,
                "source": source,
                "section": section,
                "file": file,
                "line": span[2],
                "end_line": span[3],
            }
            for key, name, value, source, span, _vs, section, file in fields
        ],
        "metadata": metadata,
        "sections": _sections_json(sections),
        "requirements": [
            {
                "id": q[0],
                "kind": q[1],
                "text": q[2],
                "acceptance_criteria": q[3],
                "target": q[4],
                "section": q[5],
                "line": q[6][2],
                "end_line": q[6][3],
            }
            for q in requirements
        ],
        "references": [
            {
                "target": q[0],
                "requirement": q[1],
                "text": q[2],
                "section": q[3],
                "line": q[4][2],
                "end_line": q[4][3],
            }
            for q in references
        ],
        "checklists": [
            {
                "checked": c[0],
                "text": c[1],
                "section": c[2],
                "line": c[3][2],
                "end_line": c[3][3],
            }
            for c in checklists
        ],
        "tables": [
            {
                "section": section,
                "header": [c[0] for c in header],
                "rows": [[c[0] for c in row] for row in rows],
                "row_lines": [s[2] for s in row_spans],
                "line": span[2],
                "end_line": span[3],
            }
            for header, rows, section, span, row_spans in tables
        ],
        "code_blocks": [
            {
                "language": c[0],
                "section": c[2],
                "closed": c[5],
                "line": c[3][2],
                "end_line": c[3][3],
            }
            for c in code_blocks
        ],
        "links": [
            {"url": k[0], "text": k[1], "image": k[4], "line": k[3][2], "end_line": k[3][3]}
            for k in links
        ],
        "review_history": [
            {
                "date": e[0],
                "reviewer": e[1],
                "status": e[2],
                "feedback": e[3],
                "line": e[4][2],
                "end_line": e[4][3],
            }
            for e in review_history
        ],
        "encoding": {
            "bom": bom,
            "newline": newline,
            "final_newline": final_newline,
            "size": size,
            "invalid_utf8": list(invalid),
        },
        "problems": [
            {"code": code, "message": message, "line": span[2], "end_line": span[3]}
            for code, message, span in problems
        ],
    }


def _entries(*entries: tuple[Any, ...]) -> tuple[tuple[bytes, int, int, Any], ...]:
    """A shape for ``_cscan.json_of``: each ``(key, index, how[, arg])`` with its key
    written as JSON (``"key":``)."""
    return tuple(
        ((f'"{e[0]}":').encode(), e[1], e[2] if len(e) > 2 else 0, e[3] if len(e) > 3 else None)
        for e in entries
    )


# What :func:`record_json` makes of a record, told to the C writer ``_cscan.json_of``
# (its comment says what each ``how`` is: 1 an item of the value, 2 that item of each,
# 3 of each of each, 4 a list of objects, 5 this shape again, 6 one object), so that an
# export writes a document's JSON text without making its dicts.
# ``tests/test_export.py`` holds the two to the same text on the corpora.


def _spanned(*entries: tuple[Any, ...], span: int) -> tuple[tuple[bytes, int, int, Any], ...]:
    return _entries(*entries, ("line", span, 1, 2), ("end_line", span, 1, 3))


_SECTION_SHAPE = _spanned(("title", 1), ("template_name", 2), ("level", 0), span=4) + _entries(
    ("children", 5, 5)
)
RECORD_SHAPE = _entries(
    *[(key, i) for i, key in enumerate(SUMMARY_KEYS)],
    ("fields", 7, 4, _spanned(
        ("key", 0), ("name", 1), ("value", 2), ("source", 3), ("section", 6), ("file", 7), span=4
    )),
    ("metadata", 8),
    ("sections", 9, 4, _SECTION_SHAPE),
    ("requirements", 10, 4, _spanned(
        ("id", 0), ("kind", 1), ("text", 2), ("acceptance_criteria", 3), ("target", 4),
        ("section", 5), span=6,
    )),
    ("references", 11, 4, _spanned(
        ("target", 0), ("requirement", 1), ("text", 2), ("section", 3), span=4
    )),
    ("checklists", 12, 4, _spanned(("checked", 0), ("text", 1), ("section", 2), span=3)),
    ("tables", 13, 4, _spanned(
        ("section", 2), ("header", 0, 2, 0), ("rows", 1, 3, 0), ("row_lines", 4, 2, 2), span=3
    )),
    ("code_blocks", 14, 4, _spanned(("language", 0), ("section", 2), ("closed", 5), span=3)),
    ("links", 15, 4, _spanned(("url", 0), ("text", 1), ("image", 4), span=3)),
    ("review_history", 16, 4, _spanned(
        ("date", 0), ("reviewer", 1), ("status", 2), ("feedback", 3), span=4
    )),
    ("encoding", 17, 6, _entries(
        ("bom", 0), ("newline", 1), ("final_newline", 2), ("size", 3), ("invalid_utf8", 4)
    )),
    ("problems", 18, 4, _spanned(("code", 0), ("message", 1), span=2)),
)  # fmt: skip


def list_entry(doc: Document, duplicate_of: Sequence[str] = ()) -> dict[str, Any]:
    """One row of ``specbook list --json``; ``duplicate_of``: the paths of the other
    documents that carry the same ID (none when the ID is the document's alone)."""
    return {
        **document_summary(doc),
        "date": doc.value("date"),
        "modified": doc.value("modified"),
        "tags": tags_of(doc),
        "duplicate_of": list(duplicate_of),
    }
