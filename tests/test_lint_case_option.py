"""SB102/SB103's `case` option (issue 18): a book that writes its statuses and types
its own way (`accepted`, `released`, `draft (analysis phase)`, `feature`) gets findings
only for words that mean no status or type."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from specbook.core.config import config_from_mapping
from specbook.core.errors import ConfigError
from specbook.lint.engine import Linter
from specbook.parse import parse

DOCS = {
    "docs/specs/SPEC-001-a.md": "---\nid: SPEC-001\nstatus: accepted\ntype: feature\n---\n# A\n",
    "docs/specs/SPEC-002-b.md": "---\nid: SPEC-002\nstatus: released\ntype: Feature\n---\n# B\n",
    "docs/specs/SPEC-003-c.md": "---\nid: SPEC-003\nstatus: draft (analysis phase)\n---\n# C\n",
    "docs/specs/SPEC-004-d.md": "---\nid: SPEC-004\nstatus: Reveiw\ntype: Feture\n---\n# D\n",
    "docs/specs/SPEC-005-e.md": "---\nid: SPEC-005\nstatus: in review\ntype: FEATURE\n---\n# E\n",
}


def _lint(tmp_path: Path, rules: dict[str, Any]) -> list[tuple[str, str, str]]:
    config = config_from_mapping(
        {
            "kinds": {"SPEC": {"status_aliases": {"released": "Implemented"}}},
            "lint": {"rules": rules},
        },
        root=tmp_path,
        path=tmp_path / "specbook.toml",
    )
    docs = [parse(text.encode(), path, config) for path, text in DOCS.items()]
    linter = Linter(config, select=["SB102", "SB103"], today=dt.date(2026, 6, 15))
    return [(f.path[11:19], f.rule, f.severity) for f in linter.run(docs).findings]


def test_exact_reports_every_spelling_that_differs(tmp_path: Path) -> None:
    assert _lint(tmp_path, {}) == [
        ("SPEC-001", "SB102", "warning"),
        ("SPEC-001", "SB103", "warning"),
        ("SPEC-002", "SB102", "warning"),
        ("SPEC-004", "SB102", "error"),
        ("SPEC-004", "SB103", "error"),
        ("SPEC-005", "SB102", "warning"),
        ("SPEC-005", "SB103", "warning"),
    ]


def test_any_reports_only_words_that_mean_nothing_known(tmp_path: Path) -> None:
    got = _lint(tmp_path, {"invalid-status": {"case": "any"}, "SB103": {"case": "any"}})
    assert got == [("SPEC-004", "SB102", "error"), ("SPEC-004", "SB103", "error")]


@pytest.mark.parametrize("value", ["ANY", "loose", 1])
def test_an_unknown_case_value_is_a_config_error(tmp_path: Path, value: object) -> None:
    with pytest.raises(ConfigError) as err:
        _lint(tmp_path, {"invalid-type": {"case": value}})
    assert err.value.key == "lint.rules.invalid-type.case"
    assert "exact" in str(err.value)
