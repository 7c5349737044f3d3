"""``specbook export``: the whole book as one JSON document or as a requirements CSV.

The JSON export is ``{"version": 1, "book": …, "generated_at": …, "documents": […]}``
where each document is exactly what ``specbook show ID --json`` prints. It validates
against the JSON Schema that :func:`book_schema` returns (``specbook schema``), which
is published with the package and kept in step with :mod:`specbook.jsonout`.

The CSV export has one row per requirement (FR/NFR) of every document, with the
number of distinct tests tagged with it (:mod:`specbook.trace.coverage`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from specbook.book import Book
from specbook.jsonout import document_json
from specbook.model import Document, Requirement

EXPORT_VERSION = 1
SCHEMA_ID = "https://specbook.dev/schema/book-export-v1.json"
CSV_COLUMNS = (
    "spec_id",
    "spec_title",
    "spec_status",
    "requirement_id",
    "kind",
    "text",
    "acceptance_criteria_or_target",
    "coverage",
)


def book_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`export_json`'s output."""
    text = resources.files("specbook").joinpath("schema", "book.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def export_json(book: Book, documents: Iterable[Document] | None = None) -> dict[str, Any]:
    """The book as plain JSON data: name, export date (:func:`specbook.clock.today`),
    and every document's model in path order."""
    from specbook.clock import today

    docs = book.documents() if documents is None else documents
    return {
        "$schema": SCHEMA_ID,
        "version": EXPORT_VERSION,
        "book": book.config.name,
        "generated_at": today().isoformat(),
        "documents": [document_json(d) for d in docs],
    }


CoverageFn = Callable[[str, str], int | None]


def coverage_counter(book: Book) -> CoverageFn | None:
    """A function ``(doc_id, requirement_id) -> number of tests tagged with it``, from
    :func:`specbook.trace.coverage.trace_book`; ``None`` when this installation has no
    coverage tracing."""
    try:
        from specbook.trace import coverage as cov
    except ImportError:
        return None
    trace = getattr(cov, "trace_book", None)
    if trace is None:
        return None
    table: dict[tuple[str, str], int] = {}
    for d in trace(book).documents:
        for r in d.requirements:
            # distinct tests: one test tagging a requirement twice counts once
            table[(d.id, r.requirement)] = len({(t.path, t.owner or t.line) for t in r.tests})

    def count(doc_id: str, req_id: str) -> int | None:
        return table.get((doc_id, req_id), 0)

    return count


def _kind_label(r: Requirement) -> str:
    return "NFR" if r.kind == "non-functional" else "FR"


def export_csv(
    book: Book, documents: Iterable[Document] | None = None, coverage: CoverageFn | None = None
) -> str:
    """One CSV row per requirement of every document (header row first).

    ``coverage`` gives the ``coverage`` column; without it the column is empty.
    """
    docs = book.documents() if documents is None else documents
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for doc in docs:
        for r in doc.requirements:
            detail = r.target if r.kind == "non-functional" else r.criteria
            count = coverage(doc.id, r.id) if coverage is not None and doc.id else None
            writer.writerow(
                (
                    doc.id or "",
                    doc.title,
                    doc.status or "",
                    r.id,
                    _kind_label(r),
                    r.text,
                    detail or "",
                    "" if count is None else str(count),
                )
            )
    return out.getvalue()
