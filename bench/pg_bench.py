"""Many books in one PostgreSQL database, beside SQLite, measured in the same run.

    .venv/bin/python bench/pg_bench.py [--books 50] [--docs 2000] [--queries 100]

Generates BOOKS books of DOCS spec documents each (default 50 x 2,000 = 100,000) and
starts a throw-away PostgreSQL server (initdb into a temporary folder, a free port of
127.0.0.1, durable default settings; under root it runs as the ``postgres`` user, as
the tests' server does). Then it prints:

- sync, cold: every book synced into the one database (one transaction per book), and
  the same books each into its own SQLite index (``.specbook/index.db``: SQLite's
  layout is one index per book, so that is what it is compared with);
- sync after touching one file of one book, both backends (median of 5 edits);
- search p50 / p95 over QUERIES queries (one and two words, a phrase, a prefix, a
  field filter): in PostgreSQL across all books and within one book; in SQLite within
  one book (2,000 documents), the same queries.

Sections are functions of one :class:`Run`; a later section (the portal's load test)
is one more function appended to :data:`SECTIONS`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from tests.pgserver import PgServer  # noqa: E402

import gen  # noqa: E402
from specbook.book import Book  # noqa: E402
from specbook.services.zeroconf import open_book  # noqa: E402
from specbook.store import parse_query, sync  # noqa: E402
from specbook.store.postgres import PostgresStore  # noqa: E402
from specbook.store.sqlite import SQLiteStore  # noqa: E402


@dataclass
class Run:
    """What the sections share: the books, the database, the queries, the figures."""

    books: list[Book]
    url: str
    queries: list[str]
    figures: dict[str, str] = field(default_factory=dict)

    def name(self, book: Book) -> str:
        return book.config.name

    def report(self, label: str, value: str) -> None:
        self.figures[label] = value
        print(f"  {label:<52} {value}", flush=True)


def _pct(times: list[float]) -> str:
    ordered = sorted(times)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
    return f"p50 {p50:7.2f} ms   p95 {p95:7.2f} ms"


def _queries(book_root: Path, count: int, rng: random.Random) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(book_root.rglob("*.md"))[:200]]
    words = sorted({w for t in texts for w in re.findall(r"[a-z]{5,}", t.lower())})
    out = []
    for i in range(count):
        a, b = rng.choice(words), rng.choice(words)
        shape = i % 5
        if shape == 0:
            out.append(a)
        elif shape == 1:
            out.append(f"{a} {b}")
        elif shape == 2:
            pairs = re.findall(r"[a-z]{4,} [a-z]{4,}", rng.choice(texts).lower())
            out.append(f'"{rng.choice(pairs)}"' if pairs else a)
        elif shape == 3:
            out.append(a[:4] + "*")
        else:
            out.append(f"{a} status:{rng.choice(['approved', 'review', 'draft'])}")
    return out


def section_sync(run: Run) -> None:
    print("sync", flush=True)
    t = time.perf_counter()
    for book in run.books:
        store = PostgresStore(run.url, run.name(book), root=str(book.root))
        sync(store, book)
        store.close()
    pg_cold = time.perf_counter() - t
    docs = sum(n for _, _, n in PostgresStore(run.url, None).books())
    run.report("PostgreSQL cold, all books", f"{pg_cold:8.1f} s  ({docs / pg_cold:,.0f} docs/s)")
    t = time.perf_counter()
    for book in run.books:
        store = SQLiteStore(book.root / ".specbook" / "index.db")
        sync(store, book)
        store.close()
    lite_cold = time.perf_counter() - t
    run.report(
        "SQLite cold, all books (one index per book)",
        f"{lite_cold:8.1f} s  ({docs / lite_cold:,.0f} docs/s)",
    )

    book = run.books[len(run.books) // 2]
    files = sorted(book.paths())
    for label, open_store in (
        ("PostgreSQL", lambda: PostgresStore(run.url, run.name(book), root=str(book.root))),
        ("SQLite", lambda: SQLiteStore(book.root / ".specbook" / "index.db")),
    ):
        store = open_store()
        sync(store, book)  # catch up with the other backend's edits first
        times = []
        for i in range(5):
            p = files[i * 7]
            p.write_bytes(p.read_bytes() + f"\nEdited {label} {i}.\n".encode())
            t = time.perf_counter()
            stats = sync(store, book)
            times.append(time.perf_counter() - t)
            if stats.rebuilt or stats.updated != 1:  # specbook's own code changed meanwhile
                print(f"    (edit {i}: {stats}; not one file: discounted)", flush=True)
                times.pop()
        store.close()
        shown = f"{statistics.median(times) * 1000:8.1f} ms" if times else "n/a"
        run.report(f"{label} sync after touching one file (one book)", shown)


def section_search(run: Run) -> None:
    print(f"search ({len(run.queries)} queries, 20 hits each)", flush=True)
    book = run.books[0]
    parsed = [parse_query(q) for q in run.queries]

    def measure(store: object, search: Callable[..., object]) -> list[float]:
        for q in parsed[:10]:
            search(q, 20)  # warm the caches
        times = []
        for q in parsed:
            t = time.perf_counter()
            search(q, 20)
            times.append(time.perf_counter() - t)
        return times

    every = PostgresStore(run.url, None)
    one = PostgresStore(run.url, run.name(book))
    lite = SQLiteStore(book.root / ".specbook" / "index.db")
    total = sum(n for _, _, n in every.books())
    run.report(f"PostgreSQL, all books ({total:,} documents)", _pct(measure(every, every.search)))
    run.report(f"PostgreSQL, one book ({one.count():,} documents)", _pct(measure(one, one.search)))
    run.report(
        f"SQLite, one book's index ({lite.count():,} documents)",
        _pct(measure(lite, lite.search)),
    )
    lite.close()


_ID = re.compile(r"([A-Z]+-\d+)")


def _serve(url: str, work: Path) -> tuple[subprocess.Popen[str], int, float]:
    """``specbook serve --db URL --port 0`` (every book); its port and start-up time.

    Its stderr goes to a file, not a pipe: a pipe nobody reads any more fills up and
    stops the server at its next warning."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SPECBOOK_SECRET": "bench"}
    env.pop("SPECBOOK_DB", None)
    log = Path(tempfile.mkstemp(prefix="specbook-serve-", suffix=".log")[1])
    t = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "specbook", "serve", "--db", url, "--port", "0"],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
        )
    while proc.poll() is None:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", log.read_text())
        if found:
            return proc, int(found.group(1)), time.perf_counter() - t
        time.sleep(0.1)
    raise SystemExit(f"the portal did not start (exit {proc.returncode}): {log.read_text()}")


def _load(args: tuple[list[int], list[str], int, float, int]) -> tuple[int, int, float]:
    """One client process spreading requests over the servers' ports in turn."""
    from portal_bench import Client

    ports, paths, count, deadline, seed = args
    rng = random.Random(seed)
    clients = [Client(p) for p in ports]
    done = errors = 0
    t = time.perf_counter()
    while done < count and time.time() < deadline:
        status, _ = clients[done % len(clients)].get(rng.choice(paths))
        done += 1
        errors += status != 200
    return done, errors, time.perf_counter() - t


def section_portal(run: Run) -> None:
    """The many-book portal (``serve --db``) with 1 and with 2 server processes under
    load from 4 client processes on loopback (bounded: 2,000 requests or 20 s)."""
    import multiprocessing

    from portal_bench import Client, wait_until

    print("portal (serve --db: every book in one portal)", flush=True)
    names = [run.name(b) for b in run.books]
    rng = random.Random(3)
    ids = [m.group(1) for p in run.books[0].paths()[:200] if (m := _ID.match(p.name))]
    words = [q for q in run.queries if " " not in q and "*" not in q and ":" not in q][:6]
    pages = {
        "books page": ["/"],
        "list, book facet": [f"/documents?book={n}" for n in names[:5]],
        "search, all books": [f"/search?q={w}" for w in words],
        "document page": [f"/b/{rng.choice(names)}/doc/{rng.choice(ids)}" for _ in range(40)],
    }
    mixed = [p for group in pages.values() for p in group]
    work = run.books[0].root.parent
    for count in (1, 2):
        started = [_serve(run.url, work) for _ in range(count)]
        ports = [port for _, port, _ in started]
        t = time.perf_counter()
        for port in ports:
            wait_until(lambda port=port: Client(port).get("/")[0] == 200, 600)
        slowest = max(s for *_, s in started) + time.perf_counter() - t
        run.report(f"{count} process(es): start-up (sync every book)", f"{slowest:8.1f} s")
        try:
            for port in ports:  # warm every process, not only the one timed below
                warm = Client(port)
                for path in mixed:
                    warm.get(path)
            client = Client(ports[0])
            for label, paths in pages.items():
                times = [client.timed(paths[i % len(paths)]) / 1000 for i in range(60)]
                run.report(f"{count} process(es): {label}", _pct(times))
            deadline = time.time() + 20
            jobs = [(ports, mixed, 500, deadline, i) for i in range(4)]
            with multiprocessing.Pool(4) as pool:
                results = pool.map(_load, jobs)
            done = sum(r[0] for r in results)
            bad = sum(r[1] for r in results)
            seconds = max(r[2] for r in results)
            run.report(
                f"{count} process(es): load, 4 clients",
                f"{done / seconds:8.0f} req/s  ({done} requests, {bad} not 200)",
            )
        finally:
            for proc, _, _ in started:
                proc.terminate()
                proc.wait(30)


SECTIONS: list[Callable[[Run], None]] = [section_sync, section_search, section_portal]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--books", type=int, default=50)
    ap.add_argument("--docs", type=int, default=2000, help="documents per book")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="specbook-pgbench-"))
    server = PgServer(fast=False)
    try:
        t = time.perf_counter()
        books = []
        for i in range(args.books):
            root = work / f"book{i:02d}"
            gen.generate(root, args.docs, seed=args.seed + i)
            (root / "specbook.toml").write_text(f'[book]\nname = "book{i:02d}"\n')
            books.append(open_book(root))
        total = args.books * args.docs
        print(
            f"{args.books} books x {args.docs:,} documents = {total:,} generated in "
            f"{time.perf_counter() - t:.1f} s",
            flush=True,
        )
        url = server.start()
        print(f"PostgreSQL {server.bin.parent.name} at {url}", flush=True)
        run = Run(books, url, _queries(books[0].root, args.queries, random.Random(args.seed)))
        for section in SECTIONS:
            section(run)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
