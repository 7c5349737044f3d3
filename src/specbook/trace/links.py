"""Typed references: what a mention of another document means.

A reference in the value of a relation field (front matter ``supersedes``,
``superseded_by``, ``depends_on``, ``related``…, scalars and lists, block lists too;
a bold line or table row of those names), under the book's field aliases, has that
field's type. Otherwise its type comes from the words just before it on its line
(``Depends on SPEC-003``, ``Fixes BUG-012``, ``Superseded by DEC-004``), or before the
list it is an item of (``Depends on:`` and one ID per item below), else from the
section it sits in (a task's ``Parent``, a spec's ``Dependencies``), else it is a plain
``relates``. The closest phrase before the ID wins, so ``Related: A; depends on B``
types A and B differently, and every ID of a list after a phrase has its type
(``Depends on SPEC-002 (audit) and [SPEC-004](SPEC-004-x.md)``).
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import re
from bisect import bisect_right
from itertools import pairwise
from operator import itemgetter
from typing import NamedTuple

from specbook.core.config import DEFAULT_FIELD_ALIASES
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, Field, Reference
from specbook.core.text import norm_key

RELATES = "relates"
DEPENDS_ON = "depends-on"
SUPERSEDES = "supersedes"
SUPERSEDED_BY = "superseded-by"
FIXES = "fixes"
IMPLEMENTS = "implements"

REF_TYPES = (RELATES, DEPENDS_ON, SUPERSEDES, SUPERSEDED_BY, FIXES, IMPLEMENTS)

# "Superseded by" in the languages teams write statuses in (`SUPERSÉDÉ par ADR-038`,
# `Reemplazado por`, `Ersetzt durch`, `Vervangen door`); the passive forms only:
# their active forms ("remplace", "replaces") are used loosely for partial changes.
_SUPERSEDED_BY_WORLD = (
    r"\b(?:supers[ée]d[ée]e?s?|remplac[ée]e?s?|reemplazad[oa]s?|sustituid[oa]s?|"
    r"substitu[íi]d[oa]s?|sostituit[oa]|ersetzt|vervangen)\s+(?:par|por|durch|door|da)\b"
)

# Phrases and how many other words may stand between each and the first ID it types
# ("Related Specs: X" has one); -1 marks an imperative ("Fix BUG-1"), which counts
# only at the start of a line, item or field value and right before the ID. Passive
# forms point the other way ("Fixed by X": X fixes this one), so they only relate.
_PHRASES: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (lazy_compile(r"\b(?:superseded|replaced|obsoleted)\s+by\b", re.I), SUPERSEDED_BY, 1),
    (lazy_compile(_SUPERSEDED_BY_WORLD, re.I), SUPERSEDED_BY, 1),
    (lazy_compile(r"\b(?:supersedes|replaces|obsoletes)\b", re.I), SUPERSEDES, 1),
    (lazy_compile(r"\b(?:fixed|resolved|closed|implemented)\s+by\b", re.I), RELATES, 1),
    (lazy_compile(r"\b(?:depends\s+on|dependenc(?:y|ies)|blocked\s+by|requires)\b", re.I),
     DEPENDS_ON, 3),
    (lazy_compile(r"\b(?:fixes|resolves|closes)\b", re.I), FIXES, 2),
    (lazy_compile(r"\b(?:fix|resolve|close)\b", re.I), FIXES, -1),
    (lazy_compile(r"\b(?:implements|parent|realizes|delivers)\b", re.I), IMPLEMENTS, 2),
    (lazy_compile(r"\bimplement\b", re.I), IMPLEMENTS, -1),
    (lazy_compile(r"\b(?:related|relates|see|links?)\b", re.I), RELATES, 3),
)  # fmt: skip

# What every one of SUPERSEDE_PHRASES holds, lower-cased as bytes (a cheap first look)
SUPERSEDE_STEMS = (
    b"supersed",
    b"supers\xc3",  # supersédé, supersède (ASCII lower() leaves the É/é bytes)
    b"remplac",
    b"reemplaz",
    b"sustitu",
    b"substitu",
    b"sostitu",
    b"ersetzt",
    b"vervang",
)

# Only the words SB402 reads as a supersede link in prose ("replaces" is used loosely).
SUPERSEDE_PHRASES: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (lazy_compile(r"\bsuperseded\s+by\b", re.I), SUPERSEDED_BY, 1),
    (lazy_compile(_SUPERSEDED_BY_WORLD, re.I), SUPERSEDED_BY, 1),
    (lazy_compile(r"\bsupersedes\b", re.I), SUPERSEDES, 1),
)

# What any match of each phrase pattern holds, lower-cased (ASCII text only: under
# re.I, `ſ` and the Kelvin sign match `s` and `k`): a first look with `in` that spares
# the pattern searches, most of an index record's cost. A pattern missing here is
# always searched (tests/test_links.py checks that none is).
_PHRASE_STEMS: dict[str, tuple[str, ...]] = {
    r"\b(?:superseded|replaced|obsoleted)\s+by\b": ("superseded", "replaced", "obsoleted"),
    _SUPERSEDED_BY_WORLD: (
        "supersed", "remplac", "reemplazad", "sustituid", "substitu", "sostituit", "ersetzt",
        "vervangen",
    ),
    r"\b(?:supersedes|replaces|obsoletes)\b": ("supersedes", "replaces", "obsoletes"),
    r"\b(?:fixed|resolved|closed|implemented)\s+by\b": (
        "fixed", "resolved", "closed", "implemented",
    ),
    r"\b(?:depends\s+on|dependenc(?:y|ies)|blocked\s+by|requires)\b": (
        "depends", "dependenc", "blocked", "requires",
    ),
    r"\b(?:fixes|resolves|closes)\b": ("fixes", "resolves", "closes"),
    r"\b(?:fix|resolve|close)\b": ("fix", "resolve", "close"),
    r"\b(?:implements|parent|realizes|delivers)\b": (
        "implements", "parent", "realizes", "delivers",
    ),
    r"\bimplement\b": ("implement",),
    r"\b(?:related|relates|see|links?)\b": ("related", "relates", "see", "link"),
    r"\bsuperseded\s+by\b": ("superseded",),
    r"\bsupersedes\b": ("supersedes",),
}  # fmt: skip


Phrases = tuple[tuple[re.Pattern[str], str, int], ...]


# (a pattern finding each place a stem of the phrases starts, the longest stem there
# first; and for each stem, the positions in the phrases of those with a stem inside it)
_Stems = tuple[re.Pattern[str], dict[str, tuple[int, ...]]]


def _phrase_stems(phrases: Phrases) -> _Stems | None:
    """See :data:`_Stems`; ``None`` when a phrase of ``phrases`` has no stems (see
    _PHRASE_STEMS) or is matched with case."""
    per: list[tuple[str, ...]] = []
    for pattern, _, _ in phrases:
        stems = _PHRASE_STEMS.get(pattern.pattern)
        if stems is None or not pattern.flags & re.I:
            return None
        per.append(stems)
    every = sorted({s for stems in per for s in stems}, key=lambda s: (-len(s), s))
    # At a place where stem t starts, the pattern finds the longest stem m starting
    # there: t is inside m, so the phrases of every stem inside m are those present.
    inside = {
        m: tuple(i for i, stems in enumerate(per) if any(t in m for t in stems)) for m in every
    }
    return re.compile("(?=(" + "|".join(re.escape(s) for s in every) + "))"), inside


_STEMS_OF: dict[int, tuple[Phrases, _Stems | None]] = {}


def _phrases_in(text: str, phrases: Phrases) -> Phrases:
    """The phrases of ``phrases`` that may match in ``text``, in their order (those
    left out cannot: no stem of theirs is in it)."""
    hit = _STEMS_OF.get(id(phrases))
    if hit is None or hit[0] is not phrases:  # (the entry keeps the tuple alive)
        hit = _STEMS_OF[id(phrases)] = (phrases, _phrase_stems(phrases))
    info = hit[1]
    if info is None or not text.isascii():
        return phrases
    found = info[0].findall(text.lower())
    if not found:
        return ()  # (most IDs: no phrase before them on the line)
    inside = info[1]
    if len(found) == 1:
        return tuple(phrases[i] for i in inside[found[0]])
    at = sorted({i for m in found for i in inside[m]})
    return tuple(phrases[i] for i in at)


# Fields (canonical keys, after the book's aliases, spaces as `_`) that state a relation.
RELATION_FIELDS = {
    "supersedes": SUPERSEDES,
    "replaces": SUPERSEDES,
    "obsoletes": SUPERSEDES,
    "superseded_by": SUPERSEDED_BY,
    "replaced_by": SUPERSEDED_BY,
    "obsoleted_by": SUPERSEDED_BY,
    "depends_on": DEPENDS_ON,
    "depends": DEPENDS_ON,
    "dependencies": DEPENDS_ON,
    "requires": DEPENDS_ON,
    "blocked_by": DEPENDS_ON,
    "related": RELATES,
    "related_to": RELATES,
    "relates_to": RELATES,
    "see_also": RELATES,
    "parent": IMPLEMENTS,
    "implements": IMPLEMENTS,
    "fixes": FIXES,
}

_SECTION_TYPES = {
    "dependencies": DEPENDS_ON,
    "depends on": DEPENDS_ON,
    "parent": IMPLEMENTS,
    "parent spec": IMPLEMENTS,
    "implements": IMPLEMENTS,
    "fixes": FIXES,
    "supersedes": SUPERSEDES,
    "superseded by": SUPERSEDED_BY,
}
_ID = lazy_compile(r"[A-Z][A-Z0-9]*-\d+(?:/[A-Z]+-?\d+(?:[.-]\d+)*)?")
_AT_START = lazy_compile(r"[\s>*+\-#\d.)\[\]x_`]*(?:[^\W\d_][\w ]*[*_`]*:[\s*_`]*)?", re.I)
_LIST_GLUE = lazy_compile(r"(?:[\s,;&/*_`:()\[\]-]|\band\b|\bor\b)*")
# In a list of IDs: a link's destination (`[SPEC-2](SPEC-2-x.md)`) and a short note in
# parentheses after an ID (`SPEC-2 (audit log)`) are part of the list.
_LINK_DEST = lazy_compile(r"\]\([^()\s]*\)")
_NOTE = lazy_compile(r"\([^()]{0,80}\)")
# A list item's start, up to where its first ID would stand (`- `, `2. [ ] **`).
_ITEM_HEAD = lazy_compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?[*_`\[]*")
_ITEM_WITH_ID = lazy_compile(_ITEM_HEAD.pattern.encode() + rb"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+")
_FRONT_OPEN = lazy_compile(rb"(?:\xef\xbb\xbf)?---[ \t]*(?:\r\n|\r|\n)")
_FRONT_CLOSE = lazy_compile(rb"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n|\Z)", re.MULTILINE)
# `payments:SPEC-004`: a book name glued to the ID by a colon names the book it lives in.
_BOOK_PREFIX = lazy_compile(rb"(?<![\w.:/@-])([A-Za-z0-9][\w.-]*):$")
_NOT_BOOKS = frozenset(
    {"see", "ref", "refs", "re", "fix", "fixes", "closes", "implements", "parent", "related"}
)


class TypedReference(NamedTuple):
    """One reference of a document with its inferred type."""

    source: str | None  # the referring document's ID
    target: str
    requirement: str | None
    type: str
    section: str | None
    line: int
    text: str
    target_book: str | None = None  # the book of a cross-book reference (`payments:SPEC-004`)


def book_prefix(source: bytes, start: int) -> str | None:
    """The book named right before the reference at byte ``start`` of ``source``
    (``payments`` in ``payments:SPEC-004``), or ``None`` for a reference within the book.
    Field names and phrases glued to an ID (``Parent:SPEC-001``) name no book."""
    # (the pattern ends in `:$`, and `$` also matches before a last line break: no
    # colon there, no book; most references)
    if source[start - 1 : start] != b":" and source[start - 2 : start] != b":\n":
        return None
    m = _BOOK_PREFIX.search(source[max(0, start - 80) : start])
    if m is None:
        return None
    name = m.group(1).decode("utf-8", "replace")
    key = norm_key(name)
    if key in _NOT_BOOKS or key in DEFAULT_FIELD_ALIASES:
        return None
    return name


def book_prefixes(doc: Document) -> tuple[str | None, ...]:
    """:func:`book_prefix` of each of ``doc.references``, in their order; worked out once
    per document (the facts and the index record both ask)."""
    memo = doc.derived
    got: tuple[str | None, ...] | None = memo.get("book_prefixes")
    if got is None:
        src = doc.source
        out: list[str | None] = []
        for r in doc.references:
            s = r[4][0]  # (span.start)
            # (the look book_prefix starts with, spared a call: most references)
            if s and (src[s - 1] == 58 or src[s - 2 : s] == b":\n"):  # (58: a colon)
                out.append(book_prefix(src, s))
            else:
                out.append(None)
        got = memo["book_prefixes"] = tuple(out)
    return got


# phrase_type's answers, by the phrases asked for (kept alive by their entry, as in
# _STEMS_OF) and the text: the words before an ID repeat within a book and across
# (`- Depends on `, `| `, `See `: 40-50% of the references of the books tried)
_TYPED: dict[int, tuple[Phrases, dict[str, str | None]]] = {}
_TYPED_MAX = 8192  # texts kept per phrase set (each at most _WINDOW bytes)
_NOT_KEPT = object()


def phrase_type(
    before: str, phrases: tuple[tuple[re.Pattern[str], str, int], ...] = _PHRASES
) -> str | None:
    """The type the words ``before`` an ID give it, or ``None`` when they say nothing.

    A phrase counts when at most a few words stand between it and the first ID after
    it, and only a list of IDs (``Fixes BUG-1, BUG-2 and BUG-3``; IDs may be links
    and carry a short note in parentheses) between that ID and this one. Text before
    a sentence break or a table cell border does not count. ``phrases``: the phrases
    to look for (default: every relation's).
    """
    entry = _TYPED.get(id(phrases))
    if entry is None or entry[0] is not phrases:
        entry = _TYPED[id(phrases)] = (phrases, {})
    memo = entry[1]
    got = memo.get(before, _NOT_KEPT)
    if got is _NOT_KEPT:
        # (only the words after the last sentence break count: that tail is the key
        # most prose lines share, "… This spec builds on "; its answer is the text's)
        tail = _SENTENCE_BREAK.split(before)[-1]
        got = memo.get(tail, _NOT_KEPT) if tail is not before else _NOT_KEPT
        if got is _NOT_KEPT:
            got = _tail_type(tail, phrases)
            _keep(memo, tail, got)
        assert got is None or isinstance(got, str)
        _keep(memo, before, got)
    assert got is None or isinstance(got, str)
    return got


def _keep(memo: dict[str, str | None], text: str, got: str | None) -> None:
    if len(memo) >= _TYPED_MAX:
        memo.clear()
    memo[text] = got


def _phrase_type(before: str, phrases: Phrases) -> str | None:
    """:func:`phrase_type` worked out, nothing kept."""
    # (only the words after the last sentence break or cell border count)
    return _tail_type(_SENTENCE_BREAK.split(before)[-1], phrases)


def _tail_type(tail: str, phrases: Phrases) -> str | None:
    """:func:`phrase_type` of a text with no sentence break or cell border (the phrases
    are looked for there, a short text, most often none or one of the ten)."""
    candidates = _phrases_in(tail, phrases)
    if not candidates:
        return None
    best: tuple[int, str] | None = None
    for pattern, kind, lead in candidates:
        for m in pattern.finditer(tail):
            if best is not None and m.end() <= best[0]:
                continue
            if lead < 0 and not _AT_START.fullmatch(tail[: m.start()]):
                continue  # "No code fix: X" is no instruction to fix X
            if _leads_to_id(tail[m.end() :], max(lead, 0)):
                best = (m.end(), kind)
    return None if best is None else best[1]


_SENTENCE_BREAK = lazy_compile(r"[.!?](?:\s|$)|\|")
_WORD = lazy_compile(r"[^\W_]+")


def _leads_to_id(gap: str, max_lead: int) -> bool:
    first = _ID.search(gap)
    lead = gap if first is None else gap[: first.start()]
    if len(_WORD.findall(lead)) > max_lead:
        return False
    if first is None:
        return True
    rest = _LINK_DEST.sub("]", gap[first.start() :])
    rest = _NOTE.sub(" ", _ID.sub(" ", rest))
    return _LIST_GLUE.fullmatch(rest) is not None


def front_matter_bounds(doc: Document) -> tuple[int, int, int] | None:
    """Where ``doc``'s YAML front matter lies: the byte offsets of its first line
    after ``---``, of its closing line, and after that line; ``None`` without one."""
    memo = doc.derived
    if "front_matter_bounds" not in memo:
        found = None
        if any(f.source == "front_matter" for f in doc.fields):
            src = doc.source
            opener = _FRONT_OPEN.match(src)
            close = _FRONT_CLOSE.search(src, opener.end()) if opener else None
            if opener is not None and close is not None:
                found = (opener.end(), close.start(), close.end())
        memo["front_matter_bounds"] = found
    bounds: tuple[int, int, int] | None = memo["front_matter_bounds"]
    return bounds


def front_matter_end(doc: Document) -> int:
    """The byte offset where ``doc``'s YAML front matter ends (0 when it has none)."""
    bounds = front_matter_bounds(doc)
    return bounds[2] if bounds is not None else 0


_VALUE_SPAN = itemgetter(5)  # (Field.value_span)


def _value_spans(doc: Document) -> tuple[list[int], list[Field]] | None:
    """The start of each value span of ``doc``'s fields in its bytes (not in a sidecar)
    in order, with the fields; ``None`` when two of them overlap (then the first
    field in ``doc.fields`` that holds a place wins, see :func:`field_at`)."""
    memo = doc.derived
    if "value_spans" not in memo:
        # (by the value span itself: spans with the same start and end are on the same
        # lines, so the order is that of (start, end), ties kept in their order)
        own = sorted((f for f in doc.fields if not f.file), key=_VALUE_SPAN)
        values = [f[5] for f in own]
        ok = all(a[1] <= b[0] for a, b in pairwise(values))  # (end <= next start)
        memo["value_spans"] = ([v[0] for v in values], own) if ok else None
    spans: tuple[list[int], list[Field]] | None = memo["value_spans"]
    return spans


def field_at(doc: Document, offset: int) -> Field | None:
    """The field whose value holds byte ``offset`` of ``doc``: a value span that covers
    it, else the front-matter key it stands under (an item of a block list, a value
    continued on the next lines); ``None`` outside every field."""
    fm_end = front_matter_end(doc)
    if offset >= fm_end:
        # (most references: past the front matter, where only a value span holds one)
        spans = _value_spans(doc)
        if spans is not None:
            starts, fields = spans
            k = bisect_right(starts, offset) - 1
            if k >= 0 and offset < fields[k].value_span.end:
                return fields[k]
            return None
    owner: Field | None = None
    for f in doc.fields:
        if getattr(f, "file", None):  # stated in another file (a sidecar): not these bytes
            continue
        vs = f.value_span
        if vs.start <= offset < vs.end:
            return f
        if (
            offset < fm_end
            and f.source == "front_matter"
            and f.span.start <= offset
            and (owner is None or f.span.start > owner.span.start)
        ):
            owner = f
    return owner


def relation_of_field(f: Field) -> str | None:
    """The relation a field states by its name (``superseded_by`` -> superseded-by), or
    ``None`` for any other field."""
    return RELATION_FIELDS.get(f.key.replace(" ", "_"))


def _label_type(
    src: bytes, line_start: int, before: str, phrases: tuple[tuple[re.Pattern[str], str, int], ...]
) -> str | None:
    """The type a label line gives a list of IDs under it: the reference starts a list
    item (``before`` is the item's marker), the items above it (blank lines aside)
    start with IDs too, and the line above them ends in a colon after a phrase
    (``Depends on:``, ``**Supersedes**:``)."""
    if not _ITEM_HEAD.fullmatch(before):
        return None
    pos = line_start
    for _ in range(200):  # (a label that far up is no label of this item)
        if pos <= 0:
            return None
        prev = src.rfind(b"\n", 0, pos - 1) + 1
        line = src[prev : pos - 1].rstrip(b"\r")
        if not line.strip() or _ITEM_WITH_ID.match(line):
            pos = prev
            continue
        text = line.decode("utf-8", "replace")
        if not text.strip().strip("*_`").rstrip().endswith(":"):
            return None
        return phrase_type(text + " ", phrases)
    return None


# How far before an ID on its line the words that type it are looked for (bytes).
_WINDOW = 300

# Words saying a supersede is of a part only ("Replaces: parts of ADR-011", "Remplace
# (partiellement) :"): such a link is a relation, not a supersede the other document
# must answer (SB402).
_PARTIAL = lazy_compile(
    r"\b(?:parts?\s+of|partly|partially|in\s+part|partie?s?\s+d[eu']|partiellement|"
    r"en\s+partie|partes?\s+d[eo]|parcialmente|em\s+parte|en\s+parte|in\s+parte|"
    r"parzialmente|teilweise|teile\s+(?:von|des|der)|gedeeltelijk|delen\s+van)",
    re.I,
)


def reference_type(
    doc: Document,
    ref: Reference,
    phrases: tuple[tuple[re.Pattern[str], str, int], ...] = _PHRASES,
) -> str:
    """The type of one reference of ``doc`` (see the module docstring). ``phrases``:
    the phrases that type a reference in prose (default: every relation's)."""
    start = ref.span.start
    return _type_of(doc, ref, phrases, book_prefix(doc.source, start), field_at(doc, start))


def _type_of(
    doc: Document, ref: Reference, phrases: Phrases, prefix: str | None, f: Field | None
) -> str:
    """:func:`reference_type`, with the reference's :func:`book_prefix` and
    :func:`field_at` given."""
    src = doc.source
    start = ref.span.start
    line_start = src.rfind(b"\n", 0, start) + 1
    # the words before the ID on its line, at most _WINDOW bytes of them: a phrase
    # types a list of IDs after it up to that far (a line of 30,000 references would
    # otherwise be read again for each of them: minutes for one document)
    before = src[max(line_start, start - _WINDOW) : start].decode("utf-8", "replace")
    if f is not None:
        got = relation_of_field(f)
        if got is not None:
            if got in (SUPERSEDES, SUPERSEDED_BY) and _PARTIAL.search(before):
                return RELATES  # "Replaces: parts of ADR-011"
            return got
    if prefix is not None:
        before = before[: -len(prefix) - 1]  # "Depends on payments:X" reads as "Depends on X"
    kind = phrase_type(before, phrases) or _label_type(src, line_start, before, phrases)
    if kind is not None:
        if kind in (SUPERSEDES, SUPERSEDED_BY) and _PARTIAL.search(before):
            return RELATES  # "supersedes parts of DEC-002"
        return kind
    if ref.section is not None:
        got = _SECTION_TYPES.get(norm_key(ref.section))
        if got is not None:
            return got
    return RELATES


def reference_types(
    doc: Document, phrases: Phrases = _PHRASES, which: "list[int] | None" = None
) -> list[str]:
    """:func:`reference_type` of each of ``doc.references`` (of those at the positions
    ``which`` only, when given), in order."""
    refs = doc.references
    prefixes = book_prefixes(doc)
    # (field_at's look past the front matter, done here once for every reference)
    fm_end = front_matter_end(doc)
    spans = _value_spans(doc)
    starts, fields = spans if spans is not None else ([], [])
    out = []
    for i in range(len(refs)) if which is None else which:
        r = refs[i]
        s = r[4][0]  # (span.start)
        if s < fm_end or spans is None:
            f = field_at(doc, s)
        else:
            k = bisect_right(starts, s) - 1
            f = fields[k] if k >= 0 and s < fields[k][5][1] else None  # (value_span.end)
        out.append(_type_of(doc, r, phrases, prefixes[i], f))
    return out


def sidecar_relations(doc: Document) -> list[tuple[str, str, Field]]:
    """(ID, relation type, field) for each ID a relation field of a sidecar file names
    (``superseded-by: KEP-2`` in ``kep.yaml``): the sidecar's bytes are not the
    document's, so these are no :class:`Reference` of it; book rules and the graph
    take them from here, placed at the document's top."""
    out: list[tuple[str, str, Field]] = []
    for f in doc.fields:
        if f.file is None:
            continue
        kind = relation_of_field(f)
        if kind is None:
            continue
        for m in _ID.finditer(f.value):
            target = m.group(0).split("/", 1)[0]
            if target != doc.id:
                out.append((target, kind, f))
    return out


def typed_references(doc: Document) -> list[TypedReference]:
    """Every reference of ``doc`` with its type, in document order (then those of its
    sidecar files' relation fields, at line 1)."""
    source = doc.id
    new = tuple.__new__  # (TypedReference's own __new__ is a Python call per reference)
    out = [
        new(TypedReference, (source, r[0], r[1], kind, r[3], r[4][2], r[2], prefix))
        for r, kind, prefix in zip(
            doc.references, reference_types(doc), book_prefixes(doc), strict=True
        )
    ]
    for target, kind, _ in sidecar_relations(doc):
        out.append(TypedReference(source, target, None, kind, None, 1, target))
    return out
