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
    """Raised by :mod:`specbook.config` when a book's configuration is invalid (exit 2).

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
