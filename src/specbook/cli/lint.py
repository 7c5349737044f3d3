"""``lint`` and ``rules``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from specbook.cli import emit_json, handle_errors, main, progress_bar

if TYPE_CHECKING:
    from specbook.book import Book
    from specbook.lint.engine import Linter, LintResult
    from specbook.lint.registry import Rule


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="text: path:line:col lines; json: the documented contract; "
    "sarif: SARIF 2.1.0; github: workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
@click.option(
    "--fix", is_flag=True, help="Apply the safe fixes in place (only the bytes of each fix change)."
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (IDs, ID prefixes such as SB2, or names).",
)
@click.option(
    "--ignore", multiple=True, metavar="RULES", help="Skip these rules (IDs, prefixes or names)."
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Ignore and do not update the lint cache in .specbook/index.db (in a big book, naming a "
    "file then parses every document for the book-wide rules).",
)
@click.option(
    "--changed",
    "changed_rev",
    metavar="REV",
    help="Only the documents changed since REV (committed on this branch since it left "
    "REV, staged, unstaged or untracked) and the documents that reference them.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 256),
    default=None,
    help="Worker processes (default: all cores).",
)
@click.option(
    "--statistics",
    is_flag=True,
    help="Print the findings per rule (count, documents, fixable), most first, in "
    "place of the findings (--format text or json).",
)
@handle_errors
def lint(
    paths: tuple[Path, ...],
    fmt: str,
    strict: bool,
    fix: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    no_cache: bool,
    jobs: int | None,
    changed_rev: str | None,
    statistics: bool,
) -> None:
    """Check documents against the rule catalog (default: the whole book).

    PATHS may be files or folders. Book-wide rules (duplicate IDs, dangling
    references, supersede symmetry) always see every document of the book (through
    the cache), and findings are shown for the named files only. Run outside a
    book (a pre-commit hook at the top of a repository), or where there is no
    config and every named path lies in a book with one, each named file is linted
    in the book that holds it, found from its folder up, and shown by the path it
    was given as (no config is inferred for the folder it runs in). Exit codes: 0
    no errors, 1 errors (or warnings with --strict), 2 usage or configuration error
    (a PATH that does not exist is one). `specbook rules` lists the rules;
    docs/rules/ has a page for each.

    --changed REV lints what a branch changes: the documents in `git diff
    --name-only REV...HEAD`, plus uncommitted and untracked ones, plus every
    document that references one of them (or a deleted one). Only those, and
    documents that mention their IDs, are linted in full; book-wide rules still see
    the whole book (its IDs and links, from the cache where current). Outside git,
    or with a REV git does not know: exit 2.

    Files the book does not read (a symbolic link leading outside the book, a loop
    of links, a name that is not UTF-8) are SB002 findings of a whole-book lint,
    and warnings on stderr otherwise. A book with no documents (or no kinds) is an
    error, not a pass (exit 2).

    --statistics prints, in place of the findings, one row per rule that found
    something: its ID, name, findings, documents and how many --fix repairs, most
    first (as `ruff --statistics`); with --format json, {"version": 1, "statistics":
    [{rule, name, count, documents, fixable}], "summary": {...}}. It counts what
    the other options select (--select, --ignore, PATHS, --changed); the exit code
    is the same.
    """
    from specbook.core.config import find_config_file
    from specbook.core.errors import NoBookError, UsageError
    from specbook.lint.engine import LintResult, sort_findings
    from specbook.lint.output import render, render_statistics
    from specbook.services.zeroconf import open_book

    if statistics and fmt not in ("text", "json"):
        raise UsageError(f"--statistics prints text or json, not {fmt}")
    if paths and find_config_file(Path.cwd()) is None and _in_configured_book(paths, every=True):
        # No config here, and every named path lies in a book of its own: each is linted
        # there; this folder is not read to infer a config that none of them is linted in.
        groups, elsewhere = _by_book(paths), True
    else:
        try:
            book = open_book()
            groups = [(book, True, list(paths))]
            elsewhere = False
            if paths and book.config.inferred is not None and _in_configured_book(paths):
                # no config here, but a named file lies in a book of its own below
                groups = _by_book(paths, book)
                elsewhere = True
        except NoBookError:
            if not paths:
                raise
            # Outside a book (a pre-commit hook runs at the top of the repository): each
            # named file is linted in the book that holds it, and shown by the path it
            # was given as.
            groups = _by_book(paths)
            elsewhere = True
    if changed_rev is not None and (paths or not groups[0][1]):
        raise UsageError("--changed lints a book's changes; give it without PATHS, in a book")
    results: list[LintResult] = []
    rules_shown: list[Rule] = []
    for book, in_book, named in groups:
        result, linter = _lint_in(
            book, in_book, named, select, ignore, no_cache, jobs, fix, changed_rev
        )
        results.append(_from_cwd(book, result) if elsewhere and in_book else result)
        rules_shown = rules_shown or linter.all_rules
    if len(results) == 1:
        result = results[0]
    else:
        findings = sort_findings([f for r in results for f in r.findings])
        result = LintResult(
            findings,
            files=sum(r.files for r in results),
            documents=sum(r.documents for r in results),
        )
    if statistics:
        click.echo(render_statistics(result, fmt), nl=False)
    else:
        colour = fmt == "text" and sys.stdout.isatty()
        click.echo(render(result, fmt, rules_shown, colour=colour), nl=False)
    failing = result.count("error") + (result.count("warning") if strict else 0)
    sys.exit(1 if failing else 0)


def _in_configured_book(paths: tuple[Path, ...], every: bool = False) -> bool:
    """Whether one of ``paths`` (with ``every``: each of them) lies in a folder with a
    config file of its own, there or above."""
    from specbook.core.config import find_config_file

    found = (
        (p if p.is_dir() else p.parent).is_dir()
        and find_config_file((p if p.is_dir() else p.parent).resolve()) is not None
        for p in paths
    )
    return all(found) if every else any(found)


def _by_book(
    paths: tuple[Path, ...], inferred: Book | None = None
) -> list[tuple[Book, bool, list[Path]]]:
    """The named paths grouped by the book that holds each (its config found from the
    path up), in order; paths in no book form a last group linted in ``inferred`` (the
    zero-config book here) or with the defaults."""
    from specbook.book import Book
    from specbook.core.config import default_config, find_config_file, load_config

    by_config: dict[Path, list[Path]] = {}
    loose: list[Path] = []
    found: dict[Path, Path | None] = {}
    for p in paths:
        folder = (p if p.is_dir() else p.parent).resolve()
        if folder not in found:
            found[folder] = find_config_file(folder) if folder.is_dir() else None
        config = found[folder]
        (by_config.setdefault(config, []) if config is not None else loose).append(p)
    groups = [(Book(load_config(c)), True, named) for c, named in by_config.items()]
    if loose and inferred is not None:
        groups.append((inferred, True, loose))
    elif loose:
        groups.append((Book(default_config(Path.cwd().resolve())), False, loose))
    return groups


def _record_also(doc: Any, data: bytes, sig: tuple[int, int]) -> Any:
    """The index record of a document lint parsed (run in lint's worker processes)."""
    from specbook.store.incremental import record_also

    return record_also(doc, data, sig)


def _record_unless(named: frozenset[str], doc: Any, data: bytes, sig: tuple[int, int]) -> Any:
    """:func:`_record_also`, but ``None`` for the documents at ``named`` (book-relative
    paths): their stored parse stands in for it (see :func:`_lint_in`)."""
    if doc.path in named:
        return None
    return _record_also(doc, data, sig)


class _IndexSink:
    """The book's own index built from scratch as a whole-book lint parses, in the lint
    cache's transaction (a :class:`specbook.lint.run.Sink`; see
    :class:`specbook.store.incremental.Rebuilding`), unless it is a PostgreSQL one
    (that has its own sync). The index modules are imported only when the lint parses
    many files, not by a lint that finds everything in its cache."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.done = False
        self._real: Any = None

    def open(self, db: Any, rels: Sequence[str]) -> bool:
        from specbook.store import database_url
        from specbook.store.incremental import Rebuilding

        if database_url(self.book) is not None:
            return False
        # (the search tables of a new index are left to the first search: most lints,
        # a CI job's above all, are never followed by one)
        self._real = Rebuilding(self.book, search=False)
        return bool(self._real.open(db, rels))

    def put(self, answers: list[Any]) -> None:
        self._real.put(answers)

    def finish(self) -> None:
        self._real.finish()


def _index_parsed(book: Book, parsed: dict[str, Any], rebuild: bool) -> None:
    """Put the records of the documents lint parsed into the book's own index (not a
    PostgreSQL one: that has its own sync). A failure only costs the next sync time."""
    import sqlite3

    from specbook.core.errors import SpecbookError
    from specbook.store import database_url, index_path
    from specbook.store.incremental import index_parsed
    from specbook.store.sqlite import SQLiteStore

    try:
        if database_url(book) is not None:
            return
        store = SQLiteStore(index_path(book), book=book.config.name)
    except (SpecbookError, OSError):
        return
    try:
        # (the search tables of a new index are left to the first search: most lints,
        # a CI job's above all, are never followed by one)
        records = [r for r in parsed.values() if r is not None]
        index_parsed(store, book, records, rebuild, search=False)
    except (SpecbookError, OSError, sqlite3.Error) as exc:
        from specbook.core.state import discard_damaged

        store.close()
        discard_damaged(index_path(book), exc)  # (the next command makes it afresh)
    finally:
        store.close()


def _lint_in(
    book: Book,
    in_book: bool,
    paths: list[Path],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    no_cache: bool,
    jobs: int | None,
    fix: bool,
    changed_rev: str | None,
) -> tuple[LintResult, Linter]:
    """Lint ``paths`` (default: the whole book) in ``book``, with --fix and --changed."""
    from specbook.lint.engine import Linter
    from specbook.lint.run import FileResult, apply_fixes, expand_paths, lint_files

    linter = Linter(book.config, select=list(select), ignore=list(ignore))
    if not paths and changed_rev is None and any(a.rule.id == "SB002" for a in linter.active):
        # a whole-book lint reports the files the listing leaves out as SB002 findings:
        # not also as warnings (a partial lint's findings are the named files' only)
        book.warn = None
    if changed_rev is not None:  # (first: outside git, or an unknown REV, says so)
        from specbook.lint.run import changed_since

        changed, deleted = changed_since(book, changed_rev)
    # a whole book with nothing in it is an error (exit 2), not "no findings"
    files: list[Path] | list[str] = expand_paths(book, paths) if paths else book.require_documents()
    only: list[str] | None = None
    if paths and in_book:
        # Book-wide rules must see the whole book, or a reference to a document that was
        # not named would look dangling; findings are then shown for the named files only.
        named = [book.rel(p) for p in files]
        if all(not n.startswith("/") for n in named):
            only = named
            # the book's files plus any named file outside its kind folders, each once
            # (a named file is usually listed already, under its absolute path)
            listed = book.path_strings()
            present = set(listed)
            extra = [str(p) for p in files if os.path.abspath(p) not in present]
            if extra:  # outside the kind folders, or reached through another path
                known = {book.rel(q) for q in listed}
                extra = [q for q in extra if book.rel(q) not in known]
            files = sorted([*listed, *extra]) if extra else listed
    update, stop = progress_bar("linting")
    # what the documents parsed give the index (the same snapshot file), so that no
    # later command parses them again
    parsed: dict[str, Any] = {}
    also: Callable[[Any, bytes, tuple[int, int]], Any] | None = None
    sink = None
    if in_book and not no_cache:
        # A named file is linted in full and its parse kept in the lint cache, from which
        # the next sync makes its index record: `lint FILE` (a pre-commit hook) neither
        # imports the index nor writes it (a transaction and its syncs) for that file.
        # The others it parses, for their IDs only, still hand their records over.
        also = _record_also if only is None else partial(_record_unless, frozenset(only))
        if only is None and changed_rev is None:
            sink = _IndexSink(book)

    def run(
        focus: list[str] | None,
        progress: Callable[[int, int], None] | None = None,
        memo: bool = True,
    ) -> tuple[LintResult, dict[str, FileResult]]:
        return lint_files(
            book,
            linter,
            files,
            list(select),
            list(ignore),
            use_cache=in_book and not no_cache,
            jobs=jobs,
            progress=progress,
            use_memo=memo,
            focus=focus,
            also=also,
            parsed=parsed,
            sink=sink,
        )

    try:
        if changed_rev is not None and not no_cache:
            from specbook.lint.run import changed_ids, mentioning

            # the changed documents first, for their IDs; then every document whose
            # bytes mention one of those IDs (or a deleted one's), the changed ones
            # now from the cache; the referrers among them are found from their
            # references below. (Without the cache, one run lints everything.)
            _, per_file = run(changed, update, memo=False)
            ids = changed_ids(changed, deleted, per_file)
            only = sorted({*changed, *mentioning(book, files, ids)})
        result, per_file = run(only, update, memo=not fix and changed_rev is None)
    finally:
        stop()
    if any(r is not None for r in parsed.values()):
        # (`lint FILE` keeps a current index current, it does not build one)
        _index_parsed(book, parsed, rebuild=only is None)
    if changed_rev is not None:
        from specbook.lint.run import restrict, with_referrers

        only = with_referrers(changed, deleted, per_file)
        result = restrict(result, only, book.config)
    if fix:
        fixed = apply_fixes(book, result, per_file)
        if fixed:
            click.echo(
                f"fixed {len(fixed)} file{'s' * (len(fixed) != 1)}: {', '.join(fixed)}",
                err=True,
            )
            result, per_file = run(only, memo=False)
    return result, linter


def _from_cwd(book: Book, result: LintResult) -> LintResult:
    """``result`` with each book-relative path made relative to the current folder."""
    import dataclasses

    from specbook.lint.engine import LintResult

    findings = [
        f if f.path.startswith("/") else dataclasses.replace(f, path=_cwd_rel(book.root / f.path))
        for f in result.findings
    ]
    return LintResult(findings, files=result.files, documents=result.documents)


def _cwd_rel(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:  # another drive (Windows)
        return path.as_posix()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the rules as JSON.")
@handle_errors
def rules(as_json: bool) -> None:
    """List every lint rule: ID, name, default severity and what it finds."""
    from specbook.lint.registry import load_rules

    items = load_rules()
    if as_json:
        emit_json(
            [
                {"id": r.id, "name": r.name, "severity": r.severity, "status_aware": r.status_aware,
                 "scope": r.scope, "tags": list(r.tags), "fixable": r.fixable, "summary": r.summary,
                 "options": dict(r.options)}
                for r in items
            ]
        )  # fmt: skip
        return
    for r in items:
        sev = "draft:warning/else:error" if r.status_aware else r.severity
        click.echo(f"{r.id}  {r.name:<24} {sev:<24} {r.summary}")
