"""The portal in a real browser: search as you type, read a document, sign in, approve
and move a document (and the file changes by exactly those bytes), signed-out
visitors cannot write, and a hostile document runs no script."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page, expect

from specbook.cli import main
from tests.browser.conftest import (
    PASSWORD,
    REVIEWER,
    TODAY,
    LivePortal,
    ScriptGuard,
    click_graph_node,
    click_hostile_links,
    graph_drawn,
    graph_element,
    graph_ids,
    shoot,
)
from tests.webbook import HOSTILE_ID, HOSTILE_LINKS, copy_book, example_ids

SPEC = "docs/specs/SPEC-003-delivery-notifications.md"


def test_search_as_you_type_then_read_a_document(
    page: Page, live_portal: LivePortal, screenshots: Path
) -> None:
    page.goto(live_portal.url + "/")
    expect(page.locator("main h1")).to_have_text("parcel")
    expect(page.locator(".card h2").first).to_have_text(str(len(example_ids())))
    shoot(page, screenshots, "portal-home")

    page.fill("#search-box", "webhook")
    page.press("#search-box", "Enter")
    page.wait_for_url("**/search?q=webhook")
    expect(page.locator("#results a.hit").first).to_contain_text("webhook", ignore_case=True)

    # typing in the page's box fetches results in place: the page is not reloaded
    page.evaluate("() => { window.__samePage = true; }")
    page.fill("#search-page-box", "unsubscribe")
    expect(page.locator("#results a.hit").first).to_contain_text("SPEC-003 Delivery notifications")
    expect(page.locator("#results .snippet mark").first).to_have_text(
        re.compile("unsubscribe", re.I)
    )
    assert page.evaluate("() => window.__samePage") is True
    assert page.url.endswith("/search?q=unsubscribe")
    shoot(page, screenshots, "portal-search")

    # submitting the form is a real request that shows the same results
    page.click(".big-search button[type=submit]")
    page.wait_for_load_state()
    assert page.evaluate("() => window.__samePage") is None
    hit = page.locator("#results a.hit").first
    expect(hit).to_contain_text("SPEC-003")
    hit.click()
    page.wait_for_url(re.compile(r"/doc/SPEC-003(#[\w-]+)?$"))

    expect(page.locator(".doc-head h1")).to_have_text("SPEC-003 Delivery notifications")
    expect(page.locator(".doc-head .badge")).to_have_text("Review")
    sections = page.locator(".markdown h2").all_inner_texts()
    assert sections[:3] == ["Summary", "Context", "Requirements"]
    expect(page.locator(".markdown")).to_contain_text("List-Unsubscribe-Post")
    expect(page.locator(".requirements tbody tr").first).to_contain_text("FR-1")
    page.locator("nav.toc").get_by_role("link", name="Requirements", exact=True).click()
    assert page.url.endswith("#requirements")
    expect(page.locator("#requirements")).to_be_in_viewport()
    # signed out: nothing on the page can change the document
    expect(page.locator("section.actions")).to_have_count(0)
    expect(page.locator("form[method=post]")).to_have_count(0)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    shoot(page, screenshots, "portal-document")


def test_signed_out_visitor_cannot_post(browser: Browser, live_portal: LivePortal) -> None:
    spec = live_portal.root / SPEC
    before = spec.read_bytes()
    context = browser.new_context()
    try:
        login = context.new_page()
        login.goto(live_portal.url + "/login")
        csrf = login.locator("input[name=csrf]").get_attribute("value") or ""
        assert csrf  # a genuine signed-out token does not make a visitor a reviewer
        for what, form in (
            ("review", {"csrf": csrf, "verdict": "approve"}),
            ("status", {"csrf": csrf, "status": "Approved"}),
            ("check", {"csrf": csrf, "item": "1"}),
        ):
            resp = context.request.post(f"{live_portal.url}/doc/SPEC-003/{what}", form=form)
            assert resp.status == 403, (what, resp.status)
            assert "Sign in first" in resp.text()
        context.add_cookies(
            [{"name": "specbook_session", "value": "e30.forged", "url": live_portal.url}]
        )
        forged = context.request.post(
            f"{live_portal.url}/doc/SPEC-003/review", form={"csrf": csrf, "verdict": "approve"}
        )
        assert forged.status == 403
    finally:
        context.close()
    assert spec.read_bytes() == before


@pytest.fixture
def expected_after_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """SPEC-003 after the same approval and move made with the CLI on another copy."""
    root = copy_book(tmp_path / "book")
    monkeypatch.chdir(root)
    runner = CliRunner()
    env = {"SPECBOOK_TODAY": TODAY}
    for args in (
        ["review", "SPEC-003", "--approve", "--by", REVIEWER],
        ["status", "SPEC-003", "Approved", "--by", REVIEWER],
    ):
        result = runner.invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
    return (root / SPEC).read_bytes()


def test_reviewer_approves_and_moves_a_document_editing_only_those_bytes(
    page: Page, live_portal: LivePortal, expected_after_review: bytes
) -> None:
    spec = live_portal.root / SPEC
    before = spec.read_bytes()
    page.goto(live_portal.url + "/doc/SPEC-003")
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/login?next=/doc/SPEC-003")
    page.fill("input[name=name]", REVIEWER)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url("**/doc/SPEC-003")
    expect(page.locator(".who .user")).to_have_text(REVIEWER)
    expect(page.locator("section.actions")).to_be_visible()

    # signed in, a post without the form's CSRF token is still refused
    resp = page.request.post(live_portal.url + "/doc/SPEC-003/review", form={"verdict": "approve"})
    assert resp.status == 403
    assert spec.read_bytes() == before

    page.click("#approve")
    page.wait_for_url("**/doc/SPEC-003?done=approve")
    expect(page.locator(".flash")).to_have_text("Approval recorded.")
    page.select_option("#status-select", "Approved")
    page.click("#move")
    page.wait_for_url("**/doc/SPEC-003?done=status")
    expect(page.locator(".flash")).to_have_text("Status changed.")
    expect(page.locator(".doc-head .badge")).to_have_text("Approved")
    last_row = page.locator(".history tbody tr").last.locator("td")
    expect(last_row).to_have_text([TODAY, REVIEWER, "Approved", ""])

    after = spec.read_bytes()
    assert after == expected_after_review
    old, new = before.decode().splitlines(True), after.decode().splitlines(True)
    removed = [line for line in difflib.ndiff(old, new) if line.startswith("- ")]
    added = [line for line in difflib.ndiff(old, new) if line.startswith("+ ")]
    assert removed == [
        "- **Status**: Review\n",
        "- - **Modified**: 2026-11-17\n",
        "- - **Reviewers**: Amara Okafor, Mateo García\n",
        "- - **Approvers**: None\n",
    ]
    assert added == [
        "+ **Status**: Approved\n",
        f"+ | {TODAY} | {REVIEWER} | Approve |  |\n",
        f"+ | {TODAY} | {REVIEWER} | Approved |  |\n",
        f"+ - **Modified**: {TODAY}\n",
        f"+ - **Reviewers**: Amara Okafor, Mateo García, {REVIEWER}\n",
        f"+ - **Approvers**: {REVIEWER}\n",
    ]
    # the history rows land right after the last existing row, nowhere else
    assert (
        new.index(f"| {TODAY} | {REVIEWER} | Approve |  |\n")
        == old.index(
            "| 2026-11-16 | Priya Raman | Review | Ready for review after the BUG-003 "
            "allow-list lesson was added |\n"
        )
        + 1
    )


def test_hostile_document_runs_no_script(page: Page, live_portal: LivePortal) -> None:
    guard = ScriptGuard().watch(page)
    page.goto(f"{live_portal.url}/doc/{HOSTILE_ID}")
    expect(page.locator(".doc-head h1")).to_contain_text("Hostile markup")
    markdown = page.locator(".markdown")
    expect(markdown).to_contain_text('<script>alert("snippet")</script>')  # shown as text
    for selector in ("script", "iframe", "svg", "[onerror]", "[onload]", "[onclick]"):
        expect(markdown.locator(selector)).to_have_count(0)
    assert (
        page.evaluate(
            """() => [...document.querySelectorAll('[href],[src]')].filter(e =>
             /^\\s*(javascript|data|vbscript):/i.test(e.getAttribute('href') || e.getAttribute('src'))
           ).length"""
        )
        == 0
    )
    click_hostile_links(page, HOSTILE_LINKS)
    guard.assert_nothing_ran(page)


def test_list_graph_timeline_and_risks_render(
    page: Page, live_portal: LivePortal, screenshots: Path
) -> None:
    page.goto(live_portal.url + "/documents")
    expect(page.locator("table.sortable tbody tr")).to_have_count(len(example_ids()))
    shoot(page, screenshots, "portal-list")
    page.locator(".facets").get_by_role("link", name="SPEC", exact=True).click()
    page.wait_for_url(re.compile(r"/documents\?kind=SPEC"))
    specs = [i for i in example_ids() if i.startswith("SPEC-")]
    expect(page.locator("table.sortable tbody td:first-child")).to_have_text(specs)

    page.goto(live_portal.url + "/graph")
    graph_drawn(page)
    assert set(example_ids()) <= set(graph_ids(page))
    shoot(page, screenshots, "portal-graph")
    click_graph_node(page, graph_element(page, "SPEC-002"))
    page.wait_for_url(re.compile(r"/doc/SPEC-002$"))

    page.goto(live_portal.url + "/timeline")
    assert page.locator(".gantt-row").count() > 5
    shoot(page, screenshots, "portal-timeline")

    page.goto(live_portal.url + "/risks")
    expect(page.locator("table.matrix")).to_be_visible()
    assert page.locator("table.rows tbody tr").count() > 5
    shoot(page, screenshots, "portal-risks")
