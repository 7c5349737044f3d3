"""``specbook build`` of a generated book: cold, after editing one document, unchanged.

    .venv/bin/python bench/site_bench.py [N] [--repeat R] [--vs SPECBOOK]

Generates N spec documents (default 1,000) into a temporary git-less book and times
``specbook build --out SITE`` from the shell (start-up included), median of R runs
(default 3) each:
- cold: no site and no ``.specbook`` folder (index, lint cache, everything afresh);
- new site: no site, the book's ``.specbook`` caches warm;
- one edit: over the previous site, after a line was added to one document (a
  different one each run);
- no change: over the previous site, nothing edited.
``--vs`` names another ``specbook`` executable (such as main's
``.venv/bin/specbook``) timed the same way, in turn with this one, on its own copy
of the book, for a same-run ratio on a machine whose speed drifts. Modules are
byte-compiled (this side's first; the other's by its first build, which a median of
three or more leaves out). Each case also gets a line of the builds' CPU time (the
process and its worker processes, user and system), which a shared machine's load
disturbs less than wall time.
Targets (issue 19): cold 5 s or less, one edit 1 s or less, for 1,000 documents.
"""

from __future__ import annotations

import argparse
import compileall
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

HERE = str(Path(sys.executable).parent / "specbook")
# byte-compiled modules, as an installed specbook has them (with PYTHONDONTWRITEBYTECODE
# set, a checkout never compiled would compile every module its builds import in each
# build; this side's are compiled first, the other's by its first build)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CASES = ("cold", "new site", "one edit", "no change")


def _cpu() -> float:
    """CPU seconds of the ended child processes so far (their own children included)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _build(specbook: str, root: Path, out: dict[str, float], case: str) -> None:
    """Time one build as ``out[case]`` (wall) and ``out[case + " cpu"]``."""
    t, cpu = time.perf_counter(), _cpu()
    subprocess.run(
        [specbook, "build", "--out", str(root.parent / "site")],
        cwd=root,
        env=ENV,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out[case] = time.perf_counter() - t
    out[case + " cpu"] = _cpu() - cpu


def _round(specbook: str, root: Path, edit: Path) -> dict[str, float]:
    site = root.parent / "site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(root / ".specbook", ignore_errors=True)
    out: dict[str, float] = {}
    _build(specbook, root, out, "cold")
    shutil.rmtree(site)
    _build(specbook, root, out, "new site")
    text = edit.read_text(encoding="utf-8")
    edit.write_text(text.replace("\n", "\n\nEdited by site_bench.\n", 1), encoding="utf-8")
    _build(specbook, root, out, "one edit")
    _build(specbook, root, out, "no change")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--vs", help="another specbook executable, timed in turn with this one")
    args = ap.parse_args()
    import specbook

    compileall.compile_dir(str(Path(specbook.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        books = {"this": Path(tmp) / "this" / "book"}
        gen.generate(books["this"], args.n, seed=1)
        if args.vs:
            books["vs"] = Path(tmp) / "vs" / "book"
            shutil.copytree(books["this"], books["vs"])
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in books}
        for i in range(args.repeat):
            for who, root in books.items():
                docs = sorted((root / "docs" / "specs").glob("*.md"))
                specbook = HERE if who == "this" else str(args.vs)
                runs[who].append(_round(specbook, root, docs[(i * 37) % len(docs)]))
        print(f"specbook build, {args.n} documents, median of {args.repeat}:")
        for case in [c + kind for c in CASES for kind in ("", " cpu")]:
            this = [r[case] for r in runs["this"]]
            line = f"  {case:<14} {statistics.median(this):6.2f} s"
            if args.vs:
                that = [r[case] for r in runs["vs"]]
                ratio = statistics.median(a / b for a, b in zip(this, that, strict=True))
                line += f"   vs {statistics.median(that):6.2f} s   this/that {ratio:.2f}"
            print(line)


if __name__ == "__main__":
    main()
