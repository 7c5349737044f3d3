"""The import structure: the pieces moved to break import cycles still work as before."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from specbook.lint import registry

ROOT = Path(__file__).resolve().parent.parent


def test_builtin_rules_load_without_installed_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    # a source tree with no entry_points.txt: the registry still finds specbook's rules,
    # by the entry point's own value (it imports no rule module itself)
    monkeypatch.setattr(registry, "_entry_points", lambda group: [])
    ids = {r.id for r in registry.load_rules()}
    assert {"SB101", "SB401", "SB601"} <= ids


def test_builtin_rules_value_is_the_entry_point_of_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    eps = project["project"]["entry-points"]["specbook.rules"]
    assert registry.BUILTIN_RULES in eps.values()
