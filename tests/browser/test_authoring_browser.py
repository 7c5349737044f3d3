"""Authoring in the portal, in Debian's Chromium: create a spec, see a defect's
finding appear while typing (no reload), fix it, save, find the file on disk as
typed; a second session saving over the first gets the conflict and loses nothing;
a file of mixed line endings saved unchanged, then with one line edited, keeps every
byte the user did not change."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.conftest import PASSWORD, REVIEWER, LivePortal, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

DEFECT = "1. **FR-1**: The cache warms itself after every deploy.\n"
FIXED = DEFECT + "   - Acceptance Criteria: the cache holds the top 1,000 keys within 5 minutes\n"


def sign_in(page: Page, portal: LivePortal) -> None:
    page.goto(f"{portal.url}/login?next=/new")
    page.fill("input[name=name]", REVIEWER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{portal.url}/new")


def with_requirement(text: str, requirement: str) -> str:
    """The template text with its Functional Requirements replaced by one item."""
    head, rest = text.split("### Functional Requirements\n", 1)
    _, tail = rest.split("### Non-Functional Requirements", 1)
    return (
        f"{head}### Functional Requirements\n{requirement}\n### Non-Functional Requirements{tail}"
    )


def test_create_type_see_finding_fix_save(
    browser: Browser, live_portal: LivePortal, screenshots: Path
) -> None:
    first = browser.new_context(viewport={"width": 1280, "height": 900})
    second = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = first.new_page()
        sign_in(page, live_portal)
        page.select_option("#new-kind", "SPEC")
        page.fill("#new-title", "Edge cache warmer")
        page.click("#create")
        page.wait_for_url("**/edit?created=1")
        edit_url = page.url.split("?")[0]
        spec_id = edit_url.rsplit("/", 2)[-2]
        files = list((live_portal.root / "docs" / "specs").glob(f"{spec_id}-*.md"))
        assert len(files) == 1, files
        path = files[0]
        template_text = page.input_value("#source")
        assert "Edge cache warmer" in template_text

        # Type a defect: FR-1 without acceptance criteria. Its finding appears
        # without a page load (the marker set on this page survives).
        page.evaluate("() => { window.__samePage = true; }")
        page.fill("#source", with_requirement(template_text, DEFECT))
        page.wait_for_function(
            "() => document.getElementById('finding-list').textContent.includes('SB301')"
        )
        assert page.evaluate("() => window.__samePage === true")
        assert "FR-1" in page.inner_text("#finding-list")
        shoot(page, screenshots, "editor-with-finding")

        # Fix it: the finding goes away, still without a reload.
        typed = with_requirement(template_text, FIXED)
        page.fill("#source", typed)
        page.wait_for_function(
            "() => !document.getElementById('finding-list').textContent.includes('SB301')"
        )
        assert page.evaluate("() => window.__samePage === true")

        # A second session opens the same document before the first one saves.
        other = second.new_page()
        sign_in(other, live_portal)
        other.goto(edit_url)
        other_text = other.input_value("#source")

        page.click("#save")
        page.wait_for_url(f"**/doc/{spec_id}?done=saved")
        assert path.read_text(encoding="utf-8") == typed  # on disk exactly as typed
        assert "Saved." in page.inner_text("main")

        # The second session saves over it: refused, its text kept, the change shown.
        mine = other_text.replace("## Summary", "## Summary\n\nWritten by the second session.")
        other.fill("#source", mine)
        other.click("#save")
        other.wait_for_selector("#conflict-diff")
        assert "changed on disk" in other.inner_text("main")
        assert other.input_value("#source") == mine
        assert "Acceptance Criteria: the cache holds" in other.inner_text("#conflict-diff")
        assert path.read_text(encoding="utf-8") == typed  # the first user's text is intact
        shoot(other, screenshots, "editor-conflict")
    finally:
        first.close()
        second.close()


def test_save_in_the_browser_keeps_mixed_line_endings(
    browser: Browser, live_portal: LivePortal, screenshots: Path
) -> None:
    """A file with LF and CRLF lines, a lone CR, a leading blank line and no final
    newline: saved unchanged from Chromium's text box, not a byte changes (nothing is
    written); saved with one line edited, only that line's bytes change."""
    from tests.test_editor_save import mixed_document

    path = live_portal.root / "docs" / "specs" / "SPEC-004-carrier-auto-detection.md"
    path.write_bytes(mixed_document(path.read_bytes()))
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, live_portal)
        page.goto(f"{live_portal.url}/doc/SPEC-004/edit")
        assert page.input_value("#source").startswith("\n# Technical Specification")
        page.click("#save")
        page.wait_for_url("**/doc/SPEC-004?done=unchanged")
        assert "nothing was written" in page.inner_text("main")
        assert path.read_bytes() == before
        assert path.stat().st_mtime_ns == stamp

        page.goto(f"{live_portal.url}/doc/SPEC-004/edit")
        text = page.input_value("#source")
        assert text.count("Detect the carrier") == 1
        page.fill("#source", text.replace("Detect the carrier", "Guess the carrier"))
        page.click("#save")
        page.wait_for_url("**/doc/SPEC-004?done=saved")
        assert path.read_bytes() == before.replace(b"Detect the carrier", b"Guess the carrier")
        shoot(page, screenshots, "editor-saved-mixed-endings")
    finally:
        context.close()
