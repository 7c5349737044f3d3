"""The portal's sessions and inputs under attack (issue 17): a cookie outlives neither
its user, nor its password, nor its sign-out; the sign-in form cannot be submitted from
another site; bad text in a JSON body is a 400; every response carries the security
headers; remote images are links; caches are bounded."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import specbook.web.app as web_app
from specbook.core.config import load_config
from specbook.core.errors import ConfigError
from specbook.services.zeroconf import open_book
from specbook.web.app import COOKIE, create_app
from specbook.web.auth import Accounts, hash_password, hash_token

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "book"
USER = "Mateo García"
PASSWORD = "correct horse battery"
OTHER = "Priya Raman"
TOKEN = "sbk_security-test-token"
SPEC3 = "docs/specs/SPEC-003-delivery-notifications.md"
SPEC4 = "docs/specs/SPEC-004-carrier-auto-detection.md"


def accounts(password: str = PASSWORD, *, with_user: bool = True) -> Accounts:
    users = {OTHER: hash_password("another password", 1000)}
    if with_user:
        users[USER] = hash_password(password, 1000)
    return Accounts(users=users, tokens={"ci": hash_token(TOKEN)})


@pytest.fixture
def root(tmp_path: Path) -> Path:
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


def sign_in(client: TestClient, name: str = USER, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"csrf": token, "name": name, "password": password, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/doc/SPEC-003").text)


def replay(app: object, cookie: str) -> TestClient:
    """A client of ``app`` holding nothing but the session cookie ``cookie``."""
    other = TestClient(app)  # type: ignore[arg-type]
    other.cookies.set(COOKIE, cookie)
    return other


def refused_everywhere(c: TestClient, csrf: str, root: Path) -> None:
    """The session is not good: no review by form or API is recorded, pages show a
    signed-out visitor."""
    before = (root / SPEC3).read_bytes()
    r = c.post("/doc/SPEC-003/review", data={"csrf": csrf, "verdict": "comment", "note": "x"})
    assert r.status_code == 403
    r = c.post(
        "/api/documents/SPEC-003/reviews",
        json={"verdict": "comment"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 401
    assert "Sign in</a>" in c.get("/").text
    assert (root / SPEC3).read_bytes() == before


# -- H2: a session lasts no longer than its user, their password, or its sign-out ----------


def test_cookie_of_removed_user_is_refused(root: Path) -> None:
    with TestClient(create_app(open_book(root), accounts())) as c:
        csrf = sign_in(c)
        cookie = c.cookies[COOKIE]
    # the user is removed from [portal.users] and the server restarted
    with replay(create_app(open_book(root), accounts(with_user=False)), cookie) as c:
        refused_everywhere(c, csrf, root)


def test_cookie_issued_under_an_old_password_is_refused(root: Path) -> None:
    before = accounts()
    with TestClient(create_app(open_book(root), before)) as c:
        csrf = sign_in(c)
        cookie = c.cookies[COOKIE]
    # the stored hash unchanged (a restart): the session stands
    with replay(create_app(open_book(root), Accounts(dict(before.users))), cookie) as c:
        assert f'<span class="user">{USER}</span>' in c.get("/").text
    # a new password (even the same one again: a new salt) ends it
    for changed in (accounts("a new password"), accounts(PASSWORD)):
        with replay(create_app(open_book(root), changed), cookie) as c:
            refused_everywhere(c, csrf, root)


def test_signout_revokes_in_the_running_server(client: TestClient, root: Path) -> None:
    csrf = sign_in(client)
    cookie = client.cookies[COOKIE]
    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with replay(client.app, cookie) as c:
        refused_everywhere(c, csrf, root)


def test_signout_revokes_across_restart(root: Path) -> None:
    with TestClient(create_app(open_book(root), accounts())) as c:
        csrf = sign_in(c)
        cookie = c.cookies[COOKIE]
        assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    with replay(create_app(open_book(root), accounts()), cookie) as c:
        refused_everywhere(c, csrf, root)


def test_a_forged_or_foreign_cookie_is_refused(client: TestClient, root: Path) -> None:
    """Only a cookie this book's secret signed counts: one signed with another key, or
    with its signature cut off, is a signed-out visitor."""
    from specbook.web.auth import SessionSigner

    forged = SessionSigner(b"some other key").issue(USER)
    payload = forged.rsplit(".", 1)[0]
    for cookie in (forged, payload, payload + ".", "garbage"):
        with replay(client.app, cookie) as c:
            refused_everywhere(c, "x", root)


# -- L3: the sign-in form's token is bound to the visitor ------------------------------------


def test_login_csrf_token_bound_to_visitor(root: Path) -> None:
    """An attacker's page holds a token from the attacker's own visit to the sign-in
    page; submitted from the victim's browser (with the victim's cookies, or none), it
    signs nobody in."""
    app = create_app(open_book(root), accounts())
    with TestClient(app) as attacker, TestClient(app) as victim, TestClient(app) as fresh:
        token = csrf_of(attacker.get("/login").text)
        victim.get("/login")  # the victim has a visitor cookie of their own
        for browser in (victim, fresh):
            r = browser.post(
                "/login",
                data={"csrf": token, "name": USER, "password": PASSWORD},
                follow_redirects=False,
            )
            assert r.status_code == 403
            assert COOKIE not in browser.cookies
        # the attacker's own browser can use its own token
        r = attacker.post(
            "/login",
            data={"csrf": token, "name": USER, "password": PASSWORD},
            follow_redirects=False,
        )
        assert r.status_code == 303 and COOKIE in attacker.cookies


def test_each_visitor_gets_their_own_sign_in_token(root: Path) -> None:
    app = create_app(open_book(root), accounts())
    with TestClient(app) as one, TestClient(app) as two:
        first = one.get("/login")
        assert "specbook_visitor=" in first.headers["set-cookie"]
        assert "HttpOnly" in first.headers["set-cookie"]
        assert csrf_of(first.text) != csrf_of(two.get("/login").text)
        assert csrf_of(one.get("/login").text) == csrf_of(first.text)  # stable per visitor


# -- L4: text that is not Unicode is a 400 -----------------------------------------------


BAD_BODIES = [
    b'{"verdict": "comment", "note": "\\ud800"}',
    b'{"verdict": "comment", "note": "ok \\udfff then"}',
    b'{"verdict": "comment", "\\ud83d": "a lone high surrogate as a key"}',
    b'{"verdict": "comment", "extra": [{"deep": "\\udc00"}]}',
    b'{"status": "Review", "verdict": "comment", "note": "\\ud800", "text": "\\ud800"}',
]


@pytest.mark.parametrize("body", BAD_BODIES)
@pytest.mark.parametrize("endpoint", ["reviews", "transitions"])
def test_lone_surrogate_is_400(root: Path, endpoint: str, body: bytes) -> None:
    before = (root / SPEC3).read_bytes()
    with TestClient(create_app(open_book(root), accounts()), raise_server_exceptions=False) as c:
        r = c.post(
            f"/api/documents/SPEC-003/{endpoint}",
            content=body,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        assert r.status_code == 400, r.text
        assert "not valid Unicode" in r.json()["error"]
    assert (root / SPEC3).read_bytes() == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "# Title \\ud800"}',
        b'{"text": "# Title", "path": "\\udfff.md"}',
    ],
)
def test_lone_surrogate_in_the_preview_is_400(client: TestClient, body: bytes) -> None:
    csrf = sign_in(client)
    r = client.post(
        "/preview",
        content=body,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert "not valid Unicode" in r.json()["error"]


# -- also: headers on every response, images, HSTS -------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/api/documents",
        "/api/openapi.json",
        "/api/documents/SPEC-999",
        "/api/nowhere",
        "/static/app.js",
        "/static/style.css",
        "/no/such/page",
    ],
)
def test_every_response_has_csp_and_nosniff(client: TestClient, url: str) -> None:
    # The first file response imports an anyio module, which pytest compiles; CPython
    # 3.11 cannot compile while the background lint parses code in another thread.
    assert client.app.state.portal.lint_ready.wait(60)  # type: ignore[attr-defined]
    r = client.get(url)
    assert r.headers["x-content-type-options"] == "nosniff"
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert re.search(r"img-src 'self' data:;", csp), csp


def test_remote_images_are_links(root: Path) -> None:
    path = root / SPEC4
    path.write_text(
        path.read_text().replace(
            "## Summary\n",
            "## Summary\n\n![tracker](https://evil.example/pixel.png) and "
            '<img src="//evil.example/p2.png" alt="second"> and ![local](diagram.png)\n',
            1,
        )
    )
    with TestClient(create_app(open_book(root), accounts())) as c:
        html = c.get("/doc/SPEC-004").text
    assert "<img" not in html.replace('<img src="diagram.png"', "")
    assert (
        '<a href="https://evil.example/pixel.png" rel="noopener noreferrer nofollow">tracker'
        in html
    )
    assert '<a href="//evil.example/p2.png" rel="noopener noreferrer nofollow">second' in html
    assert '<img src="diagram.png" alt="local">' in html

    # a book may opt in: then the images are shown and the policy allows them
    cfg = root / "specbook.toml"
    cfg.write_text(cfg.read_text() + "\n[portal]\nremote_images = true\n")
    with TestClient(create_app(open_book(root), accounts())) as c:
        r = c.get("/doc/SPEC-004")
    assert '<img src="https://evil.example/pixel.png" alt="tracker">' in r.text
    assert "img-src 'self' data: https:;" in r.headers["content-security-policy"]


def test_hsts_only_over_https(root: Path) -> None:
    app = create_app(open_book(root), accounts())
    with TestClient(app, base_url="https://portal.example") as c:
        for url in ("/", "/api/documents", "/static/app.js"):
            assert c.get(url).headers["strict-transport-security"].startswith("max-age=")
    with TestClient(app) as c:
        # a forwarded-proto header counts only where uvicorn trusts the proxy (it then
        # sets the scheme); a client cannot ask for it on plain http
        r = c.get("/", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in r.headers


# -- also: the stale-approval cache is bounded --------------------------------------------


def test_stale_approval_cache_is_bounded(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_app, "STALE_CACHE_SIZE", 3)
    app = create_app(open_book(root), accounts())
    path = root / SPEC3
    text = path.read_text()
    with TestClient(app) as c:
        for i in range(8):  # eight versions of the document, each with its own entry
            path.write_text(text + f"\nVersion {i}.\n")
            assert c.get("/doc/SPEC-003").status_code == 200
            assert len(app.state.portal.stale_cache) <= 3
        assert len(app.state.portal.stale_cache) == 3


# -- H3 (one book): a users file in place of the book's tables ----------------------------


def test_users_file_setting_gives_the_accounts(root: Path, tmp_path: Path) -> None:
    from specbook.web.auth import book_accounts

    users = tmp_path / "org-users.toml"
    users.write_text(f'[users]\n"Ines" = "{hash_password("ines password", 1000)}"\n')
    cfg = root / "specbook.toml"
    cfg.write_text(cfg.read_text() + f'\n[portal]\nusers_file = "{users}"\n')
    config = load_config(cfg)
    found, realm = book_accounts(config)
    assert set(found.users) == {"Ines"} and realm == f"file:{users.resolve()}"
    with TestClient(create_app(open_book(root), found)) as c:
        sign_in(c, "Ines", "ines password")

    cfg.write_text(cfg.read_text() + '[portal.users]\n"Bo" = "pbkdf2_sha256$1$x$y"\n')
    with pytest.raises(ConfigError, match="either users_file or"):
        load_config(cfg)
    users.write_text('[users]\n"Ines" = "plain password"\n')
    with pytest.raises(ConfigError, match=r"users\.Ines"):
        book_accounts(config)
