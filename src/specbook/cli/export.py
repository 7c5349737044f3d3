"""``export`` and ``schema``."""

from __future__ import annotations

from pathlib import Path

import click

from specbook.cli import handle_errors, main, warn_if_empty


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="json: every document's model (see `specbook schema`); "
    "csv: one row per FR/NFR requirement.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically: a reader never sees half a file) instead of stdout.",
)
@handle_errors
def export(fmt: str, out: Path | None) -> None:
    """Export the whole book as JSON or CSV.

    JSON holds the book's name, the export date and every document as `show
    --json` prints it, under "version": 1; it validates against the JSON Schema
    that `specbook schema` prints. CSV has one row per requirement: spec_id,
    spec_title, spec_status, requirement_id, kind (FR/NFR), text,
    acceptance_criteria_or_target, coverage (tests tagged with it; empty when
    coverage cannot be computed).
    """
    from specbook.services.export import csv_text, export_text
    from specbook.services.zeroconf import open_book

    book = open_book()
    if fmt == "json":
        text, count = export_text(book)
        if not count:
            warn_if_empty(book)
    else:
        warn_if_empty(book)  # (a listing, beside the reading of every document)
        text = csv_text(book)
    if out is None:
        click.echo(text, nl=False)
        return
    _write_atomic(out, text.encode("utf-8"))
    click.echo(f"wrote {out}", err=True)


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` through a fsynced temporary file and a rename."""
    import os

    from specbook.core.errors import UsageError
    from specbook.edit.atomic import fsync_dir, temp_beside

    if not path.parent.is_dir():
        raise UsageError(f"{path}: the folder {path.parent} does not exist; create it first")
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    try:
        tmp = temp_beside(path, data, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the file ({exc.strerror})") from exc
    fsync_dir(path.parent)


@main.command()
@handle_errors
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of `specbook export --format json`."""
    import json

    from specbook.services.export import book_schema

    click.echo(json.dumps(book_schema(), ensure_ascii=False, indent=2))
