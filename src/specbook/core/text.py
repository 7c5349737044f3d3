"""Small text helpers shared by the parser, the config and the commands."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache

from specbook.core.lazyre import lazy_compile

_NON_ALNUM = lazy_compile(r"[^0-9a-z]+")
_NUMBERING = lazy_compile(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[ivxlc]+[.)]|[a-z][.)])\s+", re.IGNORECASE)


def fold(text: str) -> str:
    """Case-fold and strip accents: ``Sévérité`` -> ``severite``."""
    if text.isascii():  # (the same, faster: nothing to decompose, casefold is lower)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# norm_key (False) or norm_heading (True) of an ASCII text in one call of the C module
# (``_cscan.norm_ascii``, a tenth of the patterns' time), which specbook.parse.scan sets
# when the module is built; None: the patterns below, its reference.
ascii_norm: Callable[[str, bool], str] | None = None


@lru_cache(maxsize=1 << 16)
def norm_key(text: str) -> str:
    """A comparison key: folded, every run of non-alphanumerics one space, trimmed.

    ``Statut :`` -> ``statut``; ``Spec-ID`` -> ``spec id``; ``✅ Active`` -> ``active``.
    """
    if text.isascii():
        if ascii_norm is not None:
            return ascii_norm(text, False)
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    return _NON_ALNUM.sub(" ", fold(text)).strip()


@lru_cache(maxsize=1 << 16)
def norm_heading(text: str) -> str:
    """A heading's comparison key, without numbering or emoji: ``2.1 Summary ✅`` -> ``summary``."""
    if text.isascii():
        if ascii_norm is not None:
            return ascii_norm(text, True)
        if text[:1].isalpha() and text[1:2] not in _ENDS_NUMBER:
            # (most titles: a word that is no numbering, told without the expression,
            # which was most of the time of a title met for the first time; a numbering
            # there is a letter or a run of roman digits before `.` or `)`)
            roman = len(text) - len(text.lstrip(_ROMAN))
            if not roman or text[roman : roman + 1] not in _ENDS_NUMBER:
                return norm_key(text)
    return norm_key(_NUMBERING.sub("", text, count=1))


_ENDS_NUMBER = (".", ")")
_ROMAN = "ivxlcIVXLC"


_LEADING_SYMBOLS = lazy_compile(r"^[\W_]+")


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


_XXX_ID = lazy_compile(r"[A-Z][A-Z0-9]*-X{2,}")


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


# An ID (or the number of a number-named file) that a template leaves to be filled in:
# `NNNN`, `XXX`, `000`, `SPEC-XXX`, `KEP-NNNN`, `ADR-0000`.
# (patterns compiled on first use: most commands never ask)
_PLACEHOLDER_ID = r"(?:[A-Za-z][A-Za-z0-9]*-)*(?:N+|n+|X+|x+|0+|#+)"


def is_placeholder_id(value: str) -> bool:
    """True for an ID a template leaves to be filled in: ``NNNN``, ``XXX``, ``000``,
    ``SPEC-XXX``, ``KEP-NNNN``, ``ADR-0000`` (a number of zeros only is no number)."""
    return re.fullmatch(_PLACEHOLDER_ID, value.strip()) is not None


# A number-only file or folder name: `0001-private-fields.md`, `1440-kubectl-events`,
# `0048.md` (the number, then nothing or a separator).
_NAME_NUMBER = r"(\d+)(?=$|[-_. ])"


def name_number(name: str) -> str | None:
    """The number a file or folder name starts with, as written (``0001``), or ``None``
    (no number, or a placeholder such as ``0000``)."""
    m = re.match(_NAME_NUMBER, name)
    if m is None or is_placeholder_id(m.group(1)):
        return None
    return m.group(1)


def render_value(value: object) -> str:
    """A field value of any YAML or JSON shape as one readable line: a list is
    ``a, b``, a mapping ``key: value, key: value``; a list or mapping inside another is
    written ``[a, b]`` / ``{key: value}``; no value is ``""``, booleans ``true``/``false``,
    dates ISO (a time ``2024-02-01 10:00:00``). Never a Python repr. (The one rendering
    every face uses.)"""
    if isinstance(value, Mapping):
        return ", ".join(f"{_scalar(k)}: {_nested(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_nested(v) for v in value)
    return _scalar(value)


def _nested(value: object) -> str:
    if isinstance(value, Mapping):
        return "{" + render_value(value) + "}"
    if isinstance(value, list | tuple):
        return "[" + render_value(value) + "]"
    return _scalar(value)


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bytes):  # (YAML !!binary)
        return value.decode("utf-8", "replace")
    return str(value)


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


def is_plain_date(text: str) -> bool:
    """Whether ``text`` is exactly ``YYYY-MM-DD`` in ASCII digits (the usual way a date
    is written, read without an expression)."""
    return (
        len(text) == 10
        and text[4] == "-"
        and text[7] == "-"
        and text.isascii()
        and (text[:4] + text[5:7] + text[8:]).isdigit()
    )


def plain_date(text: str) -> _dt.date | None:
    """The date of an :func:`is_plain_date` text, or ``None`` when it does not exist
    (``2026-02-30``)."""
    try:
        return _dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return None
