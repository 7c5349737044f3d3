"""The lint runner's two forms of one file's answer (``lint.run._lint_one``): a worker
process gives the cache form (lists and dicts, pickled back), the process that reports
keeps the objects it made (``here=True``) and makes the cache form only for the
snapshot (``_cache_forms``). Both must say the same thing of every document."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from specbook.lint import run as lint_run
from specbook.lint.engine import Linter
from specbook.services.zeroconf import open_book
from tests.conftest import REPO

BOOKS = [
    REPO / "examples" / "book",
    REPO / "tests" / "corpus" / "wild" / "sambeau__basil",
    REPO / "tests" / "corpus" / "synthetic" / "folder-sidecar",
]


@pytest.mark.parametrize("source", BOOKS, ids=lambda p: p.name)
def test_objects_kept_here_equal_what_a_worker_sends(source: Path, tmp_path: Path) -> None:
    root = tmp_path / source.name
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".specbook"))
    book = open_book(root)
    linter = Linter(book.config)
    paths = book.path_strings()
    assert paths
    found = 0
    for path in paths:
        rel = book.rel(path)
        here = lint_run._lint_one(linter, path, rel, here=True)
        sent = lint_run._lint_one(linter, path, rel)
        assert here is not None and sent is not None
        assert here[:3] == sent[:3]  # (rel, signature, hash)
        assert here[5:] == sent[5:]  # (the stored parse, the days the findings hold)
        findings_j, facts_j = lint_run._cache_forms(rel, here[3], here[4])
        assert findings_j == sent[3]
        assert facts_j == sent[4]
        # and the worker's form, made into objects as the reporting process does
        assert [lint_run._finding_p(rel, f) for f in sent[3]] == here[3]
        assert lint_run._facts_p(rel, sent[4]) == here[4]
        found += len(here[3]) + len(here[4].references) + len(here[4].requirement_ids)
    assert found > 0  # (findings, references or requirements: something was compared)
