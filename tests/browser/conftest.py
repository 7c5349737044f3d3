"""Browser fixtures: one headless Chromium (Debian's, never a downloaded one) for the
whole session, a live portal per module, a folder for screenshots, and a guard that
notices any script a document manages to run."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.webbook import copy_book

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Page

CHROMIUM = Path("/usr/bin/chromium")
# The portal's dates (Modified, Review History) are pinned so the expected file can
# be computed independently.
TODAY = "2026-11-20"
REVIEWER = "Ana Reviewer"
PASSWORD = "correct horse battery"
_shots: list[Path] = []


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. A missing browser fails the run: these tests
    must run in CI, and they never download a browser."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium and never "
            "download one; install it with `apt-get install chromium` (make test does)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
            # the browser keeps the real clock: under `make test-dates` only the wall clock
            # of specbook's processes is moved (libfaketime), and Chromium does not start
            # with it preloaded
            env={
                k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "FAKETIME"))
            },
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (no cookies), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    new = context.new_page()
    yield new
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $SPECBOOK_SCREENSHOTS (CI keeps it as an artifact), else
    a temporary folder; the path is printed at the end of the run."""
    chosen = os.environ.get("SPECBOOK_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"browser screenshots: {folder}")
    _shots.append(folder)
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for folder in _shots:
        terminalreporter.write_line(f"browser screenshots: {folder}")


def shoot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 1000, f"{path} looks empty"
    return path


@dataclass
class LivePortal:
    url: str
    root: Path


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    """The real portal (uvicorn) on an ephemeral port of 127.0.0.1, over a fresh copy
    of the example book plus the hostile document, with one reviewer account."""
    root = copy_book(tmp_path_factory.mktemp("portal") / "book")
    with serve_book(root) as portal:
        yield portal


@contextmanager
def serve_book(root: Path) -> Iterator[LivePortal]:
    """The real portal (uvicorn) over the book at ``root`` on an ephemeral port of
    127.0.0.1, with one reviewer account, until the block ends."""
    import uvicorn

    from specbook.services.zeroconf import open_book
    from specbook.web.app import create_app
    from specbook.web.auth import Accounts, hash_password

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPECBOOK_TODAY", TODAY)
        accounts = Accounts({REVIEWER: hash_password(PASSWORD, iterations=1000)}, {})
        app = create_app(open_book(root), accounts)
        sock = socket.socket(socket.AF_INET)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="portal", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the portal did not start within 15 s", pytrace=False)
            time.sleep(0.02)
        try:
            yield LivePortal(f"http://127.0.0.1:{port}", root)
        finally:
            server.should_exit = True
            thread.join(10)
            sock.close()


@dataclass
class ScriptGuard:
    """What a page did that only script could do: dialogs, console output, errors."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> ScriptGuard:
        def dialog(d: Dialog) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.on("console", lambda m: self.console.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return self

    def assert_nothing_ran(self, page: Page) -> None:
        """No flag set, no dialog, no error, and no script blocked by the CSP either
        (the sanitizer, not only the policy, stopped it); then prove the guard would
        have seen a dialog."""
        assert page.evaluate("() => window.__pwned === undefined"), page.evaluate(
            "() => window.__pwned"
        )
        assert self.dialogs == []
        assert self.errors == []
        assert [c for c in self.console if "pwned" in c or "Content Security Policy" in c] == []
        page.evaluate("() => alert('control')")
        assert self.dialogs == ["control"]


def click_hostile_links(page: Page, texts: tuple[str, ...]) -> None:
    """Click each of the hostile document's links; none may navigate anywhere."""
    before = page.url
    page.hover("h1")
    for text in texts:
        page.get_by_text(text, exact=True).click()
        page.wait_for_timeout(50)
        assert page.url == before, f"clicking {text!r} went to {page.url}"


def graph_drawn(page: Page, draws: int = 1, timeout: float = 20_000) -> None:
    """Wait until the graph view (static/graph.js) has drawn and laid out its graph
    ``draws`` times (each filter, expansion or focus that changes what is shown draws
    it again)."""
    page.wait_for_function(
        "n => Number(document.getElementById('graph-view').dataset.ready || 0) >= n",
        arg=draws,
        timeout=timeout,
    )


def graph_draws(page: Page) -> int:
    return int(page.evaluate("() => Number(document.getElementById('graph-view').dataset.ready)"))


def graph_ids(page: Page) -> list[str]:
    """The IDs of the documents drawn one by one (not in a collapsed cluster)."""
    ids: list[str] = page.evaluate(
        "() => { const g = window.specbookGraph;"
        " return g.cy.nodes().filter(n => n.data('n') !== undefined)"
        ".map(n => g.book.data.nodes[n.data('n')][0]); }"
    )
    return ids


def click_graph_node(page: Page, element: str) -> None:
    """Click the canvas where the node with cytoscape id ``element`` (``n:3``, ``c:SPEC``)
    is drawn, as a reader would."""
    page.locator(".graph-canvas").scroll_into_view_if_needed()
    box = page.locator(".graph-canvas").bounding_box()
    assert box is not None
    at = page.evaluate(
        "id => window.specbookGraph.cy.getElementById(id).renderedPosition()", element
    )
    assert 0 < at["x"] < box["width"] and 0 < at["y"] < box["height"], (element, at, box)
    page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])


def graph_element(page: Page, doc_id: str) -> str:
    """The cytoscape id of document ``doc_id``'s node."""
    found: str = page.evaluate(
        "id => 'n:' + window.specbookGraph.book.byId.get(id.toUpperCase())", doc_id
    )
    return found
