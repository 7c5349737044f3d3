"""Putting the linter's findings into the index, tied to the content they were for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from specbook.book import Book
from specbook.core.digest import blake2b
from specbook.store.base import Store


def store_findings(
    store: Store, book: Book, progress: Callable[[int, int], None] | None = None
) -> int:
    """Lint the whole book (through the lint cache) and replace the index's findings.

    Each document gets what ``specbook lint FILE`` reports for it: its document-rule
    findings (those in its sidecar file included) and the book rules' findings on it,
    under the book's config. Each finding is stored with the content hash of the file
    it was computed for, so an edited file never shows findings of its old text.
    ``progress(done, total)`` is told of each linted file.
    The index generation the lint started from is kept as ``findings-generation``: the
    book rules' findings on a document depend on the others, so they are current only
    while the index has not changed since. Nothing is written when the index has not
    changed since the findings were stored and they are the same (``findings-digest``).
    Returns how many findings the index holds for the book.
    """
    from specbook.lint.engine import Linter
    from specbook.lint.run import lint_files

    generation = store.get_meta("generation") or "0"
    linter = Linter(book.config)
    result, per_file = lint_files(
        book, linter, book.path_strings(), [], [], use_memo=False, progress=progress
    )
    hashes = {rel: fr.digest for rel, fr in per_file.items()}
    # per document: the document rules' findings as its FileResult holds them (a
    # sidecar's among them), then the book rules' findings on it
    book_rules = {a.rule.id for a in linter.book_rules}
    found = [(rel, f) for rel, fr in per_file.items() for f in fr.findings]
    found += [(f.path, f) for f in result.findings if f.rule in book_rules and f.path in hashes]
    rows = sorted(found, key=lambda df: (df[0], *_order(df[1])))
    # (the same findings of the same contents over an index unchanged since they were
    # stored (its generation): they are what the index holds, so nothing is written; a
    # build or `serve` with nothing changed rewrote them all)
    digest = _findings_digest(hashes, rows)
    if (
        store.get_meta("findings-generation") == generation
        and store.get_meta("findings-digest") == digest
    ):
        return len(rows)
    with store.transaction():
        store.put_findings(hashes, rows)
        store.set_meta("findings-generation", generation)
        store.set_meta("findings-digest", digest)
    return len(rows)


def _findings_digest(hashes: dict[str, str], rows: list[tuple[str, Any]]) -> str:
    """A digest of what :meth:`Store.put_findings` stores of ``hashes`` and ``rows``."""
    h = blake2b(digest_size=16)
    h.update(repr(sorted(hashes.items())).encode("utf-8", "surrogatepass"))
    for doc, f in rows:
        kept = (doc, f.rule, f.name, f.severity, f.line, f.column, f.message, f.path)
        h.update(repr((*kept, f.end_line, f.end_column)).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _order(f: Any) -> tuple[Any, ...]:
    """Lint's order of findings (:func:`specbook.lint.engine.sort_findings`)."""
    return (f.path, f.line, f.column, f.rule, f.message)
