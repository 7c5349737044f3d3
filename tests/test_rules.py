"""Every rule against its scenario: a small book whose files mark the findings inline.

A scenario is the folder ``tests/rules/<ID>-<name>/``: a book (with or without a
``specbook.toml``). A line that should produce a finding of the rule ends with the
marker ``<!-- SB205 -->`` (one ID per expected finding: ``<!-- SB205 SB205 -->``
expects two); in a code file the book's ``[trace] code`` names, a line ends with
the comment ``# SB404``. The test fails on any missing or extra finding of that
rule. Lint runs as if today were 2026-06-15, so date rules are stable.

A rule that reads git history (SB505) has a ``history/`` folder in its scenario:
each ``history/<step>/`` is a set of book files, copied over a fresh repository in
``tmp_path`` and committed in name order (one day apart from 2026-03-01); the
scenario's own files are then copied over them as the uncommitted working tree.

A rule about files the book does not read (SB002) has a ``links.txt``: the symbolic
links to make in a copy of the scenario (``LINK -> TARGET``); a link's line carries
the marker of the finding it should produce (on line 1 of the link).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from specbook.book import Book
from specbook.core.config import default_config, load_config
from specbook.lint.engine import Linter
from specbook.lint.registry import load_rules
from specbook.trace.coverage import code_files

SCENARIOS = Path(__file__).resolve().parent / "rules"
TODAY = dt.date(2026, 6, 15)
MARKER = re.compile(rb"<!--\s*((?:SB\d{3}\s*)+)-->")
CODE_MARKER = re.compile(rb"#\s*((?:SB\d{3}\s*)+)$")
RULES = load_rules()


def _scenario(rule_id: str) -> Path | None:
    found = sorted(SCENARIOS.glob(f"{rule_id}-*"))
    return found[0] if found else None


def _expected(book: Book) -> Counter[tuple[str, int, str]]:
    out: Counter[tuple[str, int, str]] = Counter()
    for path in book.paths():
        for n, line in enumerate(path.read_bytes().split(b"\n"), 1):
            for m in MARKER.finditer(line):
                for rid in m.group(1).split():
                    out[(book.rel(path), n, rid.decode())] += 1
    links = book.root / "links.txt"
    for line in links.read_bytes().split(b"\n") if links.is_file() else ():
        for m in MARKER.finditer(line):
            for rid in m.group(1).split():
                out[(line.split(b" -> ")[0].decode(), 1, rid.decode())] += 1
    for rel in code_files(book.config):
        for n, line in enumerate((book.root / rel).read_bytes().split(b"\n"), 1):
            m = CODE_MARKER.search(line.rstrip())
            for rid in m.group(1).split() if m else ():
                out[(rel, n, rid.decode())] += 1
    return out


def _book_folder(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The scenario's folder, or for a scenario with history, the repository built
    from it (see the module docstring)."""
    links = folder / "links.txt"
    if links.is_file():
        copy = tmp_path / folder.name
        shutil.copytree(folder, copy)
        for line in links.read_text(encoding="utf-8").splitlines():
            if " -> " in line and not line.startswith("#"):
                link, target = line.split("<!--")[0].strip().split(" -> ")
                (copy / link).symlink_to(target.replace("{scenario}", str(folder)))
        return copy
    history = folder / "history"
    if not history.is_dir():
        return folder
    from tests.gitbook import commit, init, isolate

    isolate(monkeypatch)
    repo = tmp_path / folder.name
    init(repo)
    for day, step in enumerate(sorted(p for p in history.iterdir() if p.is_dir()), 1):
        shutil.copytree(step, repo, dirs_exist_ok=True)
        commit(repo, step.name, f"2026-03-{day:02d}T10:00:00Z")
    shutil.copytree(folder, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("history"))
    return repo


def test_every_rule_has_a_unique_id_name_scenario_and_docs_page() -> None:
    ids = [r.id for r in RULES]
    names = [r.name for r in RULES]
    assert len(ids) == len(set(ids)) and len(names) == len(set(names))
    docs = Path(__file__).resolve().parents[1] / "docs" / "rules"
    for r in RULES:
        assert _scenario(r.id) is not None, f"{r.id} has no scenario under tests/rules/"
        assert (docs / f"{r.id}-{r.name}.md").is_file(), f"{r.id} has no docs page"
        assert len(r.doc.splitlines()) >= 3 and "Fix:" in r.doc, (
            f"{r.id}: docstring needs What/Why/Fix"
        )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.id}-{r.name}")
def test_scenario(rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    scenario = _scenario(rule.id)
    assert scenario is not None, f"no scenario for {rule.id}"
    folder = _book_folder(scenario, tmp_path, monkeypatch)
    cfg_file = folder / "specbook.toml"
    config = load_config(cfg_file) if cfg_file.is_file() else default_config(folder.resolve())
    book = Book(config, warn=None)
    docs = list(book.documents())
    assert docs, f"{folder} holds no documents"
    result = Linter(config, select=[rule.id], today=TODAY).run(docs, skipped=book.skipped)
    got = Counter((f.path, f.line, f.rule) for f in result.findings if f.rule == rule.id)
    want = Counter({k: v for k, v in _expected(book).items() if k[2] == rule.id})
    assert want, f"{folder} marks no expected {rule.id} finding"
    missing = want - got
    extra = got - want
    assert not missing and not extra, (
        f"missing: {sorted(missing)}\nextra: {sorted(extra)}\n"
        + "\n".join(f"  {f.path}:{f.line}:{f.column} {f.message}" for f in result.findings)
    )


def test_docs_pages_are_current() -> None:
    from specbook.lint.docs import expected_pages

    folder = Path(__file__).resolve().parents[1] / "docs" / "rules"
    stale = [
        name
        for name, text in expected_pages(RULES).items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run `python -m specbook.lint.docs` to regenerate: {stale}"


class _Refused(Exception):
    pass


def _refuse(what: str) -> Any:
    def refuse(*args: object, **kwargs: object) -> None:
        raise _Refused(f"called {what}{args[:1]!r}")

    return refuse


def test_document_rules_open_no_file_and_run_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document rule sees its document, its kind's template and the config, nothing
    else: its findings are cached by the document's content hash alone, so a rule
    reading another file (or git) would be served stale (issue 19). Every document rule
    runs over every scenario's documents with opening, stat-ing and listing files and
    starting processes made to fail."""
    import builtins
    import io
    import os
    import subprocess

    books = []
    for folder in sorted(p for p in SCENARIOS.iterdir() if p.is_dir()):
        cfg_file = folder / "specbook.toml"
        config = load_config(cfg_file) if cfg_file.is_file() else default_config(folder.resolve())
        docs = list(Book(config, warn=None).documents())
        for r in RULES:
            if r.check is None:
                continue
            linter = Linter(config, select=[r.id], today=TODAY, rules=RULES)
            if not linter.document_rules:
                continue  # (the scenario's config turns it off)
            for doc in docs:  # once as usual: lazy imports and the template are read here
                linter.lint_document(doc)
            books.append((linter, docs))
    assert sum(len(d) for _, d in books) > 500
    refused: list[str] = []
    with monkeypatch.context() as patched:
        for target, name in (
            (builtins, "open"), (io, "open"), (os, "open"), (os, "stat"), (os, "lstat"),
            (os, "listdir"), (os, "scandir"), (subprocess, "Popen"), (os, "posix_spawn"),
            (os, "fork"), (os, "system"),
        ):  # fmt: skip
            patched.setattr(target, name, _refuse(f"{target.__name__}.{name}"))
        for linter, docs in books:
            for doc in docs:
                try:
                    linter.lint_document(doc)
                except _Refused as exc:
                    refused.append(f"{linter.document_rules[0].rule.id} on {doc.path}: {exc}")
    assert not refused, "\n".join(refused)


def test_only_rules_that_declare_it_give_findings_that_depend_on_the_day() -> None:
    """A document's findings are kept from one day to the next but for the rules that
    declare ``uses_today`` (made again then, from the stored parse): every other
    document rule must say the same of every scenario document on any two days."""
    days = (dt.date(1990, 1, 1), TODAY, dt.date(2090, 12, 31))
    checked = 0
    for folder in sorted(p for p in SCENARIOS.iterdir() if p.is_dir()):
        cfg_file = folder / "specbook.toml"
        config = load_config(cfg_file) if cfg_file.is_file() else default_config(folder.resolve())
        docs = list(Book(config, warn=None).documents())
        linters = [Linter(config, today=d, rules=RULES) for d in days]
        keep = [a.rule.id for a in linters[0].document_rules if not a.rule.uses_today]
        for doc in docs:
            said = [[f for f in linter.lint_document(doc) if f.rule in keep] for linter in linters]
            assert said[0] == said[1] == said[2], doc.path
            checked += 1
    assert checked > 150


def test_a_rule_that_reads_the_day_says_the_same_on_every_day_of_its_window() -> None:
    """Lint keeps the findings of a rule that reads the day, on the days of its
    ``day_window``, without running it again: on any day of the window the check must
    say exactly what it says on the day the window was made. Over every scenario
    document, on days at and around every date the document names (where findings
    appear, change or go), and far before and after."""
    windowed = [r for r in RULES if r.day_window is not None]
    assert {r.id for r in windowed} >= {"SB108", "SB504"}
    far = dt.timedelta(days=3650)
    checked = 0
    for folder in sorted(p for p in SCENARIOS.iterdir() if p.is_dir()):
        cfg_file = folder / "specbook.toml"
        config = load_config(cfg_file) if cfg_file.is_file() else default_config(folder.resolve())
        linter = Linter(config, today=TODAY, rules=RULES)
        for doc in Book(config, warn=None).documents():
            kind = config.kinds.get(doc.kind) if doc.kind else None
            checks = {
                a.rule.id: (a.rule, ctx)
                for a, _check, ctx in linter._checks(kind.name if kind else None)
                if a.rule.day_window is not None
            }
            named = {
                dt.date.fromisoformat(m.decode())
                for m in set(re.findall(rb"\b\d{4}-\d{2}-\d{2}\b", doc.source))
                if _is_date(m)
            }
            todays = {TODAY, dt.date(1990, 1, 1), dt.date(2090, 12, 31)} | {
                d + dt.timedelta(days=k) for d in named for k in (-1, 0, 1, 14, 15, 16)
            }
            for rule, ctx in checks.values():
                assert rule.check is not None and rule.day_window is not None
                check = rule.check

                def said(day: dt.date, check: Any = check, doc: Any = doc, ctx: Any = ctx) -> Any:
                    return list(check(doc, ctx._replace(today=day)))

                for today in sorted(todays):
                    first, end = rule.day_window(doc, ctx._replace(today=today))
                    assert first is None or first <= today, (rule.id, doc.path, today)
                    assert end is None or today < end, (rule.id, doc.path, today)
                    lo = first or today - far
                    hi = (end or today + far) - dt.timedelta(days=1)
                    want = said(today)
                    for day in {
                        lo,
                        hi,
                        max(lo, today - dt.timedelta(days=1)),
                        min(hi, today + dt.timedelta(days=1)),
                    }:
                        assert said(day) == want, (rule.id, doc.path, today, day, first, end)
                    checked += 1
    assert checked > 1000


def _is_date(text: bytes) -> bool:
    try:
        dt.date.fromisoformat(text.decode())
    except ValueError:
        return False
    return True


def test_the_section_walk_is_made_once_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """The section rules (SB201-SB205), the requirement rules and the content rules share
    one walk over a document's sections: linting a document with every rule builds it
    once, and a second document gets its own."""
    from specbook.lint.rules import sections

    folder = _scenario("SB204")
    assert folder is not None
    config = default_config(folder.resolve())
    docs = list(Book(config, warn=None).documents())[:2]
    built: list[str | None] = []
    real = sections._build_walk

    def counted(doc: Any) -> Any:
        built.append(doc.path)
        return real(doc)

    monkeypatch.setattr(sections, "_build_walk", counted)
    linter = Linter(config, today=TODAY, rules=RULES)
    for doc in docs:
        assert linter.lint_document(doc)  # (the scenario's documents have findings)
    assert built == [d.path for d in docs]


def test_each_acceptance_section_name_holds_a_stem_the_quick_test_looks_for() -> None:
    """SB301 tells most section keys apart from acceptance-criteria names by a few
    stems before the full comparison: a name added without its stem would never match."""
    from specbook.lint.rules.requirements import _ACCEPTANCE_STEMS, ACCEPTANCE_SECTIONS

    assert all(any(s in name for s in _ACCEPTANCE_STEMS) for name in ACCEPTANCE_SECTIONS)


def test_a_requirement_id_ends_where_its_span_ends(tmp_path: Path) -> None:
    """SB301-SB304 tell a part (`FR-1.1`) from a requirement by what follows its ID, read
    without making spans or finding the line's end: as after the ID's reported span. (A
    book whose IDs have three digits reads `FR-001` of `**FR-001.1**`: a part, not
    defined again.)"""
    from specbook.lint.rules.requirements import (
        _SUB_NUMBER,
        _id_span,
        _part_follows,
        defined_requirements,
    )

    (tmp_path / "specbook.toml").write_text('[requirements]\nid = "{prefix}-\\\\d{3}"\n')
    (tmp_path / "docs" / "specs").mkdir(parents=True)
    (tmp_path / "docs" / "specs" / "SPEC-001-x.md").write_text(
        "# X\n\n**ID**: SPEC-001\n\n## Requirements\n\n1. **FR-001**: Export.\n"
        "2. **FR-001.1**: As CSV.\n3. **FR-002**: Import.\r\n4. **FR-003**: Sync, not FR-003.2\n"
    )
    three = Book(load_config(tmp_path / "specbook.toml"), warn=None)
    (doc,) = three.documents()
    assert [r.id for r in defined_requirements(doc)] == ["FR-001", "FR-002", "FR-003"]
    seen = parts = 0
    folders = [_scenario(r) for r in ("SB301", "SB302", "SB303", "SB304")]
    books = [default_config(f.resolve()) for f in folders if f is not None]
    for config in [*books, three.config]:
        for doc in Book(config, warn=None).documents():
            for r in doc.requirements:
                src = doc.source
                follows = _SUB_NUMBER.match(src, _id_span(doc, r).end) is not None
                assert _part_follows(src, doc.line_starts, r) == follows, (doc.path, r.id)
                seen += 1
                parts += follows
    assert seen > 20
    assert parts > 0


def test_a_target_is_measurable_as_the_one_expression_of_numbers_and_words_says() -> None:
    """SB302/SB303 look for a number with its unit first and for a number word (`five
    days`) only then, in lower case for an ASCII text: the answer is the one expression
    of both, without regard to case, gives, also for letters that fold otherwise (`ſ`,
    the Kelvin sign) and for every requirement text and target of the scenarios."""
    from specbook.lint.rules.requirements import (
        _MEASURED_NUMBER,
        _MEASURED_WORDS,
        is_measurable,
    )

    whole = re.compile(f"{_MEASURED_NUMBER}|{_MEASURED_WORDS}", re.IGNORECASE)
    words = "zero one two three four five six seven eight nine ten eleven twelve fifteen"
    words += " twenty thirty fifty hundred thousand million billion"
    texts = [
        *(f"within {w} days" for w in words.split()),
        *(f"{w.upper()} Seconds" for w in words.split()),
        *(f"Done{w}x" for w in words.split()),
        "fast", "p95 < 200 ms", "99.9%", "$5", "€ 10", "due 2026-01-01", "one", "ten.",
        "ſix weeks", "ten ſeconds", "\u212aeep nine \u212a", "two\u00a0days",
        "İki gün", "ONE\tHOUR", "p95", "< 200", "n/a", "", "v2 build", "x 5x",
    ]  # fmt: skip
    for rule_id in ("SB302", "SB303"):
        folder = _scenario(rule_id)
        assert folder is not None
        for doc in Book(default_config(folder.resolve()), warn=None).documents():
            texts += [t for r in doc.requirements for t in (r.text, r.target or "")]
    answers = [is_measurable(t) for t in texts]
    assert answers == [whole.search(t) is not None for t in texts]
    assert 10 < sum(answers) < len(texts) - 10


def test_a_field_value_s_own_bytes_leave_out_a_trailing_comment() -> None:
    """The field rules read a value without a trailing HTML comment or YAML comment; a
    value holding no `<!--` or `#` is not searched for them (a byte search says so)."""
    from specbook.lint.rules.fields import _core
    from specbook.parse import parse

    text = (
        "---\ntype: Feature # the kind of change\nowner: al#ice\n"
        "tags: a, b  #x\n---\n\n# T\n\n**Status**: Draft <!-- until May -->\n"
        "**Date**: 2026-01-01\n**Author**: *Bo* <!-- a --> <!-- b -->\n"
    )
    doc = parse(text.encode(), "SPEC-001-x.md", default_config(Path(".")))
    got = {f.key: _core(doc, f)[2] for f in doc.fields}
    assert got == {
        "type": "Feature",
        "owner": "al#ice",
        "tags": "a, b",
        "status": "Draft",
        "date": "2026-01-01",
        "author": "Bo",
    }


def test_a_section_matched_to_a_template_section_of_another_name_is_found_by_its_own() -> None:
    """Section ranges find a section by its template section's key and by its own
    title's; the sections whose template name is their title (or who have none) are
    told apart without a look at each, and none of the others is missed."""
    from specbook.core.model import Section, Span
    from specbook.lint.rules.sections import _own_title_keys, section_ranges, section_walk
    from specbook.parse import parse

    doc = parse(b"# T\n", "SPEC-001-x.md", default_config(Path(".")))
    named = [
        ("Summary", "Summary"),
        ("2. Context \u2705", "Context"),
        ("\U0001f680 3.2 Rollout", "Rollout"),
        ("Data Model", "Schema"),
        ("Notes", None),
        ("Extra", ""),
    ]
    sections = tuple(
        Section(
            2,
            title,
            template,
            Span(i * 10, i * 10 + 5, i + 1, i + 1),
            Span(i * 10, i * 10 + 9, i + 1, i + 1),
        )
        for i, (title, template) in enumerate(named)
    )
    vars(doc)["sections"] = sections  # (the parsed tree replaced by these sections)
    assert _own_title_keys(doc, section_walk(doc)) == {"3 2 rollout": [2], "data model": [3]}
    assert section_ranges(doc, "data model") == [(30, 39)]
    assert section_ranges(doc, "schema") == [(30, 39)]
    assert section_ranges(doc, "extra") == [(50, 59)]


def test_a_title_states_the_id_with_a_space_as_the_expression_of_the_id_says() -> None:
    """SB101 takes `# ADR 018 — Login` for the ID ADR-018: compared in place, not by an
    expression compiled for each document's ID, with the answers that expression gives
    (non-word characters before the ID, given back where the prefix needs them; `_` or
    a space; a word boundary after the number)."""
    import random

    from specbook.lint.rules.fields import _spaced_id

    def expression(title: str, doc_id: str) -> bool:
        prefix, _, number = doc_id.rpartition("-")
        pattern = rf"[^\w]*{re.escape(prefix)}[ _]{re.escape(number)}\b"
        return re.match(pattern, title) is not None

    ids = ["ADR-018", "SPEC-1", "RFC-0042", "X-1-2", "12", "A-", "-5", "é-1", "ADR-01 8"]
    titles = [
        "ADR 018 — Login", "ADR_018 x", "ADR 0180", "  ADR 018", "# ADR 018: x", "ADR-018",
        "ADR 01", "*ADR 018*", "SPEC 1a", "SPEC 1_", "SPEC 1.2", "RFC 0042", "X-1 2 y",
        " 12", " 12x", " _12", "A ", "A _", "- 5", " -5", "É 1", "é 1", "ADR 01 8 z", "",
        "… ADR 018", "ADR\t018",
    ]  # fmt: skip
    rnd = random.Random(19)
    pairs = [(t, i) for t in titles for i in ids] + [
        (
            "".join(rnd.choices(" _-#*ADR018x.é", k=rnd.randint(0, 8))),
            "".join(rnd.choices("AD-01_ ", k=rnd.randint(1, 5))),
        )
        for _ in range(3000)
    ]
    answers = [_spaced_id(t, i) for t, i in pairs]
    assert answers == [expression(t, i) for t, i in pairs]
    assert sum(answers) > 20


# What follows a heading, and whether SB202 calls the section empty (the quick byte tests
# for text after a heading must answer as the full quiet-line expression does)
SB202_BODIES = [
    ("- item\n", False),
    ("- - -\n", True),
    ("***\n", True),
    ("___\n", True),
    ("-  x\n", False),
    ("**Bold**\n", False),
    ("-\n", False),
    ("<!-- x -->\n", True),
    ("\n---\n", True),
    ("\r\n---\r\n", True),
    ("\n\n", True),
    ("", True),
    ("* * *\n", True),
    ("*\tx\n", False),
    ("_x_\n", False),
    ("--\n", False),
    ("-- x\n", False),
    ("<b>x</b>\n", False),
    ("\n- a\n", False),
    ("\n***\n<!-- c -->\n", True),
    ("   ---\n", True),
    ("\t- x\n", False),
    ("---x\n", False),
    ("**\n", False),
    ("__\n", False),
    ("-\t-\t-\n", True),
]


@pytest.mark.parametrize(("body", "empty"), SB202_BODIES)
def test_empty_section_tells_quiet_lines_from_text(body: str, empty: bool, tmp_path: Path) -> None:
    from specbook.parse import parse

    config = default_config(tmp_path)
    linter = Linter(config, select=["SB202"], today=TODAY, rules=RULES)
    doc = parse(f"# T\n\n## A\n{body}## B\n\ntext\n".encode(), "docs/x.md", config)
    found = [f.line for f in linter.lint_document(doc)]
    assert found == ([3] if empty else [])
