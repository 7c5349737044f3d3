"""The MCP write tools end to end: an agent writes a spec section by section through the
SDK's stdio client, two agents race on one document, bad input is refused, and what
write_section writes `get` reads back (hypothesis, through the tools' own code).

Dates are pinned with SPECBOOK_TODAY in the server's environment (and by the suite's
autouse fixture in this process).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specbook.core.errors import SpecbookError
from specbook.mcp.server import PROMPT_NAMES, TOOL_NAMES, BookTools
from specbook.parse import parse
from specbook.services.zeroconf import open_book
from tests.test_mcp import Agent, _copy_book, _serve

AUTHOR = "Ana Lima"

# What the agent writes into each section of the template that holds prompts.
SECTIONS = {
    "Summary": "Per-API-key rate limits for the shipment tracking API, so one client "
    "cannot starve the others.",
    "Context / Background": "Two clients polled `/shipments` every 50 ms during the "
    "November peak and slowed every other client down.",
    "Related Work": "- Related Decisions: DEC-001",
    "Context / Dependencies": "- Redis 7 for the counters",
    "Out of Scope": "Billing for extra quota.",
    "Architecture Overview": (
        "A token bucket per API key, kept in Redis, checked by a middleware.\n"
        "\n"
        "```text\n"
        "client -> limiter middleware -> Redis (INCR + EXPIRE) -> handler\n"
        "```"
    ),
    "Component Design": (
        "#### Component 1: Limiter middleware\n"
        "**Purpose**: counts requests per key and answers 429 past the limit\n"
        "**Location**: `parcel/api/limits.py`"
    ),
    "New/Modified Tables": "None: the counters live in Redis only.",
    "Data Flow": "1. The middleware increments `rl:{key}:{minute}`.\n2. Past 100 it answers 429.",
    "Files to Create": "- [ ] `parcel/api/limits.py` - the middleware",
    "Files to Modify": "- [ ] `parcel/api/app.py` - install the middleware",
    "Dependencies to Add": "```\nredis>=5.0  # the counters\n```",
    "Configuration Changes": "```yaml\nrate_limit_per_minute: 100\n```",
    "Unit Tests": "- [ ] `test_limit_per_key()` - the 101st request in a minute gets 429",
    "Integration Tests": "- [ ] `test_limit_with_redis()` - counts survive a restart",
    "Manual Testing": "1. Run `hey -n 200` against staging and count the 429s.",
    "Test Data Required": "Two API keys of the staging tenant.",
    "Deployment Steps": "1. Deploy with the limit at 1000/min.\n2. Lower it to 100/min.",
    "Rollback Plan": "Set `RATE_LIMIT=off` and restart.",
    "Monitoring": "The rate of 429 answers per key, on the API dashboard.",
    "Alternatives Considered": (
        "### Alternative 1: Limits in the load balancer\n"
        "**Why Rejected**: it cannot tell API keys apart."
    ),
    "Expected Performance Impact": "- Latency: one Redis round trip, about 0.3 ms",
    "Optimization Opportunities": "Batch the counter updates if Redis becomes the bottleneck.",
    "Threat Model": "- Key sharing to get more quota: limits are per account as well.",
    "Notes": "The limits are revisited after the first month.",
}
FRS = [
    ("Reject a key's 101st request within a minute with 429", "a test sends 101 requests and gets one 429"),
    ("Say the remaining quota in X-RateLimit-Remaining", "every answer carries the header"),
    ("Let an operator raise one key's limit", "an admin call changes the limit within 1 minute"),
]  # fmt: skip
NFRS = [
    ("The limiter adds little latency", "p99 added latency under 2 ms"),
    ("Counters survive a Redis failover", "no key gets more than 2x its limit during failover"),
]


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_book(tmp_path_factory.mktemp("mcpwrite"))


@pytest.fixture(scope="module")
def agent(book: Path) -> Iterator[Agent]:
    yield from _serve(book, book.parent / "server.log")


def _section_lines(text: str) -> list[tuple[str, int, int]]:
    """(heading path, first line, last line) of each section of ``text``'s template."""
    doc = parse(text.encode("utf-8"), "x.md")
    out = []
    for s in doc.all_sections():
        out.append((s.title, s.span.line, s.span.end_line))
    return out


# -- Must show 1: a spec written end to end through the stdio client ------------------------
def test_an_agent_writes_a_spec_end_to_end_and_moves_it_to_review(agent: Agent, book: Path) -> None:
    made = agent.ok("create", kind="spec", title="Rate limits", type="feature", author=AUTHOR)
    path = book / made["path"]
    _git(book, "init", "-q")
    _git(book, "add", made["path"])
    _git(book, "commit", "-qm", "the template as created")
    created = path.read_bytes()
    digest = agent.ok("get", id=made["id"])["hash"]

    written: set[str] = set()  # the sections the agent writes, by title
    for section, body in SECTIONS.items():
        answer = agent.ok(
            "write_section", id=made["id"], section=section, markdown=body, expected_hash=digest
        )
        assert answer["written"] and answer["message"].endswith(section.split(" / ")[-1])
        assert not [f for f in answer["lint"]["findings"] if f["on_written_lines"]], answer
        digest = answer["hash"]
        written.add(section.split(" / ")[-1])
        assert agent.ok("get", id=made["id"], section=section)["body"] == body
    for kind, items, detail in (("FR", FRS, "acceptance"), ("NFR", NFRS, "target")):
        for text, value in items:
            answer = agent.ok(
                "add_requirement",
                id=made["id"],
                kind=kind,
                text=text,
                expected_hash=digest,
                **{detail: value},
            )
            digest = answer["hash"]
    model = agent.ok("get", id=made["id"])
    reqs = {r["id"]: r for r in model["requirements"]}
    assert sorted(reqs) == ["FR-1", "FR-2", "FR-3", "NFR-1", "NFR-2"]
    assert reqs["FR-3"]["acceptance_criteria"] == FRS[2][1]
    assert reqs["NFR-2"]["target"] == NFRS[1][1]
    written |= {"Functional Requirements", "Non-Functional Requirements"}

    ticked = agent.ok(
        "check",
        id=made["id"],
        all_in_section="Pre-Deployment Checklist",
        by=AUTHOR,
        expected_hash=digest,
    )
    assert ticked["message"] == f"{made['id']}: checked 5 items"
    digest = ticked["hash"]
    written.add("Pre-Deployment Checklist")
    for section, cells in (
        ("Risk Assessment", ["Redis outage", "Low", "High", "Fail open and alert"]),
        ("Timeline", ["Implementation", "5 days", "2027-01-04", "2027-01-08", "Planned"]),
    ):
        answer = agent.ok(
            "add_row", id=made["id"], table_section=section, cells=cells, expected_hash=digest
        )
        assert "example row" in answer["message"]
        digest = answer["hash"]
        written.add(section)
    digest = agent.ok(
        "set_field", id=made["id"], field="Tags", value="api, limits", expected_hash=digest
    )["hash"]
    digest = agent.ok(
        "set_field", id=made["id"], field="Reviewers", value="Bo Chen", expected_hash=digest
    )["hash"]

    report = agent.ok("lint", paths=[made["path"]])
    errors = [(f["line"], f["message"]) for f in report["findings"] if f["severity"] == "error"]
    assert not errors
    moved = agent.ok("transition", id=made["id"], status="Review", by=AUTHOR, expected_hash=digest)
    assert moved["status"] == "Review"
    # In Review a placeholder is an error. The one left is Approvers, which `review`
    # fills; the template's example Review History rows gave way to transition's row.
    after = agent.ok("lint", paths=[made["path"]])
    now = parse(path.read_bytes(), made["path"])
    assert [(e.reviewer, e.status) for e in now.review_history] == [(AUTHOR, "Review")]
    approvers = next(f for f in now.fields if f.key == "approvers").span.line
    left = [f for f in after["findings"] if f["severity"] == "error"]
    assert {f["rule"] for f in left} <= {"SB205"}
    assert all(f["line"] == approvers for f in left), left

    # the diff against the template as created: no byte changed outside what was written
    diff = _git(book, "diff", "--no-color", "-U0", "--", made["path"])
    before_sections = parse(created, made["path"])
    allowed: list[tuple[int, int]] = []
    for s in before_sections.all_sections():
        if s.title in written or s.title in ("Review History", "Metadata"):
            allowed.append((s.span.line, s.span.end_line))
    status_line = created.decode().split("\n").index("**Status**: Draft") + 1
    allowed.append((status_line, status_line))
    hunks = re.findall(r"^@@ -(\d+)(?:,(\d+))? ", diff, flags=re.M)
    assert hunks
    for start, count in hunks:
        first = int(start)
        last = first + max(int(count or 1), 1) - 1
        assert any(a <= first and last <= b for a, b in allowed), (first, last, diff)
    # and the bytes outside those sections are byte for byte the template's
    new = path.read_bytes()
    assert b"\r" not in new and new.endswith(b"\n")
    assert new.startswith(created[: created.index(b"**Status**")])


# -- Must show 2: two clients, one hash ----------------------------------------------------------
def test_of_two_agents_writing_on_the_same_hash_the_second_gets_a_conflict(
    agent: Agent, book: Path
) -> None:
    other_log = book.parent / "second.log"
    for second in _serve(book, other_log):
        first_read = agent.ok("get", id="SPEC-004", section="Summary")
        second_read = second.ok("get", id="SPEC-004", section="Summary")
        assert first_read["hash"] == second_read["hash"]
        path = book / first_read["path"]
        won = agent.ok(
            "write_section",
            id="SPEC-004",
            section="Summary",
            markdown="The first agent's summary.",
            expected_hash=first_read["hash"],
        )
        after_first = path.read_bytes()
        lost = second.error(
            "write_section",
            id="SPEC-004",
            section="Summary",
            markdown="The second agent's summary.",
            expected_hash=second_read["hash"],
        )
        assert "the document changed since you read it" in lost
        assert f"it is now {won['hash']}" in lost
        assert "line(s) added" in lost and "(Summary)" in lost  # the short diff summary
        assert path.read_bytes() == after_first
        assert b"The first agent's summary." in after_first
        assert b"second agent" not in after_first
        # with the new hash the second agent's write goes through
        again = second.ok("get", id="SPEC-004", section="Summary")
        assert again["hash"] == won["hash"]


def test_a_human_editing_meanwhile_is_never_overwritten(agent: Agent, book: Path) -> None:
    read = agent.ok("get", id="SPEC-004", section="Summary")
    path = book / read["path"]
    edited = path.read_bytes().replace(b"first agent's", b"human's")
    path.write_bytes(edited)
    refused = agent.error(
        "add_requirement",
        id="SPEC-004",
        kind="FR",
        text="x",
        acceptance="y",
        expected_hash=read["hash"],
    )
    assert "changed since you read it" in refused and "(Summary)" in refused
    assert path.read_bytes() == edited


# -- Must show 3: refused input ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("Text.\n\n## Next section\nmore", "'Next section' is a level-2 heading, as high as the section's own"),
        ("# A title", "'A title' is a level-1 heading"),
        ("A paragraph\n---\nthat became a heading", "'A paragraph' is a level-2 heading"),
        ("```python\nprint('never closed')", "the code fence opened there is never closed"),
        ("~~~\nopen tilde fence", "never closed"),
    ],
)  # fmt: skip
def test_structure_breaking_markdown_is_refused(
    agent: Agent, book: Path, markdown: str, message: str
) -> None:
    read = agent.ok("get", id="SPEC-001", section="Summary")
    path = book / read["path"]
    before = path.read_bytes()
    refused = agent.error(
        "write_section", id="SPEC-001", section="Summary", markdown=markdown,
        expected_hash=read["hash"],
    )  # fmt: skip
    assert message in refused
    assert path.read_bytes() == before


def test_oversized_input_is_refused_at_the_configured_limit(tmp_path: Path) -> None:
    root = _copy_book(tmp_path)
    config = root / "specbook.toml"
    config.write_text(config.read_text() + "\n[mcp]\nmax_input_bytes = 2048\n")
    small = BookTools(open_book(root))
    read = small.get("SPEC-001", "Summary")
    path = root / read["path"]
    before = path.read_bytes()
    with pytest.raises(SpecbookError) as refused:
        small.write_section("SPEC-001", "Summary", "word " * 500, read["hash"])
    assert "the input is 2507 bytes; the limit is 2048 ([mcp] max_input_bytes" in str(refused.value)
    with pytest.raises(SpecbookError, match="the input is 2208 bytes"):
        small.add_row("SPEC-001", "Timeline", ["x" * 1100, "y" * 1100, "", "", ""], read["hash"])
    assert path.read_bytes() == before
    fits = small.write_section("SPEC-001", "Summary", "word " * 400, read["hash"], dry_run=True)
    assert fits["written"] is False and fits["patch"].startswith("--- a/docs/specs/")
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("write_section", {"section": "Review History", "markdown": "| a |"}, "written by the lifecycle tools"),
        ("write_section", {"section": "Metadata", "markdown": "- **Approvers**: Me"}, "written by the lifecycle tools"),
        ("write_section", {"section": "Epilogue", "markdown": "x"}, "no section 'Epilogue', and its kind's template has none"),
        ("set_field", {"field": "Status", "value": "Approved"}, "`transition` moves the status"),
        ("set_field", {"field": "Approvers", "value": "Me"}, "approvals are recorded by `review`"),
        ("set_field", {"field": "Type", "value": "Poem"}, "unknown type 'Poem' for SPEC"),
        ("add_row", {"table_section": "Risk Assessment", "cells": ["Outage", "Likely", "High", "x"]}, 'SB604 invalid-risk: Probability "Likely" is not one of High, Med, Low'),
        ("add_row", {"table_section": "Risk Assessment", "cells": ["too few"]}, "has 4 columns (Risk, Probability, Impact, Mitigation); give 4 cells, not 1"),
        ("add_requirement", {"kind": "FR", "text": "two\nlines", "acceptance": "y"}, "must be one line"),
        ("add_requirement", {"kind": "NFR", "text": "fast", "acceptance": "y"}, "takes `target`, not `acceptance`"),
        ("update_requirement", {"req_id": "FR-99", "text": "x"}, "no requirement FR-99; it has: FR-1"),
        ("check", {"item": "99"}, "item 99 does not exist"),
    ],
)  # fmt: skip
def test_refused_writes_say_why_and_write_nothing(
    agent: Agent, book: Path, tool: str, arguments: dict[str, Any], message: str
) -> None:
    read = agent.ok("get", id="SPEC-001")
    path = book / read["path"]
    before = path.read_bytes()
    assert message in agent.error(tool, id="SPEC-001", expected_hash=read["hash"], **arguments)
    assert path.read_bytes() == before


def test_a_timeline_row_that_ends_before_it_starts_is_refused(agent: Agent, book: Path) -> None:
    made = agent.ok("create", kind="spec", title="Timeline check", type="feature", author=AUTHOR)
    digest = agent.ok("get", id=made["id"])["hash"]
    before = (book / made["path"]).read_bytes()
    refused = agent.error(
        "add_row", id=made["id"], table_section="Timeline",
        cells=["Testing", "2 days", "2027-02-10", "2027-02-03", "Planned"], expected_hash=digest,
    )  # fmt: skip
    assert (
        'SB605 timeline-order: phase "Testing" ends 2027-02-03, 7 days before it starts' in refused
    )
    assert (book / made["path"]).read_bytes() == before


# -- a write keeps the document's own bytes: CRLF, numbered headings --------------------------
def test_crlf_and_numbered_headings_are_kept(tmp_path: Path) -> None:
    root = _copy_book(tmp_path)
    doc = root / "docs/specs/SPEC-090-crlf.md"
    text = (
        "# Technical Specification: CRLF\r\n\r\n**ID**: SPEC-090\r\n**Status**: Draft\r\n"
        "**Type**: Feature\r\n\r\n## 1. Summary ✅\r\n\r\nOld summary.\r\n\r\n---\r\n\r\n"
        "## 2. Requirements\r\n\r\n### Functional Requirements\r\n"
        "- **FR-001**: Old one\r\n  - Acceptance Criteria: works\r\n"
    )
    doc.write_bytes(text.encode())
    tools = BookTools(open_book(root))
    read = tools.get("SPEC-090", "summary")
    assert read["section"] == "1. Summary ✅" and read["body"] == "Old summary."
    done = tools.write_section("SPEC-090", "Summary", "New\nsummary.", read["hash"])
    added = tools.add_requirement(
        "SPEC-090", "FR", "New one", done["hash"], acceptance="it is there"
    )
    assert added["message"] == "SPEC-090: added FR-002"
    assert doc.read_bytes() == text.replace("Old summary.", "New\r\nsummary.").encode() + (
        b"- **FR-002**: New one\r\n  - Acceptance Criteria: it is there\r\n"
    )


# -- Must show 3 (property): what write_section writes, get reads back ---------------------------
_WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789 ,.;:!?()'\"*_`é中", min_size=1, max_size=30
)
_LINE = _WORD.map(str.strip).filter(
    lambda s: (
        bool(s)
        and not s.startswith(("#", ">", "-", "*", "+", "=", "`", "_"))
        and not s[0].isdigit()
    )
)
_BLOCK = st.one_of(
    st.lists(_LINE, min_size=1, max_size=3).map("\n".join),  # a paragraph
    st.lists(_LINE, min_size=1, max_size=4).map(lambda xs: "\n".join(f"- {x}" for x in xs)),
    st.lists(_LINE, min_size=1, max_size=4).map(
        lambda xs: "\n".join(f"{i}. {x}" for i, x in enumerate(xs, 1))
    ),
    st.tuples(st.sampled_from(["", "python", "sql", "text"]), st.lists(_WORD, max_size=3)).map(
        lambda t: "\n".join([f"```{t[0]}", *t[1], "```"])
    ),
    st.tuples(st.integers(4, 6), _LINE).map(lambda t: f"{'#' * t[0]} {t[1]}"),  # deeper headings
    st.lists(_LINE, min_size=1, max_size=2).map(lambda xs: "\n".join(f"> {x}" for x in xs)),
)
_BODY = st.lists(_BLOCK, min_size=1, max_size=5).map("\n\n".join)


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> BookTools:
    return BookTools(open_book(_copy_book(tmp_path_factory.mktemp("property"))))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_BODY, section=st.sampled_from(["Summary", "Design", "Context / Background", "Notes"]))
def test_write_section_then_get_returns_what_was_written(
    tools: BookTools, body: str, section: str
) -> None:
    before = tools.get("SPEC-004")
    other = {s["title"] for s in before["sections"]}
    done = tools.write_section("SPEC-004", section, body, before["hash"])
    read = tools.get("SPEC-004", section)
    assert read["body"] == body
    assert read["hash"] == done["hash"]
    after = tools.get("SPEC-004")
    # the other sections are all still there, in the same order
    kept = [s["title"] for s in after["sections"]]
    assert [t for t in kept if t in other] == [s["title"] for s in before["sections"]]


# -- Must show 4: every tool's schema with an example in its description -----------------------
def test_every_tool_describes_its_input_with_an_example_that_fits_its_schema(
    agent: Agent,
) -> None:
    tools = {t.name: t for t in agent.portal.call(agent.session.list_tools).tools}
    assert set(tools) == set(TOOL_NAMES)
    for name, tool in tools.items():
        description = tool.description or ""
        found = re.search(r"Example: (\{.*\})\s*$", description, flags=re.S)
        assert found, f"{name}: no example in its description"
        example = json.loads(" ".join(found.group(1).split()))
        jsonschema.validate(example, tool.input_schema)
        for prop, schema in tool.input_schema.get("properties", {}).items():
            assert schema.get("description") or "enum" in schema, (name, prop)
    for name in ("write_section", "add_requirement", "set_field", "check", "add_row"):
        assert "expected_hash" in tools[name].input_schema["required"], name
        assert tools[name].annotations is not None
        assert tools[name].annotations.read_only_hint is False


def test_the_prompts_name_the_tools_to_use(agent: Agent) -> None:
    listed = {p.name: p for p in agent.portal.call(agent.session.list_prompts).prompts}
    assert set(listed) == set(PROMPT_NAMES)
    draft = agent.portal.call(
        agent.session.get_prompt, "draft_spec", {"idea": "rate limits per API key"}
    )
    text = draft.messages[0].content.text  # type: ignore[union-attr]
    assert "rate limits per API key" in text
    for tool in ("create", "write_section", "add_requirement", "add_row", "lint", "transition"):
        assert f"`{tool}`" in text
    review = agent.portal.call(agent.session.get_prompt, "review_spec", {"id": "SPEC-001"})
    assert "`lint`" in review.messages[0].content.text  # type: ignore[union-attr]
    plan = agent.portal.call(agent.session.get_prompt, "plan_tasks", {"id": "SPEC-001"})
    assert "SPEC-001/FR-1" in plan.messages[0].content.text  # type: ignore[union-attr]


def test_no_write_crashed_the_server(agent: Agent) -> None:
    agent.ok("list")
    log = agent.log.read_text(encoding="utf-8")
    assert "Traceback" not in log and "unexpected exception" not in log, log


@pytest.mark.parametrize("tool", ["transition", "review"])
def test_expected_hash_of_a_lifecycle_write_is_checked_under_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    """A person's edit lands after the agent read the document, just before the
    lifecycle engine takes the book lock: the agent's hash no longer holds where the
    engine reads, so the write is refused and the person's edit stands alone."""
    import contextlib

    import specbook.services.lifecycle
    from specbook.services.author import HashMismatch

    root = _copy_book(tmp_path)
    tools = BookTools(open_book(root))
    seen = tools.get("SPEC-004")["hash"]
    path = root / tools.get("SPEC-004")["path"]
    real_lock = specbook.services.lifecycle.book_lock

    @contextlib.contextmanager
    def lock_after_an_edit(book: Any) -> Iterator[None]:
        path.write_bytes(path.read_bytes() + b"\nA person's line.\n")
        with real_lock(book):
            yield

    monkeypatch.setattr(specbook.services.lifecycle, "book_lock", lock_after_an_edit)
    with pytest.raises(HashMismatch):
        if tool == "transition":
            tools.transition("SPEC-004", "Review", by="Agent", force=True, expected_hash=seen)
        else:
            tools.review("SPEC-004", "comment", by="Agent", expected_hash=seen)
    after = path.read_bytes()
    assert after.endswith(b"\nA person's line.\n") and b"| Agent |" not in after


def test_supersede_dry_run_writes_nothing_and_its_hashes_are_checked_under_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    import specbook.services.multi
    from specbook.services.author import HashMismatch

    root = _copy_book(tmp_path)
    tools = BookTools(open_book(root))
    old, new = tools.get("DEC-001"), tools.get("DEC-003")
    paths = [root / old["path"], root / new["path"]]
    before = [p.read_bytes() for p in paths]
    planned = tools.supersede("DEC-001", "DEC-003", by="Agent", dry_run=True)
    assert planned["dry_run"] is True
    assert "+**Status**: Superseded" in planned["patch"]
    assert f"b/{new['path']}" in planned["patch"]
    assert [p.read_bytes() for p in paths] == before
    # a person's edit of DEC-003 lands just before the engine takes the book lock
    real_lock = specbook.services.multi.book_lock

    @contextlib.contextmanager
    def lock_after_an_edit(book: Any) -> Iterator[None]:
        paths[1].write_bytes(paths[1].read_bytes() + b"\nA person's line.\n")
        with real_lock(book):
            yield

    monkeypatch.setattr(specbook.services.multi, "book_lock", lock_after_an_edit)
    with pytest.raises(HashMismatch):
        tools.supersede(
            "DEC-001",
            "DEC-003",
            by="Agent",
            expected_hash=old["hash"],
            expected_new_hash=new["hash"],
        )
    assert paths[0].read_bytes() == before[0]
    assert paths[1].read_bytes() == before[1] + b"\nA person's line.\n"
