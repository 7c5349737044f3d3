"""What changed in a book between two git revisions, document by document.

Three layers, each usable alone:

- :func:`diff_documents` compares two parsed :class:`~specbook.core.model.Document` and
  returns a :class:`DocumentDiff` (pure: no files, no git);
- :func:`diff_book` reads the book's documents at two revisions (``git show``,
  ``git ls-tree``; the newer side may be the working tree), pairs old and new by ID
  (by path for a document without ID, so a renamed file is one document) and diffs
  each pair;
- :func:`render_text`, :func:`render_markdown` and :meth:`BookDiff.to_json` print it.

A section counts as *modified* only when its own text (its heading line and
subsections excluded) changed beyond what the other lists report: field values,
checklist ticks and Review History rows are masked before comparing, so a
lifecycle edit (``specbook status``, ``review``, ``check``) shows as fields, ticks
and review rows, not as modified sections. :func:`section_text` gives the same
normalised text of a whole section for the approval-stale rule (SB505).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specbook.core.errors import UsageError
from specbook.core.gitrun import GitFailed as GitFailed
from specbook.core.gitrun import git as git
from specbook.core.gitrun import git_z
from specbook.core.gitrun import read_blobs as read_blobs
from specbook.core.gitrun import repository_top as repository_top
from specbook.core.masking import LIFECYCLE_FIELDS as LIFECYCLE_FIELDS
from specbook.core.masking import TICK as _TICK
from specbook.core.masking import lifecycle_masks as lifecycle_masks
from specbook.core.masking import masked as _masked
from specbook.core.masking import section_text as section_text
from specbook.core.model import Document, Section, Sidecar
from specbook.core.text import norm_heading, norm_key
from specbook.parse import parse

if TYPE_CHECKING:
    from specbook.book import Book

JSON_VERSION = 1
_SPACES = re.compile(r"\s+")


# -- the structure -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FieldChange:
    """A header field whose value changed; ``old``/``new`` is ``None`` when absent."""

    key: str
    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class SectionChange:
    """A section ``added``, ``removed`` or ``modified``, named by its heading path
    (the titles from the top heading down); ``line`` is in the new version (the old
    one for a removed section)."""

    change: str
    path: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class RequirementVersion:
    text: str
    criteria: str | None
    target: str | None
    line: int


@dataclass(frozen=True, slots=True)
class RequirementChange:
    """An FR/NFR ``added``, ``removed`` or ``reworded`` (its text, acceptance
    criteria or target differ, whitespace aside)."""

    change: str
    id: str
    kind: str
    old: RequirementVersion | None
    new: RequirementVersion | None


@dataclass(frozen=True, slots=True)
class ChecklistChange:
    """A checklist item ``ticked`` or ``unticked``."""

    change: str
    text: str
    section: str | None
    line: int


@dataclass(frozen=True, slots=True)
class ReviewRowAdded:
    date: str
    reviewer: str
    status: str
    feedback: str
    line: int


@dataclass(frozen=True, slots=True)
class ReferenceChange:
    """A mention of another document (``target``, optionally ``/requirement``)
    ``added`` or ``removed``; ``line`` is its first place in the side that has it."""

    change: str
    target: str
    requirement: str | None
    line: int

    @property
    def label(self) -> str:
        return self.target + (f"/{self.requirement}" if self.requirement else "")


@dataclass(frozen=True)
class DocumentDiff:
    """What changed in one document. ``change`` is ``added``, ``removed`` or
    ``modified``; ``old_path`` differs from ``path`` when the file was renamed.
    An added or removed document carries no detail lists."""

    change: str
    id: str | None
    kind: str | None
    title: str
    status: str | None
    path: str
    old_path: str | None
    fields: tuple[FieldChange, ...] = ()
    sections: tuple[SectionChange, ...] = ()
    requirements: tuple[RequirementChange, ...] = ()
    checklists: tuple[ChecklistChange, ...] = ()
    review_rows: tuple[ReviewRowAdded, ...] = ()
    references: tuple[ReferenceChange, ...] = ()

    @property
    def renamed(self) -> bool:
        return (
            self.change == "modified" and self.old_path is not None and self.old_path != self.path
        )

    @property
    def empty(self) -> bool:
        """A modified document in which nothing this diff reports changed."""
        return not (
            self.renamed
            or self.fields
            or self.sections
            or self.requirements
            or self.checklists
            or self.review_rows
            or self.references
        )

    def to_json(self) -> dict[str, Any]:
        def version(v: RequirementVersion | None) -> dict[str, Any] | None:
            if v is None:
                return None
            return {"text": v.text, "criteria": v.criteria, "target": v.target, "line": v.line}

        return {
            "change": self.change,
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "path": self.path,
            "old_path": self.old_path,
            "renamed": self.renamed,
            "fields": [
                {"key": f.key, "name": f.name, "old": f.old, "new": f.new} for f in self.fields
            ],
            "sections": [
                {"change": s.change, "path": list(s.path), "line": s.line} for s in self.sections
            ],
            "requirements": [
                {
                    "change": r.change,
                    "id": r.id,
                    "kind": r.kind,
                    "old": version(r.old),
                    "new": version(r.new),
                }
                for r in self.requirements
            ],
            "checklists": [
                {"change": c.change, "text": c.text, "section": c.section, "line": c.line}
                for c in self.checklists
            ],
            "review_rows": [
                {
                    "date": r.date,
                    "reviewer": r.reviewer,
                    "status": r.status,
                    "feedback": r.feedback,
                    "line": r.line,
                }
                for r in self.review_rows
            ],
            "references": [
                {
                    "change": r.change,
                    "target": r.target,
                    "requirement": r.requirement,
                    "line": r.line,
                }
                for r in self.references
            ],
        }


@dataclass(frozen=True)
class Revision:
    """One side of a book diff: the revision as given (``None``: the working tree)
    and the commit it names. ``merge_base`` says that ``commit`` is the merge base
    of HEAD with the branch ``rev`` (the default base), not ``rev`` itself."""

    rev: str | None
    commit: str | None
    merge_base: bool = False

    @property
    def label(self) -> str:
        if self.rev is None:
            return "working tree"
        short = (self.commit or "")[:7]
        if self.merge_base:
            return f"merge base with {self.rev} ({short})"
        return self.rev if not short or self.rev.startswith(short) else f"{self.rev} ({short})"


@dataclass(frozen=True)
class BookDiff:
    """Every changed document of a book between ``base`` and ``head``."""

    base: Revision
    head: Revision
    documents: tuple[DocumentDiff, ...] = field(default=())

    def summary(self) -> dict[str, int]:
        docs = self.documents
        return {
            "documents": len(docs),
            "added": sum(d.change == "added" for d in docs),
            "removed": sum(d.change == "removed" for d in docs),
            "modified": sum(d.change == "modified" for d in docs),
            "renamed": sum(d.renamed for d in docs),
        }

    def to_json(self) -> dict[str, Any]:
        """The stable ``specbook diff --format json`` object (``"version": 1``)."""
        return {
            "version": JSON_VERSION,
            "base": {
                "rev": self.base.rev,
                "commit": self.base.commit,
                "merge_base": self.base.merge_base,
            },
            "head": {"rev": self.head.rev, "commit": self.head.commit},
            "documents": [d.to_json() for d in self.documents],
            "summary": self.summary(),
        }


# -- comparing two documents -----------------------------------------------------------------
def _name(s: Section) -> str:
    return norm_heading(s.template_name or s.title)


def _squash(text: str | None) -> str | None:
    return None if text is None else _SPACES.sub(" ", text).strip()


def _own_text(doc: Document, s: Section, masks: Sequence[tuple[int, int]]) -> bytes:
    end = s.children[0].span.start if s.children else s.span.end
    return _masked(doc, s.heading.end, end, masks)


def _section_index(doc: Document) -> dict[tuple[str, ...], tuple[tuple[str, ...], Section]]:
    """Sections by heading-path key (repeats numbered), with the path as written."""
    out: dict[tuple[str, ...], tuple[tuple[str, ...], Section]] = {}

    def walk(s: Section, key: tuple[str, ...], shown: tuple[str, ...]) -> None:
        k = (*key, _name(s) or s.title)
        n = 2
        while k in out:
            k = (*key, f"{_name(s)}#{n}")
            n += 1
        # the document's title heading (level 1) heads every path: left out of it
        here = (*shown, s.title) if s.level > 1 or not s.children else shown
        out[k] = (here or (s.title,), s)
        for c in s.children:
            walk(c, k, here)

    for top in doc.sections:
        walk(top, (), ())
    return out


def _diff_sections(old: Document, new: Document) -> list[SectionChange]:
    a, b = _section_index(old), _section_index(new)
    ma, mb = lifecycle_masks(old), lifecycle_masks(new)
    out: list[SectionChange] = []
    for key, (shown, s) in b.items():
        if key not in a:
            out.append(SectionChange("added", shown, s.heading.line))
        elif _TICK.sub(b"[ ]", _own_text(old, a[key][1], ma)) != _TICK.sub(
            b"[ ]", _own_text(new, s, mb)
        ):
            out.append(SectionChange("modified", shown, s.heading.line))
    for key, (shown, s) in a.items():
        if key not in b:
            out.append(SectionChange("removed", shown, s.heading.line))
    return out


def _diff_fields(old: Document, new: Document) -> list[FieldChange]:
    keys = list(dict.fromkeys([f.key for f in new.fields] + [f.key for f in old.fields]))
    out = []
    for key in keys:
        fo, fn = old.field(key), new.field(key)
        vo = None if fo is None else fo.value
        vn = None if fn is None else fn.value
        if _squash(vo) != _squash(vn):
            name = (fn or fo).name if (fn or fo) is not None else key  # type: ignore[union-attr]
            out.append(FieldChange(key, name, vo, vn))
    return out


def _numbered(items: Iterable[Any], key: Any) -> dict[Any, Any]:
    """``items`` by ``key(item)``, the second of a key numbered ``(key, 2)``."""
    out: dict[Any, Any] = {}
    seen: Counter[Any] = Counter()
    for it in items:
        k = key(it)
        seen[k] += 1
        out[k if seen[k] == 1 else (k, seen[k])] = it
    return out


def requirement_changes(old: Document, new: Document) -> list[RequirementChange]:
    """FR/NFR added, removed or reworded from ``old`` to ``new``, paired by ID."""
    a = _numbered(old.requirements, lambda r: r.id)
    b = _numbered(new.requirements, lambda r: r.id)

    def version(r: Any) -> RequirementVersion:
        return RequirementVersion(r.text, r.criteria, r.target, r.span.line)

    out: list[RequirementChange] = []
    for k, r in b.items():
        o = a.get(k)
        if o is None:
            out.append(RequirementChange("added", r.id, r.kind, None, version(r)))
        elif (_squash(o.text), _squash(o.criteria), _squash(o.target)) != (
            _squash(r.text),
            _squash(r.criteria),
            _squash(r.target),
        ):
            out.append(RequirementChange("reworded", r.id, r.kind, version(o), version(r)))
    for k, o in a.items():
        if k not in b:
            out.append(RequirementChange("removed", o.id, o.kind, version(o), None))
    return out


def _diff_checklists(old: Document, new: Document) -> list[ChecklistChange]:
    def key(c: Any) -> tuple[str, str]:
        return (norm_key(c.section or ""), _squash(c.text) or "")

    a = _numbered(old.checklists, key)
    out = []
    for k, c in _numbered(new.checklists, key).items():
        o = a.get(k)
        if o is not None and o.checked != c.checked:
            change = "ticked" if c.checked else "unticked"
            out.append(ChecklistChange(change, c.text, c.section, c.marker.line))
    return out


def _diff_review(old: Document, new: Document) -> list[ReviewRowAdded]:
    def key(e: Any) -> tuple[str | None, ...]:
        return tuple(_squash(x) for x in (e.date, e.reviewer, e.status, e.feedback))

    before = Counter(key(e) for e in old.review_history)
    out = []
    for e in new.review_history:
        k = key(e)
        if before[k] > 0:
            before[k] -= 1
            continue
        out.append(ReviewRowAdded(e.date, e.reviewer, e.status, e.feedback, e.span.line))
    return out


def _diff_references(old: Document, new: Document) -> list[ReferenceChange]:
    def firsts(doc: Document) -> dict[tuple[str, str | None], int]:
        out: dict[tuple[str, str | None], int] = {}
        for r in doc.references:
            if r.target != doc.id or r.requirement:
                out.setdefault((r.target, r.requirement), r.span.line)
        return out

    a, b = firsts(old), firsts(new)
    out = [ReferenceChange("added", t, q, line) for (t, q), line in b.items() if (t, q) not in a]
    out += [ReferenceChange("removed", t, q, line) for (t, q), line in a.items() if (t, q) not in b]
    return out


def diff_documents(old: Document | None, new: Document | None) -> DocumentDiff:
    """What changed from ``old`` to ``new`` (``None``: the document did not exist).

    Raises :class:`ValueError` when both are ``None``.
    """
    if old is None and new is None:
        raise ValueError("diff_documents needs at least one document")
    if old is None or new is None:
        doc = new if new is not None else old
        assert doc is not None
        return DocumentDiff(
            "added" if new is not None else "removed",
            doc.id,
            doc.kind,
            doc.title,
            doc.status,
            doc.path or "",
            None,
        )
    return DocumentDiff(
        "modified",
        new.id or old.id,
        new.kind or old.kind,
        new.title,
        new.status,
        new.path or "",
        old.path,
        fields=tuple(_diff_fields(old, new)),
        sections=tuple(_diff_sections(old, new)),
        requirements=tuple(requirement_changes(old, new)),
        checklists=tuple(_diff_checklists(old, new)),
        review_rows=tuple(_diff_review(old, new)),
        references=tuple(_diff_references(old, new)),
    )


def pair_documents(
    old: Sequence[Document], new: Sequence[Document]
) -> list[tuple[Document | None, Document | None]]:
    """Old and new documents paired: a file with the same path and ID (or no ID on
    either side) first, then by ID (case-insensitive) among the rest; the unpaired come
    alone. A renamed file keeps its ID, so it is one pair; a file whose ID changed is
    one document removed and one added; and two documents sharing an ID are each
    paired with their own earlier version, not with each other's."""
    by_path = {d.path: d for d in old}
    used: set[int] = set()
    same_file: dict[int, Document] = {}
    for i, d in enumerate(new):
        at = by_path.get(d.path)
        if at is not None and (not at.id or not d.id or at.id.upper() == d.id.upper()):
            same_file[i] = at
            used.add(id(at))
    by_id: dict[str, list[Document]] = {}
    for d in old:
        if d.id and id(d) not in used:
            by_id.setdefault(d.id.upper(), []).append(d)
    pairs: list[tuple[Document | None, Document | None]] = []
    for i, d in enumerate(new):
        o = same_file.get(i)
        if o is None and d.id:
            o = next((c for c in by_id.get(d.id.upper(), ()) if id(c) not in used), None)
            if o is not None:
                used.add(id(o))
        pairs.append((o, d))
    pairs += [(o, None) for o in old if id(o) not in used]
    return pairs


# -- git -----------------------------------------------------------------------------------------
def resolve_revision(root: Path, rev: str) -> str:
    """The commit ``rev`` names. Raises :class:`UsageError` naming an unknown one."""
    if not rev.strip() or rev.startswith("-"):
        raise UsageError(f"{rev!r} is not a revision; give a commit, branch or tag")
    try:
        return git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except GitFailed as exc:
        raise UsageError(
            f"unknown revision {rev!r}: git knows no commit, branch or tag by that name "
            "(fetch it first in a shallow CI clone; `git log --oneline` lists commits)"
        ) from exc


def default_base(root: Path) -> tuple[str, str]:
    """The merge base of HEAD with the main branch: ``main``, else ``master``, else
    the remote's HEAD (``origin/HEAD``), as ``(branch, commit)``. Raises
    :class:`UsageError` when there is none."""
    candidates = ["main", "master"]
    try:
        remote = git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD").decode().strip()
        candidates.append(remote.removeprefix("refs/remotes/"))
    except GitFailed:
        pass
    for name in candidates:
        try:
            git(root, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
        except GitFailed:
            continue
        try:
            return name, git(root, "merge-base", "HEAD", name).decode().strip()
        except GitFailed as exc:
            raise UsageError(
                f"HEAD and {name} have no common commit; name the base, e.g. `specbook diff REV`"
            ) from exc
    raise UsageError(
        "no main branch to compare with (looked for main, master and origin/HEAD); "
        "name the base revision, e.g. `specbook diff v1.0`"
    )


class _BookInGit:
    """Where a book sits in its repository: the top, and the book root's prefix."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.top = repository_top(book.root)
        rel = os.path.relpath(os.path.realpath(book.root), self.top)
        self.prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        templates = os.path.normpath(book.config.templates_dir).replace(os.sep, "/")
        self.templates = templates.strip("/") + "/"
        self.others: dict[str, dict[str, str]] = {}  # commit -> other files' blobs
        self.changed_others: set[str] = set()  # changed files that are no documents
        self.folders = sorted(
            {
                (self.prefix + os.path.normpath(k.folder).replace(os.sep, "/")).strip("/.") or "."
                for k in book.config.kinds.values()
            }
        )

    def is_document(self, repo_path: str) -> bool:
        """Whether a path (relative to the repository top) is one of the book's
        documents as :meth:`Book.path_strings` would list it."""
        if not repo_path.startswith(self.prefix) or not repo_path.lower().endswith(
            (".md", ".markdown")
        ):
            return False
        rel = repo_path[len(self.prefix) :]
        if rel.startswith(self.templates) or any(p.startswith(".") for p in rel.split("/")[:-1]):
            return False
        kind = self.book.config.kind_for_path(rel)
        if kind is None:
            return False
        return self.book.is_document_path(rel, kind)

    def files_at(self, commit: str) -> dict[str, str]:
        """The book's documents at ``commit``: path (relative to the repository top)
        -> blob ID. (Read by ID, a path git cannot take in a ``REV:path`` request, one
        with a newline, is read too.) The blob IDs of the other files (sidecars) are
        kept in :attr:`others` by commit."""
        out: dict[str, str] = {}
        rest: dict[str, str] = {}
        for entry in git_z(self.top, "ls-tree", "-r", commit, "--", *self.folders):
            meta, _, path = entry.partition("\t")  # "MODE TYPE ID\tPATH"
            kind_id = meta.split(" ")
            if len(kind_id) == 3 and kind_id[1] == "blob":
                if self.is_document(path):
                    out[path] = kind_id[2]
                elif self.book.config.sidecar_kinds:
                    rest[path] = kind_id[2]
        self.others[commit] = rest
        return out

    def changed(self, base: str, head: str | None) -> set[str]:
        """Document paths (repository-relative) that differ between ``base`` and
        ``head`` (``None``: the working tree, untracked files included); a changed
        sidecar file names its document (see :meth:`owners`)."""
        args = ["diff", "--name-only", "--no-renames", base]
        if head is not None:
            args.append(head)
        found = set(git_z(self.top, *args, "--", *self.folders))
        if head is None:
            others = ("ls-files", "--others", "--exclude-standard", "--full-name", "--")
            found.update(git_z(self.top, *others, *self.folders))
        self.changed_others = {n for n in found if not self.is_document(n)}
        return {n for n in found if self.is_document(n)}

    def sidecar_names(self, repo_path: str) -> list[str]:
        """The possible sidecar files (repository-relative) of the document at
        ``repo_path``."""
        from specbook.core.layout import sidecar_names

        rel = repo_path[len(self.prefix) :]
        return [self.prefix + n for n in sidecar_names(self.book.config, rel)]


def diff_book(
    book: Book,
    base: str | None = None,
    head: str | None = None,
    ids: Sequence[str] = (),
) -> BookDiff:
    """What changed in ``book`` from revision ``base`` (default: the merge base with
    the main branch) to ``head`` (default: the working tree), limited to documents
    whose ID is in ``ids`` when given.

    Raises :class:`UsageError` outside a git repository or for an unknown revision, and
    :class:`NotFoundError` for an ID of ``ids`` that no changed document has and no
    document of the book (in the working tree) has either.
    """
    where = _BookInGit(book)
    if base:
        base_rev = Revision(base, resolve_revision(book.root, base))
    else:
        branch, commit = default_base(book.root)
        base_rev = Revision(branch, commit, merge_base=True)
    base_commit = base_rev.commit or ""
    head_commit = resolve_revision(book.root, head) if head else None
    changed = where.changed(base_commit, head_commit)
    before = where.files_at(base_commit)
    after = where.files_at(head_commit) if head_commit else None
    if where.changed_others and book.config.sidecar_kinds:
        # a document whose sidecar (`kep.yaml`) changed has changed
        now = (
            after
            if after is not None
            else {where.prefix + book.rel(p): "" for p in book.path_strings()}
        )
        for docs in (before, now):
            for p in docs:
                if any(n in where.changed_others for n in where.sidecar_names(p)):
                    changed.add(p)

    def sidecars_at(commit: str, names: list[str]) -> dict[str, tuple[Sidecar, ...]]:
        """Each document's sidecars as they were at ``commit`` (read in one batch)."""
        if not book.config.sidecar_kinds:
            return {}
        blob_of = where.others.get(commit, {})
        wanted = {p: [n for n in where.sidecar_names(p) if n in blob_of] for p in names}
        found = read_blobs(where.top, [blob_of[n] for ns in wanted.values() for n in ns])
        cut = len(where.prefix)
        return {
            p: tuple(Sidecar(n[cut:], data) for n in ns if (data := found[blob_of[n]]) is not None)
            for p, ns in wanted.items()
        }

    old_names = sorted(p for p in changed if p in before)
    blobs = read_blobs(where.top, [before[p] for p in old_names])
    old_side = sidecars_at(base_commit, old_names)
    old_docs = [
        parse(data, p[len(where.prefix) :], book.config, old_side.get(p, ()))
        for p in old_names
        if (data := blobs[before[p]]) is not None
    ]
    new_docs: list[Document] = []
    if head_commit is not None:
        assert after is not None
        new_names = sorted(p for p in changed if p in after)
        blobs = read_blobs(where.top, [after[p] for p in new_names])
        new_side = sidecars_at(head_commit, new_names)
        for p in new_names:
            data = blobs[after[p]]
            if data is not None:
                rel = p[len(where.prefix) :]
                new_docs.append(parse(data, rel, book.config, new_side.get(p, ())))
    else:
        for p in sorted(changed):
            if not book.may_read(where.top / p):
                continue  # a link leading out of the book: not read (and reported)
            try:
                data = (where.top / p).read_bytes()
            except OSError:
                continue  # deleted in the working tree
            rel = p[len(where.prefix) :]
            new_docs.append(parse(data, rel, book.config, book.sidecars(rel)))

    wanted = {i.upper() for i in ids}
    seen: set[str] = set()
    out: list[DocumentDiff] = []
    for o, n in pair_documents(old_docs, new_docs):
        seen.update(d.id.upper() for d in (o, n) if d is not None and d.id)
        if wanted and not any(d is not None and d.id and d.id.upper() in wanted for d in (o, n)):
            continue
        if o is not None and n is not None and o.digest == n.digest and o.path == n.path:
            continue
        d = diff_documents(o, n)
        if d.change == "modified" and d.empty:
            continue  # e.g. only blank lines moved
        out.append(d)
    for i in ids:
        if i.upper() not in seen:
            # an unchanged document (or several: an ID two documents share names both
            # here), else NotFoundError naming the closest IDs
            book.find_all(i)
    out.sort(key=lambda d: ((d.id or "~").upper(), d.path))
    return BookDiff(base_rev, Revision(head, head_commit), tuple(out))


# -- rendering -------------------------------------------------------------------------------------
def _req_label(v: RequirementVersion) -> list[str]:
    out = [v.text]
    if v.criteria is not None:
        out.append(f"Acceptance Criteria: {v.criteria}")
    if v.target is not None:
        out.append(f"Target: {v.target}")
    return out


def _heading(d: DocumentDiff) -> str:
    return f"{d.id or '(no ID)'}  {d.title}"


def _value(v: str | None) -> str:
    return "(none)" if v is None else v


def render_text(result: BookDiff) -> str:
    """A plain-text report: one block per changed document."""
    lines = [f"Changes from {result.base.label} to {result.head.label}"]
    s = result.summary()
    if not result.documents:
        lines.append("No document changed.")
        return "\n".join(lines) + "\n"
    lines.append(
        f"{s['documents']} document{'s' * (s['documents'] != 1)}: {s['added']} added, "
        f"{s['removed']} removed, {s['modified']} modified ({s['renamed']} renamed)"
    )
    for d in result.documents:
        lines.append("")
        if d.change != "modified":
            lines.append(f"{_heading(d)}  [{d.change}]  {d.path}")
            continue
        lines.append(f"{_heading(d)}  {d.path}")
        if d.renamed:
            lines.append(f"  renamed from {d.old_path}")
        for f in d.fields:
            lines.append(f"  field {f.name}: {_value(f.old)} -> {_value(f.new)}")
        for sc in d.sections:
            lines.append(f"  section {sc.change}: {' > '.join(sc.path)} (line {sc.line})")
        for r in d.requirements:
            line = (r.new or r.old).line if (r.new or r.old) else 0  # type: ignore[union-attr]
            lines.append(f"  {r.id} {r.change} (line {line})")
            if r.old is not None:
                lines += [f"    - {t}" for t in _req_label(r.old)]
            if r.new is not None:
                lines += [f"    + {t}" for t in _req_label(r.new)]
        for c in d.checklists:
            where = f" ({c.section})" if c.section else ""
            lines.append(f"  {c.change}: {c.text}{where} (line {c.line})")
        for e in d.review_rows:
            note = f": {e.feedback}" if e.feedback else ""
            lines.append(f"  review: {e.date} {e.reviewer} {e.status}{note} (line {e.line})")
        for ref in d.references:
            lines.append(f"  reference {ref.change}: {ref.label} (line {ref.line})")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Inline Markdown text: escape what would start markup or break a table."""
    return re.sub(r"([\\`*_<>|\[\]])", r"\\\1", text).replace("\n", " ")


def _code(text: str) -> str:
    ticks = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def render_markdown(result: BookDiff) -> str:
    """A Markdown report ready to post as a pull-request comment."""
    s = result.summary()
    lines = [f"### specbook diff: {_md(result.base.label)} → {_md(result.head.label)}", ""]
    if not result.documents:
        lines.append("No document changed.")
        return "\n".join(lines) + "\n"
    lines.append(
        f"**{s['documents']} document{'s' * (s['documents'] != 1)}**: {s['added']} added, "
        f"{s['removed']} removed, {s['modified']} modified ({s['renamed']} renamed)"
    )
    for d in result.documents:
        lines += ["", f"#### {_md(d.id or '(no ID)')}: {_md(d.title)}", ""]
        if d.change != "modified":
            lines.append(f"**{d.change.capitalize()}**: {_code(d.path)}")
            continue
        where = f"{_code(d.path)}"
        if d.renamed:
            where += f" (renamed from {_code(d.old_path or '')})"
        lines.append(where)
        if d.fields:
            lines += ["", "| Field | Before | After |", "|---|---|---|"]
            lines += [
                f"| {_md(f.name)} | {_md(_value(f.old))} | {_md(_value(f.new))} |" for f in d.fields
            ]
        if d.requirements:
            lines += ["", "**Requirements**", ""]
            for r in d.requirements:
                lines.append(f"- **{r.id}** {r.change}")
                if r.old is not None and r.new is not None:
                    lines += [f"  - before: {_md(t)}" for t in _req_label(r.old)]
                    lines += [f"  - after: {_md(t)}" for t in _req_label(r.new)]
                else:
                    v = r.new or r.old
                    assert v is not None
                    lines += [f"  - {_md(t)}" for t in _req_label(v)]
        if d.sections:
            lines += ["", "**Sections**", ""]
            lines += [f"- {sc.change}: {_md(' › '.join(sc.path))}" for sc in d.sections]
        if d.checklists:
            lines += ["", "**Checklist**", ""]
            lines += [
                f"- {'☑' if c.change == 'ticked' else '☐'} {c.change}: {_md(c.text)}"
                + (f" ({_md(c.section)})" if c.section else "")
                for c in d.checklists
            ]
        if d.review_rows:
            lines += ["", "**Review History**", "", "| Date | Reviewer | Status | Feedback |"]
            lines.append("|---|---|---|---|")
            lines += [
                f"| {_md(e.date)} | {_md(e.reviewer)} | {_md(e.status)} | {_md(e.feedback)} |"
                for e in d.review_rows
            ]
        if d.references:
            lines += ["", "**References**", ""]
            lines += [f"- {r.change}: {_md(r.label)}" for r in d.references]
    return "\n".join(lines) + "\n"
