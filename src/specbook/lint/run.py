"""Linting a book: which files, the content-hash cache, parallel parsing, --fix.

The cache lives in the book's snapshot (``.specbook/index.db``, see
:mod:`specbook.core.state`; tables ``lint_*``) and keeps, per file, its content hash, the
findings of the document rules, the facts the book rules need and the parsed document
itself (:mod:`specbook.core.stored`: what ``report``, ``build`` and the portal's pages
read instead of parsing again, see :func:`snapshot_documents`). It is keyed by
specbook's version and the rule set with its options, so changing either starts
afresh; a file whose size and modification time are unchanged is not even read. The
whole last result is kept there too (the blob ``lint-memo``).
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any, Protocol

from specbook import __version__
from specbook.book import Book
from specbook.core import stored
from specbook.core.collector import collector_paused
from specbook.core.config import BookConfig
from specbook.core.confine import real_path
from specbook.core.digest import blake2b, code_stamp, source_hash
from specbook.core.errors import NotFoundError, SpecbookError, UsageError
from specbook.core.layout import read_document, signature
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, Span
from specbook.core.state import (
    discard_damaged,
    is_damaged,
    make_state_dir,
    read_blob,
    snapshot_path,
    sweep_old_caches,
    write_blob,
)
from specbook.edit.atomic import ChangedOnDisk, WriteRefused, replace_if_unchanged
from specbook.edit.patch import Patch, apply_patches
from specbook.lint import verdicts
from specbook.lint.engine import Linter, LintResult, sort_findings
from specbook.lint.facts import DocFacts, Ref, light_facts_of
from specbook.lint.finding import Finding
from specbook.lint.registry import distribution_tags
from specbook.parse import parse, scan

MEMO_NAME = "lint-memo"  # the whole last result, reused when nothing changed (a blob)
# (8: findings and facts marshalled; 9: the parsed document, column doc; 10: the day of
# a row's findings, column day, instead of the day in the key; 11: the days they hold,
# column days, see Linter.window)
CACHE_VERSION = 11
PARALLEL_THRESHOLD = 256  # below this many files to parse, one process is faster


@dataclass
class FileResult:
    rel: str
    sig: tuple[int, int]
    digest: str
    findings: list[Finding]
    facts: DocFacts
    extra: Any = None  # what the caller's ``also`` made of the parse (the index record)


# What a caller makes of each document parsed: ``also(doc, bytes, signature)`` (the
# index record, so that a file parsed for lint need not be parsed for the index too).
# A module-level function, so that worker processes can be given it.
Also = Callable[[Any, bytes, tuple[int, int]], Any]


# -- serialisation of cache entries ----------------------------------------------------
def _span_j(s: Span | None) -> list[int] | None:
    return None if s is None else [s.start, s.end, s.line, s.end_line]


def _span_p(v: list[int] | None) -> Span | None:
    return None if v is None else Span(*v)


def _finding_j(f: Finding, rel: str | None = None) -> list[Any]:
    """A finding of the document at ``rel`` as the cache keeps it (its path only when
    that is another file: a sidecar)."""
    out = [
        f.rule, f.name, f.severity, f.doc_id, f.line, f.column, f.end_line, f.end_column, f.message,
        [[p.start, p.end, p.text.hex()] for p in f.fix],
    ]  # fmt: skip
    if rel is not None and f.path != rel:
        out.append(f.path)
    return out


def _finding_p(path: str, v: list[Any]) -> Finding:
    fix = tuple(Patch(s, e, bytes.fromhex(t)) for s, e, t in v[9])
    where = v[10] if len(v) > 10 else path  # (a finding in the document's sidecar)
    return Finding(v[0], v[1], v[2], where, v[3], v[4], v[5], v[6], v[7], v[8], fix)


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
        "extras": d.extras,
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
        extras=v.get("extras"),
    )


# -- the work for one file (also run in worker processes) ----------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(
    config: BookConfig,
    select: list[str],
    ignore: list[str],
    today: Any,
    also: Also | None = None,
    keep: bool = True,
) -> None:
    _WORKER["linter"] = Linter(config, select=select, ignore=ignore, today=today)
    _WORKER["also"] = also
    _WORKER["keep"] = keep


def _lint_one(
    linter: Linter,
    path: Path | str,
    rel: str,
    also: Also | None = None,
    keep: bool = True,
    here: bool = False,
) -> tuple[Any, ...] | None:
    """``(rel, signature, hash, findings, facts, document, window)`` of one file as the
    cache keeps them (``document``: :func:`specbook.core.stored.dump` of the parse,
    ``None`` when not ``keep``: a run with no cache to keep it in; ``window``: the days
    the findings hold, :meth:`Linter.window`, ``""`` when not ``keep``), and with
    ``also`` what it made of the parse; ``None`` for a file that is gone. The file is
    parsed once, for all of these.

    ``here``: for the process that reports, which needs the objects, not their cache
    form: the findings and facts as they were made (a list of :class:`Finding`, a
    :class:`DocFacts`), so that they are not encoded and decoded again (see
    :func:`_cache_forms`). A worker's answer is pickled: it gives the cache form."""
    got = read_document(linter.config, path, rel)
    if got is None:
        return None
    sig, data, sidecars = got
    doc = parse(data, rel, linter.config, sidecars)
    findings = linter.lint_document(doc)
    facts = linter.facts(doc)
    out = (
        rel,
        sig,
        source_hash(data, sidecars),
        findings if here else [_finding_j(f, rel) for f in findings],
        facts if here else _facts_j(facts),
        # (after the rules: the parts they built are built once; not of a file named
        # from outside the book, whose text the book's snapshot must not keep)
        None if not keep or _outside(rel) else stored.dump(doc, scan.pack),
        linter.window(doc) if keep else "",  # (no row kept: no days to keep with it)
    )
    return out if also is None else (*out, also(doc, data, sig))


def _cache_forms(rel: str, findings: Any, facts: Any) -> tuple[list[Any], dict[str, Any]]:
    """The cache forms of a :func:`_lint_one` answer's findings and facts, whichever
    way it gave them (see its ``here``)."""
    if isinstance(facts, DocFacts):
        return [_finding_j(f, rel) for f in findings], _facts_j(facts)
    return findings, facts


def _outside(rel: str) -> bool:
    """Whether ``rel`` (a path as :meth:`Book.rel` gives it) is outside the book."""
    return os.path.isabs(rel) or rel == ".." or rel.startswith("../")


def _lint_chunk(items: list[tuple[str, str]]) -> tuple[list[Any], dict[str, str]]:
    linter: Linter = _WORKER["linter"]
    also = _WORKER.get("also")
    keep = _WORKER.get("keep", True)
    return [_lint_one(linter, Path(p), rel, also, keep) for p, rel in items], verdicts.drain()


def _light_one(
    config: BookConfig, path: Path | str, rel: str, also: Also | None = None
) -> tuple[Any, ...] | None:
    """A document a one-file lint does not report on, when the cache does not know it:
    parsed for what book rules need, no rules run. ``(rel, signature, hash, facts)`` as
    :func:`_lint_one` gives them, without findings (and with ``also``'s answer)."""
    got = read_document(config, path, rel)
    if got is None:
        return None
    sig, data, sidecars = got
    doc = parse(data, rel, config, sidecars)
    facts_j = _facts_j(light_facts_of(doc))
    out = (rel, sig, source_hash(data, sidecars), facts_j)
    return out if also is None else (*out, also(doc, data, sig))


def _light_chunk(items: list[tuple[str, str]]) -> tuple[list[Any], dict[str, str]]:
    config: BookConfig = _WORKER["linter"].config
    also = _WORKER.get("also")
    return [_light_one(config, Path(p), rel, also) for p, rel in items], {}


def _interned(*words: str | None) -> tuple[str | None, ...]:
    """One object for each repeated word, so that marshal writes the rest as references."""
    return tuple(None if w is None else sys.intern(w) for w in words)


# -- the cache -------------------------------------------------------------------------
def _code_fingerprint(linter: Linter) -> str:
    """specbook's own modules (:func:`~specbook.core.digest.code_stamp`) and every
    plugin rule's module, by size and mtime: editing the code (without a version bump)
    must not serve stale findings."""
    own = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    files: set[str] = set()
    for a in linter.active:
        fn = a.rule.check or a.rule.book_check
        code = getattr(fn, "__code__", None)
        if code is not None and not code.co_filename.startswith(own):
            files.add(code.co_filename)
    h = blake2b(digest_size=12)
    h.update(code_stamp().encode())
    for name in sorted(files):
        try:
            st = os.stat(name)
        except OSError:
            continue
        h.update(f"{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


# The libraries whose answers the cache remembers (SB601-SB603, see verdicts.py): a
# new version may judge the same text otherwise.
CHECKER_DISTRIBUTIONS = ("pgparse", "sqloxide", "sqlglot", "sqlglotc", "pyyaml", "packaging")


def _runtime_tag() -> str:
    """The Python (the cache holds marshalled data) and the checker libraries' versions."""
    return f"{sys.implementation.cache_tag};{distribution_tags(CHECKER_DISTRIBUTIONS)}"


def book_fingerprint(book: Book) -> str:
    """The config file's bytes and the book's template files: both change findings."""
    h = blake2b(digest_size=12)
    cfg = book.config
    if cfg.inferred is not None:  # zero-config: no file, the inferred config itself
        h.update(cfg.inferred.encode())
    elif cfg.path is not None:
        with contextlib.suppress(OSError):
            h.update(cfg.path.read_bytes())
    from specbook.core.template_files import template_path

    for kind in cfg.kinds.values():
        tp = template_path(cfg, kind)
        if tp is not None:
            try:
                h.update(f"{kind.name}:{tp}:".encode() + tp.read_bytes())
            except OSError:
                h.update(f"{kind.name}:{tp}:missing".encode())
    return h.hexdigest()


_BUSY_MS = 10_000  # how long the cache waits for another process's write lock


def _cache_path(config: BookConfig) -> Path | None:
    return None if config.root is None else snapshot_path(config.root)


class _Cache:
    """The per-file cache: one SQLite row per file, so that a run reads only the columns
    it needs (a one-file lint reads every document's ID, requirement IDs and supersede
    links, not their findings) and writes only the rows that changed.

    Every failure (a damaged file, a read-only folder, a lock held too long) makes it
    behave as an empty cache that keeps nothing: a cache only ever costs time.
    """

    def __init__(self, path: Path | None, key: str) -> None:
        self.db: Any = None
        self._path = path
        self._light: tuple[int, dict[str, tuple[Any, ...]]] | None = None  # version, data
        self._fresh = False  # (tables made by this run: no remembered answer to look up)
        if path is None:
            return
        import sqlite3

        self._error: type[Exception] = sqlite3.Error
        try:
            make_state_dir(path.parent)
            sweep_old_caches(path.parent)
            try:
                db = self._connect(path)
            except sqlite3.DatabaseError as exc:
                if not discard_damaged(path, exc):
                    raise
                db = self._connect(path)  # (made afresh: the damaged file is gone)
            row = db.execute("SELECT version, key FROM lint_meta").fetchone()
            if row != (CACHE_VERSION, key):
                # another specbook, other rules or another config: start afresh (the
                # tables too, so that an older cache's columns do not linger)
                db.execute("BEGIN IMMEDIATE")
                for table in ("lint_files", "lint_verdicts", "lint_light"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute(
                    "CREATE TABLE lint_files (rel TEXT PRIMARY KEY, mtime INTEGER, size INTEGER,"
                    " hash TEXT, findings BLOB, facts BLOB, doc BLOB, days TEXT)"
                )
                db.execute("CREATE TABLE lint_verdicts (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("CREATE TABLE lint_light (data BLOB)")
                db.execute("DELETE FROM lint_meta")
                db.execute("INSERT INTO lint_meta VALUES (?, ?)", (CACHE_VERSION, key))
                db.execute("COMMIT")
                self._fresh = True
            self.db = db
        except (OSError, sqlite3.Error):
            self.db = None

    @staticmethod
    def _connect(path: Path) -> Any:
        import sqlite3

        db = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE IF NOT EXISTS lint_meta (version INTEGER, key TEXT)")
        return db

    def _failed(self, exc: Exception) -> None:
        """After a failed read or write: a damaged file is closed and removed (see
        :func:`discard_damaged`), so that the next run makes it afresh instead of every
        run finding it damaged again and linting cold."""
        if self._path is not None and self.db is not None and is_damaged(exc):
            with contextlib.suppress(self._error):
                self.db.close()
            self.db = None
            discard_damaged(self._path, exc)

    def full(self) -> dict[str, tuple[Any, ...]]:
        """``rel -> (mtime, size, hash, findings, facts)`` of every file (the last two
        marshalled: see :func:`_row`)."""
        return {r[0]: r[1:] for r in self._select("rel, mtime, size, hash, findings, facts, days")}

    def light(self) -> dict[str, tuple[Any, ...]]:
        """``rel -> (mtime, size, hash, id, kind, status, reqs, by, sup)`` of every file
        (``reqs`` space-separated, ``by``/``sup`` as in :func:`_facts_j`):
        what book rules need of the documents a one-file lint does not report on.

        Kept beside the rows as one marshalled blob, rewritten with them in the same
        transaction: one read instead of a row per file (~4 ms instead of ~25 at
        10,000 files)."""
        if self.db is None:
            return {}
        try:
            self.db.execute("BEGIN")
            try:
                data = self._read_light()
                # (what another connection's commit changes; see save)
                version = self.db.execute("PRAGMA data_version").fetchone()[0]
            finally:
                self.db.execute("COMMIT")
        except self._error as exc:
            self._failed(exc)
            return {}
        self._light = (version, data)
        return data

    def _read_light(self) -> dict[str, tuple[Any, ...]]:
        row = self.db.execute("SELECT data FROM lint_light").fetchone()
        try:
            data = marshal.loads(row[0]) if row is not None else {}
        except (ValueError, EOFError, TypeError):
            return {}
        return data if isinstance(data, dict) else {}

    def entry(self, rel: str) -> tuple[Any, ...] | None:
        rows = self._select("rel, mtime, size, hash, findings, facts, days", rel)
        return rows[0][1:] if rows else None

    def _select(self, columns: str, rel: str | None = None) -> list[Any]:
        if self.db is None:
            return []
        try:
            if rel is None:
                return list(self.db.execute(f"SELECT {columns} FROM lint_files"))
            return list(self.db.execute(f"SELECT {columns} FROM lint_files WHERE rel = ?", (rel,)))
        except self._error as exc:
            self._failed(exc)
            return []

    def doc(self, rel: str, digest: str) -> bytes | None:
        """The stored parse of the row of ``rel`` if it holds the text ``digest``."""
        rows = self._select("doc, hash", rel)
        return rows[0][0] if rows and rows[0][1] == digest and rows[0][0] is not None else None

    def verdict(self, key: str) -> str | None:
        """A remembered checker answer (see :mod:`specbook.lint.verdicts`)."""
        if self._fresh or self.db is None:
            return None  # (a cold run's lookups, one per SQL or YAML block, find nothing)
        try:
            row = self.db.execute(
                "SELECT value FROM lint_verdicts WHERE key = ?", (key,)
            ).fetchone()
        except self._error as exc:
            self._failed(exc)
            return None
        return None if row is None else str(row[0])

    def save(
        self,
        rows: list[tuple[Any, ...]],
        light: dict[str, tuple[Any, ...]],
        touched: list[tuple[int, int, str, str]],
        verdicts: dict[str, str],
        redone: Sequence[tuple[bytes, str, str, str]] = (),
    ) -> None:
        """Write new rows (see :func:`_row`), new light entries (see :func:`_light_entry`:
        one for each new row, and one for each document parsed only for its light facts,
        which gets no row, so that a whole-book lint still lints it), new signatures of
        unchanged files, new checker answers, and the findings made again for another
        day (``(findings, days, rel, hash)``, see :func:`_redo_day`)."""
        if self.db is None or not (rows or light or touched or verdicts or redone):
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.put_rows(rows)
            self._write_rest(light, touched, verdicts, redone)
            self.db.execute("COMMIT")
        except self._error as exc:
            self.abort(exc)

    def begin(self) -> bool:
        """Take the write lock for a save made batch by batch (see :class:`_Stream`):
        :meth:`put_rows` for each, then :meth:`end` or :meth:`abort`. False when
        there is no cache or the lock cannot be had (then nothing is to be written)."""
        if self.db is None:
            return False
        try:
            # Not waited for: another process writing (its own cold run) would hold the
            # lock while it parses; this run then parses first and writes after, as a
            # run without a sink does, and finds that process's work when it writes.
            self.db.execute("PRAGMA busy_timeout = 0")
            try:
                self.db.execute("BEGIN IMMEDIATE")
            finally:
                self.db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        except self._error as exc:
            if is_damaged(exc):
                self._failed(exc)
            return False
        return True

    def put_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Write new rows (see :func:`_row`) in the open transaction. Raises
        :class:`sqlite3.Error`."""
        self.db.executemany(
            "INSERT OR REPLACE INTO lint_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
        )

    def end(
        self,
        light: dict[str, tuple[Any, ...]],
        touched: list[tuple[int, int, str, str]],
        verdicts: dict[str, str],
        redone: Sequence[tuple[bytes, str, str, str]],
        last: Callable[[], None],
    ) -> bool:
        """Write the rest as :meth:`save` does, call ``last`` (in the same transaction)
        and commit. False (the transaction rolled back) on a failure of either."""
        try:
            self._write_rest(light, touched, verdicts, redone)
            last()
            # (the commit copies nothing into the file: see _checkpoint_aside)
            self.db.execute("PRAGMA wal_autocheckpoint = 0")
            self.db.execute("COMMIT")
        except (self._error, SpecbookError) as exc:
            self.abort(exc)
            return False
        finally:
            # (this connection's later commits checkpoint as SQLite's default has them)
            if self.db is not None:  # (None once a damaged file was discarded)
                with contextlib.suppress(self._error):
                    self.db.execute("PRAGMA wal_autocheckpoint = 1000")
        if self._path is not None:
            _checkpoint_aside(self._path)
        return True

    def abort(self, exc: BaseException | None) -> None:
        """Roll back the open transaction (after ``exc``, if it failed)."""
        with contextlib.suppress(self._error):
            self.db.execute("ROLLBACK")
        if isinstance(exc, self._error):
            self._failed(exc)

    def _write_rest(
        self,
        light: dict[str, tuple[Any, ...]],
        touched: list[tuple[int, int, str, str]],
        verdicts: dict[str, str],
        redone: Sequence[tuple[bytes, str, str, str]],
    ) -> None:
        # (a row is re-dated only if it holds this text: a file only light-parsed
        # since it changed keeps its older row, which must still look changed)
        self.db.executemany(
            "UPDATE lint_files SET mtime = ?, size = ? WHERE rel = ? AND hash = ?", touched
        )
        self.db.executemany("INSERT OR REPLACE INTO lint_verdicts VALUES (?, ?)", verdicts.items())
        self.db.executemany(
            "UPDATE lint_files SET findings = ?, days = ? WHERE rel = ? AND hash = ?", redone
        )
        if light or touched:
            # Under the write lock: the snapshot this run read, unless another run
            # has saved since (then read it again, not to lose what that one wrote).
            version = self.db.execute("PRAGMA data_version").fetchone()[0]
            seen = self._light
            snapshot = seen[1] if seen is not None and seen[0] == version else self._read_light()
            snapshot.update(light)
            for mtime, size, rel, digest in touched:
                old = snapshot.get(rel)
                if old is not None and old[2] == digest:
                    snapshot[rel] = (mtime, size, *old[2:])
            self.db.execute("DELETE FROM lint_light")
            self.db.execute("INSERT INTO lint_light VALUES (?)", (marshal.dumps(snapshot),))

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(self._error):
                self.db.close()


def _checkpoint_aside(path: Path) -> None:
    """Copy the write-ahead log of the snapshot at ``path`` into the file, in a thread
    of its own, after a cold run's commit put every page of the snapshot there (400 MB
    at 10,000 documents: one to two seconds of copying), so that the book rules, which
    come next, run meanwhile. (A checkpoint lets readers and writers go on; the
    process waits for the thread before it exits. A checkpoint left undone is only
    done by the next writer.)"""
    import sqlite3
    import threading

    def run() -> None:
        with contextlib.suppress(sqlite3.Error):
            db = sqlite3.connect(path, timeout=0)
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                db.close()

    thread = threading.Thread(target=run, name="specbook-checkpoint")
    thread.start()
    _ASIDE.append(thread)


_ASIDE: list[Any] = []  # the threads of _checkpoint_aside not yet waited for


def checkpoints_done() -> None:
    """Wait for the checkpoints :func:`_checkpoint_aside` started (a command ends with
    its snapshot in one file, as the commands that write no more than a few rows)."""
    while _ASIDE:
        _ASIDE.pop().join()


def _redo_day(
    linter: Linter,
    cache: _Cache,
    items: list[tuple[Path | str, FileResult]],
    results: dict[str, FileResult],
    todo: list[tuple[Path | str, str]],
) -> list[tuple[bytes, str, str, str]]:
    """The findings of ``items`` (unchanged files whose findings do not hold today, see
    :meth:`Linter.window`) made again for this day: only those of the rules that read
    the day, on the stored parse (a tenth of a parse); the others are kept. Their new
    results replace those in ``results``; a file whose stored parse is missing goes to
    ``todo`` instead (linted in full). Returns the rows' new ``(findings, days, rel,
    hash)``."""
    only = linter.today_rules
    out: list[tuple[bytes, str, str, str]] = []
    for p, fr in items:
        window = ""
        if only:
            doc = _stored_document(linter.config, cache, p, fr)
            if doc is None:
                del results[fr.rel]
                todo.append((p, fr.rel))
                continue
            kept = [f for f in fr.findings if f.rule not in only]
            fr.findings = kept + linter.lint_document(doc, only)
            window = linter.window(doc)
        found_j = [_finding_j(f, fr.rel) for f in fr.findings]
        out.append((marshal.dumps(found_j), window, fr.rel, fr.digest))
    return out


def _stored_document(
    config: BookConfig, cache: _Cache, path: Path | str, fr: FileResult
) -> Document | None:
    """The cache's parse of the file at ``path`` if the file still holds the text it
    was stored for (``fr.digest``), else ``None``."""
    got = read_document(config, path, fr.rel)
    if got is None or source_hash(got[1], got[2]) != fr.digest:
        return None
    blob = cache.doc(fr.rel, fr.digest)
    if blob is None:
        return None
    try:
        return stored.load(blob, got[1], got[2], scan.revive)
    except (ValueError, TypeError, EOFError, IndexError):
        return None


def _row(
    rel: str,
    sig: tuple[int, int],
    digest: str,
    findings_j: list[Any],
    facts_j: dict[str, Any],
    doc: bytes,
    days: str,
) -> tuple[Any, ...]:
    """A row of ``lint_files``; ``days``: the days its findings hold (see
    :meth:`Linter.window`)."""
    return (
        rel, sig[0], sig[1], digest,
        # (marshalled, not JSON: a few times faster both ways; the key names the Python)
        marshal.dumps(findings_j), marshal.dumps(facts_j),
        doc, days,
    )  # fmt: skip


def _light_entry(sig: tuple[int, int], digest: str, facts_j: dict[str, Any]) -> tuple[Any, ...]:
    """A document as the light snapshot keeps it (see :meth:`_Cache.light`)."""
    kind, status, reqs = _interned(facts_j["kind"], facts_j["status"], " ".join(facts_j["reqs"]))
    return (
        sig[0],
        sig[1],
        digest,
        facts_j["id"],
        kind,
        status,
        reqs,
        facts_j["by"] or (),  # (the shared empty tuple, not 10,000 empty lists)
        facts_j["sup"] or (),
    )


_new_facts = tuple.__new__


def _light_facts(rel: str, entry: tuple[Any, ...], sets: dict[str, frozenset[str]]) -> DocFacts:
    """What book rules need of a document they do not report on: its ID, requirement IDs
    and supersede links (no references, no listed tests).

    ``sets`` holds the requirement ID sets made so far, by their text: a book's
    documents share a few (``FR-1 FR-2 NFR-1``), and making a set for each of 10,000
    documents was most of the cost (25 ms of a one-file lint; 5 ms now)."""
    reqs = sets.get(entry[6])
    if reqs is None:
        reqs = sets[entry[6]] = frozenset(entry[6].split())
    by = tuple((t, Span(*sp), c) for t, sp, c in entry[7]) if entry[7] else ()
    sup = tuple((t, Span(*sp), c) for t, sp, c in entry[8]) if entry[8] else ()
    # (built as a plain tuple: 10,000 of these in a big book's one-file lint)
    # (every field given: a tuple made this way takes no defaults, extras included)
    return _new_facts(
        DocFacts, (rel, entry[3], entry[4], entry[5], None, 1, reqs, (), by, sup, (), None)
    )


def parsed_all(config: BookConfig, items: Sequence[tuple[str, str]]) -> Iterator[Document]:
    """The document of each ``(path, book-relative path)`` of ``items`` that can be read,
    in that order, each file read and parsed as it is reached (nothing stored)."""
    for p, rel in items:
        got = read_document(config, p, rel)
        if got is not None:
            yield parse(got[1], rel, config, got[2])


class StoredDocuments:
    """The parsed documents the lint cache holds (:func:`_lint_one` stores each one it
    parses), read only: :meth:`get` gives the document of a file's bytes when the cache
    holds it for exactly those bytes (same content hash), so the caller need not parse
    it. Safe to share between threads; any failure (no cache, another specbook's, a
    damaged file) only makes it hold nothing."""

    def __init__(self, book: Book) -> None:
        import threading

        self.book = book
        self._db: Any = None
        self._key: str | None = None
        self._lock = threading.Lock()

    def _open(self) -> Any:
        """The cache's connection when it holds rows of this book's key, else ``None``
        (asked again on each read: the cache may be made or remade meanwhile)."""
        import sqlite3

        if self._db is None:
            path = _cache_path(self.book.config)
            if path is None or not path.is_file():
                return None
            try:
                self._db = sqlite3.connect(path, timeout=10, check_same_thread=False)
            except (OSError, sqlite3.Error):
                return None
        if self._key is None:  # (stats specbook's modules, reads the config: once)
            self._key = _key(self.book, Linter(self.book.config))
        try:
            row = self._db.execute("SELECT version, key FROM lint_meta").fetchone()
        except sqlite3.Error:
            return None
        # (another config, rule set or specbook: its rows are not ours)
        return self._db if row == (CACHE_VERSION, self._key) else None

    def rows(self, rels: Sequence[str] | None = None) -> dict[str, tuple[str, bytes]]:
        """``rel -> (content hash, stored document)`` of ``rels`` (default: every file)."""
        import sqlite3

        with self._lock:
            db = self._open()
            if db is None:
                return {}
            try:
                if rels is None:
                    found = db.execute("SELECT rel, hash, doc FROM lint_files")
                    return {r[0]: (r[1], r[2]) for r in found if r[2] is not None}
                out: dict[str, tuple[str, bytes]] = {}
                for rel in rels:
                    r = db.execute("SELECT hash, doc FROM lint_files WHERE rel = ?", (rel,))
                    hit = r.fetchone()
                    if hit is not None and hit[1] is not None:
                        out[rel] = (hit[0], hit[1])
                return out
            except sqlite3.Error:
                return {}

    def get(
        self, rel: str, digest: str, data: bytes, sidecars: Sequence[Any] = ()
    ) -> Document | None:
        """The document at ``rel`` whose bytes are ``data`` (content hash ``digest``,
        sidecars ``sidecars``) as stored, or ``None`` when the cache holds no document
        of that content."""
        hit = self.rows([rel]).get(rel)
        if hit is None or hit[0] != digest:
            return None
        return stored.load(hit[1], data, sidecars, scan.revive)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(Exception):
                    self._db.close()
            self._db = None


def snapshot_documents(
    book: Book,
    paths: Sequence[str] | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    lint: bool = True,
) -> list[Document]:
    """The documents at ``paths`` (default: the book's, :meth:`Book.path_strings`), in
    that order, as the snapshot holds them: each file is read and hashed; one whose
    content the lint cache holds a parse of is made from that, the others are parsed
    and linted as :func:`lint_parsed` does (so that no later command parses them
    again), or with ``lint=False`` only parsed (the portal, whose own lint stores
    them, answers a page sooner). Files that are gone are left out. (A command that
    also uses the index syncs it first: the sync parses what changed, so nothing is
    left to parse here.)"""
    items = [(p, book.rel(p)) for p in (book.path_strings() if paths is None else paths)]
    if _cache_path(book.config) is None:  # (no book folder, no snapshot: parse them)
        return list(parsed_all(book.config, items))
    with collector_paused():
        return _snapshot_documents(book, items, jobs, progress, lint)


_FEW = 64  # up to this many documents wanted, their rows are read one by one


def _snapshot_documents(
    book: Book,
    items: list[tuple[str, str]],
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    lint: bool,
) -> list[Document]:
    reader = StoredDocuments(book)
    try:
        # (a few documents by their rows, not every row of a big book)
        held = reader.rows([rel for _p, rel in items] if len(items) <= _FEW else None)
    finally:
        reader.close()
    out: dict[str, Document] = {}
    misses: list[tuple[str, str]] = []
    read: dict[str, tuple[bytes, tuple[Any, ...]]] = {}
    for p, rel in items:
        got = read_document(book.config, p, rel)
        if got is None:
            continue
        _sig, data, sidecars = got
        read[rel] = (data, sidecars)
        hit = held.get(rel)
        doc = None
        if hit is not None and hit[0] == source_hash(data, sidecars):
            doc = stored.load(hit[1], data, sidecars, scan.revive)
        if doc is None:
            misses.append((p, rel))
        else:
            out[rel] = doc
    if misses and lint:
        # (their parse comes back from lint_parsed: even with no cache to keep it in)
        again = lint_parsed(book, Linter(book.config), misses, None, jobs, progress)
    else:
        again = {}
    if misses:
        for _p, rel in misses:
            data, sidecars = read[rel]
            hit = again.get(rel)
            doc = None
            if hit is not None and hit[0] == source_hash(data, sidecars):
                doc = stored.load(hit[1], data, sidecars, scan.revive)
            # (not linted, or changed again since it was read: these bytes parsed here)
            out[rel] = doc if doc is not None else parse(data, rel, book.config, sidecars)
    return [out[rel] for _p, rel in items if rel in out]


# -- running ---------------------------------------------------------------------------
def expand_paths(book: Book, paths: Iterable[Path]) -> list[Path]:
    """Files to lint: each named file, and the documents under each named folder.

    Raises :class:`NotFoundError` for a path that does not exist.
    """
    out: list[tuple[Path, str]] = []  # (file, its real path)
    owners: dict[str, list[str]] | None = None
    real_dirs: dict[str, str] = {}  # (each folder's real path, worked out once)
    for p in paths:
        try:
            mode = os.stat(p).st_mode  # (one status for each named path)
        except (OSError, ValueError):
            mode = 0
        is_file = S_ISREG(mode)
        if is_file and not p.name.lower().endswith((".md", ".markdown")):
            # a sidecar (`kep.yaml`) stands for its document
            if owners is None:
                owners = book.sidecar_owners()
            owned = owners.get(os.path.normpath(os.path.abspath(p)))
            if owned:
                out.extend((Path(q), real_path(os.path.abspath(q), real_dirs)) for q in owned)
                continue
        if S_ISDIR(mode):
            root = p.resolve()
            top = str(root)
            under = top.rstrip(os.sep) + os.sep
            inside = [
                (Path(q), r)
                for q in book.path_strings()
                if (r := real_path(q, real_dirs)) == top or r.startswith(under)
            ]
            if not inside:  # a folder outside the kind folders: every Markdown file in it
                inside = [
                    (q, real_path(str(q), real_dirs))
                    for q in sorted(root.rglob("*"))
                    if q.suffix.lower() in (".md", ".markdown") and book.may_read(q, real_dirs)
                ]
            out.extend(inside)
        elif is_file:
            if book.may_read(p, real_dirs):
                out.append((p, real_path(os.path.abspath(p), real_dirs)))
        else:
            raise NotFoundError(f"{p}: no such file or folder")
    seen: set[str] = set()
    unique = []
    for p, r in out:
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
    focus: Iterable[str] | None = None,
    also: Also | None = None,
    parsed: dict[str, Any] | None = None,
    sink: Sink | None = None,
) -> tuple[LintResult, dict[str, FileResult]]:
    """Lint ``files`` as one book. Returns the result and, per file, what was linted.

    ``also(doc, bytes, signature)`` is called on each document parsed (in the worker
    process that parsed it); its answers are put in ``parsed`` by book-relative path,
    those of documents linted in full in their :class:`FileResult` too. The index
    builds its rows this way, so that no file is parsed twice. With a ``sink``, a
    whole-book run that parses many files in worker processes gives them to it as
    they come instead, in the cache's write transaction (see :class:`Sink`): then
    ``parsed`` is left empty.

    When nothing changed since the last run (same rules, same files with the same
    size and modification time) the last result is returned as it was, with an empty
    per-file map; pass ``use_memo=False`` when you need that map (``--fix``).

    With ``focus`` (book-relative paths), only findings on those files are wanted:
    ``specbook lint FILE``. The other files are still read for what book rules need
    (IDs, requirement IDs, supersede links): from the cache where it is current, else
    parsed for just that (no rules run on them; the cache keeps those as light entries
    only, so that a whole-book lint lints them in full). Their findings are neither
    loaded nor reported, and the per-file map holds only the named files and those
    linted this time.
    """
    key = _key(book, linter)
    wanted = None if focus is None else frozenset(focus)
    cache_path = _cache_path(book.config) if use_cache else None
    memo_root = book.config.root if cache_path is not None and wanted is None else None
    stats = _stats(book, files)
    memo_key = key + _inputs_digest(linter) if memo_root is not None else key
    memo_key += "|day=" + linter.day()  # (the findings of rules that read the day)
    if book.skipped:  # (files left out are no files of the memo: their reports are keyed)
        memo_key += "|skipped=" + json.dumps(sorted(book.skipped.items()))
    if memo_root is not None and use_memo:
        sigs = [[rel, sig[0], sig[1]] for _, rel, sig in stats]
        memo = _load_memo(memo_root, memo_key, sigs)
        if memo is not None:
            return memo, {}
    cache = _Cache(cache_path, key)
    looked: set[str] = set()  # files besides documents the book rules looked at
    try:
        with collector_paused():
            result, results = _run(
                book, linter, stats, select, ignore, cache, use_cache, jobs, progress, wanted,
                looked, also, parsed, sink,
            )  # fmt: skip
    finally:
        cache.close()
    if memo_root is not None:
        sigs = [[rel, sig[0], sig[1]] for _, rel, sig in stats]
        _save_memo(memo_root, memo_key, sigs, result, looked)
    checkpoints_done()  # (begun by a cold run's commit, under the book rules: see _Stream)
    return result, results


def _key(book: Book, linter: Linter) -> str:
    """What the cache's rows depend on besides the files: specbook and its code, the
    book's config and templates, the rules and their options, the checkers."""
    return "|".join(
        (
            __version__,
            _code_fingerprint(linter),
            book_fingerprint(book),
            linter.fingerprint(),
            _runtime_tag(),
        )
    )


def lint_parsed(
    book: Book,
    linter: Linter,
    items: Sequence[tuple[str, str]],
    also: Also | None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    sink: Sink | None = None,
) -> dict[str, Any]:
    """Parse each ``(path, book-relative path)`` of ``items`` once: lint it with the
    document rules (its findings and facts saved in the cache, as a whole-book lint
    saves them) and return ``also``'s answer for it by book-relative path (files
    that are gone are left out; with no ``also``, its content hash and the document
    as :func:`specbook.core.stored.dump` keeps it). The index's sync calls this for
    the files it must read, so that a later lint finds them in the cache. With a
    ``sink``, when the files are parsed in worker processes, ``also``'s answers go
    to it too as they come, in the cache's write transaction (see :class:`Sink`)."""
    with collector_paused():
        return _lint_parsed(book, linter, items, also, jobs, progress, sink)


def _lint_parsed(
    book: Book,
    linter: Linter,
    items: Sequence[tuple[str, str]],
    also: Also | None,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    sink: Sink | None = None,
) -> dict[str, Any]:
    cache = _Cache(_cache_path(book.config), _key(book, linter))
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    raw: list[Any] = []
    found: dict[str, str] = {}
    stream = _streaming(cache, sink if also is not None else None, items, workers)
    verdicts.attach(cache.verdict if cache.db is not None else None)
    try:
        if len(items) >= PARALLEL_THRESHOLD and workers > 1:
            init: tuple[Any, ...] = (book.config, [], [], linter.today, also)
            for part, answers in _in_workers(_lint_chunk, list(items), workers, init):
                raw.extend(part)
                found.update(answers)
                if stream is not None:
                    stream.put(part, also is not None)
                if progress:
                    progress(len(raw), len(items))
        else:
            for p, rel in items:
                raw.append(_lint_one(linter, p, rel, also))
                if progress:
                    progress(len(raw), len(items))
        found.update(verdicts.drain())
    except BaseException as exc:
        if stream is not None:
            stream.fail(exc)  # (all or nothing: the rows written so far rolled back)
        cache.close()
        raise
    finally:
        verdicts.attach(None)
    out: dict[str, Any] = {}
    rows: list[tuple[Any, ...]] = []
    light: dict[str, tuple[Any, ...]] = {}
    streamed = stream is not None and stream.alive
    for item in raw:
        if item is None:
            continue
        rel, sig, digest, findings_j, facts_j, doc, window = item[:7]
        out[rel] = item[7] if also is not None else (digest, doc)
        if not streamed:
            rows.append(_row(rel, sig, digest, findings_j, facts_j, doc, window))
        light[rel] = _light_entry(sig, digest, facts_j)
    try:
        if stream is not None and streamed:
            stream.end(light, [], found)
        else:
            cache.save(rows, light, [], found)
    finally:
        cache.close()
    return out


def _run(
    book: Book,
    linter: Linter,
    stats: list[tuple[Path | str, str, tuple[int, int]]],
    select: list[str],
    ignore: list[str],
    cache: _Cache,
    use_cache: bool,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    wanted: frozenset[str] | None,
    looked: set[str],
    also: Also | None = None,
    parsed: dict[str, Any] | None = None,
    sink: Sink | None = None,
) -> tuple[LintResult, dict[str, FileResult]]:
    cached = cache.full() if wanted is None else cache.light()
    # rows whose findings of the rules that read the day do not hold today
    other_day: list[tuple[Path | str, FileResult]] = []
    results: dict[str, FileResult] = {}
    # every document's facts for the book rules, in the order of `stats` (then the
    # documents parsed this time); a light document has facts but no FileResult
    facts: dict[str, DocFacts] = {}
    touched: list[tuple[int, int, str, str]] = []  # (mtime, size, rel, hash) re-dated
    todo: list[tuple[Path | str, str]] = []
    req_sets: dict[str, frozenset[str]] = {}  # (see _light_facts)
    for p, rel, sig in stats:
        entry = cached.get(rel)
        if entry is not None:
            unnamed = wanted is not None and rel not in wanted
            if (entry[0], entry[1]) != sig:
                got = read_document(book.config, p, rel)
                if got is None:
                    continue
                digest = source_hash(got[1], got[2])
                if digest != entry[2]:
                    todo.append((p, rel))
                    continue
                touched.append((sig[0], sig[1], rel, digest))
            if unnamed:
                facts[rel] = _light_facts(rel, entry, req_sets)
                continue
            if wanted is not None:  # a named file: its whole row, if it has this text
                # (a file only light-parsed since it changed has a current light entry
                # beside its older row)
                row = cache.entry(rel)
                if row is None or row[2] != entry[2]:
                    todo.append((p, rel))
                    continue
                entry = row
            fr = FileResult(
                rel,
                sig,
                entry[2],
                [_finding_p(rel, f) for f in marshal.loads(entry[3])],
                _facts_p(rel, marshal.loads(entry[4])),
            )
            results[rel] = fr
            facts[rel] = fr.facts
            if not linter.holds(entry[5]):
                other_day.append((p, fr))
            continue
        todo.append((p, rel))
    redone = _redo_day(linter, cache, other_day, results, todo)

    # a one-file lint parses the others it does not know only for their light facts
    light_todo: list[tuple[Path | str, str]] = []
    if wanted is not None:
        light_todo = [(p, rel) for p, rel in todo if rel not in wanted]
        todo = [(p, rel) for p, rel in todo if rel in wanted]
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    total = len(todo) + len(light_todo)
    done = 0
    raw: list[Any] = []
    light_raw: list[Any] = []
    found: dict[str, str] = {}  # new checker answers
    # (a whole-book run's parses written as they come, with the sink's: see Sink)
    wants = sink if wanted is None and also is not None and not light_todo else None
    stream = _streaming(cache, wants, todo, workers)
    verdicts.attach(cache.verdict if cache.db is not None else None)
    keep = cache.db is not None  # (the parses are dumped to be kept in the cache)
    try:
        for items, out, one, chunk_fn in (
            (todo, raw, partial(_lint_one, linter, also=also, keep=keep, here=True), _lint_chunk),
            (light_todo, light_raw, partial(_light_one, linter.config, also=also), _light_chunk),
        ):
            if len(items) >= PARALLEL_THRESHOLD and workers > 1:
                init = (book.config, select, ignore, linter.today, also, keep)
                for part, answers in _in_workers(chunk_fn, items, workers, init):
                    out.extend(part)
                    found.update(answers)
                    if stream is not None and out is raw:
                        stream.put(part, also is not None)
                    done += len(part)
                    if progress:
                        progress(done, total)
            else:
                for p, rel in items:
                    out.append(one(p, rel))
                    done += 1
                    if progress:
                        progress(done, total)
        found.update(verdicts.drain())
    except BaseException as exc:
        if stream is not None:
            stream.fail(exc)  # (all or nothing: the rows written so far rolled back)
        raise
    finally:
        verdicts.attach(None)
    streamed = stream is not None and stream.alive
    light: dict[str, tuple[Any, ...]] = {}  # new entries of the light snapshot
    for item in light_raw:
        if item is not None:
            rel, sig, digest, facts_j = item[:4]
            if also is not None and parsed is not None:
                parsed[rel] = item[4]
            light[rel] = _light_entry(sig, digest, facts_j)
            facts[rel] = _light_facts(rel, light[rel], req_sets)
    rows: list[tuple[Any, ...]] = []
    for item in raw:
        if item is None:
            continue
        rel, sig, digest, got_findings, got_facts, doc, window = item[:7]
        extra = item[7] if also is not None else None
        if also is not None and parsed is not None and not streamed:
            parsed[rel] = extra  # (streamed: the sink has them)
        if isinstance(got_facts, DocFacts):  # (made in this process: see _lint_one)
            fr = FileResult(rel, sig, digest, got_findings, got_facts, extra)
        else:
            fr = FileResult(
                rel,
                sig,
                digest,
                [_finding_p(rel, f) for f in got_findings],
                _facts_p(rel, got_facts),
                extra,
            )
        results[rel] = fr
        facts[rel] = fr.facts
        if cache.db is None:
            continue  # (no snapshot to keep the rows in: a --no-cache run)
        findings_j, facts_j = _cache_forms(rel, got_findings, got_facts)
        if not streamed:
            rows.append(_row(rel, sig, digest, findings_j, facts_j, doc, window))
        light[rel] = _light_entry(sig, digest, facts_j)
    # (rows of files not linted this time stay: a partial run must not forget the rest)
    if stream is not None and streamed:
        stream.end(light, touched, found, redone)
    else:
        cache.save(rows, light, touched, found, redone)

    findings: list[Finding] = []
    for fr in results.values():
        if wanted is None or fr.rel in wanted:
            findings.extend(fr.findings)
    book_findings = linter.lint_book(list(facts.values()), use_cache, wanted, book.skipped, looked)
    if wanted is not None:  # (a document's findings may stand in its sidecar: kept above)
        book_findings = [f for f in book_findings if f.path in wanted]
    findings.extend(book_findings)
    if wanted is not None:
        count = sum(1 for rel in results if rel in wanted)
        return LintResult(sort_findings(findings), files=len(wanted), documents=count), results
    result = LintResult(sort_findings(findings), files=len(stats), documents=len(facts))
    return result, results


def _in_workers(
    chunk_fn: Callable[[list[tuple[str, str]]], tuple[list[Any], dict[str, str]]],
    items: list[tuple[Path | str, str]],
    workers: int,
    init: tuple[Any, ...],
) -> Iterator[tuple[list[Any], dict[str, str]]]:
    """``chunk_fn`` over ``items`` in worker processes, chunk by chunk, in order."""
    from concurrent.futures import ProcessPoolExecutor  # only big runs pay for the import

    chunk = max(32, len(items) // (workers * 8))
    flat = [(str(p), rel) for p, rel in items]
    chunks = [flat[i : i + chunk] for i in range(0, len(flat), chunk)]
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=init) as pool:
        try:
            yield from pool.map(chunk_fn, chunks)
        except BaseException:
            # (the caller stopped, interrupted or failed: the chunks not started are
            # dropped, not parsed before the pool's shutdown lets it go on)
            pool.shutdown(wait=True, cancel_futures=True)
            raise


class Sink(Protocol):
    """Where a cold run's parses go besides the lint cache, batch by batch as the
    worker processes make them, in the cache's write transaction: the index, kept in
    the same file (see :class:`specbook.store.incremental.Rebuilding`), so that its
    rows are written while the workers still parse and the run ends soon after them.
    All or nothing with the cache's rows: a failure or an interruption rolls both back.
    """

    #: set once the transaction holding what it was given is committed
    done: bool

    def open(self, db: Any, rels: Sequence[str]) -> bool:
        """Under the write lock of ``db`` (the cache's connection, in its open
        transaction), before the first batch of the files at ``rels``: whether to take
        the batches (False: the caller writes what it parsed later, its own way)."""

    def put(self, answers: list[Any]) -> None:
        """``also``'s answers for a batch of documents (``None`` for a file gone).
        Raises :class:`sqlite3.Error` or :class:`SpecbookError` on a failed write."""

    def finish(self) -> None:
        """After the last batch, before the commit (same errors as :meth:`put`)."""


class _Stream:
    """A cold run's lint-cache rows written batch by batch, in one transaction with a
    :class:`Sink`'s writes: see :func:`_streaming`."""

    def __init__(self, cache: _Cache, sink: Sink) -> None:
        self.cache = cache
        self.sink = sink
        self.alive = True

    def put(self, part: list[Any], also: bool) -> None:
        """Write the rows of a batch of :func:`_lint_one` answers (their cache forms)
        and give the sink their ``also`` answers; on a failure, roll back (the rest
        is then written the old way, or not at all)."""
        if not self.alive:
            return
        try:
            self.cache.put_rows([_row(*item[:7]) for item in part if item is not None])
            self.sink.put([item[7] for item in part if item is not None] if also else [])
        except (self.cache._error, SpecbookError) as exc:
            self.fail(exc)

    def fail(self, exc: BaseException) -> None:
        if self.alive:
            self.alive = False
            self.cache.abort(exc)

    def end(
        self,
        light: dict[str, tuple[Any, ...]],
        touched: list[tuple[int, int, str, str]],
        verdicts: dict[str, str],
        redone: Sequence[tuple[bytes, str, str, str]] = (),
    ) -> None:
        """The rest of the cache's save, the sink's last writes, the commit."""
        if self.alive and self.cache.end(light, touched, verdicts, redone, self.sink.finish):
            self.sink.done = True
        self.alive = False


def _streaming(
    cache: _Cache, sink: Sink | None, items: Sequence[tuple[Any, str]], workers: int
) -> _Stream | None:
    """A :class:`_Stream` for parsing ``items`` in worker processes, if there is a
    ``sink``, a cache and many files, and the sink takes them; else ``None`` (the
    rows are saved at the end, the sink given nothing)."""
    if sink is None or len(items) < PARALLEL_THRESHOLD or workers <= 1 or not cache.begin():
        return None
    try:
        taken = sink.open(cache.db, [rel for _p, rel in items])
    except (cache._error, SpecbookError) as exc:
        cache.abort(exc)
        return None
    if not taken:
        cache.abort(None)
        return None
    return _Stream(cache, sink)


def _inputs_digest(linter: Linter) -> str:
    """The size and mtime of the files besides documents that active rules read (the
    trace rules' code): the memo must not outlive a change to them."""
    readers = [a.rule.inputs for a in linter.book_rules if a.rule.inputs is not None]
    if not readers:
        return ""
    h = blake2b(digest_size=12)
    for inputs in dict.fromkeys(readers):  # one walk per distinct reader
        for path, mtime, size in inputs(linter.config):
            h.update(f"{path}:{mtime}:{size};".encode())
    return "|inputs=" + h.hexdigest()


def _stats(
    book: Book, files: Sequence[Path | str]
) -> list[tuple[Path | str, str, tuple[int, int]]]:
    """``(path, book-relative path, (mtime ns, size))`` of every file that exists."""
    out: list[tuple[Path | str, str, tuple[int, int]]] = []
    stat = os.stat
    rel = book.rel
    prefix = book.root_prefix
    cut = len(prefix)
    plain = os.sep == "/"
    for p in files:
        try:
            st = stat(p)
        except OSError:
            continue
        # (the common case, a listed path inside the book, without a call: 10,000 files)
        if plain and type(p) is str and p.startswith(prefix) and ".." not in p:
            out.append((p, p[cut:], (st.st_mtime_ns, st.st_size)))
        else:
            out.append((p, rel(p), (st.st_mtime_ns, st.st_size)))
    if book.config.sidecar_kinds:  # a sidecar's change is its document's
        cfg = book.config
        out = [(p, r, signature(cfg, r, *sig)) for p, r, sig in out]
    return out


def _file_sig(path: str) -> list[Any]:
    """``[path, mtime ns, size]`` of a file, ``[path, None, None]`` when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return [path, None, None]
    return [path, st.st_mtime_ns, st.st_size]


def _load_memo(root: Path, key: str, sigs: list[list[Any]]) -> LintResult | None:
    """The whole previous result, when the rules and every file are as they were then
    (the documents, and the other files book rules looked at: a link's target)."""
    raw = read_blob(root, MEMO_NAME)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("key") != key or data.get("files") != sigs:
        return None
    looked = data.get("looked")
    if not isinstance(looked, list) or any(_file_sig(str(p)) != [p, m, s] for p, m, s in looked):
        return None
    findings = [_finding_p(item[0], item[1:]) for item in data["findings"]]
    return LintResult(findings, files=len(sigs), documents=int(data["documents"]))


def _save_memo(
    root: Path, key: str, sigs: list[list[Any]], result: LintResult, looked: set[str]
) -> None:
    data = {
        "key": key,
        "files": sigs,
        "looked": [_file_sig(p) for p in sorted(looked)],
        "documents": result.documents,
        "findings": [[f.path, *_finding_j(f)] for f in result.findings],
    }
    write_blob(root, MEMO_NAME, json.dumps(data, separators=(",", ":")).encode())


def apply_fixes(book: Book, result: LintResult, files: dict[str, FileResult]) -> list[str]:
    """Apply every finding's fix, file by file; returns the paths changed.

    Patches that overlap an earlier one are left for the next run. Raises
    :class:`SpecbookError` ("changed on disk, re-run") when a file changed since it
    was linted, or naming the files it may not write (read-only, or outside the book
    through a link); other files are still fixed.
    """
    by_file: dict[str, list[Patch]] = {}
    for f in result.findings:
        if f.fix:
            by_file.setdefault(f.path, []).extend(f.fix)
    changed: list[str] = []
    stale: list[str] = []
    refused: list[str] = []
    from specbook.edit.lock import book_lock

    with book_lock(book):  # the same lock lifecycle edits hold: no lost updates
        _fix_files(book, by_file, files, changed, stale, refused)
    problems = refused + (
        [f"{', '.join(stale)}: changed on disk while linting; re-run `specbook lint --fix`"]
        if stale
        else []
    )
    if problems:
        raise SpecbookError("; ".join(problems))
    return changed


def _fix_files(
    book: Book,
    by_file: dict[str, list[Patch]],
    files: dict[str, FileResult],
    changed: list[str],
    stale: list[str],
    refused: list[str],
) -> None:
    for rel, patches in sorted(by_file.items()):
        path = book.root / rel
        fr = files.get(rel)
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if fr is None or source_hash(data, book.sidecars(rel)) != fr.digest:
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
            replace_if_unchanged(path, data, new, root=book.root)
        except ChangedOnDisk:
            stale.append(rel)
            continue
        except WriteRefused as exc:
            refused.append(str(exc))
            continue
        changed.append(rel)


# -- linting what a branch changed ---------------------------------------------------------
_NAMED_ID = lazy_compile(r"^([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+)(?:$|[-_. ])")


def changed_since(book: Book, rev: str) -> tuple[list[str], list[str]]:
    """Book documents a branch changed since ``rev``: ``(present, deleted)`` relative paths.

    Changed means: in ``git diff --name-only REV...HEAD`` (what the branch committed
    since it left REV), in ``git diff --name-only HEAD`` (staged and unstaged edits),
    or untracked and not ignored. Paths are read NUL-separated (``-z``), so a name
    git would quote (``SPEC-099-café.md``, a tab, a quote, a newline) is found.
    Raises :class:`UsageError` outside a git work tree, without git, or for a REV
    git does not know.
    """
    from specbook.core.gitrun import GitFailed, git, git_z, toplevel

    try:
        inside = git(book.root, "rev-parse", "--is-inside-work-tree").decode().strip()
    except GitFailed as exc:
        raise UsageError(
            f"{book.root} is not inside a git repository; `lint --changed` compares with "
            "git history (run `lint` without --changed to check everything)"
        ) from exc
    if inside != "true":
        raise UsageError(f"{book.root} is not inside a git work tree; --changed needs one")
    verify = ("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    try:
        top = toplevel(book.root)
        git(book.root, *verify)
    except GitFailed as exc:
        raise UsageError(f"git {' '.join(verify)}: {exc}") from exc
    names: set[str] = set()
    for args in (
        ("diff", "--name-only", "--no-renames", f"{rev}...HEAD", "--"),
        ("diff", "--name-only", "--no-renames", "HEAD", "--"),
        ("ls-files", "--others", "--exclude-standard", "--full-name"),
    ):
        try:
            names.update(git_z(top, *args))
        except GitFailed as exc:
            raise UsageError(f"git {' '.join(args)}: {exc}") from exc
    documents = set(book.path_strings())
    owners = book.sidecar_owners()  # (a changed sidecar is a change of its document)
    present: set[str] = set()
    deleted: list[str] = []
    for name in sorted(names):
        full = os.path.normpath(os.path.join(top, name))
        rel = book.rel(full)
        if full in owners:
            present.update(book.rel(q) for q in owners[full])
        elif full in documents:
            present.add(rel)
        elif not os.path.exists(full) and rel.lower().endswith((".md", ".markdown")):
            deleted.append(rel)
    return sorted(present), deleted


def restrict(
    result: LintResult, paths: Iterable[str], config: BookConfig | None = None
) -> LintResult:
    """``result`` with only the findings on ``paths`` (book-relative), and with
    ``config``, on their sidecar files."""
    keep = set(paths)
    where = set(keep)
    if config is not None and config.sidecar_kinds:
        from specbook.core.layout import sidecar_names

        for rel in keep:
            where.update(sidecar_names(config, rel))
    findings = [f for f in result.findings if f.path in where]
    return LintResult(findings, files=len(keep), documents=len(keep))


def changed_ids(
    changed: Iterable[str], deleted: Iterable[str], files: dict[str, FileResult]
) -> set[str]:
    """The IDs of the changed documents (from their facts in ``files``) and of the
    deleted ones (read from their file names)."""
    ids = {files[p].facts.id for p in changed if p in files and files[p].facts.id}
    for rel in deleted:
        m = _NAMED_ID.match(rel.rsplit("/", 1)[-1])
        if m:
            ids.add(m.group(1))
    return {i for i in ids if i}


def mentioning(book: Book, files: Sequence[Path | str], ids: Iterable[str]) -> list[str]:
    """The book-relative paths of ``files`` whose bytes mention one of ``ids`` (in any
    case): every document that references one of them is among these, found without
    parsing anything. (The parser reads references from the file's bytes, invalid
    UTF-8 aside, and an ID is ASCII.)"""
    wanted = [i.lower().encode() for i in set(ids)]
    if not wanted:
        return []
    out = []
    for p in files:
        try:
            with open(p, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        low = data.lower()  # (one lower() and plain searches: ten times a (?i) pattern's speed)
        if any(i in low for i in wanted):
            out.append(book.rel(p))
    return out


def with_referrers(
    changed: Iterable[str], deleted: Iterable[str], files: dict[str, FileResult]
) -> list[str]:
    """``changed`` plus every linted document that references a changed or deleted
    document (by ID; a deleted document's ID is read from its file name)."""
    chosen = set(changed)
    ids = changed_ids(chosen, deleted, files)
    for rel, fr in files.items():
        if rel not in chosen and any(r.target in ids for r in fr.facts.references):
            chosen.add(rel)
    return sorted(chosen)
