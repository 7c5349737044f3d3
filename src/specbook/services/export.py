"""``specbook export``: the whole book as one JSON document or as a requirements CSV.

The JSON export is ``{"version": 1, "book": …, "generated_at": …, "documents": […]}``
where each document is exactly what ``specbook show ID --json`` prints. It validates
against the JSON Schema that :func:`book_schema` returns (``specbook schema``), which
is published with the package and kept in step with :mod:`specbook.book.jsonout`.
:func:`export_text` writes it with one document per line: a document unchanged since
the last export is not encoded again (its line is kept in the snapshot by content
hash), one the snapshot holds a parse of is not parsed again, and a big book's others
are parsed in worker processes.

The CSV export has one row per requirement (FR/NFR) of every document, with the
number of distinct tests tagged with it (:mod:`specbook.trace.coverage`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from specbook.book import Book
from specbook.book.jsonout import document_json
from specbook.core.digest import source_hash
from specbook.core.layout import read_document
from specbook.core.model import Document, Requirement
from specbook.core.stored import load as loaded
from specbook.parse import parse

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


def _encoded(book: Book, items: list[tuple[str, str]]) -> list[tuple[str, str] | None]:
    """Each document of ``items`` ((path, book-relative path)) encoded, with the content
    hash of the bytes it was made of: from the parse the snapshot holds for those bytes,
    else parsed; ``None`` for one that can no longer be read (deleted since the
    listing). (Run in worker processes too.)"""
    from specbook.lint.run import StoredDocuments

    config = book.config
    stored = StoredDocuments(book)
    rows = stored.rows([rel for _, rel in items])
    stored.close()
    out: list[tuple[str, str] | None] = []
    for path, rel in items:
        got = read_document(config, path, rel)
        if got is None:
            out.append(None)
            continue
        _sig, data, sidecars = got
        digest = source_hash(data, sidecars)
        row = rows.get(rel)
        doc = loaded(row[1], data, sidecars) if row is not None and row[0] == digest else None
        if doc is None:
            doc = parse(data, rel, config, sidecars)
        out.append((digest, _ENCODE(document_json(doc))))
    return out


class _Lines:
    """Each document's JSON line as the last export wrote it, by path and content hash,
    in the book's snapshot (table ``export_lines``, under the index's key: specbook's
    code and version, the config and templates). Any failure only makes it keep
    nothing."""

    def __init__(self, book: Book) -> None:
        import sqlite3

        self.db: Any = None
        self.key = ""
        if book.config.root is None:
            return
        from specbook.core.state import make_state_dir, snapshot_path
        from specbook.store.incremental import index_key

        path = snapshot_path(book.config.root)
        try:
            make_state_dir(path.parent)
            self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS export_lines"
                " (rel TEXT PRIMARY KEY, hash TEXT, key TEXT, line TEXT)"
            )
            self.key = index_key(book)
        except (OSError, sqlite3.Error):
            self.db = None

    def held(self) -> dict[str, tuple[str, str]]:
        """``rel -> (content hash, line)`` of the lines made under this key."""
        import sqlite3

        if self.db is None:
            return {}
        try:
            rows = self.db.execute(
                "SELECT rel, hash, line FROM export_lines WHERE key = ?", (self.key,)
            )
            return {r[0]: (r[1], r[2]) for r in rows}
        except sqlite3.Error:
            return {}

    def save(self, new: dict[str, tuple[str, str]], present: set[str]) -> None:
        """Keep ``new`` (``rel -> (hash, line)``); forget documents no longer ``present``
        and lines of another key."""
        import sqlite3

        if self.db is None:
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM export_lines WHERE key != ?", (self.key,))
            gone = [
                (r,) for (r,) in self.db.execute("SELECT rel FROM export_lines") if r not in present
            ]
            self.db.executemany("DELETE FROM export_lines WHERE rel = ?", gone)
            self.db.executemany(
                "INSERT OR REPLACE INTO export_lines VALUES (?, ?, ?, ?)",
                [(rel, h, self.key, line) for rel, (h, line) in new.items()],
            )
            self.db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def document_lines(book: Book, jobs: int | None = None) -> list[str]:
    """Every document of ``book`` as compact JSON (what :func:`document_json` gives), in
    path order. A document whose content is unchanged since the last export is not
    encoded again (its line is kept in the snapshot by path and content hash), one the
    snapshot holds a parse of is not parsed again; the rest are parsed, in ``jobs``
    worker processes (default: one per CPU) for a big book, each sending back text
    rather than the model."""
    items = [(p, book.rel(p)) for p in book.path_strings()]
    cache = _Lines(book)
    try:
        held = cache.held()
        lines: dict[str, tuple[str, str]] = {}
        todo: list[tuple[str, str]] = []
        for path, rel in items:
            got = read_document(book.config, path, rel)
            if got is None:
                continue  # (gone since the listing)
            _sig, data, sidecars = got
            digest = source_hash(data, sidecars)
            hit = held.get(rel)
            if hit is not None and hit[0] == digest:
                lines[rel] = hit
            else:
                todo.append((path, rel))
        new: dict[str, tuple[str, str]] = {}
        for (_path, rel), made in zip(todo, _encoded_all(book, todo, jobs), strict=True):
            if made is not None:
                new[rel] = made
        lines.update(new)
        cache.save(new, set(lines))
    finally:
        cache.close()
    return [lines[rel][1] for _, rel in items if rel in lines]


def _encoded_all(
    book: Book, items: list[tuple[str, str]], jobs: int | None
) -> list[tuple[str, str] | None]:
    """:func:`_encoded` of ``items``, in worker processes when there are many."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(items) < PARALLEL_THRESHOLD or workers < 2:
        return _encoded(book, items)
    from concurrent.futures import ProcessPoolExecutor  # only big books pay for it

    size = max(32, len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    out: list[tuple[str, str] | None] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_encoded, [book] * len(chunks), chunks):
            out.extend(part)
    return out


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
