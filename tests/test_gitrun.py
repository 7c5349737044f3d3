"""specbook.core.gitrun: the one module that runs git; many reads through one `git
cat-file --batch`; paths read NUL-separated."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from specbook.core.gitrun import BlobReader, GitFailed, git, git_z
from tests.gitbook import commit, init, isolate, write
from tests.gitbook import git as plain_git

SRC = Path(__file__).resolve().parents[1] / "src"


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


def test_git_z_gives_paths_as_python_names_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch)  # (core.quotepath as git's default: on)
    top = tmp_path / "repo"
    init(top)
    names = ["d/café.md", 'd/a b "q".md', "d/tab\there.md", "d/new\nline.md", "d/back\\slash.md"]
    for name in names:
        write(top / name, "x\n")
    latin1 = os.fsdecode(b"d/caf\xe9.md")  # not UTF-8: as os.listdir names it
    (top / latin1).write_text("x\n")
    commit(top, "files", "2026-03-01T10:00:00Z")
    listed = git_z(top, "ls-files")
    assert sorted(listed) == sorted([*names, latin1])
    assert {f"d/{n}" for n in os.listdir(top / "d")} == set(listed)
    # what a listing without -z prints (git's default here)
    assert '"d/caf\\303\\251.md"' in plain_git(top, "ls-files").split("\n")


# -- only gitrun.py starts git ------------------------------------------------------------------
_SPAWNING_MODULES = ("subprocess", "pty", "asyncio.subprocess")
_OS_SPAWN = re.compile(r"^(?:system|popen|exec\w*|spawn\w*|posix_spawnp?|create_subprocess_\w+)$")
_GIT = re.compile(r"^(?:\S*/)?git(?:\.exe)?(?:\s|$)")


def starts_git(source: str) -> bool:
    """Whether a module can start a process (subprocess, pty, os.system/exec/spawn/
    popen, asyncio's subprocesses) and names the git command in a string."""
    spawns = names_git = False
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            spawns |= any(a.name.startswith(_SPAWNING_MODULES) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            spawns |= module.startswith(_SPAWNING_MODULES) or (
                module in ("os", "asyncio") and any(_OS_SPAWN.match(a.name) for a in node.names)
            )
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            spawns |= node.value.id in ("os", "asyncio") and bool(_OS_SPAWN.match(node.attr))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names_git |= bool(_GIT.match(node.value))
    return spawns and names_git


@pytest.mark.parametrize(
    ("source", "starts"),
    [
        ('import subprocess\nsubprocess.run(["git", "log"])', True),
        ('from subprocess import run as r\nr("git status", shell=True)', True),
        ('import os\nos.system("git diff --name-only")', True),
        ('from os import execvp\nexecvp("/usr/bin/git", ["git"])', True),
        ('import asyncio\nasyncio.create_subprocess_exec("git", "log")', True),
        ('import subprocess\nsubprocess.run(["chromium", "--headless"])', False),
        ('TAGS = ("lifecycle", "git")\nprint("git history")', False),
        ('import platform\nplatform.system()\nx = "github"', False),
    ],
)
def test_the_scan_sees_a_git_process(source: str, starts: bool) -> None:
    assert starts_git(source) is starts


def test_only_gitrun_starts_git() -> None:
    """Every git command goes through specbook.core.gitrun (its options: paths are file
    names, not patterns; listings are read with -z): no module runs its own."""
    modules = sorted(SRC.rglob("*.py"))
    assert len(modules) > 50
    runners = [p.relative_to(SRC).as_posix() for p in modules if starts_git(p.read_text("utf-8"))]
    assert runners == ["specbook/core/gitrun.py"]
