"""The portal editor writes only what the user changed (issue 17, M3).

Properties of :func:`specbook.edit.textedit.apply_text_edit` on random byte documents
(LF, CRLF and lone CR endings mixed, a BOM or not, a last line with or without an
ending) and random edits of their editor text; then the editor itself, through the
portal: an unchanged save writes nothing, an edited line is the only one rewritten, a
file the editor cannot show opens read-only, and a file changed on disk is refused.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from specbook.edit.document import newline_of
from specbook.edit.textedit import apply_text_edit, editor_text, normalise, not_editable
from specbook.services.zeroconf import open_book
from specbook.web.app import create_app
from specbook.web.auth import Accounts, hash_password

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "book"
SPEC4 = "docs/specs/SPEC-004-carrier-auto-detection.md"
USER = "Mateo García"
PASSWORD = "correct horse battery"
BOM = b"\xef\xbb\xbf"
ENDINGS = (b"\n", b"\r\n", b"\r")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

# Line text: what a spec holds, and characters a careless splitter breaks lines at
# (form feed, U+2028, vertical tab) or a careless codec mangles.
CONTENT = st.text(
    alphabet=st.sampled_from([*"ab |#-*[]x\t", "é", "😀", "\u2028", "\x0c", "\x0b"]),
    max_size=8,
)


def byte_lines(data: bytes) -> list[bytes]:
    """``data`` cut after each line ending (CRLF, lone CR, LF), endings kept."""
    return _LINE.findall(data)


def ending_of(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")) :]


@st.composite
def documents(draw: st.DrawFn, contents: st.SearchStrategy[str] = CONTENT) -> bytes:
    """A byte document: lines of ``contents``, each ending in LF, CRLF or a lone CR
    (mixed), the last one maybe with none; a BOM or not."""
    lines = draw(st.lists(st.tuples(contents, st.sampled_from(ENDINGS)), max_size=12))
    data = b"".join(c.encode() + e for c, e in lines)
    if lines and draw(st.booleans()):
        data = data[: len(data) - len(lines[-1][1])]
    return (BOM if draw(st.booleans()) else b"") + data


@st.composite
def edits(draw: st.DrawFn, text: str) -> str:
    """``text`` with random line edits (replace, insert, delete, join, split), sent as
    a browser sends a text box: every line ending as CRLF, or as LF."""
    lines = re.findall(r"[^\n]*\n|[^\n]+\Z", text)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "join", "tail"]))
        at = draw(st.integers(0, len(lines)))
        new = draw(CONTENT)
        if op == "insert" or not lines:
            lines.insert(at, new + "\n")
        elif op == "tail":  # the last line, with or without its ending
            lines[-1] = new + draw(st.sampled_from(["", "\n"]))
        else:
            at = min(at, len(lines) - 1)
            if op == "replace":
                lines[at] = new + ("\n" if lines[at].endswith("\n") else "")
            elif op == "delete":
                del lines[at]
            elif op == "join":
                lines[at] = lines[at].rstrip("\n")
    edited = "".join(lines)
    return edited.replace("\n", "\r\n") if draw(st.booleans()) else edited


@given(data=st.data(), doc=documents())
def test_applied_edit_reads_back_as_the_edited_text(data: st.DataObject, doc: bytes) -> None:
    edited = data.draw(edits(editor_text(doc)))
    assert editor_text(apply_text_edit(doc, edited)) == normalise(edited)


@given(doc=documents(), crlf=st.booleans())
def test_unchanged_text_gives_the_original_bytes(doc: bytes, crlf: bool) -> None:
    text = editor_text(doc)
    assert apply_text_edit(doc, text.replace("\n", "\r\n") if crlf else text) == doc


@st.composite
def tagged_edits(draw: st.DrawFn) -> tuple[bytes, str, list[bytes | None], list[bytes]]:
    """A document of distinct lines and an edit of its text: some lines kept as they
    are, some changed, some deleted, new ones inserted. Returns the document, the
    edited text, the original lines still there in order (their bytes when untouched,
    None when the line gained an ending) and the endings the lines removed or changed
    had."""
    n = draw(st.integers(1, 12))
    endings = draw(st.lists(st.sampled_from(ENDINGS), min_size=n, max_size=n))
    originals = [f"line {i}: ".encode() + draw(CONTENT).encode() + endings[i] for i in range(n)]
    if draw(st.booleans()):
        originals[-1] = originals[-1].rstrip(b"\r\n")
    doc = (BOM if draw(st.booleans()) else b"") + b"".join(originals)
    plan = draw(st.lists(st.sampled_from(["keep", "change", "delete"]), min_size=n, max_size=n))
    edited: list[tuple[str, bytes | None]] = []  # (text, the original bytes if untouched)
    gone: list[bytes] = []
    for i, (line, what) in enumerate(zip(originals, plan, strict=True)):
        for k in range(draw(st.integers(0, 2))):  # new lines before this one
            edited.append((f"new {i}.{k}: {draw(CONTENT)}\n", None))
        text = line.decode().rstrip("\r\n") + ("\n" if ending_of(line) else "")
        if what == "keep":
            edited.append((text, line))
        elif what == "change":
            edited.append((f"changed {i}: {draw(CONTENT)}" + text[len(text.rstrip("\n")) :], None))
            gone.append(ending_of(line))
        else:
            gone.append(ending_of(line))
    if draw(st.booleans()):
        edited.append((f"new at the end: {draw(CONTENT)}", None))
    # every line but the last ends with a newline: the file's last line, without one,
    # gains one when lines follow it (its bytes then change)
    for j, (text, _) in enumerate(edited[:-1]):
        if not text.endswith("\n"):
            edited[j] = (text + "\n", None)
    kept = [line for text, line in edited if text.startswith("line ")]
    return doc, "".join(t for t, _ in edited), kept, gone


@given(case=tagged_edits())
def test_untouched_lines_keep_their_bytes(
    case: tuple[bytes, str, list[bytes | None], list[bytes]],
) -> None:
    doc, edited, kept, gone = case
    result = apply_text_edit(doc, edited)
    assert editor_text(result) == edited
    assert result.startswith(BOM) == doc.startswith(BOM)
    lines = byte_lines(result.removeprefix(BOM))
    # each untouched original line is there byte for byte, its own ending included
    originals = [line for line in lines if line.startswith(b"line ")]
    assert len(originals) == len(kept)
    for got, want in zip(originals, kept, strict=True):
        assert want is None or got == want
    # any other line ends as a line removed or changed did, or as most lines do
    nl = newline_of(doc.removeprefix(BOM))
    for line, want in zip(originals, kept, strict=True):
        if want is None:  # the file's last line, which gained an ending
            assert ending_of(line) in {nl, *gone}, (line, nl, gone)
    for line in lines:
        if not line.startswith(b"line ") and ending_of(line):
            assert ending_of(line) in {nl, *gone}, (line, nl, gone)


def test_a_new_line_takes_the_dominant_ending() -> None:
    doc = b"one\r\ntwo\r\nthree\nfour\r\n"
    assert apply_text_edit(doc, "one\ntwo\ninserted\nthree\nfour\n") == (
        b"one\r\ntwo\r\ninserted\r\nthree\nfour\r\n"
    )
    assert apply_text_edit(doc, "one\ntwo\nTHREE\nfour\n") == b"one\r\ntwo\r\nTHREE\nfour\r\n"
    assert apply_text_edit(b"a\rb\rc", "a\rb\rc\rd") == b"a\rb\rc\rd"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"# T\n\nbad \xff byte\n", "not valid UTF-8 (byte 0xff on line 3)"),
        (b"# T\nnul \x00 here\n", "NUL byte (line 2)"),
        (BOM + b"ok\r\nfine\rtoo\n", None),
    ],
)
def test_not_editable_says_why(data: bytes, reason: str | None) -> None:
    got = not_editable(data)
    assert got == reason if reason is None else reason in (got or "")


# -- the editor in the portal --------------------------------------------------------------


def mixed_document(data: bytes) -> bytes:
    """SPEC-004 as a file edited on several systems: a leading blank line, CRLF and LF
    on alternate lines, one lone CR, trailing spaces, no final newline."""
    lines = data.split(b"\n")[:-1]
    body = b"".join(line + (b"\r\n" if i % 2 else b"\n") for i, line in enumerate(lines))
    body = re.sub(rb"### Background\r?\n", b"### Background  \r", body, count=1)
    return b"\n" + body.rstrip(b"\r\n")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECBOOK_TODAY", "2026-11-20")
    dest = tmp_path / "book"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".specbook"))
    path = dest / SPEC4
    path.write_bytes(mixed_document(path.read_bytes()))
    return dest


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    accounts = Accounts(users={USER: hash_password(PASSWORD, 1000)})
    with TestClient(create_app(open_book(root), accounts)) as c:
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
        assert token
        r = c.post(
            "/login",
            data={"csrf": token.group(1), "name": USER, "password": PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        yield c


def editor_form(html: str) -> dict[str, str]:
    """The editor's fields as a browser would submit them: the text box's text (the
    HTML parser drops one newline right after <textarea>; the browser sends every line
    ending as CRLF), the base and the CSRF token."""
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    base = re.search(r'name="base" value="([^"]*)"', html)
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert text and base and csrf
    value = unescape(text.group(1)).removeprefix("\n")
    return {"text": value.replace("\n", "\r\n"), "base": base.group(1), "csrf": csrf.group(1)}


def test_mixed_document_is_what_the_tests_say(root: Path) -> None:
    data = (root / SPEC4).read_bytes()
    assert data.startswith(b"\n#") and not data.endswith((b"\n", b"\r"))
    endings = [ending_of(line) for line in byte_lines(data)]
    assert endings.count(b"\r\n") > 100 and endings.count(b"\n") > 100
    assert endings.count(b"\r") == 1 and endings.count(b"") == 1
    assert not_editable(data) is None


def test_unchanged_save_writes_nothing(client: TestClient, root: Path) -> None:
    path = root / SPEC4
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    form = editor_form(client.get("/doc/SPEC-004/edit").text)
    r = client.post("/doc/SPEC-004/edit", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=unchanged")
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stamp  # not even rewritten with the same bytes
    assert "nothing was written" in client.get(r.headers["location"]).text


def test_save_keeps_mixed_line_endings(client: TestClient, root: Path) -> None:
    path = root / SPEC4
    before = path.read_bytes()
    form = editor_form(client.get("/doc/SPEC-004/edit").text)
    old = "Detect the carrier"
    assert form["text"].count(old) == 1, "pick a phrase the document holds once"
    form["text"] = form["text"].replace(old, "Guess the carrier")
    r = client.post("/doc/SPEC-004/edit", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=saved")
    # the one line changed; every other byte, each line's own ending, stays
    assert path.read_bytes() == before.replace(old.encode(), b"Guess the carrier")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: d.replace(b"## Context", b"## Context \xe9t\xe9", 1), "not valid UTF-8"),
        (lambda d: d.replace(b"## Context", b"## Context\x00", 1), "NUL byte"),
    ],
    ids=["latin-1", "nul"],
)
def test_editor_is_read_only_for_a_file_it_cannot_show(
    client: TestClient, root: Path, damage: object, reason: str
) -> None:
    path = root / SPEC4
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    before = path.read_bytes()
    page = client.get("/doc/SPEC-004/edit").text
    assert re.search(r"<textarea[^>]* readonly>", page)
    assert reason in unescape(page) and 'id="save"' not in page
    # a save posted anyway (say, from a page opened before) is refused, nothing written
    r = client.post("/doc/SPEC-004/edit", data=editor_form(page))
    assert r.status_code == 409 and reason in unescape(r.text)
    assert path.read_bytes() == before


def test_save_refuses_a_file_changed_on_disk(client: TestClient, root: Path) -> None:
    path = root / SPEC4
    form = editor_form(client.get("/doc/SPEC-004/edit").text)
    meanwhile = path.read_bytes().replace(b"Detect the carrier", b"Spot the carrier")
    path.write_bytes(meanwhile)
    form["text"] = form["text"].replace("## Summary", "## Summary (mine)")
    r = client.post("/doc/SPEC-004/edit", data=form)
    assert r.status_code == 409
    assert "changed on disk since you opened it" in r.text
    assert "Spot the carrier" in unescape(r.text)  # the change made meanwhile is shown
    assert path.read_bytes() == meanwhile
