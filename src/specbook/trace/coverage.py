"""Requirement ↔ test traceability: which code covers which FR/NFR.

The book's ``[trace] code`` globs (default ``tests/**/*.py`` and ``src/**/*.py``,
relative to the book root) name the code to scan. In it a **requirement tag** is
written in one of four ways:

- ``SPEC-007/FR-2`` in a comment (``# covers SPEC-007/FR-2``);
- ``SPEC-007/FR-2`` in a docstring (of the module, a class or a function);
- ``@pytest.mark.spec("SPEC-007/FR-2")`` (or ``mark.spec("SPEC-007")`` for the
  document as a whole; a ``pytestmark = pytest.mark.spec(...)`` covers the module);
- a test named ``test_spec_007_fr_2`` or ``test_spec_007_fr_2_<anything>``: ``test_``,
  the document's prefix and number, the requirement's prefix and number, separated
  by underscores (``test_spec7_fr2`` works too; numbers are padded to the kind's
  digits).

A tag belongs to the innermost function or class whose lines hold it (its
decorators and the comment block right above it included), else to the module.
It counts as **test coverage** when that owner is a test (a function whose name
starts with ``test`` or a class whose name starts with ``Test``) or the file is a
test file (``test_*``, ``*_test.*``, ``*.test.*``, ``*.spec.*``, or under a
``tests``/``test`` folder); a tag anywhere else is an implementation link, reported
but not counted as coverage. Files that are not Python are searched as plain text.

A document's **Testing Strategy** lists tests as list items whose first code span
names a test function: ``- [x] `test_track_shipment_returns_events()` - Tests ...``
(``tests/test_x.py::TestClass::test_name`` is accepted; only the function name is
matched). Names the kind's template gives as examples are ignored.

Scanning is cached in the book's snapshot (``.specbook/index.db``, the blob
``trace-scan``) by file size and modification time when the book has a ``.specbook``
folder (``specbook lint`` makes one).
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import contextlib
import os
import re
import threading
from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from specbook.core.config import BookConfig, KindConfig
from specbook.core.confine import BAD_NAME, is_utf8, real_root, report_once, shown, why_not_read
from specbook.core.ids import IdIndex
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, Section
from specbook.parse import scan as scanners

CACHE_NAME = "trace-scan"  # the code scan, a blob in the snapshot (specbook.core.state)
# One ast.parse at a time: CPython 3.11 keeps the AST validator's recursion depth in
# interpreter state, and two threads parsing at once (the portal's background lint and
# a page showing coverage) fail with "SystemError: AST constructor recursion depth
# mismatch" (CPython gh-106905).
_AST_LOCK = threading.Lock()
_SKIP_DIRS = frozenset({"__pycache__", "node_modules"})
_TEST_DIRS = frozenset({"tests", "test"})
_TEST_FILE = lazy_compile(r"^(?:test.*|.*_test\.\w+|.*\.(?:test|spec)\.\w+|.*_spec\.\w+)$")
_DEF = lazy_compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)
_NEWLINE = lazy_compile(r"\r\n|\r|\n")
_LEADING_LETTERS = lazy_compile(r"\D*")
_DIGITS = lazy_compile(r"\d+")
_ITEM = lazy_compile(rb"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[([ xX])\][ \t]+)?(.*)$")
_CODE_SPAN = lazy_compile(rb"`([^`\r\n]+)`")
_LISTED = lazy_compile(
    r"^(?:(?P<file>[\w./\\-]+\.py)::)?(?:\w+(?:::|\.))*(?P<name>test\w*)(?:\([^()]*\))?$"
)
# _LISTED of a text without `.` or `:` (most: `test_x()`), whose file and qualifier parts
# cannot match then; spares their backtracking over the whole name (2 µs a name).
_LISTED_PLAIN = lazy_compile(r"^(?P<name>test\w*)(?:\([^()]*\))?$")
# The C module's loop of _py_listed_items (``_cscan.listed_items``), or None
_C = scanners.c_nodes


# -- globs ------------------------------------------------------------------------------
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob over POSIX paths relative to the book root.

    ``*`` and ``?`` stay within one folder, ``[abc]`` is a class, ``**`` is any number
    of folders (``tests/**/*.py`` matches ``tests/a.py`` and ``tests/x/y/a.py``), and
    a trailing ``/`` or ``/**`` matches everything below.
    """
    return _glob_regex(pattern.replace("\\", "/"))


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("/"):
        pattern += "**"
    parts = pattern.split("/")
    out = []
    for i, seg in enumerate(parts):
        last = i == len(parts) - 1
        if seg == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        piece = ""
        j = 0
        while j < len(seg):
            c = seg[j]
            if c == "*":
                piece += "[^/]*"
            elif c == "?":
                piece += "[^/]"
            elif c == "[" and "]" in seg[j + 2 :]:
                end = seg.index("]", j + 2)
                body = seg[j + 1 : end]
                piece += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
                j = end
            else:
                piece += re.escape(c)
            j += 1
        out.append(piece + ("" if last else "/"))
    return re.compile("".join(out) + r"\Z")


def _literal_base(pattern: str) -> str:
    """The folders of ``pattern`` before its first wildcard: where a walk starts."""
    base = []
    for seg in pattern.replace("\\", "/").split("/")[:-1]:
        if any(ch in seg for ch in "*?["):
            break
        base.append(seg)
    return "/".join(base)


def code_files(config: BookConfig) -> list[str]:
    """The files ``[trace] code`` names, relative to the root (POSIX), sorted.

    Hidden folders, ``__pycache__`` and ``node_modules`` are never entered; a glob
    whose folder does not exist costs one ``stat``. Empty without a book root. As the
    book's documents, a file that is a link leading out of the book, a loop of links and
    a name that is not valid UTF-8 are not read, and reported once (a committed
    ``tests/test_x.py -> ~/src/secret.py`` would show its tests and tags).
    """
    if config.root is None or not config.trace_code:
        return []
    root = str(config.root)
    real = real_root(root)
    skipped: dict[str, str] = {}
    wanted = [glob_regex(p) for p in config.trace_code]
    excluded = [glob_regex(p) for p in config.trace_exclude]
    found: set[str] = set()
    bases = sorted({_literal_base(p) for p in config.trace_code})
    # a base inside another base is walked with it
    bases = [b for b in bases if not any(b != o and b.startswith(o + "/") for o in bases if o)]
    if "" in bases:
        bases = [""]
    for base in bases:
        top = os.path.join(root, base) if base else root
        if not os.path.isdir(top):
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            prefix = "" if rel_dir == "." else rel_dir + "/"
            keep = []
            for d in sorted(dirnames):
                if d.startswith(".") or d in _SKIP_DIRS:
                    continue
                if is_utf8(d):
                    keep.append(d)
                else:
                    skipped[shown(prefix + d)] = BAD_NAME.format(
                        what="folder", rest="its files are not read"
                    )
            dirnames[:] = keep
            for name in filenames:
                rel = prefix + name
                if any(w.match(rel) for w in wanted) and not any(x.match(rel) for x in excluded):
                    why = why_not_read(os.path.join(dirpath, name), real)
                    if why is None:
                        found.add(rel)
                    else:
                        skipped[shown(rel)] = why
    report_once(real, skipped)
    return sorted(found)


# -- what a scan finds ------------------------------------------------------------------
class CodeTag(NamedTuple):
    """One requirement tag in code.

    ``doc_id`` is ``None`` for a ``mark.spec(...)`` argument that is no tag at all;
    ``requirement`` is ``None`` for a tag naming a whole document. ``via`` is
    ``comment``, ``docstring``, ``marker``, ``name`` or ``text`` (a non-Python
    file); ``owner`` the qualified name of the function or class it belongs to
    (``TestTracking.test_events``), ``None`` at module level; ``role`` is ``test``
    when it counts as test coverage, else ``code``. Columns are 1-based characters.
    """

    path: str
    line: int
    column: int
    end_column: int
    text: str
    doc_id: str | None
    requirement: str | None
    via: str
    owner: str | None
    role: str

    @property
    def target(self) -> str:
        """``SPEC-007/FR-2`` (or ``SPEC-007``), normalised; the text as written if malformed."""
        if self.doc_id is None:
            return self.text
        return f"{self.doc_id}/{self.requirement}" if self.requirement else self.doc_id


class CodeDef(NamedTuple):
    """A function definition in the scanned code (any ``def``, at any depth)."""

    path: str
    line: int
    name: str


@dataclass
class CodeScan:
    """Everything the scan found: files, tags in file order, and defs by name."""

    patterns: tuple[str, ...]
    files: list[str]
    tags: list[CodeTag]
    defs: dict[str, list[CodeDef]] = field(default_factory=dict)

    @property
    def test_count(self) -> int:
        """How many test functions (``def test…``) the code defines."""
        return sum(len(v) for k, v in self.defs.items() if k.startswith("test"))


class _Patterns(NamedTuple):
    text: re.Pattern[str]  # SPEC-007/FR-2 in prose
    whole: re.Pattern[str]  # a mark.spec argument: SPEC-007 or SPEC-007/FR-2
    name: re.Pattern[str] | None  # test_spec_007_fr_2
    quick: re.Pattern[bytes]  # does this file hold anything worth parsing?
    digits: dict[str, int]  # kind prefix -> ID digits
    reqs: dict[str, str]  # requirement prefix (upper) -> as configured


def _patterns(config: BookConfig) -> _Patterns:
    kinds = tuple(sorted((k.prefix, k.digits) for k in config.kinds.values()))
    reqs = tuple(sorted({*config.functional_prefixes, *config.non_functional_prefixes}))
    return _compile(kinds, reqs, config.requirement_pattern)


@lru_cache(maxsize=16)
def _compile(kinds: tuple[tuple[str, int], ...], reqs: tuple[str, ...], req: str) -> _Patterns:
    """The patterns of a book whose kinds are ``kinds`` (prefix, digits), requirement
    prefixes ``reqs`` and requirement IDs match ``req`` (``[requirements] id``)."""
    # longest first, so that `SPECX-1` is not read as `SPEC` + junk
    doc_alt = "|".join(re.escape(p) for p, _ in sorted(kinds, key=lambda k: -len(k[0])))
    text = re.compile(rf"(?<![A-Za-z0-9_-])((?:{doc_alt})-\d+)/({req})(?![A-Za-z0-9_])")
    whole = re.compile(rf"\s*((?:{doc_alt})-\d+)(?:\s*/\s*({req}))?\s*", re.IGNORECASE)
    simple = [p for p, _ in kinds if re.fullmatch(r"[A-Za-z0-9]+", p)]
    simple_reqs = [r for r in reqs if re.fullmatch(r"[A-Za-z0-9]+", r)]
    name = None
    if simple and simple_reqs:
        lo = "|".join(re.escape(p.lower()) for p in sorted(simple, key=len, reverse=True))
        lr = "|".join(re.escape(r.lower()) for r in sorted(simple_reqs, key=len, reverse=True))
        name = re.compile(rf"test_({lo})_?(\d+)_({lr})_?(\d+)(?:_|$)", re.IGNORECASE)
    quick_parts = [rf"(?:{doc_alt})-\d+/".encode(), rb"mark\.spec\b"]
    if name is not None:
        quick_parts.append(rb"(?i:def[ \t]+test_(?:" + lo.encode() + rb")_?\d)")
    quick = re.compile(b"|".join(quick_parts))
    return _Patterns(
        text,
        whole,
        name,
        quick,
        {p.upper(): d for p, d in kinds},
        {r.upper(): r for r in reqs},
    )


def _doc_id(pats: _Patterns, raw: str, pad: bool = False) -> str:
    """``spec-7`` -> ``SPEC-7`` (``SPEC-007`` with ``pad``: the kind's zero padding)."""
    prefix, _, number = raw.rpartition("-")
    prefix = prefix.upper()
    if pad:
        number = number.zfill(pats.digits.get(prefix, 0))
    return f"{prefix}-{number}"


def _req_id(pats: _Patterns, raw: str) -> str:
    """``fr-2`` -> ``FR-2``: the requirement prefix as configured (the longest that
    starts ``raw``; ``R1.2`` has no hyphen), the rest as written."""
    upper = raw.upper()
    for prefix in sorted(pats.reqs, key=len, reverse=True):
        if upper.startswith(prefix):
            return pats.reqs[prefix] + raw[len(prefix) :]
    return upper


def _is_test_file(rel: str) -> bool:
    parts = rel.split("/")
    return bool(_TEST_FILE.match(parts[-1])) or any(p in _TEST_DIRS for p in parts[:-1])


class _Owner(NamedTuple):
    start: int
    end: int
    qualname: str
    is_test: bool


def _scan_file(rel: str, data: bytes, pats: _Patterns) -> tuple[list[CodeDef], list[CodeTag]]:
    """Defs and tags of one file's bytes."""
    text = data.decode("utf-8-sig", "replace")
    starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    is_py = rel.endswith((".py", ".pyi"))
    defs = []
    if is_py:
        for m in _DEF.finditer(text):
            defs.append(CodeDef(rel, bisect_right(starts, m.start(1)), m.group(1)))
    if not pats.quick.search(data):
        return defs, []  # the common case: no tag anywhere, no parsing
    lines = _NEWLINE.split(text)
    test_file = _is_test_file(rel)
    raw: list[tuple[int, int, int, str, str | None, str | None, str, str | None, bool]] = []
    if is_py:
        _python_tags(text, lines, pats, raw)
    else:
        for n, text_line in enumerate(lines, 1):
            for m in pats.text.finditer(text_line):
                raw.append(
                    (n, m.start() + 1, m.end() + 1, m.group(0), m.group(1), m.group(2),
                     "text", None, False)
                )  # fmt: skip
    tags: list[CodeTag] = []
    seen: set[tuple[int, int]] = set()
    for line, col, end_col, written, doc, req, via, owner, owner_is_test in sorted(
        raw, key=lambda t: (t[0], t[1])
    ):
        if (line, col) in seen:
            continue
        seen.add((line, col))
        tags.append(
            CodeTag(
                path=rel,
                line=line,
                column=col,
                end_column=end_col,
                text=written,
                doc_id=_doc_id(pats, doc, pad=via == "name") if doc else None,
                requirement=_req_id(pats, req) if req else None,
                via=via,
                owner=owner,
                role="test" if owner_is_test or test_file else "code",
            )
        )
    return defs, tags


def _python_tags(
    text: str,
    lines: list[str],
    pats: _Patterns,
    out: list[tuple[int, int, int, str, str | None, str | None, str, str | None, bool]],
) -> None:
    """Tags of a Python file: comments, docstrings, ``mark.spec`` arguments, test names."""
    import ast

    try:
        with _AST_LOCK:
            tree: ast.Module | None = ast.parse(text)
    except (SyntaxError, ValueError):
        tree = None
    owners: list[_Owner] = []
    if tree is not None:
        _collect_owners(tree, "", False, lines, owners)

    def owner_of(line: int) -> tuple[str | None, bool]:
        best: _Owner | None = None
        for o in owners:
            if o.start <= line <= o.end and (best is None or o.start >= best.start):
                best = o
        return (best.qualname, best.is_test) if best else (None, False)

    def add(line: int, col: int, end_col: int, written: str, doc: str | None, req: str | None,
            via: str) -> None:  # fmt: skip
        owner, is_test = owner_of(line)
        out.append((line, col, end_col, written, doc, req, via, owner, is_test))

    for line, col, comment in _comments(text, lines):
        for m in pats.text.finditer(comment):
            add(line, col + m.start(), col + m.end(), m.group(0), m.group(1), m.group(2),
                "comment")  # fmt: skip
    if tree is None:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                doc = body[0].value
                for n in range(doc.lineno, (doc.end_lineno or doc.lineno) + 1):
                    for m in pats.text.finditer(lines[n - 1] if n <= len(lines) else ""):
                        add(n, m.start() + 1, m.end() + 1, m.group(0), m.group(1), m.group(2),
                            "docstring")  # fmt: skip
        if isinstance(node, ast.Call) and _is_spec_mark(node.func):
            for arg in node.args:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    continue
                src_line = lines[arg.lineno - 1] if arg.lineno <= len(lines) else ""
                col = _char_col(src_line, arg.col_offset)
                end = (
                    _char_col(src_line, arg.end_col_offset)
                    if arg.end_lineno == arg.lineno and arg.end_col_offset is not None
                    else len(src_line) + 1
                )
                # point at the tag itself, not at the quote before it
                at = src_line.find(arg.value.strip(), col - 1) if arg.value.strip() else -1
                if at >= 0 and arg.end_lineno == arg.lineno:
                    col, end = at + 1, at + 1 + len(arg.value.strip())
                wm = pats.whole.fullmatch(arg.value)
                if wm:
                    add(arg.lineno, col, end, arg.value.strip(), wm.group(1), wm.group(2), "marker")
                else:
                    add(arg.lineno, col, end, arg.value, None, None, "marker")
        if pats.name is not None and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            nm = pats.name.match(node.name)
            if nm:
                src_line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
                at = src_line.find(node.name)
                col = at + 1 if at >= 0 else 1
                doc_raw = f"{nm.group(1)}-{nm.group(2)}"
                req_raw = f"{nm.group(3)}-{nm.group(4)}"
                add(node.lineno, col, col + len(node.name), node.name, doc_raw, req_raw, "name")


def _collect_owners(node: Any, prefix: str, in_test_class: bool, lines: list[str],
                    out: list[_Owner]) -> None:  # fmt: skip
    import ast

    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
            # the comment block right above belongs to it (`# covers SPEC-1/FR-2`)
            while start > 1 and lines[start - 2].lstrip().startswith("#"):
                start -= 1
            qual = f"{prefix}{child.name}"
            if isinstance(child, ast.ClassDef):
                is_test = child.name.startswith("Test")
                out.append(_Owner(start, child.end_lineno or child.lineno, qual, is_test))
                _collect_owners(child, qual + ".", is_test, lines, out)
            else:
                is_test = child.name.startswith("test") and (prefix == "" or in_test_class)
                out.append(_Owner(start, child.end_lineno or child.lineno, qual, is_test))
                _collect_owners(child, qual + ".", False, lines, out)
        else:
            _collect_owners(child, prefix, in_test_class, lines, out)


def _is_spec_mark(func: Any) -> bool:
    """``pytest.mark.spec`` or ``mark.spec``."""
    import ast

    if not (isinstance(func, ast.Attribute) and func.attr == "spec"):
        return False
    value = func.value
    return (isinstance(value, ast.Attribute) and value.attr == "mark") or (
        isinstance(value, ast.Name) and value.id == "mark"
    )


def _char_col(line: str, byte_offset: int) -> int:
    """1-based character column of ``ast``'s UTF-8 byte offset in ``line``."""
    if line.isascii():
        return byte_offset + 1
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1


def _comments(text: str, lines: list[str]) -> Iterator[tuple[int, int, str]]:
    """``(line, 1-based column, text)`` of every ``#`` comment."""
    import io
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.start[1] + 1, tok.string
        return
    except (tokenize.TokenError, SyntaxError):
        pass
    # not tokenizable: take everything after a `#` (a tag in a string may slip in)
    for n, line in enumerate(lines, 1):
        at = line.find("#")
        if at >= 0:
            yield n, at + 1, line[at:]


# -- scanning with a cache -----------------------------------------------------------------
def _cache_key(config: BookConfig) -> str:
    from specbook import __version__

    try:
        st = os.stat(__file__)
        code = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        code = ""
    kinds = sorted((k.prefix, k.digits) for k in config.kinds.values())
    reqs = sorted({*config.functional_prefixes, *config.non_functional_prefixes})
    return f"{__version__}|{code}|{kinds}|{reqs}|{config.requirement_id}"


def scan_code(config: BookConfig, use_cache: bool = True) -> CodeScan:
    """Scan the code ``[trace] code`` names for test definitions and requirement tags.

    With ``use_cache`` and a ``.specbook`` folder in the book, unchanged files (same
    size and modification time) are not read again. Unreadable files are skipped.
    """
    files = code_files(config)
    scan = CodeScan(patterns=tuple(config.trace_code), files=[], tags=[])
    if config.root is None or not files:
        return scan
    import json  # (not needed by lint, which imports this module)

    pats = _patterns(config)
    from specbook.core.state import STATE_DIR, read_blob, write_blob

    root = config.root
    use = use_cache and (root / STATE_DIR).is_dir()
    key = _cache_key(config)
    cached: dict[str, Any] = {}
    raw = read_blob(root, CACHE_NAME) if use else None
    if raw is not None:
        with contextlib.suppress(ValueError):
            data = json.loads(raw)
            if isinstance(data, dict) and data.get("key") == key:
                cached = data.get("files") or {}
    fresh: dict[str, Any] = {}
    changed = False
    for rel in files:
        full = os.path.join(config.root, rel)
        try:
            st = os.stat(full)
        except OSError:
            continue
        sig = [st.st_mtime_ns, st.st_size]
        entry = cached.get(rel)
        if entry is None or entry.get("sig") != sig:
            try:
                with open(full, "rb") as fh:
                    data_b = fh.read()
            except OSError:
                continue
            defs, tags = _scan_file(rel, data_b, pats)
            entry = {
                "sig": sig,
                "defs": [[d.name, d.line] for d in defs],
                "tags": [
                    [t.line, t.column, t.end_column, t.text, t.doc_id, t.requirement, t.via,
                     t.owner, t.role]
                    for t in tags
                ],
            }  # fmt: skip
            changed = True
        fresh[rel] = entry
        scan.files.append(rel)
        for name, line in entry["defs"]:
            scan.defs.setdefault(name, []).append(CodeDef(rel, line, name))
        for t in entry["tags"]:
            scan.tags.append(CodeTag(rel, *t))
    if use and (changed or len(fresh) != len(cached)):
        write_blob(root, CACHE_NAME, json.dumps({"key": key, "files": fresh}).encode())
    return scan


def scan_signatures(config: BookConfig) -> list[tuple[str, int, int]]:
    """``(path, mtime_ns, size)`` of every scanned file: what a result cache keys on."""
    out = []
    for rel in code_files(config):
        with contextlib.suppress(OSError):
            st = os.stat(os.path.join(config.root or "", rel))
            out.append((rel, st.st_mtime_ns, st.st_size))
    return out


# -- what documents say --------------------------------------------------------------------
class ListItem(NamedTuple):
    """The first line of one list item in a section of a document."""

    line: int
    start: int  # byte offset of the item's text (after the marker and any task box)
    text: bytes  # its first line, without the line break
    checked: bool | None  # None: a plain item, no task box
    section: str | None  # the innermost heading above it


def list_items(doc: Document, section: Section) -> Iterator[ListItem]:
    """Every list item (``-``, ``*``, ``+``, ``1.``; with or without ``[ ]``) in
    ``section``, outside code blocks, in document order."""
    src = doc.source
    pos = section.heading.end
    end = section.span.end
    code = [(c.span.start, c.span.end) for c in doc.code_blocks if c.span.start < end]
    # the section and those below it, in document order: an item belongs to the last one
    # whose heading comes before it (items come in order, so `owner` only moves on)
    inner = [
        (s.heading.start, s.title)
        for s in doc.flat_sections
        if section.span.start <= s.heading.start < end
    ]
    n_inner = len(inner)
    k = 0
    owner: str | None = None
    while pos < end:
        nl = src.find(b"\n", pos, end)
        stop = end if nl < 0 else nl + 1
        line = src[pos:stop].rstrip(b"\r\n")
        m = _ITEM.match(line)
        if m and not any(a <= pos < b for a, b in code):
            box = m.group(1)
            while k < n_inner and inner[k][0] <= pos:
                owner = inner[k][1]
                k += 1
            yield ListItem(
                line=bisect_right(doc.line_starts, pos),
                start=pos + m.start(2),
                text=m.group(2),
                checked=None if box is None else box in (b"x", b"X"),
                section=owner,
            )
        pos = stop


class ListedTest(NamedTuple):
    """A test a document's Testing Strategy names: ``name`` is the bare function name,
    ``written`` the code span as written; ``checked`` is ``None`` for a plain item."""

    name: str
    written: str
    line: int
    column: int
    end_column: int
    checked: bool | None
    section: str | None


def listed_tests(doc: Document) -> tuple[ListedTest, ...]:
    """The tests the document's Testing Strategy section lists, in order: those of
    :func:`list_items`, the first code span of each that names a test."""
    memo: tuple[ListedTest, ...] | None = doc.derived.get("listed_tests")
    if memo is not None:
        return memo
    out: list[ListedTest] = []
    section = doc.section("Testing Strategy")
    if section is not None:
        out = _listed_in(doc, section)
    result = tuple(out)
    doc.derived["listed_tests"] = result
    return result


# (an item of a Testing Strategy that names a test: the line's start, whether its box is
# ticked or None, the start and end of the code span naming it, the span's text stripped,
# and the test's name)
_Item = tuple[int, bool | None, int, int, str, str]


def _listed_in(doc: Document, section: Section) -> list[ListedTest]:
    """:func:`listed_tests` of ``section``: its items that name a test (from the C module
    when built and the section is ASCII, else :func:`_py_listed_items`), each with where
    it stands; the place of an item that names none is not looked at."""
    src = doc.source
    pos = section.heading.end
    end = section.span.end
    items = _C.listed_items(src, pos, end) if _C is not None else None
    if items is None:
        items = _py_listed_items(src, pos, end)
    out: list[ListedTest] = []
    if not items:
        return out  # (most sections name no test at all)
    code = [
        (c.span.start, c.span.end)
        for c in doc.code_blocks
        if c.span.start < end and c.span.end > pos
    ]
    # the section and those below it, in document order (the sections whose headings are
    # in its span: its subtree, not every section of the document)
    starts: list[int] = []
    titles: list[str] = []
    lo = section.span.start
    below = [section]
    while below:
        s = below.pop()
        if lo <= s.heading.start < end:
            starts.append(s.heading.start)
            titles.append(s.title)
        if s.children:
            below.extend(reversed(s.children))
    column, line_starts, _new = doc.column, doc.line_starts, tuple.__new__
    for start, checked, span_start, span_end, written, name in items:
        if code and any(a <= start < b for a, b in code):
            continue  # (a line of a code block)
        k = bisect_right(starts, start)  # (the last heading at or before it)
        out.append(
            _new(  # (a ListedTest, without its Python-level __new__)
                ListedTest,
                (
                    name,
                    written,
                    bisect_right(line_starts, start),
                    column(span_start),
                    column(span_end),
                    checked,
                    titles[k - 1] if k else None,
                ),
            )
        )
    return out


def _py_listed_items(src: bytes, pos: int, end: int) -> list[_Item]:
    """The items of ``src[pos:end]`` that name a test (see :data:`_Item`), found from its
    backquotes: a line without one names no test and is not looked at (the list scan was
    most of the facts book rules take of a document). The C module's reference
    (``_cscan.listed_items``, tests/test_rules_cost.py)."""
    out: list[_Item] = []
    tick = src.find(b"`", pos, end)
    while tick >= 0:
        start = max(pos, src.rfind(b"\n", pos, tick) + 1)  # (lines as list_items cuts them)
        nl = src.find(b"\n", tick, end)
        stop = end if nl < 0 else nl + 1
        tick = src.find(b"`", stop, end)
        m = _ITEM.match(src[start:stop].rstrip(b"\r\n"))
        if m is None:
            continue
        text_at = start + m.start(2)
        for span in _CODE_SPAN.finditer(m.group(2)):
            written = span.group(1).decode("utf-8", "replace").strip()
            plain = "." not in written and ":" not in written
            listed = (_LISTED_PLAIN if plain else _LISTED).match(written)
            if listed is not None:
                break
        else:
            continue  # (an item that names no test)
        box = m.group(1)
        out.append(
            (
                start,
                None if box is None else box in (b"x", b"X"),
                text_at + span.start(1),
                text_at + span.end(1),
                written,
                listed.group("name"),
            )
        )
    return out


def template_test_names(config: BookConfig, kind: KindConfig | None) -> frozenset[str]:
    """The example test names of ``kind``'s template (``test_component_1``): a document
    that still lists them has not planned real tests yet, which is no missing test."""
    if kind is None:
        return frozenset()
    from specbook.templates.facts import template_facts

    facts = template_facts(config, kind)
    if facts is None:
        return frozenset()
    return frozenset(t.name for t in listed_tests(facts.document))


def listed_test_due(checked: bool | None, status: str | None, kind: KindConfig | None) -> bool:
    """Whether a listed test must exist by now: its box is ticked, or the document is
    in its kind's Implemented status. An unticked item of a Draft is a plan."""
    if checked:
        return True
    implemented = kind.canonical_status("Implemented") if kind is not None else None
    return implemented is not None and status == implemented


def tag_problem(
    tag: CodeTag,
    requirements: Mapping[str, Collection[str]],
    index: IdIndex | None = None,
) -> tuple[str, str] | None:
    """Why ``tag`` points at nothing, as ``(problem, message)``, or ``None`` when its
    target exists. ``requirements`` maps each document ID of the book to its
    requirement IDs; ``index`` is an :class:`IdIndex` of the same IDs (made here when
    not given: pass one when checking many tags). Problems: ``malformed``,
    ``no-document``, ``no-requirement``."""
    if tag.doc_id is None:
        return (
            "malformed",
            f"{tag.text!r} is not a requirement tag; write it like SPEC-007/FR-2 or SPEC-007",
        )
    if index is None:
        index = IdIndex(requirements)
    resolved = index.resolve(tag.doc_id)
    reqs = requirements.get(resolved) if resolved is not None else None
    if reqs is None:
        close = index.nearest(tag.doc_id)
        hint = f"; did you mean {close}?" if close else ""
        return "no-document", f"{tag.target}: {tag.doc_id} is not the ID of any document{hint}"
    if tag.requirement is not None and tag.requirement not in reqs:
        has = ", ".join(_sorted_reqs(reqs)) or "none"
        return (
            "no-requirement",
            f"{tag.target}: {tag.doc_id} has no requirement {tag.requirement} (it has: {has})",
        )
    return None


def _req_sort_key(req: str) -> tuple[str, tuple[int, ...]]:
    """FR-2 before FR-10, FR-020-001 before FR-020-002: the prefix, then every number."""
    prefix = _LEADING_LETTERS.match(req)
    head = prefix.group(0) if prefix else ""
    return head, tuple(int(n) for n in _DIGITS.findall(req, len(head)))


def _sorted_reqs(reqs: Iterable[str]) -> list[str]:
    return sorted(reqs, key=_req_sort_key)


# -- the report ------------------------------------------------------------------------------
class RequirementCoverage(NamedTuple):
    """One FR/NFR with the tests tagging it (``tests``) and other code tagging it."""

    requirement: str
    kind: str
    line: int
    text: str
    tests: tuple[CodeTag, ...]
    code: tuple[CodeTag, ...]

    @property
    def covered(self) -> bool:
        return bool(self.tests)


class ListedCoverage(NamedTuple):
    """A test the Testing Strategy lists, with where the code defines it."""

    test: ListedTest
    found: tuple[CodeDef, ...]
    due: bool  # must it exist by now (see listed_test_due)


class DocumentCoverage(NamedTuple):
    id: str
    title: str
    status: str | None
    kind: str | None
    path: str
    requirements: tuple[RequirementCoverage, ...]
    listed: tuple[ListedCoverage, ...]
    document_tags: tuple[CodeTag, ...]  # tags naming the document without a requirement


class BadTag(NamedTuple):
    tag: CodeTag
    problem: str  # malformed | no-document | no-requirement
    message: str


class Coverage(NamedTuple):
    """The traceability report of a book."""

    scan: CodeScan
    documents: tuple[DocumentCoverage, ...]
    bad_tags: tuple[BadTag, ...]

    def uncovered(self) -> list[tuple[DocumentCoverage, RequirementCoverage]]:
        """Requirements no test tags, in document order."""
        return [(d, r) for d in self.documents for r in d.requirements if not r.covered]

    def missing_tests(self) -> list[tuple[DocumentCoverage, ListedCoverage]]:
        """Listed tests the code does not define (due or planned)."""
        return [(d, lc) for d in self.documents for lc in d.listed if not lc.found]

    def problems(self) -> int:
        """What ``--strict`` fails on: uncovered requirements, bad tags, and listed tests
        that are due but missing."""
        due = sum(1 for _, lc in self.missing_tests() if lc.due)
        return len(self.uncovered()) + len(self.bad_tags) + due

    def to_json(self) -> dict[str, Any]:
        """The ``specbook trace --json`` object (version 1; the command's help and
        docs/trace.md describe the shape)."""
        from specbook.book.jsonout import REPORT_KEYS, document_summary

        reqs = [r for d in self.documents for r in d.requirements]
        return {
            "version": 1,
            "code": {
                "patterns": list(self.scan.patterns),
                "files": len(self.scan.files),
                "tests": self.scan.test_count,
                "tags": len(self.scan.tags),
            },
            "documents": [
                {
                    **document_summary(d, REPORT_KEYS),
                    "requirements": [
                        {
                            "id": r.requirement,
                            "kind": r.kind,
                            "line": r.line,
                            "covered": r.covered,
                            "tests": [_tag_json(t) for t in r.tests],
                            "code": [_tag_json(t) for t in r.code],
                        }
                        for r in d.requirements
                    ],
                    "listed_tests": [
                        {
                            "name": lc.test.name,
                            "written": lc.test.written,
                            "line": lc.test.line,
                            "checked": lc.test.checked,
                            "due": lc.due,
                            "found": [{"path": f.path, "line": f.line} for f in lc.found],
                        }
                        for lc in d.listed
                    ],
                    "document_tags": [_tag_json(t) for t in d.document_tags],
                }
                for d in self.documents
            ],
            "uncovered": [
                {"doc_id": d.id, "requirement": r.requirement, "path": d.path, "line": r.line}
                for d, r in self.uncovered()
            ],
            "bad_tags": [
                {**_tag_json(b.tag), "tag": b.tag.text, "problem": b.problem, "message": b.message}
                for b in self.bad_tags
            ],
            "missing_tests": [
                {
                    "doc_id": d.id,
                    "name": lc.test.name,
                    "path": d.path,
                    "line": lc.test.line,
                    "checked": lc.test.checked,
                    "due": lc.due,
                }
                for d, lc in self.missing_tests()
            ],
            "summary": {
                "requirements": len(reqs),
                "covered": sum(1 for r in reqs if r.covered),
                "uncovered": sum(1 for r in reqs if not r.covered),
                "bad_tags": len(self.bad_tags),
                "missing_tests": sum(1 for _, lc in self.missing_tests() if lc.due),
                "planned_tests": sum(1 for _, lc in self.missing_tests() if not lc.due),
            },
        }


def _tag_json(t: CodeTag) -> dict[str, Any]:
    return {
        "path": t.path,
        "line": t.line,
        "column": t.column,
        "test": t.owner,
        "target": t.target,
        "via": t.via,
    }


TagTargets = dict[tuple[str, str | None], list[CodeTag]]


def match_tags(
    scan: CodeScan, requirements: Mapping[str, Collection[str]]
) -> tuple[TagTargets, list[BadTag]]:
    """The tags of ``scan`` by what they name, (document ID, requirement ID or ``None``),
    the document ID as the book spells it; and the tags that name nothing.
    ``requirements``: each document ID of the book -> its requirement IDs."""
    by_target: TagTargets = {}
    bad: list[BadTag] = []
    index = IdIndex(requirements)
    for t in scan.tags:
        problem = tag_problem(t, requirements, index)
        if problem is not None:
            bad.append(BadTag(t, *problem))
        elif t.doc_id is not None:
            doc_id = index.resolve(t.doc_id) or t.doc_id
            by_target.setdefault((doc_id, t.requirement), []).append(t)
    return by_target, bad


def trace_book(
    book: Any, use_cache: bool = True, documents: Iterable[Document] | None = None
) -> Coverage:
    """Scan ``book``'s code and relate it to every document's requirements and
    Testing Strategy. ``book`` is a :class:`specbook.book.Book`; ``documents`` are its
    documents in path order when the caller has them (from the snapshot: this layer
    sits below it), else each file is parsed."""
    config: BookConfig = book.config
    docs = [d for d in (book.documents() if documents is None else documents) if d.id]
    scan = scan_code(config, use_cache=use_cache)
    requirements: dict[str, set[str]] = {}
    for d in docs:
        assert d.id is not None
        requirements.setdefault(d.id, set()).update(r.id for r in d.requirements)
    by_target, bad = match_tags(scan, requirements)
    template_names: dict[str, frozenset[str]] = {}
    out: list[DocumentCoverage] = []
    for d in docs:
        assert d.id is not None
        kind = config.kinds.get(d.kind) if d.kind else None
        kind_key = d.kind or ""
        if kind_key not in template_names:
            template_names[kind_key] = template_test_names(config, kind)
        skip = template_names[kind_key]
        listed = tuple(
            ListedCoverage(
                t,
                tuple(scan.defs.get(t.name, ())),
                listed_test_due(t.checked, d.status_canonical, kind),
            )
            for t in listed_tests(d)
            if t.name not in skip
        )
        reqs = []
        seen: set[str] = set()
        for r in d.requirements:
            if r.id in seen:
                continue  # a duplicate number is SB304's business; report it once
            seen.add(r.id)
            tags = by_target.get((d.id, r.id), [])
            reqs.append(
                RequirementCoverage(
                    requirement=r.id,
                    kind=r.kind,
                    line=r.span.line,
                    text=r.text,
                    tests=tuple(t for t in tags if t.role == "test"),
                    code=tuple(t for t in tags if t.role != "test"),
                )
            )
        doc_tags = tuple(by_target.get((d.id, None), ()))
        if reqs or listed or doc_tags:
            out.append(
                DocumentCoverage(
                    id=d.id,
                    title=d.title,
                    status=d.status,
                    kind=d.kind,
                    path=d.path or "",
                    requirements=tuple(reqs),
                    listed=listed,
                    document_tags=doc_tags,
                )
            )
    return Coverage(scan, tuple(out), tuple(bad))


def render_text(cov: Coverage) -> str:
    """The readable report: a coverage table per document, then the problem lists."""
    lines: list[str] = []
    scan = cov.scan
    pats = ", ".join(scan.patterns) or "nothing ([trace] code is empty)"
    lines.append(
        f"Code: {pats} ({_n(len(scan.files), 'file')}, {_n(scan.test_count, 'test')}, "
        f"{_n(len(scan.tags), 'tag')})"
    )
    for d in cov.documents:
        if not d.requirements and not d.listed:
            continue
        status = f"  [{d.status}]" if d.status else ""
        lines += ["", f"{d.id}  {d.title}{status}  {d.path}"]
        width = max((len(r.requirement) for r in d.requirements), default=0)
        for r in d.requirements:
            label = r.requirement.ljust(width)
            if not r.tests:
                impl = f"  (code: {_where(r.code[0])})" if r.code else ""
                lines.append(f"  {label}  UNCOVERED{impl}")
                continue
            for i, t in enumerate(r.tests):
                head = f"  {label}  covered  " if i == 0 else " " * (width + 13)
                lines.append(f"{head}{_where(t)}")
        if d.listed:
            found = sum(1 for lc in d.listed if lc.found)
            lines.append(f"  Testing Strategy: {found} of {len(d.listed)} listed tests found")
    uncovered = cov.uncovered()
    if uncovered:
        lines += ["", f"Uncovered requirements ({len(uncovered)}):"]
        for d, r in uncovered:
            lines.append(f"  {d.path}:{r.line}: {d.id}/{r.requirement} has no test")
    if cov.bad_tags:
        lines += ["", f"Tags pointing at nothing ({len(cov.bad_tags)}):"]
        for b in cov.bad_tags:
            t = b.tag
            where = f" in {t.owner}" if t.owner else ""
            lines.append(f"  {t.path}:{t.line}:{t.column}:{where} {b.message}")
    missing = cov.missing_tests()
    due = [(d, lc) for d, lc in missing if lc.due]
    planned = [(d, lc) for d, lc in missing if not lc.due]
    if due:
        lines += ["", f"Listed tests not found in the code ({len(due)}):"]
        for d, lc in due:
            lines.append(
                f"  {d.path}:{lc.test.line}: {lc.test.name} ({d.id} Testing Strategy) "
                "is not defined in the scanned code"
            )
    if planned:
        lines += [
            "",
            f"Planned tests not written yet ({len(planned)}; unticked, document not Implemented):",
        ]
        for d, lc in planned:
            lines.append(f"  {d.path}:{lc.test.line}: {lc.test.name} ({d.id})")
    s = cov.to_json()["summary"]
    lines += [
        "",
        f"{_n(s['requirements'], 'requirement')}: {s['covered']} covered, "
        f"{s['uncovered']} uncovered; {_n(s['bad_tags'], 'bad tag')}; "
        f"{_n(s['missing_tests'], 'missing listed test')}",
    ]
    return "\n".join(lines) + "\n"


def _where(t: CodeTag) -> str:
    owner = t.owner or "(module)"
    return f"{t.path}:{t.line} {owner}"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"
