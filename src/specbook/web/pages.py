"""What each page shows, gathered from the index and the files. Shared by the
portal and the static site, so both show the same thing."""

from __future__ import annotations

import datetime as dt
import re
import threading
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from html import escape as html_escape
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import Markup

from specbook.book import Book
from specbook.core.config import BookConfig
from specbook.core.digest import source_hash
from specbook.core.errors import SpecbookError
from specbook.core.ids import ambiguous_id
from specbook.core.model import Document
from specbook.lint.engine import Linter
from specbook.lint.finding import Finding
from specbook.parse import parse
from specbook.store import Store
from specbook.web.render import Rendered, Toc, to_html

if TYPE_CHECKING:
    import jinja2

PAGE_SIZE = 100
LIST_FACETS = ("kind", "status", "type", "tag", "author")
LIST_SORTS = ("id", "title", "status", "modified", "kind")


def review_word(config: BookConfig, kind: str | None) -> str | None:
    """The review status of ``kind`` (``Review`` for specs), if its workflow has one."""
    from specbook.core.workflow import workflow_for

    k = config.kinds.get(kind or "")
    return None if k is None else workflow_for(k).review


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


@dataclass
class Waiting:
    doc: dict[str, Any]
    since: dt.date | None
    days: int | None
    stale: bool


class Catalog:
    """Every document's header facts, with what the home and list pages derive from
    them, computed once per index generation (the portal keeps one until a sync
    changes something)."""

    def __init__(self, store: Store, config: BookConfig) -> None:
        from specbook.trace.graph import id_order

        self.docs = store.listing()
        for d in self.docs:
            # what the facets and the list show: the kind's words, never the written
            # form (a status line can carry a paragraph; the document page shows it)
            d["status_shown"] = _canonical_status(d)
            d["type_shown"] = _canonical_type(config, d)
        reviews = {name: review_word(config, name) for name in config.kinds}
        self.in_review = [
            d
            for d in self.docs
            if d["status_canonical"] and d["status_canonical"] == reviews.get(d["kind"] or "")
        ]
        # many books in one store: the book is a facet too
        many = any(d.get("book") for d in self.docs)
        self.facets: tuple[str, ...] = ("book", *LIST_FACETS) if many else LIST_FACETS
        # lower-cased facet values of each document, in self.facets order
        self.values: list[tuple[tuple[str, ...], ...]] = [
            tuple(tuple(v.lower() for v in _facet_values(d, f)) for f in self.facets)
            for d in self.docs
        ]
        self.shown: list[tuple[tuple[str, ...], ...]] = [
            tuple(tuple(_facet_values(d, f)) for f in self.facets) for d in self.docs
        ]
        self._id_key = [id_order(d["id"] or d["path"]) for d in self.docs]
        self._orders: dict[str, list[int]] = {}
        # IDs more than one document carries: their documents' pages go by path
        self.by_shared_id = shared_ids(self.docs)
        self.shared = frozenset(self.by_shared_id)

    def same_id(self, doc: Document) -> list[dict[str, Any]]:
        """The other documents that carry ``doc``'s ID (none when it is its own)."""
        rows = self.by_shared_id.get((doc.id or "").upper(), [])
        return [d for d in rows if d["path"] != doc.path]

    def order(self, sort: str) -> list[int]:
        """Indexes of the documents sorted by ``sort`` (cached)."""
        if sort not in self._orders:
            idx = range(len(self.docs))
            if sort == "id":
                self._orders[sort] = sorted(idx, key=lambda i: self._id_key[i])
            else:
                # (status: by the canonical status the list shows)
                field = "status_shown" if sort == "status" else sort
                self._orders[sort] = sorted(
                    idx, key=lambda i: (str(self.docs[i][field] or "").lower(), self._id_key[i])
                )
        return self._orders[sort]


NO_VALUE = "(none)"
OTHER_VALUE = "(other)"


def _canonical_status(d: dict[str, Any]) -> str:
    """``d``'s canonical status; ``(other)`` for a written form the kind does not
    know, ``(none)`` when it has none."""
    if d["status_canonical"]:
        return str(d["status_canonical"])
    return OTHER_VALUE if (d["status"] or "").strip() else NO_VALUE


def _canonical_type(config: BookConfig, d: dict[str, Any]) -> str:
    """``d``'s type as its kind's type word; ``(other)`` for a written form the kind
    does not know (or a document of no configured kind), ``(none)`` when it has none."""
    written = (d["type"] or "").strip()
    if not written:
        return NO_VALUE
    kind = config.kinds.get(d["kind"] or "")
    canon = kind.canonical_type(written) if kind is not None else None
    return canon or OTHER_VALUE


def _facet_values(d: dict[str, Any], facet: str) -> list[str]:
    if facet == "tag":
        return list(d["tags"])
    if facet == "status":
        return [d["status_shown"]]
    if facet == "type":
        return [d["type_shown"]]
    return [d[facet] or NO_VALUE]


def waiting_for_review(
    store: Store, config: BookConfig, today: dt.date, catalog: Catalog | None = None
) -> list[Waiting]:
    """Documents in their kind's review status, longest waiting first; stale past the
    book's stale-review days (counted as rule SB504 counts: from the last Review
    History row that moved it to review, else Modified, else Date)."""
    from specbook.services.report import stale_review_days

    limit = stale_review_days(config)
    docs = (catalog or Catalog(store, config)).in_review
    rows = store.reviews(d["path"] for d in docs)
    out = []
    for d in docs:
        kind = config.kinds.get(d["kind"] or "")
        since = None
        for date, _who, status, _note, _line in reversed(rows.get(d["path"], [])):
            canon = kind.canonical_status(status) if kind else status
            if canon == d["status_canonical"]:
                since = _date(date)
                break
        since = since or _date(d["modified"]) or _date(d["date"])
        days = None if since is None else (today - since).days
        out.append(Waiting(d, since, days, days is not None and days > limit))
    out.sort(key=lambda w: (-(w.days or -1), w.doc["id"] or ""))
    return out


def home(
    store: Store, config: BookConfig, today: dt.date, catalog: Catalog | None = None
) -> dict[str, Any]:
    catalog = catalog or Catalog(store, config)
    docs = catalog.docs
    by_status = Counter(d["status_shown"] for d in docs)
    by_kind = Counter(d["kind"] or "(none)" for d in docs)
    recent = sorted(docs, key=lambda d: (d["modified"] or d["date"] or "", d["mtime_ns"]))
    waiting = waiting_for_review(store, config, today, catalog)
    return {
        "total": len(docs),
        "by_status": sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0])),
        "by_kind": sorted(by_kind.items()),
        "waiting": waiting,
        "stale": [w for w in waiting if w.stale],
        "recent": list(reversed(recent[-10:])),
        "findings": store.finding_counts(),
    }


def listing(
    store: Store,
    params: dict[str, str],
    page_size: int | None = PAGE_SIZE,
    catalog: Catalog | None = None,
    config: BookConfig | None = None,
) -> dict[str, Any]:
    """The list page: facet counts, the filtered and sorted rows of one page
    (``page_size=None``: every row on one page, as the static site shows them)."""
    if catalog is None:
        from specbook.core.config import default_config

        catalog = Catalog(store, config or default_config())
    names = catalog.facets
    chosen = {k: params[k] for k in names if params.get(k)}
    wanted = [(names.index(f), v.lower()) for f, v in chosen.items()]
    # One pass: a document counts towards facet f when it passes every other filter.
    counts: list[Counter[str]] = [Counter() for _ in names]
    keep: set[int] = set()
    for i, (low, shown) in enumerate(zip(catalog.values, catalog.shown, strict=True)):
        misses = [fi for fi, want in wanted if want not in low[fi]]
        if not misses:
            keep.add(i)
        if len(misses) > 1:
            continue
        for fi in range(len(names)):
            if not misses or misses == [fi]:
                counts[fi].update(set(shown[fi]))
    facets = {
        f: sorted(counts[fi].items(), key=lambda kv: (-kv[1], kv[0].lower()))[:30]
        for fi, f in enumerate(names)
    }
    sort = params.get("sort", "id")
    if sort not in LIST_SORTS:
        sort = "id"
    ordered = [i for i in catalog.order(sort) if i in keep]
    if params.get("order") == "desc":
        ordered.reverse()
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    size = page_size or max(1, len(ordered))
    pages = max(1, -(-len(ordered) // size))
    page = min(page, pages)
    return {
        "facets": facets,
        "chosen": chosen,
        "rows": [catalog.docs[i] for i in ordered[(page - 1) * size : page * size]],
        "count": len(ordered),
        "page": page,
        "pages": pages,
        "sort": sort,
        "order": params.get("order", "asc"),
    }


@dataclass
class DocumentPage:
    doc: Document
    html: str
    toc: list[tuple[int, str, str]]
    findings: list[Finding]
    backlinks: list[Any]
    transitions: tuple[str, ...] = ()
    unchecked: list[tuple[int, str]] = field(default_factory=list)
    # (the line anchors of ``html``, in order: see render.LINE_MARK)
    lines: list[int] = field(default_factory=list)

    def anchor(self, line: int) -> int | None:
        """The anchor (``#L<n>``) of the top-level block holding file line ``line``,
        or ``None`` for a line before the text (the header fields, front matter)."""
        at = bisect_right(self.lines, line)
        return self.lines[at - 1] if at else None

    def finding_anchor(self, finding: Any) -> int | None:
        """:meth:`anchor` of ``finding``'s line; ``None`` for a finding in another file
        (a sidecar) or before the text."""
        path = getattr(finding, "path", None)
        if path and path != self.doc.path:
            return None
        return self.anchor(finding.line)

    @property
    def marked_html(self) -> str:
        """``html`` with a flag before each block that findings are on: what they are
        (count and rules, in words: never only a colour), linking to the first of them
        in the findings list (``#finding-<i>``)."""
        from specbook.web.render import LINE_MARKS

        on: dict[int, list[int]] = {}
        for i, f in enumerate(self.findings):
            line = self.finding_anchor(f)
            if line is not None:
                on.setdefault(line, []).append(i)
        if not on:
            return self.html

        def flag(m: re.Match[str]) -> str:
            line = int(m.group(1))
            found = on.get(line)
            if not found:
                return m.group(0)
            rules = ", ".join(dict.fromkeys(self.findings[i].rule for i in found))
            worst = min(
                (self.findings[i].severity for i in found),
                key=lambda s: _SEVERITY_ORDER.get(s, 9),
            )
            n = len(found)
            words = f"{n} finding{'s' if n > 1 else ''} ({rules})"
            return (
                f'<span class="line-mark flagged sev-{html_escape(worst)}" id="L{line}">'
                f'<a href="#finding-{found[0]}">{_SEVERITY_ICON.get(worst, "•")} '
                f"{html_escape(words)}</a></span>"
            )

        return LINE_MARKS.sub(flag, self.html)

    def severity_counts(self) -> list[tuple[str, int]]:
        """(severity, how many), worst first, of the severities present."""
        counts = Counter(f.severity for f in self.findings)
        return sorted(counts.items(), key=lambda kv: _SEVERITY_ORDER.get(kv[0], 9))


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_SEVERITY_ICON = {"error": "✖", "warning": "▲", "info": "ℹ"}


# (the parsed document, its HTML, its table of contents, its content hash)
Built = tuple[Document, str, list[tuple[int, str, str]], str]


class DocumentPages:
    """Document pages, cached per file content: a page is built once per version.

    ``render`` turns the Markdown into HTML (the portal passes one with a time limit);
    a page whose render ran out of time is not cached, so a later view tries again.
    :meth:`built`, :meth:`parsed` and :meth:`linted` may run in worker threads.

    A page's findings are what ``specbook lint FILE`` reports for the file: those the
    index holds for its current content (``serve`` and ``build`` store a whole-book
    lint), else (edited since) a lint of that file as ``lint FILE`` runs it.

    The document itself comes from the snapshot when it holds a parse of the file's
    current content (:class:`specbook.lint.run.StoredDocuments`); only a file edited
    since the last lint or sync is parsed here.
    """

    def __init__(
        self,
        book: Book,
        size: int = 256,
        render: Callable[[str], Rendered] | None = None,
    ) -> None:
        self.book = book
        self.size = size
        # (to_html with the book's image setting, unless the portal gives its own)
        self.render = render or partial(to_html, remote_images=book.config.portal_remote_images)
        self._cache: dict[tuple[str, str], Built] = {}
        self._parsed: dict[tuple[str, str], Built] = {}  # (no HTML: see parsed)
        self._lock = threading.Lock()
        from specbook.lint.run import StoredDocuments

        self.stored = StoredDocuments(book)

    def document(self, path: str, data: bytes, sidecars: Any, digest: str) -> Document:
        """The document at ``path`` of ``data`` (content hash ``digest``): from the
        snapshot when it holds it, else parsed."""
        doc = self.stored.get(path, digest, data, sidecars)
        return doc if doc is not None else parse(data, path, self.book.config, sidecars)

    def built(self, path: str, shown: tuple[str, str, Toc] | None = None) -> Built:
        """The parsed and rendered document at ``path`` (the slow part of a page: no
        index needed); ``shown``: its (content hash, HTML, table of contents) rendered
        already, used when the file still has that content."""
        # (OSError for a file a link leads out of the book to)
        data, sidecars = self.book.read_source(path)
        key = (path, source_hash(data, sidecars))
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        doc = self.document(path, data, sidecars, key[1])
        if shown is not None and shown[0] == key[1]:
            rendered = Rendered(shown[1], shown[2])
        else:
            rendered = self.render(data.decode("utf-8", "replace"))
        hit = (doc, rendered.html, rendered.toc, key[1])
        if not rendered.timed_out:
            with self._lock:
                if len(self._cache) >= self.size:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = hit
        return hit

    def parsed(self, path: str) -> Built:
        """The parsed document at ``path`` as :meth:`built` gives it, its HTML when a
        page of it is built, else none: for the JSON API and diffs, which show no HTML.
        (Rendering is most of a page's cost: the 50 MB document's JSON rendered it,
        10 s of CPU, for nothing.) Raises OSError as :meth:`built` does."""
        data, sidecars = self.book.read_source(path)
        key = (path, source_hash(data, sidecars))
        with self._lock:
            hit = self._cache.get(key) or self._parsed.get(key)
        if hit is not None:
            return hit
        hit = (self.document(path, data, sidecars, key[1]), "", [], key[1])
        with self._lock:
            if len(self._parsed) >= self.size:
                self._parsed.pop(next(iter(self._parsed)))
            self._parsed[key] = hit
        return hit

    @staticmethod
    def stored_findings(store: Store, path: str, built: Built) -> list[Finding] | None:
        """The findings the index holds for the content ``built`` was made of, or
        ``None`` when it holds none for it (not linted yet, or edited since) or the
        index changed since they were computed (a book rule's finding on this document
        may depend on another one: see :func:`specbook.store.findings.store_findings`)."""
        if store.get_meta("findings-generation") != (store.get_meta("generation") or "0"):
            return None
        return store.document_findings(path, built[3])

    def linted(self, path: str) -> list[Finding]:
        """The findings of the document at ``path`` as ``specbook lint FILE`` reports
        them: every rule under the book's config, book rules seeing the whole book
        (from the lint cache where it is current), findings of this file only."""
        from specbook.lint.engine import Linter
        from specbook.lint.run import lint_files

        linter = Linter(self.book.config)  # (today's date, as a lint run now has it)
        result, _ = lint_files(self.book, linter, self.book.path_strings(), [], [], focus=[path])
        return result.findings

    def get(
        self,
        store: Store | None,
        path: str,
        built: Built | None = None,
        findings: list[Finding] | None = None,
        backlinks: list[Any] | None = None,
    ) -> DocumentPage:
        """The page of ``path``; ``built`` is :meth:`built` of it, ``findings`` its
        findings and ``backlinks`` the references to it, when the caller has them (else
        they are looked up in ``store``, the findings linted when it has none: a caller
        with no store, such as a build's worker process, passes ``backlinks``)."""
        built = built or self.built(path)
        doc, html_text, toc, _digest = built
        if findings is None and store is not None:
            findings = self.stored_findings(store, path, built)
        if findings is None:
            findings = self.linted(path)
        from specbook.core.workflow import workflow_for

        kind = self.book.config.kinds.get(doc.kind or "")
        moves: tuple[str, ...] = ()
        if kind is not None:
            moves = workflow_for(kind).allowed(doc.status_canonical)
        unchecked = [(i + 1, c.text) for i, c in enumerate(doc.checklists) if not c.checked]
        from specbook.web.render import LINE_MARKS

        return DocumentPage(
            doc=doc,
            html=html_text,
            toc=toc,
            # (lint's order: sort_findings)
            findings=sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule, f.message)),
            backlinks=(
                backlinks
                if backlinks is not None
                else store.incoming(doc.id)
                if doc.id and store is not None
                else []
            ),
            transitions=moves,
            unchecked=unchecked,
            lines=[int(n) for n in LINE_MARKS.findall(html_text)],
        )


def document_path(store: Store, ref: str) -> str | None:
    """The book-relative path of the document with ID (or path) ``ref``, or ``None``.

    Raises :class:`AmbiguousIdError` when more than one document has the ID: a page
    lists them, an action or an API call is refused (never made on the first one).
    """
    found = store.documents_with_id(ref.upper())
    if len(found) > 1:
        raise ambiguous_id(ref, found)
    if found:
        return str(found[0]["path"])
    if ref.endswith((".md", ".markdown")) and any(d.path == ref for d in store.documents()):
        return ref
    return None


def shared_ids(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The upper-case IDs more than one of ``rows`` (one book's listing) carries, each
    with those rows in their order."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for d in rows:
        if d["id"]:
            by_id.setdefault(str(d["id"]).upper(), []).append(d)
    return {k: v for k, v in by_id.items() if len(v) > 1}


def _parsed_documents(book: Book) -> list[Document]:
    """The book's documents for the portal's timeline and risk pages: from the
    snapshot, the others parsed (not linted: the portal's own lint stores them, and a
    page must not wait for a lint of the whole book)."""
    from specbook.lint.run import snapshot_documents

    return snapshot_documents(book, lint=False)


def timeline(book: Book, today: dt.date, timelines: list[Any] | None = None) -> dict[str, Any]:
    """Every phase of every Timeline table as Gantt rows (left/width in percent of the
    whole span), overdue phases marked. ``timelines`` (the documents' timelines, when
    the caller has parsed them already) saves parsing the book again."""
    from specbook.services.report import document_timeline

    if timelines is None:
        timelines = [t for d in _parsed_documents(book) if (t := document_timeline(d, today))]
    dated = []
    for t in timelines:
        for p in t.phases:
            start, end = _date(p.start), _date(p.end)
            if start and end and end >= start:
                dated.append((t, p, start, end))
    if not dated:
        return {"rows": [], "today": today}
    lo = min(s for _, _, s, _ in dated)
    hi = max(e for _, _, _, e in dated)
    span = max(1, (hi - lo).days + 1)
    rows = [
        (
            t,
            p,
            round((s - lo).days * 100 / span, 2),
            max(0.5, round(((e - s).days + 1) * 100 / span, 2)),
        )
        for t, p, s, e in dated
    ]
    return {"rows": rows, "start": lo, "end": hi, "today": today}


def risks(book: Book, register: list[Any] | None = None) -> dict[str, Any]:
    """The risk register and its probability × impact matrix; ``register`` (the
    documents' risks, when the caller has parsed them already) saves parsing again."""
    from specbook.services.report import document_risks

    if register is None:
        register = [r for d in _parsed_documents(book) for r in document_risks(d)]
    register = list(register)
    register.sort(key=lambda r: (-(r.score or 0), r.id or "", r.line))
    levels = ["Low", "Med", "High"]
    matrix: dict[tuple[str, str], list[Any]] = {}
    for r in register:
        if r.probability in levels and r.impact in levels:
            matrix.setdefault((r.probability, r.impact), []).append(r)
    return {
        "risks": register,
        "matrix": matrix,
        "levels": levels,
        "scores": {"Low": 1, "Med": 2, "High": 3},
    }


def index_requirements(store: Store) -> dict[str, set[str]]:
    """Document ID -> the IDs of its requirements, from the index (every document
    with an ID, requirements or not: a document is a target of test tags too)."""
    requirements: dict[str, set[str]] = {}
    for row in store.requirements():
        if row["doc_id"]:
            requirements.setdefault(row["doc_id"], set()).add(row["id"])
    for d in store.listing():
        if d["id"]:
            requirements.setdefault(d["id"], set())
    return requirements


def coverage_map(
    book: Book, requirements: dict[str, set[str]] | None = None
) -> dict[str, dict[str, list[str]]]:
    """Document ID -> requirement ID -> the tests that cover it, as ``file:line name``
    (from the same scan as ``specbook trace``). ``requirements``: what
    :func:`index_requirements` gives, else every document is parsed for them (the
    portal's first document page after each change of a 10,000-document book did
    that: seconds)."""
    from specbook.trace.coverage import match_tags, scan_code, trace_book

    if requirements is None:
        try:
            result = trace_book(book)
        except (SpecbookError, OSError):
            return {}
        out: dict[str, dict[str, list[str]]] = {}
        for d in result.documents:
            reqs = out.setdefault(d.id, {})
            for r in d.requirements:
                reqs[r.requirement] = [
                    f"{t.path}:{t.line} {t.owner or ''}".strip() for t in r.tests
                ]
        return out
    try:
        by_target, _bad = match_tags(scan_code(book.config), requirements)
    except (SpecbookError, OSError):
        return {}
    out = {}
    for (doc_id, req), tags in by_target.items():
        tests = [f"{t.path}:{t.line} {t.owner or ''}".strip() for t in tags if t.role == "test"]
        if req is not None:
            out.setdefault(doc_id, {})[req] = tests
    return out


def hit_anchors(
    store: Store, hits: list[Any], cache: dict[str, list[tuple[int, str]]] | None = None
) -> dict[tuple[str, int], str]:
    """(path, line) of each search hit -> the anchor of the section holding that line
    on the document page (the same anchors :func:`markdown_html` gives headings).
    ``cache`` keeps each path's (line, anchor) list; the caller empties it when the
    index changes (anchors were most of a portal search's time)."""
    from specbook.web.render import heading_anchor

    out: dict[tuple[str, int], str] = {}
    for h in hits:
        anchors = None if cache is None else cache.get(h.path)
        if anchors is None:
            used: dict[str, int] = {}
            anchors = [
                (line, heading_anchor(title, used))
                for _level, title, line, _end in store.sections(h.path)
            ]
            if cache is not None:
                if len(cache) >= 5000:
                    cache.pop(next(iter(cache)))
                cache[h.path] = anchors
        best = ""
        for line, name in anchors:
            if line <= h.line:
                best = name
        out[(h.path, h.line)] = best
    return out


class ResultRow(NamedTuple):
    """One search hit as ``_results.html`` shows it: its link (with the section's
    anchor), status badge and marked snippet, made here rather than in the template."""

    hit: Any
    href: str
    badge: Markup
    snippet: Markup


def result_rows(
    env: jinja2.Environment, links: Any, hits: list[Any], anchors: dict[tuple[str, int], str]
) -> list[ResultRow]:
    """The rows of ``_results.html`` for ``hits`` (``anchors``: :func:`hit_anchors`).

    The badge comes from the ``_badge.html`` macro, called once per status rather than
    once per hit (Jinja's macro calls were half of rendering 50 results)."""
    from specbook.web.templating import snippet_html

    badge = env.get_template("_badge.html").module.badge  # type: ignore[attr-defined]
    badges: dict[Any, Markup] = {}
    rows = []
    for h in hits:
        mark = badges.get(h.status)
        if mark is None:
            mark = badges[h.status] = Markup(badge(h.status))
        anchor = anchors.get((h.path, h.line), "")
        href = links.doc_of(h) + ("#" + anchor if anchor else "")
        rows.append(ResultRow(h, href, mark, snippet_html(h.snippet)))
    return rows


@dataclass(frozen=True)
class StaleApproval:
    """What rule SB505 finds on a document page: the approval and what changed since."""

    reviewer: str
    date: str
    commit: str
    sections: tuple[str, ...]


def stale_approval(book: Book, linter: Linter, doc: Document) -> StaleApproval | None:
    """The SB505 finding of ``doc`` as a banner, or ``None`` (not approved, not in git,
    the approval not committed yet, or nothing changed since)."""
    from specbook.book.approvals import DEFAULT_SECTIONS, approved_or_later, stale_since_approval

    kind = book.config.kinds.get(doc.kind or "")
    if kind is None or doc.status_canonical not in approved_or_later(kind) or not doc.path:
        return None
    rule = next((a for a in linter.active if a.rule.id == "SB505"), None)
    if rule is None:
        return None
    names = [str(n) for n in rule.options.get("sections", DEFAULT_SECTIONS)]
    found = stale_since_approval(book.root, book.config, doc, kind, names)
    if found is None or not found[2]:
        return None
    row, approval, changed = found
    titles = tuple(s.title if s is not None else name for name, s, _what in changed)
    return StaleApproval(row.reviewer, row.date, approval.commit, titles)


def diff_since(book: Book, doc_id: str, base: str) -> str:
    """The Markdown of ``specbook diff BASE ID`` (working tree), rendered as HTML."""
    from specbook.book.diff import diff_book, render_markdown
    from specbook.web.render import markdown_html

    text = render_markdown(diff_book(book, base=base, ids=[doc_id]))
    html, _toc = markdown_html(text, book.config.portal_remote_images)
    return html
