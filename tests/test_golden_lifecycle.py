"""Golden tests: input file, command, expected bytes (see tests/golden/README.md)."""

from __future__ import annotations

import difflib
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"
# report/ and graph/ hold other golden files (tests/test_report.py, tests/test_graph.py)
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "command.txt").is_file())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "book"
    (book / "docs" / "specs").mkdir(parents=True)
    toml = case / "specbook.toml"
    if toml.is_file():
        shutil.copy(toml, book / "specbook.toml")
    else:
        (book / "specbook.toml").write_text("[book]\nname = 'golden'\n")
    rel = (
        (case / "path.txt").read_text().strip()
        if (case / "path.txt").is_file()
        else "docs/specs/SPEC-001-case.md"
    )
    target = book / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    before = (case / "input.md").read_bytes()
    target.write_bytes(before)
    monkeypatch.chdir(book)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-05-04")
    args = shlex.split((case / "command.txt").read_text().strip())
    result = CliRunner().invoke(main, args)
    want_exit = int((case / "exit.txt").read_text()) if (case / "exit.txt").is_file() else 0
    assert result.exit_code == want_exit, result.output
    if (case / "output.txt").is_file():
        assert (case / "output.txt").read_text().strip() in result.output
    after = target.read_bytes()
    expected_file = case / "expected.md"
    expected = expected_file.read_bytes() if expected_file.is_file() else before
    if after != expected:
        diff = difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(True),
            after.decode("utf-8", "replace").splitlines(True),
            "expected",
            "got",
        )
        pytest.fail("".join(diff) or f"bytes differ: {after!r}")
