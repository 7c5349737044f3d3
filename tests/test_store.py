"""The index: sync by content hash, search, typed references, findings, rebuilds."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import specbook.store.incremental as sync_module
from specbook.book import Book
from specbook.cli import main
from specbook.services.zeroconf import open_book
from specbook.store import (
    DB_ENV,
    QueryError,
    Store,
    index_path,
    open_store,
    parse_query,
    sync,
    synced_store,
)
from specbook.store.query import (
    _occurrences,
    best_line,
    fts5_expression,
    match_pattern,
    tsquery_expression,
)
from specbook.trace.links import phrase_type
from tests.pgserver import (
    PgServer,
    drop_database,
    fresh_database,
    pg_server_fixture,  # noqa: F401
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"
sys.path.insert(0, str(REPO / "bench"))
import gen  # noqa: E402

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test runs on both backends: the book's SQLite index, and a fresh PostgreSQL
    database chosen the way a user chooses it (SPECBOOK_DB), so the CLI uses it too."""
    monkeypatch.delenv(DB_ENV, raising=False)
    if request.param == "sqlite":
        yield "sqlite"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = fresh_database(server)
    monkeypatch.setenv(DB_ENV, url)
    try:
        yield "postgres"
    finally:
        drop_database(server, url)


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> Path:
    """A private copy of the example book, without any index; cwd is its root. The
    index is the backend's (see ``backend``)."""
    root = tmp_path / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    monkeypatch.chdir(root)
    return root


def _ids(root: Path, query: str, *flags: str) -> list[str]:
    res = CliRunner().invoke(main, ["search", query, "--json", *flags])
    assert res.exit_code in (0, 1), res.output
    return [h["id"] for h in json.loads(res.stdout)] if res.exit_code == 0 else []


# -- search on the example book -----------------------------------------------------------
def test_title_match_ranks_above_body_matches(example: Path) -> None:
    hits = json.loads(CliRunner().invoke(main, ["search", "webhook", "--json"]).stdout)
    ids = [h["id"] for h in hits]
    titled = {"TASK-001", "SPEC-002", "DEC-003"}  # "webhook" in the title
    assert set(ids[:3]) == titled
    assert len(ids) > 3  # body-only matches exist and come after
    assert not titled & set(ids[3:])
    for h in hits:
        # a shared database is searched across its books, so each hit names its book
        extra = {"book"} if os.environ.get(DB_ENV) else set()
        assert set(h) == {"id", "title", "status", "path", "line", "snippet", "score", *extra}
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_hit_line_and_snippet_point_at_the_match(example: Path) -> None:
    hits = json.loads(CliRunner().invoke(main, ["search", "token bucket", "--json"]).stdout)
    assert hits
    for h in hits:
        lines = (example / h["path"]).read_text(encoding="utf-8").split("\n")
        text = lines[h["line"] - 1].lower()
        assert "token" in text or "bucket" in text, (h, text)
        assert "**" in h["snippet"]  # matches are marked


def test_the_index_gives_every_heading_of_a_document_as_parsed(example: Path) -> None:
    """What the portal's search anchors read (``Store.sections``): every heading in
    document order with its level, title and line range, nested, setext, and a title
    holding a tab, the same on both backends."""
    doc_path = example / "docs" / "bugs" / "BUG-950-outline.md"
    doc_path.write_text(
        "# Bug Report: Outline\n\n**ID**: BUG-950\n**Date**: 2026-05-04\n**Status**: Open\n\n"
        "## Summary\n\nText.\n\n### Deeper\ttabbed\n\nMore.\n\nSetext heading\n---\n\n"
        "#### Fourth\n\n## Empty\n",
        encoding="utf-8",
    )
    book = open_book(example)
    store, _ = synced_store(book)
    try:
        got = store.sections("docs/bugs/BUG-950-outline.md")
        assert store.sections("docs/bugs/no-such-file.md") == []
    finally:
        store.close()
    from specbook.parse import parse

    doc = parse(doc_path.read_bytes(), "docs/bugs/BUG-950-outline.md", book.config)
    want = [(s.level, s.title, s.span.line, s.span.end_line) for s in doc.flat_sections]
    assert got == want
    assert [t for _, t, _, _ in got] == [
        "Bug Report: Outline", "Summary", "Deeper\ttabbed", "Setext heading", "Fourth", "Empty",
    ]  # fmt: skip


def _add_bug(root: Path, n: int, title: str, body: str) -> None:
    (root / "docs" / "bugs" / f"BUG-{n:03d}-word-forms.md").write_text(
        f"# Bug Report: {title}\n\n**ID**: BUG-{n:03d}\n**Date**: 2026-05-04\n"
        f"**Status**: Open\n\n## Summary\n\n{body}\n",
        encoding="utf-8",
    )


def test_search_matches_word_forms_and_diacritics(example: Path) -> None:
    _add_bug(example, 901, "Plugin isolation", "Plugins run with Sandboxing turned on.")
    _add_bug(example, 902, "Worker limits", "Every worker is Sandboxed by the host.")
    _add_bug(example, 903, "Menu text", "The cafe menu shows prices.")
    _add_bug(example, 904, "Exact wording", "Plugins run sandboxed in a jail.")
    assert set(_ids(example, "sandbox id:BUG-9*")) == {"BUG-901", "BUG-902", "BUG-904"}
    assert set(_ids(example, "plugin sandbox id:BUG-9*")) == {"BUG-901", "BUG-904"}
    assert _ids(example, "café id:BUG-9*") == ["BUG-903"]
    assert "BUG-002" in _ids(example, "sandbox")  # the example book's own "sandbox"
    # the snippet marks the form the text holds
    hits = json.loads(CliRunner().invoke(main, ["search", "sandbox id:BUG-9*", "--json"]).stdout)
    assert {h["id"]: h["snippet"] for h in hits}["BUG-902"] == (
        "Every worker is **Sandboxed** by the host."
    )
    assert {h["id"]: h["line"] for h in hits}["BUG-901"] == 9


def test_quoted_phrase_matches_only_as_written(example: Path) -> None:
    _add_bug(example, 901, "Plugin isolation", "Plugins run with Sandboxing turned on.")
    _add_bug(example, 904, "Exact wording", "Plugins run sandboxed in a jail.")
    _add_bug(example, 905, "Other wording", "A plugin runs sandboxed in a jail.")
    assert set(_ids(example, "plugin run sandboxed id:BUG-9*")) == {"BUG-901", "BUG-904", "BUG-905"}
    assert _ids(example, '"plugins run sandboxed" id:BUG-9*') == ["BUG-904"]
    assert _ids(example, '"sandboxed" jail id:BUG-9*') == ["BUG-904", "BUG-905"] or set(
        _ids(example, '"sandboxed" jail id:BUG-9*')
    ) == {"BUG-904", "BUG-905"}
    assert _ids(example, '"sandbox" id:BUG-9*') == []
    # an excluded exact phrase excludes only that phrase, not its other forms
    assert set(_ids(example, 'sandbox -"plugins run sandboxed" id:BUG-9*')) == {
        "BUG-901",
        "BUG-905",
    }
    # a group without a quoted term still matches any form beside one with it
    assert set(_ids(example, '"plugins run sandboxed" OR sandboxing id:BUG-9*')) == {
        "BUG-901", "BUG-904", "BUG-905",
    }  # fmt: skip


def test_filters_in_query_and_options(example: Path) -> None:
    assert _ids(example, "status:approved") == ["SPEC-001", "SPEC-002"] or set(
        _ids(example, "status:approved")
    ) >= {"SPEC-002"}
    for hit in json.loads(
        CliRunner().invoke(main, ["search", "carrier", "--kind", "dec", "--json"]).stdout
    ):
        assert hit["id"].startswith("DEC-")
    review = _ids(example, "kind:spec status:review")
    assert review == ["SPEC-003"]
    both = set(_ids(example, "webhook OR polling"))
    assert both >= set(_ids(example, "webhook")) | set(_ids(example, "polling"))
    assert "DEC-003" not in _ids(example, "polling -webhook")
    assert _ids(example, "zzzznotaword") == []


def test_nothing_found_exits_1(example: Path) -> None:
    res = CliRunner().invoke(main, ["search", "zzzznotaword"])
    assert res.exit_code == 1
    assert "no matches" in res.stderr


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unclosed phrase', "never closed"),
        ("-webhook", "excluded"),
        ("webhook OR", "OR needs a term"),
        ("status:", "has no value"),
    ],
)
def test_malformed_queries_get_a_clear_message(example: Path, query: str, message: str) -> None:
    res = CliRunner().invoke(main, ["search", query])
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.output and "sqlite" not in res.stderr.lower()


@pytest.mark.parametrize("kind", BACKENDS)
@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab \"*-:()^+OR NOTAND{}.'\\é!&|<>")), max_size=30)
)
def test_any_query_runs_or_is_refused_cleanly(
    shared_stores: dict[str, Store], kind: str, text: str
) -> None:
    store = shared_stores[kind]
    try:
        q = parse_query(text)
    except QueryError:
        return
    store.search(q, 5)  # never an SQL error


@pytest.fixture(scope="module")
def shared_stores(
    tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer
) -> Iterator[dict[str, Store]]:
    """The example book indexed once per backend, for tests that only read."""
    root = tmp_path_factory.mktemp("shared") / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    url = fresh_database(pg_server)
    stores = {
        "sqlite": synced_store(open_book(root), db="sqlite")[0],
        "postgres": synced_store(open_book(root), db=url)[0],
    }
    yield stores
    for store in stores.values():
        store.close()
    drop_database(pg_server, url)


def test_query_language_renders_quoted_fts() -> None:
    q = parse_query('web* "rate limit" OR near NOT x status:Review type:feature')
    assert q.filters == {"status": ["Review"], "type": ["feature"]}
    assert fts5_expression(q) == '("web"* "rate limit") OR ("near" NOT "x")'
    # FTS operators typed by the user are just words
    assert fts5_expression(parse_query("NEAR(a b) ^c")) == '("near a" "b" "c")'
    # PostgreSQL: every lexeme quoted, words split as SQLite splits them, no diacritics
    assert tsquery_expression(q) == "('web':* & ('rate' <-> 'limit')) | ('near' & !'x')"
    assert tsquery_expression(parse_query("SPEC-001 café don't")) == (
        "(('spec' <-> '001') & 'cafe' & ('don' <-> 't'))"
    )
    assert tsquery_expression(parse_query("a&b | !c <-> d:*")) == "(('a' <-> 'b') & 'c' & 'd':*)"


def test_best_line_prefers_the_line_with_most_words() -> None:
    text = "# Title\nalpha here\nbeta there\nalpha and beta together\n"
    m = match_pattern(parse_query("alpha beta"))
    line, snip = best_line(text, m)
    assert line == 4
    assert snip == "\x02alpha\x03 and \x02beta\x03 together"
    assert best_line("nothing", m) == (0, "")
    long = "x " * 300 + "alpha" + " y" * 300
    line, snip = best_line(long, m)
    assert line == 1 and "\x02alpha\x03" in snip and snip.startswith("…") and snip.endswith("…")


def test_snippet_occurrences_are_found_lazily_in_text_order() -> None:
    """The words of a hit are looked for as its snippet line is chosen, not all of
    them first: best_line stops at the first line holding every word (on 3,000
    documents, finding every occurrence was most of a search's snippet time)."""
    m = match_pattern(parse_query("alpha beta"))
    low = "beta alpha\n" + "alpha beta " * 1000
    found = _occurrences(low, m)
    assert next(found) == (0, "beta") and next(found) == (5, "alpha")
    assert next(found) == (11, "alpha")  # (the two words' finds merged in text order)
    single = _occurrences("x alpha alpha", match_pattern(parse_query("alpha")))
    assert next(single) == (2, "alpha")


# -- 10,000 generated documents -----------------------------------------------------------
@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big")
    paths = gen.generate(root, 10_000, seed=3)
    # One document whose title holds a rare word; five others mention it in the text.
    titled = paths[4321]
    data = titled.read_text(encoding="utf-8")
    first = data.index("\n")
    titled.write_text("# Technical Specification: Zephyrine cache warmer" + data[first:])
    for p in paths[100:105]:
        p.write_text(p.read_text(encoding="utf-8") + "\nThe zephyrine cache is mentioned here.\n")
    return root


def test_ranking_and_sync_on_10000_documents(big_book: Path, backend: str) -> None:
    book = open_book(big_book)
    store, stats = synced_store(book)
    try:
        assert stats.files == 10_000 and stats.added == 10_000
        hits = store.search(parse_query("zephyrine"), 10)
        assert len(hits) == 6
        assert "Zephyrine" in hits[0].title
        assert all("Zephyrine" not in h.title for h in hits[1:])
        assert hits[0].line == 1
        assert all(h.line > 1 for h in hits[1:])
        # one edit: one document parsed again, the rest untouched
        p = sorted((big_book / "docs" / "specs").iterdir())[7]
        p.write_bytes(p.read_bytes() + b"\nA quasselbrook note.\n")
        again = sync(store, book)
        assert (again.updated, again.added, again.deleted) == (1, 0, 0)
        assert [h.path for h in store.search(parse_query("quasselbrook"))] == [book.rel(p)]
    finally:
        store.close()


# -- sync keeps nothing stale ---------------------------------------------------------------
def test_delete_rename_edit_between_commands(example: Path) -> None:
    run = CliRunner()
    assert "SPEC-004" in _ids(example, "auto-detection")
    specs = example / "docs" / "specs"
    # edit: the new word is found, the old one is gone
    p = specs / "SPEC-005-adaptive-polling-scheduler.md"
    p.write_text(re.sub("(?i)token bucket", "leaky faucet", p.read_text(encoding="utf-8")))
    assert "SPEC-005" in _ids(example, '"leaky faucet"')
    assert "SPEC-005" not in _ids(example, '"token bucket"')
    # rename: one document at the new path, nothing at the old
    old = specs / "SPEC-004-carrier-auto-detection.md"
    new = specs / "SPEC-004-carrier-detection.md"
    old.rename(new)
    hits = json.loads(run.invoke(main, ["search", "auto-detection", "--json"]).stdout)
    assert [h["path"] for h in hits if h["id"] == "SPEC-004"] == [
        "docs/specs/SPEC-004-carrier-detection.md"
    ]
    # delete: gone from search, refs and the store
    new.unlink()
    assert "SPEC-004" not in _ids(example, "auto-detection")
    book = open_book(example)
    store = open_store(book)
    try:
        assert all(d.id != "SPEC-004" for d in store.documents())
        assert all(e.source != "SPEC-004" for e in store.references())
        assert store.count() == len(book.paths())
    finally:
        store.close()


def test_deleting_the_index_loses_nothing(example: Path, backend: str) -> None:
    before = _ids(example, "webhook")
    if backend == "sqlite":
        shutil.rmtree(example / ".specbook")
    else:
        from specbook.store.postgres import PostgresStore

        store = open_store(open_book(example))
        assert isinstance(store, PostgresStore)
        store.drop_book()
        assert store.count() == 0 and store.books() == []
    assert _ids(example, "webhook") == before
    assert open_store(open_book(example)).count() == 14
    if backend == "sqlite":
        assert index_path(open_book(example)).exists()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_newer_schema_or_damaged_file_is_rebuilt(example: Path) -> None:
    """SQLite's index is a cache: rebuilt, never migrated (PostgreSQL: test_pg_store)."""
    before = _ids(example, "webhook")
    db = index_path(open_book(example))
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema'")
    con.commit()
    con.close()
    assert _ids(example, "webhook") == before
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    assert _ids(example, "webhook") == before


def test_config_change_rebuilds(example: Path) -> None:
    book = open_book(example)
    store, first = synced_store(book)
    store.close()
    assert first.rebuilt
    cfg = example / "specbook.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n# a comment changes the key\n")
    store, second = synced_store(open_book(example))
    store.close()
    assert second.rebuilt and second.added == second.files


def test_interrupted_sync_leaves_the_previous_state(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = open_book(example)
    store, _ = synced_store(book)
    before = sorted(store.documents())
    changed = 0
    for p in book.paths():
        data = p.read_bytes()
        changed += b"carrier" in data
        p.write_bytes(data.replace(b"carrier", b"courier"))
    assert changed > 5
    calls = 0
    real = sync_module.record_of

    def dying(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise KeyboardInterrupt  # the user pressed Ctrl-C halfway
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module, "record_of", dying)
    with pytest.raises(KeyboardInterrupt):
        sync(store, book)
    assert sorted(store.documents()) == before
    assert store.search(parse_query("courier")) == []
    monkeypatch.setattr(sync_module, "record_of", real)
    stats = sync(store, book)
    assert stats.updated == changed
    assert store.search(parse_query("courier"))
    store.close()


def test_stored_files_of_some_paths_are_those_rows_only(example: Path) -> None:
    """``stored_files(paths)`` (a one-file lint's look-up) gives the rows of the named
    paths the index holds, as the whole listing has them, and nothing for the others."""
    book = open_book(example)
    store, _ = synced_store(book)
    every = store.stored_files()
    some = sorted(every)[:2]
    assert store.stored_files([*some, "docs/no-such-file.md"]) == {p: every[p] for p in some}
    assert store.stored_files([]) == {}
    store.close()


def test_unchanged_touch_only_updates_signature(example: Path) -> None:
    book = open_book(example)
    store, _ = synced_store(book)
    p = book.paths()[0]
    os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    stats = sync(store, book)
    assert (stats.updated, stats.added, stats.unchanged) == (0, 0, stats.files - 1)
    assert store.stored_files()[book.rel(p)].mtime_ns == 1_000_000_000
    store.close()


# -- refs and typed references --------------------------------------------------------------
def test_refs_json_outgoing_and_incoming(example: Path) -> None:
    res = CliRunner().invoke(main, ["refs", "dec-003", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["id"] == "DEC-003"
    out = {(r["id"], r["type"], r["line"]) for r in data["outgoing"]}
    assert ("DEC-002", "supersedes", 19) in out
    assert ("SPEC-002", "relates", 22) in out
    inc = {(r["id"], r["type"]) for r in data["incoming"]}
    assert ("DEC-002", "superseded-by") in inc
    assert all(r["path"].endswith(".md") and r["line"] > 0 for r in data["incoming"])
    text = CliRunner().invoke(main, ["refs", "TASK-001"]).stdout
    assert "SPEC-002" in text and "implements" in text


def test_refs_unknown_id(example: Path) -> None:
    res = CliRunner().invoke(main, ["refs", "SPEC-999"])
    assert res.exit_code == 1
    assert "SPEC-999" in res.stderr and "specbook list" in res.stderr


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ("- Related Specs: ", "relates"),
        ("Supersedes ", "supersedes"),
        ("Superseded by ", "superseded-by"),
        ("Superseded by DEC-003 after ", None),
        ("This work depends on ", "depends-on"),
        ("**Parent**: ", "implements"),
        ("Fixes BUG-1, BUG-2 and ", "fixes"),
        ("Fixed by ", "relates"),
        ("- [ ] Implement signature verification (", None),
        ("We decided. Then ", None),
        ("| Blocked by | ", None),
    ],
)
def test_reference_type_from_the_phrase(before: str, expected: str | None) -> None:
    assert phrase_type(before) == expected


# -- index and findings -------------------------------------------------------------------
def test_the_store_gives_back_the_linters_findings_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    # one finding type from rule to page: what the index holds for a document is the
    # linter's Finding itself (where it ends and its document's ID included), for a
    # document rule (SB101, in a sidecar-less file) and a book rule (SB402) alike
    from specbook.lint.engine import Linter
    from specbook.lint.finding import Finding
    from specbook.lint.run import lint_files
    from specbook.store.findings import store_findings

    specs = tmp_path / "docs/specs"
    specs.mkdir(parents=True)
    (tmp_path / "specbook.toml").write_text('[book]\nname = "t"\n')
    (specs / "SPEC-001-a.md").write_text("# A\n\n**ID**: SPEC-001\n\nSuperseded by SPEC-002.\n")
    (specs / "SPEC-002-b.md").write_text("# B\n\n**ID**: SPEC-002\n\n## Plan\n\nSoon.\n")
    monkeypatch.chdir(tmp_path)
    book = open_book()
    store, _ = synced_store(book)
    store_findings(store, book)
    result, per_file = lint_files(
        book, Linter(book.config), book.path_strings(), [], [], use_memo=False
    )

    def order(f: Finding) -> tuple[object, ...]:
        return (f.line, f.column, f.rule, f.message)

    for rel, fr in per_file.items():
        linted = sorted((f for f in result.findings if f.path == rel), key=order)
        stored = store.document_findings(rel, fr.digest)
        assert stored is not None
        assert sorted(stored, key=order) == linted
        assert all(f.end_line >= f.line and f.doc_id for f in stored)
    assert {"SB101", "SB402"} <= {f.rule for f in store.findings()}
    store.close()


def test_index_command_stores_findings_for_current_content(example: Path) -> None:
    p = example / "docs" / "specs" / "SPEC-003-delivery-notifications.md"
    p.write_text(p.read_text(encoding="utf-8").replace("**Type**: Feature", "**Type**: Sorcery"))
    res = CliRunner().invoke(main, ["index", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["documents"] == 14 and data["findings"] >= 1
    book: Book = open_book(example)
    store = open_store(book)
    try:
        rules = {f.rule for f in store.findings("docs/specs/SPEC-003-delivery-notifications.md")}
        assert "SB103" in rules
        p.write_text(p.read_text(encoding="utf-8").replace("Sorcery", "Feature"))
        sync(store, book)
        # the edited file's old findings are not shown for its new content
        assert store.findings("docs/specs/SPEC-003-delivery-notifications.md") == []
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_cold_lint_leaves_the_search_tables_to_the_first_search(example: Path) -> None:
    expected = _ids(example, "webhook")  # (the search's own sync built the index)
    shutil.rmtree(example / ".specbook")
    assert CliRunner().invoke(main, ["lint"]).exit_code in (0, 1)
    db_path = index_path(open_book(example))

    def count(sql: str) -> int:
        with contextlib.closing(sqlite3.connect(db_path)) as db:
            return int(db.execute(sql).fetchone()[0])

    assert count("SELECT count(*) FROM documents") == 14
    assert count("SELECT count(*) FROM fts_docsize") == 0
    # a document's rows replaced before the first search, then that search
    p = next((example / "docs" / "specs").glob("SPEC-005-*.md"))
    p.write_text(p.read_text(encoding="utf-8") + "\nA webhook too.\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["lint"]).exit_code in (0, 1)
    assert sorted(_ids(example, "webhook")) == sorted({*expected, "SPEC-005"})
    assert count("SELECT count(*) FROM fts_docsize") == 14
    assert count("SELECT count(*) FROM fts_exact_docsize") == 14
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        for table in ("fts", "fts_exact"):  # (raises on an index that differs from the rows)
            db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")


def test_a_common_quoted_phrase_is_matched_once_not_once_per_document(tmp_path: Path) -> None:
    """A quoted phrase in every document (a template heading) is one MATCH of the
    unstemmed table, not one per candidate document: the SQLite work of the search
    stays within a few times that of the same words unquoted. (The IN of the exact
    condition had become a rowid constraint of the stemmed scan, which ran the MATCH
    again for each listed document: 3 s at 3,000 documents, 25 s at 10,000.)"""
    gen.generate(tmp_path, 150)
    book = open_book(tmp_path)
    store = open_store(book)
    try:
        sync(store, book, full=True)
        db = store._db  # type: ignore[attr-defined]
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        def work(text: str) -> tuple[int, int]:
            steps[0] = 0
            db.set_progress_handler(count, 50)
            try:
                hits = store.search(parse_query(text), 20)
            finally:
                db.set_progress_handler(None, 50)
            return steps[0], len(hits)

        loose, loose_hits = work("functional requirements")
        quoted, quoted_hits = work('"functional requirements"')
        assert quoted_hits == loose_hits == 20
        assert quoted < 3 * loose, (quoted, loose)  # (376 against 60 before the fix)
    finally:
        store.close()
