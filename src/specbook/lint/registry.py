"""The rule registry.

A rule is a function decorated with :func:`rule`; its docstring is its docs page
(first line: what it finds; then ``Why:``, ``Example:`` and ``Fix:`` paragraphs).
Rules are found through the ``specbook.rules`` entry-point group: each entry point
names an iterable of :class:`Rule` (specbook's own is ``specbook.lint.rules:RULES``),
so a third-party package adds rules the same way specbook does.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import datetime as dt
import importlib
import inspect
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from specbook.core.config import BookConfig, KindConfig
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, Span
from specbook.edit.patch import Patch

ENTRY_POINT_GROUP = "specbook.rules"
# specbook's own rules: the value of its entry point in pyproject.toml
BUILTIN_RULES = "specbook.lint.rules:RULES"
_ID = lazy_compile(r"^[A-Z]{2,}\d{3}$")
_NAME = lazy_compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class Report(NamedTuple):
    """What a rule's check yields: where (a span of the document), what, and a fix.

    ``file``: the sidecar file the span points into, for a report on a field that lives
    there (``Field.file``); the finding then names that file and its line
    (``keps/1440-x/kep.yaml:8``). Fixes are not offered in a sidecar."""

    span: Span
    message: str
    fix: tuple[Patch, ...] = ()
    severity: str | None = None  # overrides the rule's severity for this one report
    file: str | None = None


class RuleContext(NamedTuple):
    """What a check may look at besides the document."""

    config: BookConfig
    kind: KindConfig | None
    options: Mapping[str, Any]
    today: dt.date
    template: Any  # specbook.templates.facts.TemplateFacts | None
    book: Any = None  # specbook.lint.facts.BookFacts, for book-scope rules
    cache: bool = True  # whether a rule may keep its own cache (false: lint --no-cache)


class BookReport(NamedTuple):
    """What a book-scope check yields: a place in one document of the book, and what."""

    path: str
    doc_id: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    message: str


DocumentCheck = Callable[[Document, RuleContext], Iterable[Report]]
BookCheck = Callable[[Any, RuleContext], Iterable[BookReport]]
# Files besides the documents that a book-scope check reads: (path, mtime_ns, size).
Inputs = Callable[[BookConfig], Iterable[tuple[str, int, int]]]
# what a book rule takes of one document (a JSON value), see Rule.extract
Extract = Callable[[Document, RuleContext], Any]
# the days on which a rule's findings on a document are those of ctx.today, as
# (first day, day after the last), None for no bound: see Rule.day_window
DayWindow = Callable[[Document, RuleContext], tuple[dt.date | None, dt.date | None]]


@dataclass(frozen=True)
class Rule:
    """One rule: stable ID, kebab-case name, default severity, tags, docs, check.

    ``status_aware`` rules report a warning while the document is in its kind's
    first status (Draft) and an error from the next status on. ``inputs`` lists the
    files other than documents that the check reads (code, for the trace rules), so
    that lint's whole-result memo is not reused after one of them changed.
    ``extract`` (book rules) takes what the rule needs of each document while the
    document is linted (parsed once), as a JSON value kept with its cached facts:
    the check finds it in ``DocFacts.extras[rule ID]`` (``None`` where not taken).
    ``uses_today``: the check reads ``RuleContext.today`` (a document's findings of
    it are made again on another day, from the stored parse; the others are kept).
    A plugin's document rule counts as one that does.
    ``day_window`` (a rule that ``uses_today``): the days around ``ctx.today`` on
    which the check's findings on a document are exactly those it gives today, as
    ``(first, end)`` (``end`` not included; ``None``: no bound on that side). Lint
    keeps the findings on those days without running the check again; without it,
    a rule that reads the day runs again on each new day. A test holds specbook's
    own rules to their windows.
    """

    id: str
    name: str
    severity: str
    tags: tuple[str, ...]
    doc: str
    check: DocumentCheck | None = None
    book_check: BookCheck | None = None
    status_aware: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    fixable: bool = False
    inputs: Inputs | None = None
    extract: Extract | None = None
    # the values an option may take, where only some are meaningful
    option_choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    uses_today: bool = False
    day_window: DayWindow | None = None

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    @property
    def scope(self) -> str:
        return "book" if self.book_check is not None else "document"


def rule(
    rule_id: str,
    name: str,
    *,
    severity: str = "error",
    tags: Iterable[str] = (),
    status_aware: bool = False,
    options: Mapping[str, Any] | None = None,
    scope: str = "document",
    fixable: bool = False,
    inputs: Inputs | None = None,
    extract: Extract | None = None,
    option_choices: Mapping[str, tuple[str, ...]] | None = None,
    uses_today: bool = False,
    day_window: DayWindow | None = None,
) -> Callable[[Callable[..., Iterable[Any]]], Rule]:
    """Decorate a check function to make it a :class:`Rule`.

    ``option_choices`` names, for an option that takes one of a few words, those words
    (a book's config giving another is a configuration error).

    Raises :class:`ValueError` for an ID that is not like ``SB123``, a name that is not
    kebab-case, an unknown severity or scope, an option default outside its choices,
    or a ``day_window`` on a rule that does not declare ``uses_today``.
    """
    if not _ID.match(rule_id):
        raise ValueError(f"rule ID {rule_id!r} must look like SB123")
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")
    if severity not in ("error", "warning", "info"):
        raise ValueError(f"severity {severity!r} must be error, warning or info")
    if scope not in ("document", "book"):
        raise ValueError(f"scope {scope!r} must be document or book")
    for opt, allowed in (option_choices or {}).items():
        if (options or {}).get(opt) not in allowed:
            raise ValueError(f"option {opt!r}: the default must be one of {allowed}")
    if day_window is not None and not (uses_today and scope == "document"):
        raise ValueError("day_window is for a document rule that declares uses_today")

    def wrap(fn: Callable[..., Iterable[Any]]) -> Rule:
        doc = inspect.cleandoc(fn.__doc__ or "")
        return Rule(
            id=rule_id,
            name=name,
            severity=severity,
            tags=tuple(tags),
            doc=doc,
            check=fn if scope == "document" else None,
            book_check=fn if scope == "book" else None,
            status_aware=status_aware,
            options=dict(options or {}),
            fixable=fixable,
            inputs=inputs,
            extract=extract if scope == "book" else None,
            option_choices=dict(option_choices or {}),
            uses_today=uses_today,
            day_window=day_window,
        )

    return wrap


def day_after(day: dt.date, days: int = 1) -> dt.date | None:
    """The date ``days`` after ``day``, or ``None`` past the last date there is (no
    bound, for a :data:`DayWindow`)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def load_rules() -> list[Rule]:
    """Every rule of every ``specbook.rules`` entry point, sorted by ID.

    Raises :class:`ValueError` when two rules share an ID or a name.
    """
    found: list[Rule] = []
    eps = _entry_points(ENTRY_POINT_GROUP)
    if not any(value.startswith("specbook.") for value in eps):
        # running from a source tree without installed metadata: still have ours, named
        # as pyproject.toml's entry point names them (the registry imports no rule module:
        # the rules import it)
        eps.insert(0, BUILTIN_RULES)
    for value in eps:
        module, _, attr = value.partition(":")
        loaded: Any = importlib.import_module(module.strip())
        for part in attr.strip().split(".") if attr.strip() else ():
            loaded = getattr(loaded, part)
        items = getattr(loaded, "RULES", loaded)
        found.extend(r for r in items if isinstance(r, Rule))
    return _checked(found)


def _distributions() -> tuple[tuple[str, str], ...]:
    """``(name, metadata folder)`` of each installed distribution, the first of each
    (normalised) name on ``sys.path`` winning, as importlib.metadata finds them: read
    from the folder names, because importing importlib.metadata costs more than linting
    a file."""
    return _scan_distributions(tuple(sys.path))


@lru_cache(maxsize=4)
def _scan_distributions(path: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for entry in path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            dist = name.rsplit(".", 1)[0].split("-", 1)[0].lower().replace("_", "-")
            dist = dist.replace(".", "-")
            if dist not in seen:
                seen.add(dist)
                out.append((dist, os.path.join(entry or ".", name)))
    return tuple(out)


def distribution_tags(names: Iterable[str]) -> str:
    """The metadata folder names (``sqlglot-30.30.0.dist-info``: name and version) of the
    installed distributions among ``names``, for cache keys."""
    wanted = set(names)
    return ",".join(os.path.basename(d) for n, d in _distributions() if n in wanted)


def _entry_points(group: str) -> list[str]:
    """The values (``module:attr``) of the entry points in ``group`` of the installed
    distributions (see :func:`_distributions`), read directly from their
    ``entry_points.txt`` files."""
    header = f"[{group}]"
    values: list[str] = []
    for _, folder in _distributions():
        try:
            with open(os.path.join(folder, "entry_points.txt"), "rb") as fh:
                text = fh.read().decode("utf-8", "replace")
        except OSError:
            continue
        if header not in text:
            continue
        inside = False
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("["):
                inside = line == header
            elif inside and "=" in line and not line.startswith(("#", ";")):
                values.append(line.split("=", 1)[1].strip())
    return values


def _checked(rules: list[Rule]) -> list[Rule]:
    by_id: dict[str, Rule] = {}
    by_name: dict[str, Rule] = {}
    for r in rules:
        if r.id in by_id and by_id[r.id] is not r:
            raise ValueError(f"two rules share the ID {r.id}: {by_id[r.id].name} and {r.name}")
        if r.name in by_name and by_name[r.name] is not r:
            raise ValueError(f"two rules share the name {r.name}: {by_name[r.name].id} and {r.id}")
        by_id[r.id] = r
        by_name[r.name] = r
    return sorted(by_id.values(), key=lambda r: r.id)


def iter_docs_sections(doc: str) -> Iterator[tuple[str, str]]:
    """Split a rule docstring into (heading, text) parts: the summary, then
    ``Why:``, ``Example:``, ``Fix:`` paragraphs."""
    current = "What"
    buf: list[str] = []
    for line in doc.splitlines():
        m = re.match(r"^(Why|Example|Fix|Options):\s*(.*)$", line)
        if m:
            yield current, "\n".join(buf).strip()
            current, buf = m.group(1), [m.group(2)] if m.group(2) else []
        else:
            buf.append(line)
    yield current, "\n".join(buf).strip()
