"""``init``, ``new``, ``show`` and ``list``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from specbook.cli import emit_json, handle_errors, main


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@handle_errors
def init(directory: Path) -> None:
    """Start a book in DIRECTORY (default: here).

    Writes a commented specbook.toml holding every setting at its default, and
    creates the folders of the four kinds (docs/specs, docs/decisions, docs/bugs,
    docs/tasks).
    """
    from specbook.services.init import init_book

    for path in init_book(directory):
        click.echo(f"created {path}")


@main.command()
@click.argument("kind")
@click.argument("title")
@click.option(
    "--type", "type_", metavar="TYPE", help="The document's Type (one of the kind's types)."
)
@click.option("--author", metavar="NAME", help="Author to record (default: git user.name).")
@handle_errors
def new(kind: str, title: str, type_: str | None, author: str | None) -> None:
    """Create a KIND document (spec, dec, bug, task) titled TITLE.

    Copies the kind's template to <folder>/<ID>-<slug>.md with the next free ID and
    fills in ID, Date, Status (the kind's first status), Type, Created, Modified
    and Author; every other byte is the template's. Prints the new file's path.
    """
    from specbook.services.create import new_document
    from specbook.services.zeroconf import open_book

    book = open_book()
    path = new_document(book, kind, title, type_=type_, author=author)
    click.echo(book.rel(path))


@main.command()
@click.argument("ref", metavar="ID|PATH")
@click.option("--json", "as_json", is_flag=True, help="Print the document model as JSON.")
@handle_errors
def show(ref: str, as_json: bool) -> None:
    """Show one document: by ID inside a book, or any Markdown file by path.

    The text view lists fields, the section outline, requirements, checklist
    progress and references with their line numbers; --json prints the whole
    model: README.md ("JSON shapes") lists its keys, and `specbook schema`
    describes it in full (its "document").
    """
    from specbook.book.jsonout import document_json
    from specbook.services.show import load_for_show, render_text

    doc = load_for_show(ref)
    if as_json:
        emit_json(document_json(doc))
    else:
        click.echo(render_text(doc), nl=False)


@main.command(name="list")
@click.option("--kind", metavar="KIND", help="Only this kind (spec, dec, bug, task).")
@click.option("--status", metavar="STATUS", help="Only this status (the book's word, any case).")
@click.option("--type", "type_", metavar="TYPE", help="Only this type.")
@click.option("--tag", metavar="TAG", help="Only documents carrying this tag.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@handle_errors
def list_(
    kind: str | None, status: str | None, type_: str | None, tag: str | None, as_json: bool
) -> None:
    """List the book's documents, with optional filters.

    Filters match the canonical status (so --status approved finds "Accepté" when
    the book maps it), the type and tags case-insensitively. A status or type the
    book's config does not know (and no document states), or a tag no document
    carries, is a usage error naming the ones there are (exit 2). So is a book with
    no documents at all (its config's folders are named).

    A document whose ID another one also carries is marked [same ID as PATH] (in
    --json, "duplicate_of": [PATH, ...]), and each such ID is a warning on stderr:
    `specbook renumber` gives the newer document the next free ID.

    On a terminal, lines are cut to its width (a cut value ends in …); piped, or
    with --json, every value is whole.
    """
    from specbook.book.jsonout import list_entry
    from specbook.services.show import (
        check_filters,
        filter_documents,
        render_list,
        same_id_paths,
        shared_ids,
        shared_ids_warning,
    )
    from specbook.services.zeroconf import open_book

    book = open_book()
    kind_name = book.kind(kind).name if kind else None
    every = list(book.documents(book.require_documents()))
    check_filters(book.config, every, kind=kind_name, status=status, type_=type_, tag=tag)
    docs = filter_documents(every, kind=kind_name, status=status, type_=type_, tag=tag)
    # an ID two documents carry is marked on each, whatever the filters show
    shared = shared_ids(every)
    same = same_id_paths(shared)
    if as_json:
        emit_json([list_entry(d, same.get(d.path or "", [])) for d in docs])
    else:
        # on a terminal, lines fit its width; piped, every value is whole
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        click.echo(render_list(docs, width, same), nl=False)
    for doc_id, carriers in shared.items():
        click.echo(f"specbook: warning: {shared_ids_warning(doc_id, carriers)}", err=True)
