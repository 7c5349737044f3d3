"""``specbook mcp`` end to end: the SDK's own client talks to the real command over stdio.

One server process serves the module (a copy of examples/book), driven through a
blocking portal so the tests stay plain functions. Dates are pinned with
SPECBOOK_TODAY in the server's environment.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from click.testing import CliRunner
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent, TextResourceContents

import specbook.cli.agent  # noqa: F401  (registers `mcp` until specbook.cli imports it)
from specbook.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "book"
TODAY = "2026-12-01"
# The real `mcp` command, whether or not specbook.cli lists its module yet.
SERVER_ARGS = ["-m", "specbook", "mcp"]
NINE = {"list", "get", "search", "create", "lint", "transition", "review", "trace", "impact"}
WRITE_TOOLS = {
    "write_section",
    "add_requirement",
    "update_requirement",
    "set_field",
    "check",
    "add_row",
    "supersede",
}


class Agent:
    """A connected MCP client session, called from synchronous tests."""

    def __init__(self, portal: BlockingPortal, session: ClientSession, log: Path) -> None:
        self.portal = portal
        self.session = session
        self.log = log

    def call(self, tool: str, **arguments: Any) -> CallToolResult:
        result = self.portal.call(self.session.call_tool, tool, arguments)
        assert isinstance(result, CallToolResult)
        return result

    def ok(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = self.call(tool, **arguments)
        assert not result.is_error, _text(result)
        assert result.structured_content is not None
        # the text an agent reads is the same JSON
        assert json.loads(_text(result)) == result.structured_content
        return result.structured_content

    def error(self, tool: str, **arguments: Any) -> str:
        result = self.call(tool, **arguments)
        assert result.is_error, f"{tool} {arguments} should fail; got {_text(result)[:300]}"
        text = _text(result)
        if tool in NINE | WRITE_TOOLS:
            assert text.startswith(f"Error executing tool {tool}: "), text
        return text

    def read(self, uri: str) -> TextResourceContents:
        result = self.portal.call(self.session.read_resource, uri)
        (content,) = result.contents
        assert isinstance(content, TextResourceContents)
        return content


def _text(result: CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, TextContent))


def _copy_book(where: Path) -> Path:
    root = where / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    return root


@asynccontextmanager
async def _connect(params: StdioServerParameters, errlog: Any) -> AsyncIterator[ClientSession]:
    async with (
        stdio_client(params, errlog=errlog) as (read, write),
        ClientSession(read, write, read_timeout_seconds=60) as session,
    ):
        await session.initialize()
        yield session


def _serve(cwd: Path, log: Path, *extra: str) -> Iterator[Agent]:
    params = StdioServerParameters(
        command=sys.executable,
        args=[*SERVER_ARGS, *extra],
        cwd=cwd,
        env={"SPECBOOK_TODAY": TODAY},
    )
    with (
        log.open("w", encoding="utf-8") as errlog,
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(_connect(params, errlog)) as session,
    ):
        yield Agent(portal, session, log)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_book(tmp_path_factory.mktemp("mcp"))


@pytest.fixture(scope="module")
def agent(book: Path) -> Iterator[Agent]:
    yield from _serve(book, book.parent / "server.log")


@pytest.fixture
def cli(book: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI in the same book, for comparing its JSON with the tools'."""
    monkeypatch.chdir(book)
    monkeypatch.setenv("SPECBOOK_TODAY", TODAY)
    return CliRunner()


def _cli_json(cli: CliRunner, *args: str) -> Any:
    out = cli.invoke(main, list(args))
    assert out.exit_code in (0, 1) and out.stdout, (out.output, out.exc_info)
    return json.loads(out.stdout)


def _hashed(data: Any, book: Path) -> Any:
    """``data`` (a document or a list of them) without the ``hash`` the tools add, after
    checking it is each document's content hash."""
    from specbook.core.digest import content_hash

    for d in data if isinstance(data, list) else [data]:
        path = d["path"]
        assert d.pop("hash") == content_hash((book / path).read_bytes()), path
    return data


# -- what the server offers ---------------------------------------------------------------
def test_the_tools_with_their_input_schemas(agent: Agent) -> None:
    tools = {t.name: t for t in agent.portal.call(agent.session.list_tools).tools}
    assert set(tools) == NINE | WRITE_TOOLS
    assert set(tools["transition"].input_schema["required"]) == {"id", "status", "by"}
    assert set(tools["create"].input_schema["required"]) == {"kind", "title"}
    verdict = tools["review"].input_schema["properties"]["verdict"]
    assert verdict["enum"] == ["approve", "request-changes", "comment"]
    assert tools["get"].annotations is not None and tools["get"].annotations.read_only_hint
    assert tools["transition"].annotations is not None
    assert tools["transition"].annotations.read_only_hint is False
    assert all(t.description for t in tools.values())


def test_documents_are_listed_and_read_as_resources(agent: Agent, book: Path) -> None:
    listed = agent.portal.call(agent.session.list_resources).resources
    by_uri = {r.uri: r for r in listed}
    for doc_id in ("SPEC-001", "SPEC-005", "DEC-003", "BUG-002", "TASK-001"):
        assert f"specbook://doc/{doc_id}" in by_uri
    spec = by_uri["specbook://doc/SPEC-001"]
    assert spec.mime_type == "text/markdown"
    assert spec.title == "SPEC-001: Shipment tracking API"
    content = agent.read("specbook://doc/SPEC-001")
    assert content.mime_type == "text/markdown"
    on_disk = (book / "docs/specs/SPEC-001-shipment-tracking-api.md").read_bytes().decode()
    assert content.text == on_disk
    templates = agent.portal.call(agent.session.list_resource_templates).resource_templates
    assert [t.uri_template for t in templates] == ["specbook://doc/{doc_id}"]
    with pytest.raises(MCPError, match="SPEC-999: no document with this ID"):
        agent.read("specbook://doc/SPEC-999")


# -- an agent's day: create, find, check, review, move ------------------------------------
def test_create_search_lint_review_and_approve_a_spec(agent: Agent, book: Path) -> None:
    made = agent.ok(
        "create",
        kind="spec",
        title="Rate limits for the tracking API",
        type="feature",
        author="Ana Lima",
    )
    assert made["id"] == "SPEC-006"
    assert made["path"] == "docs/specs/SPEC-006-rate-limits-for-the-tracking-api.md"
    assert made["uri"] == "specbook://doc/SPEC-006"
    path = book / made["path"]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Technical Specification: Rate limits for the tracking API\n")
    for line in ("**ID**: SPEC-006", "**Status**: Draft", "**Type**: Feature"):
        assert line in text
    assert f"**Created**: {TODAY}" in text and "**Author**: Ana Lima" in text

    hits = agent.ok("search", query="rate limits tracking", limit=5)["results"]
    assert hits[0]["id"] == "SPEC-006" and hits[0]["path"] == made["path"]
    assert "**" in hits[0]["snippet"]
    filtered = agent.ok("search", query="kind:spec status:draft rate")["results"]
    assert filtered[0]["id"] == "SPEC-006"
    assert {h["status"] for h in filtered} == {"Draft"}

    report = agent.ok("lint", paths=[made["path"]])
    assert report["version"] == 1
    assert report["summary"]["documents"] == 1 and report["summary"]["errors"] == 0
    assert report["summary"]["warnings"] > 0  # a Draft may keep the template's prompts
    assert {f["path"] for f in report["findings"]} == {made["path"]}
    assert "SB205" in {f["rule"] for f in report["findings"]}

    moved = agent.ok("transition", id="SPEC-006", status="Review", by="Ana Lima")
    assert moved["message"] == "SPEC-006: Draft -> Review"
    assert moved["status"] == "Review"
    assert moved["review_history_row"] | {"line": 0} == {
        "date": TODAY,
        "reviewer": "Ana Lima",
        "status": "Review",
        "feedback": "",
        "line": 0,
    }

    # the approvals gate: nobody has approved yet, and a refusal writes nothing
    before = path.read_bytes()
    refused = agent.error("transition", id="SPEC-006", status="Approved", by="Ana Lima")
    assert "SPEC-006: cannot move to Approved" in refused
    assert "gate approvals: needs 1 approval(s) since the last move to Review" in refused
    assert path.read_bytes() == before

    reviewed = agent.ok(
        "review", id="SPEC-006", verdict="approve", by="Bo Chen", note="Limits look right"
    )
    assert reviewed["message"] == "SPEC-006: approve by Bo Chen"
    assert reviewed["status"] == "Review"
    approved = agent.ok("transition", id="SPEC-006", status="Approved", by="Ana Lima")
    assert approved["message"] == "SPEC-006: Review -> Approved"

    text = path.read_text(encoding="utf-8")
    assert "**Status**: Approved" in text
    assert "**Approvers**: Bo Chen" in text and "**Reviewers**: Bo Chen" in text
    rows = [ln for ln in text.splitlines() if ln.startswith(f"| {TODAY} |")]
    assert rows == [
        f"| {TODAY} | Ana Lima | Review |  |",
        f"| {TODAY} | Bo Chen | Approve | Limits look right |",
        f"| {TODAY} | Ana Lima | Approved |  |",
    ]
    model = agent.ok("get", id="SPEC-006")
    assert model["status"] == "Approved"
    assert [r["status"] for r in model["review_history"]][-3:] == ["Review", "Approve", "Approved"]
    assert agent.read("specbook://doc/SPEC-006").text == text
    listed = agent.portal.call(agent.session.list_resources).resources
    assert "specbook://doc/SPEC-006" in {r.uri for r in listed}


def test_the_no_errors_gate_refuses_and_force_passes_saying_so(agent: Agent, book: Path) -> None:
    made = agent.ok("create", kind="spec", title="Quota alarms", author="Ana Lima")
    path = book / made["path"]
    # the agent edits the file with its own tools and leaves an impossible date
    path.write_bytes(
        path.read_bytes().replace(f"**Date**: {TODAY}".encode(), b"**Date**: 2026-13-45")
    )
    report = agent.ok("lint", paths=[made["path"]])
    assert "SB104" in {f["rule"] for f in report["findings"] if f["severity"] == "error"}

    before = path.read_bytes()
    refused = agent.error("transition", id=made["id"], status="Review", by="Ana Lima")
    assert f"{made['id']}: cannot move to Review" in refused
    assert "gate no-errors: `specbook lint` reports 1 error(s)" in refused
    assert "SB104" in refused
    assert path.read_bytes() == before

    forced = agent.ok(
        "transition",
        id=made["id"],
        status="Review",
        by="Ana Lima",
        note="date fixed next",
        force=True,
    )
    assert forced["message"] == f"{made['id']}: Draft -> Review (forced)"
    assert forced["review_history_row"]["feedback"] == "forced past: no-errors; date fixed next"
    assert f"| {TODAY} | Ana Lima | Review | forced past: no-errors; date fixed next |" in (
        path.read_text(encoding="utf-8")
    )


def test_request_changes_sends_a_document_in_review_back_to_draft(agent: Agent) -> None:
    back = agent.ok(
        "review", id="SPEC-003", verdict="request-changes", by="Bo Chen", note="add a target"
    )
    assert back["message"] == "SPEC-003: changes requested by Bo Chen; back to Draft"
    assert back["status"] == "Draft"


# -- the same JSON as the CLI -------------------------------------------------------------
def test_read_tools_give_the_cli_json(agent: Agent, cli: CliRunner, book: Path) -> None:
    spec_001 = "docs/specs/SPEC-001-shipment-tracking-api.md"
    # (the tools add each document's content hash, for the write tools' expected_hash)
    assert _hashed(agent.ok("list", kind="spec")["documents"], book) == _cli_json(
        cli, "list", "--kind", "spec", "--json"
    )
    listed = agent.ok("list", status="accepted", type="architecture")["documents"]
    assert _hashed(listed, book) == _cli_json(
        cli, "list", "--status", "accepted", "--type", "architecture", "--json"
    )
    assert _hashed(agent.ok("get", id="SPEC-001"), book) == _cli_json(
        cli, "show", "SPEC-001", "--json"
    )
    assert agent.ok("get", id=spec_001) == agent.ok("get", id="spec-001")
    assert agent.ok("lint", paths=[spec_001]) == _cli_json(
        cli, "lint", "--format", "json", spec_001
    )
    assert agent.ok("lint") == _cli_json(cli, "lint", "--format", "json")
    assert _hashed(agent.ok("search", query="webhook")["results"], book) == _cli_json(
        cli, "search", "webhook", "--json"
    )
    assert agent.ok("trace") == _cli_json(cli, "trace", "--json")
    changed = ["parcel/api/shipments.py", "./parcel/webhooks/", "nowhere.txt"]
    assert agent.ok("impact", paths=changed) == _cli_json(cli, "impact", *changed, "--json")


def test_get_one_section_as_markdown(agent: Agent, book: Path) -> None:
    part = agent.ok("get", id="SPEC-001", section="summary")
    assert part["section"] == "Summary" and part["level"] == 2
    lines = (book / part["path"]).read_text(encoding="utf-8").split("\n")
    assert part["text"].startswith("## Summary\n")
    assert part["text"] == "\n".join(lines[part["line"] - 1 : part["end_line"]]) + "\n"
    missing = agent.error("get", id="SPEC-001", section="Epilogue")
    assert "SPEC-001: no section 'Epilogue'; it has: " in missing and "Summary" in missing


# -- refused inputs: tool errors, and the session goes on ---------------------------------
@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("review", {"id": "SPEC-001", "verdict": "lgtm", "by": "Bo"}, "'approve', 'request-changes' or 'comment'"),
        ("create", {"kind": "spec"}, "title\n  Field required"),
        ("create", {"kind": "memo", "title": "X"}, "unknown kind 'memo'; this book has: SPEC, DEC, BUG, TASK"),
        ("create", {"kind": "spec", "title": "   "}, "the title is empty"),
        ("create", {"kind": "spec", "title": "X", "type": "Poem"}, "unknown type 'Poem' for SPEC"),
        ("transition", {"id": "SPEC-999", "status": "Review", "by": "Bo"}, "SPEC-999: no document with this ID"),
        ("transition", {"id": "SPEC-004", "status": "Shipped", "by": "Bo"}, "unknown status 'Shipped' for SPEC"),
        ("transition", {"id": "SPEC-004", "status": "Implemented", "by": "Bo"}, "Draft -> Implemented is not a move"),
        ("transition", {"id": "SPEC-004", "status": "Archived", "by": "Bo"}, "gate note: archiving needs a note"),
        ("transition", {"id": "SPEC-004", "status": "Review", "by": "  "}, "`by` is empty"),
        ("transition", {"id": "SPEC-004", "status": "Review", "by": "Bo", "force": "maybe"}, "force\n  Input should be a valid boolean"),
        ("search", {"query": "webhook", "limit": 0}, "limit\n  Input should be greater than or equal to 1"),
        ("search", {"query": '"unclosed'}, "the quote at character 1 is never closed"),
        ("search", {"query": "  "}, "the query is empty"),
        ("list", {"kind": "memo"}, "unknown kind 'memo'"),
        ("impact", {"paths": []}, "paths\n  List should have at least 1 item"),
        ("lint", {"paths": ["docs/specs/SPEC-404.md"]}, "docs/specs/SPEC-404.md: no such file or folder"),
        ("get", {"id": "./specbook.toml"}, "specbook.toml: not a Markdown file"),
        ("nope", {}, "Unknown tool: nope"),
    ],
)  # fmt: skip
def test_a_bad_input_is_a_tool_error_and_the_session_goes_on(
    agent: Agent, tool: str, arguments: dict[str, Any], message: str
) -> None:
    assert message in agent.error(tool, **arguments)
    assert agent.ok("list", kind="bug")["documents"]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("lint", {"paths": ["../../etc/passwd"]}),
        ("lint", {"paths": ["docs", "/etc"]}),
        ("get", {"id": "/etc/passwd"}),
        ("get", {"id": "../outside.md"}),
        ("get", {"id": "notes/escape.md"}),  # a symlink out of the book
        ("impact", {"paths": ["../../secret.py"]}),
        ("transition", {"id": "../outside.md", "status": "Review", "by": "Bo"}),
        ("review", {"id": "/tmp/../outside.md", "verdict": "approve", "by": "Bo"}),
    ],
)
def test_a_path_outside_the_book_is_refused(
    agent: Agent, book: Path, tool: str, arguments: dict[str, Any]
) -> None:
    outside = book.parent / "outside.md"
    if not outside.exists():
        outside.write_bytes(b"# Technical Specification: Elsewhere\n\n**Status**: Draft\n")
        (book / "notes").mkdir()
        (book / "notes/escape.md").symlink_to(outside)
    before = outside.read_bytes()
    assert "outside the book at " in agent.error(tool, **arguments)
    assert outside.read_bytes() == before


def test_no_call_crashed_the_server(agent: Agent) -> None:
    """Every refusal above was an anticipated error, not an exception the SDK caught."""
    agent.ok("list")
    log = agent.log.read_text(encoding="utf-8")
    assert "Traceback" not in log and "unexpected exception" not in log, log


# -- which book ----------------------------------------------------------------------------
def test_book_option_serves_a_book_from_elsewhere(tmp_path: Path) -> None:
    root = _copy_book(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for other in _serve(elsewhere, tmp_path / "server.log", "--book", str(root / "docs")):
        made = other.ok("create", kind="task", title="Rotate webhook secrets", author="Ana Lima")
        assert made["id"] == "TASK-004"
        assert (root / made["path"]).is_file()
        assert len(other.ok("list", kind="task")["documents"]) == 4


def test_outside_a_book_the_command_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["mcp"])
    assert out.exit_code == 2
    assert "no specbook.toml in" in out.output and "specbook init" in out.output
