"""``specbook new``: a document from its kind's template with the next free ID.

Only the template's field values and its title line change; every other byte is
the template's.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from specbook.book import Book
from specbook.config import KindConfig
from specbook.edit.atomic import create_new, inside_book
from specbook.edit.patch import Patch, apply_patches
from specbook.errors import UsageError
from specbook.gitrun import GitFailed, git
from specbook.parse import parse
from specbook.state import make_state_dir
from specbook.templates import template_bytes
from specbook.text import name_problem, slugify


def git_user_name(cwd: Path) -> str | None:
    """``git config user.name`` in ``cwd``, or ``None`` when git or the setting is missing."""
    try:
        out = git(cwd, "config", "user.name", timeout=5)
    except (GitFailed, UsageError):  # (unset, or git cannot run here)
        return None
    name = out.decode("utf-8", "replace").strip()
    return name or None


@contextmanager
def book_lock(book: Book) -> Iterator[None]:
    """An exclusive lock on the book (``.specbook/lock``) across processes."""
    folder = book.root / ".specbook"
    make_state_dir(folder)
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def fill_template(
    template: bytes,
    kind: KindConfig,
    doc_id: str,
    title: str,
    values: dict[str, str],
) -> bytes:
    """The template with its field values and title replaced; nothing else changes.

    ``values`` maps canonical field keys (``date``, ``status``, ``author``…) to text;
    each is written into the first place the template states that field.
    """
    doc = parse(template, None, None)
    patches: list[Patch] = []
    done: set[str] = set()
    wanted = {"id": doc_id, **values}
    for f in doc.fields:
        if f.key in wanted and f.key not in done:
            done.add(f.key)
            patches.append(
                Patch(f.value_span.start, f.value_span.end, wanted[f.key].encode("utf-8"))
            )
    h1 = next((s for s in doc.all_sections() if s.level == 1), None)
    if h1 is not None:
        line = template[h1.heading.start : h1.heading.end]
        text_end = len(line.rstrip(b"\r\n").rstrip(b" \t#"))
        stripped = line[:text_end]
        # `# [Title]` in a book's template: the prompt is replaced; else `: Title` is added.
        open_at = stripped.rfind(b"[")
        if open_at >= 0 and stripped.endswith(b"]"):
            patches.append(
                Patch(
                    h1.heading.start + open_at, h1.heading.start + text_end, title.encode("utf-8")
                )
            )
        else:
            at = h1.heading.start + text_end
            patches.append(Patch(at, at, f": {title}".encode()))
    return apply_patches(template, patches)


def new_document(
    book: Book,
    kind_name: str,
    title: str,
    type_: str | None = None,
    author: str | None = None,
    today: dt.date | None = None,
) -> Path:
    """Create a document of ``kind_name`` titled ``title`` and return its path.

    The ID is the next free number of the kind, chosen under a book-wide lock and
    written with an exclusive create, so concurrent calls never share an ID.
    Raises :class:`UsageError` for an unknown kind or type or an empty title, and
    :class:`WriteRefused` when the kind's folder leads outside the book.
    """
    kind = book.kind(kind_name)
    title = " ".join(title.split())
    if not title:
        raise UsageError('the title is empty; give one, e.g. specbook new spec "User login"')
    values: dict[str, str] = {}
    from specbook.clock import today as _today

    day = (today or _today()).isoformat()
    values.update(date=day, created=day, modified=day, status=kind.statuses[0])
    if type_ is not None:
        canonical = kind.canonical_type(type_)
        if canonical is None:
            allowed = ", ".join(kind.types) or "(none configured)"
            raise UsageError(f"unknown type {type_!r} for {kind.name}; allowed: {allowed}")
        values["type"] = canonical
    author = author or git_user_name(book.root)
    if author:
        problem = name_problem(author)
        if problem:  # a newline would write a Metadata line of the caller's choosing
            raise UsageError(f"the author {author!r} {problem}")
        values["author"] = author
    template = template_bytes(book.config, kind)
    folder = book.root / kind.folder
    inside_book(folder, book.root)  # (before mkdir: a linked `docs` must not grow folders)
    folder.mkdir(parents=True, exist_ok=True)
    slug = slugify(title)
    with book_lock(book):
        number = max(book.used_numbers(kind), default=0) + 1
        while True:
            doc_id = f"{kind.prefix}-{number:0{kind.digits}d}"
            path = folder / f"{doc_id}-{slug}.md"
            data = fill_template(template, kind, doc_id, title, values)
            try:
                create_new(path, data, root=book.root)
            except FileExistsError:
                number += 1
                continue
            return path
