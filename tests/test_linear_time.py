"""Big documents cost time in proportion to their size, not its square (issue 17).

Each test builds one document that the old code took minutes on (found by the
hostile-book suite, tests/hostile/) and bounds the CPU time of the one step that was
quadratic: a bound many times what the step now takes on a loaded machine, and a small
fraction of what the old code took. CPU time, not wall time: another process's load
does not count.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

from specbook.core.model import Document
from specbook.parse import parse

HEADER = """\
# Technical Specification: Big

**ID**: SPEC-095
**Date**: 2026-01-05
**Status**: Draft
**Type**: Feature

---

## Summary

A big document.

"""


def big(body: str) -> Document:
    return parse((HEADER + body).encode(), "docs/specs/SPEC-095-big.md")


@contextmanager
def cpu_bound(seconds: float, what: str) -> Iterator[None]:
    began = time.process_time()
    yield
    took = time.process_time() - began
    assert took < seconds, f"{what} took {took:.1f} s of CPU (bound {seconds} s)"


def timed(fn: Callable[[], Any], seconds: float, what: str) -> Any:
    with cpu_bound(seconds, what):
        return fn()


# -- report: checklist items by section ---------------------------------------------------
def test_checklist_progress_of_many_sections() -> None:
    """20,000 sections with a checklist item each: every item was looked up by a scan
    of every section before it (the old code: about 60 s; now well under 1 s)."""
    from specbook.services.report import checklist_progress

    n = 20_000
    doc = big("".join(f"## Part {i}\n\n- [x] item {i}\n- [ ] other {i}\n\n" for i in range(n)))
    progress = timed(lambda: checklist_progress(doc), 10, "checklist_progress")
    assert progress is not None
    assert (progress.done, progress.total) == (n, 2 * n)
    assert len(progress.sections) == n
    assert progress.sections[-1].section == f"Part {n - 1}"


def test_checklist_progress_groups_nested_sections_as_before() -> None:
    from specbook.services.report import checklist_progress

    doc = big(
        "## Implementation Plan\n\n- [x] a\n\n### Phase 1\n\n- [ ] b\n\n#### Deep\n\n- [x] c\n\n"
        "## Pre-Deployment Checklist\n\n- [ ] d\n\n### Inside\n\n- [ ] e\n\n"
        "## Testing Strategy\n\n- [x] f\n"
    )
    progress = checklist_progress(doc)
    assert progress is not None
    assert [(s.section, s.done, s.total) for s in progress.sections] == [
        ("Implementation Plan", 2, 3),
        ("Pre-Deployment Checklist", 0, 2),
        ("Testing Strategy", 1, 1),
    ]


# -- lint: which requirements a document defines ------------------------------------------
def test_defined_requirements_of_many_requirement_sections() -> None:
    """20,000 requirement sections with one FR each: each requirement was tested against
    every requirements section (the old code: about 20 s; now a fraction of a second)."""
    from specbook.lint.rules.requirements import defined_requirements
    from specbook.lint.rules.sections import section_nodes

    n = 20_000
    doc = big(
        "## Out of Scope\n\n- **FR-0**: only mentioned\n\n"
        + "".join(
            f"## Part {i}\n\n### Functional Requirements\n\n{i}. **FR-{i}**: Case {i}.\n"
            f"   - Acceptance Criteria: it works.\n\n"
            for i in range(1, n + 1)
        )
    )
    assert len(doc.requirements) == n + 1 and section_nodes(doc)
    defined = timed(lambda: defined_requirements(doc), 5, "defined_requirements")
    assert [r.id for r in defined] == [f"FR-{i}" for i in range(1, n + 1)]


def test_defined_requirements_inside_and_outside_nested_sections() -> None:
    from specbook.lint.rules.requirements import defined_requirements

    doc = big(
        "## Requirements\n\n### Functional Requirements\n\n1. **FR-1**: one\n\n"
        "#### Out of scope\n\n- **FR-2**: only mentioned\n\n##### Functional requirements\n\n"
        "- **FR-3**: inside a requirements section inside an out-of-scope one\n\n"
        "### Non-Functional Requirements\n\n1. **NFR-1**: fast\n\n"
        "## Design\n\n- **FR-4**: outside every requirements section\n\n"
        "## Traceability\n\n- **FR-5**: only mentioned\n"
    )
    assert [r.id for r in defined_requirements(doc)] == ["FR-1", "NFR-1"]


# -- columns of offsets on a long line ------------------------------------------------------
def _naive_column(doc: Document, offset: int) -> int:
    start = doc.source.rfind(b"\n", 0, offset) + 1
    return len(doc.source[start:offset].decode("utf-8", "replace")) + 1


def test_columns_on_a_long_line() -> None:
    """The facts lint keeps of each reference hold its columns: each was counted from
    its line's start (the old code: 17 s for 30,000 references on a line of 600 KB, not
    ASCII, a minute for these 60,000; now well under a second)."""
    from specbook.lint.facts import facts_of

    doc = big("## Context\n\n" + "café SPEC-001 naïve " * 60_000 + "\n")
    facts = timed(lambda: facts_of(doc), 10, "facts_of")
    assert len(facts.references) == 60_000
    for ref in facts.references[:50] + facts.references[-50:]:
        assert ref.column == _naive_column(doc, ref.span.start)
        assert ref.end_column == _naive_column(doc, ref.span.end)


def test_columns_in_any_order_and_inside_characters() -> None:
    line = b"x" * 5000 + "\u00e9".encode() * 3000 + b"\xff\xe2\x82" + b"y" * 5000 + b"\n"
    doc = parse(HEADER.encode() + b"## Context\n\n" + line, "docs/specs/SPEC-095-big.md")
    at = doc.source.index(line)
    offsets = [at + n for n in (11_001, 4_999, 5_001, 5_002, 12_000, 9_000, 11_003, 11_004)]
    offsets += [at + n for n in range(4_990, 5_010)] + [len(doc.source) - 1]
    for offset in offsets:  # (growing, shrinking, inside a character, after bad bytes)
        assert doc.column(offset) == _naive_column(doc, offset), offset


def test_columns_of_an_ascii_file_are_byte_counts() -> None:
    """An ASCII file's columns are counted without decoding (a byte is a character);
    every offset, on lines ended by LF, CRLF and CR, as a decode of the line counts."""
    source = HEADER.encode() + b"## Context\r\n\r\nSee SPEC-001.\rA line\n\tand tab\n"
    doc = parse(source, "docs/specs/SPEC-095-a.md")
    assert doc.source.isascii()
    for offset in range(len(source) + 1):
        start = doc.line_starts[bisect_right(doc.line_starts, offset) - 1]
        want = len(source[start:offset].decode("utf-8", "replace")) + 1
        assert doc.column(offset) == want, offset


# -- diff: each section's text with lifecycle edits masked ----------------------------------
def test_diff_of_many_sections_with_checklists() -> None:
    """Each section's text was masked by a scan of every mask of the document (a
    checklist mark, a field, a review row): 20,000 sections with a checklist item each
    took 27 s of `specbook diff` (the old code); now a fraction of a second."""
    from specbook.book.diff import diff_documents

    n = 20_000
    body = "".join(f"## Part {i}\n\nText {i}.\n\n- [ ] item {i}\n\n" for i in range(n))
    old = big(body)
    new = big(body.replace("- [ ] item 7\n", "- [x] item 7\n").replace("Text 9.", "Text 9!"))
    change = timed(lambda: diff_documents(old, new), 5, "diff_documents")
    # the tick is a checklist change, not a modified section; the edited text is one
    assert [(c.change, c.path) for c in change.sections] == [("modified", ("Part 9",))]
    assert [c.text for c in change.checklists] == ["item 7"]


def _naive_masked(doc: Document, start: int, end: int, masks: list[tuple[int, int]]) -> bytes:
    """masking.masked as it was: every mask tested against start:end."""
    from specbook.core.masking import _NEWLINES

    parts: list[bytes] = []
    pos = start
    for a, b in masks:
        if b <= pos or a >= end:
            continue
        a, b = max(a, pos), min(b, end)
        parts.append(doc.source[pos:a])
        parts.append(b"\x00")
        pos = b
    parts.append(doc.source[pos:end])
    lines = _NEWLINES.sub(b"\n", b"".join(parts)).split(b"\n")
    return b"\n".join(
        line for line in lines if b"\x00" not in line or line.strip(b" \t|\x00")
    ).rstrip()


def test_masked_text_as_before_for_every_range() -> None:
    """The binary search blanks what the scan of every mask blanked: fields, review
    rows and checklist marks, for ranges starting and ending anywhere (inside a mask
    too)."""
    from specbook.core.masking import lifecycle_masks, masked

    doc = big(
        "**Modified**: 2026-01-06\n\n## Plan\n\n- [x] a\n- [ ] b\n\n### Sub\n\n"
        "- [X] c\r\n\n## Review History\n\n| Date | Reviewer | Verdict |\n"
        "|------|----------|---------|\n| 2026-01-07 | Ana | Approved |\n\nTail.\n"
    )
    masks = lifecycle_masks(doc)
    assert len(masks) >= 8 and all(b1 <= a2 for (_, b1), (a2, _) in pairwise(masks))
    size = len(doc.source)
    for start in range(0, size, 3):
        for end in range(start, size + 1, 7):
            assert masked(doc, start, end, masks) == _naive_masked(doc, start, end, masks)


# -- reference types: a line of many references -------------------------------------------
def test_types_of_many_references_on_one_line() -> None:
    """8,000 references on one line: each was typed by reading the whole line before it
    again (the old code: about 3 minutes, 2,000 of them 11 s; now about 1 s). The words
    before an ID count up to 300 bytes back: a list of IDs after "Depends on" is
    typed that far."""
    from specbook.trace.links import typed_references

    n = 8_000
    listed = ", ".join(f"SPEC-{i % 900 + 1:03d}" for i in range(n))
    doc = big(
        f"Depends on {listed}.\n\nSee {' '.join(f'SPEC-{i % 900 + 1:03d}' for i in range(n))}\n"
    )
    refs = timed(lambda: typed_references(doc), 20, "typed_references")
    own = sum(1 for i in range(n) if i % 900 + 1 == 95)  # (SPEC-095 naming itself)
    assert len(refs) == 2 * (n - own)
    assert [r.type for r in refs[:20]] == ["depends-on"] * 20
    assert {r.type for r in refs[n - own :]} == {"relates"}
