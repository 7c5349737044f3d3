"""Typed references on documents teams already have (issue 18): relations stated in
front matter (scalars, flow and block lists, under the book's field aliases), every ID
of a list after a phrase, and in-page anchors that are no references at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from specbook.core.config import config_from_mapping
from specbook.parse import parse
from specbook.trace import links
from specbook.trace.links import phrase_type, typed_references

CONFIG = config_from_mapping(
    {
        "kinds": {"DEC": {"prefix": "ADR", "folder": "docs/decisions"}},
        "fields": {"aliases": {"needs": "depends_on", "Remplace": "supersedes"}},
    },
    root=Path("/book"),
    path=None,
)


def _types(text: str, path: str = "docs/specs/SPEC-020-x.md") -> list[tuple[str, str, int]]:
    doc = parse(text.encode(), path, CONFIG)
    return [(r.target, r.type, r.line) for r in typed_references(doc)]


def test_front_matter_relations_are_typed_scalars_and_lists() -> None:
    got = _types(
        "---\n"
        "id: SPEC-020\n"
        "status: in review\n"
        "depends_on: [SPEC-002, SPEC-004]\n"
        "superseded_by: SPEC-030\n"
        "supersedes:\n"
        "  - SPEC-001\n"
        "  - SPEC-003\n"
        "related: SPEC-007\n"
        "see-also:\n"
        "- SPEC-008\n"
        "part-of: SPEC-009\n"
        "---\n\n# Workspaces\n"
    )
    assert got == [
        ("SPEC-002", "depends-on", 4),
        ("SPEC-004", "depends-on", 4),
        ("SPEC-030", "superseded-by", 5),
        ("SPEC-001", "supersedes", 7),
        ("SPEC-003", "supersedes", 8),
        ("SPEC-007", "relates", 9),
        ("SPEC-008", "relates", 11),
        ("SPEC-009", "relates", 12),
    ]


def test_relation_fields_under_the_book_s_aliases() -> None:
    got = _types("---\nid: SPEC-020\nneeds: [SPEC-002]\n---\n\n# X\n\n**Remplace :** SPEC-001\n")
    assert got == [("SPEC-002", "depends-on", 3), ("SPEC-001", "supersedes", 8)]


def test_status_value_and_relation_rows_type_their_ids() -> None:
    got = _types(
        "---\nid: ADR-0010\nstatus: superseded by ADR-0011\n---\n\n# Events\n\n"
        "| Field | Value |\n|---|---|\n| Depends on | ADR-0002, ADR-0003 |\n",
        "docs/decisions/ADR-0010-x.md",
    )
    assert got == [
        ("ADR-0011", "superseded-by", 3),
        ("ADR-0002", "depends-on", 10),
        ("ADR-0003", "depends-on", 10),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Depends on SPEC-002 and SPEC-004.",
        "Depends on: SPEC-002, SPEC-004",
        "Depends on SPEC-002 (the audit log) and SPEC-004 (exports).",
        "Depends on [SPEC-002](SPEC-002-audit.md) and [SPEC-004](SPEC-004-x.md).",
        "**Depends on**: SPEC-002; SPEC-004",
    ],
)
def test_every_id_of_a_list_after_the_phrase_is_typed(line: str) -> None:
    got = _types(f"# SPEC-020: X\n\n{line}\n")
    assert got == [("SPEC-002", "depends-on", 3), ("SPEC-004", "depends-on", 3)]


def test_a_list_under_a_label_line_takes_the_label_type() -> None:
    got = _types(
        "# SPEC-020: X\n\nDepends on:\n\n- SPEC-002 (audit)\n- [SPEC-004](x.md)\n\n"
        "Notes:\n\n- SPEC-005 is close\n\nWe wrote this:\n- SPEC-006 depends on nothing\n"
    )
    assert got == [
        ("SPEC-002", "depends-on", 5),
        ("SPEC-004", "depends-on", 6),
        ("SPEC-005", "relates", 10),
        ("SPEC-006", "relates", 13),
    ]


def test_a_phrase_does_not_reach_past_a_sentence_or_prose_between_ids() -> None:
    assert phrase_type("Depends on SPEC-002 which calls ") is None
    assert phrase_type("Depends on SPEC-002. Then ") is None
    assert phrase_type("Depends on SPEC-002 (audit) and ") == "depends-on"


def test_in_page_anchors_are_no_references() -> None:
    got = _types(
        "# SPEC-020: X\n\nSee [[#SPEC-801]], [the second](#SPEC-802), "
        "[SPEC-803](#spec-803), [[SPEC-002#SPEC-804]] and SPEC-805.\n"
    )
    assert [t for t, _, _ in got] == ["SPEC-002", "SPEC-805"]


_PHRASE_SAMPLES = [
    "Superseded by ", "REPLACED BY ", "obsoleted   by ", "Supersédé par ", "Remplacée par ",
    "reemplazado por ", "sustituida por ", "Substituído por ", "sostituito da ",
    "Ersetzt durch ", "vervangen door ", "Supersedes ", "replaces ", "Obsoletes ",
    "Fixed by ", "resolved by ", "Closed by ", "implemented by ", "Depends on ",
    "dependency: ", "Dependencies: ", "Blocked by ", "requires ", "Fixes ", "resolves ",
    "closes ", "Fix ", "- resolve ", "close ", "Implements ", "Parent: ", "realizes ",
    "delivers ", "implement ", "Related: ", "relates to ", "see ", "Links: ", "link ",
    "- Related Specs: ", "Coordinate the rollout with ", "prose, then ", "ſee ", "",
]  # fmt: skip


@pytest.mark.parametrize("phrases", [links._PHRASES, links.SUPERSEDE_PHRASES])
def test_the_first_look_for_phrases_types_as_the_searches_do(
    phrases: tuple[tuple[re.Pattern[str], str, int], ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # every phrase has its stems (or the first look would never spare a search) ...
    assert links._phrase_stems(phrases) is not None
    monkeypatch.setattr(links, "_TYPED", {})  # (no answer kept from before)
    fast = [phrase_type(s, phrases) for s in _PHRASE_SAMPLES]
    # ... and they never make a phrase that is there look absent
    monkeypatch.setattr(links, "_PHRASE_STEMS", {})
    monkeypatch.setattr(links, "_STEMS_OF", {})
    monkeypatch.setattr(links, "_TYPED", {})
    assert [phrase_type(s, phrases) for s in _PHRASE_SAMPLES] == fast
    assert fast.count(None) < len(fast) - 2


def test_kept_phrase_answers_are_those_of_the_phrase_set_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """phrase_type keeps its answers by text, for each phrase set apart: "Depends on "
    types a dependency with every relation's phrases and nothing with the supersede
    phrases only, in either order, and a full memo starts again."""
    monkeypatch.setattr(links, "_TYPED", {})
    monkeypatch.setattr(links, "_TYPED_MAX", 5)
    asked = [(s, p) for s in _PHRASE_SAMPLES for p in (links._PHRASES, links.SUPERSEDE_PHRASES)]
    got = [phrase_type(s, p) for s, p in asked + asked[::-1]]
    want = [links._phrase_type(s, p) for s, p in asked + asked[::-1]]
    assert got == want
    assert phrase_type("Depends on ") == "depends-on"
    assert phrase_type("Depends on ", links.SUPERSEDE_PHRASES) is None
    assert all(len(memo) <= 5 for _, memo in links._TYPED.values())


def _field_at_by_definition(doc: object, offset: int) -> object:
    """field_at's contract, spelled out: the first field (not in a sidecar) whose value
    span holds ``offset``, else the last front-matter key at or before it inside the
    front matter."""
    fields = [f for f in doc.fields if not f.file]  # type: ignore[attr-defined]
    for f in fields:
        if f.value_span.start <= offset < f.value_span.end:
            return f
    end = links.front_matter_end(doc)  # type: ignore[arg-type]
    keys = [f for f in fields if f.source == "front_matter" and f.span.start <= offset]
    return max(keys, key=lambda f: f.span.start) if offset < end and keys else None


@pytest.mark.parametrize(
    "text",
    [
        "---\nid: SPEC-020\nstatus: Draft\ndepends_on:\n  - SPEC-001\n  - SPEC-002\n"
        "superseded_by: [SPEC-003]\n---\n# T\n\n**Parent**: SPEC-004\n\nBody SPEC-005.\n",
        "# T\n\n**ID**: SPEC-020\n**Status**: Draft\n\n## Design\n\n**Pros**: SPEC-001\n"
        "**Cons**: none, see SPEC-002\n\nText **Fixes**: BUG-1 then more.\n",
        "# T\n\n| Field | Value |\n|---|---|\n| ID | SPEC-020 |\n| Depends on | SPEC-001 |\n",
    ],
)
def test_field_at_is_the_field_holding_each_byte(text: str) -> None:
    doc = parse(text.encode(), "docs/specs/SPEC-020-x.md")
    assert doc.fields
    for offset in range(len(doc.source) + 1):
        assert links.field_at(doc, offset) is _field_at_by_definition(doc, offset), offset


# A document of each shape the batched typing must get as the one-reference path does:
# BOM, CRLF, non-ASCII before and between IDs, relation fields in front matter (a block
# list, a flow list), cross-book IDs (`payments:`, also glued after a line break), an ID
# at the file's first bytes, a label line above a list, a sidecar's relation field.
_SHAPES = [
    "\ufeff---\r\nid: SPEC-020\r\nsupersedes: SPEC-001\r\nneeds:\r\n  - SPEC-002\r\n"
    "  - payments:SPEC-003\r\nrelated: [SPEC-004, billing:SPEC-005]\r\n---\r\n"
    "# SPEC-020: Café\r\n\r\nÜber — depends on payments:SPEC-006 and SPEC-007.\r\n"
    "Remplacé par SPEC-008; supersedes parts of SPEC-009.\r\n\r\n"
    "Depends on:\r\n- SPEC-010\r\n- payments:SPEC-011\r\n\r\n- SPEC-012 (é)\r\n",
    "SPEC-001 first.\nSee ledger:\nSPEC-002 and Parent:SPEC-003, see:SPEC-004.\n"
    "| Fixes | BUG-001, payments:BUG-002 |\n\n## Dependencies\n\n- SPEC-005 ✅ x\n",
]


@pytest.mark.parametrize("text", _SHAPES)
def test_typed_references_are_each_reference_s_own_type_and_book(text: str) -> None:
    """typed_references (one pass, book prefixes kept once per document) gives each
    reference what reference_type and book_prefix give it alone, on a fresh parse."""
    from specbook.core.model import Sidecar
    from specbook.lint.facts import facts_of

    side = Sidecar("docs/specs/SPEC-020.meta.yaml", b"superseded-by: SPEC-030\n")
    data = text.encode()
    doc = parse(data, "docs/specs/SPEC-020-x.md", CONFIG, (side,))
    got = typed_references(doc)
    alone = parse(data, "docs/specs/SPEC-020-x.md", CONFIG, (side,))
    want = [
        (r.target, links.reference_type(alone, r), links.book_prefix(alone.source, r.span.start))
        for r in alone.references
    ]
    assert [(t.target, t.type, t.target_book) for t in got[: len(want)]] == want
    assert (got[-1].target, got[-1].type, got[-1].line) == ("SPEC-030", "superseded-by", 1)
    books = {t.target: t.target_book for t in got if t.target_book}
    assert books == (
        {"SPEC-003": "payments", "SPEC-005": "billing", "SPEC-006": "payments",
         "SPEC-011": "payments"}
        if text is _SHAPES[0]
        else {"SPEC-002": "ledger", "BUG-002": "payments"}  # (`ledger:` ends the line above)
    )  # fmt: skip
    # the facts leave out the other books' references, and count columns in characters
    facts = facts_of(parse(data, "docs/specs/SPEC-020-x.md", CONFIG, (side,)))
    assert [r.target for r in facts.references] == [
        r.target for r in alone.references if links.book_prefix(alone.source, r.span.start) is None
    ]
    for r in facts.references:
        start = data.rfind(b"\n", 0, r.span.start) + 1
        assert r.column == len(data[start : r.span.start].decode()) + 1


def test_shapes_have_the_types_they_say() -> None:
    """The first shape's references, typed: front-matter fields (aliases), a phrase
    before a cross-book ID, a passive supersede in French, a partial supersede, a label
    line over a list with a blank line in it."""
    types = {t.target: t.type for t in typed_references(parse(_SHAPES[0].encode(), "x.md", CONFIG))}
    assert types == {
        "SPEC-001": "supersedes",
        "SPEC-002": "depends-on",
        "SPEC-003": "depends-on",
        "SPEC-004": "relates",
        "SPEC-005": "relates",
        "SPEC-006": "depends-on",
        "SPEC-007": "depends-on",
        "SPEC-008": "superseded-by",
        "SPEC-009": "relates",
        "SPEC-010": "depends-on",
        "SPEC-011": "depends-on",
        "SPEC-012": "relates",  # (the item above names another book: no list of IDs)
    }


def test_a_text_and_the_words_after_its_last_sentence_share_a_kept_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """phrase_type keeps a text's answer under the words after its last sentence break
    too (prose lines differ before it and share it): the answers stay the unkept ones,
    whichever comes first."""
    monkeypatch.setattr(links, "_TYPED", {})
    texts = [
        "Done. Depends on ",
        "Depends on ",
        "Other words here. Depends on ",
        "x | Depends on ",
        "Fixes it. See ",
        "No. ",
        "Supersedes nothing! Then ",
        "",
    ]
    for order in (texts, texts[::-1]):
        monkeypatch.setattr(links, "_TYPED", {})
        assert [phrase_type(t) for t in order] == [
            links._phrase_type(t, links._PHRASES) for t in order
        ]
        assert [phrase_type(t, links.SUPERSEDE_PHRASES) for t in order] == [
            links._phrase_type(t, links.SUPERSEDE_PHRASES) for t in order
        ]
