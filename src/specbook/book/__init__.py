"""A book: a folder of documents plus its configuration.

:func:`open_book` finds the config by walking up from a folder; :class:`Book`
lists the book's document files, loads them, and finds one by ID or path.

The listing is where every face (CLI, index, lint, portal, site, MCP) gets its
documents, so it is also where files that must not be read are left out: a symbolic
link whose real path lies outside the book (a committed ``environ.md`` pointing at
``/proc/self/environ``), a kind folder that leads outside, a loop of links, and a
file name that is not valid UTF-8. Each is recorded in :attr:`Book.skipped` and
reported once (lint reports them as SB002); links that stay inside the book work.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from specbook.core.config import BookConfig, KindConfig
from specbook.core.confine import (
    BAD_NAME,
    LOOP,
    is_utf8,
    leads_out,
    real_path,
    real_root,
    report_once,
    shown,
    warn_stderr,
    within,
)
from specbook.core.errors import NoBookError, NotFoundError, UsageError
from specbook.core.ids import ambiguous_id, unknown_id
from specbook.core.layout import read_sidecars
from specbook.core.lazyre import lazy_compile
from specbook.core.model import Document, Sidecar
from specbook.parse import parse

_MD_SUFFIXES = (".md", ".markdown")
_DIGITS = lazy_compile(r"\d+")

# ``(bytes, book-relative path, sidecars) -> Document``: how a book makes a document of
# a file it read (see :attr:`Book.reader`).
DocumentReader = Callable[[bytes, str, tuple[Sidecar, ...]], Document]


class Book:
    """The documents under ``config.root``: every Markdown file in a kind's folder.

    ``warn`` is told, once per process, of each file the listing leaves out and why
    (``None``: not told; the reasons are in :attr:`skipped` all the same).
    """

    def __init__(
        self, config: BookConfig, warn: Callable[[str], None] | None = warn_stderr
    ) -> None:
        if config.root is None:
            raise NoBookError("a book needs a root folder")
        self.config = config
        self.root: Path = config.root
        self.root_prefix = str(config.root).rstrip(os.sep) + os.sep
        self.real_root = real_root(config.root)
        self.warn = warn
        # How :meth:`load` and :meth:`find` make a document of the bytes they read:
        # parsed, unless a service above this layer sets the snapshot's reader
        # (:func:`specbook.services.documents.use_snapshot`: the parse the snapshot
        # holds for those bytes, so that a long-lived face parses nothing lint parsed).
        self.reader: DocumentReader | None = None
        # book-relative path (undecodable bytes as \xNN) -> why it is not read, as of
        # the last listing
        self.skipped: dict[str, str] = {}
        # ``**/NAME`` with a plain NAME (the default ``**/README.md``) is a set look-up;
        # other patterns are joined into one expression per kind of match.
        names: set[str] = set()
        bases: list[str] = []
        wholes: list[str] = []
        paths: list[str] = []  # patterns of a path, not of a file name alone
        for pattern in config.exclude:
            base = pattern[3:] if pattern.startswith("**/") else None
            if base is not None and not any(c in base for c in "*?[") and "/" not in base:
                names.add(base)
                continue
            wholes.append(fnmatch.translate(pattern))
            if base is not None:
                bases.append(fnmatch.translate(base))
            if base is None or "/" in base:
                paths.append(fnmatch.translate(pattern))
        self._exclude_names = frozenset(names)
        self._exclude_base = re.compile("|".join(bases)) if bases else None
        self._exclude_whole = re.compile("|".join(wholes)) if wholes else None
        # A folder-per-document's README.md is the document: a name pattern (the
        # default **/README.md) does not hide it; a pattern of its path does.
        self._exclude_path = re.compile("|".join(paths)) if paths else None

    def rel(self, path: Path | str) -> str:
        """``path`` relative to the book root, POSIX style (absolute if outside the book)."""
        text = os.fspath(path)
        if text.startswith(self.root_prefix) and ".." not in text:
            return text[len(self.root_prefix) :].replace(os.sep, "/")  # the common case, cheaply
        try:
            return Path(text).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return text

    def _excluded(self, rel: str) -> bool:
        """Whether ``rel`` matches an ``exclude`` glob: ``**/NAME`` matches NAME in any
        folder; any other pattern matches the whole relative path."""
        name = rel.rsplit("/", 1)[-1]
        if name in self._exclude_names:
            return True
        if self._exclude_base is not None and self._exclude_base.match(name):
            return True
        return self._exclude_whole is not None and self._exclude_whole.match(rel) is not None

    def is_document_path(self, rel: str, kind: KindConfig) -> bool:
        """Whether ``rel`` (a POSIX path relative to the root, in ``kind``'s folder)
        names a document as the listing would take it, by its name alone (for a path
        of another revision, which is not on disk): not excluded, and for a
        folder-per-document kind one of its ``document_names`` in a numbered folder."""
        if kind.layout != "folder":
            return not self._excluded(rel)
        from specbook.core.layout import is_document_folder

        folder, _, name = rel.rpartition("/")
        if name.lower() not in {n.lower() for n in kind.document_names}:
            return False
        base = folder.rpartition("/")[2]
        if not folder or folder == kind.folder.strip("/") or not is_document_folder(base):
            return False
        return self._exclude_path is None or self._exclude_path.match(rel) is None

    def paths(self) -> list[Path]:
        """Every document file of the book, sorted, each listed once."""
        return [Path(p) for p in self.path_strings()]

    def path_strings(self) -> list[str]:
        """:meth:`paths` as plain strings (cheaper for 10,000 files: no Path objects)."""
        seen: set[str] = set()
        skipped: dict[str, str] = {}
        templates = os.path.normpath(os.path.join(self.root, self.config.templates_dir))
        root = str(self.root)
        cut = len(self.root_prefix)
        # (by name alone when every pattern is ``**/NAME``, as the default: no call and
        # no relative path made for each of 10,000 files)
        names = self._exclude_names
        by_name = self._exclude_base is None and self._exclude_whole is None
        excluded = self._excluded if self.config.exclude and not by_name else None
        for kind in self.config.kinds.values():
            folder = os.path.normpath(os.path.join(root, kind.folder))
            if not self._folder_inside(folder, skipped):
                continue
            if kind.layout == "folder":
                self._folder_documents(kind, folder, templates, seen, skipped)
                continue
            stack = [folder]
            while stack:
                try:
                    entries = os.scandir(stack.pop())
                except OSError:
                    continue  # a kind folder that does not exist (yet), or vanished
                with entries:
                    for e in entries:
                        name = e.name
                        if name.endswith(_MD_SUFFIXES) or name.lower().endswith(_MD_SUFFIXES):
                            if name in names or (
                                excluded is not None and excluded(e.path[cut:].replace(os.sep, "/"))
                            ):
                                continue
                            # Only links and non-ASCII names are looked at more closely:
                            # is_symlink() and isascii() make no system call (the type
                            # comes with the folder's listing), so plain files list as fast
                            # as before.
                            if e.is_symlink() or not name.isascii():
                                if self._admit(e, cut, skipped):
                                    seen.add(e.path)
                            elif e.is_file():
                                seen.add(e.path)
                        elif (
                            e.is_dir(follow_symlinks=False)  # (links to folders: not followed)
                            and not name.startswith(".")
                            and e.path != templates
                        ):
                            if is_utf8(name):
                                stack.append(e.path)
                            else:
                                skipped[self._shown(e.path, cut)] = BAD_NAME.format(
                                    what="folder", rest="its documents are not read"
                                )
        self.skipped = skipped
        if skipped:
            self._report(skipped)
        return sorted(seen)

    def _folder_documents(
        self,
        kind: KindConfig,
        folder: str,
        templates: str,
        seen: set[str],
        skipped: dict[str, str],
    ) -> None:
        """Add to ``seen`` the documents of a folder-per-document kind: in each numbered
        folder below ``folder`` (``1440-kubectl-events/``), the first of the kind's
        ``document_names`` it holds. Other Markdown files are the documents' own pages
        or the folder's notes, not documents."""
        from specbook.core.layout import is_document_folder

        order = {n.lower(): i for i, n in reversed(list(enumerate(kind.document_names)))}
        cut = len(self.root_prefix)
        stack = [folder]
        while stack:
            here = stack.pop()
            try:
                entries = os.scandir(here)
            except OSError:
                continue
            best: tuple[int, os.DirEntry[str]] | None = None
            with entries:
                for e in entries:
                    name = e.name
                    rank = order.get(name.lower())
                    if rank is not None:
                        if best is None or rank < best[0]:
                            best = (rank, e)
                    elif (
                        e.is_dir(follow_symlinks=False)
                        and not name.startswith(".")
                        and e.path != templates
                    ):
                        if is_utf8(name):
                            stack.append(e.path)
                        else:
                            skipped[self._shown(e.path, cut)] = BAD_NAME.format(
                                what="folder", rest="its documents are not read"
                            )
            if best is None or here == folder or not is_document_folder(os.path.basename(here)):
                continue
            e = best[1]
            rel = e.path[cut:].replace(os.sep, "/")
            if self._exclude_path is not None and self._exclude_path.match(rel):
                continue
            if e.is_symlink() or not e.name.isascii():
                if self._admit(e, cut, skipped):
                    seen.add(e.path)
            elif e.is_file():
                seen.add(e.path)

    def _shown(self, path: str, cut: int) -> str:
        return shown(path[cut:].replace(os.sep, "/"))

    def _folder_inside(self, folder: str, skipped: dict[str, str]) -> bool:
        """Whether a kind folder lies inside the book once links are resolved (one
        ``realpath`` per kind: a folder such as ``docs/decisions`` may be a link)."""
        real = os.path.realpath(folder)
        if within(real, self.real_root):
            return True
        if os.path.isdir(folder):
            cut = len(self.root_prefix) if folder.startswith(self.root_prefix) else 0
            skipped[self._shown(folder, cut)] = (
                f"the folder leads to {shown(real)}, outside the book at {self.root} (a "
                "symbolic link); its documents are not read. Put the folder itself in the "
                "book, or link to a folder inside it"
            )
        return False

    def _admit(self, e: os.DirEntry[str], cut: int, skipped: dict[str, str]) -> bool:
        """Whether a link or a non-ASCII name is a document to list; records why not
        in ``skipped`` when it is not one to read."""
        if not is_utf8(e.name):
            skipped[self._shown(e.path, cut)] = BAD_NAME.format(what="file", rest="not read")
            return False
        if not e.is_symlink():
            return e.is_file()
        try:
            st = os.stat(e.path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                skipped[self._shown(e.path, cut)] = LOOP
            return False  # a dangling link: nothing to read
        if not stat.S_ISREG(st.st_mode):
            return False
        real = os.path.realpath(e.path)
        if within(real, self.real_root):
            return True  # a link inside the book is a document like any other
        skipped[self._shown(e.path, cut)] = self._leads_out(real)
        return False

    def _leads_out(self, real: str) -> str:
        return leads_out(real, self.root)

    def report_skipped(self, skipped: dict[str, str]) -> None:
        """Tell ``warn`` of files left out by a reader of its own (``adopt``), as the
        listing tells of its own: once per process each."""
        self._report(skipped)

    def _report(self, skipped: dict[str, str]) -> None:
        report_once(self.real_root, skipped, self.warn)

    def may_read(self, path: str | os.PathLike[str], dirs: dict[str, str] | None = None) -> bool:
        """Whether a file named to a command rather than listed (``lint FOLDER``) may
        be read: not when its name is not valid UTF-8, nor when it lies in the book but
        its real path does not (a link leading out). Reports why not, as the listing
        does. ``dirs``: folders' real paths already worked out (see
        :func:`~specbook.core.confine.real_path`), for many files named at once."""
        text = os.path.abspath(path)
        cut = len(self.root_prefix) if text.startswith(self.root_prefix) else 0
        if not is_utf8(text):
            why = BAD_NAME.format(what="file", rest="not read")
        elif cut and not within(
            real := real_path(text, dirs) if dirs is not None else os.path.realpath(text),
            self.real_root,
        ):
            why = self._leads_out(real)
        else:
            return True
        rel = self._shown(text, cut)
        self.skipped[rel] = why
        self._report({rel: why})
        return False

    def contains(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path``'s real path (every link resolved) lies inside the book."""
        return within(os.path.realpath(path), self.real_root)

    def read(self, rel: str) -> bytes:
        """The bytes of the book's file at ``rel`` (relative to the root), for readers
        that take a path from an index, a URL or an ID. Raises :class:`PermissionError`
        when its real path lies outside the book (a link leading out) and
        :class:`OSError` when it cannot be read."""
        full = os.path.join(self.root, rel)
        real = os.path.realpath(full)
        if not within(real, self.real_root):
            raise PermissionError(errno.EACCES, "outside the book (a link leads out)", full)
        with open(real, "rb") as fh:
            return fh.read()

    def load(self, path: Path | str) -> Document:
        """Parse one file of the book, with its sidecar metadata files (the one place a
        book's documents are read from disk: see :mod:`specbook.core.layout`). Raises
        :class:`NotFoundError` when it cannot be read."""
        try:
            with open(path, "rb") as fh:  # (no Path made: 10,000 of them in a big book)
                data = fh.read()
        except OSError as exc:
            raise NotFoundError(f"{path}: cannot read the file ({exc.strerror})") from exc
        rel = self.rel(path)
        return self._document(data, rel, self.sidecars(rel))

    def _document(self, data: bytes, rel: str, sidecars: tuple[Sidecar, ...]) -> Document:
        """The document of a file's bytes: from :attr:`reader` when one is set, else
        parsed."""
        if self.reader is not None:
            return self.reader(data, rel, sidecars)
        return parse(data, rel, self.config, sidecars)

    def sidecars(self, rel: str) -> tuple[Sidecar, ...]:
        """The sidecar metadata files of the document at ``rel`` (relative to the root),
        read (none for most books; see :func:`specbook.core.layout.read_sidecars`)."""
        if not self.config.sidecar_kinds:
            return ()
        from specbook.core.layout import read_sidecars

        return read_sidecars(self.config, rel)

    def sidecar_owners(self) -> dict[str, list[str]]:
        """Every possible sidecar file of the book's documents (absolute path, whether
        it exists or not) -> the documents it belongs to (absolute paths; one, unless
        the kind names one sidecar for every document of a folder): a changed
        ``kep.yaml`` is a change of its document. Empty for most books."""
        if not self.config.sidecar_kinds:
            return {}
        from specbook.core.layout import sidecar_names

        out: dict[str, list[str]] = {}
        for p in self.path_strings():
            for name in sidecar_names(self.config, self.rel(p)):
                out.setdefault(os.path.normpath(os.path.join(self.root, name)), []).append(p)
        return out

    def read_source(self, rel: str) -> tuple[bytes, tuple[Sidecar, ...]]:
        """:meth:`read` with the document's sidecars: what :func:`specbook.parse.parse`
        takes. Raises as :meth:`read` does."""
        return self.read(rel), self.sidecars(rel)

    def documents(self, paths: list[str] | None = None) -> Iterator[Document]:
        """Parse every document of the book (or those of ``paths``, a listing already
        made), in path order."""
        for p in self.path_strings() if paths is None else paths:
            try:
                yield self.load(p)
            except NotFoundError:
                continue  # deleted while we were listing: nothing to show

    def require_documents(self) -> list[str]:
        """:meth:`path_strings`, for a command whose answer about a whole book would be
        empty, and so false, without documents ("no findings", "no documents").

        Raises :class:`UsageError` (exit 2) when the config has no kinds or its kinds'
        folders hold no document, saying where it looked and what to do.
        """
        where = (
            f"set in {self.config.path}"
            if self.config.path
            else "inferred: there is no specbook.toml"
        )
        if not self.config.kinds:
            raise UsageError(
                f"no documents: the book's config ({where}) has no kinds, so no folder "
                "is read for documents; add one ([kinds.SPEC] with prefix and folder), or "
                "let `specbook adopt` infer them from the documents you have (--force "
                "replaces a config)"
            )
        paths = self.path_strings()
        if paths:
            return paths
        folders = ", ".join(self._folder_state(k.folder) for k in self.config.kinds.values())
        raise UsageError(
            f"no documents found under {self.root}: the kinds' folders ({where}) are "
            f"{folders}; `specbook adopt` infers a config from the documents you have, and "
            '`specbook new KIND "Title"` writes a first document'
        )

    def empty_reason(self) -> str | None:
        """Why the book has no documents, as :meth:`require_documents` says it; ``None``
        when it has some. For commands whose empty answer is still a true one (a report
        of 0 documents), to warn with."""
        try:
            self.require_documents()
        except UsageError as exc:
            return str(exc)
        return None

    def _folder_state(self, folder: str) -> str:
        """``folder`` and what it holds, for the error of an empty book."""
        full = os.path.join(self.root, folder)
        if not os.path.isdir(full):
            return f"{folder} (no such folder)"
        hidden = 0
        for _top, dirs, files in os.walk(full):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            hidden += sum(1 for f in files if f.lower().endswith(_MD_SUFFIXES))
            if hidden > 999:
                break
        if hidden:
            rules = ", ".join(self.config.exclude)
            return (
                f"{folder} ({hidden} Markdown file{'s' * (hidden != 1)}, every one left "
                f"out: by [book] exclude = [{rules}], as the templates folder, or as a "
                "link leading outside the book)"
            )
        return f"{folder} (empty)"

    def find(self, ref: str) -> Document:
        """The document with ID ``ref`` (case-insensitive), or at path ``ref``.

        Raises :class:`NotFoundError` naming what was looked for and where (and the
        closest IDs there are; for a path whose real path lies outside the book, a
        symbolic link leading out of it or a file elsewhere, that specbook reads only
        inside the book), and :class:`AmbiguousIdError` when more than one
        document carries the ID: the one lookup every command that takes an ID goes
        through, so none acts on whichever document comes first.
        """
        found = self.find_all(ref)
        if len(found) > 1:
            raise ambiguous_id(ref, found)
        return found[0]

    def find_all(self, ref: str) -> list[Document]:
        """Every document with ID ``ref`` (case-insensitive), by path; or the one at
        path ``ref``. Never empty: raises :class:`NotFoundError` as :meth:`find` does.

        Files named after the ID are parsed first. Once one carries it, the others are
        only read, and parsed when they could carry it too (the ID in their bytes, or
        its number in their path): a book of 10,000 documents is read, not parsed.
        """
        candidate = Path(ref)
        if ref.lower().endswith(_MD_SUFFIXES) or os.sep in ref or "/" in ref:
            if not candidate.is_absolute():
                candidate = Path.cwd() / candidate
            if not self.contains(candidate):
                raise NotFoundError(
                    f"{ref}: outside the book at {self.root} (or a symbolic link leading "
                    "out of it); specbook reads only the book's own files"
                )
            if candidate.is_file():
                return [self.load(candidate)]
            raise NotFoundError(f"{ref}: no such file")
        want = ref.upper()
        paths = self.path_strings()
        # Files named after the ID first: parsing every file is the slow path.
        named = [p for p in paths if _named_after(p, want)]
        found: list[Document] = []
        seen: set[str] = set()  # every ID there is, for the error's "did you mean"
        for p in named:
            doc = self.load(Path(p))
            if doc.id and doc.id.upper() == want:
                found.append(doc)
            elif doc.id:
                seen.add(doc.id)
        skip = set(named)
        others = [p for p in paths if p not in skip]
        if found:
            found.extend(self._also_carrying(want, others))
            return sorted(found, key=lambda d: d.path or "")
        for p in others:
            doc = self.load(Path(p))
            if doc.id and doc.id.upper() == want:
                found.append(doc)
            elif doc.id:
                seen.add(doc.id)
        if found:
            return found
        raise unknown_id(
            ref,
            seen,
            f"in the book at {self.root} "
            f"(looked in {', '.join(k.folder for k in self.config.kinds.values())})",
        )

    def _also_carrying(self, want: str, paths: list[str]) -> list[Document]:
        """The documents among ``paths`` whose ID is ``want`` (upper case). A file is
        parsed only when its bytes hold the ID (any case) or its path holds the ID's
        number (``0042-name/README.md`` for ``KEP-0042``): an ID comes from the text,
        the file name or the folder name."""
        text = re.compile(re.escape(want.encode()), re.IGNORECASE)
        digits = re.search(r"(\d+)$", want)
        number = int(digits.group(1)) if digits else None
        # (a plain search for the ID's digits first: a case-blind one over every file
        # of a big book costs five times as much)
        quick = digits.group(1).encode() if digits else b""
        out: list[Document] = []
        for p in paths:
            rel = self.rel(p)
            by_name = number is not None and any(int(n) == number for n in _DIGITS.findall(rel))
            try:
                with open(p, "rb", buffering=0) as fh:  # (one read: no buffer to fill)
                    data = fh.read()
            except OSError:
                continue  # deleted while we were listing
            if not by_name and (quick not in data or not text.search(data)):
                continue
            # (without its sidecars, as ever; so from the reader only in a book that has
            # none, whose stored parses are of a file's bytes alone)
            doc = (
                parse(data, rel, self.config)
                if self.config.sidecar_kinds
                else self._document(data, rel, ())
            )
            if doc.id and doc.id.upper() == want:
                out.append(doc)
        return out

    def kind(self, name: str) -> KindConfig:
        """The kind called ``name`` (``spec``, ``SPEC``, or its prefix).

        Raises :class:`UsageError` listing the kinds there are.
        """
        want = name.upper()
        for k in self.config.kinds.values():
            if k.name.upper() == want or k.prefix.upper() == want:
                return k
        raise UsageError(f"unknown kind {name!r}; this book has: {', '.join(self.config.kinds)}")

    def used_numbers(self, kind: KindConfig) -> set[int]:
        """Numbers already taken by ``kind``'s IDs: in file names anywhere in the book and
        in the ID field near the top of each file of the kind's folder."""
        from specbook.core.layout import document_name
        from specbook.core.text import name_number

        numbers: set[int] = set()
        name_re = re.compile(rf"^{re.escape(kind.prefix)}-(\d+)(?:\D|$)", re.IGNORECASE)
        field_re = re.compile(
            rb"(?:\*\*ID:?\*\*:?|^id:|^ID:)[ \t]*[`\"']?"
            + re.escape(kind.prefix.encode())
            + rb"-(\d+)",
            re.MULTILINE | re.IGNORECASE,
        )
        for p in self.paths():
            name = p.name
            if self.config.folder_kinds or kind.ids_from_names:
                rel = self.rel(p)
                if self.config.kind_for_path(rel) is kind:
                    name = document_name(kind, rel)
                    numbered = kind.ids_from_names or kind.layout == "folder"
                    number = name_number(name) if numbered else None
                    if number is not None:  # `0001-x.md`, `1440-x/README.md`
                        numbers.add(int(number))
                        continue
            m = name_re.match(name)
            if m:
                numbers.add(int(m.group(1)))
                continue
            try:
                with p.open("rb") as fh:
                    head = fh.read(4096)
            except OSError:
                continue
            fm = field_re.search(head)
            if fm:
                numbers.add(int(fm.group(1)))
        return numbers


def _id_boundary(name: str, n: int) -> bool:
    return len(name) == n or not name[n].isalnum()


def _named_after(path: str, want: str) -> bool:
    """Whether the file at ``path`` is named after ID ``want`` (upper case):
    ``SPEC-004-export.md``, ``spec-004.md``."""
    name = path.rsplit(os.sep, 1)[-1]
    return name.upper().startswith(want) and _id_boundary(name, len(want))


def load(config: BookConfig, path: str | os.PathLike[str], rel: str) -> Document:
    """Read and parse one document of the book with its sidecars (``rel``: its path
    relative to the book root). Raises :class:`OSError` when the file cannot be read."""
    with open(path, "rb") as fh:
        data = fh.read()
    return parse(data, rel, config, read_sidecars(config, rel))
