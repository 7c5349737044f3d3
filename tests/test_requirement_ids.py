"""`[requirements] id`: how a book writes its requirement IDs (issue 18). The parser,
the requirement rules, references and trace read IDs whole, as the book writes them:
FR-1, FR-001, FR-020-001, NFR-020-001, BR-007, REQ-12, R1.2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from specbook.core.config import config_from_mapping, load_config
from specbook.core.errors import ConfigError
from specbook.parse import parse
from specbook.trace.coverage import scan_code


def _config(root: Path, **reqs: Any) -> Any:
    return config_from_mapping({"requirements": reqs}, root=root, path=root / "specbook.toml")


def _reqs(text: str, config: Any) -> list[tuple[str, str]]:
    doc = parse(text.encode(), "docs/specs/SPEC-001-x.md", config)
    return [(r.id, r.kind) for r in doc.requirements]


def test_the_default_reads_sub_numbered_ids_whole(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert config.requirement_id == "{prefix}-{n}"
    got = _reqs(
        "# SPEC-001: X\n\n## Requirements\n\n"
        "- **FR-1**: one\n- **FR-001**: two\n- FR-020-001: three\n"
        "- **NFR-020-001**: 200 ms\n- FR-1.2: a part\n- FR-7 - dash then text\n",
        config,
    )
    assert got == [
        ("FR-1", "functional"),
        ("FR-001", "functional"),
        ("FR-020-001", "functional"),
        ("NFR-020-001", "non-functional"),
        ("FR-1.2", "functional"),
        ("FR-7", "functional"),
    ]


def test_a_book_s_own_prefixes_with_the_default_template(tmp_path: Path) -> None:
    config = _config(tmp_path, functional=["FR", "BR", "REQ"])
    got = _reqs("# X\n\n- **BR-007**: one\n- REQ-12: two\n- BRX-1: no\n", config)
    assert got == [("BR-007", "functional"), ("REQ-12", "functional")]


def test_prefixes_and_a_template_without_hyphen(tmp_path: Path) -> None:
    config = _config(
        tmp_path, functional=["R", "BR", "REQ"], non_functional=["NR"], id="{prefix}{n}"
    )
    got = _reqs("# X\n\n- R1.2: one\n- BR007: two\n- REQ12 three\n- NR3: fast\n- RX1: no\n", config)
    assert got == [
        ("R1.2", "functional"),
        ("BR007", "functional"),
        ("REQ12", "functional"),
        ("NR3", "non-functional"),
    ]


def test_a_reference_names_a_sub_numbered_requirement_whole(tmp_path: Path) -> None:
    doc = parse(b"# SPEC-002: Y\n\nBuilds on SPEC-001/FR-020-001.\n", "docs/specs/SPEC-002-y.md",
                _config(tmp_path))  # fmt: skip
    assert [(r.target, r.requirement) for r in doc.references] == [("SPEC-001", "FR-020-001")]


def test_trace_reads_configured_ids_in_code(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(
        "def test_a():\n    pass  # SPEC-001/FR-020-001\n\n\n"
        '@pytest.mark.spec("spec-001/r1.2")\ndef test_b():\n    pass\n',
        encoding="utf-8",
    )
    config = config_from_mapping(
        {
            "requirements": {"functional": ["FR", "R"], "id": "{prefix}-?{n}"},
            "trace": {"code": ["tests/**/*.py"]},
        },
        root=tmp_path,
        path=tmp_path / "specbook.toml",
    )
    assert [t.target for t in scan_code(config, use_cache=False).tags] == [
        "SPEC-001/FR-020-001",
        "SPEC-001/R1.2",
    ]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('"FR-{n}"', "must contain {prefix} exactly once"),
        ('"{prefix}-{n}-{n}"', "{n} at most once"),
        ('"{prefix}-(\\\\d+)"', "capturing group"),
        ('"{prefix}-[0-9"', "not a valid regular expression"),
        ('"(?:{prefix})?"', "matches an empty text"),
        ("3", "expected a non-empty string"),
    ],
)
def test_a_wrong_id_setting_names_the_key(tmp_path: Path, value: str, words: str) -> None:
    path = tmp_path / "specbook.toml"
    path.write_text(f"[requirements]\nid = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == "requirements.id"
    assert str(path) in str(err.value) and words in str(err.value)
