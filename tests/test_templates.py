"""The built-in templates: SPEC is the seed byte for byte; all four share one shape."""

from __future__ import annotations

import hashlib

import pytest

from specbook.core.template_files import BUILTIN, builtin_template
from specbook.parse import parse
from tests.conftest import SEED_SHA256


def test_spec_template_is_the_seed() -> None:
    """The SPEC template is the team's seed template byte for byte; a change to it is a
    deliberate change of the seed, made here too."""
    assert hashlib.sha256(builtin_template("spec.md")).hexdigest() == SEED_SHA256


@pytest.mark.parametrize("name", BUILTIN)
def test_template_shape(name: str) -> None:
    data = builtin_template(name)
    doc = parse(data, None)
    keys = [f.key for f in doc.fields if f.section is None]
    assert keys[:4] == ["id", "date", "status", "type"]
    id_field = doc.field("id")
    assert id_field is not None and id_field.value.endswith("-XXX")
    h2 = [s.title for s in doc.all_sections() if s.level == 2]
    assert h2[:2] == ["Summary", "Context"]
    assert h2[-3:] == ["Review History", "Metadata", "Notes"]
    assert [e.status for e in doc.review_history][:1] != []
    assert set(doc.metadata) == {"created", "modified", "author", "reviewers", "approvers", "tags"}
    assert data.endswith(b"]\n") and not data.endswith(b"\n\n")
    assert doc.problems == ()


def test_kind_specific_parts() -> None:
    bug = parse(builtin_template("bug.md"), None)
    assert bug.field("severity") is not None
    assert bug.section("Steps to Reproduce") is not None
    task = parse(builtin_template("task.md"), None)
    assert task.field("parent") is not None and any(
        c.text == "Tests passing" for c in task.checklists
    )
    dec = parse(builtin_template("dec.md"), None)
    assert dec.section("Considered Options") is not None and dec.section("Consequences") is not None
