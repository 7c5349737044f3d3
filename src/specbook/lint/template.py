"""What a kind's template requires, read from the template itself.

Its ``##`` sections, and the ``###`` sections under them whose titles hold no
prompt, are required by name, in order. Headings holding a prompt
(``#### Component 1: [Name]``) are repeatable examples. Bracketed prompts and
``XXX`` IDs are placeholders; fixed text (headings, checklist items, table headers)
is not. A book's own template gets the same checks with no code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from specbook.config import BookConfig, KindConfig
from specbook.model import Document
from specbook.parse import parse
from specbook.templates import template_bytes
from specbook.text import norm_heading

# a bracketed prompt: not a task box `[ ]`/`[x]`, not link text `[a](b)` / `[a][b]`
PROMPT = re.compile(r"(?<![!\]\\])\[(?![ xX]\])([^\[\]\r\n]{1,200})\](?![(\[:])")
XXX_ID = re.compile(r"\b[A-Z][A-Z0-9]*-X{3,}\b")
MUSTACHE = re.compile(r"\{\{[^{}\r\n]{0,200}\}\}")


@dataclass(frozen=True)
class RequiredSection:
    level: int
    title: str
    parent: str | None


@dataclass(frozen=True)
class TemplateFacts:
    """The checks a template implies."""

    kind: str
    document: Document
    required: tuple[RequiredSection, ...]
    order: tuple[str, ...]  # the `##` titles in template order
    prompts: frozenset[str]  # bracketed prompts, brackets included
    repeatable: tuple[str, ...]  # normalized heading stems such as "component"


def _has_prompt(title: str) -> bool:
    return bool(PROMPT.search(title) or XXX_ID.search(title) or MUSTACHE.search(title))


def facts_from_template(kind: str, data: bytes) -> TemplateFacts:
    """Read the required sections, order, prompts and repeatable headings of a template."""
    doc = parse(data, None, None)
    required: list[RequiredSection] = []
    order: list[str] = []
    repeatable: list[str] = []
    for top in doc.sections:
        level2 = [s for s in top.children] if top.level == 1 else [top]
        for s2 in level2:
            if s2.level != 2:
                continue
            if _has_prompt(s2.title):
                repeatable.append(_stem(s2.title))
                continue
            required.append(RequiredSection(2, s2.title, None))
            order.append(s2.title)
            for s3 in s2.walk():
                if s3 is s2:
                    continue
                if _has_prompt(s3.title):
                    repeatable.append(_stem(s3.title))
                elif s3.level == 3:
                    required.append(RequiredSection(3, s3.title, s2.title))
    text = data.decode("utf-8", "replace")
    prompts = {m.group(0) for m in PROMPT.finditer(text)}
    return TemplateFacts(
        kind, doc, tuple(required), tuple(order), frozenset(prompts), tuple(repeatable)
    )


def _stem(title: str) -> str:
    """``Component 1: [Name]`` -> ``component``: the part before any number or prompt."""
    head = re.split(r"[\[\d:{]", title, maxsplit=1)[0]
    return norm_heading(head) or norm_heading(title)


@lru_cache(maxsize=64)
def _cached(kind: str, data: bytes) -> TemplateFacts:
    return facts_from_template(kind, data)


def template_facts(config: BookConfig, kind: KindConfig) -> TemplateFacts | None:
    """The facts of ``kind``'s template (the book's override or the built-in one)."""
    try:
        data = template_bytes(config, kind)
    except Exception:
        return None
    return _cached(kind.name, data)
