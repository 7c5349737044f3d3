"""`specbook graph`: the reference graph, its Mermaid, DOT and JSON output.

Golden files live in tests/golden/graph/ and are the output for the fixture book
tests/fixtures/graph-book/. To regenerate them on purpose after a deliberate change,
run ``SPECBOOK_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_graph.py`` and review the diff.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.core.errors import AmbiguousIdError
from specbook.trace.graph import (
    NodeInfo,
    build_graph,
    dot_string,
    mermaid_label,
    neighbourhood,
    render_dot,
    render_mermaid,
)
from specbook.trace.links import TypedReference

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "graph-book"
GOLDEN = Path(__file__).resolve().parent / "golden" / "graph"


def _run(book: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(book)
    result = CliRunner().invoke(main, ["graph", *args])
    return result.exit_code, result.output


# --- a small Mermaid reader: what the test accepts is all the renderer may print ------

_MID = r"[A-Za-z_][A-Za-z0-9_]*"
_NODE = re.compile(rf'^  ({_MID})\["([^"\[\]<>`]*)"\]$')
_EDGE = re.compile(rf"^  ({_MID}) -->\|([a-z-]+)\| ({_MID})$")
_CLASSDEF = re.compile(rf"^  classDef ({_MID}) ([^\s;]+(?: [^\s;]+)*)$")
_CLASS = re.compile(rf"^  class ({_MID}(?:,{_MID})*) ({_MID})$")
_ENTITY = re.compile(r"#(\w+);")


def _unescape(label: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code)) if code.isdigit() else html.unescape(f"&{code};")

    return _ENTITY.sub(one, label)


def parse_mermaid(text: str) -> dict[str, object]:
    """Check ``text`` line by line; return nodes (id -> label), edges, class assignments."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "graph LR", lines[0]
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    classdefs: set[str] = set()
    classes: dict[str, str] = {}
    for n, line in enumerate(lines[1:], start=2):
        # labels balanced: quotes paired, brackets and pipes only as the syntax's own
        assert line.count('"') % 2 == 0, f"line {n}: unbalanced quotes: {line}"
        assert line.count("[") == line.count("]") <= 1, f"line {n}: brackets: {line}"
        assert line.count("|") in (0, 2), f"line {n}: pipes: {line}"
        if m := _NODE.match(line):
            assert m.group(1) not in nodes, f"line {n}: {m.group(1)} defined twice"
            nodes[m.group(1)] = _unescape(m.group(2))
        elif m := _EDGE.match(line):
            edges.append((m.group(1), m.group(2), m.group(3)))
        elif m := _CLASSDEF.match(line):
            classdefs.add(m.group(1))
        elif m := _CLASS.match(line):
            for node in m.group(1).split(","):
                assert node not in classes, f"line {n}: {node} given two classes"
                classes[node] = m.group(2)
        else:
            pytest.fail(f"line {n} is no node, edge, classDef or class line: {line!r}")
    for a, _, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} has an undefined end"
    assert set(classes) <= set(nodes)
    assert set(classes.values()) <= classdefs
    return {"nodes": nodes, "edges": edges, "classes": classes}


def test_mermaid_of_the_example_book_parses_and_matches_the_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, text = _run(EXAMPLE, [], monkeypatch)
    assert code == 0, text
    got = parse_mermaid(text)
    code, raw = _run(EXAMPLE, ["--format", "json"], monkeypatch)
    data = json.loads(raw)
    nodes = got["nodes"]
    assert isinstance(nodes, dict)
    assert len(nodes) == len(data["nodes"]) == 14
    for node in data["nodes"]:
        safe = node["id"].replace("-", "_")
        assert nodes[safe] == f"{node['id']}: {node['title']}"
    edges = got["edges"]
    assert isinstance(edges, list)
    assert sorted(edges) == sorted(
        (e["source"].replace("-", "_"), e["type"], e["target"].replace("-", "_"))
        for e in data["edges"]
    )
    # the book's typed links show up with their types
    assert ("DEC_003", "supersedes", "DEC_002") in edges
    assert ("DEC_002", "superseded-by", "DEC_003") in edges
    assert ("SPEC_003", "depends-on", "SPEC_002") in edges
    assert ("TASK_001", "implements", "SPEC_002") in edges
    # a plain mention is dropped where the pair has a typed edge already
    assert ("SPEC_003", "relates", "SPEC_002") not in edges
    assert got["classes"] == {  # type: ignore[comparison-overlap]
        "SPEC_001": "st_implemented",
        "SPEC_002": "st_approved",
        "SPEC_003": "st_review",
        "SPEC_004": "st_draft",
        "SPEC_005": "st_archived",
        "DEC_001": "st_accepted",
        "DEC_002": "st_superseded",
        "DEC_003": "st_accepted",
        "BUG_001": "st_verified",
        "BUG_002": "st_won_t_fix",
        "BUG_003": "st_in_progress",
        "TASK_001": "st_in_progress",
        "TASK_002": "st_done",
        "TASK_003": "st_blocked",
    }


def test_mermaid_labels_escape_what_would_end_them() -> None:
    nasty = 'Say "hi" [now] <b>x</b> & a|b `c` #1 {d} (e)'
    label = mermaid_label(nasty)
    for ch in '"[]<>|`{}()':
        assert ch not in label
    assert _unescape(label) == nasty
    assert mermaid_label("two\nlines\there") == "two lines here"


# --- golden files for the fixture book ----------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"), [("mermaid", "fixture.mmd"), ("dot", "fixture.dot"), ("json", "fixture.json")]
)
def test_fixture_book_matches_golden(fmt: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = _run(FIXTURE, ["--format", fmt], monkeypatch)
    assert code == 0, text
    golden = GOLDEN / name
    if os.environ.get("SPECBOOK_REGEN_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing; SPECBOOK_REGEN_GOLDEN=1 writes it"
    assert text == golden.read_text(encoding="utf-8")


def test_fixture_graph_merges_duplicates_and_marks_dangling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, raw = _run(FIXTURE, ["--format", "json"], monkeypatch)
    data = json.loads(raw)
    assert data["version"] == 1 and data["root"] is None
    edges = {(e["source"], e["target"], e["type"]): e["count"] for e in data["edges"]}
    # "Dependencies: DEC-001" and "Depends on DEC-001 again": one edge standing for two
    assert edges[("SPEC-001", "DEC-001", "depends-on")] == 2
    assert ("SPEC-001", "SPEC-001", "relates") not in edges  # SPEC-001/FR-1 in itself
    assert edges[("TASK-001", "BUG-001", "fixes")] == 1
    assert edges[("TASK-001", "SPEC-001", "implements")] == 1
    assert edges[("SPEC-002", "SPEC-003", "supersedes")] == 1
    assert edges[("SPEC-003", "SPEC-002", "superseded-by")] == 1
    dangling = [n for n in data["nodes"] if n["dangling"]]
    assert dangling == [
        {"id": "SPEC-009", "kind": None, "title": "", "status": None, "dangling": True, "paths": []}
    ]
    mermaid = parse_mermaid(_run(FIXTURE, [], monkeypatch)[1])
    assert mermaid["classes"]["SPEC_009"] == "dangling"  # type: ignore[index]
    assert mermaid["nodes"]["SPEC_001"] == 'SPEC-001: Login with "magic" links [v2] in < 5 s'  # type: ignore[index]
    dot = _run(FIXTURE, ["--format", "dot"], monkeypatch)[1]
    assert re.search(r'^  "SPEC-009" \[.*style="dashed,filled"', dot, re.MULTILINE)


# --- DOT: structure always, Graphviz when it is installed ---------------------------

_QUOTED = r'"(?:[^"\\]|\\.)*"'
_ATTRS = rf"\[(?:\w+=(?:{_QUOTED}|[\w.#]+)(?:, )?)+\]"
_DOT_NODE = re.compile(rf"^  {_QUOTED} {_ATTRS};$")
_DOT_EDGE = re.compile(rf"^  {_QUOTED} -> {_QUOTED} {_ATTRS};$")
_DOT_DEFAULTS = re.compile(rf"^  (?:node|edge) {_ATTRS};$|^  rankdir=LR;$")


def check_dot(text: str) -> None:
    """Balanced braces and brackets outside strings, closed strings, one statement per
    line each ending in ``;``, every node ID quoted."""
    depth = 0
    brackets = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            elif ch == "\n":
                pytest.fail("a string runs over a line end")
            continue
        if ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            assert depth >= 0, "a } closes nothing"
        elif ch == "[":
            brackets += 1
        elif ch == "]":
            brackets -= 1
            assert brackets >= 0
    assert not in_string and depth == 0 and brackets == 0
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "digraph specbook {" and lines[-1] == "}"
    for line in lines[1:-1]:
        assert _DOT_NODE.match(line) or _DOT_EDGE.match(line) or _DOT_DEFAULTS.match(line), (
            f"not a terminated statement with quoted IDs: {line!r}"
        )


@pytest.mark.parametrize("book", [EXAMPLE, FIXTURE], ids=["example", "fixture"])
def test_dot_is_well_formed_and_graphviz_accepts_it(
    book: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, text = _run(book, ["--format", "dot"], monkeypatch)
    assert code == 0, text
    check_dot(text)
    dot = shutil.which("dot")
    if dot is not None:  # the structural check above runs either way
        out = subprocess.run(
            [dot, "-Tsvg"], input=text, capture_output=True, text=True, check=False
        )
        assert out.returncode == 0, out.stderr
        assert "<svg" in out.stdout


def test_dot_strings_escape_quotes_and_backslashes() -> None:
    assert dot_string('a "b" c\\d') == '"a \\"b\\" c\\\\d"'
    check_dot(
        render_dot(
            build_graph([(NodeInfo("X-1", "SPEC", "Ends in a backslash \\", 'Draft "new"'), [])])
        )
    )


# --- neighbourhood (--root / --depth) ------------------------------------------------


def _ids(raw: str) -> set[str]:
    return {n["id"] for n in json.loads(raw)["nodes"]}


def test_root_limits_to_nodes_within_depth_either_direction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, raw = _run(
        FIXTURE, ["--root", "spec-003", "--depth", "1", "--format", "json"], monkeypatch
    )
    assert code == 0, raw
    assert _ids(raw) == {"SPEC-003", "SPEC-002"}
    assert json.loads(raw)["root"] == "SPEC-003" and json.loads(raw)["depth"] == 1
    # BUG-001 reaches TASK-001 and SPEC-001 only against the direction of their edges
    _, raw = _run(FIXTURE, ["--root", "BUG-001", "--depth", "1", "--format", "json"], monkeypatch)
    assert _ids(raw) == {"BUG-001", "TASK-001", "SPEC-001"}
    _, raw = _run(FIXTURE, ["--root", "BUG-001", "--format", "json"], monkeypatch)  # depth 2
    assert _ids(raw) == {"BUG-001", "TASK-001", "SPEC-001", "DEC-001", "SPEC-009"}
    edges = {(e["source"], e["target"]) for e in json.loads(raw)["edges"]}
    assert ("SPEC-001", "DEC-001") in edges and ("DEC-001", "SPEC-001") in edges
    _, raw = _run(FIXTURE, ["--root", "BUG-001", "--depth", "0", "--format", "json"], monkeypatch)
    assert _ids(raw) == {"BUG-001"} and json.loads(raw)["edges"] == []
    code, text = _run(FIXTURE, ["--root", "SPEC-002", "--depth", "1"], monkeypatch)
    assert code == 0
    assert set(parse_mermaid(text)["nodes"]) == {"SPEC_002", "SPEC_003"}  # type: ignore[arg-type]


def test_unknown_root_and_depth_without_root_are_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, text = _run(FIXTURE, ["--root", "SPEC-404"], monkeypatch)
    assert code == 1 and "SPEC-404" in text and "no document" in text
    code, text = _run(FIXTURE, ["--root", "SPEC-009"], monkeypatch)  # dangling: no document
    assert code == 1 and "SPEC-009" in text
    code, text = _run(FIXTURE, ["--depth", "3"], monkeypatch)
    assert code == 2 and "--root" in text
    code, text = _run(FIXTURE, ["--root", "SPEC-001", "--depth", "-1"], monkeypatch)
    assert code == 2


# --- the library, fed the way an index would feed it --------------------------------


def _ref(source: str, target: str, type_: str, line: int = 1) -> TypedReference:
    return TypedReference(source, target, None, type_, None, line, target)


def test_build_graph_from_node_infos_and_typed_references() -> None:
    graph = build_graph(
        [
            (
                NodeInfo("SPEC-10", "SPEC", "Ten", "Draft"),
                [
                    _ref("SPEC-10", "SPEC-2", "relates"),
                    _ref("SPEC-10", "SPEC-2", "depends-on"),
                    _ref("SPEC-10", "SPEC-2", "depends-on", 5),
                    _ref("SPEC-10", "BUG-1", "relates"),
                    _ref("SPEC-10", "BUG-1", "relates", 9),
                ],
            ),
            (NodeInfo("SPEC-2", "SPEC", "Two", None), []),
            (
                NodeInfo("SPEC-2", "SPEC", "Duplicate ID", "Review"),
                [_ref("SPEC-2", "SPEC-10", "fixes")],
            ),
        ]
    )
    assert [n.id for n in graph.nodes] == ["BUG-1", "SPEC-2", "SPEC-10"]  # numbers as numbers
    assert graph.node("BUG-1") is not None and graph.node("BUG-1").dangling  # type: ignore[union-attr]
    assert graph.node("SPEC-2").title == "Two"  # type: ignore[union-attr]
    assert [(e.source, e.target, e.type, e.count) for e in graph.edges] == [
        ("SPEC-2", "SPEC-10", "fixes", 1),
        ("SPEC-10", "BUG-1", "relates", 2),
        ("SPEC-10", "SPEC-2", "depends-on", 2),
    ]
    text = render_mermaid(graph)
    parsed = parse_mermaid(text)
    assert parsed["classes"] == {"BUG_1": "dangling", "SPEC_2": "st_none", "SPEC_10": "st_draft"}
    # the two documents with the ID are one node listing both; --root refuses their ID
    assert graph.node("SPEC-2").carriers == (  # type: ignore[union-attr]
        NodeInfo("SPEC-2", "SPEC", "Two", None),
        NodeInfo("SPEC-2", "SPEC", "Duplicate ID", "Review"),
    )
    with pytest.raises(AmbiguousIdError, match="SPEC-2 is the ID of 2 documents"):
        neighbourhood(graph, "SPEC-2", 0)
    assert neighbourhood(graph, "spec-10", 0).nodes == (graph.node("SPEC-10"),)


def test_empty_graph_renders() -> None:
    graph = build_graph([])
    assert render_mermaid(graph) == "graph LR\n"
    check_dot(render_dot(graph))


# --- the data of the interactive graph view (portal and static site) ------------------


def _script_data(text: str) -> dict[str, Any]:
    assert text.startswith("window.SPECBOOK_GRAPH=") and text.endswith(";\n")
    data: dict[str, Any] = json.loads(text[len("window.SPECBOOK_GRAPH=") : -2])
    return data


def test_graph_view_data_is_compact_and_marks_dangling_and_shared_ids() -> None:
    from specbook.web.graphview import graph_data, graph_script

    graph = build_graph(
        [
            (
                NodeInfo("SPEC-1", "SPEC", "One </script><b>", "Approved", "docs/specs/a.md"),
                [_ref("SPEC-1", "DEC-1", "depends-on"), _ref("SPEC-1", "BUG-9", "fixes")],
            ),
            (NodeInfo("DEC-1", "DEC", "Decision", None, "docs/dec/d.md"), []),
            (NodeInfo("DEC-1", "DEC", "Same ID", "Draft", "docs/dec/e.md"), []),
            (NodeInfo("NOTE-1", "NOTE", "Top", "Draft", "n.md"), []),
        ]
    )
    text = graph_script(graph_data(graph, ["SPEC", "DEC"], lambda i: f"doc/{i}.html"))
    assert "</script>" not in text  # (escaped: the text can never close a script element)
    data = _script_data(text)
    assert data["kinds"] == ["SPEC", "DEC", "NOTE"]  # the book's order, then others
    assert data["types"][:2] == ["relates", "depends-on"]
    nodes = {n[0]: n for n in data["nodes"]}
    folders = data["folders"]
    assert nodes["SPEC-1"][1] == "One </script><b>"  # the title as it is, once parsed
    assert folders[nodes["SPEC-1"][4]] == "docs/specs"
    assert folders[nodes["NOTE-1"][4]] == "."
    assert nodes["SPEC-1"][5:] == ["doc/SPEC-1.html", 0]
    assert nodes["BUG-9"][2:] == [-1, -1, -1, "", 1]  # dangling: no kind, no page
    assert nodes["DEC-1"][6] == 2 and nodes["DEC-1"][5] == "doc/DEC-1.html"  # shared ID
    assert nodes["DEC-1"][3] == -1  # the first document's status (none)
    order = [n[0] for n in data["nodes"]]
    types = data["types"]
    edges = {(order[s], order[t], types[k], c) for s, t, k, c in data["edges"]}
    assert edges == {("SPEC-1", "DEC-1", "depends-on", 1), ("SPEC-1", "BUG-9", "fixes", 1)}
