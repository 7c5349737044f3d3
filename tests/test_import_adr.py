"""`specbook adopt --import-adr`: adr-tools and MADR records become DEC documents that
lint clean, with supersede links translated to DEC IDs and the originals untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from specbook.cli import main
from specbook.services.zeroconf import open_book

ADR_TOOLS = {
    "0001-record-architecture-decisions.md": """# 1. Record architecture decisions

Date: 2024-01-15

## Status

Accepted

## Context

We need to record the architectural decisions made on this project.

## Decision

We will use Architecture Decision Records, as described by Michael Nygard.

## Consequences

See the adr-tools documentation for the format.
""",
    "0002-use-postgresql.md": """# 2. Use PostgreSQL

Date: 2024-02-01

## Status

Superseded by [3. Use SQLite for small installs](0003-use-sqlite-for-small-installs.md)

## Context

We need a relational database; see [the first record](0001-record-architecture-decisions.md).

## Decision

We will use PostgreSQL 16.

## Consequences

Operators must run a database server.
""",
    "0003-use-sqlite-for-small-installs.md": """# 3. Use SQLite for small installs

Date: 2024-03-10

## Status

Accepted

Supersedes [2. Use PostgreSQL](0002-use-postgresql.md)

## Context

Most installs serve one team on one machine.

## Decision

We will use SQLite by default and PostgreSQL only when configured.

## Consequences

Two backends to test.
""",
    "README.md": "# Decisions\n\nThis folder holds our ADRs.\n",
}

MADR = {
    "0001-use-markdown-architectural-decision-records.md": """---
status: accepted
date: 2024-05-02
deciders: Ana Ruiz, Ben Okafor
---
# Use Markdown Architectural Decision Records

## Context and Problem Statement

We want to record architectural decisions made in this project.
Which format and structure should these records follow?

## Decision Drivers

* Low barrier to entry
* Lives next to the code

## Considered Options

* MADR 3.0.0
* Michael Nygard's template

## Decision Outcome

Chosen option: "MADR 3.0.0", because it is lean and structured.

### Consequences

* Good, because the records are easy to review in pull requests
* Bad, because the team has to learn one more template

## Pros and Cons of the Options

### MADR 3.0.0

The Markdown Architectural Decision Records template.

* Good, because it lists the considered options
* Bad, because it is longer than Nygard's

### Michael Nygard's template

* Good, because it is short
* Bad, because it has no place for options

## More Information

Decided in the architecture guild meeting.
""",
    "0002-rejected-idea.md": """---
status: rejected
date: 2024-06-11
---
# Store decisions in a wiki

## Context and Problem Statement

Should decisions live in the wiki instead?

## Considered Options

* Wiki
* Repository

## Decision Outcome

Chosen option: "Repository", because reviews happen there.
""",
}


def _write(folder: Path, files: dict[str, str]) -> dict[str, bytes]:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return {name: (folder / name).read_bytes() for name in files}


def _lint_json(runner: CliRunner, *paths: str) -> dict[str, object]:
    r = runner.invoke(main, ["lint", "--format", "json", "--no-cache", *paths])
    data: dict[str, object] = json.loads(r.stdout)
    data["exit_code"] = r.exit_code
    return data


@pytest.fixture
def dated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECBOOK_TODAY", "2024-09-01")


def test_adr_tools_records_become_dec_documents_that_lint_clean(
    book: Path, runner: CliRunner, dated: None
) -> None:
    originals = _write(book / "docs" / "adr", ADR_TOOLS)
    r = runner.invoke(main, ["new", "dec", "An existing decision"])
    assert r.exit_code == 0, r.output  # DEC-001 is taken: imports continue after it
    r = runner.invoke(main, ["adopt", "--import-adr", "docs/adr"])
    assert r.exit_code == 0, r.output
    created = sorted((book / "docs" / "decisions").glob("DEC-00[234]-*.md"))
    assert [p.name for p in created] == [
        "DEC-002-record-architecture-decisions.md",
        "DEC-003-use-postgresql.md",
        "DEC-004-use-sqlite-for-small-installs.md",
    ]
    for name, data in originals.items():
        assert (book / "docs" / "adr" / name).read_bytes() == data
    rels = [p.relative_to(book).as_posix() for p in created]
    data = _lint_json(runner, *rels)
    assert data["findings"] == []
    assert data["exit_code"] == 0
    # the whole book too: the supersede pair is symmetric, links resolve
    whole = _lint_json(runner)
    assert [f for f in whole["findings"] if f["path"] in rels] == []  # type: ignore[union-attr]

    b = open_book()
    old, new = b.find("DEC-003"), b.find("DEC-004")
    assert old.title == "Use PostgreSQL"
    assert old.status == "Superseded"
    assert new.status == "Accepted"
    assert old.value("date") == "2024-02-01"
    text_old = old.source.decode()
    assert "Superseded by: DEC-004" in text_old
    assert "Supersedes: DEC-003" in new.source.decode()
    assert "DEC-002 (the first record)" in text_old  # link to another record -> its ID
    assert "We will use PostgreSQL 16." in text_old
    assert "Imported from `docs/adr/0002-use-postgresql.md`" in text_old
    decision = old.section("Chosen Option")
    assert decision is not None


def test_madr_records_become_dec_documents_that_lint_clean(
    book: Path, runner: CliRunner, dated: None
) -> None:
    originals = _write(book / "decisions-madr", MADR)
    r = runner.invoke(main, ["adopt", "--import-adr", "decisions-madr", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "would create docs/decisions/DEC-001-use-markdown-architectural" in r.output
    assert not list((book / "docs" / "decisions").glob("*.md"))
    r = runner.invoke(main, ["adopt", "--import-adr", "decisions-madr", "--json"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    assert [m["id"] for m in made] == ["DEC-001", "DEC-002"]
    for name, data in originals.items():
        assert (book / "decisions-madr" / name).read_bytes() == data
    data = _lint_json(runner, *[m["path"] for m in made])
    assert data["findings"] == []
    assert data["exit_code"] == 0

    b = open_book()
    first = b.find("DEC-001")
    assert first.title == "Use Markdown Architectural Decision Records"
    assert first.status == "Accepted"
    assert first.metadata["approvers"] == "Ana Ruiz, Ben Okafor"
    text = first.source.decode()
    assert "### Option 1: MADR 3.0.0" in text
    assert "### Option 2: Michael Nygard's template" in text
    assert "**Pros**: Good, because it lists the considered options" in text
    chosen = text.split("### Chosen Option\n", 1)[1].split("\n", 1)[0]
    assert chosen == "MADR 3.0.0"
    assert "it is lean and structured." in text
    assert "- Good, because the records are easy to review in pull requests" in text
    assert "### More Information\nDecided in the architecture guild meeting." in text
    assert b.find("DEC-002").status == "Rejected"


def test_import_needs_a_book_and_a_folder_of_records(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "adr", ADR_TOOLS)
    r = runner.invoke(main, ["adopt", "--import-adr", "adr"])
    assert r.exit_code == 2
    assert "specbook init" in r.output
    (tmp_path / "specbook.toml").write_text("[book]\nname = 'x'\n")
    (tmp_path / "empty").mkdir()
    r = runner.invoke(main, ["adopt", "--import-adr", "empty"])
    assert r.exit_code == 2
    assert "no decision records" in r.output


def test_records_are_read_inside_their_folder_or_the_book_only(
    book: Path, runner: CliRunner, dated: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A record that is a link leading out of the ADR folder and the book is not copied
    into the book (issue 17); nor is a loop of links or a name that is not UTF-8. Links
    inside the folder or the book are records like any other."""
    import os

    adr = book / "docs" / "adr"
    _write(
        adr,
        {
            "0001-record-architecture-decisions.md": ADR_TOOLS[
                "0001-record-architecture-decisions.md"
            ]
        },
    )
    outside = tmp_path_factory.mktemp("outside") / "0009-secret.md"
    outside.write_text(
        ADR_TOOLS["0002-use-postgresql.md"].replace("PostgreSQL 16", "s3cret-7f3a9c"),
        encoding="utf-8",
    )
    (adr / "0002-secret.md").symlink_to(outside)
    (adr / "0003-loop.md").symlink_to("0003-loop.md")
    (book / "docs" / "shared.md").write_text(ADR_TOOLS["0003-use-sqlite-for-small-installs.md"])
    # not read: a link inside the temporary book, to its own shared.md
    (adr / "0004-in-the-book.md").symlink_to("../shared.md")
    with open(os.path.join(os.fsencode(adr), b"0005-caf\xe9.md"), "wb") as fh:
        fh.write(b"# 5. Caf\xe9\n\n## Status\n\nAccepted\n")
    r = runner.invoke(main, ["adopt", "--import-adr", "docs/adr"])
    assert r.exit_code == 0, r.output
    assert "s3cret" not in r.output
    made = sorted(p.name for p in (book / "docs" / "decisions").glob("*.md"))
    assert made == [
        "DEC-001-record-architecture-decisions.md",
        "DEC-002-use-sqlite-for-small-installs.md",
    ]
    for path in (book / "docs" / "decisions").iterdir():
        assert b"s3cret" not in path.read_bytes()
    warned = [line for line in r.stderr.splitlines() if "not imported" in line]
    assert len(warned) == 3, r.stderr
    assert any("0002-secret.md" in w and str(outside) in w for w in warned)
    assert any("0003-loop.md" in w and "loop" in w for w in warned)
    assert any("0005-caf\\xe9.md" in w and "UTF-8" in w for w in warned)
