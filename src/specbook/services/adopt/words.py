"""The words adopt knows: kind names, field names, status concepts and their place in a
lifecycle. Compared by :func:`specbook.core.text.norm_key` (case, accents and punctuation
ignored)."""

from __future__ import annotations

from specbook.core.text import norm_key

# Built-in kinds a prefix or a folder name means (compared by norm_key).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "DEC": ("dec", "adr", "adrs", "decision", "decisions", "madr", "architecture decisions",
            "decision records", "ad"),
    "SPEC": ("spec", "specs", "specification", "specifications", "feat", "feature", "features",
             "rfc", "rfcs", "prd", "design", "designs", "proposal", "proposals"),
    "BUG": ("bug", "bugs", "issue", "issues", "defect", "defects", "incident", "incidents"),
    "TASK": ("task", "tasks", "todo", "todos", "story", "stories", "ticket", "tickets"),
}  # fmt: skip

# Field names specbook's defaults do not know, by the canonical key they mean.
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "author": ("auteurs", "authors", "reporter", "reported by", "detecte par", "signale par",
               "reportado por", "autores", "written by", "redige par"),
    "owner": ("assigne a", "assigned to", "assignee", "asignado a", "responsable"),
    "approvers": ("decideur", "decideurs", "deciders", "decision makers", "approved by",
                  "approuve par", "aprobado por"),
    "reviewers": ("relecteurs", "revisores", "reviewed by"),
    "modified": ("mis a jour", "mise a jour", "last update", "derniere mise a jour", "modificado",
                 "updated at", "updated on", "modified at", "last modified at"),
    "created": ("date de creation", "fecha de creacion", "creation date", "date created",
                "created at", "created on", "start date"),
    "supersedes": ("remplace", "supersede", "reemplaza", "replaces"),
    "superseded_by": ("remplace par", "supersede par", "reemplazado por", "replaced by"),
    "depends_on": ("depend de", "depende de", "depends upon"),
    "related": ("see also", "related to", "relates to"),
    "tags": ("etiquettes", "etiquetas", "mots cles", "keywords"),
    "priority": ("prio",),
    "severity": ("gravite", "gravedad"),
}  # fmt: skip

# Status concepts: words (any language) that mean one thing.
CONCEPT_WORDS: dict[str, tuple[str, ...]] = {
    "draft": ("draft", "brouillon", "borrador", "bozza", "ebauche"),
    "proposed": ("proposed", "propose", "proposee", "propuesto", "propuesta", "proposta",
                 "suggested", "proposal"),
    "provisional": ("provisional", "provisoire", "tentative"),
    "planned": ("planned", "planifie", "planificado", "scheduled"),
    "review": ("review", "in review", "under review", "en revue", "en relecture", "en revision",
               "en cours de revue", "en revisión", "in discussion", "under discussion"),
    "ready": ("ready", "pret", "listo", "ready for implementation", "ready for development"),
    "approved": ("approved", "approuve", "approuvee", "aprobado", "aprobada", "valide",
                 "validee", "validated", "signed off"),
    "accepted": ("accepted", "accepte", "acceptee", "aceptado", "aceptada", "accettato"),
    "implementable": ("implementable",),
    "active": ("active", "actif", "activo"),
    "experimental": ("experimental", "experimentale", "experimentation"),
    "implemented": ("implemented", "implemente", "implementee", "implementado", "released",
                    "shipped", "deployed", "live", "livre", "desplegado", "en production",
                    "in production"),
    "done": ("done", "complete", "completed", "finished", "fait", "termine", "terminee",
             "hecho", "completado", "terminado", "finalizado", "acheve"),
    "final": ("final", "finalized"),
    "archived": ("archived", "archive", "archivee", "archivado", "retired"),
    "deprecated": ("deprecated", "obsolete", "deprecie", "obsoleto"),
    "superseded": ("superseded", "supersede", "supersedee", "remplace", "remplacee",
                   "reemplazado", "sustituido", "replaced"),
    "rejected": ("rejected", "rejete", "rejetee", "rechazado", "rechazada", "declined",
                 "refuse", "refusee"),
    "withdrawn": ("withdrawn", "retracted", "abandoned", "abandonne"),
    "deferred": ("deferred", "postponed", "on hold", "reporte", "aplazado", "paused"),
    "open": ("open", "ouvert", "ouverte", "abierto", "abierta", "new", "nouveau", "nuevo",
             "reported"),
    "in_progress": ("in progress", "en cours", "en progreso", "en curso", "doing", "started",
                    "ongoing", "wip", "implementing"),
    "fixed": ("fixed", "corrige", "corrigee", "resolved", "resolu", "resolue", "resuelto",
              "corregido", "arreglado"),
    "verified": ("verified", "verifie", "verifiee", "verificado"),
    "closed": ("closed", "clos", "close", "ferme", "fermee", "cerrado", "cerrada"),
    "wontfix": ("wontfix", "won t fix", "will not fix"),
    "todo": ("todo", "to do", "a faire", "pendiente", "backlog"),
    "blocked": ("blocked", "bloque", "bloquee", "bloqueado"),
    "cancelled": ("cancelled", "canceled", "annule", "annulee", "cancelado"),
}  # fmt: skip

# Where a concept sits in the lifecycles specbook knows (its own kinds, KEPs, PEPs, MADR,
# Rust RFCs): lower comes first. 5 and above are ends (closed, rejected, superseded…):
# a document rests there, and can only be reopened.
RANK: dict[str, float] = {
    "draft": 0, "todo": 0, "open": 0, "proposed": 0.5, "provisional": 0.5, "planned": 0.7,
    "review": 1, "ready": 1.5, "approved": 2, "accepted": 2, "implementable": 2,
    "active": 3, "in_progress": 3, "experimental": 3, "blocked": 3.2, "implemented": 4,
    "done": 4, "fixed": 4, "final": 4, "verified": 4.5, "closed": 5, "archived": 5,
    "rejected": 6, "withdrawn": 6, "deferred": 6, "cancelled": 6, "wontfix": 6,
    "deprecated": 6.5, "superseded": 7,
}  # fmt: skip
END_RANK = 5.0  # statuses from here on are where documents end

# Where a kind has no status of a word's own meaning, the meaning that carries over.
CARRIES_OVER: dict[str, tuple[str, ...]] = {
    "approved": ("accepted",),
    "accepted": ("approved",),
    "implementable": ("approved", "accepted"),
    "done": ("implemented", "fixed"),
    "final": ("implemented", "done"),
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


def stem_phrase(text: str) -> str:
    return " ".join(_stem(w) for w in norm_key(text).split())


_CONCEPTS: dict[str, str] = {
    stem_phrase(w): concept for concept, words in CONCEPT_WORDS.items() for w in words
}
FIELDS: dict[str, str] = {norm_key(w): key for key, words in FIELD_WORDS.items() for w in words}


def concept_of(text: str) -> str | None:
    """The status concept ``text`` (one status word or phrase) means, or ``None``."""
    return _CONCEPTS.get(stem_phrase(text))


def rank_of(text: str) -> float | None:
    """Where the status ``text`` sits in the lifecycles specbook knows, or ``None``."""
    concept = concept_of(text)
    if concept is None:  # `superseded by X`, `Draft (analysis)`: the leading words
        words = norm_key(text).split()
        while len(words) > 1 and concept is None:
            words.pop()
            concept = concept_of(" ".join(words))
    return RANK.get(concept) if concept else None


def builtin_for(word: str) -> str | None:
    """The built-in kind a prefix or folder name means (``ADR`` -> DEC), or ``None``."""
    key = norm_key(word)
    for name, words in KIND_WORDS.items():
        if key in words:
            return name
    return None
