"""`specbook adopt` learns the conventions of the documents it finds (issue 18): kinds and
prefixes from IDs, number-named files and folders; layouts, sidecars, file naming and the
team's templates; statuses in lifecycle order, spelled the team's way, in a workflow
with no dead end; types and required fields from usage; the requirement ID pattern; the
process rules the documents do not follow, off; every choice explained in a comment."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.core.config import default_config, load_config
from specbook.core.workflow import workflow_for
from specbook.services.adopt import infer
from specbook.services.adopt.statuses import dead_ends, listing_ranks, plan_statuses

REPO = Path(__file__).resolve().parents[1]
WILD = REPO / "tests" / "corpus" / "wild"
SYNTHETIC = REPO / "tests" / "corpus" / "synthetic"
CORPORA = sorted(p for p in WILD.iterdir() if p.is_dir()) + sorted(
    p for p in SYNTHETIC.iterdir() if p.is_dir()
)

# corpus -> kind -> (prefix, folder, digits, layout, sidecars, ids_from_names, file_name,
# template): what adopt writes for each kind
KINDS: dict[str, dict[str, tuple[Any, ...]]] = {
    "3Dzigns__TTRPG-CENTER": {
        "BUG": ("BUG", "docs/bugs", 3, "file", [], False, "{id}.md", "bug.md"),
    },
    "paulomcnally__p40la-ihost": {
        "SPEC": ("SPEC", "docs/specs", 3, "file", [], False, "{id}-{slug}.md", "spec.md"),
    },
    "pezware__mirubato": {
        "SPEC": ("SPEC", "docs/specs", 3, "file", [], False, "{id}-{slug}.md", "spec.md"),
    },
    "rdjomkam__farm-flow": {
        "DEC": ("ADR", "docs/decisions", 3, "file", [], True, "{id}-{slug}.md", "dec.md"),
        "BUG": ("BUG", "docs/bugs", 3, "file", [], False, "{id}.md", "bug.md"),
    },
    "sambeau__basil": {
        "SPEC": ("FEAT", "work/specs", 3, "file", [], False, "{id}.md", "spec.md"),
        "BUG": ("BUG", "work/bugs", 3, "file", [], False, "{id}.md", "bug.md"),
    },
    "folder-sidecar": {
        "KEP": (
            "KEP",
            "keps",
            1,
            "folder",
            ["kep.yaml"],
            True,
            "{number}-{slug}/README.md",
            "keps/NNNN-kep-template/README.md",
        ),
    },
    "frontmatter-adr": {
        "DEC": (
            "ADR",
            "docs/decisions",
            4,
            "file",
            [],
            False,
            "{id}-{slug}.md",
            "docs/decisions/_TEMPLATE.md",
        ),
        "SPEC": (
            "SPEC",
            "docs/specs",
            3,
            "file",
            [],
            False,
            "{id}-{slug}.md",
            "docs/specs/_TEMPLATE.md",
        ),
    },
    "number-named": {
        "SPEC": ("RFC", "text", 4, "file", [], True, "{number}-{slug}.md", "0000-template.md"),
    },
}

# corpus -> kind -> (statuses, types, required fields)
STATUSES: dict[str, dict[str, tuple[list[str], list[str] | None, list[str]]]] = {
    "folder-sidecar": {
        "KEP": (
            [
                "provisional",
                "implementable",
                "implemented",
                "deferred",
                "rejected",
                "withdrawn",
                "replaced",
            ],
            None,
            ["id", "status"],
        ),
    },
    "frontmatter-adr": {
        "DEC": (
            ["proposed", "accepted", "rejected", "deprecated", "superseded"],
            None,
            ["id", "status", "date"],
        ),
        "SPEC": (
            ["draft", "review", "ready", "approved", "implemented", "archived"],
            ["feature"],
            ["id", "status", "type"],
        ),
    },
    "number-named": {
        "SPEC": (["Draft", "Review", "Approved", "Implemented", "Archived"], None, ["id"]),
    },
    "paulomcnally__p40la-ihost": {
        "SPEC": (
            [
                "draft",
                "review",
                "approved",
                "in_progress",
                "pending_release",
                "implemented",
                "archived",
            ],
            None,
            ["id", "status"],
        ),
    },
    "pezware__mirubato": {
        "SPEC": (
            [
                "Draft",
                "Planned",
                "Review",
                "Approved",
                "Active",
                "Experimental",
                "Implemented",
                "Archived",
            ],
            None,
            ["status"],
        ),
    },
}


def _copy(src: Path, tmp_path: Path) -> Path:
    root = tmp_path / src.name
    shutil.copytree(src, root)
    return root


@pytest.mark.parametrize("src", CORPORA, ids=lambda p: p.name)
def test_kinds_and_settings_adopt_writes(src: Path, tmp_path: Path) -> None:
    root = _copy(src, tmp_path)
    a = infer(root)
    got = {
        k.name: (
            k.prefix, k.folder, k.digits, k.layout, k.sidecars, k.ids_from_names, k.file_name,
            k.template,
        )
        for k in a.kinds
    }  # fmt: skip
    assert got == KINDS[src.name]
    # what is written loads as exactly what was inferred
    text = a.config_text()
    (root / "specbook.toml").write_text(text)
    written = load_config(root / "specbook.toml")
    assert written == a.config()
    for k in a.kinds:
        kc = written.kinds[k.name]
        assert (kc.layout, list(kc.sidecars), kc.ids_from_names, kc.file_name) == (
            k.layout, k.sidecars, k.ids_from_names, k.file_name,
        )  # fmt: skip
        # a workflow in which every status can be reached from the first and left
        assert (
            dead_ends(
                list(kc.statuses), {s: list(t) for s, t in workflow_for(kc).transitions.items()}
            )
            == []
        )


@pytest.mark.parametrize("name", sorted(STATUSES))
def test_statuses_types_and_required_fields(name: str, tmp_path: Path) -> None:
    src = WILD / name if (WILD / name).is_dir() else SYNTHETIC / name
    a = infer(_copy(src, tmp_path))
    for kind, (statuses, types, required) in STATUSES[name].items():
        k = next(k for k in a.kinds if k.name == kind)
        assert k.statuses == statuses
        if types is not None:
            assert k.types == types
        else:  # no document states a type: the built-in ones, for `new --type`
            assert k.types == list(default_config(None).kinds[k.base].types)
        assert k.required_fields == required


def test_every_setting_of_a_kind_says_why(tmp_path: Path) -> None:
    """Each setting adopt chose is under a comment naming it and the reason."""
    a = infer(_copy(SYNTHETIC / "folder-sidecar", tmp_path))
    text = a.config_text()
    for key, why in (
        ("prefix", "the documents state IDs such as KEP-"),
        ("digits", "numbers are not zero-padded"),
        ("layout", "are a numbered folder holding README.md"),
        ("sidecars", "kep.yaml beside 12 documents"),
        ("ids_from_names", "12 documents are number-named"),
        ("file_name", "12 of 12 documents are named so"),
        ("template", "the team's own template keps/NNNN-kep-template/README.md"),
        ("statuses", "lists provisional | implementable"),
        ("types", "no document states a type"),
        ("required_fields", "not required: date (0 of 12)"),
        ("approvals", "0 of 12 documents keep a Review History"),
    ):
        m = re.search(rf"# {key}: (.*?)\n{key} = ", text, re.S)
        assert m is not None, key
        assert why in " ".join(m.group(1).replace("# ", "").split()), key
    assert "# The KEP workflow: every status can be reached and left." in text
    # the process rule off is a commented setting: delete the table to opt in
    m = re.search(r"((?:# .*\n)+)\[lint\.rules\.approval-missing\]\nseverity = \"off\"", text)
    assert m is not None
    said = " ".join(m.group(1).replace("# ", "").split())
    assert "SB501 wants approvals recorded in specbook's Review History table; 0 of 12" in said
    assert "Delete this table to opt in" in said


def test_prefix_of_number_named_documents_is_what_they_call_each_other(
    tmp_path: Path,
) -> None:
    """`text/0048-traits.md` states no ID; other RFCs call it `RFC 48`: the prefix."""
    a = infer(_copy(SYNTHETIC / "number-named", tmp_path))
    (k,) = a.kinds
    assert (k.prefix, k.name, k.base) == ("RFC", "SPEC", "SPEC")
    assert "refer to others as RFC <number>" in k.notes["prefix"]


def _numbered(root: Path, names: list[str], body: str = "# Summary\n\nText.\n") -> None:
    for n in names:
        path = root / n
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)


def test_prefix_from_the_repository_name_and_folder(tmp_path: Path) -> None:
    """Nothing in the documents names them: a repository named `rfcs` holding `text/`."""
    root = tmp_path / "rfcs"
    _numbered(root, ["text/0001-a.md", "text/0002-b.md", "text/0003-c.md"])
    (k,) = infer(root).kinds
    assert (k.prefix, k.folder, k.digits, k.ids_from_names) == ("RFC", "text", 4, True)
    assert "the folder 'rfcs'" in k.notes["prefix"]


def test_prefix_from_the_template_heading(tmp_path: Path) -> None:
    _numbered(tmp_path, ["proposals/12-a.md", "proposals/13-b.md"])
    (tmp_path / "proposals" / "0000-template.md").write_text("# XEP-NNNN: Title\n\n## Summary\n")
    (k,) = infer(tmp_path).kinds
    assert k.prefix == "XEP"
    assert k.template == "proposals/0000-template.md"
    assert "their template proposals/0000-template.md is headed XEP-NNNN" in k.notes["prefix"]


def test_number_named_notes_with_nothing_naming_them_are_not_documents(
    tmp_path: Path, runner: CliRunner
) -> None:
    """A guide's chapters `01-intro.md`, `02-setup.md`: numbers, but no process."""
    _numbered(tmp_path, ["guide/01-intro.md", "guide/02-setup.md", "guide/03-usage.md"])
    r = runner.invoke(main, ["adopt", str(tmp_path)])
    assert r.exit_code == 2
    assert "found no documents to adopt among 3 Markdown files" in r.output


def test_prefix_seen_only_in_text_is_no_kind(tmp_path: Path) -> None:
    """Documents mention ADR-3803 in anchors and text; only SPEC names documents."""
    for i in (1, 2, 3):
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "docs" / f"SPEC-00{i}-x.md").write_text(
            f"# SPEC-00{i}: X\n\nSee [[#ADR-3803]] and ADR-12 and [y](#adr-3803).\n"
        )
    a = infer(tmp_path)
    assert [k.prefix for k in a.kinds] == ["SPEC"]


def test_unknown_process_statuses_join_a_workflow_in_lifecycle_order(tmp_path: Path) -> None:
    """Without a template listing them: provisional, implementable, implemented, withdrawn,
    replaced go where known lifecycles put them, and no status is a dead end."""
    root = _copy(SYNTHETIC / "folder-sidecar", tmp_path)
    shutil.rmtree(root / "keps" / "NNNN-kep-template")
    a = infer(root)
    (k,) = a.kinds
    assert k.template == "spec.md"  # no template of the team's: the built-in one
    assert k.statuses == ["provisional", "implementable", "implemented", "withdrawn", "replaced"]
    moves = k.transitions
    assert moves["provisional"][0] == "implementable"
    assert moves["implementable"][0] == "implemented"
    assert "provisional" in moves["withdrawn"]  # an end can be reopened
    assert dead_ends(k.statuses, moves) == []


def test_a_word_of_no_known_lifecycle_goes_by_its_documents_dates(tmp_path: Path) -> None:
    """`incubating` documents are newer than the approved ones and older than the
    drafts: it comes between."""
    dates = {"draft": "2024-06-01", "incubating": "2024-03-01", "approved": "2023-01-01"}
    for i, (status, day) in enumerate(
        [(s, d) for s, d in dates.items() for _ in range(2)], start=1
    ):
        (tmp_path / "specs").mkdir(exist_ok=True)
        (tmp_path / "specs" / f"SPEC-00{i}.md").write_text(
            f"# SPEC-00{i}: T\n\n**Status**: {status.capitalize()}\n**Created**: {day}\n"
        )
    (k,) = infer(tmp_path).kinds
    assert k.statuses == ["Draft", "Incubating", "Review", "Approved", "Implemented", "Archived"]
    assert "older than those Draft" in k.placed["Incubating"]


def test_a_teams_own_list_of_statuses_orders_them() -> None:
    ranks = listing_ranks(
        ["draft", "pending_execution", "in_progress", "pending_release", "released"]
    )
    assert ranks["draft"] < ranks["pending execution"] < ranks["in progress"]
    assert ranks["in progress"] < ranks["pending release"] < ranks["released"]


def test_statuses_keep_specbooks_spelling_unless_every_document_writes_them_one_way() -> None:
    base = default_config(None).kinds["DEC"]
    lower = plan_statuses(
        "DEC", base, False, {"accepted": ["a", "b"], "proposed": ["c"]}, [], {}, None
    )
    assert lower.statuses == ["proposed", "accepted", "rejected", "deprecated", "superseded"]
    assert lower.aliases["approved"] == "accepted"  # the built-in aliases follow
    mixed = plan_statuses(
        "DEC", base, False, {"accepted": ["a", "b"], "Proposed": ["c"]}, [], {}, None
    )
    assert mixed.statuses == list(base.statuses)
    few = plan_statuses("DEC", base, False, {"accepted": ["a"]}, [], {}, None)
    assert few.statuses == list(base.statuses)  # one document is no team's spelling


def test_template_is_the_kinds_and_no_document(tmp_path: Path, runner: CliRunner) -> None:
    root = _copy(SYNTHETIC / "frontmatter-adr", tmp_path)
    r = runner.invoke(main, ["adopt", str(root)])
    assert r.exit_code == 0, r.output
    data = tomllib.loads((root / "specbook.toml").read_text())
    assert data["kinds"]["DEC"]["template"] == "docs/decisions/_TEMPLATE.md"
    assert data["kinds"]["SPEC"]["template"] == "docs/specs/_TEMPLATE.md"
    assert {"docs/decisions/_TEMPLATE.md", "docs/specs/_TEMPLATE.md"} <= set(
        data["book"]["exclude"]
    )
    import json
    import os

    old = Path.cwd()
    os.chdir(root)
    try:
        r = runner.invoke(main, ["list", "--json"])
    finally:
        os.chdir(old)
    paths = {d["path"] for d in json.loads(r.stdout)}
    assert len(paths) == 21 and not any("_TEMPLATE" in p for p in paths)


def test_requirement_pattern_and_prefixes(tmp_path: Path) -> None:
    a = infer(_copy(SYNTHETIC / "frontmatter-adr", tmp_path / "a"))
    assert a.requirement_id == "{prefix}-{n}"  # FR-020-001
    assert "FR-" in a.requirements_why and "more than one number" in a.requirements_why
    assert "missing-acceptance" not in a.rules_off  # their criteria name them by ID
    assert a.config().requirement_id == "{prefix}-{n}"
    b = infer(_copy(WILD / "paulomcnally__p40la-ihost", tmp_path / "b"))
    assert b.functional == ["FR", "REQ"] and b.requirement_id is None
    # REQ-001 … carry no criteria of their own: SB301 would flag every one
    assert re.search(
        r"; 0 of \d{3} listed requirements have their own", b.rules_off["missing-acceptance"]
    )


def test_section_rules_stay_on_where_documents_follow_their_template(tmp_path: Path) -> None:
    a = infer(_copy(SYNTHETIC / "frontmatter-adr", tmp_path / "a"))
    assert "missing-section" not in a.rules_off  # they follow the team's own template
    b = infer(_copy(WILD / "sambeau__basil", tmp_path / "b"))
    assert {"missing-section", "section-order", "approval-missing"} <= set(b.rules_off)


def test_field_alias_never_maps_two_fields_onto_one(tmp_path: Path) -> None:
    (tmp_path / "bugs").mkdir()
    (tmp_path / "bugs" / "BUG-001.md").write_text(
        "---\nid: BUG-001\nstatus: open\nreporter: ana\nauthor: bob\n---\n# BUG-001: A\n"
    )
    (tmp_path / "bugs" / "BUG-002.md").write_text(
        "---\nid: BUG-002\nstatus: open\nreporter: ana\ncreated_at: 2024-01-02\n---\n# B\n"
    )
    a = infer(tmp_path)
    aliases = {f.name: f.key for f in a.field_aliases}
    assert "reporter" not in aliases  # BUG-001 states both reporter and author
    assert aliases["created_at"] == "created"
    assert "states both 'reporter' and 'author'" in a.skipped_aliases["reporter"]


def test_approvals_and_sb501_follow_whether_documents_keep_a_review_history(
    tmp_path: Path,
) -> None:
    src = REPO / "examples" / "book"
    root = tmp_path / "book"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns(".specbook", "specbook.toml"))
    a = infer(root)
    assert "approval-missing" not in a.rules_off
    assert all(k.approvals == 1 for k in a.kinds)


def test_rule_options_are_written_where_the_rule_has_them(tmp_path: Path) -> None:
    """Contract 4: `case = "any"` for SB102 where documents spell statuses otherwise
    than the config (here: lowercase words and a trailing note), and the written config
    loads with it."""
    root = _copy(SYNTHETIC / "frontmatter-adr", tmp_path)
    a = infer(root)
    options, _why = a.rule_options["invalid-status"]
    assert options == {"case": "any"}
    assert '[lint.rules.invalid-status]\ncase = "any"' in a.config_text()
    assert a.config().lint_rules["invalid-status"]["case"] == "any"


def _new(root: Path, runner: CliRunner, *args: str) -> Path:
    import os

    old = Path.cwd()
    os.chdir(root)
    try:
        r = runner.invoke(main, ["adopt"])
        assert r.exit_code == 0, r.output
        r = runner.invoke(main, ["new", *args, "--author", "Ana Lima"])
    finally:
        os.chdir(old)
    assert r.exit_code == 0, r.output
    return root / r.stdout.strip()


def test_new_uses_the_teams_template_folder_and_sidecar(tmp_path: Path, runner: CliRunner) -> None:
    root = _copy(SYNTHETIC / "folder-sidecar", tmp_path)
    path = _new(root, runner, "kep", "Better widgets")
    assert path == root / "keps" / "4007-better-widgets" / "README.md"
    template = root / "keps" / "NNNN-kep-template"
    expected = (
        (template / "README.md")
        .read_text()
        .replace("# KEP-NNNN: Your short, descriptive title", "# KEP-4007: Better widgets")
    )
    assert path.read_text() == expected  # only the title line changed
    side = (path.parent / "kep.yaml").read_text()
    want = (template / "kep.yaml").read_text()
    for old, new in (
        ("title: KEP Template", "title: Better widgets"),
        ("kep-number: NNNN", "kep-number: 4007"),
        ("status: provisional|implementable|implemented|deferred|rejected|withdrawn|replaced",
         "status: provisional"),
        ("creation-date: yyyy-mm-dd", "creation-date: 2026-11-20"),
    ):  # fmt: skip
        want = want.replace(old, new)
    assert side == want
    assert sorted(p.name for p in path.parent.iterdir()) == ["README.md", "kep.yaml"]


def test_new_names_number_named_files_and_keeps_a_template_of_sections(
    tmp_path: Path, runner: CliRunner
) -> None:
    root = _copy(SYNTHETIC / "number-named", tmp_path)
    path = _new(root, runner, "rfc", "Better widgets")
    assert path == root / "text" / "2230-better-widgets.md"
    # `# Summary`, `# Motivation`… are the template's sections, not a title to fill
    assert path.read_bytes() == (root / "0000-template.md").read_bytes()


def test_new_fills_a_front_matter_template(tmp_path: Path, runner: CliRunner) -> None:
    root = _copy(SYNTHETIC / "frontmatter-adr", tmp_path)
    path = _new(root, runner, "dec", "Use gRPC")
    assert path == root / "docs" / "decisions" / "ADR-0013-use-grpc.md"
    text = path.read_text()
    template = (root / "docs" / "decisions" / "_TEMPLATE.md").read_text()
    for old, new in (
        ("id: ADR-NNNN", "id: ADR-0013"),
        ('title: "ADR-NNNN: Short title of the decision"', 'title: "ADR-0013: Use gRPC"'),
        ("date: YYYY-MM-DD", "date: 2026-11-20"),
        ("# ADR-NNNN: Short title of the decision", "# ADR-0013: Use gRPC"),
    ):
        template = template.replace(old, new)
    assert text == template
    sb = _copy(WILD / "sambeau__basil", tmp_path / "sb")
    assert _new(sb, runner, "spec", "X") == sb / "work" / "specs" / "FEAT-118.md"


@pytest.mark.parametrize(
    "value",
    ["{slug}.md", "{id}-{slug}.txt", "../{id}.md", "/abs/{id}.md", "{id}-{title}.md", "{id"],
)
def test_file_name_setting_is_checked(value: str, tmp_path: Path) -> None:
    from specbook.core.errors import ConfigError

    (tmp_path / "specbook.toml").write_text(f'[kinds.SPEC]\nfile_name = "{value}"\n')
    with pytest.raises(
        ConfigError, match=r"kinds\.SPEC\.file_name: .*(names the document by|not a valid)"
    ):
        load_config(tmp_path / "specbook.toml")


def test_number_named_documents_whose_prefix_is_taken_are_passed_over(tmp_path: Path) -> None:
    """`adr/0001-a.md` would be ADR-0001, but ADR names the decisions in another folder:
    a kind has one folder, so adopt says so instead of writing two kinds of one prefix."""
    _numbered(tmp_path, ["docs/decisions/ADR-0010-x.md", "docs/decisions/ADR-0011-y.md"])
    _numbered(tmp_path, ["adr/0001-a.md", "adr/0002-b.md"])
    a = infer(tmp_path)
    assert [(k.name, k.prefix, k.folder) for k in a.kinds] == [("DEC", "ADR", "docs/decisions")]
    assert any("their prefix ADR is the one of documents elsewhere" in n for n in a.passed_over)
    a.config()  # loads


def test_a_book_of_its_own_below_is_left_out(tmp_path: Path) -> None:
    _numbered(tmp_path, ["specs/SPEC-001-a.md", "specs/SPEC-002-b.md"])
    _numbered(tmp_path, ["handbook/docs/specs/SPEC-003-c.md"])
    (tmp_path / "handbook" / "specbook.toml").write_text("[book]\nname = 'h'\n")
    a = infer(tmp_path)
    (k,) = a.kinds
    assert (k.folder, k.documents) == ("specs", ["specs/SPEC-001-a.md", "specs/SPEC-002-b.md"])
    assert "handbook: a book of its own (it has a specbook.toml), left out" in a.report()


def test_adr_tools_records_are_decisions_named_by_their_folder(tmp_path: Path) -> None:
    """adr-tools: `doc/adr/0001-record-architecture-decisions.md`, `# 1. Title`, a
    `## Status` section, nothing naming them ADR-n but the folder."""
    for n, status in ((1, "Accepted"), (2, "Superseded by [3. C](0003-c.md)"), (3, "Accepted")):
        _numbered(
            tmp_path,
            [f"doc/adr/000{n}-t{n}.md"],
            f"# {n}. T{n}\n\nDate: 2024-01-0{n}\n\n## Status\n\n{status}\n\n## Context\n\nX\n",
        )
    (k,) = infer(tmp_path).kinds
    assert (k.name, k.prefix, k.folder, k.digits) == ("DEC", "ADR", "doc/adr", 4)
    assert (k.ids_from_names, k.file_name) == (True, "{number}-{slug}.md")
    assert "the folder 'adr'" in k.notes["prefix"]
    assert k.statuses == ["Proposed", "Accepted", "Rejected", "Deprecated", "Superseded"]


def test_prefix_from_the_templates_name(tmp_path: Path) -> None:
    """MADR: `docs/decisions/0001-x.md` and an `adr-template.md`: the team calls them ADRs."""
    for n in (1, 2):
        _numbered(tmp_path, [f"docs/decisions/000{n}-x.md"], "---\nstatus: accepted\n---\n# X\n")
    (tmp_path / "docs" / "decisions" / "adr-template.md").write_text("# {title}\n")
    (k,) = infer(tmp_path).kinds
    assert (k.name, k.prefix, k.template) == ("DEC", "ADR", "docs/decisions/adr-template.md")
    assert "their template is named adr-template.md" in k.notes["prefix"]


def test_metadata_beside_each_file_is_a_stem_sidecar(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for i, status in ((1, "approved"), (2, "draft"), (3, "draft")):
        (specs / f"SPEC-00{i}-x.md").write_text(f"# SPEC-00{i}: X\n\nText.\n")
        (specs / f"SPEC-00{i}-x.meta.yaml").write_text(
            f"status: {status}\nowners: [ana]\ncreated: 2024-01-0{i}\n"
        )
    (k,) = infer(tmp_path).kinds
    assert k.sidecars == ["{stem}.meta.yaml"]
    assert k.statuses[:3] == ["draft", "review", "approved"]  # read from the sidecars
    assert k.required_fields == ["id", "status"]


def test_a_second_metadata_file_that_is_no_sidecar_keeps_the_first(tmp_path: Path) -> None:
    for n, status in ((101, "provisional"), (102, "implementable"), (103, "implemented")):
        folder = tmp_path / "keps" / f"{n}-x"
        folder.mkdir(parents=True)
        (folder / "README.md").write_text(f"# KEP-{n}: X\n")
        (folder / "kep.yaml").write_text(f"title: X\nstatus: {status}\n")
        (folder / "owners.yaml").write_text("- ana\n- bob\n")  # a list: no metadata
    (k,) = infer(tmp_path).kinds
    assert k.sidecars == ["kep.yaml"]
    assert k.statuses == ["provisional", "implementable", "implemented"]
