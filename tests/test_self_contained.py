"""Nothing in the project reads a path outside the repository.

A user's clone has nothing beside it (no sibling folders, no developer's home), so a
test, benchmark or build step that reaches out passes here and fails there. This scans
the code, tests, benchmarks, Makefile and CI script for the ways a path leaves the
repository: ancestors of ``__file__`` above the repository's top, ``..`` segments that
climb out of it, and absolute paths into developers' folders. ``.ci/run`` also runs the
suite from a fresh clone with nothing beside it, which catches what a scan cannot.
"""

from __future__ import annotations

import ast
import re
import subprocess
from itertools import count
from pathlib import Path

import pytest

from tests.conftest import REPO

SCANNED = ["src", "tests", "bench", ".ci", "Makefile"]
# folders of people and machines, never of a clone (system tools like /usr/bin/chromium
# and scratch space like /tmp are not the project's data)
_HOME = re.compile(r"""(?<![\w.])/(?:work|home|root|Users|mnt|srv)/""")
# a relative path that climbs: `../x` (taken from the folder a command runs in)
# a test may hand specbook a path outside the book to see it refused; such a line (or the
# comment line above it) says so with this marker and a reason
_WAIVER = "# not read:"
_CLIMB = re.compile(r"""(?:^|[\s"'=(:,])((?:\.\./)+)([\w.$(){}-]*)""")


def _tracked() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *SCANNED],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    files = [REPO / name for name in out.decode("utf-8").split("\0") if name]
    # test data (documents of other projects, golden outputs) is not code
    data = ("tests/corpus/", "tests/golden/", "tests/fixtures/", "tests/rules/")
    return [p for p in files if not p.relative_to(REPO).as_posix().startswith(data)]


def _ancestor_level(node: ast.expr, names: dict[str, int]) -> int | None:
    """How many folders above ``__file__``'s own folder ``node`` stands (0: that folder),
    for ``Path(__file__)...`` chains and names bound to one; None for anything else."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Path" and node.args:
            arg = node.args[0]
            return -1 if isinstance(arg, ast.Name) and arg.id == "__file__" else None
        if isinstance(func, ast.Attribute) and func.attr in {"resolve", "absolute"}:
            return _ancestor_level(func.value, names)
        return None
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        level = _ancestor_level(node.value, names)
        return None if level is None else level + 1
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "parents"
        and isinstance(node.slice, ast.Constant)
    ):
        level = _ancestor_level(node.value.value, names)
        index = node.slice.value
        if level is not None and isinstance(index, int):
            return level + 1 + index
    return None


def _escapes(path: Path, text: str) -> list[str]:
    """The lines of ``text``, read as the file at ``path``, whose paths leave the
    repository."""
    lines = text.splitlines()
    shell = path.suffix != ".py"  # the Makefile and CI scripts: every word may be a path
    found = [
        f"{n}: {line.strip()}"
        for n, line, prev in zip(count(1), lines, ["", *lines], strict=False)
        if _HOME.search(line) or (shell and _climbs_out(line))
        if _WAIVER not in line and _WAIVER not in prev
    ]
    if path.suffix != ".py":
        return found
    depth = len(path.relative_to(REPO).parts) - 1  # folders between the file and the top
    tree = ast.parse(text)
    # the repository's top as the tests import it
    names = {
        alias.asname or alias.name: depth
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "tests.conftest"
        for alias in node.names
        if alias.name == "REPO"
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            level = _ancestor_level(node.value, names)
            if level is not None:
                names[node.targets[0].id] = level
        if isinstance(node, ast.Attribute | ast.Subscript):
            level = _ancestor_level(node, names)
            if level is not None and level > depth:
                found.append(f"{node.lineno}: {ast.unparse(node)} is above the repository")
        if _opens_a_climbing_path(node):
            found.append(f"{node.lineno}: {ast.unparse(node)} climbs out of the repository")
    return found


def _opens_a_climbing_path(node: ast.AST) -> bool:
    """``Path("../x")``, ``open("../x")`` or ``ROOT / "../x"``: a path literal that climbs
    (Python runs from the repository's top, so any climb leaves it)."""

    def climbs(arg: ast.expr) -> bool:
        return isinstance(arg, ast.Constant) and str(arg.value).startswith("../")

    if isinstance(node, ast.Call) and node.args:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in {"Path", "PurePath", "open", "joinpath"} and climbs(node.args[0])
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and climbs(node.right)


def _climbs_out(line: str) -> bool:
    """Whether a ``../`` path in ``line`` climbs above the repository. Relative paths are
    taken from the folder a command runs in: the repository's top (tests, benchmarks,
    make and CI all run there), or the folder a ``cd DIR &&`` on the same line names."""
    for match in _CLIMB.finditer(line):
        base = 0
        cd = re.search(r"\bcd\s+(\S+)\s*&&", line[: match.start()])
        if cd:  # `cd DIR && ../../x` climbs back from DIR ($(VAR) stands for one folder)
            base = len([p for p in cd.group(1).split("/") if p not in {"", "."}])
            base += 1 if cd.group(1).startswith("$(") else 0
        if match.group(1).count("../") > base:
            return True
    return False


def test_no_file_names_a_path_outside_the_repository() -> None:
    files = [p for p in _tracked() if p != Path(__file__).resolve()]  # (its cases name some)
    assert any(p.name == "conftest.py" for p in files) and any(p.name == "run" for p in files)
    problems = {
        str(p.relative_to(REPO)): found
        for p in files
        if (found := _escapes(p, p.read_text(encoding="utf-8", errors="replace")))
    }
    assert problems == {}, "paths outside the repository:\n" + "\n".join(
        f"{name}:{line}" for name, lines in problems.items() for line in lines
    )


@pytest.mark.parametrize(
    ("rel", "code"),
    [
        ("tests/test_x.py", 'SHARED = Path(__file__).resolve().parents[2] / "shared"\n'),
        ("tests/test_x.py", 'REPO = Path(__file__).resolve().parents[1]\nX = REPO.parent / "s"\n'),
        ("tests/test_x.py", "from tests.conftest import REPO\nX = REPO.parent / 's'\n"),
        ("tests/test_x.py", "X = Path(__file__).parent.parent.parent\n"),
        ("bench/b.py", 'SEED = Path("../sibling/seed/template.md")\n'),
        ("tests/test_x.py", 'X = (REPO / "../sibling").read_text()\n'),
        # not read: a sample the checker must flag, not a path this test opens
        ("tests/test_x.py", 'CORPUS = "/work/shared/corpus"\n'),
        ("Makefile", "test:\n\tcp -r ../../corpus tests/\n"),
    ],
)
def test_the_scan_catches_each_way_out(rel: str, code: str) -> None:
    assert _escapes(REPO / rel, code), f"{rel}: {code!r} was not caught"


@pytest.mark.parametrize(
    ("rel", "code"),
    [
        ("tests/test_x.py", "REPO = Path(__file__).resolve().parents[1]\n"),
        ("tests/browser/t.py", "X = Path(__file__).resolve().parents[2] / 'examples'\n"),
        ("Makefile", "demo:\n\tcd $(BOOK) && ../../$(BIN)/specbook list\n"),
        ("tests/test_x.py", 'CHROMIUM = "/usr/bin/chromium"\n'),
        ("tests/test_x.py", "assert 'href=\"../doc/SPEC-001.html\"' in page\n"),
    ],
)
def test_the_scan_lets_paths_inside_the_repository_be(rel: str, code: str) -> None:
    assert _escapes(REPO / rel, code) == []
