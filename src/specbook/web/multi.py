"""One portal for many books: every book of a shared PostgreSQL index.

Each book whose working copy is on this machine is served by the ordinary portal,
mounted at ``/b/NAME/`` over its part of the database; its review actions and edits
act on the files of that working copy, and the book is synced into the database
straight after (and at start-up). The top level lists the books and searches and
lists documents across all of them, with the book as a facet. Several server
processes may serve one database at once: sessions are signed with
``SPECBOOK_SECRET`` (set the same value for every process), sign-outs are kept in the
database, and every write goes through the database's per-book lock.

Accounts are per book: a book's own ``[portal]`` tables are its accounts, and a
session of one book (a cookie of its own, scoped to ``/b/NAME/``) is nothing in
another, so a name in two books is two accounts. An organisation's users file
(``serve --users FILE``, or the same ``[portal] users_file`` named by several books)
is one set of accounts with one sign-in for every book that uses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from specbook.core.errors import SpecbookError
from specbook.web import pages
from specbook.web.app import HERE, SECURITY_HEADERS, create_app, template_env
from specbook.web.auth import COOKIE, Accounts, Sessions, SessionSigner, book_accounts
from specbook.web.security import SecureHeaders

CATALOG_SECONDS = 10.0


class HubLinks:
    """URLs of the many-book server's own pages; documents live under ``/b/NAME``."""

    mode = "server"
    prefix = ""

    def home(self) -> str:
        return "/"

    def page(self, path: str) -> str:
        return path

    def documents(self, **params: object) -> str:
        query = {k: str(v) for k, v in params.items() if v not in (None, "")}
        return "/documents" + ("?" + urlencode(query) if query else "")

    def search(self) -> str:
        return "/search"

    def book(self, name: str) -> str:
        return f"/b/{quote(name)}/"

    def doc(self, ref: str) -> str:
        book, _, rest = ref.partition(":")
        return f"/b/{quote(book)}/doc/{quote(rest)}"

    def ref(self, doc_id: object, path: object) -> str:
        # (the book's own portal, at /b/NAME/doc/ID, lists the documents of a shared ID)
        return str(doc_id or path or "")

    def doc_of(self, row: object) -> str:
        from specbook.web.links import _get

        ref = _get(row, "id") or _get(row, "path")
        return f"/b/{quote(str(_get(row, 'book')))}/doc/{quote(str(ref))}"

    def action(self, ref: str, what: str) -> str:
        return ""

    def graph(self) -> str:
        return "/"

    def timeline(self) -> str:
        return "/"

    def risks(self) -> str:
        return "/"

    def asset(self, name: str) -> str:
        return "/static/" + name


def _cookie(realm: str) -> str:
    """The session cookie of a realm: each its own name, so one book's sign-in never
    hides another's (cookie names are tokens: the realm is hashed)."""
    return f"{COOKIE}_{hashlib.sha256(realm.encode()).hexdigest()[:12]}"


def create_multi_app(url: str, accounts: Accounts | None = None, watch: bool = False) -> Starlette:
    """The many-book portal over the PostgreSQL index at ``url``. ``accounts``: an
    organisation's accounts (``--users FILE``), good in every book with one sign-in;
    without, each book's own (:func:`~specbook.web.auth.book_accounts`)."""
    from specbook.services.zeroconf import open_book
    from specbook.store.postgres import PostgresRevocations, PostgresStore

    hub = PostgresStore(url, None)
    secret = os.environ.get("SPECBOOK_SECRET", "").encode() or secrets.token_bytes(32)
    signer = SessionSigner(secret)
    revocations = PostgresRevocations(url)
    org = (
        Sessions(signer, accounts, revocations, "org", _cookie("org"), "/")
        if accounts is not None
        else None
    )
    env = template_env()
    links = HubLinks()
    portals: list[Any] = []
    mounts: list[Mount] = []
    unavailable: dict[str, str] = {}
    for name, root, _count in hub.books():
        if not root or not Path(root).is_dir():
            unavailable[name] = "its working copy is not on this machine"
            continue
        try:
            book = open_book(Path(root))
        except SpecbookError as exc:
            unavailable[name] = str(exc)
            continue

        def opener(n: str = name, r: str = root) -> Any:
            return PostgresStore(url, n, r)

        if org is not None:
            sessions = org
        else:
            try:
                own, realm = book_accounts(book.config, name=name)
            except SpecbookError as exc:  # (its users file is missing or wrong)
                unavailable[name] = str(exc)
                continue
            shared = realm.startswith("file:")  # one sign-in for every book of the file
            path = "/" if shared else f"/b/{quote(name)}/"
            sessions = Sessions(signer, own, revocations, realm, _cookie(realm), path)
        app = create_app(
            book, sessions.accounts, watch, opener, prefix=f"/b/{name}", signer=signer,
            sessions=sessions,
        )  # fmt: skip
        portals.append(app.state.portal)
        mounts.append(Mount(f"/b/{name}", app=app))

    def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        # the top level knows a user only of an organisation's accounts (books' own
        # sessions are scoped to their pages)
        session = org.check(request.cookies.get(org.cookie)) if org is not None else None
        html = env.get_template(template).render(
            book_name="All books",
            links=links,
            user=session.user if session else None,
            csrf=signer.csrf(session),
            writable=False,  # sign in on a book's pages
            request_path=request.url.path,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    cache: dict[str, tuple[float, Any]] = {}

    def recent(key: str, build: Any) -> Any:
        """``build()``, reused for CATALOG_SECONDS: the book list and the document list
        of 100,000 documents are too big to read per request (search reads live)."""
        import time

        now = time.monotonic()
        hit = cache.get(key)
        if hit is None or now - hit[0] > CATALOG_SECONDS:
            if len(cache) > 256:
                cache.clear()
            hit = (now, build())
            cache[key] = hit
        return hit[1]

    def catalog() -> pages.Catalog:
        from specbook.core.config import default_config

        catalog: pages.Catalog = recent("catalog", lambda: pages.Catalog(hub, default_config()))
        return catalog

    async def home(request: Request) -> Response:
        books = recent("books", hub.books)
        return render(request, "books.html", books=books, unavailable=unavailable)

    async def documents(request: Request) -> Response:
        params = dict(request.query_params)
        key = "list:" + repr(sorted(params.items()))
        data = recent(key, lambda: pages.listing(hub, params, catalog=catalog()))
        return render(request, "list.html", **data)

    async def search(request: Request) -> Response:
        from specbook.store import parse_query

        query = request.query_params.get("q", "").strip()
        hits: list[Any] = []
        error = None
        if query:
            try:
                hits = hub.search(parse_query(query), 50)
            except SpecbookError as exc:
                error = str(exc)
        rows = pages.result_rows(env, links, hits, {})
        context: dict[str, Any] = {"query": query, "hits": hits, "error": error, "rows": rows}
        if request.query_params.get("partial"):
            html = env.get_template("_results.html").render(links=links, **context)
            return HTMLResponse(html, headers=SECURITY_HEADERS)
        return render(request, "search.html", **context)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Mounted apps get no lifespan of their own. Findings of a shared index come
        # from `specbook index --db` runs (each book's CI), not from linting every
        # book in every server process.
        for portal in portals:
            portal.start_background(lint=False)
        try:
            yield
        finally:
            for portal in portals:
                portal.stop_background()

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/documents", documents),
            Route("/search", search),
            *mounts,
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[Middleware(SecureHeaders, headers=SECURITY_HEADERS)],
        lifespan=lifespan,
    )
    app.state.portals = portals
    return app
