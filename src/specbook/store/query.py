"""The search query language, parsed once and rendered by each backend.

``webhook signature`` finds documents holding both words; ``"rate limit"`` a phrase;
``retr*`` a prefix; ``a OR b`` either; ``-draft`` or ``NOT draft`` excludes a word.
``status:review``, ``type:feature``, ``kind:spec``, ``tag:api``, ``author:ana`` and
``id:SPEC-001`` filter on fields. A query that cannot be read raises
:class:`QueryError` saying what is wrong, never a backend error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from specbook.errors import UsageError

FILTER_KEYS = ("status", "type", "kind", "tag", "author", "id")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


class QueryError(UsageError):
    """A search query that cannot be read; the message says what to change."""


@dataclass(frozen=True)
class Term:
    """One thing to look for: a word, a phrase (several words) or a prefix."""

    words: tuple[str, ...]
    prefix: bool = False
    negated: bool = False


@dataclass
class Query:
    """A parsed query: groups of terms joined by OR (each group is an AND), and filters."""

    groups: list[list[Term]] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""

    @property
    def has_terms(self) -> bool:
        return any(self.groups)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i
        while i < n and not text[i].isspace():
            if text[i] == '"':
                close = text.find('"', i + 1)
                if close < 0:
                    raise QueryError(
                        f"search query {text!r}: the quote at character {i + 1} is never "
                        'closed; add the closing " or remove it'
                    )
                i = close + 1
            else:
                i += 1
        out.append(text[start:i])
    return out


def parse_query(text: str) -> Query:
    """Parse a search query (see the module docstring). Raises :class:`QueryError`."""
    q = Query(text=text)
    group: list[Term] = []
    negate_next = False
    pending_or = False
    for tok in _tokens(text):
        if tok == "OR":
            if not group and not q.groups:
                raise QueryError(f"search query {text!r}: OR needs a term on each side")
            pending_or = True
            continue
        if tok == "NOT":
            negate_next = True
            continue
        if tok == "AND":
            continue
        key, sep, value = tok.partition(":")
        if sep and key.lower() in FILTER_KEYS and '"' not in key:
            value = value.strip('"')
            if not value:
                raise QueryError(
                    f"search query {text!r}: the filter {key}: has no value; "
                    f"write it as {key.lower()}:VALUE"
                )
            q.filters.setdefault(key.lower(), []).append(value)
            continue
        negated = negate_next
        negate_next = False
        if tok.startswith("-") and len(tok) > 1:
            negated = True
            tok = tok[1:]
        prefix = tok.endswith("*") and not tok.startswith('"')
        words = tuple(w.lower() for w in _WORD.findall(tok))
        if not words:
            continue  # punctuation only: nothing to look for
        if pending_or:
            if group:
                q.groups.append(group)
            group = []
            pending_or = False
        group.append(Term(words, prefix and len(words) == 1, negated))
    if pending_or:
        raise QueryError(f"search query {text!r}: OR needs a term on each side")
    if group:
        q.groups.append(group)
    for g in q.groups:
        if all(t.negated for t in g):
            raise QueryError(
                f"search query {text!r}: every word of a group is excluded; "
                "give at least one word to look for besides the excluded ones"
            )
    return q


def fts5_expression(q: Query) -> str:
    """``q``'s terms as an SQLite FTS5 MATCH expression (every word quoted)."""

    def term(t: Term) -> str:
        quoted = '"' + " ".join(w.replace('"', '""') for w in t.words) + '"'
        return quoted + ("*" if t.prefix else "")

    parts = []
    for g in q.groups:
        pos = " ".join(term(t) for t in g if not t.negated)
        neg = "".join(f" NOT {term(t)}" for t in g if t.negated)
        parts.append(f"({pos}{neg})")
    return " OR ".join(parts)


MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_WIDTH = 160
_SCAN_LIMIT = 200  # matches looked at per document when choosing the snippet line


class Matcher(NamedTuple):
    """The words a query looks for, to find the line of a match and mark it."""

    words: tuple[tuple[str, bool], ...]  # (lower-case word, is a prefix)
    pattern: re.Pattern[str]


def match_pattern(q: Query) -> Matcher | None:
    """What ``q`` looks for (not the excluded words), or ``None`` when nothing."""
    words = set()
    for g in q.groups:
        for t in g:
            if t.negated:
                continue
            for i, w in enumerate(t.words):
                words.add((w, t.prefix and i == len(t.words) - 1))
    if not words:
        return None
    ordered = tuple(sorted(words, key=lambda wp: (-len(wp[0]), wp)))
    body = "|".join(re.escape(w) + (r"[^\W_]*" if prefix else "") for w, prefix in ordered)
    return Matcher(ordered, re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])", re.IGNORECASE))


def _word_char(c: str) -> bool:
    return c.isalnum()


def _occurrences(text: str, matcher: Matcher) -> list[tuple[int, str]]:
    """(offset, word) of each whole-word match, in text order; at most _SCAN_LIMIT.

    ``str.find`` on the lower-cased text is many times faster than a regular
    expression here; text whose length changes when lower-cased takes the regex.
    """
    low = text.lower()
    if len(low) != len(text):
        return [(m.start(), m.group(0).lower()) for m in matcher.pattern.finditer(text)][
            :_SCAN_LIMIT
        ]
    out: list[tuple[int, str]] = []
    n = len(low)
    for word, prefix in matcher.words:
        i = low.find(word)
        count = 0
        while i >= 0 and count < _SCAN_LIMIT:
            end = i + len(word)
            if (i == 0 or not _word_char(low[i - 1])) and (
                prefix or end >= n or not _word_char(low[end])
            ):
                out.append((i, word))
                count += 1
            i = low.find(word, i + 1)
    out.sort()
    return out


def best_line(text: str, matcher: Matcher | None) -> tuple[int, str]:
    """(1-based line, snippet) of the line of ``text`` holding the most distinct query
    words (the first such line), the matches marked with \\x02 ... \\x03;
    ``(0, "")`` when no word is found (it matched in a field the text lacks)."""
    if matcher is None:
        return 0, ""
    best: tuple[int, int] | None = None  # (distinct words, line start)
    seen: dict[int, set[str]] = {}
    wanted = len(matcher.words)
    for at, word in _occurrences(text, matcher):
        start = text.rfind("\n", 0, at) + 1
        words = seen.setdefault(start, set())
        words.add(word)
        if best is None or len(words) > best[0]:
            best = (len(words), start)
            if len(words) >= wanted:
                break  # every word on one line: no better line exists
    if best is None:
        return 0, ""
    start = best[1]
    end = text.find("\n", start)
    line_text = text[start : end if end >= 0 else len(text)].rstrip("\r")
    first = matcher.pattern.search(line_text)
    lo = 0
    if first is not None and len(line_text) > SNIPPET_WIDTH:
        lo = max(0, first.start() - SNIPPET_WIDTH // 3)
    window = line_text[lo : lo + SNIPPET_WIDTH]
    marked = matcher.pattern.sub(lambda m: MARK_START + m.group(0) + MARK_END, window)
    snippet = ("…" if lo else "") + " ".join(marked.split())
    if lo + SNIPPET_WIDTH < len(line_text):
        snippet += "…"
    return text.count("\n", 0, start) + 1, snippet


# -- PostgreSQL ----------------------------------------------------------------------
# Both sides of a PostgreSQL search see text the way SQLite's unicode61 tokenizer does:
# runs of letters and digits, lower-cased, without diacritics. PostgreSQL's own parser
# would read "SPEC-001" as "spec" and "-001" and "a/b.md" as one file-path word.
_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """``text`` as space-separated words without diacritics (``Café-au`` -> ``Cafe au``)."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text)


def tsquery_expression(q: Query) -> str:
    """``q``'s terms as a PostgreSQL ``to_tsquery`` expression: every lexeme quoted,
    a phrase joined by ``<->``, a prefix as ``:*``, NOT as ``!``, OR as ``|``. The
    result is passed to ``to_tsquery`` as a parameter, never written into SQL."""

    def term(t: Term) -> str:
        words = fold(" ".join(t.words)).lower().split()
        lexemes = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words]
        if t.prefix and lexemes:
            lexemes[-1] += ":*"
        inner = " <-> ".join(lexemes)
        text = f"({inner})" if len(lexemes) > 1 else inner
        return "!" + text if t.negated else text

    parts = []
    for g in q.groups:
        terms = [term(t) for t in g if fold(" ".join(t.words)).strip()]
        if terms:
            parts.append("(" + " & ".join(terms) + ")")
    return " | ".join(parts)


def like_pattern(text: str) -> str:
    """``text`` with the LIKE wildcards escaped (for ``ESCAPE '\\'``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_sql(q: Query, mark: str) -> tuple[str, list[Any]]:
    """``q``'s field filters as SQL over the ``documents d`` columns both backends
    share: ``(" AND …", params)``; ``mark`` is the driver's placeholder (``?`` or
    ``%s``). Several values of one field are alternatives; fields combine."""
    from specbook.store.records import filter_key

    clauses: list[str] = []
    params: list[Any] = []
    for key, values in q.filters.items():
        ors = []
        for v in values:
            if key == "status":
                ors.append(f"(d.status_key = {mark} OR lower(d.status) = lower({mark}))")
                params += [filter_key(v), v]
            elif key == "type":
                ors.append(f"d.type_key = {mark}")
                params.append(filter_key(v))
            elif key == "kind":
                ors.append(f"upper(d.kind) = upper({mark})")
                params.append(v)
            elif key == "id":
                ors.append(f"upper(d.id) LIKE upper({mark}) ESCAPE '\\'")
                params.append(like_pattern(v.rstrip("*")) + ("%" if v.endswith("*") else ""))
            elif key == "tag":
                ors.append(f"d.tags LIKE {mark} ESCAPE '\\'")
                params.append("%|" + like_pattern(filter_key(v)) + "|%")
            elif key == "author":
                ors.append(f"lower(d.author) LIKE lower({mark}) ESCAPE '\\'")
                params.append("%" + like_pattern(v) + "%")
        clauses.append("(" + " OR ".join(ors) + ")")
    return (" AND " + " AND ".join(clauses)) if clauses else "", params
