"""Typed exceptions. Each message says what happened, where, and what to do next.

The CLI maps :class:`UsageError` and :class:`ConfigError` to exit code 2 and
:class:`SpecbookError` (any other) to exit code 1.
"""

from __future__ import annotations


class SpecbookError(Exception):
    """Base class: a refused action or a missing thing (exit 1)."""

    exit_code = 1


class UsageError(SpecbookError):
    """Raised by commands given arguments they cannot act on (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """Raised by :mod:`specbook.core.config` when a book's configuration is invalid (exit 2).

    ``path`` is the config file and ``key`` the dotted key that is wrong.
    """

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        super().__init__(f"{path}: {key}: {problem}")


class NotFoundError(SpecbookError):
    """Raised when an ID or a path names no document (exit 1)."""


class NoBookError(UsageError):
    """Raised when a command needs a book and none is found above the current folder."""


class AmbiguousIdError(SpecbookError):
    """Raised when an ID names more than one document (exit 1): a command that acts on
    one document refuses it rather than pick one silently.

    ``doc_id`` is the ID as given; ``matches`` the documents carrying it, each as
    ``(id, title, status, path)``, by path; ``by_path`` whether the command that was
    given the ID takes a path in its place (``show``, ``status``…; not ``refs`` or
    ``graph --root``, whose references name IDs only).
    """

    def __init__(
        self,
        doc_id: str,
        matches: list[tuple[str, str, str | None, str]],
        by_path: bool = True,
    ) -> None:
        self.doc_id = doc_id
        self.matches = matches
        self.by_path = by_path
        super().__init__(self.explain())

    def explain(self, command: str | None = None) -> str:
        """The message, its example naming ``command`` (``status``) when known: the
        documents that carry the ID, how to name one, and how to give each its own ID."""
        rows = [(i, t or "(no title)", s or "-", p) for i, t, s, p in self.matches]
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        lines = [
            f"{self.doc_id} is the ID of {len(rows)} documents, so it does not say which "
            "one is meant:"
        ]
        for r in rows:
            cells = [r[c] + " " * (widths[c] - len(r[c])) for c in range(3)]
            lines.append("  " + "  ".join([*cells, r[3]]))
        fix = "run `specbook renumber` to give the newer one the next free ID"
        first = rows[0][3]
        if not self.by_path:
            lines.append(f"{fix}; until then {self.doc_id} cannot name one of them")
        elif command:
            rest = "" if command == "show" else " …"
            lines.append(
                f"name one by its path in place of the ID (`specbook {command} {first}{rest}`), "
                f"or {fix}"
            )
        else:
            lines.append(f"name one by its path in place of the ID (e.g. {first}), or {fix}")
        return "\n".join(lines)
