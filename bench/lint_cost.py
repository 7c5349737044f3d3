"""Where a cold lint's time goes: per document, on one core, phase by phase and rule by rule.

    .venv/bin/python bench/lint_cost.py [N] [--repeat R]

Generates N spec documents (default 2,000) and lints them as a cold `specbook lint`
does on one core, timing each step separately, in microseconds per document (the
best of R rounds, default 3, so that the machine's noise counts least):
- read: the file's bytes;
- parse: the document's fields and block structure (``specbook.parse.parse``);
- model: its sections, requirements, references, checklists, tables, code blocks,
  links and Review History, built on first use (the rules would build them);
- the document rules and the findings made of their reports, then the facts book
  rules take of each document;
- book rules over every document's facts, as one figure divided by N;
- each document rule on its own, costliest first (the SQL, YAML and
  requirement-specifier checkers included, with the memory of answers one run has).

It ends with the total beside the budget of the cold target in DESIGN.md: 3,000
documents per second per core is 333 µs per document for all of it. Nothing here is
kept between rounds: specbook's in-process caches are emptied before each. The
libraries the checkers use (sqlglot, PyYAML, packaging) are imported before timing:
a process pays that once (~0.3 s), not per document.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen
import specbook.cli._gc  # noqa: F401  (the collector tuning the command has)
from specbook.core.model import Document
from specbook.lint import verdicts
from specbook.lint.engine import Linter
from specbook.lint.facts import DocFacts
from specbook.lint.registry import RuleContext
from specbook.parse import parse
from specbook.services.zeroconf import open_book

TARGET = 3_000  # documents per second per core, cold (DESIGN.md, Measures)
MODEL_PARTS = (
    "sections", "requirements", "references", "checklists", "tables", "code_blocks", "links",
    "review_history",
)  # fmt: skip


def _best(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        gen.generate(root, args.n)
        book = open_book(root)
        config = book.config
        linter = Linter(config)
        paths = book.path_strings()
        rels = [book.rel(p) for p in paths]
        n = len(paths)
        datas = [Path(p).read_bytes() for p in paths]
        phases = ("read", "parse", "model", "rules", "facts")
        best = dict.fromkeys(phases, float("inf"))
        per_rule: dict[str, float] = {}
        facts: list[DocFacts] = []
        # (the checkers' libraries imported first: once per process, ~0.3 s, not per document)
        linter.lint_document(parse(datas[0], rels[0], config))
        for _ in range(args.repeat):
            _forget()
            spent = dict.fromkeys(phases, 0.0)
            rule_spent: dict[str, float] = {}
            facts = []
            verdicts.attach(None)  # (a run's own memory of answers, fresh each round)
            for path, rel in zip(paths, rels, strict=True):
                t0 = time.perf_counter()
                with open(path, "rb") as fh:
                    data = fh.read()
                t1 = time.perf_counter()
                doc = parse(data, rel, config)
                t2 = time.perf_counter()
                for part in MODEL_PARTS:
                    getattr(doc, part)
                t3 = time.perf_counter()
                linter.lint_document(doc)
                t4 = time.perf_counter()
                facts.append(linter.facts(doc))
                t5 = time.perf_counter()
                for name, a, b in zip(
                    phases, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5), strict=True
                ):
                    spent[name] += b - a
            verdicts.attach(None)
            # then each rule on its own, in a pass of its own (the same memory of
            # checker answers as a run has)
            _forget()
            for data, rel in zip(datas, rels, strict=True):
                doc = parse(data, rel, config)
                for part in MODEL_PARTS:
                    getattr(doc, part)
                _each_rule(linter, doc, rule_spent)
            verdicts.attach(None)
            for name in phases:
                best[name] = min(best[name], spent[name])
            for name, t in rule_spent.items():
                per_rule[name] = min(per_rule.get(name, float("inf")), t)
        book_t = _best(args.repeat, lambda: linter.lint_book(facts, False))
        rows = [
            ("read", best["read"]),
            ("parse", best["parse"]),
            ("model (sections, tables, … built)", best["model"]),
            ("document rules, with their findings", best["rules"]),
            ("facts for book rules", best["facts"]),
            ("book rules (over all, per document)", book_t),
        ]
        rules_total = sum(per_rule.values())
        total = sum(t for _, t in rows)
        us = 1e6 / n
        print(f"{n} generated documents, one core; µs per document, best of {args.repeat}")
        for name, t in rows:
            print(f"  {name:<40} {t * us:8.0f}")
        print(f"  {'total':<40} {total * us:8.0f}   ({n / total:,.0f} documents/s)")
        print(f"  {'budget for ' + format(TARGET, ',') + ' documents/s':<40} {1e6 / TARGET:8.0f}")
        print(
            f"document rules one by one, costliest first (together {rules_total * us:,.0f}; "
            "the rest of their line above is making findings):"
        )
        ranked = sorted(per_rule.items(), key=lambda r: -r[1])
        for name, t in ranked[:15]:
            print(f"  {name:<40} {t * us:8.0f}")
        rest = sum(t for _, t in ranked[15:])
        print(f"  {f'the other {len(ranked[15:])}':<40} {rest * us:8.0f}")


def _forget() -> None:
    """Empty specbook's in-process caches (``functools.lru_cache``): each round starts
    as a new process would."""
    for name, module in list(sys.modules.items()):
        if name.startswith("specbook.") and module is not None:
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


def _each_rule(linter: Linter, doc: Document, spent: dict[str, float]) -> None:
    """Each document rule on ``doc`` on its own, its time added to ``spent``."""
    kind = linter.config.kinds.get(doc.kind) if doc.kind else None
    template = linter._template(kind)
    for a in linter.document_rules:
        check = a.rule.check
        assert check is not None
        t = time.perf_counter()
        for _ in check(doc, RuleContext(linter.config, kind, a.options, linter.today, template)):
            pass
        key = f"{a.rule.id} {a.rule.name}"
        spent[key] = spent.get(key, 0.0) + time.perf_counter() - t


if __name__ == "__main__":
    main()
