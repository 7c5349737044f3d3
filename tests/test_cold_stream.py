"""A cold index or first lint writes the snapshot as the worker processes parse: the
index's rows and the lint cache's in one transaction, all or nothing."""

from __future__ import annotations

import marshal
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import specbook.lint.run as run
import specbook.store.incremental as sync_module
from specbook.cli import main
from specbook.services.zeroconf import open_book
from specbook.store import index_path, parse_query, sync
from specbook.store.sqlite import Loading, SQLiteStore

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import gen  # noqa: E402

N = 100  # parsed in worker processes, in batches of 32 (see _few_for_workers)


@pytest.fixture(autouse=True)
def _few_for_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """So few files parsed in worker processes (not 256 or more): a quick test."""
    monkeypatch.setattr(run, "PARALLEL_THRESHOLD", 40)
    monkeypatch.setattr(sync_module, "PARALLEL_THRESHOLD", 40)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gen")
    gen.generate(root, N, seed=5)
    return root


@pytest.fixture
def book_root(generated: Path, tmp_path: Path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(generated, root)
    return root


def _contents(db_path: Path) -> dict[str, Any]:
    """What the snapshot holds: the index's rows, the search tables' answers, the lint
    cache's rows (findings and facts decoded), besides the keys."""
    db = sqlite3.connect(db_path)
    try:
        out: dict[str, Any] = {}
        for table in ("documents", "requirements", "refs", "reviews", "findings", "linted"):
            out[table] = sorted(map(repr, db.execute(f"SELECT * FROM {table}")))
        for table in ("fts", "fts_exact"):
            out[table] = [
                db.execute(
                    f"SELECT count(*), total(rowid) FROM {table} WHERE {table} MATCH ?", (w,)
                ).fetchone()
                for w in ("cache", "webhook", "retry")
            ]
        out["lint"] = sorted(
            (r[0], r[1], r[2], r[3], marshal.loads(r[4]), marshal.loads(r[5]), r[6], r[7])
            for r in db.execute("SELECT * FROM lint_files")
        )
        out["meta"] = sorted(db.execute("SELECT key FROM meta"))
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return out
    finally:
        db.close()


def test_a_cold_sync_writes_while_the_workers_parse_and_holds_what_one_process_writes(
    book_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    shutil.copytree(book_root, other)
    events: list[str] = []
    real_put = Loading.put

    def put(self: Loading, records: Any) -> None:
        events.append("write")
        real_put(self, records)

    monkeypatch.setattr(Loading, "put", put)
    book = open_book(book_root)
    store = SQLiteStore(index_path(book), book=book.config.name)
    stats = sync(store, book, jobs=2, progress=lambda done, total: events.append("parsed"))
    store.close()
    assert (stats.files, stats.added, stats.rebuilt) == (N, N, True)
    # the first batch's rows were written before the last batch was parsed
    assert events.index("write") < len(events) - 1 - events[::-1].index("parsed")
    # the same snapshot as one process writes after parsing everything
    one = open_book(other)
    store = SQLiteStore(index_path(one), book=one.config.name)
    sync(store, one, jobs=1)
    store.close()
    assert _contents(index_path(book)) == _contents(index_path(one))


def _rebuild_due(root: Path) -> None:
    """Change the config's bytes: the snapshot's keys change, a sync rebuilds it."""
    cfg = root / "specbook.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


def test_a_cold_sync_stopped_halfway_leaves_the_previous_snapshot(book_root: Path) -> None:
    book = open_book(book_root)
    store = SQLiteStore(index_path(book), book=book.config.name)
    sync(store, book, jobs=2)
    before = _contents(index_path(book))
    key = store.get_meta("key")
    _rebuild_due(book_root)
    book = open_book(book_root)
    calls = 0

    def stop(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # Ctrl-C with batches written, more to come

    with pytest.raises(KeyboardInterrupt):
        sync(store, book, jobs=2, progress=stop)
    assert calls == 2
    after = _contents(index_path(book))
    # (the lint cache of the old key was let go when the run opened it, as before)
    assert after.pop("lint") == []
    before.pop("lint")
    assert after == before
    assert store.get_meta("key") == key
    stats = sync(store, book, jobs=2)  # (the write lock was let go)
    assert stats.rebuilt and stats.added == N
    assert store.get_meta("key") != key
    store.close()


def test_a_failed_write_halfway_falls_back_to_writing_after_the_parse(
    book_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real_put = Loading.put

    def put(self: Loading, records: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise sqlite3.OperationalError("disk I/O error")
        real_put(self, records)

    monkeypatch.setattr(Loading, "put", put)
    book = open_book(book_root)
    store = SQLiteStore(index_path(book), book=book.config.name)
    stats = sync(store, book, jobs=2)
    assert calls == 2  # (no batch given after the failure)
    assert (stats.added, stats.rebuilt) == (N, True)
    assert len(store.stored_files()) == N
    assert store.search(parse_query("cache"))
    store.close()


def test_a_rebuild_another_process_finished_meanwhile_is_not_done_again(
    book_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = open_book(book_root)
    store = SQLiteStore(index_path(book), book=book.config.name)
    real_lint_parsed = run.lint_parsed
    first = True

    def other_first(*args: Any, **kwargs: Any) -> Any:
        nonlocal first
        if first:  # another process's sync of the whole book ends while this one parses
            first = False
            other = SQLiteStore(index_path(book), book=book.config.name)
            sync(other, open_book(book_root), jobs=1)
            other.close()
        return real_lint_parsed(*args, **kwargs)

    monkeypatch.setattr(run, "lint_parsed", other_first)
    stats = sync(store, book, jobs=2)
    assert (stats.rebuilt, stats.changed, stats.unchanged) == (False, 0, N)
    assert store.get_meta("generation") == "1"  # (written once, by the other)
    assert len(store.stored_files()) == N
    store.close()


def test_a_first_lint_in_workers_builds_the_index_one_process_builds(
    book_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    shutil.copytree(book_root, other)
    outputs = []
    for root, jobs in ((book_root, "2"), (other, "1")):
        monkeypatch.chdir(root)
        res = CliRunner().invoke(main, ["lint", "--jobs", jobs, "--format", "json"])
        assert res.exit_code in (0, 1), res.output
        outputs.append(res.stdout)
    assert outputs[0] == outputs[1]
    assert _contents(book_root / ".specbook" / "index.db") == _contents(
        other / ".specbook" / "index.db"
    )
    monkeypatch.chdir(book_root)
    res = CliRunner().invoke(main, ["search", "cache", "--json"])
    assert res.exit_code == 0, res.output


def test_findings_of_a_whole_book_replace_those_held_and_skip_changed_documents(
    book_root: Path,
) -> None:
    """``put_findings`` for more documents than it looks up one by one (one scan of the
    rows) does what it does for a few: replaces the findings of every document named,
    stores them only for a document still at the content they were made for."""
    from specbook.lint.finding import Finding

    book = open_book(book_root)
    store = SQLiteStore(index_path(book), book=book.config.name)
    sync(store, book, jobs=1)
    held = store.stored_files()
    paths = sorted(held)

    def finding(path: str, message: str) -> Finding:
        return Finding("SB999", "probe", "warning", path, None, 1, 1, 1, 2, message)

    def put(chosen: list[str], message: str, stale: str | None = None) -> None:
        hashes = {p: ("0" * 32 if p == stale else held[p].hash) for p in chosen}
        with store.transaction():
            store.put_findings(hashes, [(p, finding(p, message)) for p in chosen])

    put(paths, "first")
    assert [f.message for f in store.findings()] == ["first"] * N
    # most documents again, one of them changed since (its findings go, none stored)
    put(paths[:90], "second", stale=paths[0])
    assert store.findings(paths[0]) == []
    assert [f.message for f in store.findings(paths[1])] == ["second"]
    assert [f.message for f in store.findings(paths[95])] == ["first"]
    assert len(store.findings()) == N - 1
    # a few, one by one: the same rules
    put(paths[1:3], "third", stale=paths[2])
    assert [f.message for f in store.findings(paths[1])] == ["third"]
    assert store.findings(paths[2]) == []
    assert len(store.findings()) == N - 2
    store.close()


def test_a_cold_sync_does_not_wait_for_another_writer_before_it_parses(
    book_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the snapshot's write lock (its own cold run, writing as
    it parses): this sync parses at once and writes after, as before."""
    import threading

    from specbook.lint.engine import Linter

    book = open_book(book_root)
    store = SQLiteStore(index_path(book), book=book.config.name)
    # the lint cache's tables made, as that process made them before it began
    run._Cache(index_path(book), run._key(book, Linter(book.config))).close()
    monkeypatch.setattr(run, "_BUSY_MS", 600_000)  # (a wait for the lock: a long one)
    other = sqlite3.connect(index_path(book), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            other.execute("ROLLBACK")

    timer = threading.Timer(60, release)  # (so that a waiting sync ends, and fails)
    timer.start()
    parsed_while_held = []

    def progress(done: int, total: int) -> None:
        parsed_while_held.append(not released.is_set())
        if done == total:
            release()  # the other process's run ends after this one parsed

    try:
        stats = sync(store, book, jobs=2, progress=progress)
    finally:
        timer.cancel()
        release()
        other.close()
    assert parsed_while_held and all(parsed_while_held)
    assert (stats.added, stats.rebuilt) == (N, True)
    assert len(store.stored_files()) == N
    store.close()
