"""The book the web tests use: a copy of examples/book plus one hostile document whose
Markdown tries every way we know to run script in a reader's browser."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "book"
HOSTILE_ID = "SPEC-090"
HOSTILE_PATH = "docs/specs/SPEC-090-hostile-markup.md"
# A word no other document of the example book uses, to find the hostile one by search.
HOSTILE_WORD = "quokka"
HOSTILE = """\
# Technical Specification: Hostile <b onmouseover="window.__pwned='title'">markup</b>

**ID**: SPEC-090
**Date**: 2026-01-05
**Status**: Draft
**Type**: Feature

---

## Summary

A quokka document: `<script>alert("snippet")</script>` stays text everywhere.

<script>window.__pwned = "script"; alert("script")</script>

<img src="data:image/gif;base64,R0lGODlhAQ" onerror="window.__pwned = 'img'; alert('img')">

[plain javascript link](javascript:window.__pwned='link';alert('link'))

<a href="JaVaScRiPt:window.__pwned='mixed';alert('mixed')">mixed case link</a>

<a href="data:text/html,<script>alert('data')</script>">data link</a>

<iframe src="javascript:window.top.__pwned='iframe';alert('iframe')"></iframe>

<svg onload="window.__pwned='svg';alert('svg')"><circle r="5"/></svg>

<b onclick="window.__pwned='click';alert('click')">bold click</b>

[the tracking API](SPEC-001-shipment-tracking-api.md#summary)

## Context

Nothing here runs.
"""
HOSTILE_LINKS = ("plain javascript link", "mixed case link", "data link", "bold click")


def copy_book(dest: Path) -> Path:
    """A fresh copy of the example book at ``dest`` (no index), with the hostile
    document added; returns ``dest``."""
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".specbook"))
    (dest / HOSTILE_PATH).write_text(HOSTILE, encoding="utf-8")
    return dest


def example_ids() -> list[str]:
    """The IDs of the documents the copied book holds (the hostile one included)."""
    names = sorted(p.name for p in (EXAMPLE / "docs").rglob("*.md"))
    return [*("-".join(n.split("-")[:2]) for n in names), HOSTILE_ID]
