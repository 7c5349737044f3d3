"""Book configuration: discovery, defaults, aliases and errors that name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from specbook.core.config import default_config, find_book_config, load_config
from specbook.core.errors import ConfigError, NoBookError
from specbook.parse import parse
from specbook.services.zeroconf import open_book


def test_walks_up_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "specbook.toml").write_text('[book]\nname = "x"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    cfg = find_book_config(deep)
    assert cfg is not None and cfg.root == tmp_path.resolve() and cfg.name == "x"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname="p"\n[tool.specbook.kinds.SPEC]\ndigits = 4\n'
    )
    cfg = find_book_config(tmp_path)
    assert cfg is not None and cfg.kinds["SPEC"].digits == 4


def test_no_book(tmp_path: Path) -> None:
    with pytest.raises(NoBookError, match="specbook init"):
        open_book(tmp_path)


@pytest.mark.parametrize(
    ("toml", "key", "words"),
    [
        (
            "[bok]\n",
            "bok",
            "allowed here: book, fields, index, kinds, lint, mcp, portal, requirements, trace",
        ),
        ("[mcp]\nmax_input_bytes = 10\n", "mcp.max_input_bytes", "from 1024 to 10000000"),
        ("[mcp]\nmax_bytes = 2048\n", "mcp.max_bytes", "allowed here: max_input_bytes"),
        ("[book]\nnam = 1\n", "book.nam", "allowed here"),
        ("[kinds.SPEC]\nstatuses = []\n", "kinds.SPEC.statuses", "at least one"),
        ("[kinds.SPEC]\nstatuses = 'Draft'\n", "kinds.SPEC.statuses", "list of non-empty strings"),
        (
            '[kinds.SPEC.status_aliases]\n"Accepté" = "Done"\n',
            "kinds.SPEC.status_aliases.Accepté",
            "not a status",
        ),
        ('[kinds.DEC]\nprefix = "SPEC"\n', "kinds", "share the prefix"),
        ("[kinds.SPEC\n", "(file)", "not valid TOML"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, toml: str, key: str, words: str) -> None:
    path = tmp_path / "specbook.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == key
    assert str(path) in str(err.value) and words in str(err.value)


def test_aliases_map_foreign_fields_and_statuses(tmp_path: Path) -> None:
    path = tmp_path / "specbook.toml"
    path.write_text(
        '[fields.aliases]\n"Estatus" = "status"\n'
        '[kinds.SPEC.status_aliases]\n"Accepté" = "Approved"\n"released" = "Implemented"\n',
        encoding="utf-8",
    )
    cfg = load_config(path)
    doc = parse(
        "# SPEC-004: X\n\n**Estatus :** ACCEPTÉ\n".encode(), "docs/specs/SPEC-004-x.md", cfg
    )
    assert doc.status == "ACCEPTÉ" and doc.status_canonical == "Approved"
    doc = parse(b"---\nid: SPEC-005\nstatus: released\n---\n# X\n", "docs/specs/SPEC-005-x.md", cfg)
    assert doc.status_canonical == "Implemented"


def test_status_words_ignore_case_emoji_and_explanations() -> None:
    spec = default_config().kinds["SPEC"]
    assert spec.canonical_status("approved") == "Approved"
    assert spec.canonical_status("✅ Implemented (phase 1)") == "Implemented"
    assert spec.canonical_status("[Draft|Review|Approved]") is None
    assert spec.canonical_status("Shipped") is None


def test_portal_accounts_take_hashes_only(tmp_path: Path) -> None:
    from specbook.web.auth import hash_password, hash_token, verify_password

    good = hash_password("correct horse", iterations=1000)
    path = tmp_path / "specbook.toml"
    path.write_text(
        f'[portal]\nusers = {{ "Ana" = "{good}" }}\ntokens = {{ "ci" = "{hash_token("t0k")}" }}\n',
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert verify_password("correct horse", cfg.portal_users["Ana"])
    assert not verify_password("wrong", cfg.portal_users["Ana"])
    assert cfg.portal_tokens["ci"].startswith("sha256$")
    path.write_text('[portal]\nusers = { "Ana" = "hunter2" }\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == "portal.users.Ana"
    assert "specbook passwd" in str(err.value)
