"""The portal's JSON API under ``/api/``, described by ``/api/openapi.json``.

Reading needs nothing. Writing (transitions, reviews) needs a bearer token from the
book's ``[portal] tokens``, or a signed-in session plus its CSRF token in the
``X-CSRF-Token`` header. Errors are ``{"error": message}`` with 400, 401, 403, 404
or 409; the same engine and gates as the CLI decide every write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from specbook import __version__
from specbook.book.jsonout import LIST_KEYS, document_summary
from specbook.core.errors import NotFoundError, SpecbookError, UsageError
from specbook.lint.finding import Finding
from specbook.web.security import json_object, security_headers

if TYPE_CHECKING:
    from specbook.web.app import Portal

MAX_LIMIT = 200


def json_error(status: int, message: str) -> JSONResponse:
    # the headers here too: a 500 is sent from outside the middleware that adds them
    return JSONResponse({"error": message}, status_code=status, headers=security_headers())


def _limit(request: Request, default: int = 20) -> int:
    raw = request.query_params.get("limit", str(default))
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(
            f"limit must be a whole number from 1 to {MAX_LIMIT}, not {raw!r}"
        ) from None
    if not 1 <= value <= MAX_LIMIT:
        raise UsageError(f"limit must be from 1 to {MAX_LIMIT}, not {value}")
    return value


def routes(portal: Portal) -> list[Route]:
    """The API routes bound to ``portal``."""
    from specbook.web import pages

    def guarded(fn: Any) -> Any:
        async def handler(request: Request) -> Response:
            try:
                response: Response = await fn(request)
                return response
            except NotFoundError as exc:
                return json_error(404, str(exc))
            except UsageError as exc:
                return json_error(400, str(exc))
            except SpecbookError as exc:
                return json_error(409, str(exc))

        return handler

    def find_path(ref: str) -> str:
        path = pages.document_path(portal.store, ref)
        if path is None:
            raise NotFoundError(f"{ref}: no document with this ID")
        return path

    async def documents(request: Request) -> Response:
        q = request.query_params
        rows = []
        for d in portal.store.listing():
            if q.get("kind") and (d["kind"] or "").lower() != q["kind"].lower():
                continue
            if (
                q.get("status")
                and (d["status_canonical"] or d["status"] or "").lower() != q["status"].lower()
            ):
                continue
            if q.get("type") and (d["type"] or "").lower() != q["type"].lower():
                continue
            if q.get("tag") and q["tag"].lower() not in d["tags"]:
                continue
            rows.append(document_summary(d, LIST_KEYS))
        return JSONResponse(rows)

    async def document(request: Request) -> Response:
        from specbook.book.jsonout import document_json

        ref = request.path_params["ref"]
        path = find_path(ref)
        try:
            # reading, parsing and (edited since the index's lint) linting the file, with
            # no HTML, which the JSON does not hold: not on the event loop (the index,
            # which the findings and backlinks come from, is read on it)
            built = await run_in_threadpool(portal.docs.parsed, path)
            found = portal.docs.stored_findings(portal.store, path, built)
            if found is None:
                found = await run_in_threadpool(portal.docs.linted, path)
            page = portal.docs.get(portal.store, path, built, found)
        except OSError:  # gone, or now a link leading out of the book (not read)
            portal.refresh()
            return json_error(404, f"{ref}: no longer on disk")

        def answer() -> JSONResponse:
            data = document_json(page.doc)  # (as long as the document: not on the loop)
            data["findings"] = [_finding(f) for f in page.findings]
            return JSONResponse(data)

        return await run_in_threadpool(answer)

    async def search(request: Request) -> Response:
        from specbook.store import parse_query
        from specbook.store.base import hit_json

        query = request.query_params.get("q", "")
        if not query.strip():
            raise UsageError("q is required: the words to look for")
        hits = portal.store.search(parse_query(query), _limit(request))
        return JSONResponse([hit_json(h) for h in hits])

    async def findings(request: Request) -> Response:
        path = request.query_params.get("path")
        rows = portal.store.findings(path or None)
        return JSONResponse(
            [
                {"path": f.path, "rule": f.rule, "name": f.name, "severity": f.severity,
                 "line": f.line, "column": f.column, "message": f.message}
                for f in rows
            ]
        )  # fmt: skip

    async def body_of(request: Request) -> dict[str, Any]:
        return json_object(await request.body())

    def writer(request: Request) -> str | Response:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            name = portal.accounts.check_token(auth[7:].strip())
            return name if name else json_error(401, "unknown token")
        session = portal.session(request)
        if session is None:
            return json_error(401, "sign in or send Authorization: Bearer TOKEN")
        if not portal.signer.csrf_ok(session, request.headers.get("x-csrf-token")):
            return json_error(403, "missing or wrong X-CSRF-Token header")
        return session.user

    async def transition(request: Request) -> Response:
        who = writer(request)
        if isinstance(who, Response):
            return who
        path = find_path(request.path_params["ref"])
        body = await body_of(request)
        status = body.get("status")
        note = body.get("note")
        if not isinstance(status, str) or not status.strip():
            raise UsageError("status is required: the status to move to")
        if note is not None and not isinstance(note, str):
            raise UsageError("note must be a string")
        from specbook.services import lifecycle

        message = lifecycle.transition(
            portal.book,
            str(portal.book.root / path),
            status,
            by=who,
            note=note,
            lint_errors=lifecycle.lint_gate(portal.book),  # the same gate as the CLI
        )
        portal.refresh()
        return JSONResponse({"message": message, "path": path})

    async def review(request: Request) -> Response:
        who = writer(request)
        if isinstance(who, Response):
            return who
        path = find_path(request.path_params["ref"])
        body = await body_of(request)
        verdict = body.get("verdict")
        note = body.get("note")
        if verdict not in ("approve", "request-changes", "comment"):
            raise UsageError("verdict must be approve, request-changes or comment")
        if note is not None and not isinstance(note, str):
            raise UsageError("note must be a string")
        from specbook.services import lifecycle

        message = lifecycle.review(
            portal.book, str(portal.book.root / path), verdict, by=who, note=note
        )
        portal.refresh()
        return JSONResponse({"message": message, "path": path})

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    return [
        Route("/api/openapi.json", openapi),
        Route("/api/documents", guarded(documents)),
        # REF: an ID, or a book-relative path (how to name one of the documents that
        # share an ID, which is refused with 409)
        Route("/api/documents/{ref:path}/transitions", guarded(transition), methods=["POST"]),
        Route("/api/documents/{ref:path}/reviews", guarded(review), methods=["POST"]),
        Route("/api/documents/{ref:path}", guarded(document), methods=["GET"]),
        Route("/api/search", guarded(search)),
        Route("/api/findings", guarded(findings)),
    ]


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity,
        "line": f.line,
        "message": f.message,
    }


def _obj(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _responses(schema: dict[str, Any], *codes: int) -> dict[str, Any]:
    out: dict[str, Any] = {"200": {"description": "OK", "content": _json(schema)}}
    for code in codes:
        out[str(code)] = {
            "description": "Error",
            "content": _json({"$ref": "#/components/schemas/Error"}),
        }
    return out


def _param(name: str, where: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the API."""
    text = {"type": "string"}
    maybe = {"type": ["string", "null"]}
    number = {"type": "integer"}
    summary = _obj(
        list(LIST_KEYS),
        **{k: maybe for k in LIST_KEYS if k not in ("title", "path", "tags")},
        title=text,
        path=text,
        tags={"type": "array", "items": text},
    )
    hit = _obj(
        ["id", "title", "status", "path", "line", "snippet", "score"],
        id=maybe, title=text, status=maybe, path=text, line=number, snippet=text,
        score={"type": "number"},
    )  # fmt: skip
    finding = _obj(
        ["rule", "severity", "line", "message"],
        path=text, rule=text, name=text, severity=text, line=number, column=number,
        message=text,
    )  # fmt: skip
    done = _obj(["message", "path"], message=text, path=text)
    ref = {
        **_param("ref", "path", text, required=True),
        "description": "A document ID, or its path relative to the book root: an ID two "
        "documents share is refused (409, naming both paths), so name one by its path",
    }
    secured: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
    verdicts = {"type": "string", "enum": ["approve", "request-changes", "comment"]}

    def write(summary_text: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "post": {
                "summary": summary_text,
                "security": secured,
                "parameters": [ref],
                "requestBody": {"required": True, "content": _json(body)},
                "responses": _responses(done, 400, 401, 403, 404, 409),
            }
        }

    limit = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}
    return {
        "openapi": "3.1.0",
        "info": {"title": "specbook portal API", "version": __version__},
        "paths": {
            "/api/documents": {
                "get": {
                    "summary": "Every document's header facts",
                    "parameters": [
                        _param(n, "query", text) for n in ("kind", "status", "type", "tag")
                    ],
                    "responses": _responses({"type": "array", "items": summary}),
                }
            },
            "/api/documents/{ref}": {
                "get": {
                    "summary": "One document's whole model (as show --json) with its findings",
                    "parameters": [ref],
                    "responses": _responses(
                        {"type": "object", "required": ["id", "title", "path", "findings"]},
                        404,
                        409,
                    ),
                }
            },
            "/api/documents/{ref}/transitions": write(
                "Move a document to another status (same gates as the CLI)",
                _obj(["status"], status=text, note=text),
            ),
            "/api/documents/{ref}/reviews": write(
                "Record a review (approve, request-changes, comment)",
                _obj(["verdict"], verdict=verdicts, note=text),
            ),
            "/api/search": {
                "get": {
                    "summary": "Ranked full-text search",
                    "parameters": [
                        _param("q", "query", text, required=True),
                        _param("limit", "query", limit),
                    ],
                    "responses": _responses({"type": "array", "items": hit}, 400),
                }
            },
            "/api/findings": {
                "get": {
                    "summary": "Lint findings of the current content",
                    "parameters": [_param("path", "query", text)],
                    "responses": _responses({"type": "array", "items": finding}),
                }
            },
        },
        "components": {
            "schemas": {"Error": _obj(["error"], error=text)},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
    }
