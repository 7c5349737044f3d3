"""The portal: server-rendered pages over the index, review actions for signed-in
reviewers, and the JSON API (:mod:`specbook.web.api`).

Every page works without JavaScript; the small vendored script only adds search as
you type. Responses carry a Content-Security-Policy that forbids inline script, so
even a document that slipped past the sanitizer could not run code.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from specbook.book import Book
from specbook.core.clock import today
from specbook.core.errors import AmbiguousIdError, NotFoundError, SpecbookError
from specbook.lint.engine import Linter
from specbook.store import Store, parse_query, sync
from specbook.store.sqlite import SQLiteStore
from specbook.web import api, authoring, pages
from specbook.web.auth import (
    COOKIE,
    VISITOR_COOKIE,
    Accounts,
    Session,
    Sessions,
    SessionSigner,
    book_revocations,
    portal_secret,
)
from specbook.web.links import ServerLinks
from specbook.web.render import RenderLimit, to_html
from specbook.web.security import SecureHeaders, security_headers
from specbook.web.templating import template_env
from specbook.web.throttle import SignInThrottle

__all__ = ["COOKIE", "SECURITY_HEADERS", "Portal", "create_app", "template_env"]

HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = security_headers()
# Stale-approval banners remembered (one per document version and commit): an LRU, so
# a long-running portal over a busy book does not keep every version it ever showed.
STALE_CACHE_SIZE = 512
ACTIONS = ("review", "status", "check")
PASSWORD_WORKERS = 2
DONE = {
    "approve": "Approval recorded.",
    "request-changes": "Change request recorded.",
    "comment": "Comment recorded.",
    "status": "Status changed.",
    "check": "Item ticked.",
    "saved": "Saved.",
    "unchanged": "Nothing changed, so nothing was written.",
}


class Portal:
    """The state behind the portal's routes: the book, its index, caches, accounts."""

    def __init__(
        self,
        book: Book,
        accounts: Accounts | None = None,
        watch: bool = False,
        open_store: Callable[[], Store] | None = None,
        prefix: str = "",
        signer: SessionSigner | None = None,
        sessions: Sessions | None = None,
    ) -> None:
        self.book = book
        self.accounts = accounts or Accounts()
        self.signer = signer or SessionSigner(portal_secret(book.root))
        # whose cookies are good here, checked on every request (see Sessions)
        self.sessions = sessions or Sessions(
            self.signer, self.accounts, book_revocations(book.root)
        )
        self.remote_images = book.config.portal_remote_images
        self.headers = security_headers(self.remote_images)
        self.stale_cache: OrderedDict[tuple[str, str, str | None], pages.StaleApproval | None]
        self.stale_cache = OrderedDict()
        self.env = template_env()
        self.links = ServerLinks(prefix)
        self.db_path = book.root / ".specbook" / "index.db"
        # the book's own SQLite index, or (many books in one server) its part of a
        # shared database; every thread opens its own
        self._open_store = open_store or self._open_sqlite
        self.store: Store = self._open_store()
        sync(self.store, book)
        self.linter = Linter(book.config)
        limits = book.config.portal_limits
        # every document the portal shows or previews renders in a worker with a time limit
        self.markdown = RenderLimit(
            limits.render_seconds,
            render=partial(to_html, remote_images=book.config.portal_remote_images),
        )
        self.docs = pages.DocumentPages(book, render=self.markdown)
        self.throttle = SignInThrottle(
            limits.signin_user_failures, limits.signin_ip_failures, limits.signin_window
        )
        # password checks get a few threads of their own: a burst of sign-ins must not
        # take every worker thread (static files and pages need them too)
        self.password_workers = anyio.CapacityLimiter(PASSWORD_WORKERS)
        self.lint_ready = threading.Event()
        self.watch = watch
        self._stop = threading.Event()
        self._relint_lock = threading.Lock()
        self._relint_wanted = False
        self._relint_running = False
        self._derived: dict[str, tuple[str, Any]] = {}

    def _open_sqlite(self) -> Store:
        try:
            return SQLiteStore(self.db_path, check_same_thread=False)
        except (SpecbookError, OSError):
            return SQLiteStore(":memory:", check_same_thread=False)

    # -- background work ------------------------------------------------------------
    def start_background(self, lint: bool = True) -> None:
        """Start the whole-book lint (``lint``) and, with ``--watch``, the watcher."""
        # Compile every template and import what the background lint runs before any
        # thread starts: CPython 3.11's compiler is not safe to run in two threads at
        # once ("AST constructor recursion depth mismatch").
        for name in self.env.list_templates():
            self.env.get_template(name)
        import specbook.lint.run
        import specbook.store.findings  # noqa: F401
        from specbook.lint.registry import load_rules

        load_rules()
        if lint:
            threading.Thread(target=self._lint_all, name="specbook-lint", daemon=True).start()
        else:
            self.lint_ready.set()
        if self.watch:
            threading.Thread(target=self._watch, name="specbook-watch", daemon=True).start()

    def stop_background(self) -> None:
        self._stop.set()

    def _lint_all(self) -> None:
        from specbook.store.findings import store_findings

        store = self._open_store()
        try:
            store_findings(store, self.book)
        except Exception:  # findings are a convenience; the pages work without them
            pass
        finally:
            store.close()
            self.lint_ready.set()

    def _watch(self) -> None:
        store = self._open_store()
        try:
            while not self._stop.wait(1.0):
                with contextlib.suppress(Exception):
                    if sync(store, self.book).changed:
                        self._lint_all_quietly(store)
        finally:
            store.close()

    def _lint_all_quietly(self, store: Store) -> None:
        from specbook.store.findings import store_findings

        with contextlib.suppress(Exception):
            store_findings(store, self.book)

    def refresh(self) -> None:
        """Bring the index in step after a write made through the portal, and (when that
        changed something) the stored findings after it, in the background: until then
        a document page lints its file itself."""
        if sync(self.store, self.book).changed:
            self._relint_soon()

    def _relint_soon(self) -> None:
        """Store a new whole-book lint in a background thread: one at a time, and one
        more after it when asked again meanwhile."""
        with self._relint_lock:
            self._relint_wanted = True
            if self._relint_running:
                return
            self._relint_running = True
        threading.Thread(target=self._relint, name="specbook-relint", daemon=True).start()

    def _relint(self) -> None:
        store: Store | None = None
        try:
            store = self._open_store()
            while True:
                with self._relint_lock:
                    if not self._relint_wanted:  # (and under the lock: no request lost)
                        self._relint_running = False
                        return
                    self._relint_wanted = False
                self._lint_all_quietly(store)
        except Exception:  # findings are a convenience; the pages lint a file themselves
            with self._relint_lock:
                self._relint_running = False
        finally:
            if store is not None:
                with contextlib.suppress(Exception):
                    store.close()

    def generation(self) -> str:
        return self.store.get_meta("generation") or "0"

    def derived(self, name: str, build: Any) -> Any:
        """A value computed from the whole book, kept until the index changes."""
        gen = self.generation()
        hit = self._derived.get(name)
        if hit is None or hit[0] != gen:
            hit = (gen, build())
            self._derived[name] = hit
        return hit[1]

    async def derived_in_thread(self, name: str, build: Callable[[], Any]) -> Any:
        """:meth:`derived` for a value made by reading the book's files (every document
        parsed: the timeline, the risks; the code: coverage), which may take seconds:
        made in a worker thread, not on the event loop. (Values made from the index
        stay on the loop, which the index's connection is used from.)"""
        gen = self.generation()
        hit = self._derived.get(name)
        if hit is None or hit[0] != gen:
            hit = (gen, await run_in_threadpool(build))
            self._derived[name] = hit
        return hit[1]

    def catalog(self) -> pages.Catalog:
        catalog: pages.Catalog = self.derived(
            "catalog", lambda: pages.Catalog(self.store, self.book.config)
        )
        return catalog

    # -- requests --------------------------------------------------------------------
    def session(self, request: Request) -> Session | None:
        """The request's session while it stands (its user still an account with the
        same password, not signed out); looked up once per request."""
        key = "specbook.session"
        if key not in request.scope:
            request.scope[key] = self.sessions.check(request.cookies.get(self.sessions.cookie))
        found: Session | None = request.scope[key]
        return found

    def render(
        self,
        request: Request,
        template: str,
        status_code: int = 200,
        *,
        sign_in_form: bool = False,
        **context: Any,
    ) -> HTMLResponse:
        """``template`` as a page. ``sign_in_form``: the page holds the sign-in form,
        whose CSRF token is bound to the visitor cookie (set here when missing)."""
        base, visitor = self._page_base(request, sign_in_form)
        html = self.env.get_template(template).render(**base, **context)
        return self._page(request, html, status_code, visitor)

    async def render_off_loop(
        self, request: Request, template: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        """:meth:`render` with the template rendered in a worker thread: a document's
        page is as long as the document (the 50 MB one: 56 MB of HTML, seconds of
        Jinja), and the event loop serves every other request meanwhile."""
        base, visitor = self._page_base(request, False)  # (the session: on the loop)
        html = await run_in_threadpool(
            lambda: self.env.get_template(template).render(**base, **context)
        )
        return self._page(request, html, status_code, visitor)

    def _page_base(self, request: Request, sign_in_form: bool) -> tuple[dict[str, Any], str | None]:
        """What every page's template is given, and the visitor ID to set as a cookie
        (a sign-in form shown to a new visitor) or ``None``."""
        session = self.session(request)
        visitor = None
        if sign_in_form and session is None:
            visitor = request.cookies.get(VISITOR_COOKIE) or None
        new_visitor = sign_in_form and session is None and visitor is None
        if new_visitor:
            visitor = self.signer.new_visitor()
        base = {
            "book_name": self.book.config.name,
            "links": self.links_now(),
            "user": session.user if session else None,
            "csrf": self.signer.csrf(session) if session else self.signer.visitor_csrf(visitor),
            "writable": self.accounts.writable,
            "request_path": request.url.path,
            "remote_images": self.remote_images,
        }
        return base, visitor if new_visitor else None

    def _page(
        self, request: Request, html: str, status_code: int, visitor: str | None
    ) -> HTMLResponse:
        response = HTMLResponse(html, status_code=status_code, headers=self.headers)
        if visitor:
            response.set_cookie(
                VISITOR_COOKIE, visitor, httponly=True, samesite="lax",
                secure=request.url.scheme == "https",
            )  # fmt: skip
        return response

    def links_now(self) -> ServerLinks:
        """The portal's links, knowing which IDs documents share as of the index now
        (their documents' pages go by path)."""
        try:
            return self.links.bound(self.catalog().shared)
        except Exception:  # an error page must render even when the index cannot be read
            return self.links

    def ambiguous(self, request: Request, exc: AmbiguousIdError) -> HTMLResponse:
        """The page of an ID more than one document carries: each of them, linked
        (300 Multiple Choices)."""
        return self.render(request, "ambiguous.html", 300, doc_id=exc.doc_id, carriers=exc.matches)

    def refused(self, request: Request, exc: AmbiguousIdError) -> HTMLResponse:
        """An action on an ID more than one document carries: refused, none changed."""
        return self.error(request, 409, "Which document?", exc.explain())

    def error(self, request: Request, status: int, heading: str, detail: str) -> HTMLResponse:
        return self.render(
            request, "error.html", status, code=status, heading=heading, detail=detail
        )


def create_app(
    book: Book,
    accounts: Accounts | None = None,
    watch: bool = False,
    open_store: Callable[[], Store] | None = None,
    prefix: str = "",
    signer: SessionSigner | None = None,
    sessions: Sessions | None = None,
) -> Starlette:
    """The portal application for ``book``: over its own SQLite index, or over its part
    of a shared database (``open_store``) when mounted at ``prefix`` in a many-book
    server (:mod:`specbook.web.multi`), with the ``sessions`` of its accounts there."""
    portal = Portal(book, accounts, watch, open_store, prefix, signer, sessions)

    async def home(request: Request) -> Response:
        day = today()
        data = portal.derived(
            f"home:{day}", lambda: pages.home(portal.store, book.config, day, portal.catalog())
        )
        # findings arrive from the background lint without a new generation: read them fresh
        data = {**data, "findings": portal.store.finding_counts()}
        return portal.render(request, "home.html", lint_ready=portal.lint_ready.is_set(), **data)

    list_cache: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}

    async def documents(request: Request) -> Response:
        key = (portal.generation(), tuple(sorted(request.query_params.items())))
        data = list_cache.get(key)
        if data is None:
            params = dict(request.query_params)
            data = pages.listing(portal.store, params, catalog=portal.catalog())
            if len(list_cache) >= 64:
                list_cache.pop(next(iter(list_cache)))
            list_cache[key] = data
        return portal.render(request, "list.html", **data)

    anchors_of: dict[str, Any] = {"generation": None, "paths": {}}

    def anchor_cache() -> dict[str, list[tuple[int, str]]]:
        """Section anchors by document path, for the index's current generation."""
        gen = portal.generation()
        if anchors_of["generation"] != gen:
            anchors_of.update(generation=gen, paths={})
        paths: dict[str, list[tuple[int, str]]] = anchors_of["paths"]
        return paths

    async def search(request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        hits: list[Any] = []
        error = None
        if query:
            try:
                hits = portal.store.search(parse_query(query), 50)
            except SpecbookError as exc:
                error = str(exc)
        links = portal.links_now()
        anchors = pages.hit_anchors(portal.store, hits, anchor_cache())
        context: dict[str, Any] = {
            "query": query,
            "hits": hits,
            "error": error,
            "rows": pages.result_rows(portal.env, links, hits, anchors),
        }
        if request.query_params.get("partial"):
            html = portal.env.get_template("_results.html").render(links=links, **context)
            return HTMLResponse(html, headers=portal.headers)
        return portal.render(request, "search.html", **context)

    def stale_banner(doc: Any) -> pages.StaleApproval | None:
        from specbook.book.approvals import head_commit

        stale_cache = portal.stale_cache
        key = (doc.path or "", doc.digest, head_commit(book.root))
        if key in stale_cache:
            stale_cache.move_to_end(key)
            return stale_cache[key]
        try:
            found = pages.stale_approval(book, portal.linter, doc)
        except (SpecbookError, OSError):
            found = None
        stale_cache[key] = found
        while len(stale_cache) > STALE_CACHE_SIZE:
            stale_cache.popitem(last=False)
        return found

    async def page_parts(path: str) -> tuple[pages.Built, list[Any]]:
        """The document at ``path`` parsed and rendered, and its findings: from the
        index, else (edited since the last lint) linted as ``lint FILE`` would; the
        slow parts in worker threads, off the event loop. Raises OSError."""
        built = await run_in_threadpool(portal.docs.built, path)
        found = portal.docs.stored_findings(portal.store, path, built)
        if found is None:
            found = await run_in_threadpool(portal.docs.linted, path)
        return built, found

    def reqs() -> dict[str, set[str]]:
        """Each document's requirements, from the index (see pages.coverage_map)."""
        found: dict[str, set[str]] = portal.derived(
            "requirements", lambda: pages.index_requirements(portal.store)
        )
        return found

    def doc_context(
        path: str, built: pages.Built | None = None, findings: list[Any] | None = None
    ) -> dict[str, Any]:
        page = portal.docs.get(portal.store, path, built, findings)
        return {
            "same_id": portal.catalog().same_id(page.doc),
            "stale": stale_banner(page.doc),
            "doc": page.doc,
            "html": page.marked_html,
            "toc": page.toc,
            "findings": page.findings,
            "anchor": page.anchor,
            "finding_anchor": page.finding_anchor,
            "severities": page.severity_counts(),
            "backlinks": page.backlinks,
            "coverage": portal.derived("coverage", lambda: pages.coverage_map(book, reqs())).get(
                page.doc.id or "", {}
            ),
            "transitions": page.transitions,
            "unchecked": page.unchecked,
        }

    async def document(request: Request) -> Response:
        ref = request.path_params["ref"]
        try:
            path = pages.document_path(portal.store, ref)
        except AmbiguousIdError as exc:
            return portal.ambiguous(request, exc)
        if path is None:
            return portal.error(request, 404, "No such document", f"{ref} is not in this book.")
        try:
            parts = await page_parts(path)  # (the slow parts: in worker threads)
            found = reqs()  # (from the index, on the loop; the code is read off it)
            await portal.derived_in_thread("coverage", lambda: pages.coverage_map(book, found))
            context = doc_context(path, *parts)
        except OSError:
            portal.refresh()
            return portal.error(request, 404, "No such document", f"{ref} is no longer on disk.")
        done = request.query_params.get("done")
        return await portal.render_off_loop(
            request,
            "doc.html",
            actions=portal.session(request) is not None,
            message=DONE.get(done or ""),
            **context,
        )

    async def action(request: Request) -> Response:
        ref, what = request.path_params["ref"], request.path_params["what"]
        session = portal.session(request)
        form = await request.form()
        if session is None:
            return portal.error(
                request, 403, "Sign in first", "Only signed-in reviewers can change documents."
            )
        if not portal.signer.csrf_ok(session, str(form.get("csrf") or "")):
            return portal.error(request, 403, "Form expired", "Reload the page and try again.")
        if what not in ACTIONS:
            return portal.error(request, 404, "No such action", what)
        try:
            path = pages.document_path(portal.store, ref)
        except AmbiguousIdError as exc:
            return portal.refused(request, exc)
        if path is None:
            return portal.error(request, 404, "No such document", f"{ref} is not in this book.")
        note = str(form.get("note") or "").strip() or None
        try:
            done = perform(portal, path, what, form, session.user, note)
        except SpecbookError as exc:
            portal.refresh()
            try:
                parts = await page_parts(path)
            except OSError:  # gone, or now a link leading out of the book: no page to show
                return portal.error(request, 409, "Not changed", str(exc))
            return await portal.render_off_loop(
                request, "doc.html", 409, actions=True, message=str(exc), message_kind="error",
                **doc_context(path, *parts),
            )  # fmt: skip
        portal.refresh()
        # back to the page acted on (``ref`` named one document: its ID, or its path)
        return RedirectResponse(portal.links.doc(ref) + f"?done={quote(done)}", status_code=303)

    async def diff_page(request: Request) -> Response:
        ref = request.path_params["ref"]
        base = request.query_params.get("base", "")
        try:
            path = pages.document_path(portal.store, ref)
        except AmbiguousIdError as exc:
            return portal.ambiguous(request, exc)
        if path is None:
            return portal.error(request, 404, "No such document", f"{ref} is not in this book.")
        if not re.fullmatch(r"[0-9a-f]{7,40}", base):
            return portal.error(request, 400, "Which version?", "base must be a commit hash.")
        doc = (await run_in_threadpool(portal.docs.parsed, path))[0]
        try:
            html = await run_in_threadpool(pages.diff_since, book, doc.id or ref, base)
        except SpecbookError as exc:
            return portal.error(request, 400, "No diff", str(exc))
        return portal.render(request, "diff.html", ref=ref, base=base, html=html, doc=doc)

    async def login_page(request: Request) -> Response:
        if not portal.accounts.writable:
            return portal.error(
                request, 404, "Read-only portal", "No users are configured for this book."
            )
        return portal.render(
            request, "login.html", sign_in_form=True,
            next=_safe_next(request.query_params.get("next")),
        )  # fmt: skip

    async def login(request: Request) -> Response:
        form = await request.form()
        nxt = _safe_next(str(form.get("next") or portal.links.home()))
        # the token must be the one made for this browser's visitor cookie: a form on
        # another site cannot sign a visitor in as someone else (login CSRF)
        visitor = request.cookies.get(VISITOR_COOKIE)
        if not portal.signer.visitor_ok(visitor, str(form.get("csrf") or "")):
            return portal.error(
                request, 403, "Form expired",
                "Reload the sign-in page and try again (signing in needs cookies).",
            )  # fmt: skip
        name = str(form.get("name") or "")
        password = str(form.get("password") or "")
        address = request.client.host if request.client else ""
        wait = portal.throttle.attempt(name, address)
        if wait is not None:  # refused at once: no password check, no sleep
            refused = portal.render(
                request, "login.html", 429, sign_in_form=True, next=nxt,
                error=f"Too many failed sign-ins. Try again in {_duration(wait)}.",
            )  # fmt: skip
            refused.headers["Retry-After"] = str(wait)
            return refused
        user = await anyio.to_thread.run_sync(
            portal.accounts.check_password, name, password, limiter=portal.password_workers
        )
        if user is None:
            return portal.render(
                request, "login.html", 401, sign_in_form=True, next=nxt,
                error="Wrong name or password.",
            )  # fmt: skip
        portal.throttle.succeeded(name, address)
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(
            portal.sessions.cookie, portal.sessions.issue(user), httponly=True,
            samesite="lax", secure=request.url.scheme == "https", max_age=12 * 3600,
            path=portal.sessions.path,
        )  # fmt: skip
        return resp

    async def logout(request: Request) -> Response:
        form = await request.form()
        session = portal.session(request)
        if session is not None and not portal.signer.csrf_ok(session, str(form.get("csrf") or "")):
            return portal.error(request, 403, "Form expired", "Reload the page and try again.")
        if session is not None:
            # the cookie is dead on the server too: a copy of it is refused from now
            # on, by every server of the book, after a restart as well
            portal.sessions.revoke(session)
        resp = RedirectResponse(portal.links.home(), status_code=303)
        resp.delete_cookie(portal.sessions.cookie, path=portal.sessions.path)
        return resp

    def graph_script() -> str:
        from specbook.trace.graph import graph_from_store
        from specbook.web.graphview import graph_data, graph_script

        full = portal.derived("graph", lambda: graph_from_store(portal.store))
        return graph_script(graph_data(full, book.config.kinds, portal.links.doc))

    async def graph_page(request: Request) -> Response:
        from specbook.trace.graph import graph_from_store, neighbourhood

        root = request.query_params.get("root", "").strip().upper() or None
        try:
            depth = max(0, min(6, int(request.query_params.get("depth", "2"))))
        except ValueError:
            depth = 2
        if root:  # (the page draws it in the browser; an unknown root is a 404 here)
            full = portal.derived("graph", lambda: graph_from_store(portal.store))
            try:
                root = neighbourhood(full, root, 0).root
            except AmbiguousIdError as exc:
                return portal.ambiguous(request, exc)
            except NotFoundError as exc:
                return portal.error(request, 404, "No such document", str(exc))
        return portal.render(request, "graph.html", root=root, depth=depth)

    async def graph_data_script(request: Request) -> Response:
        text = portal.derived("graph-script", graph_script)
        return Response(text, media_type="text/javascript", headers=portal.headers)

    async def timeline_page(request: Request) -> Response:
        data = await portal.derived_in_thread("timeline", lambda: pages.timeline(book, today()))
        return portal.render(request, "timeline.html", **data)

    async def risks_page(request: Request) -> Response:
        data = await portal.derived_in_thread("risks", lambda: pages.risks(book))
        return portal.render(request, "risks.html", **data)

    routes = [
        Route("/", home),
        Route("/documents", documents),
        Route("/search", search),
        Route("/graph", graph_page),
        Route("/graph/data.js", graph_data_script),
        Route("/timeline", timeline_page),
        Route("/risks", risks_page),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        *authoring.routes(portal),
        Route("/doc/{ref:path}/diff", diff_page, methods=["GET"]),
        Route("/doc/{ref:path}/{what:str}", action, methods=["POST"]),
        Route("/doc/{ref:path}", document, methods=["GET"]),
        *api.routes(portal),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return api.json_error(404, "no such endpoint; see /api/openapi.json")
        return portal.error(request, 404, "Not found", f"Nothing lives at {request.url.path}.")

    async def server_error(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return api.json_error(500, "internal error; the server log has the details")
        return portal.error(request, 500, "Something broke", "The server log has the details.")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        portal.start_background()
        try:
            yield
        finally:
            portal.stop_background()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecureHeaders, headers=portal.headers)],
        exception_handlers={404: not_found, 500: server_error},
        lifespan=lifespan,
    )
    app.state.portal = portal
    return app


def perform(portal: Portal, path: str, what: str, form: Any, user: str, note: str | None) -> str:
    """Run one review action through the lifecycle engine; returns the ``done`` code.
    Raises the engine's errors (a refused gate, a file changed on disk)."""
    from specbook.core.errors import UsageError
    from specbook.services import lifecycle

    full = str(portal.book.root / path)
    if what == "review":
        verdict = str(form.get("verdict") or "")
        if verdict not in ("approve", "request-changes", "comment"):
            raise UsageError("choose Approve, Request changes or Comment")
        lifecycle.review(portal.book, full, verdict, by=user, note=note)
        return verdict
    if what == "status":
        target = str(form.get("status") or "").strip()
        if not target:
            raise UsageError("choose a status to move to")
        lifecycle.transition(
            portal.book, full, target, by=user, note=note,
            lint_errors=lifecycle.lint_gate(portal.book),
        )  # fmt: skip
        return "status"
    item = str(form.get("item") or "").strip()
    if not item:
        raise UsageError("choose an item to tick")
    lifecycle.check(portal.book, full, item, by=user)
    return "check"


def _duration(seconds: int) -> str:
    """``seconds`` in words, rounded up to whole minutes past the first minute."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _safe_next(value: str | None) -> str:
    """Only same-site paths may follow a sign-in (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
