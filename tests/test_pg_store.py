"""What only the PostgreSQL backend has: migrations, many books in one database,
cross-book references, concurrent and killed syncs, URLs and passwords.

The store's shared behaviour is tested on both backends in test_store.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.core.config import config_from_mapping
from specbook.core.errors import ConfigError
from specbook.services.zeroconf import open_book
from specbook.store import DB_ENV, open_store, parse_query, sync, synced_store
from specbook.store.postgres import (
    SCHEMA_VERSION,
    PostgresStore,
    StoreError,
    close_pools,
    migrate,
    redact,
)
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


@pytest.fixture
def url(pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty database (no schema yet)."""
    monkeypatch.delenv(DB_ENV, raising=False)
    got = fresh_database(pg_server)
    try:
        yield got
    finally:
        drop_database(pg_server, got)


def _copy_book(dest: Path, name: str | None = None) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".specbook"))
    if name is not None:
        cfg = dest / "specbook.toml"
        cfg.write_text(cfg.read_text().replace('name = "parcel"', f'name = "{name}"'))
    return dest


def _versions(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]


# -- migrations -----------------------------------------------------------------------
def test_migrations_fresh_rerun_and_concurrent_start(url: str) -> None:
    errors: list[BaseException] = []
    found: list[int] = []

    def start() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                found.append(migrate(conn))
        except BaseException as exc:
            errors.append(exc)

    # eight processes' worth of connections starting on an empty database at once
    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(found) == [0] + [SCHEMA_VERSION] * 7  # exactly one applied the steps
    assert _versions(url) == list(range(1, SCHEMA_VERSION + 1))
    with psycopg.connect(url, autocommit=True) as conn:
        assert migrate(conn) == SCHEMA_VERSION  # a re-run is a no-op
        tables = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert _versions(url) == list(range(1, SCHEMA_VERSION + 1))
    assert {"books", "documents", "refs", "findings", "schema_version"} <= tables


def _shape(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every column (table, name, type, nullable, default) and index definition."""
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position"
        ).fetchall()
        indexes = conn.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = 'public' AND tablename <> 'schema_version' ORDER BY 1, 2"
        ).fetchall()
    return columns, indexes


def test_a_new_database_has_the_schema_the_migrations_reach(url: str, pg_server: PgServer) -> None:
    """A new database is made from the one schema definition (store/schema.py, which
    SQLite's index is rendered from too); an old one reaches the same by its
    migrations. The tables both backends keep have the same columns in both."""
    import sqlite3

    from specbook.store.postgres import MIGRATIONS
    from specbook.store.sqlite import _SCHEMA

    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn)
    stepped = fresh_database(pg_server)
    try:
        with psycopg.connect(stepped, autocommit=True) as conn:
            for _version, sql in MIGRATIONS:
                conn.execute(sql.encode())
        assert _shape(url) == _shape(stepped)
    finally:
        drop_database(pg_server, stepped)
    assert _versions(url) == list(range(1, SCHEMA_VERSION + 1))
    lite = sqlite3.connect(":memory:")
    for stmt in _SCHEMA:
        lite.execute(stmt)
    pg_columns, _ = _shape(url)
    for table in ("documents", "requirements", "refs", "reviews", "findings", "linted"):
        want = [c[1] for c in lite.execute(f"PRAGMA table_info({table})")]
        got = [
            c[1] for c in pg_columns if c[0] == table and c[1] not in ("book", "tsx", "head", "tsv")
        ]
        assert got == want, table


def test_a_newer_database_is_refused(url: str, tmp_path: Path) -> None:
    PostgresStore(url, "x")  # creates the schema
    close_pools(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO schema_version(version, specbook) VALUES (%s, '9.9')",
            (SCHEMA_VERSION + 1,),
        )
    with pytest.raises(StoreError, match="upgrade specbook"):
        PostgresStore(url, "x")
    root = _copy_book(tmp_path / "book")
    res = CliRunner().invoke(main, ["index", "--db", url, str(root)])
    assert res.exit_code == 1
    assert "upgrade specbook" in res.stderr and "Traceback" not in res.output


# -- many books ---------------------------------------------------------------------------
CROSS = b"""# Technical Specification: Label printing

**ID**: SPEC-001
**Date**: 2024-03-01
**Status**: Draft
**Type**: Feature

## Summary

Prints labels. Depends on payments:SPEC-002 for the carrier codes; see also SPEC-004
and payments:SPEC-999, which does not exist.
"""


def test_two_books_with_a_cross_book_reference(url: str, tmp_path: Path) -> None:
    payments = _copy_book(tmp_path / "payments", "payments")
    labels = tmp_path / "labels"
    (labels / "docs" / "specs").mkdir(parents=True)
    (labels / "specbook.toml").write_text('[book]\nname = "labels"\n')
    (labels / "docs" / "specs" / "SPEC-001-label-printing.md").write_bytes(CROSS)
    run = CliRunner()
    for root in (payments, labels):
        res = run.invoke(main, ["index", "--db", url, str(root), "--json"])
        assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["book"] == "labels" and got["documents"] == 1
    store = PostgresStore(url, None)
    assert [(n, c) for n, _, c in store.books()] == [("labels", 1), ("payments", 14)]
    assert dict((n, r) for n, r, _ in store.books())["labels"] == str(labels.resolve())

    # outgoing: the reference keeps its book and is resolved against it
    res = run.invoke(main, ["refs", "SPEC-001", "--db", url, "--book", "labels", "--json"])
    assert res.exit_code == 0, res.output
    out = {(r["book"], r["id"]): r for r in json.loads(res.stdout)["outgoing"]}
    assert out[("payments", "SPEC-002")]["type"] == "depends-on"
    assert out[("payments", "SPEC-002")]["exists"] is True
    assert out[("payments", "SPEC-999")]["exists"] is False
    assert out[(None, "SPEC-004")]["exists"] is False  # labels has no SPEC-004
    # incoming: payments' SPEC-002 is referenced from the other book, the ID written
    # book:ID from anywhere
    res = run.invoke(main, ["refs", "payments:SPEC-002", "--db", url, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["book"] == "payments"
    inc = {(r["book"], r["id"], r["type"]) for r in data["incoming"]}
    assert ("labels", "SPEC-001", "depends-on") in inc
    assert any(b is None for b, _, _ in inc)  # and from within payments
    # labels' own SPEC-004 (were there one) is not referenced by payments:SPEC-002
    assert [e.target for e in PostgresStore(url, "labels").incoming("SPEC-004")] == ["SPEC-004"]
    assert PostgresStore(url, "labels").incoming("SPEC-002") == []
    # every ID's incoming references at once (a site build's backlinks): the same
    # references (in the same order but for ties: one line naming two requirements)
    for one in (PostgresStore(url, "labels"), PostgresStore(url, "payments"), store):
        every = one.incoming_by_target()
        for target in {e.target for e in one.references()} | {"SPEC-002", "SPEC-004"}:
            got, want = every.get(target, []), one.incoming(target)
            assert sorted(got, key=repr) == sorted(want, key=repr), target
            assert [e[:2] + e[6:7] for e in got] == [e[:2] + e[6:7] for e in want]

    # search covers every book unless --book limits it
    res = run.invoke(main, ["search", "carrier", "--db", url, "--json", "--limit", "100"])
    books = {h["book"] for h in json.loads(res.stdout)}
    assert books == {"payments", "labels"}
    res = run.invoke(main, ["search", "carrier", "--db", url, "--book", "labels", "--json"])
    assert [(h["book"], h["id"]) for h in json.loads(res.stdout)] == [("labels", "SPEC-001")]
    assert "book" not in PostgresStore(url, "labels").listing()[0]
    assert {r["book"] for r in PostgresStore(url, None).listing()} == {"labels", "payments"}

    # a full re-sync of one book leaves the other alone; the all-books store only reads
    (labels / "docs" / "specs" / "SPEC-001-label-printing.md").unlink()
    res = run.invoke(main, ["index", "--db", url, str(labels), "--full"])
    assert res.exit_code == 0, res.output
    assert [(n, c) for n, _, c in store.books()] == [("labels", 0), ("payments", 14)]
    with pytest.raises(StoreError, match="cannot write"):
        store.clear()


def test_cross_book_reference_in_the_sqlite_index(tmp_path: Path) -> None:
    """SQLite keeps the book a reference names, and does not count it as incoming."""
    root = _copy_book(tmp_path / "book")
    (root / "docs" / "specs" / "SPEC-009-label-printing.md").write_bytes(
        CROSS.replace(b"SPEC-001", b"SPEC-009")
    )
    store, _ = synced_store(open_book(root), db="sqlite")
    out = {(e.target_book, e.target) for e in store.outgoing("SPEC-009")}
    assert out == {("payments", "SPEC-002"), (None, "SPEC-004"), ("payments", "SPEC-999")}
    assert all(e.source != "SPEC-009" for e in store.incoming("SPEC-002"))
    assert any(e.source == "SPEC-009" for e in store.incoming("SPEC-004"))
    every = store.incoming_by_target()
    for target in {e.target for e in store.references()}:
        got, want = every.get(target, []), store.incoming(target)
        assert sorted(got, key=repr) == sorted(want, key=repr), target
    store.close()


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop(DB_ENV, None)
    return subprocess.Popen(
        [sys.executable, "-m", "specbook", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_concurrent_syncs_of_two_books_and_of_one(url: str, tmp_path: Path) -> None:
    roots = []
    for name in ("alpha", "beta"):
        root = tmp_path / name
        gen.generate(root, 300, seed=len(name))
        (root / "specbook.toml").write_text(f'[book]\nname = "{name}"\n')
        roots.append(root)
    # alpha and beta at once, and alpha twice at once (the book's lock serializes them)
    procs = [_spawn("index", "--db", url, str(r), "--json") for r in (*roots, roots[0])]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert json.loads(out)["documents"] == 300
    # both alpha syncs committed one complete state: 300 rows, each path once
    store = PostgresStore(url, None)
    assert [(n, c) for n, _, c in store.books()] == [("alpha", 300), ("beta", 300)]
    changed = sorted(json.loads(out)["changed"] for out, _ in (results[0], results[2]))
    assert changed == [0, 300]  # the second found the first's work done
    alpha = PostgresStore(url, "alpha")
    assert len(alpha.stored_files()) == 300
    assert alpha.search(parse_query("status:approved"), 1000)


KILLED_SYNC = """
import pathlib, sys, time
import specbook.store.postgres as pg
from specbook.services.zeroconf import open_book
from specbook.store import open_store, sync

url, root, marker = sys.argv[1:4]
real = pg.PostgresStore.put
written = []

def put(self, record):
    real(self, record)
    written.append(record.path)
    if len(written) == 5:
        self._flush()  # the rows are in the database, inside the open transaction
        pathlib.Path(marker).write_text("writing")
        time.sleep(600)  # SIGKILLed here

pg.PostgresStore.put = put
book = open_book(pathlib.Path(root))
sync(open_store(book, db=url), book)
"""


def test_a_sync_killed_halfway_leaves_the_previous_state(url: str, tmp_path: Path) -> None:
    root = _copy_book(tmp_path / "book")
    book = open_book(root)
    store, _ = synced_store(book, db=url)
    before = sorted(store.documents())
    before_files = store.stored_files()
    carrier = [h.id for h in store.search(parse_query("carrier"), 100)]
    changed = 0
    for p in book.paths():
        data = p.read_bytes()
        changed += b"carrier" in data
        p.write_bytes(data.replace(b"carrier", b"courier"))
    (root / "docs" / "bugs" / "BUG-003-share-link-exposes-recipient-address.md").unlink()
    assert changed > 5

    marker = tmp_path / "marker"
    script = tmp_path / "killed_sync.py"
    script.write_text(KILLED_SYNC)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen([sys.executable, str(script), url, str(root), str(marker)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "the sync ended before it was killed"
            assert time.monotonic() < deadline, "the sync never started writing"
            time.sleep(0.05)
        with psycopg.connect(url) as conn:
            # it holds the book's lock and has inserted rows, not yet committed
            locks = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE a.state = 'idle in transaction' AND (l.locktype = 'advisory'"
                " OR l.relation = 'documents'::regclass)"
            ).fetchone()
        assert locks is not None and locks[0] >= 2
        assert sorted(store.documents()) == before  # nobody sees half a sync
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert sorted(store.documents()) == before
    assert store.stored_files() == before_files
    assert store.search(parse_query("courier")) == []
    assert [h.id for h in store.search(parse_query("carrier"), 100)] == carrier
    # the killed sync's lock died with its connection: the next sync goes through
    stats = sync(store, book)
    assert stats.updated >= changed - 1 and stats.deleted == 1
    assert store.search(parse_query("courier"))
    assert store.count() == len(before) - 1


# -- choosing the database, URLs, passwords, odd content ----------------------------------
def test_book_config_chooses_the_database(url: str, tmp_path: Path) -> None:
    root = _copy_book(tmp_path / "book")
    cfg = root / "specbook.toml"
    cfg.write_text(cfg.read_text() + f'\n[index]\ndb = "{url}"\n')
    store = open_store(open_book(root))
    assert isinstance(store, PostgresStore) and store.book == "parcel"
    assert open_store(open_book(root), db="sqlite").__class__.__name__ == "SQLiteStore"
    with pytest.raises(ConfigError, match="must not be committed"):
        config_from_mapping({"index": {"db": "postgresql://u:pw@h/db"}}, None, None)
    with pytest.raises(ConfigError, match="postgresql://"):
        config_from_mapping({"index": {"db": "mysql://h/db"}}, None, None)
    with pytest.raises(ConfigError, match="unknown setting"):
        config_from_mapping({"index": {"url": url}}, None, None)


def test_passwords_never_appear_in_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert redact("postgresql://ana:s3cret@db:5432/x") == "postgresql://ana:***@db:5432/x"
    assert redact("postgresql://ana@db/x") == "postgresql://ana@db/x"
    monkeypatch.chdir(_copy_book(tmp_path / "book"))
    bad = "postgresql://ana:s3cret@127.0.0.1:1/nowhere"
    for args in (["search", "x", "--db", bad], ["index", "--db", bad]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 1
        assert "s3cret" not in res.output and "Traceback" not in res.output
        assert "postgresql://ana:***@127.0.0.1:1/nowhere" in res.stderr
    res = CliRunner().invoke(main, ["search", "x", "--db", "mysql://ana:s3cret@h/x"])
    assert res.exit_code == 2 and "s3cret" not in res.output


def test_binary_and_nul_bytes_are_stored(url: str, tmp_path: Path) -> None:
    root = _copy_book(tmp_path / "book")
    odd = root / "docs" / "specs" / "SPEC-010-odd.md"
    odd.write_bytes(b"# SPEC-010: Odd\x00 file\n\n\xff\xfe zanzibar\x00here \xc3\xa9t\xc3\xa9\n")
    store, stats = synced_store(open_book(root), db=url)
    assert stats.added == 15
    hits = store.search(parse_query("zanzibar ete"))  # diacritics fold as in SQLite
    assert [(h.id, h.line) for h in hits] == [("SPEC-010", 3)]
    assert "\x00" not in hits[0].snippet
