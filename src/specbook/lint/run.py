"""Linting a book: which files, the content-hash cache, parallel parsing, --fix.

The cache (``.specbook/lint-cache.json``) keeps, per file, its content hash, the
findings of the document rules and the facts the book rules need. It is keyed by
specbook's version and the rule set with its options, so changing either starts
afresh; a file whose size and modification time are unchanged is not even read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbook import __version__
from specbook.book import Book
from specbook.config import BookConfig
from specbook.edit.atomic import ChangedOnDisk, replace_if_unchanged
from specbook.edit.patch import Patch, apply_patches
from specbook.errors import NotFoundError, SpecbookError, UsageError
from specbook.lint.engine import Linter, LintResult, sort_findings
from specbook.lint.facts import DocFacts, Ref, facts_of
from specbook.lint.finding import Finding
from specbook.model import Span
from specbook.parse import parse

CACHE_NAME = "lint-cache.json"
MEMO_NAME = "lint-last.json"  # the whole last result, reused when nothing changed
CACHE_VERSION = 1
PARALLEL_THRESHOLD = 256  # below this many files to parse, one process is faster


@dataclass
class FileResult:
    rel: str
    sig: tuple[int, int]
    digest: str
    findings: list[Finding]
    facts: DocFacts


# -- serialisation of cache entries ----------------------------------------------------
def _span_j(s: Span | None) -> list[int] | None:
    return None if s is None else [s.start, s.end, s.line, s.end_line]


def _span_p(v: list[int] | None) -> Span | None:
    return None if v is None else Span(*v)


def _finding_j(f: Finding) -> list[Any]:
    return [
        f.rule, f.name, f.severity, f.doc_id, f.line, f.column, f.end_line, f.end_column, f.message,
        [[p.start, p.end, p.text.hex()] for p in f.fix],
    ]  # fmt: skip


def _finding_p(path: str, v: list[Any]) -> Finding:
    fix = tuple(Patch(s, e, bytes.fromhex(t)) for s, e, t in v[9])
    return Finding(v[0], v[1], v[2], path, v[3], v[4], v[5], v[6], v[7], v[8], fix)


def _facts_j(d: DocFacts) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "status": d.status_canonical,
        "id_span": _span_j(d.id_span),
        "id_column": d.id_column,
        "reqs": sorted(d.requirement_ids),
        "refs": [
            [r.target, r.requirement, r.text, _span_j(r.span), r.column, r.end_column]
            for r in d.references
        ],
        "by": [[t, _span_j(s), c] for t, s, c in d.superseded_by],
        "sup": [[t, _span_j(s), c] for t, s, c in d.supersedes],
        "tests": [list(t) for t in d.listed_tests],
    }


def _facts_p(path: str, v: dict[str, Any]) -> DocFacts:
    refs = []
    for target, req, text, sp, col, end_col in v["refs"]:
        span = Span(*sp)
        refs.append(Ref(target, req, text, span, span.line, col, end_col))
    return DocFacts(
        path=path,
        id=v["id"],
        kind=v["kind"],
        status_canonical=v["status"],
        id_span=_span_p(v["id_span"]),
        id_column=v["id_column"],
        requirement_ids=frozenset(v["reqs"]),
        references=tuple(refs),
        superseded_by=tuple((t, Span(*s), c) for t, s, c in v["by"]),
        supersedes=tuple((t, Span(*s), c) for t, s, c in v["sup"]),
        listed_tests=tuple((n, ln, c, e, ck) for n, ln, c, e, ck in v.get("tests", ())),
    )


# -- the work for one file (also run in worker processes) ----------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(config: BookConfig, select: list[str], ignore: list[str], today: Any) -> None:
    _WORKER["linter"] = Linter(config, select=select, ignore=ignore, today=today)


def _lint_one(
    linter: Linter, path: Path | str, rel: str
) -> tuple[str, tuple[int, int], str, list[Any], dict[str, Any]] | None:
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    doc = parse(data, rel, linter.config)
    findings = linter.lint_document(doc)
    return (
        rel,
        (st.st_mtime_ns, st.st_size),
        hashlib.blake2b(data, digest_size=16).hexdigest(),
        [_finding_j(f) for f in findings],
        _facts_j(facts_of(doc)),
    )


def _lint_chunk(items: list[tuple[str, str]]) -> list[Any]:
    linter: Linter = _WORKER["linter"]
    return [_lint_one(linter, Path(p), rel) for p, rel in items]


# -- the cache -------------------------------------------------------------------------
def _code_fingerprint(linter: Linter) -> str:
    """Size and mtime of specbook's own modules and of every rule's module: editing
    the code (without a version bump) must not serve stale findings."""
    files = {str(p) for p in Path(__file__).resolve().parents[1].rglob("*.py")}
    for a in linter.active:
        fn = a.rule.check or a.rule.book_check
        code = getattr(fn, "__code__", None)
        if code is not None:
            files.add(code.co_filename)
    h = hashlib.blake2b(digest_size=12)
    for name in sorted(files):
        try:
            st = os.stat(name)
        except OSError:
            continue
        h.update(f"{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


def book_fingerprint(book: Book) -> str:
    """The config file's bytes and the book's template files: both change findings."""
    h = hashlib.blake2b(digest_size=12)
    cfg = book.config
    if cfg.path is not None:
        with contextlib.suppress(OSError):
            h.update(cfg.path.read_bytes())
    from specbook.templates import template_path

    for kind in cfg.kinds.values():
        tp = template_path(cfg, kind)
        if tp is not None:
            try:
                h.update(f"{kind.name}:{tp}:".encode() + tp.read_bytes())
            except OSError:
                h.update(f"{kind.name}:{tp}:missing".encode())
    return h.hexdigest()


def _cache_path(config: BookConfig) -> Path | None:
    return None if config.root is None else config.root / ".specbook" / CACHE_NAME


def _load_cache(path: Path | None, key: str) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or data.get("key") != key:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _save_cache(path: Path | None, key: str, files: dict[str, Any]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps(
                {"version": CACHE_VERSION, "key": key, "files": files}, separators=(",", ":")
            ),
            encoding="utf-8",
        )
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


# -- running ---------------------------------------------------------------------------
def expand_paths(book: Book, paths: Iterable[Path]) -> list[Path]:
    """Files to lint: each named file, and the documents under each named folder.

    Raises :class:`NotFoundError` for a path that does not exist.
    """
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            root = p.resolve()
            inside = [q for q in book.paths() if q.resolve().is_relative_to(root)]
            if not inside:  # a folder outside the kind folders: every Markdown file in it
                inside = sorted(
                    q for q in root.rglob("*") if q.suffix.lower() in (".md", ".markdown")
                )
            out.extend(inside)
        elif p.is_file():
            out.append(p)
        else:
            raise NotFoundError(f"{p}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for p in out:
        r = p.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(p)
    return unique


def lint_files(
    book: Book,
    linter: Linter,
    files: Sequence[Path | str],
    select: list[str],
    ignore: list[str],
    use_cache: bool = True,
    jobs: int | None = None,
    use_memo: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[LintResult, dict[str, FileResult]]:
    """Lint ``files`` as one book. Returns the result and, per file, what was linted.

    When nothing changed since the last run (same rules, same files with the same
    size and modification time) the last result is returned as it was, with an empty
    per-file map; pass ``use_memo=False`` when you need that map (``--fix``).
    """
    key = "|".join(
        (__version__, _code_fingerprint(linter), book_fingerprint(book), linter.fingerprint())
    )
    cache_path = _cache_path(book.config) if use_cache else None
    memo_path = cache_path.with_name(MEMO_NAME) if cache_path is not None else None
    sigs = _signatures(book, files)
    memo_key = key + _inputs_digest(linter) if memo_path is not None else key
    if memo_path is not None and use_memo:
        memo = _load_memo(memo_path, memo_key, sigs)
        if memo is not None:
            return memo, {}
    cached = _load_cache(cache_path, key)
    results: dict[str, FileResult] = {}
    todo: list[tuple[Path | str, str]] = []
    for p in files:
        rel = book.rel(p)
        entry = cached.get(rel)
        if entry is not None:
            try:
                st = os.stat(p)
            except OSError:
                continue
            sig = (st.st_mtime_ns, st.st_size)
            if list(sig) == entry["sig"]:
                results[rel] = _from_entry(rel, entry)
                continue
            try:
                with open(p, "rb") as fh:
                    digest = hashlib.blake2b(fh.read(), digest_size=16).hexdigest()
            except OSError:
                continue
            if digest == entry["hash"]:
                entry["sig"] = list(sig)
                results[rel] = _from_entry(rel, entry)
                continue
        todo.append((p, rel))

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    done = 0
    raw: list[Any] = []
    if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
        from concurrent.futures import ProcessPoolExecutor  # only big runs pay for the import

        chunk = max(32, len(todo) // (workers * 8))
        chunks = [
            [(str(p), rel) for p, rel in todo[i : i + chunk]] for i in range(0, len(todo), chunk)
        ]
        with ProcessPoolExecutor(
            max_workers=workers,
            initializer=_init_worker,
            initargs=(book.config, select, ignore, linter.today),
        ) as pool:
            for part in pool.map(_lint_chunk, chunks):
                raw.extend(part)
                done += len(part)
                if progress:
                    progress(done, len(todo))
    else:
        for p, rel in todo:
            raw.append(_lint_one(linter, p, rel))
            done += 1
            if progress and done % 50 == 0:
                progress(done, len(todo))
    for item in raw:
        if item is None:
            continue
        rel, sig, digest, findings_j, facts_j = item
        results[rel] = FileResult(
            rel, sig, digest, [_finding_p(rel, f) for f in findings_j], _facts_p(rel, facts_j)
        )
        cached[rel] = {"sig": list(sig), "hash": digest, "findings": findings_j, "facts": facts_j}

    if use_cache:
        # keep entries of files not linted this time (a partial run must not forget the rest)
        _save_cache(cache_path, key, cached)

    findings: list[Finding] = []
    for fr in results.values():
        findings.extend(fr.findings)
    findings.extend(linter.lint_book([fr.facts for fr in results.values()], use_cache))
    result = LintResult(sort_findings(findings), files=len(files), documents=len(results))
    if memo_path is not None:
        _save_memo(memo_path, memo_key, sigs, result)
    return result, results


def _inputs_digest(linter: Linter) -> str:
    """The size and mtime of the files besides documents that active rules read (the
    trace rules' code): the memo must not outlive a change to them."""
    readers = [a.rule.inputs for a in linter.book_rules if a.rule.inputs is not None]
    if not readers:
        return ""
    h = hashlib.blake2b(digest_size=12)
    for inputs in dict.fromkeys(readers):  # one walk per distinct reader
        for path, mtime, size in inputs(linter.config):
            h.update(f"{path}:{mtime}:{size};".encode())
    return "|inputs=" + h.hexdigest()


def _signatures(book: Book, files: Sequence[Path | str]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for p in files:
        try:
            st = os.stat(p)
        except OSError:
            continue
        out.append([book.rel(p), st.st_mtime_ns, st.st_size])
    return out


def _load_memo(path: Path, key: str, sigs: list[list[Any]]) -> LintResult | None:
    """The whole previous result, when the rules and every file are as they were then."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or data.get("files") != sigs:
        return None
    findings = [_finding_p(item[0], item[1:]) for item in data["findings"]]
    return LintResult(findings, files=len(sigs), documents=int(data["documents"]))


def _save_memo(path: Path, key: str, sigs: list[list[Any]], result: LintResult) -> None:
    data = {
        "key": key,
        "files": sigs,
        "documents": result.documents,
        "findings": [[f.path, *_finding_j(f)] for f in result.findings],
    }
    try:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def _from_entry(rel: str, entry: dict[str, Any]) -> FileResult:
    return FileResult(
        rel,
        (entry["sig"][0], entry["sig"][1]),
        entry["hash"],
        [_finding_p(rel, f) for f in entry["findings"]],
        _facts_p(rel, entry["facts"]),
    )


def apply_fixes(book: Book, result: LintResult, files: dict[str, FileResult]) -> list[str]:
    """Apply every finding's fix, file by file; returns the paths changed.

    Patches that overlap an earlier one are left for the next run. Raises
    :class:`SpecbookError` ("changed on disk, re-run") when a file changed since it
    was linted; other files are still fixed.
    """
    by_file: dict[str, list[Patch]] = {}
    for f in result.findings:
        if f.fix:
            by_file.setdefault(f.path, []).extend(f.fix)
    changed: list[str] = []
    stale: list[str] = []
    from specbook.create import book_lock

    with book_lock(book):  # the same lock lifecycle edits hold: no lost updates
        _fix_files(book, by_file, files, changed, stale)
    if stale:
        raise SpecbookError(
            f"{', '.join(stale)}: changed on disk while linting; re-run `specbook lint --fix`"
        )
    return changed


def _fix_files(
    book: Book,
    by_file: dict[str, list[Patch]],
    files: dict[str, FileResult],
    changed: list[str],
    stale: list[str],
) -> None:
    for rel, patches in sorted(by_file.items()):
        path = book.root / rel
        fr = files.get(rel)
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if fr is None or hashlib.blake2b(data, digest_size=16).hexdigest() != fr.digest:
            stale.append(rel)
            continue
        chosen: list[Patch] = []
        end = -1
        for p in sorted(set(patches), key=lambda p: (p.start, p.end)):
            if p.start >= end or (p.start == p.end == end):
                chosen.append(p)
                end = p.end
        new = apply_patches(data, chosen)
        if new == data:
            continue
        try:
            replace_if_unchanged(path, data, new)
        except ChangedOnDisk:
            stale.append(rel)
            continue
        changed.append(rel)


# -- linting what a branch changed ---------------------------------------------------------
_NAMED_ID = re.compile(r"^([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+)(?:$|[-_. ])")


def _git(root: Path, *args: str) -> str:
    """Run git in ``root``; raises :class:`UsageError` with git's own message on failure."""
    import subprocess

    try:
        out = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"--changed needs git, which cannot be run here ({exc})") from exc
    if out.returncode != 0:
        detail = (out.stderr or out.stdout).strip().splitlines()
        raise UsageError(f"git {' '.join(args)}: {detail[-1] if detail else 'failed'}")
    return out.stdout


def changed_since(book: Book, rev: str) -> tuple[list[str], list[str]]:
    """Book documents a branch changed since ``rev``: ``(present, deleted)`` relative paths.

    Changed means: in ``git diff --name-only REV...HEAD`` (what the branch committed
    since it left REV), in ``git diff --name-only HEAD`` (staged and unstaged edits),
    or untracked and not ignored. Raises :class:`UsageError` outside a git work tree
    or for a REV git does not know.
    """
    try:
        inside = _git(book.root, "rev-parse", "--is-inside-work-tree").strip()
    except UsageError as exc:
        raise UsageError(
            f"{book.root} is not inside a git repository; `lint --changed` compares with "
            "git history (run `lint` without --changed to check everything)"
        ) from exc
    if inside != "true":
        raise UsageError(f"{book.root} is not inside a git work tree; --changed needs one")
    top = Path(os.path.realpath(_git(book.root, "rev-parse", "--show-toplevel").strip()))
    _git(book.root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    names: set[str] = set()
    for args in (
        ("diff", "--name-only", "--no-renames", f"{rev}...HEAD"),
        ("diff", "--name-only", "--no-renames", "HEAD"),
        ("ls-files", "--others", "--exclude-standard", "--full-name"),
    ):
        names.update(line for line in _git(top, *args).splitlines() if line)
    documents = set(book.path_strings())
    present: list[str] = []
    deleted: list[str] = []
    for name in sorted(names):
        full = os.path.normpath(os.path.join(top, name))
        rel = book.rel(full)
        if full in documents:
            present.append(rel)
        elif not os.path.exists(full) and rel.lower().endswith((".md", ".markdown")):
            deleted.append(rel)
    return present, deleted


def restrict(result: LintResult, paths: Iterable[str]) -> LintResult:
    """``result`` with only the findings on ``paths`` (book-relative)."""
    keep = set(paths)
    findings = [f for f in result.findings if f.path in keep]
    return LintResult(findings, files=len(keep), documents=len(keep))


def with_referrers(
    changed: Iterable[str], deleted: Iterable[str], files: dict[str, FileResult]
) -> list[str]:
    """``changed`` plus every linted document that references a changed or deleted
    document (by ID; a deleted document's ID is read from its file name)."""
    chosen = set(changed)
    ids = {files[p].facts.id for p in chosen if p in files and files[p].facts.id}
    for rel in deleted:
        m = _NAMED_ID.match(rel.rsplit("/", 1)[-1])
        if m:
            ids.add(m.group(1))
    for rel, fr in files.items():
        if rel not in chosen and any(r.target in ids for r in fr.facts.references):
            chosen.add(rel)
    return sorted(chosen)
