"""How the portal reads request bodies.

:func:`json_object` reads a JSON body for the API and the editor's preview: bad JSON,
anything but an object, and text that is not valid Unicode (a lone surrogate such as
``"\\ud800"``, which Python's decoder lets through and which fails later, when it is
written) are refused with :class:`~specbook.errors.UsageError`, a 400.
"""

from __future__ import annotations

import json
from typing import Any

from specbook.errors import UsageError


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
