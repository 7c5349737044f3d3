"""The template rules (SB201-SB205) read what they check from the template itself."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from specbook.book import Book
from specbook.core.config import BookConfig, default_config
from specbook.lint.engine import Linter
from specbook.lint.finding import Finding
from specbook.templates.facts import facts_from_template
from tests.conftest import FIXTURES

TODAY = dt.date(2026, 6, 15)
# Deliberately simple and independent of specbook's own patterns.
BRACKETED = re.compile(r"\[([^\[\]\n]+)\]")
XXX_ID = re.compile(r"\b[A-Z]+-XXX\b")


def _book(root: Path, files: dict[str, bytes]) -> tuple[BookConfig, Book]:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    config = default_config(root.resolve())
    return config, Book(config)


def _lint(root: Path, files: dict[str, bytes], select: list[str]) -> list[Finding]:
    config, book = _book(root, files)
    return Linter(config, select=select, today=TODAY).run(list(book.documents())).findings


def _with_status(template: str, status: str) -> str:
    """The template with only the Status line's value replaced."""
    out, n = re.subn(r"(?m)^(\*\*Status\*\*: ).*$", lambda m: m.group(1) + status, template)
    assert n == 1
    return out


def _expected_placeholders(text: str) -> list[tuple[int, str]]:
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        hits = [(m.start(), m.group(0)) for m in BRACKETED.finditer(line)]
        hits = [(at, t) for at, t in hits if t not in ("[ ]", "[x]")]
        hits += [(m.start(), m.group(0)) for m in XXX_ID.finditer(line)]
        out.extend((n, t) for _, t in sorted(hits))
    return out


def _found_placeholders(findings: list[Finding], text: str) -> list[tuple[int, str]]:
    lines = text.split("\n")
    out = []
    for f in findings:
        assert f.rule == "SB205" and f.line == f.end_line
        snippet = lines[f.line - 1][f.column - 1 : f.end_column - 1]
        assert f.message == f'placeholder "{snippet}" left from the template; fill it in'
        out.append((f.line, snippet))
    return out


def test_untouched_seed_template_reports_every_placeholder(
    tmp_path: Path, seed_bytes: bytes
) -> None:
    text = _with_status(seed_bytes.decode("utf-8"), "Review")
    findings = _lint(tmp_path, {"docs/specs/SPEC-001-x.md": text.encode()}, ["SB205"])
    expected = _expected_placeholders(text)
    assert len(expected) > 100
    assert _found_placeholders(findings, text) == expected
    assert {f.severity for f in findings} == {"error"}
    # prompts in headings, code blocks, tables and checklist items are all among them
    for sample in [
        (3, "SPEC-XXX"),  # a header field
        (64, "[Name]"),  # a heading
        (59, "[ASCII diagram or description of component relationships]"),  # a code block
        (106, "[Why needed]"),  # a code block
        (97, "[path/to/new/file.py]"),  # a checklist item, in inline code
        (223, "[X days]"),  # a table
    ]:
        assert sample in expected


def test_a_draft_keeps_placeholders_as_warnings(tmp_path: Path, seed_bytes: bytes) -> None:
    text = _with_status(seed_bytes.decode("utf-8"), "Draft")
    findings = _lint(tmp_path, {"docs/specs/SPEC-001-x.md": text.encode()}, ["SB205"])
    assert _found_placeholders(findings, text) == _expected_placeholders(text)
    assert {f.severity for f in findings} == {"warning"}


def test_the_untouched_template_has_every_section(tmp_path: Path, seed_bytes: bytes) -> None:
    text = _with_status(seed_bytes.decode("utf-8"), "Review")
    findings = _lint(
        tmp_path, {"docs/specs/SPEC-001-x.md": text.encode()}, ["SB201", "SB202", "SB203", "SB204"]
    )
    assert findings == []


def test_a_filled_in_spec_has_no_template_finding(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "specs" / "SPEC-001-password-reset-by-email.md"
    target.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "spec-filled.md", target)
    config = default_config(tmp_path.resolve())
    docs = list(Book(config).documents())
    result = Linter(config, select=["SB2"], today=TODAY).run(docs)
    assert {a.rule.id for a in Linter(config, select=["SB2"]).active} == {
        "SB201",
        "SB202",
        "SB203",
        "SB204",
        "SB205",
    }
    assert result.findings == []


BOOK_TEMPLATE = b"""\
# Design Note

**ID**: SPEC-XXX
**Date**: [YYYY-MM-DD]
**Status**: [Draft|Review|Approved|Implemented|Archived]
**Type**: [Feature|Fix]

## Problem

[Describe the problem in one paragraph]

## Proposal

### Sketch
[A sketch of the solution]

### Option 1: [Name]
[Repeat per option]

## Rollout

| Step | Owner |
|------|-------|
| [First step] | {{owner}} |
"""

BOOK_DOC = b"""\
# Design Note: Faster login

**ID**: SPEC-001
**Date**: 2026-05-01
**Status**: Review
**Type**: Feature

## Problem

[Describe the problem in one paragraph]

## Proposal

A token cache. [Brief one-line description of what this spec covers] is a prompt of
the built-in template, not of this book's.

## Rollout

| Step | Owner |
|------|-------|
| Ship the cache | {{owner}} |
"""


def test_a_books_own_template_drives_the_rules(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        {"docs/templates/spec.md": BOOK_TEMPLATE, "docs/specs/SPEC-001-faster-login.md": BOOK_DOC},
        ["SB201", "SB205"],
    )
    got = [(f.rule, f.line, f.message) for f in findings]
    assert got == [
        (
            "SB205",
            10,
            'placeholder "[Describe the problem in one paragraph]" left from the template; '
            "fill it in",
        ),
        ("SB201", 12, 'section "Proposal" has no "Sketch"; add "### Sketch" under it'),
        ("SB205", 21, 'placeholder "{{owner}}" left from the template; fill it in'),
    ]
    assert all(f.severity == "error" for f in findings)


def test_a_books_own_template_missing_top_section_on_title_line(tmp_path: Path) -> None:
    doc = BOOK_DOC.replace(b"## Rollout", b"## Launch")
    findings = _lint(
        tmp_path,
        {"docs/templates/spec.md": BOOK_TEMPLATE, "docs/specs/SPEC-001-faster-login.md": doc},
        ["SB201"],
    )
    assert [(f.line, f.message) for f in findings] == [
        (1, 'section "Rollout" of the SPEC template is missing; add "## Rollout" after "Proposal"'),
        (12, 'section "Proposal" has no "Sketch"; add "### Sketch" under it'),
    ]


def test_template_facts_of_the_seed(seed_bytes: bytes) -> None:
    facts = facts_from_template("SPEC", seed_bytes)
    text = seed_bytes.decode("utf-8")
    bracketed = {m.group(0) for m in BRACKETED.finditer(text)} - {"[ ]", "[x]"}
    assert facts.prompts == bracketed
    assert facts.markers == {"SPEC-XXX", "BUG-XXX", "DEC-XXX", "TASK-XXX"}
    assert facts.order[0] == "Summary" and facts.order[-1] == "Notes" and len(facts.order) == 16
    assert sorted(set(facts.repeatable)) == ["alternative", "component"]
    titles = {(r.level, r.title, r.parent) for r in facts.required}
    assert (3, "Rollback Plan", "Deployment") in titles
    assert not any("[" in t for _, t, _ in titles)
    assert all(level in (2, 3) for level, _, _ in titles)


def test_fixed_text_and_links_of_a_template_are_no_prompts() -> None:
    template = b"""\
# Note

## Plan

| [Owner] | When |
|---------|------|
| [Name] | [Date] |

See the [style guide] and [the wiki](https://example.com).

<!-- [Guidance] for the writer -->

[style guide]: https://example.com/style
"""
    facts = facts_from_template("SPEC", template)
    assert facts.prompts == {"[Name]", "[Date]"}


def test_numbered_prompts_match_any_number(tmp_path: Path, seed_bytes: bytes) -> None:
    doc = b"""\
# Technical Specification: Steps

**ID**: SPEC-001
**Status**: Review

## Deployment

### Deployment Steps
1. [Step 1]
2. [Step 7]
3. [Step seven]
"""
    findings = _lint(tmp_path, {"docs/specs/SPEC-001-steps.md": doc}, ["SB205"])
    assert [(f.line, f.column) for f in findings] == [(9, 4), (10, 4)]


def test_shortcut_link_labels_of_a_template_are_no_prompts(tmp_path: Path) -> None:
    """A checklist copied from a process's template keeps `[kubernetes.io]`-style link
    labels (their `[label]: url` lines elsewhere or lost): no prompt to fill in. Paths
    to fill in are written as code, and prompts in words, and stay prompts."""
    template = b"""\
# Proposal: [Title]

## Checklist

- [ ] Issue filed in [kubernetes/enhancements] (not the initial PR)
- [ ] Docs written in [kubernetes/website], for publication to [kubernetes.io]
- [ ] Fix verified in [environment]

## Design

**Location**: `[file/path]`, see [Notes on it] and `[path/to/new/file.py]`
"""
    facts = facts_from_template("SPEC", template)
    assert facts.prompts == {
        "[Title]",
        "[environment]",
        "[file/path]",
        "[Notes on it]",
        "[path/to/new/file.py]",
    }
    doc = template.replace(b"[Title]", b"Faster login").replace(b"- [ ]", b"- [x]")
    doc = doc.replace(b"# Proposal", b"**ID**: SPEC-001\n**Status**: Review\n\n# Proposal", 1)
    findings = _lint(
        tmp_path,
        {"docs/templates/spec.md": template, "docs/specs/SPEC-001-faster-login.md": doc},
        ["SB205"],
    )
    assert [f.message.split('"')[1] for f in findings] == [
        "[environment]",
        "[file/path]",
        "[Notes on it]",
        "[path/to/new/file.py]",
    ]


def test_template_language_code_is_no_mustache_prompt(tmp_path: Path) -> None:
    """`{{.Expected}}` quoted from a Go message format (or Handlebars, Jinja code) is
    content; `{{owner}}` is a prompt."""
    doc = b"""\
# Technical Specification: Errors

**ID**: SPEC-001
**Status**: Review

## Summary

- VAL-0022: "Schema mismatch: expected {{.Expected}}, got {{ .Got }}"
- Helm: {{ $name }}, {{#each items}}, {{/each}}, {{ name | upper }}, {{ lookup(x) }}
- Owner: {{owner}}, reviewer: {{ reviewer }}
"""
    findings = _lint(tmp_path, {"docs/specs/SPEC-001-errors.md": doc}, ["SB205"])
    assert [(f.line, f.message.split('"')[1]) for f in findings] == [
        (10, "{{owner}}"),
        (10, "{{ reviewer }}"),
    ]
