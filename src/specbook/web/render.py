"""A document's Markdown as HTML that is safe to show in a reader's browser.

pyromark renders; nh3 then removes every script, event handler, style and
``javascript:`` URL, so a document can never run code in the portal. Headings get
``id`` anchors (for the table of contents) after sanitizing, from escaped slugs.
"""

from __future__ import annotations

import html
import re

import nh3
import pyromark

from specbook.text import slugify

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
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)


def heading_anchor(title: str, used: dict[str, int]) -> str:
    """A unique, URL-safe anchor for a heading titled ``title``."""
    base = slugify(title, max_len=80)
    n = used.get(base, 0)
    used[base] = n + 1
    return base if n == 0 else f"{base}-{n}"


def markdown_html(text: str) -> tuple[str, list[tuple[int, str, str]]]:
    """``text`` (Markdown) as sanitized HTML with heading anchors, and its table of
    contents as (level, title, anchor). YAML front matter is left out (the page shows
    the fields separately)."""
    body = _FRONT_MATTER.sub("", text, count=1)
    raw = pyromark.html(body, options=_OPTIONS)
    clean = nh3.clean(raw, **_CLEANER_ARGS)  # type: ignore[arg-type]
    used: dict[str, int] = {}
    toc: list[tuple[int, str, str]] = []

    def anchor(m: re.Match[str]) -> str:
        level = int(m.group(1))
        title = html.unescape(_TAG.sub("", m.group(2))).strip()
        name = heading_anchor(title, used)
        toc.append((level, title, name))
        return f'<h{level} id="{name}">{m.group(2)}</h{level}>'

    return _HEADING.sub(anchor, clean), toc
