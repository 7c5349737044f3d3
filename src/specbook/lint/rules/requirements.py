"""Rules about functional and non-functional requirements (FR-n, NFR-n)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import compress

from specbook.core.config import BookConfig
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, Requirement, Section, Span
from specbook.core.text import heading_key
from specbook.lint.registry import Report, RuleContext, rule
from specbook.lint.rules.sections import section_walk
from specbook.templates.facts import MUSTACHE, PROMPT

# Sections whose list items mention requirements without defining them.
_NOT_DEFINING = ("out of scope", "non goals", "traceab", "related", "reference", "see also")
_NOT_DEFINING_WORD = lazy_compile("|".join(_NOT_DEFINING))

# The names (heading_key) of a section holding acceptance criteria of its own, in the
# languages specbook reads (a name may be followed by more words: `(MVP)`).
ACCEPTANCE_SECTIONS = (
    "acceptance criteria",
    "acceptance tests",
    "acceptance",
    "criteres d acceptation",
    "criteres d acceptance",
    "conditions d acceptation",
    "criterios de aceptacion",
    "criterio de aceptacion",
    "criterios de aceitacao",
    "criteri di accettazione",
    "akzeptanzkriterien",
    "abnahmekriterien",
    "acceptatiecriteria",
)
# a part of each name of ACCEPTANCE_SECTIONS (the test below checks that each has one)
_ACCEPTANCE_STEMS = ("accept", "acept", "aceit", "accett", "akzept", "abnahme")
_ACCEPTANCE_STEM = lazy_compile("|".join(_ACCEPTANCE_STEMS))
_NOT_WORDS = lazy_compile(r"[\W_]+")
_LEADING_NUMBERS = lazy_compile(r"^(?:\d+ )+")
_ITEM_MARK = lazy_compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s*)?")

# A number (not glued to a word before it: `p95` is a name) followed by a unit, a
# percent sign or a rate; or an amount of money.
_NUMBER = r"(?<![A-Za-z0-9_.])(?:\d+(?:[.,]\d+)*|\.\d+)"
_WORDS = (
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|fifty|hundred|thousand|million|billion)"
)
_MEASURED_NUMBER = (
    rf"{_NUMBER}\s*(?:%|‰|[A-Za-zµμ°/×])|[$€£¥]\s*\d"
    r"|\b\d{4}-\d{2}-\d{2}\b"  # a date is a deadline
)
_MEASURED_WORDS = rf"{_WORDS}\s+[A-Za-z]"
# (two searches, the number's first: one expression of both tried the twenty words,
# without regard to case, at every place of every text, most of is_measurable's time)
_MEASURED_BY_NUMBER = lazy_compile(_MEASURED_NUMBER, re.IGNORECASE)
_MEASURED_BY_WORDS = lazy_compile(_MEASURED_WORDS, re.IGNORECASE)
# the same for an ASCII text in lower case (ASCII letters fold only among themselves)
_MEASURED_BY_LOWER_WORDS = lazy_compile(_MEASURED_WORDS)
_ANY_NUMBER = lazy_compile(_NUMBER)
_EXPLICIT_NONE = {"n/a", "na", "none", "-", "—", "–"}
_REQ_NUMBER = lazy_compile(r"^(.*?)(\d+)$")
_SUB_NUMBER = lazy_compile(rb"[.]\d")
# an ID whose last number starts with a zero (`FR-03`, `FR-020-001`): it may have the
# number of another ID written otherwise (`FR-3`)
_PADDED = lazy_compile(r"(?<!\d)0\d*$", re.MULTILINE)
# `FR-32, FR-33 (observability)`: a list of requirements mentioned, none defined
_MENTION_LIST = lazy_compile(r"^\s*(?:[,;&/]|and\b|or\b)")
_new = tuple.__new__  # builds a Span without its Python-level __new__


def _line_span(doc: Document, line: int, start: int | None = None) -> Span:
    """The bytes of line ``line`` (1-based) without its newline, from ``start`` if given."""
    starts = doc.line_starts
    s = starts[line - 1] if 0 < line <= len(starts) else 0
    e = starts[line] if line < len(starts) else len(doc.source)
    while e > s and doc.source[e - 1] in b"\r\n":
        e -= 1
    if start is not None and s <= start <= e:
        s = start
    return _new(Span, (s, e, line, line))


def _id_span(doc: Document, req: Requirement) -> Span:
    """The span of the requirement's ID where it is defined (its first line)."""
    line = _line_span(doc, req.span.line)
    rid = req.id.encode()
    at = doc.source.find(rid, max(req.span.start, line.start), line.end)
    if at < 0:
        return _line_span(doc, req.span.line, req.span.start)
    return _new(Span, (at, at + len(rid), line.line, line.line))


def _part_follows(src: bytes, starts: tuple[int, ...], req: Requirement) -> bool:
    """Whether ``req``'s ID, where it is defined (the end of :func:`_id_span`), is
    followed by ``.`` and a digit: ``FR-1`` read from ``FR-1.1``, a part of FR-1. Read
    without making spans: the ID is searched up to the next line's start, not the line's
    end, which finds the same (an ID holds no line break); where the line does not hold
    it, the span would end at a line break, followed by no ``.``."""
    sp = req.span
    line = sp.line
    s = starts[line - 1] if 0 < line <= len(starts) else 0
    e = starts[line] if line < len(starts) else len(src)
    rid = req.id.encode()
    at = src.find(rid, sp.start if sp.start > s else s, e)
    return at >= 0 and _SUB_NUMBER.match(src, at + len(rid)) is not None


def defined_requirements(doc: Document) -> list[Requirement]:
    """The requirements a document defines (computed once per document)."""
    memo = doc.derived
    found: list[Requirement] | None = memo.get("defined_requirements")
    if found is None:
        found = memo["defined_requirements"] = _defined_requirements(doc)
    return found


def _defined_requirements(doc: Document) -> list[Requirement]:
    """The requirements a document defines.

    When the document has sections about requirements (``Requirements``,
    ``Functional Requirements``…), only the items inside them count; items in an
    ``Out of Scope`` or traceability section mention requirements but do not define
    them, and ``FR-1.1`` is a part of FR-1, not a second FR-1.
    """
    reqs = doc.requirements
    if not reqs:
        return []
    inside: list[tuple[int, int]] = []
    outside: list[tuple[int, int]] = []
    nodes = section_walk(doc).nodes
    for role, _, places in _named_sections(doc):
        if role:
            for i in places:
                sp = nodes[i][0].span
                (outside if role == _OUTSIDE else inside).append((sp.start, sp.end))
    for sec in acceptance_sections(doc):  # items there name requirements, define none
        outside.append((sec.span.start, sec.span.end))
    within_inside = _spans_holding(inside)
    within_outside = _spans_holding(outside)
    out = []
    src, starts = doc.source, doc.line_starts
    ids: set[str] | None = None
    for r in reqs:
        pos = r.span.start
        if inside and not within_inside(pos):
            continue
        if outside and within_outside(pos):
            continue
        if "." in r.id:
            ids = ids if ids is not None else {r.id for r in reqs}
            if _is_part(src, ids, r.id):
                continue  # `FR-1.1` is a part of FR-1: its criteria are FR-1's
        if _part_follows(src, starts, r):
            continue
        if _MENTION_LIST.match(r.text):
            continue
        out.append(r)
    return out


def _is_part(src: bytes, ids: set[str], rid: str) -> bool:
    """Whether ``rid`` (``FR-1.1``) is a part of a requirement the document names: one
    it defines, or one its text mentions (`### Export (FR-1)`). A book whose IDs are
    all numbered so (``R1.2``, ``R1.3``) defines each of them."""
    parent = rid.rsplit(".", 1)[0]
    if parent in ids:
        return True
    at = src.find(parent.encode())
    while at >= 0:
        end = at + len(parent)
        before = src[at - 1 : at] if at else b" "
        after = src[end : end + 2]
        if not (before.isalnum() or before in (b"_", b"-")) and not (
            after[:1].isalnum() or after[:1] == b"_" or (after[:1] in b".-" and after[1:].isdigit())
        ):
            return True
        at = src.find(parent.encode(), at + 1)
    return False


def acceptance_sections(doc: Document) -> list[Section]:
    """The outermost sections named like "Acceptance Criteria" (in any language of
    :data:`ACCEPTANCE_SECTIONS`, numbered or with emoji), which hold acceptance
    criteria of their own rather than under each requirement."""
    memo = doc.derived
    found: list[Section] | None = memo.get("acceptance_sections")
    if found is None:
        found = []
        end = -1
        nodes = section_walk(doc).nodes
        places = sorted(i for _, accept, at in _named_sections(doc) if accept for i in at)
        for i in places:
            sec = nodes[i][0]
            if sec.level >= 2 and sec.span.start >= end:
                found.append(sec)
                end = sec.span.end
        memo["acceptance_sections"] = found
    return found


def _named_sections(doc: Document) -> list[tuple[int, bool, list[int]]]:
    """``(role, acceptance, positions)`` of the section keys that have a role
    (:func:`_role`) or name acceptance criteria (:func:`_is_acceptance`), with the
    positions of their sections in the shared walk (once per document)."""
    memo = doc.derived
    found: list[tuple[int, bool, list[int]]] | None = memo.get("named_sections")
    if found is None:
        by_key = section_walk(doc).by_key
        codes = _KEY_CODES
        found = memo["named_sections"] = [
            (codes[key] & 3, codes[key] > 3, by_key[key])
            for key in compress(by_key, map(codes.__getitem__, by_key))
        ]
    return found


class _KeyNames(dict[str, int]):
    """What each section key says (:func:`_role`, :func:`_is_acceptance`) as one number,
    ``role | 4 * acceptance`` (0: nothing), computed on first look-up: a dict's look-up
    from C, where a memo (``lru_cache``) of the pair took a Python call per key and, on
    the keys only one document has (`Component 1: Gateway Client`), evicted others.
    Emptied as ``functools``' caches are (``cache_clear``), and at 65,536 keys."""

    def __missing__(self, key: str) -> int:
        if len(self) >= 65_536:
            self.clear()
        code = self[key] = _role.__wrapped__(key) | (4 if _is_acceptance.__wrapped__(key) else 0)
        return code

    @classmethod
    def cache_clear(cls) -> None:
        _KEY_CODES.clear()


_KEY_CODES = _KeyNames()


@lru_cache(maxsize=4096)
def _is_acceptance(key: str) -> bool:
    """Whether a section key (``norm_heading``) names an acceptance-criteria section
    (:data:`ACCEPTANCE_SECTIONS`), also after a number or symbols it keeps."""
    if not _ACCEPTANCE_STEM.search(key):
        return False  # (most keys: no name of ACCEPTANCE_SECTIONS can be in it)
    key = _LEADING_NUMBERS.sub("", heading_key(key))
    return any(key == n or key.startswith(n + " ") for n in ACCEPTANCE_SECTIONS)


def _acceptance_items(doc: Document, config: BookConfig) -> tuple[dict[str, int], bool]:
    """What the acceptance sections say: the requirement IDs their lines name with some
    criterion text beside them (ID -> line), and whether they hold any line with such
    text at all (criteria for the document as a whole when they name no requirement)."""
    memo = doc.derived
    key = "acceptance_items:" + config.requirement_pattern
    hit: tuple[dict[str, int], bool] | None = memo.get(key)
    if hit is not None:
        return hit
    named: dict[str, int] = {}
    any_text = False
    sections = acceptance_sections(doc)
    if sections:
        rid = _requirement_re(config.requirement_pattern)
        opaque = [(c.span.start, c.span.end) for c in doc.code_blocks]
        src = doc.source
        starts = doc.line_starts
        for sec in sections:
            first = sec.heading.end_line + 1
            for line in range(first, sec.span.end_line + 1):
                a = starts[line - 1]
                b = starts[line] if line < len(starts) else len(src)
                b = min(b, sec.span.end)
                if a >= b or any(x <= a < y for x, y in opaque):
                    continue
                text = src[a:b].decode("utf-8", "replace")
                if text.lstrip().startswith("#"):
                    continue  # a heading of a subsection (`### 5.1 Functional`)
                ids = [m.group(1) for m in rid.finditer(text)]
                rest = _NOT_WORDS.sub(" ", rid.sub(" ", _ITEM_MARK.sub("", text, count=1)))
                if not rest.strip():
                    continue  # a bare ID, a rule, a table's border: no criterion
                any_text = True
                for i in ids:
                    named.setdefault(i, line)
    hit = (named, any_text)
    memo[key] = hit
    return hit


@lru_cache(maxsize=16)
def _requirement_re(pattern: str) -> re.Pattern[str]:
    """A requirement ID (``[requirements] id``) standing alone in text."""
    return re.compile(rf"(?<![\w-])({pattern})(?![\w]|[.-]\d)")


def _covered(doc: Document, ctx: RuleContext, r: Requirement, whole: bool = True) -> bool:
    """Whether an acceptance section gives ``r`` its criteria: a line there names it (or
    a part of it, ``FR-1.1``), or (with ``whole``) the sections name no requirement at
    all (their criteria are the whole document's)."""
    named, any_text = _acceptance_items(doc, ctx.config)
    if not any_text:
        return False
    if (whole and not named) or r.id in named:
        return True
    return any(i.startswith(r.id + ".") for i in named)


_INSIDE, _OUTSIDE = 1, 2


def _spans_holding(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    """Whether an offset lies in one of ``spans`` (``[start, end)``, possibly nested):
    a binary search of their union. (Testing each span for each requirement made a
    document of 18,000 requirement sections take minutes to lint.)"""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(spans):
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)

    def holds(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i >= 0 and pos < ends[i]

    return holds


@lru_cache(maxsize=4096)
def _role(key: str) -> int:
    """What a section (by its key) says of the requirements in it: ``_OUTSIDE`` (they are
    only mentioned), ``_INSIDE`` (a requirements section: they are defined) or 0."""
    if _NOT_DEFINING_WORD.search(key):
        return _OUTSIDE
    return _INSIDE if "requirement" in key else 0


@rule("SB301", "missing-acceptance", severity="error", tags=("requirements",), status_aware=True)
def missing_acceptance(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A functional requirement (FR-n) without Acceptance Criteria.

    Why: without criteria nobody can say when the requirement is met; reviewers,
    testers and the implementer each guess differently.

    Example:
    `1. **FR-2**: Users can export their data` with no `- Acceptance Criteria:` line
    under it. Criteria may also stand in a section of their own, named like
    "Acceptance Criteria" (`## 5. Criterios de Aceptación`, `## Critères
    d'acceptation`): a line there naming the requirement (`- [ ] FR-2: the JSON file
    holds every order`, or a part of it, `FR-2.1`) gives it its criteria. A
    requirement such a section does not name is reported, unless the section names no
    requirement at all: then its criteria are the whole document's.

    Fix: add an `Acceptance Criteria:` line under the requirement saying how to check
    it, e.g. `- Acceptance Criteria: a CSV with every order downloads in under 5 s`,
    or a line naming it in the document's Acceptance Criteria section.
    """
    for r in defined_requirements(doc):
        if r.kind == "functional" and r.criteria is None and not _covered(doc, ctx, r):
            sections = acceptance_sections(doc)
            if sections:
                where = sections[0]
                how = (
                    f'add a line naming {r.id} to "{where.title}" (line {where.heading.line}) '
                    f"saying how to check it is done, or a line `- Acceptance Criteria: ...` "
                    f"under it"
                )
            else:
                how = (
                    "add a line `- Acceptance Criteria: ...` under it saying how to check "
                    "it is done"
                )
            yield Report(_id_span(doc, r), f"{r.id} has no Acceptance Criteria; {how}")


@rule("SB302", "missing-target", severity="error", tags=("requirements",), status_aware=True)
def missing_target(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A non-functional requirement (NFR-n) without a Target.

    Why: a quality requirement ("fast", "secure", "scalable") is only a wish until it
    has a target that a test or a dashboard can check.

    Example:
    `1. **NFR-1**: The search page is fast` with no `- Target:` line under it. A
    requirement that states its threshold itself (`**NFR-2**: Requests complete
    within 200 ms at the 95th percentile`) has its target, and so has one that a line
    of the document's Acceptance Criteria section names (see SB301).

    Fix: add a `Target:` line with a measurable threshold, e.g.
    `- Target: p95 < 200 ms at 500 requests/s`.
    """
    for r in defined_requirements(doc):
        if (
            r.kind == "non-functional"
            and r.target is None
            and not is_measurable(r.text)
            and not _covered(doc, ctx, r, whole=False)
        ):
            yield Report(
                _id_span(doc, r),
                f"{r.id} has no Target; add a line `- Target: ...` with a measurable "
                f"threshold such as `p95 < 200 ms`",
            )


def is_measurable(text: str) -> bool:
    """Whether a target states a number with a unit (`200 ms`, `99.9%`, `$5`)."""
    if text.isascii():
        # (a number, an amount or a date starts at a digit, `.` or `$`: the expression
        # is tried from the first, without regard to case, which ASCII text does not
        # need; it tried every place before)
        at = _MAY_MEASURE.search(text)
        if at is not None and _MEASURED_BY_ASCII_NUMBER.search(text, at.start()) is not None:
            return True
        return _MEASURED_BY_LOWER_WORDS.search(text.lower()) is not None
    if _MEASURED_BY_NUMBER.search(text) is not None:
        return True
    return _MEASURED_BY_WORDS.search(text) is not None


_MAY_MEASURE = lazy_compile(r"[0-9.$]")
_MEASURED_BY_ASCII_NUMBER = lazy_compile(_MEASURED_NUMBER)


@rule("SB303", "unmeasurable-target", severity="warning", tags=("requirements",))
def unmeasurable_target(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A Target with no number and unit (`fast`, `secure`, `as soon as possible`).

    Why: a target has to be checkable; "fast" passes or fails depending on who
    looks. A number with a unit (`p95 < 200 ms`, `99.9%`, `30 minutes`,
    `>= 4100 requests/s per node`, `1 GB`) can be tested and monitored.

    Example:
    `- Target: fast enough for users`, or `- Target: < 200` (a number, but of what?).

    Fix: state the threshold with its unit and, where it matters, the percentile and
    the load: `- Target: p95 < 200 ms at 500 requests/s`. An unfilled prompt such
    as `[Specific metric]` is reported by SB205 instead.
    """
    for r in defined_requirements(doc):
        target = r.target
        if target is None or r.target_span is None:
            continue
        t = target.strip()
        if not t or t.lower() in _EXPLICIT_NONE or PROMPT.search(t) or MUSTACHE.search(t):
            continue
        if is_measurable(t):
            continue
        if _ANY_NUMBER.search(t):
            why = "has a number but no unit"
            hint = "say what it counts, e.g. `< 200 ms` or `500 requests/s`"
        else:
            why = "has no number and unit"
            hint = "state a measurable threshold such as `p95 < 200 ms` or `99.9%`"
        yield Report(
            _line_span(doc, r.target_span.line, r.target_span.start),
            f'{r.id} Target "{_short(t)}" {why}; {hint}',
        )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@rule("SB304", "duplicate-requirement", severity="error", tags=("requirements",))
def duplicate_requirement(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """The same FR/NFR number twice in one document.

    Why: references such as `SPEC-007/FR-3` and test names point at one
    requirement; with two FR-3s they point at whichever a reader finds first.

    Example:
    a list that goes `FR-1`, `FR-2`, `FR-2` after two people added a requirement
    at once; `FR-03` has the number of `FR-3`. IDs are read whole, as the book's
    `[requirements] id` writes them: `FR-020-001` and `FR-020-002` are two
    requirements, `NFR-020-001` is not `NFR-020`.

    Fix: renumber the later one to the next free number (the message names it) and
    update anything that refers to it.
    """
    reqs = defined_requirements(doc)
    if len(reqs) < 2:
        return
    ids = [r.id for r in reqs]
    joined = "\n".join(ids)
    if len(set(ids)) == len(ids) and ("0" not in joined or not _PADDED.search(joined)):
        # (the usual case: distinct IDs, none numbered with a leading zero, so no two
        # share a number either)
        return
    first: dict[tuple[str, int], Requirement] = {}
    highest: dict[str, int] = {}
    width: dict[str, int] = {}  # the zero-padded width the IDs of a prefix use
    keyed: list[tuple[tuple[str, int], Requirement]] = []
    for r in reqs:
        # the last number is the one to count on: FR-3, FR-020-001 (prefix `FR-020-`)
        m = _REQ_NUMBER.match(r.id)
        key = (m.group(1), int(m.group(2))) if m else (r.id, 0)
        keyed.append((key, r))
        highest[key[0]] = max(highest.get(key[0], 0), key[1])
        if m:  # (the first ID of a prefix sets the width: FR-001 -> FR-004)
            width.setdefault(key[0], len(m.group(2)))
    for key, r in keyed:
        seen = first.get(key)
        if seen is None:
            first[key] = r
            continue
        prefix = key[0]
        highest[prefix] += 1
        same = "is already defined" if seen.id == r.id else f"has the number of {seen.id}, defined"
        nxt = f"{prefix}{str(highest[prefix]).zfill(width.get(prefix, 1))}"
        yield Report(
            _id_span(doc, r),
            f"{r.id} {same} on line {seen.span.line}; renumber this one (next free: {nxt})",
        )
