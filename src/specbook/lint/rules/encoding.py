"""Rules about the file's bytes, and files the book does not read."""

from __future__ import annotations

from collections.abc import Iterator

from specbook.core.model import Document, Span
from specbook.lint.facts import BookFacts
from specbook.lint.registry import BookReport, Report, RuleContext, rule


@rule("SB001", "invalid-encoding", severity="error", tags=("encoding",))
def invalid_encoding(doc: Document, ctx: RuleContext) -> Iterator[Report]:
    """Bytes that are not valid UTF-8.

    Why: tools disagree about what such bytes mean; specbook reads the file with a
    replacement character so nothing is dropped, but other readers may choke or
    show garbage.

    Example: a file saved as Latin-1 that contains `caf\\xe9`.

    Fix: re-save the file as UTF-8 in your editor, then check the characters at the
    reported places.
    """
    runs: list[list[int]] = []  # adjacent bad bytes make one finding
    for problem in doc.problems:
        if problem.code != "invalid-utf8":
            continue
        if runs and problem.span.start <= runs[-1][1] + 1:
            runs[-1][1] = problem.span.end
        else:
            runs.append([problem.span.start, problem.span.end, problem.span.line])
    for start, end, line in runs:
        n = end - start
        what = "byte" if n == 1 else f"{n} bytes"
        verb = "is" if n == 1 else "are"
        yield Report(
            Span(start, end, line, line),
            f"{what} at offset {start} {verb} not valid UTF-8; save the file as UTF-8",
        )


@rule("SB002", "skipped-file", severity="error", tags=("encoding", "security"), scope="book")
def skipped_file(book: BookFacts, ctx: RuleContext) -> Iterator[BookReport]:
    """A file in a kind's folder that specbook does not read.

    Why: a symbolic link whose real path lies outside the book (to
    `/proc/self/environ`, `/etc/passwd`, a key in a home folder) would publish that
    file through the portal, the static site and the MCP server; a loop of links
    or a file name that is not valid UTF-8 cannot be read or stored. specbook leaves
    such a file out of every command and reports it here; links that stay inside the
    book are read as usual.

    Example: `docs/specs/environ.md -> /proc/self/environ`; a folder
    `docs/decisions` that is a link to a folder elsewhere; `a.md -> b.md` and
    `b.md -> a.md`; `caf\\xe9.md` saved by a Latin-1 system.

    Fix: put the file itself in the book (or link to one inside it), remove the
    loop, or give the file a UTF-8 name.
    """
    for path, why in sorted(book.skipped.items()):
        if book.focus is None or path in book.focus:
            yield BookReport(path, None, 1, 1, 1, 1, why)
