"""Rules about the file's bytes."""

from __future__ import annotations

from collections.abc import Iterator

from specbook.lint.registry import Report, RuleContext, rule
from specbook.model import Document, Span


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
