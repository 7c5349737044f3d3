"""``specbook init``: a commented ``specbook.toml`` and the kind folders."""

from __future__ import annotations

from pathlib import Path

from specbook.core.config import CONFIG_FILE, default_config
from specbook.core.errors import SpecbookError


def config_text(name: str) -> str:
    """The commented config ``init`` writes: every setting at its default value."""
    cfg = default_config(None)
    lines = [
        "# specbook book configuration. Every setting has a default: delete what you",
        "# do not change. Docs: README.md, section 'Configuration'.",
        "",
        "[book]",
        f'name = "{name}"',
        "# Files never treated as documents (globs on the path relative to this folder).",
        'exclude = ["**/README.md", "**/readme.md"]',
        "# A template here (spec.md, dec.md, bug.md, task.md) overrides the built-in one.",
        f'templates = "{cfg.templates_dir}"',
        "",
        "[fields]",
        "# Field names your documents use, mapped to specbook's (id, title, date, status,",
        "# type, created, modified, author, reviewers, approvers, tags, severity, priority,",
        "# owner, parent). Common Spanish and French names are known already.",
        '# aliases = { "Estado" = "status", "Autor" = "author" }',
        "",
        "[requirements]",
        "# Prefixes of requirement IDs (FR-1, NFR-2).",
        'functional = ["FR"]',
        'non_functional = ["NFR"]',
        "# How an ID is written: {prefix} is one of the prefixes, {n} a number with optional",
        "# sub-numbers (FR-1, FR-001, FR-020-001, FR-1.2); the rest is a regular expression",
        "# (\"{prefix}{n}\" for R1.2, '{prefix}-\\d{3}' for exactly three digits).",
        'id = "{prefix}-{n}"',
        "",
        "[trace]",
        "# Code that `specbook trace` and rules SB404/SB405 scan for requirement tags",
        '# (SPEC-001/FR-2 in a comment or docstring, @pytest.mark.spec("SPEC-001/FR-2"),',
        "# test_spec_001_fr_2_...) and for the tests a Testing Strategy lists.",
        "# Globs relative to this folder; hidden folders and __pycache__ are skipped.",
        "code = [" + ", ".join(f'"{g}"' for g in cfg.trace_code) + "]",
        "exclude = []",
        "",
        "[portal]",
        "# Who may review through `specbook serve` (read-only when both are empty).",
        "# `specbook passwd NAME` prints a users line; `specbook passwd --token NAME` a",
        "# tokens line for the JSON API. Only hashes go here, never plain passwords.",
        "# SPECBOOK_USERS / SPECBOOK_TOKENS (name=HASH,...) add accounts from the environment.",
        "users = {}",
        "tokens = {}",
        "",
        "[mcp]",
        "# The most text (bytes) one call of a `specbook mcp` write tool may carry",
        "# (write_section's Markdown, a requirement, a row); a larger one is refused.",
        f"max_input_bytes = {cfg.mcp_max_input_bytes}",
    ]
    for kind in cfg.kinds.values():
        lines += [
            "",
            f"[kinds.{kind.name}]",
            f'prefix = "{kind.prefix}"',
            f'folder = "{kind.folder}"',
            f"digits = {kind.digits}",
            f'template = "{kind.template}"',
            "statuses = [" + ", ".join(f'"{s}"' for s in kind.statuses) + "]",
            "types = [" + ", ".join(f'"{t}"' for t in kind.types) + "]",
            "required_fields = [" + ", ".join(f'"{t}"' for t in kind.required_fields) + "]",
            f"approvals = {kind.approvals}  # approvals needed to reach the approved status",
            "approvers = []  # who may approve; empty: anyone but the author",
            '# "file": each .md file is a document; "folder": a numbered folder (0001-name/)',
            '# holding one of document_names (default ["README.md", "index.md"]) is one.',
            f'layout = "{kind.layout}"',
            "# Metadata files beside a document whose keys are its fields,",
            '# e.g. ["kep.yaml"] or ["{stem}.meta.json"].',
            "sidecars = []",
            "# true: a document stating no ID takes PREFIX-<number> from its number-only",
            "# file or folder name (0001-name.md).",
            f"ids_from_names = {'true' if kind.ids_from_names else 'false'}",
            "# Allowed moves; the default is the built-in workflow, for example:",
            "# transitions = { "
            + ", ".join(
                f'"{a}" = [' + ", ".join(f'"{b}"' for b in bs) + "]"
                for a, bs in _default_moves(kind.name).items()
            )
            + " }",
            "# Status words your documents use, mapped to one of the statuses above.",
            '# status_aliases = { "Accepté" = "'
            + (
                kind.canonical_status("Approved")
                or kind.canonical_status("Accepted")
                or kind.statuses[0]
            )
            + '" }',
        ]
    return "\n".join(lines) + "\n"


def _default_moves(kind: str) -> dict[str, tuple[str, ...]]:
    from specbook.core.workflow import _DEFAULT_MOVES

    return _DEFAULT_MOVES.get(kind, {})


def init_book(folder: Path) -> list[Path]:
    """Write ``specbook.toml`` and create the kind folders under ``folder``.

    Returns what was created. Raises :class:`SpecbookError` when a config exists.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CONFIG_FILE
    if target.exists():
        raise SpecbookError(
            f"{target} already exists; this folder is a book already (edit the file to change it)"
        )
    created = [target]
    target.write_text(config_text(folder.resolve().name), encoding="utf-8")
    for kind in default_config(None).kinds.values():
        path = folder / kind.folder
        if not path.exists():
            path.mkdir(parents=True)
            created.append(path)
    return created
