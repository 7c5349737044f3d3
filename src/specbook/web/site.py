"""The static site: the portal's pages written as files that work from any file
server or straight from disk (``file://``), with no server behind them.

The pipeline is visible in :func:`build_site`: check the target folder, write every
page into a fresh folder beside it (the portal's templates rendered with
:class:`~specbook.web.links.StaticLinks`, the data from :mod:`specbook.web.pages`),
then swap that folder in. A failed build therefore never leaves half a site, and the
folder replaced must carry the marker file a previous build wrote, so a mistyped
``--out`` cannot delete someone's folder.

Search runs in the browser over a prebuilt index shipped as a script
(``static/search-index.js``): Chromium refuses ``fetch()`` of local files, but loads
``<script src>`` from ``file://``. No page has inline script.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
import re
import secrets
import shutil
import time
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import jinja2

from specbook import __version__
from specbook.book import Book
from specbook.clock import today
from specbook.errors import SpecbookError, UsageError
from specbook.store import Store, synced_store
from specbook.web import pages
from specbook.web.links import StaticLinks, page_name, page_ref

STATIC = Path(__file__).resolve().parent / "static"
MARKER = ".specbook-site"
SEARCH_INDEX = "search-index.js"
# Bounds the index a browser must load for a big book; titles are always whole.
TEXT_LIMIT = 20_000

Progress = Callable[[int, int], None]


@dataclass
class SiteStats:
    """What a build wrote: HTML pages (document pages included), documents, bytes."""

    pages: int = 0
    documents: int = 0
    bytes: int = 0
    seconds: float = 0.0


def build_site(book: Book, out: Path, progress: Progress | None = None) -> SiteStats:
    """Write ``book`` as a static site into ``out``, replacing a previous site there.

    ``progress(done, total)`` is called after each document page. Raises
    :class:`UsageError` when ``out`` is a file, holds the book, or is a non-empty
    folder that no previous build wrote; :class:`SpecbookError` when the folder
    cannot be written. On any failure the previous site is left as it was.
    """
    started = time.perf_counter()
    target = check_target(book, out)
    token = secrets.token_hex(4)
    fresh = target.parent / f".{target.name}.new-{token}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fresh.mkdir()  # plain mkdir: the site gets the user's umask, not 0700
        stats = write_site(book, fresh, progress)
    except BaseException as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        if isinstance(exc, OSError):
            raise SpecbookError(f"cannot write the site beside {target}: {exc}") from exc
        raise
    swap_in(fresh, target, token)
    stats.seconds = time.perf_counter() - started
    return stats


def check_target(book: Book, out: Path) -> Path:
    """``out`` made absolute, once it is safe to replace (see :func:`build_site`)."""
    target = out.expanduser().resolve()
    if target == target.parent:
        raise UsageError(f"{out} is a file system root; choose a folder for the site")
    root = book.root.resolve()
    if root == target or target in root.parents:
        raise UsageError(f"{out} holds the book itself; choose a folder for the site such as site/")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{out} is a file, not a folder; choose a folder for the site")
    if target.is_dir() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise UsageError(
            f"{out} is not empty and was not written by specbook build (it has no {MARKER} "
            "file); choose a new or empty folder, or remove it yourself"
        )
    return target


def swap_in(fresh: Path, target: Path, token: str) -> None:
    """Put the finished ``fresh`` folder where ``target`` is, removing the old site
    only once the new one is in place."""
    old = target.parent / f".{target.name}.old-{token}"
    had_old = target.exists()
    try:
        if had_old:
            target.rename(old)
        try:
            fresh.rename(target)
        except OSError:
            if had_old:
                old.rename(target)
            raise
    except OSError as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise SpecbookError(f"cannot put the new site at {target}: {exc}") from exc
    if had_old:
        shutil.rmtree(old, ignore_errors=True)


# -- the pages --------------------------------------------------------------------------


class _Writer:
    """Renders templates into files below the site root, counting what it wrote."""

    def __init__(self, book: Book, root: Path) -> None:
        from specbook.web.app import template_env

        self.book = book
        self.root = root
        self.env: jinja2.Environment = template_env()
        self.stats = SiteStats()
        # set once the listing is known (see write_site): the IDs documents share, and
        # the file name of every page in doc/
        self.shared: Set[str] = frozenset()
        self.names: dict[str, str] = {}

    def links(self, depth: int) -> StaticLinks:
        """Links from a page ``depth`` folders below the site root."""
        return StaticLinks(depth, self.shared, self.names)

    def page(self, name: str, template: str, **context: Any) -> None:
        depth = name.count("/")
        base = {
            "book_name": self.book.config.name,
            "links": self.links(depth),
            "user": None,
            "csrf": "",
            "writable": False,
            "request_path": "",
            "remote_images": self.book.config.portal_remote_images,
        }
        text = self.env.get_template(template).render(**base, **context)
        self.stats.pages += 1
        self.file(name, text)

    def file(self, name: str, text: str) -> None:
        data = text.encode("utf-8")
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.stats.bytes += len(data)


def write_site(book: Book, root: Path, progress: Progress | None = None) -> SiteStats:
    """Write every page of the site into the (new, empty) folder ``root``."""
    from specbook.store.findings import store_findings

    writer = _Writer(book, root)
    store, _ = synced_store(book)
    try:
        listing = store.listing()
        writer.shared = frozenset(pages.shared_ids(listing))
        writer.names = page_names(listing, writer.shared)
        store_findings(store, book)  # the home page's lint summary
        date = today()
        writer.page(
            "index.html", "home.html", lint_ready=True, **pages.home(store, book.config, date)
        )
        writer.page(
            "documents.html",
            "list.html",
            **pages.listing(store, {}, page_size=None, config=book.config),
        )
        writer.page("search.html", "search.html", query="", hits=[], error=None)
        write_graph(writer, store)
        parsed = write_documents(writer, store, date, progress)
        timeline = pages.timeline(book, date, parsed.timelines)
        writer.page("timeline.html", "timeline.html", **timeline)
        writer.page("risks.html", "risks.html", **pages.risks(book, parsed.risks))
    finally:
        store.close()
    shutil.copytree(STATIC, root / "static")
    writer.file(f"static/{SEARCH_INDEX}", search_index_script(parsed.records))
    writer.file(MARKER, json.dumps({"generator": "specbook", "version": __version__}) + "\n")
    writer.stats.documents = len(parsed.records)
    return writer.stats


def write_graph(writer: _Writer, store: Store) -> None:
    """The whole reference graph as one SVG (a static page cannot pick a root)."""
    from specbook.trace.graph import graph_from_store
    from specbook.trace.links import REF_TYPES
    from specbook.web.svg import graph_svg

    graph = graph_from_store(store)
    connected = {e.source for e in graph.edges} | {e.target for e in graph.edges}
    too_many = len(connected) > 300
    links = writer.links(0)
    kinds = list(writer.book.config.kinds)
    svg = "" if too_many else graph_svg(graph, kinds, links.doc)
    writer.page(
        "graph.html", "graph.html", svg=svg, root=None, depth=0, too_many=too_many,
        node_count=len(connected), types=REF_TYPES,
    )  # fmt: skip


@dataclass
class _Parsed:
    """What the other pages need from the documents, gathered while each is parsed
    for its own page (a big book is parsed once, not once per page)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    timelines: list[Any] = field(default_factory=list)
    risks: list[Any] = field(default_factory=list)


def page_names(listing: list[dict[str, Any]], shared: Set[str]) -> dict[str, str]:
    """The file name in ``doc/`` of every page: each document's (by ID, or by path when
    its ID is ``shared`` or it has none) and each shared ID's, keyed by what the page is
    found by (a shared ID in upper case). Two that :func:`page_name` gives one name
    (``a/b.md`` and ``a_b.md``) get ``-2``, ``-3``…, the pages found by ID first, so
    their names stay what they always were."""
    by_id: list[str] = sorted(shared)
    by_path: list[str] = []
    for d in listing:
        ref = page_ref(d["id"], d["path"], shared)
        (by_path if ref == d["path"] else by_id).append(ref)
    names: dict[str, str] = {}
    used: set[str] = set()
    for ref in [*by_id, *by_path]:
        if ref in names:
            continue
        name = page_name(ref)
        stem, n = name[: -len(".html")], 2
        while name.lower() in used:  # (one name in any case: a case-blind disk)
            name, n = f"{stem}-{n}.html", n + 1
        used.add(name.lower())
        names[ref] = name
    return names


def write_documents(
    writer: _Writer, store: Store, date: dt.date, progress: Progress | None
) -> _Parsed:
    """One page per document, found by its ID, or by its path when another document
    carries the same ID (the ID's page then lists them both, as in the portal);
    returns the search index records, timelines and risks."""
    from specbook.report import document_risks, document_timeline

    book = writer.book
    docs = pages.DocumentPages(book, size=1)
    coverage = pages.coverage_map(book)
    listing = store.listing()
    by_shared = pages.shared_ids(listing)
    refs = {d["path"]: page_ref(d["id"], d["path"], writer.shared) for d in listing}
    links = writer.links(1)  # document pages sit one folder down, in doc/
    root = book.root.resolve()
    copied: set[str] = set()

    def target_of(path: str) -> str | None:
        if path in refs:
            return links.doc(refs[path])
        if not attachment(root, path):
            return None
        if path not in copied:  # an image or file the document shows: ship it too
            copied.add(path)
            dest = writer.root / "files" / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / path, dest)
        return links.up + "files/" + quote(path)

    parsed = _Parsed()
    for n, d in enumerate(listing, 1):
        ref = refs[d["path"]]
        try:
            page = docs.get(store, d["path"])
        except OSError:
            continue  # removed since the index was synced: nothing to show
        body = relink(page.html, d["path"], target_of)
        same = [o for o in by_shared.get(str(d["id"] or "").upper(), []) if o is not d]
        writer.page(
            "doc/" + links.file_name(ref), "doc.html", actions=False, message=None,
            doc=page.doc, html=body, toc=page.toc, findings=page.findings,
            backlinks=page.backlinks, coverage=coverage.get(page.doc.id or "", {}),
            transitions=(), unchecked=[], same_id=same,
        )  # fmt: skip
        parsed.records.append(search_record(d, "doc/" + links.file_name(ref), page.html))
        if timeline := document_timeline(page.doc, date):
            parsed.timelines.append(timeline)
        parsed.risks.extend(document_risks(page.doc))
        if progress is not None:
            progress(n, len(listing))
    for doc_id, rows in sorted(by_shared.items()):
        carriers = [(d["id"], d["title"], d["status"], d["path"]) for d in rows]
        writer.page(
            "doc/" + links.file_name(doc_id), "ambiguous.html",
            doc_id=rows[0]["id"] or doc_id, carriers=carriers,
        )  # fmt: skip
    return parsed


# Files a document may show or link that the site copies. Not SVG or HTML (opened
# directly they run script in the site's origin), nor config such as specbook.toml.
ATTACHMENTS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".pdf", ".txt", ".csv"})


def attachment(root: Path, path: str) -> bool:
    """Whether book-relative ``path`` is a file the site may copy: an image or plain
    attachment inside the book (symlinks resolved), in no hidden folder."""
    parts = path.split("/")
    if path.startswith("/") or any(p.startswith(".") for p in parts):
        return False  # outside the book (..), or .git, .specbook
    if posixpath.splitext(path)[1].lower() not in ATTACHMENTS:
        return False
    full = root / path
    try:
        return full.is_file() and root in full.resolve().parents
    except OSError:
        return False


_URL_ATTR = re.compile(r'(href|src)="([^"]*)"')


def relink(body: str, doc_path: str, target_of: Callable[[str], str | None]) -> str:
    """``body`` (a document's sanitized HTML) with each relative ``href``/``src`` that
    names a file of the book (``../bugs/BUG-001-x.md``, ``img/flow.png``) replaced by
    ``target_of(book path)``; links it returns ``None`` for are left as written."""

    def fix(m: re.Match[str]) -> str:
        value = html.unescape(m.group(2))
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            return m.group(0)
        path = posixpath.normpath(posixpath.join(posixpath.dirname(doc_path), unquote(parts.path)))
        new = target_of(path)
        if new is None:
            return m.group(0)
        new += f"#{parts.fragment}" if parts.fragment else ""
        return f'{m.group(1)}="{html.escape(new)}"'

    return _URL_ATTR.sub(fix, body)


# -- search -----------------------------------------------------------------------------

_BLOCK = re.compile(
    r"</?(?:p|h[1-6]|li|ul|ol|dl|dt|dd|tr|td|th|table|thead|tbody|pre|blockquote|div|br|hr)\b[^>]*>"
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def plain_text(body: str) -> str:
    """The words of sanitized HTML ``body``: block tags become spaces, inline tags
    vanish (``<strong>ID</strong>:`` reads ``ID:``), whitespace is collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", _BLOCK.sub(" ", body)))).strip()


_HEADING_ID = re.compile(r'<h[1-6] id="([^"]*)">')


def sectioned_text(body: str) -> tuple[str, list[tuple[int, str]]]:
    """The plain text of sanitized HTML ``body`` and where each heading's section
    starts in it, as (offset in UTF-16 code units, as JavaScript counts, anchor)."""
    pieces = _HEADING_ID.split(body)
    text = plain_text(pieces[0])
    sections = []
    for anchor, chunk in zip(pieces[1::2], pieces[2::2], strict=True):
        part = plain_text(chunk)
        if text and part:
            text += " "
        sections.append((len(text.encode("utf-16-le")) // 2, html.unescape(anchor)))
        text += part
    return text, sections


def search_record(d: dict[str, Any], url: str, body: str) -> dict[str, Any]:
    """One document of the browser's search index (``url``: its page, relative to the
    site root); ``sections`` let a result link to the section of its first match."""
    text, sections = sectioned_text(body)
    text = text[:TEXT_LIMIT]
    limit = len(text.encode("utf-16-le")) // 2
    return {
        "id": d["id"],
        "title": d["title"],
        "status": d["status"],
        "canonical": d["status_canonical"],
        "kind": d["kind"],
        "type": d["type"],
        "tags": list(d["tags"]),
        "path": d["path"],
        "url": url,
        "text": text,
        "sections": [[at, anchor] for at, anchor in sections if at <= limit],
    }


def search_index_script(records: list[dict[str, Any]]) -> str:
    """The index as a script that sets ``window.SPECBOOK_SEARCH`` (a script, not JSON:
    browsers will not ``fetch()`` a file next to a page opened from disk)."""
    data = json.dumps(
        {"version": 1, "documents": records}, ensure_ascii=False, separators=(",", ":")
    )
    # U+2028/2029 are legal in JSON strings and, since ES2019, in JS strings; escaping
    # them anyway keeps older engines happy at no cost.
    data = data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (
        f"// specbook search index, written by specbook build\nwindow.SPECBOOK_SEARCH = {data};\n"
    )
