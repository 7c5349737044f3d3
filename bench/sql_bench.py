"""What SB601's SQL check and SB602's YAML check cost: the old checkers against the new.

    .venv/bin/python bench/sql_bench.py [N] [--repeat R]

Generates N spec documents (default 500, bench/gen.py) and takes the ```sql and
```yaml blocks of their Data Model and Configuration Changes sections. Each block is
checked by each checker with no cache (the rule's in-process and lint-cache memories
are left out: every block is new text); the figure is the median over R rounds (default
5) of the time per block and per document (the blocks of one document together):

- SQL, old: sqlglot's generic dialect (``sqlglot.parse``), as SB601 did before;
- SQL, new: ``specbook.lint.sqlcheck.sql_problem`` (PostgreSQL's parser, pgparse);
- the same two on the blocks in the mysql dialect (new: sqloxide, sqlglot's opinion
  only when sqloxide rejects);
- YAML, old: ``yaml.load_all`` with the C loader; new: libyaml's events
  (``content._yaml_problem``).
The libraries are imported before timing.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlglot
import yaml

import gen
from specbook.lint.rules import content
from specbook.lint.sqlcheck import sql_problem

FENCE = re.compile(r"^```(sql|yaml)\n(.*?)^```", re.S | re.M)


def _old_sql(text: str, dialect: str | None) -> object:
    try:
        sqlglot.parse(text, read=dialect)
    except Exception as exc:
        return str(exc)
    return None


def _old_yaml(text: str) -> object:
    try:
        for _ in yaml.load_all(text, Loader=yaml.CSafeLoader):
            pass
    except yaml.YAMLError as exc:
        return str(exc)
    return None


def _median(repeat: int, docs: list[list[str]], check: Callable[[str], object]) -> float:
    """Median seconds over ``repeat`` rounds of checking every block of every document."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for blocks in docs:
            for text in blocks:
                check(text)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        paths = gen.generate(Path(tmp), args.n)
        sql_docs: list[list[str]] = []
        yaml_docs: list[list[str]] = []
        for p in paths:
            text = Path(p).read_text(encoding="utf-8")
            found = FENCE.findall(text)
            sql_docs.append([b for lang, b in found if lang == "sql"])
            yaml_docs.append([b for lang, b in found if lang == "yaml"])
    n_docs = len(sql_docs)
    sql_blocks = sum(len(b) for b in sql_docs)
    yaml_blocks = sum(len(b) for b in yaml_docs)
    # warm the imports (once per process, not per document)
    sql_problem("SELECT 1", "sql")
    sql_problem("SELECT 1", "mysql")
    _old_sql("SELECT 1", None)
    content._yaml_problem("a: 1")

    def new_yaml(text: str) -> object:
        return content._yaml_problem.__wrapped__(text)

    rows = [
        ("SQL, old: sqlglot", sql_docs, lambda t: _old_sql(t, None), sql_blocks),
        ("SQL, new: pgparse (sql)", sql_docs, lambda t: sql_problem(t, "sql"), sql_blocks),
        ("SQL mysql, old: sqlglot", sql_docs, lambda t: _old_sql(t, "mysql"), sql_blocks),
        ("SQL mysql, new: sqloxide", sql_docs, lambda t: sql_problem(t, "mysql"), sql_blocks),
        ("YAML, old: safe load", yaml_docs, _old_yaml, yaml_blocks),
        ("YAML, new: libyaml events", yaml_docs, new_yaml, yaml_blocks),
    ]
    print(
        f"{n_docs} generated documents ({sql_blocks} sql blocks, {yaml_blocks} yaml blocks); "
        f"median of {args.repeat} rounds, no cache"
    )
    print(f"  {'checker':<28} {'µs/block':>9} {'µs/document':>12}")
    figures = {}
    for name, docs, check, blocks in rows:
        t = _median(args.repeat, docs, check)
        figures[name] = t
        print(f"  {name:<28} {t * 1e6 / max(blocks, 1):9.1f} {t * 1e6 / n_docs:12.1f}")
    for old, new in ((0, 1), (2, 3), (4, 5)):
        a, b = rows[old][0], rows[new][0]
        print(f"  {b} is {figures[a] / figures[b]:.1f}x faster than {a.split(',')[0]} old")


if __name__ == "__main__":
    main()
