"""``index``, ``search`` and ``refs``: the book's index and what it answers."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from specbook.cli import emit_json, handle_errors, main, progress_bar

if TYPE_CHECKING:
    from specbook.book import Book
    from specbook.store import Store


def _synced(book: Book, full: bool = False) -> Store:
    from specbook.store import synced_store

    update, stop = progress_bar("indexing")
    try:
        store, _ = synced_store(book, full=full, progress=update)
    finally:
        stop()
    return store


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@handle_errors
def index(as_json: bool) -> None:
    """Rebuild the book's index (.specbook/index.db) from every file, with findings.

    Other commands keep the index in step by themselves (only changed files are read
    again), so this is needed only to start afresh. Deleting .specbook/ loses nothing:
    the next command rebuilds it.
    """
    import time

    from specbook.book import open_book
    from specbook.store import synced_store
    from specbook.store.findings import store_findings

    started = time.perf_counter()
    book = open_book()
    update, stop = progress_bar("indexing")
    try:
        store, stats = synced_store(book, full=True, progress=update)
    finally:
        stop()
    try:
        findings = store_findings(store, book)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    if as_json:
        emit_json({"documents": stats.files, "findings": findings, "seconds": round(seconds, 3)})
        return
    click.echo(
        f"indexed {stats.files} document{'s' * (stats.files != 1)} and {findings} "
        f"finding{'s' * (findings != 1)} in {seconds:.2f} s"
    )


def _snippet(text: str, color: bool) -> str:
    if color:
        return text.replace("\x02", "\x1b[1;33m").replace("\x03", "\x1b[0m")
    return text.replace("\x02", "").replace("\x03", "")


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]})
@click.argument("query", nargs=-1, required=True)
@click.option("--kind", multiple=True, help="Only documents of this kind (repeatable).")
@click.option("--status", multiple=True, help="Only documents in this status (repeatable).")
@click.option("--type", "type_", multiple=True, help="Only documents of this type (repeatable).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print an array of results.")
@handle_errors
def search(
    query: tuple[str, ...],
    kind: tuple[str, ...],
    status: tuple[str, ...],
    type_: tuple[str, ...],
    limit: int,
    as_json: bool,
) -> None:
    """Search the book's documents, best match first.

    \b
    Words must all appear:     webhook signature
    A phrase:                  "rate limit"
    A prefix:                  retr*
    Either:                    webhook OR polling
    Not:                       -draft   (or NOT draft; a leading -word is no option)
    Field filters:             status:review type:feature kind:spec tag:api
                               author:ana id:SPEC-00*

    A title match ranks above matches in the text. Exit 1 when nothing matches.
    """
    from specbook.book import open_book
    from specbook.store import parse_query

    q = parse_query(" ".join(query))
    for key, values in (("kind", kind), ("status", status), ("type", type_)):
        if values:
            q.filters.setdefault(key, []).extend(values)
    book = open_book()
    store = _synced(book)
    try:
        hits = store.search(q, limit)
    finally:
        store.close()
    if as_json:
        emit_json(
            [
                {
                    "id": h.id,
                    "title": h.title,
                    "status": h.status,
                    "path": h.path,
                    "line": h.line,
                    "snippet": h.snippet.replace("\x02", "**").replace("\x03", "**"),
                    "score": round(h.score, 4),
                }
                for h in hits
            ]
        )
    else:
        color = sys.stdout.isatty()
        for h in hits:
            head = f"{h.path}:{h.line}: {h.id or '-'} {h.title} [{h.status or 'no status'}]"
            click.echo(click.style(head, bold=True) if color else head)
            if h.snippet:
                click.echo(f"    {_snippet(h.snippet, color)}")
        if not hits:
            click.echo("no matches", err=True)
    if not hits:
        raise SystemExit(1)


@main.command()
@click.argument("doc_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print outgoing and incoming as JSON.")
@handle_errors
def refs(doc_id: str, as_json: bool) -> None:
    """Show what document ID references and what references it, with type and line.

    Types: relates, depends-on, supersedes, superseded-by, fixes, implements; each
    comes from the words before the reference (Depends on, Fixes, Supersedes ...) or
    the field or section it is in (Parent, Dependencies), else relates.
    """
    from specbook.book import open_book
    from specbook.errors import NotFoundError

    book = open_book()
    store = _synced(book)
    try:
        want = doc_id.upper()
        known = {d.id: d for d in store.documents() if d.id}
        if want not in known:
            raise NotFoundError(
                f"{doc_id}: no document with this ID in {book.root}; `specbook list` shows the IDs"
            )
        out = store.outgoing(want)
        inc = store.incoming(want)
    finally:
        store.close()

    def row(e: object, other: str) -> dict[str, object]:
        from specbook.store import RefEdge

        assert isinstance(e, RefEdge)
        return {
            "id": other,
            "requirement": e.requirement,
            "type": e.type,
            "path": e.path,
            "line": e.line,
            "section": e.section,
            "exists": other in known,
        }

    if as_json:
        emit_json(
            {
                "id": want,
                "outgoing": [row(e, e.target) for e in out],
                "incoming": [row(e, e.source or "") for e in inc],
            }
        )
        return
    d = known[want]
    click.echo(f"{want} {d.title} [{d.status or 'no status'}]")
    click.echo(f"references ({len(out)}):")
    for e in out:
        target = e.target + (f"/{e.requirement}" if e.requirement else "")
        missing = "" if e.target in known else "  (no such document)"
        click.echo(f"  -> {target:<16} {e.type:<14} {e.path}:{e.line}{missing}")
    click.echo(f"referenced by ({len(inc)}):")
    for e in inc:
        source = (e.source or "?") + (f" (about {e.requirement})" if e.requirement else "")
        click.echo(f"  <- {source:<16} {e.type:<14} {e.path}:{e.line}")
