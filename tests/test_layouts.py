"""What a document is and where its fields come from (issue 18, "layouts"):
folder-per-document layouts, IDs from number-only names, placeholders that are never
IDs, titles without an ID prefix, sidecar metadata files as a field source everywhere
(show, lint, index, portal, lifecycle, diff, export), field values of any YAML shape,
and aliases that never make two fields one.

The book tests copy tests/corpus/synthetic/{folder-sidecar,number-named} into
``tmp_path`` and write the kind settings themselves (adopt writing them is another
part's work)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.book import Book
from specbook.cli import main
from specbook.core.config import config_from_mapping, load_config
from specbook.core.errors import ConfigError
from specbook.core.layout import is_document_folder, read_sidecars, signature
from specbook.core.model import Sidecar
from specbook.core.text import is_placeholder_id, name_number, render_value
from specbook.parse import parse
from specbook.services.zeroconf import open_book
from tests.conftest import REPO

SYNTHETIC = REPO / "tests" / "corpus" / "synthetic"

KEP_TOML = """\
[fields.aliases]
"kep-number" = "id"
"creation-date" = "created"
"last-updated" = "modified"
"authors" = "author"
"replaces" = "supersedes"

[kinds.KEP]
prefix = "KEP"
folder = "keps"
digits = 4
layout = "folder"
sidecars = ["kep.yaml"]
statuses = ["provisional", "implementable", "implemented", "deferred", "rejected",
            "withdrawn", "replaced"]
required_fields = ["id", "status"]

[lint.rules.missing-section]
severity = "off"
[lint.rules.section-order]
severity = "off"
"""

RFC_TOML = """\
[fields.aliases]
"start date" = "created"

[kinds.RFC]
prefix = "RFC"
folder = "text"
digits = 4
ids_from_names = true
statuses = ["Active", "Accepted", "Postponed", "Closed"]
required_fields = ["id"]

[lint.rules.missing-section]
severity = "off"
[lint.rules.section-order]
severity = "off"
"""

KEPS = {
    "KEP-1440": ("kubectl events", "implemented", "sig-cli/1440-kubectl-events"),
    "KEP-1441": ("kubectl debug", "implemented", "sig-cli/1441-kubectl-debug"),
    "KEP-2379": ("kubectl plugins", "implemented", "sig-cli/2379-kubectl-plugins"),
    "KEP-2551": (
        "kubectl return code normalization",
        "provisional",
        "sig-cli/2551-return-code-normalization",
    ),
    "KEP-2906": (
        "Kustomize function catalog",
        "withdrawn",
        "sig-cli/2906-kustomize-function-catalog",
    ),
    "KEP-3104": (
        "Separate kubectl user preferences from cluster configs",
        "implementable",
        "sig-cli/3104-introduce-kuberc",
    ),
    "KEP-3515": (
        "OpenAPI v3 for kubectl explain",
        "implemented",
        "sig-cli/3515-kubectl-explain-openapiv3",
    ),
    "KEP-3659": (
        "ApplySet: kubectl apply --prune redesign and graduation strategy",
        "implementable",
        "sig-cli/3659-kubectl-apply-prune",
    ),
    "KEP-1287": (
        "In-place Update of Pod Resources",
        "implementable",
        "sig-node/1287-in-place-pod-resize",
    ),
    "KEP-2238": (
        "Add configurable grace period to probes",
        "implementable",
        "sig-node/2238-liveness-probe-grace-period",
    ),
    "KEP-4006": (
        "Transition from SPDY to WebSockets",
        "provisional",
        "sig-node/4006-transition-spdy-to-websockets",
    ),
    "KEP-753": ("Sidecar Containers", "replaced", "sig-node/753-sidecar-containers"),
}

RFCS = {
    "RFC-0001": "private fields",
    "RFC-0002": "rfc process",
    "RFC-0048": "traits",
    "RFC-0069": "ascii literals",
    "RFC-0130": "box not special",
    "RFC-0199": "ownership variants",
    "RFC-0344": "conventions galore",
    "RFC-1068": "rust governance",
    "RFC-1122": "language semver",
    "RFC-2094": "nll",
    "RFC-2229": "capture disjoint fields",
}


def _copy(tmp_path: Path, name: str, toml: str) -> Path:
    root = tmp_path / name
    shutil.copytree(SYNTHETIC / name, root)
    (root / "specbook.toml").write_text(toml, encoding="utf-8")
    return root


@pytest.fixture
def keps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = _copy(tmp_path, "folder-sidecar", KEP_TOML)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def rfcs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = _copy(tmp_path, "number-named", RFC_TOML)
    monkeypatch.chdir(root)
    return root


def _cli(runner: CliRunner, *args: str) -> tuple[int, str]:
    r = runner.invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.output


def _bump(path: Path, old: str, new: str) -> None:
    """Edit ``path`` and move its modification time on, as an editor would."""
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


# -- kind settings (contract 1) -----------------------------------------------------------
def test_kind_settings_default_to_todays_behaviour() -> None:
    config = config_from_mapping({"kinds": {"RFC": {"folder": "rfcs"}}}, root=None, path=None)
    for kind in config.kinds.values():
        assert kind.layout == "file"
        assert kind.document_names == ("README.md", "index.md")
        assert kind.sidecars == ()
        assert kind.ids_from_names is False
    assert config.sidecar_kinds == () and config.folder_kinds == ()


def test_kind_settings_are_read(keps: Path) -> None:
    kind = load_config(keps / "specbook.toml").kinds["KEP"]
    assert (kind.layout, kind.sidecars, kind.ids_from_names) == ("folder", ("kep.yaml",), False)


@pytest.mark.parametrize(
    ("settings", "key", "says"),
    [
        ({"layout": "folders"}, "kinds.KEP.layout", 'expected "file"'),
        ({"layout": "folder", "document_names": ["../README.md"]}, "document_names", "no / or .."),
        ({"layout": "folder", "document_names": ["README.txt"]}, "document_names", "Markdown"),
        ({"layout": "folder", "document_names": []}, "document_names", "at least one"),
        ({"document_names": ["README.md"]}, "document_names", 'needs layout = "folder"'),
        ({"sidecars": ["meta/kep.yaml"]}, "sidecars", "no / or .."),
        ({"sidecars": ["kep.txt"]}, "sidecars", "YAML or JSON"),
        ({"sidecars": "kep.yaml"}, "sidecars", "list of non-empty strings"),
        ({"ids_from_names": "yes"}, "ids_from_names", "true or false"),
    ],
)
def test_wrong_kind_settings_are_config_errors(
    settings: dict[str, object], key: str, says: str
) -> None:
    data = {"kinds": {"KEP": {"folder": "keps", **settings}}}
    with pytest.raises(ConfigError) as err:
        config_from_mapping(data, root=None, path=Path("specbook.toml"))
    assert key in str(err.value) and says in str(err.value)


# -- text helpers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", ["NNNN", "XXX", "000", "0000", "SPEC-XXX", "KEP-NNNN", "ADR-0000", "SPEC-000"]
)
def test_placeholder_ids(value: str) -> None:
    assert is_placeholder_id(value)


@pytest.mark.parametrize("value", ["SPEC-001", "KEP-1440", "0001", "753", "RFC-0010"])
def test_real_ids_are_no_placeholders(value: str) -> None:
    assert not is_placeholder_id(value)


def test_name_number_keeps_the_width_and_refuses_placeholders() -> None:
    assert name_number("0001-private-fields.md") == "0001"
    assert name_number("753-sidecar-containers") == "753"
    assert name_number("0048.md") == "0048"
    assert name_number("0000-template.md") is None
    assert name_number("NNNN-kep-template") is None
    assert name_number("2fa-login.md") is None  # a word, not a number
    assert is_document_folder("1440-kubectl-events")
    assert is_document_folder("KEP-1440-events")
    assert not is_document_folder("NNNN-kep-template")
    assert not is_document_folder("sig-cli")


def test_render_value_of_any_shape_is_readable() -> None:
    import datetime as dt

    assert render_value({"by": "x", "at": dt.date(2024, 1, 1)}) == "by: x, at: 2024-01-01"
    assert render_value(["a", "b"]) == "a, b"
    assert render_value([]) == ""
    assert render_value(None) == ""
    assert render_value(True) == "true"
    assert (
        render_value([{"name": "Gate", "components": ["api", "kubelet"]}])
        == "{name: Gate, components: [api, kubelet]}"
    )
    assert render_value({"milestone": {"alpha": "v1.2", "beta": None}}) == (
        "milestone: {alpha: v1.2, beta: }"
    )


# -- the parser: IDs, titles, YAML shapes, aliases --------------------------------------------
def test_placeholder_ids_are_never_document_ids(tmp_path: Path) -> None:
    config = config_from_mapping(
        {"kinds": {"RFC": {"folder": "text", "ids_from_names": True}}}, root=tmp_path, path=None
    )
    cases = {
        "docs/specs/a.md": b"# Technical Specification: A\n\n**ID**: SPEC-XXX\n",
        "docs/specs/b.md": b"---\nid: SPEC-000\n---\n# B\n",
        "docs/specs/SPEC-000-c.md": b"# C\n",
        "docs/specs/d.md": b"# SPEC-000: D\n",
        "text/0000-template.md": b"# Summary\n\nOne paragraph.\n",
        "text/NNNN-template.md": b"# Summary\n",
    }
    for rel, data in cases.items():
        assert parse(data, rel, config).id is None, rel
    assert parse(b"# Summary\n", "text/0007-x.md", config).id == "RFC-0007"


@pytest.mark.parametrize(
    ("data", "title"),
    [
        (
            b'---\nid: SPEC-020\ntitle: "SPEC-020: Multi-User Workspaces"\n---\n\nText.\n',
            "Multi-User Workspaces",
        ),
        (
            b'---\ntitle: "SPEC-020: Multi-User Workspaces"\n---\n\n# SPEC-020: Multi-User Workspaces\n',
            "Multi-User Workspaces",
        ),
        (b"---\ntitle: '[SPEC-020] Multi-User'\nid: SPEC-020\n---\n\nText.\n", "Multi-User"),
        (b"---\ntitle: SPEC-020 - Multi-User\nid: SPEC-020\n---\n\nText.\n", "Multi-User"),
        (b"---\ntitle: 'ADR-NNNN: Short title'\n---\n\nText.\n", "Short title"),
        (b"# KEP-NNNN: Your short, descriptive title\n", "Your short, descriptive title"),
        (b"# SPEC-XXX: Real title\n", "Real title"),
        # another ID that is part of the title stays
        (b"---\ntitle: RFC-7231 compliance\nid: SPEC-003\n---\n\nText.\n", "RFC-7231 compliance"),
        # the wild corpus's forms (tests/corpus/wild)
        (
            b"# BUG-031 \xe2\x80\x94 Admin UI subpages mount simultaneously\n",
            "Admin UI subpages mount simultaneously",
        ),
        (b"# BUG-002: HTTP/HTTPS mismatch\n", "HTTP/HTTPS mismatch"),
    ],
)
def test_titles_have_no_id_prefix(data: bytes, title: str) -> None:
    assert parse(data, "docs/specs/x.md").title == title


def test_an_h1_naming_a_section_is_not_the_title() -> None:
    data = b"- Start Date: 2014-03-11\n\n# Summary\n\nText.\n\n# Motivation\n\nWhy.\n"
    doc = parse(data, "text/0001-private-fields.md")
    assert doc.title == "private fields"
    fm = b"---\ntitle: Real title\n---\n\n# Summary\n\nText.\n"
    assert parse(fm, "docs/specs/x.md").title == "Real title"


def test_bullet_header_lines_above_the_first_section_are_fields(tmp_path: Path) -> None:
    config = config_from_mapping({"fields": {"aliases": {"start date": "created"}}}, tmp_path, None)
    data = b"- Start Date: 2014-03-11\n- RFC PR: #1\n\n# Summary\n\n- Status: not a field here\n"
    doc = parse(data, "text/0001-x.md", config)
    assert doc.value("created") == "2014-03-11"
    assert doc.value("status") is None  # below the first section; and RFC PR is unknown
    assert doc.field("created").span.line == 1  # type: ignore[union-attr]


YAML_SHAPES = b"""---
id: ADR-0008
title: "ADR-0008: Put a gateway in front"
status: deprecated
deciders: [alice, bob]
reviewers:
  - carol
  - dave
modified: {by: alice, at: 2024-02-01}
gates:
  - name: Gate
    components: [api]
number: 0012
version: 1.10
empty:
flag: yes
---

# ADR-0008: Put a gateway in front
"""


def test_front_matter_values_of_any_yaml_shape_are_readable_text() -> None:
    doc = parse(YAML_SHAPES, "docs/decisions/ADR-0008-x.md")
    values = {f.name: f.value for f in doc.fields}
    assert values["deciders"] == "alice, bob"
    assert values["reviewers"] == "carol, dave"
    assert values["modified"] == "by: alice, at: 2024-02-01"
    assert values["gates"] == "{name: Gate, components: [api]}"
    assert values["number"] == "0012"  # as written (YAML reads an octal 10)
    assert values["version"] == "1.10"  # as written (YAML reads 1.1)
    assert values["empty"] == ""
    assert values["flag"] == "true"
    for v in values.values():
        assert "{'" not in v and "datetime" not in v and v != "[]"


def test_show_prints_a_mapping_value_readably(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "ADR-0008-x.md"
    path.write_bytes(YAML_SHAPES)
    code, out = _cli(runner, "show", str(path))
    assert code == 0
    assert "modified: by: alice, at: 2024-02-01" in out
    assert "datetime" not in out and "{'by'" not in out


def test_aliases_never_map_two_fields_onto_one() -> None:
    data = b"---\nmodified: {by: alice, at: 2024-02-01}\nlast_updated: 2024-03-01\n---\n# X\n"
    doc = parse(data, "docs/decisions/x.md")
    keys = {f.name: f.key for f in doc.fields}
    assert keys == {"modified": "modified", "last_updated": "last_updated"}
    # alone, the alias still means the field
    alone = parse(b"---\nlast_updated: 2024-03-01\n---\n# X\n", "docs/decisions/x.md")
    assert alone.field("last_updated") is None
    assert alone.value("modified") == "2024-03-01"
    # neither name is the key: the first keeps it
    both = parse(b"---\nupdated: 2024-01-01\nlast_updated: 2024-03-01\n---\n# X\n", None)
    assert [(f.name, f.key) for f in both.fields] == [
        ("updated", "modified"),
        ("last_updated", "last_updated"),
    ]


def test_two_fields_under_one_alias_are_no_conflict(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SB107 reported every document holding both `modified: {by, at}` and
    `last_updated`: the alias had made them one field with two values."""
    (tmp_path / "specbook.toml").write_text("", encoding="utf-8")
    folder = tmp_path / "docs" / "decisions"
    folder.mkdir(parents=True)
    (folder / "DEC-001-x.md").write_bytes(
        b"---\nid: DEC-001\nstatus: Accepted\ndate: 2024-01-01\ntype: Process\n"
        b"modified: {by: alice, at: 2024-02-01}\nlast_updated: 2024-03-01\n---\n\n# DEC-001: X\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out = _cli(runner, "lint", "--select", "SB107", "--no-cache")
    assert code == 0 and "no findings in 1 document" in out, out


# -- sidecars in the parser -----------------------------------------------------------------
def test_sidecar_fields_carry_their_file_and_spans_into_it(keps: Path) -> None:
    config = load_config(keps / "specbook.toml")
    rel = "keps/sig-cli/1440-kubectl-events/README.md"
    sidecars = read_sidecars(config, rel)
    assert [s.path for s in sidecars] == ["keps/sig-cli/1440-kubectl-events/kep.yaml"]
    doc = parse((keps / rel).read_bytes(), rel, config, sidecars)
    status = doc.field("status")
    assert status is not None and status.source == "sidecar"
    assert status.file == sidecars[0].path
    data = sidecars[0].data
    assert data[status.value_span.start : status.value_span.end] == b"implemented"
    assert status.span.line == data[: status.span.start].count(b"\n") + 1 == 8
    assert doc.bytes_of(status.file) == data
    assert doc.value("id") == "1440" and doc.id == "KEP-1440"
    assert doc.value("author") == "@bboreham"
    assert doc.value("milestone") == "alpha: v1.23"


def test_invalid_sidecar_yaml_costs_only_its_bad_line(keps: Path) -> None:
    book = open_book(keps)
    doc = book.find("KEP-3659")
    assert doc.title == "ApplySet: kubectl apply --prune redesign and graduation strategy"
    assert doc.value("author") == "@KnVerey, @justinsb"  # the block list after the bad line
    assert doc.status == "implementable"
    [problem] = [p for p in doc.problems if p.code == "sidecar"]
    assert "kep.yaml is not valid YAML (line 1:" in problem.message


def test_json_sidecar(tmp_path: Path) -> None:
    config = config_from_mapping(
        {"kinds": {"RFC": {"folder": "rfcs", "sidecars": ["{stem}.meta.json"]}}}, tmp_path, None
    )
    folder = tmp_path / "rfcs"
    folder.mkdir()
    (folder / "RFC-007-x.md").write_bytes(b"# RFC-007: X\n")
    meta = (
        b'{\n  "status": "Review",\n  "owners": ["a", "b"],\n  "dates": {"at": "2024-01-01"}\n}\n'
    )
    (folder / "RFC-007-x.meta.json").write_bytes(meta)
    sidecars = read_sidecars(config, "rfcs/RFC-007-x.md")
    assert [s.path for s in sidecars] == ["rfcs/RFC-007-x.meta.json"]
    doc = parse(b"# RFC-007: X\n", "rfcs/RFC-007-x.md", config, sidecars)
    f = doc.field("status")
    assert f is not None and f.file == "rfcs/RFC-007-x.meta.json" and f.span.line == 2
    assert meta[f.value_span.start : f.value_span.end] == b"Review"
    assert doc.value("owners") == "a, b"
    assert doc.value("dates") == "at: 2024-01-01"


def test_a_sidecar_link_leading_out_of_the_book_is_not_read(keps: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("status: leaked\n", encoding="utf-8")
    side = keps / "keps/sig-cli/1440-kubectl-events/kep.yaml"
    side.unlink()
    side.symlink_to(secret)
    doc = open_book(keps).find("keps/sig-cli/1440-kubectl-events/README.md")
    assert doc.status is None and doc.sidecars == ()


# -- folder-per-document books ------------------------------------------------------------------
def test_folder_layout_lists_one_document_per_numbered_folder(
    keps: Path, runner: CliRunner
) -> None:
    book = open_book(keps)
    rels = sorted(book.rel(p) for p in book.paths())
    assert rels == sorted(f"keps/{folder}/README.md" for _, _, folder in KEPS.values())
    # not documents: the folder's README, each SIG's README, the NNNN template folder
    code, out = _cli(runner, "list", "--json")
    assert code == 0
    got = {d["id"]: (d["title"], d["status"], d["path"]) for d in json.loads(out)}
    assert got == {i: (t, s, f"keps/{f}/README.md") for i, (t, s, f) in KEPS.items()}


def test_a_path_pattern_excludes_a_folder_document_but_the_readme_rule_does_not(
    keps: Path,
) -> None:
    toml = KEP_TOML.replace(
        "[kinds.KEP]", '[book]\nexclude = ["**/README.md", "keps/sig-node/**"]\n\n[kinds.KEP]'
    )
    (keps / "specbook.toml").write_text(toml, encoding="utf-8")
    rels = {open_book(keps).rel(p) for p in open_book(keps).paths()}
    assert len(rels) == 8 and all(r.startswith("keps/sig-cli/") for r in rels)


def test_index_md_is_the_document_when_there_is_no_readme(keps: Path) -> None:
    folder = keps / "keps/sig-cli/1440-kubectl-events"
    (folder / "README.md").rename(folder / "index.md")
    (folder / "notes.md").write_text("# Notes\n", encoding="utf-8")  # a page of its own
    paths = [Book(load_config(keps / "specbook.toml")).rel(p) for p in open_book(keps).paths()]
    assert "keps/sig-cli/1440-kubectl-events/index.md" in paths
    assert not any(p.endswith("notes.md") for p in paths)


def test_show_names_the_sidecar_file_and_line(keps: Path, runner: CliRunner) -> None:
    code, out = _cli(runner, "show", "KEP-1440")
    assert code == 0
    assert "sidecar: keps/sig-cli/1440-kubectl-events/kep.yaml" in out
    assert "kep.yaml:8  status: implemented   (sidecar)" in out
    assert "kep.yaml:2  kep-number: 1440   (sidecar)" in out
    code, out = _cli(runner, "show", "KEP-1440", "--json")
    fields = {f["name"]: f for f in json.loads(out)["fields"]}
    assert fields["status"]["file"] == "keps/sig-cli/1440-kubectl-events/kep.yaml"
    assert fields["status"]["line"] == 8 and fields["status"]["source"] == "sidecar"
    # the sidecar named stands for its document
    code, out = _cli(runner, "show", "keps/sig-cli/1440-kubectl-events/kep.yaml")
    assert code == 0 and out.startswith("KEP-1440  kubectl events")


def test_lint_reports_a_sidecar_value_at_its_file_and_line(keps: Path, runner: CliRunner) -> None:
    code, out = _cli(runner, "lint")
    assert code == 0, out
    side = keps / "keps/sig-cli/1440-kubectl-events/kep.yaml"
    _bump(side, "status: implemented", "status: implemnted")
    code, out = _cli(runner, "lint")  # the cache must see the sidecar's change
    assert code == 1
    want = "keps/sig-cli/1440-kubectl-events/kep.yaml:8:9: SB102 invalid-status error"
    assert want in out
    for args in (
        ["keps/sig-cli/1440-kubectl-events/README.md"],
        ["keps/sig-cli/1440-kubectl-events/kep.yaml"],
        ["--format", "json"],
    ):
        code, out = _cli(runner, "lint", *args)
        assert code == 1 and ("kep.yaml:8:9: SB102" in out or '"line": 8' in out), args
    _bump(side, "status: implemnted", "status: implemented")
    code, out = _cli(runner, "lint")
    assert code == 0, out


def test_a_sidecar_change_of_the_same_size_is_seen(keps: Path) -> None:
    config = load_config(keps / "specbook.toml")
    rel = "keps/sig-cli/1440-kubectl-events/README.md"
    st = (keps / rel).stat()
    before = signature(config, rel, st.st_mtime_ns, st.st_size)
    _bump(keps / "keps/sig-cli/1440-kubectl-events/kep.yaml", "stage: stable", "stage: stabl3")
    assert signature(config, rel, st.st_mtime_ns, st.st_size) != before
    # a document whose kind has no sidecars keeps its own signature
    assert signature(config, "docs/specs/x.md", 5, 7) == (5, 7)


def test_index_and_search_read_the_sidecar_and_follow_its_changes(keps: Path) -> None:
    from specbook.store import synced_store

    book = open_book(keps)
    store, _ = synced_store(book)
    try:
        found = store.document("KEP-1440")
        assert found is not None and found["status"] == "implemented"
        _bump(keps / "keps/sig-cli/1440-kubectl-events/kep.yaml", "implemented", "withdrawn")
        from specbook.store import sync

        stats = sync(store, book)
        assert stats.updated == 1
        found = store.document("KEP-1440")
        assert found is not None and found["status"] == "withdrawn"
    finally:
        store.close()


def test_portal_page_follows_a_sidecar_change(keps: Path) -> None:
    from starlette.testclient import TestClient

    from specbook.web.app import create_app

    with TestClient(create_app(open_book(keps))) as c:
        html = c.get("/doc/KEP-1440").text
        assert "SB102" not in html
        _bump(keps / "keps/sig-cli/1440-kubectl-events/kep.yaml", "implemented", "implemnted")
        html = c.get("/doc/KEP-1440").text
        assert "SB102</span> kep.yaml line 8:" in html


def test_lifecycle_reads_the_status_in_the_sidecar(keps: Path, runner: CliRunner) -> None:
    code, out = _cli(runner, "status", "KEP-1440", "withdrawn", "--by", "ann")
    assert code == 1
    assert "implemented -> withdrawn" in out  # the current status, read from kep.yaml
    # and nothing was written anywhere
    assert b"withdrawn" not in (keps / "keps/sig-cli/1440-kubectl-events/README.md").read_bytes()


def test_export_carries_sidecar_fields_and_validates(keps: Path, runner: CliRunner) -> None:
    import jsonschema

    from specbook.services.export import book_schema

    code, out = _cli(runner, "export", "--format", "json")
    assert code == 0
    data = json.loads(out)
    jsonschema.Draft202012Validator(book_schema()).validate(data)
    kep = next(d for d in data["documents"] if d["id"] == "KEP-2551")
    assert kep["status"] == "provisional"
    assert {f["file"] for f in kep["fields"]} == {
        "keps/sig-cli/2551-return-code-normalization/kep.yaml"
    }


def test_diff_reports_a_change_made_in_the_sidecar(keps: Path, runner: CliRunner) -> None:
    from tests.gitbook import git

    git(keps, "init", "-q")
    git(keps, "add", "-A")
    git(keps, "commit", "-qm", "keps")
    _bump(
        keps / "keps/sig-cli/2551-return-code-normalization/kep.yaml",
        "provisional",
        "implementable",
    )
    code, out = _cli(runner, "diff", "HEAD")
    assert code == 0, out
    assert "KEP-2551" in out and "field status: provisional -> implementable" in out
    assert "section modified" not in out  # the README did not change
    git(keps, "commit", "-qam", "move")
    code, out = _cli(runner, "diff", "HEAD~1", "HEAD")
    assert "field status: provisional -> implementable" in out
    code, out = _cli(runner, "lint", "--changed", "HEAD~1")
    assert code == 0 and "1 document" in out


# -- number-named books ------------------------------------------------------------------------
def test_ids_come_from_number_only_file_names(rfcs: Path, runner: CliRunner) -> None:
    code, out = _cli(runner, "list", "--json")
    assert code == 0
    got = {d["id"]: d["title"] for d in json.loads(out)}
    assert got == RFCS
    code, out = _cli(runner, "show", "RFC-0048")
    assert code == 0 and "Start Date: 2014-04-21" in out
    code, out = _cli(runner, "lint", "--select", "SB101")
    assert code == 0, out  # the ID is the file name's number: not missing


def test_a_template_in_the_kind_folder_gets_no_id(rfcs: Path) -> None:
    shutil.copy(rfcs / "0000-template.md", rfcs / "text" / "0000-template.md")
    doc = open_book(rfcs).find("text/0000-template.md")
    assert doc.id is None


def test_new_numbers_after_the_names(rfcs: Path) -> None:
    book = open_book(rfcs)
    assert max(book.used_numbers(book.kind("RFC"))) == 2229


def test_new_numbers_after_the_numbered_folders(keps: Path) -> None:
    book = open_book(keps)
    used = book.used_numbers(book.kind("KEP"))
    assert max(used) == 4006 and 753 in used


def test_without_ids_from_names_a_number_is_no_id(rfcs: Path) -> None:
    (rfcs / "specbook.toml").write_text(RFC_TOML.replace("ids_from_names = true\n", ""))
    assert all(d.id is None for d in open_book(rfcs).documents())


def test_sidecars_argument_is_what_parse_reads() -> None:
    """parse stays bytes in: the sidecars it reads are the ones it is given."""
    side = Sidecar("x/kep.yaml", b"status: implemented\n")
    doc = parse(b"# KEP-1: X\n", "x/README.md", None, (side,))
    assert doc.status == "implemented" and doc.sidecars == (side,)
    assert parse(b"# KEP-1: X\n", "x/README.md", None).status is None


def test_stem_sidecars_of_a_file_layout(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "specbook.toml").write_text(
        '[kinds.DEC]\nsidecars = ["{stem}.meta.yaml"]\nrequired_fields = ["id", "status"]\n'
        '[lint.rules.missing-section]\nseverity = "off"\n',
        encoding="utf-8",
    )
    folder = tmp_path / "docs" / "decisions"
    folder.mkdir(parents=True)
    for n, status in ((1, "Accepted"), (2, "Acepted")):
        (folder / f"DEC-00{n}-x.md").write_text(f"# DEC-00{n}: X{n}\n\nText.\n", encoding="utf-8")
        (folder / f"DEC-00{n}-x.meta.yaml").write_text(f"status: {status}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out = _cli(runner, "list")
    assert "DEC-001  Accepted" in out and "DEC-002  Acepted" in out
    code, out = _cli(runner, "lint", "docs/decisions/DEC-002-x.meta.yaml")
    assert code == 1
    assert "docs/decisions/DEC-002-x.meta.yaml:1:9: SB102 invalid-status" in out
    assert "1 document" in out


def test_front_matter_titles_of_the_adr_corpus_lose_their_id() -> None:
    """tests/corpus/synthetic/frontmatter-adr writes `title: "ADR-0003: Adopt Kafka …"`
    (and `ADR-NNNN: …` in its template); no title keeps the ID."""
    root = SYNTHETIC / "frontmatter-adr"
    seen = 0
    for path in sorted(root.glob("docs/*/*.md")):
        data = path.read_bytes()
        if not data.startswith(b"---"):
            continue
        doc = parse(data, path.relative_to(root).as_posix())
        head = doc.title.split(":")[0]
        assert not is_placeholder_id(head) and head != doc.id, (path.name, doc.title)
        assert doc.title and not doc.title.startswith(("ADR-", "SPEC-")), (path.name, doc.title)
        seen += 1
    assert seen >= 20
    adr = parse((root / "docs/decisions/ADR-0008-graphql-gateway.md").read_bytes(), None)
    assert adr.title == "Put a GraphQL gateway in front of the services"
    assert adr.value("modified") == "by: alice, at: 2024-02-01"


_ADR_BOOK = {
    "kinds": {
        "DEC": {"prefix": "ADR", "folder": "docs/decisions", "ids_from_names": True},
        "BUG": {"prefix": "BUG", "folder": "docs/bugs"},
    }
}


@pytest.mark.parametrize(
    ("path", "data", "doc_id", "title"),
    [
        # the kind's prefix in words, with the number: the ID, and not in the title
        (
            "docs/decisions/001-structure.md",
            "# ADR 001 — Structure du projet\n",
            "ADR-001",
            "Structure du projet",
        ),
        (
            "docs/decisions/ADR-user-management.md",
            "# ADR 018 — Gestion des utilisateurs\n",
            "ADR-018",
            "Gestion des utilisateurs",
        ),
        ("docs/decisions/ADR-x.md", "# ADR_019: Cron jobs\n", "ADR-019", "Cron jobs"),
        # without a number: no ID, and the prefix is no part of the title
        ("docs/decisions/ADR-density.md", "# ADR — Density alerts\n", None, "Density alerts"),
        # the ID's number alone
        (
            "docs/decisions/012-planning.md",
            "# 012 — Planning dialog\n",
            "ADR-012",
            "Planning dialog",
        ),
        ("docs/decisions/013-rules.md", "# 12 — Rules\n", "ADR-013", "12 — Rules"),
        # the ID and more of the document's own name before the separator
        (
            "docs/decisions/ADR-032-fix-fcr.md",
            "# ADR-032-fix — Diagnostic FCR\n",
            "ADR-032",
            "Diagnostic FCR",
        ),
        # the file's name, which is no ID
        (
            "docs/decisions/ADR-PWA-MOBILE-FIX.md",
            "# ADR-PWA-MOBILE-FIX — Corrections PWA\n",
            None,
            "Corrections PWA",
        ),
        (
            "docs/bugs/BUG-CI-migration-order.md",
            "# BUG-CI-migration-order — Ordre des migrations\n",
            None,
            "Ordre des migrations",
        ),
        # a prefix of no kind, and a number that is part of the title, stay
        ("docs/decisions/ADR-plan.md", "# PLAN — Filters\n", None, "PLAN — Filters"),
        ("docs/bugs/BUG-003.md", "# BUG 7231 compliance\n", "BUG-003", "BUG 7231 compliance"),
        ("docs/decisions/ADR-x.md", "# ADR 2 Fast\n", None, "ADR 2 Fast"),
    ],
)
def test_an_h1_led_by_a_name_other_than_an_id(
    path: str, data: str, doc_id: str | None, title: str
) -> None:
    """Teams write `# ADR 001 — Title`, `# 012 — Title`, `# ADR — Title` or the file's
    name before the title: what leads is the document's name (its ID where it has a
    number of a kind's prefix), not a part of its title."""
    config = config_from_mapping(_ADR_BOOK, root=Path("/book"), path=None)
    doc = parse(data.encode(), path, config)
    assert (doc.id, doc.title) == (doc_id, title)


def test_an_id_field_naming_a_companion_gives_no_other_documents_id() -> None:
    """`id: FEAT-109-ZED-INVESTIGATION` in `FEAT-109-ZED-INVESTIGATION.md` names an
    investigation beside FEAT-109: the document is not a second FEAT-109."""
    data = b"---\nid: FEAT-109-ZED-INVESTIGATION\nrelated: FEAT-109\n---\n\n# Zed extension\n"
    doc = parse(data, "work/specs/FEAT-109-ZED-INVESTIGATION.md")
    assert (doc.id, doc.title) == (None, "Zed extension")
    plain = parse(b"---\nid: FEAT-109\n---\n\n# Tree-sitter\n", "work/specs/FEAT-109.md")
    assert plain.id == "FEAT-109"


def test_relation_fields_of_a_sidecar_link_documents(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`superseded-by:` / `supersedes:` in a sidecar are the document's links: SB402
    sees both sides, `refs` and the graph show them (placed at the document's top)."""
    (tmp_path / "specbook.toml").write_text(
        '[kinds.RFC]\nprefix = "RFC"\nfolder = "rfcs"\nsidecars = ["{stem}.meta.yaml"]\n'
        'statuses = ["Draft", "Accepted", "Superseded"]\n',
        encoding="utf-8",
    )
    rfcs = tmp_path / "rfcs"
    rfcs.mkdir()
    for n, meta in (
        (1, "status: Superseded\nsuperseded-by: RFC-002\n"),
        (2, "status: Accepted\nsupersedes: [RFC-001]\n"),
        (3, "status: Accepted\nsupersedes: RFC-001\n"),
    ):
        (rfcs / f"RFC-00{n}-x.md").write_text(f"# RFC-00{n}: X{n}\n\nText.\n", encoding="utf-8")
        (rfcs / f"RFC-00{n}-x.meta.yaml").write_text(meta, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    got = runner.invoke(main, ["lint", "--select", "SB402", "--format", "json"])
    findings = json.loads(got.stdout)["findings"]
    # RFC-003 says it supersedes RFC-001, which names RFC-002 only: one finding, on RFC-003
    assert [(f["path"], f["line"]) for f in findings] == [("rfcs/RFC-003-x.md", 1)]
    refs = json.loads(runner.invoke(main, ["refs", "RFC-001", "--json"]).stdout)
    assert {(r["id"], r["type"]) for r in refs["outgoing"]} == {("RFC-002", "superseded-by")}
    assert {(r["id"], r["type"]) for r in refs["incoming"]} == {
        ("RFC-002", "supersedes"),
        ("RFC-003", "supersedes"),
    }
