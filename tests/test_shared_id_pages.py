"""Every document that shares its ID has a page of its own in the portal and the static
site, found by its path; the ID's page lists them (issue 18). The book is
tests/corpus/synthetic/frontmatter-adr, as in tests/test_shared_ids.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from starlette.testclient import TestClient

from specbook.services.zeroconf import open_book
from specbook.web.app import COOKIE, create_app
from specbook.web.auth import Accounts, hash_password
from specbook.web.site import build_site, page_names
from tests.test_shared_ids import BOTH, CSV, PDF, _copy, _snapshot

USER, PASSWORD = "Ana Lima", "correct horse battery"


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = _copy(tmp_path)
    monkeypatch.chdir(root)
    return root


# -- the portal -------------------------------------------------------------------------
@pytest.fixture
def client(book: Path) -> Iterator[TestClient]:
    accounts = Accounts(users={USER: hash_password(PASSWORD, 1000)})
    with TestClient(create_app(open_book(book), accounts)) as c:
        yield c


def _doc_links(html: str) -> list[str]:
    return re.findall(r'href="(/doc/[^"?#]+)"', html)


def test_portal_id_page_lists_both_and_each_has_its_own_page(client: TestClient) -> None:
    r = client.get("/doc/SPEC-004")
    assert r.status_code == 300
    assert _doc_links(r.text) == [f"/doc/{CSV}", f"/doc/{PDF}"]
    assert "specbook renumber" in r.text
    for path, title, other in ((CSV, "Export reports as CSV", PDF), (PDF, "PDF reports", CSV)):
        page = client.get(f"/doc/{path}")
        assert page.status_code == 200 and f"</span> {title}</h1>" in page.text
        banner = page.text.split('id="shared-id"', 1)[1].split("</section>", 1)[0]
        assert f'href="/doc/{other}"' in banner
    unique = client.get("/doc/SPEC-001")  # an ID of its own: straight to its page
    assert unique.status_code == 200 and "Multi-tenant authentication</h1>" in unique.text
    assert 'id="shared-id"' not in unique.text


def test_portal_lists_search_and_graph_link_each_document(client: TestClient) -> None:
    listed = _doc_links(client.get("/documents").text)
    assert f"/doc/{CSV}" in listed and f"/doc/{PDF}" in listed
    assert "/doc/SPEC-001" in listed and "/doc/SPEC-004" not in listed
    found = _doc_links(client.get("/search", params={"q": "reports"}).text)
    assert {f"/doc/{CSV}", f"/doc/{PDF}"} <= set(found)
    partial = _doc_links(client.get("/search", params={"q": "reports", "partial": "1"}).text)
    assert {f"/doc/{CSV}", f"/doc/{PDF}"} <= set(partial)
    # the graph's node of the ID leads to the ID's page, which lists both
    data = client.get("/graph/data.js").text
    nodes = json.loads(data[data.index("{") : data.rindex("}") + 1])["nodes"]
    assert [n[5] for n in nodes if n[0] == "SPEC-004"] == ["/doc/SPEC-004"]
    rooted = client.get("/graph", params={"root": "SPEC-004"})
    assert rooted.status_code == 300 and _doc_links(rooted.text) == [f"/doc/{CSV}", f"/doc/{PDF}"]


def test_portal_api_refuses_a_shared_id_and_takes_a_path(client: TestClient) -> None:
    r = client.get("/api/documents/SPEC-004")
    assert r.status_code == 409 and all(p in r.json()["error"] for p in BOTH)
    by_path = client.get(f"/api/documents/{PDF}")
    assert by_path.status_code == 200 and by_path.json()["title"] == "PDF reports"
    assert client.get("/api/documents/SPEC-001").json()["id"] == "SPEC-001"


def _sign_in(client: TestClient) -> str:
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    r = client.post(
        "/login",
        data={"name": USER, "password": PASSWORD, "csrf": csrf.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and client.cookies.get(COOKIE)
    page = client.get(f"/doc/{PDF}").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def test_portal_action_on_a_shared_id_is_refused_and_by_path_is_made(
    client: TestClient, book: Path
) -> None:
    csrf = _sign_in(client)
    page = client.get(f"/doc/{PDF}").text
    assert f'action="/doc/{PDF}/check"' in page  # its forms name it by path
    before = _snapshot(book)
    refused = client.post("/doc/SPEC-004/check", data={"csrf": csrf, "item": "1"})
    assert refused.status_code == 409 and all(p in refused.text for p in BOTH)
    assert _snapshot(book) == before
    done = client.post(
        f"/doc/{PDF}/check", data={"csrf": csrf, "item": "1"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].startswith(f"/doc/{PDF}?done=")
    assert "- [x] FR-004-001" in (book / PDF).read_text(encoding="utf-8")
    assert (book / CSV).read_bytes() == before[CSV]


# -- the static site --------------------------------------------------------------------
def test_site_gives_each_document_a_page_and_the_id_page_lists_both(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    out = tmp_path / "site"
    build_site(open_book(root), out)
    docs = out / "doc"
    shared = (docs / "SPEC-004.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(\.\./doc/[^"]+)"', shared)
    assert len(links) == 2
    titles = []
    for link in links:
        page = (docs / unquote(link)).resolve()
        assert page.parent == docs.resolve() and page.is_file(), link
        titles.append(re.search(r"</span> ([^<]+)</h1>", page.read_text("utf-8")).group(1))  # type: ignore[union-attr]
    assert titles == ["Export reports as CSV", "PDF reports"]
    # one page per document, plus the page of the shared ID
    listed = open_book(root).path_strings()
    assert len(list(docs.iterdir())) == len(listed) + 1
    assert (docs / "SPEC-001.html").is_file()  # an ID of its own keeps its page name
    index = (out / "static" / "search-index.js").read_text(encoding="utf-8")
    data = json.loads(index.split("= ", 1)[1].rstrip().removesuffix(";"))
    urls = {d[7]: d[8] for d in data["documents"]}  # [id, title, …, path, url, key]
    assert len(urls) == len(listed) and urls[CSV] != urls[PDF]
    assert all((out / u).is_file() for u in urls.values())
    # every link of every page leads to a file of the site
    for html in out.rglob("*.html"):
        for value in re.findall(r'(?:href|src)="([^"]+)"', html.read_text("utf-8")):
            parts = urlsplit(value)
            if parts.scheme or value.startswith("#"):
                continue
            assert (html.parent / unquote(parts.path)).resolve().is_file(), (html, value)


def test_site_page_names_never_collide() -> None:
    rows = [
        {"id": None, "path": "docs/specs/a/b.md"},
        {"id": None, "path": "docs/specs/a_b.md"},
        {"id": "SPEC-1", "path": "docs/specs/SPEC-1-x.md"},
        {"id": "SPEC-2", "path": "docs/specs/SPEC-2-x.md"},
        {"id": "spec-2", "path": "docs/specs/spec-2-y.md"},
    ]
    names = page_names(rows, frozenset({"SPEC-2"}))
    assert names["SPEC-1"] == "SPEC-1.html" and names["SPEC-2"] == "SPEC-2.html"
    assert len(set(names.values())) == len(names) == 6  # five documents, one shared ID
    assert {names["docs/specs/a/b.md"], names["docs/specs/a_b.md"]} == {
        "docs_specs_a_b.md.html",
        "docs_specs_a_b.md-2.html",
    }
