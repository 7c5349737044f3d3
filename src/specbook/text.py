"""Small text helpers shared by the parser, the config and the commands."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[ivxlc]+[.)]|[a-z][.)])\s+", re.IGNORECASE)


def fold(text: str) -> str:
    """Case-fold and strip accents: ``Sévérité`` -> ``severite``."""
    if text.isascii():  # (the same, faster: nothing to decompose, casefold is lower)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 16)
def norm_key(text: str) -> str:
    """A comparison key: folded, every run of non-alphanumerics one space, trimmed.

    ``Statut :`` -> ``statut``; ``Spec-ID`` -> ``spec id``; ``✅ Active`` -> ``active``.
    """
    if text.isascii():
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    return _NON_ALNUM.sub(" ", fold(text)).strip()


@lru_cache(maxsize=1 << 16)
def norm_heading(text: str) -> str:
    """A heading's comparison key, without numbering or emoji: ``2.1 Summary ✅`` -> ``summary``."""
    return norm_key(_NUMBERING.sub("", text, count=1))


def field_text(value: object) -> str:
    """A field value of any YAML shape as one readable line, never a Python repr: a
    list ``a, b``, a mapping ``key: value, key: value`` (a list or mapping inside one
    in brackets: ``by: [a, b]``), a date ``2024-02-01``, a time ``2024-02-01 10:00:00``,
    ``true`` / ``false``, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return ", ".join(f"{field_text(k)}: {_inner_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_inner_text(v) for v in value)
    return str(value)


def _inner_text(value: object) -> str:
    """:func:`field_text` of a value inside a list or mapping: nested ones in brackets."""
    if isinstance(value, Mapping):
        return "{" + field_text(value) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + field_text(value) + "]"
    return field_text(value)


_LEADING_SYMBOLS = re.compile(r"^[\W_]+")


def heading_key(text: str) -> str:
    """:func:`norm_heading`, also past leading emoji or symbols, as a person names a
    section: ``🚀 3.2 Rollout`` -> ``rollout``, ``11. Acceptance Criteria`` ->
    ``acceptance criteria``."""
    return norm_heading(_LEADING_SYMBOLS.sub("", text, count=1))


def cells(text: str) -> int:
    """The terminal columns ``text`` takes: two for a wide (East Asian) character, none
    for a combining mark, one for any other."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
        for c in text
    )


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, ending in ``…`` where it was cut."""
    if cells(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        n = cells(c)
        if used + n > width - 1:
            break
        out.append(c)
        used += n
    return "".join(out) + "…"


def slugify(title: str, max_len: int = 60) -> str:
    """A file-name slug: ``User login (v2)!`` -> ``user-login-v2``."""
    slug = _NON_ALNUM.sub("-", fold(title)).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug or "untitled"


_XXX_ID = re.compile(r"[A-Z][A-Z0-9]*-X{2,}")


def is_placeholder(value: str) -> bool:
    """True for an unfilled template prompt: ``[Name]``, ``{{status}}``, ``SPEC-XXX``."""
    v = value.strip()
    if not v:
        return False
    first = v[0]
    if first == "[":
        return v.endswith("]")
    if first == "{":
        return v.startswith("{{") and v.endswith("}}")
    return "-XX" in v and _XXX_ID.fullmatch(v) is not None


# Characters a person's name may not hold: controls (newlines, tabs, ESC, NUL), lone
# surrogates, line/paragraph separators, and the bidi overrides that make text read
# other than it is stored.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be written into a document as a person's name (a newline
    would start a new Metadata line of the writer's choosing), or ``None``."""
    for ch in name:
        if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            return f"holds the control character U+{ord(ch):04X}; give a name on one line"
    return None
