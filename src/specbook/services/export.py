"""``specbook export``: the whole book as one JSON document or as a requirements CSV.

The JSON export is ``{"version": 1, "book": …, "generated_at": …, "documents": […]}``
where each document is exactly what ``specbook show ID --json`` prints. It validates
against the JSON Schema that :func:`book_schema` returns (``specbook schema``), which
is published with the package and kept in step with :mod:`specbook.book.jsonout`.
:func:`export_text` writes it with one document per line, parsing a big book in
worker processes.

The CSV export has one row per requirement (FR/NFR) of every document, with the
number of distinct tests tagged with it (:mod:`specbook.trace.coverage`).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from specbook.book import Book, load
from specbook.book.jsonout import document_json
from specbook.core.config import BookConfig
from specbook.core.model import Document, Requirement

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


def _head(book: Book) -> dict[str, Any]:
    from specbook.core.clock import today

    return {
        "$schema": SCHEMA_ID,
        "version": EXPORT_VERSION,
        "book": book.config.name,
        "generated_at": today().isoformat(),
    }


def export_json(book: Book, documents: Iterable[Document] | None = None) -> dict[str, Any]:
    """The book as plain JSON data: name, export date (:func:`specbook.core.clock.today`),
    and every document's model in path order."""
    docs = book.documents() if documents is None else documents
    return {**_head(book), "documents": [document_json(d) for d in docs]}


# Compact, through the C encoder: ``indent`` sends json.dumps through its pure-Python
# encoder, which took most of an export's time (3.7 s for 2,000 documents).
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":")).encode
PARALLEL_THRESHOLD = 256  # fewer documents than this export faster in one process


def _encoded(config: BookConfig, items: list[tuple[str, str]]) -> list[str | None]:
    """Each document of ``items`` ((path, book-relative path)) parsed and encoded;
    ``None`` for one that can no longer be read (deleted since the listing)."""
    out: list[str | None] = []
    for path, rel in items:
        try:
            doc = load(config, path, rel)
        except OSError:
            out.append(None)
            continue
        out.append(_ENCODE(document_json(doc)))
    return out


def document_lines(book: Book, jobs: int | None = None) -> list[str]:
    """Every document of ``book`` as compact JSON (what :func:`document_json` gives), in
    path order; a big book is parsed in ``jobs`` worker processes (default: one per
    CPU), each sending back text rather than the model."""
    items = [(p, book.rel(p)) for p in book.path_strings()]
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(items) < PARALLEL_THRESHOLD or workers < 2:
        lines = _encoded(book.config, items)
    else:
        from concurrent.futures import ProcessPoolExecutor  # only big books pay for it

        size = max(32, len(items) // (workers * 4))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        lines = []
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(_encoded, [book.config] * len(chunks), chunks):
                lines.extend(part)
    return [line for line in lines if line is not None]


def export_text(book: Book, jobs: int | None = None) -> tuple[str, int]:
    """:func:`export_json`'s data as JSON text, and how many documents it holds: the
    book's keys one per line, then each document compact on a line of its own (a
    changed document is one changed line in a diff of two exports)."""
    head = "".join(
        f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in _head(book).items()
    )
    lines = document_lines(book, jobs)
    docs = ",\n".join("    " + line for line in lines)
    tail = f'  "documents": [\n{docs}\n  ]' if lines else '  "documents": []'
    return "{\n" + head + tail + "\n}\n", len(lines)


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
