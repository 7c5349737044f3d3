"""The JSON shapes of DESIGN.md (``show --json``, ``list --json``). Keep them stable.

:func:`document_summary` is the one place that says which document a JSON object is
about, for every output that names documents (``show``, ``list``, ``trace``, ``impact``,
the portal API, the MCP tools); the key tuples below are the orders each contract has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
