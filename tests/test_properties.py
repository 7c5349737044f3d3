"""Property tests: no input makes the parser raise, and every span lies inside the file."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specbook.core.model import Document, Span
from specbook.parse import context_for, parse
from specbook.parse.core import parse_document

PIECES = [
    "# Technical Specification: X\n",
    "## Summary\n",
    "### Related Work\n",
    "Title\n=====\n",
    "Sub\n---\n",
    "**ID**: SPEC-001\n",
    "**Status:** Draft  \n",
    "**Statut :** Accepté\\\n",
    "- **Severity:** High\n",
    "Status: ✅ Active\n",
    "## Statut : CLOS\n",
    "---\nid: BUG-1\nstatus: open\n---\n",
    "---\n",
    "1. **FR-1**: do it\n   - Acceptance Criteria: done\n",
    "2. **NFR-2**: fast\n   - Target: p95 < 10 ms\n",
    "- [ ] todo\n",
    "- [x] done\n  - [ ] nested\n",
    "| Field | Value |\n|---|---|\n| Status | Draft |\n",
    "| Date | Reviewer | Status | Feedback |\n|---|---|---|---|\n| 2026-01-01 | A | Draft | x |\n",
    "## Review History\n",
    "## Metadata\n- **Created**: 2026-01-01\n",
    "```sql\nSELECT 1;\n```\n",
    "```\n# not a heading\n",
    "~~~\n",
    "<!-- comment\n# hidden -->\n",
    "<div>\n",
    "> quote SPEC-002\n",
    "See SPEC-003/FR-2 and DEC-001, BUG-12.\n",
    "[link](other.md#anchor) ![img](a.png)\n",
    "\tindented\n",
    "    code\n",
    "\r\n",
    "\r",
    "\n",
    "é ü 🚀 \u2028 \x0c \x1c \x85\n",
    "\x00",
    "[^1]: note\n",
    "**unclosed bold\n",
    "*",
    "|",
    "`",
]


def _spans(doc: Document) -> list[Span]:
    out: list[Span] = []
    for f in doc.fields:
        out += [f.span, f.value_span]
    for s in doc.all_sections():
        out += [s.heading, s.span]
    for r in doc.requirements:
        out.append(r.span)
    out += [r.span for r in doc.references]
    for c in doc.checklists:
        out += [c.span, c.marker]
    for t in doc.tables:
        out.append(t.span)
        out += [c.span for c in t.header]
        out += [c.span for row in t.rows for c in row]
    out += [c.span for c in doc.code_blocks]
    out += [lk.span for lk in doc.links]
    out += [e.span for e in doc.review_history]
    out += [p.span for p in doc.problems]
    return out


def _check(data: bytes) -> None:
    doc = parse_document(data, "docs/specs/SPEC-001-x.md", context_for(None))
    assert doc.source == data
    assert not [p for p in doc.problems if p.code == "internal"]
    n_lines = len(doc.line_starts)
    for sp in _spans(doc):
        assert 0 <= sp.start <= sp.end <= len(data), sp
        assert 1 <= sp.line <= sp.end_line <= n_lines, sp
    for f in doc.fields:
        # a value span holds exactly the value's bytes (backticks and quotes aside)
        raw = data[f.value_span.start : f.value_span.end]
        if f.source != "front_matter" and not doc.encoding.invalid_utf8 and not doc.encoding.bom:
            assert raw.decode("utf-8") == f.value or f.source == "section"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_never_raise(data: bytes) -> None:
    _check(data)
    _check(b"\xef\xbb\xbf" + data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(PIECES), max_size=40),
    st.sampled_from([b"\n", b"\r\n", b"\r"]),
    st.booleans(),
    st.binary(max_size=3),
)
def test_markdown_mixtures_never_raise(
    pieces: list[str], newline: bytes, bom: bool, junk: bytes
) -> None:
    data = "".join(pieces).encode("utf-8").replace(b"\n", newline)
    if junk:
        data = data[: len(data) // 2] + junk + data[len(data) // 2 :]
    if bom:
        data = b"\xef\xbb\xbf" + data
    _check(data)


def test_public_parse_never_raises_even_on_a_defect(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import specbook.parse as p

    def broken(*_: object) -> Document:
        raise RuntimeError("boom")

    monkeypatch.setattr(p, "parse_document", broken)
    doc = parse(b"# Title\n", "x.md")
    assert [pr.code for pr in doc.problems] == ["internal"]
    assert "boom" in doc.problems[0].message


def test_crlf_and_bom_spans_point_at_file_bytes() -> None:
    data = (
        b"\xef\xbb\xbf# Technical Specification: A\r\n\r\n**ID**: SPEC-007\r\n**Status**: Draft\r\n"
    )
    doc = parse(data, "SPEC-007-a.md")
    assert doc.id == "SPEC-007" and doc.title == "A" and doc.encoding.bom
    assert doc.encoding.newline == "crlf"
    st_field = doc.field("status")
    assert st_field is not None
    assert data[st_field.value_span.start : st_field.value_span.end] == b"Draft"
    assert st_field.span.line == 4


def test_invalid_bytes_shift_spans_correctly() -> None:
    data = b"# T\n\nbad \xff\xfe here\n\n**Status**: Review\n\n## Summary \xc3\n\nSPEC-002\n"
    doc = parse(data, "SPEC-001-t.md")
    f = doc.field("status")
    assert f is not None and data[f.value_span.start : f.value_span.end] == b"Review"
    ref = doc.references[0]
    assert data[ref.span.start : ref.span.end] == b"SPEC-002" and ref.span.line == 9
    assert len(doc.encoding.invalid_utf8) >= 2
