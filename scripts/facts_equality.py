"""Whether two checkouts make the same index records and book-rule facts of every document.

    PYTHONPATH=<checkout A>/src python scripts/facts_equality.py dump A.pkl BOOK...
    PYTHONPATH=<checkout B>/src python scripts/facts_equality.py dump B.pkl BOOK...
    python scripts/facts_equality.py compare A.pkl B.pkl
    python scripts/facts_equality.py mutate GENERATED_BOOK OUT   (a book of odd shapes)

``dump`` parses every document of each book (with the book's ``specbook.toml``, else
the config ``specbook adopt`` would infer) and keeps, per document: the facts
``Linter.facts`` gives and the record ``record_of`` gives after the document rules ran
(as a first lint makes them), the record and ``facts_of`` on a fresh parse and after
each other, ``light_facts_of``, ``typed_references`` and ``listed_tests``, each on its
own fresh parse (no memo of another). ``compare`` lists the values that differ and
exits 1 if any does. ``mutate`` writes 500 documents of a ``bench/gen.py`` book with
CRLF, a BOM, non-ASCII lines, relation fields with references in front matter,
``payments:`` cross-book references and supersede words. Run with ``SPECBOOK_TODAY``
set, so that both sides see the same day.
"""

from __future__ import annotations

import pickle
import re
import shutil
import sys
from pathlib import Path
from typing import Any


def dump(out: str, books: list[str]) -> None:
    import specbook.cli._gc  # noqa: F401  (the collector tuning the command has)
    from specbook.book import Book
    from specbook.core.config import load_config
    from specbook.core.layout import read_document
    from specbook.lint.engine import Linter
    from specbook.lint.facts import facts_of, light_facts_of
    from specbook.parse import parse
    from specbook.services.adopt import infer
    from specbook.store.records import record_of
    from specbook.trace.coverage import listed_tests
    from specbook.trace.links import typed_references

    rows: list[tuple[Any, ...]] = []
    for root in books:
        r = Path(root).resolve()
        cfg = r / "specbook.toml"
        book = Book(load_config(cfg) if cfg.exists() else infer(r).config())
        linter = Linter(book.config)
        for p in book.path_strings():
            rel = book.rel(p)
            got = read_document(book.config, Path(p), rel)
            if got is None:
                continue
            sig, data, sidecars = got

            def fresh() -> Any:
                return parse(data, rel, book.config, sidecars)  # noqa: B023

            doc = fresh()  # as a first lint: the rules, the facts, then the record
            linter.lint_document(doc)
            facts = linter.facts(doc)
            record = record_of(doc, data, *sig)
            other = fresh()
            rows.append(
                (
                    str(root),
                    rel,
                    facts,
                    record,
                    record_of(other, data, *sig),
                    facts_of(other),
                    facts_of(fresh()),
                    light_facts_of(fresh()),
                    typed_references(fresh()),
                    listed_tests(fresh()),
                )
            )
    with open(out, "wb") as fh:
        pickle.dump(rows, fh)
    print(f"{len(rows)} documents of {len(books)} books by {sys.modules['specbook'].__file__}")


NAMES = (
    "Linter.facts after the rules", "record_of after the rules", "record_of, fresh parse",
    "facts_of after record_of", "facts_of, fresh parse", "light_facts_of",
    "typed_references", "listed_tests",
)  # fmt: skip


def compare(a: str, b: str) -> int:
    with open(a, "rb") as fh:
        ra = pickle.load(fh)
    with open(b, "rb") as fh:
        rb = pickle.load(fh)
    if [x[:2] for x in ra] != [y[:2] for y in rb]:
        print("the two dumps are not of the same documents")
        return 1
    bad = 0
    for x, y in zip(ra, rb, strict=True):
        for name, u, v in zip(NAMES, x[2:], y[2:], strict=True):
            if u != v:
                bad += 1
                if bad <= 10:
                    print(f"DIFF {x[0]} {x[1]}: {name}\n  A {u}\n  B {v}")
    books = len({x[0] for x in ra})
    print(f"{len(ra)} documents of {books} books, {len(NAMES)} values each: {bad} differ")
    return 1 if bad else 0


def mutate(src: Path, dst: Path) -> None:
    shutil.rmtree(dst, ignore_errors=True)
    (dst / "docs/specs").mkdir(parents=True)
    shutil.copy(src / "specbook.toml", dst / "specbook.toml")
    files = sorted((src / "docs/specs").glob("*.md"))[:500]
    for i, f in enumerate(files):
        t = f.read_text()
        m = i % 8
        if m in (1, 5, 7):  # non-ASCII before references, in a heading, in prose
            t = t.replace("Related Specs:", "Spécs liées — Related Specs:")
            t = t.replace("## Design", "## Design — conçu ✅")
            t = t.replace("This spec builds on", "Ce spec (über) builds on")
        if m in (2, 5, 6):  # cross-book references
            t = re.sub(
                r"(?<=[ (])SPEC-(\d{4})(?=[,\s])",
                lambda k: f"payments:SPEC-{k.group(1)}" if int(k.group(1)) % 3 == 0 else k[0],
                t,
            )
        if m in (3, 6, 7):  # relation fields with references in front matter
            ids = re.findall(r"SPEC-\d{4}", t)[:3] or ["SPEC-0001"]
            t = (
                f"---\ntitle: Front {i}\nsupersedes: {ids[0]}\nrelated:\n  - {ids[-1]}\n"
                f"  - payments:{ids[0]}\ndepends_on: [{', '.join(ids)}]\n"
                f"note: Superseded by {ids[0]} — é\n---\n" + t
            )
        if m in (4, 5):  # supersede words, a label line over a list with a blank line
            t = t.replace(
                "Related Decisions: none",
                "Superseded by SPEC-0003, supersedes parts of SPEC-0004",
            )
            t += "\nDepends on:\n- SPEC-0005\n- payments:SPEC-0006\n\n- SPEC-0007 (é)\n"
        data = t.encode()
        if m in (1, 4, 5, 6):
            data = data.replace(b"\n", b"\r\n")
        if m in (2, 4, 7):
            data = b"\xef\xbb\xbf" + data
        (dst / "docs/specs" / f.name).write_bytes(data)
    print(f"{len(files)} documents written to {dst}")


if __name__ == "__main__":
    cmd, *rest = sys.argv[1:]
    if cmd == "dump":
        dump(rest[0], rest[1:])
    elif cmd == "compare":
        sys.exit(compare(rest[0], rest[1]))
    else:
        mutate(Path(rest[0]), Path(rest[1]))
