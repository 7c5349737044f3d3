"""The portal's JSON API: shapes, status codes, authentication, and writes that go
through the lifecycle engine exactly as the CLI's do."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from specbook.cli import main
from specbook.services.zeroconf import open_book
from specbook.web.app import create_app
from specbook.web.auth import Accounts, hash_password, hash_token

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "book"
TODAY = "2026-11-20"
TOKEN = "sbk_test-token-for-the-api"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PASSWORD = "correct horse battery"
SPEC3 = "docs/specs/SPEC-003-delivery-notifications.md"
SPEC4 = "docs/specs/SPEC-004-carrier-auto-detection.md"
LIST_KEYS = {
    "id", "kind", "title", "status", "status_canonical", "type", "path", "date", "modified", "tags",
}  # fmt: skip
HIT_KEYS = {"id", "title", "status", "path", "line", "snippet", "score"}


def copy_book(dest: Path) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".specbook"))
    return dest


def accounts() -> Accounts:
    return Accounts(
        users={"Mateo García": hash_password(PASSWORD, 1000)},
        tokens={"ci-bot": hash_token(TOKEN)},
    )


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECBOOK_TODAY", TODAY)
    return copy_book(tmp_path / "portal")


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(open_book(root), accounts())) as c:
        yield c


def break_date(path: Path) -> None:
    """Give the document an error finding (SB104) on line 4."""
    text = path.read_text()
    path.write_text(re.sub(r"(?m)^\*\*Date\*\*: .*$", "**Date**: 2026-13-45", text, count=1))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"csrf": token, "name": "Mateo García", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return csrf_of(client.get("/doc/SPEC-003").text)


def cli(book: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.chdir(book)
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


# -- reading ---------------------------------------------------------------------------


def test_openapi_describes_every_api_route(client: TestClient) -> None:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.")
    served = {
        re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", route.path)
        for route in client.app.routes  # type: ignore[attr-defined]
        if getattr(route, "path", "").startswith("/api/") and route.path != "/api/openapi.json"
    }
    assert served == set(spec["paths"])
    writes = spec["paths"]["/api/documents/{ref}/transitions"]["post"]
    assert writes["security"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_documents_lists_every_document_with_its_header_facts(client: TestClient) -> None:
    r = client.get("/api/documents")
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == 14
    assert all(set(row) == LIST_KEYS for row in rows)
    spec3 = next(row for row in rows if row["id"] == "SPEC-003")
    assert spec3 == {
        "id": "SPEC-003",
        "kind": "SPEC",
        "title": "Delivery notifications",
        "status": "Review",
        "status_canonical": "Review",
        "type": "Feature",
        "path": SPEC3,
        "date": "2026-10-05",
        "modified": "2026-11-17",
        "tags": ["notifications", "email", "privacy"],
    }


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("kind=spec", {"SPEC-001", "SPEC-002", "SPEC-003", "SPEC-004", "SPEC-005"}),
        ("status=review", {"SPEC-003"}),
        ("kind=SPEC&status=draft", {"SPEC-004"}),
        ("tag=privacy", None),
        ("kind=nothing", set()),
    ],
)
def test_documents_filters(client: TestClient, query: str, ids: set[str] | None) -> None:
    rows = client.get(f"/api/documents?{query}").json()
    if ids is None:  # tags: every row carries the tag, and there is at least one
        assert rows and all("privacy" in row["tags"] for row in rows)
    else:
        assert {row["id"] for row in rows} == ids


def test_document_is_the_show_model_with_findings(client: TestClient) -> None:
    r = client.get("/api/documents/SPEC-003")
    assert r.status_code == 200
    data = r.json()
    assert (data["id"], data["title"], data["path"]) == (
        "SPEC-003",
        "Delivery notifications",
        SPEC3,
    )
    assert data["findings"] == []
    assert [req["id"] for req in data["requirements"]] == ["FR-1", "FR-2", "FR-3", "NFR-1", "NFR-2"]
    assert [row["status"] for row in data["review_history"]] == ["Draft", "Review"]
    assert client.get("/api/documents/spec-003").json()["id"] == "SPEC-003"


def test_document_findings_come_with_the_document(root: Path) -> None:
    break_date(root / SPEC4)
    with TestClient(create_app(open_book(root), accounts())) as c:
        findings = c.get("/api/documents/SPEC-004").json()["findings"]
    assert {"rule": "SB104", "name": "invalid-date", "severity": "error", "line": 4} in [
        {k: f[k] for k in ("rule", "name", "severity", "line")} for f in findings
    ]


@pytest.mark.parametrize("ref", ["SPEC-999", "NOPE", "docs/specs/missing.md"])
def test_unknown_document_is_404(client: TestClient, ref: str) -> None:
    r = client.get(f"/api/documents/{ref}")
    assert r.status_code == 404
    assert set(r.json()) == {"error"}


def test_unknown_endpoint_is_a_json_404(client: TestClient) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404
    assert "openapi.json" in r.json()["error"]


def test_search_hits_and_limit(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "webhook"})
    assert r.status_code == 200
    hits = r.json()
    assert len(hits) >= 3
    assert all(set(h) == HIT_KEYS for h in hits)
    assert all("**" in h["snippet"] and "webhook" in h["snippet"].lower() for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert len(client.get("/api/search", params={"q": "webhook", "limit": "2"}).json()) == 2
    only = client.get("/api/search", params={"q": "webhook status:review"}).json()
    assert {h["id"] for h in only} == {"SPEC-003"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "   "},
        {"q": "x", "limit": "0"},
        {"q": "x", "limit": "201"},
        {"q": "x", "limit": "ten"},
    ],
)
def test_search_rejects_bad_parameters(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 400
    assert r.json()["error"]


def test_findings_after_the_background_lint(root: Path) -> None:
    break_date(root / SPEC4)
    app = create_app(open_book(root), accounts())
    with TestClient(app) as c:
        assert app.state.portal.lint_ready.wait(30)
        rows = c.get("/api/findings").json()
        assert rows, "the broken date is a finding"
        assert all(set(f) >= {"path", "rule", "severity", "line", "message"} for f in rows)
        assert {f["path"] for f in rows} == {SPEC4}
        assert any(f["rule"] == "SB104" for f in rows)
        assert c.get("/api/findings", params={"path": SPEC3}).json() == []
        assert c.get("/api/findings", params={"path": SPEC4}).json() == rows


# -- authentication --------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["transitions", "reviews"])
def test_writes_without_credentials_are_401(client: TestClient, root: Path, endpoint: str) -> None:
    before = (root / SPEC3).read_bytes()
    body = {"status": "Approved", "verdict": "approve"}
    assert client.post(f"/api/documents/SPEC-003/{endpoint}", json=body).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    r = client.post(f"/api/documents/SPEC-003/{endpoint}", json=body, headers=wrong)
    assert r.status_code == 401
    assert r.json()["error"]
    assert (root / SPEC3).read_bytes() == before


def test_session_writes_need_the_csrf_header(client: TestClient, root: Path) -> None:
    csrf = sign_in(client)
    before = (root / SPEC3).read_bytes()
    url = "/api/documents/SPEC-003/reviews"
    body = {"verdict": "comment", "note": "from the browser"}
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    anonymous = csrf_of(TestClient(client.app).get("/login").text)
    assert client.post(url, json=body, headers={"X-CSRF-Token": anonymous}).status_code == 403
    assert (root / SPEC3).read_bytes() == before
    r = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert "| Mateo García | Comment | from the browser |" in (root / SPEC3).read_text()


# -- writing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "content"),
    [
        ("transitions", b"{not json"),
        ("transitions", b"[1, 2]"),
        ("transitions", b'"Approved"'),
        ("transitions", b"{}"),
        ("transitions", b'{"status": 3}'),
        ("transitions", b'{"status": "  "}'),
        ("transitions", b'{"status": "Approved", "note": ["x"]}'),
        ("transitions", b'{"status": "Shipped"}'),
        ("reviews", b"{not json"),
        ("reviews", b"{}"),
        ("reviews", b'{"verdict": "lgtm"}'),
        ("reviews", b'{"verdict": "approve", "note": 7}'),
    ],
)
def test_bad_bodies_are_400(client: TestClient, root: Path, endpoint: str, content: bytes) -> None:
    before = (root / SPEC3).read_bytes()
    headers = {**BEARER, "Content-Type": "application/json"}
    r = client.post(f"/api/documents/SPEC-003/{endpoint}", content=content, headers=headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]
    assert (root / SPEC3).read_bytes() == before


@pytest.mark.parametrize("endpoint", ["transitions", "reviews"])
def test_writes_to_unknown_documents_are_404(client: TestClient, endpoint: str) -> None:
    body = {"status": "Approved", "verdict": "approve"}
    r = client.post(f"/api/documents/SPEC-404/{endpoint}", json=body, headers=BEARER)
    assert r.status_code == 404
    assert "SPEC-404" in r.json()["error"]


def test_refused_gate_is_409_with_the_gate_message(client: TestClient, root: Path) -> None:
    before = (root / SPEC3).read_bytes()
    r = client.post(
        "/api/documents/SPEC-003/transitions", json={"status": "Approved"}, headers=BEARER
    )
    assert r.status_code == 409
    message = r.json()["error"]
    assert message.startswith("SPEC-003: cannot move to Approved")
    assert "gate approvals: needs 1 approval(s)" in message
    assert (root / SPEC3).read_bytes() == before


def test_move_outside_the_workflow_is_409(client: TestClient, root: Path) -> None:
    r = client.post(
        "/api/documents/SPEC-004/transitions", json={"status": "Implemented"}, headers=BEARER
    )
    assert r.status_code == 409
    assert "Draft -> Implemented is not a move of the SPEC workflow" in r.json()["error"]


def test_review_and_transition_edit_the_file_as_the_cli_does(
    client: TestClient, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = copy_book(tmp_path / "cli")
    before = (root / SPEC3).read_text().splitlines()

    r = client.post(
        "/api/documents/SPEC-003/reviews",
        json={"verdict": "approve", "note": "Consent wording checked"},
        headers=BEARER,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "SPEC-003: approve by ci-bot", "path": SPEC3}
    said = cli(other, monkeypatch, "review", "SPEC-003", "--approve", "--by", "ci-bot",
               "--note", "Consent wording checked")  # fmt: skip
    assert said == r.json()["message"]
    assert (root / SPEC3).read_bytes() == (other / SPEC3).read_bytes()

    r = client.post(
        "/api/documents/SPEC-003/transitions",
        json={"status": "approved", "note": "Ship it"},
        headers=BEARER,
    )
    assert r.status_code == 200, r.text
    said = cli(other, monkeypatch, "status", "SPEC-003", "approved", "--by", "ci-bot",
               "--note", "Ship it")  # fmt: skip
    assert r.json() == {"message": said, "path": SPEC3}
    assert said == "SPEC-003: Review -> Approved"
    assert (root / SPEC3).read_bytes() == (other / SPEC3).read_bytes()

    after = (root / SPEC3).read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=False) if a != b]
    assert changed[:1] == [("**Status**: Review", "**Status**: Approved")]
    assert f"| {TODAY} | ci-bot | Approve | Consent wording checked |" in after
    assert f"| {TODAY} | ci-bot | Approved | Ship it |" in after
    assert f"- **Modified**: {TODAY}" in after
    assert "- **Approvers**: ci-bot" in after
    assert "- **Reviewers**: Amara Okafor, Mateo García, ci-bot" in after
    assert len(after) == len(before) + 2  # two history rows; every other change in place

    # the index follows the write at once
    assert client.get("/api/documents/SPEC-003").json()["status"] == "Approved"
    ids = {d["id"] for d in client.get("/api/documents?status=approved").json()}
    assert {"SPEC-002", "SPEC-003"} <= ids


def test_request_changes_moves_back_to_draft_like_the_cli(
    client: TestClient, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = copy_book(tmp_path / "cli")
    r = client.post(
        "/api/documents/SPEC-003/reviews",
        json={"verdict": "request-changes", "note": "Add the retention period"},
        headers=BEARER,
    )
    assert r.status_code == 200
    said = cli(other, monkeypatch, "review", "SPEC-003", "--request-changes", "--by", "ci-bot",
               "--note", "Add the retention period")  # fmt: skip
    assert r.json()["message"] == said
    assert said.endswith("back to Draft")
    assert (root / SPEC3).read_bytes() == (other / SPEC3).read_bytes()


def test_draft_to_review_matches_the_cli(
    client: TestClient, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = copy_book(tmp_path / "cli")
    r = client.post(
        "/api/documents/SPEC-004/transitions", json={"status": "Review"}, headers=BEARER
    )
    assert r.status_code == 200, r.text
    said = cli(other, monkeypatch, "status", "SPEC-004", "Review", "--by", "ci-bot")
    assert r.json()["message"] == said == "SPEC-004: Draft -> Review"
    assert (root / SPEC4).read_bytes() == (other / SPEC4).read_bytes()


def test_review_gate_refuses_a_document_with_lint_errors(client: TestClient, root: Path) -> None:
    path = root / SPEC4
    break_date(path)
    before = path.read_bytes()
    r = client.post(
        "/api/documents/SPEC-004/transitions", json={"status": "Review"}, headers=BEARER
    )
    assert r.status_code == 409
    assert "gate no-errors" in r.json()["error"]
    assert path.read_bytes() == before
