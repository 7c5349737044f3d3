"""Fields of YAML and JSON mappings: a document's front matter and its sidecar
metadata files (``kep.yaml``, ``meta.json``). Imported on first use: a book of plain
Markdown documents never loads it.

Values of any shape become one line of text (:func:`specbook.core.text.render_value`);
spans are byte offsets into the bytes read (the document's, or the sidecar's, which
:attr:`specbook.core.model.Field.file` names).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from specbook.core.model import Field, Sidecar, Span
from specbook.core.text import norm_key, render_value

if TYPE_CHECKING:  # (the context imports this module: only its type here)
    from specbook.parse.context import ParseContext

_FM_LINE = re.compile(
    rb"^(?P<name>[A-Za-z_][\w .-]*?)[ \t]*:[ \t]*(?P<value>[^\r\n]*?)[ \t]*\r?$", re.MULTILINE
)
# a trailing comment of a YAML plain scalar (`number: 12  # note`)
_YAML_TRAILING_COMMENT = re.compile(rb"[ \t]+#.*$")


def sidecar_fields(
    ctx: ParseContext, sidecar: Sidecar, span: Callable[[int, int], Span]
) -> tuple[list[Field], str | None]:
    """The fields of one sidecar file (every top-level key of its YAML or JSON
    mapping, spans of ``span`` over the sidecar's own bytes), and what is wrong with it
    (``None`` when it reads as a mapping)."""
    data = sidecar.data
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    text = data[start:].decode("utf-8", "replace")
    if sidecar.path.lower().endswith(".json"):
        values, problem = load_json(text)
        return _json_fields(ctx, data, start, values, span, sidecar.path), problem
    maybe, problem = load_yaml(text)
    found = mapping_fields(ctx, data, start, len(data), maybe, span, "sidecar", sidecar.path)
    return found, problem


def load_yaml(text: str, first_line: int = 1) -> tuple[dict[str, Any] | None, str | None]:
    """The top-level mapping of YAML ``text`` (keys as text), and what is wrong with it
    (``None`` when it is a mapping, or empty). The mapping is ``None`` when the text is
    not valid YAML: each key is then read on its own (see :func:`_mapping_fields`).
    ``first_line`` is the file's line number of the text's first line (for the message)."""
    try:
        import yaml

        loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception as exc:  # any YAML error: report it, keep the line-by-line values
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"line {mark.line + first_line}: " if mark is not None else ""
        return None, f"is not valid YAML ({where}{what})"
    if isinstance(loaded, dict):
        return {str(k): v for k, v in loaded.items()}, None
    if loaded is None:
        return {}, None
    return {}, "is not a key: value mapping"


def load_json(text: str) -> tuple[dict[str, Any], str | None]:
    """:func:`_load_yaml` for a JSON file (a member it cannot read keeps its text)."""
    import json

    try:
        loaded = json.loads(text)
    except ValueError as exc:
        return {}, f"is not valid JSON ({exc})"
    if isinstance(loaded, dict):
        return {str(k): v for k, v in loaded.items()}, None
    return {}, "is not a JSON object of fields"


def _value_text(values: dict[str, Any], name: str, raw: bytes) -> str:
    """A mapping value as a field's one line of text: a string as YAML reads it; a
    number, date or time as written (``0012``, ``1.10`` and ``2024-01-01T10:00Z`` stay
    as they are, where YAML would read 10, 1.1 and a datetime); lists and mappings
    rendered (:func:`render_value`); a key YAML did not read (invalid YAML) as written."""
    if name not in values:
        return raw.decode("utf-8", "replace")
    v = values[name]
    if isinstance(v, str):
        return v
    if not isinstance(v, bool) and isinstance(v, int | float | dt.date):
        text = _YAML_TRAILING_COMMENT.sub(b"", raw).strip()
        if text and text[:1] not in b"[{|>!&*":
            return text.decode("utf-8", "replace")
    return render_value(v)


def _keys(ctx: ParseContext, names: list[str]) -> list[str]:
    """The canonical key of each name of one mapping. Aliases never make two different
    fields one: when two names of the same mapping (``modified`` and ``last_updated``)
    map to one key, the name that is the key (else the first) keeps it and the others
    keep their own names."""
    cfg = ctx.config
    keys = [cfg.field_key(n).replace(" ", "_") for n in names]
    if len(set(keys)) == len(keys):
        return keys
    own = [norm_key(n).replace(" ", "_") for n in names]
    by_key: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, []).append(i)
    for key, idx in by_key.items():
        if len(idx) < 2 or len({own[i] for i in idx}) < 2:
            continue  # one name stated twice: one field
        keeper = next((i for i in idx if own[i] == key), idx[0])
        for i in idx:
            if own[i] != own[keeper]:
                keys[i] = own[i]
    return keys


def mapping_fields(
    ctx: ParseContext,
    data: bytes,
    inner_start: int,
    inner_end: int,
    values: dict[str, Any] | None,
    span: Callable[[int, int], Span],
    source: str,
    file: str | None,
) -> list[Field]:
    """Fields of the top-level ``key: value`` lines of a YAML mapping in bytes
    ``inner_start:inner_end`` of ``data`` (front matter, or a whole sidecar file), with
    the values YAML read (``values``). When the whole is not valid YAML (``values`` is
    ``None``), each key's lines are read on their own, so one bad line (``title: A: B``)
    costs only its own value, which keeps its text."""
    lines = [
        m
        for m in _FM_LINE.finditer(data, inner_start, inner_end)
        if m.start() == inner_start or data[m.start() - 1 : m.start()] in (b"\n", b"\r")
    ]
    if values is None:
        values = {}
        for i, m in enumerate(lines):
            end = lines[i + 1].start() if i + 1 < len(lines) else inner_end
            one, _ = load_yaml(data[m.start() : end].decode("utf-8", "replace"))
            if one:
                values.update(one)
    found: list[tuple[str, int, int, int, int, str]] = []  # name, line s/e, value s/e, text
    for m in lines:
        name = m.group("name").decode("utf-8", "replace")
        vs, ve = m.span("value")
        raw = data[vs:ve]
        if raw[:1] in (b'"', b"'") and raw[-1:] == raw[:1] and len(raw) >= 2:
            vs, ve = vs + 1, ve - 1
        found.append((name, m.start(), m.end(), vs, ve, _value_text(values, name, data[vs:ve])))
    keys = _keys(ctx, [f[0] for f in found])
    return [
        Field(key, name, value, source, span(s, e), span(vs, ve), None, file)
        for key, (name, s, e, vs, ve, value) in zip(keys, found, strict=True)
    ]


def _json_fields(
    ctx: ParseContext,
    data: bytes,
    start: int,
    values: dict[str, Any],
    span: Callable[[int, int], Span],
    file: str,
) -> list[Field]:
    """Fields of the top-level members of a JSON object (a sidecar ``meta.json``): the
    span of each member and of its value (a string's without its quotes)."""
    found: list[tuple[str, int, int, int, int, str]] = []
    for name, ks, vs, ve in _json_members(data, start):
        raw = data[vs:ve]
        if raw[:1] == b'"' and raw[-1:] == b'"' and len(raw) >= 2:
            vs, ve = vs + 1, ve - 1
        value = render_value(values[name]) if name in values else raw.decode("utf-8", "replace")
        found.append((name, ks, ve + (1 if data[ve : ve + 1] == b'"' else 0), vs, ve, value))
    keys = _keys(ctx, [f[0] for f in found])
    return [
        Field(key, name, value, "sidecar", span(s, e), span(vs, ve), None, file)
        for key, (name, s, e, vs, ve, value) in zip(keys, found, strict=True)
    ]


def _json_members(data: bytes, start: int) -> list[tuple[str, int, int, int]]:
    """``(name, key start, value start, value end)`` of each member of the top-level
    JSON object in ``data`` (a scan of brackets and strings; nothing for bytes that do
    not open with ``{``)."""
    import json

    n = len(data)
    i = start
    while i < n and data[i] in b" \t\r\n":
        i += 1
    if i >= n or data[i] != 0x7B:  # {
        return []
    out: list[tuple[str, int, int, int]] = []
    depth = 0
    key: tuple[str, int] | None = None
    value_start = -1
    expect_key = False
    while i < n:
        c = data[i]
        if c == 0x22:  # a string: find its end, past escapes
            j = i + 1
            while j < n and data[j] != 0x22:
                j += 2 if data[j] == 0x5C else 1
            if depth == 1 and expect_key:
                try:
                    key = (str(json.loads(data[i : j + 1].decode("utf-8", "replace"))), i)
                except ValueError:
                    key = None
                expect_key = False
            i = j + 1
            continue
        if c in b"{[":
            depth += 1
            if depth == 1:
                expect_key = True
        elif c in b"}]":
            if depth == 1 and key is not None and value_start >= 0:
                out.append((key[0], key[1], value_start, _rstrip(data, value_start, i)))
                key, value_start = None, -1
            depth -= 1
            if depth == 0:
                break
        elif c == 0x3A and depth == 1 and key is not None and value_start < 0:  # :
            j = i + 1
            while j < n and data[j] in b" \t\r\n":
                j += 1
            value_start = j
        elif c == 0x2C and depth == 1:  # ,
            if key is not None and value_start >= 0:
                out.append((key[0], key[1], value_start, _rstrip(data, value_start, i)))
            key, value_start, expect_key = None, -1, True
        i += 1
    return out


def _rstrip(data: bytes, start: int, end: int) -> int:
    while end > start and data[end - 1] in b" \t\r\n":
        end -= 1
    return end
