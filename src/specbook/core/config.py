"""The book's configuration: ``specbook.toml`` or ``[tool.specbook]`` in ``pyproject.toml``.

Every setting has a default, so a book with no config file works. The config is
found by walking up from the current folder. A wrong key or value raises
:class:`~specbook.core.errors.ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from specbook.core.errors import ConfigError
from specbook.core.text import norm_key

CONFIG_FILE = "specbook.toml"
# [requirements] id: how a requirement ID is written. `{prefix}` is one of the
# functional / non-functional prefixes, `{n}` a number with optional sub-numbers
# (FR-1, FR-001, FR-020-001, R1.2); the rest is a regular expression.
DEFAULT_REQUIREMENT_ID = "{prefix}-{n}"
REQUIREMENT_NUMBER = r"\d+(?:[.-]\d+)*"
# [trace] code: where `specbook trace` and rules SB404/SB405 look for tests and tags
DEFAULT_TRACE_CODE = ("tests/**/*.py", "src/**/*.py")
# Review History status words that record an approval rather than a move
APPROVAL_WORDS = frozenset({"approve", "approval", "lgtm"})

# [kinds.X] layout: what a document of the kind is
LAYOUTS = ("file", "folder")
# [kinds.X] document_names: the file of a folder-per-document that is its text
DEFAULT_DOCUMENT_NAMES = ("README.md", "index.md")
# [kinds.X] sidecars: metadata files are read by their extension
SIDECAR_SUFFIXES = (".yaml", ".yml", ".json")

# Canonical field keys and the names documents use for them (compared by norm_key).
# A book adds its own with [fields.aliases].
DEFAULT_FIELD_ALIASES: dict[str, str] = {
    "id": "id",
    "spec id": "id",
    "identifier": "id",
    "identifiant": "id",
    "title": "title",
    "titulo": "title",
    "titre": "title",
    "date": "date",
    "fecha": "date",
    "status": "status",
    "state": "status",
    "estado": "status",
    "statut": "status",
    "stato": "status",
    "type": "type",
    "tipo": "type",
    "created": "created",
    "creado": "created",
    "cree": "created",
    "cree le": "created",
    "modified": "modified",
    "updated": "modified",
    "last updated": "modified",
    "last modified": "modified",
    "actualizado": "modified",
    "modifie": "modified",
    "author": "author",
    "autor": "author",
    "auteur": "author",
    "reviewers": "reviewers",
    "approvers": "approvers",
    "tags": "tags",
    "labels": "tags",
    "severity": "severity",
    "severidad": "severity",
    "severite": "severity",
    "priority": "priority",
    "prioridad": "priority",
    "priorite": "priority",
    "owner": "owner",
    "parent": "parent",
    "parent spec": "parent",
    "supersedes": "supersedes",
    "superseded by": "superseded_by",
}


@dataclass(frozen=True)
class KindConfig:
    """One kind of document (SPEC, DEC, BUG, TASK or a book's own)."""

    name: str
    prefix: str
    folder: str
    digits: int
    template: str
    statuses: tuple[str, ...]
    types: tuple[str, ...]
    status_aliases: Mapping[str, str] = field(default_factory=dict)
    required_fields: tuple[str, ...] = ("id", "date", "status", "type")
    # the workflow: allowed moves (None: the built-in ones), approvals needed to reach
    # the approved status, and who may approve (empty: anyone but the author)
    transitions: Mapping[str, tuple[str, ...]] | None = None
    approvals: int = 1
    approvers: tuple[str, ...] = ()
    # What a document of the kind is and where its fields come from (defaults: today's
    # behaviour). layout "file": each .md file is a document; "folder": a numbered folder
    # (`1234-name/`) is the document, its text the first of `document_names` in it.
    layout: str = "file"
    document_names: tuple[str, ...] = DEFAULT_DOCUMENT_NAMES
    # metadata files beside the document (same folder) whose keys are fields;
    # "{stem}" stands for the document's file name without .md
    sidecars: tuple[str, ...] = ()
    # a document stating no ID takes PREFIX-<number> from its number-only file or
    # folder name (`0001-x.md` -> RFC-0001: the number as written)
    ids_from_names: bool = False
    # how `specbook new` names a new document, relative to the kind's folder
    file_name: str = "{id}-{slug}.md"
    # where status/review/supersede record their rows: "auto" (the document's Review
    # History; a document without one gets one only when it follows specbook's
    # template), "section" (always; the section is added when missing), "none" (never)
    history: str = "auto"

    def canonical_status(self, value: str) -> str | None:
        """The kind's status word that ``value`` means, or ``None``.

        Matching ignores case, accents, emoji and trailing explanations:
        ``✅ Active (expand as needed)`` matches ``Active``.
        """
        # (memoised per kind: rules ask for the same few words of every document)
        memo: dict[str, str | None] | None = self.__dict__.get("_canonical")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_canonical", memo)
        elif value in memo:
            return memo[value]
        from specbook.core.text import is_placeholder

        hit: str | None = None
        if value and not is_placeholder(value):
            words = norm_key(value).split()
            table = self._status_table()
            while words:
                hit = table.get(" ".join(words))
                if hit is not None:
                    break
                words.pop()
        if len(memo) < 4096:  # (statuses are few; a flood of odd ones is not kept)
            memo[value] = hit
        return hit

    def _status_table(self) -> dict[str, str]:
        cached: dict[str, str] | None = self.__dict__.get("_table")
        if cached is None:
            cached = {norm_key(s): s for s in self.statuses}
            for alias, target in self.status_aliases.items():
                cached[norm_key(alias)] = target
            object.__setattr__(self, "_table", cached)
        return cached

    def approved_status(self) -> str | None:
        """The status that approval leads to (``Approved``, or ``Accepted`` for decisions)."""
        return self.canonical_status("Approved") or self.canonical_status("Accepted")

    def is_approval(self, row_status: str) -> bool:
        """Whether a Review History row's status column records an approval: a verb
        (``Approve``, written by ``specbook review --approve``) or the approved status."""
        if norm_key(row_status) in APPROVAL_WORDS:
            return True
        approved = self.approved_status()
        return approved is not None and self.canonical_status(row_status) == approved

    def canonical_type(self, value: str) -> str | None:
        """The kind's type word that ``value`` means (case-insensitive), or ``None``."""
        key = norm_key(value)
        for t in self.types:
            if norm_key(t) == key:
                return t
        return None


def _default_kinds() -> dict[str, KindConfig]:
    return {
        "SPEC": KindConfig(
            name="SPEC",
            prefix="SPEC",
            folder="docs/specs",
            digits=3,
            template="spec.md",
            statuses=("Draft", "Review", "Approved", "Implemented", "Archived"),
            types=("Feature", "Enhancement", "Fix", "Refactor", "Infrastructure"),
            status_aliases={
                "in review": "Review",
                "accepted": "Approved",
                "done": "Implemented",
                "complete": "Implemented",
                "completed": "Implemented",
                "deprecated": "Archived",
                "superseded": "Archived",
            },
        ),
        "DEC": KindConfig(
            name="DEC",
            prefix="DEC",
            folder="docs/decisions",
            digits=3,
            template="dec.md",
            statuses=("Proposed", "Accepted", "Rejected", "Deprecated", "Superseded"),
            types=("Architecture", "Technology", "Process", "Product"),
            status_aliases={"draft": "Proposed", "approved": "Accepted"},
        ),
        "BUG": KindConfig(
            name="BUG",
            prefix="BUG",
            folder="docs/bugs",
            digits=3,
            template="bug.md",
            statuses=("Open", "In Progress", "Fixed", "Verified", "Closed", "Won't Fix"),
            types=("Defect", "Regression", "Performance", "Security", "Usability"),
            status_aliases={"resolved": "Fixed", "wontfix": "Won't Fix", "new": "Open"},
            required_fields=("id", "date", "status", "severity"),
        ),
        "TASK": KindConfig(
            name="TASK",
            prefix="TASK",
            folder="docs/tasks",
            digits=3,
            template="task.md",
            statuses=("Todo", "In Progress", "Blocked", "Done", "Cancelled"),
            types=("Development", "Testing", "Documentation", "Operations", "Research"),
            status_aliases={"to do": "Todo", "open": "Todo", "complete": "Done"},
        ),
    }


@dataclass(frozen=True)
class PortalLimits:
    """``[portal]`` bounds that keep one visitor from stalling the portal: failed
    sign-ins allowed per user name and per client address within ``signin_window``
    seconds (then 429 until the oldest leaves the window), the text ``/preview``
    renders, and the seconds one document may take to render."""

    signin_user_failures: int = 5
    signin_ip_failures: int = 20
    signin_window: int = 900
    preview_bytes: int = 512 * 1024
    render_seconds: int = 3


@dataclass(frozen=True)
class BookConfig:
    """A book's settings. ``root`` is ``None`` for a file read outside any book."""

    root: Path | None
    path: Path | None
    name: str
    kinds: Mapping[str, KindConfig]
    field_aliases: Mapping[str, str]
    exclude: tuple[str, ...]
    templates_dir: str
    functional_prefixes: tuple[str, ...] = ("FR",)
    non_functional_prefixes: tuple[str, ...] = ("NFR",)
    # [requirements] id: the template of a requirement ID (see DEFAULT_REQUIREMENT_ID)
    requirement_id: str = DEFAULT_REQUIREMENT_ID
    lint_select: tuple[str, ...] = ()
    lint_ignore: tuple[str, ...] = ()
    lint_rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # [trace]: globs (relative to the root) of the code scanned for requirement tags
    trace_code: tuple[str, ...] = DEFAULT_TRACE_CODE
    trace_exclude: tuple[str, ...] = ()
    # [portal]: who may write through the web portal (password and token hashes)
    portal_users: Mapping[str, str] = field(default_factory=dict)
    portal_tokens: Mapping[str, str] = field(default_factory=dict)
    portal_limits: PortalLimits = field(default_factory=PortalLimits)
    # [portal] users_file: an organisation's users file in place of the tables above
    portal_users_file: str | None = None
    # [portal] remote_images: show images from other sites (else they are links)
    portal_remote_images: bool = False
    # [book] language: the documents' language, for search's word forms in PostgreSQL
    # (an ISO 639-1 code or a text-search configuration name; unknown ones get none)
    language: str = "en"
    # [index] db: the shared PostgreSQL database the book's index lives in (None: SQLite)
    index_db: str | None = None
    # [mcp] max_input_bytes: the most text one MCP write tool call may carry
    mcp_max_input_bytes: int = 100_000
    # zero-config: the inferred config's data as JSON (no config file; `path` is where
    # `specbook adopt` would write it), else None
    inferred: str | None = None

    @cached_property
    def sidecar_kinds(self) -> tuple[KindConfig, ...]:
        """The kinds whose documents have sidecar metadata files (most books: none, and
        then nothing looks for them)."""
        return tuple(k for k in self.kinds.values() if k.sidecars)

    @cached_property
    def folder_kinds(self) -> tuple[KindConfig, ...]:
        """The kinds laid out a folder per document."""
        return tuple(k for k in self.kinds.values() if k.layout == "folder")

    def kind_for_id(self, doc_id: str) -> KindConfig | None:
        """The kind whose prefix starts ``doc_id`` (longest prefix wins)."""
        best: KindConfig | None = None
        for k in self.kinds.values():
            if doc_id.startswith(k.prefix + "-") and (
                best is None or len(k.prefix) > len(best.prefix)
            ):
                best = k
        return best

    def kind_for_path(self, rel_path: str) -> KindConfig | None:
        """The kind whose folder holds ``rel_path`` (a POSIX path relative to the root)."""
        best: KindConfig | None = None
        for k in self.kinds.values():
            folder = k.folder.strip("/")
            if (rel_path.startswith(folder + "/") or folder in ("", ".")) and (
                best is None or len(folder) > len(best.folder.strip("/"))
            ):
                best = k
        return best

    @property
    def requirement_pattern(self) -> str:
        """A regular expression (no capturing groups) matching one requirement ID as the
        book writes them: ``(?:NFR|FR)-\\d+(?:[.-]\\d+)*`` by default."""
        return requirement_regex(
            self.requirement_id, (*self.non_functional_prefixes, *self.functional_prefixes)
        )

    def requirement_kind(self, rid: str) -> str | None:
        """``"functional"`` or ``"non-functional"``: what the prefix ``rid`` starts with
        makes it (the longest prefix wins: NFR-1 is not an FR), or ``None``."""
        best: tuple[int, str] | None = None
        for kind, prefixes in (
            ("non-functional", self.non_functional_prefixes),
            ("functional", self.functional_prefixes),
        ):
            for p in prefixes:
                if rid.startswith(p) and (best is None or len(p) > best[0]):
                    best = (len(p), kind)
        return best[1] if best else None

    def field_key(self, name: str) -> str:
        """The canonical key for a field name as written (``Estado`` -> ``status``)."""
        key = norm_key(name)
        return self.field_aliases.get(key, key)

    def is_known_field(self, name: str) -> bool:
        return norm_key(name) in self.field_aliases


@lru_cache(maxsize=64)
def requirement_regex(template: str, prefixes: tuple[str, ...]) -> str:
    """The regular expression of ``[requirements] id`` ``template`` over ``prefixes``:
    ``{prefix}`` becomes the prefixes (longest first), ``{n}`` :data:`REQUIREMENT_NUMBER`,
    the rest stays as written. No capturing groups (callers add their own)."""
    alt = "|".join(re.escape(p) for p in sorted(set(prefixes), key=len, reverse=True))
    return template.replace("{prefix}", f"(?:{alt})").replace("{n}", f"(?:{REQUIREMENT_NUMBER})")


def _requirement_id(r: _Reader, prefixes: tuple[str, ...]) -> str:
    """``[requirements] id``: a template with ``{prefix}`` once, ``{n}`` at most once,
    compiling to a regular expression with no capturing group that matches no empty
    text. Raises :class:`ConfigError` naming what is wrong."""
    template = r.text("id", DEFAULT_REQUIREMENT_ID)
    example = '"{prefix}-{n}" (FR-1, FR-020-001) or "{prefix}{n}" (R1.2)'
    if template.count("{prefix}") != 1:
        raise r._err("id", f"must contain {{prefix}} exactly once, e.g. {example}")
    if template.count("{n}") > 1:
        raise r._err("id", f"may contain {{n}} at most once, e.g. {example}")
    pattern = requirement_regex(template, prefixes)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise r._err(
            "id", f"is not a valid regular expression ({exc}); write it like {example}"
        ) from None
    if compiled.groups:
        raise r._err(
            "id", "has a capturing group: write groups as (?:...) so that specbook can add its own"
        )
    if compiled.fullmatch(""):
        raise r._err("id", f"matches an empty text; write it like {example}")
    return template


def default_config(root: Path | None = None) -> BookConfig:
    """The configuration of a book that has no config file."""
    return BookConfig(
        root=root,
        path=None,
        name=root.name if root else "",
        kinds=_default_kinds(),
        field_aliases=dict(DEFAULT_FIELD_ALIASES),
        exclude=("**/README.md", "**/readme.md"),
        templates_dir="docs/templates",
    )


def find_config_file(start: Path, as_written: bool = False) -> Path | None:
    """The nearest ``specbook.toml`` or ``pyproject.toml`` with ``[tool.specbook]``,
    looking in ``start`` and then each parent folder: where links lead, or with
    ``as_written`` the folders as the path names them (the book a link is in, not the
    one it leads to)."""
    start = Path(os.path.abspath(start)) if as_written else start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                raw = pyproject.read_bytes()
            except OSError:
                continue
            if b"[tool.specbook" in raw:
                return pyproject
    return None


def load_config(path: Path) -> BookConfig:
    """Read and validate the config file at ``path``.

    Raises :class:`ConfigError` when the file is not valid TOML or a setting is wrong.
    """
    shown = str(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, "(file)", f"not valid TOML: {exc}; fix the syntax") from exc
    except OSError as exc:
        raise ConfigError(shown, "(file)", f"cannot be read: {exc.strerror}") from exc
    prefix = ""
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("specbook", {})
        prefix = "tool.specbook."
    return config_from_mapping(data, root=path.parent.resolve(), path=path, key_prefix=prefix)


_TOP_KEYS = {
    "book",
    "fields",
    "requirements",
    "kinds",
    "lint",
    "trace",
    "portal",
    "index",
    "mcp",
}
_BOOK_KEYS = {"name", "exclude", "templates", "language"}
_KIND_KEYS = {
    "prefix",
    "folder",
    "digits",
    "template",
    "statuses",
    "types",
    "status_aliases",
    "required_fields",
    "transitions",
    "approvals",
    "approvers",
    "layout",
    "document_names",
    "sidecars",
    "ids_from_names",
    "file_name",
    "history",
}
HISTORY_MODES = ("auto", "section", "none")


class _Reader:
    """Type-checked access to one table of the TOML data, with errors that name the key."""

    def __init__(self, path: str, prefix: str, table: Mapping[str, Any], allowed: set[str]):
        self.path = path
        self.prefix = prefix
        self.table = table
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise ConfigError(
                path,
                prefix + unknown[0],
                f"unknown setting; allowed here: {', '.join(sorted(allowed))}",
            )

    def _err(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, self.prefix + key, problem)

    def text(self, key: str, default: str) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or (key != "folder" and not value.strip()):
            raise self._err(key, f"expected a non-empty string, got {value!r}")
        return value

    def number(self, key: str, default: int, lo: int, hi: int) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self._err(key, f"expected a whole number from {lo} to {hi}, got {value!r}")
        return value

    def strs(self, key: str, default: tuple[str, ...], nonempty: bool = False) -> tuple[str, ...]:
        value = self.table.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self._err(key, f"expected a list of non-empty strings, got {value!r}")
        if nonempty and not value:
            raise self._err(key, "expected at least one entry")
        return tuple(value)

    def str_map(self, key: str) -> dict[str, str]:
        value = self.table.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self._err(
                key, f'expected a table of strings such as {{ "Name" = "value" }}, got {value!r}'
            )
        return dict(value)

    def sub(self, key: str, allowed: set[str]) -> _Reader:
        value = self.table.get(key, {})
        if not isinstance(value, dict):
            raise self._err(key, f"expected a table [{self.prefix}{key}], got {value!r}")
        return _Reader(self.path, f"{self.prefix}{key}.", value, allowed)


def _transitions(
    r: _Reader, statuses: tuple[str, ...], default: Mapping[str, tuple[str, ...]] | None
) -> Mapping[str, tuple[str, ...]] | None:
    """``transitions = { Draft = ["Review"], ... }``: every name must be a status."""
    raw = r.table.get("transitions")
    if raw is None:
        return default
    if not isinstance(raw, dict):
        raise r._err("transitions", 'expected a table such as { Draft = ["Review"] }')
    out: dict[str, tuple[str, ...]] = {s: () for s in statuses}
    for source, targets in raw.items():
        if source not in statuses:
            raise r._err(f"transitions.{source}", f"not a status; allowed: {', '.join(statuses)}")
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise r._err(f"transitions.{source}", "expected a list of statuses")
        for t in targets:
            if t not in statuses:
                raise r._err(
                    f"transitions.{source}",
                    f"{t!r} is not a status; allowed: {', '.join(statuses)}",
                )
        out[source] = tuple(targets)
    return out


def _history(r: _Reader, default: str) -> str:
    """``history = "auto" | "section" | "none"``: where a kind's Review History rows go."""
    value = r.table.get("history", default)
    if value not in HISTORY_MODES:
        raise r._err(
            "history",
            f"expected one of {', '.join(repr(m) for m in HISTORY_MODES)}, got {value!r}",
        )
    return str(value)


def config_from_mapping(
    data: Mapping[str, Any], root: Path | None, path: Path | None, key_prefix: str = ""
) -> BookConfig:
    """Build a :class:`BookConfig` from parsed TOML data, validating every key."""
    shown = str(path) if path else "(config)"
    base = default_config(root)
    top = _Reader(shown, key_prefix, data, _TOP_KEYS)
    book = top.sub("book", _BOOK_KEYS)
    fields_t = top.sub("fields", {"aliases"})
    reqs = top.sub("requirements", {"functional", "non_functional", "id"})
    lint = top.sub("lint", {"select", "ignore", "rules"})
    trace = top.sub("trace", {"code", "exclude"})
    portal = top.sub("portal", {"users", "tokens", "users_file", "remote_images", *PORTAL_LIMITS})
    index = top.sub("index", {"db"})
    mcp = top.sub("mcp", {"max_input_bytes"})
    lint_rules_t = lint.table.get("rules", {})
    if not isinstance(lint_rules_t, dict) or not all(
        isinstance(v, dict) for v in lint_rules_t.values()
    ):
        raise ConfigError(
            shown,
            f"{key_prefix}lint.rules",
            "expected tables such as [lint.rules.stale-review] with days = 14",
        )

    aliases = dict(base.field_aliases)
    for name, target in fields_t.str_map("aliases").items():
        aliases[norm_key(name)] = norm_key(target).replace(" ", "_")

    kinds = dict(base.kinds)
    kinds_t = top.table.get("kinds", {})
    if not isinstance(kinds_t, dict):
        raise ConfigError(
            shown, key_prefix + "kinds", "expected a table of kinds such as [kinds.SPEC]"
        )
    for name, _ in kinds_t.items():
        if not isinstance(name, str) or not name.replace("_", "").isalnum():
            raise ConfigError(
                shown, f"{key_prefix}kinds.{name}", "a kind name is letters and digits, e.g. RFC"
            )
        r = top.sub("kinds", set(kinds_t)).sub(name, _KIND_KEYS)
        old = kinds.get(name)
        statuses = r.strs(
            "statuses", old.statuses if old else kinds["SPEC"].statuses, nonempty=True
        )
        # built-in aliases survive only where their target is still a status
        inherited = old.status_aliases if old else {}
        status_aliases = {a: t for a, t in inherited.items() if t in statuses}
        status_aliases.update(r.str_map("status_aliases"))
        for alias, target in status_aliases.items():
            if target not in statuses:
                raise ConfigError(
                    shown,
                    f"{key_prefix}kinds.{name}.status_aliases.{alias}",
                    f"maps to {target!r}, which is not a status; allowed: {', '.join(statuses)}",
                )
        prefix = r.text("prefix", old.prefix if old else name)
        kinds[name] = KindConfig(
            name=name,
            prefix=prefix,
            folder=r.text("folder", old.folder if old else f"docs/{name.lower()}s"),
            digits=r.number("digits", old.digits if old else 3, 1, 9),
            template=r.text("template", old.template if old else "spec.md"),
            statuses=statuses,
            types=r.strs("types", old.types if old else ()),
            status_aliases=status_aliases,
            required_fields=tuple(
                norm_key(f).replace(" ", "_")
                for f in r.strs("required_fields", old.required_fields if old else ("id", "status"))
            ),
            transitions=_transitions(r, statuses, old.transitions if old else None),
            approvals=r.number("approvals", old.approvals if old else 1, 0, 20),
            approvers=r.strs("approvers", old.approvers if old else ()),
            **_layout_settings(r, old),
            file_name=_file_name(r, old.file_name if old else "{id}-{slug}.md"),
            history=_history(r, old.history if old else "auto"),
        )
    prefixes = [k.prefix for k in kinds.values()]
    dup = {p for p in prefixes if prefixes.count(p) > 1}
    if dup:
        raise ConfigError(
            shown, key_prefix + "kinds", f"two kinds share the prefix {sorted(dup)[0]!r}"
        )
    functional = reqs.strs("functional", base.functional_prefixes, nonempty=True)
    non_functional = reqs.strs("non_functional", base.non_functional_prefixes, nonempty=True)

    return BookConfig(
        root=root,
        path=path,
        name=book.text("name", root.name if root else "book"),
        kinds=kinds,
        field_aliases=aliases,
        exclude=book.strs("exclude", base.exclude),
        templates_dir=book.text("templates", base.templates_dir),
        language=book.text("language", base.language).strip().lower() or base.language,
        functional_prefixes=functional,
        non_functional_prefixes=non_functional,
        requirement_id=_requirement_id(reqs, (*functional, *non_functional)),
        lint_select=lint.strs("select", ()),
        lint_ignore=lint.strs("ignore", ()),
        lint_rules={str(k): dict(v) for k, v in lint_rules_t.items()},
        trace_code=_globs(trace, "code", base.trace_code),
        trace_exclude=_globs(trace, "exclude", ()),
        portal_users=_hashes(portal, "users", "pbkdf2_sha256$", "specbook passwd NAME"),
        portal_tokens=_hashes(portal, "tokens", "sha256$", "specbook passwd --token NAME"),
        portal_limits=_portal_limits(portal),
        portal_users_file=_users_file(portal),
        portal_remote_images=_flag(portal, "remote_images"),
        index_db=_index_db(index),
        mcp_max_input_bytes=mcp.number(
            "max_input_bytes", base.mcp_max_input_bytes, 1024, 10_000_000
        ),
    )


def _layout_settings(r: _Reader, old: KindConfig | None) -> dict[str, Any]:
    """``layout``, ``document_names``, ``sidecars`` and ``ids_from_names`` of one kind,
    checked: a layout is "file" or "folder"; document and sidecar names are file names
    in the document's own folder (no ``/``, no ``..``); a sidecar is YAML or JSON."""
    layout = r.text("layout", old.layout if old else "file")
    if layout not in LAYOUTS:
        raise r._err(
            "layout",
            f'expected "file" (each .md file is a document) or "folder" (a numbered '
            f"folder such as 0001-name/ holding a README.md is one), got {layout!r}",
        )
    names = r.strs("document_names", old.document_names if old else DEFAULT_DOCUMENT_NAMES, True)
    if "document_names" in r.table and layout != "folder":
        raise r._err(
            "document_names",
            'names the file of a folder-per-document; it needs layout = "folder" (or remove it)',
        )
    for name in names:
        if not _plain_name(name) or not name.lower().endswith((".md", ".markdown")):
            raise r._err(
                "document_names",
                f"{name!r} is not a Markdown file name; write names such as "
                '"README.md" (a file inside the document\'s folder, no / or ..)',
            )
    sidecars = r.strs("sidecars", old.sidecars if old else ())
    for name in sidecars:
        if not _plain_name(name) or not name.lower().endswith(SIDECAR_SUFFIXES):
            raise r._err(
                "sidecars",
                f"{name!r} is not the name of a YAML or JSON file beside the document; "
                'write names such as "kep.yaml", "meta.json" or "{stem}.meta.yaml" '
                "(no / or ..; .yaml, .yml or .json)",
            )
    return {
        "layout": layout,
        "document_names": names,
        "sidecars": sidecars,
        "ids_from_names": _flag(r, "ids_from_names", old.ids_from_names if old else False),
    }


def _plain_name(name: str) -> bool:
    """Whether ``name`` is a file name of its own folder: no separator, not . or .."""
    return (
        not any(c in name for c in "/\\\0")
        and name.strip() not in (".", "..")
        and bool(name.strip())
    )


def _index_db(r: _Reader) -> str | None:
    """``[index] db``: a ``postgresql://`` URL without a password (the config is
    committed; the password belongs in PGPASSWORD or ~/.pgpass)."""
    if "db" not in r.table:
        return None
    url = r.text("db", "")
    if not url.startswith(("postgresql://", "postgres://")):
        raise r._err("db", "expected a postgresql://user@host/database URL")
    from urllib.parse import urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        raise r._err("db", "not a valid URL; write it as postgresql://user@host/database") from None
    if password is not None:
        raise r._err(
            "db",
            "holds a password, which must not be committed: remove it from the URL and "
            "set PGPASSWORD or a ~/.pgpass entry instead",
        )
    return url


# [portal] limit -> (lowest, highest) value accepted
PORTAL_LIMITS = {
    "signin_user_failures": (1, 1000),
    "signin_ip_failures": (1, 100_000),
    "signin_window": (1, 86_400),
    "preview_bytes": (1024, 2_000_000),
    "render_seconds": (1, 600),
}


def _portal_limits(r: _Reader) -> PortalLimits:
    base = PortalLimits()
    return PortalLimits(
        **{k: r.number(k, getattr(base, k), lo, hi) for k, (lo, hi) in PORTAL_LIMITS.items()}
    )


def _hashes(r: _Reader, key: str, scheme: str, how: str) -> dict[str, str]:
    """``[portal.users]`` / ``[portal.tokens]``: names to hashes, never plain secrets."""
    out = r.str_map(key)
    for name, value in out.items():
        if not value.startswith(scheme):
            raise r._err(
                f"{key}.{name}",
                f"expected a hash starting with {scheme} (run `{how}` and paste its line); "
                "plain passwords and tokens are never accepted",
            )
    return out


def _users_file(r: _Reader) -> str | None:
    """``[portal] users_file``: the accounts come from that file alone (one account per
    name across every book that names the same file), never mixed with the tables."""
    if "users_file" not in r.table:
        return None
    both = [k for k in ("users", "tokens") if k in r.table]
    if both:
        raise r._err(
            "users_file",
            f"give either users_file or the [{r.prefix}{both[0]}] table, not both",
        )
    return r.text("users_file", "")


# the names `specbook new` may use in a kind's file_name
FILE_NAME_FIELDS = ("id", "prefix", "number", "slug")


def _file_name(r: _Reader, default: str) -> str:
    """``file_name``: a relative .md path naming the new document by {id} or {number}."""
    value = r.text("file_name", default)
    import string

    try:
        names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
    except ValueError as exc:
        raise r._err(
            "file_name", f'not a valid pattern ({exc}); e.g. "{{id}}-{{slug}}.md"'
        ) from None
    unknown = sorted(names - set(FILE_NAME_FIELDS))
    parts = value.replace("\\", "/").split("/")
    if (
        unknown
        or not names & {"id", "number"}
        or not value.lower().endswith((".md", ".markdown"))
        or value.startswith("/")
        or ".." in parts
    ):
        raise r._err(
            "file_name",
            f"{value!r}: expected a relative path ending in .md that names the document by "
            '{id} or {number} (also allowed: {prefix}, {slug}), e.g. "{id}-{slug}.md" or '
            '"{number}-{slug}/README.md"',
        )
    return value


def _flag(r: _Reader, key: str, default: bool = False) -> bool:
    value = r.table.get(key, default)
    if not isinstance(value, bool):
        raise r._err(key, f"expected true or false, got {value!r}")
    return value


def _globs(r: _Reader, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list of globs relative to the book root: no absolute paths, no ``..``."""
    patterns = r.strs(key, default)
    for p in patterns:
        norm = p.replace("\\", "/")
        if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":") or ".." in norm.split("/"):
            raise r._err(
                key,
                f"{p!r} is not a glob relative to the book root; write it like "
                '"tests/**/*.py" (no leading /, no drive, no ..)',
            )
    return patterns


def find_book_config(start: Path) -> BookConfig | None:
    """The config of the book containing ``start``, or ``None`` when there is none."""
    path = find_config_file(start)
    return None if path is None else load_config(path)
