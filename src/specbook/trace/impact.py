"""Which documents a change touches: files named in Implementation Plans.

A document names a file in a list item of a section titled ``Files to …`` (the
template's *Files to Create* and *Files to Modify*, or *Files to Delete*): every
code span in the item's first line that looks like a path (``parcel/api/x.py``,
``parcel/webhooks/`` for a whole folder, ``parcel/**/*.sql`` for a glob), or else
the item's first word when it does.

A changed file matches a named file when, both relative to the book root with
``./``, backslashes and ``..`` normalised, they are equal, the named path is a
folder holding the file, the named glob matches it, or the changed path ends with
the named one at a folder boundary (``src/parcel/app.py`` matches
``parcel/app.py``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbook.book.jsonout import REPORT_KEYS, document_summary
from specbook.core.errors import UsageError
from specbook.core.gitrun import GitFailed, git, git_z, toplevel
from specbook.core.model import Document
from specbook.trace.coverage import glob_regex, list_items

_FILES_SECTION = re.compile(r"^files?\s+to\s+\w+", re.IGNORECASE)
_CODE_SPAN = re.compile(rb"`([^`\r\n]+)`")
_PATHLIKE = re.compile(r"^[\w.*?\[\]{}@+~-]+(?:[/\\][\w.*?\[\]{}@+~-]*)*$")


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """A file a document's Implementation Plan names, normalised (``written`` as
    written), with the line and the ``Files to …`` section it is in."""

    path: str
    written: str
    line: int
    section: str
    checked: bool | None


def normalise(path: str, root: Path | None = None) -> str:
    """``path`` as a POSIX path relative to ``root``: backslashes become ``/``,
    ``./`` and ``a/../`` go, and an absolute path inside ``root`` loses the root
    (an absolute path outside it stays absolute). A trailing ``/`` is kept."""
    text = path.strip().replace("\\", "/")
    folder = text.endswith("/")
    is_abs = text.startswith("/") or bool(re.match(r"^[A-Za-z]:/", text))
    if is_abs and root is not None:
        root_posix = str(root).replace("\\", "/").rstrip("/")
        if text == root_posix or text.startswith(root_posix + "/"):
            text = text[len(root_posix) + 1 :]
            is_abs = False
        else:
            try:
                text = Path(text).resolve().relative_to(root.resolve()).as_posix()
                is_abs = False
            except (ValueError, OSError):
                pass
    text = posixpath.normpath(text) if text else text
    if text == ".":
        text = ""
    return text + ("/" if folder and text and not text.endswith("/") else "")


def _looks_like_path(text: str) -> bool:
    if " " in text or "(" in text or not _PATHLIKE.match(text):
        return False
    if text.endswith(("/", "\\")):
        return True
    last = re.split(r"[/\\]", text)[-1]
    return "/" in text.replace("\\", "/") or bool(re.search(r"\.\w+$", last))


def planned_files(doc: Document) -> tuple[PlannedFile, ...]:
    """Every file the document's ``Files to …`` sections name, in document order."""
    out: list[PlannedFile] = []
    for section in doc.flat_sections:
        title = section.template_name or section.title
        if not _FILES_SECTION.match(title.strip()):
            continue
        for item in list_items(doc, section):
            spans = [
                m.group(1).decode("utf-8", "replace").strip()
                for m in _CODE_SPAN.finditer(item.text)
            ]
            names = [s for s in spans if _looks_like_path(s)]
            if not spans:
                words = item.text.decode("utf-8", "replace").split()
                if words and _looks_like_path(words[0]):
                    names = [words[0]]
            for written in names:
                out.append(PlannedFile(normalise(written), written, item.line, title, item.checked))
    return tuple(out)


def _matches(changed: str, planned: str) -> bool:
    if not changed or not planned:
        return False
    if changed == planned:
        return True
    if planned.endswith("/"):
        return changed.startswith(planned) or ("/" + planned) in ("/" + changed)
    if any(ch in planned for ch in "*?["):
        rx = glob_regex(planned)
        return bool(rx.match(changed)) or any(
            rx.match(changed[i + 1 :]) for i, ch in enumerate(changed) if ch == "/"
        )
    return changed.endswith("/" + planned)


@dataclass(frozen=True, slots=True)
class ImpactMatch:
    """One changed file and the Implementation Plan line that names it."""

    file: str
    planned: PlannedFile


@dataclass(frozen=True)
class ImpactedDocument:
    id: str | None
    title: str
    status: str | None
    kind: str | None
    path: str
    matches: tuple[ImpactMatch, ...]


@dataclass(frozen=True)
class Impact:
    """The documents naming any of ``files``; ``unmatched`` are the files none names."""

    files: tuple[str, ...]
    documents: tuple[ImpactedDocument, ...]
    unmatched: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``specbook impact --json`` object (version 1)."""
        return {
            "version": 1,
            "files": list(self.files),
            "documents": [
                {
                    **document_summary(d, REPORT_KEYS),
                    "matches": [
                        {
                            "file": m.file,
                            "listed": m.planned.written,
                            "line": m.planned.line,
                            "section": m.planned.section,
                            "checked": m.planned.checked,
                        }
                        for m in d.matches
                    ],
                }
                for d in self.documents
            ],
            "unmatched": list(self.unmatched),
        }


def impact(book: Any, files: Iterable[str], documents: Iterable[Document] | None = None) -> Impact:
    """The documents of ``book`` (a :class:`specbook.book.Book`) whose Implementation
    Plan names any of ``files`` (paths relative to the book root, or absolute).
    ``documents`` are the book's documents in path order when the caller has them (from
    the snapshot: this layer sits below it), else each file is parsed."""
    wanted = list(dict.fromkeys(f for f in (normalise(p, book.root) for p in files) if f))
    hit: set[str] = set()
    out: list[ImpactedDocument] = []
    for doc in book.documents() if documents is None else documents:
        planned = planned_files(doc)
        if not planned:
            continue
        matches = [ImpactMatch(f, p) for p in planned for f in wanted if _matches(f, p.path)]
        if not matches:
            continue
        hit.update(m.file for m in matches)
        out.append(
            ImpactedDocument(
                id=doc.id,
                title=doc.title,
                status=doc.status,
                kind=doc.kind,
                path=doc.path or "",
                matches=tuple(sorted(matches, key=lambda m: (m.planned.line, m.file))),
            )
        )
    return Impact(tuple(wanted), tuple(out), tuple(f for f in wanted if f not in hit))


def changed_files(root: Path, rev: str) -> list[str]:
    """Files a branch changed since ``rev``, relative to ``root``, as ``specbook lint
    --changed`` counts them: ``git diff --name-only REV...HEAD`` (what the branch
    committed since it left REV, not what REV gained since), ``git diff --name-only
    HEAD`` (staged and unstaged edits) and the untracked files git does not ignore
    anywhere in the repository (new files not yet added); renames count as delete +
    add. Paths outside ``root`` are kept relative to the repository's top. Paths are
    read NUL-separated (``-z``), so a name git would quote is kept as it is; a byte
    that is not UTF-8 shows as U+FFFD (the result is printed).

    Raises :class:`UsageError` when ``root`` is not in a git repository, git is
    missing, or git does not know ``rev``.
    """
    if not rev.strip() or rev.startswith("-"):
        raise UsageError(f"--git-diff {rev!r}: give a commit, branch or tag such as origin/main")
    try:
        top = toplevel(root)
    except GitFailed as exc:
        raise UsageError(
            f"{root} is not inside a git repository ({exc}); pass the changed files as "
            "PATHS instead of --git-diff"
        ) from exc
    try:
        git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except GitFailed as exc:
        raise UsageError(
            f"git diff {rev} failed: git knows no commit {rev!r}; give a commit, branch or "
            "tag that exists (fetch it first in a shallow CI clone)"
        ) from exc
    names: list[str] = []
    for args in (
        ("diff", "--name-only", "--no-renames", f"{rev}...HEAD", "--"),
        ("diff", "--name-only", "--no-renames", "HEAD", "--"),
        ("ls-files", "--others", "--exclude-standard", "--full-name"),
    ):
        try:
            names.extend(git_z(top, *args))  # (at the top: ls-files lists only below)
        except GitFailed as exc:
            raise UsageError(f"git {' '.join(args)} failed: {exc}") from exc
    root_r = root.resolve()
    out: list[str] = []
    for name in names:
        try:
            rel = (top / name).relative_to(root_r).as_posix()
        except ValueError:
            rel = name  # outside the book: keep the repository-relative path
        out.append(rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    return sorted(dict.fromkeys(out))


def render_text(result: Impact) -> str:
    """Each matched document (ID, title, status, path) with its matched files and
    lines, then the files no document names."""
    lines: list[str] = []
    n = len(result.files)
    if not result.documents:
        lines.append(f"No document names {'this file' if n == 1 else f'these {n} files'}.")
    else:
        docs = len(result.documents)
        lines.append(
            f"{docs} document{'s' * (docs != 1)} name{'s' * (docs == 1)} "
            f"{'the changed file' if n == 1 else f'files among the {n} changed'}:"
        )
    for d in result.documents:
        status = f"  [{d.status}]" if d.status else ""
        lines += ["", f"{d.id or '(no ID)'}  {d.title}{status}  {d.path}"]
        for m in d.matches:
            listed = "" if m.planned.path == m.file else f" (listed as {m.planned.written})"
            lines.append(f"  {m.file}{listed}  {d.path}:{m.planned.line} {m.planned.section}")
    if result.unmatched and result.documents:
        lines += ["", f"Named by no document ({len(result.unmatched)}):"]
        lines += [f"  {f}" for f in result.unmatched]
    return "\n".join(lines) + "\n"
