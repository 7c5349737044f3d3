"""Hostile books, made by code: the example book plus files a hostile commit could hold.

Each case of :data:`CASES` adds one kind of hostile file to a fresh copy of
``examples/book``; :func:`make_book` adds one of them, or all of them together but the
50 MB document (:data:`ALL`), which has a book of its own (:data:`HUGE`): every
command, page and tool that reads it takes seconds, and the suite must stay quick.
Everything that stands for a secret lives in ``outside/``, beside the book, and
carries :data:`MARKER`, which no output, page, site file or MCP answer may show.

The layout of a case's folder::

    outside/   files outside the book: a password file, a folder of documents, a
               kind folder, test code (each holding MARKER)
    book/      the book
    out/       what the suite writes on purpose (a site, an export, a copy to fix)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "book"
# In every file outside the book; no document of the book holds it.
MARKER = "MARKER-7f3a9c-wombat-secret"
# not read: the text of a password file the books link to, whose lines name homes
PASSWD = f"root:x:0:0:root:/root:/bin/bash\nana:x:1000:1000:{MARKER}:/home/ana:/bin/sh\n"

SPEC4 = "docs/specs/SPEC-004-carrier-auto-detection.md"
# The ordinary documents every case must keep working: listed, shown, their pages load.
# (The example's tasks are left out: one case replaces their kind folder by a link.)
ORDINARY = {
    "SPEC-001": "docs/specs/SPEC-001-shipment-tracking-api.md",
    "SPEC-002": "docs/specs/SPEC-002-carrier-webhook-ingestion.md",
    "SPEC-003": "docs/specs/SPEC-003-delivery-notifications.md",
    "SPEC-004": SPEC4,
    "SPEC-005": "docs/specs/SPEC-005-adaptive-polling-scheduler.md",
    "DEC-001": "docs/decisions/DEC-001-use-postgresql-event-store.md",
    "DEC-002": "docs/decisions/DEC-002-poll-carriers-on-fixed-schedule.md",
    "DEC-003": "docs/decisions/DEC-003-receive-carrier-updates-by-webhook.md",
    "BUG-001": "docs/bugs/BUG-001-events-out-of-order-across-time-zones.md",
    "BUG-002": "docs/bugs/BUG-002-poller-exceeds-dhl-quota.md",
    "BUG-003": "docs/bugs/BUG-003-share-link-exposes-recipient-address.md",
}

# A decision record for `adopt --import-adr adr` (every book has adr/ with it).
ADR = """\
# 1. Record architecture decisions

Date: 2026-01-05

## Status

Accepted

## Context

We need to record the architectural decisions made on this project.

## Decision

We will use Architecture Decision Records.

## Consequences

See Michael Nygard's article.
"""

# The 50 MB document: generated once per session (tests/hostile/conftest.py) and copied.
HUGE_ID = "SPEC-095"
HUGE_PATH = "docs/specs/SPEC-095-huge.md"
HUGE_BYTES = 50 * 1024 * 1024


@dataclass
class Hostile:
    """What a case put in the book: documents that are listed (ID -> path), files that
    must be reported as skipped (their names as shown, undecodable bytes as ``\\xNN``),
    and documents that are listed but whose content is hostile."""

    listed: dict[str, str] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    code_skipped: set[str] = field(default_factory=set)  # code `specbook trace` skips


def derived(root: Path, new_id: str, title: str) -> bytes:
    """SPEC-004's bytes as document ``new_id`` titled ``title``: an ordinary document."""
    data = (root / SPEC4).read_bytes()
    data = data.replace(b"SPEC-004", new_id.encode())
    return data.replace(b"Carrier auto-detection", title.encode(), 1)


def header(doc_id: str, title: str) -> str:
    return (
        f"# Technical Specification: {title}\n\n**ID**: {doc_id}\n**Date**: 2026-01-05\n"
        "**Status**: Draft\n**Type**: Feature\n\n---\n\n## Summary\n\n"
    )


# -- the cases ---------------------------------------------------------------------------
def link_file_out(root: Path, outside: Path, huge: Path) -> Hostile:
    """A document, a file and an image that are links to a password file outside."""
    (outside / "passwd").write_text(PASSWD, encoding="utf-8")
    (root / "docs/specs/SPEC-060-passwd.md").symlink_to(outside / "passwd")
    (root / "docs/bugs/passwd.md").symlink_to("../../../outside/passwd")  # relative
    (root / "docs/specs/img").mkdir()
    (root / "docs/specs/img/logo.png").symlink_to(outside / "passwd")
    # an ordinary document shows the "image" and links to the file
    spec = root / ORDINARY["SPEC-001"]
    spec.write_bytes(
        spec.read_bytes() + b"\n![logo](img/logo.png)\n\n[the users](../bugs/passwd.md)\n"
    )
    # test code the book's [trace] globs name, a link to code outside
    (outside / "test_secret.py").write_text(
        f'"""{MARKER}"""\n\nimport pytest\n\n\n@pytest.mark.spec("{MARKER}")\n'
        f"def test_{MARKER.replace('-', '_').lower()}():\n"
        f"    # covers SPEC-001/FR-1\n    assert '{MARKER}'\n",
        encoding="utf-8",
    )
    (root / "tests/test_secret.py").symlink_to(outside / "test_secret.py")
    # a decision record that is a link to one outside
    secret = outside / "0003-secret.md"
    secret.write_text(
        ADR.replace("Record architecture", f"Secret {MARKER}").replace(
            "We will", f"{MARKER}: we will"
        ),
        encoding="utf-8",
    )
    (root / "adr/0003-secret.md").symlink_to(secret)
    return Hostile(
        skipped={"docs/specs/SPEC-060-passwd.md", "docs/bugs/passwd.md"},
        code_skipped={"tests/test_secret.py"},
    )


def link_kind_folder_out(root: Path, outside: Path, huge: Path) -> Hostile:
    """``docs/tasks`` (a kind folder) is a link to a folder of documents outside."""
    tasks = outside / "tasks"
    tasks.mkdir()
    (tasks / "TASK-050-secret.md").write_text(
        header("TASK-050", f"Secret {MARKER}").replace("Technical Specification", "Task")
        + f"{MARKER}\n",
        encoding="utf-8",
    )
    shutil.rmtree(root / "docs/tasks")
    (root / "docs/tasks").symlink_to(tasks)
    return Hostile(skipped={"docs/tasks"})


def link_dir_out(root: Path, outside: Path, huge: Path) -> Hostile:
    """A folder inside a kind folder that is a link to a folder of documents outside
    (one named like a document too)."""
    vault = outside / "vault"
    vault.mkdir()
    (vault / "SPEC-061-vault.md").write_text(
        header("SPEC-061", f"Vault {MARKER}") + f"{MARKER}\n", encoding="utf-8"
    )
    (root / "docs/specs/vault").symlink_to(vault)
    (root / "docs/specs/SPEC-062-vault.md").symlink_to(vault)
    # (links to folders are not followed: nothing to report)
    return Hostile()


def loops(root: Path, outside: Path, huge: Path) -> Hostile:
    """``a.md`` and ``b.md`` link to each other; ``self.md`` links to itself; a folder
    links to its parent."""
    specs = root / "docs/specs"
    (specs / "a.md").symlink_to("b.md")
    (specs / "b.md").symlink_to("a.md")
    (specs / "self.md").symlink_to("self.md")
    (specs / "here").symlink_to(".")
    (root / "adr/0002-loop.md").symlink_to("0002-loop.md")
    (root / "tests/test_loop.py").symlink_to("test_loop.py")
    return Hostile(
        skipped={"docs/specs/a.md", "docs/specs/b.md", "docs/specs/self.md"},
        code_skipped={"tests/test_loop.py"},
    )


def bad_name(root: Path, outside: Path, huge: Path) -> Hostile:
    """A document and a folder whose names are not valid UTF-8 (Latin-1 ``é``)."""
    specs = os.fsencode(root / "docs/specs")
    with open(os.path.join(specs, b"SPEC-097-caf\xe9.md"), "wb") as fh:
        fh.write(derived(root, "SPEC-097", "Caf\u00e9"))
    folder = os.path.join(specs, b"d\xe9j\xe0")
    os.mkdir(folder)
    with open(os.path.join(folder, b"SPEC-096-vu.md"), "wb") as fh:
        fh.write(derived(root, "SPEC-096", "Vu"))
    with open(os.path.join(os.fsencode(root / "adr"), b"0005-caf\xe9.md"), "wb") as fh:
        fh.write(ADR.replace("Record architecture", "Caf\xe9").encode("latin-1"))
    with open(os.path.join(os.fsencode(root / "tests"), b"test_caf\xe9.py"), "wb") as fh:
        fh.write(b"def test_caf\xe9():\n    pass  # covers SPEC-001/FR-1\n")
    return Hostile(
        skipped={"docs/specs/SPEC-097-caf\\xe9.md", "docs/specs/d\\xe9j\\xe0"},
        code_skipped={"tests/test_caf\\xe9.py"},
    )


def deep(root: Path, outside: Path, huge: Path) -> Hostile:
    """Markdown nested 100,000 levels deep: a list and a block quote."""
    specs = root / "docs/specs"
    (specs / "SPEC-098-deep-list.md").write_text(
        header("SPEC-098", "Deep list") + "- " * 100_000 + "x\n", encoding="utf-8"
    )
    (specs / "SPEC-099-deep-quote.md").write_text(
        header("SPEC-099", "Deep quote") + ">" * 100_000 + " x\n", encoding="utf-8"
    )
    return Hostile(
        listed={
            "SPEC-098": "docs/specs/SPEC-098-deep-list.md",
            "SPEC-099": "docs/specs/SPEC-099-deep-quote.md",
        }
    )


def nul(root: Path, outside: Path, huge: Path) -> Hostile:
    """NUL bytes in a document's title, fields and text."""
    data = derived(root, "SPEC-093", "Nul\0title")
    data = data.replace(b"**Type**: Enhancement", b"**Type**: Enh\0ancement\0")
    data = data.replace(b"## Summary\n", b"## Summary\n\0\0\0 NUL \0 bytes\0\n", 1)
    (root / "docs/specs/SPEC-093-nul.md").write_bytes(data + b"\0")
    return Hostile(listed={"SPEC-093": "docs/specs/SPEC-093-nul.md"})


def bad_utf8(root: Path, outside: Path, huge: Path) -> Hostile:
    """Bytes that are not UTF-8 in a document's title, fields and text: Latin-1, a
    lone continuation byte, 0xff, an overlong ``/``, an encoded surrogate, a cut
    sequence."""
    data = derived(root, "SPEC-094", "Caf\xe9 na\xefve")
    bad = b"caf\xe9 \x80 \xff \xc0\xaf \xed\xa0\x80 \xe2\x82"
    data = data.replace(b"Caf\xc3\xa9 na\xc3\xafve", b"Caf\xe9 na\xefve \xff")
    data = data.replace(b"**Type**: Enhancement", b"**Type**: Enh\xe9ancement")
    data = data.replace(b"## Summary\n", b"## Summary\n\n" + bad + b"\n", 1)
    (root / "docs/specs/SPEC-094-latin1.md").write_bytes(data + b"\xe2")
    return Hostile(listed={"SPEC-094": "docs/specs/SPEC-094-latin1.md"})


def huge_doc(root: Path, outside: Path, huge: Path) -> Hostile:
    """A 50 MB document (generated once per session: :func:`write_huge`)."""
    shutil.copyfile(huge, root / HUGE_PATH)
    return Hostile(listed={HUGE_ID: HUGE_PATH})


def endings(root: Path, outside: Path, huge: Path) -> Hostile:
    """CR-only line endings, mixed endings, a byte-order mark."""
    specs = root / "docs/specs"
    lf = derived(root, "SPEC-092", "Carriage returns")
    (specs / "SPEC-092-cr.md").write_bytes(lf.replace(b"\n", b"\r"))
    lines = derived(root, "SPEC-091", "Mixed endings").split(b"\n")
    mixed = b"".join(line + (b"\n", b"\r\n", b"\r")[i % 3] for i, line in enumerate(lines))
    (specs / "SPEC-091-mixed.md").write_bytes(mixed)
    bom = b"\xef\xbb\xbf" + derived(root, "SPEC-090", "Byte-order mark").replace(b"\n", b"\r\n")
    (specs / "SPEC-090-bom.md").write_bytes(bom)
    return Hostile(
        listed={
            "SPEC-090": "docs/specs/SPEC-090-bom.md",
            "SPEC-091": "docs/specs/SPEC-091-mixed.md",
            "SPEC-092": "docs/specs/SPEC-092-cr.md",
        }
    )


Case = Callable[[Path, Path, Path], Hostile]
CASES: dict[str, Case] = {
    "link-file-out": link_file_out,
    "link-kind-folder-out": link_kind_folder_out,
    "link-dir-out": link_dir_out,
    "loops": loops,
    "bad-name": bad_name,
    "deep": deep,
    "nul": nul,
    "bad-utf8": bad_utf8,
    "huge": huge_doc,
    "endings": endings,
}
HUGE = "huge"
DEEP = "deep"
# Every case's files together, but the 50 MB document's (the book of HUGE alone).
ALL = "all"
SMALL = [name for name in CASES if name != HUGE]


@dataclass
class HostileBook:
    case: str
    base: Path  # the case's folder: outside/, book/, out/
    hostile: Hostile

    @property
    def root(self) -> Path:
        return self.base / "book"

    @property
    def outside(self) -> Path:
        return self.base / "outside"

    @property
    def out(self) -> Path:
        return self.base / "out"

    @property
    def ordinary(self) -> dict[str, str]:
        return ORDINARY


def make_book(base: Path, case: str, huge: Path, leave_out: Collection[str] = ()) -> HostileBook:
    """A copy of the example book at ``base/book`` with the hostile files of ``case``
    (a key of :data:`CASES`, or :data:`ALL` for those of every case but :data:`HUGE`
    and those of ``leave_out``)."""
    root = base / "book"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".specbook"))
    (root / "adr").mkdir()
    (root / "adr/0001-record-architecture-decisions.md").write_text(ADR, encoding="utf-8")
    (base / "outside").mkdir()
    (base / "out").mkdir()
    # a secret beside the book in every case, linked or not
    (base / "outside" / "passwd").write_text(PASSWD, encoding="utf-8")
    merged = Hostile()
    for name in [c for c in SMALL if c not in leave_out] if case == ALL else [case]:
        made = CASES[name](root, base / "outside", huge)
        merged.listed.update(made.listed)
        merged.skipped |= made.skipped
        merged.code_skipped |= made.code_skipped
    return HostileBook(case, base, merged)


def write_huge(path: Path) -> Path:
    """A 50 MB specification: 4 MB of structure (sections, requirements with acceptance
    criteria, references to other documents, checklists, tables, code), then prose,
    one table, one code block and one line of 2 MB.

    It has no link and no inline HTML: either sends the whole document down the parser's
    slower, CommonMark-exact path (pyromark's events, read in Python: about 2 MB/s, so 25 s
    for these 50 MB; the fast scanner reads them at 10-50 MB/s), which would make each of
    the suite's commands on this book take half a minute. That path is the one every
    other hostile document takes; its time grows linearly too.
    """
    parts: list[bytes] = [header(HUGE_ID, "Huge").encode()]
    size = len(parts[0])

    def add(chunk: bytes) -> None:
        nonlocal size
        parts.append(chunk)
        size += len(chunk)

    n = 0
    while size < 4 * 1024 * 1024:
        n += 1
        add(
            (
                f"## Section {n}\n\n### Functional Requirements\n"
                f"{n}. **FR-{n}**: The service shall handle case {n} as SPEC-001/FR-1 and "
                f"DEC-00{n % 3 + 1} say; see BUG-00{n % 3 + 1}.\n"
                f"   - Acceptance Criteria: case {n} returns 200 within {n % 97} ms.\n\n"
                f"- [ ] item {n} of the plan\n- [x] `src/module_{n % 50}.py` - done\n\n"
                f"| Case | Value |\n|------|-------|\n| {n} | **{n * 7}** |\n\n"
                f"```python\ndef case_{n}():\n    return {n}\n```\n\n"
                f"Some *prose* about case {n}, with `code`.\n\n"
            ).encode()
        )
    add(b"## Prose\n\n")
    para = (
        b"The carrier sends an *update* for the shipment and the `poller` reads it again. " * 8
        + b"\n\n"
    )
    add(para * ((30 * 1024 * 1024 - size) // len(para)))
    add(b"## Table\n\n| Number | Carrier | Note |\n|---|---|---|\n")
    row = b"| 1Z999AA10123456784 | UPS | a tracking number, **bold** |\n"
    add(row * (8 * 1024 * 1024 // len(row)))
    add(b"\n## Code\n\n```text\n")
    line = b"2026-01-05T10:00:00Z carrier=UPS number=1Z999AA10123456784 status=ok\n"
    add(line * ((HUGE_BYTES - 2 * 1024 * 1024 - size) // len(line)))
    add(b"```\n\n## One line\n\n")
    add(b"word " * ((HUGE_BYTES - size) // 5) + b"\n")
    path.write_bytes(b"".join(parts))
    return path
