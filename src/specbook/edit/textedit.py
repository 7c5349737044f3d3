"""A text editor's save applied to a file's bytes: only the lines the user changed.

The portal's editor works on text: the file decoded, its line endings (LF, CRLF or a
lone CR) all shown as LF, because that is what a browser's text box holds and sends
back. Writing that text out again would rewrite every byte the text cannot show.
Instead :func:`apply_text_edit` diffs the edited text against the text the editor
was given, line by line, and applies the difference to the original bytes: an
untouched line keeps its exact bytes and its own line ending, a changed line keeps
the ending of the line it replaces, a new line takes the file's most common ending,
and a save of unchanged text gives back the original bytes.

:func:`not_editable` says why a file cannot be shown as text without loss (bytes
that are not UTF-8, NUL bytes, which a browser turns into U+FFFD).
"""

from __future__ import annotations

import difflib
import re

from specbook.edit.document import newline_of

BOM = b"\xef\xbb\xbf"
# one line and its ending: CRLF, a lone CR or LF (the last line may have none)
_BYTE_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_TEXT_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")

__all__ = ["apply_text_edit", "editor_text", "normalise", "not_editable"]


def normalise(text: str) -> str:
    """``text`` with every line ending as LF, as a browser's text box submits it (after
    the CRLF of form encoding is read back)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def not_editable(data: bytes) -> str | None:
    """Why the editor cannot show ``data`` as text and save it back unchanged, or
    None when it can."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        return (
            f"the file is not valid UTF-8 (byte 0x{body[exc.start]:02x} on line {line}); "
            "the editor would replace what it cannot read"
        )
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return f"the file holds a NUL byte (line {line}), which a browser cannot keep"
    return None


def editor_text(data: bytes) -> str:
    """The text the editor shows for ``data``: decoded, without its BOM, every line
    ending as LF. Undecodable bytes show as U+FFFD (such a file is read-only, see
    :func:`not_editable`)."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    return normalise(body.decode("utf-8", "replace"))


def _byte_lines(body: bytes) -> list[tuple[bytes, bytes]]:
    """``body`` as (content, ending) pairs; joined they give ``body`` back."""
    out = []
    for m in _BYTE_LINE.finditer(body):
        line = m.group(0)
        if line.endswith(b"\r\n"):
            out.append((line[:-2], b"\r\n"))
        elif line.endswith((b"\r", b"\n")):
            out.append((line[:-1], line[-1:]))
        else:
            out.append((line, b""))
    return out


def _text_lines(text: str) -> list[str]:
    # (not str.splitlines: that also breaks at U+2028, form feeds and other characters
    # the file holds inside a line)
    return _TEXT_LINE.findall(text)


def apply_text_edit(original: bytes, edited: str) -> bytes:
    """The bytes of ``original`` with the edit that turned its editor text (see
    :func:`editor_text`) into ``edited``; ``edited`` may use any line endings.

    ``original`` must be editable (:func:`not_editable` gives None). The result, read
    back as editor text, is ``edited`` with LF endings.
    """
    bom = BOM if original.startswith(BOM) else b""
    body = original[len(bom) :]
    old = _byte_lines(body)
    base = [c.decode("utf-8") + ("\n" if e else "") for c, e in old]
    new = _text_lines(normalise(edited))
    if new == base:
        return original
    nl = newline_of(body)
    # the common head and tail are untouched; diff only what lies between (difflib
    # is quadratic in the lines it compares)
    shorter = min(len(base), len(new))
    head = 0
    while head < shorter and base[head] == new[head]:
        head += 1
    tail = 0
    while tail < shorter - head and base[-1 - tail] == new[-1 - tail]:
        tail += 1
    a, b = base[head : len(base) - tail], new[head : len(new) - tail]
    chunks = [(c + e, False) for c, e in old[:head]]  # (bytes, written anew)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op == "equal":
            chunks += ((c + e, False) for c, e in old[head + i1 : head + i2])
            continue
        for k, line in enumerate(b[j1:j2]):
            if not line.endswith("\n"):
                chunks.append((line.encode("utf-8"), True))  # the last line, without an ending
                continue
            # a changed line keeps the ending of the line it takes the place of
            ending = old[head + i1 + k][1] if i1 + k < i2 else b""
            chunks.append((line[:-1].encode("utf-8") + (ending or nl), True))
    chunks += ((c + e, False) for c, e in old[len(old) - tail :])
    out = [bom]
    fresh = False
    for data, new_line in chunks:
        if data.startswith(b"\n") and out[-1].endswith(b"\r"):
            # a lone CR now followed by an empty LF line would read as one CRLF, a line
            # lost: the line written anew (else the empty one) ends in CRLF instead
            if fresh:
                out[-1] += b"\n"
            else:
                data = b"\r" + data
        out.append(data)
        fresh = new_line
    return b"".join(out)
