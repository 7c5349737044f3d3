"""Every command of ``specbook`` over the hostile books (issue 17, "Must show" 2).

The commands are walked from ``specbook.cli.main`` itself, so a new command is run
here as soon as it exists (with no arguments until :func:`invocations` gives it its
own). Each runs as a user runs it, in a process of its own with a time limit, in a
git repository holding the book. For each: no traceback, an exit code of 0, 1 or 2, no
hang, nothing of what lies outside the book in what it prints, writes or publishes,
and nothing outside the book changed; files it cannot read are reported by name, and
the ordinary documents still work. ``serve`` and ``mcp`` have their own modules.

What runs where, and its bounds (a command past its bound is killed and fails). A
command's time goes mostly to reading the book's documents, every run anew, so the two
kinds of document that take long to read have books of their own, over which only the
commands that read documents run:

- every command, with every sensible argument, over the book holding every hostile
  file but the 100,000-deep nesting and the 50 MB document: 30 s per command (each
  takes 0.1-2 s); about 10 s, two commands at a time;
- the listing commands (``list``, ``lint``) over each of those cases alone: 30 s per
  command; under half a second per case;
- each command that reads documents, once, over the 100,000-deep nesting (each
  command reads it in 0.3-1 s: pyromark's events of 100,000 nested lists, in
  Python), and the writers on the deep documents: 30 s per command; about 12 s;
- indexing, listing, search, graph, lint, refs, show and diff over the 50 MB document:
  90 s per command (indexing it takes 7-15 s, the rest 1-8 s); about 18 s.
  ``build`` and ``export`` of it are left to the portal module, which renders its page
  (the same renderer and index).

The module takes about 45 s (measured on the 2-core machine, lightly loaded; twice
that when other test runs share it).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from specbook.cli import main
from tests.hostile.books import (
    ALL,
    DEEP,
    HUGE_ID,
    HUGE_PATH,
    ORDINARY,
    SMALL,
    Hostile,
    HostileBook,
    make_book,
)
from tests.hostile.conftest import (
    BOUND,
    BOUND_HUGE,
    Run,
    make_git_book,
    no_marker_in_files,
    outside_unchanged,
    problems_of,
    specbook,
    specbook_many,
)

# Commands with modules of their own here: they serve, and are driven as servers.
SERVERS = {"serve": "test_portal.py", "mcp": "test_mcp.py"}
# Commands that write in the book: run one after the other, after those that only read.
WRITERS = {"adopt", "check", "new", "review", "status", "supersede"}
# Run after the writers: what they changed is what these show.
AFTER = {"diff"}


# Paths in the book through links leading out of it (a file, a folder, a kind folder):
# never read, whoever names them (where a book has none of them: no such file).
LINKED_OUT = [
    "docs/specs/SPEC-060-passwd.md",
    "docs/specs/vault/SPEC-061-vault.md",
    "docs/tasks/TASK-050-secret.md",
    "adr/0003-secret.md",
]


def invocations(hb: HostileBook) -> dict[str, list[tuple[str, ...]]]:
    """Each command's runs over the book: its sensible arguments (an ordinary document's
    ID, a hostile document's, an output folder outside the book), in the order run."""
    hostile_ids = sorted(hb.hostile.listed)
    out = str(hb.out)
    return {
        "adopt": [
            ("adopt", "--dry-run"),
            ("adopt", "--dry-run", "--json"),
            ("adopt", ".", "--import-adr", "adr"),
        ],
        "build": [("build", "--out", f"{out}/site")],
        "check": [("check", "SPEC-004", "1"), ("check", "BUG-001", "--all", "Fix Plan")]
        + [("check", i, "1") for i in hostile_ids]
        + [("check", p, "1") for p in LINKED_OUT],
        "diff": [("diff", "HEAD"), ("diff", "HEAD", "--format", "json")],
        "export": [
            ("export", "--out", f"{out}/export.json"),
            ("export", "--format", "csv", "--out", f"{out}/export.csv"),
        ],
        "graph": [("graph",), ("graph", "--format", "json"), ("graph", "--root", "SPEC-001")],
        "impact": [("impact", "parcel/api/shipments.py"), ("impact", "--git-diff", "HEAD")],
        "index": [("index",), ("index", "--json")],
        "init": [("init", f"{out}/newbook")],
        "lint": [
            ("lint",),
            ("lint", "--format", "json"),
            ("lint", "--format", "sarif"),
            ("lint", "docs/specs", "docs/bugs", "docs/tasks"),
        ],
        "list": [("list",), ("list", "--json")],
        "new": [("new", "spec", "Still works", "--author", "Ana")],
        "passwd": [("passwd", "ana"), ("passwd", "--token", "ana")],
        "refs": [("refs", "SPEC-001")] + [("refs", i) for i in hostile_ids],
        "renumber": [("renumber", "--dry-run"), ("renumber", "--json", "--dry-run")],
        "report": [("report",), ("report", "--format", "json")],
        "review": [("review", "SPEC-002", "--comment", "--by", "Bo", "--note", "fine")]
        + [("review", i, "--comment", "--by", "Bo") for i in hostile_ids],
        "rules": [("rules",)],
        "schema": [("schema",)],
        "search": [("search", "carrier"), ("search", "--json", "ana"), ("search", "root")],
        "show": [("show", i) for i in ("SPEC-001", "SPEC-004", "DEC-001", "BUG-001")]
        + [("show", "--json", p) for p in LINKED_OUT]
        + [("show", i) for i in hostile_ids]
        + [("show", "--json", i) for i in hostile_ids],
        "status": [("status", "SPEC-003", "Review", "--by", "Ana", "--force")]
        + [("status", i, "Review", "--by", "Ana", "--force") for i in hostile_ids],
        "supersede": [("supersede", "DEC-002", "DEC-003", "--by", "Ana")],
        "trace": [("trace",), ("trace", "--json")],
    }


def test_every_command_has_its_arguments() -> None:
    """A new command is run with no arguments until it is given sensible ones here."""
    names = set(main.list_commands(click.Context(main)))
    table = invocations(HostileBook("x", Path("/nowhere"), Hostile()))
    assert names - set(SERVERS) == set(table), "give the new command its runs in invocations()"
    assert set(table) >= WRITERS | AFTER


def checked(runs: list[Run]) -> list[str]:
    return [f"{p}: {run}" for run in runs for p in problems_of(run)]


@pytest.fixture(scope="module")
def light_book(tmp_path_factory: pytest.TempPathFactory, huge_file: Path) -> Iterator[HostileBook]:
    """Every hostile file but the deep nesting and the 50 MB document, in git."""
    base = tmp_path_factory.mktemp("hostile-light")
    with outside_unchanged(make_git_book(base, ALL, huge_file, leave_out=(DEEP,))) as hb:
        yield hb


@pytest.fixture(params=[c for c in SMALL if c != DEEP])
def case_book(
    request: pytest.FixtureRequest, tmp_path: Path, huge_file: Path
) -> Iterator[HostileBook]:
    """One small case's book alone (no git: the listing commands need none)."""
    with outside_unchanged(make_book(tmp_path, str(request.param), huge_file)) as hb:
        yield hb


def test_every_command_over_the_hostile_book(light_book: HostileBook) -> None:
    """Every command over every hostile file but the deep and the 50 MB ones: those that
    only read two at a time, then those that write one after the other, then ``diff``
    of what they wrote (CR-only, NUL and Latin-1 documents edited)."""
    hb = light_book
    table = invocations(hb)
    names = [n for n in main.list_commands(click.Context(main)) if n not in SERVERS]
    readers = [args for n in names if n not in WRITERS | AFTER for args in table.get(n, [(n,)])]
    # lint --fix writes: on a copy, so the other commands see the book as committed
    fix_copy = hb.out / "fix-copy" / "book"
    shutil.copytree(hb.root, fix_copy, symlinks=True)
    runs = specbook_many(hb.root, readers, BOUND, stdin={"passwd": b"pw\npw\n"})
    runs.append(specbook(fix_copy, "lint", "--fix", timeout=BOUND))
    for name in sorted(WRITERS):
        runs += [specbook(hb.root, *args, timeout=BOUND) for args in table[name]]
    runs += specbook_many(hb.root, [args for n in sorted(AFTER) for args in table[n]], BOUND)
    problems = checked(runs)
    assert not problems, "\n\n".join(problems)
    by_args = {r.args: r for r in runs}
    documents_work(hb, runs)
    # what cannot be read is named, once, by each command that lists the book
    for args in (("list",), ("search", "carrier"), ("graph",), ("report",), ("trace",)):
        run = by_args[args]
        for path in hb.hostile.skipped:
            assert run.err.count(f"specbook: warning: {path}: ") == 1, (path, str(run))
    for args in (("trace",), ("trace", "--json")):
        for path in hb.hostile.code_skipped:
            assert by_args[args].err.count(f"specbook: warning: {path}: ") == 1, by_args[args]
    lint = json.loads(by_args[("lint", "--format", "json")].stdout)
    skipped = {f["path"] for f in lint["findings"] if f["rule"] == "SB002"}
    assert skipped == hb.hostile.skipped
    # a path through a link leading out is refused, saying so, whatever command names it
    for path in LINKED_OUT:
        for args in (("show", "--json", path), ("check", path, "1")):
            refused = by_args[args]
            assert refused.code == 1 and "out of the book" in refused.err.replace(
                "outside the book", "out of the book"
            ), refused
    print("\n".join(f"{r.seconds:6.1f} s  specbook {' '.join(r.args)}" for r in runs))


def documents_work(hb: HostileBook, runs: list[Run]) -> None:
    """What must hold after the runs over a book: the ordinary documents and the
    hostile ones are listed and shown, each hostile one was ticked, reviewed and moved
    (or refused with a message) and diff shows it moved, the site has a page of each,
    and nothing from outside the book is in any file written."""
    by_args = {r.args: r for r in runs}
    listed = json.loads(by_args[("list", "--json")].stdout)
    ids = {d["id"] for d in listed}
    assert set(ORDINARY) <= ids
    assert set(hb.hostile.listed) <= ids
    for doc_id in ("SPEC-001", "SPEC-004", "DEC-001", "BUG-001"):
        if ("show", doc_id) in by_args:
            assert by_args[("show", doc_id)].code == 0, by_args[("show", doc_id)]
    written = set()
    for doc_id in hb.hostile.listed:
        assert by_args[("show", "--json", doc_id)].code == 0, by_args[("show", "--json", doc_id)]
        assert json.loads(by_args[("show", "--json", doc_id)].stdout)["id"] == doc_id
        for verb in ("check", "review", "status"):
            run = next(r for r in runs if r.args[:2] == (verb, doc_id))
            # done, or refused with a message (SPEC-098 has no checklist to tick; the
            # fields of a CR-only document are not found, so no edit of them is made)
            assert run.code == 0 or "specbook: error: " in run.err, run
            if run.code == 0:
                written.add(doc_id)
    # what the writers did is what diff shows; a document every write refused is unchanged
    diff = json.loads(by_args[("diff", "HEAD", "--format", "json")].stdout)
    moved = {d["id"] for d in diff["documents"] if d["change"] == "modified"}
    assert moved & set(hb.hostile.listed) == written
    # nothing from outside the book is published, exported or written, in the book or out
    no_marker_in_files(hb.out, hb.root)
    site = hb.out / "site"
    for doc_id in [*ORDINARY, *hb.hostile.listed]:
        assert (site / "doc" / f"{doc_id}.html").is_file(), doc_id


def test_listing_commands_over_each_case(case_book: HostileBook) -> None:
    """Each small case alone: the book is listed and linted, what cannot be read is
    named once (and is an SB002 finding), the ordinary documents and the case's own are
    listed."""
    hb = case_book
    listing, lint = specbook_many(
        hb.root, [("list", "--json"), ("lint", "--format", "json")], BOUND
    )
    problems = checked([listing, lint])
    assert not problems, "\n\n".join(problems)
    ids = {d["id"] for d in json.loads(listing.stdout)}
    assert set(ORDINARY) | set(hb.hostile.listed) <= ids
    for path in hb.hostile.skipped:
        assert listing.err.count(f"specbook: warning: {path}: ") == 1, (path, str(listing))
    findings = json.loads(lint.stdout)["findings"]
    assert {f["path"] for f in findings if f["rule"] == "SB002"} == hb.hostile.skipped


# What reads documents: run over the deep nesting (what the writers did, then diff).
DOCUMENT_READERS = {"adopt", "build", "export", "graph", "index", "lint", "list", "refs"}
DOCUMENT_READERS |= {"renumber", "report", "search", "show", "trace"}


def test_document_commands_over_deep_nesting(tmp_path: Path, huge_file: Path) -> None:
    """Lists and block quotes nested 100,000 deep: every command that reads documents,
    with its arguments, then the writers on the deep documents and ``diff``."""
    with outside_unchanged(make_git_book(tmp_path, DEEP, huge_file)) as hb:
        table = invocations(hb)
        deep = set(hb.hostile.listed)
        # each command once (its other output formats show the same model; the depth
        # is a hazard to reading and rendering), show and refs of each deep document
        readers = [
            next((a for a in table[name] if "--json" in a or "json" in a), table[name][0])
            for name in sorted(DOCUMENT_READERS - {"show", "refs"})
        ]
        readers += [a for name in ("show", "refs") for a in table[name] if a[-1] in deep]
        runs = specbook_many(hb.root, readers, BOUND)
        for name in ("check", "review", "status"):
            runs += [specbook(hb.root, *a, timeout=BOUND) for a in table[name] if a[1] in deep]
        runs.append(specbook(hb.root, "diff", "HEAD", "--format", "json", timeout=BOUND))
        problems = checked(runs)
        assert not problems, "\n\n".join(problems)
        documents_work(hb, runs)
    print("\n".join(f"{r.seconds:6.1f} s  specbook {' '.join(r.args)}" for r in runs))


def test_commands_over_the_50mb_document(huge_book: HostileBook) -> None:
    """The 50 MB document: indexed (with its findings), listed, searched, linted, its
    references followed, shown; in a copy of the book, an item ticked and ``diff``
    of it."""
    hb = huge_book
    index = specbook(hb.root, "index", "--json", timeout=BOUND_HUGE)  # (the rest reuse it)
    copy = hb.out / "write-copy" / "book"
    shutil.copytree(hb.root, copy, symlinks=True, ignore=shutil.ignore_patterns(".specbook"))
    huge = copy / HUGE_PATH
    huge.write_bytes(huge.read_bytes().replace(b"- [ ] item 1 ", b"- [x] item 1 ", 1))
    runs = [index]
    runs += specbook_many(
        hb.root,
        [
            ("list", "--json"),
            ("search", "--json", "carrier"),
            ("graph", "--format", "json"),
            ("lint", "--format", "json"),
            ("refs", "SPEC-001"),
            ("show", HUGE_ID),
        ],
        BOUND_HUGE,
    )
    runs.append(specbook(copy, "diff", "HEAD", "--format", "json", timeout=BOUND_HUGE))
    problems = checked(runs)
    assert not problems, "\n\n".join(problems)
    assert all(r.code in (0, 1) for r in runs), "\n\n".join(str(r) for r in runs if r.code > 1)
    by_args = {r.args: r for r in runs}
    assert json.loads(index.stdout)["documents"] >= len(ORDINARY) + 1
    assert HUGE_ID in {d["id"] for d in json.loads(by_args[("list", "--json")].stdout)}
    assert HUGE_ID in {h["id"] for h in json.loads(by_args[("search", "--json", "carrier")].stdout)}
    assert by_args[("show", HUGE_ID)].out.startswith(f"{HUGE_ID}  Huge\n")
    assert f"<- {HUGE_ID} (about FR-1)" in by_args[("refs", "SPEC-001")].out
    diff = json.loads(by_args[("diff", "HEAD", "--format", "json")].stdout)
    (changed,) = diff["documents"]
    assert changed["id"] == HUGE_ID
    assert changed["checklists"] == [
        {
            "change": "ticked",
            "text": "item 1 of the plan",
            "section": "Functional Requirements",
            "line": 18,
        }
    ]
    print("\n".join(f"{r.seconds:6.1f} s  specbook {' '.join(r.args)}" for r in runs))
