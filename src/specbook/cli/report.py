"""``report`` and ``graph``: the book at a glance, and how its documents refer to each other."""

from __future__ import annotations

import click

from specbook.cli import emit_json, handle_errors, main, warn_if_empty


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a wiki page, json for tools.",
)
@handle_errors
def report(fmt: str) -> None:
    """Summarise the book: counts, reviews, checklists, risks, timeline, reviewers.

    Counts documents by kind, canonical status and type; lists the documents in
    Review and marks the stale ones (in Review longer than [lint.rules.stale-review]
    days, default 14, counted as lint rule SB504 counts); shows checklist completion
    per document and section; rolls every Risk Assessment table into one register
    scored probability x impact (High 3, Med 2, Low 1), highest first; lists every
    timeline phase, marking as OVERDUE a phase that ended before today and is not
    Done, Complete or Cancelled; and shows each reviewer's load (Review History rows
    written on others' documents, and documents in Review naming them under
    Reviewers). SPECBOOK_TODAY=YYYY-MM-DD pins today. JSON output is one object with
    "version": 1.
    """
    from specbook.core.clock import today
    from specbook.core.collector import collector_paused
    from specbook.services.documents import book_documents
    from specbook.services.report import build_report, render_markdown, render_text, report_json
    from specbook.services.zeroconf import open_book

    book = open_book()
    # (from the snapshot: a document lint or the index parsed is not parsed again)
    with collector_paused():  # (every document held at once)
        result = build_report(book_documents(book), book.config, today())
    if not result.documents:
        warn_if_empty(book)  # a report of 0 documents is true, but say why
    if fmt == "json":
        emit_json(report_json(result))
    elif fmt == "markdown":
        click.echo(render_markdown(result), nl=False)
    else:
        click.echo(render_text(result), nl=False)


@main.command()
@click.option("--root", metavar="ID", help="Only documents within --depth hops of this one.")
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    metavar="N",
    help="Hops from --root, following references either way (default 2).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "json"]),
    default="mermaid",
    show_default=True,
    help="mermaid for Markdown pages, dot for Graphviz, json for tools.",
)
@handle_errors
def graph(root: str | None, depth: int | None, fmt: str) -> None:
    """Print the reference graph of the book.

    Nodes are documents (ID, title, status); edges are their references, labelled
    with the type read from the words around them: relates, depends-on, supersedes,
    superseded-by, fixes, implements. Repeated mentions make one edge. A reference
    to an ID no document has ends at a dangling node, drawn dashed. With --root, only
    the documents within --depth hops of it (either direction) are shown; an unknown
    root is an error (exit 1). JSON output is {"version": 1, "nodes": [...],
    "edges": [...]}.
    """
    from specbook.core.errors import UsageError
    from specbook.services.zeroconf import open_book
    from specbook.trace.graph import (
        graph_from_store,
        graph_json,
        neighbourhood,
        render_dot,
        render_mermaid,
    )

    if depth is not None and root is None:
        raise UsageError("--depth needs --root: it counts hops from that document")
    from specbook.store import synced_store

    book = open_book()
    store, _ = synced_store(book)
    try:
        result = graph_from_store(store)
        empty = store.count() == 0
    finally:
        store.close()
    if empty:
        warn_if_empty(book)
    if root is not None:
        result = neighbourhood(result, root, 2 if depth is None else depth)
    if fmt == "json":
        emit_json(graph_json(result))
    elif fmt == "dot":
        click.echo(render_dot(result), nl=False)
    else:
        click.echo(render_mermaid(result), nl=False)
