"""One portal over many books of a shared PostgreSQL index (issue: organisation scale)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from specbook.cli import main
from specbook.store import DB_ENV
from specbook.store.postgres import PostgresStore
from specbook.web.auth import Accounts, hash_password, hash_token
from specbook.web.multi import create_multi_app
from tests.pgserver import PgServer, drop_database, fresh_database, pg_server_fixture  # noqa: F401

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "book"


@pytest.fixture
def shared(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path, Path]]:
    """A database holding two books, `parcel` and `payments`, each with a working copy;
    payments' SPEC-001 references parcel's SPEC-002 across books."""
    monkeypatch.delenv(DB_ENV, raising=False)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-11-20")
    monkeypatch.setenv("SPECBOOK_SECRET", "one secret for every server process")
    url = fresh_database(pg_server)
    parcel = tmp_path / "parcel"
    payments = tmp_path / "payments"
    for dest, name in ((parcel, "parcel"), (payments, "payments")):
        shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".specbook"))
        cfg = dest / "specbook.toml"
        cfg.write_text(cfg.read_text().replace('name = "parcel"', f'name = "{name}"'))
    ledger = payments / "docs/specs/SPEC-001-shipment-tracking-api.md"
    ledger.write_text(
        ledger.read_text(encoding="utf-8").replace(
            "# Technical Specification: Shipment tracking API",
            "# Technical Specification: Ledger of carrier fees",
        )
        + "\nDepends on parcel:SPEC-002 for delivery events.\n",
        encoding="utf-8",
    )
    for root, name in ((parcel, "parcel"), (payments, "payments")):
        res = CliRunner().invoke(main, ["index", str(root), "--db", url, "--book", name])
        assert res.exit_code == 0, res.output
    try:
        yield url, parcel, payments
    finally:
        drop_database(pg_server, url)


def test_books_page_search_facet_and_review_on_a_working_copy(
    shared: tuple[str, Path, Path],
) -> None:
    url, parcel, payments = shared
    accounts = Accounts({"Ana Reviewer": hash_password("pw-ana-123", 1000)}, {})
    with TestClient(create_multi_app(url, accounts)) as client:
        home = client.get("/").text
        assert 'href="/b/parcel/"' in home and 'href="/b/payments/"' in home

        # search across books: the ledger is only in payments, links go to its book
        hits = client.get("/search?q=ledger").text
        assert 'href="/b/payments/doc/SPEC-001' in hits
        assert "/b/parcel/doc/SPEC-001" not in hits

        # the list has the book as a facet, and filtering by it keeps one book
        listing = client.get("/documents").text
        assert "<h3>Book</h3>" in listing
        one = client.get("/documents?book=payments").text
        assert "/b/payments/doc/" in one and "/b/parcel/doc/" not in one

        # a book's own pages are the ordinary portal, mounted
        page = client.get("/b/payments/doc/SPEC-001")
        assert page.status_code == 200 and "Ledger of carrier fees" in page.text
        incoming = client.get("/b/parcel/doc/SPEC-002").text
        assert "Referenced by" in incoming

        # sign in on a book's page and approve: the working copy changes, the
        # database follows
        login = client.get("/b/payments/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login)
        assert csrf is not None
        r = client.post(
            "/b/payments/login",
            data={"name": "Ana Reviewer", "password": "pw-ana-123", "csrf": csrf.group(1),
                  "next": "/b/payments/doc/SPEC-003"},
            follow_redirects=False,
        )  # fmt: skip
        assert r.status_code == 303 and r.headers["location"] == "/b/payments/doc/SPEC-003"
        doc = client.get("/b/payments/doc/SPEC-003").text
        token = re.search(r'name="csrf" value="([^"]+)"', doc)
        assert token is not None and 'action="/b/payments/doc/SPEC-003/review"' in doc
        r = client.post(
            "/b/payments/doc/SPEC-003/review",
            data={"verdict": "approve", "csrf": token.group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert r.headers["location"].startswith("/b/payments/doc/SPEC-003?done=")
        text = (payments / "docs/specs/SPEC-003-delivery-notifications.md").read_text()
        assert "| 2026-11-20 | Ana Reviewer | Approve |" in text
        parcel_text = (parcel / "docs/specs/SPEC-003-delivery-notifications.md").read_text()
        assert "Ana Reviewer" not in parcel_text  # the other book's copy is untouched
        rows = PostgresStore(url, "payments").reviews(
            ["docs/specs/SPEC-003-delivery-notifications.md"]
        )
        assert any(
            r[1] == "Ana Reviewer" for r in rows["docs/specs/SPEC-003-delivery-notifications.md"]
        )


def test_two_server_processes_share_sessions(shared: tuple[str, Path, Path]) -> None:
    """Sessions signed by one server process are good on another (same secret)."""
    url, _parcel, _payments = shared
    accounts = Accounts({"Ana Reviewer": hash_password("pw-ana-123", 1000)}, {})
    one, two = create_multi_app(url, accounts), create_multi_app(url, accounts)
    with TestClient(one) as first, TestClient(two) as second:
        login = first.get("/b/parcel/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login)
        assert csrf is not None
        first.post(
            "/b/parcel/login",
            data={"name": "Ana Reviewer", "password": "pw-ana-123", "csrf": csrf.group(1)},
        )
        second.cookies.update(first.cookies)
        assert "Ana Reviewer" in second.get("/b/parcel/").text


# -- accounts are per book; sessions end at sign-out on every server (issue 17) ----------


def _sign_in(client: TestClient, book: str, name: str, password: str) -> int:
    """Post the book's sign-in form; the status code (303 signed in, 401 refused)."""
    login = client.get(f"/b/{book}/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', login)
    assert csrf is not None
    r = client.post(
        f"/b/{book}/login",
        data={"name": name, "password": password, "csrf": csrf.group(1)},
        follow_redirects=False,
    )
    return r.status_code


def _review(client: TestClient, book: str, csrf: str) -> int:
    r = client.post(
        f"/b/{book}/doc/SPEC-003/review",
        data={"verdict": "comment", "note": "from elsewhere", "csrf": csrf},
        follow_redirects=False,
    )
    return r.status_code


def _csrf(client: TestClient, book: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/b/{book}/doc/SPEC-003").text)
    return found.group(1) if found else ""


def _portal(root: Path, users: dict[str, str], tokens: dict[str, str] | None = None) -> None:
    """Give the book at ``root`` its own [portal] tables."""
    lines = ["", "[portal.users]"] + [
        f'"{n}" = "{hash_password(p, 1000)}"' for n, p in users.items()
    ]
    if tokens:
        lines += ["[portal.tokens]"] + [f'"{n}" = "{hash_token(t)}"' for n, t in tokens.items()]
    cfg = root / "specbook.toml"
    cfg.write_text(cfg.read_text() + "\n".join(lines) + "\n")


SPEC3_PATH = "docs/specs/SPEC-003-delivery-notifications.md"


def _served(monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """The application `specbook serve ARGS` would run (uvicorn is not started)."""
    import uvicorn

    apps: list[Any] = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self, sockets=None: apps.append(self.config.app)
    )
    result = CliRunner().invoke(main, ["serve", "--port", "0", *args])
    assert result.exit_code == 0, result.output
    return apps[0]


def test_user_of_another_book_cannot_act(
    shared: tuple[str, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """parcel defines Ana; payments defines another Ana (her own password) and Bea. Bea
    cannot sign in or act in parcel, and neither Ana is the other (`serve --db`)."""
    url, parcel, payments = shared
    _portal(parcel, {"Ana Reviewer": "pw-parcel-ana"})
    _portal(payments, {"Ana Reviewer": "pw-payments-ana", "Bea": "pw-payments-bea"},
            {"payments-ci": "sbk_payments-token"})  # fmt: skip
    before = (parcel / SPEC3_PATH).read_bytes()
    app = _served(monkeypatch, "--db", url)
    with TestClient(app) as bea, TestClient(app) as ana:
        # each book's own users sign in there
        assert _sign_in(bea, "payments", "Bea", "pw-payments-bea") == 303
        assert _sign_in(ana, "parcel", "Ana Reviewer", "pw-parcel-ana") == 303
        assert _review(ana, "parcel", _csrf(ana, "parcel")) == 303  # (recorded)
        (parcel / SPEC3_PATH).write_bytes(before)

        # Bea of payments is nobody in parcel: no sign-in, no session, no review
        assert _sign_in(bea, "parcel", "Bea", "pw-payments-bea") == 401
        assert "Sign in</a>" in bea.get("/b/parcel/").text
        assert _review(bea, "parcel", _csrf(bea, "payments")) == 403
        # not even with payments' session cookie put under parcel's name
        cookies = dict(bea.cookies.items())
        (session,) = [v for k, v in cookies.items() if k.startswith("specbook_session")]
        parcel_cookie = next(k for k in ana.cookies if k.startswith("specbook_session"))
        with TestClient(app) as forged:
            forged.cookies.set(parcel_cookie, session)
            assert "Sign in</a>" in forged.get("/b/parcel/").text
            assert _review(forged, "parcel", _csrf(bea, "payments")) == 403
        # the Ana of payments is not the Ana of parcel
        assert _sign_in(bea, "parcel", "Ana Reviewer", "pw-payments-ana") == 401
        # a token of payments writes nothing in parcel
        r = bea.post(
            "/b/parcel/api/documents/SPEC-003/reviews",
            json={"verdict": "comment"},
            headers={"Authorization": "Bearer sbk_payments-token"},
        )
        assert r.status_code == 401
    assert (parcel / SPEC3_PATH).read_bytes() == before


def test_users_file_is_one_account_for_every_book(
    shared: tuple[str, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an organisation's users file (`serve --users FILE`) one sign-in acts in
    every book, and the books' own tables are not consulted."""
    url, parcel, payments = shared
    _portal(parcel, {"Only Parcel": "pw-only-parcel"})
    org = tmp_path / "users.toml"
    org.write_text(f'[users]\n"Org Ana" = "{hash_password("pw-org-ana", 1000)}"\n')
    with TestClient(_served(monkeypatch, "--db", url, "--users", str(org))) as c:
        assert _sign_in(c, "parcel", "Only Parcel", "pw-only-parcel") == 401
        assert _sign_in(c, "parcel", "Org Ana", "pw-org-ana") == 303
        assert _review(c, "payments", _csrf(c, "payments")) == 303
        assert _review(c, "parcel", _csrf(c, "parcel")) == 303
    for root in (parcel, payments):
        assert "| Org Ana | Comment | from elsewhere |" in (root / SPEC3_PATH).read_text()

    # the same file named by both books' [portal] users_file: one realm, one sign-in
    for root in (parcel, payments):
        cfg = root / "specbook.toml"
        cfg.write_text(
            cfg.read_text().split("\n[portal.users]")[0] + f'\n[portal]\nusers_file = "{org}"\n'
        )
    with TestClient(create_multi_app(url)) as c:
        assert _sign_in(c, "payments", "Org Ana", "pw-org-ana") == 303
        assert "Org Ana" in c.get("/b/parcel/").text


def test_signout_revokes_on_every_server_process(
    shared: tuple[str, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sign-out on one server ends the session on the others, and after a restart."""
    url, parcel, _payments = shared
    _portal(parcel, {"Ana Reviewer": "pw-parcel-ana"})
    before = (parcel / SPEC3_PATH).read_bytes()
    one, two = _served(monkeypatch, "--db", url), _served(monkeypatch, "--db", url)
    with TestClient(one) as first, TestClient(two) as second:
        assert _sign_in(first, "parcel", "Ana Reviewer", "pw-parcel-ana") == 303
        second.cookies.update(first.cookies)
        csrf = _csrf(second, "parcel")
        assert "Ana Reviewer" in second.get("/b/parcel/").text  # shared, as before
        stolen = dict(first.cookies.items())
        r = first.post("/b/parcel/logout", data={"csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303
        assert "Sign in</a>" in second.get("/b/parcel/").text
        assert _review(second, "parcel", csrf) == 403
    with TestClient(_served(monkeypatch, "--db", url)) as restarted:
        for name, value in stolen.items():
            restarted.cookies.set(name, value)
        assert _review(restarted, "parcel", csrf) == 403
    assert (parcel / SPEC3_PATH).read_bytes() == before
