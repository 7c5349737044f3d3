"""``specbook mcp``: one book as a Model Context Protocol server, for AI agents.

A thin adapter, like the CLI: every tool calls the library functions the CLI calls
(``new_document``, the lifecycle engine with its gates, the linter, the index, trace
and impact), so an agent can do what a person at the terminal can, and no more.

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
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp_types import Resource as MCPResource
from mcp_types import ToolAnnotations
from pydantic import Field

from specbook import __version__
from specbook.book import Book
from specbook.errors import NotFoundError, SpecbookError, UsageError
from specbook.model import Document
from specbook.store import DocSummary

DOC_URI = "specbook://doc/{doc_id}"
TOOL_NAMES = ("list", "get", "search", "create", "lint", "transition", "review", "trace", "impact")
_MD_SUFFIXES = (".md", ".markdown")

P = ParamSpec("P")
R = TypeVar("R")


def _looks_like_path(ref: str) -> bool:
    """The same test as :meth:`Book.find`: a path, not an ID."""
    return ref.lower().endswith(_MD_SUFFIXES) or "/" in ref or "\\" in ref or os.sep in ref


class BookTools:
    """The nine tools over one book, as plain methods returning JSON data.

    Each raises :class:`SpecbookError` (with the CLI's message) when it cannot act;
    :func:`build_server` turns that into a tool error.
    """

    def __init__(self, book: Book) -> None:
        self.book = book
        self.root = book.root.resolve()

    # -- keeping to the book -------------------------------------------------------------
    def inside(self, path: str) -> Path:
        """``path`` (relative to the book root, or absolute) as an absolute path inside
        the book. Raises :class:`UsageError` when it is empty or resolves outside."""
        text = path.strip()
        if not text or "\x00" in text:
            raise UsageError(f"{path!r} is not a path; give one relative to the book root")
        full = (self.root / text).resolve()  # an absolute `text` replaces the root
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
            "id": doc.id,
            "path": doc.path,
            "status": doc.status,
            "status_canonical": doc.status_canonical,
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
        from specbook.jsonout import list_entry
        from specbook.show import filter_documents, same_id_paths, shared_ids

        kind_name = self.book.kind(kind).name if kind else None
        # (an empty book is an error, as in `specbook list`: not an empty list)
        every = list(self.book.documents(self.book.require_documents()))
        same = same_id_paths(shared_ids(every))
        docs = filter_documents(every, kind=kind_name, status=status, type_=type_, tag=tag)
        return {"documents": [list_entry(d, same.get(d.path or "", [])) for d in docs]}

    def get(self, ref: str, section: str | None = None) -> dict[str, Any]:
        from specbook.jsonout import document_json

        doc = self.load(ref)
        if section is None:
            return document_json(doc)
        want = section.strip().casefold()
        found = doc.section(want) or next(
            (s for s in doc.all_sections() if s.title.casefold() == want), None
        )
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
        return {"results": [hit_json(h) for h in hits]}

    def create(
        self, kind: str, title: str, type_: str | None = None, author: str | None = None
    ) -> dict[str, Any]:
        from specbook.create import new_document

        path = new_document(self.book, kind, title, type_=type_, author=author)
        doc = self.book.load(path)
        return {
            "id": doc.id,
            "path": self.book.rel(path),
            "title": doc.title,
            "status": doc.status,
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
        self, ref: str, status: str, by: str, note: str | None = None, force: bool = False
    ) -> dict[str, Any]:
        from specbook import lifecycle

        target = self._ref(ref)
        message = lifecycle.transition(
            self.book,
            target,
            status,
            by=self._who(by),
            note=note,
            force=force,
            lint_errors=lifecycle.lint_gate(self.book),
        )
        return self._outcome(message, target)

    def review(self, ref: str, verdict: str, by: str, note: str | None = None) -> dict[str, Any]:
        from specbook import lifecycle

        if verdict not in ("approve", "request-changes", "comment"):
            raise UsageError(
                f"unknown verdict {verdict!r}; say approve, request-changes or comment"
            )
        target = self._ref(ref)
        message = lifecycle.review(self.book, target, verdict, by=self._who(by), note=note)
        return self._outcome(message, target)

    def trace(self) -> dict[str, Any]:
        from specbook.trace.coverage import trace_book

        return trace_book(self.book).to_json()

    def impact(self, paths: list[str]) -> dict[str, Any]:
        from specbook.trace.impact import impact

        if not paths:
            raise UsageError("give the changed files as paths relative to the book root")
        files = [self.inside(p).relative_to(self.root).as_posix() for p in paths]
        return impact(self.book, files).to_json()

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
                "them with `create`, check them with `lint`, and move them through their "
                "lifecycle with `review` and `transition`, through the same gates as the CLI. "
                "Paths are relative to the book root."
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
    """The MCP server over ``book``, its nine tools and the document resources."""
    tools = BookTools(book)
    server = BookServer(tools)
    lock = threading.Lock()  # one call at a time: the index and the files see one writer

    def tool(
        name: str, read_only: bool
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
                    read_only_hint=read_only, destructive_hint=False, open_world_hint=False
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
        title, status, status_canonical, type, path, date, modified, tags}]}, as
        `specbook list --json`."""
        return tools.list_documents(kind, status, type, tag)

    @tool("get", read_only=True)
    def get(
        id: Annotated[str, Field(description="a document ID (SPEC-001) or a .md path in the book")],
        section: Annotated[
            str | None, Field(description="only this section, by its name (e.g. Requirements)")
        ] = None,
    ) -> dict[str, Any]:
        """Read one document: its whole model as `specbook show --json` (fields, sections,
        requirements, references, checklists, tables, review history, each with line
        numbers), or with `section` just that section: {id, path, section, template_name,
        level, line, end_line, text} where text is the section's Markdown."""
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
        Returns {"results": [{id, title, status, path, line, snippet, score}]}; the
        snippet marks matched words with **."""
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
        filled in. Returns {id, path, title, status, uri}. Edit the file to fill in the
        template's [prompts], then `lint` it."""
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
        (warnings); from Review on they are errors."""
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
    ) -> dict[str, Any]:
        """Move a document to another status through its kind's workflow and gates, as
        `specbook status`: to Review, no lint errors; to Approved, the approvals needed
        since the last move to Review, none by the author; to Implemented, every
        Implementation Plan item checked; to Archived, a note. A refused move is an error
        naming every unmet gate. Changes only the Status, the Modified date and one new
        Review History row. Returns {message, id, path, status, status_canonical,
        review_history_row}."""
        return tools.transition(id, status, by, note, force)

    @tool("review", read_only=False)
    def review(
        id: Annotated[str, Field(description="the document ID, e.g. SPEC-001")],
        verdict: Literal["approve", "request-changes", "comment"],
        by: Annotated[str, Field(description="the reviewer (recorded in Review History)")],
        note: Annotated[str | None, Field(description="the feedback")] = None,
    ) -> dict[str, Any]:
        """Record a review in the document's Review History, as `specbook review`: approve
        adds the reviewer to Approvers, every review adds them to Reviewers, and
        request-changes on a document in Review moves it back to its first status.
        Returns {message, id, path, status, status_canonical, review_history_row}."""
        return tools.review(id, verdict, by, note)

    @tool("trace", read_only=True)
    def trace() -> dict[str, Any]:
        """Which tests cover each requirement (FR/NFR) of the book: the `specbook trace
        --json` object {version, code, documents, uncovered, bad_tags, missing_tests,
        summary}."""
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
        kind, path, matches: [{file, listed, line, section, checked}]}], unmatched}."""
        return tools.impact(paths)

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
