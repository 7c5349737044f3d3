"""Property: for any front matter holding a status, a modified date or a list of
approvers written in a random style (quoting, case, date format, flow or block list,
indentation, comments, CRLF, BOM, other keys around it), an edit changes only that
value's bytes (or, for a block list, adds one line after its last item), and the
result loads back to the new value with every other key as it was."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specbook.core.config import config_from_mapping
from specbook.edit.document import DocumentEdit

CONFIG = config_from_mapping({"fields": {"aliases": {"deciders": "approvers"}}}, None, None)
DAY = dt.date(2026, 5, 4)
BOM = b"\xef\xbb\xbf"

WORDS = ["draft", "proposed", "accepted", "in review", "in-progress", "superseded by ADR-7"]
DATES = {  # form -> (a date written in it, the same form for DAY)
    "iso": ("2024-03-02", "2026-05-04"),
    "slashes": ("2024/03/02", "2026/05/04"),
    "dots": ("02.03.2024", "04.05.2026"),
    "named": ("March 2, 2024", "May 4, 2026"),
}
NAMES = ["alice", "bob", "@carol", "Dana Ruiz", "Émile"]


@dataclass(frozen=True)
class Doc:
    data: bytes
    start: int  # the bytes an edit may change: start..end (an insertion may sit at end)
    end: int
    key: str
    expected: object  # what the key loads to after the edit (as yaml.safe_load gives it)


def _quote(text: str, style: str) -> str:
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    if style == '"':
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _plain_ok(text: str, flow: bool) -> bool:
    try:
        got = yaml.safe_load(f"[{text}]" if flow else f"k: {text}")
    except yaml.YAMLError:
        return False
    value = got[0] if flow else got["k"]
    return isinstance(value, str | dt.date) and str(value) == text


others = st.lists(
    st.sampled_from(
        [
            "title: A decision",
            'title: "ADR-7: quoted: title"',
            "tags: [a, b]",
            "tags:\n  - a\n  - b",
            "owner: platform-team",
            "number: 12",
            "flag: true",
            "# a comment line",
            "milestone:\n  alpha: v1.2",
        ]
    ),
    max_size=4,
    unique=True,
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, Doc]:
    """(operation, document) with the edited value in a random style."""
    op = draw(st.sampled_from(["status", "date", "list"]))
    before = draw(others)
    after = draw(others.filter(lambda o: not set(o) & set(before)))
    comment = draw(st.sampled_from(["", "  # note"]))
    if op == "status":
        key = draw(st.sampled_from(["status", "Status"]))
        word = draw(st.sampled_from(WORDS))
        word = draw(st.sampled_from([word, word.upper(), word.title()]))
        style = draw(st.sampled_from([None, "'", '"']))
        value = _quote(word, style or "")
        head = f"{key}: "
        target = "Deprecated"
        first = word.split()[0].split("-")[0]
        if first.isupper() and len(first) > 1:
            target = target.upper()
        elif first.islower():
            target = target.lower()
        expected: object = target
        item_lines = ""
    elif op == "date":
        key = draw(
            st.sampled_from(
                ["updated_at", "last_updated", "modified", "last-updated", "Last-Updated"]
            )
        )
        form = draw(st.sampled_from(sorted(DATES)))
        old, new = DATES[form]
        style = draw(st.sampled_from([None, "'", '"']))
        value = _quote(old, style or "")
        head = f"{key}: "
        expected = dt.date(2026, 5, 4) if form == "iso" and style is None else new
        item_lines = ""
    else:
        key = draw(st.sampled_from(["approvers", "deciders"]))
        names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
        style = draw(st.sampled_from([None, "'", '"']))
        flow = draw(st.booleans()) or not names
        if flow:
            value = "[" + ", ".join(_quote(n, style or "") for n in names) + "]"
            if style is None and not all(_plain_ok(n, True) for n in names):
                value = "[" + ", ".join(_quote(n, '"') for n in names) + "]"
            item_lines = ""
            head = f"{key}: "
        else:
            indent = draw(st.sampled_from(["", "  ", "    "]))
            q = style if style is not None or all(_plain_ok(n, False) for n in names) else '"'
            item_lines = "".join(f"\n{indent}- {_quote(n, q or '')}" for n in names)
            value = ""
            head = f"{key}:"
        added = "@zed" if names and all(n.startswith("@") for n in names) else "zed"
        expected = [*names, added]
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.booleans())
    lines = ["---", *before, head + value + (comment if not item_lines else "") + item_lines]
    lines += [*after, "---", "", "# A document", "", "Text."]
    text = nl.join(x.replace("\n", nl) for x in lines) + nl
    data = (BOM if bom else b"") + text.encode("utf-8")
    line_start = data.index((head + value).encode("utf-8"), 0)
    start = line_start + len(head.encode())
    end = start + len(value.encode("utf-8"))
    if item_lines:
        end = start + len(item_lines.replace("\n", nl).encode("utf-8")) + len(nl)
    return op, Doc(data, start, end, key, expected)


def _front(data: bytes) -> dict[str, object]:
    text = data.decode("utf-8-sig")
    loaded = yaml.safe_load(text.split("---", 2)[1])
    assert isinstance(loaded, dict)
    return loaded


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=documents())
def test_a_front_matter_edit_changes_only_its_value(case: tuple[str, Doc]) -> None:
    op, doc = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ADR-0007-x.md"
        path.write_bytes(doc.data)
        edit = DocumentEdit(path, CONFIG, "ADR-0007-x.md")
        if op == "status":
            edit.set_status("Deprecated")
        elif op == "date":
            edit.touch_modified(DAY, "zed", changed=True)
        else:
            assert edit.add_name("approvers", "zed")
        new = edit.write()
        assert path.read_bytes() == new
    old = doc.data
    # every byte before the value and after it is as it was
    assert new[: doc.start] == old[: doc.start], (old, new)
    tail = len(old) - doc.end
    assert new[len(new) - tail :] == old[doc.end :], (old, new)
    if op != "list":  # the value keeps its quoting (or its lack of it)
        quote = old[doc.start : doc.start + 1]
        got = new[doc.start : doc.start + 1]
        assert got == quote if quote in (b"'", b'"') else got not in (b"'", b'"'), (old, new)
    before, after = _front(old), _front(new)
    assert after[doc.key] == doc.expected, (old, new)
    assert {k: v for k, v in after.items() if k != doc.key} == {
        k: v for k, v in before.items() if k != doc.key
    }
