"""A document's Markdown as HTML that is safe to show in a reader's browser.

pyromark renders; nh3 then removes every script, event handler, style and
``javascript:`` URL, so a document can never run code in the portal. Headings get
``id`` anchors (for the table of contents) after sanitizing, from escaped slugs.

nh3's time grows with the square of the nesting depth (a 60 KB ``- - - … x`` line
took 23 s), so Markdown nested deeper than :data:`MAX_NESTING` levels is shown as
escaped plain text with a notice instead. That is decided by linear scans, of the
source before pyromark and of pyromark's HTML before nh3 (raw HTML can nest too),
so nh3 never sees deep input. The portal also renders in worker threads with a time
limit (:class:`RenderLimit`), and shows plain text when that is exceeded.

Images from other sites become links to them unless the book opts in
(``[portal] remote_images``): loading one would tell that site who reads what.
"""

from __future__ import annotations

import html
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import nh3
import pyromark

from specbook.core.text import slugify

# Lists and block quotes nested deeper than this are shown as text (real specs nest a
# handful of levels).
MAX_NESTING = 32
# The portal's default time limit for rendering one document.
RENDER_SECONDS = 3

_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_FOOTNOTES
)
_TAGS = set(nh3.ALLOWED_TAGS) | {"input"}
_ATTRIBUTES = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["input"] = {"type", "checked", "disabled"}
_ATTRIBUTES["code"] = {"class"}
_CLEANER_ARGS = {
    "tags": _TAGS,
    "attributes": _ATTRIBUTES,
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": "noopener noreferrer nofollow",
}
# (a Cleaner, where nh3 has one, turns the allow-lists into its own form once, not
# on every call)
_CLEAN: Callable[[str], str] = (
    nh3.Cleaner(**_CLEANER_ARGS).clean  # type: ignore[arg-type]
    if hasattr(nh3, "Cleaner")
    else partial(nh3.clean, **_CLEANER_ARGS)  # type: ignore[arg-type]
)
# a task list's box, as nh3 writes it (attributes sorted): named for screen readers
_CHECKBOX = re.compile(r'<input disabled="" type="checkbox"( checked="")?>')
_SCROLLER = re.compile(r"<(pre|table)>")
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
# (nh3's output: every attribute double-quoted and escaped, so these can read it)
_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'\s([a-z-]+)="([^"]*)"')
# an absolute URL (any scheme) or one a browser reads as another host's: //, /\, \\
_REMOTE = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:|[/\\][/\\])")
_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
# The container markers a line starts with: block quotes (>) and list items (-, +, *,
# 1. or 1) followed by a space, a tab or the end of the line), each after any indent.
_CONTAINERS = re.compile(r"^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t\r]|$)))+", re.M)
_MARKER = re.compile(r">|[-+*]|\d{1,9}[.)]")
_THEMATIC_BREAK = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>")
# elements that never hold others (no closing tag)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)

Toc = list[tuple[int, str, str]]
# The anchor of a top-level block: ``<span class="line-mark" id="L12"></span>`` before it,
# 12 being the file line the block starts on (findings link to it; CSS marks the block).
LINE_MARK = '<span class="line-mark" id="L{}"></span>'
LINE_MARKS = re.compile(r'<span class="line-mark" id="L(\d+)"></span>')
# The comments :func:`_with_line_marks` puts before blocks, and the words they become
# (the nonce is checked in the replacement: one pattern, not one compiled per document)
_MARK_COMMENT = re.compile(r"<!--(sbline([0-9a-f]+)x\d+)-->\n?")
_MARK_WORD = re.compile(r"sbline([0-9a-f]+)x(\d+)")


@dataclass(frozen=True)
class Rendered:
    """A document's HTML and table of contents; ``timed_out`` when it is the plain
    text shown because rendering took too long (worth trying again later)."""

    html: str
    toc: Toc = field(default_factory=list)
    timed_out: bool = False


def heading_anchor(title: str, used: dict[str, int]) -> str:
    """A unique, URL-safe anchor for a heading titled ``title``."""
    base = slugify(title, max_len=80)
    n = used.get(base, 0)
    used[base] = n + 1
    return base if n == 0 else f"{base}-{n}"


def _image_as_link(m: re.Match[str]) -> str:
    attrs = dict(_ATTR.findall(m.group(0)))
    src = attrs.get("src", "")
    if not _REMOTE.match(html.unescape(src)):
        return m.group(0)
    label = attrs.get("alt") or attrs.get("title") or src  # (already escaped)
    return f'<a href="{src}" rel="noopener noreferrer nofollow">{label}</a>'


def source_too_deep(text: str, limit: int = MAX_NESTING) -> bool:
    """Whether ``text`` may nest lists and block quotes more than ``limit`` deep, by a
    linear scan of each line's leading markers and indent. It errs on the deep side:
    every marker is a level, and so are every two columns of indent (a tab is four)."""
    for m in _CONTAINERS.finditer(text):
        prefix = m.group()
        if 2 * len(prefix) <= limit:
            continue  # too short to hold limit levels, even all tabs
        markers = _MARKER.findall(prefix)
        indent = len(prefix.replace("\t", "    ")) - sum(map(len, markers))
        if len(markers) + max(0, indent - len(markers)) // 2 <= limit:
            continue
        end = text.find("\n", m.end())
        rest = text[m.end() : end if end >= 0 else len(text)]
        if rest.strip() or not _THEMATIC_BREAK.fullmatch(prefix):
            return True  # ("- - - -" alone is a horizontal rule, not four lists)
    return False


def html_too_deep(raw: str, limit: int) -> bool:
    """Whether the elements of ``raw`` (pyromark's HTML, the document's raw HTML
    included) nest more than ``limit`` deep, by one pass over its tags. A closing tag
    that does not close the innermost element is ignored, so misnested raw HTML counts
    deeper, never shallower, than it is."""
    stack: list[str] = []
    for closing, name, selfclosing in _HTML_TAG.findall(raw):  # (findall: half the time)
        name = name.lower()
        if closing:
            if stack and stack[-1] == name:
                stack.pop()
        elif not selfclosing and name not in _VOID:
            stack.append(name)
            if len(stack) > limit:
                return True
    return False


def plain_html(text: str, notice: str) -> str:
    """``text`` escaped in a ``<pre>``, after a notice saying why it is not rendered."""
    return (
        f'<p class="render-notice"><strong>Shown as plain text:</strong> '
        f"{html.escape(notice)}</p>\n"
        f'<pre class="render-plain" tabindex="0">{html.escape(text)}</pre>\n'
    )


def _too_deep(max_nesting: int) -> str:
    return (
        f"lists or block quotes here nest more than {max_nesting} levels deep, which is "
        "more than specbook renders."
    )


def _named_checkbox(m: re.Match[str]) -> str:
    done = m.group(1) is not None
    state = ' checked="" aria-label="done"' if done else ' aria-label="not done"'
    return f'<input disabled="" type="checkbox"{state}>'


def block_lines(body: str) -> list[int]:
    """The 0-based line numbers (in ``body``) on which its top-level blocks start."""
    return _scan(body).lines


@dataclass
class _Scan:
    """What one pass over a body's Markdown events finds: the lines its top-level
    blocks start on (:func:`block_lines`), how deep its elements nest (Start events
    inside one another), and whether it holds raw HTML."""

    lines: list[int]
    depth: int
    raw_html: bool


# (the events that carry a document's raw HTML: pyromark passes it through as written)
_RAW_EVENTS = frozenset({"Html", "InlineHtml"})


def _scan(body: str) -> _Scan:
    data = body.encode("utf-8", "surrogatepass")
    out: list[int] = []
    depth = deepest = 0
    raw = False
    line, seen = 0, 0
    for event, span in pyromark.events_with_range(body, options=_OPTIONS):
        starts = False
        if isinstance(event, dict):
            if "End" in event:
                depth -= 1
                continue
            starts = "Start" in event
            if not starts and not raw and not _RAW_EVENTS.isdisjoint(event):
                raw = True
        if depth == 0:  # (a block at the top: Start of one, or a rule / an HTML line)
            at = span["start"]
            line += data.count(b"\n", seen, at)
            seen = at
            if not out or out[-1] != line:
                out.append(line)
        if starts:
            depth += 1
            if depth > deepest:
                deepest = depth
    return _Scan(out, deepest, raw)


def _surely_shallow(scan: _Scan, limit: int) -> bool:
    """Whether the HTML pyromark makes of a body (``scan``: :func:`_scan`'s) surely
    nests no more than ``limit`` elements deep, without a look at the HTML: with no
    raw HTML, every element is pyromark's, and each Start event opens at most two
    (``<pre><code>``; ``<table>`` and its ``<tbody>``; ``<thead><tr>``), with at most
    two more below the deepest (a footnote reference's ``<sup><a>``). Raw HTML can
    nest anyhow: then :func:`html_too_deep` must look."""
    return not scan.raw_html and 2 * scan.depth + 2 <= limit


def _with_line_marks(body: str, first_line: int) -> tuple[str, str, dict[str, int]]:
    """``body`` with an HTML comment line before each top-level block (a comment ends
    a paragraph or a list as the block there did, so the blocks stay as they were),
    the nonce the comments carry, and comment -> file line (``first_line``: the file
    line of ``body``'s first line)."""
    marked, nonce, marks, _ = _marked(body, first_line)
    return marked, nonce, marks


def _marked(body: str, first_line: int) -> tuple[str, str, dict[str, int], _Scan]:
    """:func:`_with_line_marks` and the :func:`_scan` of ``body`` it was made from."""
    nonce = secrets.token_hex(8)  # (a document cannot write a mark of its own)
    lines = body.split("\n")
    marks: dict[str, int] = {}
    out: list[str] = []
    done = 0
    scan = _scan(body)
    for n in scan.lines:
        mark = f"sbline{nonce}x{n + first_line}"
        marks[mark] = n + first_line
        out += lines[done:n]
        out.append(f"<!--{mark}-->")
        done = n
    out += lines[done:]
    return "\n".join(out), nonce, marks, scan


def to_html(text: str, max_nesting: int = MAX_NESTING, remote_images: bool = False) -> Rendered:
    """``text`` (Markdown) as sanitized HTML with heading anchors and its table of
    contents as (level, title, anchor); YAML front matter is left out (the page shows
    the fields separately). Each top-level block has a :data:`LINE_MARK` before it.
    Nested deeper than ``max_nesting``: the text, escaped, with a notice. Images from
    other sites are links to them unless ``remote_images``."""
    body = _FRONT_MATTER.sub("", text, count=1)
    if source_too_deep(body, max_nesting):
        return Rendered(plain_html(body, _too_deep(max_nesting)))
    first_line = text.count("\n", 0, len(text) - len(body)) + 1
    marked, nonce, _marks, scan = _marked(body, first_line)
    # the comments become words nh3 keeps, then the anchors (nh3 drops comments and ids)
    raw = _MARK_COMMENT.sub(
        lambda m: m.group(1) if m.group(2) == nonce else m.group(0),
        pyromark.html(marked, options=_OPTIONS),
    )
    # A Markdown level is two or three elements (<ul><li><p>); inline markup and raw
    # HTML add a few more. Anything this deep came from raw HTML (or from inline
    # markup nested without bound, such as ``**a **b …** a**``).
    if not _surely_shallow(scan, 4 * max_nesting) and html_too_deep(raw, 4 * max_nesting):
        return Rendered(plain_html(body, _too_deep(max_nesting)))
    clean = _CLEAN(raw)
    clean = _MARK_WORD.sub(
        lambda m: LINE_MARK.format(m.group(2)) if m.group(1) == nonce else m.group(0), clean
    )
    clean = _CHECKBOX.sub(_named_checkbox, clean)
    # tables and code scroll sideways in their own box: keyboard users reach them too
    clean = _SCROLLER.sub(r'<\1 tabindex="0">', clean)
    if not remote_images:
        clean = _IMG.sub(_image_as_link, clean)
    used: dict[str, int] = {}
    toc: Toc = []

    def anchor(m: re.Match[str]) -> str:
        level = int(m.group(1))
        title = html.unescape(_TAG.sub("", m.group(2))).strip()
        name = heading_anchor(title, used)
        toc.append((level, title, name))
        return f'<h{level} id="{name}">{m.group(2)}</h{level}>'

    return Rendered(_HEADING.sub(anchor, clean), toc)


def markdown_html(text: str, remote_images: bool = False) -> tuple[str, Toc]:
    """:func:`to_html` as (HTML, table of contents)."""
    out = to_html(text, remote_images=remote_images)
    return out.html, out.toc


class RenderLimit:
    """:func:`to_html` with a time limit, for the portal: each render runs in
    a worker thread (at most ``workers`` at once), and a caller that waited
    ``seconds`` (for a free worker and the render) gets the escaped text with a notice.

    Python cannot stop a thread, so a render past its limit runs on to its end in the
    background; the bound on workers keeps such renders from piling up. The nesting
    bound makes a slow render rare; this is the guard for the rest."""

    def __init__(
        self,
        seconds: float = RENDER_SECONDS,
        workers: int = 2,
        render: Callable[[str], Rendered] = to_html,
    ) -> None:
        self.seconds = seconds
        self._render = render
        self._workers = threading.BoundedSemaphore(workers)

    def __call__(self, text: str) -> Rendered:
        deadline = time.monotonic() + self.seconds
        if not self._workers.acquire(timeout=self.seconds):
            return self._late(text)
        result: list[Rendered] = []
        failure: list[BaseException] = []
        done = threading.Event()

        def work() -> None:
            try:
                result.append(self._render(text))
            except BaseException as exc:  # handed to the caller, if it still waits
                failure.append(exc)
            finally:
                self._workers.release()
                done.set()

        # a daemon thread: a render still running does not hold up the server's exit
        threading.Thread(target=work, name="specbook-render", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            return self._late(text)
        if failure:
            raise failure[0]
        return result[0]

    def _late(self, text: str) -> Rendered:
        body = _FRONT_MATTER.sub("", text, count=1)
        notice = f"rendering it took longer than {self.seconds:g} seconds."
        return Rendered(plain_html(body, notice), timed_out=True)
