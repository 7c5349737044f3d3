"""Edits in the team's style (issue 18): dates, status words, YAML lists and keys,
sidecar files, supersede links, and where rows and fields go in documents that do not
follow specbook's template. Byte-exact golden cases on corpus documents live in
``tests/golden/style-*`` (run by ``tests/test_golden_lifecycle.py``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from specbook.core.config import ConfigError, config_from_mapping
from specbook.core.model import Field, Span
from specbook.edit.dates import date_in_form, find_date, replace_date
from specbook.edit.document import DocumentEdit, EditRefused
from specbook.edit.patch import apply_patches
from specbook.edit.style import key_in_style, name_in_style, status_in_style, team_word
from specbook.edit.yamlblock import YamlBlock, YamlEditError
from specbook.services import lifecycle
from specbook.services.lifecycle import TransitionRefused, check, review, transition
from specbook.services.multi import supersede
from specbook.services.zeroconf import open_book

CORPUS = Path(__file__).resolve().parent / "corpus"
ADR = CORPUS / "synthetic" / "frontmatter-adr" / "docs"
KEPS = CORPUS / "synthetic" / "folder-sidecar" / "keps"
DAY = dt.date(2026, 5, 4)


# -- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-03-02", "2026-05-04"),
        ("2024/03/02", "2026/05/04"),
        ("2024.3.2", "2026.5.4"),
        ("02.03.2024", "04.05.2026"),
        ("13/02/2024", "04/05/2026"),
        ("3/2/2024", "5/4/2026"),
        ("March 2, 2024", "May 4, 2026"),
        ("Mar 2nd, 2024", "May 4th, 2026"),
        ("MARCH 12, 2024", "MAY 4, 2026"),
        ("2 mars 2024", "4 mai 2026"),
        ("2 de marzo de 2024", "4 de mayo de 2026"),
        ("2. März 2024", "4. Mai 2026"),
        ("2025\u201109\u201118 (America/Chicago)", "2026\u201105\u201104 (America/Chicago)"),
        ("2025-09-11 | Version 1.7.6", "2026-05-04 | Version 1.7.6"),
        ("2025-09-19 02:35:45", "2026-05-04"),  # a time that would be false goes
        ("2024-03-02T10:00:00Z", "2026-05-04"),
    ],
)
def test_a_date_keeps_its_form(written: str, expected: str) -> None:
    assert replace_date(written, DAY, []) == expected


def test_no_date_and_impossible_dates() -> None:
    assert replace_date("TBD", DAY, []) is None
    assert replace_date("2024-02-30", DAY, []) is None
    assert replace_date("v1.2.2024", DAY, []) is None
    assert find_date("[YYYY-MM-DD]") is None


def test_ambiguous_numeric_dates_follow_the_documents_other_dates() -> None:
    # 03/04/2024 alone reads month first (a slash); a 25/12/2023 elsewhere says day first
    assert replace_date("03/04/2024", dt.date(2026, 1, 9), []) == "01/09/2026"
    assert replace_date("03/04/2024", dt.date(2026, 1, 9), ["25/12/2023"]) == "09/01/2026"


def test_a_new_date_takes_the_form_of_the_documents_other_dates() -> None:
    assert date_in_form(DAY, ["[YYYY-MM-DD]", "January 3, 2024"]) == "May 4, 2026"
    assert date_in_form(DAY, ["no date here"]) == "2026-05-04"


# -- words, names, keys ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "word", "expected"),
    [
        ("accepted", "Deprecated", "deprecated"),
        ("ACCEPTÉ", "Implémenté", "IMPLÉMENTÉ"),
        ("OPEN", "In Progress", "IN PROGRESS"),
        ("Open", "In Progress", "In Progress"),
        ("in-progress", "Won't Fix", "won't-fix"),
        ("in_progress", "Pending Release", "pending_release"),
        ("draft (analysis phase)", "Review", "review"),
        ("✅ **RESOLVED**", "Verified", "**VERIFIED**"),
        ("🚧 Experimental", "Active", "Active"),
        ("superseded by ADR-0011", "Accepted", "accepted"),
        ("Draft", "review", "Review"),
        (None, "Review", "Review"),
    ],
)
def test_status_in_style(current: str | None, word: str, expected: str) -> None:
    assert status_in_style(word, current) == expected


def test_team_word_uses_the_books_alias_where_the_document_writes_the_teams_words() -> None:
    cfg = config_from_mapping(
        {
            "kinds": {
                "BUG": {
                    "statuses": ["Open", "In Progress", "Fixed", "Verified", "Closed"],
                    "status_aliases": {"CORRIGÉ": "Fixed", "OUVERT": "Open"},
                }
            }
        },
        root=None,
        path=None,
    )
    kind = cfg.kinds["BUG"]
    assert team_word(kind, "Fixed", "OUVERT") == "CORRIGÉ"
    assert team_word(kind, "Fixed", "Open") == "Fixed"  # the document writes our words
    # a built-in synonym (resolved -> Fixed) is for reading only
    assert team_word(cfg.kinds["BUG"], "Verified", "resolved") == "Verified"


def test_names_and_keys_in_style() -> None:
    assert name_in_style("zed", ["@alice", "@bob"]) == "@zed"
    assert name_in_style("Zed Z", ["@alice"]) == "Zed Z"
    assert name_in_style("zed", ["alice"]) == "zed"
    assert key_in_style("superseded_by", ["kep-number", "creation-date", "status"]) == (
        "superseded-by"
    )
    assert key_in_style("superseded_by", ["created_at", "status"]) == "superseded_by"
    assert key_in_style("superseded_by", ["createdAt", "status"]) == "supersededBy"
    assert key_in_style("superseded_by", ["Spec-ID", "Title", "Last-Reviewed"]) == ("Superseded-By")
    assert key_in_style("approvers", ["Title", "Status"]) == "Approvers"


# -- YAML blocks -----------------------------------------------------------------------


def _edit(text: str, make: str, *args: str) -> str:
    data = text.encode()
    block = YamlBlock(data, 0, len(data))
    name = args[0]
    hit = block.entry(name)
    assert hit is not None
    patch = getattr(block, make)(hit[1], *args[1:])
    return apply_patches(data, [patch]).decode()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("d: [a, b]\n", "d: [a, b, zed]\n"),
        ("d: [a,b]\n", "d: [a,b,zed]\n"),
        ("d: ['a']\n", "d: ['a', 'zed']\n"),
        ('d: ["a", "b"]\n', 'd: ["a", "b", "zed"]\n'),
        ("d: []\n", "d: [zed]\n"),
        ("d:\n  - a\n  - b\nx: 1\n", "d:\n  - a\n  - b\n  - zed\nx: 1\n"),
        ('d:\n- "@a"\nx: 1\n', 'd:\n- "@a"\n- "zed"\nx: 1\n'),
        ("d:\n  - a  # lead\n", "d:\n  - a  # lead\n  - zed\n"),
        ("d:\r\n  - a\r\n", "d:\r\n  - a\r\n  - zed\r\n"),
        ("d:\n  - a", "d:\n  - a\n  - zed"),
    ],
)
def test_append_item_keeps_the_list_style(before: str, after: str) -> None:
    assert _edit(before, "append_item", "d", "zed") == after


@pytest.mark.parametrize(
    ("before", "value", "after"),
    [
        ("s: draft # note\n", "review", "s: review # note\n"),
        ('s: "draft"\n', "review", 's: "review"\n'),
        ("s: 'draft'\n", "it's", "s: 'it''s'\n"),
        ("s: draft\n", "yes", 's: "yes"\n'),  # a plain `yes` would load as true
        ("s: draft\n", "a: b", 's: "a: b"\n'),
        ("s:\n", "review", "s: review\n"),
    ],
)
def test_set_scalar_keeps_quoting_and_stays_the_same_value(
    before: str, value: str, after: str
) -> None:
    assert _edit(before, "set_scalar", "s", value) == after


def test_yaml_refusals() -> None:
    with pytest.raises(YamlEditError, match="block scalar"):
        _edit("s: |\n  draft\n", "set_scalar", "s", "x")
    with pytest.raises(YamlEditError, match="twice"):
        _edit("s: a\ns: b\n", "set_scalar", "s", "x")
    with pytest.raises(YamlEditError, match="not a mapping"):
        YamlBlock(b"- a\n- b\n", 0, 8)


# -- documents in a book -----------------------------------------------------------------


ADR_TOML = """[fields.aliases]
"deciders" = "approvers"

[kinds.DEC]
prefix = "ADR"
folder = "docs/decisions"
digits = 4
statuses = ["Proposed", "Accepted", "Rejected", "Deprecated", "Superseded"]
"""


@pytest.fixture
def adr_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ADR, tmp_path / "docs")
    (tmp_path / "specbook.toml").write_text(ADR_TOML)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _decisions(root: Path, name: str) -> Path:
    return next((root / "docs" / "decisions").glob(f"{name}-*.md"))


def _changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    import difflib

    a, b = before.decode().splitlines(), after.decode().splitlines()
    gone, new = [], []
    for line in difflib.unified_diff(a, b, n=0, lineterm=""):
        if line.startswith("-") and not line.startswith("---"):
            gone.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            new.append(line[1:])
    return gone, new


def test_review_approve_adds_to_a_flow_list_of_deciders(adr_book: Path) -> None:
    # the issue's `review DEC-015 --approve` on `deciders: [user]`: "not a plain scalar"
    path = _decisions(adr_book, "ADR-0012")
    before = path.read_bytes()
    review(open_book(), "ADR-0012", "approve", by="zed", on=DAY)
    assert _changed_lines(before, path.read_bytes()) == (
        ["deciders: [alice]"],
        ["deciders: [alice, zed]"],
    )


def test_approval_twice_adds_the_name_once(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0004")
    review(open_book(), "ADR-0004", "approve", by="zed", on=DAY)
    once = path.read_bytes()
    review(open_book(), "ADR-0004", "approve", by="Zed", on=DAY)
    assert path.read_bytes() == once
    assert once.count(b"  - zed\n") == 1


def test_empty_deciders_become_a_list(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0009")
    before = path.read_bytes()
    review(open_book(), "ADR-0009", "approve", by="zed", on=DAY)
    assert _changed_lines(before, path.read_bytes()) == (["deciders: []"], ["deciders: [zed]"])


def test_status_writes_the_documents_case_and_no_sections(adr_book: Path) -> None:
    # the issue's `status DEC-014 Deprecated` turned `accepted` into `Deprecated` and
    # appended `## Metadata / **Modified**` while `last_updated` stayed stale
    path = _decisions(adr_book, "ADR-0011")
    before = path.read_bytes()
    message = transition(open_book(), "ADR-0011", "Deprecated", by="zed", on=DAY)
    assert message == "ADR-0011: Accepted -> Deprecated"
    after = path.read_bytes()
    assert _changed_lines(before, after) == (
        ["status: accepted", "last_updated: 2024-01-15"],
        ["status: deprecated", "last_updated: 2026-05-04"],
    )
    assert b"## " in before and after.count(b"\n## ") == before.count(b"\n## ")


def test_the_approval_gate_counts_the_approvers_field_without_history(adr_book: Path) -> None:
    book = open_book()
    path = _decisions(adr_book, "ADR-0009")
    # (ADR-0009 reads `draft`, the DEC kind's alias of Proposed; nobody in `deciders: []`)
    with pytest.raises(TransitionRefused, match="in its approvers field"):
        transition(book, "ADR-0009", "Accepted", by="zed", on=DAY)
    review(book, "ADR-0009", "approve", by="carol", on=DAY)
    assert transition(book, "ADR-0009", "Accepted", by="zed", on=DAY).endswith("-> Accepted")
    assert b"status: accepted" in path.read_bytes()


def test_the_author_does_not_approve(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0009")
    path.write_bytes(path.read_bytes().replace(b"deciders: []", b"author: carol\ndeciders: []"))
    review(open_book(), "ADR-0009", "approve", by="carol", on=DAY)
    with pytest.raises(TransitionRefused, match="found 0"):
        transition(open_book(), "ADR-0009", "Accepted", by="zed", on=DAY)


def test_history_setting(adr_book: Path) -> None:
    toml = adr_book / "specbook.toml"
    toml.write_text(ADR_TOML + 'history = "section"\n')
    path = _decisions(adr_book, "ADR-0012")
    review(open_book(), "ADR-0012", "approve", by="zed", note="ok", on=DAY)
    text = path.read_text()
    assert text.endswith("## Review History\n\n| Date | Reviewer | Status | Feedback |\n"
                         "|------|----------|--------|----------|\n"
                         "| 2026-05-04 | zed | Approve | ok |\n")  # fmt: skip
    assert "## Metadata" not in text
    # "none": no row even where the document keeps a Review History
    toml.write_text(ADR_TOML + 'history = "none"\n')
    before = path.read_bytes()
    transition(open_book(), "ADR-0012", "Rejected", by="zed", on=DAY)
    gone, new = _changed_lines(before, path.read_bytes())
    assert (gone, new) == (["status: proposed"], ["status: rejected"])


def test_history_setting_is_checked() -> None:
    with pytest.raises(ConfigError, match="history"):
        config_from_mapping({"kinds": {"DEC": {"history": "always"}}}, root=None, path=None)


def test_a_comment_with_nowhere_to_go_says_so(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0012")
    before = path.read_bytes()
    message = review(open_book(), "ADR-0012", "comment", by="zed", note="hm", on=DAY)
    assert "not recorded" in message and 'history = "section"' in message
    assert path.read_bytes() == before


def test_check_updates_the_modified_mapping_by_and_at(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0008")
    path.write_bytes(path.read_bytes() + b"\n## Tasks\n\n- [ ] tell the teams\n")
    before = path.read_bytes()
    assert check(open_book(), "ADR-0008", "1", by="zed", on=DAY) == "ADR-0008: checked 1 item"
    assert _changed_lines(before, path.read_bytes()) == (
        ["modified: {by: alice, at: 2024-02-01}", "- [ ] tell the teams"],
        ["modified: {by: zed, at: 2026-05-04}", "- [x] tell the teams"],
    )


def test_block_mapping_modified(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0008")
    path.write_bytes(
        path.read_bytes().replace(
            b"modified: {by: alice, at: 2024-02-01}",
            b"modified:\n  by: '@alice'\n  at: 2024-02-01  # the last edit",
        )
    )
    before = path.read_bytes()
    transition(open_book(), "ADR-0008", "Superseded", by="zed", note="n", on=DAY)
    assert _changed_lines(before, path.read_bytes()) == (
        ["status: deprecated", "  by: '@alice'", "  at: 2024-02-01  # the last edit"],
        ["status: superseded", "  by: '@zed'", "  at: 2026-05-04  # the last edit"],
    )


def test_front_matter_that_is_not_yaml_is_edited_line_by_line(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0012")
    path.write_bytes(
        path.read_bytes()
        .replace(b"deciders: [alice]", b"deciders: [alice]\nowner: @platform")
        .replace(b"date: 2024-02-28", b"date: 2024-02-28\nupdated: 2024-03-01")
    )
    before = path.read_bytes()
    review(open_book(), "ADR-0012", "approve", by="zed", on=DAY)
    assert _changed_lines(before, path.read_bytes()) == (
        ["updated: 2024-03-01", "deciders: [alice]"],
        ["updated: 2026-05-04", "deciders: [alice, zed]"],
    )


def test_an_unwritable_value_is_refused_with_its_place(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0012")
    path.write_bytes(path.read_bytes().replace(b"status: proposed", b"status: |\n  proposed"))
    before = path.read_bytes()
    with pytest.raises(EditRefused, match=r"ADR-0012-retire-graphql\.md:4: .*block scalar"):
        transition(open_book(), "ADR-0012", "Rejected", by="zed", on=DAY)
    assert path.read_bytes() == before


# -- supersede -------------------------------------------------------------------------


def test_supersede_writes_front_matter_links_in_their_form(adr_book: Path) -> None:
    old, new = _decisions(adr_book, "ADR-0004"), _decisions(adr_book, "ADR-0011")
    old_before, new_before = old.read_bytes(), new.read_bytes()
    supersede(open_book(), "ADR-0004", "ADR-0011", by="zed", on=DAY)
    assert _changed_lines(old_before, old.read_bytes()) == (
        ["status: accepted", "last_updated: 2023-06-01"],
        ["status: superseded", "last_updated: 2026-05-04", "superseded_by: ADR-0011"],
    )
    # `supersedes: ADR-0010` (one ID) becomes a list in the style of the file's lists
    assert _changed_lines(new_before, new.read_bytes()) == (
        ["supersedes: ADR-0010", "last_updated: 2024-01-15"],
        ["supersedes: [ADR-0010, ADR-0004]", "last_updated: 2026-05-04"],
    )
    assert "already superseded" in supersede(open_book(), "ADR-0004", "ADR-0011", by="zed")


def test_supersede_appends_to_a_list_and_reads_front_matter_links(adr_book: Path) -> None:
    old, new = _decisions(adr_book, "ADR-0005"), _decisions(adr_book, "ADR-0006")
    new_before = new.read_bytes()
    supersede(open_book(), "ADR-0005", "ADR-0006", by="zed", on=DAY)
    assert _changed_lines(new_before, new.read_bytes()) == (
        ["supersedes: [ADR-0003]"],
        ["supersedes: [ADR-0003, ADR-0005]"],
    )
    assert b"superseded_by: ADR-0006\n---" in old.read_bytes()
    # ADR-0003 says `superseded_by: ADR-0006` in its front matter: that is a link
    with pytest.raises(Exception, match="already superseded by ADR-0006"):
        supersede(open_book(), "ADR-0003", "ADR-0011", by="zed", on=DAY)


# -- sidecar files (Field.file): the fields the layouts part reads from kep.yaml -----------

KEP_TOML = """[kinds.KEP]
prefix = "KEP"
folder = "keps"
digits = 4
statuses = ["provisional", "implementable", "implemented", "withdrawn", "replaced"]
"""
KEP_DIR = "keps/sig-cli/3104-introduce-kuberc"


def sidecar_fields(root: Path, folder: str) -> tuple[Field, ...]:
    """The Fields a sidecar reader gives for ``folder``/kep.yaml (contract 2: source
    ``sidecar``, ``file`` relative to the root, spans into that file)."""
    rel = f"{folder}/kep.yaml"
    data = (root / rel).read_bytes()
    out = []
    for m in re.finditer(rb"^([a-z-]+):[ \t]*([^\r\n]*)\r?\n((?:[ \t]+- [^\n]*\n)*)", data, re.M):
        name = m.group(1).decode()
        key = {"last-updated": "modified", "authors": "author"}.get(name, name)
        if key not in ("status", "approvers", "reviewers", "modified", "author", "title"):
            continue
        items = re.findall(rb"- \"?([^\"\n]*)\"?\n", m.group(3))
        value = ", ".join(i.decode() for i in items) if items else m.group(2).decode()
        line = data.count(b"\n", 0, m.start()) + 1
        span = Span(m.start(), m.end(), line, line)
        vspan = Span(m.start(2), m.end(2) if not items else m.end(3), line, line)
        out.append(Field(key, name, value, "sidecar", span, vspan, None, rel))
    return tuple(out)


class SidecarEdit(DocumentEdit):
    """DocumentEdit whose parse also gives the sidecar's fields, as the parser will."""

    def __init__(self, path: Path, config: object, rel: str | None = None) -> None:
        super().__init__(path, config, rel)  # type: ignore[arg-type]
        fields = sidecar_fields(Path(config.root), str(Path(self.rel).parent))  # type: ignore[attr-defined]
        status = next(f for f in fields if f.key == "status")
        kind = config.kinds["KEP"]  # type: ignore[attr-defined]
        self.doc = dataclasses.replace(
            self.doc,
            fields=fields + self.doc.fields,
            status=status.value,
            status_canonical=kind.canonical_status(status.value),
            kind="KEP",
        )


@pytest.fixture
def kep_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(KEPS, tmp_path / "keps")
    (tmp_path / "specbook.toml").write_text(KEP_TOML)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lifecycle, "DocumentEdit", SidecarEdit)
    return tmp_path


def test_sidecar_status_approval_and_date_are_written_in_the_sidecar(kep_book: Path) -> None:
    readme, kep = kep_book / KEP_DIR / "README.md", kep_book / KEP_DIR / "kep.yaml"
    doc_before, kep_before = readme.read_bytes(), kep.read_bytes()
    book = open_book()
    review(book, f"{KEP_DIR}/README.md", "approve", by="zed", on=DAY)
    transition(book, f"{KEP_DIR}/README.md", "implemented", by="zed", on=DAY)
    assert readme.read_bytes() == doc_before  # nothing lives in the README
    # the reviewer joins reviewers and approvers, each a block list of quoted handles
    after = kep.read_bytes()
    assert _changed_lines(kep_before, after) == (
        ["status: implementable", "last-updated: 2024-09-20"],
        ["status: implemented", '  - "@zed"', '  - "@zed"', "last-updated: 2026-05-04"],
    )
    assert b'reviewers:\n  - "@soltysh"\n  - "@zed"\napprovers:\n  - "@soltysh"\n  - "@zed"\n' in (
        after
    )


def test_a_check_ticks_the_readme_and_dates_the_sidecar(kep_book: Path) -> None:
    readme, kep = kep_book / KEP_DIR / "README.md", kep_book / KEP_DIR / "kep.yaml"
    doc_before, kep_before = readme.read_bytes(), kep.read_bytes()
    book = open_book()
    first_open = next(i for i, c in enumerate(book.load(readme).checklists) if not c.checked)
    check(book, f"{KEP_DIR}/README.md", str(first_open + 1), by="zed", on=DAY)
    gone, new = _changed_lines(doc_before, readme.read_bytes())
    assert len(gone) == 1 and gone[0].startswith("- [ ]") and new[0].startswith("- [x]")
    assert _changed_lines(kep_before, kep.read_bytes()) == (
        ["last-updated: 2024-09-20"],
        ["last-updated: 2026-05-04"],
    )


def test_a_sidecar_that_changed_meanwhile_is_not_written(kep_book: Path) -> None:
    readme, kep = kep_book / KEP_DIR / "README.md", kep_book / KEP_DIR / "kep.yaml"
    book = open_book()
    edit = SidecarEdit(readme, book.config, book.rel(readme))
    edit.set_status("implemented")
    kep.write_bytes(kep.read_bytes() + b"# someone else\n")
    changed = kep.read_bytes()
    from specbook.edit.atomic import ChangedOnDisk

    with pytest.raises(ChangedOnDisk):
        edit.write()
    assert kep.read_bytes() == changed


def test_a_sidecar_edit_that_would_not_load_back_is_refused(kep_book: Path) -> None:
    readme = kep_book / KEP_DIR / "README.md"
    book = open_book()
    edit = SidecarEdit(readme, book.config, book.rel(readme))
    edit.set_status("implemented")
    y = edit._yaml[f"{KEP_DIR}/kep.yaml"]
    assert y is not None
    status = y.patches.pop(0)
    y.patches.append(status._replace(text=b"implemented\nowning-sig: sig-node"))
    with pytest.raises(EditRefused, match="owning-sig would load as 'sig-node'"):
        edit.side_results()
    y.patches[0] = status._replace(text=b"implemented\nstage: beta")  # a key twice
    with pytest.raises(EditRefused, match="stage would be stated twice"):
        edit.side_results()


def test_supersede_writes_the_links_into_the_sidecars(
    kep_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specbook.services import multi

    monkeypatch.setattr(multi, "DocumentEdit", SidecarEdit)
    toml = kep_book / "specbook.toml"
    toml.write_text(KEP_TOML + '[kinds.KEP.status_aliases]\n"superseded" = "replaced"\n')
    old_dir, new_dir = KEP_DIR, "keps/sig-cli/1441-kubectl-debug"
    old, new = kep_book / old_dir / "kep.yaml", kep_book / new_dir / "kep.yaml"
    old_before, new_before = old.read_bytes(), new.read_bytes()
    readmes = {p: p.read_bytes() for p in (kep_book / "keps").rglob("README.md")}
    message = supersede(
        open_book(), f"{old_dir}/README.md", f"{new_dir}/README.md", by="zed", on=DAY
    )
    assert message.splitlines()[0] == "KEP-3104: implementable -> replaced"
    assert {p: p.read_bytes() for p in readmes} == readmes  # the READMEs are not touched
    assert _changed_lines(old_before, old.read_bytes()) == (
        ["status: implementable", "last-updated: 2024-09-20"],
        ["status: replaced", "last-updated: 2026-05-04", "superseded-by: KEP-1441"],
    )
    gone, new_lines = _changed_lines(new_before, new.read_bytes())
    assert new_lines[-1] == "supersedes: KEP-3104" and all("last-updated" in g for g in gone)


def test_a_sidecar_that_is_not_yaml_is_refused_with_its_place(kep_book: Path) -> None:
    # (its title `ApplySet: kubectl …` is not valid YAML: a colon and a space)
    folder = kep_book / "keps/sig-cli/3659-kubectl-apply-prune"
    before = (folder / "kep.yaml").read_bytes()
    with pytest.raises(EditRefused, match=r"3659-kubectl-apply-prune/kep\.yaml:\d+: the sidecar"):
        review(open_book(), str(folder / "README.md"), "approve", by="zed", on=DAY)
    assert (folder / "kep.yaml").read_bytes() == before


def test_a_modified_field_that_holds_no_date_is_left_alone(adr_book: Path) -> None:
    path = _decisions(adr_book, "ADR-0012")
    path.write_bytes(
        path.read_bytes().replace(b"date: 2024-02-28", b"date: 2024-02-28\nupdated: see the log")
    )
    before = path.read_bytes()
    review(open_book(), "ADR-0012", "approve", by="zed", on=DAY)
    assert _changed_lines(before, path.read_bytes()) == (
        ["deciders: [alice]"],
        ["deciders: [alice, zed]"],
    )
    # a placeholder is there to be filled, in the form of the document's other dates
    path.write_bytes(before.replace(b"updated: see the log", b"updated: YYYY-MM-DD"))
    path.write_bytes(path.read_bytes().replace(b"date: 2024-02-28", b"date: 28.02.2024"))
    transition(open_book(), "ADR-0012", "Rejected", by="zed", on=DAY)
    assert b"\nupdated: 04.05.2026\n" in path.read_bytes()


def test_a_json_sidecar_keeps_its_json(tmp_path: Path) -> None:
    folder = tmp_path / "docs" / "0007-x"
    folder.mkdir(parents=True)
    (tmp_path / "specbook.toml").write_text("")
    meta = folder / "meta.json"
    meta.write_bytes(b'{\n  "status": "Proposed",\n  "approvers": ["ann"],\n  "n": 7\n}\n')
    doc = folder / "README.md"
    doc.write_bytes(b"# A proposal\n\nText.\n")
    cfg = config_from_mapping({}, root=tmp_path, path=None)
    edit = DocumentEdit(doc, cfg, "docs/0007-x/README.md")
    rel = "docs/0007-x/meta.json"
    sp = Span(4, 24, 2, 2)
    fields = (
        Field("status", "status", "Proposed", "sidecar", sp, sp, None, rel),
        Field("approvers", "approvers", "ann", "sidecar", sp, sp, None, rel),
    )
    edit.doc = dataclasses.replace(edit.doc, fields=fields + edit.doc.fields)
    edit.set_status("Accepted")
    assert edit.add_name("approvers", "zed")
    ((path, _, new),) = edit.side_results()
    assert path == meta
    assert new == b'{\n  "status": "Accepted",\n  "approvers": ["ann", "zed"],\n  "n": 7\n}\n'
    import json

    assert json.loads(new) == {"status": "Accepted", "approvers": ["ann", "zed"], "n": 7}
    edit.write()
    assert meta.read_bytes() == new and doc.read_bytes() == b"# A proposal\n\nText.\n"
    # an empty list in JSON gets a quoted name too
    meta.write_bytes(b'{"status": "Proposed", "approvers": []}')
    edit = DocumentEdit(doc, cfg, "docs/0007-x/README.md")
    edit.doc = dataclasses.replace(edit.doc, fields=fields + edit.doc.fields)
    edit.add_name("approvers", "zed")
    edit.write()
    assert meta.read_bytes() == b'{"status": "Proposed", "approvers": ["zed"]}'
