"""``status``, ``review`` and ``check``: lifecycle moves that edit only the bytes they must."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from specbook.cli import handle_errors, main

if TYPE_CHECKING:  # the model is imported only by commands that run
    from specbook.core.model import Document


def _lint_errors(doc: Document) -> list[str]:
    """Error findings of the whole catalog on ``doc`` (book-wide rules included)."""
    from specbook.services.lifecycle import lint_gate
    from specbook.services.zeroconf import open_book

    return lint_gate(open_book())(doc)


@main.command()
@click.argument("ref", metavar="ID")
@click.argument("new", metavar="STATUS")
@click.option("--by", metavar="NAME", help="Who makes the move (default: git user.name).")
@click.option("--note", metavar="TEXT", help="The Review History note (required to archive).")
@click.option("--force", is_flag=True, help="Pass unmet gates; the history row says so.")
@handle_errors
def status(ref: str, new: str, by: str | None, note: str | None, force: bool) -> None:
    """Move document ID to STATUS, through the kind's workflow and its gates.

    Changes the status (in every place the document states it: front matter,
    sidecar file, bold line, table; in the case the document writes it), the
    document's own modified date (Modified, updated_at, last_updated…, in its date
    format) and appends one Review History row where the document keeps one
    ([kinds.X] history); nothing else in the file changes. A refused move names
    every unmet gate (exit 1): to Review, no lint errors; to Approved, the
    approvals since the last move to Review (or, in a document that keeps no Review
    History, in its approvers field), none by the author; to Implemented, every
    Implementation Plan item checked; to Archived, a note.
    """
    from specbook.services.lifecycle import transition
    from specbook.services.zeroconf import open_book

    click.echo(
        transition(open_book(), ref, new, by=by, note=note, force=force, lint_errors=_lint_errors)
    )


@main.command()
@click.argument("ref", metavar="ID")
@click.option("--approve", is_flag=True, help="Approve the document.")
@click.option("--request-changes", is_flag=True, help="Ask for changes.")
@click.option("--comment", is_flag=True, help="Leave a comment.")
@click.option("--by", metavar="NAME", help="The reviewer (default: git user.name).")
@click.option("--note", metavar="TEXT", help="The feedback for the Review History row.")
@handle_errors
def review(
    ref: str,
    approve: bool,
    request_changes: bool,
    comment: bool,
    by: str | None,
    note: str | None,
) -> None:
    """Record a review of document ID in its Review History.

    Give exactly one of --approve, --request-changes and --comment. --approve adds
    the reviewer to the approvers list in its style (Approvers, `deciders: [a, b]`,
    a block list, a sidecar's approvers); every review adds them to Reviewers where
    the document has them; --request-changes on a document in Review moves it back
    to its first status. A document that keeps no Review History gets no row
    ([kinds.X] history).
    """
    from specbook.core.errors import UsageError
    from specbook.services.lifecycle import review as do_review
    from specbook.services.zeroconf import open_book

    given = [
        verdict
        for verdict, on in [
            ("approve", approve),
            ("request-changes", request_changes),
            ("comment", comment),
        ]
        if on
    ]
    if len(given) != 1:
        raise UsageError(
            "say one of --approve, --request-changes or --comment"
            + (f", not {' and '.join('--' + v for v in given)}" if given else "")
        )
    click.echo(do_review(open_book(), ref, given[0], by=by, note=note))


@main.command()
@click.argument("ref", metavar="ID")
@click.argument("item", required=False)
@click.option("--all", "section", metavar="SECTION", help="Tick every item under this section.")
@click.option(
    "--by", metavar="NAME", help="Who ticks, for a `modified: {by, at}` field (default: git)."
)
@handle_errors
def check(ref: str, item: str | None, section: str | None, by: str | None) -> None:
    """Tick a checklist item of document ID: by number (1-based) or by its text.

    --all SECTION ticks every item under that section (and its subsections), named
    as written or without its numbering or emoji: "Acceptance Criteria" names "## 11.
    Acceptance Criteria". The `[ ]` of each item changes, and the document's own
    modified date (Modified, updated_at, last_updated…) in its date format.
    """
    from specbook.services.lifecycle import check as do_check
    from specbook.services.zeroconf import open_book

    click.echo(do_check(open_book(), ref, item=item, section=section, by=by))
