"""Index and search on generated documents: build, incremental sync, query latency.

    .venv/bin/python bench/index_bench.py [N] [--repeat R] [--queries Q]

Generates N spec documents (default 10,000) into a temporary book and prints:
- a plain read of every file (the floor for any sync);
- a cold index build (parse every file, store every row, FTS), median of R;
- a sync with nothing changed, and an incremental sync after editing one file
  (median of R edits, each to a different file);
- search latency p50 / p95 over Q queries (default 100: one and two words, a phrase,
  a prefix, with and without field filters), beside a naive in-memory substring scan
  over every document's text measured in the same run, as a baseline.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen
from specbook.services.zeroconf import open_book
from specbook.store import open_store, parse_query, sync


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _queries(texts: list[str], count: int, rng: random.Random) -> list[str]:
    words = sorted({w for t in texts[:200] for w in re.findall(r"[a-z]{5,}", t.lower())})
    out = []
    for i in range(count):
        a, b = rng.choice(words), rng.choice(words)
        shape = i % 5
        if shape == 0:
            out.append(a)
        elif shape == 1:
            out.append(f"{a} {b}")
        elif shape == 2:
            text = rng.choice(texts)
            pair = re.findall(r"[a-z]{4,} [a-z]{4,}", text.lower())
            out.append(f'"{rng.choice(pair)}"' if pair else a)
        elif shape == 3:
            out.append(a[:4] + "*")
        else:
            out.append(f"{a} status:{rng.choice(['approved', 'review', 'draft'])}")
    return out


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--queries", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = gen.generate(root, args.n)
        book = open_book(root)
        db = root / ".specbook" / "index.db"

        t_read = _median(lambda: [p.read_bytes() for p in paths], args.repeat)

        def cold() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
            store = open_store(book)
            sync(store, book, full=True)
            store.close()

        t_cold = _median(cold, args.repeat)
        store = open_store(book)
        sync(store, book)
        t_nochange = _median(lambda: sync(store, book), args.repeat)
        incr = []
        for k in range(max(args.repeat, 5)):
            p = paths[(k * 7919) % len(paths)]
            p.write_bytes(p.read_bytes() + f"\nEdited {k}.\n".encode())
            t = time.perf_counter()
            stats = sync(store, book)
            incr.append(time.perf_counter() - t)
            assert stats.updated == 1, stats
        t_incr = statistics.median(incr)

        texts = [p.read_text(encoding="utf-8") for p in paths]
        queries = _queries(texts, args.queries, random.Random(7))
        lat = []
        hits = 0
        for q in queries:
            parsed = parse_query(q)
            t = time.perf_counter()
            hits += bool(store.search(parsed, 20))
            lat.append((time.perf_counter() - t) * 1000)
        lowered = [t.lower() for t in texts]
        naive = []
        for q in queries:
            needle = q.split()[0].strip('"*')
            t = time.perf_counter()
            _ = [i for i, t_ in enumerate(lowered) if needle in t_][:20]
            naive.append((time.perf_counter() - t) * 1000)
        store.close()

        n = len(paths)
        size = sum(len(t) for t in texts) / 1e6
        print(f"{n} documents, {size:.1f} MB; medians of {args.repeat}")
        print(f"  plain read of every file     {t_read:8.3f} s")
        print(f"  index build, cold            {t_cold:8.2f} s  ({n / t_cold:,.0f} docs/s)")
        print(f"  sync, nothing changed        {t_nochange:8.3f} s")
        print(f"  sync after editing one file  {t_incr:8.3f} s  (median of {len(incr)})")
        p50, p95 = statistics.median(lat), _pct(lat, 0.95)
        b50 = statistics.median(naive)
        print(
            f"  search p50 / p95             {p50:8.2f} / {p95:.2f} ms"
            f" over {len(lat)} queries ({hits} with hits)"
        )
        print(f"  naive substring scan p50     {b50:8.2f} ms  (search is {b50 / p50:.0f}x faster)")
        print(f"  index size                   {db.stat().st_size / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
