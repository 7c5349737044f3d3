"""A lint run raises the collector's young-generation threshold while it works and puts
it back after, also when runs overlap in threads (the portal lints in several)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from specbook.book import open_book
from specbook.lint import run
from specbook.lint.engine import Linter
from specbook.lint.run import _YOUNG, _fewer_collections
from tests.conftest import REPO


@pytest.fixture
def threshold() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield (700, 10, 10)
    gc.set_threshold(*before)


def test_raised_inside_and_restored(threshold: tuple[int, int, int]) -> None:
    with _fewer_collections():
        assert gc.get_threshold() == (_YOUNG, 10, 10)
        with _fewer_collections():
            assert gc.get_threshold() == (_YOUNG, 10, 10)
        assert gc.get_threshold() == (_YOUNG, 10, 10)  # (the outer run still works)
    assert gc.get_threshold() == threshold
    with pytest.raises(RuntimeError), _fewer_collections():
        raise RuntimeError("a run that fails")
    assert gc.get_threshold() == threshold


def test_disabled_collection_stays_disabled(threshold: tuple[int, int, int]) -> None:
    gc.set_threshold(0)
    with _fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_overlapping_runs_in_threads(threshold: tuple[int, int, int]) -> None:
    # A enters, B enters, A leaves, B leaves: a plain save-and-restore in each would
    # leave B's saved (raised) threshold behind
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def run_a() -> None:
        with _fewer_collections():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def run_b() -> None:
        a_in.wait(5)
        with _fewer_collections():
            b_in.set()
            a_out.wait(5)
            seen.append(gc.get_threshold())  # A left; B still inside

    threads = [threading.Thread(target=run_a), threading.Thread(target=run_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [(_YOUNG, 10, 10)]
    assert gc.get_threshold() == threshold


def test_a_lint_run_raises_it_and_puts_it_back(
    threshold: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int, int]] = []
    lint_one = run._lint_one

    def spy(*args: Any) -> Any:
        seen.append(gc.get_threshold())
        return lint_one(*args)

    monkeypatch.setattr(run, "_lint_one", spy)
    book = open_book(REPO / "examples" / "book")
    result, _ = run.lint_files(
        book, Linter(book.config), book.paths(), [], [], use_cache=False, jobs=1
    )
    assert result.documents == len(seen) > 0
    assert set(seen) == {(_YOUNG, 10, 10)}
    assert gc.get_threshold() == threshold
