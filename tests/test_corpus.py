"""Real spec files from public projects: every one parses, and the facts come out right."""

from __future__ import annotations

from pathlib import Path

import pytest

from specbook.core.config import default_config
from specbook.parse import context_for, parse
from specbook.parse.core import parse_document
from tests.conftest import CORPUS


def _files() -> list[Path]:
    return sorted(CORPUS.rglob("*.md")) if CORPUS.is_dir() else []


def _load(rel: str):  # type: ignore[no-untyped-def]
    path = CORPUS / rel
    project_rel = rel.split("/", 1)[1]
    return parse_document(path.read_bytes(), project_rel, context_for(None))


def test_corpus_is_there(corpus: Path) -> None:
    assert len(_files()) >= 300


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_file_parses(path: Path) -> None:
    data = path.read_bytes()
    # parse_document, not parse: a defect must fail here, not hide behind the fallback
    doc = parse_document(data, path.name, context_for(None))
    assert doc.source == data
    for node in [
        *doc.fields,
        *doc.requirements,
        *doc.references,
        *doc.checklists,
        *doc.tables,
        *doc.links,
    ]:
        assert 0 <= node.span.start <= node.span.end <= len(data)
        assert 1 <= node.span.line <= node.span.end_line <= len(doc.line_starts)


# (file, id, title, status as written)
EXPECTED = [
    # YAML front matter plus disagreeing bold `**Estado**` lines; front matter wins
    (
        "paulomcnally__p40la-ihost/docs/specs/SPEC-033-alertas-multicanal-voicemonkey.md",
        "SPEC-033",
        "Alertas multicanal con Voice Monkey (Alexa): sistema robusto de alertas con formato mail y voz",
        "pending_release",
    ),
    (
        "paulomcnally__p40la-ihost/docs/specs/SPEC-002-configuracion-de-usuario-y-login.md",
        "SPEC-002",
        "Configuración de usuario y login",
        "released",
    ),
    (
        "paulomcnally__p40la-ihost/docs/specs/SPEC-041-subida-multiple-facturas.md",
        "SPEC-041",
        "Subida múltiple de facturas para importación masiva de pagos",
        "released",
    ),
    # front matter ids FEAT-NNN / BUG-NNN, `# ID: Title` headings
    ("sambeau__basil/work/specs/FEAT-002.md", "FEAT-002", "Basil Web Server", "complete"),
    (
        "sambeau__basil/work/bugs/BUG-001.md",
        "BUG-001",
        "Aggressive script caching prevents live editing in dev mode",
        "resolved",
    ),
    (
        "sambeau__basil/work/specs/FEAT-061.md",
        "FEAT-061",
        "Parts: Reloadable HTML Fragments",
        "done",
    ),
    # `**Statut :** Accepté`, `## Statut : CLOS`, names without IDs
    (
        "rdjomkam__farm-flow/docs/decisions/ADR-024-bac-fish-counts-per-vague.md",
        "ADR-024",
        "Comptages poissons par bac : champs sur Bac vs table junction VagueBac",
        "Accepté",
    ),
    (
        "rdjomkam__farm-flow/docs/bugs/BUG-001.md",
        "BUG-001",
        "Login par telephone manquant — email doit devenir optionnel",
        "CLOS",
    ),
    (
        "rdjomkam__farm-flow/docs/decisions/ADR-021-stories.md",
        "ADR-021",
        "Sprints & Stories — Site & Module Management (ADR-021)",
        "Prêt pour planification",
    ),
    # `**Status:** Open` with trailing break spaces; emoji H1; a `## Title` section
    (
        "3Dzigns__TTRPG-CENTER/docs/bugs/BUG-012.md",
        "BUG-012",
        "Oversized Chunks & Embedding Dimension Violations (Reduce Chunk Size; Enforce ≤1000-Dim Vectors)",
        "Open",
    ),
    (
        "3Dzigns__TTRPG-CENTER/docs/bugs/BUG-001.md",
        "BUG-001",
        "Chunk/Dataset Mismatch & Missing Logs in Bulk Ingestion (6-Pass Pipeline)",
        None,
    ),
    (
        "3Dzigns__TTRPG-CENTER/docs/bugs/BUG-033.md",
        "BUG-033",
        "Ingestion Console: Ingest Selected does not start jobs; Ad‑Hoc fails due to wrong source lookup",
        "RESOLVED",
    ),
    # `Spec-ID:` front matter keys, `Status: ✅ Active` lines, names without IDs
    (
        "pezware__mirubato/docs/specs/02-database/schema.md",
        "SPEC-DB-001",
        "Database Schema Specification",
        "✅ Active",
    ),
    (
        "pezware__mirubato/docs/specs/05-features/logbook.md",
        "SPEC-FEAT-001",
        "Logbook Feature Specification",
        "✅ Active",
    ),
    (
        "pezware__mirubato/docs/specs/05-features/analytics.md",
        None,
        "Analytics Feature Specification",
        "✅ Active",
    ),
]


@pytest.mark.parametrize(
    ("rel", "doc_id", "title", "status"),
    EXPECTED,
    ids=[e[0].split("/")[0] + ":" + e[0].rsplit("/", 1)[1] for e in EXPECTED],
)
def test_identity(rel: str, doc_id: str | None, title: str, status: str | None) -> None:
    doc = _load(rel)
    assert (doc.id, doc.title, doc.status) == (doc_id, title, status)


def test_bold_estado_recorded_beside_front_matter() -> None:
    doc = _load("paulomcnally__p40la-ihost/docs/specs/SPEC-033-alertas-multicanal-voicemonkey.md")
    statuses = [(f.source, f.name, f.value) for f in doc.fields if f.key == "status"]
    assert statuses[0] == ("front_matter", "status", "pending_release")
    assert ("bold", "Estado", "pending_release") in statuses


def test_bulleted_bold_fields_in_first_section() -> None:
    doc = _load("3Dzigns__TTRPG-CENTER/docs/bugs/BUG-024.md")
    assert doc.value("severity") == "P2"
    assert doc.field("severity").span.line == 8  # type: ignore[union-attr]


def test_status_section_holding_bulleted_fields() -> None:
    """`## Status` then `- **State:** Implemented`: the line is a field of its own, not
    the section's value (which read "- **State:** Implemented" and was an SB102)."""
    doc = _load("sambeau__basil/work/specs/FEAT-018.md")
    statuses = [(f.source, f.name, f.value) for f in doc.fields if f.key == "status"]
    assert statuses == [("bold", "State", "Implemented")]
    assert doc.status == "Implemented" and doc.value("priority") == "High"


def test_status_section_value_as_a_list_item(tmp_path: Path) -> None:
    """`## Status` then `- Done`: the value is the item's text, its span the word alone."""
    data = b"# T\n\n## Status\n\n- Done\n\n## Status\n\n**Draft**\n"
    doc = parse(data, "x.md", default_config(tmp_path))
    status = doc.field("status")
    assert status is not None and status.source == "section" and status.value == "Done"
    assert data[status.value_span.start : status.value_span.end] == b"Done"
    for text in (b"1. Review", b"* Review", b"+ Review"):
        doc = parse(b"# T\n\n## Status\n" + text + b"\n", "x.md", default_config(tmp_path))
        assert doc.status == "Review", text


def test_statut_heading_and_french_bold_fields() -> None:
    doc = _load("rdjomkam__farm-flow/docs/bugs/BUG-001.md")
    assert doc.value("severity") == "Haute"  # `**Severite :** Haute`
    status = doc.field("status")
    assert status is not None and status.source == "section" and status.span.line == 41


def test_invalid_utf8_is_reported_not_fatal() -> None:
    path = CORPUS / "3Dzigns__TTRPG-CENTER/docs/bugs/BUG-025.md"
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc = _load("3Dzigns__TTRPG-CENTER/docs/bugs/BUG-025.md")
    assert doc.encoding.invalid_utf8
    problem = next(p for p in doc.problems if p.code == "invalid-utf8")
    bad = doc.encoding.invalid_utf8[0]
    # the offset is the file's own: decoding stops exactly there
    with pytest.raises(UnicodeDecodeError) as err:
        data[: bad + 1].decode("utf-8")
    assert err.value.start == bad
    assert problem.span.line == data[:bad].count(b"\n") + 1
    assert doc.title == "Log Management page fails to load (SyntaxError in admin JS)"
    # spans after the bad bytes still point at the right bytes
    for section in doc.all_sections():
        line = data[section.heading.start : section.heading.end]
        assert line.lstrip().startswith(b"#")


def test_fence_inside_code_is_no_heading() -> None:
    doc = _load("sambeau__basil/work/specs/FEAT-115.md")
    assert any(p.code == "unclosed-fence" for p in doc.problems)
