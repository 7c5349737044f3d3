"""Which files make up a book: kind folders, the templates folder, ``exclude`` globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from specbook.services.zeroconf import open_book


def _touch(root: Path, *rels: str) -> None:
    for rel in rels:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("# x\n")


@pytest.mark.parametrize(
    ("exclude", "gone"),
    [
        (None, {"docs/specs/README.md", "docs/specs/old/readme.md"}),  # the default
        ('["**/README.md"]', {"docs/specs/README.md"}),
        ('["**/draft-*.md"]', {"docs/specs/draft-1.md", "docs/specs/old/draft-2.md"}),
        ('["docs/specs/old/*"]', {"docs/specs/old/readme.md", "docs/specs/old/draft-2.md",
                                  "docs/specs/old/SPEC-003-c.md"}),
        ('["**/old/*.md"]', {"docs/specs/old/readme.md", "docs/specs/old/draft-2.md",
                             "docs/specs/old/SPEC-003-c.md"}),
        ('["**/README.md", "**/SPEC-00[12]-*.md"]',
         {"docs/specs/README.md", "docs/specs/SPEC-001-a.md", "docs/specs/SPEC-002-b.md"}),
        ("[]", set()),
    ],
)  # fmt: skip
def test_exclude_globs(tmp_path: Path, exclude: str | None, gone: set[str]) -> None:
    """``**/NAME`` drops NAME in any folder (plain names and globs alike); any other
    pattern matches the whole book-relative path. Case matters, as in the globs."""
    config = "[book]\nname = 't'\n" + (f"exclude = {exclude}\n" if exclude is not None else "")
    (tmp_path / "specbook.toml").write_text(config)
    files = {
        "docs/specs/SPEC-001-a.md", "docs/specs/SPEC-002-b.md", "docs/specs/README.md",
        "docs/specs/draft-1.md", "docs/specs/old/SPEC-003-c.md", "docs/specs/old/readme.md",
        "docs/specs/old/draft-2.md", "docs/specs/Readme.md",
    }  # fmt: skip
    _touch(tmp_path, *files, "docs/specs/.hidden/SPEC-009-h.md", "docs/specs/notes.txt")
    book = open_book(tmp_path)
    got = {book.rel(p) for p in book.path_strings()}
    assert got == files - gone
