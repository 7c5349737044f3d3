"""``mcp``: the book as a Model Context Protocol server for AI agents."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from specbook.cli import handle_errors, main


@main.command()
@click.option(
    "--book",
    "book_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The book's folder (or one inside it); default: the current folder.",
)
@handle_errors
def mcp(book_dir: Path | None) -> None:
    """Serve the book to an AI agent over MCP (Model Context Protocol) on stdio.

    \b
    Tools: list, get, search, create, lint, transition, review, trace, impact,
    and write_section, add_requirement, update_requirement, set_field, check,
    add_row, supersede (each takes the document's hash as expected_hash);
    prompts draft_spec, review_spec, plan_tasks; each document is also a
    resource, specbook://doc/<ID> (its Markdown).

    Register it with an MCP client (Claude Desktop, an IDE) as the command
    `specbook mcp`, run in the book's folder or given --book DIR. Writes go through
    the same lifecycle engine and gates as `specbook status` and `specbook review`;
    paths given to a tool must stay inside the book. docs/mcp.md has the details.
    """
    from specbook.services.zeroconf import open_book

    book = open_book(book_dir.resolve() if book_dir else None)
    from specbook.mcp.server import serve  # the SDK: imported only when serving

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the server quietly
        serve(book)
