"""A pure-Python fast path for the simple Markdown that specs are written in.

:func:`scan` reads UTF-8 bytes line by line and returns the same
:class:`~specbook.parse.scan.blocks.Blocks` that
:func:`~specbook.parse.scan.events.event_blocks` would return for the decoded text, or
``None`` whenever the input uses anything it does not reproduce exactly (HTML, block
quotes, setext headings, indented code, lazy continuation lines, entities, backslash
escapes, link reference definitions, footnotes, strikethrough, ambiguous emphasis, tables
inside lists, tabs outside code, CR line ends, ...). ``None``
means "ask pyromark"; it says nothing about the input being wrong.

Handled: ATX headings, paragraphs, thematic breaks, fenced code (also inside list items),
bullet and ordered lists nested by indentation, task list markers, GFM pipe tables at the
top level, and inline ``**strong**``, ``*em*``, ``_em_``, code spans, inline links and
images with plain destinations, URI autolinks and bracketed text that is not a link
(``[Name]``, ``[YYYY-MM-DD]``).

Offsets and texts follow pulldown-cmark's (pyromark's) event ranges, quirks included: a
list item starts where its parent's content column starts and ends at the first line that
is not part of it (so it takes the blank lines after it); missing table cells sit at the
end of their row; a table may interrupt a paragraph; a fenced block ends at its closing
fence (not the newline after it), and an unclosed one drops a last line of up to three
spaces; a code span keeps the indentation of a continuation line; ``- [ ]`` alone is a
task or not depending on the next line (so it is refused).

Speed: lines come from one ``split``; inline texts of headings and list items are checked
and cleaned all at once at the end (one regex over their contents joined by NUL); runs of
one-line bullet items are read in bulk. Anything unusual goes the long way or gives up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import partial
from itertools import islice
from operator import itemgetter

from specbook.parse.scan.blocks import (
    Blocks,
    RawCell,
    RawCode,
    RawHeading,
    RawItem,
    RawLink,
    RawTable,
    RawTask,
)

__all__ = ["scan"]

# A record from a tuple of its fields, without the Python-level __new__ of a named tuple
_new = tuple.__new__


class _Bail(Exception):
    """Raised anywhere to give up on a document."""


# Whole-document refusals: control characters that CommonMark or str.strip() treat
# specially (NUL, CR, vertical tab, form feed, the information separators).
# (Ints, not bytes: `int in bytes` is a plain search, `bytes in bytes` first tries the
# needle as an int and builds and drops a TypeError.)
_CONTROL = (0x0D, 0x00, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F)

# -- block level ---------------------------------------------------------------------------
_FENCE = re.compile(rb"(`{3,}|~{3,})(.*)\Z")
_THEMATIC = re.compile(rb"([-*_])(?: *\1){2,} *\Z")
_ORDERED = re.compile(rb"([0-9]{1,9})[.)]")
# content that would start a block of its own right after a list marker
_ITEM_START = re.compile(rb"(?:[-+*]|[0-9]{1,9}[.)])(?: |\Z)")
_DELIM_LIKE = re.compile(rb"[ :|-]*\Z")
# Two or more top-level bullet items of one line each whose text starts plainly (a task box,
# then a letter, "**" and a letter or digit, or a code span), without trailing spaces: the
# common case, read in bulk.
_BULLET_RUN = re.compile(
    rb"(?:[-*+] (?:\[[ xX]\] )?"
    rb"(?:[^ \n<>#`~|:_=\[*+\-0-9]|\*\*[A-Za-z0-9]|`[^`\n])[^\n]*(?<! )\n){2,}"
)
_DELIM_ROW = re.compile(rb" *\|(?: *:?-+:? *\|)*(?: *:?-+:? *\|?) *\Z")
# first bytes of an item's content that need a closer look
_ITEM_SUSPECT = frozenset(b"<>#`~-+*_[0123456789|:")
# a paragraph's first line that may be a link reference definition (or a footnote one)
_REFDEF = re.compile(rb"\[(?:\^|[^\]]*\]:(?: *\Z| *<| *\S+ *\Z| *\S+ +[\"'(]))")

# -- inline level ------------------------------------------------------------------------
# Inline content that needs no real parsing: plain text, `code` spans whose text neither
# starts nor ends with a space, unambiguous **strong** runs, intraword underscores, "<"
# and "&" that cannot start a tag, autolink or entity, and bracketed text that cannot be
# a link ([Name]). Its text is the content less "**" and backticks.
_EASY_BODY = (
    rb"(?:[^`*_\[\]<&\\~]++"
    rb"|(?<!`)`[^`*\n ](?:[^`*\n]*[^`*\n ])?`(?!`)"
    rb"|(?<![^ \n(])\*\*(?=[A-Za-z0-9])[^`*_\[\]<&\\~]*?(?<=[A-Za-z0-9])\*\*(?=[ \n:,;.)]|\Z)"
    rb"|(?<=[A-Za-z0-9])_+(?=[A-Za-z0-9])"
    rb"|<(?![A-Za-z/!?])"
    rb"|&(?![#A-Za-z0-9]+;)"
    rb"|\[(?!\^)[^`*_\[\]<&\\~\n]*\](?![(\[])"
    rb")*+\Z"
)
_EASY = re.compile(_EASY_BODY)
# The same for many contents at once, joined by NUL (which no document here contains).
_EASY_ALL = re.compile(
    _EASY_BODY.replace(rb"[^`*_\[\]<&\\~]*?", rb"[^`*_\[\]<&\\~\x00]*?")
    .replace(rb"[^`*_\[\]<&\\~\n]*", rb"[^`*_\[\]<&\\~\n\x00]*")
    .replace(rb"[^`*\n ]", rb"[^`*\n \x00]")
    .replace(rb"[^`*\n]*", rb"[^`*\n\x00]*")
    .replace(rb"(?<![^ \n(])", rb"(?<![^ \n(\x00])")
    .replace(rb"(?=[ \n:,;.)]|\Z)", rb"(?=[ \n:,;.)\x00]|\Z)")
)
# The same for the rows of a table joined by newlines, where nothing may span a pipe or
# a newline.
_EASY_TABLE = re.compile(
    _EASY_BODY.replace(rb"[^`*\n]*", rb"[^`*\n|]*")
    .replace(rb"[^`*\n ]", rb"[^`*\n |]")
    .replace(rb"[^`*_\[\]<&\\~]*?", rb"[^`*_\[\]<&\\~|\n]*?")
    .replace(rb"[^`*_\[\]<&\\~\n]*", rb"[^`*_\[\]<&\\~\n|]*")
    .replace(rb"(?<![^ \n(])", rb"(?<![^ \n(|])")
    .replace(rb"(?=[ \n:,;.)]|\Z)", rb"(?=[ \n:,;.)|]|\Z)")
)
# A line break in inline content: pyromark keeps the spaces that start a continuation line
# (past its container's indentation) in code spans, and drops them elsewhere.
_NEWLINE_SPACES = re.compile(rb" *\n *")
# the bytes that can make inline content not plain text (deleting them is a quick test)
_SPECIALS = b"`*_[]<&\\~"
_TICKS = re.compile(rb"`+")
_PLAIN_BAD = re.compile(rb"\\|&[#A-Za-z0-9]+;")
_LT = re.compile(rb"<")
_AUTOLINK = re.compile(rb"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[A-Za-z0-9._~:/?#@!$%+,;=-]*)>")
_BRACKET = re.compile(rb"[\[\]]")
_DEST = re.compile(rb"\(([A-Za-z0-9._~:/?#@!$%+,;=*-]*)\)")
_DELIM_RUN = re.compile(rb"\*+|_+")
_TILDE = re.compile(rb"~")

_SPACE = 0x20
_NL = 0x0A
_STAR = 0x2A
_PUNCT = frozenset(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def scan(work: bytes) -> Blocks | None:
    """:class:`Blocks` of ``work`` exactly as ``event_blocks`` gives them, or ``None``.

    ``work`` is UTF-8 without a BOM. ``None`` means the input uses something this scanner
    does not reproduce exactly; the caller then parses it with pyromark.
    """
    for ch in _CONTROL:
        if ch in work:
            return None
    try:
        return _scan(work)
    except _Bail:
        return None


# -- inline ------------------------------------------------------------------------------


def _text(s: bytes, segs: list[tuple[int, int]] | None, base: int, links: list[RawLink]) -> str:
    """Text of the inline content ``s`` as ``event_blocks`` collects it; links go to ``links``.

    ``s`` is a block's raw inline content: its lines without their container's indentation
    (the first one without any leading space), joined by ``\\n``, the last one without
    trailing spaces. Offsets in ``s`` map to the document through ``segs`` (``(offset in s,
    document offset)`` of each line) or, for one line, ``base``.
    """
    if _EASY.match(s) is not None:
        if 0x60 in s or 0x2A in s:
            s = s.replace(b"**", b"").replace(b"`", b"")
        if segs is not None:
            s = _NEWLINE_SPACES.sub(b" ", s)
        return s.decode()
    return _inline(s, segs, base, links)


def _line_text(s: bytes, off: int, links: list[RawLink]) -> str:
    """:func:`_text` of one line's content ``s`` found at document offset ``off``."""
    if _EASY.match(s) is not None:
        if 0x60 in s or 0x2A in s:
            s = s.replace(b"**", b"").replace(b"`", b"")
        return s.decode()
    return _inline(s, None, off, links)


def _inline(s: bytes, segs: list[tuple[int, int]] | None, base: int, links: list[RawLink]) -> str:
    """:func:`_text` the long way: code spans, autolinks, links, emphasis; or give up."""
    n = len(s)
    # (start, end, replacement) edits to the raw text, in order once sorted.
    edits: list[tuple[int, int, bytes]] = []
    # Atoms: code spans and autolinks, opaque to everything else.
    atoms: list[tuple[int, int]] = []
    if 0x60 in s:
        runs = [(m.start(), m.end()) for m in _TICKS.finditer(s)]
        k = 0
        nr = len(runs)
        while k < nr:
            a, b = runs[k]
            ln = b - a
            for j in range(k + 1, nr):
                c, d = runs[j]
                if d - c == ln:
                    body = s[b:c]
                    if b" \n" in body:
                        raise _Bail
                    body = body.replace(b"\n", b" ")
                    if (
                        len(body) >= 2
                        and body[0] == _SPACE
                        and body[-1] == _SPACE
                        and body.strip(b" ")
                    ):
                        body = body[1:-1]
                    atoms.append((a, d))
                    edits.append((a, d, body))
                    k = j + 1
                    break
            else:
                raise _Bail  # a literal backtick run: could pair across table cells
    if 0x3C in s:  # "<"
        for m in _LT.finditer(s):
            p = m.start()
            if _in(atoms, p):
                continue
            nxt = s[p + 1 : p + 2]
            if nxt.isalpha() or nxt in (b"/", b"!", b"?"):
                am = _AUTOLINK.match(s, p)
                if am is None or _in(atoms, am.end() - 1):
                    raise _Bail
                url = am.group(1)
                atoms.append((p, am.end()))
                edits.append((p, am.end(), url))
                u = url.decode()
                links.append(
                    _new(RawLink, (_map(segs, base, p), _map(segs, base, am.end()), u, u, False))
                )
        atoms.sort()
    # Plain regions: everything outside atoms.
    plain: list[tuple[int, int]] = []
    prev = 0
    for a, b in atoms:
        if a > prev:
            plain.append((prev, a))
        prev = b
    if prev < n:
        plain.append((prev, n))

    tildes = 0
    brackets: list[int] = []
    for a, b in plain:
        if _PLAIN_BAD.search(s, a, b) is not None:
            raise _Bail
        if 0x7E in s:
            tildes += len(_TILDE.findall(s, a, b))
        if 0x5B in s or 0x5D in s:
            brackets.extend(m.start() for m in _BRACKET.finditer(s, a, b))
    if tildes > 1:
        raise _Bail

    # Links: brackets must pair up, without nesting.
    # Link text ranges (scopes for emphasis) and the syntax ranges to skip.
    scopes: list[tuple[int, int]] = []
    skip: list[tuple[int, int]] = []
    if brackets:
        if len(brackets) % 2:
            raise _Bail
        for k in range(0, len(brackets), 2):
            a, b = brackets[k], brackets[k + 1]
            if s[a] != 0x5B or s[b] != 0x5D:
                raise _Bail
            if s[a + 1 : a + 2] == b"^":
                raise _Bail
            after = s[b + 1 : b + 2]
            if after == b"(":
                dm = _DEST.match(s, b + 1)
                if dm is None:
                    raise _Bail
                image = a > 0 and s[a - 1] == 0x21 and not _in(atoms, a - 1)
                ls = a - 1 if image else a
                edits.append((ls, a + 1, b""))
                edits.append((b, dm.end(), b""))
                skip.append((b, dm.end()))
                scopes.append((a + 1, b))
                url = dm.group(1).decode()
                # the text is filled in once emphasis is known
                link = (_map(segs, base, ls), _map(segs, base, dm.end()), url, "", image)
                links.append(_new(RawLink, link))
            elif after == b"[":
                raise _Bail
    # Emphasis.
    if (0x2A in s or 0x5F in s) and _emphasis(s, n, atoms, skip, scopes, edits):
        pass
    edits.sort()
    text = _assemble(s, 0, n, edits)
    if scopes:
        # Fill in link texts (the links appended last, in order of their scopes).
        first = len(links) - len(scopes)
        for k, (a, b) in enumerate(scopes):
            lk = links[first + k]
            links[first + k] = lk._replace(text=_assemble(s, a, b, edits))
    return text


def _emphasis(
    s: bytes,
    n: int,
    atoms: list[tuple[int, int]],
    skip: list[tuple[int, int]],
    scopes: list[tuple[int, int]],
    edits: list[tuple[int, int, bytes]],
) -> bool:
    """Match ``*``/``_`` runs (only the unambiguous cases); matched runs become edits."""
    stacks: dict[int, list[tuple[int, int, int]]] = {}
    for m in _DELIM_RUN.finditer(s):
        a, b = m.start(), m.end()
        if (atoms and _in(atoms, a)) or (skip and _in(skip, a)):
            continue
        ch = s[a]
        pc = s[a - 1] if a > 0 else _SPACE
        nc = s[b] if b < n else _SPACE
        if pc >= 0x80:
            pc = _letter_like(s[:a].decode()[-1])
        if nc >= 0x80:
            nc = _letter_like(s[b:].decode()[0])
        p_ws = pc in (_SPACE, _NL)
        n_ws = nc in (_SPACE, _NL)
        p_punct = pc in _PUNCT
        n_punct = nc in _PUNCT
        left = not n_ws and (not n_punct or p_ws or p_punct)
        right = not p_ws and (not p_punct or n_ws or n_punct)
        if ch == _STAR:
            can_open, can_close = left, right
        else:  # "_" inside a word neither opens nor closes
            can_open = left and (not right or p_punct)
            can_close = right and (not left or n_punct)
        if not can_open and not can_close:
            continue  # literal
        if b - a > 2:
            raise _Bail
        scope = 0
        for k, (sa, sb) in enumerate(scopes):
            if sa <= a < sb:
                scope = k + 1
                break
        stack = stacks.setdefault(scope, [])
        if can_close and stack:
            # The nearest opener must be the same run: then they match (with equal lengths
            # the "rule of 3" never stands in the way).
            oa, ob, och = stack.pop()
            if och != ch or ob - oa != b - a:
                raise _Bail
            edits.append((oa, ob, b""))
            edits.append((a, b, b""))
        elif can_open:
            stack.append((a, b, ch))
        else:
            raise _Bail  # a closer without an opener
    for stack in stacks.values():
        if stack:
            raise _Bail
    return True


def _letter_like(ch: str) -> int:
    """A stand-in byte for a non-ASCII neighbour of ``*`` or ``_``: "a" for a letter, digit
    or mark (neither whitespace nor punctuation to CommonMark); any other gives up."""
    if unicodedata.category(ch)[0] in "LNM":
        return 0x61
    raise _Bail


def _assemble(s: bytes, lo: int, hi: int, edits: list[tuple[int, int, bytes]]) -> str:
    out: list[bytes] = []
    pos = lo
    for a, b, rep in edits:
        if b <= lo or a >= hi:
            continue
        if a > pos:
            out.append(_NEWLINE_SPACES.sub(b" ", s[pos:a]))
        out.append(rep)
        pos = b
    if pos < hi:
        out.append(_NEWLINE_SPACES.sub(b" ", s[pos:hi]))
    return b"".join(out).decode()


def _in(ranges: list[tuple[int, int]], p: int) -> bool:
    return any(a <= p < b for a, b in ranges)


def _map(segs: list[tuple[int, int]] | None, base: int, p: int) -> int:
    if segs is None:
        return base + p
    doc = segs[0][1]
    for sp, dp in segs:
        if sp > p:
            break
        doc = dp + (p - sp)
    return doc


# -- blocks ------------------------------------------------------------------------------


def _para_text(para: list[tuple[int, bytes]], links: list[RawLink], need: bool) -> str:
    """Text of a paragraph given as ``(document offset, content)`` lines.

    Without ``need`` (nobody collects the text), only its links matter.
    """
    if len(para) == 1:
        off, s = para[0]
        s = s.rstrip(b" ")
        if not need and ((0x5B not in s and 0x3C not in s) or _EASY.match(s) is not None):
            return ""
        return _text(s, None, off, links)
    parts = [c for _, c in para]
    parts[-1] = parts[-1].rstrip(b" ")
    s = b"\n".join(parts)
    if not need and ((0x5B not in s and 0x3C not in s) or _EASY.match(s) is not None):
        return ""
    segs: list[tuple[int, int]] = []
    sp = 0
    for off, c in para:
        segs.append((sp, off))
        sp += len(c) + 1
    return _text(s, segs, 0, links)


def _row(
    line: bytes, ls: int, rowend: int, ncols: int, texts: str | None, links: list[RawLink]
) -> list[RawCell]:
    """Cells of the table row ``line`` (starting with ``|``) at document offset ``ls``.

    ``ncols`` < 0 keeps every cell (the header row); otherwise the row is cut or padded
    (with empty cells at ``rowend``) to ``ncols`` cells. ``texts`` is the row's text when
    it is easy (the row less "**" and backticks, decoded), else None.
    """
    body = line.rstrip(b" ")
    if len(body) < 2:
        raise _Bail
    parts = body.split(b"|")
    if body[-1] == 0x7C:  # a trailing pipe: the last cell stops before it
        del parts[-1]
        last_end = -1
    else:  # no trailing pipe: the last cell runs to the end of the line
        last_end = ls + len(line)
    del parts[0]
    if 0 <= ncols < len(parts):
        del parts[ncols:]
        last_end = -1
    row: list[RawCell] = []
    o = ls + 1
    if texts is not None:
        # (the row's text may have one more piece: what follows its trailing pipe)
        for part, text in zip(parts, texts.split("|")[1:], strict=False):
            e = o + len(part)
            row.append(_new(RawCell, (text.strip(" "), o, e)))
            o = e + 1
    else:
        if body.count(b"~") > 1:
            raise _Bail  # strikethrough across cells
        for part in parts:
            e = o + len(part)
            content = part.lstrip(b" ")
            cell = (_text(content.rstrip(b" "), None, e - len(content), links), o, e)
            row.append(_new(RawCell, cell))
            o = e + 1
    if last_end >= 0:
        t0, s0, _ = row[-1]
        row[-1] = _new(RawCell, (t0, s0, last_end))
    while len(row) < ncols:
        row.append(_new(RawCell, ("", rowend, rowend)))
    return row


def _delim_count(line: bytes) -> int:
    """Number of cells of the table delimiter row ``line``, or give up if it is not one."""
    if _DELIM_ROW.match(line) is None:
        raise _Bail
    body = line.strip(b" ")[1:]
    if body.endswith(b"|"):
        body = body[:-1]
    return body.count(b"|") + 1


def _scan(work: bytes) -> Blocks:
    # The texts of headings and items are worked out at the end, all at once, from the
    # (document offset, one-line inline content) of each.
    head_raw: list[tuple[int, bytes]] = []
    item_raw: list[tuple[int, bytes]] = []  # the item's first line
    heading_levels: list[int] = []
    heading_starts: list[int] = []
    heading_ends: list[int] = []
    # items, by index
    item_starts: list[int] = []
    item_ends: list[int] = []
    # the texts of items with more to them than their first line (which is their index)
    item_extra: dict[int, list[int | str]] = {}
    item_markers: list[RawTask | None] = []
    tables: list[RawTable] = []
    codes: list[RawCode] = []
    links: list[RawLink] = []

    total = len(work)
    lines = work.split(b"\n")
    if not lines[-1]:
        lines.pop()
    it = iter(lines)
    pos = 0  # the document offset of the next line
    has_tab = 0x09 in work

    # Open list items, outermost first: their content columns and indexes, and whether
    # they still collect text (not once a list has started inside).
    cols: list[int] = []
    opened: list[int] = []
    collecting: list[bool] = []

    # The open paragraph: (document offset, content) of its lines, the item it belongs to,
    # and whether its text was taken from its first line (into item_raw).
    para: list[tuple[int, bytes]] | None = None
    para_item = -1  # index of the item, or -1 if the text is not collected
    para_first = False

    for line in it:
        ls = pos
        pos += len(line) + 1
        if not line:
            if para is not None:
                if len(para) > 1 or not para_first:
                    _close_para(para, para_item, para_first, item_raw, item_extra, links)
                para = None
            continue
        c = line[0]
        if c == _SPACE:
            stripped = line.lstrip(b" ")
            if not stripped:
                if para is not None:
                    if len(para) > 1 or not para_first:
                        _close_para(para, para_item, para_first, item_raw, item_extra, links)
                    para = None
                continue
            indent = len(line) - len(stripped)
            c = stripped[0]
        else:
            stripped = line
            indent = 0
        if has_tab and 0x09 in line:
            raise _Bail

        # Which open items does this line continue (by indentation)?
        if cols:
            depth = len(cols)
            if indent >= cols[-1]:
                m = depth
                rel = indent - cols[-1]
            else:
                m = 0
                while m < depth and cols[m] <= indent:
                    m += 1
                rel = indent - cols[m - 1] if m else indent
            if rel >= 4:
                if para is not None and m == depth:
                    # paragraph continuation, with the spaces past the item's column
                    para.append((ls + indent - rel, stripped.rjust(len(stripped) + rel)))
                    continue
                raise _Bail  # indented code, or a lazy continuation line
        else:
            depth = m = 0
            rel = indent
            if indent >= 4:
                if para is not None:
                    para.append((ls, line))
                    continue
                raise _Bail  # indented code

        # -- block starts -------------------------------------------------------------
        marker_end = 0  # set for a list item: the end of its marker in `stripped`
        if c == 0x23:  # "#"
            h = stripped.lstrip(b"#")
            level = len(stripped) - len(h)
            if level <= 6 and (not h or h[0] == _SPACE):
                if m:
                    raise _Bail  # a heading inside a list item
                if para is not None:
                    if len(para) > 1 or not para_first:
                        _close_para(para, para_item, para_first, item_raw, item_extra, links)
                    para = None
                if depth:
                    _close_items(0, ls, cols, opened, collecting, item_ends)
                # The content keeps its leading spaces: the text is stripped at the end.
                content = h.rstrip(b" ")
                if content and content[-1] == 0x23:  # a closing sequence?
                    bare = content.rstrip(b"#")
                    if not bare.strip(b" "):
                        content = b""
                    elif bare[-1] == _SPACE:
                        content = bare.rstrip(b" ")
                heading_levels.append(level)
                heading_starts.append(ls + indent)
                heading_ends.append(ls + len(line) + 1)
                head_raw.append((ls + indent + level, content))
                continue
        elif c == 0x2D or c == 0x2A or c == 0x2B:  # "-", "*", "+"
            c1 = stripped[1:2]
            if c1 == b" ":
                marker_end = 1
                if not indent and not has_tab:
                    run = _BULLET_RUN.match(work, ls)
                    if run is not None:
                        # All the run's items but the last: complete, one line each.
                        if para is not None:
                            if len(para) > 1 or not para_first:
                                _close_para(
                                    para, para_item, para_first, item_raw, item_extra, links
                                )
                            para = None
                        if depth:
                            _close_items(0, ls, cols, opened, collecting, item_ends)
                            depth = m = rel = 0
                        run_lines = work[ls : run.end() - 1].split(b"\n")
                        line = run_lines.pop()
                        for run_line in run_lines:
                            end = ls + len(run_line) + 1
                            item_starts.append(ls)
                            item_ends.append(end)
                            if run_line[2] == 0x5B:  # a task box
                                item_markers.append(
                                    _new(RawTask, (run_line[3] != _SPACE, ls + 2, ls + 5))
                                )
                                item_raw.append((ls + 6, run_line[6:]))
                            else:
                                item_markers.append(None)
                                item_raw.append((ls + 2, run_line[2:]))
                            ls = end
                        # The last one is read as usual, below.
                        next(islice(it, len(run_lines), len(run_lines)), None)
                        pos = run.end()
                        stripped = line
                        c = line[0]
            elif not c1:
                raise _Bail  # an empty list item, or a setext underline
            elif (
                c != 0x2B
                and c1[0] == c
                and stripped[2:3] in (c1, b" ")
                and _THEMATIC.match(stripped) is not None
            ):
                if para is not None or m:
                    raise _Bail  # setext heading, or a break inside a list item
                if depth:
                    _close_items(0, ls, cols, opened, collecting, item_ends)
                continue
            elif c == 0x2D and _DELIM_LIKE.match(stripped) is not None:
                raise _Bail  # a table delimiter row or a setext underline
        elif 0x30 <= c <= 0x39:  # a digit
            om = _ORDERED.match(stripped)
            if om is not None:
                c1 = stripped[om.end() : om.end() + 1]
                if c1 == b" ":
                    # (only a list starting at 1 may interrupt a paragraph; otherwise the
                    # line goes on with the paragraph)
                    if para is None or m != depth or int(om.group(1)) == 1:
                        marker_end = om.end()
                elif not c1:
                    raise _Bail  # an empty list item
        elif c == 0x60 or c == 0x7E:  # "`" or "~"
            fm = _FENCE.match(stripped)
            if fm is not None:
                info = fm.group(2)
                if c == 0x60 and 0x60 in info:
                    raise _Bail  # not a fence: inline code
                if 0x5C in info or 0x26 in info:
                    raise _Bail  # escapes or entities in the info string
                if para is not None:
                    if len(para) > 1 or not para_first:
                        _close_para(para, para_item, para_first, item_raw, item_extra, links)
                    para = None
                if depth > m:
                    _close_items(m, ls, cols, opened, collecting, item_ends)
                pos = _fence(
                    work, it, pos, c, len(fm.group(1)), indent - rel, rel, ls + indent,
                    info.strip(b" ").decode(), has_tab, codes,
                )  # fmt: skip
                continue
        elif c == 0x7C or c == 0x3A:  # "|" or ":"
            if _DELIM_LIKE.match(stripped) is not None and (0x7C in stripped or para is not None):
                raise _Bail  # a table delimiter row, or a setext underline
            if c == 0x7C and indent == 0 and (para is None or not depth):
                nl = work.find(b"\n", pos)
                nxt = work[pos:nl] if nl >= 0 else work[pos:]
            else:
                nxt = b""
            if 0x2D in nxt and 0x7C in nxt and _DELIM_LIKE.match(nxt) is not None:
                # A table (it may interrupt a paragraph at the top level).
                if para is not None:
                    if len(para) > 1 or not para_first:
                        _close_para(para, para_item, para_first, item_raw, item_extra, links)
                    para = None
                if depth:
                    _close_items(0, ls, cols, opened, collecting, item_ends)
                pos = _table(work, it, line, ls, pos, tables, links)
                continue
        elif c == 0x3E:  # ">"
            raise _Bail  # a block quote
        elif c == 0x3C and _AUTOLINK.match(stripped) is None:  # "<"
            raise _Bail  # HTML
        elif c == 0x5F:  # "_"
            if _THEMATIC.match(stripped) is not None:
                if para is not None or m:
                    raise _Bail
                if depth:
                    _close_items(0, ls, cols, opened, collecting, item_ends)
                continue
        elif c == 0x3D and para is not None and not stripped.rstrip(b" ").strip(b"="):
            raise _Bail  # a setext underline

        if marker_end:
            # A list item: a space follows its marker.
            content = stripped[marker_end + 1 :]
            if content[:1] == b" ":
                rest = content.lstrip(b" ")
                spaces = 1 + len(content) - len(rest)
                if spaces > 4:
                    raise _Bail  # indented code after the marker
                content = rest
                ccol = indent + marker_end + spaces
            else:
                ccol = indent + marker_end + 1
            if not content:
                raise _Bail  # an empty item
            c0 = content[0]
            if c0 in _ITEM_SUSPECT:
                # The first line must be paragraph text, not another block.
                c1 = content[1:2]
                if c0 == 0x2A or c0 == 0x2D or c0 == 0x2B:  # "*", "-", "+"
                    if c0 == c and c != 0x2B and _THEMATIC.match(stripped) is not None:
                        # "* * *", "- --": a thematic break, not a list item
                        if para is not None or m:
                            raise _Bail
                        if depth:
                            _close_items(0, ls, cols, opened, collecting, item_ends)
                        continue
                    if c1 == b" " or not c1:
                        raise _Bail  # a list marker right after another
                    if c1[0] == c0 and content[2:3] in (c1, b" ") and _THEMATIC.match(content):
                        raise _Bail
                    if c0 == 0x2D and _DELIM_LIKE.match(content) is not None:
                        raise _Bail
                elif c0 == 0x60 or c0 == 0x7E:  # "`", "~"
                    if content[1:3] == content[:1] * 2:
                        raise _Bail  # a fence
                elif c0 <= 0x39 and c0 >= 0x30:  # a digit
                    if _ITEM_START.match(content) is not None:
                        raise _Bail
                elif c0 == 0x23:  # "#"
                    if content.lstrip(b"#")[:1] in (b" ", b""):
                        raise _Bail
                elif c0 == 0x5F:  # "_"
                    if _THEMATIC.match(content) is not None:
                        raise _Bail
                elif c0 == 0x3C:  # "<": an autolink, or HTML
                    if _AUTOLINK.match(content) is None:
                        raise _Bail
                elif c0 == 0x7C or c0 == 0x3A:  # "|", ":"
                    if _DELIM_LIKE.match(content) is not None:
                        raise _Bail
                elif c0 == 0x3E:  # ">": a block quote
                    raise _Bail
            if para is not None and (len(para) > 1 or not para_first):
                _close_para(para, para_item, para_first, item_raw, item_extra, links)
            while len(cols) > m:
                cols.pop()
                collecting.pop()
                item_ends[opened.pop()] = ls
            coff = ls + ccol
            marker: RawTask | None = None
            if c0 == 0x5B:
                if content[2:3] == b"]" and content[1] in b" xX" and not content[3:].strip(b" "):
                    raise _Bail  # "- [ ]" alone: a task or not depends on what follows
                if content[2:4] == b"] " and content[1] in b" xX":
                    rest = content[4:].lstrip(b" ")
                    if not rest:
                        raise _Bail
                    marker = _new(RawTask, (content[1] != _SPACE, coff, coff + 3))
                    coff += len(content) - len(rest)
                    content = rest
                if content[0] == 0x5B and _REFDEF.match(content) is not None:
                    raise _Bail
            para_first = True
            para_item = len(item_starts)
            item_starts.append(ls + indent - rel)
            item_ends.append(0)
            item_markers.append(marker)
            item_raw.append((coff, content.rstrip(b" ")))
            if m:
                collecting[m - 1] = False  # a list starts inside: stop collecting
            cols.append(ccol)
            opened.append(para_item)
            collecting.append(True)
            para = [(coff, content)]
            continue

        # -- paragraph text ---------------------------------------------------------
        if para is not None:
            if m != depth:
                raise _Bail  # lazy continuation
            if rel:
                para.append((ls + indent - rel, stripped.rjust(len(stripped) + rel)))
            else:
                para.append((ls + indent, stripped))
            continue
        if c == 0x5B and _REFDEF.match(stripped) is not None:
            raise _Bail
        if depth > m:
            _close_items(m, ls, cols, opened, collecting, item_ends)
        para = [(ls + indent, stripped)]
        para_item = opened[m - 1] if m and collecting[m - 1] else -1
        para_first = False

    # -- end of document ---------------------------------------------------------------
    if para is not None and (len(para) > 1 or not para_first):
        _close_para(para, para_item, para_first, item_raw, item_extra, links)
    if cols:
        _close_items(0, total, cols, opened, collecting, item_ends)

    htexts = map(str.strip, _texts(head_raw, links))
    itexts = _texts(item_raw, links)
    for n, parts in item_extra.items():  # items with a text of several paragraphs or lines
        first = itexts[n]
        itexts[n] = "".join(first if isinstance(p, int) else p for p in parts)
    if len(links) > 1:
        links.sort(key=lambda lk: lk[0])
    # A last line without a newline ends at the end of the document, not after it.
    if heading_ends and heading_ends[-1] > total:
        heading_ends[-1] = total
    return Blocks(
        list(map(_HEADING, zip(heading_levels, heading_starts, heading_ends, htexts, strict=True))),
        list(map(_ITEM, zip(item_starts, item_ends, itexts, item_markers, strict=True))),
        tables,
        codes,
        [],
        links,
    )


_HEADING = partial(_new, RawHeading)
_ITEM = partial(_new, RawItem)


def _texts(raw: list[tuple[int, bytes]], links: list[RawLink]) -> list[str]:
    """Texts of one-line inline contents given as ``(document offset, content)``."""
    if not raw:
        return []
    blob = b"\x00".join(map(itemgetter(1), raw))
    if len(blob.translate(None, _SPECIALS)) == len(blob):
        return blob.decode().split("\x00")
    if _EASY_ALL.match(blob) is not None:
        if 0x60 in blob or 0x2A in blob:
            blob = blob.replace(b"**", b"").replace(b"`", b"")
        return blob.decode().split("\x00")
    return [_line_text(r, o, links) for o, r in raw]


def _close_para(
    para: list[tuple[int, bytes]],
    item: int,
    first: bool,
    item_raw: list[tuple[int, bytes]],
    item_extra: dict[int, list[int | str]],
    links: list[RawLink],
) -> None:
    """Close a paragraph whose text was not taken from its first line already.

    ``item`` is the index of the item collecting its text (or -1); ``first`` tells that
    the paragraph is the item's first, whose first line is in ``item_raw``.
    """
    if item < 0:
        _para_text(para, links, False)  # for its links
        return
    text = _para_text(para, links, True)
    if first:
        # The item's first paragraph goes on over more lines: its text replaces the first
        # line's (made empty so that it adds no links).
        item_raw[item] = (item_raw[item][0], b"")
        item_extra[item] = [text]
        return
    parts = item_extra.get(item)
    if parts is None:
        item_extra[item] = [item, text]
    else:
        parts.append(text)


def _close_items(
    depth: int,
    end: int,
    cols: list[int],
    opened: list[int],
    collecting: list[bool],
    ends: list[int],
) -> None:
    """Close the open items deeper than ``depth``; they end at ``end``."""
    while len(cols) > depth:
        cols.pop()
        collecting.pop()
        ends[opened.pop()] = end


def _fence(
    work: bytes,
    it: Iterator[bytes],
    body_start: int,
    fch: int,
    flen: int,
    fcol: int,
    findent: int,
    fstart: int,
    info: str,
    has_tab: bool,
    codes: list[RawCode],
) -> int:
    """Read the rest of a fenced code block from ``it``; its body starts at ``body_start``.

    ``fcol`` is the content column of the list item holding it (0 at the top level) and
    ``findent`` the fence's own indentation. Returns the offset of the next line.
    """
    total = len(work)
    verbatim = not fcol and not findent
    parts: list[bytes] = []
    pos = body_start
    for line in it:
        ls = pos
        pos += len(line) + 1
        stripped = line.lstrip(b" ")
        indent = len(line) - len(stripped)
        if stripped:
            if indent < fcol:
                raise _Bail  # the list item ends, and the unclosed fence with it
            if stripped[0] == fch and indent - fcol <= 3:
                closer = stripped.rstrip(b" ")
                if len(closer) >= flen and not closer.strip(stripped[:1]):
                    text = work[body_start:ls] if verbatim else b"".join(parts)
                    codes.append(_new(RawCode, (fstart, ls + len(line), info, text.decode(), True)))
                    return pos
        if has_tab and 0x09 in line and (not verbatim or fch in line):
            raise _Bail  # tabs in indentation, or around a fence
        if verbatim:
            continue
        rel = line[fcol:]
        if findent:
            n = len(rel) - len(rel.lstrip(b" "))
            rel = rel[min(n, findent) :]
        if ls + len(line) < total:
            parts.append(rel + b"\n")
        elif stripped or len(line) - fcol >= 4:
            parts.append(rel)  # (a last line of up to 3 spaces, and no newline, is dropped)
    # Unclosed: the block runs to the end of the document.
    if verbatim:
        text = work[body_start:] if body_start < total else b""
        last = text.rfind(b"\n") + 1
        if not work.endswith(b"\n") and len(text) - last < 4 and not text[last:].strip(b" "):
            text = text[:last]  # a last line of up to 3 spaces, and no newline, is dropped
    else:
        text = b"".join(parts)
    codes.append(_new(RawCode, (fstart, total, info, text.decode(), True)))
    return pos


def _table(
    work: bytes,
    it: Iterator[bytes],
    header: bytes,
    ls: int,
    pos: int,
    tables: list[RawTable],
    links: list[RawLink],
) -> int:
    """Read a table whose header row ``header`` starts at ``ls``; ``it`` is at its delimiter
    row, at offset ``pos``. The table must end at a blank line or at the end of the
    document. Returns the offset of the line after the ones read."""
    total = len(work)
    delim = next(it)
    ncols = _delim_count(delim)
    body_start = pos = pos + len(delim) + 1
    block: list[bytes] = []
    for line in it:
        pos += len(line) + 1
        if not line:
            break
        if line[0] != 0x7C:
            if line.strip(b" "):
                raise _Bail  # the table would go on with this line
            break
        if 0x09 in line:
            raise _Bail
        block.append(line)
    block.append(header)
    joined = b"\n".join(block)
    texts: list[str] | list[None]
    if len(joined.translate(None, _SPECIALS)) == len(joined) or _EASY_TABLE.match(joined):
        if 0x60 in joined or 0x2A in joined:
            joined = joined.replace(b"**", b"").replace(b"`", b"")
        texts = joined.decode().split("\n")
    else:
        texts = [None] * len(block)
    header_row = _row(header, ls, ls + len(header) + 1, -1, texts[-1], links)
    if len(header_row) != ncols:
        raise _Bail
    rows = [header_row]
    end = rs = body_start
    for n in range(len(block) - 1):
        line = block[n]
        end = rs + len(line) + 1
        rows.append(_row(line, rs, end if end <= total else total, ncols, texts[n], links))
        rs = end
    tables.append(_new(RawTable, (ls, end if end <= total else total, rows)))
    return pos
