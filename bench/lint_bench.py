"""Lint throughput on generated documents: cold, warm, and one file from the shell.

    .venv/bin/python bench/lint_bench.py [N] [--repeat R]

Generates N spec documents (default 10,000) into a temporary book, committed to a
git repository as a real book is (rule SB505 reads the approved documents' history),
and prints, each as the median of R rounds (default 3):
- a plain read of every file (the floor);
- a cold lint (no cache) on one core, and on every core;
- a first `specbook lint` on one core (no `.specbook/` yet): the cold lint that also
  writes the snapshot (the lint cache and the index rows of what it parsed), as a
  fresh clone's first lint does;
- a warm lint with nothing changed (cache hit for every file);
- the first lint of a new day, nothing changed (the findings of the rules that read
  the day made again, from the stored parses, only for the documents whose findings
  of them change that day: the generated book's stale reviews; the others kept);
- `specbook lint FILE` on one file, wall time including interpreter start-up (and the
  process's CPU time, user + system, which a busy shared machine inflates less), in books
  of 100, 1,000 and N documents whose cache is warm (a pre-commit hook's case): the
  file unchanged, and just edited (a line of prose added). Book-wide rules see every
  document, so the time grows with the book: each file is listed and stat'ed, and
  the others' IDs and links read from the cache. Also in the 100-document book with
  ``--no-cache`` (every document parsed);
- a first `specbook lint FILE` in the N-document book with no cache at all (a fresh
  clone in CI: the others are parsed for their IDs and links only);
- a first `specbook lint --changed HEAD~1` there, one document changed by the last
  commit (a CI job checking a pull request in a fresh clone).

specbook's modules are byte-compiled first (``compileall``), as an installed package
is, so that start-up is measured without compiling source even where
PYTHONDONTWRITEBYTECODE is set.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen
import specbook.cli._gc  # noqa: F401  (the collector tuning the command has)
from specbook.cli.lint import _lint_in
from specbook.lint.engine import Linter
from specbook.lint.run import lint_files
from specbook.services.zeroconf import open_book


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _git(root: Path, *args: str) -> None:
    """Run git in ``root`` without the machine's config."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def _commit(root: Path) -> None:
    """Make ``root`` a git repository with everything committed."""
    (root / ".gitignore").write_text(".specbook/\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "book"]):
        _git(root, *args)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = gen.generate(root, args.n)
        _commit(root)
        book = open_book(root)
        linter = Linter(book.config)
        files = book.paths()

        def read_all() -> None:
            for p in files:
                p.read_bytes()

        def cold(jobs: int) -> Callable[[], object]:
            return lambda: lint_files(book, linter, files, [], [], use_cache=False, jobs=jobs)

        def warm() -> None:
            lint_files(book, linter, files, [], [], use_cache=True)

        def first() -> None:
            shutil.rmtree(root / ".specbook", ignore_errors=True)
            _lint_in(open_book(root), True, [], (), (), False, 1, False, None)

        t_read = _median(read_all, args.repeat)
        t_cold1 = _median(cold(1), args.repeat)
        t_first = _median(first, args.repeat)
        t_coldn = _median(cold(cores), args.repeat)
        shutil.rmtree(root / ".specbook", ignore_errors=True)
        warm()  # fill the cache
        t_warm = _median(warm, args.repeat)
        days = iter(range(1, 1000))

        def new_day() -> None:
            later = Linter(book.config, today=linter.today + dt.timedelta(days=next(days)))
            lint_files(book, later, files, [], [], use_cache=True)

        t_new_day = _median(new_day, args.repeat)
        result, _ = lint_files(book, linter, files, [], [], use_cache=True)

        exe = Path(sys.executable).with_name("specbook")
        import specbook

        compileall.compile_dir(Path(specbook.__file__).parent, quiet=1)

        def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
            """(wall, CPU) seconds of one run of ``cmd``: the CPU time (user + system,
            the child's own) is what a busy, shared machine does not inflate."""
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            return wall, cpu

        def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
            """Median wall and median CPU, in ms."""
            return (
                statistics.median(w for w, _ in runs) * 1000,
                statistics.median(c for _, c in runs) * 1000,
            )

        def shell(book_root: Path, one: Path, *flags: str) -> tuple[float, float]:
            cmd = [str(exe), "lint", *flags, str(one)]
            return medians([timed(cmd, book_root) for _ in range(max(5, args.repeat))])

        Shell = tuple[float, float]

        def single(book_root: Path, one: Path) -> tuple[Shell, Shell]:
            subprocess.run([str(exe), "lint"], cwd=book_root, capture_output=True, check=False)
            unchanged = shell(book_root, one)
            runs = []
            for k in range(max(5, args.repeat)):
                one.write_bytes(one.read_bytes() + f"\nEdited {k}.\n".encode())
                runs.append(timed([str(exe), "lint", str(one)], book_root))
            return unchanged, medians(runs)

        singles: list[tuple[int, Shell, Shell]] = []
        small_no_cache = (0.0, 0.0)
        for size in (100, 1000):
            if size >= args.n:
                continue
            sub = root / f"small-{size}"
            sub_paths = gen.generate(sub, size, seed=size)
            one = sub_paths[len(sub_paths) // 2]
            if size == 100:
                small_no_cache = shell(sub, one, "--no-cache")
            singles.append((size, *single(sub, one)))
        singles.append((args.n, *single(root, paths[len(paths) // 2])))

        # a first `lint FILE` (a fresh clone in CI): no cache at all
        first_runs: list[float] = []
        for _ in range(args.repeat):
            shutil.rmtree(root / ".specbook", ignore_errors=True)
            t = time.perf_counter()
            one = str(paths[len(paths) // 2])
            subprocess.run([str(exe), "lint", one], cwd=root, capture_output=True, check=False)
            first_runs.append(time.perf_counter() - t)
        t_first_file = statistics.median(first_runs)

        # a CI job's fresh clone checking a pull request that changed one document
        one = paths[len(paths) // 3]
        one.write_bytes(one.read_bytes() + b"\nEdited on the branch.\n")
        _git(root, "commit", "-q", "-am", "branch")
        changed_runs = []
        for _ in range(args.repeat):
            shutil.rmtree(root / ".specbook", ignore_errors=True)
            t = time.perf_counter()
            cmd = [str(exe), "lint", "--changed", "HEAD~1"]
            subprocess.run(cmd, cwd=root, capture_output=True, check=False)
            changed_runs.append(time.perf_counter() - t)
        t_changed = statistics.median(changed_runs)

        n = len(files)
        size = sum(p.stat().st_size for p in files) / 1e6
        print(f"{n} documents, {size:.1f} MB; medians of {args.repeat}")
        print(f"  plain read            {n / t_read:>9,.0f} docs/s  ({t_read:.2f} s)")
        print(f"  lint cold, 1 core     {n / t_cold1:>9,.0f} docs/s  ({t_cold1:.2f} s)")
        print(f"  lint cold, {cores} cores    {n / t_coldn:>9,.0f} docs/s  ({t_coldn:.2f} s)")
        print(
            f"  first `specbook lint`, 1 core, writing the snapshot "
            f"{n / t_first:>9,.0f} docs/s  ({t_first:.2f} s)"
        )
        print(f"  lint warm (no change) {t_warm:>9.3f} s")
        print(f"  lint, first of a new day (no change) {t_new_day:>9.3f} s")
        for size, unchanged, edited in singles:
            print(
                f"  `specbook lint FILE`, {size:,}-document book, cache warm: "
                f"{unchanged[0]:.0f} ms unchanged, {edited[0]:.0f} ms just edited (wall; "
                f"CPU {unchanged[1]:.0f} / {edited[1]:.0f} ms)"
            )
        if small_no_cache[0]:
            print(
                f"  `specbook lint --no-cache FILE`, 100-document book: "
                f"{small_no_cache[0]:.0f} ms (CPU {small_no_cache[1]:.0f} ms)"
            )
        print(
            f"  first `specbook lint FILE` (no cache yet), {n:,}-document book: "
            f"{t_first_file:.2f} s"
        )
        print(
            f"  first `specbook lint --changed HEAD~1` (no cache yet, one document "
            f"changed), {n:,}-document book: {t_changed:.2f} s"
        )
        print(f"  findings: {len(result.findings)} ({result.count('error')} errors)")


if __name__ == "__main__":
    main()
