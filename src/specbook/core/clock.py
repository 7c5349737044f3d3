"""Today's date, overridable for reproducible runs and tests."""

from __future__ import annotations

import datetime as dt
import os

from specbook.core.errors import UsageError


def today() -> dt.date:
    """Today, or the date in the ``SPECBOOK_TODAY`` environment variable (YYYY-MM-DD).

    Raises :class:`UsageError` when the variable holds something else.
    """
    forced = os.environ.get("SPECBOOK_TODAY")
    if forced:
        try:
            return dt.date.fromisoformat(forced)
        except ValueError as exc:
            raise UsageError(f"SPECBOOK_TODAY={forced!r} is not a YYYY-MM-DD date") from exc
    return dt.date.today()
