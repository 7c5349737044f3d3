"""Zero-config: what inferring a book's config costs a command (issue 18).

For a generated book of N specs (``gen.py``, its specbook.toml removed) and for each
corpus of ``tests/corpus/`` (copied to a temporary folder), prints the CPU seconds of
:func:`specbook.services.zeroconf.inferred_config` in three states: cold (no ``.specbook/``:
every file read and parsed), after an edit of one file (the listing changed: inferred
again from the cached facts, the edited file parsed), and warm (nothing changed: the
listing is walked and the cached config read). CPU time, not wall time: on a shared
machine the wall clock measures the neighbours.

    .venv/bin/python bench/zeroconf_bench.py [N]   (default 2000)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def _cpu(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def measure(root: Path) -> tuple[float, float, float, int]:
    """(cold, after an edit, warm) CPU seconds, and the documents inferred."""
    from specbook.services.zeroconf import inferred_config

    state = root / ".specbook"

    def cold() -> object:
        shutil.rmtree(state, ignore_errors=True)
        return inferred_config(root)

    cold_s = _cpu(cold, repeat=2)
    files = sorted(root.rglob("*.md"))
    target = files[len(files) // 2]

    def edited() -> object:
        target.write_bytes(target.read_bytes() + b"\n")
        return inferred_config(root)

    inferred_config(root)
    edit_s = _cpu(edited)
    warm_s = _cpu(lambda: inferred_config(root), repeat=5)
    _, _, docs = inferred_config(root)
    return cold_s, edit_s, warm_s, docs


def main() -> None:
    from gen import generate

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rows: list[tuple[str, int, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "generated"
        generate(book, n)
        (book / "specbook.toml").unlink()
        cold, edit, warm, docs = measure(book)
        rows.append((f"generated ({n} specs)", docs, cold, edit, warm))
        for group in ("wild", "synthetic"):
            for src in sorted((ROOT / "tests" / "corpus" / group).iterdir()):
                if not src.is_dir():
                    continue
                root = Path(tmp) / src.name
                shutil.copytree(src, root)
                cold, edit, warm, docs = measure(root)
                rows.append((src.name, docs, cold, edit, warm))
    print(f"{'book':32} {'docs':>5} {'cold s':>8} {'edit s':>8} {'warm ms':>8}")
    for name, docs, cold, edit, warm in rows:
        print(f"{name:32} {docs:5} {cold:8.3f} {edit:8.3f} {warm * 1000:8.1f}")


if __name__ == "__main__":
    main()
