"""The pre-commit hook definition other repositories use."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from specbook.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_hook_runs_the_lint_command() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "specbook-lint")
    assert hook["entry"].split() == ["specbook", "lint"]
    assert hook["language"] == "python" and "markdown" in hook["types"]
    assert main.get_command(click.Context(main), "lint") is not None  # a real command
