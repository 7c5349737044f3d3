"""`specbook trace`: requirement ↔ test coverage, and lint rules SB404/SB405 end to end.

The example book (examples/book) carries tagged pytest files under tests/; these are
data, never collected by our own suite (pytest's testpaths is `tests`).
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.core.config import config_from_mapping
from specbook.core.state import read_blob
from specbook.trace.coverage import glob_regex, scan_code

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the example book; the current folder is its root."""
    root = tmp_path / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    monkeypatch.chdir(root)
    return root


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _trace_json() -> dict[str, Any]:
    code, out = _run("trace", "--json")
    assert code == 0, out
    data: dict[str, Any] = json.loads(out)
    return data


def _tests_of(data: dict[str, Any], doc_id: str, req: str) -> set[tuple[str, str | None, str]]:
    doc = next(d for d in data["documents"] if d["id"] == doc_id)
    entry = next(r for r in doc["requirements"] if r["id"] == req)
    return {(t["path"], t["test"], t["via"]) for t in entry["tests"]}


def test_example_book_coverage(example: Path) -> None:
    data = _trace_json()
    assert _tests_of(data, "SPEC-001", "FR-1") == {
        ("tests/test_tracking.py", "test_register_shipment_returns_201", "marker"),
        ("tests/test_tracking.py", "test_register_same_number_returns_existing", "comment"),
        ("tests/integration/test_flows.py", "test_register_then_poll_then_read_flow", "marker"),
    }
    assert _tests_of(data, "SPEC-001", "FR-2") == {
        ("tests/test_tracking.py", "test_track_shipment_returns_events", "docstring"),
        ("tests/test_tracking.py", "test_spec_001_fr_2_timestamps_are_utc_iso8601", "name"),
        ("tests/integration/test_flows.py", "test_register_then_poll_then_read_flow", "marker"),
    }
    assert _tests_of(data, "SPEC-001", "FR-3") == {
        ("tests/test_tracking.py", "test_public_view_strips_personal_data", "marker"),
        ("tests/test_tracking.py", "TestShareToken", "docstring"),
    }
    assert _tests_of(data, "SPEC-004", "FR-1") == {
        (
            "tests/test_carrier_detection.py",
            "test_register_shipment_without_carrier_code",
            "comment",
        )
    }
    assert _tests_of(data, "SPEC-005", "NFR-1") == {
        ("tests/integration/test_flows.py", "test_replay_day_stays_under_quota", "docstring")
    }
    uncovered = {(u["doc_id"], u["requirement"]) for u in data["uncovered"]}
    assert uncovered == {
        ("SPEC-001", "NFR-1"),
        ("SPEC-002", "FR-3"),
        ("SPEC-002", "NFR-2"),
        ("SPEC-003", "FR-3"),
        ("SPEC-003", "NFR-1"),
        ("SPEC-004", "NFR-1"),
        ("SPEC-004", "NFR-2"),
    }
    # every test a Testing Strategy lists exists, with its place in the code
    assert data["bad_tags"] == [] and data["missing_tests"] == []
    spec1 = next(d for d in data["documents"] if d["id"] == "SPEC-001")
    listed = {t["name"]: t for t in spec1["listed_tests"]}
    assert listed["test_track_shipment_returns_events"]["line"] == 123
    assert listed["test_track_shipment_returns_events"]["found"] == [
        {"path": "tests/test_tracking.py", "line": 28}
    ]
    assert sum(len(d["listed_tests"]) for d in data["documents"]) == 15
    # a marker naming a whole document is kept apart from requirement coverage
    bug3 = next(d for d in data["documents"] if d["id"] == "BUG-003")
    assert [t["test"] for t in bug3["document_tags"]] == ["test_public_view_strips_personal_data"]
    assert data["summary"] == {
        "requirements": 21,
        "covered": 14,
        "uncovered": 7,
        "bad_tags": 0,
        "missing_tests": 0,
        "planned_tests": 0,
    }


def test_text_report_is_a_table_and_problem_lists(example: Path) -> None:
    code, out = _run("trace")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Code: tests/**/*.py (7 files, 21 tests, 24 tags)"
    assert (
        "SPEC-001  Shipment tracking API  [Implemented]  "
        "docs/specs/SPEC-001-shipment-tracking-api.md"
    ) in lines
    assert (
        "  FR-1   covered  tests/integration/test_flows.py:8 test_register_then_poll_then_read_flow"
        in lines
    )
    assert "  NFR-1  UNCOVERED" in lines
    assert "  Testing Strategy: 3 of 3 listed tests found" in lines
    assert "Uncovered requirements (7):" in lines
    assert "  docs/specs/SPEC-001-shipment-tracking-api.md:44: SPEC-001/NFR-1 has no test" in lines
    assert (
        lines[-1] == "21 requirements: 14 covered, 7 uncovered; 0 bad tags; 0 missing listed tests"
    )
    # uncovered requirements fail only with --strict
    assert _run("trace", "--strict")[0] == 1


def test_example_book_lints_clean(example: Path) -> None:
    code, out = _run("lint")
    assert code == 0, out


def test_json_shape(example: Path) -> None:
    data = _trace_json()
    assert set(data) == {
        "version", "code", "documents", "uncovered", "bad_tags", "missing_tests", "summary"
    }  # fmt: skip
    assert data["version"] == 1
    assert data["code"] == {"patterns": ["tests/**/*.py"], "files": 7, "tests": 21, "tags": 24}
    doc = data["documents"][0]
    assert set(doc) == {
        "id", "title", "status", "kind", "path", "requirements", "listed_tests", "document_tags"
    }  # fmt: skip
    spec = next(d for d in data["documents"] if d["requirements"])
    assert set(spec["requirements"][0]) == {"id", "kind", "line", "covered", "tests", "code"}
    assert set(spec["requirements"][0]["tests"][0]) == {
        "path", "line", "column", "test", "target", "via"
    }  # fmt: skip
    assert set(spec["listed_tests"][0]) == {"name", "written", "line", "checked", "due", "found"}
    assert set(data["uncovered"][0]) == {"doc_id", "requirement", "path", "line"}


BAD_TAGS = """

# SPEC-001/FR-9 was renumbered
def test_renumbered():
    pass


@pytest.mark.spec("SPEC-077/FR-1")
def test_of_a_spec_that_does_not_exist():
    pass
"""


def test_tag_pointing_at_a_missing_requirement(example: Path) -> None:
    path = example / "tests" / "test_webhooks.py"
    before = path.read_text(encoding="utf-8").count("\n")
    path.write_text(path.read_text(encoding="utf-8") + BAD_TAGS, encoding="utf-8")
    data = _trace_json()
    bad = [(b["path"], b["line"], b["column"], b["problem"], b["test"]) for b in data["bad_tags"]]
    assert bad == [
        ("tests/test_webhooks.py", before + 3, 3, "no-requirement", "test_renumbered"),
        (
            "tests/test_webhooks.py",
            before + 8,
            20,
            "no-document",
            "test_of_a_spec_that_does_not_exist",
        ),
    ]
    assert (
        "SPEC-001 has no requirement FR-9 (it has: FR-1, FR-2, FR-3, NFR-1)"
        in (data["bad_tags"][0]["message"])
    )
    code, out = _run("trace", "--strict")
    assert code == 1
    assert f"  tests/test_webhooks.py:{before + 3}:3: in test_renumbered SPEC-001/FR-9:" in out

    # the same as lint findings, on the code file, relative to the book root
    code, out = _run("lint", "--format", "json")
    assert code == 1
    findings = [f for f in json.loads(out)["findings"] if f["rule"] == "SB404"]
    assert [(f["path"], f["line"], f["column"], f["doc_id"]) for f in findings] == [
        ("tests/test_webhooks.py", before + 3, 3, None),
        ("tests/test_webhooks.py", before + 8, 20, None),
    ]
    assert findings[1]["end_column"] == 20 + len("SPEC-077/FR-1")
    # linting one document judges only tags naming documents in the run
    code, out = _run("lint", "docs/specs/SPEC-002-carrier-webhook-ingestion.md")
    assert "SB404" not in out


def test_lint_notices_a_code_change_after_a_clean_run(example: Path) -> None:
    assert _run("lint")[0] == 0
    assert _run("lint")[0] == 0  # served from the memo
    path = example / "tests" / "test_scheduler.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n# SPEC-005/FR-4\n", encoding="utf-8")
    code, out = _run("lint")
    assert code == 1
    assert "tests/test_scheduler.py:33:3: SB404 dangling-tag error: SPEC-005/FR-4:" in out


def test_listed_test_that_does_not_exist(example: Path) -> None:
    path = example / "tests" / "test_webhooks.py"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("def test_webhook_rejects_bad_signature(", "def test_bad_signature("),
        encoding="utf-8",
    )
    data = _trace_json()
    assert data["missing_tests"] == [
        {
            "doc_id": "SPEC-002",
            "name": "test_webhook_rejects_bad_signature",
            "path": "docs/specs/SPEC-002-carrier-webhook-ingestion.md",
            "line": 124,
            "checked": True,
            "due": True,
        }
    ]
    code, out = _run("lint")
    assert code == 1
    assert (
        "docs/specs/SPEC-002-carrier-webhook-ingestion.md:124:8: SB405 missing-test error: "
        "test_webhook_rejects_bad_signature is listed in the Testing Strategy"
    ) in out


def test_a_book_kept_apart_from_its_code_is_not_checked_for_tests(example: Path) -> None:
    shutil.rmtree(example / "tests")
    assert _run("lint")[0] == 0
    data = _trace_json()
    assert data["code"]["files"] == 0
    assert len([m for m in data["missing_tests"] if m["due"]]) == 5


def test_planned_tests_are_reported_apart(example: Path) -> None:
    # SPEC-003 is in Review and its items are unticked: plans, not missing tests
    (example / "tests" / "test_notifications.py").unlink()
    data = _trace_json()
    planned = {(m["doc_id"], m["name"], m["due"]) for m in data["missing_tests"]}
    assert planned == {
        ("SPEC-003", "test_unconfirmed_subscription_gets_no_mail", False),
        ("SPEC-003", "test_notifier_sends_once_per_status_change", False),
    }
    assert data["summary"]["missing_tests"] == 0 and data["summary"]["planned_tests"] == 2
    code, out = _run("trace")
    assert code == 0
    assert "Planned tests not written yet (2; unticked, document not Implemented):" in out
    assert _run("lint")[0] == 0


def test_exclude_and_the_code_globs(example: Path) -> None:
    cfg = example / "specbook.toml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8") + 'exclude = ["tests/integration/"]\n', encoding="utf-8"
    )
    data = _trace_json()
    assert data["code"]["files"] == 6
    assert ("SPEC-005", "NFR-1") in {(u["doc_id"], u["requirement"]) for u in data["uncovered"]}
    # the integration tests listed by SPEC-001 are now missing, and due (it is Implemented)
    assert ("SPEC-001", "test_register_then_poll_then_read_flow", True) in {
        (m["doc_id"], m["name"], m["due"]) for m in data["missing_tests"]
    }


@pytest.mark.parametrize(
    ("toml", "key", "words"),
    [
        ('[trace]\ncode = "tests"\n', "trace.code", "expected a list of non-empty strings"),
        (
            '[trace]\ncode = ["/srv/app/**/*.py"]\n',  # not read: refused setting
            "trace.code",
            "not a glob relative to the book root",
        ),
        ('[trace]\nexclude = ["../other/**"]\n', "trace.exclude", "no .."),
        ("[trace]\nglobs = []\n", "trace.globs", "allowed here: code, exclude"),
        ("trace = 3\n", "trace", "expected a table"),
    ],
)
def test_config_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, key: str,
                       words: str) -> None:  # fmt: skip
    (tmp_path / "specbook.toml").write_text(toml, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["trace"])
    assert result.exit_code == 2
    assert f"specbook.toml: {key}: " in result.output and words in result.output


def test_config_defaults_and_pyproject_table(tmp_path: Path) -> None:
    cfg = config_from_mapping({}, root=tmp_path, path=None)
    assert cfg.trace_code == ("tests/**/*.py", "src/**/*.py") and cfg.trace_exclude == ()
    cfg = config_from_mapping(
        {"trace": {"code": ["spec/**/*_test.py"], "exclude": ["spec/slow/"]}},
        root=tmp_path,
        path=None,
    )
    assert cfg.trace_code == ("spec/**/*_test.py",) and cfg.trace_exclude == ("spec/slow/",)


def test_init_documents_the_trace_table(tmp_path: Path) -> None:
    from specbook.services.init import config_text

    data = tomllib.loads(config_text("x"))
    assert data["trace"] == {"code": ["tests/**/*.py", "src/**/*.py"], "exclude": []}


def test_globs() -> None:
    rx = glob_regex("tests/**/*.py")
    assert rx.match("tests/a.py") and rx.match("tests/x/y/a.py")
    assert not rx.match("src/tests/a.py") and not rx.match("tests/a.pyc")
    assert glob_regex("spec/").match("spec/a/b.txt")
    assert glob_regex("src\\*.py").match("src/a.py") and not glob_regex("src/*.py").match(
        "src/a/b.py"
    )
    assert glob_regex("t/test_[ab].py").match("t/test_a.py")


def _book(tmp_path: Path, files: dict[str, str], code: tuple[str, ...] = ("tests/**/*",)) -> Any:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return config_from_mapping(
        {"trace": {"code": list(code)}}, root=tmp_path, path=tmp_path / "specbook.toml"
    )


def test_scanner_attributes_tags_to_the_innermost_owner(tmp_path: Path) -> None:
    source = '''"""Helpers; SPEC-001/FR-1 at module level."""
import pytest


class TestGroup:
    # SPEC-001/FR-2 above the method
    @pytest.mark.spec("SPEC-2/NFR-1")
    def test_method(self):
        x = "SPEC-001/FR-7 in a plain string is data"

    def helper(self):
        pass  # SPEC-001/FR-3


def test_spec7_fr2():
    pass


def make():
    return 1  # SPEC-003/FR-1
'''
    config = _book(tmp_path, {"tests/helpers.py": source, "src/app.py": "# SPEC-004/FR-1\n"},
                   code=("tests/**/*.py", "src/**/*.py"))  # fmt: skip
    scan = scan_code(config)
    got = [(t.path, t.line, t.column, t.target, t.owner, t.via, t.role) for t in scan.tags]
    assert got == [
        ("src/app.py", 1, 3, "SPEC-004/FR-1", None, "comment", "code"),
        ("tests/helpers.py", 1, 13, "SPEC-001/FR-1", None, "docstring", "test"),
        ("tests/helpers.py", 6, 7, "SPEC-001/FR-2", "TestGroup.test_method", "comment", "test"),
        ("tests/helpers.py", 7, 24, "SPEC-2/NFR-1", "TestGroup.test_method", "marker", "test"),
        ("tests/helpers.py", 12, 17, "SPEC-001/FR-3", "TestGroup.helper", "comment", "test"),
        ("tests/helpers.py", 15, 5, "SPEC-007/FR-2", "test_spec7_fr2", "name", "test"),
        ("tests/helpers.py", 20, 17, "SPEC-003/FR-1", "make", "comment", "test"),
    ]
    assert [d.line for d in scan.defs["test_method"]] == [8]


def test_non_python_code_is_searched_as_text(tmp_path: Path) -> None:
    config = _book(tmp_path, {"web/track.test.ts": "it('sorts', () => {}) // SPEC-001/FR-2\n"},
                   code=("web/**/*.ts",))  # fmt: skip
    (tag,) = scan_code(config).tags
    assert (tag.path, tag.line, tag.column, tag.target, tag.via, tag.role) == (
        "web/track.test.ts", 1, 26, "SPEC-001/FR-2", "text", "test"
    )  # fmt: skip


def test_scan_cache_follows_edits(tmp_path: Path) -> None:
    config = _book(tmp_path, {"tests/test_a.py": "def test_a():\n    pass  # SPEC-001/FR-1\n"})
    (tmp_path / ".specbook").mkdir()
    assert [t.target for t in scan_code(config).tags] == ["SPEC-001/FR-1"]
    raw = read_blob(tmp_path, "trace-scan")
    assert raw is not None
    cache = json.loads(raw)
    assert list(cache["files"]) == ["tests/test_a.py"]
    (tmp_path / "tests" / "test_a.py").write_text(
        "def test_a():\n    pass  # SPEC-001/FR-22\n", encoding="utf-8"
    )
    assert [t.target for t in scan_code(config).tags] == ["SPEC-001/FR-22"]
    (tmp_path / "tests" / "test_a.py").unlink()
    assert scan_code(config).files == []


def test_a_book_without_code_scans_nothing(tmp_path: Path) -> None:
    config = _book(tmp_path, {}, code=("tests/**/*.py",))
    scan = scan_code(config)
    assert scan.files == [] and scan.tags == [] and not (tmp_path / ".specbook").exists()


def test_example_tests_are_data_not_part_of_our_suite() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    assert (EXAMPLE / "tests" / "test_tracking.py").is_file()


_TESTING = (
    "# SPEC-001: X\n\n## Testing Strategy\n\nSee `test_not_an_item` in prose.\n\n"
    "### Unit Tests\n- [ ] `test_a()` - first\n- [x] plain, then `tests/t.py::test_b`\n"
    "* `not a test` and `test_c`\r\n  - `test_nested_d` `test_ignored`\n\n"
    "```\n- [x] `test_in_code`\n```\n\n### Manual\n1. `test_e` by hand\n2. no code here\n"
    "- [X] `test_f`\n\n## Next\n\n- `test_outside`\n"
)


def test_listed_tests_are_those_of_every_list_item() -> None:
    from specbook.parse import parse
    from specbook.trace.coverage import _CODE_SPAN, _LISTED, list_items, listed_tests

    config = config_from_mapping({}, root=Path("/book"), path=None)
    doc = parse(_TESTING.encode(), "docs/specs/SPEC-001-x.md", config)
    section = doc.section("Testing Strategy")
    assert section is not None
    # (what they were when every list item of the section was looked at)
    expected = []
    for item in list_items(doc, section):
        for m in _CODE_SPAN.finditer(item.text):
            lm = _LISTED.match(m.group(1).decode().strip())
            if lm:
                expected.append((lm.group("name"), item.line, item.checked, item.section))
                break
    got = [(t.name, t.line, t.checked, t.section) for t in listed_tests(doc)]
    assert got == expected
    assert [t[0] for t in got] == [
        "test_a",
        "test_b",
        "test_c",
        "test_nested_d",
        "test_e",
        "test_f",
    ]
    assert got[4][3] == "Manual" and got[0][2] is False and got[1][2] is True
