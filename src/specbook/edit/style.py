"""Values written in the form a document already uses.

A team writes its status words its own way (``accepted``, ``ACCEPTED``, ``In
Review``, ``in-progress``, ``**RESOLVED**``), names people its own way (``"@alice"``)
and names its front-matter keys its own way (``superseded_by``, ``superseded-by``,
``supersededBy``, ``Superseded-By``). These functions read that form from what the
document writes now and write a new value in it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from specbook.core.text import norm_key

if TYPE_CHECKING:
    from specbook.core.config import KindConfig

# What may stand before a status word and is not part of it: emoji and symbols
# (``✅ Active``), spaces.
_LEAD = re.compile(r"^[^\w*_`]*", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_JOINED = re.compile(r"^[^\W\d_]+([-_])[^\W\d_]+")
_WRAP = ("**", "__", "`", "*", "_")


def status_in_style(word: str, current: str | None) -> str:
    """The status ``word`` (the book's spelling) written as ``current`` writes its
    status: the case of its first word (``accepted`` -> ``deprecated``, ``ACCEPTÉ`` ->
    ``IMPLÉMENTÉ``), words joined as it joins them (``in-progress``), and emphasis
    around it kept (``**RESOLVED**`` -> ``**VERIFIED**``). Emoji and a trailing note
    belong to the old status and are not carried over. Without a current value,
    ``word`` as it is.
    """
    if not current or not current.strip():
        return word
    text = _LEAD.sub("", current.strip())
    wrap = next((w for w in _WRAP if text.startswith(w) and text[len(w) :].find(w) > 0), "")
    inner = text[len(wrap) :] if wrap else text
    first = _WORD.search(inner)
    if first is None:
        return word
    out = _cased(word, first.group(0))
    joined = _JOINED.match(inner)
    if joined is not None and " " in out:
        out = out.replace(" ", joined.group(1))
    return f"{wrap}{out}{wrap}" if wrap else out


def team_word(kind: KindConfig, status: str, current: str | None) -> str:
    """The word to write for canonical ``status`` in a document whose status reads
    ``current``. When ``current`` is in the team's own vocabulary (one of the book's
    aliases, such as a French team's ``OUVERT`` for Open, or a status the book added
    to specbook's, such as ``in_progress``), the book's alias for ``status`` if it has
    one (``CORRIGÉ`` for Fixed, ``released`` for Implemented); else ``status``, as
    always for a status the book itself added. specbook's built-in synonyms
    (``resolved`` for Fixed) are for reading, not a team's spelling, and a document
    that writes specbook's own words keeps them."""
    from specbook.core.config import default_config

    if not current:
        return status
    builtin = default_config().kinds.get(kind.name)
    if builtin is None or status not in builtin.statuses:
        return status  # a status of the team's own: its spelling is the team's
    own_aliases = {a: t for a, t in kind.status_aliases.items() if a not in builtin.status_aliases}
    builtin_statuses = {norm_key(s) for s in builtin.statuses}
    statuses = {norm_key(s) for s in kind.statuses}
    aliases = {norm_key(a) for a in own_aliases}
    words = norm_key(current).split()
    while words:
        key = " ".join(words)
        if key in aliases or (key in statuses and key not in builtin_statuses):
            break  # the team's own word
        if key in statuses:
            return status  # the document writes specbook's words
        words.pop()
    else:
        return status
    return next((a for a, t in own_aliases.items() if t == status), status)


def _cased(word: str, like: str) -> str:
    letters = [c for c in like if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if all(c.islower() for c in letters):
        return word.lower()
    if any(c.isupper() for c in word):
        return word  # the book's own capitals (In Progress, Won't Fix)
    return " ".join(w[:1].upper() + w[1:] for w in word.split(" "))


def name_in_style(name: str, names: list[str]) -> str:
    """``name`` written as the people already listed are: when every one of them is a
    handle (``@alice``), a one-word name becomes one too."""
    name = name.strip()
    if (
        names
        and all(n.strip().startswith("@") for n in names)
        and not name.startswith("@")
        and not any(c.isspace() for c in name)
    ):
        return "@" + name
    return name


def key_in_style(key: str, existing: list[str]) -> str:
    """A new key for canonical ``key`` (``superseded_by``) named as the ``existing``
    keys are: joined with ``-`` (``creation-date``), ``_`` (``created_at``) or camel
    case (``createdAt``), and capitalised when they all are (``Spec-ID``, ``Title``)."""
    words = [w for w in re.split(r"[_\s-]+", key) if w]
    multi = [k for k in existing if re.search(r"[-_]|[a-z][A-Z]", k)]
    kebab = sum("-" in k for k in multi)
    snake = sum("_" in k for k in multi)
    camel = sum(bool(re.search(r"[a-z][A-Z]", k)) and not re.search(r"[-_]", k) for k in multi)
    capital = bool(existing) and all(k[:1].isupper() for k in existing)
    if camel > max(kebab, snake):
        out = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
        return out[:1].upper() + out[1:] if capital else out
    if capital:
        words = [w[:1].upper() + w[1:] for w in words]
    return ("-" if kebab > snake else "_").join(words)


__all__ = ["key_in_style", "name_in_style", "status_in_style", "team_word"]
