"""The static site opened from disk (file://) in a real browser, no server anywhere:
navigate, filter the document list, search in the browser and follow a result, read
a document, see the graph, timeline and risks, and a hostile document runs no script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from specbook.services.zeroconf import open_book
from specbook.web.site import build_site
from tests.browser.conftest import (
    ScriptGuard,
    click_graph_node,
    click_hostile_links,
    graph_drawn,
    graph_element,
    graph_ids,
    shoot,
)
from tests.webbook import HOSTILE_ID, HOSTILE_LINKS, HOSTILE_WORD, copy_book, example_ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built from a fresh copy of the example book (plus the hostile document)."""
    root = copy_book(tmp_path_factory.mktemp("static-book") / "book")
    out = tmp_path_factory.mktemp("static-out") / "site"
    build_site(open_book(root), out)
    return out


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def visible_ids(page: Page) -> list[str]:
    return page.locator("table.sortable tbody tr:not([hidden]) td:first-child").all_inner_texts()


def test_navigate_and_filter_documents_from_file_url(
    page: Page, site: Path, screenshots: Path
) -> None:
    guard = ScriptGuard().watch(page)
    page.goto((site / "index.html").as_uri())
    expect(page.locator("main h1")).to_have_text("parcel")
    shoot(page, screenshots, "site-home")

    page.locator("header nav").get_by_role("link", name="Documents").click()
    page.wait_for_url("**/documents.html")
    assert sorted(visible_ids(page)) == sorted(example_ids())
    shoot(page, screenshots, "site-list")

    # a facet filters the rows in the browser; its link is a real, bookmarkable URL
    page.locator(".facets").get_by_role("link", name="Review", exact=True).click()
    page.wait_for_url(re.compile(r"documents\.html\?status=Review"))
    assert visible_ids(page) == ["SPEC-003"]
    expect(page.locator("main h1 small")).to_have_text("1")
    page.locator(".facets").get_by_role("link", name="SPEC", exact=True).click()
    # (each facet link loads the page again: wait for its filter to be applied, not
    # for the rows the page shows before its script has run)
    expect(page.locator(".facets li.on")).to_have_count(2)
    assert visible_ids(page) == ["SPEC-003"]  # both facets apply
    page.locator(".facets").get_by_role("link", name="Review", exact=True).click()
    specs = [i for i in example_ids() if i.startswith("SPEC-")]
    expect(page.locator(".facets li.on")).to_have_count(1)
    rows = page.locator("table.sortable tbody tr:not([hidden])")
    expect(rows).to_have_count(len(specs))
    assert visible_ids(page) == specs  # Review off again, SPEC still on

    # sorting by title, then the other way round (each link loads the page again: wait
    # for its script to have sorted it, which marks the column, not for the old rows)
    title = page.get_by_role("link", name=re.compile("^Title"))
    title.click()
    expect(title).to_have_text(re.compile("▲$"))
    titles = page.locator("table.sortable tbody tr:not([hidden]) td:nth-child(2)")
    got = titles.all_inner_texts()
    assert got == sorted(got, key=str.lower) and len(got) == len(specs)
    title.click()
    expect(title).to_have_text(re.compile("▼$"))
    assert titles.all_inner_texts() == list(reversed(got))
    assert page.url.endswith("sort=title&order=desc")
    assert guard.errors == []


def test_documents_and_search_pages_without_javascript(no_js_page: Page, site: Path) -> None:
    no_js_page.goto((site / "documents.html").as_uri() + "?status=Review")
    assert sorted(visible_ids(no_js_page)) == sorted(example_ids())
    no_js_page.goto((site / "search.html").as_uri() + "?q=webhook")
    expect(no_js_page.locator("#needs-js")).to_be_visible()


def test_search_page_hides_its_no_javascript_note(page: Page, site: Path) -> None:
    page.goto((site / "search.html").as_uri())
    expect(page.locator("#needs-js")).to_be_hidden()


def test_search_in_the_browser_ranks_titles_first_and_follows_a_result(
    page: Page, site: Path, screenshots: Path
) -> None:
    guard = ScriptGuard().watch(page)
    page.goto((site / "index.html").as_uri())
    page.fill("#search-box", "webhook")
    page.press("#search-box", "Enter")
    page.wait_for_url("**/search.html?q=webhook")
    hits = page.locator("#results a.hit")
    expect(hits.first).to_be_visible()
    texts = hits.all_inner_texts()
    in_title = [("webhook" in t.lower()) for t in texts]
    assert in_title[0] and in_title.count(True) >= 3 and in_title.count(False) >= 1
    assert in_title == sorted(in_title, reverse=True), texts  # title matches first
    expect(page.locator("#results .snippet mark").first).to_have_text(re.compile("^webhook", re.I))

    # filters and phrases, as the portal's search takes them
    page.fill("#search-page-box", "kind:task webhook")
    expect(hits).to_have_text(["TASK-001 Implement webhook signature verification"])
    page.fill("#search-page-box", 'status:review "double opt-in"')
    expect(hits).to_have_text(["SPEC-003 Delivery notifications"])
    page.fill("#search-page-box", "constructor:x __proto__")
    expect(page.locator("#results p.none")).to_have_text(
        "No document matches “constructor:x __proto__”."
    )

    page.evaluate("() => { window.__samePage = true; }")
    page.fill("#search-page-box", "unsubscribe")
    expect(hits.first).to_have_text("SPEC-003 Delivery notifications")
    assert page.evaluate("() => window.__samePage") is True
    shoot(page, screenshots, "site-search")

    hits.first.click()
    page.wait_for_url(re.compile(r"/doc/SPEC-003\.html#[\w-]+$"))
    expect(page.locator(".doc-head h1")).to_have_text("SPEC-003 Delivery notifications")
    assert page.locator(".markdown h2").all_inner_texts()[:3] == [
        "Summary",
        "Context",
        "Requirements",
    ]
    expect(page.locator(".requirements tbody tr").first).to_contain_text("FR-1")
    expect(page.locator("section.actions")).to_have_count(0)
    expect(page.locator("form[method=post]")).to_have_count(0)
    shoot(page, screenshots, "site-document")
    page.locator("nav.toc").get_by_role("link", name="Risk Assessment", exact=True).click()
    assert page.url.endswith("#risk-assessment")
    expect(page.locator("#risk-assessment")).to_be_in_viewport()
    # a backlink leads to another page of the site
    page.locator("section.backlinks a").first.click()
    expect(page.locator(".doc-head h1")).to_contain_text(re.compile(r"^[A-Z]+-\d+ "))
    assert guard.errors == []


def test_graph_timeline_and_risks_render(page: Page, site: Path, screenshots: Path) -> None:
    page.goto((site / "graph.html").as_uri())
    graph_drawn(page)
    assert set(example_ids()) <= set(graph_ids(page))
    shoot(page, screenshots, "site-graph")
    click_graph_node(page, graph_element(page, "SPEC-002"))
    page.wait_for_url(re.compile(r"/doc/SPEC-002\.html$"))
    expect(page.locator(".doc-head h1")).to_contain_text("SPEC-002")
    # the document page draws its own neighbourhood once it is scrolled to
    page.locator(".doc-graph").scroll_into_view_if_needed()
    graph_drawn(page)
    assert "SPEC-002" in graph_ids(page) and 1 < len(graph_ids(page)) < len(example_ids())

    page.goto((site / "timeline.html").as_uri())
    assert page.locator(".gantt-row").count() > 5
    bar = page.locator(".gantt-bar").first.bounding_box()
    assert bar is not None and bar["width"] > 0
    shoot(page, screenshots, "site-timeline")

    page.goto((site / "risks.html").as_uri())
    expect(page.locator("table.matrix")).to_be_visible()
    assert page.locator("table.rows tbody tr").count() > 5
    shoot(page, screenshots, "site-risks")


def test_hostile_document_runs_no_script_in_the_site(page: Page, site: Path) -> None:
    guard = ScriptGuard().watch(page)
    page.goto((site / "search.html").as_uri() + f"?q={HOSTILE_WORD}")
    hit = page.locator("#results li").first
    expect(hit.locator("a.hit")).to_contain_text(HOSTILE_ID)
    # the code span's markup reaches the snippet as text, never as elements
    expect(hit.locator(".snippet")).to_contain_text('<script>alert("snippet")</script>')
    expect(page.locator("#results script, #results img, #results b")).to_have_count(0)
    hit.locator("a.hit").click()
    page.wait_for_url(f"**/doc/{HOSTILE_ID}.html#*")
    guard.assert_nothing_ran(page)

    guard = ScriptGuard().watch(page)
    page.reload()
    markdown = page.locator(".markdown")
    for selector in ("script", "iframe", "svg", "[onerror]", "[onload]", "[onclick]"):
        expect(markdown.locator(selector)).to_have_count(0)
    click_hostile_links(page, HOSTILE_LINKS)
    guard.assert_nothing_ran(page)
    # the relative link to another document of the book was pointed at its page
    page.get_by_role("link", name="the tracking API").click()
    page.wait_for_url("**/doc/SPEC-001.html#summary")
    expect(page.locator(".doc-head h1")).to_contain_text("SPEC-001")


@pytest.fixture(scope="module")
def forms_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example book plus documents that hold one word in several forms."""
    root = copy_book(tmp_path_factory.mktemp("forms-book") / "book")
    for n, title, body in (
        (901, "Plugin isolation", "Plugins run with Sandboxing turned on."),
        (902, "Worker limits", "Every worker is Sandboxed by the host."),
        (903, "Menu text", "The cafe menu shows prices."),
        (904, "Exact wording", "Plugins run sandboxed in a jail."),
    ):
        (root / "docs" / "bugs" / f"BUG-{n}-forms.md").write_text(
            f"# Bug Report: {title}\n\n**ID**: BUG-{n}\n**Date**: 2026-05-04\n"
            f"**Status**: Open\n\n## Summary\n\n{body}\n",
            encoding="utf-8",
        )
    out = tmp_path_factory.mktemp("forms-out") / "site"
    build_site(open_book(root), out)
    return out


def test_browser_search_matches_word_forms_diacritics_and_exact_phrases(
    page: Page, forms_site: Path
) -> None:
    guard = ScriptGuard().watch(page)
    page.goto((forms_site / "search.html").as_uri() + "?q=sandbox+id:BUG-9*")
    hits = page.locator("#results a.hit")
    expect(hits).to_have_count(3)
    assert sorted(t.split()[0] for t in hits.all_inner_texts()) == [
        "BUG-901", "BUG-902", "BUG-904",
    ]  # fmt: skip
    # the snippet marks the form the text holds
    expect(page.locator("#results .snippet mark").first).to_have_text(re.compile("^Sandbox"))
    page.fill("#search-page-box", "café id:BUG-9*")
    expect(hits).to_have_text(["BUG-903 Menu text"])
    page.fill("#search-page-box", '"plugins run sandboxed"')
    expect(hits).to_have_text(["BUG-904 Exact wording"])
    page.fill("#search-page-box", '"sandbox" id:BUG-9*')
    expect(page.locator("#results p.none")).to_be_visible()
    assert guard.errors == []


def test_search_loads_only_the_index_shards_of_the_query_words(page: Page, site: Path) -> None:
    """The inverted index is split by first letter: a query reads the shards of its
    own words, not the whole index (on 10,000 documents the whole index took most of
    the time to the first result)."""

    def shards() -> list[str]:
        names: list[str] = page.eval_on_selector_all(
            "script[src*='static/search/']", "ss => ss.map(s => s.src.split('/').pop())"
        )
        return sorted(names)

    page.goto((site / "search.html").as_uri() + "?q=webhook")
    expect(page.locator("#results a.hit").first).to_be_visible()
    assert shards() == ["w.js"]
    page.fill("#search-page-box", "webhooks delivered -polling")
    expect(page.locator("script[src$='static/search/d.js']")).to_have_count(1)
    expect(page.locator("#results a.hit").first).to_be_visible()
    assert shards() == ["d.js", "p.js", "w.js"]
