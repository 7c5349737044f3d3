"""``specbook export --format json`` of a generated book, timed from the shell.

    .venv/bin/python bench/export_bench.py [N] [--repeat R] [--vs SPECBOOK]

Generates N spec documents (default 2,000) into a temporary book and prints the
median wall time of R runs (default 5) of ``specbook export --format json --out FILE``
as a user runs it (start-up included), and the size of the file. ``--vs`` names
another ``specbook`` executable (another checkout's ``.venv/bin/specbook``, such as
main's) run in turn with this one on the same book, for a same-run ratio on a
machine whose speed drifts. Target (issue 19): 2,000 documents in 1 s or less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen

HERE = Path(sys.executable).parent / "specbook"


def _run(specbook: str, root: Path, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run(
        [specbook, "export", "--format", "json", "--out", str(out)],
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--vs", help="another specbook executable, timed in turn with this one")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "book"
        gen.generate(root, args.n, seed=1)
        out = Path(tmp) / "book.json"
        runs: dict[str, list[float]] = {"this": [], "vs": []}
        for _ in range(args.repeat):
            runs["this"].append(_run(str(HERE), root, out))
            if args.vs:
                runs["vs"].append(_run(args.vs, root, Path(tmp) / "vs.json"))
        size = os.path.getsize(out) / 1e6
        this = statistics.median(runs["this"])
        print(f"export --format json, {args.n} documents ({size:.1f} MB): {this:.2f} s median")
        if args.vs:
            other = statistics.median(runs["vs"])
            ratios = statistics.median(a / b for a, b in zip(runs["this"], runs["vs"], strict=True))
            print(f"  {args.vs}: {other:.2f} s median; this / that, pair by pair: {ratios:.2f}")


if __name__ == "__main__":
    main()
