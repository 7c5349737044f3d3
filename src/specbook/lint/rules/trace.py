"""Rules about the links between documents and the code that tests them.

Both read the code the book's ``[trace] code`` globs name (see
:mod:`specbook.trace.coverage`); a book without such code pays one ``stat`` per glob.
They run only inside a book (a folder with a config file), never on loose files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from specbook.core.config import BookConfig
from specbook.core.ids import IdIndex
from specbook.lint.facts import BookFacts
from specbook.lint.registry import BookReport, RuleContext, rule
from specbook.trace.coverage import (
    CodeScan,
    listed_test_due,
    scan_code,
    scan_signatures,
    tag_problem,
    template_test_names,
)


def _code_inputs(config: BookConfig) -> Iterable[tuple[str, int, int]]:
    if config.path is None:
        return []
    return scan_signatures(config)


def _scan(book: BookFacts, ctx: RuleContext) -> CodeScan | None:
    """The book's code scan, shared by the rules of one lint run."""
    if ctx.config.root is None or ctx.config.path is None or not ctx.config.trace_code:
        return None
    scan: CodeScan | None = book.memo.get("code-scan")
    if scan is None:
        scan = scan_code(ctx.config)
        book.memo["code-scan"] = scan
    return scan


def _whole_book_linted(book: BookFacts, ctx: RuleContext) -> bool:
    """Whether every document of the book is in this lint run (``specbook lint FILE``
    lints one: a tag naming another document cannot be judged then)."""
    from specbook.book import Book

    linted = {d.path for d in book.docs}
    every = Book(ctx.config, warn=None)  # (files it leaves out: the lint reports them)
    return all(every.rel(p) in linted for p in every.path_strings())


@rule(
    "SB404",
    "dangling-tag",
    severity="error",
    tags=("references", "trace"),
    scope="book",
    inputs=_code_inputs,
)
def dangling_tag(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """A requirement tag in the code names a requirement or document that does not exist.

    Why: `specbook trace` counts the test as covering nothing, and the requirement it
    was meant for shows as uncovered; usually the requirement was renumbered or the
    tag has a typo. The finding points at the code file (path relative to the book
    root); the code is what `[trace] code` names (default `tests/**/*.py`,
    `src/**/*.py`).

    Example: `# covers SPEC-001/FR-9` in `tests/test_tracking.py` when SPEC-001 has
    FR-1 to FR-3; `@pytest.mark.spec("SPEC-077/FR-1")` when there is no SPEC-077; a
    test named `test_spec_001_fr_9_sorted`.

    Fix: point the tag at the requirement the test checks (`specbook show SPEC-001`
    lists them), or add the requirement to the spec.
    """
    if book.focus is not None:
        return  # its findings are on code files, which a lint of named documents omits
    scan = _scan(book, ctx)
    if scan is None or not scan.tags:
        return
    requirements = {doc_id: docs[0].requirement_ids for doc_id, docs in book.by_id.items()}
    index = IdIndex(requirements)
    partial: bool | None = None
    for tag in scan.tags:
        problem = tag_problem(tag, requirements, index)
        if problem is None:
            continue
        kind, message = problem
        if kind != "no-requirement":
            # a lint of some files only cannot judge tags naming other documents
            if partial is None:
                partial = not _whole_book_linted(book, ctx)
            if partial:
                continue
        yield BookReport(tag.path, None, tag.line, tag.column, tag.line, tag.end_column, message)


@rule(
    "SB405",
    "missing-test",
    severity="error",
    tags=("trace",),
    scope="book",
    inputs=_code_inputs,
)
def missing_test(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """A test the Testing Strategy lists is not defined anywhere in the code.

    Why: the spec claims a test that nobody can run; it was renamed, deleted, or
    never written. A listed test must exist once its item is ticked (`- [x]`) or the
    document is Implemented; an unticked item of a draft is a plan and is not
    reported. The template's example names (`test_component_1()`) are ignored, and
    a book whose `[trace] code` globs match no file at all (its code lives
    elsewhere) is not checked.

    Example: ``- [x] `test_track_shipment_returns_events()` - Tests ordering`` in the
    Testing Strategy when no `def test_track_shipment_returns_events` exists under
    `tests/` or `src/` (the `[trace] code` globs).

    Fix: correct the name in the Testing Strategy, write the test, or untick the item
    until it exists.
    """
    has_listed = any(d.listed_tests for d in book.reported)
    if not has_listed:
        return
    scan = _scan(book, ctx)
    if scan is None or not scan.files:
        return  # no code here at all (a book kept apart from its code): nothing to judge
    skip: dict[str, frozenset[str]] = {}
    for d in book.reported:
        if not d.listed_tests:
            continue
        kind = ctx.config.kinds.get(d.kind) if d.kind else None
        key = d.kind or ""
        if key not in skip:
            skip[key] = template_test_names(ctx.config, kind)
        for name, line, col, end_col, checked in d.listed_tests:
            if name in scan.defs or name in skip[key]:
                continue
            if not listed_test_due(checked, d.status_canonical, kind):
                continue
            yield BookReport(
                d.path,
                d.id,
                line,
                col,
                line,
                end_col,
                f"{name} is listed in the Testing Strategy but no `def {name}` exists in "
                f"the scanned code ({', '.join(ctx.config.trace_code)})",
            )
