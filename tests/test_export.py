"""`specbook export` and `specbook schema`: the book as JSON (validated against the
published schema) and as a requirements CSV."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from specbook.book.jsonout import (
    RECORD_SHAPE,
    document_json,
    document_record,
    stored_document_json,
    stored_record,
)
from specbook.cli import main
from specbook.parse import parse
from specbook.services.export import CSV_COLUMNS, SCHEMA_ID, export_csv, export_json, export_text
from specbook.services.zeroconf import open_book

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "book"


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/book as the current folder (never the original)."""
    root = tmp_path / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-03-01")
    return root


def _schema(runner: CliRunner) -> dict[str, object]:
    r = runner.invoke(main, ["schema"])
    assert r.exit_code == 0, r.output
    schema: dict[str, object] = json.loads(r.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def test_json_export_of_the_example_book_validates_against_the_schema(
    example: Path, runner: CliRunner
) -> None:
    schema = _schema(runner)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    r = runner.invoke(main, ["export", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["version"] == 1
    assert data["book"] == "parcel"
    assert data["generated_at"] == "2026-03-01"
    ids = [d["id"] for d in data["documents"]]
    assert len(ids) == len(list(example.glob("docs/*/*.md"))) >= 13
    assert {"SPEC-001", "DEC-003", "BUG-002", "TASK-001"} <= set(ids)
    # each document is what `show --json` prints for it
    shown = runner.invoke(main, ["show", "SPEC-002", "--json"])
    assert shown.exit_code == 0, shown.output
    assert data["documents"][ids.index("SPEC-002")] == json.loads(shown.stdout)


def test_schema_is_strict_where_the_contract_is_fixed(example: Path, runner: CliRunner) -> None:
    validator = jsonschema.Draft202012Validator(_schema(runner))
    data = json.loads(runner.invoke(main, ["export"]).stdout)
    assert validator.is_valid(data)
    bad_cases = []
    extra = json.loads(json.dumps(data))
    extra["documents"][0]["surprise"] = 1
    bad_cases.append(extra)
    missing = json.loads(json.dumps(data))
    del missing["documents"][0]["requirements"]
    bad_cases.append(missing)
    wrong_type = json.loads(json.dumps(data))
    wrong_type["documents"][0]["fields"][0]["line"] = "3"
    bad_cases.append(wrong_type)
    wrong_version = json.loads(json.dumps(data))
    wrong_version["version"] = 2
    bad_cases.append(wrong_version)
    nested = json.loads(json.dumps(data))
    nested["documents"][0]["sections"][0]["children"].append({"title": "x"})
    bad_cases.append(nested)
    for case in bad_cases:
        assert not validator.is_valid(case)


def test_csv_export_has_one_row_per_requirement(example: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["export", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    book = open_book()
    expected = [(d.id, q.id) for d in book.documents() for q in d.requirements]
    assert [(row["spec_id"], row["requirement_id"]) for row in rows] == expected
    assert tuple(rows[0]) == CSV_COLUMNS
    by_key = {(row["spec_id"], row["requirement_id"]): row for row in rows}
    fr = by_key["SPEC-001", "FR-1"]
    assert fr["spec_title"] == "Shipment tracking API"
    assert fr["spec_status"] == "Implemented"
    assert fr["kind"] == "FR"
    assert fr["text"].startswith("POST /v1/shipments registers a shipment")
    assert fr["acceptance_criteria_or_target"].startswith("A new shipment returns 201")
    nfr = by_key["SPEC-001", "NFR-1"]
    assert nfr["kind"] == "NFR"
    assert (
        nfr["acceptance_criteria_or_target"]
        == "p95 ≤ 150 ms at 200 requests/s on 2 vCPU and 4 GB RAM"
    )
    # a value with a comma and quotes survives the round trip
    assert any("," in row["acceptance_criteria_or_target"] for row in rows)


def test_csv_coverage_column_comes_from_the_counter(example: Path) -> None:
    book = open_book()
    text = export_csv(
        book, coverage=lambda doc, req: 7 if (doc, req) == ("SPEC-001", "FR-2") else 0
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["coverage"] for row in rows} == {"0", "7"}
    assert [r["requirement_id"] for r in rows if r["coverage"] == "7"] == ["FR-2"]
    without = list(csv.DictReader(io.StringIO(export_csv(book))))
    assert {row["coverage"] for row in without} == {""}


def test_out_writes_the_file_atomically_and_replaces_an_old_one(
    example: Path, runner: CliRunner
) -> None:
    target = example / "out" / "book.json"
    r = runner.invoke(main, ["export", "--out", str(target)])
    assert r.exit_code == 2
    assert "does not exist" in r.output
    target.parent.mkdir()
    target.write_text("old")
    r = runner.invoke(main, ["export", "--out", str(target)])
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert json.loads(target.read_text())["version"] == 1
    assert [p.name for p in target.parent.iterdir()] == ["book.json"]  # no temporary left
    r = runner.invoke(main, ["export", "--format", "csv", "--out", str(target)])
    assert r.exit_code == 0
    assert target.read_text().startswith("spec_id,spec_title,")


def test_export_outside_a_book_is_a_usage_error(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(main, ["export"])
    assert r.exit_code == 2
    assert "specbook init" in r.output


def test_csv_coverage_counts_the_tests_trace_finds(example: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["export", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = {
        (x["spec_id"], x["requirement_id"]): x["coverage"]
        for x in csv.DictReader(io.StringIO(r.stdout))
    }
    t = runner.invoke(main, ["trace", "--json"])
    trace = json.loads(t.stdout)
    expected = {
        (d["id"], q["id"]): str(len({(x["path"], x["test"] or x["line"]) for x in q["tests"]}))
        for d in trace["documents"]
        for q in d["requirements"]
    }
    assert expected  # the example book has requirements tagged by tests
    assert any(v != "0" for v in expected.values())
    assert {k: rows[k] for k in expected} == expected


def test_json_export_text_is_the_data_with_one_document_per_line(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = open_book()
    text, count = export_text(book, jobs=1)
    assert json.loads(text) == export_json(book)
    lines = text.splitlines()
    assert count == len(export_json(book)["documents"]) >= 13
    # the book's keys one a line, then each document whole on a line of its own
    assert lines[:3] == ["{", '  "$schema": "' + SCHEMA_ID + '",', '  "version": 1,']
    docs = lines[lines.index('  "documents": [') + 1 : -2]
    assert len(docs) == count
    assert [json.loads(line.rstrip(","))["path"] for line in docs] == [
        d.path for d in book.documents()
    ]
    # a big book is parsed in worker processes: the same text, in path order
    monkeypatch.setattr("specbook.services.export.PARALLEL_THRESHOLD", 2)
    assert export_text(book, jobs=2) == (text, count)


def test_json_export_of_a_book_without_documents_is_valid_and_warns(
    example: Path, runner: CliRunner
) -> None:
    for p in example.glob("docs/*/*.md"):
        p.unlink()
    r = runner.invoke(main, ["export", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["documents"] == []
    jsonschema.Draft202012Validator(_schema(runner)).validate(data)
    assert "no documents" in r.stderr


def test_json_export_reads_the_snapshot_and_encodes_only_what_changed(
    example: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `lint`, an export parses nothing (the snapshot holds each document's
    parse); a second export encodes nothing (each line is kept by content hash); an
    edit is parsed and encoded once; the text is always a fresh export's."""
    import specbook.services.export as export

    parsed: list[str] = []
    encoded: list[str] = []
    real_parse, real_text = export.parse, export._record_text

    def counted_parse(data: bytes, rel: str, *a: object, **k: object) -> object:
        parsed.append(rel)
        return real_parse(data, rel, *a, **k)  # type: ignore[arg-type]

    def counted_text(rec: tuple[object, ...]) -> str:
        encoded.append(str(rec[6]))  # (the path)
        return real_text(rec)

    monkeypatch.setattr(export, "parse", counted_parse)
    monkeypatch.setattr(export, "_record_text", counted_text)
    assert runner.invoke(main, ["lint"]).exit_code in (0, 1)
    n = len(open_book(example).path_strings())
    first = runner.invoke(main, ["export"]).stdout
    assert parsed == [] and len(encoded) == n
    assert runner.invoke(main, ["export"]).stdout == first and len(encoded) == n
    doc = sorted((example / "docs").rglob("*.md"))[0]
    doc.write_text(doc.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    second = runner.invoke(main, ["export"]).stdout
    assert second != first and len(parsed) == 1 and len(encoded) == n + 1
    shutil.rmtree(example / ".specbook")
    assert runner.invoke(main, ["export"]).stdout == second


def _corpus() -> list[Path]:
    found = sorted((REPO / "tests/corpus").rglob("*.md")) + sorted(EXAMPLE.rglob("*.md"))
    return found[1::4]  # (a quarter of them: every kind of file, in a fraction of a second)


def test_a_stored_parse_gives_the_json_of_the_parse_and_the_fast_encoder_its_bytes() -> None:
    """What the export writes of a document the snapshot holds (read straight from the
    stored data) and through msgspec's encoder is what it writes of the parse through
    json's: byte for byte, on the corpora (BOMs, invalid UTF-8, front matter, sidecars)."""
    from specbook.core import stored
    from specbook.core.model import Sidecar
    from specbook.parse import scan
    from specbook.services import export

    cases = [(f.read_bytes(), f.relative_to(REPO).as_posix(), ()) for f in _corpus()]
    side = (Sidecar("docs/specs/kep.yaml", b"status: Draft\ntitle: T\n"),)
    cases.append((b"# T\n\n**ID**: SPEC-001\n\n- [x] one\n", "docs/specs/SPEC-001-t.md", side))
    assert len(cases) > 100
    assert export._JSON_OF is not None  # (the C writer is built where the tests run)
    for data, rel, sidecars in cases:
        doc = parse(data, rel, None, sidecars)
        want = export._ENCODE(document_json(doc))
        got = stored_document_json(stored.dump(doc))
        assert got is not None, rel
        assert export._encode(got) == want, rel
        # (as lint stores it: the C pack, each repeated string once)
        assert stored_document_json(stored.dump(doc, scan.pack)) == got, rel
        # the C writer's text, of the nodes and of the stored parse's plain tuples
        rec = stored_record(stored.dump(doc))
        assert rec is not None, rel
        assert export._JSON_OF(document_record(doc), RECORD_SHAPE) == want, rel
        assert export._JSON_OF(rec, RECORD_SHAPE) == want, rel
    # data of another layout, or damaged, is refused: the caller loads or parses instead
    dumped = stored.dump(parse(b"# T\n", "t.md"))
    for bad in (b"", b"\x00garbage", dumped[: len(dumped) // 2]):
        assert stored_document_json(bad) is None
    # a lone surrogate (a file name that is not UTF-8) goes through json, as it did
    odd_doc = parse(b"# T\n", "docs/\udcff.md")
    odd = document_json(odd_doc)
    assert export._encode(odd) == export._ENCODE(odd)
    with pytest.raises(UnicodeEncodeError):
        export._JSON_OF(document_record(odd_doc), RECORD_SHAPE)
    assert export._record_text(document_record(odd_doc)) == export._ENCODE(odd)


def test_a_stored_parse_of_another_version_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from specbook.core import stored

    doc = parse(b"# T\n\n## Scope\n", "t.md")
    assert stored_document_json(stored.dump(doc)) == document_json(doc)
    monkeypatch.setattr(stored, "VERSION", stored.VERSION + 1)
    assert stored_document_json(stored.dump(doc)) is None


class _Counts:
    """Documents parsed (by path: templates, parsed without one, aside) and read by the
    export (by path)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import specbook.parse
        from specbook.services import export

        self.parsed: Counter[str] = Counter()
        self.read: Counter[str] = Counter()
        real_parse, real_read = specbook.parse.parse_document, export.read_document

        def parse_counted(data: bytes, path: str | None, *a: Any, **k: Any) -> Any:
            if path is not None:
                self.parsed[path] += 1
            return real_parse(data, path, *a, **k)

        def read_counted(config: Any, path: Any, rel: str) -> Any:
            self.read[rel] += 1
            return real_read(config, path, rel)

        monkeypatch.setattr(specbook.parse, "parse_document", parse_counted)
        monkeypatch.setattr(export, "read_document", read_counted)

    def clear(self) -> None:
        self.parsed.clear()
        self.read.clear()


def test_a_first_json_export_reads_each_file_once_and_after_lint_parses_none(
    example: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = _Counts(monkeypatch)
    rels = [open_book(example).rel(p) for p in open_book(example).path_strings()]
    fresh = runner.invoke(main, ["export"]).stdout
    assert counts.read == Counter(rels) and counts.parsed == Counter(rels)
    shutil.rmtree(example / ".specbook")
    assert runner.invoke(main, ["lint"]).exit_code in (0, 1)
    counts.clear()
    assert runner.invoke(main, ["export"]).stdout == fresh
    assert counts.read == Counter(rels) and not counts.parsed


def test_csv_export_reads_the_snapshot_and_parses_each_document_once(
    example: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSV export parses each document once for its rows and coverage both, and
    after `lint` none (the snapshot holds their parses); the text is the same."""
    counts = _Counts(monkeypatch)
    rels = [open_book(example).rel(p) for p in open_book(example).path_strings()]
    fresh = runner.invoke(main, ["export", "--format", "csv"])
    assert fresh.exit_code == 0, fresh.output
    assert counts.parsed == Counter(rels)
    assert runner.invoke(main, ["lint"]).exit_code in (0, 1)
    counts.clear()
    assert runner.invoke(main, ["export", "--format", "csv"]).stdout == fresh.stdout
    assert not counts.parsed
    assert any(row.endswith(",1") or row.endswith(",2") for row in fresh.stdout.splitlines())


def _json_of() -> Any:
    from specbook.parse import scan

    assert scan.c_nodes is not None  # (built where the tests run)
    return scan.c_nodes.json_of


def _one(key: str, how: int = 0, arg: object = None) -> tuple[tuple[bytes, int, int, object]]:
    return ((json.dumps(key).encode() + b":", 0, how, arg),)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_the_c_writer_writes_any_text_as_json_does(text: str) -> None:
    """Quotes, backslashes, every control character, non-ASCII and astral characters:
    the C writer's escapes are json's (ensure_ascii=False), which msgspec's are too."""
    want = json.dumps({"k": text}, ensure_ascii=False, separators=(",", ":"))
    assert _json_of()((text,), _one("k")) == want


def test_the_c_writer_writes_values_and_refuses_what_it_does_not_write() -> None:
    json_of = _json_of()
    value = [
        True,
        False,
        None,
        0,
        -5,
        2**63 - 1,
        -(2**63),
        '\x00\x1f\x7f"\\é😀',
        (1, [2]),
        {"a": {"b": ()}},
    ]
    want = json.dumps({"v": value}, ensure_ascii=False, separators=(",", ":"))
    assert json_of((value,), _one("v")) == want
    # what json writes otherwise, left to the caller's fallback (the dicts, encoded)
    for odd, error in (
        (2**64, OverflowError),
        (1.5, TypeError),
        ({1: "a"}, TypeError),
        ("\udcff", UnicodeEncodeError),
        (type("S", (str,), {})("x"), TypeError),
    ):
        with pytest.raises(error):
            json_of((odd,), _one("v"))
    with pytest.raises(IndexError):
        json_of((), _one("v"))
    with pytest.raises(TypeError):
        json_of(("x",), ((b'"v":', 0),))  # (an entry of another size)
    with pytest.raises(ValueError):
        json_of(("x",), _one("v", 9))
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RecursionError):
        json_of((deep,), _one("v"))
    # a shape's own recursion (the section tree) and the empty or missing children
    tree = ("a", (("b", ()), ("c", None)))
    shape = (*_one("title"), (b'"children":', 1, 5, None))
    assert json_of(tree, shape) == (
        '{"title":"a","children":[{"title":"b","children":[]},{"title":"c","children":[]}]}'
    )
