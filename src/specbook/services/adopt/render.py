"""The commented ``specbook.toml`` adopt writes: each setting under a comment saying why."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specbook.services.adopt import Adoption, InferredKind


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _q(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"no TOML for {v!r}")


def _comment(text: str, width: int = 88) -> list[str]:
    return ["# " + line for line in textwrap.wrap(text, width - 2, break_on_hyphens=False)]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def config_text(a: Adoption) -> str:
    """The config of ``a`` as commented TOML; loads to exactly ``a.config()``."""
    data = a.mapping()
    lines = [
        "# specbook book configuration, written by `specbook adopt` from the "
        f"{_n(a.documents(), 'document')}",
        "# found here. The comment above each setting says why it has its value; edit",
        "# freely. Settings not written here keep their defaults (`specbook init` lists them).",
        "",
        "[book]",
        f"name = {_q(a.name)}",
    ]
    if a.exclude:
        lines += _comment(
            "The team's templates are not documents (the first two are the default: "
            "a folder's README describes it)."
        )
        lines.append(f"exclude = {_value(a.exclude)}")
    if a.field_aliases or a.skipped_aliases:
        lines += [
            "",
            "# Field names these documents use, mapped to specbook's.",
            "[fields.aliases]",
        ]
        for al in a.field_aliases:
            lines.append(f"{_q(al.name)} = {_q(al.key)}  # {_n(al.count, 'document')}")
        for name, why in a.skipped_aliases.items():
            lines += _comment(f"not aliased: {name!r}, because {why}")
    reqs = data.get("requirements")
    if reqs:
        lines += ["", *_comment(f"Requirements: {a.requirements_why}."), "[requirements]"]
        for key in ("functional", "non_functional", "id"):
            if key in reqs:
                lines.append(f"{key} = {_value(reqs[key])}")
    for k in a.kinds:
        lines += ["", *_kind_lines(k, data["kinds"][k.name])]
    for rule_name, why in a.rules_off.items():
        lines += ["", *_comment(why + "."), f"[lint.rules.{rule_name}]", 'severity = "off"']
    for rule_name, (options, why) in a.rule_options.items():
        lines += ["", *_comment(why + "."), f"[lint.rules.{rule_name}]"]
        for key, value in options.items():
            lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _kind_lines(k: InferredKind, data: dict[str, Any]) -> list[str]:
    lines = _comment(k.why + ".")
    lines.append(f"[kinds.{k.name}]")

    def setting(key: str, note: str | None = None) -> None:
        if key not in data:
            return
        text = note if note is not None else k.notes.get(key)
        if text:
            lines.extend(_comment(f"{key}: {text}."))
        lines.append(f"{key} = {_value(data[key])}")

    setting("prefix")
    setting("folder", "")
    setting("digits")
    if "layout" in data:
        setting("layout")
        setting("document_names", "")
    setting("sidecars")
    setting("ids_from_names")
    setting("file_name")
    setting("template")
    status_notes = [k.notes.get("spelling", "")]
    if "statuses" in k.notes:
        status_notes.append(k.notes["statuses"])
    for s, why in k.placed.items():
        status_notes.append(f"{s}: {why}")
    setting("statuses", "; ".join(n for n in status_notes if n))
    for w in k.words:
        if w.outcome == "unknown":
            lines.extend(
                _comment(
                    f"left unknown (lint reports it): {_q(_short(w.word))} in {', '.join(w.paths)}"
                )
            )
    setting("types")
    setting("required_fields")
    setting("approvals", k.notes.get("approvals", "approvals a move to the approved status needs"))
    lines += [
        "",
        *_comment(
            f"The {k.name} workflow: every status can be reached and left. Forward one step, "
            f"back to {k.statuses[0]} (changes requested), from any working status to any end, "
            f"and from an end back to {k.statuses[0]} (reopened)"
            + (f"; the built-in {k.base} moves too" if not k.own else "")
            + "."
        ),
        f"[kinds.{k.name}.transitions]",
    ]
    for status, targets in data["transitions"].items():
        lines.append(f"{_q(status)} = {_value(targets)}")
    if data["status_aliases"]:
        lines += [
            "",
            "# Other words the documents use for these statuses.",
            f"[kinds.{k.name}.status_aliases]",
        ]
        for alias, target in data["status_aliases"].items():
            note = k.alias_notes.get(alias)
            lines.append(f"{_q(alias)} = {_q(target)}" + (f"  # {note}" if note else ""))
    return lines
