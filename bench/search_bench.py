"""Search at scale: the static site's browser search and the portal's, in one run.

    .venv/bin/python bench/search_bench.py [--sizes 1000,10000] [--portal-n N]
                                           [--samples S] [--clients C]

For each size, generates a book (bench/gen.py), builds the static site and prints the
size of the search index (``static/search-index.js``, the documents' facts, and the
shards of the inverted index under ``static/search/``, of which a query loads those of
its words) beside the text it indexes (the per-document text scripts), and the time
from opening ``search.html?q=WORD`` from ``file://`` in Chromium to the first result
shown (each of a few words, a fresh page each time; the page's own clock beside it,
and when its load event came: the result texts for the snippets are loaded by then).

Then, on a book of ``--portal-n`` documents (default 3,000), the portal's search
(``specbook serve``, ``/search?q=WORD`` over loopback, one keep-alive connection, 50
hits a page) p50/p95 and the server's CPU time per request, beside ``specbook
search WORD``'s own search (in process: query, ranking, snippets; the same store) at
its default of 20 hits and at the page's 50 (the same work), and requests/s of
``/search`` with C client processes. The portal is measured once its background lint
of the whole book is done (while it runs, it takes the same CPU as the requests).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
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

    from specbook.services.zeroconf import open_book
    from specbook.web.site import build_site

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "book"
        gen.generate(root, n)
        out = Path(tmp) / "site"
        t = time.perf_counter()
        build_site(open_book(root), out)
        t_build = time.perf_counter() - t
        static = out / "static"
        index = (static / "search-index.js").stat().st_size
        shards = {f.stem: f.stat().st_size for f in (static / "search").iterdir()}
        texts = sum(f.stat().st_size for f in (static / "text").iterdir())
        times, inpage, loaded = [], [], []
        first = "() => document.querySelector('#results a.hit') && performance.now()"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            for word in WORDS:
                page = browser.new_page()
                t = time.perf_counter()
                page.goto((out / "search.html").as_uri() + f"?q={word}", wait_until="commit")
                at = page.wait_for_function(first, timeout=30_000, polling=10).json_value()
                times.append((time.perf_counter() - t) * 1000)
                inpage.append(at)  # the page's clock: since navigation start
                page.wait_for_load_state("load")
                loaded.append(
                    page.evaluate(
                        "performance.timing.loadEventStart - performance.timing.navigationStart"
                    )
                )
                page.close()
            browser.close()
    total = index + sum(shards.values())
    asked = statistics.median(index + shards.get(w[0], 0) for w in WORDS)
    print(f"static site, {n} documents (built in {t_build:.1f} s):")
    print(f"  search index {_mb(total)}   texts {_mb(texts)}   ({total / texts:.0%} of them)")
    print(
        f"  (search-index.js {_mb(index)}, {len(shards)} shards, the largest"
        f" {_mb(max(shards.values()))}; loaded for one word: {_mb(asked)})"
    )
    print(
        f"  first result from file://: p50 {statistics.median(times):7.1f} ms"
        f"   max {max(times):7.1f} ms   ({len(WORDS)} words, a fresh page each)"
    )
    own, load = statistics.median(inpage), statistics.median(loaded)
    print(
        f"  (the page's own clock, from navigation start: p50 {own:7.1f} ms,"
        f" max {max(inpage):7.1f} ms; load event, result texts read: p50 {load:7.1f} ms)"
    )


def portal_search(n: int, samples: int, clients: int) -> None:
    from specbook.services.zeroconf import open_book
    from specbook.store import parse_query, synced_store

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        gen.generate(root, n)
        store, _ = synced_store(open_book(root))
        cli: dict[int, list[float]] = {20: [], 50: []}  # `specbook search`'s limit; the page's
        cli_cpu: dict[int, float] = {}
        for limit, values in cli.items():
            for word in WORDS * 3:  # warm-up, as the portal's
                store.search(parse_query(word), limit)
            cpu = time.process_time()
            for i in range(samples):
                t = time.perf_counter()
                store.search(parse_query(WORDS[i % len(WORDS)]), limit)
                values.append((time.perf_counter() - t) * 1000)
            cli_cpu[limit] = (time.process_time() - cpu) / samples * 1000
        store.close()
        proc, port, _ = start_portal(root)
        try:
            client = Client(port)
            wait_until(lambda: client.get("/")[0] == 200, 600)
            # the background lint of the whole book takes the CPU the requests would
            wait_until(lambda: "checking…" not in client.get("/")[1].decode(), 1200)
            paths = [f"/search?q={w}" for w in WORDS]
            for p in paths * 3:
                client.timed(p)
            cpu = _cpu_seconds(proc.pid)
            web = [client.timed(paths[i % len(paths)]) for i in range(samples)]
            web_cpu = (_cpu_seconds(proc.pid) - cpu) / samples * 1000
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
    rows = (
        ("specbook search (20 hits)", cli[20], cli_cpu[20]),
        ("specbook search (50 hits)", cli[50], cli_cpu[50]),
        ("serve /search (50 hits)  ", web, web_cpu),
    )
    for name, values, cpu_ms in rows:
        p50, p95 = statistics.median(values), _pct(values, 0.95)
        print(f"  {name}  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  CPU {cpu_ms:6.2f} ms")
    web50 = statistics.median(web)
    for limit in (20, 50):
        ratio = web50 / statistics.median(cli[limit])
        print(
            f"  serve / specbook search ({limit} hits): p50 {ratio:.2f}x,"
            f" CPU {web_cpu / cli_cpu[limit]:.2f}x"
        )
    print(f"  serve /search, {clients} clients: {rps:.0f} requests/s")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process ``pid`` has used, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
