"""The snapshot's copy of each parsed document (``specbook.core.stored``), per document.

    .venv/bin/python bench/stored_bench.py [N] [--repeat R]

On N generated documents (default 500) and on every corpus and example book file, in
one process with the command's collector settings, prints per document: the source
size, the stored data's size, ``dump`` (CPU), inserting the data into a ``lint_files``
table as the lint cache does (CPU, one transaction), ``load`` (the header, CPU) and
``load`` with every part built (CPU); each the best of R rounds (default 7). Every
document is first checked to load equal to its parse, part for part.

For an A/B against another checkout, run its copy with this file's path on
``PYTHONPATH`` pointing at that checkout's ``src`` (and its C module built).
"""

from __future__ import annotations

import argparse
import inspect
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen
import specbook.cli._gc  # noqa: F401  (the collector tuning the command has)
from specbook.core import stored
from specbook.parse import parse, scan

REPO = Path(__file__).resolve().parents[1]
PARTS = (
    "sections", "requirements", "references", "checklists", "tables", "code_blocks",
    "links", "review_history", "flat_sections", "metadata",
)  # fmt: skip


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def _measure(label: str, files: list[Path], repeat: int, tmp: Path) -> None:
    # (either version of the API: an older checkout passes no line index to load)
    pack = getattr(scan, "pack", None) or getattr(scan, "plain", None)
    params = inspect.signature(stored.load).parameters
    kw: dict[str, Any] = {"line_starts": scan.line_starts} if "line_starts" in params else {}
    datas = [f.read_bytes() for f in files]
    docs = [parse(d, f.name) for d, f in zip(datas, files, strict=True)]
    blobs = [stored.dump(d, pack) for d in docs]
    for data, blob, doc, f in zip(datas, blobs, docs, files, strict=True):
        again = stored.load(blob, data, (), scan.revive, **kw)
        assert again == doc, f
        assert all(getattr(again, p) == getattr(doc, p) for p in PARTS), f

    def dump() -> None:
        for d in docs:
            stored.dump(d, pack)

    def insert() -> None:
        db = sqlite3.connect(tmp / f"{label}-{time.monotonic_ns()}.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(
            "CREATE TABLE lint_files (rel TEXT PRIMARY KEY, mtime INTEGER, size INTEGER,"
            " hash TEXT, findings BLOB, facts BLOB, doc BLOB, days TEXT)"
        )
        rows = [(str(i), 1, 2, f"h{i}", b"", b"", b, "") for i, b in enumerate(blobs)]
        db.execute("BEGIN")
        db.executemany("INSERT INTO lint_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        db.close()

    def load() -> None:
        for b, d in zip(blobs, datas, strict=True):
            stored.load(b, d, (), scan.revive, **kw)

    def load_parts() -> None:
        for b, d in zip(blobs, datas, strict=True):
            doc = stored.load(b, d, (), scan.revive, **kw)
            for p in PARTS:
                getattr(doc, p)

    n = len(docs)
    us = 1e6 / n
    print(
        f"{label:9} {n:4} docs  source {sum(map(len, datas)) / n / 1024:5.1f} KB"
        f"  stored {sum(map(len, blobs)) / n / 1024:5.2f} KB"
        f"  dump {_best(dump, repeat) * us:5.1f} us  insert {_best(insert, repeat) * us:5.1f} us"
        f"  load {_best(load, repeat) * us:5.1f} us"
        f"  load+parts {_best(load_parts, repeat) * us:5.1f} us"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "book"
        generated = sorted(gen.generate(root, args.n, seed=1))
        corpus = sorted((REPO / "tests/corpus").rglob("*.md"))
        corpus += sorted((REPO / "examples").rglob("*.md"))
        _measure("generated", generated, args.repeat, Path(tmp))
        _measure("corpus", corpus, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
