"""The portal's server-rendered pages: what each shows, sign-in, CSRF on every form,
review actions through the lifecycle engine, sanitizing, and --watch refresh."""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from specbook.services.zeroconf import open_book
from specbook.web.app import COOKIE, create_app
from specbook.web.auth import Accounts, hash_password

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"
sys.path.insert(0, str(REPO / "bench"))
import gen  # noqa: E402

PASSWORD = "correct horse battery"
USER = "Mateo García"
SPEC2 = "docs/specs/SPEC-002-carrier-webhook-ingestion.md"
SPEC3 = "docs/specs/SPEC-003-delivery-notifications.md"
SPEC4 = "docs/specs/SPEC-004-carrier-auto-detection.md"


def accounts() -> Accounts:
    return Accounts(users={USER: hash_password(PASSWORD, 1000)})


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-11-20")
    dest = tmp_path / "book"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".specbook"))
    return dest


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(open_book(root), accounts())) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"csrf": token, "name": USER, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return csrf_of(client.get("/doc/SPEC-003").text)


def text_of(html: str) -> str:
    """The page's visible text on one line (tags out, entities decoded)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def rows_of(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<tr><td><a href="/doc/([^"]+)">', body)


# -- pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/documents", "/search?q=carrier", "/doc/SPEC-003", "/graph", "/timeline", "/risks"],
)
def test_pages_are_200_with_a_content_security_policy(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"


def test_home_counts_and_reviews_waiting(client: TestClient) -> None:
    page = text_of(client.get("/").text)
    assert "14 documents" in page
    assert "1 waiting for review" in page
    assert "0 stale reviews" in page
    assert re.search(r"By kind BUG ?: 3 DEC ?: 3 SPEC ?: 5 TASK ?: 3", page)
    waiting = page[page.index("Waiting for review") : page.index("Recent changes")]
    assert "SPEC-003 Delivery notifications 2026-11-16 4" in waiting


def test_home_marks_a_stale_review(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-12-31")
    page = text_of(client.get("/").text)
    assert "1 stale reviews" in page
    assert "SPEC-003 Delivery notifications 2026-11-16 45 stale" in page


def test_search_shows_snippets_with_marks(client: TestClient) -> None:
    html = client.get("/search", params={"q": "webhook"}).text
    assert re.search(r'<div class="snippet">[^<]*<mark>webhook</mark>', html, re.I)
    assert re.search(r'<a class="hit" href="/doc/DEC-003[#"]', html)
    partial = client.get("/search", params={"q": "webhook", "partial": "1"}).text
    assert "<html" not in partial and "<mark>" in partial.lower()
    none = text_of(client.get("/search", params={"q": "zzyzx"}).text)
    assert "No document matches “zzyzx”" in none


def test_search_escapes_the_query(client: TestClient) -> None:
    html = client.get("/search", params={"q": '"<img src=x onerror=alert(1)>'}).text
    assert "<img src=x" not in html


def test_document_page_shows_contents_requirements_backlinks_history(client: TestClient) -> None:
    html = client.get("/doc/SPEC-003").text
    toc = html[html.index('class="toc"') : html.index("</nav>", html.index('class="toc"'))]
    assert '<a href="#summary">Summary</a>' in toc
    assert '<a href="#functional-requirements">Functional Requirements</a>' in toc
    assert '<h2 id="summary">Summary</h2>' in html
    assert re.search(r'<a href="#L\d+">FR-1</a>', html)
    back = html[html.index("Referenced by") :]
    assert '<a href="/doc/BUG-003">BUG-003</a>' in back
    assert '<a href="/doc/DEC-003">DEC-003</a>' in back
    history = text_of(html[html.index("Review history") :])
    assert "2026-10-05 Priya Raman Draft Initial draft" in history
    assert "2026-11-16 Priya Raman Review" in history
    assert "Findings" not in html  # the example book is clean
    assert client.get("/doc/spec-003").status_code == 200
    assert client.get(f"/doc/{SPEC3}").status_code == 200


def test_document_page_lists_its_findings(root: Path) -> None:
    path = root / SPEC4
    path.write_text(re.sub(r"(?m)^\*\*Date\*\*: .*$", "**Date**: 2026-13-45", path.read_text()))
    with TestClient(create_app(open_book(root), accounts())) as c:
        html = c.get("/doc/SPEC-004").text
    findings = text_of(html[html.index('class="findings"') :])
    assert "Findings ✖ 1 error" in findings  # the summary: counts by severity, in words
    assert "SB104 line 4 :" in findings  # (text_of leaves a space where the link ends)
    # the finding links to the block holding its line (the header fields, from line 3),
    # and that block is flagged in the text, linking back to the finding
    assert '<a href="#L3">line 4</a>' in html
    flag = '<span class="line-mark flagged sev-error" id="L3"><a href="#finding-0">'
    assert flag + "✖ 1 finding (SB104)</a></span><p><strong>ID</strong>" in html


def test_document_lines_are_anchors_whatever_the_markdown() -> None:
    """Each top-level block gets the anchor of its first file line (front matter
    counted), and the blocks stay what they were: a paragraph a heading or a list
    interrupts, a fence holding a comment, raw HTML, a list's lazy line."""
    from specbook.web.render import to_html

    text = (
        "---\ntitle: x\n---\n# Title\npara\n- a\nlazy\n# Next\n\n```\n<!-- c -->\n```\n"
        "> quote\n\n<div>raw</div>\n\n- [ ] open\n- [x] done\n"
    )
    got = to_html(text).html
    assert re.findall(r'id="L(\d+)"', got) == ["4", "5", "6", "8", "10", "13", "15", "17"]
    plain = re.sub(r'<span class="line-mark" id="L\d+"></span>', "", got)
    assert plain == (
        '<h1 id="title">Title</h1>\n<p>para</p>\n<ul>\n<li>a\nlazy</li>\n</ul>\n'
        '<h1 id="next">Next</h1>\n<pre tabindex="0"><code>&lt;!-- c --&gt;\n</code></pre>\n'
        "<blockquote>\n<p>quote</p>\n</blockquote>\n<div>raw</div>\n<ul>\n"
        '<li><input disabled="" type="checkbox" aria-label="not done">\nopen</li>\n'
        '<li><input disabled="" type="checkbox" checked="" aria-label="done">\ndone</li>\n</ul>\n'
    )


def test_unknown_document_is_404(client: TestClient) -> None:
    r = client.get("/doc/SPEC-999")
    assert r.status_code == 404
    assert "SPEC-999 is not in this book" in text_of(r.text)
    assert client.get("/no/such/page").status_code == 404


def test_graph_timeline_risks(client: TestClient) -> None:
    graph = client.get("/graph").text
    assert 'id="graph-view"' in graph and 'data-data="/graph/data.js"' in graph
    data = client.get("/graph/data.js")
    assert data.headers["content-type"].startswith("text/javascript")
    assert data.headers["content-security-policy"]  # (the portal's headers, as on pages)
    graph_data = json.loads(data.text.removeprefix("window.SPECBOOK_GRAPH=").rstrip(";\n"))
    hrefs = {n[0]: n[5] for n in graph_data["nodes"]}
    assert hrefs["SPEC-003"] == "/doc/SPEC-003"
    around = client.get("/graph", params={"root": "spec-004", "depth": "1"})
    assert around.status_code == 200 and 'data-root="SPEC-004"' in around.text
    assert client.get("/graph", params={"root": "SPEC-999"}).status_code == 404
    assert client.get("/graph", params={"depth": "many"}).status_code == 200
    timeline = client.get("/timeline").text
    assert "gantt-row" in timeline and "today 2026-11-20" in text_of(timeline)
    risks = text_of(client.get("/risks").text)
    assert re.search(r"Risks \d+", risks) and "Probability" in risks


# -- the document list -----------------------------------------------------------------


def test_list_facets_filter_and_count(client: TestClient) -> None:
    html = client.get("/documents").text
    assert "Documents <small>14</small>" in html
    facets = text_of(html[html.index('class="facets"') : html.index("</aside>")])
    assert "Kind SPEC 5 BUG 3 DEC 3 TASK 3" in facets
    specs = client.get("/documents", params={"kind": "SPEC"}).text
    assert "Documents <small>5</small>" in specs
    assert rows_of(specs) == ["SPEC-001", "SPEC-002", "SPEC-003", "SPEC-004", "SPEC-005"]
    # the kind facet still counts other kinds; the status facet counts within SPEC only
    side = text_of(specs[specs.index('class="facets"') : specs.index("</aside>")])
    assert "Kind SPEC 5 BUG 3 DEC 3 TASK 3" in side
    assert "Status Approved 1 Archived 1 Draft 1 Implemented 1 Review 1 Type" in side
    both = client.get("/documents", params={"kind": "spec", "status": "draft"}).text
    assert rows_of(both) == ["SPEC-004"]


def test_facets_show_canonical_status_and_type(root: Path) -> None:
    """A status line carrying prose and a type the kind does not know are facets of the
    kind's words ((other) for the unknown); the document page keeps what is written."""
    spec4 = root / SPEC4
    prose = "Waiting on the carrier survey that the logistics team runs every spring"
    text = spec4.read_text(encoding="utf-8").replace("**Status**: Draft", f"**Status**: {prose}")
    text = text.replace("**Type**: Enhancement", "**Type**: enhancement")
    spec4.write_text(text, encoding="utf-8")
    spec5 = next((root / "docs/specs").glob("SPEC-005-*.md"))
    text = re.sub(r"\*\*Type\*\*: \w+", "**Type**: Moonshot", spec5.read_text(encoding="utf-8"))
    spec5.write_text(text, encoding="utf-8")
    with TestClient(create_app(open_book(root), accounts())) as c:
        html = c.get("/documents", params={"kind": "SPEC"}).text
        side = text_of(html[html.index('class="facets"') : html.index("</aside>")])
        assert "carrier survey" not in side and "Moonshot" not in side
        assert "(other) 1" in side.split("Type")[0]  # the prose status
        assert "Enhancement 1" in side and "(other) 1" in side.split("Type")[1]
        table = html[html.index("<tbody>") : html.index("</tbody>")]
        assert ">(other)</span>" in table and "carrier survey" not in text_of(table)
        assert "Moonshot" not in table and ">Enhancement<" in table
        other = c.get("/documents", params={"kind": "SPEC", "status": "(other)"}).text
        assert rows_of(other) == ["SPEC-004"]
        home = c.get("/").text
        assert "carrier survey" not in text_of(home)
        page = c.get("/doc/SPEC-004").text
        assert prose in text_of(page)


def test_list_sorts(client: TestClient) -> None:
    by_title = rows_of(client.get("/documents", params={"kind": "SPEC", "sort": "title"}).text)
    assert by_title == ["SPEC-005", "SPEC-004", "SPEC-002", "SPEC-003", "SPEC-001"]
    desc = client.get("/documents", params={"kind": "SPEC", "sort": "title", "order": "desc"})
    assert rows_of(desc.text) == list(reversed(by_title))
    by_modified = rows_of(client.get("/documents", params={"sort": "modified"}).text)
    assert by_modified[-2:] == ["SPEC-004", "TASK-003"]
    bogus = client.get("/documents", params={"sort": "'; drop table", "page": "x"})
    assert bogus.status_code == 200 and rows_of(bogus.text)[0] == "BUG-001"


def test_list_pages(tmp_path: Path) -> None:
    gen.generate(tmp_path, 130, seed=3)
    with TestClient(create_app(open_book(tmp_path), Accounts())) as c:
        first = c.get("/documents").text
        assert "Documents <small>130</small>" in first
        assert "page 1 of 2" in text_of(first)
        assert len(rows_of(first)) == 100
        assert 'href="/documents?sort=id&amp;order=asc&amp;page=2">next' in first
        second = c.get("/documents", params={"page": "2"}).text
        assert len(rows_of(second)) == 30
        assert "previous" in second and "next →" not in second
        assert rows_of(second)[-1] == "SPEC-130"
        assert rows_of(c.get("/documents", params={"page": "99"}).text) == rows_of(second)


# -- signing in ------------------------------------------------------------------------


def test_wrong_password_is_401_without_a_cookie(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"csrf": token, "name": USER, "password": "wrong"})
    assert r.status_code == 401
    assert "Wrong name or password" in r.text
    assert COOKIE not in r.cookies and COOKIE not in client.cookies
    r = client.post("/login", data={"csrf": token, "name": "nobody", "password": PASSWORD})
    assert r.status_code == 401


def test_right_password_sets_the_session_cookie(client: TestClient) -> None:
    assert "Sign in</a>" in client.get("/").text
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"csrf": token, "name": "mateo garcía", "password": PASSWORD, "next": "/documents"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/documents"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/").text
    assert f'<span class="user">{USER}</span>' in home and "Sign out" in home
    assert 'id="approve"' in client.get("/doc/SPEC-003").text


def test_login_needs_its_csrf_token(client: TestClient) -> None:
    for token in ("", "forged"):
        r = client.post("/login", data={"csrf": token, "name": USER, "password": PASSWORD})
        assert r.status_code == 403
        assert COOKIE not in client.cookies


def test_logout_needs_the_session_csrf_token(client: TestClient) -> None:
    csrf = sign_in(client)
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert "Sign out" in client.get("/").text  # still signed in
    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert f'{COOKIE}=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    client.cookies.clear()
    assert "Sign in</a>" in client.get("/").text


@pytest.mark.parametrize(
    "nxt",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_cannot_leave_the_site(client: TestClient, nxt: str) -> None:
    assert f'name="next" value="{nxt}"' not in client.get("/login", params={"next": nxt}).text
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"csrf": token, "name": USER, "password": PASSWORD, "next": nxt},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/"


def test_next_may_name_a_page_of_the_site(client: TestClient) -> None:
    page = client.get("/login", params={"next": "/doc/SPEC-003"}).text
    assert 'name="next" value="/doc/SPEC-003"' in page
    token = csrf_of(page)
    r = client.post(
        "/login",
        data={"csrf": token, "name": USER, "password": PASSWORD, "next": "/doc/SPEC-003"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/doc/SPEC-003"


def test_read_only_portal_has_no_sign_in_and_refuses_posts(root: Path) -> None:
    before = (root / SPEC3).read_bytes()
    with TestClient(create_app(open_book(root))) as c:
        home = c.get("/").text
        assert "Sign in" not in home and "read-only" in home
        assert c.get("/login").status_code == 404
        token = csrf_of(c.get("/").text) if 'name="csrf"' in home else "x"
        r = c.post("/login", data={"csrf": token, "name": USER, "password": PASSWORD})
        assert r.status_code in (401, 403, 404)
        assert COOKIE not in c.cookies
        for what, data in [("review", {"verdict": "approve"}), ("status", {"status": "Approved"})]:
            assert c.post(f"/doc/SPEC-003/{what}", data=data).status_code == 403
        assert (
            c.post("/api/documents/SPEC-003/reviews", json={"verdict": "approve"}).status_code
            == 401
        )
        assert 'id="approve"' not in c.get("/doc/SPEC-003").text
    assert (root / SPEC3).read_bytes() == before


# -- review actions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "data"),
    [
        ("review", {"verdict": "approve"}),
        ("status", {"status": "Draft"}),
        ("check", {"item": "1"}),
    ],
)
def test_actions_need_the_session_csrf_token(
    client: TestClient, root: Path, what: str, data: dict[str, str]
) -> None:
    before = (root / SPEC3).read_bytes()
    assert client.post(f"/doc/SPEC-003/{what}", data=data).status_code == 403  # signed out
    sign_in(client)
    anonymous = csrf_of(TestClient(client.app).get("/login").text)
    for token in (None, "forged", anonymous):
        form = data if token is None else {**data, "csrf": token}
        r = client.post(f"/doc/SPEC-003/{what}", data=form)
        assert r.status_code == 403
        assert "Form expired" in r.text
    assert (root / SPEC3).read_bytes() == before


def test_approve_through_the_form(client: TestClient, root: Path) -> None:
    csrf = sign_in(client)
    r = client.post(
        "/doc/SPEC-003/review",
        data={"csrf": csrf, "verdict": "approve", "note": "Consent wording checked"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/doc/SPEC-003?done=approve"
    page = client.get(r.headers["location"]).text
    assert "Approval recorded." in page
    assert f"2026-11-20 {USER} Approve Consent wording checked" in text_of(page)
    text = (root / SPEC3).read_text()
    assert f"| 2026-11-20 | {USER} | Approve | Consent wording checked |" in text
    assert f"- **Approvers**: {USER}" in text
    # the approval meets the gate: the move to Approved now goes through
    r = client.post("/doc/SPEC-003/status", data={"csrf": csrf, "status": "Approved"})
    assert r.status_code == 200 and "Status changed." in r.text
    assert "**Status**: Approved" in (root / SPEC3).read_text()
    assert "SPEC-003" in rows_of(client.get("/documents", params={"status": "approved"}).text)


def test_tick_through_the_form(client: TestClient, root: Path) -> None:
    csrf = sign_in(client)
    before = (root / SPEC2).read_text()
    assert "- [ ] `parcel/webhooks/receiver.py`" in before
    html = client.get("/doc/SPEC-002").text
    item = re.search(r'<option value="(\d+)">\d+\. `?parcel/webhooks/receiver.py', html)
    assert item
    r = client.post("/doc/SPEC-002/check", data={"csrf": csrf, "item": item.group(1)})
    assert r.status_code == 200 and "Item ticked." in r.text
    after = (root / SPEC2).read_text()
    # the tick, and the document's Modified date (as `specbook check` does)
    assert after == re.sub(
        r"- \*\*Modified\*\*: [0-9-]+",
        "- **Modified**: 2026-11-20",
        before.replace(
            "- [ ] `parcel/webhooks/receiver.py`", "- [x] `parcel/webhooks/receiver.py`"
        ),
    )
    assert "- **Modified**: 2026-11-20" not in before


def test_refused_transition_shows_the_refusal_and_leaves_the_file(
    client: TestClient, root: Path
) -> None:
    csrf = sign_in(client)
    before = (root / SPEC2).read_bytes()
    r = client.post(
        "/doc/SPEC-002/status", data={"csrf": csrf, "status": "Implemented", "note": "done"}
    )
    assert r.status_code == 409
    shown = text_of(r.text)
    assert "SPEC-002: cannot move to Implemented" in shown
    assert "gate checklist: 2 Implementation Plan item(s) unchecked" in shown
    assert 'role="status"' in r.text and "flash error" in r.text
    assert (root / SPEC2).read_bytes() == before
    bad = client.post("/doc/SPEC-003/review", data={"csrf": csrf, "verdict": "lgtm"})
    assert bad.status_code == 409 and "choose Approve" in bad.text
    assert client.post("/doc/SPEC-003/delete", data={"csrf": csrf}).status_code == 404
    assert client.post("/doc/SPEC-999/review", data={"csrf": csrf}).status_code == 404


def test_review_gate_refuses_a_document_with_lint_errors(client: TestClient, root: Path) -> None:
    path = root / SPEC4
    path.write_text(re.sub(r"(?m)^\*\*Date\*\*: .*$", "**Date**: 2026-13-45", path.read_text()))
    before = path.read_bytes()
    csrf = sign_in(client)
    r = client.post("/doc/SPEC-004/status", data={"csrf": csrf, "status": "Review"})
    assert r.status_code == 409
    assert "gate no-errors" in text_of(r.text)
    assert path.read_bytes() == before


# -- safety and freshness --------------------------------------------------------------

HOSTILE = """
Some text <script>alert("pwned")</script> and more.

<img src="x.png" onerror="alert('img')">

<a href="javascript:alert('link')">click</a> and [md link](javascript:alert('md'))

<div onclick="alert('div')" style="background:url(javascript:alert(1))">box</div>

<iframe src="https://evil.example/"></iframe>
"""


def test_hostile_markdown_is_sanitized(root: Path) -> None:
    path = root / SPEC4
    text = path.read_text()
    path.write_text(text.replace("## Summary\n", "## Summary\n" + HOSTILE, 1))
    with TestClient(create_app(open_book(root), accounts())) as c:
        html = c.get("/doc/SPEC-004").text
    body = html[html.index('<section class="markdown">') :]
    assert "Some text" in body and "click" in body and "box" in body
    lowered = body.lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style="):
        assert bad not in lowered, bad
    assert '<script src="/static/app.js" defer></script>' in html  # the one script, external


def test_watch_picks_up_edits_made_on_disk(root: Path) -> None:
    app = create_app(open_book(root), accounts(), watch=True)
    with TestClient(app) as c:
        assert "Carrier auto-detection" in c.get("/documents").text
        path = root / SPEC4
        path.write_text(
            path.read_text().replace(
                "# Technical Specification: Carrier auto-detection",
                "# Technical Specification: Carrier sniffing",
            )
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "Carrier sniffing" in c.get("/documents").text:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the watcher did not pick up the edit within 10 s")
        hits = c.get("/api/search", params={"q": "sniffing"}).json()
        assert [h["id"] for h in hits] == ["SPEC-004"]


def test_search_request_reads_no_file_and_calls_the_badge_macro_once_per_status(
    root: Path, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search is the index's work only: no file of the book is looked at (statted,
    listed, read: config, documents) and each status's badge is made once, not once
    per hit (the macro calls were half of rendering 50 results)."""
    import os
    import threading

    from specbook.web import pages

    client.get("/search", params={"q": "webhook"})  # (templates compiled, caches warm)
    touched: list[str] = []
    book = str(root.resolve())

    def watch(name: str) -> None:
        real = getattr(os, name)

        def spy(path: Any, *args: Any, **kwargs: Any) -> Any:
            if (
                isinstance(path, str | os.PathLike)
                and os.fspath(path).startswith(book)
                # (not the portal's own background lint of the book)
                and not threading.current_thread().name.startswith("specbook-")
            ):
                touched.append(f"{name} {os.fspath(path)}")
            return real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, spy)

    for name in ("stat", "lstat", "scandir", "listdir", "open"):
        watch(name)
    made: list[Any] = []
    real_rows = pages.result_rows

    def rows(env: Any, links: Any, hits: list[Any], anchors: Any) -> Any:
        badge = env.get_template("_badge.html").module.badge
        calls: list[Any] = []

        def counted(*args: Any) -> Any:
            calls.append(args)
            return badge(*args)

        monkeypatch.setattr(env.get_template("_badge.html").module, "badge", counted)
        try:
            out = real_rows(env, links, hits, anchors)
        finally:
            monkeypatch.setattr(env.get_template("_badge.html").module, "badge", badge)
        made.append((len(hits), len({h.status for h in hits}), len(calls)))
        return out

    monkeypatch.setattr(pages, "result_rows", rows)
    html = client.get("/search", params={"q": "the"}).text
    assert touched == []
    [(hits, statuses, calls)] = made
    assert hits > statuses > 1 and calls == statuses
    assert html.count('<span class="badge status-') == hits


def test_document_page_coverage_comes_from_the_index_not_a_parse_of_every_document(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first document page after each change of the book parsed every document
    for the tests column (seconds in a 10,000-document book): the index has them."""
    from specbook.store import synced_store
    from specbook.trace import coverage
    from specbook.web import pages

    book = open_book(root)
    store, _ = synced_store(book)
    indexed = pages.coverage_map(book, pages.index_requirements(store))
    store.close()

    def tested(cover: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        out = {d: {r: t for r, t in reqs.items() if t} for d, reqs in cover.items()}
        return {d: reqs for d, reqs in out.items() if reqs}  # (what a page shows)

    assert tested(indexed) == tested(pages.coverage_map(book)) != {}

    def parse_every_document(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("every document parsed for a document page")

    monkeypatch.setattr(coverage, "trace_book", parse_every_document)
    with TestClient(create_app(open_book(root), accounts())) as c:
        page = c.get("/doc/SPEC-001")
    assert page.status_code == 200
    assert 'class="tests"' in page.text
