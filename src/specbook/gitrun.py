"""Running git: one command, the repository's top, and blobs by the batch.

Kept apart from :mod:`specbook.diff` so that what only runs git (rule SB505 in a
one-file lint) does not import the document differ.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from specbook.errors import UsageError


class GitFailed(Exception):
    """git ran and refused; the message is git's own last line."""


def git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    """Run git in ``cwd`` and return its output.

    Raises :class:`UsageError` when git cannot be run and :class:`GitFailed` when it
    exits non-zero.
    """
    try:
        done = subprocess.run(
            ["git", "-C", str(cwd), *args],
            input=data,
            capture_output=True,
            check=False,
            timeout=120,
        )
    except FileNotFoundError as exc:
        raise UsageError(
            f"`git {args[0] if args else ''}` cannot run: no `git` command is on PATH (install git)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise UsageError(f"`git {' '.join(args)}` took longer than 120 s") from exc
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitFailed(lines[-1] if lines else f"git {args[0]} failed")
    return done.stdout


def repository_top(root: Path) -> Path:
    """The top folder of the git work tree holding ``root``.

    Raises :class:`UsageError` (exit 2) outside a git repository.
    """
    try:
        out = git(root, "rev-parse", "--show-toplevel")
    except GitFailed as exc:
        raise UsageError(
            f"{root} is not inside a git repository; `specbook diff` compares git "
            "revisions (commit the book to git, or run it inside the repository)"
        ) from exc
    return Path(os.path.realpath(out.decode().strip()))


def read_blobs(top: Path, names: Sequence[str]) -> dict[str, bytes | None]:
    """The bytes of each ``REV:path`` in ``names`` (``None`` when missing), read by
    one ``git cat-file --batch``. Raises :class:`GitFailed`."""
    if not names:
        return {}
    with BlobReader(top) as reader:
        return reader.read(names)


class BlobReader:
    """One ``git cat-file --batch`` for many reads: :meth:`read` takes ``REV:path``
    names or object IDs, a batch at a time, and returns their bytes (``None`` when
    missing or not a blob). Use as a context manager. Raises :class:`GitFailed`
    when git stops answering."""

    def __init__(self, top: Path) -> None:
        try:
            self._proc = subprocess.Popen(
                ["git", "-C", str(top), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise GitFailed(f"cannot run git cat-file: {exc}") from exc

    def read(self, names: Sequence[str]) -> dict[str, bytes | None]:
        import threading

        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        out: dict[str, bytes | None] = {n: None for n in names if "\n" in n}
        names = [n for n in names if "\n" not in n]  # (a request is a line)
        requests = "".join(f"{n}\n" for n in names).encode("utf-8", "surrogateescape")
        failed: list[OSError] = []

        def feed() -> None:  # (written beside the reads: both pipes have a bounded buffer)
            try:
                assert proc.stdin is not None
                proc.stdin.write(requests)
                proc.stdin.flush()
            except OSError as exc:
                failed.append(exc)

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            for name in names:
                header = proc.stdout.readline().split()
                if len(header) < 2:
                    raise GitFailed("git cat-file stopped answering")
                if header[-1] == b"missing" or len(header) < 3:
                    out[name] = None
                    continue
                data = proc.stdout.read(int(header[2]))
                proc.stdout.read(1)  # the newline after the object
                out[name] = data if header[1] == b"blob" else None
        finally:
            writer.join()
        if failed:
            raise GitFailed(f"git cat-file: {failed[0]}")
        return out

    def close(self) -> None:
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                # (git already gone: requests it never read have no reader)
                with contextlib.suppress(OSError):
                    pipe.close()
        self._proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
