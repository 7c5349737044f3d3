"""``lint FOLDER``'s files (``lint.run.expand_paths``): the documents whose real path
lies under the named folder's real path, each once however many names reach it. The
real paths are worked out per folder (one ``realpath`` per folder, an ``lstat`` per
file); a file that is itself a link still resolves to where it leads."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from specbook.lint.run import expand_paths
from specbook.services.zeroconf import open_book
from tests.conftest import REPO


def _book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(REPO / "examples" / "book", root, ignore=shutil.ignore_patterns(".specbook"))
    return root


def _real(paths: list[Path]) -> list[str]:
    return sorted(os.path.realpath(p) for p in paths)


def test_folder_gives_the_documents_under_it_once(tmp_path: Path) -> None:
    root = _book(tmp_path)
    book = open_book(root)
    every = book.paths()
    folder = every[0].parent
    got = expand_paths(book, [folder])
    want = [p for p in every if p.resolve().is_relative_to(folder.resolve())]
    assert got and _real(got) == _real(want)
    # the folder named twice, and one of its files besides: each file once
    again = expand_paths(book, [folder, folder, got[0]])
    assert _real(again) == _real(want)


def test_a_linked_folder_reaches_its_targets_documents(tmp_path: Path) -> None:
    root = _book(tmp_path)
    book = open_book(root)
    every = book.paths()
    folder = every[0].parent
    alias = root / "alias"
    alias.symlink_to(folder, target_is_directory=True)
    got = expand_paths(book, [alias])
    assert _real(got) == _real([p for p in every if p.parent == folder])
    # the folder and its alias: the same files, not twice
    both = expand_paths(book, [folder, alias])
    assert len(both) == len(got)


def test_a_file_that_is_a_link_counts_where_it_leads(tmp_path: Path) -> None:
    root = _book(tmp_path)
    book = open_book(root)
    every = book.paths()
    first, folder = every[0], every[0].parent
    other = root / "other"
    other.mkdir()
    link = other / first.name
    link.symlink_to(first)
    # the link and its target name one document: listed once
    got = expand_paths(book, [first, link])
    assert len(got) == 1
    # a link to a document in the folder does not make ``other`` hold a document of it
    inside = expand_paths(book, [folder])
    assert all(not str(p).startswith(str(other)) for p in inside)


def test_many_files_named_a_link_leading_out_is_refused(tmp_path: Path) -> None:
    root = _book(tmp_path)
    outside = tmp_path / "secret.md"
    outside.write_text("# not the book's\n")
    book = open_book(root)
    every = book.paths()
    out = every[0].parent / "out.md"
    out.symlink_to(outside)
    # named one by one with the book's files (the folder's real path worked out once)
    got = expand_paths(book, [*every, out])
    assert _real(got) == _real(every)
    assert any("out.md" in rel for rel in book.skipped)
