"""The facts book rules take of each document (:mod:`specbook.lint.facts`): the cheap
looks that skip work must not skip a document where that work finds something."""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

from specbook.core.config import config_from_mapping
from specbook.core.model import Sidecar, Span
from specbook.lint.facts import facts_of, light_facts_of
from specbook.parse import parse

CONFIG = config_from_mapping(
    {
        "kinds": {"DEC": {"prefix": "DEC", "folder": "docs/decisions"}},
        "fields": {"aliases": {"Successor": "superseded_by", "Forerunner": "supersedes"}},
    },
    root=Path("/book"),
    path=None,
)


def test_a_document_that_names_no_other_keeps_its_sidecar_s_supersede_links() -> None:
    """No reference in the text: no pass over its bytes, but the sidecar still speaks."""
    side = Sidecar("rfcs/RFC-001-x.meta.yaml", b"status: Superseded\nsuperseded-by: RFC-002\n")
    doc = parse(b"# RFC-001: X\n\nText.\n", "rfcs/RFC-001-x.md", None, (side,))
    assert doc.references == ()
    top = Span(0, 0, 1, 1)
    for facts in (facts_of(doc), light_facts_of(doc)):
        assert facts.superseded_by == (("RFC-002", top, 1),)
        assert facts.supersedes == ()


def test_a_supersede_field_under_an_alias_is_read_without_the_word() -> None:
    """`**Successor**: DEC-002` says "superseded by" in no language the text scan knows:
    the field's key (the book's alias) is what tells."""
    text = "# DEC-005: New\n\n**Status**: Accepted\n**Forerunner**: DEC-001\n\nSee DEC-003.\n"
    doc = parse(text.encode(), "docs/decisions/DEC-005-new.md", CONFIG)
    assert b"supersed" not in doc.source.lower()
    at = doc.source.index(b"DEC-001")
    want = (("DEC-001", Span(at, at + 7, 4, 4), 17),)
    assert facts_of(doc).supersedes == want
    assert light_facts_of(doc).supersedes == want
    assert facts_of(doc).superseded_by == ()


def test_reference_columns_are_counted_in_characters_on_every_kind_of_line() -> None:
    """A reference's end column is its start column plus its length only where that
    holds: the columns are those :meth:`Document.column` gives, after accents, a
    character cut by invalid bytes, a lone CR and a CRLF."""
    data = (
        "# DEC-005: New\r\n\r\n## Context\r\n\r\nCafé naïve DEC-001, DEC-002\r\n".encode()
        + b"x\xff\xe2\x82 DEC-003 then\rDEC-004 \xc3\xa9 DEC-006\n"
    )
    doc = parse(data, "docs/decisions/DEC-005-new.md", CONFIG)
    refs = facts_of(doc).references
    assert [r.target for r in refs] == ["DEC-001", "DEC-002", "DEC-003", "DEC-004", "DEC-006"]
    for r in refs:
        assert (r.column, r.end_column) == (doc.column(r.span.start), doc.column(r.span.end))
    assert [r.column for r in refs] == [12, 21, 5, 1, 11]


def test_columns_on_ascii_lines_of_a_file_that_is_not_are_those_a_decode_counts() -> None:
    """:meth:`Document.column`'s shortcut on a line ASCII up to the offset (a distance
    from the line's start, in a file that has other characters) gives what a decode of
    the line up to it counts, for every offset of a text with accents, invalid and cut
    characters, CRLF, a lone CR, a BOM and no final newline."""
    data = "\ufeff# DEC-1: é\r\nab DEC-2 ç\rx DEC-3\n".encode() + b"\xff\xe2\x82 DEC-4\n\nend DEC-5"
    doc = parse(data, "docs/decisions/DEC-001-x.md", CONFIG)
    for offset in range(len(data) + 1):
        start = doc.line_starts[bisect_right(doc.line_starts, offset) - 1]
        want = len(data[start:offset].decode("utf-8", "replace")) + 1
        assert doc.column(offset) == want, offset
