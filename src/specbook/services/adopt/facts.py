"""What adopt needs of one Markdown file, taken from one parse, and a cache of it.

Inference looks at every document, but only at a little of each: its ID, its fields as
written, its headings, the names it calls numbered documents by (``RFC 48``), the
requirement IDs it lists and whether they carry acceptance criteria. :class:`Facts`
holds that, small enough to keep for every file in ``.specbook/adopt-facts.marshal``,
keyed by each file's size and modification time, so that after an edit only the
edited files are parsed again (zero-config infers its config on every change of the
listing).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbook.core.config import BookConfig
from specbook.core.model import Document
from specbook.parse import parse

FACTS_FILE = "adopt-facts.marshal"
FACTS_VERSION = 1

# "RFC 48", "KEP-1441", "ADR 001", "PEP 8": a name and a number (not a version, a path)
NAMED_NUMBER = re.compile(r"(?<![\w/#.-])([A-Z]{2,6})(?:[ -]|\s#|-#)?0*(\d{1,7})(?![\w.-]\w)")
REQ_ITEM = re.compile(
    rb"^[ \t]*(?:[-*+][ \t]+(?:\[[ xX]\][ \t]+)?|\d+[.)][ \t]+)?(?:\*\*|__)?"
    rb"(FR|NFR|REQ|BR|UR|SR|QR)-(\d+(?:[-.]\d+)*)(?:\*\*|__)?[ \t]*(?::|\.|\)|\xe2\x80\x94|-)",
    re.MULTILINE,
)
# a label giving a requirement its criteria or target, on a line after it
_CRITERIA = re.compile(
    rb"^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?(?:acceptance criteria|acceptance|"
    rb"criteria|target|targets|metric)\b",
    re.MULTILINE | re.IGNORECASE,
)
_HEADING_LINE = re.compile(rb"^[ \t]{0,3}#", re.MULTILINE)
_ACCEPTANCE = ("acceptance", "aceptacion", "acceptation", "criteria", "criterios", "criteres")
_ANY_REQ_ID = re.compile(rb"\b([A-Z]{2,4})-(\d+(?:[-.]\d+)*)\b")


@dataclass
class Facts:
    """What adopt reads of one file (see the module docstring)."""

    id: str | None
    fields: list[tuple[str, str]]  # (name as written, value), best first
    heads: list[tuple[int, str]]  # (level, title) of the H1 and H2 headings
    history: bool  # keeps specbook's Review History section (where approvals go)
    named: list[tuple[str, int]]  # names + numbers the text uses ("RFC", 48)
    requirements: list[str]  # requirement IDs it lists ("FR-020-001")
    acceptance: list[str]  # requirement IDs named under an acceptance-criteria heading
    criteria: list[str]  # requirement IDs with a criteria/target label right after them

    def to_json(self) -> list[Any]:
        return [
            self.id,
            self.fields,
            self.heads,
            self.history,
            self.named,
            self.requirements,
            self.acceptance,
            self.criteria,
        ]

    @classmethod
    def from_json(cls, data: list[Any]) -> Facts:
        return cls(
            data[0],
            [(a, b) for a, b in data[1]],
            [(a, b) for a, b in data[2]],
            bool(data[3]),
            [(a, b) for a, b in data[4]],
            list(data[5]),
            list(data[6]),
            list(data[7]),
        )


def _heads(doc: Document) -> list[tuple[int, str, int, int]]:
    """Headings as (level, title, start, end of section) from the parse's block list
    (building the section tree costs more than adopt needs)."""
    raw = getattr(doc.parts, "raw_heads", None)
    if raw is not None:
        return [(h[0], h[3], h[1], h[4]) for h in raw]
    return [(s.level, s.title, s.span.start, s.span.end) for s in doc.all_sections()]


def facts_of(doc: Document, numbered: bool) -> Facts:
    """The facts of a parsed document; ``numbered``: look for the names it calls
    numbered documents by (only number-named documents need them)."""
    from specbook.core.text import norm_key

    heads = _heads(doc)
    src = doc.source
    named: list[tuple[str, int]] = []
    if numbered:
        text = src[: 1 << 16].decode("utf-8", "replace")
        named = sorted({(m.group(1), int(m.group(2))) for m in NAMED_NUMBER.finditer(text)})
    items = list(REQ_ITEM.finditer(src))
    reqs = [f"{m.group(1).decode()}-{m.group(2).decode()}" for m in items]
    criteria: list[str] = []
    if items:
        stops = sorted(
            {m.start() for m in _HEADING_LINE.finditer(src)} | {m.start() for m in items}
        )
        import bisect

        for m, rid in zip(items, reqs, strict=True):
            i = bisect.bisect_right(stops, m.start())
            end = min(stops[i] if i < len(stops) else len(src), m.end() + 4096)
            if _CRITERIA.search(src, m.end(), end):
                criteria.append(rid)
    acceptance: set[str] = set()
    if reqs:
        for _, title, start, end in heads:
            if any(w in norm_key(title) for w in _ACCEPTANCE):
                for m in _ANY_REQ_ID.finditer(src, start, end):
                    acceptance.add(f"{m.group(1).decode()}-{m.group(2).decode()}")
    intern = sys.intern  # (names repeat across files: marshal then writes each once)
    return Facts(
        doc.id,
        [(intern(f.name), f.value) for f in doc.fields],
        [(h[0], intern(h[1])) for h in heads if h[0] <= 2],
        any(norm_key(h[1]) == "review history" for h in heads),
        named,
        reqs,
        sorted(acceptance),
        criteria,
    )


class FactsCache:
    """Facts by file, kept while a file's content (its hash) stays the same."""

    def __init__(self, root: Path, use: bool) -> None:
        self.root = root
        self.use = use
        self.old: dict[str, Any] = {}
        self.new: dict[str, Any] = {}
        self.parsed = 0
        if use:
            from specbook.core.state import STATE_DIR

            try:
                with open(os.path.join(root, STATE_DIR, FACTS_FILE), "rb") as fh:
                    data = marshal.load(fh)
            except (OSError, ValueError, EOFError, TypeError):
                data = None
            if isinstance(data, dict) and data.get("version") == _version():
                files = data.get("files")
                self.old = files if isinstance(files, dict) else {}

    def get(self, rel: str, config: BookConfig, numbered: bool) -> Facts | None:
        """The facts of ``rel`` (parsed now unless its content hash is cached), or
        ``None`` when it cannot be read."""
        try:
            with open(os.path.join(self.root, rel), "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        hit = self.old.get(rel)
        if hit is not None and hit[0] == digest and (hit[2] or not numbered):
            try:
                facts = Facts.from_json(hit[1])
            except (TypeError, ValueError, IndexError):
                facts = None
            if facts is not None:
                self.new[rel] = hit
                return facts
        self.parsed += 1
        facts = facts_of(parse(data, rel, config), numbered)
        self.new[rel] = [digest, facts.to_json(), numbered]
        return facts

    def save(self) -> None:
        """Best effort: a read-only folder just parses again next time."""
        if not self.use or (self.new == self.old and self.parsed == 0):
            return
        from specbook.core.state import STATE_DIR, make_state_dir

        folder = self.root / STATE_DIR
        try:
            make_state_dir(folder)
            tmp = folder / f"{FACTS_FILE}.{os.getpid()}.tmp"
            data = {"version": _version(), "files": self.new}
            tmp.write_bytes(marshal.dumps(data))
            os.replace(tmp, folder / FACTS_FILE)
        except OSError:
            pass


def _version() -> str:
    from specbook import __version__

    return f"{FACTS_VERSION}|{__version__}|{sys.implementation.cache_tag}"
