"""Shared fixtures: the repository, the shared corpus and seed, and fresh books."""

from __future__ import annotations

import os
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
SHARED = REPO.parent / "shared"
SEED = SHARED / "seed" / "technical-spec-template.md"
CORPUS = SHARED / "corpus" / "wild"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared folder must sit beside the repository")
    return path


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return _require(SEED).read_bytes()


@pytest.fixture(scope="session")
def corpus() -> Path:
    return _require(CORPUS)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Path]:
    """A new, empty book (``specbook init``); the current folder is its root."""
    from specbook.init import init_book

    init_book(tmp_path)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)
