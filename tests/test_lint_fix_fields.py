"""Field rules (SB101-SB109) on a real book, and their fixes byte for byte."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from specbook.book import Book
from specbook.core.config import default_config, load_config
from specbook.edit.patch import Patch, apply_patches
from specbook.lint.engine import Linter
from specbook.parse import parse

P40LA = "paulomcnally__p40la-ihost"
# p40la's status words, mapped one-to-one onto distinct SPEC statuses except the two
# "approved, not yet shipped" words, which no file of the project holds side by side.
P40LA_STATUS = {
    "draft": "Draft",
    "pending_execution": "Review",
    "in_progress": "Approved",
    "pending_release": "Approved",
    "released": "Implemented",
}
# front-matter key -> the bold name p40la writes under the title
P40LA_PAIRS = {
    "status": "Estado",
    "id": "ID",
    "author": "Autor",
    "created": "Creado",
    "updated": "Actualizado",
}
_FM_BLOCK = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _p40la_book(corpus: Path, tmp_path: Path) -> Path:
    src = corpus / P40LA
    if not src.is_dir():
        pytest.fail(f"{src} is missing from the wild corpus (tests/corpus)")
    root = tmp_path / "p40la"
    shutil.copytree(src, root)
    aliases = "\n".join(f'"{k}" = "{v}"' for k, v in P40LA_STATUS.items())
    (root / "specbook.toml").write_text(
        f'[kinds.SPEC]\nfolder = "docs/specs"\n\n[kinds.SPEC.status_aliases]\n{aliases}\n',
        encoding="utf-8",
    )
    return root


def _pairs(text: str) -> dict[str, tuple[str, str]]:
    """For each front-matter key of P40LA_PAIRS: (front-matter value, first bold value)."""
    fm_match = _FM_BLOCK.match(text)
    assert fm_match, "every p40la spec opens with front matter"
    out: dict[str, tuple[str, str]] = {}
    for key, bold in P40LA_PAIRS.items():
        fm = re.search(rf'^{key}:\s*"?(.*?)"?\s*$', fm_match.group(1), re.MULTILINE)
        b = re.search(rf"^\*\*{bold}\*\*:\s*(.*?)\s*$", text, re.MULTILINE)
        if fm and b:
            out[key] = (fm.group(1), b.group(1))
    return out


def _status_disagrees(fm: str, bold: str) -> bool:
    a, b = P40LA_STATUS.get(fm.strip().lower()), P40LA_STATUS.get(bold.strip().lower())
    return a is None or b is None or a != b


def _value_disagrees(fm: str, bold: str) -> bool:
    da, db = _ISO.match(fm.strip()), _ISO.match(bold.strip())
    if da and db:  # `2026-08-16 (v5: released)` and `2026-08-16 (v2: …)` are one date
        return da.group(0) != db.group(0)
    return fm.strip().casefold() != bold.strip().casefold()


def test_p40la_front_matter_and_estado_conflicts_are_reported(corpus: Path, tmp_path: Path) -> None:
    root = _p40la_book(corpus, tmp_path)
    config = load_config(root / "specbook.toml")
    book = Book(config)
    docs = list(book.documents())
    assert len(docs) == 42

    # What the files say, read with a small regex (not with specbook's parser).
    status_expected: set[str] = set()
    real_pairs = 0
    unfilled: set[str] = set()
    other_expected: set[str] = set()
    for path in book.paths():
        rel = book.rel(path)
        pairs = _pairs(path.read_text(encoding="utf-8"))
        # an unfilled template header (`**Estado**: {{status}}`) gives no value: SB205's
        unfilled.update(rel for _, b in pairs.values() if b.startswith("{{"))
        pairs = {k: (a, b) for k, (a, b) in pairs.items() if not b.startswith("{{")}
        if "status" in pairs and _status_disagrees(*pairs["status"]):
            status_expected.add(rel)
            real_pairs += 1
        if any(_value_disagrees(a, b) for k, (a, b) in pairs.items() if k != "status"):
            other_expected.add(rel)
    assert real_pairs == 13 and len(unfilled) == 2

    result = Linter(config, select=["SB107"], today=dt.date(2026, 6, 15)).run(docs)
    assert {f.rule for f in result.findings} <= {"SB107"}
    status_found = {f.path for f in result.findings if f.message.startswith("status is ")}
    assert status_found == status_expected
    for f in result.findings:
        if f.message.startswith("status is "):
            assert f.line == 14 and "in front matter (line 4)" in f.message
    # The same files also disagree on other fields (a Modified date changed in one
    # place only): those are conflicts too, and nothing else is; the two unfilled
    # template headers are no conflict.
    assert {f.path for f in result.findings} == status_expected | other_expected
    assert not unfilled & {f.path for f in result.findings}


FIXABLE = (
    "---\n"
    'status: "draft"\n'
    "---\n"
    "\n"
    "# Technical Specification: Fix me\n"
    "\n"
    "**ID**: SPEC-001\n"
    "**Date**: 2026-03-01\n"
    "**Status**: draft  \n"
    "**type**: Feature\n"
    "\n"
    "## Summary\n"
    "\n"
    "Trailing blanks, the CRLF line ends and every other byte must survive.\n"
    "\n"
    "## Review History\n"
    "\n"
    "| Date | Reviewer | Status | Feedback |\n"
    "|------|----------|--------|----------|\n"
    "| 2026-03-05 | Bob | Draft | ok |\n"
    "\n"
    "## Metadata\n"
    "\n"
    "- **Created**: 2026-03-01\n"
    "- **Modified**: 2026-02-01 (first pass)\n"
)


def _expected_after(data: bytes) -> tuple[bytes, list[tuple[int, bytes, bytes]]]:
    """The fixed file, built by hand: (offset, old bytes, new bytes) for each edit."""
    edits = []
    for anchor, old, new in (
        (b'status: "', b"draft", b"Draft"),
        (b"**Status**: ", b"draft", b"Draft"),
        (b"**", b"type", b"Type"),
        (b"**Modified**: ", b"2026-02-01", b"2026-03-05"),
    ):
        at = data.index(anchor + old) + len(anchor)
        edits.append((at, old, new))
    out, pos = b"", 0
    for at, old, new in sorted(edits):
        out += data[pos:at] + new
        pos = at + len(old)
    return out + data[pos:], sorted(edits)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_fixes_change_only_their_own_bytes(tmp_path: Path, newline: str) -> None:
    config = default_config(tmp_path)
    data = FIXABLE.replace("\n", newline).encode("utf-8")
    path = "docs/specs/SPEC-001-fix-me.md"
    linter = Linter(config, select=["SB1"], today=dt.date(2026, 6, 15))

    findings = linter.lint_document(parse(data, path, config))
    fixable = {(f.rule, f.line) for f in findings if f.fix}
    assert fixable == {("SB102", 2), ("SB102", 9), ("SB109", 10), ("SB108", 25)}
    patches: list[Patch] = [p for f in findings for p in f.fix]
    fixed = apply_patches(data, patches)

    want, edits = _expected_after(data)
    assert fixed == want
    # each patch replaces exactly one intended token, nothing around it
    assert sorted((p.start, data[p.start : p.end], p.text) for p in patches) == edits
    # everything between, before and after the patches is byte-identical
    shift = prev = 0
    for p in sorted(patches):
        assert fixed[prev + shift : p.start + shift] == data[prev : p.start]
        assert fixed[p.start + shift : p.start + shift + len(p.text)] == p.text
        shift += len(p.text) - (p.end - p.start)
        prev = p.end
    assert fixed[prev + shift :] == data[prev:]
    assert fixed.count(b"\r\n") == data.count(b"\r\n")
    assert fixed.count(b"\n") == data.count(b"\n")

    again = linter.lint_document(parse(fixed, path, config))
    assert not [f for f in again if f.rule in ("SB102", "SB108", "SB109")]
    assert not [f for f in again if f.fix]
