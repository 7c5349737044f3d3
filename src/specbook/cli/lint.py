"""``lint`` and ``rules``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from specbook.cli import emit_json, handle_errors, main, progress_bar


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
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
    help="Ignore and do not update .specbook/lint-cache.db (in a big book, naming a "
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
) -> None:
    """Check documents against the rule catalog (default: the whole book).

    PATHS may be files or folders. Book-wide rules (duplicate IDs, dangling
    references, supersede symmetry) always see every document of the book (through
    the cache), and findings are shown for the named files only. Exit codes: 0
    no errors, 1 errors (or warnings with --strict), 2 usage or configuration error.
    `specbook rules` lists the rules; docs/rules/ has a page for each.

    --changed REV lints what a branch changes: the documents in `git diff
    --name-only REV...HEAD`, plus uncommitted and untracked ones, plus every
    document that references one of them (or a deleted one). Book-wide rules still
    see the whole book. Outside git, or with a REV git does not know: exit 2.
    """
    from specbook.book import Book, open_book
    from specbook.config import default_config
    from specbook.errors import NoBookError, UsageError
    from specbook.lint.engine import Linter, LintResult
    from specbook.lint.output import render
    from specbook.lint.run import FileResult, apply_fixes, expand_paths, lint_files

    try:
        book = open_book()
        in_book = True
    except NoBookError:
        if not paths:
            raise
        book = Book(default_config(Path.cwd().resolve()))
        in_book = False
    if changed_rev is not None and (paths or not in_book):
        raise UsageError("--changed lints a book's changes; give it without PATHS, in a book")
    linter = Linter(book.config, select=list(select), ignore=list(ignore))
    files: list[Path] | list[str] = expand_paths(book, paths) if paths else book.path_strings()
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
    if changed_rev is not None:
        from specbook.lint.run import changed_since

        changed, deleted = changed_since(book, changed_rev)
    update, stop = progress_bar("linting")

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
        )

    try:
        # (--changed needs every document's references first, to find the referrers)
        result, per_file = run(only, update, memo=not fix and changed_rev is None)
    finally:
        stop()
    if changed_rev is not None:
        from specbook.lint.run import restrict, with_referrers

        only = with_referrers(changed, deleted, per_file)
        result = restrict(result, only)
    if fix:
        changed = apply_fixes(book, result, per_file)
        if changed:
            click.echo(
                f"fixed {len(changed)} file{'s' * (len(changed) != 1)}: {', '.join(changed)}",
                err=True,
            )
            result, per_file = run(only, memo=False)
    colour = fmt == "text" and sys.stdout.isatty()
    click.echo(render(result, fmt, linter.all_rules, colour=colour), nl=False)
    failing = result.count("error") + (result.count("warning") if strict else 0)
    sys.exit(1 if failing else 0)


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
