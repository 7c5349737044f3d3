"""Portal page latency and throughput over a generated book, served for real.

    .venv/bin/python bench/portal_bench.py [N] [--samples S] [--load-requests R]
                                           [--load-seconds T] [--clients C]

Generates N spec documents (default 10,000) into a temporary book, starts
``specbook serve --port 0`` on it in a subprocess and prints:
- start-up: until the portal answers (index built), and until the background lint of
  the whole book is done (the home page stops saying "checking…");
- page latency p50 / p95 over loopback with one keep-alive connection, after a
  warm-up: home, the document list (first page, a later page sorted by title, a
  facet), search (a few different words), and document pages of random IDs, first
  view (not in the portal's page cache) and repeated view;
- requests/s under concurrent load: C client processes (default 4), each with its
  own keep-alive connection, a mix of the pages above, bounded by R requests
  (default 2,000) or T seconds (default 20).
The target (DESIGN.md, Measures) is a page p95 of 50 ms or less at 10,000 documents.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen

WORDS = ("webhook", "retention", "latency", "migration", "tenant", "rollback")


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


class Client:
    """One keep-alive HTTP/1.1 connection to the portal."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # the server closed the connection: open a new one
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
        return resp.status, resp.read()

    def timed(self, path: str) -> float:
        t = time.perf_counter()
        status, _ = self.get(path)
        ms = (time.perf_counter() - t) * 1000
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        return ms


def start_portal(root: Path) -> tuple[subprocess.Popen[str], int, float]:
    """Run ``specbook serve --port 0`` in ``root``; return it, its port, and the
    seconds until it printed where it listens."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "specbook", "serve", "--port", "0"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if found:
            return proc, int(found.group(1)), time.perf_counter() - t
    raise SystemExit(f"the portal did not start (exit {proc.wait()})")


def wait_until(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (http.client.HTTPException, OSError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"gave up waiting after {timeout:.0f} s")


def _load_worker(args: tuple[int, list[str], int, float, int]) -> tuple[int, int, float]:
    """One client process: requests from ``paths`` in turn until ``count`` are done or
    ``deadline`` (a time.time()) passes. Returns (done, errors, seconds)."""
    port, paths, count, deadline, seed = args
    rng = random.Random(seed)
    client = Client(port)
    done = errors = 0
    t = time.perf_counter()
    while done < count and time.time() < deadline:
        status, _ = client.get(rng.choice(paths))
        done += 1
        errors += status != 200
    return done, errors, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--samples", type=int, default=200, help="requests per page kind")
    ap.add_argument("--load-requests", type=int, default=2_000)
    ap.add_argument("--load-seconds", type=float, default=20.0)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        paths = gen.generate(root, args.n)
        t_gen = time.perf_counter() - t
        ids = [p.name[: p.name.index("-", 5)] for p in paths]

        t0 = time.perf_counter()
        proc, port, t_listen = start_portal(root)
        try:
            client = Client(port)
            wait_until(lambda: client.get("/")[0] == 200, 600)
            t_ready = time.perf_counter() - t0
            wait_until(lambda: "checking…" not in client.get("/")[1].decode(), 1200)
            t_linted = time.perf_counter() - t0

            searches = [f"/search?q={w}" for w in WORDS]
            listing = ["/documents", "/documents?sort=title&page=50", "/documents?status=Review"]
            for path in ["/", *listing, *searches]:  # warm-up: templates, caches, SQLite pages
                for _ in range(5):
                    client.timed(path)
            for ref in rng.sample(ids, 20):
                client.timed(f"/doc/{ref}")

            lat: dict[str, list[float]] = {}
            s = args.samples
            lat["home"] = [client.timed("/") for _ in range(s)]
            lat["list, first page"] = [client.timed(listing[0]) for _ in range(s)]
            lat["list, page 50 by title"] = [client.timed(listing[1]) for _ in range(s)]
            lat["list, status facet"] = [client.timed(listing[2]) for _ in range(s)]
            lat[f"search ({len(WORDS)} words)"] = [
                client.timed(searches[i % len(searches)]) for i in range(s)
            ]
            fresh = rng.sample(ids, min(s, len(ids)))
            lat["document, first view"] = [client.timed(f"/doc/{ref}") for ref in fresh]
            again = fresh[:50]
            lat["document, viewed again"] = [
                client.timed(f"/doc/{again[i % len(again)]}") for i in range(s)
            ]

            mix = (
                [f"/doc/{ref}" for ref in rng.sample(ids, min(2_000, len(ids)))]
                + searches * 20
                + listing * 20
                + ["/"] * 20
            )
            per = -(-args.load_requests // args.clients)
            deadline = time.time() + args.load_seconds
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(args.clients) as pool:
                results = pool.map(
                    _load_worker,
                    [(port, mix, per, deadline, 100 + k) for k in range(args.clients)],
                )
            t_load = max(r[2] for r in results)  # the clients' own clocks: no spawn time
        finally:
            proc.terminate()
            proc.wait(10)

    print(f"{len(ids)} documents (generated in {t_gen:.1f} s); portal = specbook serve, 1 process")
    print(f"  start-up: listening              {t_listen:8.2f} s")
    print(f"  start-up: answering (index)      {t_ready:8.2f} s")
    print(f"  start-up: whole-book lint done   {t_linted:8.2f} s")
    print(f"  page latency over loopback, {args.samples} requests each after a warm-up:")
    for name, values in lat.items():
        p50, p95 = statistics.median(values), _pct(values, 0.95)
        mark = "  (over 50 ms)" if p95 > 50 else ""
        print(f"    {name:<28} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms{mark}")
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    print(
        f"  load: {args.clients} client processes, keep-alive, mixed pages: {done} requests "
        f"in {t_load:.1f} s = {done / t_load:,.0f} req/s ({errors} not 200)"
    )


if __name__ == "__main__":
    main()
