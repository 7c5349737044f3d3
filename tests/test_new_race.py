"""Two processes creating 20 documents each at once get 40 distinct IDs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from pathlib import Path
from specbook.services.zeroconf import open_book
from specbook.services.create import new_document
book = open_book(Path(sys.argv[1]))
for i in range(20):
    new_document(book, "spec", f"race {sys.argv[2]} {i}", author="racer")
"""


def test_forty_racing_new_calls_get_forty_ids(book: Path) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, str(book), tag], stderr=subprocess.PIPE)
        for tag in ("a", "b")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    files = sorted((book / "docs/specs").glob("SPEC-*.md"))
    ids = [f.name[:8] for f in files]
    assert len(files) == 40
    assert len(set(ids)) == 40
    assert ids == [f"SPEC-{n:03d}" for n in range(1, 41)]
    for f in files:
        assert f"**ID**: {f.name[:8]}\n" in f.read_text()
    assert not list((book / "docs/specs").glob(".*tmp"))
