"""Zero-config: the book of a folder that has no ``specbook.toml``.

Every command run where no config is found infers one in memory exactly as ``specbook
adopt`` would write it (:func:`specbook.services.adopt.infer`), for the book rooted at the git
work tree's top (else the folder given), says so once on stderr, and works. Inference
reads every Markdown file under the root, so its result is cached in
``.specbook/inferred-config.json``, keyed by the names, sizes and modification times of
the files it reads (and specbook's version): a command in an unchanged folder walks the
tree and reads one small file. A folder with nothing to infer a book from raises
:class:`~specbook.services.adopt.NothingToAdopt` (exit 2), saying what was looked for.

:func:`open_book` is how every command opens its book: the config found, else inferred.
(It lives here, above :mod:`specbook.book`, because inferring runs ``adopt``, which reads
the book.)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from specbook.book import Book
from specbook.core.config import (
    CONFIG_FILE,
    BookConfig,
    config_from_mapping,
    find_config_file,
    load_config,
)
from specbook.core.errors import NoBookError

CACHE_FILE = "inferred-config.json"
# bump when inference changes what it infers from the same files
INFERENCE_VERSION = 1

# roots this process has said it inferred a config for (said once, however many books)
_SAID: set[str] = set()


def book_root(start: Path) -> Path:
    """Where an inferred book starts: the top of the git work tree holding ``start``
    (the nearest folder with a ``.git``), else ``start`` itself."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _key(signature: str, root: Path) -> str:
    from specbook import __version__

    return f"{INFERENCE_VERSION}|{__version__}|{root}|{signature}"


def _read_cache(path: Path, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    return data


def _write_cache(root: Path, data: dict[str, Any]) -> None:
    """Best effort: a read-only folder just infers again next time."""
    from specbook.core.state import STATE_DIR, make_state_dir

    folder = root / STATE_DIR
    try:
        make_state_dir(folder)
        tmp = folder / f"{CACHE_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / CACHE_FILE)
    except OSError:
        pass


def inferred_config(root: Path) -> tuple[BookConfig, int, int]:
    """The config adopt would write for ``root``, its number of kinds and of documents.

    Raises :class:`~specbook.services.adopt.NothingToAdopt` when nothing under ``root`` can be
    taken for a document.
    """
    from specbook.core.state import STATE_DIR
    from specbook.services.adopt import NothingToAdopt, infer
    from specbook.services.adopt.scan import scan

    root = root.resolve()
    listing = scan(root)
    key = _key(listing.signature, root)
    cache = root / STATE_DIR / CACHE_FILE
    data = _read_cache(cache, key)
    if data is None:
        try:
            adoption = infer(root, listing=listing, cache_facts=True)
        except NothingToAdopt as exc:
            if cache.parent.is_dir():  # (never a .specbook/ made in a folder that is no book)
                _write_cache(root, {"key": key, "nothing": str(exc)})
            raise
        data = {
            "key": key,
            "mapping": adoption.mapping(),
            "kinds": len(adoption.kinds),
            "documents": adoption.documents(),
        }
        _write_cache(root, data)
    if "nothing" in data:
        raise NothingToAdopt(str(data["nothing"]))
    mapping = data["mapping"]
    config = config_from_mapping(mapping, root=root, path=root / CONFIG_FILE)
    text = json.dumps(mapping, ensure_ascii=False, sort_keys=True)
    config = _with_inferred(config, text)
    return config, int(data["kinds"]), int(data["documents"])


def _with_inferred(config: BookConfig, text: str) -> BookConfig:
    from dataclasses import replace

    return replace(config, inferred=text)


def zero_config(start: Path, say: bool = True) -> BookConfig:
    """The inferred config of the book holding ``start`` (no config file found), said
    once per process on stderr. Raises :class:`~specbook.services.adopt.NothingToAdopt` with what
    was looked for, and how to start a book, when there is nothing to infer from."""
    from specbook.services.adopt import NothingToAdopt

    root = book_root(start)
    try:
        config, kinds, documents = inferred_config(root)
    except NothingToAdopt as exc:
        raise NothingToAdopt(
            f"no specbook.toml in {start.resolve()} or any folder above it, and nothing to "
            f"infer a book from: {exc}"
        ) from None
    if say and str(root) not in _SAID:
        _SAID.add(str(root))
        print(
            f"specbook: no specbook.toml: inferred {kinds} kind{'s' * (kinds != 1)} from "
            f"{documents} document{'s' * (documents != 1)} under {root}; `specbook adopt` "
            "writes this config",
            file=sys.stderr,
            flush=True,
        )
    return config


def open_book(start: Path | None = None, infer: bool = True) -> Book:
    """The book containing ``start`` (default: the current folder).

    With no ``specbook.toml`` (or ``pyproject.toml`` with ``[tool.specbook]``) there or
    above, the book's config is inferred as ``specbook adopt`` would write it, rooted at
    the git work tree's top (else ``start``), and said so once on stderr
    (:func:`zero_config`). Raises :class:`NoBookError` when there is nothing to
    infer it from (or ``infer`` is false), and :class:`ConfigError` when the config is
    invalid.
    """
    start = start or Path.cwd()
    path = find_config_file(start)
    if path is None:
        if not infer:
            raise NoBookError(
                f"no specbook.toml in {start.resolve()} or any folder above it; "
                "run `specbook adopt` on the folder holding your documents, or "
                "`specbook init` to start a book here"
            )
        return Book(zero_config(start))
    return Book(load_config(path))
