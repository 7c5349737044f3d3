"""Rules about what sections hold: SQL, YAML, dependency lines, risk and timeline tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from specbook.core.lazyre import lazy_compile
from specbook.core.model import Cell, CodeBlock, Document, Span, Table
from specbook.core.text import is_placeholder, is_plain_date, norm_key, plain_date
from specbook.lint.registry import Report, RuleContext, rule
from specbook.lint.rules.sections import section_ranges
from specbook.lint.sqlcheck import LANGUAGES as SQL_LANGUAGES
from specbook.lint.sqlcheck import Problem, sql_problem
from specbook.lint.verdicts import remember
from specbook.templates.facts import MUSTACHE, PROMPT

_NEWLINE = lazy_compile(r"\r\n|\r|\n")
_HTML_COMMENT = lazy_compile(r"\s*<!--.*?-->\s*$")
_HASH_COMMENT = lazy_compile(r"(?:^|\s)#.*$")
_PIP_OPTION = lazy_compile(r"^(?:-[rceif]\s|--[a-z])")
_ISO = lazy_compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PAREN = lazy_compile(r"\([^()]*\)")

_YAML = ("yaml", "yml")
# Dependency blocks that hold requirement lines; ```bash or ```toml blocks hold other things.
_REQ_LANGS = ("", "text", "txt", "plain", "plaintext", "requirements", "requirements.txt", "pip")
_LEVEL_KEYS = {"high": "High", "med": "Med", "medium": "Med", "low": "Low"}
_EXPLICIT_NONE = {"n/a", "na", "none", "-", "—", "–", "tbd"}
# the header names (_header_key) of the columns SB604 and SB605 read
_LIKELY = ("probability", "likelihood")
_IMPACT = ("impact",)
_RISK_COLUMNS = frozenset(_LIKELY + _IMPACT)
_STARTS = ("start date", "start", "starts", "begin", "begins")
_ENDS = ("end date", "end", "ends", "finish", "finish date")


def _language(block: CodeBlock) -> str:
    """The block's language: the first word of the info string, lower case."""
    return _info_language(block.language)


@lru_cache(maxsize=1024)
def _info_language(info: str) -> str:
    words = info.split()
    return words[0].lower().lstrip("{.").rstrip("}") if words else ""


def _line_span(doc: Document, line: int) -> Span:
    """Line ``line`` (1-based) without leading blanks and its newline."""
    starts = doc.line_starts
    s = starts[line - 1] if 0 < line <= len(starts) else 0
    e = starts[line] if line < len(starts) else len(doc.source)
    src = doc.source
    while e > s and src[e - 1] in b"\r\n":
        e -= 1
    while s < e and src[s] in b" \t":
        s += 1
    return Span(s, e, line, line)


def _at_margin(doc: Document, block: CodeBlock) -> bool:
    """Whether the block's fence starts its line (so columns inside it are the file's)."""
    starts = doc.line_starts
    line = block.span.line
    return 0 < line <= len(starts) and block.span.start == starts[line - 1]


def _where(doc: Document, block: CodeBlock, line: int, column: object) -> str:
    if isinstance(column, int) and _at_margin(doc, block):
        return f" (line {line}, column {column})"
    return f" (line {line})"


def _ranges(doc: Document, name: str) -> list[tuple[int, int]]:
    """Byte ranges of the sections called ``name`` (each with its subsections)."""
    return section_ranges(doc, name)


def _inside(ranges: list[tuple[int, int]], pos: int) -> bool:
    return any(a <= pos < b for a, b in ranges)


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _templated(text: str, ctx: RuleContext) -> bool:
    """Whether text holds a `{{…}}` or one of the template's own prompts (SB205's job)."""
    if "{" in text and MUSTACHE.search(text):
        return True
    if "[" not in text:
        return False  # (no prompt either)
    prompts: frozenset[str] = getattr(ctx.template, "prompts", None) or frozenset()
    return bool(prompts) and any(m.group(0) in prompts for m in PROMPT.finditer(text))


@rule("SB601", "invalid-sql", severity="error", tags=("content",))
def invalid_sql(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A `sql` block in the Data Model section that does not parse.

    Why: the schema in a spec is what the migration will be written from; a
    statement that does not parse hides a typo or an unfinished thought that
    reviewers read past.

    Example:
    a ```` ```sql ```` block under Data Model holding
    `CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC(10, 2)` with its
    closing parenthesis missing, or `max_concurrent INTEGER NOT NULL DEFAULT 2,,`.
    `sql`, `postgresql`, `postgres`, `psql` and `pgsql` blocks are read by
    PostgreSQL's own parser (libpg_query); a `sql` block it rejects but another
    dialect's grammar accepts (MySQL's backticks, SQLite's `AUTOINCREMENT`) is not
    reported. `mysql`, `sqlite` and `tsql` blocks are read by sqlparser-rs in that
    dialect, with sqlglot as a second opinion on syntax sqlparser-rs lacks.

    Fix: correct the statement (the message says what the parser expected and
    where), or mark a block that is not SQL with another language.
    """
    blocks = [b for b in doc.code_blocks if b.closed and _language(b) in SQL_LANGUAGES]
    if not blocks:
        return
    ranges = _ranges(doc, "data model")
    if not ranges:
        return
    for block in blocks:
        if not _inside(ranges, block.span.start) or not block.text.strip():
            continue
        if _templated(block.text, ctx):
            continue
        text, language = block.text, _language(block)
        # (the kind names the grammar: answers of the sqlglot era are not served)
        problem = remember(f"sql2.{language}", text, _sql_problem, text, language)
        if problem is None:
            continue
        what, line, col = problem
        where = _where(doc, block, block.span.line + line, col) if line > 0 else ""
        yield Report(
            _line_span(doc, block.span.line),
            f"SQL does not parse: {what}{where}; fix the statement "
            f"or mark the block with another language",
        )


@lru_cache(maxsize=1024)
def _sql_problem(text: str, language: str) -> Problem | None:
    """What the grammar of ``language`` says is wrong with ``text`` (message, line in the
    block, column), or ``None`` when it parses. Cached: many documents keep the
    template's example."""
    return sql_problem(text, language)


@rule("SB602", "invalid-yaml", severity="error", tags=("content",))
def invalid_yaml(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A `yaml` block that does not parse.

    Why: configuration shown in a spec is copied into real files; YAML that does not
    load there fails the deployment, often far from where the mistake was made.

    Example:
    a ```` ```yaml ```` block under Configuration Changes holding `retries: [1, 2`
    or an indented key under a scalar. Blocks with several `---` documents are fine,
    and so are tags of the application's own (`password: !secret db_password`,
    `!Ref MyBucket`): they are valid YAML.

    Fix: correct the YAML (the message gives the problem and its line in the
    document). A block that is a template rather than YAML (`{{ .Values.x }}`) is not
    checked.
    """
    blocks = [b for b in doc.code_blocks if b.closed and _language(b) in _YAML]
    if not blocks:
        return
    for block in blocks:
        text = block.text
        if not text.strip() or "{{" in text or "{%" in text:
            continue
        problem = remember("yaml", text, _yaml_problem, text)
        if problem is None:
            continue
        what, line, col = problem
        where = _where(doc, block, block.span.line + 1 + line, col) if line >= 0 else ""
        yield Report(
            _line_span(doc, block.span.line),
            f"YAML does not parse: {what}{where}; fix the YAML "
            f"or mark the block with another language",
        )


@lru_cache(maxsize=1024)
def _yaml_problem(text: str) -> tuple[str, int, int] | None:
    """What the YAML parser says is wrong with ``text`` (message, 0-based line in the
    block or -1, 1-based column), or ``None`` when every document in it parses.

    libyaml's events (no objects built) answer for most blocks, two to four times faster
    than loading (bench/sql_bench.py). A block with tags, anchors, aliases, merge keys
    or collection keys, where the events alone might answer otherwise, is composed
    (:func:`_yaml_loaded`)."""
    import yaml

    try:
        if _yaml_quick(text, yaml) or _yaml_plain(text, yaml):
            return None
    except yaml.YAMLError as exc:
        return _yaml_error(exc)
    except _NeedsLoad:
        pass
    except Exception:  # a parser defect is not the document's fault
        return None
    return _yaml_loaded(text)


class _NeedsLoad(Exception):
    """A block whose events hold what only building its objects checks."""


# What a tag (`!`), anchor (`&`), alias (`*`), explicit key (`?`), merge key (`<<`) or a
# flow collection (that may be a key) needs: text holding none of these has none of what
# makes :func:`_yaml_plain` load the block.
_YAML_NEEDS_EVENTS = lazy_compile(r"[!&*?\[\]{}]|<<")
# (the same told by a class of characters, then a search for `<<`: the alternation of both
# was tried at every place, three times the time)
_YAML_NEEDS_CHARACTERS = lazy_compile(r"[!&*?\[\]{}]")


def _yaml_quick(text: str, yaml: Any) -> bool:
    """True when ``text`` holds none of :data:`_YAML_NEEDS_EVENTS` and libyaml parses it
    (in C, no event objects built: a quarter of :func:`_yaml_plain`'s time); raises the
    parser's error as :func:`_yaml_plain` would (the same parser stops at the same
    place); False when it cannot tell."""
    parser = getattr(getattr(yaml, "cyaml", None), "CParser", None)
    if parser is None or _YAML_NEEDS_CHARACTERS.search(text) or "<<" in text:
        return False
    parser(text).raw_parse()
    return True


def _yaml_plain(text: str, yaml: Any) -> bool:
    """True when libyaml's events of ``text`` parse; raises the parser's error, or
    :class:`_NeedsLoad` on a tag, anchor, alias, ``<<`` key or collection as a key
    (the constructor and composer may reject those: only loading answers then)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    # one entry per open collection: the count of a mapping's items so far, or -1
    stack: list[int] = []
    for event in yaml.parse(text, Loader=loader):
        cls = type(event)
        if cls is alias:
            raise _NeedsLoad
        key = bool(stack) and stack[-1] >= 0 and stack[-1] % 2 == 0
        if cls is scalar:
            if event.tag is not None or event.anchor is not None or (key and event.value == "<<"):
                raise _NeedsLoad
            if stack and stack[-1] >= 0:
                stack[-1] += 1
        elif cls in starts:
            if event.tag is not None or event.anchor is not None or key:
                raise _NeedsLoad
            if stack and stack[-1] >= 0:
                stack[-1] += 1
            stack.append(0 if cls is yaml.MappingStartEvent else -1)
        elif cls in ends:
            stack.pop()
    return True


def _yaml_error(exc: Any) -> tuple[str, int, int]:
    """The message, 0-based line (-1: unknown) and 1-based column of a YAML error."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    mark = getattr(exc, "problem_mark", None)
    what = f"{context}: {problem}" if context else str(problem)
    if mark is None:
        return _short(what), -1, 0
    return _short(what), int(mark.line), int(mark.column) + 1


def _yaml_loaded(text: str) -> tuple[str, int, int] | None:
    """What composing every document of ``text`` says is wrong, or ``None``. Composed,
    not constructed: a tag of the application's own (``key: !secret value``, ``!Ref``)
    is valid YAML that only the application knows how to build, not a mistake of the
    document."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for _ in yaml.compose_all(text, Loader=loader):
            pass
    except yaml.YAMLError as exc:
        return _yaml_error(exc)
    except Exception:  # a loader defect is not the document's fault
        return None
    return None


@rule("SB603", "invalid-dependency", severity="error", tags=("content",))
def invalid_dependency(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A line in Dependencies to Add that is not a valid requirement specifier.

    Why: the lines are meant to be pasted into `requirements.txt` or `pyproject.toml`;
    one that pip cannot read breaks the install and usually hides a wrong version
    operator or a typo.

    Example:
    `requests => 2.31` or `numpy = 1.26` in the block under Dependencies to Add.
    Comments (`# why it is needed`), blank lines and pip options (`-r`, `-e`,
    `--index-url`) are fine; blocks marked as another language (```` ```bash ````,
    ```` ```toml ````) are not checked.

    Fix: write the line as a PEP 508 specifier: `name`, `name==1.2.3`,
    `name>=2.0,<3`, `name[extra]>=1; python_version >= "3.11"`.
    """
    blocks = [b for b in doc.code_blocks if b.closed and _language(b) in _REQ_LANGS]
    if not blocks:
        return
    ranges = _ranges(doc, "dependencies to add")
    if not ranges:
        return
    for block in blocks:
        if not _inside(ranges, block.span.start):
            continue
        first_line = block.span.line + 1 if block.fenced else block.span.line
        for i, raw in enumerate(_NEWLINE.split(block.text)):
            line = _specifier(raw)
            if line is None:
                continue
            why = remember("requirement", line, _requirement_problem, line)
            if why is not None:
                if _templated(line, ctx):
                    continue
                yield Report(
                    _line_span(doc, first_line + i),
                    f'"{_short(line, 60)}" is not a valid requirement specifier ({why}); '
                    f"write it like `package>=1.2` or `package==1.2.3`",
                )


@lru_cache(maxsize=4096)
def _specifier(raw: str) -> str | None:
    """A line of a dependency block without its comments, or ``None`` for one that
    holds no requirement (blank, a comment, a pip option)."""
    line = _HASH_COMMENT.sub("", _HTML_COMMENT.sub("", raw)).strip()
    if not line or _PIP_OPTION.match(line):
        return None
    return line


@lru_cache(maxsize=1024)
def _requirement_problem(line: str) -> str | None:
    """Why ``line`` is not a PEP 508 requirement specifier, or ``None`` when it is one."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(line)
    except InvalidRequirement as exc:
        return str(exc).splitlines()[0] if str(exc) else "not a requirement"
    return None


def _columns(table: Table, names: tuple[str, ...]) -> list[int]:
    """Indexes of the header cells named one of ``names`` (a `(H/M/L)` hint aside)."""
    return [i for i, cell in enumerate(table.header) if _header_key(cell.text) in names]


def _columns_of(keys: tuple[str, ...], names: tuple[str, ...]) -> list[int]:
    """:func:`_columns` of a table whose header keys (:func:`_heads`) are ``keys``."""
    return [i for i, key in enumerate(keys) if key in names]


def _heads(doc: Document) -> list[tuple[Table, tuple[str, ...], frozenset[str]]]:
    """Each table of ``doc`` with :func:`_header_key` of each header cell, as a tuple and
    as a set (read once per document: SB604 and SB605 look at every table)."""
    memo = doc.derived
    found: list[tuple[Table, tuple[str, ...], frozenset[str]]] | None = memo.get("heads")
    if found is None:
        found = []
        for table in doc.tables:
            keys = tuple([_header_key(c.text) for c in table.header])
            found.append((table, keys, frozenset(keys)))
        memo["heads"] = found
    return found


@lru_cache(maxsize=4096)
def _header_key(text: str) -> str:
    return norm_key(_PAREN.sub(" ", text))


def _cell(row: tuple[Cell, ...], i: int) -> Cell | None:
    return row[i] if i < len(row) else None


def risk_tables(doc: Document) -> list[tuple[Table, list[int], list[int]]]:
    """``(table, probability columns, impact columns)`` of every risk table: one with
    both columns anywhere, or one of the two inside Risk Assessment (SB604 checks
    them; ``specbook report`` rolls them up)."""
    out = []
    ranges: list[tuple[int, int]] | None = None
    for table, keys, names in _heads(doc):
        if names.isdisjoint(_RISK_COLUMNS):
            continue
        likely = _columns_of(keys, _LIKELY)
        impact = _columns_of(keys, _IMPACT)
        if not (likely and impact):
            if ranges is None:
                ranges = _ranges(doc, "risk assessment")
            if not _inside(ranges, table.span.start):
                continue
        out.append((table, likely, impact))
    return out


@rule("SB604", "invalid-risk", severity="error", tags=("content",))
def invalid_risk(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """Probability or Impact outside High/Med/Low in a risk table.

    Why: risks are compared and sorted by these two columns; free text ("likely",
    "big", "3") cannot be compared, and the template's `High/Med/Low` left as it is
    says nothing.

    Example:
    `| Data loss | Likely | High/Med/Low | Nightly backups |` in the Risk Assessment
    table. `Medium` and any letter case are fine.

    Fix: pick one of High, Med or Low for each risk. Tables are checked in the Risk
    Assessment section, and anywhere a table has both a Probability and an Impact
    column. The template's `High/Med/Low` is a warning while the document is a
    Draft, like any unfilled prompt.
    """
    if not doc.tables:
        return
    draft = ctx.kind is None or doc.status_canonical in (None, ctx.kind.statuses[0])
    for table, likely, impact in risk_tables(doc):
        cols = sorted(likely + impact)
        for row, row_span in zip(table.rows, table.row_spans, strict=False):
            for i in cols:
                cell = _cell(row, i)
                if cell is None:
                    continue
                value = cell.text.strip()
                key = _level_key(value)
                if key is None:
                    continue
                column = table.header[i].text
                severity = None
                if key == "high med low" or key == "high medium low":
                    msg = f"{column} is still the template's `{value}`; pick one of High, Med, Low"
                    # the template's own prompt: like a placeholder, a Draft may keep it
                    if draft:
                        severity = "warning"
                elif not value:
                    msg = f"{column} is empty; pick one of High, Med, Low"
                else:
                    import difflib  # (here: a value off the list is rare; lint FILE starts up)

                    close = difflib.get_close_matches(key, list(_LEVEL_KEYS), n=1, cutoff=0.6)
                    hint = f'; did you mean "{_LEVEL_KEYS[close[0]]}"?' if close else ""
                    msg = f'{column} "{_short(value, 40)}" is not one of High, Med, Low{hint}'
                yield Report(
                    Span(cell.span.start, cell.span.end, row_span.line, row_span.line),
                    msg,
                    severity=severity,
                )


@lru_cache(maxsize=4096)
def _level_key(value: str) -> str | None:
    """:func:`norm_key` of a risk table's Probability or Impact value, or ``None`` for a
    value that passes: a level, an explicit none, or a prompt (SB205's)."""
    if is_placeholder(value) or PROMPT.fullmatch(value) or MUSTACHE.search(value):
        return None
    if value.lower() in _EXPLICIT_NONE:
        return None
    key = norm_key(value)
    return None if key in _LEVEL_KEYS else key


@lru_cache(maxsize=4096)
def _date(text: str) -> dt.date | None:
    if is_plain_date(text):  # (the usual case, read without the expression)
        return plain_date(text)
    m = _ISO.match(text.strip().strip("*_`"))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


@rule("SB605", "timeline-order", severity="error", tags=("content",))
def timeline_order(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """A phase that ends before it starts.

    Why: a plan with an impossible phase is a typo at best; at worst the dates
    everyone plans around are wrong.

    Example:
    `| Testing | 5 days | 2026-07-10 | 2026-07-03 | Planned |` in the Timeline table.

    Fix: correct the Start Date or the End Date. Every table with a Start Date and
    an End Date column is checked; placeholders such as `[YYYY-MM-DD]` and dates
    that are not ISO `YYYY-MM-DD` are skipped (SB205 and SB104 look at those).
    """
    for table, keys, names in _heads(doc):
        if names.isdisjoint(_STARTS) or names.isdisjoint(_ENDS):
            continue
        si, ei = _columns_of(keys, _STARTS)[0], _columns_of(keys, _ENDS)[0]
        label = _columns_of(keys, ("phase", "milestone", "stage", "step", "task"))
        li = label[0] if label else 0
        for row, row_span in zip(table.rows, table.row_spans, strict=False):
            sc, ec = _cell(row, si), _cell(row, ei)
            if sc is None or ec is None:
                continue
            start, end = _date(sc.text), _date(ec.text)
            if start is None or end is None or end >= start:
                continue
            name_cell = _cell(row, li)
            name = name_cell.text.strip() if name_cell is not None else ""
            what = f'phase "{_short(name, 40)}"' if name else "this phase"
            gap = (start - end).days
            yield Report(
                Span(row_span.start, row_span.end, row_span.line, row_span.line),
                f"{what} ends {end.isoformat()}, {gap} day{'s' if gap != 1 else ''} before it "
                f"starts {start.isoformat()}; correct the {table.header[si].text} "
                f"or the {table.header[ei].text}",
            )
