"""What the parser needs to know about a book, computed once per configuration."""

from __future__ import annotations

import functools
import re
from functools import cached_property

from specbook.core.config import BookConfig, KindConfig, default_config
from specbook.core.text import fold, norm_heading
from specbook.parse.core import _FIELD_HEADINGS, FieldKeys, headings_of

_H1 = re.compile(rb"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
# H1 texts (normalized) that name a section rather than the document
SECTION_H1 = frozenset(
    {
        "summary",
        "abstract",
        "motivation",
        "overview",
        "introduction",
        "background",
        "context",
        "table of contents",
        "contents",
    }
)


class ParseContext:
    """Compiled patterns and template facts for one :class:`BookConfig`."""

    def __init__(self, config: BookConfig) -> None:
        self.config = config
        self._path_kinds: dict[str, KindConfig | None] = {}  # (kind_for_path's)
        self.field_keys = FieldKeys()  # (bold fields' keys: see core.FieldKeys)
        prefixes = sorted({k.prefix for k in config.kinds.values()}, key=len, reverse=True)
        # a requirement ID as the book writes them ([requirements] id): FR-1, FR-020-001
        req = config.requirement_pattern
        alt = "|".join(re.escape(p) for p in prefixes)
        # An ID of a configured kind, optionally with /FR-n; not glued to other word characters.
        self.ref_re = re.compile(rf"(?<![\w/-])((?:{alt})-\d+)(?:/({req}))?(?![\w]|-\w)".encode())
        # What every match of ref_re starts with: a prefix and its hyphen. (Looking for these
        # with bytes.find and trying ref_re only there is much faster than ref_re.finditer,
        # whose leading lookbehind keeps the regex engine from skipping ahead.)
        self.ref_heads = tuple(sorted({p.encode() + b"-" for p in prefixes}))
        self.req_item_re = re.compile(rf"^\s*(?:\d+[.)]\s*)?({req})\b[\s:.)*_—–-]*(.*)$", re.S)
        # What every text req_item_re matches holds: one of the requirement prefixes, when
        # the ID template has them as a plain part (nothing around them that could make
        # them optional); else None. Texts without one are not tried.
        self.req_needles = _req_needles(config)
        # (asked for each requirement of each document: the IDs repeat, FR-1 in every one)
        self.requirement_kind = functools.lru_cache(maxsize=1 << 12)(config.requirement_kind)
        # A title led by a kind's prefix in words rather than as an ID: `# ADR 018 — Title`
        # (the ID ADR-018) or `# ADR — Title` (no number), followed by a separator.
        self.named_h1_re = (
            re.compile(
                rf"^(?P<prefix>{alt})(?:[ _](?P<number>\d+))?"
                r"(?P<sep>[ \t]*[:—–|][ \t]*|[ \t]+-[ \t]+)"
            )
            if prefixes
            else None
        )

    @cached_property
    def field_heading_keys(self) -> frozenset[str]:
        """Normalised headings that a ``## Status`` / ``## Title`` section field may have:
        the built-in names and the book's aliases of ``status`` and ``title``."""
        aliases = self.config.field_aliases
        return frozenset(
            _FIELD_HEADINGS | {k for k, v in aliases.items() if v in ("status", "title")}
        )

    @cached_property
    def _templates(self) -> dict[str, bytes]:
        from specbook.core.template_files import template_bytes

        out: dict[str, bytes] = {}
        for kind in self.config.kinds.values():
            try:
                out[kind.name] = template_bytes(self.config, kind)
            except Exception:  # a broken template must not stop parsing documents
                out[kind.name] = b""
        return out

    @cached_property
    def generic_titles(self) -> tuple[str, ...]:
        """The templates' H1 texts (``Technical Specification``), folded, longest first."""
        titles = set()
        for data in self._templates.values():
            m = _H1.search(data[:2000])
            if m:
                titles.add(fold(m.group(1).decode("utf-8", "replace").strip()))
        return tuple(sorted(titles, key=len, reverse=True))

    def kind_for_path(self, rel_path: str) -> KindConfig | None:
        """:meth:`BookConfig.kind_for_path`, remembered by folder: a kind's folder holds a
        path exactly when it holds the path's folder (all of it up to its last ``/``, the
        ``/`` included), and a book's documents share a few folders."""
        folder = rel_path[: rel_path.rfind("/") + 1]
        try:
            return self._path_kinds[folder]
        except KeyError:
            kind = self._path_kinds[folder] = self.config.kind_for_path(folder)
            return kind

    def template_sections(self, kind: str | None) -> dict[str, str]:
        """Normalized heading -> template heading, for ``kind`` (all kinds when ``None``)."""
        cache = self._section_cache
        key = kind or ""
        if key not in cache:
            names: dict[str, str] = {}
            kinds = [kind] if kind in self._templates else list(self._templates)
            for k in kinds:
                for level, title in self._headings(k or ""):
                    if level >= 2:
                        names.setdefault(norm_heading(title), title)
            cache[key] = names
        return cache[key]

    @cached_property
    def section_h1_keys(self) -> frozenset[str]:
        """Normalized H1 texts that name a section rather than a document: ``summary``,
        ``motivation``, … and every heading of the book's templates (an RFC whose
        sections are all H1s opens with ``# Summary``)."""
        return frozenset(SECTION_H1 | set(self.template_sections(None)))

    @cached_property
    def section_h1_longest(self) -> int:
        """How long an H1 naming a section can be as written (its name, plus room for
        numbering, emoji and blanks)."""
        return max(map(len, self.section_h1_keys), default=0) + 12

    @cached_property
    def _section_cache(self) -> dict[str, dict[str, str]]:
        return {}

    def _headings(self, kind: str) -> list[tuple[int, str]]:
        """The headings of ``kind``'s template, read once (every parse asks for all the
        templates' sections, a kind's document for its own again)."""
        cache = self._heading_cache
        if kind not in cache:
            cache[kind] = _template_headings(self._templates.get(kind, b""))
        return cache[kind]

    @cached_property
    def _heading_cache(self) -> dict[str, list[tuple[int, str]]]:
        return {}

    def kind(self, name: str | None) -> KindConfig | None:
        return self.config.kinds.get(name) if name else None


def _template_headings(data: bytes) -> list[tuple[int, str]]:
    return headings_of(data)


def _req_needles(config: BookConfig) -> tuple[str, ...] | None:
    """The requirement prefixes, which every requirement ID of ``config`` holds when its
    template (``[requirements] id``) has nothing but plain text beside ``{prefix}`` and
    ``{n}`` (no alternation, option, repetition, group or class); else ``None``."""
    rest = config.requirement_id.replace("{prefix}", "").replace("{n}", "")
    prefixes = (*config.non_functional_prefixes, *config.functional_prefixes)
    if any(c in rest for c in "|?*+{}()[]") or not prefixes or not all(prefixes):
        return None
    return prefixes


_CACHE: dict[int, ParseContext] = {}


def context_for(config: BookConfig | None) -> ParseContext:
    """The (cached) :class:`ParseContext` of ``config``; the default config when ``None``."""
    if config is None:
        config = _default()
    ctx = _CACHE.get(id(config))
    if ctx is None or ctx.config is not config:
        ctx = ParseContext(config)
        _CACHE[id(config)] = ctx
    return ctx


_DEFAULT: list[BookConfig] = []


def _default() -> BookConfig:
    if not _DEFAULT:
        _DEFAULT.append(default_config(None))
    return _DEFAULT[0]
