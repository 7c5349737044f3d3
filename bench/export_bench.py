"""``specbook export --format json`` of a generated book, timed from the shell.

    .venv/bin/python bench/export_bench.py [N] [--repeat R] [--vs SPECBOOK]
                                           [--cases first,after-lint,again] [--format json]

Generates N spec documents (default 2,000) into a temporary book and prints, for each
case, the median wall time and the median CPU time (the command's process and its
worker processes) of R runs (default 5) of ``specbook export --format json --out
FILE`` as a user runs it (start-up included, modules byte-compiled):

- ``first``: the first export of a fresh book (no ``.specbook``): every document parsed;
- ``after-lint``: the first export after ``specbook lint`` (not timed), whose snapshot
  holds each document's parse but no export line yet;
- ``again``: an export after an export, nothing changed.

``--vs`` names another ``specbook`` executable (another checkout's ``.venv/bin/
specbook``, such as main's), run in turn with this one, each on its own copy of the
book (each keeps its own snapshot), for same-run ratios on a machine whose speed
drifts; their outputs are compared byte for byte. Target (issue 19): 2,000 documents
in 1 s or less.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen

HERE = Path(sys.executable).parent / "specbook"
CASES = ("first", "after-lint", "again")
# byte-compiled modules, as an installed specbook has them (a checkout run with
# PYTHONDONTWRITEBYTECODE would compile every module on each start)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(specbook: str, root: Path, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``specbook ARGS`` in ``root``."""
    cpu, t = _cpu(), time.perf_counter()
    subprocess.run(
        [specbook, *args],
        cwd=root,
        check=True,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t, _cpu() - cpu


def _case(specbook: str, root: Path, case: str, fmt: str) -> tuple[float, float]:
    export = ("export", "--format", fmt, "--out", str(root.parent / f"out.{fmt}"))
    if case in ("first", "after-lint"):
        shutil.rmtree(root / ".specbook", ignore_errors=True)
    if case == "after-lint":
        subprocess.run([specbook, "lint"], cwd=root, env=ENV, capture_output=True, check=False)
    elif case == "again":
        _run(specbook, root, *export)
    return _run(specbook, root, *export)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--vs", help="another specbook executable, timed in turn with this one")
    ap.add_argument("--cases", default=",".join(CASES), help="which of " + ", ".join(CASES))
    ap.add_argument("--format", dest="fmt", choices=("json", "csv"), default="json")
    args = ap.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    for c in cases:
        if c not in CASES:
            ap.error(f"--cases: {c!r} is not one of {', '.join(CASES)}")
    with tempfile.TemporaryDirectory() as tmp:
        exes = {"this": str(HERE)} | ({"vs": args.vs} if args.vs else {})
        roots = {}
        for name in exes:
            roots[name] = Path(tmp) / name / "book"  # (the same folder name: the same output)
            gen.generate(roots[name], args.n, seed=1)
        runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.repeat):
            for case in cases:
                for name, exe in exes.items():
                    runs.setdefault((case, name), []).append(
                        _case(exe, roots[name], case, args.fmt)
                    )
        out = roots["this"].parent / f"out.{args.fmt}"
        size = os.path.getsize(out) / 1e6
        print(f"export --format {args.fmt}, {args.n} documents ({size:.1f} MB), {args.repeat} runs")
        for case in cases:
            this = runs[(case, "this")]
            wall = statistics.median(w for w, _ in this)
            cpu = statistics.median(c for _, c in this)
            line = f"  {case:10} {wall:5.2f} s wall, {cpu:5.2f} s CPU (medians)"
            if args.vs:
                that = runs[(case, "vs")]
                ratio = statistics.median(a[0] / b[0] for a, b in zip(this, that, strict=True))
                line += (
                    f"; --vs: {statistics.median(w for w, _ in that):5.2f} s wall, "
                    f"{statistics.median(c for _, c in that):5.2f} s CPU; "
                    f"this / that wall, pair by pair: {ratio:.2f}"
                )
            print(line)
        if args.vs:
            same = out.read_bytes() == (roots["vs"].parent / f"out.{args.fmt}").read_bytes()
            print(f"  the two outputs are {'the same' if same else 'DIFFERENT'}, byte for byte")


if __name__ == "__main__":
    main()
