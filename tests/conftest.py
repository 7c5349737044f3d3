"""Shared fixtures: the repository, the wild corpus, the seed template, fresh books."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

# CI runs the same examples every time (a landing must not depend on luck); local
# runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
# Everything a test reads lives inside the repository (a user's clone has nothing beside it).
CORPUS = REPO / "tests" / "corpus" / "wild"  # real teams' documents; see its README
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The seed template is the built-in SPEC template, byte for byte; its digest is pinned so
# that an edit of the template is a deliberate change of the seed (tests/test_templates.py).
SEED = REPO / "src" / "specbook" / "templates" / "spec.md"
SEED_SHA256 = "e7e5374418568a5ce8963015a5bb375530b11f08f4c2940d0375fe4645bc9ada"


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS


# Tests never depend on the real date: every date specbook reads goes through
# specbook.core.clock.today(), which takes SPECBOOK_TODAY, and every test runs on this day unless
# it pins its own. (The example book's last review is of 2026-11-16; SB504 calls a review
# stale after 14 days.) tests/test_clock_use.py holds src/ to going through the clock.
TODAY = "2026-11-20"


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECBOOK_TODAY", TODAY)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Path]:
    """A new, empty book (``specbook init``); the current folder is its root."""
    from specbook.services.init import init_book

    init_book(tmp_path)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def every_book(tmp: Path) -> Iterator[Path]:
    """The books differential tests run on: 40 generated specs written into ``tmp``, the
    example book, every corpus book (wild and synthetic) and every rule scenario book."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import gen
    finally:
        sys.path.remove(str(REPO / "bench"))
    gen.generate(tmp, 40)
    yield tmp
    yield REPO / "examples" / "book"
    yield from (p for p in sorted(CORPUS.iterdir()) if p.is_dir())
    yield from (p for p in sorted((CORPUS.parent / "synthetic").iterdir()) if p.is_dir())
    yield from (p for p in sorted((REPO / "tests" / "rules").iterdir()) if p.is_dir())
