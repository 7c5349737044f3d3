"""Dates written the way a document writes them.

A document's dates have a form: ``2024-03-02``, ``2024/03/02``, ``02.03.2024``,
``3/2/2024``, ``March 2, 2024``, ``2 mars 2024``, ``2025‑09‑18`` (with non-breaking
hyphens). :func:`find_date` finds a date in a value and remembers its form;
:meth:`DateForm.render` writes another day in the same form by replacing only the
year, month and day of the matched text (separators, padding, month-name language,
case and abbreviation, ordinal suffixes stay as they were).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# Month names by language, full forms (and English abbreviations): a name maps to
# (language, month, abbreviated).
_MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "de": (
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ),
    "pt": (
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ),
}
_EN_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _month_table() -> dict[str, tuple[str, int, bool]]:
    table: dict[str, tuple[str, int, bool]] = {}
    for lang, names in _MONTHS.items():
        for i, name in enumerate(names):
            table.setdefault(name, (lang, i + 1, False))
    for i, name in enumerate(_EN_ABBR):
        table.setdefault(name, ("en", i + 1, True))
    table.setdefault("sept", ("en", 9, True))
    return table


_MONTH = _month_table()
_NAMES = "|".join(sorted(_MONTH, key=len, reverse=True))
_SEP = "[-/.\u2010\u2011]"  # hyphen, slash, dot, Unicode hyphen, non-breaking hyphen
_SP = "[ \t\u00a0]+"
_DATE = re.compile(
    r"(?<!\w)(?:"
    # 2024-03-02, 2024/3/2, 2024.03.02 (the same separator twice)
    rf"(?P<y1>\d{{4}})(?P<s1>{_SEP})(?P<m1>[01]?\d)(?P=s1)(?P<d1>[0-3]?\d)"
    # 02.03.2024, 3/2/2024, 02-03-2024
    rf"|(?P<a2>[0-3]?\d)(?P<s2>{_SEP})(?P<b2>[0-3]?\d)(?P=s2)(?P<y2>\d{{4}})"
    # March 2, 2024 / Mar. 2nd 2024
    rf"|(?P<m3>{_NAMES})\.?{_SP}(?P<d3>[0-3]?\d)(?P<o3>st|nd|rd|th)?,?{_SP}(?P<y3>\d{{4}})"
    # 2 March 2024 / 2 de marzo de 2024 / 2. März 2024 / 1er mars 2024
    rf"|(?P<d4>[0-3]?\d)(?P<o4>st|nd|rd|th|er)?\.?{_SP}(?:de{_SP})?"
    rf"(?P<m4>{_NAMES})\.?,?{_SP}(?:de{_SP})?(?P<y4>\d{{4}})"
    r")(?!\d)",
    re.IGNORECASE,
)
# A time after a date (`2025-09-19 02:35:45`, `T10:00:00Z`): only the day is known when
# a date is written, so a time that would be false is dropped with it.
_TIME = re.compile(
    r"(?:[ T]|\s+at\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:[ ]?(?:Z|UTC|[+-]\d{2}:?\d{2}))?(?![\w:])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateForm:
    """How one date is written: the matched text and where its parts lie in it.

    ``parts`` maps ``y``/``m``/``d`` to (start, end) offsets within ``text``; ``order``
    is ``"ymd"``, ``"dmy"``, ``"mdy"`` (numeric) or ``"named"`` (a month name);
    ``pad`` whether numeric day and month are written with two digits.
    """

    text: str
    parts: tuple[tuple[str, int, int], ...]
    order: str
    pad: bool
    month_lang: str | None = None
    month_abbr: bool = False
    month_case: str = "title"  # lower, upper, title
    ordinal: str = ""  # "en" (2nd) or "fr" (1er)

    def render(self, day: dt.date) -> str:
        """``day`` written in this form."""
        out = self.text
        for name, start, end in sorted(self.parts, key=lambda p: -p[1]):
            out = out[:start] + self._part(name, day, out[start:end]) + out[end:]
        return out

    def _part(self, name: str, day: dt.date, old: str) -> str:
        if name == "y":
            return f"{day.year:04d}"
        if name == "m" and self.month_lang is not None:
            if self.month_abbr:
                word = _EN_ABBR[day.month - 1]
                if day.month == 9 and old.lower() == "sept":
                    word = "sept"
            else:
                word = _MONTHS[self.month_lang][day.month - 1]
            return _cased(word, self.month_case)
        number = day.month if name == "m" else day.day
        text = f"{number:02d}" if self.pad else str(number)
        if name == "d" and self.ordinal == "en":
            text = str(number) + _ordinal(number)
        elif name == "d" and self.ordinal == "fr":
            text = "1er" if number == 1 else str(number)
        return text


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _cased(word: str, case: str) -> str:
    if case == "upper":
        return word.upper()
    if case == "lower":
        return word.lower()
    return word[:1].upper() + word[1:]


def _case_of(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "upper"
    if word.islower():
        return "lower"
    return "title"


@dataclass(frozen=True)
class FoundDate:
    """A date found in a text: its offsets (characters) and its form."""

    start: int
    end: int
    form: DateForm


def find_date(text: str, day_first: bool | None = None) -> FoundDate | None:
    """The first date written in ``text``, or ``None``.

    ``day_first`` settles a numeric date whose first two numbers could each be the
    day (``03/04/2024``); without it, a dot or hyphen means day first and a slash
    month first (the common European and US forms).
    """
    for m in _DATE.finditer(text):
        form = _form(m, day_first)
        if form is not None:
            return FoundDate(m.start(), m.end(), form)
    return None


def _form(m: re.Match[str], day_first: bool | None) -> DateForm | None:
    base = m.start()

    def at(group: str) -> tuple[int, int]:
        return m.start(group) - base, m.end(group) - base

    text = m.group(0)
    if m.group("y1"):
        month, day = int(m.group("m1")), int(m.group("d1"))
        pad = len(m.group("m1")) == 2 or len(m.group("d1")) == 2
        if not _valid(int(m.group("y1")), month, day):
            return None
        if (month < 10 and len(m.group("m1")) == 1) or (day < 10 and len(m.group("d1")) == 1):
            pad = False
        parts = (("y", *at("y1")), ("m", *at("m1")), ("d", *at("d1")))
        return DateForm(text, parts, "ymd", pad)
    if m.group("y2"):
        a, b, year = int(m.group("a2")), int(m.group("b2")), int(m.group("y2"))
        if a > 12 or (day_first is True and b <= 12):
            first_is_day = True
        elif b > 12 or day_first is False:
            first_is_day = False
        else:
            first_is_day = m.group("s2") != "/"
        day, month = (a, b) if first_is_day else (b, a)
        if not _valid(year, month, day):
            return None
        digits = (m.group("a2"), m.group("b2"))
        pad = not any(len(g) == 1 and int(g) < 10 for g in digits)
        d_at, m_at = (at("a2"), at("b2")) if first_is_day else (at("b2"), at("a2"))
        parts = (("y", *at("y2")), ("m", *m_at), ("d", *d_at))
        return DateForm(text, parts, "dmy" if first_is_day else "mdy", pad)
    for n in ("3", "4"):
        if m.group(f"m{n}"):
            name = m.group(f"m{n}")
            lang, month, abbr = _MONTH[name.lower()]
            year, day = int(m.group(f"y{n}")), int(m.group(f"d{n}"))
            if not _valid(year, month, day):
                return None
            d_start, _ = at(f"d{n}")
            o = m.group(f"o{n}")
            d_end = (m.end(f"o{n}") - base) if o else at(f"d{n}")[1]
            parts = (("y", *at(f"y{n}")), ("m", *at(f"m{n}")), ("d", d_start, d_end))
            ordinal = "" if not o else "fr" if o.lower() == "er" else "en"
            return DateForm(
                text,
                parts,
                "named",
                len(m.group(f"d{n}")) == 2 and day < 10,
                month_lang=lang,
                month_abbr=abbr,
                month_case=_case_of(name),
                ordinal=ordinal,
            )
    return None


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def day_first_hint(values: list[str]) -> bool | None:
    """Whether the numeric dates in ``values`` put the day first: settled by any of
    them whose first or second number is above 12, else ``None``."""
    for v in values:
        for m in _DATE.finditer(v):
            if m.group("y2"):
                a, b = int(m.group("a2")), int(m.group("b2"))
                if a > 12 >= b:
                    return True
                if b > 12 >= a:
                    return False
    return None


ISO = DateForm("0000-00-00", (("y", 0, 4), ("m", 5, 7), ("d", 8, 10)), "ymd", True)


def date_in_form(day: dt.date, samples: list[str]) -> str:
    """``day`` written in the form of the first date found in ``samples`` (the
    document's other dates), else as ``YYYY-MM-DD``."""
    hint = day_first_hint(samples)
    for s in samples:
        found = find_date(s, hint)
        if found is not None:
            return found.form.render(day)
    return ISO.render(day)


def replace_date(text: str, day: dt.date, samples: list[str]) -> str | None:
    """``text`` with its first date replaced by ``day`` in the same form (a time
    written after it is dropped: only the day is known); ``None`` when ``text`` holds
    no date. ``samples`` (the document's other dates) settle whether an ambiguous
    numeric date puts the day first."""
    found = find_date(text, day_first_hint([text, *samples]))
    if found is None:
        return None
    end = found.end
    time = _TIME.match(text, end)
    if time is not None:
        end = time.end()
    return text[: found.start] + found.form.render(day) + text[end:]


__all__ = ["DateForm", "FoundDate", "date_in_form", "day_first_hint", "find_date", "replace_date"]
