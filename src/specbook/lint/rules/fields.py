"""Rules about header fields: ID, Date, Status, Type, Created, Modified."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from specbook.core.config import KindConfig
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, Field, Section, Span
from specbook.core.text import is_placeholder, is_plain_date, norm_key, plain_date, render_value
from specbook.edit.patch import Patch
from specbook.lint.registry import Report, RuleContext, day_after, rule
from specbook.trace.links import front_matter_bounds

# Values that state "no value" on purpose: not errors, and never compared.
_EXPLICIT_EMPTY = frozenset({"none", "n a", "na", "tbd", "tba", ""})
_DASHES = frozenset({"-", "--", "—", "–"})
# Sections whose fields are the document's header (besides the preamble, section None).
_HEADER_SECTIONS = frozenset(
    {"metadata", "document metadata", "metadatos", "metadonnees", "document information"}
)
_HTML_COMMENT_TAIL = lazy_compile(rb"\s*<!--(?:(?!-->).)*-->\s*$", re.DOTALL)
_YAML_COMMENT = lazy_compile(rb"[ \t]+#")
_EDGE = b"*_` \t"
_DEEP_HEADING = lazy_compile(rb"[ \t]{0,3}#{3,}")
_TRAILING_NOTE = lazy_compile(r"\s*\([^()]*\)$")
# a value written as plain words (no emoji, no explanation): safe to rewrite whole
_WORDY = lazy_compile(r"[^\W\d_](?:[\w' -]*\w)?")
# a real ISO date at the start of a value, followed by nothing, a time or a note
_ISO_LEAD = lazy_compile(r"(\d{4})-(\d{2})-(\d{2})(?=$|T\d|[\s,;(])")
_MARKUP = lazy_compile(r"[*`]")
_DMY = lazy_compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_LOOSE_YMD = lazy_compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$")
_MONTH_DY = lazy_compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DAY_MY = lazy_compile(r"^(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})$")
_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for m in names
}
_ID_VALUE = lazy_compile(r"[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-\d+")
_H1_ID = lazy_compile(r"[^\w\[(\"'`]*([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+)\b")
_FILE_ID = lazy_compile(r"^([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+)(?=$|[-_. ])")
_SOURCE_NAMES = {
    "front_matter": "front matter",
    "bold": "a bold field line",
    "table": "a field table",
    "section": "a section",
    "plain": "a plain field line",
}


# -- helpers -----------------------------------------------------------------------------


def _is_header(f: Field) -> bool:
    return f.section is None or norm_key(f.section) in _HEADER_SECTIONS


def _fields(doc: Document) -> tuple[Field, ...]:
    """The document's fields, without `### Name: value` headings deep in the body
    (`#### Modified: GET /api/x` is a heading, not the Modified field). Computed once
    per document: every field rule asks."""
    memo = doc.derived
    found: tuple[Field, ...] | None = memo.get("fields")
    if found is None:
        src = doc.source
        found = memo["fields"] = tuple(
            [
                f
                for f in doc.fields
                if f.source != "section" or not _DEEP_HEADING.match(src, f.span.start)
            ]
        )
    return found


def _core(doc: Document, f: Field) -> tuple[int, int, str]:
    """The value's own bytes: no emphasis, backticks, quotes, trailing HTML or YAML comment.

    Returns the byte range in the file holding the field (``doc.source``, or a
    sidecar's bytes for a field of one) and its text.
    """
    src = doc.bytes_of(f.file)
    s, e = f.value_span.start, f.value_span.end
    # (the expressions look for a `<!--` and a `#`; most values hold neither, which one
    # byte search tells)
    m = _HTML_COMMENT_TAIL.search(src, s, e) if src.find(b"<!--", s, e) >= 0 else None
    while m is not None and m.start() > s:
        e = m.start()
        m = _HTML_COMMENT_TAIL.search(src, s, e)
    yaml = f.source in ("front_matter", "sidecar")
    if yaml and src[s : s + 1] not in (b'"', b"'") and src.find(b"#", s, e) >= 0:
        c = _YAML_COMMENT.search(src, s, e)
        if c is not None:
            e = c.start()
    if yaml and e - s >= 2 and src[s] == src[e - 1] and src[s] in b"\"'":
        s, e = s + 1, e - 1
    while s < e and src[s] in _EDGE:
        s += 1
    while e > s and src[e - 1] in _EDGE:
        e -= 1
    return s, e, src[s:e].decode("utf-8", "replace")


@lru_cache(maxsize=4096)
def _clean(value: str) -> str:
    """``value`` (as parsed) without emphasis, backticks or a trailing HTML comment."""
    v = value
    while True:
        i = v.rfind("<!--")
        if i < 0 or not v.rstrip().endswith("-->"):
            break
        v = v[:i]
    return v.strip().strip("*_` \t")


def _empty(value: str) -> bool:
    v = value.strip()
    return v in _DASHES or norm_key(v) in _EXPLICIT_EMPTY


def _value_of(doc: Document, f: Field) -> tuple[int, int, str, bool]:
    """The value's byte range and text, and whether those bytes hold exactly the parsed
    value (so that rewriting them is a safe fix). When they do not (a YAML block
    scalar, a table cell with a link), the parsed value and the whole value span.
    Computed once per field of the document: several rules ask."""
    derived = doc.derived
    memo: dict[int, tuple[Field, tuple[int, int, str, bool]]] | None = derived.get("value_of")
    if memo is None:
        memo = derived["value_of"] = {}
    hit = memo.get(id(f))
    if hit is not None and hit[0] is f:
        return hit[1]
    s, e, text = _core(doc, f)
    value = _clean(f.value)
    if text == value:
        found = (s, e, text, True)
    else:
        found = (f.value_span.start, f.value_span.end, value, False)
    memo[id(f)] = (f, found)
    return found


# members of a mapping-valued date field that hold its date (`modified: {by, at}`)
_DATE_MEMBERS = frozenset({"at", "on", "date", "when", "time", "day", "value"})
_LIST_SPLIT = lazy_compile(r"\s*[,;]\s*")


def _structured(doc: Document, f: Field) -> Mapping[Any, Any] | list[Any] | None:
    """The YAML value of a front-matter field that is a mapping or a list (flow
    ``{by: alice, at: 2024-02-01}`` / ``[a, b]``, or a block under the key), else
    ``None``. Only such values are loaded again (the parser keeps field values as text)."""
    if f.source != "front_matter" or getattr(f, "file", None):
        return None
    raw = doc.source[f.value_span.start : f.value_span.end].strip()
    if raw[:1] in (b"{", b"["):
        value = _load_yaml(raw)
    elif not raw:
        block = _front_matter_yaml(doc)
        value = block.get(f.name) if isinstance(block, dict) else None
    else:
        return None
    return value if isinstance(value, Mapping | list) else None


def _load_yaml(raw: bytes) -> Any:
    """``raw`` as YAML, or ``None`` when it is not valid YAML."""
    import yaml

    try:
        return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:  # any YAML error: the value is then compared as text
        return None


def _front_matter_yaml(doc: Document) -> Any:
    """The document's front matter as YAML (loaded once per document, and only for a
    field whose value stands in a block under its key)."""
    memo = doc.derived
    if "front_matter_yaml" not in memo:
        bounds = front_matter_bounds(doc)
        memo["front_matter_yaml"] = (
            _load_yaml(doc.source[bounds[0] : bounds[1]]) if bounds is not None else None
        )
    return memo["front_matter_yaml"]


def _as_date(value: object) -> dt.date | None:
    """A YAML date (or timestamp), or the ISO date a text starts with."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _iso_date(value) if isinstance(value, str) else None


def _date_members(value: Mapping[Any, Any] | list[Any]) -> list[object]:
    """The values of a structured date field that hold dates: a mapping's date members
    (``at``, ``date``, ``on`` …, and any YAML date in it), a list's items."""
    if isinstance(value, list):
        return [v for v in value if not isinstance(v, Mapping | list)]
    return [
        v
        for k, v in value.items()
        if isinstance(v, dt.date) or (norm_key(str(k)) in _DATE_MEMBERS and isinstance(v, str))
    ]


def _member_at(doc: Document, f: Field, text: str) -> tuple[int, int, int] | None:
    """Where ``text``, a member of front-matter field ``f``'s mapping or list, stands:
    its bytes and line (the first place after the key), or ``None``."""
    raw = text.encode("utf-8")
    if not raw:
        return None
    src = doc.source
    at = src.find(raw, f.value_span.start)
    bounds = front_matter_bounds(doc)
    if at < 0 or bounds is None or at >= bounds[1]:
        return None
    return at, at + len(raw), bisect_right(doc.line_starts, at)


def _list_form(items: Iterable[str]) -> str | None:
    """How a list compares: its items, normalized and in order of their text (``[b, a]``
    and ``a, b`` agree); ``None`` for fewer than two items."""
    keys = sorted({" ".join(i.casefold().split()) for i in items if i.strip()})
    return "list:" + "|".join(keys) if len(keys) > 1 else None


def _span(doc: Document, start: int, end: int, line: int) -> Span:
    return Span(start, end, line, line)


def _first_line(doc: Document) -> Span:
    """The document's H1 heading, or its first line."""
    for s in doc.sections:
        if s.level == 1:
            return s.heading
    starts = doc.line_starts
    end = (starts[1] - 1) if len(starts) > 1 else len(doc.source)
    return Span(0, max(end, 0), 1, 1)


def _closest(value: str, words: Iterable[str], table: dict[str, str]) -> str | None:
    """The vocabulary word closest to ``value`` (difflib), or ``None``."""
    import difflib  # (here: only a word off the vocabulary asks; lint FILE starts up)

    keys = {norm_key(w): w for w in words}
    keys.update(table)
    hit = difflib.get_close_matches(norm_key(value), list(keys), n=1, cutoff=0.75)
    return keys[hit[0]] if hit else None


def _yaml_text(doc: Document, f: Field, s: int, text: str) -> str:
    """``text`` made safe for the front matter quoting around byte ``s``."""
    if f.source not in ("front_matter", "sidecar"):
        return text
    before = doc.bytes_of(f.file)[s - 1 : s] if s > 0 else b""
    if before == b"'":
        return text.replace("'", "''")
    if before == b'"':
        return text.replace("\\", "\\\\").replace('"', '\\"')
    return text


def _quote(values: Sequence[str]) -> str:
    return ", ".join(values)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=4096)
def _iso_date(value: str) -> dt.date | None:
    """The real ISO date that ``value`` starts with (``2026-08-16 (note)`` counts)."""
    if is_plain_date(value):  # (the usual case, read without the expressions)
        return plain_date(value)
    m = _ISO_LEAD.match(_MARKUP.sub("", value).strip())
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _guess_date(value: str) -> dt.date | None:
    """The date a non-ISO but unambiguous value means (``2026/3/5``, ``March 5, 2026``,
    ``15/01/2026``)."""
    v = value.strip()
    try:
        m = _LOOSE_YMD.match(v)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _DMY.match(v)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if a > 12 >= b:
                return dt.date(y, b, a)
            if b > 12 >= a:
                return dt.date(y, a, b)
            return None  # 03/04/2026: March or April, nobody knows
        m = _MONTH_DY.match(v)
        if m and m.group(1).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
        m = _DAY_MY.match(v)
        if m and m.group(2).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None
    return None


@lru_cache(maxsize=1024)
def _is_date_key(key: str) -> bool:
    return key in ("date", "created", "modified") or key.endswith("_date")


def _label(f: Field) -> str:
    return f.key.replace("_", " ").capitalize() if f.key != "id" else "ID"


def _lookup(table: dict[str, str], value: str) -> tuple[str | None, bool]:
    """``(word, whole)``: the vocabulary word ``value`` means and whether the whole value
    is that word (not a word followed by an explanation)."""
    words = norm_key(value).split()
    whole = True
    while words:
        hit = table.get(" ".join(words))
        if hit is not None:
            return hit, whole
        words.pop()
        whole = False
    return None, False


_TABLES: dict[tuple[int, str], tuple[KindConfig, dict[str, str]]] = {}


def _status_table(kind: KindConfig) -> dict[str, str]:
    """The kind's status words and aliases by :func:`norm_key` (made once per kind)."""
    hit = _TABLES.get((id(kind), "status"))
    if hit is None or hit[0] is not kind:
        table = {norm_key(s): s for s in kind.statuses}
        for alias, target in kind.status_aliases.items():
            table[norm_key(alias)] = target
        if len(_TABLES) > 64:
            _TABLES.clear()
        hit = _TABLES[(id(kind), "status")] = (kind, table)
    return hit[1]


def _type_table(kind: KindConfig) -> dict[str, str]:
    """The kind's types by :func:`norm_key` (made once per kind)."""
    hit = _TABLES.get((id(kind), "type"))
    if hit is None or hit[0] is not kind:
        if len(_TABLES) > 64:
            _TABLES.clear()
        hit = _TABLES[(id(kind), "type")] = (kind, {norm_key(t): t for t in kind.types})
    return hit[1]


def _vocabulary_check(
    doc: Document,
    fields: Iterable[Field],
    kind: KindConfig,
    what: str,
    words: tuple[str, ...],
    table: dict[str, str],
    spelling: bool = True,
) -> Iterator[Report]:
    """Shared by SB102 and SB103: a value outside ``words``, or (with ``spelling``) one
    not spelled like its word."""
    allowed = _quote(words)
    for f in fields:
        s, e, text, exact = _value_of(doc, f)
        if not text or _empty(text) or is_placeholder(text) or is_placeholder(f.value.strip()):
            continue
        line = f.value_span.line
        word, whole = _lookup(table, text)
        if word is None:
            close = _closest(text, words, table)
            hint = f'; did you mean "{close}"?' if close else ""
            yield Report(
                _span(doc, s, e, line),
                f'{what} "{_short(text)}" is not a {kind.name} {what.lower()}{hint} '
                f"(allowed: {allowed})",
                file=f.file,
            )
            continue
        if not spelling or text == word or not whole or not _WORDY.fullmatch(text):
            continue
        fix = (Patch(s, e, _yaml_text(doc, f, s, word).encode("utf-8")),) if exact else ()
        yield Report(
            _span(doc, s, e, line),
            f'{what} "{text}" means "{word}"; write it as "{word}"',
            fix=fix,
            severity="warning",
            file=f.file,
        )


def _spaced_id(title: str, doc_id: str) -> bool:
    """Whether a title starts with ``doc_id`` written with a space (``ADR 018 — …``):
    after non-word characters, the ID's prefix, a space or ``_``, its number and a word
    boundary. (Compared in place: an expression made of each document's ID was compiled
    anew for nearly every document, a tenth of a millisecond each.)"""
    prefix, _, number = doc_id.rpartition("-")
    middle = len(prefix)
    whole = middle + 1 + len(number)
    # (the expression's `[^\w]*` may give back characters: each start in the run is tried)
    run = _NON_WORD_RUN.match(title)
    for k in range(run.end() if run is not None else 0, -1, -1):
        if (
            title.startswith(prefix, k)
            and title[k + middle : k + middle + 1] in (" ", "_")
            and title.startswith(number, k + middle + 1)
            and _is_word(title[k + whole - 1 : k + whole])
            != _is_word(title[k + whole : k + whole + 1])
        ):
            return True
    return False


_NON_WORD_RUN = lazy_compile(r"[^\w]*")


def _is_word(char: str) -> bool:
    """Whether ``char`` is a word character of a regular expression's ``\\w`` (False
    for no character, as beyond the text's ends)."""
    return char.isalnum() or char == "_"


# -- rules -------------------------------------------------------------------------------


@rule("SB101", "missing-field", severity="error", tags=("fields",))
def missing_field(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A field the kind requires is absent.

    Why: `list`, `search`, the portal and the lifecycle commands read the header
    fields; a SPEC without a Status cannot be moved through its workflow, and one
    without a Date cannot be sorted or checked for staleness. A SPEC requires ID,
    Date, Status and Type (a book sets its own list with `required_fields`).

    Example: a SPEC whose header holds `**ID**`, `**Date**` and `**Status**` but no
    `**Type**` line. A field written in any place counts: front matter, a bold line,
    a field table, the Metadata section or a sidecar file (`kep.yaml`). The ID may also
    stand in the title (`# SPEC-001: Login`, `# ADR 018 — Login`), or, for a kind with
    `ids_from_names`, be the number of the file or folder name (`0001-name.md`). A
    field given with no value at all is reported where it stands; `None`, `-` and
    `N/A` are explicit values and pass.

    Fix: add the field under the title, spelled as in the template (`**Type**: Feature`).
    """
    kind = ctx.kind
    if kind is None:
        return
    have: dict[str, list[Field]] = {}
    for f in _fields(doc):
        have.setdefault(f.key, []).append(f)
    names = _template_names(ctx)
    h1: Section | None = None
    for key in kind.required_fields:
        found = have.get(key)
        if found:
            if not any(_clean(f.value) for f in found):
                f = found[0]
                name = names.get(key, key.replace("_", " ").title() if key != "id" else "ID")
                yield Report(f.span, f"{name} has no value; fill it in", file=f.file)
            continue
        name = names.get(key, key.replace("_", " ").title() if key != "id" else "ID")
        h1 = h1 or next((s for s in doc.sections if s.level == 1), None)
        if key == "id" and h1 is not None and _H1_ID.match(h1.title):
            continue
        if key == "id" and h1 is not None and doc.id and _spaced_id(h1.title, doc.id):
            continue  # `# ADR 018 — Title`: the title states the ID in words
        if key == "id" and kind.ids_from_names and doc.id:
            continue  # the number of its file or folder name is its ID
        if key == "title" and h1 is not None and h1.title.strip():
            continue
        vocab = kind.statuses if key == "status" else kind.types if key == "type" else ()
        hint = f" ({'|'.join(vocab)})" if vocab else ""
        yield Report(
            _first_line(doc),
            f"a {kind.name} needs the field {name}{hint}; "
            f'add a line "**{name}**: …" under the title',
        )


# [lint.rules.invalid-status] / invalid-type: `case`
_CASE = {"case": "exact"}
_CASE_CHOICES = {"case": ("exact", "any")}


@rule(
    "SB102",
    "invalid-status",
    severity="error",
    tags=("fields", "lifecycle"),
    fixable=True,
    options=_CASE,
    option_choices=_CASE_CHOICES,
)
def invalid_status(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A status outside the kind's vocabulary.

    Why: the workflow (`specbook move`), `list --status` and the portal only know
    the kind's statuses; a document with any other word is invisible to them. A
    word that only means a status (`draft`, or an alias the book configures under
    `status_aliases`, such as `Accepté`) works, but the header should say the
    status itself so that every tool and reader agrees.

    Example: `**Status**: Reveiw` is reported as an error with the closest status
    (`did you mean "Review"?`). `**Status**: draft` or `status: accepted` in front
    matter is reported as a warning: "write it as …". Case, accents, emoji and a
    trailing explanation (`✅ Approved (by the board)`) are ignored when matching;
    unfilled prompts such as `[Draft|Review|...]` are left to the placeholder rule.

    Fix: write one of the kind's statuses. `specbook lint --fix` rewrites a case
    variant or an alias to the status word itself, in every place the status is
    written (front matter, bold line, table), and changes no other byte.

    Options: `case = "any"` accepts the team's own spelling: a case variant
    (`accepted`), an alias (`released`) or a word with a trailing note
    (`draft (analysis phase)`) of a known status is no finding; only words that mean
    no status are reported. `specbook adopt` writes it for a book that spells its
    statuses otherwise than specbook. Default `"exact"`.
    """
    kind = ctx.kind
    if kind is None or not kind.statuses:
        return
    fields = [f for f in _fields(doc) if f.key == "status"]
    if fields:
        yield from _vocabulary_check(
            doc,
            fields,
            kind,
            "Status",
            kind.statuses,
            _status_table(kind),
            spelling=ctx.options.get("case", "exact") != "any",
        )


@rule(
    "SB103",
    "invalid-type",
    severity="error",
    tags=("fields",),
    fixable=True,
    options=_CASE,
    option_choices=_CASE_CHOICES,
)
def invalid_type(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A type outside the kind's vocabulary.

    Why: types group documents in `list --type`, in the portal and in reports; a
    type the book does not know puts the document in a group of its own.

    Example: `**Type**: Improvement` in a SPEC (types: Feature, Enhancement, Fix,
    Refactor, Infrastructure) is reported with the closest type. `**Type**: feature`
    is reported as a warning: "write it as Feature". A kind that lists no types
    accepts any type; unfilled prompts are left to the placeholder rule.

    Fix: write one of the kind's types (a book may add its own with `types`).
    `specbook lint --fix` rewrites a case variant to the type word itself.

    Options: `case = "any"` accepts a case variant (`feature`) or a word with a
    trailing note of a known type; only words that mean no type are reported.
    Default `"exact"`.
    """
    kind = ctx.kind
    if kind is None or not kind.types:
        return
    fields = [f for f in _fields(doc) if f.key == "type"]
    if fields:
        yield from _vocabulary_check(
            doc,
            fields,
            kind,
            "Type",
            kind.types,
            _type_table(kind),
            spelling=ctx.options.get("case", "exact") != "any",
        )


@rule("SB104", "invalid-date", severity="error", tags=("fields", "dates"))
def invalid_date(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A date that is not a real ISO `YYYY-MM-DD` date.

    Why: specbook sorts, filters and checks staleness by the Date, Created and
    Modified fields; `03/04/2026` means March or April depending on the reader, and
    `2026-02-30` does not exist.

    Example: `**Date**: 2026-02-30`, `**Created**: March 5, 2026` or
    `due_date: 15/01/2026`. Every field named Date, Created or Modified (or whose
    name ends in "date") is checked. A real date followed by a note
    (`2026-08-16 (pending release)`) or a time passes; `None`, `-`, `N/A`, `TBD` and
    unfilled prompts such as `[YYYY-MM-DD]` are not reported here. A mapping value
    is judged by its date (`modified: {by: alice, at: 2026-02-01}` passes), a list
    by each of its items.

    Fix: write the date as `YYYY-MM-DD` (the message suggests it when the value is
    unambiguous).
    """
    for f in _fields(doc):
        if not _is_date_key(f.key):
            continue
        s, e, text, _ = _value_of(doc, f)
        structured = _structured(doc, f)
        if structured is None and text and _iso_date(text) is not None:
            continue  # (the usual case: a real ISO date)
        line = f.value_span.line
        if structured is not None:
            # `modified: {by: alice, at: 2024-02-01}`: the date is a member's
            members = [m for m in _date_members(structured) if _as_date(m) is None]
            if not members:
                continue
            text = render_value(members[0])
            s, e, line = _member_at(doc, f, text) or (s, e, line)
        elif not text or _empty(text) or is_placeholder(f.value.strip()):
            continue
        if not text or _empty(text) or is_placeholder(text):
            continue
        if _iso_date(text) is not None:
            continue
        sp = _span(doc, s, e, line)
        label = _label(f)
        if _ISO_LEAD.match(_MARKUP.sub("", text)):
            yield Report(
                sp,
                f'{label} "{_short(text)}" is not a real date; write a date that exists',
                file=f.file,
            )
            continue
        guess = _guess_date(text)
        hint = f" (did you mean {guess.isoformat()}?)" if guess else ""
        yield Report(
            sp,
            f'{label} "{_short(text)}" is not an ISO date; write it as YYYY-MM-DD{hint}',
            file=f.file,
        )


@rule("SB105", "id-mismatch", severity="error", tags=("fields", "identity"))
def id_mismatch(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """The ID in the file differs from the ID in the file name.

    Why: people and tools find a document by either one; when they disagree a
    reference to SPEC-002 may open SPEC-001's file, and `specbook show` and the
    links of the portal point at different documents.

    Example: `SPEC-001-login.md` whose header says `**ID**: SPEC-002`. A file whose
    name starts with no ID (`login.md`) is not checked; the ID is the one of the ID
    field, or of the title (`# SPEC-002: Login`) when there is no ID field.

    Fix: rename the file or correct the ID field, whichever is wrong
    (`specbook renumber` changes an ID and every reference to it).
    """
    if not doc.path:
        return
    name = doc.path.replace("\\", "/").rsplit("/", 1)[-1]
    m = _FILE_ID.match(name)
    if m is None:
        return
    file_id = m.group(1)
    found: tuple[str, Span, str | None] | None = None
    for f in _fields(doc):
        if f.key == "id" and _is_header(f):
            s, e, text, _ = _value_of(doc, f)
            if _ID_VALUE.fullmatch(text):
                found = (text, _span(doc, s, e, f.value_span.line), f.file)
                break
    if found is None:
        h1 = next((s for s in doc.sections if s.level == 1), None)
        hm = _H1_ID.match(h1.title) if h1 is not None else None
        if h1 is None or hm is None:
            return
        found = (hm.group(1), h1.heading, None)
    doc_id, span, file = found
    if doc_id == file_id:
        return
    rest = name[len(doc_id) : len(doc_id) + 1]
    if name.startswith(doc_id) and rest in ("", "-", "_", ".", " "):
        return  # `SPEC-001-2-x.md` for SPEC-001: the name does start with the ID
    yield Report(
        span, f"the ID is {doc_id} but the file name says {file_id}; make them agree", file=file
    )


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _comparable(
    doc: Document, f: Field, kind: KindConfig | None
) -> tuple[frozenset[str], str] | None:
    """What SB107 compares: the forms the value agrees with (two places agree when they
    share one), and the text to show; ``None`` to skip. A mapping agrees with any of its
    members (``modified: {by: alice, at: 2024-02-01}`` with ``2024-02-01``), a list
    with the same items in any order."""
    structured = _structured(doc, f)
    if structured is not None:
        shown = render_value(structured)
        if not shown.strip():
            return None
        forms = {_norm(shown)}
        if isinstance(structured, list):
            forms.add(_list_form(render_value(v) for v in structured) or _norm(shown))
        else:
            members = [v for v in structured.values() if not isinstance(v, Mapping | list)]
            forms.update(_norm(render_value(v)) for v in members if render_value(v).strip())
        if _is_date_key(f.key):
            forms.update(
                "date:" + d.isoformat()
                for d in (_as_date(v) for v in _date_members(structured))
                if d is not None
            )
        return frozenset(forms), shown
    _, _, text, _ = _value_of(doc, f)
    if not text or _empty(text) or is_placeholder(text) or is_placeholder(f.value.strip()):
        return None  # an unfilled `{{status}}` says nothing: SB205 reports it
    if f.key == "status":
        word = kind.canonical_status(text) if kind is not None else None
        if word is not None:
            return frozenset({"status:" + word}), text
        # an explanation after the status does not make it another status
        return frozenset({_norm(_TRAILING_NOTE.sub("", text))}), text
    if _is_date_key(f.key):
        d = _iso_date(text)
        if d is not None:
            return frozenset({"date:" + d.isoformat()}), text
    forms = {_norm(text)}
    listed = _list_form(_LIST_SPLIT.split(text))
    if listed is not None:
        forms.add(listed)
    return frozenset(forms), text


@rule("SB107", "conflicting-field", severity="error", tags=("fields",))
def conflicting_field(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """One field given twice (front matter, bold line, table) with different values.

    Why: readers and tools each pick one of the places; when front matter says
    `released` and the bold line says `draft`, half of them see the wrong status.
    It usually means one place was updated and the other forgotten.

    Example: front matter `status: released` and, under the title,
    `**Estado**: En progreso`. Places of the header count: front matter, bold lines
    and tables under the title, a `## Status` section and the Metadata section.
    Values are compared without case and surrounding blanks; statuses by the status
    they mean (`draft` and `Draft` agree), dates by their date
    (`2026-08-16 (v2)` and `2026-08-16` agree). Values of any YAML shape compare by
    what they hold: a list by its items in any order (`reviewers: [Bob, Carol]` and
    `**Reviewers**: Carol, Bob` agree), a mapping with any of its members
    (`modified: {by: alice, at: 2026-02-01}` and `**Modified**: 2026-02-01` agree),
    and the message shows them as written (`by: alice, at: 2026-02-01`). Two
    front-matter keys the book's aliases read as one field (`last_updated` and
    `modified`) are two fields, not one given twice. A place holding an unfilled prompt
    (`**Status**: {{status}}`, `[YYYY-MM-DD]`) gives no value to compare: SB205
    reports it. The finding stands at the second place and names the first.

    Fix: keep the right value in one place and make the others say the same, or
    delete the duplicates.
    """
    kind = ctx.kind
    by_key: dict[str, list[Field]] = {}
    for f in _fields(doc):
        if _is_header(f):
            by_key.setdefault(f.key, []).append(f)
    for key, fields in by_key.items():
        if len(fields) < 2:
            continue
        # (in order of the files, sidecars first, then of their bytes)
        fields.sort(key=lambda f: (f.file is None, f.file or "", f.span.start))
        first: tuple[Field, str] | None = None
        seen: set[str] = set()
        for f in fields:
            c = _comparable(doc, f, kind)
            if c is None:
                continue
            forms, shown = c
            if first is None:
                first = (f, shown)
                seen.update(forms)
                continue
            if forms & seen:
                continue
            if f.source == "front_matter" and first[0].source == "front_matter":
                # two front-matter keys (`last_updated`, `modified`) the book's aliases
                # read as one field are two fields of the team's, not one given twice
                seen.update(forms)
                continue
            seen.update(forms)
            ff, fshown = first
            where = _SOURCE_NAMES.get(ff.source, ff.source)
            if ff.file is not None:
                where = ff.file.rsplit("/", 1)[-1]
            elif ff.source != "front_matter" and ff.section is not None:
                where = f"the {ff.section} section"
            yield Report(
                f.span,
                f'{key.replace("_", " ")} is "{_short(fshown)}" in {where} (line {ff.span.line}) '
                f'but "{_short(shown)}" here; make them agree',
                file=f.file,
            )


_Dated = list[tuple[Field, dt.date, int, int]]


def _header_dates(doc: Document) -> _Dated:
    """SB108's dates of ``doc``: each header Date, Created and Modified field that holds
    one (the latest member of a structured value), with its value's bytes; made once
    per document (the check and its day window both read them)."""
    memo: _Dated | None = doc.derived.get("SB108 dates")
    if memo is not None:
        return memo
    dated: _Dated = []
    for f in _fields(doc):
        if f.key not in ("date", "created", "modified") or not _is_header(f):
            continue
        s, e, text, _ = _value_of(doc, f)
        structured = _structured(doc, f)
        if structured is not None:  # `modified: {by: alice, at: 2024-02-01}`
            dates = [d for d in map(_as_date, _date_members(structured)) if d is not None]
            d = max(dates) if dates else None
            where = _member_at(doc, f, d.isoformat()) if d is not None else None
            if where is not None:
                s, e = where[0], where[1]
                f = f._replace(value_span=Span(s, e, where[2], where[2]))
        else:
            d = _iso_date(text)
        if d is not None:
            dated.append((f, d, s, e))
    doc.derived["SB108 dates"] = dated
    return dated


def _review_dates(doc: Document) -> list[dt.date]:
    """The dates of ``doc``'s Review History rows that hold one (made once per document)."""
    memo: list[dt.date] | None = doc.derived.get("SB108 reviews")
    if memo is None:
        memo = [d for d in (_iso_date(_clean(e.date)) for e in doc.review_history) if d]
        doc.derived["SB108 reviews"] = memo
    return memo


def _date_order_days(doc: Document, ctx: RuleContext) -> tuple[dt.date | None, dt.date | None]:
    """SB108's findings change only on a date the document names (a header date stops
    being in the future, a Review History date starts to count); while a header date
    is in the future, every day (the message names today)."""
    today = ctx.today
    first: dt.date | None = None
    end: dt.date | None = None
    modified = False
    for f, d, _s, _e in _header_dates(doc):
        if d > today:
            return today, day_after(today)
        if first is None or d > first:
            first = d
        modified = modified or f.key == "modified"
    if modified:
        for d in _review_dates(doc):
            if d <= today:
                if first is None or d > first:
                    first = d
            elif end is None or d < end:
                end = d
    return first, end


@rule(
    "SB108",
    "date-order",
    severity="warning",
    tags=("fields", "dates"),
    fixable=True,
    uses_today=True,
    day_window=_date_order_days,
)
def date_order(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """Modified before Created, or a date in the future.

    Why: a Modified date earlier than the Created date, or earlier than the last
    review, means the field was not updated; a date after today is a typo (or a
    plan, which belongs in the Timeline, not the header).

    Example: `**Created**: 2026-03-01` with `**Modified**: 2026-02-01`; a Review
    History row dated 2026-04-02 while Modified says 2026-03-20; `**Date**: 2062-01-01`.
    The latest Review History date counts (rows dated after today are ignored).

    Fix: `specbook lint --fix` sets a Modified date that is too early to the latest
    of Created and the Review History dates, changing only the date's bytes (a note
    after the date stays). A date in the future is reported without a fix: correct it
    by hand.
    """
    today = ctx.today
    dated = _header_dates(doc)
    if not dated:
        return
    for f, d, s, e in dated:
        if d > today:
            yield Report(
                _span(doc, s, e, f.value_span.line),
                f"{_label(f)} {d.isoformat()} is in the future (today is {today.isoformat()}); "
                "correct the date",
                file=f.file,
            )
    created = next((d for f, d, _, _ in dated if f.key == "created"), None)
    reviewed: dt.date | None = None
    if any(f.key == "modified" for f, _, _, _ in dated):
        for rd in _review_dates(doc):
            if rd <= today and (reviewed is None or rd > reviewed):
                reviewed = rd
    for f, d, s, e in dated:
        if f.key != "modified":
            continue
        why: list[str] = []
        if created is not None and d < created:
            why.append(f"Created {created.isoformat()}")
        if reviewed is not None and d < reviewed:
            why.append(f"the latest Review History date {reviewed.isoformat()}")
        if not why:
            continue
        target = max(x for x in (created, reviewed) if x is not None)
        iso = d.isoformat().encode()
        at = doc.bytes_of(f.file).find(iso, s, e)
        fix = (Patch(at, at + len(iso), target.isoformat().encode()),) if at >= 0 else ()
        yield Report(
            _span(doc, s, e, f.value_span.line),
            f"Modified {d.isoformat()} is before {' and '.join(why)}; "
            f"set it to {target.isoformat()}",
            fix=fix,
            file=f.file,
        )


_NAMES: dict[int, tuple[object, dict[str, str], dict[str, str]]] = {}


def _template_maps(ctx: RuleContext) -> tuple[dict[str, str], dict[str, str]]:
    """The template's field names: by canonical key, and by case-folded name."""
    t = ctx.template
    if t is None:
        return {}, {}
    hit = _NAMES.get(id(t))
    if hit is None or hit[0] is not t:
        by_key: dict[str, str] = {}
        by_name: dict[str, str] = {}
        for f in t.document.fields:
            by_key.setdefault(f.key, f.name)
            by_name.setdefault(f.name.casefold(), f.name)
        hit = (t, by_key, by_name)
        _NAMES[id(t)] = hit
    return hit[1], hit[2]


def _template_names(ctx: RuleContext) -> dict[str, str]:
    return _template_maps(ctx)[0]


@rule("SB109", "field-name-case", severity="info", tags=("fields", "style"), fixable=True)
def field_name_case(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A field name spelled with other capitals than in the template.

    Why: the template is the book's house style; `**status**`, `**STATUS**` and
    `**Status**` all work, but mixed spellings make documents look unlike each other
    and make plain-text searches (`grep "**Status**"`) miss some of them.

    Example: `**status**: Draft` where the template writes `**Status**:`, or
    `| Id | SPEC-004 |` where it writes `**ID**`. Names in front matter (`status:`)
    follow YAML conventions and are not checked; a name in another language
    (`**Estado**`) is not a different spelling and is left alone.

    Fix: `specbook lint --fix` rewrites the name's letters as the template spells
    them, and nothing else on the line.
    """
    if ctx.template is None:
        return
    _, by_name = _template_maps(ctx)
    if not by_name:
        return
    src = doc.source
    for f in _fields(doc):
        if f.source in ("front_matter", "section", "sidecar"):
            continue
        want = by_name.get(f.name.casefold())
        if want is None or want == f.name:
            continue
        raw = f.name.encode("utf-8")
        at = src.find(raw, f.span.start, f.value_span.start)
        if at < 0:
            continue
        line = f.span.line
        yield Report(
            Span(at, at + len(raw), line, line),
            f'field name "{f.name}" is spelled "{want}" in the template; write "{want}"',
            fix=(Patch(at, at + len(raw), want.encode("utf-8")),),
        )
