"""A kind's template bytes: the built-in templates (SPEC is the shared seed template, byte
for byte, in ``specbook/templates/``) and book overrides.

A book overrides a kind's template by putting a file of the same name in its
templates folder (``docs/templates/spec.md``), or by naming a path in the kind's
``template`` setting. (Reading a template sits beside the config, below the parser, which
reads the templates' headings; what a template requires, read by parsing it, is
:mod:`specbook.templates.facts`.)
"""

from __future__ import annotations

from pathlib import Path

import specbook
from specbook.core.config import BookConfig, KindConfig
from specbook.core.errors import ConfigError

BUILTIN = ("spec.md", "dec.md", "bug.md", "task.md")
# the built-in templates are data files of the specbook.templates package (found from
# the specbook package, so this module may sit anywhere in it)
_HERE = Path(specbook.__file__).resolve().parent / "templates"


def builtin_template(name: str) -> bytes:
    """The bytes of a built-in template such as ``spec.md``."""
    try:  # installed as files (the usual case): no importlib.resources to import
        return (_HERE / name).read_bytes()
    except OSError:
        from importlib import resources

        return resources.files("specbook.templates").joinpath(name).read_bytes()


def template_path(config: BookConfig, kind: KindConfig) -> Path | None:
    """The book's own template file for ``kind``, or ``None`` to use the built-in one."""
    if config.root is None:
        return None
    named = config.root / kind.template
    if kind.template not in BUILTIN or named.is_file():
        return named
    override = config.root / config.templates_dir / kind.template
    return override if override.is_file() else None


def template_bytes(config: BookConfig, kind: KindConfig) -> bytes:
    """The template of ``kind``: the book's override when it has one, else built-in.

    Raises :class:`ConfigError` when the configured template file does not exist.
    """
    path = template_path(config, kind)
    if path is None:
        return builtin_template(kind.template)
    try:
        return path.read_bytes()
    except OSError as exc:
        where = str(config.path) if config.path else "(config)"
        raise ConfigError(
            where,
            f"kinds.{kind.name}.template",
            f"template file {path} cannot be read ({exc.strerror}); "
            f"give a path relative to the book root or one of {', '.join(BUILTIN)}",
        ) from exc
