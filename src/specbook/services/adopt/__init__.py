"""``specbook adopt``: a ``specbook.toml`` for a folder of documents written without specbook.

Nothing here edits a document: adopt reads the Markdown files (and the YAML/JSON files
beside them) under the folder and writes (or prints) one config file, every setting in
it commented with why it was chosen. The same inference, kept in memory, is the config
of a book that has none (:mod:`specbook.services.zeroconf`). What it infers, and the policy
behind each guess:

Documents
    Every Markdown file except READMEs, changelogs and the like, and except the team's
    templates (``_TEMPLATE.md``, ``template.md``, ``0000-template.md``,
    ``TEMPLATE-x.md``, files in a ``NNNN-x-template/`` or ``templates/`` folder). A
    ``README.md`` or ``index.md`` inside a numbered folder (``1234-name/README.md``) is
    a document: the folder is.

Kinds
    1. Every ID a document states (in a field, its H1 or its file name) names a prefix:
       its first dash-separated part (``ADR-012`` -> ``ADR``, ``SPEC-ARCH-001`` ->
       ``SPEC``). The documents carrying one prefix make a kind (two needed, one for a
       built-in prefix): its folder is the deepest folder holding all of them. A prefix
       seen only in text or anchors never makes a kind.
    2. Number-named documents (``text/0001-name.md``, ``keps/x/1234-name/README.md``)
       stating no ID make a kind per collection when something says they are a
       process's documents: a name they call themselves or each other by (``RFC 48``,
       ``KEP-1441``), their template's (``# KEP-NNNN: …``), a sidecar named after
       them (``kep.yaml``), a folder named like a kind (``rfcs``, ``keps``,
       ``decisions``), or statuses. The prefix is what the documents call themselves
       first, then their template, sidecar, folder and repository names; the kind's IDs
       come from the names (``ids_from_names``), numbers kept as wide as written.
    3. A folder named like a built-in kind whose files carry no IDs becomes that kind.
    A kind whose prefix or folder means a built-in kind (``ADR``, ``decisions`` -> DEC;
    ``FEAT``, ``RFC``, ``rfcs`` -> SPEC; ``issues`` -> BUG; ``stories`` -> TASK) is that
    kind and keeps its statuses and workflow (with the documents' own words added);
    any other prefix is a kind of its own, whose statuses are its documents'.

Layout, sidecars, naming, templates
    Documents that are numbered folders give ``layout = "folder"``; a YAML/JSON file
    most document folders hold under one name (``kep.yaml``) or beside most files as
    ``{stem}.yaml`` holding known fields is a sidecar. ``new`` names files as most
    documents are named (``file_name``), from the team's own template when there is
    one; templates are excluded from the documents.

Field names, statuses, types, required fields, process rules
    A name for a field specbook knows (``Détecté par`` -> author, ``creation-date`` ->
    created) becomes an alias, unless a document states both names (two fields are
    never mapped onto one). Statuses: see :mod:`specbook.services.adopt.statuses`. Types: the
    values the documents use. Required: ``id``, ``status`` and the built-in kind's
    others only where most documents (more than half) state them. Rules that hold
    documents to specbook's own process are off where the documents do not follow it:
    SB501 and the approvals gate where no Review History is kept, SB201/SB203 where
    documents do not have their kind's template sections, SB301 where requirements
    carry no acceptance criteria of their own.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specbook.book import Book
from specbook.core.config import (
    CONFIG_FILE,
    DEFAULT_FIELD_ALIASES,
    BookConfig,
    config_from_mapping,
    default_config,
)
from specbook.core.errors import NoBookError, SpecbookError, UsageError
from specbook.core.text import is_placeholder, norm_heading, norm_key
from specbook.services.adopt.facts import Facts, FactsCache
from specbook.services.adopt.scan import Entry, Listing, read_meta, scan
from specbook.services.adopt.statuses import StatusPlan, StatusWord, plan_statuses
from specbook.services.adopt.words import (
    FIELDS,
    KIND_WORDS,
    builtin_for,
    concept_of,
    rank_of,
)

__all__ = [
    "Adoption",
    "InferredKind",
    "NothingToAdopt",
    "StatusWord",
    "concept_of",
    "infer",
    "write_config",
]

_FIRST_TOKEN = re.compile(r"^([A-Z][A-Z0-9]*)-")
_TRAILING_NUMBER = re.compile(r"-(\d+)$")
_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# prefixes that number something other than documents (pull requests, versions, units)
_NOT_DOC_PREFIXES = frozenset(
    {"PR", "MR", "ISO", "UTF", "HTTP", "TLS", "SHA", "IPV", "CVE", "GMT", "UTC", "SQL", "CSS"}
)
# process names that are plural acronyms of their documents (rfcs -> RFC)
_PROCESS_FOLDERS = frozenset(
    {"rfc", "kep", "pep", "jep", "bip", "eip", "sep", "adr", "zep", "fip", "cip", "aip", "tep",
     "hip", "nep", "gep", "xep"}
)  # fmt: skip
# meta files that are not named after the documents they describe
_GENERIC_META = frozenset({"metadata", "meta", "index", "config", "data", "info", "manifest"})
# requirement prefixes adopt recognises in requirement lists (functional / not)
_REQ_FUNCTIONAL = ("FR", "REQ", "BR", "UR", "SR")
_REQ_NON_FUNCTIONAL = ("NFR", "QR")


def _sample(items: list[Any], most: int = 300) -> list[Any]:
    """At most ``most`` of ``items``, evenly spread: enough to tell what most do."""
    if len(items) <= most:
        return items
    step = len(items) / most
    return [items[int(i * step)] for i in range(most)]


class NothingToAdopt(NoBookError):
    """Raised when a folder holds nothing adopt can take for a document (exit 2)."""


# -- the result ---------------------------------------------------------------------------
@dataclass
class InferredKind:
    name: str
    base: str
    prefix: str
    folder: str
    digits: int
    why: str
    own: bool = False  # a kind of its own: its statuses are its documents' words
    statuses: list[str] = field(default_factory=list)
    status_aliases: dict[str, str] = field(default_factory=dict)
    required_fields: list[str] = field(default_factory=list)
    words: list[StatusWord] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    alias_notes: dict[str, str] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)
    transitions: dict[str, list[str]] = field(default_factory=dict)
    approvals: int = 1
    layout: str = "file"
    document_names: list[str] = field(default_factory=lambda: ["README.md", "index.md"])
    sidecars: list[str] = field(default_factory=list)
    ids_from_names: bool = False
    file_name: str = "{id}-{slug}.md"
    template: str = ""
    # setting -> why it has its value (written as a comment above it)
    notes: dict[str, str] = field(default_factory=dict)
    placed: dict[str, str] = field(default_factory=dict)  # status -> why it sits there
    numbered: list[str] = field(default_factory=list)  # number-named documents (rel)
    type_values: list[str] = field(default_factory=list)  # types as the documents write them
    exact: bool = True  # every document writes its status exactly as a configured one


@dataclass
class FieldAlias:
    name: str
    key: str
    count: int


@dataclass
class Adoption:
    """What :func:`infer` found under ``root``; :meth:`config_text` is the config."""

    root: Path
    name: str
    kinds: list[InferredKind]
    field_aliases: list[FieldAlias]
    known_fields: dict[str, str]
    outside: list[str]
    # lint rule name -> why it is off
    rules_off: dict[str, str] = field(default_factory=dict)
    # lint rule name -> (options, why)
    rule_options: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    functional: list[str] = field(default_factory=list)
    non_functional: list[str] = field(default_factory=list)
    requirement_id: str | None = None
    requirements_why: str = ""
    # names not taken as documents, and why (for the report)
    passed_over: list[str] = field(default_factory=list)
    skipped_aliases: dict[str, str] = field(default_factory=dict)
    listing: Listing | None = None

    def unknown_statuses(self) -> dict[str, list[str]]:
        """Documents whose status adopt left unknown, by path: the words."""
        out: dict[str, list[str]] = defaultdict(list)
        for k in self.kinds:
            for w in k.words:
                if w.outcome == "unknown":
                    for p in w.paths:
                        out[p].append(w.word)
        return dict(out)

    def mapping(self) -> dict[str, Any]:
        """The config as TOML-shaped data (what :meth:`config_text` writes)."""
        kinds: dict[str, Any] = {}
        for k in self.kinds:
            data: dict[str, Any] = {
                "prefix": k.prefix,
                "folder": k.folder,
                "digits": k.digits,
                "template": k.template,
                "statuses": list(k.statuses),
                "types": list(k.types),
                "required_fields": list(k.required_fields),
                "approvals": k.approvals,
            }
            if k.layout != "file":
                data["layout"] = k.layout
                data["document_names"] = list(k.document_names)
            if k.sidecars:
                data["sidecars"] = list(k.sidecars)
            if k.ids_from_names:
                data["ids_from_names"] = True
            if k.file_name != "{id}-{slug}.md":
                data["file_name"] = k.file_name
            data["transitions"] = {s: list(t) for s, t in k.transitions.items()}
            data["status_aliases"] = dict(k.status_aliases)
            kinds[k.name] = data
        out: dict[str, Any] = {"book": {"name": self.name}}
        if self.exclude:
            out["book"]["exclude"] = list(self.exclude)
        if self.field_aliases:
            out["fields"] = {"aliases": {a.name: a.key for a in self.field_aliases}}
        reqs: dict[str, Any] = {}
        if self.functional:
            reqs["functional"] = list(self.functional)
        if self.non_functional:
            reqs["non_functional"] = list(self.non_functional)
        if self.requirement_id:
            reqs["id"] = self.requirement_id
        if reqs:
            out["requirements"] = reqs
        out["kinds"] = kinds
        rules: dict[str, Any] = {}
        for r in self.rules_off:
            rules[r] = {"severity": "off"}
        for r, (options, _) in self.rule_options.items():
            rules.setdefault(r, {}).update(options)
        if rules:
            out["lint"] = {"rules": rules}
        return out

    def config(self) -> BookConfig:
        """The inferred config, validated by specbook's own loader."""
        return config_from_mapping(self.mapping(), root=self.root, path=self.root / CONFIG_FILE)

    def config_text(self) -> str:
        """The commented ``specbook.toml``."""
        from specbook.services.adopt.render import config_text

        return config_text(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "name": self.name,
            "kinds": [
                {
                    "name": k.name,
                    "base": k.base,
                    "prefix": k.prefix,
                    "folder": k.folder,
                    "digits": k.digits,
                    "why": k.why,
                    "documents": len(k.documents),
                    "statuses": k.statuses,
                    "status_aliases": k.status_aliases,
                    "transitions": k.transitions,
                    "types": k.types,
                    "required_fields": k.required_fields,
                    "template": k.template,
                    "layout": k.layout,
                    "sidecars": k.sidecars,
                    "ids_from_names": k.ids_from_names,
                    "file_name": k.file_name,
                    "notes": k.notes,
                    "status_words": [
                        {
                            "word": w.word,
                            "outcome": w.outcome,
                            "target": w.target,
                            "documents": w.paths,
                            "why": w.why,
                        }
                        for w in k.words
                    ],
                }
                for k in self.kinds
            ],
            "field_aliases": [
                {"name": a.name, "key": a.key, "documents": a.count} for a in self.field_aliases
            ],
            "known_fields": self.known_fields,
            "outside_kinds": self.outside,
            "templates": self.templates,
            "rules_off": self.rules_off,
            "rule_options": {r: o for r, (o, _) in self.rule_options.items()},
            "requirements": {
                "functional": self.functional,
                "non_functional": self.non_functional,
                "id": self.requirement_id,
            },
            "config": self.config_text(),
        }

    def documents(self) -> int:
        """How many documents the inferred book holds."""
        return sum(len(k.documents) for k in self.kinds)

    def report(self) -> str:
        """What was inferred and why, for a person."""
        out = [f"adopting {self.root} as book {self.name!r}"]
        for k in self.kinds:
            out.append(f"kind {k.name}: {k.why}")
            for key in ("layout", "sidecars", "ids_from_names", "template", "file_name"):
                if key in k.notes:
                    out.append(f"  {key}: {k.notes[key]}")
            for w in k.words:
                where = _n(len(w.paths), "document")
                if w.outcome == "known":
                    continue
                if w.outcome == "alias":
                    out.append(f"  status {w.word!r} -> {w.target} ({where}; {w.why})")
                elif w.outcome == "new":
                    out.append(f"  status {w.word!r}: new status {w.target!r} ({where}; {w.why})")
                else:
                    out.append(f"  status {w.word!r} left unknown: {', '.join(w.paths)} ({w.why})")
            out.append(f"  statuses: {', '.join(k.statuses)}")
            out.append(f"  types: {', '.join(k.types) or '(none)'}")
            out.append(f"  required fields: {', '.join(k.required_fields)}")
        for rule_name, why in self.rules_off.items():
            out.append(f"lint rule {rule_name} off: {why}")
        for rule_name, (options, why) in self.rule_options.items():
            shown = ", ".join(f"{k} = {v!r}" for k, v in options.items())
            out.append(f"lint rule {rule_name}: {shown} ({why})")
        if self.requirements_why:
            out.append(f"requirements: {self.requirements_why}")
        for a in self.field_aliases:
            out.append(f"field {a.name!r} -> {a.key} ({_n(a.count, 'document')})")
        for name, why in self.skipped_aliases.items():
            out.append(f"field {name!r} not aliased: {why}")
        if self.known_fields:
            known = ", ".join(f"{n} -> {k}" for n, k in sorted(self.known_fields.items()))
            out.append(f"field names specbook knows already: {known}")
        for t in self.templates:
            out.append(f"template (not a document): {t}")
        for note in self.passed_over:
            out.append(note)
        for b in self.listing.books if self.listing else []:
            out.append(f"{b}: a book of its own (it has a {CONFIG_FILE}), left out")
        if self.outside:
            out.append(
                f"{_n(len(self.outside), 'Markdown file')} outside every kind's folder "
                f"(not documents of the book), e.g. {', '.join(self.outside[:3])}"
            )
        return "\n".join(out) + "\n"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


# -- inference ----------------------------------------------------------------------------
@dataclass
class _Doc:
    entry: Entry
    facts: Facts
    # sidecar pattern ("kep.yaml", "{stem}.meta.yaml") -> file (relative) beside it
    meta: dict[str, str] = field(default_factory=dict)
    # fields read from the chosen sidecars: (name, value)
    side: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rel(self) -> str:
        return self.entry.rel

    @property
    def id(self) -> str | None:
        return self.facts.id

    @property
    def history(self) -> bool:
        return self.facts.history

    def pairs(self) -> list[tuple[str, str]]:
        """Every (field name, value) it states, in the document, then in its sidecars."""
        return [*self.facts.fields, *self.side]


def nothing_message(root: Path, listing: Listing) -> str:
    """What adopt looked for in a folder it could infer nothing from."""
    seen = listing.markdown_seen
    eg = ", ".join(e.rel for e in listing.entries[:3])
    return (
        f"{root}: found no documents to adopt among {_n(seen, 'Markdown file')}"
        + (f" (e.g. {eg})" if eg else "")
        + ": no document carries an ID (SPEC-001, ADR-0007), a number-named file "
        "(0001-name.md) or folder (1234-name/README.md), or sits in a folder named like "
        "a kind (specs, decisions, adr, rfcs, keps…). Point adopt at the folder holding "
        "the documents, or run `specbook init` to start a new book"
    )


def infer(
    root: Path,
    name: str | None = None,
    listing: Listing | None = None,
    cache_facts: bool = False,
) -> Adoption:
    """Infer a book's config from the documents under ``root``; reads only (but for
    ``cache_facts``: keep what it read of each file in ``.specbook/``, for the next
    inference after an edit).

    ``listing`` is :func:`scan` of ``root`` when the caller has it already. Raises
    :class:`UsageError` when ``root`` is not a folder, and :class:`NothingToAdopt`
    (exit 2) when nothing under it can be taken for a document, saying what adopt
    looked for.
    """
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder; give the folder that holds the documents")
    root = root.resolve()
    if listing is None or listing.root != root:
        listing = scan(root)
    base = default_config(root)
    cache = FactsCache(root, use=cache_facts)
    docs: list[_Doc] = []
    for e in listing.entries:
        facts = cache.get(e.rel, base, numbered=e.number is not None)
        if facts is not None:
            docs.append(_Doc(e, facts))
    templates: dict[str, Facts] = {}
    for rel in listing.templates:
        facts = cache.get(rel, base, numbered=False)
        if facts is not None:
            templates[rel] = facts
    for d in docs:
        d.meta = _meta_beside(d.entry, listing)
    kinds, passed_over = _infer_kinds(docs, listing, templates, root)
    if not kinds:  # (and no .specbook/ made in a folder that is no book)
        raise NothingToAdopt(nothing_message(root, listing))
    cache.save()
    probe = _probe_config(kinds, root)
    Book(probe).report_skipped(listing.skipped)  # (once each, as the book's listing would)
    by_kind: dict[str, list[_Doc]] = defaultdict(list)
    outside: list[str] = []
    for d in docs:
        owner = _kind_of(probe, d)
        if owner is None:
            outside.append(d.rel)
        else:
            by_kind[owner].append(d)
    for k in kinds:
        _layout_and_sidecars(k, by_kind.get(k.name, []), root)
    field_aliases, known_fields, skipped = _infer_field_aliases(docs)
    aliases = dict(DEFAULT_FIELD_ALIASES)
    for a in field_aliases:
        aliases[norm_key(a.name)] = a.key

    keys: dict[str, str] = {}

    def key_of(name: str) -> str:
        key = keys.get(name)
        if key is None:
            k = norm_key(name)
            key = keys[name] = aliases.get(k, k).replace(" ", "_")
        return key

    adoption = Adoption(
        root, name or root.name, kinds, field_aliases, known_fields, outside, listing=listing
    )
    adoption.passed_over = passed_over
    adoption.skipped_aliases = skipped
    _assign_templates(kinds, by_kind, templates)
    adoption.templates = sorted(templates)
    for k in kinds:
        ds = by_kind.get(k.name, [])
        k.documents = [d.rel for d in ds]
        tdoc = templates.get(k.template) if k.template in templates else None
        _kind_details(k, ds, tdoc, key_of, root)
    adoption.exclude = _exclude(kinds, listing)
    _process_rules(adoption, by_kind, templates)
    _requirements(adoption, by_kind)
    _rule_options(adoption)
    adoption.config()  # the result must load with specbook's own loader
    return adoption


def _probe_config(kinds: list[InferredKind], root: Path) -> BookConfig:
    """The kinds' prefixes and folders as a config, to sort documents into kinds."""
    data = {
        "kinds": {
            k.name: {"prefix": k.prefix, "folder": k.folder, "digits": k.digits} for k in kinds
        }
    }
    cfg = config_from_mapping(data, root=root, path=None)
    keep = {k.name for k in kinds}
    return BookConfig(
        root=cfg.root,
        path=None,
        name=cfg.name,
        kinds={n: v for n, v in cfg.kinds.items() if n in keep},
        field_aliases=cfg.field_aliases,
        exclude=cfg.exclude,
        templates_dir=cfg.templates_dir,
    )


def _kind_of(config: BookConfig, d: _Doc) -> str | None:
    """The kind the book will give ``d`` (its ID's, else its folder's), or ``None`` when
    it lies outside every kind's folder (the book does not list it)."""
    by_path = config.kind_for_path(d.rel)
    if by_path is None:
        return None
    by_id = config.kind_for_id(d.id) if d.id else None
    return (by_id or by_path).name


def _meta_beside(e: Entry, listing: Listing) -> dict[str, str]:
    """Sidecar candidates of a document: pattern -> file. In a document folder, every
    YAML/JSON file in it; beside a file, those named after it (``{stem}.yaml``)."""
    folder = e.rel.rsplit("/", 1)[0] if "/" in e.rel else ""
    names = listing.meta.get(folder, [])
    out: dict[str, str] = {}
    if e.folder_doc:
        for n in names:
            out[n] = f"{folder}/{n}" if folder else n
        return out
    stem = e.rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for n in names:
        if n.startswith(stem + "."):
            out["{stem}" + n[len(stem) :]] = f"{folder}/{n}" if folder else n
    return out


def _folder_of(entries: Iterable[Entry]) -> str:
    homes = [e.home for e in entries]
    common = os.path.commonpath(homes) if homes and all(homes) else ""
    return common.replace(os.sep, "/") or "."


def _digits(numbers: list[str]) -> tuple[int, str]:
    """The width to write new numbers with, and why: the most common width when the
    numbers are zero-padded (``0042``), else 1 (``753``, ``1441``: not padded)."""
    if not numbers:
        return 3, "no numbers to go by: specbook's default"
    padded = [n for n in numbers if len(n) > 1 and n.startswith("0")]
    if padded:
        width = Counter(len(n) for n in numbers).most_common(1)[0][0]
        return min(max(width, 1), 9), f"numbers are zero-padded to {width} digits ({padded[0]})"
    eg = ", ".join(sorted(set(numbers), key=lambda n: (len(n), n))[:2])
    return 1, f"numbers are not zero-padded ({eg})"


def _infer_kinds(
    docs: list[_Doc], listing: Listing, templates: Mapping[str, Facts], root: Path
) -> tuple[list[InferredKind], list[str]]:
    defaults = default_config(None).kinds
    builtin_prefix = {k.prefix: k.name for k in defaults.values()}
    reqs = {*_REQ_FUNCTIONAL, *_REQ_NON_FUNCTIONAL}
    by_prefix: dict[str, list[_Doc]] = defaultdict(list)
    for d in docs:
        if d.id is None or is_placeholder(d.id):
            continue
        m = _FIRST_TOKEN.match(d.id)
        if m and m.group(1) not in reqs:
            by_prefix[m.group(1)].append(d)
    groups = [
        (p, ds)
        for p, ds in sorted(by_prefix.items(), key=lambda x: (-len(x[1]), x[0]))
        if len(ds) >= 2 or p in builtin_prefix
    ]
    claimed: dict[str, str] = {}  # built-in kind -> prefix
    for p, _ in groups:
        if p in builtin_prefix:
            claimed[builtin_prefix[p]] = p
    kinds: list[InferredKind] = []

    def add_kind(
        prefix: str, ds: list[_Doc], folder: str, where: str, hint: str | None
    ) -> InferredKind:
        """A kind for ``prefix``: built-in when the prefix (or ``hint``, a folder name)
        means one not yet taken, else a kind of its own."""
        if prefix in builtin_prefix and builtin_prefix[prefix] not in {k.name for k in kinds}:
            name = builtin_prefix[prefix]
            return InferredKind(
                name, name, prefix, folder, 3, f"{where}: the built-in {name} prefix"
            )
        base = builtin_for(prefix)
        reason = f"the prefix {prefix} means {base}" if base else ""
        if base is None and hint:
            base = builtin_for(hint)
            reason = f"the folder name {hint!r} means {base}" if base else ""
        taken = {k.name for k in kinds}
        if base is not None and base not in taken and claimed.get(base, prefix) == prefix:
            claimed[base] = prefix
            return InferredKind(
                base, base, prefix, folder, 3, f"{where}: {reason}, so the built-in {base} kind"
            )
        like = base or "SPEC"
        name = prefix if prefix not in taken else f"{prefix}_{len(kinds)}"
        return InferredKind(
            name, like, prefix, folder, 3, f"{where}: a kind of its own, built on {like}", own=True
        )

    for p, ds in groups:
        folder = _folder_of(d.entry for d in ds)
        where = f"{_n(len(ds), 'document')} with {p}-nnn IDs (e.g. {ds[0].id}) under {folder}"
        k = add_kind(p, ds, folder, where, folder.rsplit("/", 1)[-1])
        numbers = [m.group(1) for d in ds if d.id and (m := _TRAILING_NUMBER.search(d.id))]
        k.digits, k.notes["digits"] = _digits(numbers)
        k.notes["prefix"] = f"the documents state IDs such as {ds[0].id}"
        kinds.append(k)

    # number-named documents stating no ID, outside the kinds found so far
    probe = _probe_config(kinds, root) if kinds else None
    rest: list[_Doc] = []
    for d in docs:
        if d.entry.number is None or d.id is not None:
            continue
        if probe is not None and probe.kind_for_path(d.rel) is not None:
            owner = probe.kind_for_path(d.rel)
            if owner is not None and owner.folder not in ("", "."):
                continue  # inside a kind's folder: that kind takes its ID from the name
        rest.append(d)
    passed_over: list[str] = []
    for home, ds in _number_groups(rest):
        numbers = [d.entry.number or "" for d in ds]
        if len(ds) < 2 or len(set(numbers)) < 0.8 * len(ds):
            continue
        prefix, why, score = _number_prefix(ds, home, listing, templates, root)
        statuses = sum(1 for d in ds if _states_status(d) or _has_status_meta(d))
        kind_folder = any(
            builtin_for(part) or part.lower().rstrip("s") in _PROCESS_FOLDERS
            for part in [*home.split("/"), root.name]
        )
        if prefix is None or (score < 2 and not kind_folder and statuses * 2 <= len(ds)):
            passed_over.append(
                f"{_n(len(ds), 'number-named file')} under {home or '.'} not taken for "
                "documents: nothing calls them by a name (RFC 12, KEP-34), no template, "
                "sidecar or kind-named folder, and most state no status"
            )
            continue
        if prefix in {k.prefix for k in kinds}:
            passed_over.append(
                f"{_n(len(ds), 'number-named file')} under {home or '.'} not taken for "
                f"documents: their prefix {prefix} is the one of documents elsewhere (a kind "
                "has one folder); give them a kind of their own in the config"
            )
            continue
        where = f"{_n(len(ds), 'number-named document')} under {home or '.'} (e.g. {ds[0].rel})"
        hint = next((p for p in reversed(home.split("/")) if builtin_for(p)), None)
        k = add_kind(prefix, ds, home or ".", where, hint)
        k.notes["prefix"] = why
        k.digits, k.notes["digits"] = _digits(numbers)
        kinds.append(k)

    # folders named like a built-in kind that is still free, whose files carry no IDs
    taken = {k.folder for k in kinds}
    folders: Counter[str] = Counter()
    for d in docs:
        if "/" in d.rel:
            folders[d.entry.home] += 1
    for folder, count in sorted(folders.items()):
        base = builtin_for(folder.rsplit("/", 1)[-1])
        if (
            base is None
            or base in claimed
            or base in {k.name for k in kinds}
            or any(folder == t or folder.startswith(t + "/") for t in taken if t != ".")
        ):
            continue
        claimed[base] = defaults[base].prefix
        k = InferredKind(
            base,
            base,
            defaults[base].prefix,
            folder,
            defaults[base].digits,
            f"{_n(count, 'document')} without IDs in {folder}: the folder name means {base}",
        )
        k.notes["prefix"] = f"the built-in {base} prefix (no document states an ID)"
        kinds.append(k)
    return kinds, passed_over


def _states_status(d: _Doc) -> bool:
    return any(DEFAULT_FIELD_ALIASES.get(norm_key(n)) == "status" for n, _ in d.facts.fields)


def _has_status_meta(d: _Doc) -> bool:
    return any(p.endswith((".yaml", ".yml", ".json")) for p in d.meta)


def _number_groups(docs: list[_Doc]) -> list[tuple[str, list[_Doc]]]:
    """Number-named documents by collection: their home folder, sibling folders of one
    collection (``keps/sig-cli``, ``keps/sig-node``) merged into their parent."""
    by_home: dict[str, list[_Doc]] = defaultdict(list)
    for d in docs:
        by_home[d.entry.home].append(d)
    merged: dict[str, list[_Doc]] = defaultdict(list)
    parents: Counter[str] = Counter(h.rsplit("/", 1)[0] if "/" in h else "" for h in by_home if h)
    for home, ds in by_home.items():
        parent = home.rsplit("/", 1)[0] if "/" in home else ""
        leaf = home.rsplit("/", 1)[-1]
        folder_docs = all(d.entry.folder_doc for d in ds)
        if (
            home
            and parents[parent] > 1
            and folder_docs
            and builtin_for(leaf) is None
            and leaf.lower().rstrip("s") not in _PROCESS_FOLDERS
        ):
            merged[parent].extend(ds)
        else:
            merged[home].extend(ds)
    return sorted(merged.items())


def _number_prefix(
    ds: list[_Doc], home: str, listing: Listing, templates: Mapping[str, Facts], root: Path
) -> tuple[str | None, str, float]:
    """The prefix of a number-named collection, why, and how strong the evidence is."""
    numbers = {int(d.entry.number or "0") for d in ds}
    self_named: Counter[str] = Counter()
    referred: Counter[str] = Counter()
    for d in ds:
        own = int(d.entry.number or "0")
        seen_self: set[str] = set()
        seen_ref: set[str] = set()
        for p, n in d.facts.named:
            if p in _NOT_DOC_PREFIXES:
                continue
            if n == own:
                seen_self.add(p)
            elif n in numbers:
                seen_ref.add(p)
        self_named.update(seen_self)
        referred.update(seen_ref)
    score: Counter[str] = Counter()
    why: dict[str, list[str]] = defaultdict(list)
    for p, c in self_named.items():
        score[p] += 3 * c
        why[p].append(f"{_n(c, 'document')} call themselves {p} <number>")
    for p, c in referred.items():
        score[p] += c
        why[p].append(f"{_n(c, 'document')} refer to others as {p} <number>")
    for rel, t in templates.items():
        tdir = rel.rsplit("/", 1)[0] if "/" in rel else ""
        tdir = tdir.rsplit("/", 1)[0] if _in_template_folder(rel) else tdir
        if not (_within(home, tdir) or _within(tdir, home)):
            continue
        tp = _template_prefix(t)
        if tp:
            score[tp] += 5
            why[tp].append(f"their template {rel} is headed {tp}-NNNN")
        named = rel.rsplit("/", 2)[-2] if _in_template_folder(rel) else rel.rsplit("/", 1)[-1]
        for token in re.findall(r"[a-z]+", named.lower()):
            word = token[:-1] if token.endswith("s") else token
            if word in _PROCESS_FOLDERS:
                score[word.upper()] += 2
                why[word.upper()].append(f"their template is named {named}")
    metas = Counter(pat for d in ds for pat in d.meta)
    for pat, c in metas.items():
        stem = pat.rsplit(".", 1)[0]
        word_like = stem.isalpha() and 2 <= len(stem) <= 5 and stem.lower() not in _GENERIC_META
        if c * 2 >= len(ds) and word_like:
            score[stem.upper()] += 3
            why[stem.upper()].append(f"their metadata files are named {pat}")
    for part in [*home.split("/"), root.name]:
        low = part.lower()
        word = low[:-1] if low.endswith("s") else low
        if word in _PROCESS_FOLDERS:
            weight = 1 if part == root.name and part not in home.split("/") else 2
            score[word.upper()] += weight
            why[word.upper()].append(f"the folder {part!r}")
    if not score:
        hint = next((p for p in reversed(home.split("/")) if builtin_for(p)), None)
        if hint is None:
            return None, "", 0.0
        base = builtin_for(hint) or "SPEC"
        prefix = default_config(None).kinds[base].prefix
        return prefix, f"the folder name {hint!r} means {base}; nothing names a prefix", 1.0
    best = max(score, key=lambda p: (score[p], self_named[p], p))
    text = "; ".join(why[best])
    others = [p for p in score if p != best]
    if others:
        text += f" (also seen: {', '.join(sorted(others))})"
    return best, f"{best}: {text}", float(score[best])


def _within(path: str, folder: str) -> bool:
    return folder in ("", ".") or path == folder or path.startswith(folder + "/")


def _in_template_folder(rel: str) -> bool:
    from specbook.services.adopt.scan import is_template_name

    parts = rel.split("/")
    return len(parts) >= 2 and (is_template_name(parts[-2]) or parts[-2].lower() == "_templates")


_TEMPLATE_ID = re.compile(r"\b([A-Z]{2,6})-(?:N{2,}|X{2,}|0{2,}|\?{2,}|#+)\b")


def _template_prefix(t: Facts) -> str | None:
    """The prefix a template's ID placeholder names (``# KEP-NNNN: …``, ``id: ADR-XXX``)."""
    for name, value in t.fields:
        if DEFAULT_FIELD_ALIASES.get(norm_key(name)) == "id":
            m = _TEMPLATE_ID.search(value)
            if m:
                return m.group(1)
    for level, title in t.heads:
        if level == 1:
            m = _TEMPLATE_ID.search(title)
            return m.group(1) if m else None
    return None


def _layout_and_sidecars(k: InferredKind, ds: list[_Doc], root: Path) -> None:
    """``layout``, ``document_names``, ``sidecars``, ``ids_from_names`` and ``file_name``."""
    if not ds:
        return
    folder_docs = [d for d in ds if d.entry.folder_doc]
    if folder_docs and len(folder_docs) * 2 > len(ds):
        k.layout = "folder"
        names = Counter(d.rel.rsplit("/", 1)[-1] for d in folder_docs)
        k.document_names = [n for n, _ in names.most_common()] or ["README.md"]
        k.notes["layout"] = (
            f"{len(folder_docs)} of {_n(len(ds), 'document')} are a numbered folder holding "
            f"{' or '.join(k.document_names)} (e.g. {folder_docs[0].rel})"
        )
    # sidecars: a metadata file most documents have, holding fields specbook knows
    patterns = Counter(pat for d in ds for pat in d.meta)
    chosen: list[str] = []
    for pat, count in patterns.most_common():
        if count * 2 < len(ds):
            break
        read: list[tuple[_Doc, list[tuple[str, str]]]] = []
        for d in ds:
            rel = d.meta.get(pat)
            pairs = read_meta(root, rel) if rel else None
            if pairs is not None and any(_known_field(n) for n, _ in pairs):
                read.append((d, pairs))
        if len(read) * 2 >= len(ds):
            chosen.append(pat)
            for d, pairs in read:
                d.side.extend(pairs)
    if chosen:
        k.sidecars = chosen
        k.notes["sidecars"] = (
            f"{' and '.join(chosen)} beside {_n(patterns[chosen[0]], 'document')} of "
            f"{len(ds)} hold{'s' * (len(chosen) == 1)} their metadata (title, status, dates…)"
        )
    # IDs from names
    numbered = [d for d in ds if d.entry.number is not None]
    k.numbered = [d.rel for d in numbered]
    if numbered:
        without = [d for d in numbered if d.id is None]
        agree = [
            d
            for d in numbered
            if d.id
            and (m := _TRAILING_NUMBER.search(d.id))
            and int(m.group(1)) == int(d.entry.number or -1)
        ]
        stated = [d for d in numbered if d.id]
        if without or (len(numbered) * 2 > len(ds) and len(agree) * 5 >= 4 * len(stated)):
            k.ids_from_names = True
            eg = (without or numbered)[0]
            k.notes["ids_from_names"] = (
                f"{_n(len(numbered), 'document')} are number-named"
                + (f", {len(without)} stating no ID" if without else "")
                + f": {eg.entry.unit_name} is {k.prefix}-{eg.entry.number}"
            )
    # how `new` names a file: as most documents are named
    shapes: Counter[str] = Counter()
    for d in ds:
        shape = _name_shape(d.entry, k.prefix)
        if shape:
            shapes[shape] += 1
    if shapes:
        shape, count = shapes.most_common(1)[0]
        if k.layout == "folder" and not shape.endswith("/" + k.document_names[0]):
            shape = "{number}-{slug}/" + k.document_names[0]
        k.file_name = shape
        if shape != "{id}-{slug}.md":
            k.notes["file_name"] = f"{count} of {_n(len(ds), 'document')} are named so"


def _name_shape(e: Entry, prefix: str) -> str | None:
    """How a document is named, as a ``file_name`` pattern, or ``None``."""
    if e.folder_doc:
        return "{number}-{slug}/" + e.rel.rsplit("/", 1)[-1]
    name = e.rel.rsplit("/", 1)[-1]
    ext = "." + name.rsplit(".", 1)[-1]
    if e.number is not None:
        return "{number}-{slug}" + ext
    m = re.match(rf"^{re.escape(prefix)}-\d+(.*)$", name, re.IGNORECASE)
    if not m:
        return None
    rest = m.group(1)
    if rest.lower() == ext.lower():
        return "{id}" + ext
    if rest[:1] in "-_":
        return "{id}" + rest[0] + "{slug}" + ext
    return None


def _known_field(name: str) -> bool:
    key = norm_key(name)
    return key in DEFAULT_FIELD_ALIASES or key in FIELDS


def _infer_field_aliases(
    docs: list[_Doc],
) -> tuple[list[FieldAlias], dict[str, str], dict[str, str]]:
    """Aliases for the field names documents (and their sidecars) use; names specbook
    knows already; names not aliased because a document states both them and another
    name of the same field."""
    known = set(DEFAULT_FIELD_ALIASES)
    counts: Counter[tuple[str, str]] = Counter()
    spelled: dict[str, Counter[str]] = defaultdict(Counter)
    known_used: dict[str, str] = {}
    clash: dict[str, str] = {}
    for d in docs:
        names = [n for n, _ in d.pairs()]
        keys_here: dict[str, set[str]] = defaultdict(set)  # canonical key -> names (norm)
        for name in names:
            key = norm_key(name)
            target = DEFAULT_FIELD_ALIASES.get(key) or FIELDS.get(key) or key.replace(" ", "_")
            keys_here[target].add(key)
        seen: set[str] = set()
        for name in names:
            key = norm_key(name)
            if key in known:
                if key != DEFAULT_FIELD_ALIASES[key].replace("_", " ") and key not in seen:
                    known_used[name] = DEFAULT_FIELD_ALIASES[key]
                continue
            meant = FIELDS.get(key)
            if meant is None or key in seen:
                continue
            seen.add(key)
            target = meant
            others = keys_here[target] - {key}
            if others:
                clash.setdefault(
                    name,
                    f"{d.rel} states both {name!r} and {sorted(others)[0]!r}: two fields are "
                    f"never read as one ({target})",
                )
                continue
            counts[(key, target)] += 1
            spelled[key][name] += 1
    aliases = [
        FieldAlias(spelled[key].most_common(1)[0][0], target, n)
        for (key, target), n in sorted(counts.items())
        if not any(norm_key(c) == key for c in clash)
    ]
    return aliases, known_used, clash


def _assign_templates(
    kinds: list[InferredKind],
    by_kind: Mapping[str, list[_Doc]],
    templates: Mapping[str, Facts],
) -> dict[str, str]:
    """Give each kind the team's template that fits it best: where it lies (in the
    kind's folder, or above it), the prefix of its ID placeholder, and the sections it
    shares with the kind's documents. Kinds without one keep the built-in template."""
    defaults = default_config(None).kinds
    best: dict[str, tuple[float, str]] = {}
    for rel, t in templates.items():
        tdir = rel.rsplit("/", 1)[0] if "/" in rel else ""
        if _in_template_folder(rel):
            tdir = tdir.rsplit("/", 1)[0] if "/" in tdir else ""
        theads = {norm_heading(title) for _, title in t.heads}
        tprefix = _template_prefix(t)
        name_word = rel.rsplit("/", 1)[-1].lower()
        for k in kinds:
            folder = "" if k.folder == "." else k.folder
            if _within(tdir, folder):
                score = 3.0
            elif _within(folder, tdir):
                score = 1.0 - 0.1 * (folder.count("/") - (tdir.count("/") + 1 if tdir else 0))
            else:
                continue
            if tprefix:
                score += 5 if tprefix == k.prefix else -5
            if builtin_for(k.prefix) and any(
                w in name_word for w in KIND_WORDS.get(k.base, ()) if len(w) > 2
            ):
                score += 1
            ds = by_kind.get(k.name, [])
            if ds and theads:
                shared = sum(
                    1
                    for d in _sample(ds, 50)
                    if len(theads & {norm_heading(h[1]) for h in d.facts.heads}) * 2 >= len(theads)
                )
                score += 2 * shared / len(_sample(ds, 50))
            if score > 0 and (k.name not in best or score > best[k.name][0]):
                best[k.name] = (score, rel)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for k in sorted(kinds, key=lambda k: -best.get(k.name, (0.0, ""))[0]):
        if k.name in best and best[k.name][1] not in taken:
            rel = best[k.name][1]
            taken.add(rel)
            k.template = rel
            k.notes["template"] = f"the team's own template {rel} (not a document)"
            out[k.name] = rel
        else:
            k.template = defaults[k.base].template
            k.notes["template"] = (
                f"no template of the team's found: specbook's built-in {k.template}"
            )
    return out


def _dates(d: _Doc, key_of: Any) -> dt.date | None:
    """A document's date: created, else date, else start, from its fields or sidecar."""
    pairs = [(key_of(n), v) for n, v in d.pairs()]
    for want in ("created", "date"):
        for k, v in pairs:
            if k == want:
                m = _DATE.search(v)
                if m:
                    try:
                        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                    except ValueError:
                        continue
    return None


def _template_statuses(t: Facts | None, root: Path, k: InferredKind) -> list[str]:
    """The statuses a template lists for its status field (``provisional|implementable|…``),
    in its order; a single value is where documents start."""
    if t is None:
        return []
    values = [v for n, v in t.fields if DEFAULT_FIELD_ALIASES.get(norm_key(n)) == "status"]
    if k.sidecars and _in_template_folder(k.template):
        folder = k.template.rsplit("/", 1)[0]
        for pat in k.sidecars:
            if "{stem}" in pat:
                continue
            pairs = read_meta(root, f"{folder}/{pat}") or []
            values += [v for n, v in pairs if norm_key(n) in ("status", "state")]
    for v in values:
        parts = [p.strip() for p in re.split(r"\s*[|/,]\s*", v) if p.strip()]
        if all(len(p.split()) <= 3 and not is_placeholder(p) for p in parts) and parts:
            return parts
    return []


def _kind_details(
    k: InferredKind, ds: list[_Doc], tdoc: Facts | None, key_of: Any, root: Path
) -> None:
    """Statuses, workflow, types, required fields and approvals of one kind."""
    from specbook.core.workflow import _DEFAULT_MOVES

    defaults = default_config(None).kinds
    base = defaults[k.base]
    values: dict[str, list[str]] = defaultdict(list)
    types: dict[str, list[str]] = defaultdict(list)
    dates: dict[str, dt.date] = {}
    present: Counter[str] = Counter()
    history = 0
    for d in ds:
        pairs = [(key_of(n), v) for n, v in d.pairs()]
        keys = {key for key, _ in pairs if key}
        if d.id is not None or (k.ids_from_names and d.entry.number is not None):
            keys.add("id")
        present.update(keys)
        for key, value in pairs:
            value = value.strip()
            if not value or is_placeholder(value):
                continue
            if key == "status" and d.rel not in values[value]:
                values[value].append(d.rel)
            elif key == "type" and d.rel not in types[value]:
                types[value].append(d.rel)
        day = _dates(d, key_of)
        if day is not None:
            dates[d.rel] = day
        if d.history:
            history += 1
    listed = _template_statuses(tdoc, root, k)
    moves = None if k.own else _DEFAULT_MOVES.get(k.base)
    plan: StatusPlan = plan_statuses(k.name, base, k.own, values, listed, dates, moves)
    if len(listed) == 1:  # the template's one status is where new documents start
        first = next((s for s in plan.statuses if norm_key(s) == norm_key(listed[0])), None)
        if first is not None and first != plan.statuses[0] and (rank_of(first) or 0) <= 1:
            plan.statuses.remove(first)
            plan.statuses.insert(0, first)
    k.statuses = plan.statuses
    k.status_aliases = plan.aliases
    k.alias_notes = plan.alias_notes
    k.words = plan.words
    k.transitions = plan.transitions
    k.placed = plan.placed
    k.notes["spelling"] = (
        f"every document writes its status in {plan.spelling} case: the statuses are "
        "spelled the team's way"
        if plan.spelling != "specbook"
        else "statuses in specbook's spelling (the documents' spellings and notes still match)"
    )
    k.exact = plan.exact
    if len(listed) > 1:
        k.notes["statuses"] = f"the template {k.template} lists {' | '.join(listed)}"
    elif listed:
        k.notes["statuses"] = f"new documents start at {listed[0]}, as the template {k.template}"
    # types: the values the documents use
    k.type_values = sorted(types)
    if types:
        spelled: dict[str, Counter[str]] = defaultdict(Counter)
        for value, paths in types.items():
            spelled[norm_key(value)][value] += len(paths)
        all_lower = all(v == v.lower() for v in types)
        out: list[str] = []
        for key, c in sorted(spelled.items(), key=lambda x: -sum(x[1].values())):
            builtin = next((t for t in base.types if norm_key(t) == key), None)
            out.append(builtin if builtin and not all_lower else c.most_common(1)[0][0])
        k.types = out
        n_typed = len({p for ps in types.values() for p in ps})
        k.notes["types"] = f"the values {n_typed} of {_n(len(ds), 'document')} give"
    else:
        k.types = list(base.types)
        k.notes["types"] = (
            f"no document states a type: the built-in {k.base} types, for `specbook new --type`"
        )
    # required: what most documents state
    required = []
    for key in ("id", "status", *base.required_fields):
        if key in required:
            continue
        if ds and present[key] * 2 > len(ds):
            required.append(key)
    k.required_fields = required
    dropped = [
        f"{key} ({present[key]} of {len(ds)})"
        for key in dict.fromkeys(("id", "status", *base.required_fields))
        if key not in required
    ]
    k.notes["required_fields"] = "what more than half of the documents state" + (
        f"; not required: {', '.join(dropped)}" if dropped else ""
    )
    # approvals: recorded only in a Review History
    if ds and history * 2 < len(ds):
        k.approvals = 0
        k.notes["approvals"] = (
            f"{history} of {_n(len(ds), 'document')} keep a Review History, where specbook "
            "records approvals: moving to the approved status needs none (set a number to "
            "require them once reviews are recorded)"
        )


def _exclude(kinds: list[InferredKind], listing: Listing) -> list[str]:
    """``[book] exclude``: the default plus the team's templates inside kind folders."""
    out: list[str] = []
    for rel in listing.templates:
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        in_kind = any(_within(rel, "" if k.folder == "." else k.folder) for k in kinds)
        if not in_kind:
            continue
        pattern = folder + "/**" if _in_template_folder(rel) else rel
        if pattern not in out:
            out.append(pattern)
    if not out:
        return []
    return ["**/README.md", "**/readme.md", *out]


def _process_rules(
    adoption: Adoption, by_kind: Mapping[str, list[_Doc]], templates: Mapping[str, Facts]
) -> None:
    """Rules that hold documents to specbook's own process, off where they do not follow it."""
    docs = [d for ds in by_kind.values() for d in ds]
    if not docs:
        return
    history = sum(1 for d in docs if d.history)
    if history * 2 < len(docs):
        adoption.rules_off["approval-missing"] = (
            f"SB501 wants approvals recorded in specbook's Review History table; {history} of "
            f"{_n(len(docs), 'document')} keep one. Delete this table to opt in once reviews "
            "are recorded with `specbook review`"
        )
    follows = total = 0
    from specbook.core.template_files import builtin_template
    from specbook.parse.core import headings_of

    for k in adoption.kinds:
        ds = by_kind.get(k.name, [])
        if k.template in templates:
            heads = templates[k.template].heads
        else:
            heads = headings_of(builtin_template(k.template))
        wanted = {norm_heading(t) for level, t in heads if level == 2}
        if not wanted:
            continue
        for d in _sample(ds):
            total += 1
            have = {norm_heading(h[1]) for h in d.facts.heads}
            if len(have & wanted) * 2 >= len(wanted):
                follows += 1
    if total and follows * 2 < total:
        why = (
            f"SB201/SB203 check the sections of each kind's template; only {follows} of "
            f"{total} documents have most of them, so they were not written from it. Delete "
            "these tables to opt in"
        )
        adoption.rules_off["missing-section"] = why
        adoption.rules_off["section-order"] = why


def _requirements(adoption: Adoption, by_kind: Mapping[str, list[_Doc]]) -> None:
    """The requirement ID prefixes and pattern the documents use; SB301 off where their
    requirements carry no acceptance criteria of their own."""
    in_book = [d for ds in by_kind.values() for d in ds]
    prefixes: Counter[str] = Counter()
    multi: Counter[str] = Counter()
    for d in in_book:
        seen: set[str] = set()
        for rid in d.facts.requirements:
            p, number = rid.split("-", 1)
            seen.add(p)
            if "-" in number:
                multi[p] += 1
        prefixes.update(seen)
    used = [p for p, c in prefixes.most_common() if c >= 2]
    if not used:
        return
    functional = [p for p in used if p in _REQ_FUNCTIONAL]
    non_functional = [p for p in used if p in _REQ_NON_FUNCTIONAL]
    why: list[str] = []
    if any(p != "FR" for p in functional):
        adoption.functional = sorted(set(functional) | {"FR"}, key=lambda p: (p != "FR", p))
        why.append(f"functional requirements are listed as {', '.join(adoption.functional)}")
    if any(p != "NFR" for p in non_functional):
        adoption.non_functional = sorted(set(non_functional) | {"NFR"})
        why.append(f"non-functional as {', '.join(adoption.non_functional)}")
    if multi:
        p = multi.most_common(1)[0][0]
        eg = next(
            r
            for d in in_book
            for r in d.facts.requirements
            if r.startswith(p + "-") and "-" in r[len(p) + 1 :]
        )
        adoption.requirement_id = "{prefix}-{n}"
        why.append(
            f"IDs have more than one number ({eg}, {multi[p]} items): the pattern "
            '"{prefix}-{n}" reads the whole ID'
        )
    adoption.requirements_why = "; ".join(why)
    # SB301: do the listed requirements have acceptance criteria of their own?
    with_criteria = total = 0
    for d in in_book:
        own = set(d.facts.acceptance) | set(d.facts.criteria)
        for rid in d.facts.requirements:
            if rid.split("-", 1)[0] not in _REQ_FUNCTIONAL:
                continue
            total += 1
            if rid in own:
                with_criteria += 1
    if total >= 5 and with_criteria * 2 < total:
        adoption.rules_off["missing-acceptance"] = (
            f"SB301 wants acceptance criteria for each functional requirement; {with_criteria} "
            f"of {total} listed requirements have their own (by ID, beside it or in an "
            "Acceptance Criteria section), so these documents state criteria for the whole "
            "document, not per requirement. Delete this table to opt in"
        )


def _rule_options(adoption: Adoption) -> None:
    """``case = "any"`` for SB102/SB103 where the team spells statuses or types other than
    the config does (contract 4; written only where the rule has that option)."""
    differ = [k.name for k in adoption.kinds if not k.exact]
    types_differ = any(t not in k.types for k in adoption.kinds for t in k.type_values)
    if not differ and not types_differ:
        return  # (loading the rules costs a tenth of a second: only when needed)
    from specbook.lint.registry import load_rules

    options = {r.name: r.options for r in load_rules()}
    if differ and "case" in options.get("invalid-status", {}):
        adoption.rule_options["invalid-status"] = (
            {"case": "any"},
            f"the {', '.join(differ)} documents write statuses in other cases or with notes "
            "(accepted, Draft (analysis)): only words that are no status are findings",
        )
    if types_differ and "case" in options.get("invalid-type", {}):
        adoption.rule_options["invalid-type"] = (
            {"case": "any"},
            "the documents write types in other cases: only words that are no type are findings",
        )


def write_config(adoption: Adoption, force: bool = False) -> Path:
    """Write ``specbook.toml`` into the adopted folder.

    Raises :class:`SpecbookError` (exit 1) when one exists and ``force`` is not set.
    """
    from specbook.edit.atomic import create_new, fsync_dir, temp_beside

    target = adoption.root / CONFIG_FILE
    data = adoption.config_text().encode("utf-8")
    if target.exists() and not force:
        raise SpecbookError(
            f"{target} already exists; adopt leaves it alone (use --dry-run to see the "
            "inferred config, or --force to replace it)"
        )
    if target.exists():
        tmp = temp_beside(target, data)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    else:
        create_new(target, data, root=adoption.root)
    return target
