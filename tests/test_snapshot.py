"""The book's one snapshot (issue 19): each document parsed once for every command.

``.specbook/index.db`` holds the index rows, the lint cache (per document version its
findings and facts), the last lint result, the code scan and the approval history.
A file parsed by one command is not parsed again by another while it is unchanged.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import specbook.parse
from specbook.cli import main
from specbook.core.state import OLD_CACHES
from specbook.services.zeroconf import open_book

REPO = Path(__file__).resolve().parents[1]


def _book(root: Path) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    import gen  # type: ignore[import-not-found]

    gen.generate(root, 12, seed=7)
    specs = root / "docs/specs"
    (specs / "SPEC-900-a.md").write_text("# A\n\n**ID**: SPEC-900\n\nSee SPEC-901.\n")
    (specs / "SPEC-901-b.md").write_text("# B\n\n**ID**: SPEC-901\n\nNothing else.\n")
    return root


class _Parses:
    """Counts the documents parsed (by path; templates, parsed without one, aside)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: Counter[str] = Counter()
        real = specbook.parse.parse_document

        def counted(data: bytes, path: str | None, *a: Any, **k: Any) -> Any:
            if path is not None:
                self.counts[path] += 1
            return real(data, path, *a, **k)

        monkeypatch.setattr(specbook.parse, "parse_document", counted)


def _cli(*args: str) -> Any:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code in (0, 1), r.output
    return r


def test_each_document_is_parsed_once_across_lint_search_index_and_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `lint`, `search`, `refs`, `index` and the portal's start (index sync and
    stored findings) parse nothing more; an edit is parsed once more, by whichever
    command comes first."""
    from starlette.testclient import TestClient

    from specbook.web.app import create_app

    root = _book(tmp_path)
    monkeypatch.chdir(root)
    parses = _Parses(monkeypatch)
    _cli("lint")
    rels = {open_book(root).rel(p) for p in open_book(root).path_strings()}
    assert set(parses.counts) == rels and set(parses.counts.values()) == {1}
    _cli("search", "SPEC")
    _cli("refs", "SPEC-901")
    _cli("index")
    with TestClient(create_app(open_book(root))) as c:
        assert c.app.state.portal.lint_ready.wait(60)  # type: ignore[attr-defined]
        assert c.get("/").status_code == 200
    assert set(parses.counts.values()) == {1}, parses.counts
    # one edit: parsed once, by the first command after it; the others read it
    a = root / "docs/specs/SPEC-900-a.md"
    a.write_text(a.read_text() + "\nMore.\n")
    _cli("search", "More")
    _cli("lint")
    _cli("index")
    assert parses.counts["docs/specs/SPEC-900-a.md"] == 2
    assert set(parses.counts.values()) - {1} == {2} and sum(parses.counts.values()) == len(rels) + 1


def test_a_lint_without_the_cache_dumps_no_parse_and_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lint --no-cache` has nowhere to keep a stored parse: it makes none (that was a
    tenth of its time), and its findings are those of a lint with the cache."""
    import specbook.core.stored as stored_module

    root = _book(tmp_path)
    monkeypatch.chdir(root)
    dumps: list[str | None] = []
    real = stored_module.dump

    def counted(doc: Any, *a: Any) -> bytes:
        dumps.append(doc.path)
        return real(doc, *a)

    monkeypatch.setattr(stored_module, "dump", counted)
    bare = _cli("lint", "--no-cache", "--format", "json")
    assert dumps == [] and not (root / ".specbook").exists()
    cached = _cli("lint", "--format", "json")
    assert len(dumps) == len(open_book(root).path_strings())
    assert json.loads(bare.stdout)["findings"] == json.loads(cached.stdout)["findings"]


def test_after_lint_serve_build_search_and_report_parse_nothing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Must-show 3 of issue 19: after `lint`, the portal (home, a document page,
    search), `build`, `search` and `report` read each document from the snapshot:
    every document is parsed exactly once in all. A document page still shows the
    findings `lint FILE` reports, and an edited document is parsed once more."""
    from starlette.testclient import TestClient

    from specbook.web.app import create_app

    root = _book(tmp_path)
    monkeypatch.chdir(root)
    parses = _Parses(monkeypatch)
    _cli("lint")
    rels = {open_book(root).rel(p) for p in open_book(root).path_strings()}
    a = "docs/specs/SPEC-900-a.md"
    with TestClient(create_app(open_book(root))) as c:
        assert c.app.state.portal.lint_ready.wait(60)  # type: ignore[attr-defined]
        assert c.get("/").status_code == 200
        page = c.get("/doc/SPEC-900")
        assert page.status_code == 200 and "See SPEC-901." in page.text
        assert c.get("/search", params={"q": "SPEC"}).status_code == 200
    found = json.loads(_cli("lint", a, "--format", "json").output)["findings"]
    assert found and all(f["rule"] in page.text for f in found)
    _cli("build", "--out", str(tmp_path / "site"))
    assert (tmp_path / "site/doc/SPEC-900.html").is_file()
    _cli("search", "SPEC")
    report = json.loads(_cli("report", "--format", "json").output)
    assert report["documents"] == len(rels)
    assert set(parses.counts) == rels and set(parses.counts.values()) == {1}, parses.counts
    # an edit: parsed once more, by the first command after it; the others read it
    (root / a).write_text((root / a).read_text() + "\n## Notes\n\nMore.\n")
    _cli("report")
    with TestClient(create_app(open_book(root))) as c:
        assert c.app.state.portal.lint_ready.wait(60)  # type: ignore[attr-defined]
        assert "More." in c.get("/doc/SPEC-900").text
    _cli("build", "--out", str(tmp_path / "site"))
    assert "More." in (tmp_path / "site/doc/SPEC-900.html").read_text()
    assert parses.counts[a] == 2 and sum(parses.counts.values()) == len(rels) + 1


def test_a_book_rule_sees_an_edited_input_and_document_findings_are_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SB401 (dangling reference) is a book rule whose inputs are the other documents'
    IDs: editing B's ID changes A's finding without --no-cache, and A's document-rule
    findings come from the cache (A is not parsed again)."""
    root = _book(tmp_path)
    monkeypatch.chdir(root)

    def sb401() -> list[tuple[str, str]]:
        r = _cli("lint", "--format", "json")
        return [(f["path"], f["rule"]) for f in json.loads(r.output)["findings"]
                if f["rule"] == "SB401"]  # fmt: skip

    assert ("docs/specs/SPEC-900-a.md", "SB401") not in sb401()
    parses = _Parses(monkeypatch)
    b = root / "docs/specs/SPEC-901-b.md"
    b.write_text(b.read_text().replace("SPEC-901", "SPEC-911"))
    assert ("docs/specs/SPEC-900-a.md", "SB401") in sb401()
    assert dict(parses.counts) == {"docs/specs/SPEC-901-b.md": 1}  # A's findings: reused
    b.write_text(b.read_text().replace("SPEC-911", "SPEC-901"))
    assert ("docs/specs/SPEC-900-a.md", "SB401") not in sb401()
    assert set(parses.counts) == {"docs/specs/SPEC-901-b.md"}


def test_one_snapshot_file_and_old_caches_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cache lives in `.specbook/index.db`; the files older versions kept beside
    it are removed, and deleting `.specbook/` loses nothing."""
    root = _book(tmp_path)
    state = root / ".specbook"
    state.mkdir()
    for name in OLD_CACHES:
        (state / name).write_text("old")
    monkeypatch.chdir(root)
    first = _cli("lint", "--format", "json").output
    _cli("search", "SPEC")
    _cli("trace")
    assert sorted(p.name for p in state.iterdir() if not p.name.startswith("index.db")) == [
        ".gitignore"
    ]
    db = sqlite3.connect(state / "index.db")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    blobs = {r[0] for r in db.execute("SELECT name FROM blobs")}
    db.close()
    assert {"documents", "lint_files", "lint_verdicts", "blobs"} <= tables
    assert "lint-memo" in blobs
    import shutil

    shutil.rmtree(state)
    assert _cli("lint", "--format", "json").output == first


def test_trace_and_impact_in_a_fresh_clone_read_the_files_and_write_no_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no snapshot at all (a CI job's fresh clone), `trace` and `impact` parse each
    document once and build nothing (no findings, no index: four to eight times the
    command's own time); their answers are those they give from a snapshot after a lint."""
    root = _book(tmp_path)
    monkeypatch.chdir(root)
    parses = _Parses(monkeypatch)
    cold_trace = json.loads(_cli("trace", "--json").output)
    cold_impact = json.loads(_cli("impact", "src/app.py", "--json").output)
    assert not (root / ".specbook" / "index.db").exists()
    rels = {open_book(root).rel(p) for p in open_book(root).path_strings()}
    assert set(parses.counts) == rels and set(parses.counts.values()) == {2}  # (one each)
    _cli("lint")
    assert set(parses.counts.values()) == {3}
    assert json.loads(_cli("trace", "--json").output) == cold_trace
    assert json.loads(_cli("impact", "src/app.py", "--json").output) == cold_impact
    assert set(parses.counts.values()) == {3}  # (from the snapshot)


def test_after_lint_trace_impact_graph_and_mcp_tools_parse_nothing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `lint`, `trace`, `impact`, `graph` and the MCP server's read tools (list,
    get, search, trace, impact) read each document from the snapshot: every document
    is parsed exactly once in all; an edited document is parsed once more, by the first
    command after the edit, and every answer shows the edit."""
    from specbook.mcp.server import BookTools

    root = _book(tmp_path)
    (root / "src").mkdir()
    (root / "src/test_a.py").write_text("def test_a():  # covers SPEC-900\n    pass\n")
    monkeypatch.chdir(root)
    parses = _Parses(monkeypatch)
    _cli("lint")
    rels = {open_book(root).rel(p) for p in open_book(root).path_strings()}
    a = "docs/specs/SPEC-900-a.md"

    def every_reader(planned: str) -> dict[str, Any]:
        """What each command and tool answers (each asked once)."""
        tools = BookTools(open_book(root))
        return {
            "trace": json.loads(_cli("trace", "--json").output),
            "impact": json.loads(_cli("impact", planned, "--json").output),
            "graph": json.loads(_cli("graph", "--format", "json").output),
            "list": tools.list_documents(),
            "get": tools.get("SPEC-900"),
            "get_path": tools.get(a),
            "search": tools.search("SPEC"),
            "mcp_trace": tools.trace(),
            "mcp_impact": tools.impact([planned]),
        }

    before = every_reader("src/spec_900/app.py")
    assert [d["id"] for d in before["trace"]["documents"] if d["id"] == "SPEC-900"] == []
    assert before["mcp_trace"] == before["trace"] and before["impact"]["documents"] == []
    assert len(before["list"]["documents"]) == len(rels)
    assert set(parses.counts) == rels and set(parses.counts.values()) == {1}, parses.counts
    # an edit: parsed once more, by the first command after it; the others read it
    (root / a).write_text(
        (root / a).read_text()
        + "\n## Requirements\n\n- **FR-1**: It works.\n"
        + "\n## Files to Modify\n\n- [ ] `src/spec_900/app.py` - the app\n"
    )
    after = every_reader("src/spec_900/app.py")
    assert [d["id"] for d in after["trace"]["documents"] if d["id"] == "SPEC-900"] == ["SPEC-900"]
    assert after["mcp_trace"] == after["trace"]
    assert [d["id"] for d in after["impact"]["documents"]] == ["SPEC-900"]
    assert after["mcp_impact"] == after["impact"]
    assert "It works." in after["get"]["requirements"][0]["text"]
    assert after["get_path"] == after["get"]
    assert parses.counts[a] == 2 and sum(parses.counts.values()) == len(rels) + 1, parses.counts
    # an MCP read first after an edit parses it once, and stores it for the commands
    (root / a).write_text(
        (root / a).read_text().replace("It works.\n", "It works.\n- **FR-2**: Too.\n")
    )
    got = BookTools(open_book(root)).get("SPEC-900")
    assert [r["id"] for r in got["requirements"]] == ["FR-1", "FR-2"]
    assert "SPEC-900/FR-2 has no test" in _cli("trace").output
    assert parses.counts[a] == 3 and sum(parses.counts.values()) == len(rels) + 2, parses.counts


def test_a_new_day_runs_the_rules_that_read_it_only_where_their_findings_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Findings of the rules that read the day are kept on the days of their window
    (Rule.day_window): the next day no stored parse is read at all; the day SPEC-003's
    review goes stale (in Review since 2026-11-16, 14 days allowed) only SPEC-003 is
    looked at again; and each day's output is what a lint without the cache says."""
    import shutil

    from specbook.lint import run as lint_run

    root = tmp_path / "book"
    shutil.copytree(REPO / "examples" / "book", root, ignore=shutil.ignore_patterns(".specbook"))
    monkeypatch.chdir(root)
    loaded: list[str] = []
    real = lint_run._stored_document

    def counted(config: Any, cache: Any, path: Any, fr: Any) -> Any:
        loaded.append(fr.rel)
        return real(config, cache, path, fr)

    monkeypatch.setattr(lint_run, "_stored_document", counted)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-11-20")
    first = _cli("lint")
    assert "SB504" not in first.output and loaded == []
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-11-21")
    assert _cli("lint").output == _cli("lint", "--no-cache").output
    assert loaded == []
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-12-01")
    stale = _cli("lint")
    assert "SB504 stale-review" in stale.output and "15 days" in stale.output
    assert loaded == ["docs/specs/SPEC-003-delivery-notifications.md"]
    assert stale.output == _cli("lint", "--no-cache").output
    loaded.clear()
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-11-20")  # (and back: its window was one day)
    assert _cli("lint").output == first.output
    assert loaded == ["docs/specs/SPEC-003-delivery-notifications.md"]


def test_a_content_hash_is_of_the_bytes_given_not_of_the_last_object() -> None:
    from specbook.core.digest import blake2b, content_hash

    buf = bytearray(b"first version")
    first = content_hash(buf)
    buf[:5] = b"later"
    assert content_hash(buf) == blake2b(b"later version", digest_size=16).hexdigest() != first
    data = b"same bytes"
    assert content_hash(data) == content_hash(data) == content_hash(bytes(bytearray(data)))


def test_a_new_day_makes_only_the_findings_of_rules_that_read_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day is no part of the snapshot's key: on the next day a lint parses nothing,
    runs the rules that read the day (SB108, SB504) on the stored parses, and reports
    what a lint without the cache reports that day."""
    import shutil

    root = tmp_path / "book"
    shutil.copytree(REPO / "examples" / "book", root, ignore=shutil.ignore_patterns(".specbook"))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-11-20")  # SPEC-003 in Review for 4 days
    first = _cli("lint")
    assert "SB504" not in first.output
    parses = _Parses(monkeypatch)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-12-20")  # 34 days: a stale review
    later = _cli("lint")
    assert "SB504 stale-review" in later.output
    assert sum(parses.counts.values()) == 0
    assert later.output == _cli("lint", "--no-cache").output
    parses.counts.clear()  # (that one parsed every document)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-11-20")
    assert _cli("lint").output == first.output  # (and back)
    assert sum(parses.counts.values()) == 0
