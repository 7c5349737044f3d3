"""Every read of today's date in src/ goes through specbook.core.clock.

SPECBOOK_TODAY (and the tests' pinned day, tests/conftest.py) only holds if no module asks
the system clock for a date by itself; this scan fails on the first one that does. Elapsed
time (``time.time()``, ``time.monotonic()``) is not a date and stays allowed.
"""

from __future__ import annotations

import ast

from tests.conftest import REPO

SRC = REPO / "src" / "specbook"
CLOCK = SRC / "core" / "clock.py"
# methods that read the calendar date or wall-clock time of day
_DATE_METHODS = {"today", "now", "utcnow", "utcfromtimestamp", "fromtimestamp"}
# time-module functions that read the date when called without a time argument
_TIME_FUNCS = {"localtime", "gmtime", "ctime", "asctime", "strftime"}


def _date_reads(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    # names the date and datetime classes go by here (``from datetime import date as D``)
    classes = {"date", "datetime"} | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "datetime"
        for alias in node.names
        if alias.asname and alias.name in {"date", "datetime"}
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        owner = ast.unparse(node.func.value)
        if name in _DATE_METHODS and owner.split(".")[-1] in classes:
            found.append((node.lineno, ast.unparse(node)))
        # time.strftime(fmt) and time.localtime() read now; with a time argument they don't
        limit = 1 if name == "strftime" else 0
        if name in _TIME_FUNCS and owner == "time" and len(node.args) <= limit:
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_the_scan_sees_each_way_of_asking_for_today() -> None:
    code = (
        "import datetime, datetime as dt, time\n"
        "from datetime import date, datetime as DT\n"
        "a = datetime.date.today()\nb = dt.datetime.now()\nc = date.today()\n"
        "d = time.strftime('%Y')\ne = time.localtime()\nf = dt.datetime.utcnow()\n"
        "g = DT.now()\n"
        "ok1 = time.time()\nok2 = time.strftime('%Y', time.gmtime(0))\nok3 = today()\n"
    )
    assert [line for line, _ in _date_reads(ast.parse(code))] == [3, 4, 5, 6, 7, 8, 9]


def test_src_reads_the_date_only_through_specbook_clock() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line}: {call}"
        for path in sorted(SRC.rglob("*.py"))
        if path != CLOCK
        for line, call in _date_reads(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], "use specbook.core.clock.today() instead:\n" + "\n".join(offenders)
    assert _date_reads(ast.parse(CLOCK.read_text(encoding="utf-8"))), "the clock reads the date"
