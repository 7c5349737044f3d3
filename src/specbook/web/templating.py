"""The Jinja environment the portal and the static site render with, in a module of
its own so that ``specbook build`` does not import the web server to get it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from specbook import __version__

TEMPLATES = Path(__file__).resolve().parent / "templates"


def snippet_html(text: str) -> Markup:
    """A search hit's snippet as HTML: escaped, its matches (\\x02 ... \\x03) marked."""
    return Markup(str(escape(text)).replace("\x02", "<mark>").replace("\x03", "</mark>"))


class _CompiledTemplates(jinja2.BytecodeCache):
    """The templates compiled so far in this process, shared by every environment
    :func:`template_env` makes: a build makes one for the shared pages and one for the
    document pages, and each compiled ``base.html`` again (Jinja keys each by the
    template's name and a checksum of its source, so an edited template is compiled
    afresh)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def template_env() -> jinja2.Environment:
    """The Jinja environment of the portal and the static site (autoescaped)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_COMPILED,
    )

    def merge(base: dict[str, Any], extra: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {**base, **extra, **more}

    env.filters["snippet"] = snippet_html
    env.globals["merge"] = merge
    env.globals["version"] = __version__
    return env
