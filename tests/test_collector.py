"""The cyclic collector paused over work on a whole book (specbook.core.collector)."""

from __future__ import annotations

import gc

from specbook.core.collector import collector_paused


def test_what_a_paused_block_made_is_not_walked_by_the_next_collection() -> None:
    """Everything a paused block made was left in the youngest generation, so the first
    allocation after it set off a collection that walked all of it (a quarter of a
    whole-book lint after an edit, at 10,000 documents). It now goes to the oldest
    generation, which only a full collection walks, and is collected there."""
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        kept = [[i] for i in range(20_000)]
    assert gc.isenabled()
    assert any(o is kept for o in gc.get_objects(generation=2))
    assert not any(o is kept for o in gc.get_objects(generation=0))
    # (and a cycle made there is still garbage a full collection finds)
    with collector_paused():
        cycle: list[object] = []
        cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


def test_a_block_paused_inside_another_leaves_the_collector_off() -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
