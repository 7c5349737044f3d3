"""A visitor's Chromium over the portal of the hostile book (issue 17, "Must show" 2).

The rest of the portal's hostile-book checks are tests/hostile/test_portal.py; this one
lives here because the browser is one per session (this folder's conftest: a second
Playwright in the same process refuses to start). The portal runs as a user runs it
(``specbook serve`` in a book holding every hostile file but the 50 MB document); each
page loads within 10 s (they take well under one).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.hostile.books import ALL, MARKER
from tests.hostile.conftest import make_git_book, outside_unchanged
from tests.hostile.test_portal import PAGE, START, Served, serve


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("hostile-browser")
    # (the 50 MB document's file is not needed: it is not in this book)
    with outside_unchanged(make_git_book(base, ALL, base / "no-huge.md")) as hb:
        yield from serve(hb, START)


def test_a_visitor_reads_the_hostile_book_in_chromium(portal: Served, browser: Browser) -> None:
    """Home, the list, search as you type, and the hostile documents' pages (NUL bytes,
    Latin-1, CR-only endings, nesting 100,000 deep, a link and an image leading out):
    each shows its heading, no script error, no response over 499, no marker."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(int(PAGE * 1000))
    page = context.new_page()
    errors: list[str] = []
    failed: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    try:
        page.goto(portal.url + "/")
        page.fill("#search-box", "carrier")
        page.press("#search-box", "Enter")
        page.wait_for_url("**/search?q=carrier")
        page.fill("#search-page-box", "bytes")
        page.locator("#results a.hit").first.wait_for()
        texts = [page.content()]
        page.goto(portal.url + "/documents")
        texts.append(page.content())
        for doc_id in ("SPEC-093", "SPEC-094", "SPEC-092", "SPEC-091", "SPEC-098", "SPEC-001"):
            page.goto(f"{portal.url}/doc/{doc_id}")
            heading = page.locator(".doc-head h1").inner_text()
            assert heading.startswith(doc_id), heading
            texts.append(page.content())
    finally:
        context.close()
    assert errors == [] and failed == []
    assert not [t for t in texts if MARKER in t]
