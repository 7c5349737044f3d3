"""``serve``, ``build`` and ``passwd``: the portal, the static site, and accounts."""

from __future__ import annotations

from pathlib import Path

import click

from specbook.cli import handle_errors, main, progress_bar, warn_if_empty


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one and prints it).")  # fmt: skip
@click.option(
    "--watch", is_flag=True, help="Pick up edits made outside the portal (checks every second)."
)
@click.option(
    "--db",
    metavar="URL",
    help="Serve every book of this shared PostgreSQL index (default: $SPECBOOK_DB when no "
    "book is found here, else the book found here).",
)
@click.option(
    "--users",
    "users_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An organisation's users file ([users] and [tokens] tables, lines from specbook "
    "passwd): the accounts of every book served, one sign-in for all, in place of the "
    "books' [portal] tables.",
)
@handle_errors
def serve(host: str, port: int, watch: bool, db: str | None, users_file: Path | None) -> None:
    """Serve the book as a web portal.

    Home (counts, reviews waiting, stale reviews, recent changes, lint summary),
    the document list with facets, search as you type, document pages (rendered and
    sanitized, contents, findings, requirements with test coverage, backlinks,
    review history), the reference graph, the timeline and the risk register, and a
    JSON API under /api/ (described by /api/openapi.json).

    Reviewers sign in with the users of the book's [portal] users table (or
    SPECBOOK_USERS, or a users file: --users FILE or [portal] users_file);
    `specbook passwd NAME` prints a password hash to put there. With no users the
    portal is read-only. Approve, request changes, comment, move and tick go
    through the same engine and gates as the CLI and edit the files. A session
    ends when its user is removed or gets a new password, and at sign-out.
    Failed sign-ins are limited per user name and per address (then 429; the
    [portal] signin_* settings), and Markdown nested more than 32 levels deep, or
    slower to render than [portal] render_seconds, is shown as plain text.

    With --db postgresql://... one server holds every book of a shared index: a
    page of books, search and a document list across them (the book is a facet),
    and each book whose working copy is on this machine at /b/NAME/, where review
    actions edit that working copy and sync it into the database. Run several
    servers on one database with the same SPECBOOK_SECRET. Each book's accounts
    are its own [portal] tables (a name in two books is two accounts) plus
    SPECBOOK_USERS / SPECBOOK_TOKENS; --users FILE gives one set of accounts, one
    sign-in, for every book.
    """
    import os
    import socket
    from typing import Any

    import uvicorn

    from specbook.core.errors import NoBookError
    from specbook.services.zeroconf import open_book
    from specbook.web.app import create_app
    from specbook.web.auth import accounts_from, book_accounts, load_users_file

    app: Any
    if db is None:
        try:
            # with a shared database named, a folder with no config serves every book
            book = open_book(infer=not os.environ.get("SPECBOOK_DB"))
        except NoBookError:
            db = os.environ.get("SPECBOOK_DB") or None
            if db is None:
                raise
    if db is not None:
        from specbook.store.postgres import is_postgres_url
        from specbook.web.multi import create_multi_app

        if not is_postgres_url(db):
            from specbook.core.errors import UsageError

            raise UsageError("--db must be a postgresql:// URL of a shared index")
        # without --users, each book's own accounts (never merged across books)
        org = accounts_from(*load_users_file(users_file)) if users_file else None
        app = create_multi_app(db, org, watch=watch)
        label = "every book of the shared index"
    else:
        warn_if_empty(book)  # (the portal still serves: documents can be created there)
        accounts, _realm = book_accounts(book.config, users_file)
        app = create_app(book, accounts, watch=watch)
        label = book.config.name
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only then, and without it every
    # keep-alive response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(
        socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        from specbook.core.errors import UsageError

        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}; try another --port"
        ) from exc
    # Listening before the line is printed: a client that reads it and connects at once is
    # queued until the server accepts, never refused (uvicorn listens on it again, harmlessly).
    sock.listen(2048)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"specbook: serving {label} at http://{shown}:{bound}/ (Ctrl-C stops)", err=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


@main.command()
@click.option("--out", "out", default="site", show_default=True, type=click.Path(path_type=Path),
              help="Folder to write the site into (replaced).")  # fmt: skip
@handle_errors
def build(out: Path) -> None:
    """Write the book as a static site that works from any file server or file://.

    The same pages as the portal (without review actions), with client-side search
    from a prebuilt index. Markdown nested more than 32 levels deep is shown as
    plain text. Over an earlier build's folder only the document pages whose
    inputs changed are rendered again (the rest keep their bytes and modification
    time); the new site replaces the old one whole, and pages of removed documents
    go.
    """
    from specbook.services.zeroconf import open_book
    from specbook.web.site import build_site

    book = open_book()
    # an empty site would replace the one published before: refused (exit 2)
    book.require_documents()
    update, stop = progress_bar("building")
    try:
        stats = build_site(book, out, update)
    finally:
        stop()
    kept = f"; {stats.kept} document pages unchanged" if stats.kept else ""
    click.echo(f"wrote {stats.pages} pages to {out}/ (open {out}/index.html){kept}")


@main.command()
@click.argument("name")
@click.option(
    "--token", is_flag=True, help="Make an API token for NAME instead of a password hash."
)
@handle_errors
def passwd(name: str, token: bool) -> None:
    """Print a line for the book's [portal] users (or tokens) table.

    Asks for the password twice (nothing is echoed) and prints `NAME = "HASH"` to
    paste under [portal.users] in specbook.toml. With --token, prints a new random
    API token once (keep it secret) and the line for [portal.tokens].
    """
    import secrets

    from specbook.web.auth import hash_password, hash_token

    if token:
        value = "sbk_" + secrets.token_urlsafe(24)
        click.echo(f"token (shown once): {value}", err=True)
        click.echo(f'{name} = "{hash_token(value)}"')
        return
    password = click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
    if len(password) < 8:
        from specbook.core.errors import UsageError

        raise UsageError("a password needs at least 8 characters")
    click.echo(f'{name} = "{hash_password(password)}"')
