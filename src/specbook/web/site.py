"""The static site: the portal's pages written as files that work from any file
server or straight from disk (``file://``), with no server behind them.

The pipeline is visible in :func:`build_site`: check the target folder, write every
page into a fresh folder beside it (the portal's templates rendered with
:class:`~specbook.web.links.StaticLinks`, the data from :mod:`specbook.web.pages`),
then swap that folder in. A failed build therefore never leaves half a site, and the
folder replaced must carry the marker file a previous build wrote, so a mistyped
``--out`` cannot delete someone's folder.

A build over an earlier site renders only the document pages whose inputs changed
(see :func:`page_inputs`: the document, the findings lint stored for it, the
documents it references and those referencing it, its tests, the config, the
templates, specbook itself); every other page is carried over from the previous site
as a hard link (same bytes, same modification time), and so is any shared page that
comes out byte for byte as before. A manifest in the site (:data:`MANIFEST`) records
each page's inputs and what the other pages need of it (search words, timeline,
risks), so an unchanged document is not even parsed. A build with no page to carry
over renders the documents' HTML in worker processes while it syncs the index
(:class:`_Prerender`), then the pages in the same workers.

Search runs in the browser over a prebuilt index shipped as scripts
(``static/search-index.js``, the inverted index in shards under ``static/search/``, the
texts under ``static/text/``): Chromium refuses ``fetch()`` of local files, but loads
``<script src>`` from ``file://``. No page has inline script.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import html
import itertools
import json
import operator
import os
import posixpath
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import jinja2

from specbook import __version__
from specbook.book import Book
from specbook.core.clock import today
from specbook.core.digest import blake2b
from specbook.core.errors import SpecbookError, UsageError
from specbook.store import Store, synced_store
from specbook.store.base import RefEdge
from specbook.web import pages
from specbook.web.links import StaticLinks, page_name, page_ref
from specbook.web.templating import TEMPLATES, load_compiled, save_compiled, template_env

STATIC = Path(__file__).resolve().parent / "static"
MARKER = ".specbook-site"
# What each page of the site was made from (see the module docstring); another
# specbook's, or a damaged one, is ignored and every page is rendered.
MANIFEST = ".specbook-manifest.json"
MANIFEST_VERSION = 5  # (2: each page's search words too; 3: its ID and title, the shards;
# 4: no search text, which the page's script in static/text/ holds; 5: keys of repr)
# (the templates a document page is rendered with: see _fill_site)
DOC_TEMPLATES = ("doc.html", "base.html", "_badge.html", "_graph.html", "ambiguous.html")
SEARCH_INDEX = "search-index.js"
SEARCH_SHARDS = "search"  # (a folder of static/: the inverted index in shards)
GRAPH_DATA = "graph-data.js"  # (StaticLinks.graph_data names it too)
# Bounds the index a browser must load for a big book; titles are always whole.
TEXT_LIMIT = 20_000

Progress = Callable[[int, int], None]


@dataclass
class SiteStats:
    """What a build wrote: HTML pages (document pages included), documents, bytes
    written; ``rendered`` document pages were made afresh, ``kept`` carried over
    unchanged from the previous site."""

    pages: int = 0
    documents: int = 0
    bytes: int = 0
    seconds: float = 0.0
    rendered: int = 0
    kept: int = 0


def build_site(book: Book, out: Path, progress: Progress | None = None) -> SiteStats:
    """Write ``book`` as a static site into ``out``, replacing a previous site there.

    ``progress(done, total)`` is called as the index is brought up to date, as the
    book is linted, and after each document page (each phase counting from 0). Raises
    :class:`UsageError` when ``out`` is a file, holds the book, or is a non-empty
    folder that no previous build wrote; :class:`SpecbookError` when the folder
    cannot be written. On any failure the previous site is left as it was.
    """
    started = time.perf_counter()
    target = check_target(book, out)
    token = secrets.token_hex(4)
    fresh = target.parent / f".{target.name}.new-{token}"
    previous = target if (target / MARKER).is_file() else None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fresh.mkdir()  # plain mkdir: the site gets the user's umask, not 0700
        stats = write_site(book, fresh, progress, previous)
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


# (os.link naming files relative to open folders, where the system has it)
_LINK_AT = os.link in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


class _Writer:
    """Renders templates into files below the site root, counting what it wrote;
    ``old`` is the previous site (written by an earlier build), whose files it links
    in place of writing the same bytes again."""

    def __init__(self, book: Book, root: Path, old: Path | None = None) -> None:
        self.book = book
        self.root = root
        self.old = old
        self.env: jinja2.Environment = template_env()
        self.stats = SiteStats()
        # set once the listing is known (see write_site): the IDs documents share, and
        # the file name of every page in doc/
        self.shared: Set[str] = frozenset()
        self.names: dict[str, str] = {}
        # shared page -> the digest of its inputs, in the previous site and in this one
        self.old_keys: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self._folders: set[str] = set()  # (made already: see _folder)
        self._dirs: dict[str, int] = {}  # (folder -> descriptor: see _dir)

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

    def unchanged(self, name: str, inputs: Any) -> bool:
        """Whether shared page ``name``, made from ``inputs`` (JSON data) alone
        besides :func:`site_key`, is as the previous site has it: then it is carried
        over (and counted) and need not be rendered."""
        key = self.keys[name] = _digest(inputs)
        if self.old_keys.get(name) == key and self.keep(name):
            self.stats.pages += 1
            return True
        return False

    def file(self, name: str, text: str) -> None:
        """Write ``text`` to ``name``, or link the previous site's file when it holds
        the same bytes (so it keeps its modification time)."""
        data = text.encode("utf-8")
        self._folder(name)
        self.stats.bytes += len(data)
        if self.old is not None:
            old = self.old / name
            try:
                same = old.stat().st_size == len(data) and old.read_bytes() == data
            except OSError:
                same = False
            if same and self.keep(name):
                return
        _write(os.path.join(self.root, name), data)

    def keep(self, name: str) -> bool:
        """Carry the previous site's file ``name`` over unchanged: a hard link (no
        copy; same bytes and modification time), or a copy keeping its time where
        the file system has no links. False when there is no such file."""
        if self.old is None:
            return False
        # (strings, not paths: a build over 1,000 pages keeps 2,000 files)
        old, new = os.path.join(self.old, name), os.path.join(self.root, name)
        self._folder(name)
        try:
            if _LINK_AT:  # (names in folders held open: no walk of each whole path)
                folder, base = posixpath.split(name)
                src, dst = self._dir(self.old, folder), self._dir(self.root, folder)
                os.link(base, base, src_dir_fd=src, dst_dir_fd=dst)
            else:
                os.link(old, new)
        except FileNotFoundError:
            return False
        except OSError:
            try:
                shutil.copy2(old, new)
            except FileNotFoundError:
                return False
        return True

    def _dir(self, root: Path, folder: str) -> int:
        """A descriptor of ``folder`` below ``root``, opened once per build (see
        :meth:`close`). Raises FileNotFoundError when there is no such folder."""
        key = os.path.join(root, folder)
        fd = self._dirs.get(key)
        if fd is None:
            fd = self._dirs[key] = os.open(key, os.O_RDONLY | os.O_DIRECTORY)
        return fd

    def close(self) -> None:
        """Close the folders :meth:`keep` held open."""
        for fd in self._dirs.values():
            os.close(fd)
        self._dirs.clear()

    def _folder(self, name: str) -> None:
        """Make the folder file ``name`` goes in (once per folder and build)."""
        folder = posixpath.dirname(name)
        if folder not in self._folders:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)


def _write(path: str, data: bytes) -> None:
    """Write ``data`` to file ``path`` (created with the user's umask, or emptied first)
    through the OS's calls: no buffered file object (two thousand files a build)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_site(
    book: Book, root: Path, progress: Progress | None = None, previous: Path | None = None
) -> SiteStats:
    """Write every page of the site into the (new, empty) folder ``root``, carrying
    over from ``previous`` (an earlier build's site) the pages whose inputs are
    unchanged."""
    writer = _Writer(book, root, previous)
    try:
        return _fill_site(writer, progress)
    finally:
        writer.close()


def _fill_site(writer: _Writer, progress: Progress | None) -> SiteStats:
    """:func:`write_site`'s work, by ``writer`` (its book, new folder, previous site)."""
    from specbook.store.findings import store_findings

    book, root, previous = writer.book, writer.root, writer.old
    load_compiled()  # (the templates compiled by earlier builds: see DOC_TEMPLATES)
    manifest = load_manifest(previous, key := site_key(book))
    writer.old_keys = manifest.get("shared", {})
    # (a site with no pages to carry over: every page is rendered, the HTML of each
    # document meanwhile, while the index is synced)
    prerender = None
    if not manifest.get("pages") and _cpus() >= 2 and len(book.path_strings()) >= PARALLEL_PAGES:
        prerender = _Prerender(book, _cpus())
    try:
        # (each phase counts its own items on the one bar: index, lint, then pages;
        # the site has its own search index: the index's search tables are left to the
        # first search, a quarter of a second of a cold build's one-core time)
        store, _ = synced_store(book, progress=progress, search=False)
    except BaseException:
        if prerender is not None:
            prerender.close()
        raise
    try:
        # (one read of the listing for the home, list and document pages alike)
        catalog = pages.Catalog(store, book.config)
        listing = catalog.docs
        writer.shared = frozenset(pages.shared_ids(listing))
        writer.names = page_names(listing, writer.shared)
        store_findings(store, book, progress)  # the home page's lint summary
        date = today()
        edges = list(store.references())  # (for the graph and the document pages both)
        graph_js: str | None = None

        def shared_pages() -> None:
            """The home, list, search and graph pages: made here while the document
            pages are rendered in worker processes (they need none of those)."""
            nonlocal graph_js
            home = pages.home(store, book.config, date, catalog)
            # (the home and list pages are made of the rows' header facts and their
            # pages' names: not of when a file was last written, or its content hash,
            # which they do not show)
            seen = {
                **home,
                "waiting": [{**_fields(w), "doc": _shown_row(w.doc)} for w in home["waiting"]],
                "stale": len(home["stale"]),  # (the waiting ones marked stale)
                "recent": [_shown_row(d) for d in home["recent"]],
            }
            if not writer.unchanged("index.html", [seen, writer.names]):
                writer.page("index.html", "home.html", lint_ready=True, **home)
            shown = pages.listing(store, {}, page_size=None, catalog=catalog)
            rows = [_shown_row(d) for d in shown["rows"]]
            if not writer.unchanged("documents.html", [{**shown, "rows": rows}, writer.names]):
                writer.page("documents.html", "list.html", **shown)
            if not writer.unchanged("search.html", []):  # (the site's key is all it shows)
                writer.page("search.html", "search.html", query="", hits=[], rows=[], error=None)
            graph_js = write_graph(writer, store, edges, listing)

        same_day = manifest.get("date") == date.isoformat()  # (overdue phases as stored)
        parsed = write_documents(
            writer,
            store,
            date,
            progress,
            manifest.get("pages", {}),
            same_day,
            listing,
            edges,
            prerender,
            meanwhile=shared_pages,
        )
        # (a cold build's search index, made in a worker process while the timeline
        # and risk pages are made here)
        index_job = None
        if prerender is not None and _changed_shards(parsed, manifest) is None:
            index_job = prerender.pool.submit(search_index_parts, parsed.records, parsed.words)
        # (the two biggest shared pages: rendered only when what they show changed)
        # (the two pages show no line numbers: an edit that only moves lines keeps them)
        lineless = [_without_lines(t) for t in parsed.timelines]
        if not writer.unchanged("timeline.html", [date.isoformat(), lineless]):
            timelines = [_timeline(data) for data in parsed.timelines]
            timeline = pages.timeline(book, date, timelines)
            writer.page("timeline.html", "timeline.html", **timeline)
        if not writer.unchanged("risks.html", [_without_lines(r) for r in parsed.risks]):
            risks = _risks(parsed.risks)
            writer.page("risks.html", "risks.html", **pages.risks(book, risks))
        index_parts = None
        if index_job is not None:
            try:
                index_parts = index_job.result()
            except Exception:  # (a worker lost: the index is made here, below)
                index_parts = None
    finally:
        store.close()
        if prerender is not None:
            prerender.close()
    shutil.copytree(STATIC, root / "static", dirs_exist_ok=True)  # (static/text/ is in)
    if index_parts is not None:
        counts, scripts = index_parts
        for name, script in scripts.items():
            writer.file(f"static/{name}", script)
    else:
        counts = write_search_index(writer, parsed, manifest)
    if graph_js is not None:  # (else carried over: see write_graph)
        writer.file(f"static/{GRAPH_DATA}", graph_js)
    writer.file(MARKER, json.dumps({"generator": "specbook", "version": __version__}) + "\n")
    body = {
        "version": MANIFEST_VERSION,
        "key": key,
        "date": date.isoformat(),
        "shared": writer.keys,
        # (no page's search text: its script has it; the manifest is read and written
        # by every build)
        "pages": parsed.manifest,
        "shards": counts,
    }
    (root / MANIFEST).write_bytes(_manifest_bytes(body))
    writer.stats.documents = len(parsed.records)
    # (a document page's templates, compiled here if only worker processes used them,
    # so the next build, which renders a few pages here, finds them)
    for name in DOC_TEMPLATES:
        writer.env.get_template(name)
    save_compiled()
    return writer.stats


def _shown_row(d: dict[str, Any]) -> dict[str, Any]:
    """A listed document's facts that pages show: all but when its file was last
    written and its content hash."""
    return {k: v for k, v in d.items() if k not in ("mtime_ns", "hash")}


def site_key(book: Book) -> str:
    """What every page depends on besides its own inputs: specbook (its version and
    code, as for the index), the book's config and kind templates, and the site's
    templates; a different key renders every page again."""
    from specbook.store.incremental import index_key

    h = blake2b(digest_size=16)
    h.update(f"{MANIFEST_VERSION}|{index_key(book)}|".encode())
    for folder in (TEMPLATES, STATIC):
        for f in sorted(folder.iterdir()):
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


def load_manifest(previous: Path | None, key: str) -> dict[str, Any]:
    """The previous site's record of its pages (``pages``: book path -> entry;
    ``shared``: shared page -> digest of its inputs), or an empty one when there is
    none, it is unreadable, or it was made under another :func:`site_key`."""
    if previous is None:
        return {}
    import msgspec

    try:
        # (msgspec: a third of json's time on a manifest of 1,000 pages, 5 MB)
        data = msgspec.json.decode((previous / MANIFEST).read_bytes())
    except (OSError, ValueError):  # (msgspec.DecodeError is a ValueError)
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    if data.get("key") != key or not isinstance(data.get("pages"), dict):
        return {}
    if not isinstance(data.get("shared"), dict):
        data["shared"] = {}
    return data


def _manifest_bytes(body: dict[str, Any]) -> bytes:
    """``body`` as the manifest's JSON: by msgspec (an eighth of json's time), or by
    json where msgspec refuses it (a lone surrogate in a path)."""
    import msgspec

    try:
        return msgspec.json.encode(body)
    except (msgspec.EncodeError, UnicodeError, TypeError):
        return json.dumps(body, ensure_ascii=False).encode("utf-8")


def write_graph(
    writer: _Writer,
    store: Store,
    edges: list[RefEdge] | None = None,
    listing: list[dict[str, Any]] | None = None,
) -> str | None:
    """The graph page and the data it draws (``static/graph-data.js``: the whole book's
    graph; the page and each document page pick their part in the browser). Returns
    the data's script, written once the static folder is in place, or ``None`` when
    the previous site's was carried over: given ``edges`` and ``listing`` (the store's
    references and listing), the graph is made only when what it is made of changed."""
    from specbook.trace.graph import graph_from_store
    from specbook.web.graphview import graph_data, graph_script

    if not writer.unchanged("graph.html", []):  # (it draws the data script: no data itself)
        writer.page("graph.html", "graph.html", root=None, depth=2)
    if edges is not None and listing is not None:
        # (what the graph is made of: the references but their lines and text, which
        # an edit above them moves; the documents' facts; the pages' names)
        refs = [(e.path, e.source, e.target, e.type, e.target_book) for e in edges]
        rows = [_shown_row(d) for d in listing]
        name = f"static/{GRAPH_DATA}"
        key = writer.keys[name] = _digest([refs, rows, sorted(writer.shared), writer.names])
        if writer.old_keys.get(name) == key and writer.keep(name):
            writer.stats.bytes += os.stat(os.path.join(writer.root, name)).st_size
            return None
    graph = graph_from_store(store, edges)
    links = writer.links(0)  # (the data's links are relative to the site's top)
    data = graph_data(graph, writer.book.config.kinds, links.doc)
    return graph_script(data)


@dataclass
class _Parsed:
    """What the other pages need from the documents, gathered while each is parsed
    for its own page (a big book is parsed once, not once per page), or taken from
    the previous site's manifest for a page carried over; and the new manifest."""

    records: list[dict[str, Any]] = field(default_factory=list)
    # (the words of each record's text, see index_words, space-separated as its
    # manifest entry holds them: a list of strings each was most of the cost of
    # handing a rendered page's results between processes)
    words: list[str] = field(default_factory=list)
    # (as JSON data, :func:`timeline_data` and :func:`_fields`: made into objects only
    # when their pages are rendered)
    timelines: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    kept: set[str] = field(default_factory=set)  # (paths of the pages carried over)
    manifest: dict[str, Any] = field(default_factory=dict)


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


def site_coverage(
    book: Book, store: Store, listing: list[dict[str, Any]] | None = None
) -> dict[str, dict[str, list[str]]]:
    """:func:`specbook.web.pages.coverage_map` from the index's requirements rather
    than a parse of every document: document ID -> requirement ID -> its tests.
    ``listing``: the store's listing, when the caller has read it (as
    :func:`specbook.web.pages.index_requirements` reads it: every document with an
    ID is a target of test tags, requirements or not)."""
    if listing is None:
        return pages.coverage_map(book, pages.index_requirements(store))
    requirements: dict[str, set[str]] = {}
    for row in store.requirements():
        if row["doc_id"]:
            requirements.setdefault(row["doc_id"], set()).add(row["id"])
    for d in listing:
        if d["id"]:
            requirements.setdefault(d["id"], set())
    return pages.coverage_map(book, requirements)


# A build renders its document pages in worker processes when it has at least this
# many to render; fewer render in its own process (a pool's start-up, and the
# templates compiled again in each worker, would cost more than they save).
PARALLEL_PAGES = 64


@dataclass
class _Task:
    """One document page to render: listed document ``d``, its page's file ``name``,
    the other documents sharing its ID, its tests, the digest of its inputs; and what
    the page needs of the index (a worker process has none open): the content hash the
    index holds for the document, the findings lint stored for that content (``None``
    when there are none to show: lint it) and the references to it."""

    d: dict[str, Any]
    name: str
    same: list[dict[str, Any]]
    coverage: dict[str, list[str]]
    key: str
    digest: str | None
    findings: list[Any] | None
    backlinks: list[Any]
    # (its HTML, rendered while the index was synced: content hash, HTML, contents)
    shown: tuple[str, str, list[Any]] | None = None
    # (and made of that HTML meanwhile: the script of its search text, its words
    # space-separated; see search_parts)
    searched: tuple[str, str] | None = None


@dataclass
class _Made:
    """A document page rendered and written: how it went (``ok``; ``gone``: the file
    was removed since the index was synced; ``redo``: its ID changed since then, so
    only a process with the index can render it), its manifest entry (timeline, risks
    and the words of its search text included), and the bytes written."""

    status: str
    entry: dict[str, Any] = field(default_factory=dict)
    bytes: int = 0


class _PageMaker:
    """Renders document pages into the new site ``root``, in the build's process or in
    a worker process: everything but the index is its own (templates, renderer)."""

    def __init__(
        self,
        book: Book,
        root: Path,
        old: Path | None,
        shared: Set[str],
        names: dict[str, str],
        refs: dict[str, str],
        date: dt.date,
    ) -> None:
        self.writer = _Writer(book, root, old)
        self.writer.shared = shared
        self.writer.names = names
        self.refs = refs
        self.date = date
        self.docs = pages.DocumentPages(book, size=1)
        self.links = self.writer.links(1)  # document pages sit one folder down, in doc/
        self.book_root = book.root.resolve()

    def resolve(self, path: str) -> str | None:
        """Where a link of a document to book path ``path`` leads in the site."""
        if path in self.refs:
            return self.links.doc(self.refs[path])
        if not attachment(self.book_root, path):
            return None
        return self.links.up + "files/" + quote(path)

    def make(self, task: _Task, store: Store | None = None) -> _Made:
        """Render and write ``task``'s page and the script of its search text. The
        files it shows are listed in the entry (``files``), not copied: the build
        copies them once for all pages."""
        from specbook.services.report import document_risks, document_timeline

        path = task.d["path"]
        try:
            built = self.docs.built(path, task.shown)
        except OSError:
            return _Made("gone")  # removed since the index was synced: nothing to show
        # (edited since the sync: its stored findings are not for this content)
        findings = task.findings if built[3] == task.digest else None
        backlinks: list[Any] | None = task.backlinks
        if built[0].id != task.d["id"]:
            if store is None:
                return _Made("redo")
            backlinks = None  # (looked up in the index by the ID it has now)
        page = self.docs.get(store, path, built, findings, backlinks)
        lookups: dict[str, str | None] = {}
        files: list[str] = []

        def target_of(target: str) -> str | None:
            new = lookups[target] = self.resolve(target)
            if new is not None and target not in self.refs:
                files.append(target)
            return new

        body = relink(page.marked_html, path, target_of)
        before = self.writer.stats.bytes
        self.writer.page(
            task.name, "doc.html", actions=False, message=None,
            doc=page.doc, html=body, toc=page.toc, findings=page.findings,
            anchor=page.anchor, finding_anchor=page.finding_anchor,
            severities=page.severity_counts(),
            backlinks=page.backlinks, coverage=task.coverage,
            transitions=(), unchecked=[], same_id=task.same,
        )  # fmt: skip
        if task.searched is not None and task.shown is not None and task.shown[0] == built[3]:
            # (made of the same HTML, by the worker that rendered it during the sync)
            script, joined = task.searched
        else:
            script, words = search_parts(path, page.html)
            joined = " ".join(words)
        # (its script of search text written here, in the worker, with the page)
        self.writer.file(text_script_name(path), script)
        timeline = document_timeline(page.doc, self.date)
        risks = document_risks(page.doc)
        entry = {
            "key": task.key,
            "name": task.name,
            "lookups": sorted(lookups.items()),
            "files": sorted(set(files)),
            "timeline": timeline_data(timeline) if timeline else None,
            "risks": [_fields(r) for r in risks],
            "words": joined,
            "head": _head(task.d),
        }
        made = _Made("ok", entry)
        made.bytes = self.writer.stats.bytes - before
        return made


# the worker process's page maker (see _made_pages)
_MAKER: list[_PageMaker] = []


def _init_maker(*args: Any) -> None:
    _MAKER[:] = [_PageMaker(*args)]


def _make_chunk(tasks: list[_Task]) -> list[_Made]:
    return [_MAKER[0].make(task) for task in tasks]


_MADE_BY: list[str] = []  # (the build the worker's maker is for: see _make_chunk_with)


def _make_chunk_with(work: tuple[str, tuple[Any, ...], list[_Task]]) -> list[_Made]:
    token, args, tasks = work
    if [token] != _MADE_BY:
        _init_maker(*args)
        _MADE_BY[:] = [token]
    return _make_chunk(tasks)


class _Prerender:
    """The HTML of every document of ``book``, and the script and words of its search
    text made of that HTML (:func:`search_parts`), in ``jobs`` worker processes while
    the build brings the index in step (a cold build's index is mostly a lint, which
    leaves cores idle at times: writing the index, the book rules, reading the index
    back for the pages); the pool then renders the pages. Each document's HTML is used
    only for the content it was rendered from (its content hash)."""

    def __init__(self, book: Book, jobs: int) -> None:
        from concurrent.futures import ProcessPoolExecutor

        rels = [book.rel(p) for p in book.path_strings()]
        size = max(8, len(rels) // (jobs * 8))
        self.pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_shown, initargs=(book,))
        self.futures = [
            self.pool.submit(_shown_chunk, rels[i : i + size]) for i in range(0, len(rels), size)
        ]

    def results(self) -> dict[str, tuple[tuple[str, str, list[Any]], tuple[str, str]]]:
        """Book path -> ((content hash, HTML, table of contents), (search text's
        script, words)) of each document rendered (waiting for the rest); a chunk that
        failed is left to the pages."""
        out: dict[str, tuple[tuple[str, str, list[Any]], tuple[str, str]]] = {}
        for future in self.futures:
            try:
                out.update((rel, (shown, searched)) for rel, shown, searched in future.result())
            except Exception:  # (a worker lost: those pages render their HTML)
                continue
        return out

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


_SHOWN: list[Book] = []  # (the worker's book: see _Prerender)


def _init_shown(book: Book) -> None:
    _SHOWN[:] = [book]


def _shown_chunk(
    rels: list[str],
) -> list[tuple[str, tuple[str, str, list[Any]], tuple[str, str]]]:
    """The rendered HTML of documents ``rels`` as DocumentPages.built renders it, and
    the script and words (space-separated) of its search text (:func:`search_parts`)."""
    from specbook.core.digest import source_hash
    from specbook.web.render import to_html

    book = _SHOWN[0]
    out = []
    for rel in rels:
        try:
            data, sidecars = book.read_source(rel)
        except OSError:
            continue  # (gone: the sync sees it so)
        shown = to_html(
            data.decode("utf-8", "replace"), remote_images=book.config.portal_remote_images
        )
        script, words = search_parts(rel, shown.html)
        digest = source_hash(data, sidecars)
        out.append((rel, (digest, shown.html, shown.toc), (script, " ".join(words))))
    return out


def _cpus() -> int:
    return os.cpu_count() or 1


def _made_pages(
    maker: _PageMaker,
    args: tuple[Any, ...],
    tasks: list[_Task],
    store: Store,
    jobs: int | None = None,
    pool: Any = None,
) -> Iterator[_Made]:
    """Each of ``tasks`` rendered, in order: by ``maker`` here, or when there are many
    in ``jobs`` worker processes (default: one per CPU) each with a maker made of
    ``args``: those of ``pool`` (a running ProcessPoolExecutor) when given, where they
    are handed before this returns (the caller works meanwhile)."""
    workers = jobs if jobs is not None else _cpus()
    if len(tasks) < PARALLEL_PAGES or workers < 2:
        return (maker.make(task, store) for task in tasks)
    size = max(8, len(tasks) // (workers * 8))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    if pool is not None:  # (its workers make their maker of args with the first chunk)
        token = secrets.token_hex(8)
        made = pool.map(_make_chunk_with, [(token, args, chunk) for chunk in chunks])
        return itertools.chain.from_iterable(made)
    return _pooled_pages(args, chunks, workers)


def _pooled_pages(
    args: tuple[Any, ...], chunks: list[list[_Task]], workers: int
) -> Iterator[_Made]:
    """The pages of ``chunks`` rendered in a pool of their own, of ``workers`` processes."""
    from concurrent.futures import ProcessPoolExecutor  # only big builds pay for it

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_maker, initargs=args) as pool:
        for made in pool.map(_make_chunk, chunks):
            yield from made


def write_documents(
    writer: _Writer,
    store: Store,
    date: dt.date,
    progress: Progress | None,
    manifest: dict[str, Any] | None = None,
    same_day: bool = False,
    listing: list[dict[str, Any]] | None = None,
    edges: list[RefEdge] | None = None,
    prerender: _Prerender | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> _Parsed:
    """One page per document, found by its ID, or by its path when another document
    carries the same ID (the ID's page then lists them both, as in the portal);
    returns the search index records, timelines and risks, and the new manifest.
    A page whose inputs are those ``manifest`` (the previous site's) recorded is
    carried over, its document not even parsed; the others are rendered, in worker
    processes when there are many (:data:`PARALLEL_PAGES`). ``listing`` and ``edges``:
    the store's listing and references, when the caller has read them; ``prerender``:
    the documents' HTML rendered meanwhile, and the pool to render the pages in;
    ``meanwhile``: the caller's work to do here while worker processes render the
    pages (before the pages, when they are rendered here)."""
    book = writer.book
    manifest = manifest or {}
    listing = listing if listing is not None else store.listing()
    coverage = site_coverage(book, store, listing)
    by_shared = pages.shared_ids(listing)
    refs = {d["path"]: page_ref(d["id"], d["path"], writer.shared) for d in listing}
    links = writer.links(1)  # document pages sit one folder down, in doc/
    root = book.root.resolve()
    copied: set[str] = set()
    facts = _Facts(store, listing, edges)
    args = (book, writer.root, writer.old, writer.shared, writer.names, refs, date)
    maker = _PageMaker(*args)
    # (findings stored by an earlier lint of the book are not shown: see stored_findings)
    current = store.get_meta("findings-generation") == (store.get_meta("generation") or "0")

    def copy(path: str) -> None:
        if path not in copied:  # an image or file the document shows: ship it too
            copied.add(path)
            dest = writer.root / "files" / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / path, dest)  # (its time too: an unchanged file stays so)

    # each listed document's page: its old manifest entry when carried over, else a task
    slots: list[dict[str, Any] | _Task] = []
    tasks: list[_Task] = []
    done = 0
    for d in listing:
        ref = refs[d["path"]]
        name = "doc/" + links.file_name(ref)
        same = [o for o in by_shared.get(str(d["id"] or "").upper(), []) if o is not d]
        cover = coverage.get(d["id"] or "", {})
        backlinks = facts.incoming.get(d["id"], []) if d["id"] else []
        inputs = page_inputs(d, name, same, facts, cover, links, backlinks)
        key = _digest(inputs)
        old = manifest.get(d["path"])
        if (
            old is not None
            and _still(old, key, name, maker.resolve)
            and _keep_page(writer, name, d)
        ):
            for path in old["files"]:
                copy(path)
            slots.append(old)
            writer.stats.kept += 1
            writer.stats.pages += 1
            done += 1
            if progress is not None:
                progress(done, len(listing))
            continue
        digest = facts.hashes.get(d["path"])
        found = store.document_findings(d["path"], digest) if current and digest else None
        task = _Task(d, name, same, cover, key, digest, found, backlinks)
        tasks.append(task)
        slots.append(task)
    pool = None
    if prerender is not None:
        shown = prerender.results()
        for task in tasks:
            got = shown.get(task.d["path"])
            if got is not None:
                task.shown, task.searched = got
        pool = prerender.pool
    made: dict[int, _Made] = {}
    try:
        pages_made = _made_pages(maker, args, tasks, store, pool=pool)
        if meanwhile is not None:
            meanwhile()
        for task, result in zip(tasks, pages_made, strict=True):
            if result.status == "redo":
                result = maker.make(task, store)
            made[id(task)] = result
            done += 1
            if progress is not None:
                progress(done, len(listing))
    finally:
        maker.writer.close()
    parsed = _Parsed()
    for d, slot in zip(listing, slots, strict=True):
        if isinstance(slot, _Task):
            result = made[id(slot)]
            if result.status != "ok":
                continue
            entry = result.entry
            for path in entry["files"]:
                copy(path)
            if entry["timeline"]:
                parsed.timelines.append(entry["timeline"])
            parsed.risks.extend(entry["risks"])
            parsed.words.append(entry["words"])
            writer.stats.rendered += 1
            writer.stats.pages += 1
            writer.stats.bytes += result.bytes
        else:
            entry = slot
            if entry["timeline"] and same_day:  # (its phases judged overdue on this day)
                parsed.timelines.append(entry["timeline"])
            else:
                again = _timelines(entry["timeline"], date)
                parsed.timelines.extend(timeline_data(t) for t in again)
            parsed.risks.extend(entry["risks"])
            parsed.words.append(entry["words"])  # (split only where needed)
            parsed.kept.add(d["path"])
        parsed.manifest[d["path"]] = entry
        # (its search text is in its script, written with the page or carried over)
        parsed.records.append(_record(d, entry["name"], "", []))
    for doc_id, rows in sorted(by_shared.items()):
        carriers = [(d["id"], d["title"], d["status"], d["path"]) for d in rows]
        writer.page(
            "doc/" + links.file_name(doc_id), "ambiguous.html",
            doc_id=rows[0]["id"] or doc_id, carriers=carriers,
        )  # fmt: skip
    return parsed


def _keep_page(writer: _Writer, name: str, d: dict[str, Any]) -> bool:
    """Carry over the previous site's page ``name`` of listed document ``d`` and the
    script of its search text (counting the script's bytes); False, and neither kept,
    when either is missing."""
    text = text_script_name(d["path"])
    if not writer.keep(text):
        return False
    if not writer.keep(name):
        (writer.root / text).unlink()  # (the link, not the previous site's file)
        return False
    writer.stats.bytes += os.stat(os.path.join(writer.root, text)).st_size
    return True


class _Facts:
    """What document pages show of other documents, read from the index once."""

    def __init__(
        self, store: Store, listing: list[dict[str, Any]], edges: list[RefEdge] | None = None
    ) -> None:
        self.store = store
        self.hashes = {path: f.hash for path, f in store.stored_files().items()}
        self.ids = {str(d["id"]) for d in listing if d["id"]}
        self.targets: dict[str, set[str]] = {}
        for e in edges if edges is not None else store.references():
            self.targets.setdefault(e.path, set()).add(e.target)
        self.findings: dict[str, list[tuple[Any, ...]]] = {}
        for f in store.findings():
            self.findings.setdefault(f.path, []).append(dataclasses.astuple(f))
        # (the references to each ID: one query for the book, not one per page)
        self.incoming = store.incoming_by_target()


def page_inputs(
    d: dict[str, Any],
    name: str,
    same: list[dict[str, Any]],
    facts: _Facts,
    coverage: dict[str, list[str]],
    links: StaticLinks,
    backlinks: list[Any] | None = None,
) -> dict[str, Any]:
    """Everything the page of listed document ``d`` shows besides the site's templates
    and config (:func:`site_key`) and the links of its text (checked one by one, see
    :func:`_still`): its content hash, its file name, the findings lint stored for it
    (date-dependent ones included: lint's cache is keyed by the day), which of the IDs
    it references exist, the references to it with the pages they lead to, the other
    documents sharing its ID, and the tests of its requirements. ``backlinks``: the
    references to it, when the caller has looked them up."""
    path = d["path"]
    if backlinks is None:
        backlinks = facts.incoming.get(d["id"], []) if d["id"] else []
    return {
        "hash": facts.hashes.get(path),
        "name": name,
        "findings": facts.findings.get(path, []),
        "targets": sorted((t, t in facts.ids) for t in facts.targets.get(path, ())),
        "backlinks": [[*e, links.doc(links.ref(e.source, e.path))] for e in backlinks],
        "same": [[o["path"], o["title"], links.doc(o["path"])] for o in same],
        "coverage": coverage,
    }


def _digest(inputs: Any) -> str:
    """A digest of ``inputs`` (plain data built in a fixed order): of its ``repr``, made
    in C, at half the cost of sorted JSON (a thousand page keys each build)."""
    data = repr(inputs)
    return blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _still(old: Any, key: str, name: str, resolve: Callable[[str], str | None]) -> bool:
    """Whether the previous site's page (manifest entry ``old``) is still right: the
    same inputs, the same file name, and each link of its text leading where it led."""
    try:
        return (
            old["key"] == key
            and old["name"] == name
            and all(resolve(path) == target for path, target in old["lookups"])
            and isinstance(old["words"], str)
        )
    except (KeyError, TypeError, ValueError):
        return False  # a manifest from elsewhere: render the page


def _without_lines(data: dict[str, Any]) -> dict[str, Any]:
    """A timeline's or a risk's data (see :func:`timeline_data`) without the line
    numbers it was found on, which the timeline and risk pages do not show."""
    out = {k: v for k, v in data.items() if k != "line"}
    if "phases" in out:
        out["phases"] = [{k: v for k, v in p.items() if k != "line"} for p in out["phases"]]
    return out


def _fields(obj: Any) -> dict[str, Any]:
    """A dataclass of plain values as a dict, as ``dataclasses.asdict`` gives it (which
    copies each value deeply: a tenth of a one-edit build's time)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def timeline_data(timeline: Any) -> dict[str, Any]:
    """A :class:`specbook.services.report.Timeline` as ``dataclasses.asdict`` gives it."""
    return {**_fields(timeline), "phases": [_fields(p) for p in timeline.phases]}


def _timelines(data: Any, date: dt.date) -> list[Any]:
    """A document's timeline from the manifest, its overdue phases judged on ``date``."""
    from specbook.services.report import Phase, Timeline, phase_overdue

    if not data:
        return []
    phases = tuple(
        Phase(**{**p, "overdue": phase_overdue(p["end"], p["status"], date)})
        for p in data["phases"]
    )
    return [Timeline(**{**data, "phases": phases})]


def _timeline(data: dict[str, Any]) -> Any:
    """:func:`timeline_data`'s data as a Timeline again."""
    from specbook.services.report import Phase, Timeline

    return Timeline(**{**data, "phases": tuple(Phase(**p) for p in data["phases"])})


def _risks(data: Any) -> list[Any]:
    from specbook.services.report import Risk

    return [Risk(**r) for r in data]


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


def plain_text(body: str) -> str:
    """The words of sanitized HTML ``body``: block tags become spaces, inline tags
    vanish (``<strong>ID</strong>:`` reads ``ID:``), whitespace is collapsed."""
    return " ".join(html.unescape(_TAG.sub("", _BLOCK.sub(" ", body))).split())


_HEADING_ID = re.compile(r'<h[1-6] id="([^"]*)">')


def sectioned_text(body: str) -> tuple[str, list[tuple[int, str]]]:
    """The plain text of sanitized HTML ``body`` and where each heading's section
    starts in it, as (offset in UTF-16 code units, as JavaScript counts, anchor)."""
    pieces = _HEADING_ID.split(body)
    # (the pieces' plain text in one pass over the joined pieces, not one per piece: a
    # NUL, which sanitized HTML never holds, keeps them apart)
    joined = "\x00".join(pieces[0::2])
    # (whitespace collapsed by str.split, which splits where \s matches, at a sixth of
    # the regular expression's time: NUL is no whitespace, and every part is stripped)
    flat = " ".join(html.unescape(_TAG.sub("", _BLOCK.sub(" ", joined))).split())
    parts = [part.strip() for part in flat.split("\x00")]
    out = [parts[0]]
    # (the text's length so far: measured piece by piece, not the whole text again
    # for each section, which took quadratic time)
    units = len(parts[0].encode("utf-16-le")) // 2
    sections = []
    for anchor, part in zip(pieces[1::2], parts[1:], strict=True):
        if units and part:
            out.append(" ")
            units += 1
        sections.append((units, html.unescape(anchor)))
        out.append(part)
        units += len(part.encode("utf-16-le")) // 2
    return "".join(out), sections


def search_text(body: str) -> tuple[str, list[list[Any]]]:
    """The text of a document's search record, at most :data:`TEXT_LIMIT` characters,
    and the sections that start within it as ``[offset, anchor]``."""
    text, sections = sectioned_text(body)
    text = text[:TEXT_LIMIT]
    limit = len(text.encode("utf-16-le")) // 2
    return text, [[at, anchor] for at, anchor in sections if at <= limit]


def search_parts(path: str, body: str) -> tuple[str, list[str]]:
    """The script of the search text of the document at ``path`` whose sanitized HTML
    is ``body`` (:func:`search_text_script`), and that text's words (:func:`index_words`)."""
    text, sections = search_text(body)
    script = search_text_script({"path": path, "text": text, "sections": sections})
    return script, index_words(text)


def search_record(d: dict[str, Any], url: str, body: str) -> dict[str, Any]:
    """One document of the browser's search index (``url``: its page, relative to the
    site root); ``sections`` let a result link to the section of its first match."""
    return _record(d, url, *search_text(body))


def _record(d: dict[str, Any], url: str, text: str, sections: list[Any]) -> dict[str, Any]:
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
        "sections": sections,
    }


_INDEX_WORD = re.compile(r"[^\W_]+")
# ASCII text's bytes folded for its words: letters lower-cased, digits kept, every other
# byte a space (_INDEX_WORD's words of ASCII text, split by bytes.translate in C)
_ASCII_FOLD = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256)
)


def _js_value(value: Any) -> str:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # U+2028/2029 are legal in JSON strings and, since ES2019, in JS strings; escaping
    # them anyway keeps older engines happy at no cost.
    return data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def text_key(path: str) -> str:
    """The name of the file holding a document's search text: a hash of its path, so
    a document's file keeps its name when others come and go (incremental builds)."""
    return hashlib.blake2b(path.encode("utf-8"), digest_size=8).hexdigest()


def index_words(text: str) -> list[str]:
    """The distinct words of a record's ``text`` as the search index holds them, sorted."""
    return sorted(set(_folded_words(text)))


def _folded_words(text: str) -> list[str]:
    """The words of ``text`` folded as the stores read them (:func:`fold`, lower case).
    (ASCII text is not folded first: fold only turns the characters between words
    into spaces there, which leaves the same words; that was most of the time.)"""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split()
    from specbook.store.query import fold

    return _INDEX_WORD.findall(fold(text).lower())


def _head(d: dict[str, Any]) -> str:
    """The text of a record's ID and title, as the search index reads them."""
    return f"{d['id'] or ''} {d['title'] or ''}"


def write_search_index(
    writer: _Writer, parsed: _Parsed, previous: dict[str, Any]
) -> dict[str, int]:
    """Write the browser's search index (:func:`search_index_scripts`) for ``parsed``'s
    records; returns the words of each shard. Over a previous site (its manifest
    ``previous``) holding the same documents in the same order, only the shards holding
    a word that some document gained or lost are made again: the others are carried
    over (their postings, by document number, are what they were)."""
    only = _changed_shards(parsed, previous)
    old: dict[str, int] = previous.get("shards") or {}
    if only is not None and all(k in only or _kept(writer, k) for k in old):
        found = _shard_words(parsed.records, parsed.words, only)
        counts = {k: n for k, n in old.items() if k not in only}
        counts.update((k, len(words)) for k, words in found.items())
        counts = dict(sorted(counts.items()))
        writer.file(f"static/{SEARCH_INDEX}", search_index_script(parsed.records, counts))
        for name, script in search_shard_scripts(found, len(parsed.records)).items():
            writer.file(f"static/{name}", script)
        return counts
    counts, scripts = search_index_parts(parsed.records, parsed.words)
    for name, script in scripts.items():
        writer.file(f"static/{name}", script)
    return counts


def _kept(writer: _Writer, key: str) -> bool:
    """Carry shard ``key``'s script over from the previous site (counting its bytes)."""
    name = f"static/{SEARCH_SHARDS}/{key}.js"
    if not writer.keep(name):
        return False
    writer.stats.bytes += (writer.root / name).stat().st_size
    return True


def _changed_shards(parsed: _Parsed, previous: dict[str, Any]) -> set[str] | None:
    """The shards holding a word some document gained or lost since the previous
    site (its manifest ``previous``), or ``None`` when every shard must be made again
    (documents added, removed or reordered, or no previous record of the shards)."""
    pages = previous.get("pages") or {}
    if not isinstance(previous.get("shards"), dict):
        return None
    if [r["path"] for r in parsed.records] != list(pages):
        return None  # (another numbering of the documents)
    keys: set[str] = set()
    for record, words in zip(parsed.records, parsed.words, strict=True):
        if record["path"] in parsed.kept:
            continue  # (carried over: the words it had)
        old = pages[record["path"]]
        if not isinstance(old.get("head"), str):
            return None
        gained = set(words.split()).symmetric_difference(old["words"].split())
        gained |= set(_folded_words(old["head"])) ^ set(_folded_words(_head(record)))
        keys.update(shard_key(w) for w in gained)
    return keys


def search_index_scripts(
    records: list[dict[str, Any]], known: list[list[str] | None] | None = None
) -> dict[str, str]:
    """The browser's search index: file name (under ``static/``) -> script, for
    :data:`SEARCH_INDEX` (:func:`search_index_script`) and each shard of the inverted
    index (:func:`search_shard_scripts`). ``known`` may give each record's
    :func:`index_words` (computed where its page was rendered); those it does not give
    are computed here."""
    return search_index_parts(records, known)[1]


def search_index_parts(
    records: list[dict[str, Any]], known: Any = None
) -> tuple[dict[str, int], dict[str, str]]:
    """:func:`search_index_scripts` and how many words each shard holds (``known``:
    a list or the space-separated words of each record, or ``None`` for those not
    known, see :func:`_shard_words`)."""
    found = _shard_words(records, known)
    counts = {key: len(words) for key, words in sorted(found.items())}
    scripts = {SEARCH_INDEX: search_index_script(records, counts)}
    return counts, scripts | search_shard_scripts(found, len(records))


def search_index_script(records: list[dict[str, Any]], shards: dict[str, int]) -> str:
    """The index as a script that sets ``window.SPECBOOK_SEARCH`` (a script, not JSON:
    browsers will not ``fetch()`` a file next to a page opened from disk): each
    document's facts (no text) and the names of the shards of the inverted index
    (:func:`search_shard_scripts`) that exist, with how many words each holds."""
    docs = [
        [r["id"], r["title"], r["status"], r["canonical"], r["kind"], r["type"],
         r["tags"], r["path"], r["url"], text_key(r["path"])]
        for r in records
    ]  # fmt: skip
    data = _js_value({"version": 3, "documents": docs, "shards": shards})
    return (
        f"// specbook search index, written by specbook build\nwindow.SPECBOOK_SEARCH = {data};\n"
    )


def shard_key(word: str) -> str:
    """The shard of the index that holds ``word`` (folded): its first character when
    that is a-z or 0-9, else ``_`` (search.js has the same rule). A word's Porter
    stem keeps its first letter, so every form of a query word is in one shard."""
    first = word[:1]
    return first if first.isascii() and first.isalnum() else "_"


def _shard_words(
    records: list[dict[str, Any]],
    known: Sequence[list[str] | str | None] | None = None,
    only: set[str] | None = None,
) -> dict[str, dict[str, tuple[list[int], list[int]]]]:
    """Shard key -> word -> (the documents whose text holds it, those whose ID or
    title holds it), by document number; words folded as the stores read them
    (``known``: the text's words of each record, where they were computed already, as
    a list or space-separated); with ``only``, the words of those shards alone."""
    pick = _shard_picker(only) if only is not None else None
    # One dict of every word first, split into shards once per distinct word (a shard
    # key per occurrence was half of a one-edit build's search index).
    found: dict[str, tuple[list[int], list[int]]] = {}
    get = found.get
    for n, r in enumerate(records):
        given = known[n] if known is not None else None
        if given is None:
            given = _folded_words(r["text"])
            if pick is not None:
                given = [w for w in given if shard_key(w) in only]  # type: ignore[operator]
        elif isinstance(given, str):  # (only the shards wanted are split out of it)
            given = given.split() if pick is None else pick(given)
        elif pick is not None:
            given = [w for w in given if shard_key(w) in only]  # type: ignore[operator]
        head = _folded_words(_head(r))
        if pick is not None:
            head = [w for w in head if shard_key(w) in only]  # type: ignore[operator]
        for side, words in ((0, set(given)), (1, set(head))):
            for word in words:
                got = get(word)
                if got is None:
                    got = found[word] = ([], [])
                got[side].append(n)
    shards: dict[str, dict[str, tuple[list[int], list[int]]]] = {}
    for word, got in found.items():
        shards.setdefault(shard_key(word), {})[word] = got
    return shards


def _shard_picker(keys: set[str]) -> Callable[[str], list[str]]:
    """A function giving the words of shards ``keys`` in a space-separated word list
    (regular expressions, not a split of every word: a one-edit build needs a few)."""
    first = "".join(re.escape(k) for k in sorted(keys) if k != "_")
    parts = [f"[{first}]"] if first else []
    if "_" in keys:  # (words whose first character is not an ASCII letter or digit)
        parts.append("[^ a-z0-9]")
    if not parts:
        return lambda text: []
    # (each word after a space, the text given one in front: a search for the space,
    # which the regular expression engine makes fast, not a look behind at each place)
    find = re.compile(rf" ((?:{'|'.join(parts)})[^ ]*)").findall
    return lambda text: find(" " + text)


def search_shard_scripts(
    found: dict[str, dict[str, tuple[list[int], list[int]]]], total: int
) -> dict[str, str]:
    """The inverted index in shards, one script per first letter of the words
    (:func:`shard_key`), so a query loads only the shards of its own words: file name
    (under ``static/``) -> script, which hands ``SPECBOOK_SHARD`` (search.js) the
    shard's sorted ``words`` and, for each, the documents whose text holds it
    (``postings``) and those whose ID or title holds it (``heads``), encoded by
    :func:`encode_postings`. The browser stems the words itself, so a query finds
    every form; the texts (for snippets and exact phrases) are in one small script per
    document (:func:`search_text_script`), loaded only for results shown. ``found``:
    :func:`_shard_words`; ``total``: how many documents."""
    out = {}
    for key, shard in sorted(found.items()):
        words = sorted(shard)
        body = _js_value(
            {
                "words": " ".join(words),
                "postings": [encode_postings(shard[w][0], total) for w in words],
                "heads": [encode_postings(shard[w][1], total) for w in words],
            }
        )
        out[f"{SEARCH_SHARDS}/{key}.js"] = f"SPECBOOK_SHARD({_js_value(key)},{body});\n"
    return out


def encode_postings(numbers: list[int], total: int) -> str:
    """Ascending document numbers as text: the base-36 gaps between them, comma
    separated, or, when shorter (a word most documents hold), ``~`` and a bitmap of
    ``total`` bits in base64 (bit ``n % 8`` of byte ``n // 8`` is document ``n``)."""
    if not numbers:
        return ""
    # (gaps through C-level map and a table of base-36 numerals: a function call per
    # posting was most of the index's time)
    gaps = map(operator.sub, numbers, [0, *numbers[:-1]])
    listed = ",".join(map(_base36_table(numbers[-1]).__getitem__, gaps))
    if len(listed) <= (total + 5) // 6 + 4:  # (base64 of total/8 bytes: total/6 chars)
        return listed
    bits = bytearray((total + 7) // 8)
    for n in numbers:
        bits[n >> 3] |= 1 << (n & 7)
    return "~" + base64.b64encode(bytes(bits)).decode("ascii")


_BASE36: list[str] = []


def _base36_table(most: int) -> list[str]:
    """The base-36 numerals of 0 to at least ``most``, grown as needed."""
    if len(_BASE36) <= most:
        _BASE36.extend(_base36(n) for n in range(len(_BASE36), max(most + 1, 2 * len(_BASE36))))
    return _BASE36


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def text_script_name(path: str) -> str:
    """The file (below the site root) of the search text of the document at ``path``."""
    return f"static/text/{text_key(path)}.js"


def search_text_script(record: dict[str, Any]) -> str:
    """The script with one document's search text and section starts, which hands
    them to ``SPECBOOK_TEXT`` (search.js) when the search page loads it."""
    key = text_key(record["path"])
    body = _js_value([record["text"], record["sections"]])
    return f"SPECBOOK_TEXT({_js_value(key)},{body});\n"
