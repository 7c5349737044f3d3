"""Search at scale: the static site's browser search and the portal's, in one run.

    .venv/bin/python bench/search_bench.py [--sizes 1000,10000] [--portal-n N]
                                           [--samples S] [--clients C]

For each size, generates a book (bench/gen.py), builds the static site and prints the
size of ``static/search-index.js`` beside the text it indexes (the per-document text
scripts), and the time from opening ``search.html?q=WORD`` from ``file://`` in
Chromium to the first result shown (each of a few words, a fresh page each time).

Then, on a book of ``--portal-n`` documents (default 3,000), the portal's search
(``specbook serve``, ``/search?q=WORD`` over loopback, one keep-alive connection)
p50/p95 beside ``specbook search WORD`` (the command's own search, in process:
query, ranking, snippets; the same store), and requests/s of ``/search`` with C
client processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen
from portal_bench import Client, _load_worker, _pct, start_portal, wait_until

WORDS = ("webhook", "retention", "latency", "migration", "tenant", "rollback")


def _mb(n: int) -> str:
    return f"{n / 1e6:7.2f} MB"


def static_search(n: int) -> None:
    from playwright.sync_api import sync_playwright

    from specbook.web.site import build_site
    from specbook.zeroconf import open_book

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "book"
        gen.generate(root, n)
        out = Path(tmp) / "site"
        t = time.perf_counter()
        build_site(open_book(root), out)
        t_build = time.perf_counter() - t
        index = (out / "static" / "search-index.js").stat().st_size
        texts = sum(f.stat().st_size for f in (out / "static" / "text").iterdir())
        times, inpage = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            for word in WORDS:
                page = browser.new_page()
                t = time.perf_counter()
                page.goto((out / "search.html").as_uri() + f"?q={word}")
                page.locator("#results a.hit").first.wait_for(timeout=30_000)
                times.append((time.perf_counter() - t) * 1000)
                inpage.append(page.evaluate("performance.now()"))  # since navigation start
                page.close()
            browser.close()
    print(f"static site, {n} documents (built in {t_build:.1f} s):")
    print(f"  search-index.js {_mb(index)}   texts {_mb(texts)}   ({index / texts:.0%} of them)")
    print(
        f"  first result from file://: p50 {statistics.median(times):7.1f} ms"
        f"   max {max(times):7.1f} ms   ({len(WORDS)} words, a fresh page each)"
    )
    own = statistics.median(inpage)
    print(f"  (the page's own clock, from navigation start: p50 {own:7.1f} ms)")


def portal_search(n: int, samples: int, clients: int) -> None:
    from specbook.store import parse_query, synced_store
    from specbook.zeroconf import open_book

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        gen.generate(root, n)
        store, _ = synced_store(open_book(root))
        cli = []
        for i in range(samples):
            t = time.perf_counter()
            store.search(parse_query(WORDS[i % len(WORDS)]), 20)  # `specbook search`'s limit
            cli.append((time.perf_counter() - t) * 1000)
        store.close()
        proc, port, _ = start_portal(root)
        try:
            client = Client(port)
            wait_until(lambda: client.get("/")[0] == 200, 600)
            paths = [f"/search?q={w}" for w in WORDS]
            for p in paths * 3:
                client.timed(p)
            web = [client.timed(paths[i % len(paths)]) for i in range(samples)]
            ctx = multiprocessing.get_context("spawn")
            deadline = time.time() + 10
            with ctx.Pool(clients) as pool:
                done = pool.map(
                    _load_worker, [(port, paths, 10**6, deadline, k) for k in range(clients)]
                )
        finally:
            proc.terminate()
            proc.wait(10)
    rps = sum(d[0] for d in done) / max(d[2] for d in done)
    print(f"portal search, {n} documents, {samples} requests after a warm-up:")
    for name, values in (("specbook search (store)", cli), ("serve /search (50 hits)", web)):
        p50, p95 = statistics.median(values), _pct(values, 0.95)
        print(f"  {name}  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")
    print(f"  serve /search, {clients} clients: {rps:.0f} requests/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--portal-n", type=int, default=3000)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    for n in (int(s) for s in args.sizes.split(",") if s):
        static_search(n)
    portal_search(args.portal_n, args.samples, args.clients)


if __name__ == "__main__":
    main()
