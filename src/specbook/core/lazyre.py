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


class _LazyPattern:
    """Stands in for ``re.compile(pattern, flags)`` until first used.

    The first attribute asked for (``match``, ``search``, ``flags``…) compiles the
    pattern, and each attribute taken from the compiled pattern is kept on the instance,
    where the next look-up finds it without calling anything (Python calls
    ``__getattr__`` only for what the instance does not have). ``pattern`` is known
    without compiling. Raises :class:`re.error` on first use for a bad pattern.
    """

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self.__dict__["_compiled"] = re.compile(self.pattern, self._flags)
        value = getattr(compiled, name)
        self.__dict__[name] = value
        return value

    def __reduce__(self) -> tuple[Any, ...]:
        return (lazy_compile, (self.pattern, self._flags))

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r}, {self._flags})"


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
