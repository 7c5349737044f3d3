"""``supersede`` and ``renumber``: moves that change several files, all or nothing."""

from __future__ import annotations

import click

from specbook.cli import emit_json, handle_errors, main


@main.command()
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--by", metavar="NAME", help="Who supersedes (default: git user.name).")
@click.option("--note", metavar="TEXT", help="Added to OLD's Review History note.")
@handle_errors
def supersede(old: str, new: str, by: str | None, note: str | None) -> None:
    """Mark document OLD as superseded by NEW (same kind), editing both or neither.

    OLD gets its kind's archived status (SPEC: Archived, DEC: Superseded; in the case
    it writes its status), a Review History row noting "Superseded by NEW" where it
    keeps one, its own modified date, and the link in its own form: `superseded_by:
    NEW` in its front matter or sidecar (a scalar, or an item of its list), a header
    line like its others, or the sentence "Superseded by NEW." in its Notes section
    (specbook's template). NEW gets `supersedes: OLD` (or "Supersedes OLD.") and its
    modified date. The workflow's gates do not apply. Refused (exit 1): OLD already
    superseded by another document, documents of different kinds, NEW itself
    superseded.
    """
    from specbook.services.multi import supersede as do_supersede
    from specbook.services.zeroconf import open_book

    click.echo(do_supersede(open_book(), old, new, by=by, note=note))


@main.command()
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@handle_errors
def renumber(dry_run: bool, as_json: bool) -> None:
    """Give each newer document that shares its ID with an older one the next free ID.

    Age is the time a file was first added to git, else its modification time; the
    oldest keeps the ID. The newer file is renamed and its ID field rewritten, with
    every mention of the old ID inside it. In other documents a reference is
    rewritten when it names a requirement only the newer document has, or when its
    document was added after the newer duplicate; every other reference is left and
    listed. All files are written or none.
    """
    from specbook.services.multi import renumber as do_renumber
    from specbook.services.zeroconf import open_book

    plan = do_renumber(open_book(), dry_run=dry_run)
    if as_json:
        emit_json({"dry_run": dry_run, **plan.to_json()})
        return
    lines = plan.lines()
    if dry_run and (plan.renames or plan.skipped):
        lines.append("dry run: nothing was written")
    click.echo("\n".join(lines))
