"""How a document's bytes are read (``specbook.core.layout.read_document``): one open,
the status taken before the read, and every byte however the size the status gave
compares with what the read finds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from specbook.core import layout
from specbook.core.config import BookConfig, default_config
from specbook.core.layout import read_document


def _config(root: Path) -> BookConfig:
    return default_config(root)


@pytest.mark.parametrize("size", [0, 1, 8_000, 3 * (1 << 20) + 7])
def test_reads_every_byte_and_the_status_before(tmp_path: Path, size: int) -> None:
    doc = tmp_path / "a.md"
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    doc.write_bytes(data)
    st = os.stat(doc)
    got = read_document(_config(tmp_path), doc, "a.md")
    assert got is not None
    sig, read, sidecars = got
    assert read == data
    assert sig == (st.st_mtime_ns, st.st_size)
    assert sidecars == ()


@pytest.mark.parametrize("told", [0, 5, 10_000])
def test_a_size_that_is_not_the_files_still_reads_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, told: int
) -> None:
    """A file grown or shrunk between the status and the read, or one whose size the
    system does not know (0), is read to its end, not cut at the size."""
    doc = tmp_path / "a.md"
    data = b"# Title\n\n" + b"line\n" * 3000
    doc.write_bytes(data)
    real = os.fstat

    class _Told:
        def __init__(self, st: os.stat_result) -> None:
            self.st_mtime_ns = st.st_mtime_ns
            self.st_size = told

    monkeypatch.setattr(layout.os, "fstat", lambda fd: _Told(real(fd)))
    got = read_document(_config(tmp_path), doc, "a.md")
    assert got is not None and got[1] == data
    assert got[0][1] == told


def test_a_missing_file_or_a_folder_is_none(tmp_path: Path) -> None:
    (tmp_path / "dir.md").mkdir()
    config = _config(tmp_path)
    assert read_document(config, tmp_path / "gone.md", "gone.md") is None
    assert read_document(config, tmp_path / "dir.md", "dir.md") is None
