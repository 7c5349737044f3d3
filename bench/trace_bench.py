"""``specbook trace``, ``impact`` and ``graph`` of a generated book, timed from the shell.

    .venv/bin/python bench/trace_bench.py [N] [--repeat R] [--vs SPECBOOK]

Generates N spec documents (default 2,000) and a test file tagging every third one's
FR-1, and prints for each command the median wall time and CPU time (the process's and
its worker processes', user + system) of R runs (default 5) as a user runs them
(start-up included; modules byte-compiled first): cold (no ``.specbook``: a fresh
clone) and after a ``specbook lint`` (the snapshot holds every document). ``--vs``
names another ``specbook`` (an executable, or a checkout's ``src`` folder, run with
this Python) timed in turn with this one on its own copy of the book, for a same-run
ratio on a machine whose speed drifts; the outputs of the two are compared too.
Issue 19: after a lint, these commands parse nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen

HERE = str(Path(sys.executable).parent / "specbook")
COMMANDS = {
    "trace": ["trace", "--json"],
    "impact": ["impact", "--json", "src/billing_ledger/service.py", "config/x.yaml"],
    "graph": ["graph", "--format", "json"],
}


def _command(specbook: str) -> tuple[list[str], dict[str, str]]:
    """How to run ``specbook`` (an executable, or a ``src`` folder) and its environment."""
    env = dict(os.environ, SPECBOOK_TODAY="2026-11-20")
    if os.path.isdir(specbook):
        env["PYTHONPATH"] = specbook
        return [sys.executable, "-m", "specbook"], env
    return [specbook], env


def _run(specbook: str, root: Path, args: list[str]) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds (with worker processes) and stdout of one run."""
    cmd, env = _command(specbook)
    t = time.perf_counter()
    p = subprocess.Popen(
        [*cmd, *args], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert p.stdout is not None
    out = p.stdout.read()
    _pid, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed with {specbook}")
    return wall, usage.ru_utime + usage.ru_stime, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--vs", help="another specbook (executable or src folder), timed in turn")
    args = ap.parse_args()
    sides = {"this": HERE, **({"vs": args.vs} if args.vs else {})}
    # (byte-compiled first, both: with PYTHONDONTWRITEBYTECODE set, a checkout never
    # compiled would compile every module in every run, 0.4 s of CPU each)
    import compileall

    import specbook

    for folder in [str(Path(specbook.__file__).parent)] + [
        s for s in sides.values() if os.path.isdir(s)
    ]:
        compileall.compile_dir(folder, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        gen.generate(src, args.n, seed=1)
        (src / "tests").mkdir()
        (src / "tests/test_tags.py").write_text(
            "".join(
                f"def test_{i}():  # covers {gen.spec_id(i, args.n)}/FR-1\n    pass\n"
                for i in range(1, args.n + 1, 3)
            )
        )
        roots = {side: Path(tmp) / side for side in sides}
        for root in roots.values():
            shutil.copytree(src, root)  # (each its own snapshot: the code is in its key)
        times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
        outputs: dict[tuple[str, str], set[bytes]] = {}

        def measure(phase: str, rounds: int, fresh: bool) -> None:
            for _ in range(rounds):
                for name, command in COMMANDS.items():
                    for side, specbook in sides.items():
                        if fresh:
                            shutil.rmtree(roots[side] / ".specbook", ignore_errors=True)
                        wall, cpu, out = _run(specbook, roots[side], command)
                        times.setdefault((phase, name, side), []).append((wall, cpu))
                        outputs.setdefault((name, side), set()).add(out)

        measure("cold", max(2, args.repeat // 2), fresh=True)
        for side, specbook in sides.items():
            shutil.rmtree(roots[side] / ".specbook", ignore_errors=True)
            _run(specbook, roots[side], ["lint"])
        measure("after lint", args.repeat, fresh=False)
        print(f"{args.n} documents: median wall / CPU seconds (CPU with worker processes)")
        for (phase, name, side), runs in times.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            line = f"{phase:>10}  {name:<6} {side:<4} {wall:6.2f} / {cpu:6.2f}"
            if side == "vs":
                this = times[(phase, name, "this")]
                line += (
                    f"   this/vs: wall {statistics.median(w for w, _ in this) / wall:.2f},"
                    f" CPU {statistics.median(c for _, c in this) / cpu:.2f}"
                )
            print(line)
        if args.vs:
            for name in COMMANDS:
                same = outputs[(name, "this")] == outputs[(name, "vs")]
                print(f"{name}: the same output as --vs's in every run: {same}")


if __name__ == "__main__":
    main()
