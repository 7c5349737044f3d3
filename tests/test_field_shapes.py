"""Field values of any YAML shape in lint (issue 18): compared by what they hold and
shown as written, never as a Python repr."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from specbook.core.config import default_config
from specbook.core.text import render_value
from specbook.lint.engine import Linter
from specbook.parse import parse


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"by": "alice", "at": dt.date(2024, 2, 1)}, "by: alice, at: 2024-02-01"),
        (["bob", "carol"], "bob, carol"),
        ({"who": ["a", "b"], "meta": {"x": 1}}, "who: [a, b], meta: {x: 1}"),
        (dt.datetime(2024, 2, 1, 10, 30), "2024-02-01 10:30:00"),
        (True, "true"),
        (None, ""),
        ([], ""),
        (3.5, "3.5"),
    ],
)
def test_render_value(value: object, text: str) -> None:
    assert render_value(value) == text


def _messages(tmp_path: Path, text: str, rules: list[str]) -> list[str]:
    config = default_config(tmp_path)
    doc = parse(text.encode(), "docs/specs/SPEC-001-x.md", config)
    found = Linter(config, select=rules, today=dt.date(2026, 6, 15)).run([doc]).findings
    return [f"{f.rule} {f.line} {f.message}" for f in found]


def test_a_mapping_is_shown_readably_in_sb107(tmp_path: Path) -> None:
    got = _messages(
        tmp_path,
        "---\nmodified: {by: alice, at: 2026-02-01}\nreviewers: [Bob, Carol]\n---\n\n"
        "# Technical Specification: X\n\n**Modified**: 2026-03-01\n**Reviewers**: Carol\n",
        ["SB107"],
    )
    assert got == [
        'SB107 8 modified is "by: alice, at: 2026-02-01" in front matter (line 2) but '
        '"2026-03-01" here; make them agree',
        'SB107 9 reviewers is "Bob, Carol" in front matter (line 3) but "Carol" here; '
        "make them agree",
    ]


def test_a_date_member_is_judged_and_named_in_sb104(tmp_path: Path) -> None:
    got = _messages(
        tmp_path,
        "---\nmodified: {by: alice, at: 2026-02-01}\ncreated:\n  by: bob\n  at: 5/2/2026\n---\n",
        ["SB104"],
    )
    assert got == ['SB104 5 Created "5/2/2026" is not an ISO date; write it as YYYY-MM-DD']
