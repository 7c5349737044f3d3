"""Finding a document for ``show`` and the text views of ``show`` and ``list``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeGuard

from specbook.book import Book
from specbook.book.jsonout import tags_of
from specbook.core.config import BookConfig, find_config_file, load_config
from specbook.core.errors import NotFoundError, UsageError
from specbook.core.model import Document, Field
from specbook.core.text import cells, is_placeholder, norm_key, shorten
from specbook.parse import parse
from specbook.services.zeroconf import open_book


def load_for_show(ref: str) -> Document:
    """``ref`` is a path to any Markdown file (inside a book or not) or a document ID.

    Raises :class:`NotFoundError` for a missing file, an unknown ID, and a path in a
    book whose real path lies outside it (a symbolic link leading out of the book).
    """
    path = Path(ref)
    looks_like_path = path.suffix.lower() in (".md", ".markdown") or "/" in ref or path.exists()
    if looks_like_path:
        if not path.is_file():
            raise NotFoundError(f"{ref}: no such file")
        # the book the path names (its folders as written, not where links lead): a
        # file of a book is read only inside it, as every command reads it
        config_file = find_config_file(path.parent, as_written=True)
        if config_file is not None:
            book: Book | None = Book(load_config(config_file))
        else:
            book = _inferred_book_of(path)
        if book is not None and not book.contains(path):
            raise NotFoundError(
                f"{ref}: a symbolic link leading out of the book at {book.root}; "
                "specbook reads only the book's own files"
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise NotFoundError(f"{ref}: cannot read the file ({exc.strerror})") from exc
        if book is None:
            return parse(data, str(path), None)
        if config_file is None:
            return parse(data, book.rel(path), book.config)
        if not path.name.lower().endswith((".md", ".markdown")):
            # a sidecar file (`kep.yaml`) stands for its document
            owned = book.sidecar_owners().get(os.path.normpath(path.resolve()), [])
            if len(owned) == 1:
                return book.load(owned[0])
        rel = book.rel(path)
        return parse(data, rel, book.config, book.sidecars(rel))
    return open_book().find(ref)


def _inferred_book_of(path: Path) -> Book | None:
    """The zero-config book holding ``path`` (rooted at the current folder's git top, or
    the current folder), or ``None`` when it lies outside it or there is none."""
    from specbook.core.errors import NoBookError
    from specbook.services.zeroconf import book_root

    root = book_root(Path.cwd())
    if not Path(os.path.abspath(path)).is_relative_to(root):  # (as written: see contains)
        return None
    try:
        return open_book(root)
    except NoBookError:
        return None


def filter_documents(
    docs: Iterable[Document],
    kind: str | None = None,
    status: str | None = None,
    type_: str | None = None,
    tag: str | None = None,
) -> list[Document]:
    """Documents matching every given filter (statuses compare canonical words)."""
    want_status = norm_key(status) if status else None
    want_type = norm_key(type_) if type_ else None
    want_tag = norm_key(tag) if tag else None
    out = []
    for d in docs:
        if kind and d.kind != kind:
            continue
        if want_status is not None and want_status not in (
            norm_key(d.status_canonical or ""),
            norm_key(d.status or ""),
        ):
            continue
        if want_type is not None and norm_key(d.type or "") != want_type:
            continue
        if want_tag is not None and want_tag not in {norm_key(t) for t in tags_of(d)}:
            continue
        out.append(d)
    return out


def check_filters(
    config: BookConfig,
    docs: Sequence[Document],
    kind: str | None = None,
    status: str | None = None,
    type_: str | None = None,
    tag: str | None = None,
) -> None:
    """Raise :class:`UsageError` for a filter of :func:`filter_documents` that no document
    could match, naming the values there are: a status or type the config does not know
    for ``kind`` (every kind when ``None``) and no document in it states, or a tag no
    document carries. Like the filters, this ignores case."""
    kinds = [config.kinds[kind]] if kind else list(config.kinds.values())
    scope = f"{kind}'s" if kind else "this book's"
    in_scope = [d for d in docs if not kind or d.kind == kind]
    if status:
        known = [s for k in kinds for s in k.statuses]
        aliases = [a for k in kinds for a in k.status_aliases]
        stated = [v for d in in_scope for v in (d.status, d.status_canonical) if _said(v)]
        _check_value("status", status, scope, "statuses", known, aliases, stated)
    if type_:
        known = [t for k in kinds for t in k.types]
        stated = [d.type for d in in_scope if _said(d.type)]
        _check_value("type", type_, scope, "types", known, [], stated)
    if tag:
        tags = sorted((t for d in docs for t in tags_of(d)), key=str.casefold)
        if norm_key(tag) not in {norm_key(t) for t in tags}:
            raise UsageError(
                f"unknown tag {tag!r}; "
                + (
                    f"the documents carry: {_names(tags)} (any case)"
                    if tags
                    else "no document carries a tag"
                )
            )


def _said(value: str | None) -> TypeGuard[str]:
    """Whether a document states ``value`` (not empty, not a template's prompt)."""
    return bool(value) and not is_placeholder(value or "")


def _check_value(
    what: str,
    value: str,
    scope: str,
    plural: str,
    known: list[str],
    aliases: list[str],
    stated: list[str],
) -> None:
    keys = {norm_key(v) for v in (*known, *aliases, *stated)}
    if norm_key(value) in keys:
        return
    message = f"unknown {what} {value!r}; {scope} {plural}: {_names(known) or '(none)'}"
    config_keys = {norm_key(v) for v in (*known, *aliases)}
    others = [v for v in stated if norm_key(v) not in config_keys]
    if others:
        message += f"; documents also say: {_names(others)}"
    raise UsageError(message + " (any case)")


def _names(values: Iterable[str], most: int = 30) -> str:
    """``values`` once each (the first spelling of each, ignoring case), in order."""
    seen: dict[str, str] = {}
    for v in values:
        seen.setdefault(norm_key(v), v)
    names = list(seen.values())
    more = f", … ({len(names) - most} more)" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def shared_ids(docs: Iterable[Document]) -> dict[str, list[Document]]:
    """The IDs (upper case, as :meth:`Book.find` compares them) that more than one of
    ``docs`` carries, each with those documents, by path."""
    by_id: dict[str, list[Document]] = {}
    for d in docs:
        if d.id:
            by_id.setdefault(d.id.upper(), []).append(d)
    return {
        k: sorted(v, key=lambda d: d.path or "") for k, v in sorted(by_id.items()) if len(v) > 1
    }


def same_id_paths(shared: dict[str, list[Document]]) -> dict[str, list[str]]:
    """Each document of :func:`shared_ids` (its path) -> the paths of the others that
    carry its ID."""
    return {
        d.path or "": [o.path or "" for o in group if o is not d]
        for group in shared.values()
        for d in group
    }


def shared_ids_warning(doc_id: str, carriers: Sequence[Document]) -> str:
    """The warning about an ID that ``carriers`` (more than one document) share."""
    paths = ", ".join(d.path or "?" for d in carriers)
    return (
        f"{carriers[0].id or doc_id} is the ID of {len(carriers)} documents ({paths}); "
        "a command given this ID refuses it, so name one by its path; `specbook renumber` "
        "gives the newer one the next free ID"
    )


def render_list(
    docs: list[Document], width: int | None = None, same: dict[str, list[str]] | None = None
) -> str:
    """One line per document: ID, status, type, title; a document whose ID others also
    carry (``same``: its path -> theirs) ends in ``[same ID as PATH]``.

    With ``width`` (a terminal's columns) no line is wider: an ID, status or type
    longer than a quarter of it (16 columns at least) is cut, and so is the title at the
    end of the line (before the mark of a shared ID), each ending in ``…``. Without,
    every value is whole.
    """
    if not docs:
        return "no documents\n"
    same = same or {}
    rows = [(d.id or "-", d.status_canonical or d.status or "-", d.type or "-") for d in docs]
    if width is not None:
        most = max(16, width // 4)
        rows = [(shorten(a, most), shorten(b, most), shorten(c, most)) for a, b, c in rows]
    widths = [max(cells(r[i]) for r in rows) for i in range(3)]
    lines = []
    for r, d in zip(rows, docs, strict=True):
        line = "  ".join(v + " " * (w - cells(v)) for v, w in zip(r, widths, strict=True))
        line += "  " + d.title
        others = same.get(d.path or "")
        mark = f"  [same ID as {', '.join(others)}]" if others else ""
        if width is None:
            lines.append(line + mark)
        else:
            # the mark stays whole while there is room for it: it is what to act on
            room = max(width // 2, width - cells(mark))
            lines.append(shorten(shorten(line, room) + mark, width))
    lines.append(f"{len(docs)} document{'s' if len(docs) != 1 else ''}")
    return "\n".join(lines) + "\n"


def field_place(f: Field) -> str:
    """Where a field stands, as ``show`` prints it: its line in the document (``12``),
    or the file name and line of the sidecar holding it (``kep.yaml:7``)."""
    if f.file is None:
        return str(f.span.line)
    return f"{f.file.rsplit('/', 1)[-1]}:{f.span.line}"


def render_text(doc: Document) -> str:
    """A readable summary of one document, with line numbers."""
    out = [f"{doc.id or '(no ID)'}  {doc.title}"]
    status = doc.status or "-"
    if doc.status_canonical and doc.status_canonical != doc.status:
        status += f" (= {doc.status_canonical})"
    out.append(f"  kind: {doc.kind or '-'}   status: {status}   type: {doc.type or '-'}")
    out.append(f"  path: {doc.path}")
    if doc.sidecars:
        out.append(f"  sidecar{'s' if len(doc.sidecars) > 1 else ''}: ")
        out[-1] += ", ".join(s.path for s in doc.sidecars)
    if doc.fields:
        out.append("\nFields")
        # a field of a sidecar file is shown at its own file and line: `kep.yaml:7`
        places = [field_place(f) for f in doc.fields]
        width = max(5, *(len(p) for p in places))
        for f, place in zip(doc.fields, places, strict=True):
            where = f" [{f.section}]" if f.section else ""
            out.append(f"  {place:>{width}}  {f.name}: {f.value}   ({f.source}{where})")
    outline = [s for s in doc.all_sections() if s.level > 1]
    if outline:
        out.append("\nSections")
        for s in outline:
            out.append(f"  {s.heading.line:>5}  {'  ' * (s.level - 2)}{s.title}")
    if doc.requirements:
        out.append("\nRequirements")
        for r in doc.requirements:
            extra = r.target if r.kind == "non-functional" else r.criteria
            label = "target" if r.kind == "non-functional" else "acceptance"
            out.append(f"  {r.span.line:>5}  {r.id}: {r.text}")
            out.append(f"         {label}: {extra if extra else '(none)'}")
    if doc.checklists:
        done = sum(1 for c in doc.checklists if c.checked)
        out.append(f"\nChecklist: {done}/{len(doc.checklists)} done")
    if doc.references:
        out.append("\nReferences")
        for ref in doc.references:
            out.append(
                f"  {ref.span.line:>5}  {ref.text}" + (f"   [{ref.section}]" if ref.section else "")
            )
    if doc.review_history:
        out.append("\nReview history")
        for e in doc.review_history:
            out.append(f"  {e.span.line:>5}  {e.date}  {e.reviewer}  {e.status}  {e.feedback}")
    if doc.problems:
        out.append("\nProblems")
        for p in doc.problems:
            out.append(f"  {p.span.line:>5}  {p.code}: {p.message}")
    return "\n".join(out) + "\n"
