"""Rules about functional and non-functional requirements (FR-n, NFR-n)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from specbook.lint.registry import Report, RuleContext, rule
from specbook.lint.rules.sections import section_nodes
from specbook.lint.template import MUSTACHE, PROMPT
from specbook.model import Document, Requirement, Span

# Sections whose list items mention requirements without defining them.
_NOT_DEFINING = ("out of scope", "non goals", "traceab")

# A number (not glued to a word before it: `p95` is a name) followed by a unit, a
# percent sign or a rate; or an amount of money.
_NUMBER = r"(?<![A-Za-z0-9_.])(?:\d+(?:[.,]\d+)*|\.\d+)"
_WORDS = (
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|fifty|hundred|thousand|million|billion)"
)
_MEASURED = re.compile(
    rf"{_NUMBER}\s*(?:%|‰|[A-Za-zµμ°/×])|[$€£¥]\s*\d|{_WORDS}\s+[A-Za-z]"
    r"|\b\d{4}-\d{2}-\d{2}\b",  # a date is a deadline
    re.IGNORECASE,
)
_ANY_NUMBER = re.compile(_NUMBER)
_EXPLICIT_NONE = {"n/a", "na", "none", "-", "—", "–"}
_REQ_NUMBER = re.compile(r"^(.*)-0*(\d+)$")
_SUB_NUMBER = re.compile(rb"[.]\d")
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
    for node in section_nodes(doc):
        role = _role(node.key)
        if role:
            sp = node.section.span
            (outside if role == _OUTSIDE else inside).append((sp.start, sp.end))
    out = []
    src = doc.source
    for r in reqs:
        pos = r.span.start
        if inside and not any(a <= pos < b for a, b in inside):
            continue
        if any(a <= pos < b for a, b in outside):
            continue
        if "." in r.id:
            continue  # `FR-1.1` is a part of FR-1: its criteria are FR-1's
        at = _id_span(doc, r).end
        if _SUB_NUMBER.match(src, at):
            continue
        out.append(r)
    return out


_INSIDE, _OUTSIDE = 1, 2


@lru_cache(maxsize=4096)
def _role(key: str) -> int:
    """What a section (by its key) says of the requirements in it: ``_OUTSIDE`` (they are
    only mentioned), ``_INSIDE`` (a requirements section: they are defined) or 0."""
    if any(word in key for word in _NOT_DEFINING):
        return _OUTSIDE
    return _INSIDE if "requirement" in key else 0


@rule("SB301", "missing-acceptance", severity="error", tags=("requirements",), status_aware=True)
def missing_acceptance(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A functional requirement (FR-n) without Acceptance Criteria.

    Why: without criteria nobody can say when the requirement is met; reviewers,
    testers and the implementer each guess differently.

    Example:
    `1. **FR-2**: Users can export their data` with no `- Acceptance Criteria:` line
    under it.

    Fix: add an `Acceptance Criteria:` line under the requirement saying how to check
    it, e.g. `- Acceptance Criteria: a CSV with every order downloads in under 5 s`.
    """
    for r in defined_requirements(doc):
        if r.kind == "functional" and r.criteria is None:
            yield Report(
                _id_span(doc, r),
                f"{r.id} has no Acceptance Criteria; add a line "
                f"`- Acceptance Criteria: ...` under it saying how to check it is done",
            )


@rule("SB302", "missing-target", severity="error", tags=("requirements",), status_aware=True)
def missing_target(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A non-functional requirement (NFR-n) without a Target.

    Why: a quality requirement ("fast", "secure", "scalable") is only a wish until it
    has a target that a test or a dashboard can check.

    Example:
    `1. **NFR-1**: The search page is fast` with no `- Target:` line under it.

    Fix: add a `Target:` line with a measurable threshold, e.g.
    `- Target: p95 < 200 ms at 500 requests/s`.
    """
    for r in defined_requirements(doc):
        if r.kind == "non-functional" and r.target is None:
            yield Report(
                _id_span(doc, r),
                f"{r.id} has no Target; add a line `- Target: ...` with a measurable "
                f"threshold such as `p95 < 200 ms`",
            )


def is_measurable(text: str) -> bool:
    """Whether a target states a number with a unit (`200 ms`, `99.9%`, `$5`)."""
    return bool(_MEASURED.search(text))


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
    at once.

    Fix: renumber the later one to the next free number (the message names it) and
    update anything that refers to it.
    """
    reqs = defined_requirements(doc)
    if len(reqs) < 2:
        return
    first: dict[tuple[str, int], Requirement] = {}
    highest: dict[str, int] = {}
    keyed: list[tuple[tuple[str, int], Requirement]] = []
    for r in reqs:
        m = _REQ_NUMBER.match(r.id)
        key = (m.group(1), int(m.group(2))) if m else (r.id, 0)
        keyed.append((key, r))
        highest[key[0]] = max(highest.get(key[0], 0), key[1])
    for key, r in keyed:
        seen = first.get(key)
        if seen is None:
            first[key] = r
            continue
        prefix = key[0]
        highest[prefix] += 1
        same = "is already defined" if seen.id == r.id else f"has the number of {seen.id}, defined"
        yield Report(
            _id_span(doc, r),
            f"{r.id} {same} on line {seen.span.line}; "
            f"renumber this one (next free: {prefix}-{highest[prefix]})",
        )
