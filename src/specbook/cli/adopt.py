"""``adopt``: a config for existing documents, and decision records imported as DECs."""

from __future__ import annotations

from pathlib import Path

import click

from specbook.cli import emit_json, handle_errors, main


@main.command()
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default=".", required=False
)
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings and the config as JSON.")
@click.option("--force", is_flag=True, help="Replace an existing specbook.toml.")
@click.option(
    "--import-adr",
    "adr_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="ADR_DIR",
    help="Instead: turn the adr-tools or MADR records in ADR_DIR into new DEC documents "
    "of the book at DIRECTORY (next free IDs; the originals are left as they are).",
)
@handle_errors
def adopt(directory: Path, dry_run: bool, as_json: bool, force: bool, adr_dir: Path | None) -> None:
    """Point specbook at a folder of documents written without it.

    Reads every Markdown file under DIRECTORY (default: here) and infers the kinds
    (from ID prefixes and folder names), field-name aliases and status words, then
    writes a specbook.toml there that makes `specbook lint` meaningful. It reports
    what it inferred and why, and never edits a document. An existing
    specbook.toml is left alone unless --force is given; --dry-run prints the
    config instead of writing it.

    Status words: a known synonym of one of the kind's statuses becomes an alias
    (Accepté -> Accepted); a word with no such status, known or used by two or
    more documents, is added to the kind's statuses; a one-off unknown word is
    left for lint to report.
    """
    if adr_dir is not None:
        _import_adr(directory, adr_dir, dry_run, as_json)
        return
    from specbook.adopt import infer, write_config

    adoption = infer(directory)
    if as_json:
        data = adoption.to_json()
        data["written"] = None if dry_run else str(write_config(adoption, force=force))
        emit_json(data)
        return
    if dry_run:
        click.echo(adoption.report(), nl=False, err=True)
        click.echo(adoption.config_text(), nl=False)
        return
    path = write_config(adoption, force=force)
    click.echo(adoption.report(), nl=False)
    click.echo(f"wrote {path}; run `specbook lint` there to check the documents")


def _import_adr(directory: Path, adr_dir: Path, dry_run: bool, as_json: bool) -> None:
    from specbook.adr_import import import_records
    from specbook.book import open_book

    book = open_book(directory)
    done = import_records(book, adr_dir, dry_run=dry_run)
    if as_json:
        emit_json(
            [{"source": str(d.source), "id": d.doc_id, "path": book.rel(d.path)} for d in done]
        )
        return
    verb = "would create" if dry_run else "created"
    for d in done:
        click.echo(f"{verb} {book.rel(d.path)} from {d.source}")
