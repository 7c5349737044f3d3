"""Edits of a YAML mapping inside a file's bytes, each one a byte-span patch.

The mapping is a document's front matter or a whole sidecar file (``kep.yaml``,
``meta.json``). PyYAML's composer gives every node its exact place; an edit replaces
only that node's bytes (a scalar, in the quoting it has), adds an item to a sequence
in the style it has (``[a, b]`` flow, ``- a`` block, its indentation and quoting), or
adds one ``key: value`` line. :func:`loaded` and :func:`as_text` let the caller check
that the new bytes load to exactly the intended values.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import yaml

from specbook.edit.patch import Patch

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlEditError(ValueError):
    """The YAML cannot be edited as asked (not a mapping, a block scalar, a key twice)."""


def loaded(text: str) -> Any:
    """``text`` loaded as YAML (safe), or raises :class:`YamlEditError`."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise YamlEditError(f"not valid YAML: {str(exc).splitlines()[0]}") from exc


def as_text(value: Any) -> Any:
    """A loaded YAML value with every scalar as the text the parser shows for it
    (dates ``YYYY-MM-DD``, booleans ``true``/``false``, null ``""``), lists and
    mappings kept as lists and dicts of such text."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {str(k): as_text(v) for k, v in value.items()}
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return str(value)
    return str(value)


def _plain_ok(value: str, flow: bool) -> bool:
    """Whether ``value`` can be written unquoted and load back as itself."""
    if not value or value != value.strip() or "\n" in value or "\r" in value:
        return False
    src = f"[{value}]" if flow else f"k: {value}"
    try:
        got = yaml.load(src, Loader=_Loader)
    except yaml.YAMLError:
        return False
    item = (got[0] if isinstance(got, list) and len(got) == 1 else None) if flow else None
    if not flow:
        item = got.get("k") if isinstance(got, dict) and len(got) == 1 else None
    if isinstance(item, dt.datetime):
        return False
    return isinstance(item, str | dt.date) and as_text(item) == value


def render_scalar(value: str, style: str | None, flow: bool = False) -> str:
    """``value`` as a YAML scalar in ``style`` (None: plain, ``'`` or ``"``); plain
    falls back to double quotes when the text would load as something else."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not _plain_ok(value, flow):
        return json.dumps(value, ensure_ascii=False)
    return value


class YamlBlock:
    """The YAML mapping held in ``data[start:end]`` (a file's bytes).

    Raises :class:`YamlEditError` when those bytes are not UTF-8 or not a YAML
    mapping.
    """

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data = data
        self.start = start
        self.end = end
        try:
            self.text = data[start:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise YamlEditError("not UTF-8") from exc
        try:
            root = yaml.compose(self.text, Loader=_Loader)
        except yaml.YAMLError as exc:
            raise YamlEditError(f"not valid YAML: {str(exc).splitlines()[0]}") from exc
        if root is not None and not isinstance(root, yaml.MappingNode):
            raise YamlEditError("not a mapping of keys to values")
        self.root: yaml.MappingNode | None = root
        self._ascii = self.text.isascii()

    # -- places -----------------------------------------------------------------------
    def offset(self, index: int) -> int:
        """The byte offset in the file of character ``index`` of the YAML text."""
        if self._ascii:
            return self.start + index
        return self.start + len(self.text[:index].encode("utf-8"))

    def entry(self, name: str) -> tuple[yaml.Node, yaml.Node] | None:
        """(key node, value node) of top-level key ``name``; raises when it is there twice."""
        return _entry(self.root, name)

    def keys(self) -> list[str]:
        """The top-level keys, in order."""
        if self.root is None:
            return []
        return [str(k.value) for k, _ in self.root.value if isinstance(k, yaml.ScalarNode)]

    def newline(self) -> str:
        i = self.text.find("\n")
        return "\r\n" if i > 0 and self.text[i - 1] == "\r" else "\n"

    def _span(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.index, node.end_mark.index

    def _patch(self, a: int, b: int, text: str) -> Patch:
        return Patch(self.offset(a), self.offset(b), text.encode("utf-8"))

    # -- scalars ----------------------------------------------------------------------
    def set_scalar(self, node: yaml.Node, value: str, flow: bool = False) -> Patch:
        """Replace scalar ``node`` by ``value`` in its quoting. Raises
        :class:`YamlEditError` for a list, a mapping or a block scalar (``|``, ``>``)."""
        if not isinstance(node, yaml.ScalarNode):
            raise YamlEditError("holds a list or a mapping, not one value")
        style = node.style or None
        if style in ("|", ">"):
            raise YamlEditError("is a block scalar (| or >)")
        a, b = self._span(node)
        if a == b:  # `key:` with nothing after it
            return self._patch(a, b, " " + render_scalar(value, None, flow))
        return self._patch(a, b, render_scalar(value, style, flow))

    def edit_inner(self, node: yaml.Node, change: Callable[[str], str | None]) -> Patch | None:
        """Patch the text of scalar ``node`` (inside its quotes) to ``change(text)``,
        replacing only the characters that differ; ``None`` when ``change`` returns
        ``None``. Used for a date inside a value (``"2024-03-02"``, ``2024-03-02 (v2)``).
        Raises :class:`YamlEditError` for a list, a mapping or a block scalar."""
        if not isinstance(node, yaml.ScalarNode):
            raise YamlEditError("holds a list or a mapping, not one value")
        style = node.style or None
        if style in ("|", ">"):
            raise YamlEditError("is a block scalar (| or >)")
        a, b = self._span(node)
        q = 1 if style in ("'", '"') else 0
        inner = self.text[a + q : b - q]
        new = change(inner)
        if new is None:
            return None
        p = 0
        while p < min(len(inner), len(new)) and inner[p] == new[p]:
            p += 1
        s = 0
        while s < min(len(inner), len(new)) - p and inner[-1 - s] == new[-1 - s]:
            s += 1
        return self._patch(a + q + p, b - q - s, new[p : len(new) - s])

    # -- sequences --------------------------------------------------------------------
    def append_item(self, node: yaml.Node, item: str) -> Patch:
        """Add ``item`` at the end of sequence ``node`` in its style: after the last
        item of a flow list (``[a, b]`` -> ``[a, b, c]``, same separator and quoting),
        or as a new ``- c`` line under a block list (same indentation and quoting)."""
        if not isinstance(node, yaml.SequenceNode):
            raise YamlEditError("is not a list")
        items = list(node.value)
        a, b = self._span(node)
        if node.flow_style:
            if not items:  # quoted as this mapping's other text is (JSON: always)
                return self._patch(a, b, "[" + render_scalar(item, self.scalar_quote(), True) + "]")
            last = items[-1]
            style = getattr(last, "style", None) or None
            if len(items) >= 2:
                sep = self.text[items[-2].end_mark.index : last.start_mark.index]
            else:
                sep = ", "
            if "," not in sep:  # a comment or other text between them: keep it simple
                sep = ", "
            at = last.end_mark.index
            return self._patch(at, at, sep + render_scalar(item, _quote(style), True))
        last = items[-1]
        line_start = self.text.rfind("\n", 0, last.start_mark.index) + 1
        prefix = self.text[line_start : last.start_mark.index]
        if prefix.strip() != "-" and not prefix.rstrip().endswith("-"):
            raise YamlEditError("is a block list whose items do not start their lines")
        style = getattr(last, "style", None) or None
        nl = self.newline()
        end = last.end_mark.index
        line_end = self.text.find("\n", end - 1 if end > line_start else end)
        new_line = prefix + render_scalar(item, _quote(style), False)
        if line_end < 0:  # the last line of the text, with no newline
            at = len(self.text)
            return self._patch(at, at, nl + new_line)
        return self._patch(line_end + 1, line_end + 1, new_line + nl)

    # -- keys -------------------------------------------------------------------------
    def add_key(self, name: str, value_text: str) -> Patch:
        """Add ``name: value_text`` (``value_text`` already YAML) as the last top-level
        key, on its own line."""
        nl = self.newline()
        line = f"{name}: {value_text}"
        if not self.text or self.text.endswith("\n"):
            return self._patch(len(self.text), len(self.text), line + nl)
        return self._patch(len(self.text), len(self.text), nl + line)

    def list_style(self) -> tuple[bool, str, str | None]:
        """How this mapping writes its lists: (flow?, block item prefix, item quoting),
        from the first top-level list that has items; when it has none, flow lists
        quoted as its other values are."""
        if self.root is not None:
            for _, v in self.root.value:
                if isinstance(v, yaml.SequenceNode) and v.value:
                    first = v.value[0]
                    style = _quote(getattr(first, "style", None) or None)
                    if v.flow_style:
                        return True, "", style
                    line_start = self.text.rfind("\n", 0, first.start_mark.index) + 1
                    return False, self.text[line_start : first.start_mark.index], style
        return True, "", self.scalar_quote()

    def scalar_quote(self) -> str | None:
        """The quoting most of this mapping's top-level text scalars use (p40la's
        ``status: "released"``): ``"``, ``'`` or None (plain)."""
        counts: dict[str | None, int] = {}
        if self.root is not None:
            for _, v in self.root.value:
                if isinstance(v, yaml.ScalarNode) and v.tag.endswith(":str") and v.value:
                    style = _quote(v.style or None)
                    counts[style] = counts.get(style, 0) + 1
        if not counts:
            return None
        return max(counts, key=lambda s: counts[s])

    def render_list(self, items: list[str]) -> str:
        """``items`` as the value of a new key, in this mapping's list style."""
        flow, prefix, quote = self.list_style()
        if flow:
            return "[" + ", ".join(render_scalar(i, quote, True) for i in items) + "]"
        nl = self.newline()
        return "".join(nl + prefix + render_scalar(i, quote, False) for i in items)


def _quote(style: str | None) -> str | None:
    return style if style in ("'", '"') else None


def _entry(node: yaml.Node | None, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    hits = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == name]
    if len(hits) > 1:
        raise YamlEditError(f"states {name!r} twice")
    return hits[0] if hits else None


def child(node: yaml.Node, names: tuple[str, ...]) -> tuple[str, yaml.Node] | None:
    """The first of ``names`` that mapping ``node`` has, and its value node."""
    for name in names:
        hit = _entry(node, name)
        if hit is not None:
            return name, hit[1]
    return None


__all__ = [
    "YamlBlock",
    "YamlEditError",
    "as_text",
    "child",
    "loaded",
    "render_scalar",
]
