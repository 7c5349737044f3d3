"""Printing findings: text, json (DESIGN.md's contract), sarif (2.1.0) and github."""

from __future__ import annotations

import json
from typing import Any

from specbook import __version__
from specbook.lint.engine import LintResult
from specbook.lint.registry import Rule

FORMATS = ("text", "json", "sarif", "github")
_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def render(result: LintResult, fmt: str, rules: list[Rule], colour: bool = False) -> str:
    """``result`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return render_json(result)
    if fmt == "sarif":
        return json.dumps(sarif(result, rules), indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        return render_github(result)
    return render_text(result, colour)


def render_json(result: LintResult) -> str:
    data = {
        "version": 1,
        "findings": [f.to_json() for f in result.findings],
        "summary": result.summary(),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_text(result: LintResult, colour: bool = False) -> str:
    """``path:line:col: SB205 placeholder message`` lines, then a summary line."""
    import click

    lines = []
    for f in result.findings:
        where = f"{f.path}:{f.line}:{f.column}:"
        tag = f"{f.rule} {f.name}"
        sev = f.severity
        fix = " [fixable]" if f.fixable else ""
        if colour:
            where = click.style(where, bold=True)
            tag = click.style(tag, fg=_COLOURS.get(sev, "white"))
            sev = click.style(sev, fg=_COLOURS.get(sev, "white"))
        lines.append(f"{where} {tag} {sev}: {f.message}{fix}")
    s = result.summary()
    fixable = sum(1 for f in result.findings if f.fixable)
    tail = (
        f"{_n(s['errors'], 'error')}, {_n(s['warnings'], 'warning')}, "
        f"{s['infos']} info in {_n(s['documents'], 'document')}"
    )
    if fixable:
        tail += f" ({fixable} fixable with --fix)"
    if not result.findings:
        tail = f"no findings in {_n(s['documents'], 'document')}"
    lines.append(tail)
    return "\n".join(lines) + "\n"


def statistics(result: LintResult) -> list[dict[str, Any]]:
    """Findings per rule, most first (then by rule ID): ``{"rule", "name", "count",
    "documents", "fixable"}``, ``documents`` counting the files the rule found something
    in and ``fixable`` the findings ``--fix`` repairs."""
    by_rule: dict[str, dict[str, Any]] = {}
    paths: dict[str, set[str]] = {}
    for f in result.findings:
        row = by_rule.setdefault(
            f.rule, {"rule": f.rule, "name": f.name, "count": 0, "documents": 0, "fixable": 0}
        )
        row["count"] += 1
        row["fixable"] += f.fixable
        paths.setdefault(f.rule, set()).add(f.path)
    for rule, row in by_rule.items():
        row["documents"] = len(paths[rule])
    return sorted(by_rule.values(), key=lambda r: (-r["count"], r["rule"]))


def render_statistics(result: LintResult, fmt: str) -> str:
    """:func:`statistics` as a table (``fmt`` text) or as JSON: ``{"version": 1,
    "statistics": [...], "summary": {...}}``, the summary that of ``--format json``."""
    rows = statistics(result)
    if fmt == "json":
        data = {"version": 1, "statistics": rows, "summary": result.summary()}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    s = result.summary()
    if not rows:
        return f"no findings in {_n(s['documents'], 'document')}\n"
    head = ("count", "rule", "name", "documents", "fixable")
    table = [head] + [
        (str(r["count"]), r["rule"], r["name"], str(r["documents"]), str(r["fixable"]))
        for r in rows
    ]
    widths = [max(len(t[c]) for t in table) for c in range(len(head))]
    right = (True, False, False, True, True)  # numbers to the right
    lines = [
        "  ".join(
            (v.rjust(w) if r else v.ljust(w)) for v, w, r in zip(t, widths, right, strict=True)
        ).rstrip()
        for t in table
    ]
    found = len({f.path for f in result.findings})
    fixable = sum(r["fixable"] for r in rows)
    tail = (
        f"{_n(len(result.findings), 'finding')} of {_n(len(rows), 'rule')} in "
        f"{_n(found, 'document')} ({s['documents']} checked)"
    )
    if fixable:
        tail += f"; {fixable} fixable with --fix"
    lines.append(tail)
    return "\n".join(lines) + "\n"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: LintResult) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…::message``."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for f in result.findings:
        title = _escape_prop(f"{f.rule} {f.name}")
        props = (
            f"file={_escape_prop(f.path)},line={f.line},col={f.column},"
            f"endLine={f.end_line},endColumn={f.end_column},title={title}"
        )
        out.append(f"::{level.get(f.severity, 'warning')} {props}::{_escape_data(f.message)}")
    return "\n".join(out) + ("\n" if out else "")


def sarif(result: LintResult, rules: list[Rule]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of ``result``."""
    used = sorted({f.rule for f in result.findings})
    by_id = {r.id: r for r in rules}
    descriptors: list[dict[str, Any]] = []
    index = {}
    for rid in used:
        r = by_id.get(rid)
        index[rid] = len(descriptors)
        descriptors.append(
            {
                "id": rid,
                "name": r.name if r else rid,
                "shortDescription": {"text": r.summary if r else rid},
                "fullDescription": {"text": r.doc if r else rid},
                "defaultConfiguration": {"level": _sarif_level(r.severity if r else "warning")},
            }
        )
    results = []
    for f in result.findings:
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": _sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                            "region": {
                                "startLine": f.line,
                                "startColumn": f.column,
                                "endLine": max(f.end_line, f.line),
                                "endColumn": max(f.end_column, 1),
                            },
                        }
                    }
                ],
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "specbook",
                        "version": __version__,
                        "rules": descriptors,
                    }
                },
                "results": results,
            }
        ],
    }


def _sarif_level(severity: str) -> str:
    return {"error": "error", "warning": "warning", "info": "note"}.get(severity, "warning")
