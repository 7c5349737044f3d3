"""specbook's own rules, one module per family; ``RULES`` is the entry point's list."""

from __future__ import annotations

from specbook.lint.registry import Rule
from specbook.lint.rules import (
    approval,
    content,
    encoding,
    fields,
    references,
    requirements,
    sections,
    trace,
    workflow,
)

RULES: list[Rule] = [
    obj
    for module in (
        encoding,
        fields,
        sections,
        requirements,
        references,
        trace,
        workflow,
        approval,
        content,
    )
    for obj in vars(module).values()
    if isinstance(obj, Rule)
]
