"""``specbook mcp``: one book as a Model Context Protocol server, for AI agents.

A thin adapter, like the CLI: every tool calls the library functions the CLI calls
(``new_document``, the lifecycle engine with its gates, the linter, the index, trace
and impact), so an agent can do what a person at the terminal can, and no more. The
content write tools (``write_section``, ``add_requirement``, ...) call
:mod:`specbook.services.author`: the book lock, byte patches verified before an atomic write,
and optimistic concurrency (every read returns the document's content hash, every
write takes it as ``expected_hash``).

- Paths given to a tool are read relative to the book root; one that resolves
  outside the book (``..``, an absolute path elsewhere, a symlink out) is refused.
- specbook's errors come back as tool errors (``isError``) carrying the CLI's message.
- Each document is a resource, ``specbook://doc/<ID>``, whose text is the file's.

Only the ``mcp`` command imports this module: the SDK costs ~0.4 s to import.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, ParamSpec, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp_types import Resource as MCPResource
from mcp_types import ToolAnnotations
from pydantic import Field

from specbook import __version__
from specbook.book import Book
from specbook.book.jsonout import document_summary
from specbook.core.errors import NotFoundError, SpecbookError, UsageError
from specbook.core.model import Document
from specbook.store import DocSummary

if TYPE_CHECKING:
    from specbook.services.author import Written

DOC_URI = "specbook://doc/{doc_id}"
READ_TOOLS = ("list", "get", "search", "lint", "trace", "impact")
WRITE_TOOLS = (
    "write_section",
    "add_requirement",
    "update_requirement",
    "set_field",
    "check",
    "add_row",
    "supersede",
)
TOOL_NAMES = (
    "list",
    "get",
    "search",
    "create",
    "lint",
    "transition",
    "review",
    "trace",
    "impact",
    *WRITE_TOOLS,
)
PROMPT_NAMES = ("draft_spec", "review_spec", "plan_tasks")
_SEEN = 64  # document versions kept by hash, for a conflict's diff summary

# The prompt templates (MCP prompts): each names the tools to use, in order.
DRAFT_SPEC = """Draft a specification in this specbook book from this idea:

{idea}

1. `create` with kind "spec", a short title and author "{author}"; then `get` the new
   document for its sections and its `hash`.
2. Fill each section the template has with `write_section` (Summary first, then Context,
   Design, Implementation Plan, Testing Strategy, Deployment, ...): Markdown under the
   heading only, subheadings one level deeper than the section. Pass the `hash` of your
   last read or write as `expected_hash`; every write answers with the new `hash`.
3. Add the requirements with `add_requirement`: kind FR with `acceptance` (how we know it
   is done), kind NFR with a measurable `target`.
4. Add risks and timeline phases with `add_row` (Probability and Impact are High, Med or
   Low; a phase ends on or after its start); set Tags and Reviewers with `set_field`.
5. Each write answers with lint findings, those on the lines you wrote first: fix them
   and write again until `lint` reports no errors and no template placeholders remain.
6. `transition` the spec to Review, by "{author}".

If a write says the document changed since you read it, `get` it again and redo your
change on what it says now: a person may be editing it too."""

REVIEW_SPEC = """Review document {id} of this specbook book against its lint rules.

1. `get` {id} (the whole model) and `lint` its path.
2. For each finding, in line order: quote the line, explain what the rule (its ID and
   name) asks for, and propose the corrected Markdown.
3. Read the requirements: is each FR testable from its acceptance criteria, each NFR
   measurable from its target? Do the Testing Strategy and Implementation Plan cover them?
4. Summarise: blocking problems (lint errors, untestable requirements) first, then
   suggestions.
5. If you are asked to record it, call `review` with verdict request-changes (blocking
   problems), comment, or approve (none), your name as `by`, and the summary as `note`.
   Do not fix the document yourself unless asked; if asked, use write_section,
   update_requirement and add_row with the `hash` from `get` as expected_hash."""

PLAN_TASKS = """Plan the implementation of spec {id} in this specbook book.

1. `get` {id}: read its requirements (FR and NFR, with acceptance criteria and targets),
   its Design and its Implementation Plan.
2. Split the work into tasks of a day or two, each covering named requirements; list
   them, with the requirement IDs each one covers, and check that every FR and NFR is
   covered by at least one task.
3. `create` one TASK per task (kind "task", its title) and fill it with `write_section`,
   naming the spec and requirements it implements (e.g. {id}/FR-1), with the `hash`
   from each `create`-then-`get` as expected_hash.
4. Write the files to create and modify into {id}'s Implementation Plan with
   `write_section` (section "Implementation Plan / Files to Create" and "Files to
   Modify"), as `- [ ] path - purpose` checklist items; `check` ticks them as they are
   done.
5. `lint` the spec and the tasks, and fix what it reports."""

_MD_SUFFIXES = (".md", ".markdown")

P = ParamSpec("P")
R = TypeVar("R")


def _looks_like_path(ref: str) -> bool:
    """The same test as :meth:`Book.find`: a path, not an ID."""
    return ref.lower().endswith(_MD_SUFFIXES) or "/" in ref or "\\" in ref or os.sep in ref


# (module level: the SDK reads the tools' annotations in this module's namespace)
HASH = Field(
    description="the `hash` of the document as you last read it (from get, list, search "
    "or a write's answer); the write is refused if the document changed since"
)
DRY = Field(description="true: return the patch and the lint findings, write nothing")


class BookTools:
    """The nine tools over one book, as plain methods returning JSON data.

    Each raises :class:`SpecbookError` (with the CLI's message) when it cannot act;
    :func:`build_server` turns that into a tool error.
    """

    def __init__(self, book: Book) -> None:
        from specbook.services.documents import use_snapshot

        self.book = book
        # (each document the tools load is made from the parse the snapshot holds for
        # its bytes: after a lint, reading the book parses nothing)
        use_snapshot(book)
        self.root = book.root.resolve()
        # the bytes behind hashes this server handed out: a write that expected one of
        # them and found the document changed says what changed since
        self._seen: dict[str, bytes] = {}

    def _remember(self, doc: Document) -> str:
        """``doc``'s content hash, its bytes kept for a later conflict's diff summary."""
        digest = doc.digest
        self._seen.pop(digest, None)
        self._seen[digest] = doc.source
        while len(self._seen) > _SEEN:
            self._seen.pop(next(iter(self._seen)))
        return digest

    # -- keeping to the book -------------------------------------------------------------
    def inside(self, path: str) -> Path:
        """``path`` (relative to the book root, or absolute) as an absolute path inside
        the book. Raises :class:`UsageError` when it is empty or resolves outside."""
        text = path.strip()
        if not text or "\x00" in text:
            raise UsageError(f"{path!r} is not a path; give one relative to the book root")
        # an absolute `text` replaces the root; realpath, unlike Path.resolve on Python
        # 3.11, does not raise on a loop of links (reading the path then fails, saying so)
        full = Path(os.path.realpath(self.root / text))
        if not full.is_relative_to(self.root):
            raise UsageError(
                f"{path}: outside the book at {self.root}; "
                "give paths relative to the book root, inside it"
            )
        return full

    def _ref(self, ref: str) -> str:
        """An ID as it is, or a path checked to be inside the book (made absolute)."""
        ref = ref.strip()
        if not ref:
            raise UsageError("the ID is empty; give a document ID such as SPEC-001")
        return str(self.inside(ref)) if _looks_like_path(ref) else ref

    def load(self, ref: str) -> Document:
        """The document with ID ``ref``, or the Markdown file at path ``ref`` in the book."""
        ref = self._ref(ref)
        if not _looks_like_path(ref):
            return self.book.find(ref)
        full = Path(ref)
        if not full.name.lower().endswith(_MD_SUFFIXES):
            raise UsageError(
                f"{self.book.rel(full)}: not a Markdown file (.md); give an ID or a .md path"
            )
        if not full.is_file():
            raise NotFoundError(f"{self.book.rel(full)}: no such file")
        return self.book.load(full)

    def _who(self, by: str) -> str:
        if not by.strip():
            raise UsageError("`by` is empty: say who acts (a name, e.g. the person you work for)")
        return by.strip()

    def _outcome(self, message: str, ref: str) -> dict[str, Any]:
        """What a write did, read back from the file: the document's status now and
        its last Review History row."""
        doc = self.load(ref)
        last = doc.review_history[-1] if doc.review_history else None
        return {
            "message": message,
            **document_summary(doc, ("id", "path", "status", "status_canonical")),
            "hash": self._remember(doc),
            "review_history_row": None
            if last is None
            else {
                "date": last.date,
                "reviewer": last.reviewer,
                "status": last.status,
                "feedback": last.feedback,
                "line": last.span.line,
            },
        }

    # -- the tools -----------------------------------------------------------------------
    def list_documents(
        self,
        kind: str | None = None,
        status: str | None = None,
        type_: str | None = None,
        tag: str | None = None,
    ) -> dict[str, Any]:
        from specbook.book.jsonout import list_entry
        from specbook.services.documents import book_documents
        from specbook.services.show import filter_documents, same_id_paths, shared_ids

        kind_name = self.book.kind(kind).name if kind else None
        # (an empty book is an error, as in `specbook list`: not an empty list)
        every = book_documents(self.book, self.book.require_documents())
        same = same_id_paths(shared_ids(every))
        docs = filter_documents(every, kind=kind_name, status=status, type_=type_, tag=tag)
        return {
            "documents": [
                {**list_entry(d, same.get(d.path or "", [])), "hash": self._remember(d)}
                for d in docs
            ]
        }

    def get(self, ref: str, section: str | None = None) -> dict[str, Any]:
        from specbook.book.jsonout import document_json
        from specbook.services.author import find_section, section_body

        doc = self.load(ref)
        digest = self._remember(doc)
        if section is None:
            return {**document_json(doc), "hash": digest}
        want = section.strip().casefold()
        found = doc.section(want) or next(
            (s for s in doc.all_sections() if s.title.casefold() == want), None
        )
        found = found or find_section(doc, section)
        if found is None:
            titles = ", ".join(s.title for s in doc.all_sections() if s.level > 1)
            raise NotFoundError(
                f"{doc.id or doc.path}: no section {section!r}; it has: {titles or 'none'}"
            )
        return {
            "id": doc.id,
            "path": doc.path,
            "section": found.title,
            "template_name": found.template_name,
            "level": found.level,
            "line": found.span.line,
            "end_line": found.span.end_line,
            "text": doc.source[found.span.start : found.span.end].decode("utf-8", "replace"),
            "body": section_body(doc.source, found),
            "hash": digest,
        }

    def search(self, query: str, limit: int = 20) -> dict[str, Any]:
        from specbook.store import parse_query, synced_store
        from specbook.store.base import hit_json

        if not query.strip():
            raise UsageError('the query is empty; give words to look for, e.g. "rate limit"')
        q = parse_query(query)
        store, _ = synced_store(self.book)
        try:
            hits = store.search(q, limit)
        finally:
            store.close()
        out = []
        for h in hits:
            try:
                digest = self._remember(self.book.load(self.root / h.path))
            except (OSError, SpecbookError):
                digest = None
            out.append({**hit_json(h), "hash": digest})
        return {"results": out}

    def create(
        self, kind: str, title: str, type_: str | None = None, author: str | None = None
    ) -> dict[str, Any]:
        from specbook.services.create import new_document

        path = new_document(self.book, kind, title, type_=type_, author=author)
        doc = self.book.load(path)
        return {
            **document_summary(doc, ("id", "path", "title", "status")),
            "uri": DOC_URI.format(doc_id=doc.id),
        }

    def lint(self, paths: list[str] | None = None) -> dict[str, Any]:
        from specbook.lint.engine import Linter
        from specbook.lint.output import render_json
        from specbook.lint.run import expand_paths, lint_files

        linter = Linter(self.book.config)
        if not paths:  # (an empty book is an error, not "no findings")
            result, _ = lint_files(self.book, linter, self.book.require_documents(), [], [])
        else:
            checked = []
            for p in paths:
                full = self.inside(p)
                if not full.exists():
                    raise NotFoundError(f"{p}: no such file or folder")
                checked.append(full)
            named = expand_paths(self.book, checked)
            # as `specbook lint PATHS`: book-wide rules see the whole book (a reference to a
            # document not named is no dangling one); findings are those of the named files
            files = sorted({*self.book.path_strings(), *(str(p) for p in named)})
            focus = [self.book.rel(p) for p in named]
            result, _ = lint_files(self.book, linter, files, [], [], focus=focus)
        data: dict[str, Any] = json.loads(render_json(result))  # the documented contract
        return data

    def transition(
        self,
        ref: str,
        status: str,
        by: str,
        note: str | None = None,
        force: bool = False,
        expected_hash: str | None = None,
    ) -> dict[str, Any]:
        from specbook.services import lifecycle

        target = self._ref(ref)
        message = lifecycle.transition(
            self.book,
            target,
            status,
            by=self._who(by),
            note=note,
            force=force,
            lint_errors=lifecycle.lint_gate(self.book),
            expect=self._expect(target, expected_hash),
        )
        return self._outcome(message, target)

    def review(
        self,
        ref: str,
        verdict: str,
        by: str,
        note: str | None = None,
        expected_hash: str | None = None,
    ) -> dict[str, Any]:
        from specbook.services import lifecycle

        if verdict not in ("approve", "request-changes", "comment"):
            raise UsageError(
                f"unknown verdict {verdict!r}; say approve, request-changes or comment"
            )
        target = self._ref(ref)
        message = lifecycle.review(
            self.book,
            target,
            verdict,
            by=self._who(by),
            note=note,
            expect=self._expect(target, expected_hash),
        )
        return self._outcome(message, target)

    # -- writing content -------------------------------------------------------------------
    def _limit(self, *texts: str | None) -> None:
        """Refuse a call whose text inputs together exceed ``[mcp] max_input_bytes``."""
        size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts if t)
        limit = self.book.config.mcp_max_input_bytes
        if size > limit:
            raise UsageError(
                f"the input is {size} bytes; the limit is {limit} ([mcp] max_input_bytes in "
                "the book's specbook.toml): write the document a section at a time"
            )

    def _path(self, ref: str) -> Path:
        """The file of document ``ref`` (an ID or a path in the book)."""
        doc = self.load(ref)
        return self.root / (doc.path or "")

    def _expect(self, ref: str, expected: str | None) -> Callable[[Document], None] | None:
        """For the lifecycle engine: refuse, under the book lock, when the document as
        read there no longer has content hash ``expected`` (None: no check)."""
        if expected is None:
            return None
        want = expected.strip()

        def check(doc: Document) -> None:
            from specbook.services.author import HashMismatch, _conflict

            if doc.digest != want:
                raise HashMismatch(
                    _conflict(doc.path or ref, want, doc, self._seen.get), doc.digest
                )

        return check

    def _answer(self, done: Written, dry_run: bool) -> dict[str, Any]:
        """A write's answer: what it did, the new hash, the written lines and the lint
        findings of the document after it (those on the written lines first)."""
        from specbook.lint.engine import Linter

        written = done.lines
        if dry_run:  # nothing on disk to lint: the document rules on the new bytes
            from specbook.parse import parse

            after = parse(done.after, done.rel, self.book.config, self.book.sidecars(done.rel))
            findings = [f.to_json() for f in Linter(self.book.config).lint_document(after)]
            findings.sort(key=lambda f: (f["line"], f["column"], f["rule"]))
        else:
            findings = self.lint([done.rel])["findings"]
            self._remember(self.book.load(self.root / done.rel))

        def on_written(f: dict[str, Any]) -> bool:
            return f["path"] == done.rel and any(
                a <= f["line"] <= b or (f["line"] <= a <= (f["end_line"] or f["line"]))
                for a, b in written
            )

        marked = [{**f, "on_written_lines": on_written(f)} for f in findings]
        marked.sort(key=lambda f: not f["on_written_lines"])  # (stable: in line order)
        summary = {
            s: sum(1 for f in findings if f["severity"] == s[:-1])
            for s in ("errors", "warnings", "infos")
        }
        answer: dict[str, Any] = {
            "message": done.message,
            "id": done.doc_id,
            "path": done.rel,
            "hash": done.hash,
            "written": done.written,
            "dry_run": dry_run,
            "written_lines": [list(x) for x in written],
            "lint": {"findings": marked, "summary": summary},
        }
        if dry_run:
            answer["patch"] = done.patch()
        return answer

    def write_section(
        self, ref: str, section: str, markdown: str, expected_hash: str, dry_run: bool = False
    ) -> dict[str, Any]:
        from specbook.services import author

        self._limit(section, markdown)
        done = author.write_section(
            self.book,
            self._path(ref),
            section,
            markdown,
            expected_hash,
            dry_run=dry_run,
            known=self._seen.get,
        )
        return self._answer(done, dry_run)

    def add_requirement(
        self,
        ref: str,
        kind: str,
        text: str,
        expected_hash: str,
        acceptance: str | None = None,
        target: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        from specbook.services import author

        self._limit(text, acceptance, target)
        functional = kind.strip().upper() in ("FR", "FUNCTIONAL") or (
            kind.strip().upper() in self.book.config.functional_prefixes
        )
        detail, missing, extra = (
            (acceptance, "acceptance", target) if functional else (target, "target", acceptance)
        )
        if extra is not None:
            wrong = "target" if functional else "acceptance"
            raise UsageError(
                f"a {'functional' if functional else 'non-functional'} requirement takes "
                f"`{missing}`, not `{wrong}`"
            )
        if detail is None:
            raise UsageError(
                f"give `{missing}`: "
                + ("how we know it is done" if functional else "the metric it must meet")
            )
        done = author.add_requirement(
            self.book,
            self._path(ref),
            kind,
            text,
            detail,
            expected_hash,
            dry_run=dry_run,
            known=self._seen.get,
        )
        return self._answer(done, dry_run)

    def update_requirement(
        self,
        ref: str,
        req_id: str,
        expected_hash: str,
        text: str | None = None,
        acceptance: str | None = None,
        target: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        from specbook.services import author

        self._limit(text, acceptance, target)
        done = author.update_requirement(
            self.book,
            self._path(ref),
            req_id,
            text,
            acceptance,
            target,
            expected_hash,
            dry_run=dry_run,
            known=self._seen.get,
        )
        return self._answer(done, dry_run)

    def set_field(
        self, ref: str, field: str, value: str, expected_hash: str, dry_run: bool = False
    ) -> dict[str, Any]:
        from specbook.services import author

        self._limit(field, value)
        done = author.set_field(
            self.book,
            self._path(ref),
            field,
            value,
            expected_hash,
            dry_run=dry_run,
            known=self._seen.get,
        )
        return self._answer(done, dry_run)

    def check(
        self,
        ref: str,
        expected_hash: str,
        item: str | None = None,
        all_in_section: str | None = None,
        by: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        from specbook.services import author

        if (item is None) == (all_in_section is None):
            raise UsageError("give either `item` (a number or its text) or `all_in_section`")
        self._limit(item, all_in_section, by)
        done = author.check(
            self.book,
            self._path(ref),
            item,
            all_in_section,
            expected_hash,
            by=self._who(by) if by is not None else None,
            dry_run=dry_run,
            known=self._seen.get,
        )
        return self._answer(done, dry_run)

    def add_row(
        self,
        ref: str,
        table_section: str,
        cells: list[str],
        expected_hash: str,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        from specbook.services import author

        self._limit(table_section, *cells)
        done = author.add_row(
            self.book,
            self._path(ref),
            table_section,
            cells,
            expected_hash,
            dry_run=dry_run,
            known=self._seen.get,
        )
        return self._answer(done, dry_run)

    def supersede(
        self,
        old: str,
        new: str,
        by: str,
        note: str | None = None,
        expected_hash: str | None = None,
        expected_new_hash: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        from specbook.edit.commit import FileChange
        from specbook.services.multi import supersede

        self._limit(note)
        old_ref, new_ref = self._ref(old), self._ref(new)
        checks = [self._expect(old_ref, expected_hash), self._expect(new_ref, expected_new_hash)]

        def expect(old: Document, new: Document) -> None:
            for check, doc in zip(checks, (old, new), strict=True):
                if check is not None:
                    check(doc)

        planned: list[FileChange] | None = [] if dry_run else None
        message = supersede(
            self.book,
            old_ref,
            new_ref,
            by=self._who(by),
            note=note,
            expect=expect,
            dry_run=planned,
        )
        if planned is not None:  # nothing written: each file's change as a unified diff
            import difflib

            patches = []
            for change in planned:
                rel = change.path.relative_to(self.root).as_posix()
                patches.append(
                    "".join(
                        difflib.unified_diff(
                            change.original.decode("utf-8", "replace").splitlines(True),
                            change.data.decode("utf-8", "replace").splitlines(True),
                            f"a/{rel}",
                            f"b/{rel}",
                        )
                    )
                )
            return {"message": message, "dry_run": True, "patch": "".join(patches)}
        docs = [self.load(old_ref), self.load(new_ref)]
        lint = self.lint([d.path or "" for d in docs])
        return {
            "message": message,
            "documents": [
                {**document_summary(d, ("id", "path", "status")), "hash": self._remember(d)}
                for d in docs
            ],
            "lint": {"findings": lint["findings"], "summary": lint["summary"]},
        }

    def trace(self) -> dict[str, Any]:
        from specbook.services.documents import book_documents
        from specbook.trace.coverage import trace_book

        return trace_book(self.book, documents=book_documents(self.book)).to_json()

    def impact(self, paths: list[str]) -> dict[str, Any]:
        from specbook.services.documents import book_documents
        from specbook.trace.impact import impact

        if not paths:
            raise UsageError("give the changed files as paths relative to the book root")
        files = [self.inside(p).relative_to(self.root).as_posix() for p in paths]
        return impact(self.book, files, book_documents(self.book)).to_json()

    def listed_documents(self) -> list[DocSummary]:
        """Each document with an ID, once per ID, from the index (kept in step)."""
        from specbook.store import synced_store

        store, _ = synced_store(self.book)
        try:
            docs = store.documents()
        finally:
            store.close()
        seen: set[str] = set()
        out = []
        for d in docs:
            if d.id and d.id not in seen:
                seen.add(d.id)
                out.append(d)
        return out

    def document_text(self, doc_id: str) -> str:
        """The file of document ``doc_id`` as text: line endings as they are, invalid
        UTF-8 replaced."""
        if _looks_like_path(doc_id):
            raise NotFoundError(f"{doc_id}: give a document ID, such as SPEC-001")
        doc = self.book.find(doc_id)
        try:
            data = self.book.read(doc.path or "")  # (refuses a link leading out of the book)
        except OSError as exc:
            raise NotFoundError(f"{doc_id}: cannot read {doc.path} ({exc.strerror})") from exc
        return data.decode("utf-8", "replace")


class BookServer(MCPServer[Any]):
    """The MCP server of one book: :class:`BookTools` as tools, documents as resources."""

    def __init__(self, tools: BookTools) -> None:
        super().__init__(
            name="specbook",
            title=f"specbook: {tools.book.config.name or tools.root.name}",
            version=__version__,
            instructions=(
                f"The specbook book at {tools.root}: engineering specs (SPEC), decisions (DEC), "
                "bugs (BUG) and tasks (TASK) as Markdown files. Find documents with `list` and "
                "`search`, read them with `get` (one section at a time for long ones), create "
                "them with `create`, write them section by section with `write_section`, "
                "`add_requirement`, `update_requirement`, `add_row`, `set_field` and `check`, "
                "check them with `lint`, and move them through their lifecycle with `review`, "
                "`transition` and `supersede`, through the same gates as the CLI. Every read "
                "returns the document's `hash`; every write takes it as `expected_hash` and "
                "is refused if the document changed since. Paths are relative to the book "
                "root. The prompts draft_spec, review_spec and plan_tasks walk through the "
                "common tasks."
            ),
            log_level="WARNING",
        )
        self.book_tools = tools

    async def list_resources(self) -> list[MCPResource]:
        """Every document of the book, read afresh, so new documents are listed too."""
        listed = await super().list_resources()
        docs = await anyio.to_thread.run_sync(self.book_tools.listed_documents)
        return listed + [
            MCPResource(
                uri=DOC_URI.format(doc_id=d.id),
                name=d.id or "",
                title=f"{d.id}: {d.title}",
                description=f"{d.kind} {d.id} [{d.status or 'no status'}] at {d.path}",
                mime_type="text/markdown",
            )
            for d in docs
        ]


def build_server(book: Book) -> BookServer:
    """The MCP server over ``book``: its tools, prompts and the document resources."""
    tools = BookTools(book)
    server = BookServer(tools)
    lock = threading.Lock()  # one call at a time: the index and the files see one writer

    def tool(
        name: str, read_only: bool, destructive: bool = False
    ) -> Callable[[Callable[P, dict[str, Any]]], Callable[P, dict[str, Any]]]:
        def register(fn: Callable[P, dict[str, Any]]) -> Callable[P, dict[str, Any]]:
            @functools.wraps(fn)
            def run(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
                with lock:
                    try:
                        return fn(*args, **kwargs)
                    except SpecbookError as exc:
                        raise ToolError(str(exc)) from exc

            server.add_tool(
                run,
                name=name,
                annotations=ToolAnnotations(
                    read_only_hint=read_only,
                    destructive_hint=destructive,
                    open_world_hint=False,
                ),
            )
            return run

        return register

    @tool("list", read_only=True)
    def list_(
        kind: Annotated[str | None, Field(description="spec, dec, bug, task (or a prefix)")] = None,
        status: Annotated[str | None, Field(description="the book's status word, any case")] = None,
        type: Annotated[str | None, Field(description="the document Type")] = None,
        tag: Annotated[str | None, Field(description="a tag the document carries")] = None,
    ) -> dict[str, Any]:
        """List the book's documents, optionally filtered (the filters match the canonical
        status, the type and the tags case-insensitively). Returns {"documents": [{id, kind,
        title, status, status_canonical, type, path, date, modified, tags, hash}]}, as
        `specbook list --json` plus each document's content hash.
        Example: {"kind": "spec", "status": "draft"}"""
        return tools.list_documents(kind, status, type, tag)

    @tool("get", read_only=True)
    def get(
        id: Annotated[str, Field(description="a document ID (SPEC-001) or a .md path in the book")],
        section: Annotated[
            str | None,
            Field(
                description="only this section: its name (Requirements) or heading path "
                "(Requirements / Functional Requirements)"
            ),
        ] = None,
    ) -> dict[str, Any]:
        """Read one document: its whole model as `specbook show --json` (fields, sections,
        requirements, references, checklists, tables, review history, each with line
        numbers) plus `hash`, or with `section` just that section: {id, path, section,
        template_name, level, line, end_line, text, body, hash} where text is the section's
        Markdown with its heading and body the Markdown under the heading (what
        write_section writes). Pass `hash` as expected_hash to the write tools.
        Example: {"id": "SPEC-001", "section": "Summary"}"""
        return tools.get(id, section)

    @tool("search", read_only=True)
    def search(
        query: Annotated[
            str,
            Field(
                description='words (all must appear), "a phrase", prefix*, a OR b, -not, and '
                "filters such as status:review kind:spec type:feature tag:api author:ana"
            ),
        ],
        limit: Annotated[int, Field(ge=1, le=1000, description="at most this many")] = 20,
    ) -> dict[str, Any]:
        """Search the book, best match first (a title match ranks above the text).
        Returns {"results": [{id, title, status, path, line, snippet, score, hash}]}; the
        snippet marks matched words with **.
        Example: {"query": "rate limit kind:spec", "limit": 5}"""
        return tools.search(query, limit)

    @tool("create", read_only=False)
    def create(
        kind: Annotated[str, Field(description="spec, dec, bug or task (or a kind the book adds)")],
        title: Annotated[str, Field(description="the document's title")],
        type: Annotated[str | None, Field(description="the Type, one of the kind's types")] = None,
        author: Annotated[str | None, Field(description="the Author to record")] = None,
    ) -> dict[str, Any]:
        """Create a document from its kind's template with the next free ID, as `specbook
        new`: ID, Date, Status (the kind's first), Type, Created, Modified and Author are
        filled in. Returns {id, path, title, status, uri}. Then `get` it (for its hash) and
        fill the template's [prompts] with write_section, add_requirement and add_row.
        Example: {"kind": "spec", "title": "Rate limits", "type": "feature", "author": "Ana"}"""
        return tools.create(kind, title, type, author)

    @tool("lint", read_only=True)
    def lint(
        paths: Annotated[
            list[str] | None,
            Field(description="files or folders relative to the book root; default: the book"),
        ] = None,
    ) -> dict[str, Any]:
        """Check documents against the rule catalog. Returns the `specbook lint --format
        json` object: {"version": 1, "findings": [{rule, name, severity, path, doc_id,
        line, column, end_line, end_column, message, fixable}], "summary": {files,
        documents, errors, warnings, infos}}. A Draft may keep template placeholders
        (warnings); from Review on they are errors.
        Example: {"paths": ["docs/specs/SPEC-001-shipment-tracking-api.md"]}"""
        return tools.lint(paths)

    @tool("transition", read_only=False)
    def transition(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-001")],
        status: Annotated[str, Field(description="the status to move to, e.g. Review")],
        by: Annotated[str, Field(description="who makes the move (recorded in Review History)")],
        note: Annotated[str | None, Field(description="the Review History note")] = None,
        force: Annotated[
            bool, Field(description="pass unmet gates; the history row says so")
        ] = False,
        expected_hash: Annotated[str | None, HASH] = None,
    ) -> dict[str, Any]:
        """Move a document to another status through its kind's workflow and gates, as
        `specbook status`: to Review, no lint errors; to Approved, the approvals needed
        since the last move to Review, none by the author; to Implemented, every
        Implementation Plan item checked; to Archived, a note. A refused move is an error
        naming every unmet gate. Changes only the Status, the Modified date and one new
        Review History row. Returns {message, id, path, status, status_canonical,
        review_history_row, hash}.
        Example: {"id": "SPEC-006", "status": "Review", "by": "Ana Lima"}"""
        return tools.transition(id, status, by, note, force, expected_hash)

    @tool("review", read_only=False)
    def review(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-001")],
        verdict: Literal["approve", "request-changes", "comment"],
        by: Annotated[str, Field(description="the reviewer (recorded in Review History)")],
        note: Annotated[str | None, Field(description="the feedback")] = None,
        expected_hash: Annotated[str | None, HASH] = None,
    ) -> dict[str, Any]:
        """Record a review in the document's Review History, as `specbook review`: approve
        adds the reviewer to Approvers, every review adds them to Reviewers, and
        request-changes on a document in Review moves it back to its first status.
        Returns {message, id, path, status, status_canonical, review_history_row, hash}.
        Example: {"id": "SPEC-006", "verdict": "approve", "by": "Bo Chen", "note": "LGTM"}"""
        return tools.review(id, verdict, by, note, expected_hash)

    @tool("trace", read_only=True)
    def trace() -> dict[str, Any]:
        """Which tests cover each requirement (FR/NFR) of the book: the `specbook trace
        --json` object {version, code, documents, uncovered, bad_tags, missing_tests,
        summary}.
        Example: {}"""
        return tools.trace()

    @tool("impact", read_only=True)
    def impact(
        paths: Annotated[
            list[str],
            Field(min_length=1, description="changed files, relative to the book root"),
        ],
    ) -> dict[str, Any]:
        """Which documents' Implementation Plans name any of the changed files: the
        `specbook impact --json` object {version, files, documents: [{id, title, status,
        kind, path, matches: [{file, listed, line, section, checked}]}], unmatched}.
        Example: {"paths": ["parcel/api/shipments.py"]}"""
        return tools.impact(paths)

    # -- the write tools: each answers {message, id, path, hash, written, dry_run,
    # written_lines, lint: {findings (those on the written lines first, marked
    # on_written_lines), summary}} and, for a dry run, the patch
    @tool("write_section", read_only=False, destructive=True)
    def write_section(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-006")],
        section: Annotated[
            str,
            Field(
                description="the section's name as in the template (Summary), with or without "
                "its numbering or emoji, or its heading path (Context / Background)"
            ),
        ],
        markdown: Annotated[
            str,
            Field(
                description="the new body: Markdown under the heading, without the heading; "
                "subheadings must be deeper than the section's own level"
            ),
        ],
        expected_hash: Annotated[str, HASH],
        dry_run: Annotated[bool, DRY] = False,
    ) -> dict[str, Any]:
        """Replace the body of one section (everything under its heading, subsections
        included) with `markdown`; the heading, the blank lines and `---` around it and
        every other byte of the file stay as they are, line endings included. A section
        the document lacks is added where the kind's template puts it. Refused: a heading
        of the section's level or higher (it would end the section), an unclosed code
        fence, Review History and Metadata (the lifecycle tools and set_field write them),
        text over the book's size limit. Returns the write's answer (see above).
        Example: {"id": "SPEC-006", "section": "Summary", "markdown": "Per-key rate limits
        for the tracking API.", "expected_hash": "0f100acc18057f46287c05bb1b8ec2d7"}"""
        return tools.write_section(id, section, markdown, expected_hash, dry_run)

    @tool("add_requirement", read_only=False)
    def add_requirement(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-006")],
        kind: Annotated[
            Literal["FR", "NFR"], Field(description="FR (functional) or NFR (non-functional)")
        ],
        text: Annotated[str, Field(description="the requirement, one line")],
        expected_hash: Annotated[str, HASH],
        acceptance: Annotated[
            str | None, Field(description="for an FR: its acceptance criteria, one line")
        ] = None,
        target: Annotated[
            str | None, Field(description="for an NFR: its measurable target, one line")
        ] = None,
        dry_run: Annotated[bool, DRY] = False,
    ) -> dict[str, Any]:
        """Add a requirement with the next free ID in the document's own style (FR-3 after
        FR-2, FR-010 after FR-009), written like its last requirement of that kind (list
        marker, bold ID, `Acceptance Criteria:` or `Target:` line). While the document's
        requirements of that kind are all still the template's prompts, the first one
        added takes their place. Returns the write's answer; its message names the ID.
        Example: {"id": "SPEC-006", "kind": "FR", "text": "Reject a key's 101st request in
        a minute with 429", "acceptance": "a test sends 101 requests and gets one 429",
        "expected_hash": "0f100acc18057f46287c05bb1b8ec2d7"}"""
        return tools.add_requirement(id, kind, text, expected_hash, acceptance, target, dry_run)

    @tool("update_requirement", read_only=False, destructive=True)
    def update_requirement(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-006")],
        req_id: Annotated[str, Field(description="the requirement's ID, e.g. FR-2")],
        expected_hash: Annotated[str, HASH],
        text: Annotated[str | None, Field(description="its new text, one line")] = None,
        acceptance: Annotated[
            str | None, Field(description="its new acceptance criteria, one line")
        ] = None,
        target: Annotated[str | None, Field(description="its new target, one line")] = None,
        dry_run: Annotated[bool, DRY] = False,
    ) -> dict[str, Any]:
        """Change a requirement's text, acceptance criteria or target (give at least one);
        its ID, list marker and the rest of the item stay. Returns the write's answer.
        Example: {"id": "SPEC-006", "req_id": "FR-2", "target": "p99 under 5 ms",
        "expected_hash": "0f100acc18057f46287c05bb1b8ec2d7"}"""
        return tools.update_requirement(
            id, req_id, expected_hash, text, acceptance, target, dry_run
        )

    @tool("set_field", read_only=False)
    def set_field(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-006")],
        field: Annotated[
            str, Field(description="Type, Tags, Reviewers, Author, ... (not Status, ID, Approvers)")
        ],
        value: Annotated[str, Field(description="the value, one line; a list as `a, b`")],
        expected_hash: Annotated[str, HASH],
        dry_run: Annotated[bool, DRY] = False,
    ) -> dict[str, Any]:
        """Set a header field in every place the document states it (bold line, Metadata,
        front matter, sidecar file), each in its own form; a missing field is added where
        the document keeps its fields. Status (use transition), ID, Approvers (use
        review), Modified and the supersede links are refused. Returns the write's answer.
        Example: {"id": "SPEC-006", "field": "Tags", "value": "api, limits",
        "expected_hash": "0f100acc18057f46287c05bb1b8ec2d7"}"""
        return tools.set_field(id, field, value, expected_hash, dry_run)

    @tool("check", read_only=False)
    def check(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-006")],
        expected_hash: Annotated[str, HASH],
        item: Annotated[
            str | None,
            Field(description="one checklist item: its number (1-based) or its text"),
        ] = None,
        all_in_section: Annotated[
            str | None, Field(description="tick every item of this section instead")
        ] = None,
        by: Annotated[str | None, Field(description="who ticks (for a `modified: {by}`)")] = None,
        dry_run: Annotated[bool, DRY] = False,
    ) -> dict[str, Any]:
        """Tick checklist items as `specbook check` does: one by number or text, or every
        item of a section; `[ ]` becomes `[x]` and the document's modified date follows.
        Returns the write's answer.
        Example: {"id": "SPEC-006", "all_in_section": "Pre-Deployment Checklist",
        "expected_hash": "0f100acc18057f46287c05bb1b8ec2d7"}"""
        return tools.check(id, expected_hash, item, all_in_section, by, dry_run)

    @tool("add_row", read_only=False)
    def add_row(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-006")],
        table_section: Annotated[
            str, Field(description="the section holding the table: Risk Assessment, Timeline")
        ],
        cells: Annotated[
            list[str], Field(min_length=1, description="one text per column, in column order")
        ],
        expected_hash: Annotated[str, HASH],
        dry_run: Annotated[bool, DRY] = False,
    ) -> dict[str, Any]:
        """Add a row to the first table of a section, after its last row; while every row
        is still the template's example, the new row takes their place. Refused when the
        cells do not match the columns, or when rule SB604 (Probability and Impact are
        High, Med or Low) or SB605 (a phase ends before it starts) would report the row.
        Returns the write's answer.
        Example: {"id": "SPEC-006", "table_section": "Risk Assessment", "cells": ["Redis
        outage", "Low", "High", "Fail open, alert"], "expected_hash":
        "0f100acc18057f46287c05bb1b8ec2d7"}"""
        return tools.add_row(id, table_section, cells, expected_hash, dry_run)

    @tool("supersede", read_only=False, destructive=True)
    def supersede(
        old: Annotated[str, Field(description="the document superseded, e.g. DEC-001")],
        new: Annotated[str, Field(description="the document that replaces it, e.g. DEC-004")],
        by: Annotated[str, Field(description="who supersedes (recorded in Review History)")],
        note: Annotated[str | None, Field(description="why, for the history row")] = None,
        expected_hash: Annotated[str | None, HASH] = None,
        expected_new_hash: Annotated[
            str | None, Field(description="the hash of `new` as you last read it")
        ] = None,
        dry_run: Annotated[bool, DRY] = False,
    ) -> dict[str, Any]:
        """Mark `old` as superseded by `new` (same kind), as `specbook supersede`: both
        files are edited or neither; `old` moves to its kind's archived status with a
        Review History row, and each records the link in its own form. Returns {message,
        documents: [{id, path, status, hash}], lint}; with dry_run, {message, dry_run,
        patch} and nothing written.
        Example: {"old": "DEC-001", "new": "DEC-004", "by": "Ana Lima",
        "note": "moved to Postgres"}"""
        return tools.supersede(old, new, by, note, expected_hash, expected_new_hash, dry_run)

    # -- prompts ---------------------------------------------------------------------------
    @server.prompt(
        name="draft_spec",
        title="Draft a spec from an idea",
        description="Create a spec from an idea and fill it section by section until lint "
        "is clean, ready for review.",
    )
    def draft_spec(idea: str, author: str = "") -> str:
        return DRAFT_SPEC.format(idea=idea, author=author or "the person you work for")

    @server.prompt(
        name="review_spec",
        title="Review a spec against the lint rules",
        description="Lint a document, explain each finding and propose fixes, then record "
        "a review.",
    )
    def review_spec(id: str) -> str:
        return REVIEW_SPEC.format(id=id)

    @server.prompt(
        name="plan_tasks",
        title="Plan implementation tasks from a spec's requirements",
        description="Turn each requirement of a spec into TASK documents and an "
        "Implementation Plan checklist.",
    )
    def plan_tasks(id: str) -> str:
        return PLAN_TASKS.format(id=id)

    @server.resource(
        DOC_URI,
        name="document",
        title="A document of the book",
        description="The Markdown text of document ID, e.g. specbook://doc/SPEC-001",
        mime_type="text/markdown",
    )
    def document(doc_id: str) -> str:
        with lock:
            try:
                return tools.document_text(doc_id)
            except SpecbookError as exc:
                raise ResourceNotFoundError(str(exc)) from exc

    return server


def serve(book: Book) -> None:
    """Run the MCP server over stdio until the client closes the connection."""
    build_server(book).run("stdio")
