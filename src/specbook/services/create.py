"""``specbook new``: a document from its kind's template with the next free ID.

Only the template's field values and its title line change; every other byte is
the template's.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from specbook.book import Book
from specbook.core.config import BookConfig, KindConfig
from specbook.core.errors import UsageError
from specbook.core.gitrun import GitFailed, git
from specbook.core.template_files import template_bytes
from specbook.core.text import name_problem, slugify
from specbook.edit.atomic import create_new, inside_book
from specbook.edit.lock import book_lock
from specbook.edit.patch import Patch, apply_patches
from specbook.parse import parse


def git_user_name(cwd: Path) -> str | None:
    """``git config user.name`` in ``cwd``, or ``None`` when git or the setting is missing."""
    try:
        out = git(cwd, "config", "user.name", timeout=5)
    except (GitFailed, UsageError):  # (unset, or git cannot run here)
        return None
    name = out.decode("utf-8", "replace").strip()
    return name or None


# An ID placeholder of a template (`KEP-NNNN`, `ADR-XXX`, `SPEC-000`), prefix captured.
_ID_PLACEHOLDER = re.compile(r"\b([A-Z][A-Z0-9]*)-(?:N{2,}|X{2,}|0{2,}|\?{2,})\b")
# what separates an ID from the title after it: `KEP-NNNN: Title`, `ADR-0001 — Title`
_AFTER_ID = re.compile(r"^[ \t]*(?::|—|–|-|\|)[ \t]*")


def _title_text(text: str, prefix: str, doc_id: str, title: str) -> str | None:
    """``text`` (a heading or title value) with the kind's ID placeholder replaced by
    ``doc_id`` and the prompt after it by ``title``; ``None`` when it has none."""
    for m in _ID_PLACEHOLDER.finditer(text):
        if m.group(1) != prefix:
            continue
        after = _AFTER_ID.match(text, m.end())
        if after is None or after.end() >= len(text.rstrip()):
            return text[: m.start()] + doc_id + ": " + title + text[len(text.rstrip()) :]
        return text[: m.start()] + doc_id + after.group(0) + title
    return None


def fill_template(
    template: bytes,
    kind: KindConfig,
    doc_id: str,
    title: str,
    values: dict[str, str],
    config: BookConfig | None = None,
) -> bytes:
    """The template with its field values and title replaced; nothing else changes.

    ``values`` maps canonical field keys (``date``, ``status``, ``author``…) to text;
    each is written into the first place the template states that field (read with
    ``config``'s field names, so a team's ``created_at`` is ``created``). A heading or
    ``title`` field holding the kind's ID placeholder (``# KEP-NNNN: Your title``) gets
    the ID and the title; a template with several H1s (its sections) keeps them.
    """
    doc = parse(template, None, config)
    patches: list[Patch] = []
    done: set[str] = set()
    wanted = {"id": doc_id, **values}
    for f in doc.fields:
        if f.key == "title" and f.key not in done:
            done.add(f.key)
            old = template[f.value_span.start : f.value_span.end].decode("utf-8", "replace")
            new = _title_text(old, kind.prefix, doc_id, title) or title
            patches.append(Patch(f.value_span.start, f.value_span.end, new.encode("utf-8")))
        elif f.key in wanted and f.key not in done:
            done.add(f.key)
            patches.append(
                Patch(f.value_span.start, f.value_span.end, wanted[f.key].encode("utf-8"))
            )
    h1s = [s for s in doc.all_sections() if s.level == 1]
    if len(h1s) == 1:  # (several H1s are the template's sections, not its title)
        h1 = h1s[0]
        line = template[h1.heading.start : h1.heading.end]
        text_end = len(line.rstrip(b"\r\n").rstrip(b" \t#"))
        stripped = line[:text_end]
        placed = _title_text(stripped.decode("utf-8", "replace"), kind.prefix, doc_id, title)
        # `# [Title]` in a book's template: the prompt is replaced; else `: Title` is added.
        open_at = stripped.rfind(b"[")
        if placed is not None:
            patches.append(
                Patch(h1.heading.start, h1.heading.start + text_end, placed.encode("utf-8"))
            )
        elif open_at >= 0 and stripped.endswith(b"]"):
            patches.append(
                Patch(
                    h1.heading.start + open_at, h1.heading.start + text_end, title.encode("utf-8")
                )
            )
        else:
            at = h1.heading.start + text_end
            patches.append(Patch(at, at, f": {title}".encode()))
    return apply_patches(template, patches)


# a top-level `key: value` line of a YAML sidecar (the value on the same line)
_YAML_LINE = re.compile(
    rb"^(?P<key>[A-Za-z_][A-Za-z0-9_ .-]*?)[ \t]*:[ \t]*(?P<value>[^\r\n#]*?)[ \t]*(?:#[^\r\n]*)?$",
    re.MULTILINE,
)


def fill_sidecar(
    data: bytes, config: BookConfig, number: str, title: str, values: dict[str, str]
) -> bytes:
    """A template's YAML sidecar (``kep.yaml``) for a new document: its number, title,
    status and dates written over the template's values, keeping their quoting; every
    other byte is the template's."""
    patches: list[Patch] = []
    done: set[str] = set()
    for m in _YAML_LINE.finditer(data):
        raw_key = m.group("key").decode("utf-8", "replace")
        value = m.group("value")
        if not value or value[:1] in (b"|", b">", b"[", b"{", b"&", b"*"):
            continue  # a block or a list: left as the template has it
        key = config.field_key(raw_key).replace(" ", "_")
        norm = key.replace("_", " ")
        if key in ("id", "number") or norm.endswith(" number"):
            new = number
            key = "number"
        elif key == "title":
            new = title
        elif key in values:
            new = values[key]
        else:
            continue
        if key in done:
            continue
        done.add(key)
        vs, ve = m.span("value")
        quote = value[:1] if value[:1] in (b'"', b"'") and value[-1:] == value[:1] else b""
        text = new.replace("\\", "\\\\").replace('"', '\\"') if quote == b'"' else new
        if quote == b"'":
            text = new.replace("'", "''")
        if not quote and (":" in new or new[:1] in "#&*!|>'\"%@`{[" or new != new.strip()):
            quote, text = b'"', new.replace("\\", "\\\\").replace('"', '\\"')
        patches.append(Patch(vs, ve, quote + text.encode("utf-8") + quote))
    return apply_patches(data, patches)


def used_names(book: Book, kind: KindConfig) -> set[int]:
    """Numbers taken by number-named files and folders (``0042-x.md``, ``1234-x/``)
    anywhere under the kind's folder."""
    from specbook.services.adopt.scan import number_of

    out: set[int] = set()
    top = book.root / kind.folder
    for _dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in (*dirnames, *filenames):
            n = number_of(name)
            if n is not None:
                out.add(int(n))
    return out


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
    written with an exclusive create, so concurrent calls never share an ID. The file
    is named by the kind's ``file_name`` (``{id}-{slug}.md``; a team's
    ``{number}-{slug}.md`` or ``{number}-{slug}/README.md``); a document folder gets the
    template folder's sidecars too, filled. Raises :class:`UsageError` for an unknown
    kind or type or an empty title, and :class:`WriteRefused` when the kind's folder
    leads outside the book.
    """
    kind = book.kind(kind_name)
    title = " ".join(title.split())
    if not title:
        raise UsageError('the title is empty; give one, e.g. specbook new spec "User login"')
    values: dict[str, str] = {}
    from specbook.core.clock import today as _today

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
    sidecars = _template_sidecars(book, kind) if "/" in kind.file_name else {}
    folder = book.root / kind.folder
    inside_book(folder, book.root)  # (before mkdir: a linked `docs` must not grow folders)
    folder.mkdir(parents=True, exist_ok=True)
    slug = slugify(title)
    with book_lock(book):
        taken = book.used_numbers(kind)
        if kind.ids_from_names or "{number}" in kind.file_name:
            taken |= used_names(book, kind)
        number = max(taken, default=0) + 1
        while True:
            padded = f"{number:0{kind.digits}d}"
            doc_id = f"{kind.prefix}-{padded}"
            rel = kind.file_name.format(id=doc_id, prefix=kind.prefix, number=padded, slug=slug)
            path = folder / rel
            data = fill_template(template, kind, doc_id, title, values, book.config)
            try:
                if path.parent != folder:
                    inside_book(path.parent.parent, book.root)
                    path.parent.mkdir(parents=False)  # the document's own folder: new
                create_new(path, data, root=book.root)
            except FileExistsError:
                number += 1
                continue
            for name, side in sidecars.items():
                filled = fill_sidecar(side, book.config, padded, title, values)
                create_new(path.parent / name, filled, root=book.root)
            return path


def _template_sidecars(book: Book, kind: KindConfig) -> dict[str, bytes]:
    """The kind's sidecar files beside its template (a template folder's ``kep.yaml``)."""
    from specbook.core.template_files import template_path

    tpath = template_path(book.config, kind)
    out: dict[str, bytes] = {}
    if tpath is None:
        return out
    for name in kind.sidecars:
        if "{stem}" in name:
            continue
        try:
            out[name] = (tpath.parent / name).read_bytes()
        except OSError:
            continue
    return out
