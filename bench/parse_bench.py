"""Parse throughput on generated spec documents, beside a plain read of the same files.

    .venv/bin/python bench/parse_bench.py [N] [--repeat R]

Generates N documents (default 10,000) into a temporary book, then in the same run
and on one core measures: reading every file's bytes (the floor); reading plus
parsing every file into a Document (identity and fields; the other parts are built
on first access); and the same with every part of the model built. Prints
documents/s and MB/s for each, as the median of R rounds (default 3), and which block
scanner read how many documents: the C one (specbook.parse.scan._cscan, built by
``pip install -e .``), the pure-Python one (specbook.parse.scan.fast) or pyromark.

``SPECBOOK_PURE_PYTHON=1 .venv/bin/python bench/parse_bench.py`` measures without the C
module (the variable is read when specbook.parse is imported).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen
from specbook.core.config import load_config
from specbook.parse import ParseContext, context_for, which_scanner
from specbook.parse import core as parse_core


def _read_all(paths: list[Path]) -> int:
    total = 0
    for p in paths:
        total += len(p.read_bytes())
    return total


def _parse_all(paths: list[Path], root: Path, ctx: ParseContext) -> int:
    total = 0
    for p in paths:
        data = p.read_bytes()
        parse_core.parse_document(data, p.relative_to(root).as_posix(), ctx)
        total += len(data)
    return total


def _parse_full(paths: list[Path], root: Path, ctx: ParseContext) -> int:
    """Parse and build every part of the model (sections, requirements, tables…)."""
    total = 0
    for p in paths:
        data = p.read_bytes()
        doc = parse_core.parse_document(data, p.relative_to(root).as_posix(), ctx)
        for part in (
            doc.sections,
            doc.requirements,
            doc.references,
            doc.checklists,
            doc.tables,
            doc.code_blocks,
            doc.links,
            doc.review_history,
        ):
            total += len(part)
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        paths = gen.generate(root, args.n)
        print(f"generated {len(paths)} documents in {time.perf_counter() - t0:.1f} s")
        ctx = context_for(load_config(root / "specbook.toml"))
        size = _read_all(paths)
        # (generated documents have no BOM and no front matter: their bytes are what the
        # parser hands a scanner)
        scanners = Counter(which_scanner(p.read_bytes()) for p in paths)
        _parse_all(paths[:200], root, ctx)  # warm caches of the context
        rows = []
        for label, fn in (
            ("plain read", lambda: _read_all(paths)),
            ("read + parse", lambda: _parse_all(paths, root, ctx)),
            ("+ all parts", lambda: _parse_full(paths, root, ctx)),
        ):
            times = []
            for _ in range(args.repeat):
                gc.collect()
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            med = statistics.median(times)
            rows.append((label, len(paths) / med, size / med / 1e6, med))
        print(
            f"{len(paths)} documents, {size / 1e6:.1f} MB, median of {args.repeat} rounds, one core"
        )
        for label, dps, mbs, med in rows:
            print(f"  {label:<13} {dps:>10,.0f} documents/s  {mbs:>7.1f} MB/s  ({med:.2f} s)")
        print(f"  parse / plain read time ratio: {rows[1][3] / rows[0][3]:.1f}x")
        print(
            f"  block scanner: C {scanners['c']}, Python {scanners['python']}, "
            f"pyromark {scanners['pyromark']} of {len(paths)} documents"
        )


if __name__ == "__main__":
    main()
