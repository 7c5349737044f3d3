"""Regular expressions compiled on first use.

A module-level ``re.compile`` runs at import. ``specbook lint FILE`` (a pre-commit hook's
command, whose run is mostly start-up) imports some hundred and twenty patterns and uses
under half of them: compiling the others was about a tenth of its time. A pattern made
with :func:`lazy_compile` is compiled the first time one of its methods or attributes is
asked for, and then costs what a compiled pattern costs.
"""

from __future__ import annotations

import re
from typing import Any, cast, overload

# What a compiled pattern has (its methods and attributes), kept on the stand-in once
# compiled
_ATTRIBUTES = (
    "match", "search", "fullmatch", "finditer", "findall", "sub", "subn", "split",
    "scanner", "flags", "groups", "groupindex", "pattern",
)  # fmt: skip


class _Pattern:
    """What the stand-in is before and after compiling: it pickles and copies as a
    lazy pattern of the same source."""

    pattern: str | bytes
    _flags: int

    def __reduce__(self) -> tuple[Any, ...]:
        return (lazy_compile, (self.pattern, self._flags))

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r}, {self._flags})"


class _LazyPattern(_Pattern):
    """Stands in for ``re.compile(pattern, flags)`` until first used.

    The first method or attribute asked for (``match``, ``search``, ``flags``…)
    compiles the pattern, copies the compiled pattern's methods and attributes onto the
    instance and makes it a :class:`_CompiledPattern`, whose look-ups are plain
    instance attributes: a class with ``__getattr__`` makes every attribute look-up
    slower (a third more per ``match`` call), which a cold lint's millions of pattern
    calls would pay. ``pattern`` is known without compiling. Raises
    :class:`re.error` on first use for a bad pattern.
    """

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        compiled = re.compile(self.pattern, self._flags)
        vars(self).update((a, getattr(compiled, a)) for a in _ATTRIBUTES)
        vars(self)["_compiled"] = compiled
        self.__class__ = _CompiledPattern  # type: ignore[assignment]  # (a sibling class)
        return getattr(compiled, name)


class _CompiledPattern(_Pattern):
    """A :class:`_LazyPattern` once compiled: its instance holds the compiled
    pattern's methods and attributes."""


@overload
def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]: ...


@overload
def lazy_compile(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]: ...


def lazy_compile(pattern: str | bytes, flags: int = 0) -> re.Pattern[Any]:
    """``re.compile(pattern, flags)``, done when the pattern is first used.

    For module-level patterns that only some commands use. The value has every method
    and attribute of a compiled pattern, but is not an instance of :class:`re.Pattern`:
    call its methods (``P.match(s)``), do not hand it to ``re.match(P, s)`` or
    ``isinstance``. A bad pattern raises :class:`re.error` when first used.
    """
    return cast("re.Pattern[Any]", _LazyPattern(pattern, flags))
