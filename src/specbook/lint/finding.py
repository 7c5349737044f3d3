"""A finding: one lint result, a flat record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specbook.edit.patch import Patch

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of one rule on one document.

    Lines and columns are 1-based; ``path`` is relative to the book root. ``fix``
    holds byte patches that repair it, when the rule knows a safe fix.
    """

    rule: str
    name: str
    severity: str
    path: str
    doc_id: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    fix: tuple[Patch, ...] = field(default=(), compare=False)

    @property
    def fixable(self) -> bool:
        return bool(self.fix)

    def to_json(self) -> dict[str, Any]:
        """The finding as in ``lint --format json`` (DESIGN.md's contract)."""
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "path": self.path,
            "doc_id": self.doc_id,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
            "fixable": self.fixable,
        }
