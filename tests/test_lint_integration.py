"""Whole-catalog lint runs: a valid spec is clean, the wild corpus never crashes lint."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from specbook.book import Book
from specbook.core.config import config_from_mapping
from specbook.lint.engine import Linter
from specbook.lint.run import lint_files
from specbook.services.zeroconf import open_book
from tests.conftest import CORPUS, FIXTURES, REPO, TODAY

STUB = "# {title}\n\n**ID**: {id}\n**Date**: {day}\n**Status**: {status}\n"


def test_filled_in_spec_dated_today_has_no_findings(book: Path) -> None:
    today = TODAY
    text = (FIXTURES / "spec-filled.md").read_text(encoding="utf-8")
    text = re.sub(r"\b20\d\d-\d\d-\d\d\b", today, text)
    (book / "docs/specs/SPEC-001-password-reset-by-email.md").write_text(text, encoding="utf-8")
    # the documents it references exist
    for folder, doc_id, status in [
        ("bugs", "BUG-004", "Open"),
        ("decisions", "DEC-002", "Accepted"),
        ("tasks", "TASK-007", "Todo"),
        ("specs", "SPEC-003", "Draft"),
    ]:
        (book / "docs" / folder / f"{doc_id}-stub.md").write_text(
            STUB.format(title="Stub", id=doc_id, day=today, status=status), encoding="utf-8"
        )
    b = open_book(book)
    result, _ = lint_files(b, Linter(b.config), b.paths(), [], [], use_cache=False)
    mine = [f for f in result.findings if f.path.startswith("docs/specs/SPEC-001")]
    assert mine == [], "\n".join(f"{f.line}: {f.rule} {f.message}" for f in mine)


def _demo_today() -> dt.date:
    """The day `make demo` runs the example book on (the Makefile's DEMO_TODAY)."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^DEMO_TODAY \?= (\S+)$", makefile, re.MULTILINE)
    assert match, "the Makefile pins the demo's day"
    return dt.date.fromisoformat(match.group(1))


def test_example_book_is_clean_on_the_demos_day() -> None:
    """`make demo` lints the example book on DEMO_TODAY and shows no findings there,
    however long ago the book was written."""
    b = open_book(REPO / "examples" / "book")
    result, _ = lint_files(
        b, Linter(b.config, today=_demo_today()), b.paths(), [], [], use_cache=False
    )
    assert result.findings == [], [
        f"{f.path}:{f.line} {f.rule} {f.message}" for f in result.findings
    ]


def test_whole_wild_corpus_lints_without_exception() -> None:
    config = config_from_mapping(
        {
            "kinds": {
                "SPEC": {
                    "folder": ".",
                    "status_aliases": {"released": "Implemented", "draft": "Draft"},
                },
                "DEC": {"prefix": "ADR", "folder": "rdjomkam__farm-flow/docs/decisions"},
            }
        },
        root=CORPUS.resolve(),
        path=None,
    )
    book = Book(config)
    files = sorted(CORPUS.rglob("*.md"))
    result, _ = lint_files(book, Linter(config), files, [], [], use_cache=False, jobs=1)
    assert result.documents == len(files) >= 300
    rules_seen = {f.rule for f in result.findings}
    assert {"SB001", "SB107", "SB201"} <= rules_seen
    sb107 = {f.path for f in result.findings if f.rule == "SB107"}
    assert any(p.startswith("paulomcnally__p40la-ihost/") for p in sb107)
