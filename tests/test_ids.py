"""IdIndex: which ID an ID as written names, and which one a mistyped ID meant."""

from __future__ import annotations

import time

from specbook.core.ids import IdIndex

IDS = ["SPEC-001", "SPEC-003", "SPEC-012", "DEC-002", "BUG-0042", "TASK-100"]


def test_resolve_exact_and_other_padding() -> None:
    index = IdIndex(IDS)
    assert index.resolve("SPEC-003") == "SPEC-003"
    assert index.resolve("SPEC-3") == "SPEC-003"
    assert index.resolve("BUG-42") == "BUG-0042"
    assert index.resolve("spec-3") == "SPEC-003"  # the prefix compares without case
    assert index.resolve("SPEC-004") is None
    assert index.resolve("SPEC-X") is None


def test_nearest_one_edit_away() -> None:
    index = IdIndex(IDS)
    assert index.nearest("SPEC-013") == "SPEC-003"  # a tie with SPEC-012: the first in order
    assert index.nearest("SEPC-001") == "SPEC-001"  # two neighbours swapped
    assert index.nearest("SPC-001") == "SPEC-001"  # one dropped
    assert index.nearest("SPECS-001") == "SPEC-001"  # one added
    assert index.nearest("DEC-007") == "DEC-002"  # one changed
    assert index.nearest("spec-001") == "SPEC-001"  # case
    assert index.nearest("SPEC-1") == "SPEC-001"  # padding
    assert index.nearest("BUG-999") is None  # nothing close
    assert index.nearest("TASK-1000") == "TASK-100"


def test_nearest_is_deterministic_on_a_tie() -> None:
    index = IdIndex(["SPEC-021", "SPEC-120"])
    # both one edit from SPEC-020 and as similar: the first in sorted order, every time
    assert index.nearest("SPEC-020") == "SPEC-021"


def test_many_missing_ids_in_a_big_book_stay_cheap() -> None:
    """Every look-up is a few hundred set probes, not a comparison with every ID: a book
    of 10,000 documents with 2,000 dangling references is no slower to lint than one
    with none (the old difflib hint took minutes there)."""
    index = IdIndex(f"SPEC-{n:05d}" for n in range(10_000))
    start = time.perf_counter()
    found = [index.nearest(f"SPEC-{n:05d}X") for n in range(2_000)]
    assert time.perf_counter() - start < 5.0  # about 0.2 s here
    assert found[:3] == ["SPEC-00000", "SPEC-00001", "SPEC-00002"]
