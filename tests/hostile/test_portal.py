"""``specbook serve`` over the hostile books (issue 17, "Must show" 2).

The portal runs as a user runs it: ``specbook serve --port 0`` in the book, a process
of its own, with the secret's marker in its environment too. Plain HTTP fetches every
kind of page and endpoint: home, the list and its facets, search, graph, timeline,
risks, sign-in, each document's page, JSON and diff (the hostile ones included), the
API, static files, every same-origin link and image those pages hold, and requests
for what lies outside the book (by ID, by path, through links, by ``..``). Chromium
reads a few pages as a visitor does in tests/browser/test_hostile_browser.py (the
browser is one per session, that folder's). For every response: no 500, the marker
nowhere (body or headers), and an answer within its bound; afterwards no traceback
and no marker in the server's log, and nothing outside the book changed.

Bounds (each an order of magnitude over what it takes on a busy 2-core machine):

- the portal starts (indexes the book) within 60 s, 90 s over the 50 MB book when
  no test indexed it before (about 2 s, and 10-20 s);
- each response over the book of every hostile file but the 50 MB one within 10 s
  (all but a few take under 0.1 s; the deep documents' pages under 2 s);
- the 50 MB document's page (56 MB of HTML) and its JSON, asked for at once, within
  90 s each (10-20 s); meanwhile every static GET within 10 s and half of them within
  1 s (measured on a busy 2-core machine: median 50-450 ms, the slowest 1-4 s; the
  event loop is free, but the worker threads building the two answers hold the
  interpreter lock, each C step over the whole file, such as parsing it, for up to a
  second; before, a static GET waited for the whole of the JSON, 7-12 s);
- the module takes about 27 s after test_cli.py (which indexes the 50 MB book), about
  40 s alone.
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.hostile.books import HUGE_ID, MARKER, ORDINARY, HostileBook
from tests.hostile.conftest import env, head

START = 60
START_HUGE = 90
PAGE = 10.0
PAGE_HUGE = 90.0
STATIC_WHILE_HUGE = 10.0
STATIC_WHILE_HUGE_MEDIAN = 1.0

# What lies outside the book, asked for every way a URL can: by the IDs of documents
# there, by the paths of links leading there, by `..`, by absolute paths.
OUTSIDE = [
    "/doc/SPEC-060",
    "/doc/SPEC-061",
    "/doc/SPEC-062",
    "/doc/TASK-050",
    "/doc/SPEC-096",
    "/doc/SPEC-097",
    "/doc/docs/specs/SPEC-060-passwd.md",
    "/doc/docs/bugs/passwd.md",
    "/doc/docs/tasks/TASK-050-secret.md",
    "/doc/docs/specs/vault/SPEC-061-vault.md",
    "/doc/docs/specs/SPEC-062-vault.md",
    "/doc/docs/specs/here/SPEC-001-shipment-tracking-api.md",
    "/doc/docs/specs/a.md",
    "/doc/docs/specs/self.md",
    "/doc/docs/specs/SPEC-097-caf%E9.md",
    "/doc/docs/specs/d%E9j%E0/SPEC-096-vu.md",
    "/doc/docs/specs/img/logo.png",
    "/doc/../../outside/passwd",
    "/doc/..%2F..%2Foutside%2Fpasswd",
    "/doc/%2Fetc%2Fpasswd",
    "/doc//etc/passwd",
    "/doc/SPEC-060/diff?base=0000000",
    "/doc/SPEC-060/edit",
    "/api/documents/SPEC-060",
    "/api/documents/TASK-050",
    "/api/documents/docs%2Fspecs%2FSPEC-060-passwd.md",
    "/api/documents/..%2F..%2Foutside%2Fpasswd",
    "/api/findings?path=docs/specs/SPEC-060-passwd.md",
    "/static/../../../outside/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/outside/passwd",
    "/static/..%2F..%2F..%2F..%2Foutside%2Fpasswd",
]


# -- the server --------------------------------------------------------------------------
@dataclass
class Served:
    """A running ``specbook serve``: its base URL and its log (stderr)."""

    hb: HostileBook
    url: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_bytes().decode("utf-8", "backslashreplace")


@dataclass
class Answer:
    path: str
    status: int
    body: bytes
    headers: str
    seconds: float


class Client:
    """A keep-alive HTTP/1.1 connection sending paths exactly as given (no client
    normalises the ``..`` away)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(self, path: str) -> Answer:
        began = time.monotonic()
        try:
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, ConnectionError):
            self.conn.close()  # the server closed the connection: open a new one
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
        body = resp.read()
        return Answer(path, resp.status, body, str(resp.headers), time.monotonic() - began)

    def close(self) -> None:
        self.conn.close()


def answers(port: int) -> bool:
    """Whether the portal at ``port`` answers a static GET."""
    try:
        return Client(port, 5).get("/static/style.css").status == 200
    except OSError:
        return False


def serve(hb: HostileBook, bound: float) -> Iterator[Served]:
    """``specbook serve --port 0`` in the book, until the caller is done; then stopped,
    and its log checked: no traceback, no marker."""
    log = hb.out / f"serve-{time.monotonic_ns()}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "specbook", "serve", "--port", "0"],
            cwd=hb.root,
            env={**env(), "PYTHONUNBUFFERED": "1", "HOSTILE_SECRET": MARKER},
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + bound
        port = None
        while port is None:
            found = re.search(rb"http://127\.0\.0\.1:(\d+)/", log.read_bytes())
            if found:
                port = int(found.group(1))
            elif proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the portal did not start within {bound} s (exit {proc.poll()}):\n"
                    + log.read_bytes().decode("utf-8", "backslashreplace")[-3000:],
                    pytrace=False,
                )
            else:
                time.sleep(0.05)
        # (the line is printed once the port is listened on; the app may still be starting)
        while not answers(port) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        yield Served(hb, f"http://127.0.0.1:{port}", port, proc, log)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    text = log.read_bytes()
    assert b"Traceback" not in text, text.decode("utf-8", "backslashreplace")[-5000:]
    assert MARKER.encode() not in text


@pytest.fixture(scope="module")
def portal(all_book: HostileBook) -> Iterator[Served]:
    """The portal over every hostile file but the 50 MB one."""
    yield from serve(all_book, START)


@pytest.fixture(scope="module")
def huge_portal(huge_book: HostileBook) -> Iterator[Served]:
    """The portal over the 50 MB document."""
    yield from serve(huge_book, START_HUGE)


def problems_of(answer: Answer, bound: float) -> list[str]:
    """What is wrong with a response: a server error, the marker, too slow."""
    found = []
    if answer.status >= 500:
        found.append(f"status {answer.status}")
    if MARKER.encode() in answer.body or MARKER in answer.headers:
        found.append("the secret outside the book")
    if answer.seconds > bound:
        found.append(f"{answer.seconds:.1f} s (bound {bound} s)")
    return [f"GET {answer.path}: {p}" for p in found]


class Links(HTMLParser):
    """The href and src of a page's elements (forms left out: they post)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def same_origin_links(base: str, answer: Answer) -> set[str]:
    """The paths (and queries) of the same-origin links and images of an HTML page."""
    parser = Links()
    parser.feed(answer.body.decode("utf-8", "replace"))
    out = set()
    for link in parser.found:
        full = urlsplit(urljoin(base + answer.path, link))
        if f"{full.scheme}://{full.netloc}" == base and not full.path.startswith("/logout"):
            out.add(full.path + (f"?{full.query}" if full.query else ""))
    return out


# -- every page over the book of every hostile file ----------------------------------------
def pages_of(hb: HostileBook, commit: str) -> list[str]:
    """Every kind of page and endpoint, for every document (hostile ones included)."""
    ids = [*ORDINARY, *sorted(hb.hostile.listed)]
    fixed = [
        "/",
        "/documents",
        "/documents?kind=spec&sort=title",
        "/documents?status=draft",
        "/search",
        "/search?q=carrier",
        "/search?q=caf%C3%A9",
        "/search?q=wombat",
        "/search?q=%00",
        "/search?q=%FF%FE",
        "/search?q=NUL%20title",
        "/graph",
        "/timeline",
        "/risks",
        "/login",
        "/new",
        "/api/openapi.json",
        "/api/documents",
        "/api/documents?kind=spec",
        "/api/search?q=carrier",
        "/api/search?q=wombat",
        "/api/findings",
        "/static/style.css",
        "/static/app.js",
        "/static/search.js",
        "/no/such/page",
    ]
    per_doc = [
        page
        for doc_id in ids
        for page in (
            f"/doc/{doc_id}",
            f"/api/documents/{doc_id}",
            f"/doc/{doc_id}/diff?base={commit}",
            f"/api/findings?path={quote(ORDINARY.get(doc_id) or hb.hostile.listed[doc_id])}",
        )
    ]
    by_path = [f"/doc/{quote(path)}" for path in hb.hostile.listed.values()]
    return fixed + per_doc + by_path


def test_every_page_over_the_hostile_book(portal: Served) -> None:
    hb = portal.hb
    client = Client(portal.port, 60)
    try:
        answers = [client.get(p) for p in pages_of(hb, head(hb))]
        found = {a.path for a in answers}
        linked = set()
        for a in answers:
            if a.status == 200 and b"<html" in a.body[:500].lower():
                linked |= same_origin_links(portal.url, a)
        answers += [client.get(p) for p in sorted(linked - found)]
        outside = [client.get(p) for p in OUTSIDE]
    finally:
        client.close()
    problems = [p for a in [*answers, *outside] for p in problems_of(a, PAGE)]
    assert not problems, "\n".join(problems)
    by_path = {a.path: a for a in answers}
    for doc_id in [*ORDINARY, *hb.hostile.listed]:
        for page in (f"/doc/{doc_id}", f"/api/documents/{doc_id}", f"/doc/{doc_id}/diff"):
            answer = next(a for a in answers if a.path.split("?")[0] == page)
            assert answer.status == 200, (answer.path, answer.status, answer.body[:300])
    assert by_path["/api/search?q=wombat"].body == b"[]"
    # nothing of what lies outside is shown: not found, refused, or (the editor, signed
    # out) sent to sign in; the findings of a link leading out say only that it is one
    findings = next(a for a in outside if a.path.startswith("/api/findings"))
    assert {f["rule"] for f in json.loads(findings.body)} <= {"SB002"}
    outside.remove(findings)
    assert all(a.status in (303, 400, 404) for a in outside), [
        (a.path, a.status) for a in outside if a.status not in (303, 400, 404)
    ]
    assert len(linked - found) > 20  # (facets, documents' links, images, assets)
    print(f"{len(answers) + len(outside)} responses; slowest:")
    for a in sorted([*answers, *outside], key=lambda a: -a.seconds)[:8]:
        print(f"  {a.seconds:5.2f} s  {a.status}  {a.path}")


# -- the 50 MB document --------------------------------------------------------------------
# (the risk register is left out here: it parses every document as the timeline does)
HUGE_REST = ["/", "/documents", "/search?q=carrier", "/graph", "/timeline", "/doc/SPEC-001"]
HUGE_REST += ["/api/search?q=carrier", "/api/findings"]


def test_the_50mb_document_while_static_files_stay_quick(huge_portal: Served) -> None:
    """The 50 MB document's page and its JSON, at once; meanwhile static GETs are
    answered (see the bounds above). Then the other pages of its book."""
    answers: dict[str, Answer] = {}

    def fetch(path: str) -> None:
        client = Client(huge_portal.port, PAGE_HUGE + 30)
        try:
            answers[path] = client.get(path)
        finally:
            client.close()

    big = [f"/doc/{HUGE_ID}", f"/api/documents/{HUGE_ID}"]
    threads = [threading.Thread(target=fetch, args=(p,)) for p in big]
    for t in threads:
        t.start()
    probe = Client(huge_portal.port, 30)
    static: list[float] = []
    try:
        while any(t.is_alive() for t in threads):
            static.append(probe.get("/static/style.css").seconds)
            time.sleep(0.05)
        for t in threads:
            t.join()
        rest = [probe.get(p) for p in HUGE_REST]
    finally:
        probe.close()
    problems = [p for a in answers.values() for p in problems_of(a, PAGE_HUGE)]
    problems += [p for a in rest for p in problems_of(a, PAGE)]
    assert not problems, "\n".join(problems)
    assert [answers[p].status for p in big] == [200, 200]
    assert HUGE_ID.encode() in answers[big[0]].body[:20_000]
    assert all(a.status == 200 for a in rest), [(a.path, a.status) for a in rest]
    assert len(static) >= 5, static
    assert max(static) < STATIC_WHILE_HUGE, static
    assert statistics.median(static) < STATIC_WHILE_HUGE_MEDIAN, static
    print(
        f"page {answers[big[0]].seconds:.1f} s ({len(answers[big[0]].body) >> 20} MB), "
        f"JSON {answers[big[1]].seconds:.1f} s; static GETs meanwhile: {len(static)}, "
        f"median {statistics.median(static) * 1000:.0f} ms, max {max(static) * 1000:.0f} ms"
    )
    for a in rest:
        print(f"  {a.seconds:5.2f} s  {a.status}  {a.path}")
