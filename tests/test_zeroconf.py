"""Zero-config (issue 18): with no specbook.toml every command infers the config exactly as
`specbook adopt` would write it, for the book rooted at the git work tree's top (else the
current folder), says so once on stderr, and works; the inference is cached."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.core.config import load_config
from specbook.core.errors import NoBookError
from specbook.services import zeroconf
from specbook.services.zeroconf import open_book

REPO = Path(__file__).resolve().parents[1]
CORPORA = sorted(p for p in (REPO / "tests" / "corpus" / "wild").iterdir() if p.is_dir()) + sorted(
    p for p in (REPO / "tests" / "corpus" / "synthetic").iterdir() if p.is_dir()
)


@pytest.fixture
def here() -> Iterator[None]:
    old = Path.cwd()
    try:
        yield
    finally:
        os.chdir(old)


def _copy(src: Path, tmp_path: Path) -> Path:
    root = tmp_path / src.name
    shutil.copytree(src, root)
    return root


@pytest.mark.parametrize("src", CORPORA, ids=lambda p: p.name)
def test_list_with_no_config_is_list_after_adopt(
    src: Path, tmp_path: Path, runner: CliRunner, here: None
) -> None:
    """Must-show 2 of issue 18: the same documents, with or without the written config."""
    root = _copy(src, tmp_path)
    os.chdir(root)
    zero = runner.invoke(main, ["list", "--json"])
    assert zero.exit_code == 0, zero.output
    assert "run `specbook init`" not in zero.stderr
    said = [line for line in zero.stderr.splitlines() if "no specbook.toml" in line]
    assert len(said) == 1
    assert said[0].startswith("specbook: no specbook.toml: inferred ")
    assert f"documents under {root.resolve()}; `specbook adopt` writes this config" in said[0]
    inferred = open_book().config
    r = runner.invoke(main, ["adopt"])
    assert r.exit_code == 0, r.output
    written = load_config(root / "specbook.toml")
    assert written == replace(inferred, inferred=None)  # exactly what adopt writes
    adopted = runner.invoke(main, ["list", "--json"])
    assert adopted.exit_code == 0, adopted.output
    assert "no specbook.toml" not in adopted.stderr
    assert json.loads(zero.stdout) == json.loads(adopted.stdout)
    if src.name != "folder-sidecar":  # (its README.md documents: the layouts part lists them)
        assert json.loads(zero.stdout)


def test_said_once_and_every_command_works(tmp_path: Path, runner: CliRunner, here: None) -> None:
    root = _copy(REPO / "tests" / "corpus" / "synthetic" / "frontmatter-adr", tmp_path)
    os.chdir(root)
    r = runner.invoke(main, ["show", "ADR-0006", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["status_canonical"] == "accepted"
    assert r.stderr.count("no specbook.toml: inferred 2 kinds from 21 documents") == 1
    # the same process says it once, however many commands and books it opens
    r = runner.invoke(main, ["lint", "--format", "json", "--no-cache"])
    assert r.exit_code in (0, 1), r.output
    assert "no specbook.toml" not in r.stderr
    assert json.loads(r.stdout)["summary"]["documents"] == 21
    r = runner.invoke(main, ["new", "dec", "Use gRPC", "--author", "Ana"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "docs/decisions/ADR-0013-use-grpc.md"


def test_the_book_starts_at_the_git_work_trees_top(
    tmp_path: Path, runner: CliRunner, here: None
) -> None:
    (tmp_path / ".git").mkdir()
    specs = tmp_path / "docs" / "specs"
    specs.mkdir(parents=True)
    for i in (1, 2):
        (specs / f"SPEC-00{i}-x.md").write_text(f"# SPEC-00{i}: X\n\n**Status**: Draft\n")
    os.chdir(specs)
    book = open_book()
    assert book.root == tmp_path.resolve()
    assert book.config.kinds["SPEC"].folder == "docs/specs"
    r = runner.invoke(main, ["list", "--json"])
    assert [d["id"] for d in json.loads(r.stdout)] == ["SPEC-001", "SPEC-002"]
    r = runner.invoke(main, ["adopt", "--dry-run"])  # adopt's default: the same root
    assert r.exit_code == 0
    assert f"adopting {tmp_path.resolve()} as book" in r.stderr


def test_nothing_to_infer_says_what_was_looked_for(
    tmp_path: Path, runner: CliRunner, here: None
) -> None:
    (tmp_path / "notes.md").write_text("# Notes\n")
    os.chdir(tmp_path)
    with pytest.raises(NoBookError, match="no document carries an ID"):
        open_book()
    r = runner.invoke(main, ["list"])
    assert r.exit_code == 2
    assert "no specbook.toml in" in r.stderr and "specbook init" in r.stderr
    assert "a number-named file (0001-name.md)" in r.stderr


def test_inference_is_cached_and_done_again_when_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(REPO / "tests" / "corpus" / "wild" / "sambeau__basil", tmp_path)
    first, kinds, docs = zeroconf.inferred_config(root)
    assert (kinds, docs) == (2, 137)
    assert (root / ".specbook" / zeroconf.CACHE_FILE).is_file()
    import specbook.services.adopt

    def no(*args: object, **kwargs: object) -> None:
        raise AssertionError("inferred again")

    monkeypatch.setattr(specbook.services.adopt, "infer", no)
    again, _, _ = zeroconf.inferred_config(root)  # the listing is unchanged: the cache
    assert again == first
    monkeypatch.undo()
    # an edit: inferred again, parsing only the edited file
    import specbook.services.adopt.facts as facts

    parsed: list[str] = []
    real = facts.parse

    def counting(data: bytes, rel: str | None = None, config: object = None) -> object:
        parsed.append(str(rel))
        return real(data, rel, config)  # type: ignore[arg-type]

    monkeypatch.setattr(facts, "parse", counting)
    spec = root / "work" / "specs" / "FEAT-051.md"
    spec.write_text(spec.read_text().replace("tracking", "incubating") + "\n")
    other = root / "work" / "specs" / "FEAT-052.md"
    other.write_text(other.read_text().replace("status: ", "status: incubating  # ", 1))
    after, _, _ = zeroconf.inferred_config(root)
    assert sorted(parsed) == ["work/specs/FEAT-051.md", "work/specs/FEAT-052.md"]
    assert "Incubating" in after.kinds["SPEC"].statuses  # two documents use it now
    assert "Incubating" not in first.kinds["SPEC"].statuses


def test_lint_results_follow_the_inferred_config(
    tmp_path: Path, runner: CliRunner, here: None
) -> None:
    """A status one document uses is unknown (SB102); once a second uses it, it is a
    status: the first document's cached findings must not be served."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "SPEC-001-a.md").write_text("# SPEC-001: A\n\n**Status**: Incubating\n")
    (specs / "SPEC-002-b.md").write_text("# SPEC-002: B\n\n**Status**: Draft\n")
    os.chdir(tmp_path)
    r = runner.invoke(main, ["lint", "--format", "json", "--select", "SB102"])
    found = [f["path"] for f in json.loads(r.stdout)["findings"] if f["severity"] == "error"]
    assert found == ["specs/SPEC-001-a.md"]
    (specs / "SPEC-003-c.md").write_text("# SPEC-003: C\n\n**Status**: Incubating\n")
    r = runner.invoke(main, ["lint", "--format", "json", "--select", "SB102"])
    assert [f for f in json.loads(r.stdout)["findings"] if f["severity"] == "error"] == []


def test_a_shared_database_gets_no_inferred_book(tmp_path: Path, here: None) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "SPEC-001-a.md").write_text("# SPEC-001: A\n")
    os.chdir(tmp_path)
    assert open_book().config.inferred is not None
    with pytest.raises(NoBookError, match="specbook adopt"):
        open_book(infer=False)


def _handbook_below(top: Path) -> Path:
    """Two documents and no config in ``top``; below it, ``handbook/`` with a config of
    its own and SPEC-007, which references its SPEC-008. Returns the handbook."""
    (top / "specs").mkdir()
    for i in (1, 2):
        (top / "specs" / f"SPEC-00{i}-a.md").write_text(f"# SPEC-00{i}: A\n")
    sub = top / "handbook"
    (sub / "docs" / "specs").mkdir(parents=True)
    (sub / "specbook.toml").write_text("[book]\nname = 'handbook'\n")
    (sub / "docs" / "specs" / "SPEC-007-x.md").write_text("# SPEC-007: X\n\nSee SPEC-008.\n")
    (sub / "docs" / "specs" / "SPEC-008-y.md").write_text("# SPEC-008: Y\n")
    return sub


def test_lint_of_a_file_in_a_book_below_uses_that_book(
    tmp_path: Path, runner: CliRunner, here: None
) -> None:
    """No config at the top (its documents make an inferred book), a book of its own in a
    subfolder: a file of that book is linted in it, where its references resolve."""
    _handbook_below(tmp_path)
    os.chdir(tmp_path)
    assert open_book().config.inferred is not None
    named = "handbook/docs/specs/SPEC-007-x.md"
    r = runner.invoke(main, ["lint", "--format", "json", "--select", "SB401", named])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["findings"] == []  # SPEC-008 is the handbook's
    r = runner.invoke(
        main, ["lint", "--format", "json", "--select", "SB401", "specs/SPEC-001-a.md"]
    )
    assert r.exit_code == 0, r.output


def test_lint_of_paths_all_in_books_of_their_own_infers_nothing_here(
    tmp_path: Path, runner: CliRunner, here: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No config here, and every named path lies in a book with its own config: the
    documents here are not read to infer a config none of them is linted in (nor is it
    said on stderr)."""
    sub = _handbook_below(tmp_path)
    os.chdir(tmp_path)
    inferred: list[Path] = []
    real = zeroconf.zero_config
    monkeypatch.setattr(
        zeroconf, "zero_config", lambda start: inferred.append(start) or real(start)
    )
    for named in (["handbook"], ["handbook/docs/specs/SPEC-007-x.md"], [str(sub)]):
        r = runner.invoke(main, ["lint", "--format", "json", "--select", "SB401", *named])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["findings"] == []  # SPEC-008 is the handbook's
        assert "inferred" not in r.stderr
    assert inferred == []
    # a path of no book among them: this folder's inferred book, as before
    r = runner.invoke(main, ["lint", "--select", "SB401", "handbook", "specs/SPEC-001-a.md"])
    assert r.exit_code == 0, r.output
    assert len(inferred) == 1
