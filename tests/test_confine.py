"""Reads and writes stay inside the book (issue 17: H1, H4, M4, L1, L2).

A symbolic link committed to a book can point anywhere: at ``/proc/self/environ``,
``/etc/passwd``, a key. Every face that reads (CLI, index, lint, portal, static
site, MCP) leaves out a document or attachment whose real path lies outside the
book, and reports it once; every write refuses a real path outside the book. Links
that stay inside the book keep working: an edit changes the link's target and keeps
the link. A loop of links or a file name that is not UTF-8 is reported and skipped,
not a crash; a read-only document is refused; a new document gets the umask's mode.

The files outside the book stand for secrets; they live in ``tmp_path``, beside the
book, and carry ``TOKEN``, which no output may show.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from mcp.shared.exceptions import MCPError
from starlette.testclient import TestClient

from specbook.cli import main
from specbook.services.zeroconf import open_book
from specbook.web.app import create_app
from tests.test_mcp import _serve
from tests.test_portal import accounts, csrf_of, sign_in
from tests.webbook import copy_book, example_ids

TOKEN = "s3cret-b4d9e1-quoll"  # in every file outside the book; no document uses it
SECRET = f"SPECBOOK_SECRET={TOKEN}"
LEAK_ID = "SPEC-077"
LEAK = "docs/specs/SPEC-077-leak.md"  # a link to a document-looking file outside
ENVIRON = "docs/specs/environ.md"  # a link to an environment-looking file outside
ALIAS_ID = "SPEC-078"  # a link to a document elsewhere in the book: read as usual
SPEC4 = "docs/specs/SPEC-004-carrier-auto-detection.md"
DEC1 = "docs/decisions/DEC-001-use-postgresql-event-store.md"


def _outside_files(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.md").write_text(
        f"# Technical Specification: Leak\n\n**ID**: {LEAK_ID}\n**Status**: Draft\n\n"
        f"## Summary\n\n{SECRET}\n",
        encoding="utf-8",
    )
    (outside / "environ").write_bytes(f"HOME=/root\0{SECRET}\0PATH=/bin\0".encode())
    (outside / "leak.png").write_bytes(b"\x89PNG " + TOKEN.encode())
    return outside


@pytest.fixture
def leaky(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example book with links leading out of it, one shown as an image by a
    document, and a link to a document elsewhere in the book; the current folder."""
    root = copy_book(tmp_path / "book")
    outside = _outside_files(tmp_path)
    (root / LEAK).symlink_to(outside / "leak.md")
    (root / ENVIRON).symlink_to(outside / "environ")
    (root / "docs/specs/img").mkdir()
    (root / "docs/specs/img/leak.png").symlink_to(outside / "leak.png")
    spec = root / SPEC4
    spec.write_bytes(spec.read_bytes() + b"\n![leak](img/leak.png)\n")
    (root / "docs/shared").mkdir()  # no kind folder: its document is listed through the link
    (root / "docs/shared/alias.md").write_text(
        f"# Technical Specification: Alias\n\n**ID**: {ALIAS_ID}\n**Status**: Draft\n",
        encoding="utf-8",
    )
    # not read: a link inside the temporary book, to its own docs/shared folder
    (root / "docs/specs/SPEC-078-alias.md").symlink_to("../shared/alias.md")
    monkeypatch.chdir(root)
    return root


def _run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert TOKEN not in result.output and "SPECBOOK_SECRET" not in result.output, result.output
    return result


def _warnings(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("specbook: warning:")]


# -- H1: reading through a link that leads out of the book -------------------------------
def test_symlink_outside_book_is_not_listed_and_is_reported_once(leaky: Path) -> None:
    r = _run("list", "--json")
    assert r.exit_code == 0
    listed = json.loads(r.stdout)
    assert ENVIRON not in {d["path"] for d in listed}
    ids = {d["id"] for d in listed}
    assert LEAK_ID not in ids and ALIAS_ID in ids and "SPEC-004" in ids
    warned = _warnings(r)
    assert len(warned) == 2, warned  # once per link, not once per listing
    leak = next(w for w in warned if LEAK in w)
    assert str(leaky.parent / "outside" / "leak.md") in leak and "outside the book" in leak
    assert any(ENVIRON in w for w in warned)


def test_symlink_outside_book_is_not_shown_by_id(leaky: Path) -> None:
    r = _run("show", LEAK_ID)
    assert r.exit_code == 1 and "no document with this ID" in r.output
    assert _run("show", ALIAS_ID).exit_code == 0  # a link inside the book works


def test_lifecycle_commands_read_nothing_through_a_path_leading_out(leaky: Path) -> None:
    """`check`, `status` and `review` take a path as well as an ID: a path whose real
    path lies outside the book is refused before the file is read (the old code read
    it: "SPEC-077: the document has no checklist items", its ID from the file)."""
    for args in (
        ("check", LEAK, "1"),
        ("status", LEAK, "Review", "--by", "Ana", "--force"),
        ("review", LEAK, "--comment", "--by", "Bo"),
        ("check", str(leaky.parent / "outside" / "leak.md"), "1"),
    ):
        r = _run(*args)
        assert r.exit_code == 1 and "outside the book" in r.output, (args, r.output)
    inside = _run("check", "docs/specs/SPEC-078-alias.md", "1")  # a link inside: read
    assert "SPEC-078: the document has no checklist items" in inside.output


def test_show_reads_no_path_of_the_book_leading_out(leaky: Path) -> None:
    """`show PATH` shows any Markdown file, but a path in the book through a link
    leading out of it (to a file, or through a linked folder) is not read: the old
    code showed the file there, its title and sections."""
    vault = leaky.parent / "outside" / "vault"
    vault.mkdir()
    (vault / "deep.md").write_text(f"# Technical Specification: {TOKEN}\n", encoding="utf-8")
    (leaky / "docs/specs/vault").symlink_to(vault)
    for ref in (LEAK, "docs/specs/vault/deep.md", "./docs/specs/../specs/vault/deep.md"):
        for args in (("show", ref), ("show", "--json", ref)):
            r = _run(*args)
            assert r.exit_code == 1 and "leading out of the book" in r.output, (args, r.output)
    assert _run("show", "docs/specs/SPEC-078-alias.md").exit_code == 0  # a link inside
    # a file outside any book, named as such, is any Markdown file
    assert "Leak" in _run("show", str(leaky.parent / "outside" / "leak.md")).output


def test_symlink_outside_book_is_a_lint_finding(leaky: Path) -> None:
    r = _run("lint", "--format", "json")
    data = json.loads(r.stdout)
    skipped = {f["path"]: f for f in data["findings"] if f["rule"] == "SB002"}
    assert set(skipped) == {LEAK, ENVIRON}
    assert "outside the book" in skipped[LEAK]["message"] and skipped[LEAK]["severity"] == "error"
    assert r.exit_code == 1
    assert _warnings(r) == []  # the findings are the report: not said twice
    # a lint of named files skips such a file too, and says so
    named = _run("lint", LEAK, "docs/specs")
    assert len(_warnings(named)) == 2, named.output


def test_symlink_outside_book_is_not_indexed_searched_or_graphed(leaky: Path) -> None:
    assert _run("index").exit_code == 0
    assert _run("search", "quoll").exit_code == 1  # no matches
    assert _run("search", TOKEN.split("-")[0]).exit_code == 1
    graph = json.loads(_run("graph", "--format", "json").stdout)
    assert LEAK_ID not in {n["id"] for n in graph["nodes"] if not n["dangling"]}
    report = _run("report", "--format", "json")
    assert report.exit_code == 0


def test_symlink_outside_book_is_not_exported(leaky: Path) -> None:
    data = json.loads(_run("export").stdout)
    assert LEAK_ID not in {d["id"] for d in data["documents"]}
    assert ALIAS_ID in {d["id"] for d in data["documents"]}
    _run("export", "--format", "csv")


def test_symlink_outside_book_is_not_published_by_build(leaky: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert _run("build", "--out", str(out)).exit_code == 0
    assert (out / f"doc/{ALIAS_ID}.html").is_file()
    assert not (out / f"doc/{LEAK_ID}.html").exists()
    for path in out.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert not (out / "files/docs/specs/img/leak.png").exists()  # the attachment neither


PORTAL_URLS = (
    "/",
    "/documents",
    "/search?q=quoll",
    "/graph",
    f"/doc/{LEAK_ID}",
    f"/doc/{LEAK}",
    f"/doc/{ENVIRON}",
    "/api/documents",
    f"/api/documents/{LEAK_ID}",
    "/api/search?q=quoll",
    "/api/findings",
)


def test_symlink_outside_book_is_not_served(leaky: Path) -> None:
    with TestClient(create_app(open_book(leaky), accounts())) as client:
        for url in PORTAL_URLS:
            r = client.get(url)
            assert TOKEN not in r.text and "SPECBOOK_SECRET" not in r.text, url
            if url.startswith(("/doc/", "/api/documents/")):
                assert r.status_code == 404, (url, r.status_code)
        assert client.get(f"/doc/{ALIAS_ID}").status_code == 200


def test_document_replaced_by_a_link_outside_is_not_served_from_the_index(
    leaky: Path, tmp_path: Path
) -> None:
    """The index still lists the path: the portal's own read refuses it."""
    spec = leaky / SPEC4
    secret = tmp_path / "outside" / "spec4.md"
    secret.write_bytes(spec.read_bytes() + f"\n{SECRET}\n".encode())

    def swap() -> None:
        spec.unlink(missing_ok=True)
        spec.symlink_to(secret)

    with TestClient(create_app(open_book(leaky), accounts())) as client:
        token = sign_in(client)
        assert client.get("/doc/SPEC-004").status_code == 200
        swap()  # (a write through the portal syncs the index: not before this one)
        r = client.post(
            "/doc/SPEC-004/review",
            data={"csrf": token, "verdict": "comment", "note": "through the link"},
        )
        assert TOKEN not in r.text and r.status_code == 409 and "outside the book" in r.text
        assert secret.read_bytes().endswith(f"{SECRET}\n".encode()) and spec.is_symlink()
    for url in ("/doc/SPEC-004", f"/doc/{SPEC4}", "/api/documents/SPEC-004", "/doc/SPEC-004/edit"):
        spec.unlink()
        spec.write_bytes(secret.read_bytes())
        with TestClient(create_app(open_book(leaky), accounts())) as client:
            sign_in(client)
            swap()
            r = client.get(url)
            assert TOKEN not in r.text and r.status_code == 404, url


@pytest.fixture
def decisions_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example book whose ``docs/decisions`` is a link to a folder outside it;
    returns that folder (the book is the current folder)."""
    root = copy_book(tmp_path / "book")
    outside = tmp_path / "outside-decisions"
    shutil.move(root / "docs/decisions", outside)
    (root / "docs/decisions").symlink_to(outside)
    monkeypatch.chdir(root)
    return outside


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_kind_folder_linked_outside_book_is_not_read(decisions_outside: Path) -> None:
    r = _run("list", "--json")
    assert not [d for d in json.loads(r.stdout) if d["kind"] == "DEC"]
    (warned,) = _warnings(r)
    assert "docs/decisions" in warned and str(decisions_outside) in warned
    shown = _run("show", "DEC-001")
    assert shown.exit_code == 1 and "no document with this ID" in shown.output


def test_symlink_outside_book_is_not_given_to_an_agent(leaky: Path, tmp_path: Path) -> None:
    """The MCP server over a book with links out (a document, a kind folder), a loop
    and an undecodable name: nothing outside is read or written, nothing crashes."""
    decisions = tmp_path / "outside-decisions"
    shutil.move(leaky / "docs/decisions", decisions)
    (leaky / "docs/decisions").symlink_to(decisions)
    before = _snapshot(decisions)
    _odd_files(leaky)
    log = tmp_path / "server.log"
    for agent in _serve(leaky, log):
        listed = agent.ok("list")["documents"]
        assert LEAK_ID not in {d["id"] for d in listed} and ALIAS_ID in {d["id"] for d in listed}
        assert not [d for d in listed if d["kind"] == "DEC"]
        for ref in (LEAK_ID, LEAK, ENVIRON, "DEC-001", DEC1):
            assert TOKEN not in agent.error("get", id=ref)
        # a loop of links is an error that says so (Path.resolve raised RuntimeError on
        # it: the tool failed with no message)
        assert "docs/specs/a.md: " in agent.error("get", id="docs/specs/a.md")
        loop = agent.error("review", id="docs/specs/a.md", verdict="approve", by="Eve")
        assert "docs/specs/a.md: " in loop
        with pytest.raises(MCPError) as caught:
            agent.read(f"specbook://doc/{LEAK_ID}")
        assert TOKEN not in str(caught.value)
        uris = {r.uri for r in agent.portal.call(agent.session.list_resources).resources}
        assert f"specbook://doc/{LEAK_ID}" not in uris and f"specbook://doc/{ALIAS_ID}" in uris
        assert agent.ok("search", query="quoll")["results"] == []
        findings = agent.ok("lint")["findings"]
        assert TOKEN not in json.dumps(findings)
        assert {f["path"] for f in findings if f["rule"] == "SB002"} >= {LEAK, ENVIRON, *ODD}
        assert "outside the book" in agent.error("create", kind="dec", title="Planted")
        assert "outside the book" in agent.error("review", id=DEC1, verdict="approve", by="Eve")
        made = agent.ok("create", kind="spec", title="Still works", author="Ana")
        assert (leaky / made["path"]).is_file()
    assert _snapshot(decisions) == before
    text = log.read_text(encoding="utf-8")
    assert TOKEN not in text and "Traceback" not in text, text
    for path in (LEAK, ENVIRON, "docs/decisions", *ODD):
        assert text.count(f"specbook: warning: {path}:") == 1, (path, text)


# -- M4: files that cannot be read are skipped, not a crash ------------------------------
@pytest.fixture
def odd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example book with a loop of two links and a document whose file name is
    not UTF-8 (Latin-1 ``é``); the current folder."""
    root = copy_book(tmp_path / "book")
    _odd_files(root)
    monkeypatch.chdir(root)
    return root


def _odd_files(root: Path) -> None:
    (root / "docs/specs/a.md").symlink_to("b.md")
    (root / "docs/specs/b.md").symlink_to("a.md")
    text = (root / SPEC4).read_bytes().replace(b"SPEC-004", b"SPEC-080")
    name = os.path.join(os.fsencode(root / "docs/specs"), b"SPEC-080-caf\xe9.md")
    with open(name, "wb") as fh:
        fh.write(text)


ODD = ("docs/specs/a.md", "docs/specs/b.md", "docs/specs/SPEC-080-caf\\xe9.md")


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("show", "SPEC-001"),
        ("search", "carrier"),
        ("index",),
        ("graph",),
        ("report",),
        ("export",),
        ("trace",),
        ("status", "SPEC-004", "Review", "--by", "Ana", "--force"),
    ],
    ids=lambda a: a[0],
)
def test_looping_links_and_undecodable_names_are_skipped(odd: Path, args: tuple[str]) -> None:
    r = _run(*args)
    assert r.exit_code == 0, r.output
    warned = _warnings(r)
    for path in ODD:
        assert sum(path in w for w in warned) == 1, (path, warned)
    assert "is not valid UTF-8" in next(w for w in warned if "caf" in w)
    assert "loop" in next(w for w in warned if "a.md" in w)


def test_looping_links_and_undecodable_names_are_lint_findings(odd: Path, tmp_path: Path) -> None:
    r = _run("lint", "--format", "json")
    found = {f["path"] for f in json.loads(r.stdout)["findings"] if f["rule"] == "SB002"}
    assert found == set(ODD)
    assert _run("build", "--out", str(tmp_path / "site")).exit_code == 0
    listed = json.loads(_run("list", "--json").stdout)
    assert sorted(d["id"] for d in listed) == sorted(example_ids())


def test_looping_links_and_undecodable_names_do_not_stop_the_portal(odd: Path) -> None:
    with TestClient(create_app(open_book(odd), accounts())) as client:
        for url in ("/", "/documents", "/search?q=carrier", "/doc/SPEC-004", "/api/findings"):
            assert client.get(url).status_code == 200, url


# -- H4: writing through a link that leads out of the book -------------------------------
def test_writes_through_a_folder_linked_outside_book_are_refused(
    decisions_outside: Path,
) -> None:
    before = _snapshot(decisions_outside)
    r = _run("review", "DEC-001", "--approve", "--by", "Eve")
    assert r.exit_code == 1
    r = _run("review", DEC1, "--approve", "--by", "Eve")  # named by its path
    assert r.exit_code == 1 and "outside the book" in r.stderr, r.output
    r = _run("status", DEC1, "Deprecated", "--by", "Eve", "--force")
    assert r.exit_code == 1 and "outside the book" in r.stderr, r.output
    r = _run("new", "dec", "Planted decision")
    assert r.exit_code == 1 and "outside the book" in r.stderr, r.output
    assert _snapshot(decisions_outside) == before  # nothing written, nothing created


def test_atomic_writes_refuse_a_real_path_outside_the_book(tmp_path: Path) -> None:
    from specbook.edit.atomic import WriteRefused, create_new, replace_if_unchanged

    root = tmp_path / "book"
    (root / "docs").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.md").write_bytes(b"old")
    (root / "docs/link.md").symlink_to(outside / "x.md")
    (root / "docs/out").symlink_to(outside)
    with pytest.raises(WriteRefused, match="outside the book"):
        replace_if_unchanged(root / "docs/link.md", b"old", b"new", root=root)
    with pytest.raises(WriteRefused, match="outside the book"):
        replace_if_unchanged(root / "docs/out/x.md", b"old", b"new", root=root)
    with pytest.raises(WriteRefused, match="outside the book"):
        create_new(root / "docs/out/y.md", b"new", root=root)
    assert sorted(p.name for p in outside.iterdir()) == ["x.md"]
    assert (outside / "x.md").read_bytes() == b"old"


# -- L1: a link inside the book keeps its target; a read-only document is refused --------
def test_edit_of_symlinked_document_changes_its_target_and_keeps_the_link(leaky: Path) -> None:
    link = leaky / "docs/specs/SPEC-078-alias.md"
    # (the stub keeps no Review History: the approval goes to an Approvers header line)
    assert _run("review", ALIAS_ID, "--approve", "--by", "Bo").exit_code == 0
    # not read: the link's text, naming the book's own docs/shared folder
    assert link.is_symlink() and os.readlink(link) == "../shared/alias.md"
    assert "**Approvers**: Bo" in (leaky / "docs/shared/alias.md").read_text(encoding="utf-8")


def test_read_only_document_is_refused(leaky: Path) -> None:
    spec = leaky / SPEC4
    spec.chmod(0o444)
    before = spec.read_bytes()
    r = _run("review", "SPEC-004", "--comment", "--by", "Bo")
    assert r.exit_code == 1 and "read-only" in r.stderr and "chmod u+w" in r.stderr, r.output
    r = _run("supersede", "SPEC-004", "SPEC-001", "--by", "Bo")
    assert r.exit_code == 1 and "read-only" in r.stderr, r.output
    assert spec.read_bytes() == before and spec.stat().st_mode & 0o777 == 0o444


def test_read_only_document_is_not_saved_by_the_portal_editor(leaky: Path) -> None:
    spec = leaky / SPEC4
    spec.chmod(0o444)
    before = spec.read_bytes()
    with TestClient(create_app(open_book(leaky), accounts())) as client:
        sign_in(client)
        page = client.get("/doc/SPEC-004/edit").text
        base = re.search(r'name="base" value="([^"]+)"', page)
        assert base is not None
        r = client.post(
            "/doc/SPEC-004/edit",
            data={"csrf": csrf_of(page), "base": base.group(1), "text": "# replaced\n"},
            follow_redirects=False,
        )
        assert r.status_code == 409 and "read-only" in r.text
    assert spec.read_bytes() == before


# -- L2: new files get 0666 less the umask -----------------------------------------------
@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o027], ids=["umask-022", "umask-027"])
def test_new_document_mode_follows_umask(
    book: Path, umask: None, mask: int, tmp_path: Path
) -> None:
    os.umask(mask)
    r = _run("new", "spec", "Modes")
    assert r.exit_code == 0, r.output
    made = book / r.stdout.strip()
    assert made.stat().st_mode & 0o777 == 0o666 & ~mask
    out = tmp_path / "export.json"
    assert _run("export", "--out", str(out)).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask
    made.chmod(0o600)  # an edit keeps the document's own mode
    assert _run("review", "SPEC-001", "--comment", "--by", "Bo").exit_code == 0
    assert made.stat().st_mode & 0o777 == 0o600


def test_trace_reads_no_code_outside_the_book(leaky: Path, tmp_path: Path) -> None:
    """The code `specbook trace` scans is confined as the documents are: a test file
    that is a link leading out of the book showed its tests and tags; a loop and a name
    that is not UTF-8 are skipped too, each reported once."""
    code = tmp_path / "outside" / "test_elsewhere.py"
    code.write_text(
        f'import pytest\n\n\n@pytest.mark.spec("{TOKEN}")\ndef test_quoll_secret():\n'
        "    pass  # covers SPEC-001/FR-1\n",
        encoding="utf-8",
    )
    (leaky / "tests/test_elsewhere.py").symlink_to(code)
    (leaky / "tests/test_loop.py").symlink_to("test_loop.py")
    with open(os.path.join(os.fsencode(leaky / "tests"), b"test_caf\xe9.py"), "wb") as fh:
        fh.write(b"def test_caf\xe9():\n    pass  # covers SPEC-001/FR-2\n")
    (leaky / "tests/test_inside.py").symlink_to("test_tracking.py")  # a link inside: read
    r = _run("trace")
    assert r.exit_code == 0, r.output
    warned = _warnings(r)
    for name in ("test_elsewhere.py", "test_loop.py", "test_caf\\xe9.py"):
        assert sum(f"tests/{name}: " in w for w in warned) == 1, (name, warned)
    r = _run("trace", "--json")  # (in this process, said once already)
    assert r.exit_code == 0, r.output
    for out in (r.stdout, _run("trace").stdout):
        assert "quoll" not in out and "test_elsewhere" not in out
        assert "test_inside.py" in out
