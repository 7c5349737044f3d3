"""Running git: the one place in specbook that starts a git process.

Every git command goes through :func:`git` (or :class:`BlobReader`'s one ``git
cat-file --batch``), and every command that lists paths through :func:`git_z`: git
quotes a path with a byte outside printable ASCII, a quote, a tab or a newline
(``"docs/specs/SPEC-099-caf\\303\\251.md"``, core.quotepath) unless ``-z`` asks for
NUL-terminated paths as they are. tests/test_gitrun.py holds the rest of ``src/`` to
this.

Kept apart from :mod:`specbook.book.diff` so that what only runs git (rule SB505 in a
one-file lint) does not import the document differ.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from specbook.core.errors import UsageError

# Before every command: paths given after ``--`` are file names, never patterns or
# magic (``SPEC-001-[draft].md`` would be a glob), and a path a command prints
# without -z keeps its non-ASCII letters (quotes, tabs and newlines are still quoted,
# so listings use -z regardless).
_OPTIONS = ("-c", "core.quotepath=off", "--literal-pathspecs")


def command(cwd: Path, *args: str) -> list[str]:
    """The argument list that runs ``git ARGS`` in ``cwd`` (for :class:`BlobReader`
    and for tests that count what specbook starts)."""
    return ["git", "-C", str(cwd), *_OPTIONS, *args]


class GitFailed(Exception):
    """git ran and refused; the message is git's own last line."""


def git(cwd: Path, *args: str, data: bytes | None = None, timeout: float = 120) -> bytes:
    """Run git in ``cwd`` (``data`` on its standard input) and return its output.

    Raises :class:`UsageError` when git cannot be run or takes longer than
    ``timeout`` seconds, and :class:`GitFailed` when it exits non-zero.
    """
    try:
        done = subprocess.run(
            command(cwd, *args),
            input=data,
            capture_output=True,
            check=False,
            timeout=timeout,
        )
    except FileNotFoundError as exc:
        raise UsageError(
            f"`git {args[0] if args else ''}` cannot run: no `git` command is on PATH (install git)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise UsageError(f"`git {' '.join(args)}` took longer than {timeout:g} s") from exc
    except OSError as exc:  # (git found but not runnable, or cwd gone)
        raise UsageError(f"`git {args[0] if args else ''}` cannot run: {exc}") from exc
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitFailed(lines[-1] if lines else f"git {args[0]} failed")
    return done.stdout


def git_z(cwd: Path, *args: str, data: bytes | None = None) -> list[str]:
    """Run ``git COMMAND -z ARGS`` in ``cwd`` (``args[0]`` is the COMMAND; do not
    pass ``-z``) and return its NUL-separated fields, empty ones left out, each
    decoded as Python decodes file names (:func:`os.fsdecode`, so a path compares
    equal to the one :func:`os.scandir` gives, even when it is not UTF-8).

    For a listing (``diff --name-only``, ``ls-files``, ``ls-tree --name-only``) the
    fields are the paths, relative to the repository's top unless the command says
    otherwise; for ``--raw`` output they are the records' parts. Raises as
    :func:`git` does.
    """
    out = git(cwd, args[0], "-z", *args[1:], data=data)
    # (decoded whole, as os.fsdecode decodes each field: a NUL is never inside a
    # character; one call, not one per path of a 10,000-file log)
    text = out.decode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    return [f for f in text.split("\0") if f]


def toplevel(cwd: Path) -> Path:
    """The top folder of the git work tree holding ``cwd``, as a real path.

    Raises :class:`GitFailed` outside a work tree and :class:`UsageError` when git
    cannot be run.
    """
    out = git(cwd, "rev-parse", "--show-toplevel")
    # (printed as it is, not quoted; only the newline after it is git's)
    return Path(os.path.realpath(os.fsdecode(out.removesuffix(b"\n"))))


def repository_top(root: Path) -> Path:
    """The top folder of the git work tree holding ``root``.

    Raises :class:`UsageError` (exit 2) outside a git repository.
    """
    try:
        return toplevel(root)
    except GitFailed as exc:
        raise UsageError(
            f"{root} is not inside a git repository; `specbook diff` compares git "
            "revisions (commit the book to git, or run it inside the repository)"
        ) from exc


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
                command(top, "cat-file", "--batch"),
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
        requests = os.fsencode("".join(f"{n}\n" for n in names))
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
