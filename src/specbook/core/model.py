"""The document model: immutable values, every node with its source span.

Spans are UTF-8 **byte** offsets into the file exactly as it is on disk (BOM
included), with 1-based first and last line numbers, so a finding points at the
right line and an edit touches only its own bytes.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, which for this module's classes was a few ms of every
# command's start-up; the few names used before they are defined are quoted.)

from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, Protocol, TypeVar, overload

_T = TypeVar("_T")


class cached_property(Generic[_T]):
    """:func:`functools.cached_property` without its lock: the value computed on first
    access is put in the instance's ``__dict__``, where later reads find it without
    calling anything. Python 3.11's takes a lock on every first access, shared by
    every instance (3.12 dropped it); a document's parts are each asked for once per
    document, a dozen times per parse (an export's workers spent 2% of their time in
    it). Two threads asking at once may both compute the value: the functions it
    decorates here have no side effects. Raises what the function raises."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> "cached_property[_T]": ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


# Document.column counts a line's characters from its start up to this many bytes in.
_COUNT_FROM_START = 4096


class Span(NamedTuple):
    """Bytes ``start:end`` of the file, on lines ``line`` to ``end_line`` (1-based).

    Spans and every other node are named tuples rather than frozen dataclasses: a
    document holds hundreds of them, a tuple is the cheapest immutable value to build,
    and a named-tuple class costs a fifth of a frozen dataclass to define at import
    (which a one-file ``specbook lint`` pays on every run).
    """

    start: int
    end: int
    line: int
    end_line: int


class Field(NamedTuple):
    """One place where a document states a header value.

    ``key`` is the canonical field name (``status``), ``name`` the name as written
    (``Estado``). ``source`` is one of ``front_matter``, ``bold``, ``table``,
    ``section`` (a ``## Status`` section or a ``## Status: X`` heading),
    ``plain`` (a ``Status: X`` line) or ``sidecar`` (a key of a metadata file beside
    the document, such as ``kep.yaml``). ``value_span`` covers exactly the value's
    bytes, ready for an edit.

    ``value`` is always one line of text: a list is written ``a, b``, a mapping
    ``key: value, key: value`` (:func:`specbook.core.text.render_value`).

    ``file`` is the path (relative to the book root) of the file holding the field
    when that is not the document itself (a sidecar); ``span`` and ``value_span`` are
    then byte offsets and lines of *that* file (see :meth:`Document.bytes_of`).
    """

    key: str
    name: str
    value: str
    source: str
    span: Span
    value_span: Span
    section: str | None = None
    file: str | None = None


class Sidecar(NamedTuple):
    """A metadata file beside a document (``kep.yaml``): its path relative to the book
    root (as given for a file outside a book) and its exact bytes."""

    path: str
    data: bytes


class Section(NamedTuple):
    """A heading and everything under it up to the next heading of its level or higher.

    ``template_name`` is the template heading it matches (``## 1. Summary ✅`` matches
    ``Summary``), or ``None``. ``heading`` spans the heading line(s); ``span`` the
    whole section.
    """

    level: int
    title: str
    template_name: str | None
    heading: Span
    span: Span
    children: "tuple[Section, ...]" = ()

    def walk(self) -> "Iterator[Section]":
        """Yield this section and all sections below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


class Requirement(NamedTuple):
    """``FR-n`` or ``NFR-n`` with its acceptance criteria or target.

    ``criteria`` / ``target`` are ``None`` when the document gives none.
    """

    id: str
    kind: str
    text: str
    criteria: str | None
    target: str | None
    section: str | None
    span: Span
    criteria_span: Span | None = None
    target_span: Span | None = None


class ChecklistItem(NamedTuple):
    """A task-list item; ``marker`` spans the ``[ ]`` / ``[x]`` bytes."""

    checked: bool
    text: str
    section: str | None
    span: Span
    marker: Span


class Cell(NamedTuple):
    """One table cell: its inline text and the span of its bytes (pipes excluded)."""

    text: str
    span: Span


class Table(NamedTuple):
    """A pipe table: header cells and body rows of cells, in the section it stands in."""

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    section: str | None
    span: Span
    row_spans: tuple[Span, ...] = ()


class CodeBlock(NamedTuple):
    language: str
    text: str
    section: str | None
    span: Span
    fenced: bool = True
    closed: bool = True


class Reference(NamedTuple):
    """A mention of another document's ID, optionally of one of its requirements."""

    target: str
    requirement: str | None
    text: str
    section: str | None
    span: Span


class Link(NamedTuple):
    url: str
    text: str
    section: str | None
    span: Span
    image: bool = False


class ReviewEntry(NamedTuple):
    """One row of the Review History table."""

    date: str
    reviewer: str
    status: str
    feedback: str
    span: Span


class Encoding(NamedTuple):
    """Facts about the file's bytes.

    ``newline`` is ``lf``, ``crlf``, ``cr``, ``mixed`` or ``none``;
    ``invalid_utf8`` holds the byte offsets of sequences that are not UTF-8.
    """

    bom: bool
    newline: str
    final_newline: bool
    size: int
    invalid_utf8: tuple[int, ...] = ()


class Problem(NamedTuple):
    """Something the parser noticed about the file itself (not a lint rule).

    Codes: ``invalid-utf8``, ``unclosed-fence``, ``front-matter``, ``binary``,
    ``internal`` (a parser defect, caught so that parsing never raises).
    """

    code: str
    message: str
    span: Span


class DocumentParts(Protocol):
    """Builds the parts of a document that are only made when first asked for."""

    def sections(self) -> tuple[Section, ...]: ...
    def requirements(self) -> tuple[Requirement, ...]: ...
    def references(self) -> tuple[Reference, ...]: ...
    def checklists(self) -> tuple[ChecklistItem, ...]: ...
    def tables(self) -> tuple[Table, ...]: ...
    def code_blocks(self) -> tuple[CodeBlock, ...]: ...
    def links(self) -> tuple[Link, ...]: ...
    def review_history(self) -> tuple[ReviewEntry, ...]: ...


def preorder(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """Every section of the trees ``sections``, in document order, as one tuple."""
    out: list[Section] = []
    stack = list(reversed(sections))  # (a loop: nested generators cost more)
    while stack:
        s = stack.pop()
        out.append(s)
        if s.children:
            stack.extend(reversed(s.children))
    return tuple(out)


@dataclass(frozen=True)
class Document:
    """A parsed Markdown document.

    ``status`` is the value as written; ``status_canonical`` the book's status word
    it maps to, or ``None``. ``source`` holds the file's exact bytes.

    Identity and fields are read when the document is parsed; sections,
    requirements, references, checklists, tables, code blocks, links and review
    history are built from the parse on first access and then kept, so a command
    that needs only IDs and statuses (``list``) does not pay for the rest.
    """

    path: str | None
    kind: str | None
    id: str | None
    title: str
    status: str | None
    status_canonical: str | None
    type: str | None
    fields: tuple[Field, ...]
    encoding: Encoding
    problems: tuple[Problem, ...]
    source: bytes = field(repr=False)
    line_starts: tuple[int, ...] = field(repr=False, default=(0,))
    parts: DocumentParts | None = field(repr=False, compare=False, default=None)
    # the metadata files whose keys are among ``fields`` (see Field.file)
    sidecars: tuple[Sidecar, ...] = field(repr=False, default=())

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        return self.parts.sections() if self.parts else ()

    @cached_property
    def requirements(self) -> tuple[Requirement, ...]:
        return self.parts.requirements() if self.parts else ()

    @cached_property
    def references(self) -> tuple[Reference, ...]:
        return self.parts.references() if self.parts else ()

    @cached_property
    def checklists(self) -> tuple[ChecklistItem, ...]:
        return self.parts.checklists() if self.parts else ()

    @cached_property
    def tables(self) -> tuple[Table, ...]:
        return self.parts.tables() if self.parts else ()

    @cached_property
    def code_blocks(self) -> tuple[CodeBlock, ...]:
        return self.parts.code_blocks() if self.parts else ()

    @cached_property
    def links(self) -> tuple[Link, ...]:
        return self.parts.links() if self.parts else ()

    @cached_property
    def review_history(self) -> tuple[ReviewEntry, ...]:
        return self.parts.review_history() if self.parts else ()

    def field(self, key: str) -> Field | None:
        """The preferred occurrence of field ``key`` (fields are stored best first)."""
        for f in self.fields:
            if f.key == key:
                return f
        return None

    def value(self, key: str) -> str | None:
        """The preferred value of field ``key``, or ``None``."""
        f = self.field(key)
        return None if f is None else f.value

    @cached_property
    def flat_sections(self) -> tuple[Section, ...]:
        """Every section of the tree, in document order, as one tuple."""
        # (the parser's parts flatten it in C when the C module is built)
        flatten = getattr(self.parts, "flat_sections", None) or preorder
        return flatten(self.sections)

    def all_sections(self) -> Iterator[Section]:
        """Every section of the tree, in document order."""
        return iter(self.flat_sections)

    @cached_property
    def derived(self) -> dict[str, Any]:
        """A scratch memo for values several rules derive from the same document."""
        return {}

    def section(self, name: str) -> Section | None:
        """The first section whose template name or title is ``name`` (case-insensitive)."""
        want = name.casefold()
        for s in self.all_sections():
            if (s.template_name or s.title).casefold() == want:
                return s
        return None

    def sections_named(self, name: str) -> list[Section]:
        """Every section a person naming it ``name`` means: its title or template name
        is ``name``, ignoring case, numbering and leading emoji (``Acceptance Criteria``
        names ``## 11. Acceptance Criteria`` and ``## ✅ Acceptance Criteria``)."""
        from specbook.core.text import heading_key

        want = name.strip().casefold()
        key = heading_key(name)
        out = []
        for s in self.all_sections():
            names = (s.title, s.template_name) if s.template_name else (s.title,)
            if any(n.casefold() == want or (key and heading_key(n) == key) for n in names):
                out.append(s)
        return out

    @property
    def metadata(self) -> dict[str, str]:
        """Fields stated in the Metadata section, by canonical key."""
        out: dict[str, str] = {}
        for f in self.fields:
            if f.section == "Metadata" and f.key not in out:
                out[f.key] = f.value
        return out

    @cached_property
    def _ascii(self) -> bool:
        """Whether the file is ASCII (most are: a column is then a byte count)."""
        return self.source.isascii()

    def column(self, offset: int, file: str | None = None) -> int:
        """1-based character column of byte ``offset`` (of ``file``, a sidecar, when
        given; else of the document).

        The characters from the line's start are counted once per line as the offsets
        asked for grow (rules ask in document order): on a line of 1 MB, counting from
        its start for each of its 30,000 references took minutes.
        """
        if file is not None:
            data = self.bytes_of(file)
            start = max(data.rfind(b"\n", 0, offset), data.rfind(b"\r", 0, offset)) + 1
            return len(data[start:offset].decode("utf-8", "replace")) + 1
        i = bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[i] if i >= 0 else 0
        if offset - start <= _COUNT_FROM_START:
            if 0 <= offset <= len(self.source) and (
                self._ascii or self.source[start:offset].isascii()
            ):
                return offset - start + 1  # (a byte is a character: most files, most lines)
            return len(self.source[start:offset].decode("utf-8", "replace")) + 1
        if self._ascii and 0 <= offset <= len(self.source):
            return offset - start + 1
        # (a line's last offset and its column; a piece that starts before a byte that is
        # not a continuation byte decodes to as many characters as it does in the line)
        marks: dict[int, tuple[int, int]] = self.derived.setdefault("column_marks", {})
        at, column = marks.get(start, (start, 1))
        if at > offset or 0x80 <= self.source[at] < 0xC0:
            at, column = start, 1
        column += len(self.source[at:offset].decode("utf-8", "replace"))
        if offset < len(self.source) and not 0x80 <= self.source[offset] < 0xC0:
            marks[start] = (offset, column)
        return column

    def bytes_of(self, file: str | None) -> bytes:
        """The bytes a field's spans point into: the document's own (``file`` is
        ``None``) or the sidecar's at ``file`` (``b""`` for a file it does not have)."""
        if file is None:
            return self.source
        for s in self.sidecars:
            if s.path == file:
                return s.data
        return b""

    @cached_property
    def digest(self) -> str:
        """The content key of the document: its bytes and its sidecars' (what every
        cache keyed by content hash must use; for a document without sidecars it is
        :func:`specbook.core.digest.content_hash` of its bytes)."""
        from specbook.core.digest import source_hash

        return source_hash(self.source, self.sidecars)
