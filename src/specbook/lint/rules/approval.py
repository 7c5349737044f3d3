"""SB505 approval-stale: an approved document whose design changed after the approval.

The rule needs git history: it finds the commit that recorded the document's last
approval (the oldest commit of the newest unbroken run, following renames, whose
version of the file holds that Review History row) and compares the requirement,
design and plan sections of that version with the working tree. Lifecycle edits
(Status, Modified, Review History rows, Reviewers/Approvers, checklist ticks) are
masked, so they never make an approval stale.

Cost: git runs only for documents in an approved-or-later status that have an
approval row, and the answers are kept in ``.specbook/approval-cache.json`` by
(file content hash, HEAD commit); after HEAD moves forward, the answers for files
the new commits did not touch are kept (one ``git diff``). The rule declares HEAD
as an extra input, so lint's whole-result memo is not reused after a commit or a
checkout.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbook import __version__
from specbook.config import BookConfig, KindConfig
from specbook.digest import content_hash
from specbook.lint.facts import BookFacts
from specbook.lint.registry import BookReport, RuleContext, rule
from specbook.model import Document, ReviewEntry, Section
from specbook.state import make_state_dir
from specbook.text import is_placeholder, norm_heading

CACHE_NAME = "approval-cache.json"
DEFAULT_SECTIONS = ["Requirements", "Technical Design", "Design", "Implementation Plan"]


# -- HEAD as an extra input of the rule (no subprocess: read .git directly) --------------------
def _git_dir(start: Path) -> tuple[Path, Path] | None:
    """``(git dir, common dir)`` of the repository holding ``start``, or ``None``."""
    for folder in (start, *start.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return dot, dot
        if dot.is_file():  # a worktree or submodule: "gitdir: PATH"
            try:
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
    return None


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


def _head_input(config: BookConfig) -> Iterable[tuple[str, int, int]]:
    """A pseudo-input naming the HEAD commit: the memo key changes when HEAD moves."""
    if config.root is None or config.path is None:
        return []
    return [(f"git-head:{head_commit(config.root)}", 0, 0)]


# -- which documents --------------------------------------------------------------------------
def approved_or_later(kind: KindConfig) -> frozenset[str]:
    """The statuses that mean "approved": the approved status and those its workflow
    leads to without going back to the first status or to review, less the archived
    one and dead ends (an archived or superseded document is history, not a design
    being built). SPEC: Approved, Implemented. DEC: Accepted, Deprecated."""
    from specbook.workflow import workflow_for

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
    the row is not committed yet), and that version's bytes."""

    commit: str
    date: str
    source: bytes


def _norm(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def find_approval(top: Path, repo_path: str, row: bytes, occurrence: int) -> Approval | None:
    """The approval commit of ``row`` (its ``occurrence``-th copy in the file): walking
    the file's history newest first (renames followed), the oldest commit of the
    newest unbroken run of versions that hold it. ``None`` when the file is not in
    git or no commit holds the row."""
    from specbook.diff import GitFailed, git, read_blobs

    try:
        out = git(top, "log", "--follow", "--format=%x00%H %cs", "--name-only", "--", repo_path)
    except GitFailed:
        return None
    history: list[tuple[str, str, str]] = []
    path = repo_path
    for chunk in out.decode("utf-8", "surrogateescape").split("\0")[1:]:
        head, _, names = chunk.partition("\n")
        commit, _, date = head.partition(" ")
        listed = [n for n in names.split("\n") if n.strip()]
        if listed:
            path = listed[0]
        history.append((commit, date, path))
    found: Approval | None = None
    for i in range(0, len(history), 8):  # a few versions per git call: approvals are recent
        batch = history[i : i + 8]
        blobs = read_blobs(top, [f"{c}:{p}" for c, _, p in batch])
        for c, d, p in batch:
            data = blobs.get(f"{c}:{p}")
            if data is None or _norm(data).count(row) < occurrence:
                return found
            found = Approval(c, d, data)
    return found


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
    from specbook.diff import requirement_changes

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
    from specbook.diff import LIFECYCLE_FIELDS, lifecycle_masks, section_text

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


def since_approval(
    doc: Document,
    kind: KindConfig,
    config: BookConfig,
    top: Path,
    repo_path: str,
    names: Iterable[str],
) -> tuple[ReviewEntry, Approval, list[tuple[str, Section | None, str]]] | None:
    """The last approval row of ``doc``, the commit that recorded it, and what changed
    in the watched sections since (possibly nothing); ``None`` when there is no
    approval row or it is not committed yet. ``repo_path`` is the file's path in the
    repository at ``top``."""
    from specbook.parse import parse

    row = last_approval(doc, kind)
    if row is None:
        return None
    text = _norm(doc.source[row.span.start : row.span.end]).strip()
    if not text:
        return None
    occurrence = _norm(doc.source[: row.span.end]).count(text)
    approval = find_approval(top, repo_path, text, occurrence)
    if approval is None:
        return None
    approved = parse(approval.source, doc.path, config)
    return row, approval, stale_sections(doc, approved, names)


def check_document(
    doc: Document,
    kind: KindConfig,
    config: BookConfig,
    top: Path,
    repo_path: str,
    names: Iterable[str],
) -> list[BookReport]:
    """The SB505 findings of one document whose file is ``repo_path`` in the
    repository at ``top``."""
    found = since_approval(doc, kind, config, top, repo_path, names)
    if found is None:
        return []
    row, approval, changed = found
    out: list[BookReport] = []
    for name, section, what in changed:
        title = section.title if section is not None else name
        message = (
            f"{title} {what} the approval by {row.reviewer} on {row.date} "
            f"(Review History line {row.span.line}; committed in {approval.commit[:7]} on "
            f"{approval.date}); get it approved again (`specbook review {doc.id or 'ID'} "
            "--approve`) or undo the change"
        )
        if section is not None:
            line = section.heading.line
            end = _line_end(doc, line)
            out.append(
                BookReport(
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
            line = f.value_span.line if f is not None else 1
            out.append(BookReport(doc.path or "", doc.id, line, 1, line, 1, message))
    return out


def _line_end(doc: Document, line: int) -> int:
    starts = doc.line_starts
    end = starts[line] if line < len(starts) else len(doc.source)
    while end > starts[line - 1] and doc.source[end - 1 : end] in (b"\n", b"\r"):
        end -= 1
    return end


# -- the rule ---------------------------------------------------------------------------------
@rule(
    "SB505",
    "approval-stale",
    severity="error",
    tags=("lifecycle", "git"),
    scope="book",
    options={"sections": list(DEFAULT_SECTIONS)},
    inputs=_head_input,
)
def approval_stale(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """An approved document whose requirements, design or plan changed after its last approval.

    Why: the approval is a statement about the text the approver read. When the
    Requirements, Design or Implementation Plan change afterwards, the document
    still says Approved (or Implemented) for a design nobody agreed to.

    Example:
    SPEC-001 is approved (`specbook review SPEC-001 --approve`, committed) and
    moved to Approved; a later commit rewords FR-2 under Requirements. The finding
    is on the `## Requirements` heading and names the approval's reviewer, date
    and commit. Edits that specbook's lifecycle makes never count: Status,
    Modified, Review History rows, Reviewers/Approvers and checklist ticks
    (`specbook status`, `review`, `check`).

    The rule reads git history: it applies to documents in the approved status or
    a status the workflow reaches from it (SPEC: Approved, Implemented; DEC:
    Accepted, Deprecated; not Archived or Superseded) that have an approval row in
    Review History (a row for the approved status, or `Approve`). The approval
    commit is the oldest commit of the newest run of versions of the file (renames
    followed) that hold that row; its sections are compared with the working tree.
    Outside git, for a file git does not track, or while the approval row is not
    committed yet, there is no finding.

    Fix: have the change reviewed and approved again (`specbook review ID --approve`
    clears the finding; once committed, later changes are measured from it), or
    undo the change.

    Options: `sections` lists the sections compared, by template name or title
    (default `["Requirements", "Technical Design", "Design", "Implementation Plan"]`).
    """
    cfg = ctx.config
    if cfg.root is None:
        return
    names = [str(n) for n in ctx.options.get("sections", DEFAULT_SECTIONS)]
    wanted: list[Any] = []
    statuses: dict[str, frozenset[str]] = {}
    for d in book.reported:
        kind = cfg.kinds.get(d.kind or "")
        if kind is None or d.status_canonical in (None, kind.statuses[0]):
            continue  # a draft is never approved: no need for the workflow
        if kind.name not in statuses:
            statuses[kind.name] = approved_or_later(kind)
        if d.status_canonical in statuses[kind.name]:
            wanted.append((d, kind))
    if not wanted:
        return
    head = head_commit(cfg.root)
    if head is None or head.startswith("unborn:"):
        return
    use_cache = ctx.cache and cfg.path is not None
    cache_path = cfg.root / ".specbook" / CACHE_NAME
    shown = sorted((k, sorted(v)) for k, v in statuses.items())
    key = f"{__version__}|{names!r}|{shown!r}"
    cached = _load(cache_path, key, head, cfg.root) if use_cache else {}
    fresh: dict[str, Any] = {}
    top: Path | None = None
    for d, kind in wanted:
        full = cfg.root / d.path
        try:
            data = full.read_bytes()
        except OSError:
            continue
        digest = content_hash(data)
        entry = cached.get(d.path)
        if entry is not None and entry.get("hash") == digest:
            reports = [BookReport(*r) for r in entry["reports"]]
        else:
            if top is None:
                top = repository_of(cfg.root)
                if top is None:
                    return  # not a git work tree after all
            from specbook.parse import parse

            doc = parse(data, d.path, cfg)
            repo_path = os.path.relpath(os.path.realpath(full), top).replace(os.sep, "/")
            reports = check_document(doc, kind, cfg, top, repo_path, names)
        fresh[d.path] = {"hash": digest, "reports": [list(r) for r in reports]}
        yield from reports
    if use_cache and fresh != {p: cached.get(p) for p in fresh}:
        _save(cache_path, key, head, {**cached, **fresh})


def repository_of(root: Path) -> Path | None:
    """The top of the git work tree holding ``root``, or ``None`` outside git."""
    from specbook.diff import repository_top
    from specbook.errors import UsageError

    try:
        return repository_top(root)
    except UsageError:
        return None


def _load(path: Path, key: str, head: str, root: Path) -> dict[str, Any]:
    """The cached answers still true at ``head``: all of them when they were made at
    ``head``; when HEAD moved forward (a commit, a fast-forward), those of the files
    the new commits did not touch (one ``git diff``); else none."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
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
    from specbook.diff import GitFailed, git

    top = repository_of(root)
    if top is None:
        return None
    try:
        git(top, "merge-base", "--is-ancestor", old, new)
        out = git(top, "diff", "--name-only", "--no-renames", "-z", old, new)
    except GitFailed:
        return None
    real_root = os.path.realpath(root)
    touched = set()
    for name in out.decode("utf-8", "surrogateescape").split("\0"):
        if name:
            full = os.path.join(top, name)
            touched.add(os.path.relpath(full, real_root).replace(os.sep, "/"))
    return touched


def _save(path: Path, key: str, head: str, files: dict[str, Any]) -> None:
    try:
        make_state_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": key, "head": head, "files": files}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
