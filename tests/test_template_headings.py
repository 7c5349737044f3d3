"""Templates' headings come from the block scanners, as pyromark would give them."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specbook.parse  # noqa: F401  (installs the scanners in core)
from specbook.parse.core import headings_of
from specbook.parse.scan.events import pyromark_headings
from tests.conftest import CORPUS, FIXTURES, REPO, SEED
from tests.test_fast_scan import _document

TEMPLATES = REPO / "src" / "specbook" / "templates"


def _same(data: bytes) -> None:
    assert headings_of(data) == pyromark_headings(data.decode("utf-8", "replace")), data[:300]


def test_files() -> None:
    roots = [CORPUS.parent, SEED.parent, TEMPLATES, FIXTURES, REPO / "examples"]
    files = [p for root in roots for p in sorted(root.rglob("*.md"))]
    assert len(files) > 400
    for path in files:
        data = path.read_bytes()
        _same(data)
        _same(data.replace(b"\n", b"\r\n"))
        _same(b"\xef\xbb\xbf" + data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_random_documents(text: str) -> None:
    _same(text.encode("utf-8"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    _same(data)


def test_reading_the_templates_does_not_load_pyromark() -> None:
    code = (
        "import sys, specbook.parse; from specbook.parse.core import headings_of; "
        f"from pathlib import Path; [headings_of(p.read_bytes()) for p in "
        f"Path({str(TEMPLATES)!r}).glob('*.md')]; print('pyromark' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_template_titles() -> None:
    heads = headings_of((TEMPLATES / "spec.md").read_bytes())
    assert (2, "Requirements") in heads
    assert all(title == title.strip() for _, title in heads)
