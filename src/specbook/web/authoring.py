"""Writing documents in the portal: the New form and the source editor.

New uses the same :func:`specbook.services.create.new_document` as ``specbook new``. The
editor shows the Markdown source with a live preview and live findings (the same
parser, renderer and lint engine as everywhere else, asked for by a debounced
request). Saving writes atomically under the book lock and only when the file still
holds what the editor was opened on; otherwise the user's text stays in the editor
beside a diff of what changed on disk, so nothing typed is ever lost.

A save writes only the lines the user changed (:func:`specbook.edit.textedit.
apply_text_edit`): every other byte, line endings included, stays as it was, and an
unchanged save writes nothing. A file the editor cannot show without loss (not
UTF-8, NUL bytes) opens read-only, saying why.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from specbook.core.digest import content_hash
from specbook.core.errors import AmbiguousIdError, SpecbookError
from specbook.edit.textedit import apply_text_edit, editor_text, normalise, not_editable
from specbook.web.security import json_object

if TYPE_CHECKING:
    from specbook.web.app import Portal

MAX_SOURCE = 2_000_000  # bytes; a spec is a few kilobytes


def preview(portal: Portal, path: str, text: str) -> dict[str, Any]:
    """The rendered HTML and the document-rule findings of ``text`` as ``path``
    (slow for a big text: call it from a worker thread)."""
    from specbook.parse import parse

    data = text.replace("\r\n", "\n").encode("utf-8")
    # (with the document's sidecars: its fields there are its fields in the preview too)
    doc = parse(data, path, portal.book.config, portal.book.sidecars(path))
    html = portal.markdown(data.decode("utf-8")).html
    findings = portal.linter.lint_document(doc)
    return {
        "html": html,
        "findings": [
            {"rule": f.rule, "name": f.name, "severity": f.severity, "line": f.line,
             "message": f.message}
            for f in findings
        ],
    }  # fmt: skip


def routes(portal: Portal) -> list[Route]:
    from specbook.web import pages

    def signed_in(request: Request) -> str | None:
        session = portal.session(request)
        return session.user if session else None

    async def new_page(request: Request) -> Response:
        if signed_in(request) is None:
            login = portal.links.page("/login?next=") + quote(portal.links.page("/new"))
            return RedirectResponse(login, status_code=303)
        return portal.render(request, "new.html", kinds=_kinds(portal), form={})

    async def new_post(request: Request) -> Response:
        from specbook.services.create import new_document

        user = signed_in(request)
        form = await request.form()
        session = portal.session(request)
        if user is None:
            return portal.error(request, 403, "Sign in first", "Only signed-in users can write.")
        if not portal.signer.csrf_ok(session, str(form.get("csrf") or "")):
            return portal.error(request, 403, "Form expired", "Reload the page and try again.")
        kind = str(form.get("kind") or "")
        title = str(form.get("title") or "")
        type_ = str(form.get("type") or "").strip() or None
        try:
            path = new_document(portal.book, kind, title, type_, author=user)
        except SpecbookError as exc:
            return portal.render(
                request, "new.html", 400, kinds=_kinds(portal), message=str(exc),
                message_kind="error", form={"kind": kind, "title": title, "type": type_ or ""},
            )  # fmt: skip
        portal.refresh()
        rel = portal.book.rel(path)
        found = [d for d in portal.store.documents() if d.path == rel]
        # (by path should its ID be one another document carries)
        ref = portal.links_now().ref(found[0].id if found else None, rel)
        return RedirectResponse(portal.links.action(ref, "edit") + "?created=1", status_code=303)

    def edit_context(path: str, text: str, base: str, **more: Any) -> dict[str, Any]:
        shown = preview(portal, path, text)
        return {"path": path, "text": text, "base": base, **shown, **more}

    async def edit_page(request: Request) -> Response:
        ref = request.path_params["ref"]
        if signed_in(request) is None:
            back = quote(portal.links.action(ref, "edit"))
            return RedirectResponse(portal.links.page("/login?next=") + back, status_code=303)
        try:
            path = pages.document_path(portal.store, ref)
        except AmbiguousIdError as exc:
            return portal.ambiguous(request, exc)
        if path is None:
            return portal.error(request, 404, "No such document", f"{ref} is not in this book.")
        try:
            # (refuses a file a link leads out of the book to)
            data = await run_in_threadpool(portal.book.read, path)
        except OSError:
            portal.refresh()
            return portal.error(request, 404, "No such document", f"{ref} is not on disk.")
        created = request.query_params.get("created")
        message = "Created. Fill in the template and save." if created else None
        readonly = not_editable(data)
        if readonly:
            message = f"Read-only: {readonly}. Edit this file in a text editor."
        shown = await run_in_threadpool(edit_context, path, editor_text(data), content_hash(data))
        return portal.render(
            request, "edit.html", ref=ref, message=message, readonly=readonly, **shown
        )

    async def edit_post(request: Request) -> Response:
        from specbook.edit.atomic import ChangedOnDisk, WriteRefused, replace_if_unchanged
        from specbook.edit.lock import book_lock

        ref = request.path_params["ref"]
        form = await request.form()
        session = portal.session(request)
        if session is None:
            return portal.error(request, 403, "Sign in first", "Only signed-in users can write.")
        if not portal.signer.csrf_ok(session, str(form.get("csrf") or "")):
            return portal.error(request, 403, "Form expired", "Reload the page and try again.")
        try:
            path = pages.document_path(portal.store, ref)
        except AmbiguousIdError as exc:
            return portal.refused(request, exc)
        if path is None:
            return portal.error(request, 404, "No such document", f"{ref} is not in this book.")
        text = str(form.get("text") or "")
        base = str(form.get("base") or "")
        if len(text.encode("utf-8")) > MAX_SOURCE:
            return portal.error(request, 413, "Too large", "A document may hold at most 2 MB.")
        full = portal.book.root / path
        with book_lock(portal.book):
            try:
                current = portal.book.read(path)  # (not through a link leading out)
            except OSError:
                portal.refresh()
                return portal.error(request, 404, "No such document", f"{ref} is not on disk.")
            # `base` is the hash of the bytes the editor was given: while the file still
            # holds them, editor_text(current) is the text the editor was given, and the
            # user's edit is the difference between that and `text`
            if content_hash(current) != base:
                return conflict(request, ref, path, text, current)
            readonly = not_editable(current)
            if readonly:
                return portal.render(
                    request, "edit.html", 409, ref=ref, readonly=readonly,
                    message=f"Not saved: {readonly}. Edit this file in a text editor.",
                    message_kind="error", **edit_context(path, text, base),
                )  # fmt: skip
            new = apply_text_edit(current, text)
            if new == current:  # an unchanged save writes nothing
                return RedirectResponse(portal.links.doc(ref) + "?done=unchanged", status_code=303)
            try:
                replace_if_unchanged(full, current, new, root=portal.book.root)
            except ChangedOnDisk:
                return conflict(request, ref, path, text, portal.book.read(path))
            except WriteRefused as exc:  # read-only, or outside the book
                return portal.error(request, 409, "Not saved", str(exc))
        portal.refresh()
        return RedirectResponse(portal.links.doc(ref) + "?done=saved", status_code=303)

    def conflict(request: Request, ref: str, path: str, text: str, current: bytes) -> Response:
        theirs = editor_text(current)
        diff = "".join(
            difflib.unified_diff(
                normalise(text).splitlines(keepends=True),
                theirs.splitlines(keepends=True),
                "your text",
                "the file on disk now",
            )
        )
        return portal.render(
            request, "edit.html", 409, ref=ref, conflict=diff,
            message=(
                "The file changed on disk since you opened it, so it was not saved. Your "
                "text is still here; the changes made meanwhile are shown below. Merge "
                "them into your text and save again."
            ),
            message_kind="error", readonly=not_editable(current),
            **edit_context(path, text, content_hash(current)),
        )  # fmt: skip

    async def preview_api(request: Request) -> Response:
        session = portal.session(request)
        if session is None:
            return JSONResponse({"error": "sign in first"}, status_code=401)
        if not portal.signer.csrf_ok(session, request.headers.get("x-csrf-token")):
            return JSONResponse({"error": "missing or wrong X-CSRF-Token header"}, status_code=403)
        limit = portal.book.config.portal_limits.preview_bytes
        too_large = JSONResponse(
            {"error": f"the text is too large to preview (at most {limit // 1024} KB)"},
            status_code=413,
        )
        # JSON may escape the text to about twice its size; read no more than that
        raw = await _read_body(request, 2 * limit + 4096)
        if raw is None:
            return too_large
        try:
            body = json_object(raw or b"{}")
        except SpecbookError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if not isinstance(body.get("text"), str):
            return JSONResponse({"error": "text (a string) is required"}, status_code=400)
        path = str(body.get("path") or "preview.md")
        if len(body["text"].encode("utf-8", "replace")) > limit:
            return too_large
        return JSONResponse(await run_in_threadpool(preview, portal, path, body["text"]))

    return [
        Route("/new", new_page, methods=["GET"]),
        Route("/new", new_post, methods=["POST"]),
        Route("/preview", preview_api, methods=["POST"]),
        Route("/doc/{ref:path}/edit", edit_page, methods=["GET"]),
        Route("/doc/{ref:path}/edit", edit_post, methods=["POST"]),
    ]


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or ``None`` once it is longer than ``limit`` bytes (declared
    or sent: the rest is not read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _kinds(portal: Portal) -> list[dict[str, Any]]:
    return [{"name": k.name, "types": list(k.types)} for k in portal.book.config.kinds.values()]
