"""``specbook adopt``: a ``specbook.toml`` for a folder of documents written without specbook.

Nothing here edits a document: adopt reads every Markdown file under the folder and
writes (or prints) one config file. What it infers, and the policy behind each guess:

Kinds
    Every ID a file carries (in a field, in its H1 or in its file name) names a
    prefix: its first dash-separated part (``ADR-012`` -> ``ADR``, ``SPEC-ARCH-001``
    -> ``SPEC``). The files carrying one prefix make a kind: its folder is the
    deepest folder holding all of them, its ``digits`` the most common length of
    the number. A prefix needs two documents (one when it is a built-in prefix).
    A kind becomes one of the built-in kinds when its prefix is that kind's
    (``BUG``) or its prefix or folder name means it (``ADR``, ``decisions`` ->
    DEC; ``FEAT``, ``rfcs`` -> SPEC; ``issues`` -> BUG; ``stories`` -> TASK); it
    then keeps the built-in template, statuses and workflow. Any other prefix is a
    new kind of that name, built on the SPEC kind. A folder named like a kind
    (``decisions``, ``bugs`` …) whose files carry no IDs still becomes that kind.

Field names
    A name the documents use for a field specbook knows, under a name specbook does
    not know yet (``Détecté par`` -> author, ``Remplace`` -> supersedes), becomes a
    ``[fields.aliases]`` entry. Names specbook already knows are only reported.

Status words (per kind, from every place a document states its status)
    1. A word the kind already recognises (its statuses, its aliases, any case,
       accents or trailing explanation) needs nothing.
    2. A word that is a known synonym (English, French, Spanish) of one of the
       kind's statuses maps onto it: ``Accepté`` -> Accepted, ``CLOS`` -> Closed,
       ``released`` -> Implemented. A synonym of a neighbouring meaning maps only
       where the meaning carries over without doubt (``done`` is Implemented for a
       SPEC and Fixed for a BUG; ``validé`` is Accepted for a DEC).
    3. Otherwise the word is new: it is added to the kind's statuses, after the
       built-in ones, rather than forced onto a status it does not mean, when it
       is a known status word (``in progress`` for a SPEC) or when at least two
       documents use it (a team's own vocabulary: ``Active``, ``Design needed``).
    4. A word only one document uses and specbook does not know (``RECHERCHE /
       REFERENCE``) is more likely a note than a status: it is left unknown, and
       lint reports it with its closest status. Placeholders (``{{status}}``) are
       left to the placeholder rule.

Required fields
    ``id`` and ``status`` always; the base kind's other required fields (date,
    type, severity) only when at least half of the kind's documents give them, so
    that lint reports the documents that miss what the team usually writes.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specbook.book import Book
from specbook.config import (
    CONFIG_FILE,
    DEFAULT_FIELD_ALIASES,
    BookConfig,
    KindConfig,
    config_from_mapping,
    default_config,
)
from specbook.errors import SpecbookError, UsageError
from specbook.model import Document
from specbook.parse import parse
from specbook.text import is_placeholder, norm_key

# Folders never searched for documents.
_SKIP_DIRS = frozenset(
    {"node_modules", "vendor", "venv", "site-packages", "__pycache__", "dist", "build", "target"}
)
_NOT_DOCUMENTS = frozenset(
    {"readme", "changelog", "license", "contributing", "code of conduct", "security", "index"}
)
_FIRST_TOKEN = re.compile(r"^([A-Z][A-Z0-9]*)-")
_TRAILING_NUMBER = re.compile(r"-(\d+)$")
_TOKEN = re.compile(r"[^\W_]+")
_CUT = re.compile(r"\s+[-—–]\s+|[—–(:;,/\[]")

# Built-in kinds a prefix or a folder name means (compared by norm_key).
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "DEC": ("dec", "adr", "adrs", "decision", "decisions", "madr", "architecture decisions",
            "decision records", "ad"),
    "SPEC": ("spec", "specs", "specification", "specifications", "feat", "feature", "features",
             "rfc", "rfcs", "prd", "design", "designs"),
    "BUG": ("bug", "bugs", "issue", "issues", "defect", "defects", "incident", "incidents"),
    "TASK": ("task", "tasks", "todo", "todos", "story", "stories", "ticket", "tickets"),
}  # fmt: skip

# Field names specbook's defaults do not know, by the canonical key they mean.
_FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "author": ("auteurs", "authors", "reporter", "reported by", "detecte par", "signale par",
               "reportado por", "autores", "written by", "redige par"),
    "owner": ("assigne a", "assigned to", "assignee", "asignado a", "responsable"),
    "approvers": ("decideur", "decideurs", "deciders", "decision makers", "approved by",
                  "approuve par", "aprobado por"),
    "reviewers": ("relecteurs", "revisores", "reviewed by"),
    "modified": ("mis a jour", "mise a jour", "last update", "derniere mise a jour", "modificado"),
    "created": ("date de creation", "fecha de creacion", "creation date", "date created"),
    "supersedes": ("remplace", "supersede", "reemplaza", "replaces"),
    "superseded_by": ("remplace par", "supersede par", "reemplazado por", "replaced by"),
    "tags": ("etiquettes", "etiquetas", "mots cles", "keywords"),
    "priority": ("prio",),
    "severity": ("gravite", "gravedad"),
}  # fmt: skip

# Status concepts: words (any language) that mean one thing.
_CONCEPT_WORDS: dict[str, tuple[str, ...]] = {
    "draft": ("draft", "brouillon", "borrador", "bozza", "ebauche"),
    "proposed": ("proposed", "propose", "proposee", "propuesto", "propuesta", "proposta",
                 "suggested", "proposal"),
    "review": ("review", "in review", "under review", "en revue", "en relecture", "en revision",
               "en cours de revue", "en revisión"),
    "approved": ("approved", "approuve", "approuvee", "aprobado", "aprobada", "valide",
                 "validee", "validated", "signed off"),
    "accepted": ("accepted", "accepte", "acceptee", "aceptado", "aceptada", "accettato"),
    "implemented": ("implemented", "implemente", "implementee", "implementado", "released",
                    "shipped", "deployed", "live", "livre", "desplegado", "en production",
                    "in production"),
    "done": ("done", "complete", "completed", "finished", "fait", "termine", "terminee",
             "hecho", "completado", "terminado", "finalizado", "acheve"),
    "archived": ("archived", "archive", "archivee", "archivado", "retired"),
    "deprecated": ("deprecated", "obsolete", "deprecie", "obsoleto"),
    "superseded": ("superseded", "supersede", "supersedee", "remplace", "remplacee",
                   "reemplazado", "sustituido", "replaced"),
    "rejected": ("rejected", "rejete", "rejetee", "rechazado", "rechazada", "declined",
                 "refuse", "refusee"),
    "open": ("open", "ouvert", "ouverte", "abierto", "abierta", "new", "nouveau", "nuevo",
             "reported"),
    "in_progress": ("in progress", "en cours", "en progreso", "en curso", "doing", "started",
                    "ongoing", "wip"),
    "fixed": ("fixed", "corrige", "corrigee", "resolved", "resolu", "resolue", "resuelto",
              "corregido", "arreglado"),
    "verified": ("verified", "verifie", "verifiee", "verificado"),
    "closed": ("closed", "clos", "close", "ferme", "fermee", "cerrado", "cerrada"),
    "wontfix": ("wontfix", "won t fix", "will not fix"),
    "todo": ("todo", "to do", "a faire", "pendiente", "backlog"),
    "blocked": ("blocked", "bloque", "bloquee", "bloqueado"),
    "cancelled": ("cancelled", "canceled", "annule", "annulee", "cancelado"),
}  # fmt: skip

# Where a kind has no status of a word's own meaning, the meaning that carries over.
_CARRIES_OVER: dict[str, tuple[str, ...]] = {
    "approved": ("accepted",),
    "accepted": ("approved",),
    "done": ("implemented", "fixed"),
    "implemented": ("done",),
    "draft": ("proposed",),
    "superseded": ("archived",),
    "deprecated": ("archived",),
    "todo": ("open",),
    "open": ("todo",),
}


def _stem(word: str) -> str:
    """A word without its French/Spanish/English inflection (``acceptées`` -> ``accept``)."""
    for suffix in ("ees", "ee", "es", "e", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _stem_phrase(text: str) -> str:
    return " ".join(_stem(w) for w in norm_key(text).split())


_CONCEPTS: dict[str, str] = {
    _stem_phrase(w): concept for concept, words in _CONCEPT_WORDS.items() for w in words
}
_FIELDS: dict[str, str] = {norm_key(w): key for key, words in _FIELD_WORDS.items() for w in words}


def concept_of(text: str) -> str | None:
    """The status concept ``text`` (one status word or phrase) means, or ``None``."""
    return _CONCEPTS.get(_stem_phrase(text))


# -- the result ---------------------------------------------------------------------------
@dataclass
class StatusWord:
    """One status word (or phrase) a kind's documents use, and what adopt made of it.

    ``outcome`` is ``known`` (recognised already), ``alias`` (mapped onto
    ``target``), ``new`` (added to the statuses as ``target``) or ``unknown``.
    """

    word: str
    outcome: str
    target: str | None
    paths: list[str]
    why: str


@dataclass
class InferredKind:
    name: str
    base: str
    prefix: str
    folder: str
    digits: int
    why: str
    statuses: list[str] = field(default_factory=list)
    status_aliases: dict[str, str] = field(default_factory=dict)
    required_fields: list[str] = field(default_factory=list)
    words: list[StatusWord] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    alias_notes: dict[str, str] = field(default_factory=dict)


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
    # rules switched off because the documents were not written from specbook's templates
    rules_off: dict[str, str] = field(default_factory=dict)

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
            kinds[k.name] = {
                "prefix": k.prefix,
                "folder": k.folder,
                "digits": k.digits,
                "template": default_config(None).kinds[k.base].template,
                "statuses": list(k.statuses),
                "required_fields": list(k.required_fields),
                "status_aliases": dict(k.status_aliases),
            }
            if k.name != k.base:
                base = default_config(None).kinds[k.base]
                kinds[k.name]["types"] = list(base.types)
        data: dict[str, Any] = {"book": {"name": self.name}, "kinds": kinds}
        if self.field_aliases:
            data["fields"] = {"aliases": {a.name: a.key for a in self.field_aliases}}
        if self.rules_off:
            data["lint"] = {"rules": {r: {"severity": "off"} for r in self.rules_off}}
        return data

    def config(self) -> BookConfig:
        """The inferred config, validated by specbook's own loader."""
        return config_from_mapping(self.mapping(), root=self.root, path=self.root / CONFIG_FILE)

    def config_text(self) -> str:
        """The commented ``specbook.toml``."""
        lines = [
            "# specbook book configuration, written by `specbook adopt` from the documents",
            "# found here. Comments say why each setting was inferred; edit freely. Every",
            "# setting not written here keeps its default (`specbook init` lists them all).",
            "",
            "[book]",
            f"name = {_q(self.name)}",
        ]
        if self.field_aliases:
            lines += [
                "",
                "# Field names these documents use, mapped to specbook's.",
                "[fields.aliases]",
            ]
            for a in self.field_aliases:
                lines.append(f"{_q(a.name)} = {_q(a.key)}  # {_n(a.count, 'document')}")
        for k, data in zip(self.kinds, self.mapping()["kinds"].values(), strict=True):
            lines += ["", f"# {k.why}", f"[kinds.{k.name}]"]
            for key in ("prefix", "folder", "digits", "template"):
                value = data[key]
                lines.append(f"{key} = {value if isinstance(value, int) else _q(value)}")
            new = list(dict.fromkeys(str(w.target) for w in k.words if w.outcome == "new"))
            if new:
                lines.append(
                    "# statuses after the built-in ones are these documents' own words: "
                    + ", ".join(new)
                )
            lines.append(f"statuses = [{', '.join(_q(s) for s in k.statuses)}]")
            if "types" in data:
                lines.append(f"types = [{', '.join(_q(t) for t in data['types'])}]")
            lines.append(f"required_fields = [{', '.join(_q(f) for f in k.required_fields)}]")
            unknown = [w for w in k.words if w.outcome == "unknown"]
            for w in unknown:
                where = ", ".join(w.paths)
                lines.append(f"# left unknown (lint reports it): {_q(_short(w.word))} in {where}")
            if k.status_aliases:
                lines += ["", f"[kinds.{k.name}.status_aliases]"]
                for alias, target in k.status_aliases.items():
                    note = k.alias_notes.get(alias)
                    lines.append(f"{_q(alias)} = {_q(target)}" + (f"  # {note}" if note else ""))
        for rule_name, why in self.rules_off.items():
            lines += ["", f"# {why}", f"[lint.rules.{rule_name}]", 'severity = "off"']
        return "\n".join(lines) + "\n"

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
                    "required_fields": k.required_fields,
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
            "rules_off": self.rules_off,
            "config": self.config_text(),
        }

    def report(self) -> str:
        """What was inferred and why, for a person."""
        out = [f"adopting {self.root} as book {self.name!r}"]
        for k in self.kinds:
            out.append(f"kind {k.name}: {k.why}")
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
            out.append(f"  required fields: {', '.join(k.required_fields)}")
        for rule_name, why in self.rules_off.items():
            out.append(f"lint rule {rule_name} off: {why}")
        for a in self.field_aliases:
            out.append(f"field {a.name!r} -> {a.key} ({_n(a.count, 'document')})")
        if self.known_fields:
            known = ", ".join(f"{n} -> {k}" for n, k in sorted(self.known_fields.items()))
            out.append(f"field names specbook knows already: {known}")
        if self.outside:
            out.append(
                f"{_n(len(self.outside), 'Markdown file')} outside every kind's folder "
                f"(not documents of the book), e.g. {', '.join(self.outside[:3])}"
            )
        return "\n".join(out) + "\n"


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


# -- inference ----------------------------------------------------------------------------
def markdown_files(root: Path) -> list[str]:
    """Every Markdown file under ``root`` (POSIX, relative), skipping hidden and tool folders
    and README/CHANGELOG-like files."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in filenames:
            stem, dot, ext = name.rpartition(".")
            if not dot or ext.lower() not in ("md", "markdown"):
                continue
            if norm_key(stem) in _NOT_DOCUMENTS:
                continue
            out.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return sorted(out)


def _parse_all(root: Path, rels: Iterable[str], config: BookConfig) -> Iterator[Document]:
    for rel in rels:
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        yield parse(data, rel, config)


def _builtin_for(word: str) -> str | None:
    key = norm_key(word)
    for name, words in _KIND_WORDS.items():
        if key in words:
            return name
    return None


def _folder_of(paths: list[str]) -> str:
    parents = [p.rsplit("/", 1)[0] if "/" in p else "" for p in paths]
    common = os.path.commonpath(parents) if all(parents) else ""
    return common.replace(os.sep, "/") or "."


def _infer_kinds(docs: list[Document], root: Path) -> list[InferredKind]:
    reqs = {"FR", "NFR"}
    by_prefix: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        if d.id is None:
            continue
        m = _FIRST_TOKEN.match(d.id)
        if m and m.group(1) not in reqs:
            by_prefix[m.group(1)].append(d)
    defaults = default_config(None).kinds
    builtin_prefix = {k.prefix: k.name for k in defaults.values()}
    groups = [
        (p, ds)
        for p, ds in sorted(by_prefix.items(), key=lambda x: (-len(x[1]), x[0]))
        if len(ds) >= 2 or p in builtin_prefix
    ]
    claimed: dict[str, str] = {}  # built-in kind -> prefix
    plan: list[tuple[str, str, str, list[Document], str]] = []  # name, base, prefix, docs, why
    # exact built-in prefixes first, then synonyms (by prefix, then by folder name)
    for p, _ in groups:
        if p in builtin_prefix:
            claimed[builtin_prefix[p]] = p
    for p, ds in groups:
        folder = _folder_of([d.path or "" for d in ds])
        where = f"{_n(len(ds), 'document')} with {p}-nnn IDs (e.g. {ds[0].id}) under {folder}"
        if p in builtin_prefix:
            name = builtin_prefix[p]
            plan.append((name, name, p, ds, f"{where}: the built-in {name} prefix"))
            continue
        base = _builtin_for(p)
        reason = f"the prefix {p} means {base}" if base else ""
        if base is None:
            base = _builtin_for(folder.rsplit("/", 1)[-1])
            reason = f"the folder name means {base}" if base else ""
        if base is not None and base not in claimed:
            claimed[base] = p
            plan.append((base, base, p, ds, f"{where}: {reason}, so the built-in {base} kind"))
        else:
            like = base or "SPEC"
            plan.append((p, like, p, ds, f"{where}: a kind of its own, built on {like}"))
    kinds: list[InferredKind] = []
    for name, base, prefix, ds, why in plan:
        paths = [d.path or "" for d in ds]
        lengths = Counter(
            len(m.group(1)) for d in ds if d.id and (m := _TRAILING_NUMBER.search(d.id))
        )
        digits = lengths.most_common(1)[0][0] if lengths else 3
        kinds.append(
            InferredKind(name, base, prefix, _folder_of(paths), min(max(digits, 1), 9), why)
        )
    # folders named like a built-in kind that is still free, whose files carry no IDs
    taken = {k.folder for k in kinds}
    folders: dict[str, int] = Counter()
    for d in docs:
        if d.path and "/" in d.path:
            folders[d.path.rsplit("/", 1)[0]] += 1
    for folder, count in sorted(folders.items()):
        base = _builtin_for(folder.rsplit("/", 1)[-1])
        if (
            base is None
            or base in claimed
            or any(folder == t or folder.startswith(t + "/") for t in taken if t != ".")
        ):
            continue
        claimed[base] = defaults[base].prefix
        kinds.append(
            InferredKind(
                base,
                base,
                defaults[base].prefix,
                folder,
                defaults[base].digits,
                f"{_n(count, 'document')} without IDs in {folder}: the folder name means {base}",
            )
        )
    return kinds


def _infer_field_aliases(docs: list[Document]) -> tuple[list[FieldAlias], dict[str, str]]:
    known = set(DEFAULT_FIELD_ALIASES)
    counts: Counter[tuple[str, str]] = Counter()
    spelled: dict[str, Counter[str]] = defaultdict(Counter)
    known_used: dict[str, str] = {}
    for d in docs:
        seen: set[str] = set()
        for f in d.fields:
            key = norm_key(f.name)
            if key in known:
                if key != DEFAULT_FIELD_ALIASES[key].replace("_", " ") and key not in seen:
                    known_used[f.name] = DEFAULT_FIELD_ALIASES[key]
                continue
            target = _FIELDS.get(key)
            if target is None or key in seen:
                continue
            seen.add(key)
            counts[(key, target)] += 1
            spelled[key][f.name] += 1
    aliases = [
        FieldAlias(spelled[key].most_common(1)[0][0], target, n)
        for (key, target), n in sorted(counts.items())
    ]
    return aliases, known_used


def _words_of(value: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(value))


def _head(value: str) -> str:
    """The status phrase at the start of ``value``: before any explanation, without a
    trailing version (``RÉVISÉ v2 — …`` -> ``RÉVISÉ``)."""
    m = _CUT.search(value)
    text = value[: m.start()] if m else value
    tokens = [t.group(0) for t in _words_of(text)]
    while tokens and any(ch.isdigit() for ch in tokens[-1]):
        tokens.pop()
    return " ".join(tokens)


def _pretty(phrase: str) -> str:
    """A new status word as a heading would write it: ``pending_release`` -> ``Pending Release``."""
    words = [w for w in re.split(r"[\s_\-]+", phrase) if w]
    if phrase.isupper() or phrase.islower():
        return " ".join(w.capitalize() for w in words)
    return " ".join(words)


def _resolve(kind: KindConfig, concept: str) -> str | None:
    """The kind's status that a word of ``concept`` means, where that is clear."""
    own = {c: s for s in kind.statuses if (c := concept_of(s)) is not None}
    if concept in own:
        return own[concept]
    hits = [own[c] for c in _CARRIES_OVER.get(concept, ()) if c in own]
    return hits[0] if len(hits) == 1 else None


def _phrase_key(value: str, key: str) -> bool:
    """Whether ``value`` starts with a phrase whose comparison key is ``key``."""
    tokens = _words_of(value)
    return any(
        norm_key(value[tokens[0].start() : tokens[n - 1].end()]) == key
        for n in range(1, min(len(tokens), 4) + 1)
    )


def _classify(
    kind: KindConfig, values: Mapping[str, list[str]], notes: dict[str, str]
) -> tuple[list[StatusWord], dict[str, str], list[str]]:
    """Sort each status value a kind's documents use into known / alias / new / unknown.

    Returns the words, the aliases to write (as the documents most often spell
    them) and the new statuses.
    """
    words: list[StatusWord] = []
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    alias_target: dict[str, str] = {}
    # candidate new statuses: key -> (pretty word, documents, is a known status word)
    candidates: dict[str, tuple[str, set[str], bool]] = {}
    undecided: list[tuple[str, list[str], str]] = []
    for value, paths in sorted(values.items()):
        hit = kind.canonical_status(value)
        if hit is not None:
            words.append(StatusWord(value, "known", hit, paths, f"means {hit} already"))
            continue
        tokens = _words_of(value)
        key: str | None = None
        for n in range(min(len(tokens), 4), 0, -1):
            phrase = value[tokens[0].start() : tokens[n - 1].end()]
            concept = concept_of(phrase)
            if concept is None:
                continue
            target = _resolve(kind, concept)
            if target is not None:
                spellings[norm_key(phrase)][phrase] += len(paths)
                alias_target[norm_key(phrase)] = target
                why = f"a word for {concept.replace('_', ' ')}"
                words.append(StatusWord(value, "alias", target, paths, why))
                key = ""
            else:
                key = norm_key(phrase)
                pretty, seen, _ = candidates.get(key, (_pretty(phrase), set(), True))
                candidates[key] = (pretty, seen | set(paths), True)
            break
        if key is None:
            head = _head(value)
            if head and len(head.split()) <= 3:
                key = norm_key(head)
                pretty, seen, known = candidates.get(key, (_pretty(head), set(), False))
                candidates[key] = (pretty, seen | set(paths), known)
            else:
                why = "not a status word specbook knows"
                words.append(StatusWord(value, "unknown", None, paths, why))
                continue
        if key:
            undecided.append((value, paths, key))
    added = {
        key: pretty
        for key, (pretty, seen, known) in sorted(candidates.items())
        if known or len(seen) >= 2
    }
    for value, paths, key in undecided:
        if key in added:
            why = (
                f"a status word the {kind.name} kind has no status for"
                if candidates[key][2]
                else "this book's own word, used by more than one document"
            )
            words.append(StatusWord(value, "new", added[key], paths, why))
        else:
            why = "one document's word, not a status specbook knows"
            words.append(StatusWord(value, "unknown", None, paths, why))
    aliases = {
        spellings[key].most_common(1)[0][0]: target for key, target in sorted(alias_target.items())
    }
    for alias in aliases:
        key = norm_key(alias)
        using = {
            p for w in words if w.outcome == "alias" for p in w.paths if _phrase_key(w.word, key)
        }
        concept = concept_of(alias) or ""
        notes[alias] = f"{_n(len(using), 'document')}; a word for {concept.replace('_', ' ')}"
    words.sort(key=lambda w: (w.outcome, w.word))
    return words, aliases, list(added.values())


def infer(root: Path, name: str | None = None) -> Adoption:
    """Infer a book's config from the Markdown files under ``root``; reads only.

    Raises :class:`UsageError` when ``root`` is not a folder or holds no Markdown.
    """
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder; give the folder that holds the documents")
    root = root.resolve()
    rels = markdown_files(root)
    if not rels:
        raise UsageError(
            f"{root}: no Markdown files found; point adopt at the folder holding the documents"
        )
    base = default_config(root)
    first = list(_parse_all(root, rels, base))
    field_aliases, known_fields = _infer_field_aliases(first)
    kinds = _infer_kinds(first, root)
    adoption = Adoption(root, name or root.name, kinds, field_aliases, known_fields, [])
    # Statuses: read every document as the book will see it with the kinds in place.
    for k in kinds:
        k.statuses = list(default_config(None).kinds[k.base].statuses)
    draft = adoption.config()
    book = Book(draft)
    in_book = {book.rel(p) for p in book.path_strings()}
    adoption.outside = [r for r in rels if r not in in_book]
    by_kind: dict[str, list[Document]] = defaultdict(list)
    for d in _parse_all(root, sorted(in_book), draft):
        if d.kind is not None:
            by_kind[d.kind].append(d)
    for k in kinds:
        kc = draft.kinds[k.name]
        docs = by_kind.get(k.name, [])
        k.documents = [d.path or "" for d in docs]
        values: dict[str, list[str]] = defaultdict(list)
        for d in docs:
            for f in d.fields:
                value = f.value.strip()
                if f.key != "status" or not value or is_placeholder(value):
                    continue
                if (d.path or "") not in values[value]:
                    values[value].append(d.path or "")
        k.words, k.status_aliases, new = _classify(kc, values, k.alias_notes)
        k.statuses = list(kc.statuses) + [s for s in new if s not in kc.statuses]
        k.required_fields = _required(default_config(None).kinds[k.base], docs)
    follows, total = _template_fit(draft, by_kind)
    if total and follows * 2 < total:
        why = (
            f"only {follows} of {total} documents have most of their kind's template sections: "
            "they were not written from specbook's templates, so the section rules are off "
            "(delete these tables once they are)"
        )
        adoption.rules_off = {"missing-section": why, "section-order": why}
    adoption.config()  # the result must load with specbook's own loader
    return adoption


def _template_fit(config: BookConfig, by_kind: Mapping[str, list[Document]]) -> tuple[int, int]:
    """How many documents have at least half of their kind's template ``##`` sections."""
    from specbook.lint.template import template_facts

    follows = total = 0
    for name, docs in by_kind.items():
        facts = template_facts(config, config.kinds[name])
        wanted = {norm_key(t) for t in facts.order} if facts is not None else set()
        if not wanted:
            continue
        for d in docs:
            total += 1
            have = {norm_key(s.template_name) for s in d.all_sections() if s.template_name}
            if len(have & wanted) * 2 >= len(wanted):
                follows += 1
    return follows, total


def _required(kind: KindConfig, docs: list[Document]) -> list[str]:
    out = ["id", "status"]
    for key in kind.required_fields:
        if key in out:
            continue
        have = sum(1 for d in docs if d.field(key) is not None)
        if docs and have * 2 >= len(docs):
            out.append(key)
    return out


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
