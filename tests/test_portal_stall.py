"""One request must not stall the portal (issue 17, M2): failed sign-ins neither sleep
on the event loop nor go unthrottled, deeply nested Markdown is shown as text before
the sanitizer sees it, /preview is bounded, a slow render degrades to text, and
``specbook build`` of a deeply nested list finishes."""

from __future__ import annotations

import html
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.testclient import TestClient

from specbook.core.config import PortalLimits, load_config
from specbook.core.errors import ConfigError
from specbook.services.zeroconf import open_book
from specbook.web.app import COOKIE, create_app
from specbook.web.auth import Accounts, hash_password
from specbook.web.render import (
    MAX_NESTING,
    Rendered,
    RenderLimit,
    html_too_deep,
    source_too_deep,
    to_html,
)
from specbook.web.throttle import SignInThrottle

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"
USER = "Mateo García"
PASSWORD = "correct horse battery"
DEEP_ID = "SPEC-091"
DEEP_PATH = "docs/specs/SPEC-091-deep-lists.md"
HEADER = """\
# Technical Specification: Deep lists

**ID**: SPEC-091
**Date**: 2026-01-05
**Status**: Draft
**Type**: Feature

---

## Summary

"""
NOTICE = "Shown as plain text:"


def deep_list(size: int) -> str:
    """``- - - - … x``: ``size`` bytes of one list nested in the one before."""
    return "- " * (size // 2) + "x\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "book"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".specbook"))
    return dest


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in_form(client: TestClient | httpx2.Client, name: str, password: str) -> dict[str, str]:
    token = csrf_of(client.get("/login").text)
    return {"csrf": token, "name": name, "password": password, "next": "/"}


@contextmanager
def cpu_seconds() -> Iterator[list[float]]:
    """The CPU time this process spends in the block (every thread): a bound that a
    busy machine does not break, as it would a wall-clock one."""
    spent: list[float] = []
    t0 = time.process_time()
    yield spent
    spent.append(time.process_time() - t0)


# -- nesting bound -----------------------------------------------------------------------


def test_a_60kb_nested_list_is_plain_text_with_a_notice_at_once() -> None:
    text = deep_list(60_000)
    with cpu_seconds() as cpu:
        out = to_html(text)
    assert cpu[0] < 0.5
    assert out.html.startswith('<p class="render-notice">') and NOTICE in out.html
    assert f"more than {MAX_NESTING} levels" in out.html
    assert "<ul>" not in out.html and "- - - x" in out.html


@pytest.mark.parametrize(
    "text",
    [
        "> " * 2000 + "quote\n",
        "1. " * 2000 + "one\n",
        "".join("  " * i + "- item\n" for i in range(MAX_NESTING + 2)),
        "> - " * 40 + "mixed\n",
        "<ul><li>" * 5000 + "raw html\n",  # passes through pyromark as raw HTML
    ],
    ids=["blockquotes", "ordered", "indented", "mixed", "raw-html"],
)
def test_other_deep_nesting_is_plain_text_too(text: str) -> None:
    out = to_html(text)
    assert NOTICE in out.html


def test_escaped_text_carries_no_markup() -> None:
    out = to_html("- " * 100 + '<script>alert("x")</script>\n')
    assert NOTICE in out.html
    assert "<script>" not in out.html and html.escape("<script>") in out.html


def test_ordinary_nesting_and_rules_still_render() -> None:
    nested = "".join("  " * i + "- item\n" for i in range(MAX_NESTING))
    assert not source_too_deep(nested)
    assert "<ul>" in to_html(nested).html
    assert NOTICE not in to_html("- " * 40 + "\n\nbelow a long rule\n").html
    assert not source_too_deep("- " * MAX_NESTING + "x\n")
    assert source_too_deep("- " * (MAX_NESTING + 1) + "x\n")
    assert html_too_deep("<b><i></b></i>" * 20, 10)  # misnested: counted deeper, not shallower
    assert html_too_deep("<div>" * 11, 10) and not html_too_deep("<div></div>" * 100, 10)
    for doc in (EXAMPLE / "docs").rglob("*.md"):
        assert NOTICE not in to_html(doc.read_text(encoding="utf-8")).html, doc


def test_html_of_markdown_alone_skips_the_nesting_scan_and_deep_inline_markup_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from specbook.web import render

    calls: list[int] = []
    scan = render.html_too_deep
    monkeypatch.setattr(
        render, "html_too_deep", lambda raw, limit: calls.append(1) or scan(raw, limit)
    )
    # Markdown alone (tables, code, footnotes, lists): its depth is known from its
    # events, so pyromark's HTML is not scanned again
    plain = [d.read_text(encoding="utf-8") for d in sorted((EXAMPLE / "docs").rglob("*.md"))]
    plain = [text for text in plain if "<" not in text]
    assert len(plain) >= 5
    for text in plain:
        assert NOTICE not in to_html(text).html and not calls
    # nesting without raw HTML and without containers: strong inside strong
    deep = "**a " * 40 + "x" + " a**" * 40 + "\n"
    assert "<strong>" in to_html(deep, max_nesting=32).html
    out = to_html(deep, max_nesting=8)  # (40 deep > 4 * 8)
    assert NOTICE in out.html and "<strong>a" not in out.html and calls
    # raw HTML is always scanned
    calls.clear()
    assert NOTICE in to_html("<div>" * 40 + "x\n", max_nesting=8).html and calls


def test_deep_document_page_renders_in_under_a_second_with_the_notice(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specbook.web import pages

    # The CPU of the threads that make the page (its parse and render, its findings, the
    # page itself): the process's would count the portal's background threads too
    # (under xdist, those of earlier tests' portals in the same worker), which made
    # this fail at 1.07 s on a shifted-clock run where the page itself took 0.05 s.
    spent: list[float] = []

    def timed(name: str) -> None:
        real = getattr(pages.DocumentPages, name)

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            t0 = time.thread_time()
            try:
                return real(self, *args, **kwargs)
            finally:
                spent.append(time.thread_time() - t0)

        monkeypatch.setattr(pages.DocumentPages, name, wrapper)

    (root / DEEP_PATH).write_text(HEADER + deep_list(60_000), encoding="utf-8")
    with TestClient(create_app(open_book(root))) as c:
        assert c.app.state.portal.lint_ready.wait(120)  # type: ignore[attr-defined]
        assert c.get("/doc/SPEC-001").status_code == 200  # the book's coverage, computed once
        for name in ("built", "linted", "get"):
            timed(name)
        t0 = time.perf_counter()
        r = c.get(f"/doc/{DEEP_ID}")
        wall = time.perf_counter() - t0
    assert r.status_code == 200
    assert NOTICE in r.text and "- - - x" in r.text
    assert spent and sum(spent) < 1.0, f"the page took {spent} s of CPU"
    assert wall < 10, f"the page took {wall:.2f} s"


# -- specbook build ---------------------------------------------------------------------------


def test_build_of_a_200kb_nested_list_finishes_within_10_cpu_seconds(
    root: Path, tmp_path: Path
) -> None:
    """Before: nh3 sanitized the nested list for minutes. Bounded by CPU time (the
    machine may be busy); the wall-clock timeout only stops a hang."""
    (root / DEEP_PATH).write_text(HEADER + deep_list(200_000), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "specbook", "build", "--out", str(tmp_path / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "site" / "doc" / f"{DEEP_ID}.html").read_text(encoding="utf-8")
    assert NOTICE in page
    assert cpu < 10, f"the build took {cpu:.1f} s of CPU"


# -- render time limit -----------------------------------------------------------------------


class SlowRender:
    """A renderer that takes as long as the test wants (until ``release``)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, text: str) -> Rendered:
        self.calls += 1
        self.release.wait(30)
        return to_html(text)


def test_render_time_limit_degrades_to_escaped_text() -> None:
    slow = SlowRender()
    limited = RenderLimit(0.2, render=slow)
    try:
        t0 = time.perf_counter()
        out = limited("# Title\n\n<script>alert(1)</script> & more\n")
        assert time.perf_counter() - t0 < 2
    finally:
        slow.release.set()
    assert out.timed_out and out.toc == []
    assert NOTICE in out.html and "took longer than 0.2 seconds" in out.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in out.html
    assert "<script>" not in out.html and "<h1" not in out.html


def test_render_time_limit_returns_a_fast_render_and_its_errors() -> None:
    limited = RenderLimit(5)
    assert "<h1" in limited("# Title\n").html and not limited("# Title\n").timed_out

    def broken(text: str) -> Rendered:
        raise ValueError("broken renderer")

    with pytest.raises(ValueError, match="broken renderer"):
        RenderLimit(5, render=broken)("x")


def test_slow_document_page_shows_text_and_is_rendered_again_later(root: Path) -> None:
    slow = SlowRender()
    with TestClient(create_app(open_book(root))) as c:
        portal = c.app.state.portal  # type: ignore[attr-defined]
        portal.docs.render = RenderLimit(0.2, render=slow)
        try:
            r = c.get("/doc/SPEC-001")
        finally:
            slow.release.set()
        assert r.status_code == 200 and "took longer than 0.2 seconds" in r.text
        portal.docs.render = to_html  # the timed-out page was not cached
        r = c.get("/doc/SPEC-001")
        assert NOTICE not in r.text and '<h2 id="summary">' in r.text


# -- [portal] limits -----------------------------------------------------------------------


def test_portal_limits_come_from_the_portal_table(root: Path) -> None:
    config = root / "specbook.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "\n[portal]\nsignin_user_failures = 3\nsignin_ip_failures = 9\n"
        "signin_window = 120\npreview_bytes = 2048\nrender_seconds = 7\n",
        encoding="utf-8",
    )
    limits = load_config(config).portal_limits
    assert limits == PortalLimits(
        signin_user_failures=3,
        signin_ip_failures=9,
        signin_window=120,
        preview_bytes=2048,
        render_seconds=7,
    )
    portal = create_app(open_book(root)).state.portal
    assert (portal.throttle.user_limit, portal.throttle.ip_limit) == (3, 9)
    assert (portal.throttle.window, portal.markdown.seconds) == (120, 7)
    config.write_text('[portal]\nsignin_window = "soon"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert err.value.key == "portal.signin_window"


# -- /preview ------------------------------------------------------------------------------


def signed_in(root: Path) -> tuple[TestClient, str]:
    c = TestClient(
        create_app(open_book(root), Accounts(users={USER: hash_password(PASSWORD, 1000)}))
    )
    r = c.post("/login", data=sign_in_form(c, USER, PASSWORD), follow_redirects=False)
    assert r.status_code == 303
    return c, csrf_of(c.get("/doc/SPEC-003").text)


def test_preview_over_the_limit_is_413(root: Path) -> None:
    c, csrf = signed_in(root)
    with c:
        headers = {"X-CSRF-Token": csrf}
        limit = PortalLimits().preview_bytes
        assert limit == 512 * 1024
        r = c.post("/preview", json={"text": "a" * (limit + 1)}, headers=headers)
        assert r.status_code == 413
        assert r.json()["error"] == "the text is too large to preview (at most 512 KB)"
        r = c.post("/preview", content=b'{"text": "' + b"a" * (3 * limit) + b'"}', headers=headers)
        assert r.status_code == 413  # refused by its size, before it is parsed
        r = c.post("/preview", json={"text": "# Title\n\nbody\n"}, headers=headers)
        assert r.status_code == 200 and "<h1" in r.json()["html"]


def test_preview_of_a_deep_list_is_quick_plain_text(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specbook.web import authoring

    # The CPU of the thread that makes the preview: the process's would count the
    # portal's background threads too (its start-up lint; under xdist, those of
    # earlier tests' portals in the same worker), which made this fail on a busy run.
    cpu: list[float] = []
    real = authoring.preview

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.thread_time()
        try:
            return real(*args, **kwargs)
        finally:
            cpu.append(time.thread_time() - t0)

    monkeypatch.setattr(authoring, "preview", timed)
    c, csrf = signed_in(root)
    with c:
        text = deep_list(60_000)
        r = c.post("/preview", json={"text": text}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and NOTICE in r.json()["html"]
    assert len(cpu) == 1 and cpu[0] < 1.0, f"the preview took {cpu} s of CPU"


# -- failed sign-ins do not hold the event loop ----------------------------------------


@contextmanager
def served(app: Starlette) -> Iterator[str]:
    """``app`` served by a real uvicorn server in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    # The start-up lint of the whole book runs in a thread of this process; a probe's
    # latency is measured after it, not against it for the GIL.
    assert app.state.portal.lint_ready.wait(120), "the start-up lint did not finish"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def test_failed_sign_ins_in_flight_do_not_delay_a_static_get(root: Path) -> None:
    """30 wrong passwords at once: static GETs made meanwhile stay fast. Before: each
    failure slept 0.2 s on the event loop (and the hashes could take every worker
    thread), so a GET waited seconds."""
    stored = hash_password(PASSWORD, 30_000)  # a quarter of the real cost: a shorter test
    app = create_app(open_book(root), Accounts(users={USER: stored}))
    app.state.portal.throttle = SignInThrottle(user_limit=1000, ip_limit=1000)  # every one hashes
    burst = 30
    with served(app) as url:
        with httpx2.Client(base_url=url, timeout=60) as probe:
            assert probe.get("/static/style.css").status_code == 200
        start = threading.Barrier(burst + 1)
        codes: list[int] = []

        def guess(n: int) -> None:
            # each guesser is its own visitor: the form's token is bound to its cookie
            with httpx2.Client(base_url=url, timeout=60) as c:
                form = sign_in_form(c, USER, f"wrong {n}")
                start.wait()
                codes.append(c.post("/login", data=form).status_code)

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(burst)]
        for t in threads:
            t.start()
        start.wait()
        latencies = []
        with httpx2.Client(base_url=url, timeout=60) as probe:
            while any(t.is_alive() for t in threads):
                t0 = time.perf_counter()
                assert probe.get("/static/style.css").status_code == 200
                latencies.append(time.perf_counter() - t0)
                time.sleep(0.02)
        for t in threads:
            t.join()
    # (before, 30 failures slept 0.2 s each on the event loop: a GET waited up to 6 s)
    assert max(latencies) < UNBLOCKED, f"static GETs took up to {max(latencies):.2f} s"
    assert len(latencies) >= 3  # made while the sign-ins were in flight
    assert codes == [401] * burst


# -- a document's page and JSON are made off the event loop --------------------------------


HOLD = 20.0  # seconds a held step waits at most to be let go
# A static GET blocked behind a held step waits for it (or times out at 5 s): any bound
# well under both tells the two apart, and this one leaves room for a loaded machine.
UNBLOCKED = 2.0


class Held:
    """A step that signals when it starts and waits (at most HOLD s) to be let go."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def hold(self) -> None:
        self.started.set()
        self.release.wait(HOLD)


def static_get_while(url: str, path: str, held: Held) -> float:
    """GET ``path`` in a thread; once its slow step is under way, a static GET: its
    seconds (a static GET blocked behind the step times out, and fails the test)."""
    answers: list[int] = []
    thread = threading.Thread(
        target=lambda: answers.append(httpx2.get(url + path, timeout=60).status_code)
    )
    thread.start()
    try:
        assert held.started.wait(20), f"GET {path} never reached its slow step"
        with httpx2.Client(base_url=url, timeout=5) as probe:
            t0 = time.perf_counter()
            assert probe.get("/static/style.css").status_code == 200
            return time.perf_counter() - t0
    finally:
        held.release.set()
        thread.join(30)
        assert answers == [200]


def test_a_document_page_is_rendered_off_the_event_loop(root: Path) -> None:
    """The page of a 50 MB document is 56 MB of HTML: seconds of Jinja, which ran on
    the event loop and held every other request (a static GET waited 2.4 s)."""
    app = create_app(open_book(root))
    env = app.state.portal.env
    held = Held()
    real = env.get_template

    class SlowTemplate:
        def __init__(self, name: str) -> None:
            self.template = real(name)

        def render(self, **context: object) -> str:
            held.hold()
            return self.template.render(**context)

    def get_template(name: str, *more: object) -> object:
        return SlowTemplate(name) if name == "doc.html" else real(name, *more)

    env.get_template = get_template
    with served(app) as url:
        assert static_get_while(url, "/doc/SPEC-001", held) < UNBLOCKED


def test_a_documents_json_is_made_off_the_event_loop(root: Path) -> None:
    """GET /api/documents/{ID} read, parsed, rendered and linted the document on the
    event loop: over the 50 MB one a static GET waited 7 s."""
    app = create_app(open_book(root))
    held = Held()
    docs = app.state.portal.docs
    real = docs.parsed

    def slow(path: str) -> object:
        held.hold()
        return real(path)

    docs.parsed = slow
    with served(app) as url:
        assert static_get_while(url, "/api/documents/SPEC-001", held) < UNBLOCKED


def test_a_documents_json_and_diff_render_no_html(root: Path) -> None:
    """The JSON and the diff page show no HTML of the document: they rendered it (the
    50 MB document's: 10 s of CPU for each request, for nothing)."""

    def no_render(text: str) -> Rendered:
        raise AssertionError("rendered")

    app = create_app(open_book(root))
    app.state.portal.docs.render = no_render
    with TestClient(app) as client:
        answer = client.get("/api/documents/SPEC-001")
        assert answer.status_code == 200 and answer.json()["id"] == "SPEC-001"
        assert client.get("/doc/SPEC-001/diff?base=0000000").status_code in (200, 400)
        app.state.portal.docs.render = to_html
        assert '<h2 id="summary">' in client.get("/doc/SPEC-001").text  # the page renders


@pytest.mark.parametrize(
    ("page", "step"),
    [("/timeline", "timeline"), ("/risks", "risks"), ("/doc/SPEC-001", "coverage_map")],
)
def test_whole_book_views_are_made_off_the_event_loop(
    root: Path, monkeypatch: pytest.MonkeyPatch, page: str, step: str
) -> None:
    """The timeline and the risk register parse every document of the book, coverage
    reads its code: on the event loop, once per change of the book (the 50 MB document
    held it 2.4 s for the timeline)."""
    from specbook.web import pages

    held = Held()
    real = getattr(pages, step)

    def slow(*args: object) -> object:
        held.hold()
        return real(*args)

    monkeypatch.setattr(pages, step, slow)
    with served(create_app(open_book(root))) as url:
        assert static_get_while(url, page, held) < UNBLOCKED


# -- throttle and lockout ---------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def client_with(root: Path, throttle: SignInThrottle) -> TestClient:
    app = create_app(open_book(root), Accounts(users={USER: hash_password(PASSWORD, 1000)}))
    app.state.portal.throttle = throttle
    return TestClient(app)


def test_sign_in_locks_out_a_user_after_n_failures_then_lets_in_after_the_window(
    root: Path, clock: Clock
) -> None:
    throttle = SignInThrottle(user_limit=3, ip_limit=100, window=600, clock=clock)
    with client_with(root, throttle) as c:
        for i in range(3):
            clock.now += 10
            r = c.post("/login", data=sign_in_form(c, USER, f"wrong {i}"))
            assert r.status_code == 401
        # the right password too is refused while locked, without checking it
        r = c.post("/login", data=sign_in_form(c, "mateo garcía", PASSWORD), follow_redirects=False)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "580"  # the first failure leaves the window then
        assert "Too many failed sign-ins" in r.text and "10 minutes" in r.text
        assert COOKIE not in r.cookies
        # another name from the same address is not locked
        r = c.post("/login", data=sign_in_form(c, "someone else", "guess"))
        assert r.status_code == 401
        clock.now += 580
        r = c.post("/login", data=sign_in_form(c, USER, PASSWORD), follow_redirects=False)
        assert r.status_code == 303
        assert COOKIE in r.cookies


def test_sign_in_locks_out_an_address_after_n_failures_across_names(
    root: Path, clock: Clock
) -> None:
    throttle = SignInThrottle(user_limit=100, ip_limit=4, window=60, clock=clock)
    with client_with(root, throttle) as c:
        for name in ("ana", "bo", "cy", "di"):
            assert c.post("/login", data=sign_in_form(c, name, "guess")).status_code == 401
        r = c.post("/login", data=sign_in_form(c, USER, PASSWORD), follow_redirects=False)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "60"
        clock.now += 61
        r = c.post("/login", data=sign_in_form(c, USER, PASSWORD), follow_redirects=False)
        assert r.status_code == 303


def test_a_success_clears_the_users_failures(clock: Clock) -> None:
    throttle = SignInThrottle(user_limit=2, ip_limit=3, window=60, clock=clock)
    assert throttle.attempt("Ana", "10.0.0.1") is None  # failed
    assert throttle.attempt("ana ", "10.0.0.1") is None
    throttle.succeeded("ana ", "10.0.0.1")
    assert throttle.attempt("ANA", "10.0.0.1") is None  # the name starts afresh
    assert throttle.attempt("Ana", "10.0.0.1") is None
    assert throttle.attempt("Ana", "10.0.0.1") == 60  # two failures since
    assert throttle.attempt("Bo", "10.0.0.2") is None  # other address, other name


def test_concurrent_attempts_count_before_they_are_judged(clock: Clock) -> None:
    """A burst in flight at once cannot get more than the limit through."""
    throttle = SignInThrottle(user_limit=5, ip_limit=1000, window=60, clock=clock)
    started = [throttle.attempt("ana", f"10.0.0.{i}") for i in range(50)]
    assert started.count(None) == 5
