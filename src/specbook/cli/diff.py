"""``diff``: what changed in the book's documents between two git revisions."""

from __future__ import annotations

import re

import click

from specbook.cli import emit_json, handle_errors, main


@main.command()
@click.argument("args", nargs=-1, metavar="[BASE [HEAD]] [ID]...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="markdown is ready to post as a pull-request comment.",
)
@handle_errors
def diff(args: tuple[str, ...], fmt: str) -> None:
    """Show what changed in the book's documents between two git revisions.

    \b
    BASE defaults to the merge base of HEAD with the main branch (main, else
    master, else origin/HEAD); HEAD defaults to the working tree (uncommitted and
    untracked files included). An argument shaped like a document ID of the book
    (SPEC-007) limits the report to that document; any other is a revision.
    Old and new versions are paired by ID, so a renamed file is one document (a
    document without ID is paired by path).

    \b
    For each changed document: fields changed (old -> new); sections added,
    removed or modified (by heading path; field values, checklist ticks and
    Review History rows are reported on their own, not as modified sections);
    requirements added, removed or reworded (FR/NFR with acceptance criteria and
    targets); checklist items ticked or unticked; Review History rows added;
    references added or removed; and documents added or removed.

    \b
    --format json prints
      {"version": 1,
       "base": {rev, commit, merge_base}, "head": {rev, commit},   rev null: working tree
       "documents": [{change: added|removed|modified, id, kind, title, status,
          path, old_path, renamed,
          "fields": [{key, name, old, new}],
          "sections": [{change: added|removed|modified, path: [TITLE], line}],
          "requirements": [{change: added|removed|reworded, id, kind,
                            old: REQ|null, new: REQ|null}],
          "checklists": [{change: ticked|unticked, text, section, line}],
          "review_rows": [{date, reviewer, status, feedback, line}],
          "references": [{change: added|removed, target, requirement, line}]}],
       "summary": {documents, added, removed, modified, renamed}}
    where REQ is {text, criteria, target, line}. Paths are relative to the book
    root; lines are 1-based, in the new version (the old one for what was removed).

    Exit codes: 0 (whether or not anything changed), 1 for an ID no document has
    (the error names the closest IDs), 2 outside a git repository, for an unknown
    revision, or another usage or configuration error.
    """
    from specbook.book.diff import diff_book, render_markdown, render_text
    from specbook.core.errors import UsageError
    from specbook.services.zeroconf import open_book

    book = open_book()
    id_like = re.compile(
        "^(?:" + "|".join(re.escape(k.prefix) for k in book.config.kinds.values()) + r")-\d+$",
        re.IGNORECASE,
    )
    ids = [a for a in args if id_like.match(a)]
    revs = [a for a in args if not id_like.match(a)]
    if len(revs) > 2:
        raise UsageError(
            f"at most two revisions (BASE and HEAD), got {len(revs)}: {', '.join(revs)}; "
            "document IDs look like "
            + ", ".join(f"{k.prefix}-001" for k in book.config.kinds.values())
        )
    result = diff_book(
        book,
        base=revs[0] if revs else None,
        head=revs[1] if len(revs) > 1 else None,
        ids=ids,
    )
    if fmt == "json":
        emit_json(result.to_json())
    elif fmt == "markdown":
        click.echo(render_markdown(result), nl=False)
    else:
        click.echo(render_text(result), nl=False)
