"""A document page, in the portal and in the static site, shows exactly the findings
`specbook lint FILE` reports for that file: the same rules (book rules included), the
same severities, the same config (issue 19). Before, pages ran the document rules
themselves and added a page-made SB401: a rule the config turned off still showed,
and SB402 (a book rule) never did."""

from __future__ import annotations

import json
import re
import shutil
import time
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from specbook.cli import main
from specbook.services.zeroconf import open_book
from specbook.web.app import create_app
from specbook.web.site import build_site

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"
A = "docs/specs/SPEC-001-a.md"
B = "docs/specs/SPEC-002-b.md"

Shown = list[tuple[str, str, int, str]]  # (severity, rule, line, message)


def _book(root: Path) -> Path:
    """SPEC-001 says it is superseded by SPEC-002, which does not say it supersedes it
    (SB402, a book rule), references SPEC-077, which does not exist (SB401, turned off
    in the config), and links to a heading of SPEC-002 (fine, until it goes)."""
    specs = root / "docs/specs"
    specs.mkdir(parents=True)
    (root / "specbook.toml").write_text(
        '[book]\nname = "t"\n\n[lint.rules.dangling-reference]\nseverity = "off"\n'
    )
    (specs / "SPEC-001-a.md").write_text(
        "# A\n\n**ID**: SPEC-001\n\nSuperseded by SPEC-002.\n\n## Plan\n\n"
        "See SPEC-077 and [the rollout](SPEC-002-b.md#rollout-plan).\n"
    )
    (specs / "SPEC-002-b.md").write_text("# B\n\n**ID**: SPEC-002\n\n## Rollout plan\n\nSoon.\n")
    return root


def _lint(root: Path, rel: str, monkeypatch: pytest.MonkeyPatch) -> Shown:
    """What `specbook lint FILE --format json` reports for ``rel``."""
    monkeypatch.chdir(root)
    r = CliRunner().invoke(main, ["lint", "--format", "json", rel])
    assert r.exit_code in (0, 1), r.output
    return sorted(
        (f["severity"], f["rule"], f["line"], f["message"])
        for f in json.loads(r.output)["findings"]
    )


def _shown(html: str) -> Shown:
    """The findings a document page lists."""
    if 'class="findings"' not in html:
        return []
    part = html[html.index('class="findings"') :]
    part = part[: part.index("</section>")]
    return sorted(
        (sev, rule, int(line), unescape(message))
        for sev, rule, line, message in re.findall(
            r'<li class="sev-(\w+)" id="finding-\d+"><span class="sev">[^<]*</span> '
            r'<span class="rule">(SB\d+)</span> (?:<a href="#L\d+">)?(?:\S+ )?line (\d+)(?:</a>)?: '
            r'<span class="msg">(.*?)</span></li>',
            part,
            flags=re.S,
        )
    )


def _rules(shown: Shown) -> set[str]:
    return {rule for _sev, rule, _line, _msg in shown}


def _portal(root: Path, watch: bool = False) -> TestClient:
    return TestClient(create_app(open_book(root), watch=watch))


def _ready(client: TestClient) -> None:
    app: Any = client.app
    assert app.state.portal.lint_ready.wait(60)


def test_portal_page_shows_what_lint_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _book(tmp_path / "book")
    want = _lint(root, A, monkeypatch)
    assert "SB402" in _rules(want) and "SB401" not in _rules(want)
    with _portal(root) as c:
        _ready(c)
        stored = _shown(c.get("/doc/SPEC-001").text)  # from the index
        assert stored == want
        # edited on disk since the lint (no --watch): the page lints the file itself
        a = root / A
        a.write_text(a.read_text().replace("## Plan", "## Plan\n\n## Plan"))
        edited = _lint(root, A, monkeypatch)
        assert "SB204" in _rules(edited)
        assert _shown(c.get("/doc/SPEC-001").text) == edited
        assert sorted(
            (f["severity"], f["rule"], f["line"], f["message"])
            for f in c.get("/api/documents/SPEC-001").json()["findings"]
        ) == [(s, r, ln, m) for s, r, ln, m in edited]


def test_portal_page_follows_the_file_a_link_leads_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SB403 on SPEC-001's page follows SPEC-002: its heading removed, then the file."""
    root = _book(tmp_path / "book")
    with _portal(root, watch=True) as c:
        _ready(c)
        assert "SB403" not in _rules(_shown(c.get("/doc/SPEC-001").text))
        b = root / B
        b.write_text("# B\n\n**ID**: SPEC-002\n\n## Later\n\nSoon.\n")
        want = _lint(root, A, monkeypatch)
        assert "SB403" in _rules(want)
        _wait_for(c, want)
        b.unlink()
        want = _lint(root, A, monkeypatch)
        assert any("does not exist" in m for _s, r, _l, m in want if r == "SB403")
        _wait_for(c, want)


def _wait_for(c: TestClient, want: Shown) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        got = _shown(c.get("/doc/SPEC-001").text)
        if got == want:
            return
        time.sleep(0.2)
    pytest.fail(f"the page shows {got}, lint reports {want}")


def test_site_page_shows_what_lint_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(open_book(root), out)
    want = _lint(root, A, monkeypatch)
    assert "SB402" in _rules(want) and "SB401" not in _rules(want)
    assert _shown((out / "doc/SPEC-001.html").read_text()) == want
    # the heading a link names goes: the next build's page says so
    (root / B).write_text("# B\n\n**ID**: SPEC-002\n\n## Later\n\nSoon.\n")
    build_site(open_book(root), out)
    want = _lint(root, A, monkeypatch)
    assert "SB403" in _rules(want)
    assert _shown((out / "doc/SPEC-001.html").read_text()) == want


def test_every_page_of_the_example_book_shows_what_lint_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    out = tmp_path / "site"
    build_site(open_book(root), out)
    book = open_book(root)
    with _portal(root) as c:
        _ready(c)
        for d in book.documents():
            assert d.id and d.path
            want = _lint(root, d.path, monkeypatch)
            assert _shown(c.get(f"/doc/{d.id}").text) == want, d.path
            assert _shown((out / f"doc/{d.id}.html").read_text()) == want, d.path
