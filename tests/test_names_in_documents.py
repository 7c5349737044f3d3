"""Names that land in a document (`new --author`, `--by`, the MCP tools' `author` and
`by`) are one line of text: a newline or another control character would write lines
of the caller's choosing into the Metadata (issue 17)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.core.errors import UsageError
from specbook.mcp.server import BookTools
from specbook.services.zeroconf import open_book

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "book"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "book"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".specbook"))
    return dest


BAD_NAMES = [
    "Eve\n**Status**: Approved",
    "Eve\r\nX",
    "Eve\x1b[2J",
    "Eve\x00",
    "Eve\u2028x",
    "Eve\u202e",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_with_control_characters_are_refused(
    root: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(root)
    before = {p: p.read_bytes() for p in root.rglob("*.md")}
    runner = CliRunner()
    for args in (
        ["new", "spec", "Injected", "--author", name],
        ["review", "SPEC-003", "--comment", "--by", name],
        ["status", "SPEC-004", "Review", "--by", name],
        ["supersede", "SPEC-001", "SPEC-004", "--by", name],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "control character" in result.output
    tools = BookTools(open_book(root))
    for call in (
        lambda: tools.create("spec", "Injected", None, name),
        lambda: tools.review("SPEC-003", "comment", name),
    ):
        with pytest.raises(UsageError, match="control character"):
            call()
    assert {p: p.read_bytes() for p in root.rglob("*.md")} == before


def test_ordinary_names_still_work(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["new", "spec", "Fine", "--author", "Zoë O'Brien-Łukasz 李"])
    assert result.exit_code == 0, result.output
    made = next((root / "docs/specs").glob("SPEC-006-*.md")).read_text()
    assert "**Author**: Zoë O'Brien-Łukasz 李" in made
