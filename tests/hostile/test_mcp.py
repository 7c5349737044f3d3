"""``specbook mcp`` over the hostile books (issue 17, "Must show" 2).

An agent (the MCP SDK's own client) talks to the real command over stdio, a process of
its own in the book, with the secret's marker in its environment too. Every tool and
the document resources run over the book of every hostile file but the 50 MB one:
listing, reading (by ID, by path, by section, as a resource), search, lint, trace and
impact, with the hostile documents and with every way to name what lies outside the
book (IDs of documents there, links leading there, ``..``, absolute paths); writes
(create, review, transition) on hostile documents, and refused when they would land
outside. Then the 50 MB document: listed, found, a section of it read, and its text
as a resource. Nothing returned holds the marker, the server never crashes (every call
after a refused one is answered), its log has no traceback, and nothing outside the
book changed.

Bounds: each call within 30 s over the book of every hostile file (they take under
2 s; the first, which indexes the book, 1-4 s), 90 s over the 50 MB book (its text as
a resource, 50 MB, takes 2-5 s); the module takes about 20 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent, TextResourceContents

from tests.hostile.books import HUGE_ID, MARKER, ORDINARY, HostileBook
from tests.hostile.conftest import env

BOUND = 30
BOUND_HUGE = 90
# Documents that lie outside the book (or cannot be read): never listed, read or found.
OUTSIDE_IDS = ["SPEC-060", "SPEC-061", "SPEC-062", "SPEC-096", "SPEC-097", "TASK-050"]
# (asking for an unknown ID parses every document, to say which there are: a few)
ASKED_IDS = ["SPEC-060", "SPEC-061", "SPEC-097", "TASK-050"]


class Agent:
    """A connected MCP client session, called from synchronous tests; every answer is
    checked for the marker."""

    def __init__(self, portal: BlockingPortal, session: ClientSession, hb: HostileBook) -> None:
        self.portal = portal
        self.session = session
        self.hb = hb

    def call(self, tool: str, **arguments: Any) -> CallToolResult:
        result = self.portal.call(self.session.call_tool, tool, arguments)
        assert isinstance(result, CallToolResult)
        assert MARKER not in text_of(result), (tool, arguments)
        return result

    def ok(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = self.call(tool, **arguments)
        assert not result.is_error, (tool, arguments, text_of(result)[:500])
        assert result.structured_content is not None
        return result.structured_content

    def refused(self, tool: str, **arguments: Any) -> str:
        result = self.call(tool, **arguments)
        text = text_of(result)
        assert result.is_error, f"{tool} {arguments} should be refused; got {text[:300]}"
        assert text.startswith(f"Error executing tool {tool}: "), text  # (not a crash)
        return text

    def read(self, uri: str) -> str:
        result = self.portal.call(self.session.read_resource, uri)
        (content,) = result.contents
        assert isinstance(content, TextResourceContents)
        assert MARKER not in content.text, uri
        return content.text

    def unreadable(self, uri: str) -> str:
        with pytest.raises(MCPError) as err:
            self.portal.call(self.session.read_resource, uri)
        assert MARKER not in str(err.value)
        return str(err.value)


def text_of(result: CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, TextContent))


@asynccontextmanager
async def connect(
    params: StdioServerParameters, errlog: Any, timeout: float
) -> AsyncIterator[ClientSession]:
    async with (
        stdio_client(params, errlog=errlog) as (read, write),
        ClientSession(read, write, read_timeout_seconds=timeout) as session,
    ):
        await session.initialize()
        yield session


@contextmanager
def agent_over(hb: HostileBook, timeout: float) -> Iterator[Agent]:
    """``specbook mcp`` in the book, until the caller is done; then its log checked."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "specbook", "mcp"],
        cwd=hb.root,
        env={**env(), "HOSTILE_SECRET": MARKER},
    )
    log = hb.out / "mcp.log"
    with (
        log.open("w", encoding="utf-8") as errlog,
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(connect(params, errlog, timeout)) as session,
    ):
        yield Agent(portal, session, hb)
    text = log.read_bytes()
    assert b"Traceback" not in text, text.decode("utf-8", "backslashreplace")[-5000:]
    assert MARKER.encode() not in text


@pytest.fixture(scope="module")
def agent(all_book: HostileBook) -> Iterator[Agent]:
    with agent_over(all_book, BOUND) as made:
        yield made


# -- reading -----------------------------------------------------------------------------
def test_listing_reading_and_searching_keep_to_the_book(agent: Agent) -> None:
    hb = agent.hb
    ids = {d["id"] for d in agent.ok("list")["documents"]}
    assert set(ORDINARY) | set(hb.hostile.listed) <= ids
    assert not ids & set(OUTSIDE_IDS)
    for doc_id in [*ORDINARY, *hb.hostile.listed]:
        assert agent.ok("get", id=doc_id)["id"] == doc_id
    for doc_id, path in hb.hostile.listed.items():
        assert agent.ok("get", id=path)["id"] == doc_id
        assert agent.ok("get", id=doc_id, section="Summary")["section"] == "Summary"
    outside = hb.outside / "passwd"
    for ref in [
        *ASKED_IDS,
        *sorted(hb.hostile.skipped),
        "docs/specs/vault/SPEC-061-vault.md",
        "docs/specs/SPEC-062-vault.md",
        "docs/tasks/TASK-050-secret.md",
        "../outside/passwd",
        "docs/../../outside/passwd",
        str(outside),
        "/etc/passwd",
    ]:
        agent.refused("get", id=ref)
    assert agent.ok("search", query="carrier")["results"]
    for query in ("wombat", "root", "secret vault", "kind:task"):
        hits = agent.ok("search", query=query)["results"]
        assert not {h["id"] for h in hits} & set(OUTSIDE_IDS), (query, hits)


def test_lint_trace_and_impact_keep_to_the_book(agent: Agent) -> None:
    hb = agent.hb
    report = agent.ok("lint")
    assert {f["path"] for f in report["findings"] if f["rule"] == "SB002"} == hb.hostile.skipped
    assert agent.ok("lint", paths=["docs/specs"])["summary"]["documents"] > len(hb.hostile.listed)
    for paths in (["docs/specs/vault"], ["docs/tasks"], ["docs/bugs/passwd.md"], ["../outside"]):
        agent.refused("lint", paths=paths)
    traced = agent.ok("trace")
    assert "test_secret.py" not in json.dumps(traced)
    assert agent.ok("impact", paths=["parcel/api/shipments.py"])["files"]
    for paths in (["tests/test_secret.py"], ["docs/tasks/TASK-050-secret.md"], ["/etc/passwd"]):
        agent.refused("impact", paths=paths)


def test_resources_keep_to_the_book(agent: Agent) -> None:
    hb = agent.hb
    listed = agent.portal.call(agent.session.list_resources).resources
    uris = {str(r.uri) for r in listed}
    for doc_id in [*ORDINARY, *hb.hostile.listed]:
        assert f"specbook://doc/{doc_id}" in uris
        assert agent.read(f"specbook://doc/{doc_id}")
    assert not {u for u in uris if u.rsplit("/", 1)[-1] in OUTSIDE_IDS}
    # the text is the file's, line endings as they are (CR-only here)
    assert "\r" in agent.read("specbook://doc/SPEC-092")
    for name in [*ASKED_IDS, "docs%2Fspecs%2FSPEC-060-passwd.md", "..%2F..%2Foutside%2Fpasswd"]:
        agent.unreadable(f"specbook://doc/{name}")


# -- writing -----------------------------------------------------------------------------
def test_writes_on_hostile_documents_and_none_outside(agent: Agent) -> None:
    """Writes on the hostile documents are made (or refused with a message); writes that
    would land outside the book are refused: a new task (its kind folder is a link to a
    folder outside), reviews and moves of what links lead to."""
    hb = agent.hb
    made = agent.ok("create", kind="spec", title="Still works", author="Ana")
    assert (hb.root / made["path"]).is_file()
    agent.refused("create", kind="task", title="Lands outside", author="Ana")
    for ref in ["TASK-050", "SPEC-061", "docs/bugs/passwd.md", "docs/specs/SPEC-060-passwd.md"]:
        agent.refused("review", id=ref, verdict="approve", by="Bo")
        agent.refused("transition", id=ref, status="Review", by="Bo", force=True)
    agent.refused("review", id=str(hb.outside / "passwd"), verdict="comment", by="Bo")
    # (writes on the deep documents are the CLI module's: each takes seconds here)
    for doc_id in sorted(set(hb.hostile.listed) - {"SPEC-098", "SPEC-099"}):
        path = hb.root / hb.hostile.listed[doc_id]
        for tool, args in (
            ("review", {"verdict": "comment", "by": "Bo", "note": "read"}),
            ("transition", {"status": "Review", "by": "Bo", "force": True}),
        ):
            before = path.read_bytes()
            result = agent.call(tool, id=doc_id, **args)
            after = path.read_bytes()
            if result.is_error:  # refused, saying why, and nothing written
                assert text_of(result).startswith(f"Error executing tool {tool}: "), result
                assert after == before, doc_id
            elif b"\n" not in before:  # CR-only: the lines written end as the file's do
                assert b"\n" not in after, doc_id
    assert agent.ok("list")["documents"]  # (and the server still answers)


# -- the 50 MB document --------------------------------------------------------------------
class LineAgent:
    """A bare MCP client over stdio: one JSON-RPC message a line, read whole. (The SDK's
    client joins the chunks of a line by adding each to all before it: the 65 MB answer
    of `get` on the 50 MB document took it a minute, the server 10 s.)"""

    def __init__(self, hb: HostileBook, timeout: float) -> None:
        self.timeout = timeout
        self.log = (hb.out / "mcp-huge.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "specbook", "mcp"],
            cwd=hb.root,
            env={**env(), "HOSTILE_SECRET": MARKER},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        self.last = 0
        self.request(
            "initialize",
            protocolVersion="2025-06-18",
            capabilities={},
            clientInfo={"name": "hostile", "version": "1"},
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, **params: Any) -> dict[str, Any]:
        """The result of one request; the answer within the timeout (else the server
        is killed and the test fails), without the marker."""
        self.last += 1
        self.send({"jsonrpc": "2.0", "id": self.last, "method": method, "params": params})
        assert self.proc.stdout is not None
        timer = threading.Timer(self.timeout, self.proc.kill)
        timer.start()
        try:
            while True:
                line = self.proc.stdout.readline()
                assert line, (
                    f"{method} {params}: the server closed (killed after {self.timeout} s?)"
                )
                answer = json.loads(line)
                if answer.get("id") == self.last:
                    break
        finally:
            timer.cancel()
        assert MARKER.encode() not in line
        assert "result" in answer, answer
        result: dict[str, Any] = answer["result"]
        return result

    def tool(self, name: str, **arguments: Any) -> dict[str, Any]:
        result = self.request("tools/call", name=name, arguments=arguments)
        assert not result.get("isError"), result
        structured: dict[str, Any] = result["structuredContent"]
        return structured

    def close(self) -> bytes:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return Path(self.log.name).read_bytes()


def test_the_50mb_document_over_mcp(huge_book: HostileBook) -> None:
    """Listed, found, a section of it, and its text as a resource (a 50 MB answer). (Its
    whole model, 65 MB of JSON, is the portal module's: the same `document_json` as
    GET /api/documents/SPEC-095.)"""
    agent = LineAgent(huge_book, BOUND_HUGE)
    try:
        assert HUGE_ID in {d["id"] for d in agent.tool("list")["documents"]}
        assert HUGE_ID in {h["id"] for h in agent.tool("search", query="carrier")["results"]}
        assert agent.tool("get", id=HUGE_ID, section="Summary")["section"] == "Summary"
        (content,) = agent.request("resources/read", uri=f"specbook://doc/{HUGE_ID}")["contents"]
        size = (huge_book.root / huge_book.hostile.listed[HUGE_ID]).stat().st_size
        assert len(content["text"]) == size
    finally:
        log = agent.close()
    assert b"Traceback" not in log and MARKER.encode() not in log, log[-3000:]
