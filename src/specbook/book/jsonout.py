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
from specbook.core.model import Document, Section, Span
from specbook.core.text import is_placeholder

# which document: ``show --json``, ``list --json``
SUMMARY_KEYS = ("id", "kind", "title", "status", "status_canonical", "type", "path")
# a row of the portal API's document list (``GET /api/documents``)
LIST_KEYS = (*SUMMARY_KEYS, "date", "modified", "tags")
# a document of ``trace --json`` and ``impact --json`` (version 1 of both)
REPORT_KEYS = ("id", "title", "status", "kind", "path")


def _lines(span: Span) -> dict[str, int]:
    return {"line": span.line, "end_line": span.end_line}


def _section(s: Section) -> dict[str, Any]:
    span = s.span  # (spelled out, not **_lines: a document has dozens of sections)
    return {
        "title": s.title,
        "template_name": s.template_name,
        "level": s.level,
        "line": span.line,
        "end_line": span.end_line,
        "children": [_section(c) for c in s.children] if s.children else [],
    }


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
    return {
        **document_summary(doc),
        "fields": [
            {
                "key": f.key,
                "name": f.name,
                "value": f.value,
                "source": f.source,
                "section": f.section,
                "file": f.file,
                **_lines(f.span),
            }
            for f in doc.fields
        ],
        "metadata": doc.metadata,
        "sections": [_section(s) for s in doc.sections],
        "requirements": [
            {
                "id": r.id,
                "kind": r.kind,
                "text": r.text,
                "acceptance_criteria": r.criteria,
                "target": r.target,
                "section": r.section,
                **_lines(r.span),
            }
            for r in doc.requirements
        ],
        "references": [
            {
                "target": r.target,
                "requirement": r.requirement,
                "text": r.text,
                "section": r.section,
                **_lines(r.span),
            }
            for r in doc.references
        ],
        "checklists": [
            {"checked": c.checked, "text": c.text, "section": c.section, **_lines(c.span)}
            for c in doc.checklists
        ],
        "tables": [
            {
                "section": t.section,
                "header": [c.text for c in t.header],
                "rows": [[c.text for c in row] for row in t.rows],
                "row_lines": [s.line for s in t.row_spans],
                **_lines(t.span),
            }
            for t in doc.tables
        ],
        "code_blocks": [
            {"language": c.language, "section": c.section, "closed": c.closed, **_lines(c.span)}
            for c in doc.code_blocks
        ],
        "links": [
            {"url": lk.url, "text": lk.text, "image": lk.image, **_lines(lk.span)}
            for lk in doc.links
        ],
        "review_history": [
            {
                "date": e.date,
                "reviewer": e.reviewer,
                "status": e.status,
                "feedback": e.feedback,
                **_lines(e.span),
            }
            for e in doc.review_history
        ],
        "encoding": {
            "bom": doc.encoding.bom,
            "newline": doc.encoding.newline,
            "final_newline": doc.encoding.final_newline,
            "size": doc.encoding.size,
            "invalid_utf8": list(doc.encoding.invalid_utf8),
        },
        "problems": [
            {"code": p.code, "message": p.message, **_lines(p.span)} for p in doc.problems
        ],
    }


# The layout of :func:`specbook.core.stored.dump`'s data that :func:`stored_document_json`
# reads; data of another version is refused (the caller loads it as a document).
_STORED_VERSION = 1


def _stored_sections(raw: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "title": title,
            "template_name": name,
            "level": level,
            "line": span[2],
            "end_line": span[3],
            "children": _stored_sections(kids) if kids else [],
        }
        for level, title, name, _heading, span, kids in raw
    ]


def stored_document_json(data: bytes) -> dict[str, Any] | None:
    """:func:`document_json` of the document :func:`specbook.core.stored.dump` made
    ``data`` of, read straight from that data: without the model's nodes, which cost
    more to make than the JSON (an export after ``lint`` takes half the time). ``None``
    when ``data`` is not of the layout this reads (another version, damaged data).
    Keep in step with :func:`document_json` and ``dump``: ``tests/test_export.py``
    holds the two equal on the corpora. Never raises."""
    # (a Span is (start, end, line, end_line): [2] and [3] below)
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
        bom, newline, final_newline, size, invalid = r[9]
        return {
            "id": r[3],
            "kind": r[2],
            "title": r[4],
            "status": r[5],
            "status_canonical": r[6],
            "type": r[7],
            "path": r[1],
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
            "sections": _stored_sections(r[12]),
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
                for q in r[13]
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
                for q in r[14]
            ],
            "checklists": [
                {
                    "checked": c[0],
                    "text": c[1],
                    "section": c[2],
                    "line": c[3][2],
                    "end_line": c[3][3],
                }
                for c in r[15]
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
                for header, rows, section, span, row_spans in r[16]
            ],
            "code_blocks": [
                {
                    "language": c[0],
                    "section": c[2],
                    "closed": c[5],
                    "line": c[3][2],
                    "end_line": c[3][3],
                }
                for c in r[17]
            ],
            "links": [
                {"url": k[0], "text": k[1], "image": k[4], "line": k[3][2], "end_line": k[3][3]}
                for k in r[18]
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
                for e in r[19]
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
                for code, message, span in r[10]
            ],
        }
    except (ValueError, EOFError, TypeError, IndexError):
        return None


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
