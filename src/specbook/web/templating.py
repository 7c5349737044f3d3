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


class SnapshotBytecodeCache(jinja2.BytecodeCache):
    """The templates compiled, kept in the book's snapshot (a blob per template; Jinja
    checks each against its template's source and the Python version): compiling
    them again was a tenth of a one-edit ``build``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from specbook.core.state import read_blob

        data = read_blob(self.root, f"jinja:{bucket.key}")
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from specbook.core.state import write_blob

        write_blob(self.root, f"jinja:{bucket.key}", bucket.bytecode_to_string())


def template_env(root: Path | None = None) -> jinja2.Environment:
    """The Jinja environment of the portal and the static site (autoescaped); with a
    book's ``root``, its compiled templates are kept in the book's snapshot."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=SnapshotBytecodeCache(root) if root is not None else None,
    )

    def merge(base: dict[str, Any], extra: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {**base, **extra, **more}

    env.filters["snippet"] = snippet_html
    env.globals["merge"] = merge
    env.globals["version"] = __version__
    return env
