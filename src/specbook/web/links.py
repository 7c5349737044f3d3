"""Where pages live: URLs of the portal, or relative file names of the static site."""

from __future__ import annotations

from urllib.parse import quote, urlencode


class ServerLinks:
    """URLs of the running portal; ``prefix`` is where it is mounted (``/b/payments``
    when one server holds many books, else empty)."""

    mode = "server"

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix.rstrip("/")

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
        ref = _get(row, "id") or _get(row, "path")
        return self.doc(str(ref))

    def action(self, ref: str, what: str) -> str:
        return f"{self.prefix}/doc/{quote(ref)}/{what}"

    def graph(self) -> str:
        return self.prefix + "/graph"

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

    def __init__(self, depth: int = 0) -> None:
        self.up = "../" * depth

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
        return self.up + "doc/" + quote(page_name(ref))

    def doc_of(self, row: object) -> str:
        return self.doc(str(_get(row, "id") or _get(row, "path")))

    def page(self, path: str) -> str:
        return self.up + path.lstrip("/")

    def action(self, ref: str, what: str) -> str:
        return ""

    def graph(self) -> str:
        return self.up + "graph.html"

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
