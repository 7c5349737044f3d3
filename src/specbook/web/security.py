"""What every portal response carries, and how request bodies are read.

:class:`SecureHeaders` puts the Content-Security-Policy, ``nosniff`` and the other
headers on every response (pages, JSON, static files and error pages alike), and
Strict-Transport-Security when the request came over https: uvicorn sets the scheme
from ``X-Forwarded-Proto`` only for the proxies it trusts (``FORWARDED_ALLOW_IPS``,
by default 127.0.0.1), so a client cannot ask for HSTS on plain http.

:func:`json_object` reads a JSON body for the API and the editor's preview: bad JSON,
anything but an object, and text that is not valid Unicode (a lone surrogate such as
``"\\ud800"``, which Python's decoder lets through and which fails later, when it is
written) are refused with :class:`~specbook.core.errors.UsageError`, a 400.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from specbook.core.errors import UsageError

HSTS = "max-age=31536000"


def security_headers(remote_images: bool = False) -> dict[str, str]:
    """The headers of every response. Images come from the portal itself (and
    ``data:``) unless the book opts in to remote ones (``[portal] remote_images``):
    a remote image tells its server who reads which document, and when."""
    images = "'self' data: https:" if remote_images else "'self' data:"
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src {images}; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


class SecureHeaders:
    """ASGI middleware: adds ``headers`` to each response that lacks them (a mounted
    book's own policy wins), and HSTS to responses sent over https."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
                if https and "strict-transport-security" not in headers:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in a request body (empty: ``{}``); :class:`UsageError` for
    anything else, including text that is not valid Unicode."""
    try:
        data = json.loads(raw or b"{}")
    except ValueError:  # (UnicodeDecodeError too: a body that is not UTF-8)
        raise UsageError("the request body must be a JSON object") from None
    if not isinstance(data, dict):
        raise UsageError("the request body must be a JSON object")
    bad = _bad_text(data)
    if bad is not None:
        raise UsageError(
            f"the request body holds text that is not valid Unicode ({bad}); "
            "send UTF-8 text without lone surrogates"
        )
    return data


def _bad_text(value: Any) -> str | None:
    """Where ``value`` (parsed JSON) holds a string that cannot be UTF-8 encoded."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                return f"U+{ord(item[exc.start]):04X} at character {exc.start}"
    return None
