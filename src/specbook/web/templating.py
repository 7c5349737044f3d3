"""The Jinja environment the portal and the static site render with, in a module of
its own so that ``specbook build`` does not import the web server to get it."""

from __future__ import annotations

import marshal
import os
import sys
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
        self.changed = False  # (a template compiled since load/save: see save_compiled)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()
        self.changed = True


_COMPILED = _CompiledTemplates()
# (what a saved file must say it was made by: Jinja's code from another Jinja may not run)
_MADE_BY = f"jinja2 {jinja2.__version__} python {sys.version}"
# Where the compiled templates are saved: beside specbook's own compiled modules, as
# trusted as the templates themselves. Not in a book's .specbook/, which a CI cache
# may bring from another branch: the file is code this process runs.
COMPILED = (
    Path(__file__).resolve().parent
    / "__pycache__"
    / f"templates.{sys.implementation.cache_tag}.bin"
)


def load_compiled(path: Path | None = None) -> None:
    """Add the templates compiled by an earlier process and saved in ``path`` (default
    :data:`COMPILED`, see :func:`save_compiled`) to this process's, so a build that
    renders a few pages does not compile its templates again (a tenth of a one-edit
    build's time). A missing, unreadable or foreign file adds nothing; Jinja still
    checks each template's source checksum and Python's version before it uses one."""
    path = COMPILED if path is None else path
    try:
        made_by, code = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return
    if made_by != _MADE_BY or not isinstance(code, dict):
        return
    for key, data in code.items():
        if isinstance(key, str) and isinstance(data, bytes):
            _COMPILED._code.setdefault(key, data)


def save_compiled(path: Path | None = None) -> None:
    """Save this process's compiled templates in ``path`` (default :data:`COMPILED`)
    when some were compiled since they were loaded (written to a temporary file, then
    renamed), unless Python writes no bytecode (``PYTHONDONTWRITEBYTECODE``); a folder
    that cannot be written (a system-wide install) is left as it is."""
    path = COMPILED if path is None else path
    if not _COMPILED.changed or sys.dont_write_bytecode:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        tmp.write_bytes(marshal.dumps((_MADE_BY, _COMPILED._code)))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return
    _COMPILED.changed = False


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
