"""The static site builder (no browser): what it writes, that every link inside it
resolves, that no page can run inline or document-supplied script, and that a build
never destroys a folder it did not write or leaves half a site behind."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from markupsafe import escape

from specbook.cli import main
from specbook.core.errors import UsageError
from specbook.services.zeroconf import open_book
from specbook.web import pages, site
from specbook.web.site import MARKER, build_site, plain_text, relink, sectioned_text
from tests.webbook import HOSTILE_ID, HOSTILE_WORD, copy_book, example_ids

TOP_PAGES = (
    "index.html",
    "documents.html",
    "search.html",
    "graph.html",
    "timeline.html",
    "risks.html",
)


class _Page(HTMLParser):
    """The links, scripts and event-handler attributes of one HTML file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (attribute, value)
        self.scripts: list[dict[str, str | None]] = []
        self.script_text: list[str] = []
        self.handlers: list[str] = []
        self.tags: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src", "action", "xlink:href") and value is not None:
                self.urls.append((name, value))
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
        if tag == "script":
            self.scripts.append(dict(attrs))
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """(book root, site folder, pages reported) of one build shared by the module."""
    root = copy_book(tmp_path_factory.mktemp("site-book") / "book")
    out = tmp_path_factory.mktemp("site-out") / "site"
    stats = build_site(open_book(root), out)
    return root, out, stats.pages


def _html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_writes_home_list_search_graph_timeline_risks_and_one_page_per_document(
    built: tuple[Path, Path, int],
) -> None:
    _root, out, count = built
    ids = example_ids()
    for name in TOP_PAGES:
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "doc").iterdir()) == sorted(f"{i}.html" for i in ids)
    assert count == len(TOP_PAGES) + len(ids) == len(_html_files(out))
    for asset in ("style.css", "app.js", "search.js", "list.js", "search-index.js"):
        assert (out / "static" / asset).is_file(), asset
    assert json.loads((out / MARKER).read_text())["generator"] == "specbook"


def test_every_internal_link_points_at_a_file_of_the_site(built: tuple[Path, Path, int]) -> None:
    _root, out, _ = built
    checked = 0
    for page in _html_files(out):
        for attr, value in _parse(page).urls:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https", "mailto") or value.startswith("#"):
                continue
            where = f"{page.relative_to(out)}: {attr}={value!r}"
            # A rooted or server link (/login, /doc/X) would break under file://.
            assert not parts.scheme and not value.startswith("/"), where
            assert parts.path, where
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), where
            assert out.resolve() in target.parents, where
            checked += 1
    assert checked > 200  # navigation, document links, graph nodes, assets


def test_graph_data_links_every_document_to_its_page(built: tuple[Path, Path, int]) -> None:
    """The graph view's data (static/graph-data.js) holds every document, and each
    node's link, taken from the site's top as graph.js does, is a page of the site;
    the pages point the view at the data and the libraries that exist."""
    _root, out, _ = built
    text = (out / "static" / "graph-data.js").read_text(encoding="utf-8")
    data = json.loads(text.removeprefix("window.SPECBOOK_GRAPH=").rstrip(";\n"))
    pages_of = {n[0]: n[5] for n in data["nodes"] if not n[6] & 1}
    assert sorted(pages_of) == sorted(example_ids())
    for doc_id, href in pages_of.items():
        assert (out / unquote(href)).is_file(), (doc_id, href)
    assert data["edges"] and all(0 <= s < len(data["nodes"]) for s, *_ in data["edges"])
    for page, base in ((out / "graph.html", ""), (out / "doc" / "SPEC-001.html", "../")):
        html = page.read_text(encoding="utf-8")
        assert f'data-base="{base}"' in html, page
        assert f'data-data="{base}static/graph-data.js"' in html, page
        assert f'data-static="{base}static/"' in html, page
    for lib in ("cytoscape.min.js", "layout-base.js", "cose-base.js", "cytoscape-fcose.js"):
        assert (out / "static" / lib).stat().st_size > 10_000, lib


def test_no_page_has_inline_script_or_event_handlers(built: tuple[Path, Path, int]) -> None:
    _root, out, _ = built
    for page in _html_files(out):
        parsed = _parse(page)
        name = page.relative_to(out)
        assert parsed.scripts, f"{name} loads no script at all"
        assert all(s.get("src") for s in parsed.scripts), f"{name} has an inline <script>"
        assert parsed.script_text == [], name
        assert parsed.handlers == [], f"{name}: {parsed.handlers}"
        # Review actions, sign-in and sign-out need the portal; the site has none (its
        # forms only search, or pick what the graph page shows)
        actions = [v for a, v in parsed.urls if a == "action"]
        assert actions and all(v.endswith(("search.html", "graph.html")) for v in actions), (
            f"{name}: {actions}"
        )
        text = page.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in text and "script-src 'self'" in text, name
        assert 'method="post"' not in text, name


def test_hostile_document_page_holds_no_script_or_javascript_url(
    built: tuple[Path, Path, int],
) -> None:
    _root, out, _ = built
    page = out / "doc" / f"{HOSTILE_ID}.html"
    text = page.read_text(encoding="utf-8")
    parsed = _parse(page)
    assert "javascript:" not in text.lower()
    assert "data:text/html" not in text
    assert {"iframe", "svg", "object", "embed"}.isdisjoint(parsed.tags)
    assert parsed.handlers == []
    assert [s.get("src") for s in parsed.scripts] == ["../static/app.js", "../static/graph.js"]
    # the code span is shown as text, escaped
    assert '<code>&lt;script&gt;alert("snippet")&lt;/script&gt;</code>' in text
    for link in ("plain javascript link", "mixed case link", "data link"):
        assert f'<a rel="noopener noreferrer nofollow">{link}</a>' in text  # href removed
    # a relative link to another document of the book now leads to its page
    assert 'href="../doc/SPEC-001.html#summary"' in text


def _script_value(source: str, prefix: str, suffix: str) -> Any:
    return json.loads(source.split(prefix, 1)[1].rstrip().removesuffix(suffix))


def _text_of(out: Path, key: str) -> tuple[str, list[list[Any]]]:
    """A document's search text and sections, from its script (as search.js reads it)."""
    source = (out / "static" / "text" / f"{key}.js").read_text(encoding="utf-8")
    assert source.startswith(f'SPECBOOK_TEXT("{key}",')
    text, sections = _script_value(source, ",", ");")
    return text, sections


def _shards(out: Path) -> dict[str, Any]:
    """Every shard of the inverted index, by key, as search.js reads it."""
    found = {}
    for path in (out / "static" / "search").iterdir():
        source = path.read_text(encoding="utf-8")
        assert source.startswith(f'SPECBOOK_SHARD("{path.stem}",')
        found[path.stem] = _script_value(source, ",", ");")
    return found


def _decode(text: str, total: int) -> list[int]:
    """Document numbers from postings as search.js decodes them."""
    if text.startswith("~"):
        bits = base64.b64decode(text[1:])
        return [n for n in range(total) if bits[n >> 3] & (1 << (n & 7))]
    at, got = 0, []
    for gap in filter(None, text.split(",")):
        at += int(gap, 36)
        got.append(at)
    return got


def _holders(shards: dict[str, Any], word: str, total: int, heads: bool = False) -> list[int]:
    shard = shards[site.shard_key(word)]
    at = shard["words"].split(" ").index(word)
    return _decode(shard["heads" if heads else "postings"][at], total)


def test_postings_are_gaps_or_a_bitmap_whichever_is_shorter() -> None:
    few = [3, 40, 41, 1000]
    assert site.encode_postings(few, 5000) == "3,11,1,qn"
    most = [n for n in range(5000) if n % 7]
    dense = site.encode_postings(most, 5000)
    assert dense.startswith("~") and len(dense) < 5000 // 5
    assert _decode(dense, 5000) == most and _decode("3,11,1,qn", 5000) == few
    assert site.encode_postings([], 10) == ""
    assert [site.shard_key(w) for w in ("sandbox", "2026", "ürün", "_x")] == ["s", "2", "_", "_"]


def test_search_index_is_a_compact_script_and_texts_one_per_document(
    built: tuple[Path, Path, int],
) -> None:
    _root, out, _ = built
    source = (out / "static" / "search-index.js").read_text(encoding="utf-8")
    index = _script_value(source, "window.SPECBOOK_SEARCH = ", ";")
    docs = {d[0]: d for d in index["documents"]}
    assert sorted(docs) == sorted(example_ids())
    spec = docs["SPEC-003"]
    assert spec[8] == "doc/SPEC-003.html" and (out / spec[8]).is_file()
    assert spec[1] == "Delivery notifications" and spec[2] == "Review"
    n = [d[0] for d in index["documents"]].index("SPEC-003")
    # an inverted index in shards by first letter, each a script of its own: sorted
    # words (folded), each with the documents holding it in the text and in the title
    assert "unsubscribe" not in source and "List-Unsubscribe-Post" not in source
    shards = _shards(out)
    assert sorted(shards) == sorted(index["shards"])
    for key, shard in shards.items():
        words = shard["words"].split(" ")
        assert words == sorted(words) and len(words) == index["shards"][key]
        assert len(words) == len(shard["postings"]) == len(shard["heads"])
        assert all(site.shard_key(w) == key for w in words)
    total = len(index["documents"])
    assert n in _holders(shards, "unsubscribe", total)
    assert n not in _holders(shards, "unsubscribe", total, heads=True)
    assert n in _holders(shards, "notifications", total, heads=True)  # its title's word
    # the text of a document, in a script of its own, as search.js reads it
    text, sections = _text_of(out, spec[9])
    assert "List-Unsubscribe-Post" in text
    assert "<" not in text and "**" not in text
    starts = dict((anchor, at) for at, anchor in sections)
    assert text[starts["summary"] :].startswith("Summary E-mail recipients")
    hostile = _text_of(out, docs[HOSTILE_ID][9])[0]
    assert HOSTILE_WORD in hostile
    assert '<script>alert("snippet")</script>' in hostile  # text, shown via textContent
    assert "window.__pwned = " not in hostile  # the real script's body is gone
    # a fraction of the text: the index holds each word once per document
    texts = sum(f.stat().st_size for f in (out / "static" / "text").iterdir())
    assert len(source.encode()) < texts


def test_documents_page_lists_every_document_with_facet_data(
    built: tuple[Path, Path, int],
) -> None:
    _root, out, _ = built
    text = (out / "documents.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-kind="([^"]*)" data-status="([^"]*)"', text)
    assert len(rows) == len(example_ids())
    assert ("SPEC", "Review") in rows
    assert 'data-facet="status" data-value="Review"' in text
    assert 'href="documents.html?status=Review&amp;sort=id&amp;order=asc"' in text
    assert "page 1 of" not in text  # one page, however many documents


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path: Path) -> None:
    book = open_book(copy_book(tmp_path / "book"))
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8 not really")
    with pytest.raises(UsageError, match="not empty and was not written by specbook build"):
        build_site(book, foreign)
    assert [p.name for p in foreign.iterdir()] == ["holiday.jpg"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    with pytest.raises(UsageError, match="is a file"):
        build_site(book, a_file)
    assert a_file.read_text() == "keep me"
    with pytest.raises(UsageError, match="holds the book"):
        build_site(book, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_fills_an_empty_folder_and_replaces_its_own_previous_site(tmp_path: Path) -> None:
    book = open_book(copy_book(tmp_path / "book"))
    out = tmp_path / "empty"
    out.mkdir()
    build_site(book, out)
    (out / "doc" / "STALE-001.html").write_text("from an older build")
    first_home = (out / "index.html").read_bytes()
    build_site(book, out)
    assert not (out / "doc" / "STALE-001.html").exists()
    assert (out / "index.html").read_bytes() == first_home
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_build_leaves_the_previous_site_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = open_book(copy_book(tmp_path / "book"))
    out = tmp_path / "site"
    build_site(book, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*_args: object) -> object:
        raise RuntimeError("disk on fire")

    # fails late: after the pages before it were written into the new folder (risks
    # unchanged would be carried over, not computed: the search index is always made)
    monkeypatch.setattr(site, "search_index_script", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        build_site(book, out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book", "site"]


def test_build_command_reports_pages_and_refuses_a_foreign_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_book(tmp_path / "book")
    monkeypatch.chdir(root)
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert f"wrote {len(TOP_PAGES) + len(example_ids())} pages" in result.output
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("x")
    refused = runner.invoke(main, ["build", "--out", str(tmp_path / "mine")])
    assert refused.exit_code == 2
    assert "not written by specbook build" in refused.output
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "x"


def test_relink_rewrites_only_relative_links_to_files_of_the_book() -> None:
    known = {"docs/specs/SPEC-001-a.md": "../doc/SPEC-001.html", "docs/specs/img/f.png": "F"}
    body = (
        '<a href="../specs/SPEC-001-a.md#goals">spec</a> <img src="img/f.png" alt="x"> '
        '<a href="../bugs/missing.md">gone</a> <a href="https://x.test/SPEC-001-a.md">web</a> '
        '<a href="#local">here</a> <a href="/abs/SPEC-001-a.md">rooted</a>'
    )
    got = relink(body, "docs/specs/SPEC-009-c.md", known.get)
    assert 'href="../doc/SPEC-001.html#goals"' in got and 'src="F"' in got
    for kept in ("../bugs/missing.md", "https://x.test/SPEC-001-a.md", '"#local"', '"/abs/'):
        assert kept in got


def test_images_a_document_shows_are_copied_but_never_config_or_hidden_files(
    tmp_path: Path,
) -> None:
    root = copy_book(tmp_path / "book")
    (root / "docs/specs/img").mkdir()
    (root / "docs/specs/img/flow.png").write_bytes(b"\x89PNG fake")
    (root / ".specbook").mkdir(exist_ok=True)
    (root / ".specbook/secret.txt").write_text("no")
    spec = root / "docs/specs/SPEC-004-carrier-auto-detection.md"
    spec.write_bytes(
        spec.read_bytes()
        + b"\n![flow](img/flow.png) [config](../../specbook.toml) [s](../../.specbook/secret.txt)\n"
    )
    out = tmp_path / "site"
    build_site(open_book(root), out)
    assert (out / "files/docs/specs/img/flow.png").read_bytes() == b"\x89PNG fake"
    page = (out / "doc/SPEC-004.html").read_text(encoding="utf-8")
    assert 'src="../files/docs/specs/img/flow.png"' in page
    assert sorted(str(p.relative_to(out)) for p in (out / "files").rglob("*") if p.is_file()) == [
        "files/docs/specs/img/flow.png"
    ]
    assert 'href="../../specbook.toml"' in page  # left as written: not published


def test_plain_text_joins_inline_markup_and_separates_blocks() -> None:
    assert plain_text(
        "<h1>T</h1><p><strong>ID</strong>: X &amp; Y</p><ul><li>a</li><li>b</li></ul>"
    ) == ("T ID: X & Y a b")


def test_site_files_get_the_users_umask_not_private_modes(built: tuple[Path, Path, int]) -> None:
    _root, out, _ = built
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask


def test_section_offsets_count_utf16_units_as_javascript_does() -> None:
    text, sections = sectioned_text(
        '<h1 id="t">T 🚚</h1><p>one</p><h2 id="next">Next</h2><p>two</p>'
    )
    assert text == "T 🚚 one Next two"
    # the truck is one code point but two UTF-16 units
    assert sections == [(0, "t"), (len("T 🚚 one ") + 1, "next")]


def test_timeline_and_risks_match_what_the_portal_computes(
    built: tuple[Path, Path, int],
) -> None:
    root, out, _ = built
    from specbook.core.clock import today

    book = open_book(root)
    timeline = pages.timeline(book, today())
    register = pages.risks(book)["risks"]
    assert len(timeline["rows"]) > 5 and len(register) > 5
    gantt = (out / "timeline.html").read_text(encoding="utf-8")
    assert gantt.count('<div class="gantt-row') == len(timeline["rows"])
    assert f"{timeline['start']} – {timeline['end']}" in gantt
    risks = (out / "risks.html").read_text(encoding="utf-8")
    assert f"Risks <small>{len(register)}</small>" in risks
    for r in register:
        assert f"<td>{escape(r.mitigation)}</td>" in risks


def _pages(out: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (out / "doc").iterdir()}


def test_rebuild_renders_only_the_edited_document_and_the_pages_showing_it(
    tmp_path: Path,
) -> None:
    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    first = build_site(open_book(root), out)
    assert (first.rendered, first.kept) == (len(example_ids()), 0)
    before = _pages(out)
    shared = {
        n: (out / n).stat().st_mtime_ns for n in ("timeline.html", "risks.html", "documents.html")
    }
    again = build_site(open_book(root), out)
    assert (again.rendered, again.kept) == (0, len(example_ids()))
    assert _pages(out) == before  # same bytes, same modification time
    assert {n: (out / n).stat().st_mtime_ns for n in shared} == shared
    # one line more at the top of TASK-002: its page, and the pages of what it
    # references (their "Referenced by" shows its lines), are rendered again
    task = root / "docs/tasks/TASK-002-load-test-tracking-api.md"
    doc = open_book(root).load(task)
    targets = {f"{r.target}.html" for r in doc.references}
    assert {"SPEC-001.html", "DEC-001.html", "BUG-001.html"} <= targets
    text = task.read_text(encoding="utf-8")
    shard = out / "static" / "search" / "x.js"
    assert "xylqz" not in (shard.read_text() if shard.exists() else "")
    task.write_text(
        text.replace("\n", "\n\nA line added on top, about xylqzs.\n", 1), encoding="utf-8"
    )
    stats = build_site(open_book(root), out)
    after = _pages(out)
    changed = {name for name in before if after[name] != before[name]}
    assert changed == {"TASK-002.html", *targets}
    assert all(after[n][0] != before[n][0] for n in changed)
    assert b"A line added on top, about xylqzs." in after["TASK-002.html"][0]
    assert (stats.rendered, stats.kept) == (len(changed), len(before) - len(changed))
    # the shared pages show no line numbers and nothing of the edit: kept as they were
    assert {n: (out / n).stat().st_mtime_ns for n in shared} == shared
    assert "A line added on top, about xylqzs." in "".join(
        p.read_text("utf-8") for p in (out / "static" / "text").iterdir()
    )
    assert "xylqzs" in (out / "static" / "search" / "x.js").read_text()
    # a removed document's page goes; the pages it referenced lose their backlink to
    # it, and those referencing it now say it is missing
    task.unlink()
    build_site(open_book(root), out)
    assert not (out / "doc" / "TASK-002.html").exists()
    dec = (out / "doc" / "DEC-001.html").read_text()
    assert 'href="TASK-002.html"' not in dec
    assert "TASK-002 is not the ID of any document in the book" in dec  # (SB401, as lint says it)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_changed_config_or_kind_template_renders_every_page(tmp_path: Path) -> None:
    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(open_book(root), out)
    config = root / "specbook.toml"
    config.write_text(config.read_text() + "\n# a comment is a change too\n")
    stats = build_site(open_book(root), out)
    assert (stats.rendered, stats.kept) == (len(example_ids()), 0)
    assert build_site(open_book(root), out).kept == len(example_ids())
    # the book's own copy of a kind's template, in place of the built-in one
    from specbook.core.template_files import builtin_template, template_path

    config = open_book(root).config
    kind = config.kinds["SPEC"]
    override = root / config.templates_dir / kind.template
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_bytes(builtin_template(kind.template) + b"\n")
    assert template_path(open_book(root).config, kind) == override
    assert build_site(open_book(root), out).kept == 0


def test_a_changed_site_template_renders_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(open_book(root), out)
    templates = tmp_path / "templates"
    shutil.copytree(site.TEMPLATES, templates)
    monkeypatch.setattr(site, "TEMPLATES", templates)
    assert build_site(open_book(root), out).kept == len(example_ids())
    (templates / "doc.html").write_text((templates / "doc.html").read_text() + "\n")
    assert build_site(open_book(root), out).kept == 0


def test_a_damaged_manifest_renders_every_page(tmp_path: Path) -> None:
    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(open_book(root), out)
    before = (out / "doc" / "SPEC-001.html").read_bytes()
    (out / site.MANIFEST).write_text('{"version": 1, "key": "x", "pages": [')
    stats = build_site(open_book(root), out)
    assert (stats.rendered, stats.kept) == (len(example_ids()), 0)
    assert (out / "doc" / "SPEC-001.html").read_bytes() == before


def test_pages_rendered_in_worker_processes_are_the_pages_rendered_here(
    built: tuple[Path, Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = built[0]  # (its index is up to date: the two builds below only render)
    made: list[str] = []  # pages made in this process (a worker counts in its own)
    make = site._PageMaker.make
    monkeypatch.setattr(
        site._PageMaker, "make", lambda s, t, *a: made.append(t.name) or make(s, t, *a)
    )
    monkeypatch.setattr(site, "_cpus", lambda: 2)
    here = tmp_path / "here"
    build_site(open_book(root), here)  # (a small book: rendered in this process)
    assert len(made) == len(example_ids())
    made.clear()
    monkeypatch.setattr(site, "PARALLEL_PAGES", 2)
    # (a site with nothing to carry over: each document's HTML is rendered in the pool
    # while the index is synced, and handed to the page that shows it)
    tasks: list[Any] = []
    given: list[Any] = []  # (the pages' makers' arguments)
    real = site._made_pages
    monkeypatch.setattr(
        site,
        "_made_pages",
        lambda m, a, t, *r, **k: given.append(a) or tasks.extend(t) or real(m, a, t, *r, **k),
    )
    from specbook.web import templating

    monkeypatch.setattr(templating._COMPILED, "_code", {})  # (as a new process has it)
    monkeypatch.setattr(templating, "COMPILED", tmp_path / "templates.bin")
    monkeypatch.setattr("sys.dont_write_bytecode", False)
    stats = build_site(open_book(root), tmp_path / "workers")
    assert made == []
    # the document page's templates, compiled in the workers, are saved all the same
    # for the next build (which renders a few pages here)
    monkeypatch.setattr(templating._COMPILED, "_code", {})
    templating.load_compiled()
    env = templating.template_env()
    compiled: list[str | None] = []
    real_compile = env.compile
    monkeypatch.setattr(
        env,
        "compile",
        lambda src, name=None, *a: compiled.append(name) or real_compile(src, name, *a),
    )
    for name in ("doc.html", "base.html", "_badge.html", "_graph.html"):
        env.get_template(name)
    assert compiled == []
    assert stats.rendered == len(tasks) == len(example_ids())
    assert all(t.shown is not None and t.shown[0] == t.digest for t in tasks)
    # the script and words of each search text were made of that HTML meanwhile too: a
    # page takes them, not making them again, and writes the same script
    for t in tasks:
        script, words = site.search_parts(t.d["path"], t.shown[1])
        assert t.searched == (script, " ".join(words))
    monkeypatch.setattr(site, "search_text", lambda body: pytest.fail("made again"))
    book, _root, _old, *rest = given[0]
    again = site._PageMaker(book, tmp_path / "again", None, *rest).make(tasks[0])
    assert again.status == "ok" and again.entry["words"] == tasks[0].searched[1]
    name = site.text_script_name(tasks[0].d["path"])
    assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "workers" / name).read_bytes()
    task = next(t for t in tasks if t.d["path"] == "docs/specs/SPEC-001-shipment-tracking-api.md")
    docs = pages.DocumentPages(open_book(root))
    assert docs.built(task.d["path"])[1:3] == task.shown[1:]  # (rendered here: the same)
    # the HTML given is taken only for the content it was rendered from
    path, digest = task.d["path"], task.digest
    given = pages.DocumentPages(open_book(root)).built(path, (digest, "<p>given</p>", []))
    assert given[1:3] == ("<p>given</p>", [])
    other = pages.DocumentPages(open_book(root)).built(path, ("0" * 32, "<p>given</p>", []))
    assert other[1:3] == task.shown[1:]

    def files(out: Path) -> dict[str, bytes]:
        return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    assert files(tmp_path / "workers") == files(here)


def test_a_rendered_page_leaves_no_reference_cycle_for_the_collector(
    built: tuple[Path, Path, int], tmp_path: Path
) -> None:
    """A page's data is freed when the page is written, not left in a reference cycle
    (a template module made with the page's context) for Python's cyclic collector,
    whose walks over a thousand pages' documents were a tenth of a build's CPU."""
    import gc

    from specbook.web.links import StaticLinks

    gc.collect()
    gc.disable()
    try:
        stats = build_site(open_book(built[0]), tmp_path / "site")
        left = sum(isinstance(o, StaticLinks) for o in gc.get_objects())
    finally:
        gc.enable()
    assert stats.rendered == len(example_ids()) > 8
    assert left <= 2  # (each page's links, in a cycle, stayed until collected)


def _count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The names of the templates jinja compiles from now on, in order."""
    import jinja2

    compiled: list[str | None] = []
    real = jinja2.Environment.compile

    def counted(self: jinja2.Environment, source: Any, name: str | None = None, *a: Any) -> Any:
        compiled.append(name)
        return real(self, source, name, *a)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


def test_templates_are_compiled_once_a_process_and_again_when_edited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build makes several template environments (shared pages, document pages):
    each template is compiled once, and again only when its source changed."""
    import jinja2

    from specbook.web import templating

    templating.template_env().get_template("doc.html")
    compiled = _count_compiles(monkeypatch)
    assert templating.template_env().get_template("doc.html").name == "doc.html"
    assert compiled == []
    (tmp_path / "doc.html").write_text("one {{ x }}", encoding="utf-8")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=templating._COMPILED
    )
    assert env.get_template("doc.html").render(x=1) == "one 1"
    (tmp_path / "doc.html").write_text("two {{ x }}", encoding="utf-8")
    again = jinja2.Environment(
        loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=templating._COMPILED
    )
    assert again.get_template("doc.html").render(x=1) == "two 1"
    assert compiled == ["doc.html", "doc.html"]


def test_a_new_process_building_over_a_site_compiles_no_template_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The templates a build compiled are saved beside specbook's compiled modules, so
    the next build (a new process: a one-edit build renders a few pages) loads them
    instead of compiling them; a damaged or foreign file is ignored, and nothing is
    saved where Python writes no bytecode."""

    from specbook.web import templating

    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    monkeypatch.setattr(site, "PARALLEL_PAGES", 10_000)  # (all pages in this process)
    monkeypatch.setattr(templating._COMPILED, "_code", {})
    saved = tmp_path / "cache" / "templates.bin"
    monkeypatch.setattr(templating, "COMPILED", saved)
    monkeypatch.setattr("sys.dont_write_bytecode", True)
    build_site(open_book(root), out)
    assert not saved.exists()
    monkeypatch.setattr("sys.dont_write_bytecode", False)
    build_site(open_book(root), tmp_path / "other")
    assert saved.is_file()
    assert [p.name for p in saved.parent.iterdir()] == ["templates.bin"]
    compiled = _count_compiles(monkeypatch)
    task = root / "docs/tasks/TASK-002-load-test-tracking-api.md"
    task.write_text(task.read_text(encoding="utf-8") + "\nOne line more.\n", encoding="utf-8")
    monkeypatch.setattr(templating._COMPILED, "_code", {})  # (as a new process has it)
    assert build_site(open_book(root), out).rendered >= 1
    assert compiled == []
    saved.write_bytes(b"not marshal data")
    monkeypatch.setattr(templating._COMPILED, "_code", {})
    task.write_text(task.read_text(encoding="utf-8") + "\nAnother.\n", encoding="utf-8")
    assert build_site(open_book(root), out).rendered >= 1
    assert "doc.html" in compiled


def test_the_graph_data_is_made_again_only_when_the_graph_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line added above a document's references moves them but leaves the graph as it
    was: it is not made again and its data is carried over (same file, same time); a
    new reference remakes it, as a fresh build makes it."""
    from specbook.trace import graph

    made: list[int] = []
    real = graph.graph_from_store
    monkeypatch.setattr(graph, "graph_from_store", lambda *a: made.append(1) or real(*a))
    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(open_book(root), out)
    data = out / "static" / site.GRAPH_DATA
    before = (data.read_bytes(), data.stat().st_mtime_ns, data.stat().st_ino)
    task = root / "docs/tasks/TASK-002-load-test-tracking-api.md"
    text = task.read_text(encoding="utf-8")
    task.write_text(text.replace("\n", "\n\nA line on top.\n", 1), encoding="utf-8")
    made.clear()
    assert build_site(open_book(root), out).rendered >= 1
    assert (data.read_bytes(), data.stat().st_mtime_ns, data.stat().st_ino) == before
    assert made == []
    task.write_text(text + "\nSee also SPEC-090 and BUG-003.\n", encoding="utf-8")
    build_site(open_book(root), out)
    assert data.read_bytes() != before[0]
    assert made == [1]
    fresh = tmp_path / "fresh"
    build_site(open_book(root), fresh)
    assert data.read_bytes() == (fresh / "static" / site.GRAPH_DATA).read_bytes()


def test_an_edit_remakes_only_the_search_shards_of_words_gained_or_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a previous site with the same documents, only the shards holding a word
    some document gained or lost are made again; the search index is byte for byte
    what a fresh build writes."""
    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(open_book(root), out)
    made: list[set[str] | None] = []
    real = site._changed_shards
    monkeypatch.setattr(site, "_changed_shards", lambda *a: made.append(real(*a)) or made[-1])
    task = root / "docs/tasks/TASK-002-load-test-tracking-api.md"
    task.write_text(task.read_text(encoding="utf-8") + "\nZyxwv and ünïcödé.\n", encoding="utf-8")
    build_site(open_book(root), out)
    assert made == [{"z", "u"}]
    build_site(open_book(root), tmp_path / "fresh")
    search = sorted(p.relative_to(out) for p in (out / "static").rglob("*.js"))
    assert search == sorted(
        p.relative_to(tmp_path / "fresh") for p in (tmp_path / "fresh/static").rglob("*.js")
    )
    for name in search:
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


def _traced_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement the SQLite stores opened from now on run, in order."""
    from specbook.store.sqlite import SQLiteStore

    statements: list[str] = []
    real_open = SQLiteStore._open

    def traced(self: SQLiteStore) -> Any:
        db = real_open(self)
        db.set_trace_callback(statements.append)
        return db

    monkeypatch.setattr(SQLiteStore, "_open", traced)
    return statements


def test_a_build_reads_the_references_in_a_few_queries_not_one_per_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The "Referenced by" lists of every page come from one query of the index (one
    per page was a tenth of a one-edit build of 1,000 documents)."""
    statements = _traced_statements(monkeypatch)
    root = copy_book(tmp_path / "book")
    open_book(root)  # (the build below syncs the index afresh: every statement counted)
    stats = build_site(open_book(root), tmp_path / "site")
    assert stats.rendered == len(example_ids()) > 8
    refs = [s for s in statements if " FROM refs " in s]
    assert len(refs) == 2, refs  # (the references, and those to each ID)
    page = (tmp_path / "site" / "doc" / "SPEC-001.html").read_text(encoding="utf-8")
    assert 'href="../doc/TASK-002.html">TASK-002</a> <span class="type">implements' in page


def test_a_rebuild_with_nothing_changed_writes_no_finding_to_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The findings lint stored are written again only when they, or the index, changed:
    a build with nothing changed rewrote every one; after an edit they are written."""
    statements = _traced_statements(monkeypatch)

    def writes() -> list[str]:
        return [s for s in statements if re.match(r"\s*(INSERT|DELETE)\b.*\bfindings\b", s)]

    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(open_book(root), out)
    assert writes()
    page = (out / "doc" / "TASK-002.html").read_bytes()
    statements.clear()
    build_site(open_book(root), out)
    assert writes() == []
    assert (out / "doc" / "TASK-002.html").read_bytes() == page
    # an edit that adds a finding to one document: the findings are written, and shown
    task = root / "docs/tasks/TASK-002-load-test-tracking-api.md"
    text = task.read_text(encoding="utf-8")
    task.write_text(text + "\nSee SPEC-999 for more.\n", encoding="utf-8")
    statements.clear()
    build_site(open_book(root), out)
    assert writes()
    shown = (out / "doc" / "TASK-002.html").read_text(encoding="utf-8")
    assert "SPEC-999" in shown and shown.count('class="sev-') > page.decode().count('class="sev-')
    statements.clear()
    build_site(open_book(root), out)
    assert writes() == []


def test_a_rebuild_with_nothing_changed_renders_no_shared_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search and graph pages show nothing of the book but its name (in the site's
    key), the home page what the index says: a rebuild carries them over unrendered
    while that is unchanged (not from one day to the next); the manifest holds no search
    text (each page's script in static/text/ has it); a page whose text script is gone
    from the previous site is rendered again, and its script written again."""
    root = copy_book(tmp_path / "book")
    out = tmp_path / "site"
    build_site(open_book(root), out)
    manifest = json.loads((out / site.MANIFEST).read_text(encoding="utf-8"))
    assert all("text" not in e and "sections" not in e for e in manifest["pages"].values())
    rendered: list[str] = []
    page = site._Writer.page
    monkeypatch.setattr(
        site._Writer,
        "page",
        lambda s, name, *a, **k: rendered.append(name) or page(s, name, *a, **k),
    )
    key = site.text_key("docs/specs/SPEC-001-shipment-tracking-api.md")
    script = out / "static" / "text" / f"{key}.js"
    before = script.read_bytes()
    script.unlink()
    stats = build_site(open_book(root), out)
    assert rendered == ["doc/SPEC-001.html"]
    assert (stats.rendered, stats.kept) == (1, len(example_ids()) - 1)
    assert script.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book", "site"]
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "stale reviews" in home
    rendered.clear()
    import datetime as dt

    later = dt.date.fromisoformat(os.environ["SPECBOOK_TODAY"]) + dt.timedelta(days=40)
    monkeypatch.setenv("SPECBOOK_TODAY", later.isoformat())
    build_site(open_book(root), out)
    assert "index.html" in rendered  # (the days each review has waited)
    assert (out / "index.html").read_text(encoding="utf-8") != home


def _old_sectioned_text(body: str) -> tuple[str, list[tuple[int, str]]]:
    """sectioned_text as it was written with ``\\s+`` (the reference for the test below)."""
    pieces = re.split(r'<h[1-6] id="([^"]*)">', body)
    flat = re.sub(
        r"\s+",
        " ",
        html.unescape(site._TAG.sub("", site._BLOCK.sub(" ", "\x00".join(pieces[0::2])))),
    )
    parts = [part.strip() for part in flat.split("\x00")]
    out, units, sections = [parts[0]], len(parts[0].encode("utf-16-le")) // 2, []
    for anchor, part in zip(pieces[1::2], parts[1:], strict=True):
        if units and part:
            out.append(" ")
            units += 1
        sections.append((units, html.unescape(anchor)))
        out.append(part)
        units += len(part.encode("utf-16-le")) // 2
    return "".join(out), sections


def test_search_words_and_text_are_what_the_regular_expressions_give() -> None:
    """The search index's words of ASCII text (split through a byte table) and the
    collapsed whitespace of plain and sectioned text (str.split) are exactly what the
    regular expressions ``[^\\W_]+`` (lower-cased) and ``\\s+`` give."""
    import random

    rng = random.Random(19)
    alphabet = ["a", "Z", "9", "_", "-", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f",
                "\x85", "\xa0", "\u2028", "\u3000", "\x00", "é", "Ω", "&amp;", "&#!", "<p>",
                "</li>", "<em>", '<h2 id="a-b">', '<h3 id="x&amp;y">', "</h2>"]  # fmt: skip
    texts = ["", " ", "\x00", "  a  \x00  b  "]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(40))) for _ in range(500)]
    for text in texts:
        if text.isascii():
            assert site._folded_words(text) == re.findall(r"[^\W_]+", text.lower()), text
        old = re.sub(r"\s+", " ", html.unescape(site._TAG.sub("", site._BLOCK.sub(" ", text))))
        assert plain_text(text) == old.strip(), text
        if "\x00" not in text:  # (sanitized HTML holds none: it parts the pieces)
            assert sectioned_text(text) == _old_sectioned_text(text), text


def test_the_shard_picker_gives_the_words_of_its_shards() -> None:
    """The words of some shards picked out of a space-separated word list are those a
    split of every word gives, in order (first word and runs of spaces included)."""
    import random

    rng = random.Random(7)
    letters = "abez09éßΩ"  # (folded words: no upper case, no _)
    for _ in range(300):
        words = ["".join(rng.choice(letters) for _ in range(rng.randrange(1, 5))) for _ in range(9)]
        text = rng.choice(["", " ", "  "]) + rng.choice([" ", "  "]).join(words)
        keys = set(rng.sample(["a", "e", "z", "0", "9", "_", "b"], rng.randrange(1, 4)))
        want = [w for w in text.split() if site.shard_key(w) in keys]
        assert site._shard_picker(keys)(text) == want, (text, keys)


def test_a_build_leaves_the_index_search_tables_to_the_first_search(tmp_path: Path) -> None:
    """The site has its own search index: a cold build does not fill the index's search
    tables (tokenising every text twice, in the build's one process), and the first
    search builds them."""
    from specbook.store import open_store
    from specbook.store.query import parse_query

    root = copy_book(tmp_path / "book")
    book = open_book(root)
    build_site(book, tmp_path / "site")
    store = open_store(book)
    try:
        assert store.get_meta("search-pending") == "1"
        hits = store.search(parse_query("tracking"))
        assert "SPEC-001" in {h.id for h in hits}
        assert store.get_meta("search-pending") is None
    finally:
        store.close()


def test_a_search_index_the_worker_failed_to_make_is_made_here(
    built: tuple[Path, Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build makes its search index in a worker process; a worker that fails it
    leaves it to the build's own process, which writes the same index."""
    root, out = built[0], built[1]
    here = os.getpid()
    real = site.search_index_parts

    def only_here(*args: Any) -> Any:
        if os.getpid() != here:
            raise RuntimeError("worker lost")
        return real(*args)

    monkeypatch.setattr(site, "search_index_parts", only_here)
    monkeypatch.setattr(site, "_cpus", lambda: 2)
    monkeypatch.setattr(site, "PARALLEL_PAGES", 2)
    build_site(open_book(root), tmp_path / "site")
    for name in ("search-index.js", "search/s.js"):
        made = tmp_path / "site" / "static" / name
        assert made.read_bytes() == (out / "static" / name).read_bytes()
