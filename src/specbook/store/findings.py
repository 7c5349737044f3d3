"""Putting the linter's findings into the index, tied to the content they were for."""

from __future__ import annotations

from specbook.book import Book
from specbook.store.base import FindingRow, Store


def store_findings(store: Store, book: Book) -> int:
    """Lint the whole book (through the lint cache) and replace the index's findings.

    Each finding is stored with the content hash of the file it was computed for, so
    an edited file never shows findings of its old text. Returns how many were stored.
    """
    from specbook.lint.engine import Linter
    from specbook.lint.run import lint_files

    linter = Linter(book.config)
    result, per_file = lint_files(book, linter, book.path_strings(), [], [], use_memo=False)
    hashes = {rel: fr.digest for rel, fr in per_file.items()}
    rows = [
        FindingRow(f.path, f.rule, f.name, f.severity, f.line, f.column, f.message)
        for f in result.findings
        if f.path in hashes
    ]
    with store.transaction():
        store.put_findings(hashes, rows)
    return len(rows)
