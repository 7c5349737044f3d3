"""The approval history of a book's documents: git walk, cache, stale-approval service.

SB505 (approval-stale), the portal's stale-approval banner and ``diff`` all ask the
same question: which commit recorded a document's last approval (the oldest commit
of the newest unbroken run, following renames, whose version of the file holds that
Review History row), and what changed in the requirement, design and plan sections
of that version since. Lifecycle edits (Status, Modified, Review History rows,
Reviewers/Approvers, checklist ticks) are masked, so they never make an approval
stale.

Cost: only documents in an approved-or-later status that have an approval row are
looked up, and git runs a fixed number of times for all of them together: one ``git
log`` of the book's folder gives every history (up to :data:`FEW` documents: each
file's own ``git log --follow``), and their versions are read a round at a time by
one ``git cat-file --batch`` process; the repository's top is found without running
git. A file still holding its approved bytes (same blob ID) is not parsed again. The
answers are kept in the book's snapshot (``.specbook/index.db``, the blob
``approval-history``, see :mod:`specbook.core.state`) by (file content hash, HEAD
commit); after HEAD moves forward, the answers for files the new commits did not
touch are kept (one ``git diff``).
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import contextlib
import functools
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from specbook import __version__
from specbook.core.config import BookConfig, KindConfig
from specbook.core.digest import content_hash
from specbook.core.model import Document, ReviewEntry, Section
from specbook.core.text import is_placeholder, norm_heading

if TYPE_CHECKING:
    from specbook.core.gitrun import BlobReader

CACHE_NAME = "approval-history"  # a blob in the snapshot (specbook.core.state)
DEFAULT_SECTIONS = ["Requirements", "Technical Design", "Design", "Implementation Plan"]
FEW = 4  # up to this many documents to look up, each file's own `git log --follow`


class StaleReport(NamedTuple):
    """One stale-approval finding: a place in a document and the message (the fields
    of a book rule's report)."""

    path: str
    doc_id: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    message: str


class Candidate(NamedTuple):
    """An approved-or-later document to judge: its path, ID and the approval row
    taken while it was linted, with the content hash and git blob ID of the bytes it
    was taken from (``[text, copy, reviewer, date, line, hash, blob]``; ``[]``: none;
    ``None``: not taken, so the file is parsed for it; rows taken by an older specbook
    lack the blob ID: the file is then read for it)."""

    path: str
    id: str | None
    row: list[Any] | None
    kind: KindConfig


# -- HEAD (no subprocess: read .git directly) -------------------------------------------------
def _work_tree(start: Path) -> Path | None:
    """The nearest folder up from ``start`` holding a ``.git`` (a folder, or the file
    a worktree or submodule has), as git looks for it, or ``None``."""
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return None


def _git_dir(start: Path) -> tuple[Path, Path] | None:
    """``(git dir, common dir)`` of the repository holding ``start``, or ``None``."""
    folder = _work_tree(start)
    if folder is None:
        return None
    dot = folder / ".git"
    if dot.is_dir():
        return dot, dot
    try:  # a worktree or submodule: "gitdir: PATH"
        text = dot.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    gitdir = (folder / text[7:].strip()).resolve()
    common = gitdir
    try:
        rel = (gitdir / "commondir").read_text(encoding="utf-8").strip()
        common = (gitdir / rel).resolve()
    except OSError:
        pass
    return gitdir, common


def head_commit(root: Path) -> str | None:
    """The commit HEAD names in the repository holding ``root``, read from the files
    under ``.git`` (loose ref, else ``packed-refs``); ``None`` outside git."""
    found = _git_dir(root)
    if found is None:
        return None
    gitdir, common = found
    try:
        head = (gitdir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head  # detached
    ref = head[4:].strip()
    for base in (gitdir, common):
        try:
            return (base / ref).read_text(encoding="utf-8").strip()
        except OSError:
            continue
    try:
        packed = (common / "packed-refs").read_bytes()
    except OSError:
        return f"unborn:{ref}"
    needle = b" " + ref.encode() + b"\n"
    at = packed.find(needle)
    if at < 0:
        return f"unborn:{ref}"
    start = packed.rfind(b"\n", 0, at) + 1
    return packed[start:at].decode("ascii", "replace")


# -- which documents --------------------------------------------------------------------------
def approved_or_later(kind: KindConfig) -> frozenset[str]:
    """The statuses that mean "approved": the approved status and those its workflow
    leads to without going back to the first status or to review, less the archived
    one and dead ends (an archived or superseded document is history, not a design
    being built). SPEC: Approved, Implemented. DEC: Accepted, Deprecated."""
    from specbook.core.workflow import workflow_for

    approved = kind.approved_status()
    if approved is None:
        return frozenset()
    wf = workflow_for(kind)
    back = {kind.statuses[0], wf.review}
    seen = {approved}
    todo = [approved]
    while todo:
        for nxt in wf.transitions.get(todo.pop(), ()):
            if nxt not in seen and nxt not in back:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(
        s for s in seen if s == approved or (s != wf.archived and wf.transitions.get(s))
    )


def last_approval(doc: Document, kind: KindConfig) -> ReviewEntry | None:
    """The last Review History row that records an approval (template rows aside)."""
    for e in reversed(doc.review_history):
        if any(is_placeholder(x) for x in (e.date, e.reviewer, e.status)):
            continue
        if kind.is_approval(e.status):
            return e
    return None


# -- git history ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Approval:
    """The commit whose version of the file first held the approval row (``None``:
    the row is not committed yet), and that version's bytes (``None``: the work
    tree's, known by their blob ID and not read: see :func:`approvals_in`)."""

    commit: str
    date: str
    source: bytes | None
    blob: str = ""  # the version's object id, when the history gave it


class Version(NamedTuple):
    """One committed version of a file: the commit, its date, the file's path then,
    and the blob's object id ("" when unknown: read it as ``commit:path``)."""

    commit: str
    date: str
    path: str
    blob: str = ""


def _norm(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


# per path, newest first: (commit index, status letter, path before, blob id after)
_Touches = dict[str, list[tuple[int, str, str, str]]]


def _log(top: Path, *args: str) -> tuple[list[tuple[str, str]], _Touches]:
    """``git log ARGS`` with each commit's raw changes: ``(commits newest first as
    (id, date), touches)``. A copy counts as an addition: its history starts there.
    Raises :class:`specbook.core.gitrun.GitFailed`."""
    from specbook.core.gitrun import git_z

    out = git_z(top, "log", "--format=%x00%H %cs", "--raw", "--no-abbrev", *args)
    touches: _Touches = {}
    commits: list[tuple[str, str]] = []
    for record in _raw_records(out):
        if isinstance(record, str):  # "COMMIT DATE"
            commit, _, date = record.partition(" ")
            commits.append((commit, date))
            continue
        status, old, new, blob = record
        if status == "C":
            status, old = "A", new
        touches.setdefault(new, []).append((len(commits) - 1, status, old, blob))
    return commits, touches


def _raw_records(tokens: list[str]) -> Iterator[str | tuple[str, str, str, str]]:
    """The records of git's ``--raw -z`` output (its fields, as
    :func:`specbook.core.gitrun.git_z` gives them): each change as ``(status letter, path
    before, path after, blob id after)``, and any other field (a commit's header) as
    its text."""
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i].lstrip("\n")
        if not tok.startswith(":"):
            if tok:
                yield tok.strip()
            i += 1
            continue
        meta = tok[1:].split(" ")
        status = meta[4][:1] if len(meta) > 4 else "M"
        if status in "RC":
            yield status, tokens[i + 1], tokens[i + 2], meta[3]
            i += 3
        else:
            yield status, tokens[i + 1], tokens[i + 1], meta[3]
            i += 2


def _walk(
    commits: list[tuple[str, str]], touches: _Touches, start: str
) -> tuple[list[Version], str | None]:
    """The versions of ``start`` newest first, and the commit that added the oldest
    (``None`` when the history does not reach an addition)."""
    from bisect import bisect_left

    versions: list[Version] = []
    name, after = start, -1
    while True:
        entries = touches.get(name, ())
        at = bisect_left(entries, (after + 1,))  # (in commit order: the next one older)
        if at == len(entries):
            return versions, None
        index, status, old, blob = entries[at]
        commit, date = commits[index]
        if status == "D":  # deleted here, so what came later was added again
            return versions, None
        versions.append(Version(commit, date, name, blob))
        if status == "A":
            return versions, commit
        name, after = old, index


def file_history(top: Path, repo_path: str) -> list[Version] | None:
    """The versions of one file, newest first, renames followed (``git log
    --follow``, but not into a file git takes this one for a copy of); ``None`` when
    git fails."""
    from specbook.core.gitrun import GitFailed

    try:
        commits, touches = _log(top, "--follow", "--diff-merges=first-parent", "--", repo_path)
    except GitFailed:
        return None
    return _walk(commits, touches, repo_path)[0]


def book_histories(top: Path, folder: str, paths: Iterable[str]) -> dict[str, list[Version]]:
    """The versions of each of ``paths`` (repository paths), newest first, from one
    ``git log`` of ``folder`` (``""``: the whole repository) with renames inside it
    followed; merges count by their change against the first parent.

    A history stops at the file's addition, even when the new file looks like a copy
    of another: spec files made from one template are alike, and plain ``git log
    --follow`` would go on into a different document's history. A file moved into
    ``folder`` from outside it would start at the move; such files (their oldest
    version here is an addition that ``git diff-tree -M`` shows as a rename) get
    :func:`file_history` instead. Raises :class:`specbook.core.gitrun.GitFailed`.
    """
    commits, touches = _log(top, "-M", "--diff-merges=first-parent", "--", folder or ".")
    histories: dict[str, list[Version]] = {}
    added: dict[str, str] = {}  # path -> the commit that added its oldest version here
    for start in paths:
        histories[start], adding = _walk(commits, touches, start)
        if adding is not None:
            added[start] = adding
    for path in _moved_in(top, added):
        histories[path] = file_history(top, path) or []
    return histories


def _moved_in(top: Path, added: dict[str, str]) -> set[str]:
    """The paths of ``added`` (path -> the commit that added it) that the commit
    renamed from elsewhere in the repository, by one ``git diff-tree --stdin``."""
    from specbook.core.gitrun import git_z

    if not added:
        return set()
    commits = "".join(f"{c}\n" for c in dict.fromkeys(added.values())).encode()
    out = git_z(top, "diff-tree", "--stdin", "--root", "-r", "-M", "--raw", data=commits)
    renamed: set[tuple[str, str]] = set()  # (commit, new path)
    commit = ""
    for record in _raw_records(out):
        if isinstance(record, str):  # the commit
            commit = record
        elif record[0] == "R":
            renamed.add((commit, record[2]))
    return {p for p, c in added.items() if (c, p) in renamed}


def approvals_in(
    top: Path,
    wanted: list[tuple[list[Version], bytes, int]],
    current: Sequence[bytes | None] | None = None,
    ids: Sequence[str] | None = None,
) -> list[Approval | None]:
    """For each ``(history, row, occurrence)``: the approval commit of ``row`` (its
    ``occurrence``-th copy in the file), i.e. walking the history newest first, the
    oldest version of the newest unbroken run of versions that hold it; ``None``
    when the newest version lacks it or there is no history. The blobs are read a
    version per file per round, all by one ``git cat-file --batch``.

    ``current``: each file's bytes in the work tree, where the caller has them (or
    ``None``), and ``ids``: their blob IDs (SHA-1), where known (or ``""``), each row
    then taken from the bytes of that ID: a newest version whose blob ID is theirs is not read
    from git (most approved files are as last committed; a history of one version
    then needs no read at all). Known by its ID alone, such a version's approval has
    no ``source``: it is the work tree's bytes."""
    from specbook.core.gitrun import GitFailed

    found: list[Approval | None] = [None] * len(wanted)
    active = [k for k, (history, _, _) in enumerate(wanted) if history]
    if not active:
        return found
    reader = _Blobs(top)
    try:
        _rounds(reader, wanted, active, found, current, ids)
    except GitFailed:
        pass  # what was found so far stands
    finally:
        reader.close()
    return found


class _Blobs:
    """A :class:`~specbook.core.gitrun.BlobReader` started at the first read (none
    when every blob wanted was at hand)."""

    def __init__(self, top: Path) -> None:
        self._top = top
        self._reader: BlobReader | None = None

    def read(self, names: list[str]) -> dict[str, bytes | None]:
        if not names:
            return {}
        if self._reader is None:
            from specbook.core.gitrun import BlobReader

            self._reader = BlobReader(self._top)
        return self._reader.read(names)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()


def _rounds(
    reader: _Blobs,
    wanted: list[tuple[list[Version], bytes, int]],
    active: list[int],
    found: list[Approval | None],
    current: Sequence[bytes | None] | None = None,
    ids: Sequence[str] | None = None,
) -> None:
    depth = 0
    while active:
        names: dict[int, str] = {}
        # (newest versions that are the work tree's bytes, None when known by ID only)
        at_hand: dict[int, bytes | None] = {}
        many = len(active) > FEW  # (then OpenSSL's hashes, worth loading: see _sha)
        for k in active:
            v = wanted[k][0][depth]
            here = current[k] if current is not None and depth == 0 else None
            mine = ids[k] if ids is not None and depth == 0 else ""
            if v.blob and mine and len(mine) == len(v.blob):
                if mine == v.blob:
                    at_hand[k] = here
                else:
                    names[k] = _blob_name(v)
            elif here is not None and v.blob and blob_id(here, v.blob, many) == v.blob:
                at_hand[k] = here
            else:
                names[k] = _blob_name(v)
        blobs = reader.read(list(dict.fromkeys(names.values())))
        still = []
        for k in active:
            history, row, occurrence = wanted[k]
            data = at_hand[k] if k in at_hand else blobs.get(names[k])
            if data is None:
                if k not in at_hand:
                    continue  # (unreadable)
                # (known by its ID only: the caller took the row from these bytes)
            elif _norm(data).count(row) < occurrence:
                continue
            v = history[depth]
            found[k] = Approval(v.commit, v.date, data, v.blob)
            if depth + 1 < len(history):
                still.append(k)
        active = still
        depth += 1


def _blob_name(v: Version) -> str:
    return v.blob or f"{v.commit}:{v.path}"


def find_approval(
    top: Path, repo_path: str, row: bytes, occurrence: int, folder: str = ""
) -> Approval | None:
    """The approval commit of ``row`` in one file (see :func:`approvals_in`), its
    history read as :func:`book_histories` reads it from ``folder``."""
    return _approvals(top, folder, [(repo_path, row, occurrence)])[0]


def blob_id(data: bytes, like: str, many: bool = False) -> str:
    """git's object id of a blob holding ``data``, in the hash of the object id
    ``like`` (SHA-1, or SHA-256 for a 64-digit id); ``many``: one of many to hash
    (see :func:`_sha`)."""
    h = _sha(len(like) == 64, many)(b"blob %d\0" % len(data))
    h.update(data)
    return str(h.hexdigest())


@functools.cache
def _sha(long: bool, many: bool = False) -> Any:
    """SHA-256 (``long``) or SHA-1. For a few hashes, from CPython's own modules where
    they exist: :mod:`hashlib` loads OpenSSL on import (~3 ms of a one-file lint); for
    ``many``, OpenSSL's, seven times faster (40 µs a document otherwise)."""
    import importlib

    name = "sha256" if long else "sha1"
    if many:
        import hashlib

        return getattr(hashlib, name)
    try:  # (_sha256 is Python 3.11's; later ones have _sha2)
        return getattr(importlib.import_module(f"_{name}"), name)
    except (ImportError, AttributeError):
        import hashlib

        return getattr(hashlib, name)


# -- the comparison ---------------------------------------------------------------------------
def _chosen_sections(doc: Document, names: Iterable[str]) -> dict[str, Section]:
    """The first section matching each configured name, none inside another one."""
    out: dict[str, Section] = {}
    for name in names:
        want = norm_heading(name)
        for s in doc.all_sections():
            if want not in (norm_heading(s.template_name or s.title), norm_heading(s.title)):
                continue
            if any(o.span.start <= s.span.start < o.span.end for o in out.values()):
                continue
            out[name] = s
            break
    return out


def _what_changed(
    old: Document, new: Document, old_s: Section | None, new_s: Section | None
) -> str:
    """``changed (FR-2 reworded) since``: the requirements that changed inside."""
    from specbook.book.diff import requirement_changes

    if old_s is None:
        return "added since"
    if new_s is None:
        return "removed since"
    inside = [
        r
        for r in requirement_changes(old, new)
        if (r.old is not None and old_s.span.line <= r.old.line <= old_s.span.end_line)
        or (r.new is not None and new_s.span.line <= r.new.line <= new_s.span.end_line)
    ]
    if not inside:
        return "changed since"
    listed = ", ".join(f"{r.id} {r.change}" for r in inside[:6])
    more = f" and {len(inside) - 6} more" if len(inside) > 6 else ""
    return f"changed ({listed}{more}) since"


def stale_sections(
    doc: Document, approved: Document, names: Iterable[str]
) -> list[tuple[str, Section | None, str]]:
    """``(name, section now, what)`` for each configured section whose text differs
    between the approved version and ``doc``, lifecycle edits masked."""
    from specbook.core.masking import LIFECYCLE_FIELDS, lifecycle_masks, section_text

    names = list(dict.fromkeys(names))
    now, then = _chosen_sections(doc, names), _chosen_sections(approved, names)
    mask_now = lifecycle_masks(doc, LIFECYCLE_FIELDS)
    mask_then = lifecycle_masks(approved, LIFECYCLE_FIELDS)
    out: list[tuple[str, Section | None, str]] = []
    for name in names:
        a, b = then.get(name), now.get(name)
        if a is None and b is None:
            continue
        if (
            a is not None
            and b is not None
            and section_text(approved, a, mask_then) == section_text(doc, b, mask_now)
        ):
            continue
        out.append((name, b, _what_changed(approved, doc, a, b)))
    return out


def section_digests(doc: Document, names: Iterable[str]) -> dict[str, str | None]:
    """A digest of each configured section's text as :func:`stale_sections` compares
    it (``None``: no such section): two versions' digests are equal exactly when
    :func:`stale_sections` finds nothing between them."""
    from specbook.core.masking import LIFECYCLE_FIELDS, lifecycle_masks, section_text

    names = list(dict.fromkeys(names))
    chosen = _chosen_sections(doc, names)
    masks = lifecycle_masks(doc, LIFECYCLE_FIELDS)
    out: dict[str, str | None] = {}
    for name in names:
        s = chosen.get(name)
        out[name] = None if s is None else content_hash(section_text(doc, s, masks))
    return out


class Row(NamedTuple):
    """The last approval row of a document, as the rule needs it."""

    text: bytes  # the row (line ends normalised)
    occurrence: int  # which copy of that text in the file it is
    reviewer: str
    date: str
    line: int


def approval_row(doc: Document, kind: KindConfig) -> Row | None:
    """The last approval row of ``doc``; ``None`` without one."""
    row = last_approval(doc, kind)
    if row is None:
        return None
    text = _norm(doc.source[row.span.start : row.span.end]).strip()
    if not text:
        return None
    src = doc.source
    # (without a CR, _norm changes nothing: counted in place, not in a copy made twice)
    cr = b"\r" in src
    occurrence = _norm(src[: row.span.end]).count(text) if cr else src.count(text, 0, row.span.end)
    return Row(text, occurrence, row.reviewer, row.date, row.span.line)


def _unchanged(data: bytes | None, approval: Approval, blob: str = "") -> bool:
    """Whether the file still holds the approved bytes (then nothing changed): its
    ``data``, or its blob ID ``blob`` where known. The approval's ``source`` is the
    approved blob's bytes as git gave them, so comparing bytes answers what comparing
    object ids would, without hashing the file; no ``source`` is the work tree's."""
    if approval.source is None:
        return True
    if blob and len(blob) == len(approval.blob):
        return blob == approval.blob
    return data is not None and approval.source == data


def parse_approved(approval: Approval, doc: Document, config: BookConfig) -> Document:
    from specbook.parse import parse

    if approval.source is None:  # (the work tree's bytes: those of ``doc``)
        return doc
    return parse(approval.source, doc.path, config)


def since_approval(
    doc: Document,
    kind: KindConfig,
    config: BookConfig,
    top: Path,
    repo_path: str,
    names: Iterable[str],
) -> tuple[Row, Approval, list[tuple[str, Section | None, str]]] | None:
    """The last approval row of ``doc``, the commit that recorded it, and what changed
    in the watched sections since (possibly nothing); ``None`` when there is no
    approval row or it is not committed yet. ``repo_path`` is the file's path in the
    repository at ``top``."""
    row = approval_row(doc, kind)
    if row is None:
        return None
    folder = book_folder(config.root, top) if config.root is not None else ""
    approval = find_approval(top, repo_path, row.text, row.occurrence, folder)
    if approval is None:
        return None
    if _unchanged(doc.source, approval):
        return row, approval, []
    return row, approval, stale_sections(doc, parse_approved(approval, doc, config), names)


def reports_of(
    doc: Document,
    row: Row,
    approval: Approval,
    changed: list[tuple[str, Section | None, str]],
) -> list[StaleReport]:
    """The SB505 findings of ``doc`` for what changed since its approval."""
    out: list[StaleReport] = []
    for name, section, what in changed:
        title = section.title if section is not None else name
        message = (
            f"{title} {what} the approval by {row.reviewer} on {row.date} "
            f"(Review History line {row.line}; committed in {approval.commit[:7]} on "
            f"{approval.date}); get it approved again (`specbook review {doc.id or 'ID'} "
            "--approve`) or undo the change"
        )
        if section is not None:
            line = section.heading.line
            end = _line_end(doc, line)
            out.append(
                StaleReport(
                    doc.path or "",
                    doc.id,
                    line,
                    1,
                    line,
                    doc.column(end),
                    message,
                )
            )
        else:
            f = doc.field("status")
            line = f.value_span.line if f is not None and f.file is None else 1
            out.append(StaleReport(doc.path or "", doc.id, line, 1, line, 1, message))
    return out


def _line_end(doc: Document, line: int) -> int:
    starts = doc.line_starts
    end = starts[line] if line < len(starts) else len(doc.source)
    while end > starts[line - 1] and doc.source[end - 1 : end] in (b"\n", b"\r"):
        end -= 1
    return end


# -- the stale-approval service --------------------------------------------------------------
def stale_reports(
    config: BookConfig,
    candidates: Iterable[Candidate],
    names: list[str],
    statuses: dict[str, frozenset[str]],
    use_cache: bool = True,
) -> Iterator[StaleReport]:
    """The stale-approval findings of ``candidates`` (documents in an approved-or-later
    status; ``statuses`` the approved-or-later statuses by kind name, part of the
    cache key), comparing the sections ``names``. Nothing outside git, for a file git
    does not track, or while the approval row is not committed yet. With
    ``use_cache`` the answers are kept in the book's snapshot."""
    cfg = config
    if cfg.root is None:
        return
    wanted = list(candidates)
    if not wanted:
        return
    head = head_commit(cfg.root)
    if head is None or head.startswith("unborn:"):
        return
    use_cache = use_cache and cfg.path is not None
    shown = sorted((k, sorted(v)) for k, v in statuses.items())
    key = f"{__version__}|{names!r}|{shown!r}"
    cached = _load(cfg.root, key, head) if use_cache else {}
    fresh: dict[str, Any] = {}
    # the files the cache cannot answer for: their histories come from one `git log`
    pending: list[_File] = []
    # the same for files edited since the last run whose approval row is the one the
    # cache found the approval of then (its commit stands while HEAD does)
    known: list[_File] = []
    top: Path | None = None
    real_dirs: dict[str, str] = {}  # (see _repo_path)
    root = str(cfg.root)
    for d in wanted:
        kind = d.kind
        taken = d.row
        if taken is not None and not taken:
            continue  # (no approval row when it was linted: nothing to judge)
        entry = cached.get(d.path)
        if entry is not None and taken and len(taken) > 5 and entry.get("hash") == taken[5]:
            # (answered for these bytes: the file is not read)
            yield from (StaleReport(*r) for r in entry["reports"])
            fresh[d.path] = entry
            continue
        full = os.path.join(root, d.path)  # (a string: no Path made per document)
        data: bytes | None = None
        blob = ""
        if taken and len(taken) > 6 and taken[6]:
            # (the hash and blob ID of the bytes this lint read: not read again)
            digest, blob = str(taken[5]), str(taken[6])
        else:
            data = _read(full)
            if data is None:
                continue
            digest = content_hash(data)
        if entry is not None and entry.get("hash") == digest:
            yield from (StaleReport(*r) for r in entry["reports"])
            fresh[d.path] = entry
            continue
        fresh[d.path] = {"hash": digest, "reports": []}
        memo = entry.get("approval") if entry is not None else None
        doc: Document | None = None
        if taken is not None:  # the row, taken when the document was linted
            text, occurrence, reviewer, date, line = taken[:5]
            row: Row | None = Row(
                text.encode("utf-8", "surrogateescape"), occurrence, reviewer, date, line
            )
        else:
            from specbook.parse import parse

            assert data is not None  # (no row taken: read above)
            doc = parse(data, d.path, cfg)
            row = approval_row(doc, kind)
        if row is None:
            continue
        if top is None:
            top = repository_of(cfg.root)
            if top is None:
                return  # not a git work tree after all
        repo_path = _repo_path(full, top, real_dirs)
        item = _File(d, full, data, doc, repo_path, row, blob)
        if _memo_holds(memo, row):  # (an edit since the last run: same approval)
            assert isinstance(memo, dict)
            fresh[d.path]["approval"] = memo
            known.append(item)
        else:
            pending.append(item)
    if known and top is not None:
        yield from _judge_known(top, cfg, names, known, fresh, pending)
    if pending and top is not None:
        found = _approvals(
            top,
            book_folder(cfg.root, top),
            [(f.repo_path, f.row.text, f.row.occurrence) for f in pending],
            [f.data for f in pending],
            [f.blob for f in pending],
        )
        for f, approval in zip(pending, found, strict=True):
            memo = fresh[f.facts.path]["approval"] = _memo_of(f.row, approval)
            if approval is None:
                continue
            if _unchanged(f.data, approval, f.blob):
                if f.doc is not None:  # (the approved version's sections are these)
                    memo["sections"] = section_digests(f.doc, names)
                continue
            doc = f.doc if f.doc is not None else _parse_file(f, cfg)
            if doc is None:
                continue  # (gone or unreadable since it was linted)
            approved = parse_approved(approval, doc, cfg)
            memo["sections"] = section_digests(approved, names)
            reports = _judged(doc, f.row, approval, approved, names)
            fresh[f.facts.path]["reports"] = [list(r) for r in reports]
            yield from reports
    if use_cache and fresh != {p: cached.get(p) for p in fresh}:
        _save(cfg.root, key, head, {**cached, **fresh})


def _repo_path(full: str, top: Path, real_dirs: dict[str, str]) -> str:
    """``full``'s path in the repository at ``top``, links resolved as
    ``os.path.realpath`` resolves them, each folder resolved once (``real_dirs`` keeps
    them): a realpath per file was a look at every folder of its path, for each of
    thousands of approved documents."""
    name = full
    if os.path.islink(name):  # (the file itself a link: resolved on its own)
        return os.path.relpath(os.path.realpath(name), top).replace(os.sep, "/")
    folder, base = os.path.split(name)
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.relpath(os.path.realpath(folder), top)
    return (base if real == "." else os.path.join(real, base)).replace(os.sep, "/")


def _memo_of(row: Row, approval: Approval | None) -> dict[str, Any]:
    """What the cache keeps of a file's approval: the row it is the approval of, and
    the commit, date and blob (``commit`` ``None``: the row is not committed; ``""``:
    the history gave no blob ID, so the next run looks it up again)."""
    row_j = [row.text.decode("utf-8", "surrogateescape"), row.occurrence]
    if approval is None:
        return {"row": row_j, "commit": None}
    commit = approval.commit if approval.blob else ""
    return {"row": row_j, "commit": commit, "date": approval.date, "blob": approval.blob}


def _memo_holds(memo: object, row: Row) -> bool:
    """Whether a cached approval (see :func:`_memo_of`) answers for ``row`` now."""
    if not isinstance(memo, dict):
        return False
    if memo.get("row") != [row.text.decode("utf-8", "surrogateescape"), row.occurrence]:
        return False
    if memo.get("commit") is None:
        return True
    return all(isinstance(memo.get(k), str) and memo[k] for k in ("commit", "date", "blob"))


def _judged(
    doc: Document, row: Row, approval: Approval, approved: Document, names: list[str]
) -> list[StaleReport]:
    return reports_of(doc, row, approval, stale_sections(doc, approved, names))


def _judge_known(
    top: Path,
    cfg: BookConfig,
    names: list[str],
    known: "list[_File]",
    fresh: dict[str, Any],
    pending: "list[_File]",
) -> Iterator[StaleReport]:
    """Findings of the files whose approval the cache knows (no `git log`): none
    when the file holds the approved blob, or when its compared sections have the
    digests the approved version's had (known once the approved version was read);
    else the approved version is read (one `git cat-file` for all) and compared. A
    file whose blob cannot be read joins ``pending``."""
    unread: list[tuple[_File, Document]] = []
    many = len(known) > FEW
    for f in known:
        memo = fresh[f.facts.path]["approval"]
        if memo["commit"] is None or memo["blob"] == _blob_of(f, memo["blob"], many):
            continue
        doc = f.doc if f.doc is not None else _parse_file(f, cfg)
        if doc is None:
            continue  # (gone or unreadable since it was linted)
        if memo.get("sections") == section_digests(doc, names):
            continue
        unread.append((f, doc))
    if not unread:
        return
    from specbook.core.gitrun import GitFailed, read_blobs

    try:
        blobs = read_blobs(top, [fresh[f.facts.path]["approval"]["blob"] for f, _ in unread])
    except GitFailed:
        blobs = {}
    for f, doc in unread:
        memo = fresh[f.facts.path]["approval"]
        source = blobs.get(memo["blob"])
        if source is None:
            del fresh[f.facts.path]["approval"]
            pending.append(f)
            continue
        approval = Approval(memo["commit"], memo["date"], source, memo["blob"])
        approved = parse_approved(approval, doc, cfg)
        memo["sections"] = section_digests(approved, names)
        reports = _judged(doc, f.row, approval, approved, names)
        fresh[f.facts.path]["reports"] = [list(r) for r in reports]
        yield from reports


class _File(NamedTuple):
    """An approved document SB505 must judge: its facts, path, bytes (``None``: not
    read, its hash and blob ID taken when it was linted), parse (when made), path in
    the repository, approval row and blob ID (SHA-1, ``""`` when not known)."""

    facts: Candidate
    full: str
    data: bytes | None
    doc: Document | None
    repo_path: str
    row: Row
    blob: str


def _blob_of(f: _File, like: str, many: bool) -> str | None:
    """``f``'s blob ID in the hash of ``like``: the one taken when it was linted, else
    made of its bytes (read now if need be; ``None`` when they cannot be)."""
    if f.blob and len(f.blob) == len(like):
        return f.blob
    data = f.data if f.data is not None else _read(f.full)
    return None if data is None else blob_id(data, like, many)


def _read(full: str) -> bytes | None:
    """The bytes of the file at ``full``, ``None`` when it cannot be read."""
    try:
        with open(full, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _parse_file(f: _File, cfg: BookConfig) -> Document | None:
    """``f`` parsed (its bytes read now when they were not), ``None`` when they cannot
    be read."""
    from specbook.parse import parse

    data = f.data if f.data is not None else _read(f.full)
    return None if data is None else parse(data, f.facts.path, cfg)


def _approvals(
    top: Path,
    folder: str,
    wanted: list[tuple[str, bytes, int]],
    current: Sequence[bytes | None] | None = None,
    ids: Sequence[str] | None = None,
) -> list[Approval | None]:
    """The approval of each ``(repository path, row, copy)``: one `git log` of
    ``folder`` (the book's, relative to ``top``) for all their histories, then their
    versions' blobs a round at a time (``current``, ``ids``: see :func:`approvals_in`)."""
    from specbook.core.errors import UsageError
    from specbook.core.gitrun import GitFailed

    paths = [w[0] for w in wanted]
    histories: dict[str, list[Version]] | None = None
    try:
        if len(paths) > FEW:  # (a log of the whole book costs more than a few of one file)
            with contextlib.suppress(GitFailed):  # (then one log per file)
                histories = book_histories(top, folder, paths)
        if histories is None:
            histories = {p: file_history(top, p) or [] for p in paths}
        return approvals_in(top, [(histories[p], text, n) for p, text, n in wanted], current, ids)
    except UsageError:  # git cannot run here (not installed, or too slow): no judgement
        return [None] * len(wanted)


def book_folder(root: Path, top: Path) -> str:
    """The book's folder relative to the repository's top ("" when it is the top)."""
    folder = os.path.relpath(os.path.realpath(root), top).replace(os.sep, "/")
    return "" if folder == "." else folder


# environment variables that change where git finds the repository: with any of them
# set, ask git itself
_DISCOVERY = ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES", "GIT_COMMON_DIR")


def repository_of(root: Path) -> Path | None:
    """The top of the git work tree holding ``root``, or ``None`` outside git: the
    nearest folder up from ``root`` with a ``.git`` (a folder, or the file a worktree
    or submodule has), as git finds it, without running git unless the environment
    changes how git finds it."""
    from specbook.core.errors import UsageError
    from specbook.core.gitrun import repository_top

    if not any(name in os.environ for name in _DISCOVERY):
        folder = _work_tree(root)
        return Path(os.path.realpath(folder)) if folder is not None else None
    try:
        return repository_top(root)
    except UsageError:
        return None


def _load(root: Path, key: str, head: str) -> dict[str, Any]:
    """The cached answers still true at ``head``: all of them when they were made at
    ``head``; when HEAD moved forward (a commit, a fast-forward), those of the files
    the new commits did not touch (one ``git diff``); else none."""
    from specbook.core.state import read_blob

    raw = read_blob(root, CACHE_NAME)
    if raw is None:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("key") != key:
        return {}
    files = data.get("files")
    if not isinstance(files, dict):
        return {}
    then = data.get("head")
    if then == head:
        return files
    if not isinstance(then, str) or not files:
        return {}
    touched = _touched_since(root, then, head)
    return {} if touched is None else {p: v for p, v in files.items() if p not in touched}


def _touched_since(root: Path, old: str, new: str) -> set[str] | None:
    """Book-relative paths changed from commit ``old`` to its descendant ``new``, or
    ``None`` when ``new`` does not descend from ``old`` (a reset, another branch)."""
    from specbook.core.errors import UsageError
    from specbook.core.gitrun import GitFailed, git, git_z

    top = repository_of(root)
    if top is None:
        return None
    try:
        git(top, "merge-base", "--is-ancestor", old, new)
        names = git_z(top, "diff", "--name-only", "--no-renames", old, new, "--")
    except (GitFailed, UsageError):  # (UsageError: git cannot run here)
        return None
    real_root = os.path.realpath(root)
    return {
        os.path.relpath(os.path.join(top, name), real_root).replace(os.sep, "/") for name in names
    }


def _save(root: Path, key: str, head: str, files: dict[str, Any]) -> None:
    from specbook.core.state import write_blob

    write_blob(root, CACHE_NAME, json.dumps({"key": key, "head": head, "files": files}).encode())


def stale_since_approval(
    root: Path, config: BookConfig, doc: Document, kind: KindConfig, names: Iterable[str]
) -> tuple[Row, Approval, list[tuple[str, Section | None, str]]] | None:
    """:func:`since_approval` for the document ``doc`` of the book at ``root`` (the
    portal's banner): ``None`` outside git, without an approval row, or while it is
    not committed yet."""
    top = repository_of(root)
    if top is None or not doc.path:
        return None
    full = os.path.realpath(root / doc.path)
    repo_path = os.path.relpath(full, top).replace(os.sep, "/")
    return since_approval(doc, kind, config, top, repo_path, names)
