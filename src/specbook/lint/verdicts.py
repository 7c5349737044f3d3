"""Answers of the slow checkers, remembered by the text they were given.

Checking a SQL block imports sqlglot, a YAML block PyYAML, a dependency line
``packaging``: together about 0.3 s of start-up, far more than linting the file. Their
answer depends only on the text checked, so a lint run keeps it in the lint cache
(the snapshot ``.specbook/index.db``, keyed like the rest of it by specbook's version, code
and rule configuration); editing a document's prose then costs no such import.

A run attaches a lookup (:func:`attach`), rules call :func:`remember`, and the run
saves what :func:`drain` returns. Without an attached lookup (``--no-cache``, worker
processes) answers are only collected. The state is per thread: the portal lints in
a background thread while requests lint in others.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from specbook.core.digest import blake2b

T = TypeVar("T")
# (one encoder: json.dumps with options builds a new one per call)
_encode = json.JSONEncoder(separators=(",", ":")).encode
P = ParamSpec("P")


class _State(threading.local):
    lookup: Callable[[str], str | None] | None = None

    def __init__(self) -> None:
        self.new: dict[str, str] = {}
        # (kind, text) -> the answer's JSON, for texts met again in this thread since
        # attach(): the template's example block in every document is hashed and looked
        # up once
        self.known: dict[tuple[str, str], str] = {}


_state = _State()


def attach(lookup: Callable[[str], str | None] | None) -> None:
    """Answer :func:`remember` in this thread from ``lookup`` (key to JSON text, or
    None) from now on; ``None`` detaches."""
    _state.lookup = lookup
    _state.new.clear()
    _state.known.clear()


def drain() -> dict[str, str]:
    """The answers computed in this thread since :func:`attach`, forgotten here."""
    out = dict(_state.new)
    _state.new.clear()
    return out


def remember(kind: str, text: str, compute: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``compute(*args, **kwargs)``, or its remembered answer for ``text`` (what the answer
    depends on) under ``kind``. The answer must survive JSON (tuples come back as lists).
    """
    state = _state
    seen = state.known
    met = (kind, text)
    known = seen.get(met)
    if known is None:
        if len(seen) > 100_000:  # (a bound for a long-lived thread)
            seen.clear()
        digest = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
        key = f"{kind}:{digest.hexdigest()}"
        known = state.new.get(key)
        if known is None and state.lookup is not None:
            known = state.lookup(key)
        if known is None:
            answer = compute(*args, **kwargs)
            state.new[key] = seen[met] = "null" if answer is None else _encode(answer)
            return answer
        seen[met] = known
    value: Any = None if known == "null" else json.loads(known)
    return value  # type: ignore[no-any-return]
