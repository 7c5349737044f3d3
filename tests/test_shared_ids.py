"""An ID two documents carry (issue 18): every face shows both documents and none acts on
whichever comes first (the portal and the static site: tests/test_shared_id_pages.py).

The book is tests/corpus/synthetic/frontmatter-adr (front-matter decision records and
specs, two of them with the ID SPEC-004), copied into tmp_path with a minimal config.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.book import Book
from specbook.book.diff import pair_documents
from specbook.cli import main
from specbook.core.config import default_config
from specbook.core.errors import AmbiguousIdError, NotFoundError
from specbook.mcp.server import BookTools
from specbook.parse import parse
from specbook.services.zeroconf import open_book
from tests.conftest import REPO

CORPUS = REPO / "tests" / "corpus" / "synthetic" / "frontmatter-adr"
CSV = "docs/specs/SPEC-004-export-csv.md"
PDF = "docs/specs/SPEC-004-pdf-reports.md"
BOTH = (CSV, PDF)


def _copy(where: Path) -> Path:
    root = where / "book"
    shutil.copytree(CORPUS, root)
    (root / "specbook.toml").write_text('[book]\nname = "adr"\n', encoding="utf-8")
    return root


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = _copy(tmp_path)
    monkeypatch.chdir(root)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.md")}


# -- the one lookup ---------------------------------------------------------------------
def test_find_refuses_an_id_two_documents_carry_and_names_both(book: Path) -> None:
    b = open_book()
    with pytest.raises(AmbiguousIdError) as caught:
        b.find("spec-004")  # (any case, as IDs are looked up)
    assert [m[3] for m in caught.value.matches] == list(BOTH)
    assert [d.path for d in b.find_all("SPEC-004")] == list(BOTH)
    assert b.find(PDF).title == "PDF reports"  # a path names one
    assert b.find("SPEC-001").path == "docs/specs/SPEC-001-multi-tenant-auth.md"
    with pytest.raises(NotFoundError, match="did you mean"):
        b.find("SPEC-099")


def test_find_sees_a_second_carrier_that_is_not_named_after_the_id(book: Path) -> None:
    # The files named after the ID are read first; the uniqueness check must still
    # find a document that states the ID only inside (here, in its H1), and must not
    # count a document that merely mentions the ID.
    shutil.move(book / PDF, book / "docs/specs/pdf.md")
    text = (book / "docs/specs/pdf.md").read_text(encoding="utf-8")
    (book / "docs/specs/pdf.md").write_text(text.replace("id: SPEC-004\n", ""), encoding="utf-8")
    b = open_book()
    assert b.load(book / "docs/specs/pdf.md").id == "SPEC-004"  # from the H1
    with pytest.raises(AmbiguousIdError) as caught:
        b.find("SPEC-004")
    assert [m[3] for m in caught.value.matches] == [CSV, "docs/specs/pdf.md"]
    assert b.find("SPEC-002").path == "docs/specs/SPEC-002-audit-log.md"  # mentioned, unique


# -- the CLI ----------------------------------------------------------------------------
def test_show_lists_both_documents_and_exits_1(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["show", "SPEC-004"])
    assert r.exit_code == 1 and r.stdout == ""
    err = r.stderr
    assert "SPEC-004 is the ID of 2 documents" in err
    rows = [line.split() for line in err.splitlines() if line.startswith("  SPEC-004")]
    assert [(row[-2], row[-1]) for row in rows] == [("implemented", CSV), ("draft", PDF)]
    assert "Export reports as CSV" in err and "PDF reports" in err
    assert f"`specbook show {CSV}`" in err and "`specbook renumber`" in err
    shown = runner.invoke(main, ["show", PDF])
    assert shown.exit_code == 0 and shown.stdout.startswith("SPEC-004  PDF reports")


@pytest.mark.parametrize(
    ("argv", "by_path"),
    [
        (["status", "SPEC-004", "Review", "--force", "--by", "x"], True),
        (["review", "SPEC-004", "--comment", "--by", "x"], True),
        (["check", "SPEC-004", "1"], True),
        (["supersede", "SPEC-004", "SPEC-005", "--by", "x"], True),
        (["supersede", "SPEC-005", "SPEC-004", "--by", "x"], True),
        (["show", "SPEC-004", "--json"], True),
        (["refs", "SPEC-004"], False),
        (["graph", "--root", "SPEC-004"], False),
    ],
)
def test_every_command_taking_an_id_refuses_a_shared_one(
    book: Path, runner: CliRunner, argv: list[str], by_path: bool
) -> None:
    before = _snapshot(book)
    r = runner.invoke(main, argv)
    assert r.exit_code == 1, r.output
    assert "SPEC-004 is the ID of 2 documents" in r.stderr
    assert all(p in r.stderr for p in BOTH)
    assert "`specbook renumber`" in r.stderr
    # the example names the command it was given to, where a path can stand for the ID
    assert (f"`specbook {argv[0]} {CSV}" in r.stderr) is by_path
    assert _snapshot(book) == before  # neither document was touched


def test_a_path_names_one_of_the_two(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["check", PDF, "1"])
    assert r.exit_code == 0, r.output
    assert "- [x] FR-004-001: a report of 50 pages" in (book / PDF).read_text(encoding="utf-8")
    assert "- [ ] FR-004-001" in (book / CSV).read_text(encoding="utf-8")


def test_list_marks_each_document_of_a_shared_id(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["list", "--kind", "spec"])
    assert r.exit_code == 0, r.output
    csv_line = next(v for v in r.stdout.splitlines() if "Export reports as CSV" in v)
    pdf_line = next(v for v in r.stdout.splitlines() if "PDF reports" in v)
    assert csv_line.endswith(f"[same ID as {PDF}]")
    assert pdf_line.endswith(f"[same ID as {CSV}]")
    assert sum("[same ID" in v for v in r.stdout.splitlines()) == 2
    assert "SPEC-004 is the ID of 2 documents" in r.stderr and all(p in r.stderr for p in BOTH)
    # as JSON; and a filter showing one of them still marks it
    rows = json.loads(runner.invoke(main, ["list", "--json"]).stdout)
    dup = {d["path"]: d["duplicate_of"] for d in rows if d["duplicate_of"]}
    assert dup == {CSV: [PDF], PDF: [CSV]}
    assert all(d["duplicate_of"] == [] for d in rows if d["path"] not in BOTH)
    drafts = json.loads(runner.invoke(main, ["list", "--status", "draft", "--json"]).stdout)
    assert [d["duplicate_of"] for d in drafts if d["path"] == PDF] == [[CSV]]


def test_list_keeps_the_mark_whole_on_a_narrow_terminal() -> None:
    from specbook.services.show import render_list

    config = default_config(Path("/book"))
    long = "A title long enough to be cut at the end of a narrow terminal line, and then some"
    a = parse(f"---\nid: SPEC-004\ntitle: {long}\n---\n".encode(), "docs/specs/a.md", config)
    b = parse(b"---\nid: SPEC-004\ntitle: B\n---\n", "docs/specs/b.md", config)
    text = render_list([a, b], 80, {"docs/specs/a.md": ["docs/specs/b.md"]})
    first = text.splitlines()[0]
    assert len(first) <= 80 and first.endswith("…  [same ID as docs/specs/b.md]"), first


def test_lint_sb106_points_to_renumber(book: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["lint", "--select", "SB106"])
    assert r.exit_code == 1
    found = [line for line in r.stdout.splitlines() if " SB106 " in line]
    assert [line.split(":")[0] for line in found] == list(BOTH)
    assert all("`specbook renumber` gives the newer one the next free ID" in f for f in found)


def test_graph_keeps_both_documents_on_the_node_of_their_id(book: Path, runner: CliRunner) -> None:
    data = json.loads(runner.invoke(main, ["graph", "--format", "json"]).stdout)
    node = next(n for n in data["nodes"] if n["id"] == "SPEC-004")
    assert node["paths"] == list(BOTH)
    one = next(n for n in data["nodes"] if n["id"] == "SPEC-001")
    assert one["paths"] == ["docs/specs/SPEC-001-multi-tenant-auth.md"]
    dot = runner.invoke(main, ["graph", "--format", "dot"]).stdout
    assert '"SPEC-004" [label="SPEC-004 (2 documents): Export reports as CSV / PDF reports' in dot


def test_refs_and_search_keep_both(book: Path, runner: CliRunner) -> None:
    hits = json.loads(runner.invoke(main, ["search", "reports", "--json"]).stdout)
    assert {h["path"] for h in hits} >= set(BOTH)


def test_diff_pairs_each_document_of_a_shared_id_with_its_own_past() -> None:
    config = default_config(Path("/book"))

    def doc(path: str, words: str) -> object:
        return parse(f"---\nid: SPEC-004\n---\n# SPEC-004: {words}\n".encode(), path, config)

    old = [doc(CSV, "CSV"), doc(PDF, "PDF")]
    new = [doc(CSV, "CSV export"), doc(PDF, "PDF export")]
    pairs = pair_documents(old, new)  # type: ignore[arg-type]
    assert [(o.path, n.path) for o, n in pairs if o and n] == [(CSV, CSV), (PDF, PDF)]
    # a renamed file still pairs by its ID
    moved = [doc("docs/specs/csv.md", "CSV export")]
    assert pair_documents(old[:1], moved) == [(old[0], moved[0])]  # type: ignore[arg-type]


# -- MCP --------------------------------------------------------------------------------
def test_mcp_get_of_a_shared_id_is_an_error_naming_both(book: Path) -> None:
    tools = BookTools(open_book())
    with pytest.raises(AmbiguousIdError) as caught:
        tools.get("SPEC-004")
    assert all(p in str(caught.value) for p in BOTH)
    assert tools.get(PDF)["title"] == "PDF reports"
    listed = {d["path"]: d["duplicate_of"] for d in tools.list_documents()["documents"]}
    assert listed[CSV] == [PDF] and listed[PDF] == [CSV]


def test_book_find_reads_but_does_not_parse_every_file(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a file named after the ID carries it, the rest are parsed only when they
    could carry it too: this book's other documents mostly name other IDs."""
    import specbook.book as book_module

    parsed: list[str] = []
    real = book_module.parse

    def counting(data: bytes, path: str, config: object, *rest: object) -> object:
        parsed.append(path)
        return real(data, path, config, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(book_module, "parse", counting)
    b = Book(open_book().config)
    assert b.find("ADR-0007").path == "docs/decisions/ADR-0007-monorepo.md"
    assert len(parsed) <= 3, parsed
    assert os.path.basename(parsed[0]).startswith("ADR-0007")
