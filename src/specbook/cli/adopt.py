"""``adopt``: a config for existing documents, and decision records imported as DECs."""

from __future__ import annotations

from pathlib import Path

import click

from specbook.cli import emit_json, handle_errors, main


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
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
def adopt(
    directory: Path | None, dry_run: bool, as_json: bool, force: bool, adr_dir: Path | None
) -> None:
    """Write a specbook.toml that fits documents written without specbook.

    Reads the Markdown files under DIRECTORY (default: the top of the git work tree
    here, else here; the same root a command run with no config infers its book from)
    and the YAML or JSON files beside them, and writes a specbook.toml there with a
    comment above each setting saying why: the kinds (from the IDs the documents state,
    number-named files or folders such as <number>-<name>.md or <number>-<name>/README.md,
    and kind-named folders), each kind's prefix, folder, number width, layout, sidecar
    metadata files, file naming and template (the team's own template file or folder
    when there is one), its statuses (the documents' own words, in lifecycle order,
    spelled the team's way, in a workflow with no dead end), types and required fields
    (what most documents state), field-name aliases, the requirement ID pattern, and
    the process rules the documents do not follow, off. It reports what it inferred
    and never edits a document. An existing specbook.toml is left alone unless --force
    is given; --dry-run prints the config instead.

    A folder with nothing adopt can take for a document is a usage error (exit 2)
    saying what it looked for.
    """
    if adr_dir is not None:
        _import_adr(directory or Path("."), adr_dir, dry_run, as_json)
        return
    from specbook.services.adopt import infer, write_config
    from specbook.services.zeroconf import book_root

    adoption = infer(directory if directory is not None else book_root(Path.cwd()))
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
    from specbook.services.adr_import import import_records
    from specbook.services.zeroconf import open_book

    # (records become DEC documents of a book of specbook's own: not of one inferred from
    # the very folder of records)
    book = open_book(directory, infer=False)
    done = import_records(book, adr_dir, dry_run=dry_run)
    if as_json:
        emit_json(
            [{"source": str(d.source), "id": d.doc_id, "path": book.rel(d.path)} for d in done]
        )
        return
    verb = "would create" if dry_run else "created"
    for d in done:
        click.echo(f"{verb} {book.rel(d.path)} from {d.source}")
