"""specbook.gitrun.BlobReader: many reads through one `git cat-file --batch`."""

from __future__ import annotations

from pathlib import Path

import pytest

from specbook.gitrun import BlobReader, GitFailed, git
from tests.gitbook import commit, init, isolate, write


def test_reads_blobs_by_name_and_id_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch)
    top = tmp_path / "repo"
    init(top)
    # more requests and answers than a pipe holds, so writing and reading must overlap
    texts = {f"d/f{i:04d}.md": f"file {i}\n" * (i % 7 + 1) for i in range(1500)}
    for name, text in texts.items():
        write(top / name, text)
    head = commit(top, "files", "2026-03-01T10:00:00Z")
    blob = git(top, "rev-parse", f"{head}:d/f0007.md").decode().strip()
    names = [f"{head}:{n}" for n in texts]
    with BlobReader(top) as reader:
        got = reader.read(names)
        assert got == {f"{head}:{n}": t.encode() for n, t in texts.items()}
        # the same process answers again: a blob ID, a missing path, a tree, a newline
        again = reader.read([blob, f"{head}:nope.md", f"{head}:d", f"{head}:a\nb"])
    assert again == {
        blob: texts["d/f0007.md"].encode(),
        f"{head}:nope.md": None,
        f"{head}:d": None,
        f"{head}:a\nb": None,
    }


@pytest.mark.parametrize("count", [1, 300, 3000, 30000])
def test_outside_a_repository_it_fails_cleanly(tmp_path: Path, count: int) -> None:
    # git exits at once; requests it never read must not surface as a broken pipe,
    # whether they fit in the pipe or not
    for _ in range(5):
        with pytest.raises(GitFailed), BlobReader(tmp_path) as reader:
            reader.read([f"HEAD:x{i}" for i in range(count)])
