"""``specbook export``: the whole book as one JSON document or as a requirements CSV.

The JSON export is ``{"version": 1, "book": …, "generated_at": …, "documents": […]}``
where each document is exactly what ``specbook show ID --json`` prints. It validates
against the JSON Schema that :func:`book_schema` returns (``specbook schema``), which
is published with the package and kept in step with :mod:`specbook.book.jsonout`.
:func:`export_text` writes it with one document per line: a document unchanged since
the last export is not encoded again (its line is kept in the snapshot by content
hash), one the snapshot holds a parse of is not parsed again, and a big book's others
are parsed in worker processes.

The CSV export (:func:`csv_text`) has one row per requirement (FR/NFR) of every
document, with the number of distinct tests tagged with it
(:mod:`specbook.trace.coverage`); it too reads the parses the snapshot holds.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from specbook.book import Book
from specbook.book.jsonout import (
    RECORD_SHAPE,
    document_json,
    document_record,
    record_json,
    stored_record,
)
from specbook.core.config import BookConfig
from specbook.core.digest import source_hash
from specbook.core.layout import read_document
from specbook.core.model import Document, Requirement
from specbook.core.state import discard_damaged, snapshot_path
from specbook.parse import parse
from specbook.parse import scan as _scan

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


# Compact, through a C encoder: ``indent`` sends json.dumps through its pure-Python
# encoder, which took most of an export's time (3.7 s for 2,000 documents).
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":")).encode


@functools.cache
def _fast_encoder() -> Callable[[Any], bytes]:
    """msgspec's JSON encoder: a tenth of json's C encoder's time, the same bytes for
    this data (str, int, bool, None, lists, dicts; no float, whose exponents it spells
    otherwise). ``tests/test_export.py`` holds the two to the same text on the corpora."""
    import msgspec  # (only an export that encodes something pays for the import)

    return msgspec.json.Encoder().encode


def _encode(data: dict[str, Any]) -> str:
    """``data`` as compact JSON text, exactly as :data:`_ENCODE` writes it."""
    import msgspec

    try:
        return _fast_encoder()(data).decode("utf-8")
    except (UnicodeEncodeError, TypeError, OverflowError, msgspec.EncodeError):
        # (a lone surrogate, from a file name that is not UTF-8: json writes it through)
        return _ENCODE(data)


# The C writer of a record's JSON text (``_cscan.json_of``), or None: the dicts of
# record_json, encoded. It writes the same text without making those dicts (an export
# worker's time per document: 590 -> 500 us).
_JSON_OF: Callable[[Any, Any], str] | None = getattr(_scan.c_nodes, "json_of", None)


def _record_text(rec: tuple[Any, ...]) -> str:
    """:func:`record_json` of ``rec`` as compact JSON text, as :func:`_encode` writes it.
    Raises :class:`TypeError` / :class:`IndexError` / :class:`ValueError` on a record
    of another layout."""
    if _JSON_OF is not None:
        # (a lone surrogate, an int past 64 bits: the dicts, encoded as before)
        with contextlib.suppress(TypeError, IndexError, ValueError, OverflowError):
            return _JSON_OF(rec, RECORD_SHAPE)
    return _encode(record_json(rec))


PARALLEL_THRESHOLD = 256  # fewer documents than this to encode: faster in one process

# one document to encode: (path, book-relative path, what the snapshot holds of it:
# (content hash, stored parse) or None)
_Todo = tuple[str, str, tuple[str, bytes] | None]


def _encoded(config: BookConfig, items: list[_Todo]) -> list[tuple[str, str] | None]:
    """Each document of ``items`` read once and encoded, with the content hash of the
    bytes it was made of: from the snapshot's parse when that is of those bytes, else
    parsed; ``None`` for one that can no longer be read (deleted since the listing).
    (Run in worker processes too: everything it needs comes in its arguments.)"""
    paused = gc.isenabled()
    # (no cyclic garbage is made here, but each document's thousands of dicts, lists
    # and tuples set the collector off again and again)
    gc.disable()
    try:
        out: list[tuple[str, str] | None] = []
        for path, rel, held in items:
            got = read_document(config, path, rel)
            if got is None:
                out.append(None)
                continue
            _sig, data, sidecars = got
            digest = source_hash(data, sidecars)
            made = None
            if held is not None and held[0] == digest:
                rec = stored_record(held[1])
                if rec is not None:
                    with contextlib.suppress(TypeError, IndexError, ValueError):
                        made = _record_text(rec)  # (damaged data: parsed below)
            if made is None:
                made = _record_text(document_record(parse(data, rel, config, sidecars)))
            out.append((digest, made))
        return out
    finally:
        if paused:
            gc.enable()


class _Lines:
    """Each document's JSON line as the last export wrote it, by path and content hash,
    in the book's snapshot (table ``export_lines``, under the index's key: specbook's
    code and version, the config and templates). Any failure only makes it keep
    nothing."""

    def __init__(self, book: Book) -> None:
        import sqlite3

        self.db: Any = None
        self.key = ""
        self.path: Path | None = None
        if book.config.root is None:
            return
        from specbook.core.state import make_state_dir, snapshot_path
        from specbook.store.incremental import index_key

        path = self.path = snapshot_path(book.config.root)
        try:
            make_state_dir(path.parent)
            self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS export_lines"
                " (rel TEXT PRIMARY KEY, hash TEXT, key TEXT, line TEXT)"
            )
            self.key = index_key(book)
        except (OSError, sqlite3.Error) as exc:
            self.db = None
            discard_damaged(path, exc)

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
        except sqlite3.Error as exc:
            self._failed(exc)
            return {}

    def _run(self, *steps: tuple[str, Any]) -> None:
        """Run each ``(sql, parameters)`` of ``steps`` (a list of parameters: each row);
        on a failure, drop what this export wrote and keep nothing more."""
        import sqlite3

        if self.db is None:
            return
        try:
            for sql, params in steps:
                if isinstance(params, list):
                    self.db.executemany(sql, params)
                else:
                    self.db.execute(sql, params)
        except sqlite3.Error as exc:
            self._failed(exc)

    def begin(self) -> None:
        """Start keeping lines (one transaction, until :meth:`finish`); forget those of
        another key."""
        if self.db is not None:
            # (a cache: a crash loses only time, like the lint cache's rows)
            self._run(("PRAGMA synchronous=OFF", ()), ("BEGIN IMMEDIATE", ()))
            self._run(("DELETE FROM export_lines WHERE key != ?", (self.key,)))

    def add(self, new: dict[str, tuple[str, str]]) -> None:
        """Keep ``new`` (``rel -> (content hash, line)``)."""
        rows = [(rel, h, self.key, line) for rel, (h, line) in new.items()]
        self._run(("INSERT OR REPLACE INTO export_lines VALUES (?, ?, ?, ?)", rows))

    def finish(self, present: set[str]) -> None:
        """Forget documents no longer ``present``, and commit."""
        import sqlite3

        if self.db is None:
            return
        try:
            found = self.db.execute("SELECT rel FROM export_lines").fetchall()
        except sqlite3.Error as exc:
            self._failed(exc)
            return
        gone = [(r,) for (r,) in found if r not in present]
        self._run(("DELETE FROM export_lines WHERE rel = ?", gone), ("COMMIT", ()))

    def _failed(self, exc: Exception) -> None:
        """After a failure: keep nothing more; a damaged snapshot is removed (the next
        command makes it afresh, see :func:`discard_damaged`)."""
        self.close()
        if self.path is not None:
            discard_damaged(self.path, exc)

    def close(self) -> None:
        """Close the connection (what was not committed is dropped)."""
        if self.db is not None:
            with contextlib.suppress(Exception):
                self.db.close()
        self.db = None


def document_lines(book: Book, jobs: int | None = None) -> list[str]:
    """Every document of ``book`` as compact JSON (what :func:`document_json` gives), in
    path order. A document whose content is unchanged since the last export is not
    encoded again (its line is kept in the snapshot by path and content hash), one the
    snapshot holds a parse of is not parsed again; each file is read once, except one
    whose kept line turns out stale. With many to encode, the work is spread over
    ``jobs`` worker processes (default: one per CPU), each sending back text rather
    than the model."""
    items = [(p, book.rel(p)) for p in book.path_strings()]
    root = book.config.root
    # (a book without a snapshot has no stored parse: the lint cache is not opened)
    had_snapshot = root is not None and snapshot_path(root).is_file()
    cache = _Lines(book)
    try:
        held = cache.held()
        lines: dict[str, tuple[str, str]] = {}
        todo: list[tuple[str, str]] = []
        for path, rel in items:
            hit = held.get(rel)
            if hit is None:
                todo.append((path, rel))  # (read by _encoded)
                continue
            got = read_document(book.config, path, rel)
            if got is None:
                continue  # (gone since the listing)
            if hit[0] == source_hash(got[1], got[2]):
                lines[rel] = hit
            else:
                todo.append((path, rel))
        parses = _stored_parses(book, [rel for _, rel in todo], len(items)) if had_snapshot else {}
        work = [(path, rel, parses.get(rel)) for path, rel in todo]
        del parses
        cache.begin()
        # (each part kept as it comes: the snapshot is written while workers encode)
        for part, made in _encoded_all(book.config, work, jobs):
            new = {
                rel: m for (_path, rel, _held), m in zip(part, made, strict=True) if m is not None
            }
            lines.update(new)
            cache.add(new)
        cache.finish(set(lines))
    finally:
        cache.close()
    return [lines[rel][1] for _, rel in items if rel in lines]


def _stored_parses(book: Book, rels: list[str], total: int) -> dict[str, tuple[str, bytes]]:
    """``rel -> (content hash, stored parse)`` the snapshot holds of ``rels`` (of a book
    of ``total`` documents)."""
    if not rels:
        return {}
    from specbook.lint.run import StoredDocuments

    reader = StoredDocuments(book)
    try:
        # (one query for every row when most are wanted: a fifth of the time of one each)
        return reader.rows(None if 2 * len(rels) > total else rels)
    finally:
        reader.close()


def _encoded_all(
    config: BookConfig, items: list[_Todo], jobs: int | None
) -> Iterator[tuple[list[_Todo], list[tuple[str, str] | None]]]:
    """:func:`_encoded` of ``items``, part by part (each part with its answers), in
    order; in worker processes when there are many."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(items) < PARALLEL_THRESHOLD or workers < 2:
        yield items, _encoded(config, items)
        return
    from concurrent.futures import ProcessPoolExecutor  # only big books pay for it

    if _JSON_OF is None:
        _fast_encoder()  # (imported once, before the workers fork, not once in each)

    # (small parts: a worker that finishes first takes the next, so the last part, on
    # which the other waits, is short)
    size = max(16, len(items) // (workers * 16))
    parts = [items[i : i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from zip(parts, pool.map(_encoded, [config] * len(parts), parts), strict=True)


def export_text(book: Book, jobs: int | None = None) -> tuple[str, int]:
    """:func:`export_json`'s data as JSON text, and how many documents it holds: the
    book's keys one per line, then each document compact on a line of its own (a
    changed document is one changed line in a diff of two exports)."""
    head = "".join(
        f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in _head(book).items()
    )
    lines = document_lines(book, jobs)
    if not lines:
        return "{\n" + head + '  "documents": []\n}\n', 0
    # (one join: the text is tens of megabytes, each copy of it costs)
    parts = ["{\n", head, '  "documents": [\n']
    for line in lines:
        parts += ("    ", line, ",\n")
    parts[-1] = "\n  ]\n}\n"
    return "".join(parts), len(lines)


CoverageFn = Callable[[str, str], int | None]


def coverage_counter(book: Book, documents: Iterable[Document] | None = None) -> CoverageFn | None:
    """A function ``(doc_id, requirement_id) -> number of tests tagged with it``, from
    :func:`specbook.trace.coverage.trace_book` over ``documents`` (default: each file
    parsed); ``None`` when this installation has no coverage tracing."""
    try:
        from specbook.trace import coverage as cov
    except ImportError:
        return None
    trace = getattr(cov, "trace_book", None)
    if trace is None:
        return None
    table: dict[tuple[str, str], int] = {}
    for d in trace(book, documents=documents).documents:
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


def csv_text(book: Book) -> str:
    """:func:`export_csv` of every document of ``book``, with the coverage column: the
    documents as the snapshot holds them (a document whose stored parse is of its
    current content is not parsed again; the others are parsed, once, for the rows and
    the coverage both)."""
    from specbook.lint.run import snapshot_documents

    docs = snapshot_documents(book, lint=False)
    paused = gc.isenabled()
    # (the coverage walks every document's sections, made from the stored data on first
    # use: hundreds of thousands of tuples that set the cyclic collector off again and
    # again; nothing here makes cyclic garbage)
    gc.disable()
    try:
        return export_csv(book, docs, coverage=coverage_counter(book, docs))
    finally:
        if paused:
            gc.enable()
