"""What a first lint or a cold index spends per document besides the rules: the index
record (``record_of``) and the facts book rules take (``Linter.facts``), piece by piece.

    .venv/bin/python bench/record_cost.py BOOK [BOOK ...] [--rounds R]

Each piece is timed over every document of the books, each document freshly parsed
with its model built (as the rules would have built it), so that no piece finds
another's memo; ``record_of`` and ``Linter.facts`` are also timed as a lint runs them,
after the document rules. Figures are µs per document, the best of R rounds (default
3), with the collector tuned as the command has it. For an A/B against other code, run
it with ``PYTHONPATH=<other checkout>/src`` alternately with this one.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import specbook.cli._gc  # noqa: F401  (the collector tuning the command has)
from specbook.book import Book
from specbook.core.config import load_config
from specbook.core.layout import read_document
from specbook.core.model import Document
from specbook.lint.engine import Linter
from specbook.lint.facts import facts_of
from specbook.parse import parse
from specbook.services.adopt import infer
from specbook.store import records
from specbook.trace import coverage, links

MODEL_PARTS = (
    "sections", "requirements", "references", "checklists", "tables", "code_blocks", "links",
    "review_history", "flat_sections",
)  # fmt: skip


def _field_at_all(doc: Document) -> None:
    for r in doc.references:
        links.field_at(doc, r.span.start)


def _book_prefix_all(doc: Document) -> None:
    for r in doc.references:
        links.book_prefix(doc.source, r.span.start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("books", nargs="+", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    items = []  # (linter, data, rel, sidecars, signature)
    for root in args.books:
        # (the book's own config, else the one `specbook adopt` infers for that folder:
        # open_book would look for a config above it, and infer from the git top)
        cfg = root.resolve() / "specbook.toml"
        book = Book(load_config(cfg) if cfg.exists() else infer(root.resolve()).config())
        linter = Linter(book.config)
        for p in book.path_strings():
            rel = book.rel(p)
            got = read_document(book.config, Path(p), rel)
            if got is not None:
                items.append((linter, got[1], rel, got[2], got[0]))
    n = len(items)

    def fresh(lint: bool = False) -> list[tuple[Linter, Document, bytes, tuple[int, int]]]:
        out = []
        for linter, data, rel, sidecars, sig in items:
            doc = parse(data, rel, linter.config, sidecars)
            for part in MODEL_PARTS:
                getattr(doc, part)
            if lint:
                linter.lint_document(doc)
            out.append((linter, doc, data, sig))
        return out

    pieces: dict[str, Callable[[Linter, Document, bytes, tuple[int, int]], object]] = {
        "record_of": lambda lt, d, data, sig: records.record_of(d, data, *sig),
        "  typed_references": lambda lt, d, data, sig: links.typed_references(d),
        "    field_at (each reference)": lambda lt, d, data, sig: _field_at_all(d),
        "    book_prefix (each reference)": lambda lt, d, data, sig: _book_prefix_all(d),
        "  outline_of": lambda lt, d, data, sig: records.outline_of(d),
        "  _title_line": lambda lt, d, data, sig: records._title_line(d),
        "Linter.facts": lambda lt, d, data, sig: lt.facts(d),
        "  facts_of (no extras)": lambda lt, d, data, sig: facts_of(d),
        "    listed_tests": lambda lt, d, data, sig: coverage.listed_tests(d),
    }
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.rounds):
        lint_docs = fresh(lint=True)  # (as a lint runs them: after the document rules)
        for name, fn in (("after rules: Linter.facts", pieces["Linter.facts"]),
                         ("after rules: record_of", pieces["record_of"])):  # fmt: skip
            t, c = time.perf_counter(), time.process_time()
            for lt, d, data, sig in lint_docs:
                fn(lt, d, data, sig)
            _keep(best, name, time.perf_counter() - t, time.process_time() - c)
        del lint_docs
        for name, fn in pieces.items():
            docs = fresh()
            t, c = time.perf_counter(), time.process_time()
            for lt, d, data, sig in docs:
                fn(lt, d, data, sig)
            _keep(best, name, time.perf_counter() - t, time.process_time() - c)
    where = sys.modules["specbook"].__file__
    print(f"{n} documents, µs per document, best of {args.rounds}: wall, CPU ({where})")
    for name, (t, c) in best.items():
        print(f"  {name:<36} {t * 1e6 / n:8.1f} {c * 1e6 / n:8.1f}")


def _keep(best: dict[str, tuple[float, float]], name: str, wall: float, cpu: float) -> None:
    was = best.get(name, (1e9, 1e9))
    best[name] = (min(was[0], wall), min(was[1], cpu))


if __name__ == "__main__":
    main()
