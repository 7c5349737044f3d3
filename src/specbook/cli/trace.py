"""``trace`` (requirement ↔ test coverage) and ``impact`` (which specs a change touches)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from specbook.cli import emit_json, handle_errors, main, warn_if_empty


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when a requirement has no test, a tag points at nothing, or a listed "
    "test that is due does not exist.",
)
@click.option("--no-cache", is_flag=True, help="Read every code file again.")
@handle_errors
def trace(as_json: bool, strict: bool, no_cache: bool) -> None:
    """Show which tests cover each requirement (FR/NFR) of the book.

    \b
    Scans the code the book's [trace] code globs name (default tests/**/*.py and
    src/**/*.py, relative to the book root) for requirement tags:
      # covers SPEC-007/FR-2                 a comment (or a docstring)
      @pytest.mark.spec("SPEC-007/FR-2")     a marker (mark.spec("SPEC-007"): the doc)
      def test_spec_007_fr_2_sorted(): ...   a test name: test_<doc>_<n>_<req>_<m>
    A tag counts as coverage inside a test (def test*, class Test*) or a test file
    (test_*.py, *_test.py, under tests/); elsewhere it is an implementation link.
    Also checks that the tests each Testing Strategy lists (- [x] `test_name()`)
    are defined somewhere in that code.

    \b
    Prints a coverage table per document, then the uncovered requirements, tags
    naming a missing document or requirement, and listed tests not found (an
    unticked item of a document not yet Implemented is a plan, listed apart).

    \b
    --json prints {"version": 1,
      "code": {patterns, files, tests, tags},
      "documents": [{id, title, status, kind, path,
         "requirements": [{id, kind, line, covered, "tests": [TAG], "code": [TAG]}],
         "listed_tests": [{name, written, line, checked, due, "found": [{path, line}]}],
         "document_tags": [TAG]}],
      "uncovered": [{doc_id, requirement, path, line}],
      "bad_tags": [TAG + {tag, problem, message}],   problem: no-document |
                                                     no-requirement | malformed
      "missing_tests": [{doc_id, name, path, line, checked, due}],
      "summary": {requirements, covered, uncovered, bad_tags, missing_tests,
                  planned_tests}}
    where TAG is {path, line, column, test, target, via}: test is the function or
    class holding the tag (null at module level), via is comment, docstring,
    marker, name or text. Paths are relative to the book root; lines are 1-based.

    Exit codes: 0 (also with problems, unless --strict), 1 with --strict when there
    is any problem (planned tests do not count), 2 usage or configuration error.
    """
    from specbook.core.collector import collector_paused
    from specbook.services.documents import book_documents
    from specbook.services.zeroconf import open_book
    from specbook.trace.coverage import render_text, trace_book

    book = open_book()
    if strict:
        book.require_documents()  # a gate over no documents would pass silently
    else:
        warn_if_empty(book)
    # (from the snapshot: a document lint or the index parsed is not parsed again)
    # (the collector paused: every document is held at once)
    with collector_paused():
        cov = trace_book(book, use_cache=not no_cache, documents=book_documents(book))
    if as_json:
        emit_json(cov.to_json())
    else:
        click.echo(render_text(cov), nl=False)
    sys.exit(1 if strict and cov.problems() else 0)


@main.command()
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@click.option(
    "--git-diff",
    "rev",
    metavar="REV",
    help="Use the files the branch changed since REV: `git diff --name-only "
    "REV...HEAD`, plus staged, unstaged and untracked (not ignored) files.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@handle_errors
def impact(paths: tuple[str, ...], rev: str | None, as_json: bool) -> None:
    """List the documents whose Implementation Plan names any of the changed files.

    \b
    A document names a file in its "Files to Create" / "Files to Modify" items:
      - [x] `parcel/api/shipments.py` - v1 routes
    PATHS are relative to the current folder (or absolute) and are compared
    relative to the book root; ./, .. and Windows backslashes are normalised. A
    listed folder (`parcel/webhooks/`) or glob (`parcel/**/*.sql`) matches the
    files under it, and a listed path matches a changed path that ends with it at
    a folder boundary (src/parcel/app.py matches parcel/app.py). --git-diff asks
    the git repository that holds the book (a changed file outside the book keeps
    its path from the repository's top); paths and --git-diff may be combined.
    Outside a git repository, --git-diff is a usage error (exit 2).

    \b
    Prints each document (ID, title, status, path) with its matched files and the
    lines naming them, then the files no document names. --json prints
      {"version": 1, "files": [PATH],
       "documents": [{id, title, status, kind, path,
         "matches": [{file, listed, line, section, checked}]}],
       "unmatched": [PATH]}
    Exit codes: 0 (whether or not anything matched), 2 usage or configuration error.
    """
    import os

    from specbook.core.collector import collector_paused
    from specbook.core.errors import UsageError
    from specbook.services.documents import each_document
    from specbook.services.zeroconf import open_book
    from specbook.trace.impact import changed_files, render_text
    from specbook.trace.impact import impact as find_impact

    if not paths and rev is None:
        raise UsageError(
            "give the changed files as PATHS, or --git-diff REV (e.g. --git-diff origin/main)"
        )
    book = open_book()
    cwd = Path.cwd()
    files: list[str] = []
    for p in paths:
        text = p.replace("\\", "/")
        # relative to where the command runs, like any shell path
        files.append(text if os.path.isabs(text) or text.startswith("/") else str(cwd / text))
    if rev is not None:
        files.extend(changed_files(book.root, rev))
    with collector_paused():  # (from the snapshot; every document held at once)
        result = find_impact(book, files, each_document(book))
    if as_json:
        emit_json(result.to_json())
    else:
        click.echo(render_text(result), nl=False)
