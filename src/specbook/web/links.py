"""Where pages live: URLs of the portal, or relative file names of the static site.

Every document has a page of its own, found by its ID while no other document
carries that ID, else by its path (:func:`page_ref`); the page of an ID two documents
share lists them both.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from urllib.parse import quote, urlencode


def page_ref(doc_id: object, path: object, shared: Set[str]) -> str:
    """What a document's page is found by: its ID, unless ``shared`` (the upper-case
    IDs more than one document carries) holds it or it has none; then its path."""
    if doc_id and str(doc_id).upper() not in shared:
        return str(doc_id)
    return str(path or doc_id or "")


class ServerLinks:
    """URLs of the running portal; ``prefix`` is where it is mounted (``/b/payments``
    when one server holds many books, else empty); ``shared``: the upper-case IDs
    more than one document carries (their documents' pages go by path)."""

    mode = "server"

    def __init__(self, prefix: str = "", shared: Set[str] = frozenset()) -> None:
        self.prefix = prefix.rstrip("/")
        self.shared = shared

    def bound(self, shared: Set[str]) -> ServerLinks:
        """These links, knowing the IDs documents share now."""
        return ServerLinks(self.prefix, shared)

    def ref(self, doc_id: object, path: object) -> str:
        """What the page of the document with ``doc_id`` at ``path`` is found by."""
        return page_ref(doc_id, path, self.shared)

    def home(self) -> str:
        return self.prefix + "/"

    def page(self, path: str) -> str:
        """Any other page of this portal: ``page("/login")``."""
        return self.prefix + path

    def documents(self, **params: object) -> str:
        query = {k: str(v) for k, v in params.items() if v not in (None, "")}
        return self.prefix + "/documents" + ("?" + urlencode(query) if query else "")

    def search(self) -> str:
        return self.prefix + "/search"

    def doc(self, ref: str) -> str:
        return f"{self.prefix}/doc/{quote(ref)}"

    def doc_of(self, row: object) -> str:
        """The page of a listed document (a dict row, a search hit or an edge)."""
        return self.doc(self.ref(_get(row, "id"), _get(row, "path")))

    def action(self, ref: str, what: str) -> str:
        return f"{self.prefix}/doc/{quote(ref)}/{what}"

    def graph(self) -> str:
        return self.prefix + "/graph"

    def graph_data(self) -> str:
        """The script with the book's reference graph (:mod:`specbook.web.graphview`)."""
        return self.prefix + "/graph/data.js"

    def graph_base(self) -> str:
        """What the graph data's page links are relative to (they are absolute here)."""
        return ""

    def timeline(self) -> str:
        return self.prefix + "/timeline"

    def risks(self) -> str:
        return self.prefix + "/risks"

    def asset(self, name: str) -> str:
        return "/static/" + name


def _get(row: object, key: str) -> object:
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


class StaticLinks:
    """Relative links between the files of the static site; ``depth`` is how many
    folders below the site root the page being written is."""

    mode = "static"

    def __init__(
        self, depth: int = 0, shared: Set[str] = frozenset(), names: Mapping[str, str] | None = None
    ) -> None:
        self.up = "../" * depth
        self.shared = shared
        # ref -> file name in doc/, where it is not page_name(ref) (two refs giving one)
        self.names: Mapping[str, str] = names or {}
        self._docs: dict[str, str] = {}  # (ref -> doc(ref): a build asks for each often)

    def ref(self, doc_id: object, path: object) -> str:
        return page_ref(doc_id, path, self.shared)

    def file_name(self, ref: str) -> str:
        """The name of ``ref``'s page in ``doc/`` (an ID in any case)."""
        return self.names.get(ref) or self.names.get(ref.upper()) or page_name(ref)

    def home(self) -> str:
        return self.up + "index.html"

    def documents(self, **params: object) -> str:
        # The query is read by the page's vendored list.js (facets and sort without a
        # server); a file opened with a query string still loads from file://.
        query = {k: str(v) for k, v in params.items() if v not in (None, "")}
        return self.up + "documents.html" + ("?" + urlencode(query) if query else "")

    def search(self) -> str:
        return self.up + "search.html"

    def doc(self, ref: str) -> str:
        link = self._docs.get(ref)
        if link is None:
            link = self._docs[ref] = self.up + "doc/" + quote(self.file_name(ref))
        return link

    def doc_of(self, row: object) -> str:
        return self.doc(self.ref(_get(row, "id"), _get(row, "path")))

    def page(self, path: str) -> str:
        return self.up + path.lstrip("/")

    def action(self, ref: str, what: str) -> str:
        return ""

    def graph(self) -> str:
        return self.up + "graph.html"

    def graph_data(self) -> str:
        return self.up + "static/graph-data.js"

    def graph_base(self) -> str:
        # (the data's page links are relative to the site's top folder)
        return self.up

    def timeline(self) -> str:
        return self.up + "timeline.html"

    def risks(self) -> str:
        return self.up + "risks.html"

    def asset(self, name: str) -> str:
        return self.up + "static/" + name


def page_name(ref: str) -> str:
    """The static file name of a document page: ``SPEC-001.html``, or a path-based
    name for a document without an ID."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in ref)
    return safe + ".html"
