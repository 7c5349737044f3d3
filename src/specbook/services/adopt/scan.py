"""What adopt reads under a folder: the Markdown files that may be documents, the team's
template files, the YAML/JSON files that may be sidecars, and a signature of them all
(names, sizes, modification times) that the zero-config cache is keyed by.

Nothing here parses Markdown; reading is one walk of the tree that does not follow
symbolic links, skips hidden and tool folders (``node_modules``, ``.git``…) and
folders holding a book of their own (a ``specbook.toml``).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from specbook.core.config import CONFIG_FILE
from specbook.core.confine import BAD_NAME, LOOP, is_utf8, leads_out, real_root, shown, within
from specbook.core.text import norm_key

# Folders never searched for documents.
SKIP_DIRS = frozenset(
    {"node_modules", "vendor", "venv", "site-packages", "__pycache__", "dist", "build", "target"}
)
# Files that describe a folder rather than being a document of it.
NOT_DOCUMENTS = frozenset(
    {"readme", "changelog", "license", "contributing", "code of conduct", "security", "index"}
)
MD_SUFFIXES = (".md", ".markdown")
META_SUFFIXES = (".yaml", ".yml", ".json")
# A number-only name: `0001-name.md`, `1234-name/`. Not a date (`2024-01-15-notes.md`,
# `20190805-kubectl-debug.md`): those name when, not which.
_NUMBER_NAME = re.compile(r"^(\d{1,7})[-_](?=[^\d])")
_DATE_NAME = re.compile(r"^(?:\d{4}[-_]\d{2}(?:[-_]\d{2})?(?:[-_.]|$)|(?:19|20)\d{6}(?:[-_.]|$))")
_TOKENS = re.compile(r"[a-z0-9]+")
_PLACEHOLDER_NUMBER = re.compile(r"^(?:0+|n+|x+)$")
_MAX_META = 1 << 20  # a sidecar larger than this is not metadata


def number_of(name: str) -> str | None:
    """The number a file or folder name starts with (``0042-x.md`` -> ``0042``), or
    ``None`` (no number, a date, or nothing after the number)."""
    if _DATE_NAME.match(name):
        return None
    m = _NUMBER_NAME.match(name)
    return m.group(1) if m else None


def is_template_name(name: str) -> bool:
    """Whether a file or folder name names a template: ``_TEMPLATE.md``, ``template.md``,
    ``0000-template.md``, ``TEMPLATE-adr.md``, ``adr-template.md``, ``NNNN-kep-template``;
    not ``0042-template-engine.md`` (a document about templates)."""
    stem = name.rsplit(".", 1)[0] if name.lower().endswith(MD_SUFFIXES) else name
    tokens = _TOKENS.findall(stem.lower())
    if not tokens or not ({tokens[0], tokens[-1]} & {"template", "templates"}):
        return False
    return all(not t.isdigit() or _PLACEHOLDER_NUMBER.match(t) for t in tokens)


@dataclass
class Entry:
    """A Markdown file that may be a document.

    ``number`` is the number of a number-only name (the file's, or for a document
    folder the folder's); ``folder_doc`` is set for ``README.md`` / ``index.md`` inside
    a numbered folder (the folder is the document).
    """

    rel: str
    number: str | None = None
    folder_doc: bool = False

    @property
    def home(self) -> str:
        """The folder a document sits in as a unit: its own folder, or for a document
        folder the folder that holds it (``keps/sig-cli`` for
        ``keps/sig-cli/1441-x/README.md``); ``""`` at the root."""
        parts = self.rel.split("/")
        cut = 2 if self.folder_doc else 1
        return "/".join(parts[:-cut])

    @property
    def unit_name(self) -> str:
        """The name that identifies the document: the file's, or its folder's."""
        parts = self.rel.split("/")
        return parts[-2] if self.folder_doc else parts[-1]


@dataclass
class Listing:
    """Everything under ``root`` adopt looks at, with the signature of what it read."""

    root: Path
    entries: list[Entry] = field(default_factory=list)
    # template Markdown files (a template folder's README.md among them)
    templates: list[str] = field(default_factory=list)
    # folder (relative, "" for the root) -> names of its YAML/JSON files
    meta: dict[str, list[str]] = field(default_factory=dict)
    # subfolders that are books of their own (a specbook.toml): left out
    books: list[str] = field(default_factory=list)
    # Markdown files and folders left out as a book's listing leaves them out (a link
    # leading out of ``root``, a loop of links, a name not UTF-8) -> why, to report once
    skipped: dict[str, str] = field(default_factory=dict)
    markdown_seen: int = 0
    signature: str = ""


def scan(root: Path) -> Listing:
    """Walk ``root`` once (links not followed) and sort what it holds."""
    out = Listing(root)
    real = real_root(root)
    digest = hashlib.sha256()
    seen: list[tuple[str, int, int]] = []
    stack: list[tuple[str, str, bool]] = [(str(root), "", False)]  # path, rel, in template
    while stack:
        path, rel, in_template = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        names = {e.name for e in entries}
        if rel and CONFIG_FILE in names:
            out.books.append(rel)
            continue
        folder_name = rel.rsplit("/", 1)[-1]
        numbered = bool(rel) and number_of(folder_name) is not None
        template_dir = in_template or (
            bool(rel) and (is_template_name(folder_name) or folder_name.lower() == "_templates")
        )
        for e in entries:
            name = e.name
            child = f"{rel}/{name}" if rel else name
            if not is_utf8(name):
                try:
                    what = "folder" if e.is_dir(follow_symlinks=False) else "file"
                except OSError:
                    continue
                if what == "folder" or name.lower().endswith(MD_SUFFIXES):
                    rest = "its documents are not read" if what == "folder" else "not read"
                    out.skipped[shown(child)] = BAD_NAME.format(what=what, rest=rest)
                continue
            try:
                if e.is_symlink():
                    if name.lower().endswith(MD_SUFFIXES):
                        _skip_link(out, e.path, child, real, root)
                    continue
                is_dir = e.is_dir()
            except OSError:
                continue
            if is_dir:
                if not name.startswith(".") and name not in SKIP_DIRS:
                    stack.append((e.path, child, template_dir))
                continue
            lower = name.lower()
            if lower.endswith(MD_SUFFIXES):
                kind = "md"
            elif lower.endswith(META_SUFFIXES):
                kind = "meta"
            else:
                continue
            try:
                st = e.stat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            seen.append((child, st.st_size, st.st_mtime_ns))
            if kind == "meta":
                if st.st_size <= _MAX_META:
                    out.meta.setdefault(rel, []).append(name)
                continue
            out.markdown_seen += 1
            stem = name.rsplit(".", 1)[0]
            if template_dir or is_template_name(name):
                out.templates.append(child)
                continue
            if norm_key(stem) in NOT_DOCUMENTS:
                if numbered and norm_key(stem) in ("readme", "index"):
                    out.entries.append(Entry(child, number_of(folder_name), folder_doc=True))
                continue
            out.entries.append(Entry(child, number_of(name)))
    for rel, size, mtime in sorted(seen):
        digest.update(f"{rel}\0{size}\0{mtime}\n".encode("utf-8", "surrogateescape"))
    for b in sorted(out.books):
        digest.update(f"book\0{b}\n".encode())
    out.entries.sort(key=lambda x: x.rel)
    out.templates.sort()
    out.books.sort()
    out.signature = digest.hexdigest()
    return out


def _skip_link(out: Listing, path: str, rel: str, real: str, root: Path) -> None:
    """A Markdown file that is a link is not read here (its target is, where it lies):
    one leading out of ``root`` or round in a loop is reported, as a book reports it."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            out.skipped[rel] = LOOP
        return  # (a dangling link: nothing to read)
    target = os.path.realpath(path)
    if not within(target, real):
        out.skipped[rel] = leads_out(target, root)


def read_meta(root: Path, rel: str) -> list[tuple[str, str]] | None:
    """The top-level ``name: value`` pairs of a YAML or JSON file, values as text (a
    list ``a, b``; a mapping ``key: value, key: value``), or ``None`` when it is not a
    mapping or cannot be read."""
    try:
        data = (root / rel).read_bytes()
    except OSError:
        return None
    try:
        if rel.lower().endswith(".json"):
            import json

            loaded = json.loads(data)
        else:
            import yaml

            loaded = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:  # not YAML/JSON at all: not a sidecar
        return None
    if not isinstance(loaded, dict):
        return None
    return [(str(k), value_text(v)) for k, v in loaded.items()]


def value_text(value: object) -> str:
    """A YAML value as one line of text: lists ``a, b``, mappings ``key: value``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
