"""The search query language, parsed once and rendered by each backend.

``webhook signature`` finds documents holding both words, in any of their forms
(``sandbox`` finds "sandboxing" and "Sandboxed", ``cafe`` finds "café");
``"rate limit"`` the exact phrase (a quoted word or phrase matches no other form);
``retr*`` a prefix; ``a OR b`` either; ``-draft`` or ``NOT draft`` excludes a word.
``status:review``, ``type:feature``, ``kind:spec``, ``tag:api``, ``author:ana`` and
``id:SPEC-001`` filter on fields. A query that cannot be read raises
:class:`QueryError` saying what is wrong, never a backend error.
"""

from __future__ import annotations

import functools
import heapq
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from specbook.core.errors import UsageError

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
    exact: bool = False  # quoted: these words only, not their other forms


@dataclass
class Query:
    """A parsed query: groups of terms joined by OR (each group is an AND), and filters."""

    groups: list[list[Term]] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""

    @property
    def has_terms(self) -> bool:
        return any(self.groups)

    @property
    def has_exact(self) -> bool:
        return any(t.exact for g in self.groups for t in g)


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
        exact = '"' in tok and not (prefix and len(words) == 1)
        group.append(Term(words, prefix and len(words) == 1, negated, exact))
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


def _fts5_term(t: Term) -> str:
    quoted = '"' + " ".join(w.replace('"', '""') for w in t.words) + '"'
    return quoted + ("*" if t.prefix else "")


def fts5_expression(q: Query) -> str:
    """``q``'s terms as an SQLite FTS5 MATCH expression (every word quoted) for the
    stemmed ``fts`` table. An exact term matches there as any of its forms, so this
    finds every match and some more; an excluded exact term is left out (excluding
    its other forms would drop true matches): :func:`fts5_exact_conditions` narrows."""
    parts = []
    for g in q.groups:
        pos = " ".join(_fts5_term(t) for t in g if not t.negated)
        neg = "".join(f" NOT {_fts5_term(t)}" for t in g if t.negated and not t.exact)
        parts.append(f"({pos}{neg})")
    return " OR ".join(parts)


def fts5_exact_conditions(q: Query, docid: str) -> tuple[str, list[str]]:
    """For a query with exact terms: an SQL condition on the column ``docid`` that
    holds for the documents ``q`` matches exactly (each group: every term found, in
    the stemmed ``fts`` table or, for an exact term, the unstemmed ``fts_exact``; no
    excluded term found), and its parameters (MATCH expressions)."""
    groups, params = [], []
    for g in q.groups:
        conds = []
        for t in g:
            table = "fts_exact" if t.exact else "fts"
            conds.append(
                f"{docid} {'NOT IN' if t.negated else 'IN'}"
                f" (SELECT rowid FROM {table} WHERE {table} MATCH ?)"
            )
            params.append(_fts5_term(t))
        groups.append("(" + " AND ".join(conds) + ")")
    return "(" + " OR ".join(groups) + ")", params


MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_WIDTH = 160
_SCAN_LIMIT = 200  # matches looked at per document when choosing the snippet line


_TOKEN = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """``word`` (lower case, no diacritics) reduced by the Porter stemmer, as SQLite's
    FTS5 ``porter`` tokenizer reduces it (``sandboxing`` -> ``sandbox``)."""
    return str(_stemmer().stemWord(word))


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer  # type: ignore[import-untyped]  # only searches that show hits

    return snowballstemmer.stemmer("porter")


@functools.lru_cache(maxsize=256)
def _fold_table(chars: frozenset[str]) -> dict[int, str]:
    return {ord(c): f for c in chars if len(f := fold(c).strip()) == 1 and f != c}


def fold_same_length(text: str) -> str:
    """``text`` lower-cased with diacritics removed letter by letter (``Café`` ->
    ``cafe``), keeping every offset (a letter that would change length stays)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    if low.isascii():
        return low
    return low.translate(_fold_table(frozenset(c for c in set(low) if not c.isascii())))


class Matcher(NamedTuple):
    """The words a query looks for, to find the line of a match and mark it:
    (word lower case without diacritics, is a prefix, its stem or ``None`` when only
    the word itself matches)."""

    words: tuple[tuple[str, bool, str | None], ...]

    def matches(self, token: str) -> str | None:
        """The query word ``token`` (folded) is a form of, or ``None``."""
        stemmed: str | None = None
        for word, prefix, root in self.words:
            if token == word or (prefix and token.startswith(word)):
                return word
            if root is not None:
                if stemmed is None:
                    stemmed = stem(token)
                if stemmed == root:
                    return word
        return None


def match_pattern(q: Query) -> Matcher | None:
    """What ``q`` looks for (not the excluded words), or ``None`` when nothing."""
    words: dict[tuple[str, bool], str | None] = {}
    for g in q.groups:
        for t in g:
            if t.negated:
                continue
            folded = [w for part in t.words for w in fold(part).lower().split()]
            for i, w in enumerate(folded):
                prefix = t.prefix and i == len(folded) - 1
                root = None if t.exact or prefix else stem(w)
                if words.get((w, prefix)) is None:  # new, or looked for as itself only
                    words[(w, prefix)] = root
    if not words:
        return None
    ordered = sorted(words.items(), key=lambda kv: (-len(kv[0][0]), kv[0]))
    return Matcher(tuple((w, p, root) for (w, p), root in ordered))


def _occurrences(low: str, matcher: Matcher) -> Iterator[tuple[int, str]]:
    """(offset, query word) of each whole word of ``low`` (folded text) that is a form
    of a query word, in text order; at most _SCAN_LIMIT per query word.

    ``str.find`` of the word (or of its stem less its last letter, which a stemmer may
    change: happy -> happi) is many times faster than tokenizing the whole text. Lazy
    (each word's finds merged in text order): :func:`best_line` mostly stops at the
    first line holding every word, and a long text need not be read past it."""
    if len(matcher.words) == 1:
        return _word_occurrences(low, *matcher.words[0])
    return heapq.merge(*(_word_occurrences(low, *w) for w in matcher.words))


def _word_occurrences(
    low: str, word: str, prefix: bool, root: str | None
) -> Iterator[tuple[int, str]]:
    n = len(low)
    probe = word if root is None else root[: max(1, len(root) - 1)]
    probe = probe if word.startswith(probe) else word
    i = low.find(probe)
    count = 0
    while i >= 0 and count < _SCAN_LIMIT:
        if i == 0 or not low[i - 1].isalnum():
            end = i + len(probe)
            while end < n and low[end].isalnum():
                end += 1
            token = low[i:end]
            if (
                token == word
                or (prefix and token.startswith(word))
                or (root is not None and stem(token) == root)
            ):
                yield i, word
                count += 1
        i = low.find(probe, i + 1)


def best_line(text: str, matcher: Matcher | None) -> tuple[int, str]:
    """(1-based line, snippet) of the line of ``text`` holding the most distinct query
    words in any of their forms (the first such line), the matches marked with
    \\x02 ... \\x03; ``(0, "")`` when no word is found (it matched in a field the text
    lacks)."""
    if matcher is None:
        return 0, ""
    best: tuple[int, int] | None = None  # (distinct words, line start)
    seen: dict[int, set[str]] = {}
    wanted = len(matcher.words)
    for at, word in _occurrences(fold_same_length(text), matcher):
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
    low = fold_same_length(line_text)
    spans: list[tuple[int, int]] = []
    lo, hi = 0, SNIPPET_WIDTH
    for m in _TOKEN.finditer(low):
        if spans and m.start() >= hi:
            break  # past the snippet (a long line: a paragraph) no mark is shown
        if matcher.matches(m.group(0)):
            if not spans and len(line_text) > SNIPPET_WIDTH:
                lo = max(0, m.start() - SNIPPET_WIDTH // 3)
                hi = lo + SNIPPET_WIDTH
            spans.append(m.span())
    parts, pos = [], lo
    for a, b in spans:
        if a < lo or b > hi:
            continue
        parts += [line_text[pos:a], MARK_START, line_text[a:b], MARK_END]
        pos = b
    parts.append(line_text[pos:hi])
    snippet = ("…" if lo else "") + " ".join("".join(parts).split())
    if hi < len(line_text):
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

    parts = []
    for g in q.groups:
        terms = [
            _tsquery_term(t)
            for t in g
            if fold(" ".join(t.words)).strip() and not (t.negated and t.exact)
        ]
        if terms:
            parts.append("(" + " & ".join(terms) + ")")
    return " | ".join(parts)


def _tsquery_term(t: Term, sign: bool = True) -> str:
    words = fold(" ".join(t.words)).lower().split()
    lexemes = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words]
    if t.prefix and lexemes:
        lexemes[-1] += ":*"
    inner = " <-> ".join(lexemes)
    text = f"({inner})" if len(lexemes) > 1 else inner
    return "!" + text if t.negated and sign else text


def tsquery_exact_conditions(q: Query) -> tuple[str, list[str]]:
    """For a query with exact terms: an SQL condition on ``documents d`` (joined to
    ``q``, which has each book's text-search configuration ``cfg``) that holds for
    the documents ``q`` matches exactly: each group's stemmed terms in ``d.tsv``, its
    exact ones in the unstemmed ``d.tsx``; and its parameters (``to_tsquery`` text)."""
    groups, params = [], []
    for g in q.groups:
        conds = []
        for t in g:
            if not fold(" ".join(t.words)).strip():
                continue
            column, cfg = ("d.tsx", "'simple'") if t.exact else ("d.tsv", "q.cfg")
            conds.append(f"{'NOT ' if t.negated else ''}({column} @@ to_tsquery({cfg}, %s))")
            params.append(_tsquery_term(t, sign=False))
        groups.append("(" + (" AND ".join(conds) or "TRUE") + ")")
    return "(" + " OR ".join(groups) + ")", params


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
