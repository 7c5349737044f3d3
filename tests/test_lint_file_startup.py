"""`specbook lint FILE` in a book whose snapshot is warm: what it imports and writes.

A pre-commit hook runs it on every commit, so its start-up is most of its time; each
test runs the command in a fresh interpreter, as the hook does.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.parse import scan as scanners

REPO = Path(__file__).resolve().parents[1]

# Runs `specbook lint FILE` and prints the modules it imported.
PROBE = (
    "import sys, json\n"
    "from specbook.cli import main\n"
    "try:\n    main(['lint', sys.argv[1]])\n"
    "except SystemExit:\n    pass\n"
    "print(json.dumps(sorted(sys.modules)))\n"
)
# What a one-file lint has no use for: the index's store, the JSON shapes of the
# trace report (lint.facts imports trace.coverage for its listed tests only), and
# difflib (the rules' "did you mean" of a value off their lists).
NOT_FOR_LINT_FILE = ("specbook.store", "specbook.book.jsonout", "difflib")
# ...and, with the file unchanged, the parser (its facts and findings are the snapshot's)
NOT_FOR_UNCHANGED = (*NOT_FOR_LINT_FILE, "specbook.parse.core", "specbook.parse.context")


def _book(root: Path) -> Path:
    """A small generated book, linted and indexed (the snapshot warm); returns a document."""
    sys.path.insert(0, str(REPO / "bench"))
    import gen  # type: ignore[import-not-found]

    paths = gen.generate(root, 8, seed=3)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        for args in (["lint"], ["index"]):
            CliRunner().invoke(main, args)
    return Path(paths[3])


def _lint_file(root: Path, doc: Path, unwanted: tuple[str, ...] = NOT_FOR_LINT_FILE) -> list[str]:
    """Run `specbook lint DOC` in a fresh interpreter; the modules of ``unwanted`` (or
    under them) it imported."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(doc)], cwd=root, capture_output=True, text=True
    ).stdout
    imported = json.loads(out.strip().splitlines()[-1])
    return [m for m in imported if m.startswith(unwanted)]


# Runs `specbook lint FILE` and prints what its imports built that it had no use for:
# the string annotations of specbook's named tuples that typing compiled into
# ForwardRefs, and the module-level patterns of specbook's modules that were compiled
# (those made with specbook.core.lazyre.lazy_compile are compiled on first use).
WASTE_PROBE = (
    "import re, sys, json, typing\n"
    "from specbook.cli import main\n"
    "try:\n    main(['lint', sys.argv[1]])\n"
    "except SystemExit:\n    pass\n"
    "refs = sorted(\n"
    "    f'{m}.{c.__name__}.{f}' for m, mod in list(sys.modules.items())\n"
    "    if m.startswith('specbook.') for c in vars(mod).values()\n"
    "    if isinstance(c, type) and issubclass(c, tuple) and hasattr(c, '_fields')\n"
    "    and c.__module__ == m\n"
    "    for f, t in getattr(c, '__annotations__', {}).items()\n"
    "    if isinstance(t, typing.ForwardRef))\n"
    "compiled = sorted(\n"
    "    f'{m}.{k}' for m, mod in list(sys.modules.items()) if m.startswith('specbook.')\n"
    "    for k, v in vars(mod).items()\n"
    "    if isinstance(v, re.Pattern) or '_compiled' in getattr(v, '__dict__', {}))\n"
    "print(json.dumps({'forward_refs': refs, 'compiled': compiled}))\n"
)


def _indexed_hash(root: Path, rel: str) -> str | None:
    db = sqlite3.connect(root / ".specbook" / "index.db")
    try:
        row = db.execute("SELECT hash FROM documents WHERE path = ?", (rel,)).fetchone()
    finally:
        db.close()
    return None if row is None else str(row[0])


def test_an_edited_file_is_left_to_the_next_sync_which_does_not_parse_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Just after an edit, `lint FILE` lints the file and keeps its parse in the lint
    cache, but neither imports nor writes the index (a pre-commit hook pays for no
    index transaction); the next command that syncs the index makes the file's rows
    from that parse, without parsing it again."""
    import specbook.parse

    doc = _book(tmp_path)
    rel = doc.relative_to(tmp_path).as_posix()
    before = _indexed_hash(tmp_path, rel)
    assert before is not None
    doc.write_bytes(doc.read_bytes() + b"\nAn edited line.\n")
    assert _lint_file(tmp_path, doc) == []
    assert _indexed_hash(tmp_path, rel) == before  # (not yet: the next sync's work)

    parsed: list[str | None] = []
    real = specbook.parse.parse_document

    def counted(data: bytes, path: str | None, *a: Any, **k: Any) -> Any:
        parsed.append(path)
        return real(data, path, *a, **k)

    monkeypatch.setattr(specbook.parse, "parse_document", counted)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["search", "edited"])
    assert r.exit_code == 0, r.output
    assert rel in r.output  # (its new text is searchable...)
    assert rel not in parsed  # (...and was not parsed for it)
    after = _indexed_hash(tmp_path, rel)
    assert after is not None and after != before


def test_an_unchanged_file_writes_nothing_to_the_snapshot(tmp_path: Path) -> None:
    """With nothing changed, `lint FILE` reads the snapshot and writes nothing: the file
    keeps its bytes, no write-ahead log is left, and neither the index's store, the
    trace report's JSON shapes nor the parser are imported."""
    doc = _book(tmp_path)
    snapshot = tmp_path / ".specbook" / "index.db"
    _lint_file(tmp_path, doc)  # (the first run after the index may re-date a row)
    before = snapshot.read_bytes()
    imported = _lint_file(tmp_path, doc, NOT_FOR_UNCHANGED)
    assert imported == []
    assert snapshot.read_bytes() == before
    assert not Path(f"{snapshot}-wal").exists() or Path(f"{snapshot}-wal").stat().st_size == 0


def test_a_one_file_lint_compiles_neither_annotations_nor_unused_patterns(
    tmp_path: Path,
) -> None:
    """Start-up is most of a pre-commit hook's `lint FILE`: typing.NamedTuple compiled
    each string annotation of specbook's named tuples (`from __future__ import
    annotations`) into a ForwardRef, ~280 compile() calls on every run, and each module
    compiled all its patterns at import, used or not (an unchanged file's lint, which
    runs no document rule, compiled some 120 and used three). Now only a tuple's
    reference to its own class is a string, and patterns are compiled on first use."""
    doc = _book(tmp_path)
    _lint_file(tmp_path, doc)  # (the first run after the index may re-date a row)
    out = subprocess.run(
        [sys.executable, "-c", WASTE_PROBE, str(doc)], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    waste = json.loads(out.strip().splitlines()[-1])
    assert waste["forward_refs"] == ["specbook.core.model.Section.children"]
    # (the rules' IDs and names are checked as the registry loads them; a status word's
    # key without the C module, which reads ASCII text itself)
    assert waste["compiled"] == [
        *(["specbook.core.text._NON_ALNUM"] if scanners.c_nodes is None else []),
        "specbook.lint.registry._ID",
        "specbook.lint.registry._NAME",
    ]
