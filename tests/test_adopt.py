"""`specbook adopt` on the real-world corpus: the inferred config loads, lint runs with
it, every status is recognised except the ones that really are unknown, and no
document changes by one byte."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.core.config import default_config, load_config
from specbook.services.adopt import concept_of, infer
from tests.conftest import REPO

EXAMPLE_BOOK = REPO / "examples" / "book"

# Per project: the documents whose status adopt leaves unknown (SB102 errors), and why.
UNKNOWN = {
    "3Dzigns__TTRPG-CENTER": set(),
    "paulomcnally__p40la-ihost": set(),
    "pezware__mirubato": set(),
    # one-off notes in the Statut line, not statuses
    "rdjomkam__farm-flow": {
        "docs/decisions/ADR-032-fix-fcr-diagnostic.md",
        "docs/decisions/ADR-feed-analytics-research.md",
        "docs/decisions/ADR-navigation-architecture.md",
        "docs/decisions/ADR-navigation-redesign-recommendations.md",
    },
    # `tracking` is used once
    "sambeau__basil": {"work/specs/FEAT-051.md"},
}


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".specbook" not in p.parts and p.name != "specbook.toml"
    }


def _copy(corpus: Path, name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(corpus / name, root)
    return root


def test_every_project_of_the_corpus_is_listed(corpus: Path) -> None:
    assert sorted(p.name for p in corpus.iterdir() if p.is_dir()) == sorted(UNKNOWN)


@pytest.mark.parametrize("name", sorted(UNKNOWN))
def test_adopt_makes_lint_recognise_the_statuses(
    name: str,
    corpus: Path,
    tmp_path: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = _copy(corpus, name, tmp_path)
    before = _digests(root)
    monkeypatch.chdir(root)
    r = runner.invoke(main, ["adopt"])
    assert r.exit_code == 0, r.output
    assert "wrote" in r.stdout
    config = load_config(root / "specbook.toml")  # specbook's own loader accepts it
    assert config.kinds
    assert _digests(root) == before  # adopt never edits a document

    r = runner.invoke(main, ["lint", "--format", "json", "--no-cache"])
    assert r.exit_code in (0, 1), r.output
    data = json.loads(r.stdout)
    assert data["summary"]["documents"] > 0
    sb102 = [f for f in data["findings"] if f["rule"] == "SB102"]
    unrecognised = {f["path"] for f in sb102 if f["severity"] == "error"}
    assert unrecognised == UNKNOWN[name]
    # what remains of SB102 are only spelling notes on recognised words
    assert all("write it as" in f["message"] for f in sb102 if f["severity"] != "error")
    assert _digests(root) == before  # nor does lint


def test_farm_flow_kinds_and_aliases(corpus: Path, tmp_path: Path) -> None:
    a = infer(_copy(corpus, "rdjomkam__farm-flow", tmp_path))
    kinds = {k.name: k for k in a.kinds}
    assert set(kinds) == {"DEC", "BUG"}
    dec, bug = kinds["DEC"], kinds["BUG"]
    assert (dec.prefix, dec.folder, dec.digits) == ("ADR", "docs/decisions", 3)
    assert (bug.prefix, bug.folder, bug.digits) == ("BUG", "docs/bugs", 3)
    # the documents' words for the built-in statuses (the built-in aliases are written too)
    assert {
        "Accepté": "Accepted",
        "Acceptée": "Accepted",
        "PROPOSÉ": "Proposed",
        "Proposee": "Proposed",
        "SUPERSÉDÉ": "Superseded",
        "VALIDE": "Accepted",
    }.items() <= dec.status_aliases.items()
    # every bug writes its status in capitals: the team's spelling
    assert {
        "CLOS": "CLOSED",
        "CORRIGÉ": "FIXED",
        "OUVERT": "OPEN",
        "VERIFIE": "VERIFIED",
    }.items() <= (bug.status_aliases.items())
    assert bug.statuses == ["OPEN", "IN PROGRESS", "FIXED", "VERIFIED", "CLOSED", "WON'T FIX"]
    # words with no status of their meaning are added where their meaning puts them, never
    # forced onto one: ready before Accepted, done after it, the ends last
    assert set(dec.statuses) == {
        "Proposed", "Accepted", "Rejected", "Deprecated", "Superseded",
        "Design Needed", "Fait", "Plan", "Prêt",
    }  # fmt: skip
    order = dec.statuses.index
    assert order("Proposed") == 0
    assert order("Prêt") < order("Accepted") < order("Fait") < order("Rejected")
    assert dec.statuses[-3:] == ["Rejected", "Deprecated", "Superseded"]
    # `001-structure-projet.md` states no ID: it is ADR-001 by its name
    assert dec.ids_from_names and not bug.ids_from_names
    aliases = {f.name: f.key for f in a.field_aliases}
    assert aliases["Détecté par"] == "author"
    assert aliases["Supersède"] == "supersedes"
    assert aliases["Assigne a"] == "owner"
    assert aliases["Dépend de"] == "depends_on"
    assert "Statut" not in aliases  # specbook knows it already
    assert a.known_fields["Statut"] == "status"
    config = a.config()
    assert config.kinds["DEC"].canonical_status("ACCEPTÉE — en production") == "Accepted"
    assert config.kinds["BUG"].canonical_status("Clos (v2)") == "CLOSED"
    assert config.field_key("Détecté par") == "author"


def test_sambeau_kinds_and_aliases(corpus: Path, tmp_path: Path) -> None:
    a = infer(_copy(corpus, "sambeau__basil", tmp_path))
    kinds = {k.name: k for k in a.kinds}
    assert set(kinds) == {"SPEC", "BUG"}
    spec, bug = kinds["SPEC"], kinds["BUG"]
    assert (spec.prefix, spec.folder, spec.digits) == ("FEAT", "work/specs", 3)
    assert (bug.prefix, bug.folder) == ("BUG", "work/bugs")
    # complete/done/implemented are SPEC words already: only the built-in aliases
    assert spec.status_aliases == default_config(None).kinds["SPEC"].status_aliases
    # `proposed` comes before review, `in-progress` after approval
    assert spec.statuses == [
        "Draft", "Proposed", "Review", "Approved", "In Progress", "Implemented", "Archived",
    ]  # fmt: skip
    assert bug.status_aliases == default_config(None).kinds["BUG"].status_aliases
    # files are named FEAT-001.md: `specbook new` names them so
    assert spec.file_name == bug.file_name == "{id}.md"
    assert {f.name: f.key for f in a.field_aliases} == {"reporter": "author"}
    outcomes = {w.word: w.outcome for w in spec.words}
    assert outcomes["complete"] == "known"
    assert outcomes["tracking"] == "unknown"


def test_dry_run_prints_and_writes_nothing_and_force_is_needed_to_replace(
    corpus: Path, tmp_path: Path, runner: CliRunner
) -> None:
    root = _copy(corpus, "pezware__mirubato", tmp_path)
    r = runner.invoke(main, ["adopt", str(root), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert not (root / "specbook.toml").exists()
    assert (
        '[kinds.SPEC]\n# prefix: the documents state IDs such as SPEC-ARCH-001.\nprefix = "SPEC"\nfolder = "docs/specs"'
        in r.stdout
    )
    assert "new status 'Active'" in r.stderr
    (root / "specbook.toml").write_text("[book]\nname = 'mine'\n")
    r = runner.invoke(main, ["adopt", str(root)])
    assert r.exit_code == 1
    assert "already exists" in r.output and "--force" in r.output
    assert (root / "specbook.toml").read_text() == "[book]\nname = 'mine'\n"
    r = runner.invoke(main, ["adopt", str(root), "--force", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["written"] == str(root / "specbook.toml")
    assert (root / "specbook.toml").read_text() == data["config"]
    spec = next(k for k in data["kinds"] if k["name"] == "SPEC")
    assert {"Active", "Planned", "Experimental"} <= set(spec["statuses"])


def test_adopt_of_a_folder_without_markdown_is_a_usage_error(
    tmp_path: Path, runner: CliRunner
) -> None:
    r = runner.invoke(main, ["adopt", str(tmp_path)])
    assert r.exit_code == 2
    assert "found no documents to adopt among 0 Markdown files" in r.output


def test_adopt_of_a_folder_it_cannot_infer_anything_from_explains_and_exits_2(
    tmp_path: Path, runner: CliRunner
) -> None:
    """Notes with no ID, no number in their names and no kind-named folder: adopt says
    what it looked for (it wrote a config with no kinds and exited 0 before)."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "meeting.md").write_text("# Meeting\n\nWe met.\n")
    (tmp_path / "notes" / "ideas.md").write_text("# Ideas\n\nStatus: fuzzy\n")
    r = runner.invoke(main, ["adopt", str(tmp_path)])
    assert r.exit_code == 2, r.output
    assert not (tmp_path / "specbook.toml").exists()
    for looked_for in (
        "among 2 Markdown files",
        "no document carries an ID (SPEC-001, ADR-0007)",
        "a number-named file (0001-name.md)",
        "folder (1234-name/README.md)",
        "a folder named like a kind (specs, decisions, adr, rfcs, keps…)",
        "`specbook init`",
    ):
        assert looked_for in r.output


@pytest.mark.parametrize(
    ("word", "concept"),
    [
        ("Acceptée", "accepted"),
        ("ACCEPTE", "accepted"),
        ("CLOS", "closed"),
        ("corrigé", "fixed"),
        ("released", "implemented"),
        ("in_progress", "in_progress"),
        ("tracking", None),
    ],
)
def test_status_concepts(word: str, concept: str | None) -> None:
    assert concept_of(word) == concept


def test_adopt_reads_nothing_outside_the_folder(tmp_path: Path) -> None:
    """Documents that are links leading out of the folder are not read to infer the
    config (issue 17): two linked to documents elsewhere would have made a kind of their
    own, named by them. A loop of links and names that are not UTF-8 are left out too;
    each is reported once."""
    import os

    root = tmp_path / "docs-folder"
    shutil.copytree(EXAMPLE_BOOK, root, ignore=shutil.ignore_patterns("specbook.toml"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "notes").mkdir()
    for n in (1, 2):
        (outside / f"w{n}.md").write_text(
            f"# Wombat {n}\n\n**ID**: WOMBAT-00{n}\n**Status**: Burrowed\n", encoding="utf-8"
        )
        (root / "notes" / f"WOMBAT-00{n}-x.md").symlink_to(outside / f"w{n}.md")
    (root / "notes" / "loop.md").symlink_to("loop.md")
    with open(os.path.join(os.fsencode(root / "notes"), b"caf\xe9.md"), "wb") as fh:
        fh.write(b"# Caf\xe9\n")
    r = CliRunner().invoke(main, ["adopt", str(root), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "WOMBAT" not in r.stdout and "Burrowed" not in r.stdout
    adoption = infer(root)
    assert [k.name for k in adoption.kinds] == ["SPEC", "BUG", "DEC", "TASK"]
    warned = [line for line in r.stderr.splitlines() if line.startswith("specbook: warning:")]
    assert len(warned) == 4, r.stderr
    for name in ("WOMBAT-001-x.md", "WOMBAT-002-x.md", "loop.md", "caf\\xe9.md"):
        assert sum(f"notes/{name}: " in w for w in warned) == 1, (name, warned)
