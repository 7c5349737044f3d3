/* specbook.parse.scan._cscan: specbook.parse.scan.fast.scan in C.
 *
 * scan(work: bytes) -> None | (headings, items, tables, codes, html, links)
 * line_starts(data: bytes) -> tuple of line start offsets (scan.lines.line_starts)
 * Spans(span_type, line_starts) -> span(start, end) (scan.lines.line_spans's closure;
 *     picklable)
 *
 * scan is a line-by-line port of fast.py's block scanner (without its bulk path for runs
 * of one-line bullet items, which gives what the line-by-line path gives). The rule:
 * whenever it returns a tuple, that tuple is equal, element for element, to the Blocks
 * that fast.scan returns for the same input; whenever it is not sure it returns None and
 * the caller asks fast.scan (and then pyromark). It gives up in more cases than fast.py:
 * on input that is not valid UTF-8, on inline content that is not "easy" in the sense of
 * fast.py's _EASY pattern (fast.py then goes the long way through _inline; here that is a
 * bail, so `links` and `html` are always empty), and on any line that starts with "<"
 * (HTML, or an autolink, which is never easy). All decisions are made on ASCII bytes;
 * texts are decoded as UTF-8 only after the whole input was checked to be valid UTF-8.
 *
 * tests/test_cscan.py holds it to fast.py (real, generated, random and edited documents).
 * Each function below names the fast.py function or regular expression it mirrors.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h> /* (contains_any_ci's sixteen places at a time) */
#endif

#define BAIL (-1) /* give up: return None */
#define ERR (-2)  /* a Python exception is set (MemoryError) */

#define TRY(x)                                                                                   \
    do {                                                                                         \
        int r_ = (x);                                                                            \
        if (r_ < 0)                                                                              \
            return r_;                                                                           \
    } while (0)

typedef Py_ssize_t ssz;
typedef unsigned char uchar;

typedef struct {
    ssz level, start, end;
    ssz cs, ce; /* the inline content in work */
} Head;

typedef struct {
    ssz start, end;
    ssz ms;        /* task marker start */
    ssz rs, re;    /* the first line's inline content in work (fast.py's item_raw) */
    int marker;    /* has a task marker */
    int checked;   /* the task marker is checked */
    PyObject *extra; /* texts of later lines / paragraphs (fast.py's item_extra), or NULL */
} Item;

typedef struct {
    ssz s, e;
} Range;

typedef struct {
    ssz col;     /* content column */
    ssz opened;  /* item index */
    int collecting;
} Open;

typedef struct {
    const uchar *w;
    ssz total;
    int ascii;
    int has_tab;

    Head *heads;
    ssz nheads, cheads;
    Item *items;
    ssz nitems, citems;
    Range *para; /* the open paragraph's lines */
    ssz npara, cpara;
    int para_open;
    ssz para_item;
    int para_first;
    Open *open; /* open list items, outermost first */
    ssz depth, cdepth;
    Range *rows; /* a table's body rows */
    ssz nrows, crows;

    PyObject *tables;
    PyObject *codes;
    uchar *buf;  /* scratch: a paragraph's lines joined */
    uchar *buf2; /* scratch: a text less its markup */
} S;

/* -- helpers -------------------------------------------------------------------------- */

static int
grow(void **p, ssz *cap, size_t size)
{
    ssz nc = *cap ? *cap * 2 : 32;
    void *q = PyMem_Realloc(*p, (size_t)nc * size);
    if (q == NULL) {
        PyErr_NoMemory();
        return ERR;
    }
    *p = q;
    *cap = nc;
    return 0;
}

#define RESERVE(ptr, n, cap)                                                                     \
    do {                                                                                         \
        if ((n) >= (cap))                                                                        \
            TRY(grow((void **)&(ptr), &(cap), sizeof(*(ptr))));                                  \
    } while (0)

static inline int
is_digit(uchar c)
{
    return c >= '0' && c <= '9';
}

static inline int
is_alpha(uchar c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
is_alnum(uchar c)
{
    return is_digit(c) || is_alpha(c);
}

/* fast.py's _SPECIALS: ` * _ [ ] < & \ ~ */
static uchar SPECIAL[256];
/* fast.py's _ITEM_SUSPECT: < > # ` ~ - + * _ [ 0-9 | : */
static uchar SUSPECT[256];

static void
init_tables(void)
{
    const char *sp = "`*_[]<&\\~";
    const char *su = "<>#`~-+*_[0123456789|:";
    for (; *sp; sp++)
        SPECIAL[(uchar)*sp] = 1;
    for (; *su; su++)
        SUSPECT[(uchar)*su] = 1;
}

static int
all_spaces(const uchar *s, ssz n)
{
    for (ssz i = 0; i < n; i++)
        if (s[i] != ' ')
            return 0;
    return 1;
}

/* Whether s is pure ASCII; else whether it is valid UTF-8 as Python's strict decoder
   reads it (no overlong forms, no surrogates, nothing past U+10FFFF). */
static int
check_utf8(const uchar *s, ssz n, int *ascii)
{
    ssz i = 0;
    *ascii = 1;
    while (i + 8 <= n) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        if (v & UINT64_C(0x8080808080808080))
            break;
        i += 8;
    }
    while (i < n) {
        uchar c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        *ascii = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80)
                return 0;
            i += 2;
        }
        else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 >= n)
                return 0;
            uchar c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
                return 0;
            if (c == 0xE0 && c1 < 0xA0)
                return 0; /* overlong */
            if (c == 0xED && c1 > 0x9F)
                return 0; /* surrogate */
            i += 3;
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 >= n)
                return 0;
            uchar c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
                return 0;
            if (c == 0xF0 && c1 < 0x90)
                return 0; /* overlong */
            if (c == 0xF4 && c1 > 0x8F)
                return 0; /* past U+10FFFF */
            i += 4;
        }
        else {
            return 0;
        }
    }
    return 1;
}

/* A tuple of ints, strings, None, booleans and such tuples can never be part of a
   reference cycle: the garbage collector itself untracks it at its first look. Doing it
   at once spares the collections that the many tuples of a scan would trigger. */
static inline PyObject *
untracked(PyObject *tup)
{
    PyObject_GC_UnTrack(tup);
    return tup;
}

/* The named tuple types of specbook.parse.scan.blocks, given once by set_types() (the
   registry in specbook.parse.scan does it on import): the records are made as those types
   directly, as the Python scanners make them. */
static PyTypeObject *T_blocks, *T_heading, *T_item, *T_task, *T_cell, *T_table, *T_code;

/* A tuple of `type` (a tuple subclass of n fields) of the n references in parts, which it
   takes over (also when it fails); NULL, with a Python exception set, when one of them or
   the tuple could not be made. */
static PyObject *
pack(PyTypeObject *type, ssz n, PyObject **parts)
{
    PyObject *tup = NULL;
    for (ssz i = 0; i < n; i++) {
        if (parts[i] == NULL)
            goto fail;
    }
    tup = type->tp_alloc(type, n);
    if (tup == NULL)
        goto fail;
    for (ssz i = 0; i < n; i++)
        PyTuple_SET_ITEM(tup, i, parts[i]);
    return tup;
fail:
    for (ssz i = 0; i < n; i++)
        Py_XDECREF(parts[i]);
    return NULL;
}

static PyObject *
mkstr(S *st, const uchar *p, ssz n)
{
    if (st->ascii) {
        PyObject *u = PyUnicode_New(n, 127);
        if (u != NULL && n)
            memcpy(PyUnicode_1BYTE_DATA(u), p, (size_t)n);
        return u;
    }
    return PyUnicode_DecodeUTF8((const char *)p, n, "strict");
}

/* -- block-level patterns --------------------------------------------------------------- */

/* _THEMATIC: ([-*_])(?: *\1){2,} *\Z */
static int
thematic(const uchar *s, ssz n)
{
    if (n < 3)
        return 0;
    uchar ch = s[0];
    if (ch != '-' && ch != '*' && ch != '_')
        return 0;
    ssz count = 0;
    for (ssz i = 0; i < n; i++) {
        if (s[i] == ch)
            count++;
        else if (s[i] != ' ')
            return 0;
    }
    return count >= 3;
}

/* _DELIM_LIKE: [ :|-]*\Z */
static int
delim_like(const uchar *s, ssz n)
{
    for (ssz i = 0; i < n; i++) {
        uchar c = s[i];
        if (c != ' ' && c != ':' && c != '|' && c != '-')
            return 0;
    }
    return 1;
}

/* _ITEM_START: (?:[-+*]|[0-9]{1,9}[.)])(?: |\Z) */
static int
item_start(const uchar *s, ssz n)
{
    ssz k;
    if (n == 0)
        return 0;
    if (s[0] == '-' || s[0] == '+' || s[0] == '*') {
        k = 1;
    }
    else {
        k = 0;
        while (k < n && k < 10 && is_digit(s[k]))
            k++;
        if (k == 0 || k > 9 || k >= n || (s[k] != '.' && s[k] != ')'))
            return 0;
        k++;
    }
    return k == n || s[k] == ' ';
}

/* _REFDEF: \[(?:\^|[^\]]*\]:(?: *\Z| *<| *\S+ *\Z| *\S+ +["'(])) on a line (no newline;
   a tab makes the caller give up before this is asked). */
static int
refdef(const uchar *s, ssz n)
{
    if (n < 2 || s[0] != '[')
        return 0;
    if (s[1] == '^')
        return 1;
    ssz i = 1;
    while (i < n && s[i] != ']')
        i++;
    if (i + 1 >= n || s[i + 1] != ':')
        return 0;
    i += 2;
    while (i < n && s[i] == ' ')
        i++;
    if (i == n || s[i] == '<')
        return 1;
    while (i < n && s[i] != ' ' && s[i] != '\t')
        i++;
    ssz sp = i;
    while (i < n && s[i] == ' ')
        i++;
    if (i == n)
        return 1;
    return i > sp && (s[i] == '"' || s[i] == '\'' || s[i] == '(');
}

/* _delim_count / _DELIM_ROW:  *\|(?: *:?-+:? *\|)*(?: *:?-+:? *\|?) *\Z
   The number of cells, or -1 if the line is no delimiter row. */
static ssz
delim_count(const uchar *s, ssz n)
{
    ssz i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (i >= n || s[i] != '|')
        return -1;
    i++;
    ssz e = n;
    while (e > i && s[e - 1] == ' ')
        e--;
    if (e > i && s[e - 1] == '|')
        e--;
    ssz cells = 0;
    for (;;) {
        /* one cell:  *:?-+:? *  up to the next pipe or e */
        ssz j = i;
        while (j < e && s[j] == ' ')
            j++;
        if (j < e && s[j] == ':')
            j++;
        ssz d = j;
        while (j < e && s[j] == '-')
            j++;
        if (j == d)
            return -1;
        if (j < e && s[j] == ':')
            j++;
        while (j < e && s[j] == ' ')
            j++;
        cells++;
        if (j == e)
            return cells;
        if (s[j] != '|')
            return -1;
        i = j + 1;
    }
}

/* -- inline ------------------------------------------------------------------------------ */

/* _EASY (table=0) and _EASY_TABLE (table=1), a possessive (...)*+\Z: at each position the
   first alternative that matches is taken, and the content is easy when that reaches
   the end. 0: not easy; EASY_PLAIN: easy, without code spans or strong text (its text
   is itself); EASY_MARKUP: easy, with some (see clean()). */
#define EASY_PLAIN 1
#define EASY_MARKUP 2

static int
easy(const uchar *s, ssz n, int table)
{
    ssz p = 0;
    int markup = 0;
    while (p < n) {
        uchar c = s[p];
        if (!SPECIAL[c]) {
            p++;
            continue;
        }
        switch (c) {
        case '`': {
            /* (?<!`)`[^`*\n ](?:[^`*\n]*[^`*\n ])?`(?!`)  (and no | in a table) */
            if (p > 0 && s[p - 1] == '`')
                return 0;
            if (p + 1 >= n)
                return 0;
            uchar c1 = s[p + 1];
            if (c1 == '`' || c1 == '*' || c1 == '\n' || c1 == ' ' || (table && c1 == '|'))
                return 0;
            ssz q = p + 2;
            while (q < n && s[q] != '`' && s[q] != '*' && s[q] != '\n' && !(table && s[q] == '|'))
                q++;
            if (q >= n || s[q] != '`' || s[q - 1] == ' ')
                return 0;
            if (q + 1 < n && s[q + 1] == '`')
                return 0;
            p = q + 1;
            markup = 1;
            break;
        }
        case '*': {
            /* (?<![^ \n(])\*\*(?=[A-Za-z0-9])[^`*_\[\]<&\\~]*?(?<=[A-Za-z0-9])\*\*
               (?=[ \n:,;.)]|\Z)  (with | as a boundary, and no | or \n inside, in a table) */
            if (p > 0) {
                uchar b = s[p - 1];
                if (b != ' ' && b != '\n' && b != '(' && !(table && b == '|'))
                    return 0;
            }
            if (p + 2 >= n || s[p + 1] != '*' || !is_alnum(s[p + 2]))
                return 0;
            ssz q = p + 2;
            while (q < n && !SPECIAL[s[q]] && !(table && (s[q] == '|' || s[q] == '\n')))
                q++;
            if (q + 1 >= n || s[q] != '*' || s[q + 1] != '*' || !is_alnum(s[q - 1]))
                return 0;
            if (q + 2 < n) {
                uchar a = s[q + 2];
                if (a != ' ' && a != '\n' && a != ':' && a != ',' && a != ';' && a != '.' &&
                    a != ')' && !(table && a == '|'))
                    return 0;
            }
            p = q + 2;
            markup = 1;
            break;
        }
        case '_': {
            /* (?<=[A-Za-z0-9])_+(?=[A-Za-z0-9]) */
            if (p == 0 || !is_alnum(s[p - 1]))
                return 0;
            ssz q = p;
            while (q < n && s[q] == '_')
                q++;
            if (q >= n || !is_alnum(s[q]))
                return 0;
            p = q;
            break;
        }
        case '<':
            /* <(?![A-Za-z/!?]) */
            if (p + 1 < n) {
                uchar c1 = s[p + 1];
                if (is_alpha(c1) || c1 == '/' || c1 == '!' || c1 == '?')
                    return 0;
            }
            p++;
            break;
        case '&': {
            /* &(?![#A-Za-z0-9]+;) */
            ssz q = p + 1;
            while (q < n && (s[q] == '#' || is_alnum(s[q])))
                q++;
            if (q > p + 1 && q < n && s[q] == ';')
                return 0;
            p++;
            break;
        }
        case '[': {
            /* \[(?!\^)[^`*_\[\]<&\\~\n]*\](?![(\[])  (and no | in a table) */
            if (p + 1 < n && s[p + 1] == '^')
                return 0;
            ssz q = p + 1;
            while (q < n && !SPECIAL[s[q]] && s[q] != '\n' && !(table && s[q] == '|'))
                q++;
            if (q >= n || s[q] != ']')
                return 0;
            if (q + 1 < n && (s[q + 1] == '(' || s[q + 1] == '['))
                return 0;
            p = q + 1;
            break;
        }
        default: /* ] \ ~ */
            return 0;
        }
    }
    return markup ? EASY_MARKUP : EASY_PLAIN;
}

/* The text of easy content: less "**" and backticks (in easy content every "*" is half of
   a "**" and every backtick delimits a code span). With `lines`, each line break and the
   spaces around it become one space (fast.py's _NEWLINE_SPACES). Writes to out; returns
   the length. */
static ssz
clean(const uchar *s, ssz n, uchar *out, int lines)
{
    ssz o = 0;
    ssz i = 0;
    while (i < n) {
        uchar c = s[i];
        if (c == '*' || c == '`') {
            i++;
            continue;
        }
        if (lines && (c == ' ' || c == '\n')) {
            ssz j = i;
            int nl = 0;
            while (j < n && (s[j] == ' ' || s[j] == '\n')) {
                nl |= s[j] == '\n';
                j++;
            }
            if (nl) {
                out[o++] = ' ';
            }
            else {
                memcpy(out + o, s + i, (size_t)(j - i));
                o += j - i;
            }
            i = j;
            continue;
        }
        out[o++] = c;
        i++;
    }
    return o;
}

/* The text of one line of inline content (fast.py's _texts / _line_text), or BAIL. */
static int
line_text(S *st, const uchar *s, ssz n, PyObject **out)
{
    int e = easy(s, n, 0);
    if (!e)
        return BAIL;
    if (e == EASY_PLAIN) {
        *out = mkstr(st, s, n);
    }
    else {
        ssz m = clean(s, n, st->buf2, 0);
        *out = mkstr(st, st->buf2, m);
    }
    return *out ? 0 : ERR;
}

/* -- paragraphs and items --------------------------------------------------------------- */

/* fast.py's _para_text: the text of the open paragraph (into *out when need), or BAIL
   when it holds anything but easy content that could make a link. */
static int
para_text(S *st, int need, PyObject **out)
{
    const uchar *w = st->w;
    uchar *b = st->buf;
    ssz n = 0;
    for (ssz i = 0; i < st->npara; i++) {
        if (i)
            b[n++] = '\n';
        ssz len = st->para[i].e - st->para[i].s;
        memcpy(b + n, w + st->para[i].s, (size_t)len);
        n += len;
    }
    while (n > 0 && b[n - 1] == ' ')
        n--;
    if (!need) {
        if (memchr(b, '[', (size_t)n) == NULL && memchr(b, '<', (size_t)n) == NULL)
            return 0;
        return easy(b, n, 0) ? 0 : BAIL;
    }
    int e = easy(b, n, 0);
    if (!e)
        return BAIL;
    if (e == EASY_PLAIN && st->npara == 1) {
        *out = mkstr(st, b, n);
    }
    else {
        ssz m = clean(b, n, st->buf2, st->npara > 1);
        *out = mkstr(st, st->buf2, m);
    }
    return *out ? 0 : ERR;
}

/* fast.py's _close_para (the caller checks that it is due). */
static int
close_para(S *st)
{
    ssz item = st->para_item;
    if (item < 0)
        return para_text(st, 0, NULL);
    PyObject *text = NULL;
    TRY(para_text(st, 1, &text));
    Item *it = &st->items[item];
    if (st->para_first) {
        /* the item's first paragraph goes on over more lines: its text replaces the
           first line's */
        it->re = it->rs;
        Py_XDECREF(it->extra);
        it->extra = PyList_New(0);
        if (it->extra == NULL) {
            Py_DECREF(text);
            return ERR;
        }
    }
    else if (it->extra == NULL) {
        it->extra = PyList_New(0);
        if (it->extra == NULL) {
            Py_DECREF(text);
            return ERR;
        }
    }
    int r = PyList_Append(it->extra, text);
    Py_DECREF(text);
    return r < 0 ? ERR : 0;
}

/* para = None, closing it first when its text was not taken from its first line. */
static int
flush_para(S *st)
{
    if (st->para_open) {
        st->para_open = 0;
        if (st->npara > 1 || !st->para_first)
            TRY(close_para(st));
    }
    return 0;
}

static int
para_start(S *st, ssz s, ssz e)
{
    st->npara = 0;
    RESERVE(st->para, st->npara, st->cpara);
    st->para[0].s = s;
    st->para[0].e = e;
    st->npara = 1;
    st->para_open = 1;
    return 0;
}

static int
para_add(S *st, ssz s, ssz e)
{
    RESERVE(st->para, st->npara, st->cpara);
    st->para[st->npara].s = s;
    st->para[st->npara].e = e;
    st->npara++;
    return 0;
}

/* fast.py's _close_items */
static void
close_items(S *st, ssz depth, ssz end)
{
    while (st->depth > depth) {
        st->depth--;
        st->items[st->open[st->depth].opened].end = end;
    }
}

/* -- fenced code ----------------------------------------------------------------------- */

static int
add_code(S *st, ssz start, ssz end, PyObject *info, const uchar *text, ssz tlen)
{
    PyObject *parts[5] = {PyLong_FromSsize_t(start), PyLong_FromSsize_t(end), Py_NewRef(info),
                          mkstr(st, text, tlen), Py_NewRef(Py_True)};
    PyObject *tup = pack(T_code, 5, parts);
    if (tup == NULL)
        return ERR;
    int r = PyList_Append(st->codes, untracked(tup));
    Py_DECREF(tup);
    return r < 0 ? ERR : 0;
}

/* fast.py's _fence: the rest of a fenced code block, whose body starts at *ppos; sets
   *ppos to the offset of the next line. */
static int
fence_body(S *st, ssz *ppos, uchar fch, ssz flen, ssz fcol, ssz findent, ssz fstart,
           PyObject *info)
{
    const uchar *w = st->w;
    ssz total = st->total;
    int verbatim = !fcol && !findent;
    ssz body_start = *ppos;
    ssz pos = body_start;
    uchar *parts = st->buf;
    ssz np = 0;
    while (pos < total) {
        ssz ls = pos;
        const uchar *nlp = memchr(w + ls, '\n', (size_t)(total - ls));
        ssz le = nlp ? nlp - w : total;
        ssz len = le - ls;
        pos = le + 1;
        ssz indent = 0;
        while (indent < len && w[ls + indent] == ' ')
            indent++;
        if (indent < len) {
            if (indent < fcol)
                return BAIL; /* the list item ends, and the unclosed fence with it */
            if (w[ls + indent] == fch && indent - fcol <= 3) {
                ssz ce = le;
                while (ce > ls + indent && w[ce - 1] == ' ')
                    ce--;
                if (ce - (ls + indent) >= flen) {
                    ssz k = ls + indent;
                    while (k < ce && w[k] == fch)
                        k++;
                    if (k == ce) {
                        TRY(verbatim ? add_code(st, fstart, le, info, w + body_start,
                                                ls - body_start)
                                     : add_code(st, fstart, le, info, parts, np));
                        *ppos = pos;
                        return 0;
                    }
                }
            }
        }
        if (st->has_tab && memchr(w + ls, '\t', (size_t)len) &&
            (!verbatim || memchr(w + ls, fch, (size_t)len)))
            return BAIL; /* tabs in indentation, or around a fence */
        if (verbatim)
            continue;
        ssz rs = ls + fcol;
        if (rs > le)
            rs = le;
        if (findent) {
            ssz k = rs;
            while (k < le && w[k] == ' ' && k - rs < findent)
                k++;
            rs = k;
        }
        if (le < total) {
            memcpy(parts + np, w + rs, (size_t)(le - rs));
            np += le - rs;
            parts[np++] = '\n';
        }
        else if (indent < len || len - fcol >= 4) {
            /* (a last line of up to 3 spaces, and no newline, is dropped) */
            memcpy(parts + np, w + rs, (size_t)(le - rs));
            np += le - rs;
        }
    }
    /* unclosed: the block runs to the end of the document */
    *ppos = pos;
    if (verbatim) {
        ssz ts = body_start < total ? body_start : total;
        ssz te = total;
        ssz last = te;
        while (last > ts && w[last - 1] != '\n')
            last--;
        if (!(total > 0 && w[total - 1] == '\n') && te - last < 4 && all_spaces(w + last, te - last))
            te = last;
        return add_code(st, fstart, total, info, w + ts, te - ts);
    }
    return add_code(st, fstart, total, info, parts, np);
}

/* -- tables ------------------------------------------------------------------------------ */

static PyObject *
cell(PyObject *text, ssz s, ssz e)
{
    PyObject *parts[3] = {text, PyLong_FromSsize_t(s), PyLong_FromSsize_t(e)};
    PyObject *tup = pack(T_cell, 3, parts);
    return tup == NULL ? NULL : untracked(tup);
}

/* fast.py's _row: the cells of the row [ls, le), which starts with "|". ncols < 0 keeps
   every cell, else the row is cut or padded (empty cells at rowend) to ncols. Without
   `percell` the whole table is known to be easy (fast.py's `texts`); with it, each cell
   kept must be easy on its own. (A cell's text is the same either way: stripping spaces
   and dropping markup commute, since markup is never next to a space on its inner
   side.) */
static int
mkrow(S *st, ssz ls, ssz le, ssz rowend, ssz ncols, int percell, PyObject **out)
{
    const uchar *line = st->w + ls;
    ssz len = le - ls;
    ssz bl = len;
    while (bl > 0 && line[bl - 1] == ' ')
        bl--;
    if (bl < 2)
        return BAIL;
    int trailing = line[bl - 1] == '|';
    ssz pipes = 0, tildes = 0;
    for (ssz i = 0; i < bl; i++) {
        pipes += line[i] == '|';
        tildes += line[i] == '~';
    }
    if (percell && tildes > 1)
        return BAIL; /* strikethrough across cells */
    ssz nparts = pipes - (trailing ? 1 : 0); /* the pieces of the split, less the first */
    ssz last_end = trailing ? -1 : ls + len;
    if (ncols >= 0 && ncols < nparts) {
        nparts = ncols;
        last_end = -1;
    }
    ssz ncells = ncols > nparts ? ncols : nparts;
    PyObject *row = PyList_New(ncells);
    if (row == NULL)
        return ERR;
    ssz p = 1;
    ssz o = ls + 1;
    for (ssz k = 0; k < nparts; k++) {
        ssz q = p;
        while (q < bl && line[q] != '|')
            q++;
        ssz e = o + (q - p);
        ssz a = p, b = q;
        while (a < b && line[a] == ' ')
            a++;
        while (b > a && line[b - 1] == ' ')
            b--;
        int ez = EASY_MARKUP;
        if (percell) {
            ez = easy(line + a, b - a, 0);
            if (!ez) {
                Py_DECREF(row);
                return BAIL;
            }
        }
        PyObject *text;
        if (ez == EASY_PLAIN || (memchr(line + a, '*', (size_t)(b - a)) == NULL &&
                                 memchr(line + a, '`', (size_t)(b - a)) == NULL)) {
            text = mkstr(st, line + a, b - a);
        }
        else {
            ssz m = clean(line + a, b - a, st->buf2, 0);
            text = mkstr(st, st->buf2, m);
        }
        PyObject *c = cell(text, o, k == nparts - 1 && last_end >= 0 ? last_end : e);
        if (c == NULL) {
            Py_DECREF(row);
            return ERR;
        }
        PyList_SET_ITEM(row, k, c);
        o = e + 1;
        p = q + 1;
    }
    for (ssz k = nparts; k < ncells; k++) {
        PyObject *c = cell(PyUnicode_New(0, 0), rowend, rowend);
        if (c == NULL) {
            Py_DECREF(row);
            return ERR;
        }
        PyList_SET_ITEM(row, k, c);
    }
    *out = row;
    return 0;
}

/* fast.py's _table: a table whose header row is [hs, he); the delimiter row starts at
   *ppos. Sets *ppos to the offset of the line after the ones read. */
static int
table(S *st, ssz hs, ssz he, ssz *ppos)
{
    const uchar *w = st->w;
    ssz total = st->total;
    ssz pos = *ppos;
    ssz ds = pos;
    const uchar *nlp = memchr(w + ds, '\n', (size_t)(total - ds));
    ssz de = nlp ? nlp - w : total;
    pos = de + 1;
    ssz ncols = delim_count(w + ds, de - ds);
    if (ncols < 0)
        return BAIL;
    ssz body_start = pos;
    st->nrows = 0;
    while (pos < total) {
        ssz ls = pos;
        nlp = memchr(w + ls, '\n', (size_t)(total - ls));
        ssz le = nlp ? nlp - w : total;
        pos = le + 1;
        if (le == ls)
            break;
        if (w[ls] != '|') {
            if (!all_spaces(w + ls, le - ls))
                return BAIL; /* the table would go on with this line */
            break;
        }
        if (memchr(w + ls, '\t', (size_t)(le - ls)))
            return BAIL;
        RESERVE(st->rows, st->nrows, st->crows);
        st->rows[st->nrows].s = ls;
        st->rows[st->nrows].e = le;
        st->nrows++;
    }
    /* fast.py reads the texts of all rows at once when the whole table is easy, else
       cell by cell */
    int percell = !easy(w + hs, he - hs, 1);
    for (ssz i = 0; i < st->nrows && !percell; i++)
        percell = !easy(w + st->rows[i].s, st->rows[i].e - st->rows[i].s, 1);

    PyObject *rows = PyList_New(st->nrows + 1);
    if (rows == NULL)
        return ERR;
    PyObject *row = NULL;
    int r = mkrow(st, hs, he, he + 1, -1, percell, &row);
    if (r < 0) {
        Py_DECREF(rows);
        return r;
    }
    PyList_SET_ITEM(rows, 0, row);
    if (PyList_GET_SIZE(row) != ncols) {
        Py_DECREF(rows);
        return BAIL;
    }
    ssz end = body_start;
    ssz rs = body_start;
    for (ssz i = 0; i < st->nrows; i++) {
        end = rs + (st->rows[i].e - st->rows[i].s) + 1;
        r = mkrow(st, st->rows[i].s, st->rows[i].e, end <= total ? end : total, ncols, percell,
                  &row);
        if (r < 0) {
            Py_DECREF(rows);
            return r;
        }
        PyList_SET_ITEM(rows, i + 1, row);
        rs = end;
    }
    PyObject *parts[3] = {PyLong_FromSsize_t(hs), PyLong_FromSsize_t(end <= total ? end : total),
                          rows};
    PyObject *tup = pack(T_table, 3, parts);
    if (tup == NULL)
        return ERR;
    r = PyList_Append(st->tables, tup);
    Py_DECREF(tup);
    if (r < 0)
        return ERR;
    *ppos = pos;
    return 0;
}

/* -- the scan ---------------------------------------------------------------------------- */

static int
add_item(S *st, ssz start, int marker, int checked, ssz ms, ssz rs, ssz re)
{
    RESERVE(st->items, st->nitems, st->citems);
    Item *it = &st->items[st->nitems++];
    it->start = start;
    it->end = 0;
    it->marker = marker;
    it->checked = checked;
    it->ms = ms;
    it->rs = rs;
    it->re = re;
    it->extra = NULL;
    return 0;
}

/* fast.py's _scan, up to the texts */
static int
scan_blocks(S *st)
{
    const uchar *w = st->w;
    ssz total = st->total;
    ssz pos = 0; /* the offset of the next line */

    while (pos < total) {
        ssz ls = pos;
        const uchar *nlp = memchr(w + ls, '\n', (size_t)(total - ls));
        ssz le = nlp ? nlp - w : total;
        ssz len = le - ls;
        pos = le + 1;
        if (len == 0) {
            TRY(flush_para(st));
            continue;
        }
        uchar c = w[ls];
        ssz indent = 0;
        if (c == ' ') {
            while (indent < len && w[ls + indent] == ' ')
                indent++;
            if (indent == len) {
                TRY(flush_para(st));
                continue;
            }
            c = w[ls + indent];
        }
        if (st->has_tab && memchr(w + ls, '\t', (size_t)len))
            return BAIL;
        ssz sb = ls + indent; /* `stripped` is [sb, le) */
        ssz slen = le - sb;

        /* Which open items does this line continue (by indentation)? */
        ssz depth, m, rel;
        if (st->depth) {
            depth = st->depth;
            if (indent >= st->open[depth - 1].col) {
                m = depth;
                rel = indent - st->open[depth - 1].col;
            }
            else {
                m = 0;
                while (m < depth && st->open[m].col <= indent)
                    m++;
                rel = m ? indent - st->open[m - 1].col : indent;
            }
            if (rel >= 4) {
                if (st->para_open && m == depth) {
                    /* paragraph continuation, with the spaces past the item's column */
                    TRY(para_add(st, sb - rel, le));
                    continue;
                }
                return BAIL; /* indented code, or a lazy continuation line */
            }
        }
        else {
            depth = m = 0;
            rel = indent;
            if (indent >= 4) {
                if (st->para_open) {
                    TRY(para_add(st, ls, le));
                    continue;
                }
                return BAIL; /* indented code */
            }
        }

        /* -- block starts -- */
        ssz marker_end = 0;
        if (c == '#') {
            ssz level = 0;
            while (level < slen && w[sb + level] == '#')
                level++;
            if (level <= 6 && (level == slen || w[sb + level] == ' ')) {
                if (m)
                    return BAIL; /* a heading inside a list item */
                TRY(flush_para(st));
                if (depth)
                    close_items(st, 0, ls);
                ssz cs = sb + level, ce = le;
                while (ce > cs && w[ce - 1] == ' ')
                    ce--;
                if (ce > cs && w[ce - 1] == '#') { /* a closing sequence? */
                    ssz be = ce;
                    while (be > cs && w[be - 1] == '#')
                        be--;
                    if (all_spaces(w + cs, be - cs)) {
                        ce = cs;
                    }
                    else if (w[be - 1] == ' ') {
                        ce = be;
                        while (ce > cs && w[ce - 1] == ' ')
                            ce--;
                    }
                }
                RESERVE(st->heads, st->nheads, st->cheads);
                Head *h = &st->heads[st->nheads++];
                h->level = level;
                h->start = sb;
                h->end = le + 1;
                h->cs = cs;
                h->ce = ce;
                continue;
            }
        }
        else if (c == '-' || c == '*' || c == '+') {
            if (slen < 2)
                return BAIL; /* an empty list item, or a setext underline */
            uchar c1 = w[sb + 1];
            if (c1 == ' ') {
                marker_end = 1;
            }
            else if (c != '+' && c1 == c && slen >= 3 && (w[sb + 2] == c || w[sb + 2] == ' ') &&
                     thematic(w + sb, slen)) {
                if (st->para_open || m)
                    return BAIL; /* setext heading, or a break inside a list item */
                if (depth)
                    close_items(st, 0, ls);
                continue;
            }
            else if (c == '-' && delim_like(w + sb, slen)) {
                return BAIL; /* a table delimiter row or a setext underline */
            }
        }
        else if (is_digit(c)) {
            ssz k = 0;
            while (k < slen && k < 10 && is_digit(w[sb + k]))
                k++;
            if (k <= 9 && k < slen && (w[sb + k] == '.' || w[sb + k] == ')')) {
                ssz oe = k + 1;
                if (oe < slen && w[sb + oe] == ' ') {
                    /* (only a list starting at 1 may interrupt a paragraph) */
                    long value = 0;
                    for (ssz i = 0; i < k; i++)
                        value = value * 10 + (w[sb + i] - '0');
                    if (!st->para_open || m != depth || value == 1)
                        marker_end = oe;
                }
                else if (oe >= slen) {
                    return BAIL; /* an empty list item */
                }
            }
        }
        else if (c == '`' || c == '~') {
            ssz k = 0;
            while (k < slen && w[sb + k] == c)
                k++;
            if (k >= 3) {
                ssz is = sb + k, ie = le;
                if (c == '`' && memchr(w + is, '`', (size_t)(ie - is)))
                    return BAIL; /* not a fence: inline code */
                if (memchr(w + is, '\\', (size_t)(ie - is)) || memchr(w + is, '&', (size_t)(ie - is)))
                    return BAIL; /* escapes or entities in the info string */
                TRY(flush_para(st));
                if (depth > m)
                    close_items(st, m, ls);
                while (is < ie && w[is] == ' ')
                    is++;
                while (ie > is && w[ie - 1] == ' ')
                    ie--;
                PyObject *info = mkstr(st, w + is, ie - is);
                if (info == NULL)
                    return ERR;
                int r = fence_body(st, &pos, c, k, indent - rel, rel, sb, info);
                Py_DECREF(info);
                if (r < 0)
                    return r;
                continue;
            }
        }
        else if (c == '|' || c == ':') {
            if (delim_like(w + sb, slen) && (memchr(w + sb, '|', (size_t)slen) || st->para_open))
                return BAIL; /* a table delimiter row, or a setext underline */
            if (c == '|' && indent == 0 && (!st->para_open || !depth) && pos < total) {
                nlp = memchr(w + pos, '\n', (size_t)(total - pos));
                ssz ne = nlp ? nlp - w : total;
                ssz nn = ne - pos;
                if (memchr(w + pos, '-', (size_t)nn) && memchr(w + pos, '|', (size_t)nn) &&
                    delim_like(w + pos, nn)) {
                    /* a table (it may interrupt a paragraph at the top level) */
                    TRY(flush_para(st));
                    if (depth)
                        close_items(st, 0, ls);
                    TRY(table(st, ls, le, &pos));
                    continue;
                }
            }
        }
        else if (c == '>') {
            return BAIL; /* a block quote */
        }
        else if (c == '<') {
            /* HTML, or an autolink (which is not easy inline content) */
            return BAIL;
        }
        else if (c == '_') {
            if (thematic(w + sb, slen)) {
                if (st->para_open || m)
                    return BAIL;
                if (depth)
                    close_items(st, 0, ls);
                continue;
            }
        }
        else if (c == '=' && st->para_open) {
            ssz e = slen;
            while (e > 0 && w[sb + e - 1] == ' ')
                e--;
            ssz k = 0;
            while (k < e && w[sb + k] == '=')
                k++;
            if (k == e)
                return BAIL; /* a setext underline */
        }

        if (marker_end) {
            /* a list item: a space follows its marker */
            ssz cs = sb + marker_end + 1; /* `content` is [cs, le) */
            ssz ccol;
            if (cs < le && w[cs] == ' ') {
                ssz r = cs;
                while (r < le && w[r] == ' ')
                    r++;
                ssz spaces = 1 + (r - cs);
                if (spaces > 4)
                    return BAIL; /* indented code after the marker */
                cs = r;
                ccol = indent + marker_end + spaces;
            }
            else {
                ccol = indent + marker_end + 1;
            }
            if (cs >= le)
                return BAIL; /* an empty item */
            ssz clen = le - cs;
            uchar c0 = w[cs];
            if (SUSPECT[c0]) {
                /* the first line must be paragraph text, not another block */
                if (c0 == '*' || c0 == '-' || c0 == '+') {
                    if (c0 == c && c != '+' && thematic(w + sb, slen)) {
                        /* "* * *", "- --": a thematic break, not a list item */
                        if (st->para_open || m)
                            return BAIL;
                        if (depth)
                            close_items(st, 0, ls);
                        continue;
                    }
                    if (clen < 2 || w[cs + 1] == ' ')
                        return BAIL; /* a list marker right after another */
                    if (w[cs + 1] == c0 && clen >= 3 && (w[cs + 2] == c0 || w[cs + 2] == ' ') &&
                        thematic(w + cs, clen))
                        return BAIL;
                    if (c0 == '-' && delim_like(w + cs, clen))
                        return BAIL;
                }
                else if (c0 == '`' || c0 == '~') {
                    if (clen >= 3 && w[cs + 1] == c0 && w[cs + 2] == c0)
                        return BAIL; /* a fence */
                }
                else if (is_digit(c0)) {
                    if (item_start(w + cs, clen))
                        return BAIL;
                }
                else if (c0 == '#') {
                    ssz k = 0;
                    while (k < clen && w[cs + k] == '#')
                        k++;
                    if (k == clen || w[cs + k] == ' ')
                        return BAIL;
                }
                else if (c0 == '_') {
                    if (thematic(w + cs, clen))
                        return BAIL;
                }
                else if (c0 == '<' || c0 == '>') {
                    return BAIL; /* HTML, an autolink, a block quote */
                }
                else if (c0 == '|' || c0 == ':') {
                    if (delim_like(w + cs, clen))
                        return BAIL;
                }
            }
            if (st->para_open && (st->npara > 1 || !st->para_first))
                TRY(close_para(st));
            close_items(st, m, ls);
            ssz coff = cs;
            int marker = 0, checked = 0;
            ssz ms = 0;
            if (c0 == '[') {
                uchar b1 = clen >= 2 ? w[cs + 1] : 0;
                int box = b1 == ' ' || b1 == 'x' || b1 == 'X';
                if (clen >= 3 && w[cs + 2] == ']' && box && all_spaces(w + cs + 3, clen - 3))
                    return BAIL; /* "- [ ]" alone: a task or not depends on what follows */
                if (clen >= 4 && w[cs + 2] == ']' && w[cs + 3] == ' ' && box) {
                    ssz r = cs + 4;
                    while (r < le && w[r] == ' ')
                        r++;
                    if (r == le)
                        return BAIL;
                    marker = 1;
                    checked = b1 != ' ';
                    ms = coff;
                    coff = cs = r;
                    clen = le - cs;
                }
                if (w[cs] == '[' && refdef(w + cs, clen))
                    return BAIL;
            }
            ssz re = le;
            while (re > cs && w[re - 1] == ' ')
                re--;
            st->para_first = 1;
            st->para_item = st->nitems;
            TRY(add_item(st, sb - rel, marker, checked, ms, coff, re));
            if (m)
                st->open[m - 1].collecting = 0; /* a list starts inside: stop collecting */
            RESERVE(st->open, st->depth, st->cdepth);
            st->open[st->depth].col = ccol;
            st->open[st->depth].opened = st->para_item;
            st->open[st->depth].collecting = 1;
            st->depth++;
            TRY(para_start(st, coff, le));
            continue;
        }

        /* -- paragraph text -- */
        if (st->para_open) {
            if (m != depth)
                return BAIL; /* lazy continuation */
            TRY(para_add(st, sb - rel, le));
            continue;
        }
        if (c == '[' && refdef(w + sb, slen))
            return BAIL;
        if (depth > m)
            close_items(st, m, ls);
        TRY(para_start(st, sb, le));
        st->para_item = m && st->open[m - 1].collecting ? st->open[m - 1].opened : -1;
        st->para_first = 0;
    }

    /* -- end of document -- */
    TRY(flush_para(st));
    if (st->depth)
        close_items(st, 0, total);
    /* a last line without a newline ends at the end of the document, not after it */
    if (st->nheads && st->heads[st->nheads - 1].end > total)
        st->heads[st->nheads - 1].end = total;
    return 0;
}

/* -- results -------------------------------------------------------------------------------- */

static int
heading_text(S *st, Head *h, PyObject **out)
{
    const uchar *s = st->w + h->cs;
    ssz n = h->ce - h->cs;
    int e = easy(s, n, 0);
    if (!e)
        return BAIL;
    const uchar *b = s;
    ssz m = n;
    if (e == EASY_MARKUP) {
        m = clean(s, n, st->buf2, 0);
        b = st->buf2;
    }
    ssz a = 0;
    while (a < m && b[a] == ' ')
        a++;
    while (m > a && b[m - 1] == ' ')
        m--;
    PyObject *t = mkstr(st, b + a, m - a);
    if (t == NULL)
        return ERR;
    if (m > a && (b[a] >= 0x80 || b[m - 1] >= 0x80)) {
        /* str.strip() also takes Unicode white space (U+00A0, U+3000...) */
        PyObject *u = PyObject_CallMethod(t, "strip", NULL);
        Py_DECREF(t);
        if (u == NULL)
            return ERR;
        t = u;
    }
    *out = t;
    return 0;
}

static int
item_text(S *st, Item *it, PyObject **out)
{
    PyObject *first = NULL;
    TRY(line_text(st, st->w + it->rs, it->re - it->rs, &first));
    if (it->extra == NULL) {
        *out = first;
        return 0;
    }
    int r = PyList_Insert(it->extra, 0, first);
    Py_DECREF(first);
    if (r < 0)
        return ERR;
    PyObject *empty = PyUnicode_New(0, 0);
    if (empty == NULL)
        return ERR;
    *out = PyUnicode_Join(empty, it->extra);
    Py_DECREF(empty);
    return *out ? 0 : ERR;
}

static int
build(S *st, PyObject **result)
{
    PyObject *heads = NULL, *items = NULL, *html = NULL, *links = NULL, *res = NULL;
    int r = ERR;

    heads = PyList_New(st->nheads);
    if (heads == NULL)
        goto done;
    for (ssz i = 0; i < st->nheads; i++) {
        Head *h = &st->heads[i];
        PyObject *text = NULL;
        r = heading_text(st, h, &text);
        if (r < 0)
            goto done;
        r = ERR;
        PyObject *parts[4] = {PyLong_FromSsize_t(h->level), PyLong_FromSsize_t(h->start),
                              PyLong_FromSsize_t(h->end), text};
        PyObject *tup = pack(T_heading, 4, parts);
        if (tup == NULL)
            goto done;
        PyList_SET_ITEM(heads, i, untracked(tup));
    }

    items = PyList_New(st->nitems);
    if (items == NULL)
        goto done;
    for (ssz i = 0; i < st->nitems; i++) {
        Item *it = &st->items[i];
        PyObject *text = NULL;
        r = item_text(st, it, &text);
        if (r < 0)
            goto done;
        r = ERR;
        PyObject *marker = Py_NewRef(Py_None);
        if (it->marker) {
            PyObject *box[3] = {Py_NewRef(it->checked ? Py_True : Py_False),
                                PyLong_FromSsize_t(it->ms), PyLong_FromSsize_t(it->ms + 3)};
            Py_DECREF(marker);
            marker = pack(T_task, 3, box);
            if (marker == NULL) {
                Py_DECREF(text);
                goto done;
            }
            untracked(marker);
        }
        PyObject *parts[4] = {PyLong_FromSsize_t(it->start), PyLong_FromSsize_t(it->end), text,
                              marker};
        PyObject *tup = pack(T_item, 4, parts);
        if (tup == NULL)
            goto done;
        PyList_SET_ITEM(items, i, untracked(tup));
    }

    html = PyList_New(0);
    links = PyList_New(0);
    res = T_blocks->tp_alloc(T_blocks, 6);
    if (html == NULL || links == NULL || res == NULL)
        goto done;
    PyTuple_SET_ITEM(res, 0, heads);
    PyTuple_SET_ITEM(res, 1, items);
    Py_INCREF(st->tables);
    PyTuple_SET_ITEM(res, 2, st->tables);
    Py_INCREF(st->codes);
    PyTuple_SET_ITEM(res, 3, st->codes);
    PyTuple_SET_ITEM(res, 4, html);
    PyTuple_SET_ITEM(res, 5, links);
    *result = res;
    return 0;

done:
    Py_XDECREF(heads);
    Py_XDECREF(items);
    Py_XDECREF(html);
    Py_XDECREF(links);
    Py_XDECREF(res);
    return r;
}

/* Whole-document refusals, as fast.py's _CONTROL: CR, NUL, VT, FF, the information
   separators. */
static int
has_control(const uchar *s, ssz n)
{
    /* (eight passes of libc's vectorised memchr beat one pass byte by byte) */
    static const uchar control[] = {0x0D, 0x00, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F};
    for (size_t i = 0; i < sizeof control; i++)
        if (memchr(s, control[i], (size_t)n) != NULL)
            return 1;
    return 0;
}

static PyObject *
scan(PyObject *Py_UNUSED(module), PyObject *arg)
{
    if (!PyBytes_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "scan() argument must be bytes, not %.100s",
                     Py_TYPE(arg)->tp_name);
        return NULL;
    }
    if (T_blocks == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "specbook.parse.scan._cscan.scan() before set_types(): import "
                        "specbook.parse.scan, which gives the types");
        return NULL;
    }
    const uchar *w = (const uchar *)PyBytes_AS_STRING(arg);
    ssz total = PyBytes_GET_SIZE(arg);
    if (has_control(w, total))
        Py_RETURN_NONE;
    S st;
    memset(&st, 0, sizeof st);
    st.w = w;
    st.total = total;
    if (!check_utf8(w, total, &st.ascii))
        Py_RETURN_NONE;
    st.has_tab = memchr(w, '\t', (size_t)total) != NULL;

    PyObject *result = NULL;
    int r = ERR;
    st.tables = PyList_New(0);
    st.codes = PyList_New(0);
    /* every text is at most the document long (plus a newline per fenced line) */
    st.buf = PyMem_Malloc((size_t)total + 16);
    st.buf2 = PyMem_Malloc((size_t)total + 16);
    if (st.tables == NULL || st.codes == NULL)
        goto out;
    if (st.buf == NULL || st.buf2 == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    r = scan_blocks(&st);
    if (r == 0)
        r = build(&st, &result);
out:
    for (ssz i = 0; i < st.nitems; i++)
        Py_XDECREF(st.items[i].extra);
    PyMem_Free(st.heads);
    PyMem_Free(st.items);
    PyMem_Free(st.para);
    PyMem_Free(st.open);
    PyMem_Free(st.rows);
    PyMem_Free(st.buf);
    PyMem_Free(st.buf2);
    Py_XDECREF(st.tables);
    Py_XDECREF(st.codes);
    if (r == BAIL)
        Py_RETURN_NONE;
    if (r < 0) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            PyErr_Clear(); /* (cannot happen after check_utf8; give up all the same) */
            Py_RETURN_NONE;
        }
        return NULL;
    }
    return result;
}

/* specbook.parse.scan.lines.line_starts: the offsets where each line starts, lines ending at
   CRLF, CR or LF as CommonMark says; a tuple. */
static PyObject *
line_starts(PyObject *Py_UNUSED(module), PyObject *arg)
{
    if (!PyBytes_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "line_starts() argument must be bytes, not %.100s",
                     Py_TYPE(arg)->tp_name);
        return NULL;
    }
    const uchar *w = (const uchar *)PyBytes_AS_STRING(arg);
    ssz n = PyBytes_GET_SIZE(arg);
    int cr = memchr(w, '\r', (size_t)n) != NULL;
    ssz count = 1;
    for (const uchar *p = w, *end = w + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        count++;
    if (cr) {
        for (ssz i = 0; i < n; i++)
            count += w[i] == '\r' && (i + 1 == n || w[i + 1] != '\n');
    }
    PyObject *out = PyTuple_New(count);
    if (out == NULL)
        return NULL;
    ssz k = 0;
    PyObject *v = PyLong_FromSsize_t(0);
    if (v == NULL)
        goto fail;
    PyTuple_SET_ITEM(out, k++, v);
    for (ssz i = 0; i < n; i++) {
        uchar c = w[i];
        if (c == '\n' || (c == '\r' && (i + 1 == n || w[i + 1] != '\n'))) {
            v = PyLong_FromSsize_t(i + 1);
            if (v == NULL)
                goto fail;
            PyTuple_SET_ITEM(out, k++, v);
        }
        if (!cr) {
            const uchar *p = i + 1 < n ? memchr(w + i + 1, '\n', (size_t)(n - i - 1)) : NULL;
            if (p == NULL)
                break;
            i = (p - w) - 1;
        }
    }
    return untracked(out);
fail:
    Py_DECREF(out);
    return NULL;
}

/* specbook.parse.scan.lines.line_spans's closure in C: Spans(span_type, line_starts) is a
   callable span(start, end) -> span_type((start, end, line, end_line)), line numbers being what
   bisect_right(line_starts, offset) gives, with the same memory of the last line looked
   up (most spans start on the line of the one made before). tests/test_cscan.py holds
   it to the Python closure. */
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *starts;     /* the line_starts tuple (kept alive for ls) */
    PyTypeObject *type;   /* the Span named tuple */
    ssz *ls;              /* line starts as C integers */
    ssz n;
    ssz lo, hi, line;     /* bytes lo:hi are line `line` (none yet: hi = -1) */
    PyObject **lines;     /* the ints of line numbers past the small ints' (NULL: none yet) */
} Spans;

#define SPANS_LAST_BOUND (((ssz)1) << 62) /* where the last line "ends": core's 1 << 62 */

static ssz
spans_bisect(const ssz *ls, ssz lo, ssz hi, ssz x) /* bisect.bisect_right */
{
    while (lo < hi) {
        ssz mid = lo + (hi - lo) / 2;
        if (x < ls[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The int of a line number: one per number and Spans past the small ints (a long
   document's spans past line 256 would each make their own). */
static PyObject *
spans_line(Spans *self, ssz line)
{
    if (line <= 256 || line > self->n)
        return PyLong_FromSsize_t(line);
    if (self->lines == NULL) {
        self->lines = PyMem_Calloc((size_t)self->n + 1, sizeof(PyObject *));
        if (self->lines == NULL)
            return PyErr_NoMemory();
    }
    if (self->lines[line] == NULL && (self->lines[line] = PyLong_FromSsize_t(line)) == NULL)
        return NULL;
    return Py_NewRef(self->lines[line]);
}

static PyObject *
spans_make(Spans *self, PyObject *start, PyObject *end, ssz line, ssz end_line)
{
    PyObject *a = spans_line(self, line);
    PyObject *b = a == NULL ? NULL : end_line == line ? Py_NewRef(a) : spans_line(self, end_line);
    PyObject *t = b == NULL ? NULL : self->type->tp_alloc(self->type, 4);
    if (t == NULL) {
        Py_XDECREF(a);
        Py_XDECREF(b);
        return NULL;
    }
    Py_INCREF(start);
    Py_INCREF(end);
    PyTuple_SET_ITEM(t, 0, start);
    PyTuple_SET_ITEM(t, 1, end);
    PyTuple_SET_ITEM(t, 2, a);
    PyTuple_SET_ITEM(t, 3, b);
    return t;
}

/* The span of start:end; so and eo are those offsets as ints (NULL: made here). */
static PyObject *
spans_of(Spans *self, ssz start, ssz end, PyObject *so, PyObject *eo)
{
    const ssz *ls = self->ls;
    ssz n = self->n;
    ssz last = end > start ? end - 1 : end;
    ssz i, line, end_line;
    if (self->lo <= start && start < self->hi) {
        i = self->line;
        if (start <= last && last < self->hi) {
            line = end_line = i;
            goto make;
        }
    } else {
        i = spans_bisect(ls, 0, n, start);
        if (i == 0) { /* before the first line (not an offset of the file) */
            line = 0;
            end_line = spans_bisect(ls, 0, n, last);
            goto make;
        }
        self->lo = ls[i - 1];
        self->hi = i < n ? ls[i] : SPANS_LAST_BOUND;
        self->line = i;
        if (start <= last && last < self->hi) {
            line = end_line = i;
            goto make;
        }
    }
    /* last is on a later line (or, for a span that ends before it starts, anywhere) */
    line = i;
    end_line = last >= start ? spans_bisect(ls, i, n, last) : spans_bisect(ls, 0, n, last);
make:
    if (so != NULL)
        return spans_make(self, so, eo, line, end_line);
    /* (an offset at a line start: that line start's int, no new one) */
    if (line >= 1 && line <= n && ls[line - 1] == start &&
        PyLong_CheckExact(PyTuple_GET_ITEM(self->starts, line - 1)))
        so = Py_NewRef(PyTuple_GET_ITEM(self->starts, line - 1));
    else
        so = PyLong_FromSsize_t(start);
    if (so == NULL)
        eo = NULL;
    else if (end_line >= 0 && end_line < n && ls[end_line] == end &&
             PyLong_CheckExact(PyTuple_GET_ITEM(self->starts, end_line)))
        eo = Py_NewRef(PyTuple_GET_ITEM(self->starts, end_line));
    else if (end == start)
        eo = Py_NewRef(so);
    else
        eo = PyLong_FromSsize_t(end);
    PyObject *t = eo == NULL ? NULL : spans_make(self, so, eo, line, end_line);
    Py_XDECREF(so);
    Py_XDECREF(eo);
    return t;
}

static PyObject *
spans_vectorcall(PyObject *obj, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Spans *self = (Spans *)obj;
    if (PyVectorcall_NARGS(nargsf) != 2 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "span() takes exactly 2 positional arguments");
        return NULL;
    }
    if (!PyLong_CheckExact(args[0]) || !PyLong_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "span() arguments must be int");
        return NULL;
    }
    ssz start = PyLong_AsSsize_t(args[0]);
    if (start == -1 && PyErr_Occurred())
        return NULL;
    ssz end = PyLong_AsSsize_t(args[1]);
    if (end == -1 && PyErr_Occurred())
        return NULL;
    return spans_of(self, start, end, args[0], args[1]);
}

static PyObject *
spans_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *starts, *span_type;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Spans() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!O!:Spans", &PyType_Type, &span_type, &PyTuple_Type, &starts))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)span_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "Spans() span_type must be a tuple type");
        return NULL;
    }
    ssz n = PyTuple_GET_SIZE(starts);
    ssz *ls = PyMem_Malloc(sizeof(ssz) * (size_t)(n ? n : 1));
    if (ls == NULL)
        return PyErr_NoMemory();
    for (ssz k = 0; k < n; k++) {
        ls[k] = PyLong_AsSsize_t(PyTuple_GET_ITEM(starts, k));
        if (ls[k] == -1 && PyErr_Occurred()) {
            PyMem_Free(ls);
            return NULL;
        }
        if (k && ls[k] < ls[k - 1]) {
            PyMem_Free(ls);
            PyErr_SetString(PyExc_ValueError, "Spans() line_starts must be ascending");
            return NULL;
        }
    }
    Spans *self = (Spans *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyMem_Free(ls);
        return NULL;
    }
    self->vectorcall = spans_vectorcall;
    Py_INCREF(starts);
    self->starts = starts;
    Py_INCREF(span_type);
    self->type = (PyTypeObject *)span_type;
    self->ls = ls;
    self->n = n;
    self->lo = 0;
    self->hi = -1;
    self->line = 0;
    self->lines = NULL;
    return (PyObject *)self;
}

static void
spans_dealloc(Spans *self)
{
    if (self->lines != NULL) {
        for (ssz k = 0; k <= self->n; k++)
            Py_XDECREF(self->lines[k]);
        PyMem_Free(self->lines);
    }
    Py_XDECREF(self->starts);
    Py_XDECREF(self->type);
    PyMem_Free(self->ls);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Spans(span_type, line_starts) again: what pickle and copy need (the remembered line is
   only a shortcut, so a copy starts without it). */
static PyObject *
spans_reduce(Spans *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("O(OO)", (PyObject *)Py_TYPE(self), (PyObject *)self->type,
                         self->starts);
}

static PyMethodDef spans_methods[] = {
    {"__reduce__", (PyCFunction)spans_reduce, METH_NOARGS,
     "Spans(span_type, line_starts) again (pickle, copy)."},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(spans_doc,
             "Spans(span_type, line_starts, /)\n--\n\n"
             "A span function: span(start, end) -> span_type((start, end, line, end_line)),\n"
             "line numbers as bisect_right(line_starts, offset) gives them; the closure of\n"
             "specbook.parse.scan.lines.line_spans in C.");

static PyTypeObject SpansType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "specbook.parse.scan._cscan.Spans",
    .tp_basicsize = sizeof(Spans),
    .tp_dealloc = (destructor)spans_dealloc,
    .tp_vectorcall_offset = offsetof(Spans, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = spans_doc,
    .tp_methods = spans_methods,
    .tp_new = spans_new,
};

/* -- the model's nodes (specbook.parse.core._Parts in C) ---------------------------------
 *
 * Each function below builds what one method of core._Parts builds in Python, from the
 * scanner's records, with a Spans for the line numbers, and returns an equal value of the
 * same types (tests/test_cscan.py holds them to the Python methods). The node types
 * (Section, Cell, …) are given by the caller. Records are read defensively: a record
 * of the wrong shape is a TypeError, an offset outside the bytes a ValueError; nothing
 * is read out of bounds.
 */

/* The tuple at index i of a list or tuple, which must be a tuple of at least n items. */
static PyObject *
record(PyObject *seq, ssz i, ssz n)
{
    PyObject *r = PyList_Check(seq) ? PyList_GET_ITEM(seq, i) : PyTuple_GET_ITEM(seq, i);
    if (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) < n) {
        PyErr_Format(PyExc_TypeError, "expected a record of %zd fields, not %.100s", n,
                     Py_TYPE(r)->tp_name);
        return NULL;
    }
    return r;
}

static int
seq_check(PyObject *seq, const char *what)
{
    if (!PyList_Check(seq) && !PyTuple_Check(seq)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list or tuple, not %.100s", what,
                     Py_TYPE(seq)->tp_name);
        return -1;
    }
    return 0;
}

static inline ssz
seq_len(PyObject *seq)
{
    return PyList_Check(seq) ? PyList_GET_SIZE(seq) : PyTuple_GET_SIZE(seq);
}

/* An int field of a record (-1 with an exception set when it is not an int). */
static int
int_at(PyObject *rec, ssz k, ssz *out)
{
    PyObject *v = PyTuple_GET_ITEM(rec, k);
    if (!PyLong_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "expected an int offset in a record");
        return -1;
    }
    *out = PyLong_AsSsize_t(v);
    if (*out == -1 && PyErr_Occurred())
        return -1;
    return 0;
}

/* Checks that `type` is a named tuple type of n fields (what pack() makes). */
static int
node_type(PyObject *type, ssz n)
{
    /* the types checked already (a few named tuple classes, asked about for every
       document: their _fields looked up once; each kept alive here) */
    static struct {
        PyObject *type;
        ssz n;
    } seen[16];
    static int nseen;
    for (int i = 0; i < nseen; i++)
        if (seen[i].type == type && seen[i].n == n)
            return 0;
    if (!PyType_Check(type) || !PyType_IsSubtype((PyTypeObject *)type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "a node type must be a named tuple type");
        return -1;
    }
    PyObject *fields = PyObject_GetAttrString(type, "_fields");
    int ok = fields != NULL && PyTuple_Check(fields) && PyTuple_GET_SIZE(fields) == n;
    Py_XDECREF(fields);
    if (!ok) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%.100s must be a named tuple type of %zd fields",
                     ((PyTypeObject *)type)->tp_name, n);
        return -1;
    }
    if (nseen < (int)(sizeof seen / sizeof *seen)) {
        seen[nseen].type = Py_NewRef(type);
        seen[nseen++].n = n;
    }
    return 0;
}

static int
spans_check(PyObject *spans)
{
    if (!PyObject_TypeCheck(spans, &SpansType)) {
        PyErr_SetString(PyExc_TypeError, "expected a Spans");
        return -1;
    }
    return 0;
}

/* str.strip() of a str */
static PyObject *
ustrip(PyObject *s)
{
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "expected a str in a record");
        return NULL;
    }
    ssz n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *d = PyUnicode_DATA(s);
    ssz i = 0, j = n;
    while (i < j && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, d, i)))
        i++;
    while (j > i && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, d, j - 1)))
        j--;
    return PyUnicode_Substring(s, i, j);
}

/* core._Parts.section_at: the innermost section holding an offset, by its heading's start
   (starts ascending) and name. */
typedef struct {
    ssz n;
    ssz *starts;
    PyObject *names;
} Index;

static int
index_init(Index *ix, PyObject *starts, PyObject *names)
{
    ix->starts = NULL;
    if (seq_check(starts, "starts") < 0 || seq_check(names, "names") < 0)
        return -1;
    ix->n = seq_len(starts);
    if (seq_len(names) != ix->n) {
        PyErr_SetString(PyExc_ValueError, "starts and names differ in length");
        return -1;
    }
    ix->names = names;
    ix->starts = PyMem_Malloc(sizeof(ssz) * (size_t)(ix->n ? ix->n : 1));
    if (ix->starts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (ssz k = 0; k < ix->n; k++) {
        PyObject *v = PyList_Check(starts) ? PyList_GET_ITEM(starts, k) : PyTuple_GET_ITEM(starts, k);
        ix->starts[k] = PyLong_Check(v) ? PyLong_AsSsize_t(v) : -1;
        if (ix->starts[k] == -1 && (PyErr_Occurred() || !PyLong_Check(v))) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "starts must be ints");
            PyMem_Free(ix->starts);
            ix->starts = NULL;
            return -1;
        }
    }
    return 0;
}

static PyObject *
index_at(Index *ix, ssz offset)
{
    ssz i = spans_bisect(ix->starts, 0, ix->n, offset) - 1;
    if (i < 0)
        Py_RETURN_NONE;
    PyObject *v = PyList_Check(ix->names) ? PyList_GET_ITEM(ix->names, i)
                                          : PyTuple_GET_ITEM(ix->names, i);
    return Py_NewRef(v);
}

static PyObject *
list_to_tuple(PyObject *list)
{
    if (list == NULL)
        return NULL;
    PyObject *t = PyList_AsTuple(list);
    Py_DECREF(list);
    return t;
}

/* heads(head_type, headings, n): each heading (level, start, end, text) with where its
   section ends: the next heading of its level or higher, else n (core's _Head). */
static PyObject *
m_heads(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "heads(head_type, headings, n)");
        return NULL;
    }
    PyObject *type = args[0], *hs = args[1];
    if (node_type(type, 5) < 0 || seq_check(hs, "headings") < 0)
        return NULL;
    ssz n = PyLong_AsSsize_t(args[2]);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    ssz count = seq_len(hs);
    ssz *lv = PyMem_Malloc(sizeof(ssz) * (size_t)(2 * count + 1));
    ssz *open = PyMem_Malloc(sizeof(ssz) * (size_t)(count + 1));
    PyObject *out = NULL;
    if (lv == NULL || open == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    ssz *ends = lv + count; /* the heading that closes each section, -1: the end, n */
    ssz depth = 0;
    for (ssz i = 0; i < count; i++) {
        PyObject *h = record(hs, i, 4);
        ssz start;
        if (h == NULL || int_at(h, 0, &lv[i]) < 0 || int_at(h, 1, &start) < 0)
            goto done;
        ends[i] = -1;
        while (depth && lv[open[depth - 1]] >= lv[i])
            ends[open[--depth]] = i;
        open[depth++] = i;
    }
    out = PyList_New(count);
    if (out == NULL)
        goto done;
    /* (a section ends at the start of the heading that closes it, that very int, or at n,
       as the Python loop has it: the same values, and no new int for each) */
    for (ssz i = 0; i < count; i++) {
        PyObject *h = record(hs, i, 4);
        PyObject *until = ends[i] >= 0 ? Py_NewRef(PyTuple_GET_ITEM(record(hs, ends[i], 4), 1))
                          : PyLong_CheckExact(args[2]) ? Py_NewRef(args[2])
                                                        : PyLong_FromSsize_t(n);
        PyObject *parts[5] = {Py_NewRef(PyTuple_GET_ITEM(h, 0)), Py_NewRef(PyTuple_GET_ITEM(h, 1)),
                              Py_NewRef(PyTuple_GET_ITEM(h, 2)), Py_NewRef(PyTuple_GET_ITEM(h, 3)),
                              until};
        PyObject *t = pack((PyTypeObject *)type, 5, parts);
        if (t == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, i, untracked(t));
    }
done:
    PyMem_Free(lv);
    PyMem_Free(open);
    return out;
}

/* The template name of head i of the given level: names[keys[i]] above level 1, else
   (or when names has no such key) None; a borrowed reference, NULL on an error. */
static PyObject *
head_name(PyObject *names, PyObject *keys, ssz i, ssz level)
{
    if (level <= 1)
        return Py_None;
    PyObject *key = PyList_Check(keys) ? PyList_GET_ITEM(keys, i) : PyTuple_GET_ITEM(keys, i);
    PyObject *name = PyDict_GetItemWithError(names, key);
    if (name == NULL && !PyErr_Occurred())
        return Py_None;
    return name;
}

/* The count of heads hs (checked a sequence by the caller) when names is a dict and keys
   a sequence of as many strs (then a look-up of a key runs no Python code); -1 with an
   exception set otherwise. */
static ssz
names_keys_count(PyObject *hs, PyObject *names, PyObject *keys)
{
    if (!PyDict_CheckExact(names)) {
        PyErr_SetString(PyExc_TypeError, "names must be a dict");
        return -1;
    }
    ssz count = seq_len(hs);
    if (seq_len(keys) != count) {
        PyErr_SetString(PyExc_ValueError, "heads and keys differ in length");
        return -1;
    }
    for (ssz i = 0; i < count; i++) {
        PyObject *k = PyList_Check(keys) ? PyList_GET_ITEM(keys, i) : PyTuple_GET_ITEM(keys, i);
        if (!PyUnicode_CheckExact(k)) {
            PyErr_SetString(PyExc_TypeError, "keys must be strs");
            return -1;
        }
    }
    return count;
}

/* named_heads(type, heads, names, keys): each _Head with the template section it matches,
   names.get(keys[i]) for a level above 1 (keys[i]: the heading's normalised title), else
   None (core's _SectionHead). */
static PyObject *
m_named_heads(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "named_heads(type, heads, names, keys)");
        return NULL;
    }
    PyObject *type = args[0], *hs = args[1], *names = args[2], *keys = args[3];
    if (node_type(type, 6) < 0 || seq_check(hs, "heads") < 0 || seq_check(keys, "keys") < 0)
        return NULL;
    ssz count = names_keys_count(hs, names, keys);
    if (count < 0)
        return NULL;
    PyObject *out = PyList_New(count);
    if (out == NULL)
        return NULL;
    for (ssz i = 0; i < count; i++) {
        PyObject *h = record(hs, i, 5);
        ssz level;
        if (h == NULL || int_at(h, 0, &level) < 0)
            goto fail;
        PyObject *name = head_name(names, keys, i, level);
        if (name == NULL)
            goto fail;
        PyObject *parts[6];
        for (int k = 0; k < 5; k++)
            parts[k] = Py_NewRef(PyTuple_GET_ITEM(h, k));
        parts[5] = Py_NewRef(name);
        PyObject *t = pack((PyTypeObject *)type, 6, parts);
        if (t == NULL)
            goto fail;
        PyList_SET_ITEM(out, i, untracked(t));
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* sections(spans, section_type, heads[, names]): the section tree of the _SectionHeads
   (level, start, end, title, until, name), as core._Parts.sections builds it; with names
   (a list, each head's template name or None), of the _Heads (level, start, end, title,
   until) with those names (no _SectionHead made for each). */
static PyObject *
m_sections(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 && nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "sections(spans, section_type, heads[, names])");
        return NULL;
    }
    PyObject *type = args[1], *hs = args[2], *names = nargs == 4 ? args[3] : NULL;
    if (spans_check(args[0]) < 0 || node_type(type, 6) < 0 || seq_check(hs, "heads") < 0)
        return NULL;
    if (names != NULL && (!PyList_Check(names) || PyList_GET_SIZE(names) != seq_len(hs))) {
        PyErr_SetString(PyExc_TypeError, "sections(): names must be a list, one per head");
        return NULL;
    }
    ssz rlen = names != NULL ? 5 : 6; /* (the fields of a head) */
    Spans *sp = (Spans *)args[0];
    ssz count = seq_len(hs);
    /* the open sections, innermost last: their head's index and their children */
    ssz *open = PyMem_Malloc(sizeof(ssz) * (size_t)(count + 1));
    PyObject **kids = PyMem_Calloc((size_t)(count + 1), sizeof(PyObject *));
    PyObject *top = PyList_New(0);
    PyObject *result = NULL;
    ssz depth = 0;
    if (open == NULL || kids == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (top == NULL)
        goto done;
    for (ssz i = 0; i <= count; i++) {
        PyObject *h = NULL;
        ssz level = 0;
        if (i < count) {
            h = record(hs, i, rlen);
            if (h == NULL || int_at(h, 0, &level) < 0)
                goto done;
        }
        while (depth) {
            PyObject *o = record(hs, open[depth - 1], rlen);
            ssz olevel, ostart, oend, ountil;
            if (int_at(o, 0, &olevel) < 0)
                goto done;
            if (olevel < level)
                break;
            if (int_at(o, 1, &ostart) < 0 || int_at(o, 2, &oend) < 0 ||
                int_at(o, 4, &ountil) < 0)
                goto done;
            depth--;
            PyObject *children = list_to_tuple(kids[depth]);
            kids[depth] = NULL;
            PyObject *parts[6] = {Py_NewRef(PyTuple_GET_ITEM(o, 0)), Py_NewRef(PyTuple_GET_ITEM(o, 3)),
                                  Py_NewRef(names != NULL ? PyList_GET_ITEM(names, open[depth])
                                                          : PyTuple_GET_ITEM(o, 5)),
                                  spans_of(sp, ostart, oend, PyTuple_GET_ITEM(o, 1),
                                           PyTuple_GET_ITEM(o, 2)),
                                  spans_of(sp, ostart, ountil, PyTuple_GET_ITEM(o, 1),
                                           PyTuple_GET_ITEM(o, 4)),
                                  children};
            PyObject *node = pack((PyTypeObject *)type, 6, parts);
            if (node == NULL)
                goto done;
            int r = PyList_Append(depth ? kids[depth - 1] : top, node);
            Py_DECREF(node);
            if (r < 0)
                goto done;
        }
        if (level) {
            kids[depth] = PyList_New(0);
            if (kids[depth] == NULL)
                goto done;
            open[depth++] = i;
        }
    }
    result = PyList_AsTuple(top);
done:
    if (kids != NULL)
        for (ssz k = 0; k <= count; k++)
            Py_XDECREF(kids[k]);
    PyMem_Free(kids);
    PyMem_Free(open);
    Py_XDECREF(top);
    return result;
}

/* checklists(spans, item_type, items, starts, names): the task-list items as
   core._Parts.checklists builds them. */
static PyObject *
m_checklists(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "checklists(spans, item_type, items, starts, names)");
        return NULL;
    }
    PyObject *type = args[1], *items = args[2];
    if (spans_check(args[0]) < 0 || node_type(type, 5) < 0 || seq_check(items, "items") < 0)
        return NULL;
    Spans *sp = (Spans *)args[0];
    Index ix;
    if (index_init(&ix, args[3], args[4]) < 0)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        goto fail;
    ssz count = seq_len(items);
    for (ssz i = 0; i < count; i++) {
        PyObject *it = record(items, i, 4);
        if (it == NULL)
            goto fail;
        PyObject *marker = PyTuple_GET_ITEM(it, 3);
        if (marker == Py_None)
            continue;
        ssz s, e, ms, me;
        if (!PyTuple_Check(marker) || PyTuple_GET_SIZE(marker) < 3) {
            PyErr_SetString(PyExc_TypeError, "a task marker must be a record of 3 fields");
            goto fail;
        }
        if (int_at(it, 0, &s) < 0 || int_at(it, 1, &e) < 0 || int_at(marker, 1, &ms) < 0 ||
            int_at(marker, 2, &me) < 0)
            goto fail;
        PyObject *parts[5] = {Py_NewRef(PyTuple_GET_ITEM(marker, 0)),
                              ustrip(PyTuple_GET_ITEM(it, 2)), index_at(&ix, s),
                              spans_of(sp, s, e, PyTuple_GET_ITEM(it, 0), PyTuple_GET_ITEM(it, 1)),
                              spans_of(sp, ms, me, PyTuple_GET_ITEM(marker, 1),
                                       PyTuple_GET_ITEM(marker, 2))};
        PyObject *node = pack((PyTypeObject *)type, 5, parts);
        if (node == NULL)
            goto fail;
        int r = PyList_Append(out, untracked(node));
        Py_DECREF(node);
        if (r < 0)
            goto fail;
    }
    PyMem_Free(ix.starts);
    return list_to_tuple(out);
fail:
    PyMem_Free(ix.starts);
    Py_XDECREF(out);
    return NULL;
}

/* A row of cells (text, start, end) as a tuple of cell_type(text.strip(), span). */
static PyObject *
cells_of(Spans *sp, PyObject *cell_type, PyObject *row)
{
    if (seq_check(row, "a table row") < 0)
        return NULL;
    ssz n = seq_len(row);
    PyObject *out = PyTuple_New(n);
    if (out == NULL)
        return NULL;
    for (ssz k = 0; k < n; k++) {
        PyObject *c = record(row, k, 3);
        ssz cs, ce;
        if (c == NULL || int_at(c, 1, &cs) < 0 || int_at(c, 2, &ce) < 0)
            goto fail;
        PyObject *parts[2] = {ustrip(PyTuple_GET_ITEM(c, 0)),
                              spans_of(sp, cs, ce, PyTuple_GET_ITEM(c, 1), PyTuple_GET_ITEM(c, 2))};
        PyObject *node = pack((PyTypeObject *)cell_type, 2, parts);
        if (node == NULL)
            goto fail;
        PyTuple_SET_ITEM(out, k, untracked(node));
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* tables(spans, table_type, cell_type, tables, starts, names): the pipe tables as
   core._Parts._tables builds them (a table without rows is left out). */
static PyObject *
m_tables(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "tables(spans, table_type, cell_type, tables, starts, names)");
        return NULL;
    }
    PyObject *type = args[1], *cell_type = args[2], *tables = args[3];
    if (spans_check(args[0]) < 0 || node_type(type, 5) < 0 || node_type(cell_type, 2) < 0 ||
        seq_check(tables, "tables") < 0)
        return NULL;
    Spans *sp = (Spans *)args[0];
    Index ix;
    if (index_init(&ix, args[4], args[5]) < 0)
        return NULL;
    PyObject *out = PyList_New(0), *body = NULL, *row_spans = NULL;
    if (out == NULL)
        goto fail;
    ssz count = seq_len(tables);
    for (ssz i = 0; i < count; i++) {
        PyObject *t = record(tables, i, 3);
        ssz ts, te;
        if (t == NULL || int_at(t, 0, &ts) < 0 || int_at(t, 1, &te) < 0)
            goto fail;
        PyObject *rows = PyTuple_GET_ITEM(t, 2);
        if (seq_check(rows, "a table's rows") < 0)
            goto fail;
        ssz nrows = seq_len(rows);
        if (!nrows)
            continue;
        PyObject *first = PyList_Check(rows) ? PyList_GET_ITEM(rows, 0) : PyTuple_GET_ITEM(rows, 0);
        PyObject *header = cells_of(sp, cell_type, first);
        if (header == NULL)
            goto fail;
        body = PyTuple_New(nrows - 1);
        row_spans = PyTuple_New(nrows - 1);
        if (body == NULL || row_spans == NULL) {
            Py_DECREF(header);
            goto fail;
        }
        for (ssz r = 1; r < nrows; r++) {
            PyObject *row = PyList_Check(rows) ? PyList_GET_ITEM(rows, r) : PyTuple_GET_ITEM(rows, r);
            PyObject *cells = cells_of(sp, cell_type, row);
            if (cells == NULL) {
                Py_DECREF(header);
                goto fail;
            }
            PyTuple_SET_ITEM(body, r - 1, cells);
            PyObject *rs;
            ssz nc = PyTuple_GET_SIZE(cells);
            if (nc) {
                PyObject *a = record(row, 0, 3), *b = record(row, nc - 1, 3);
                ssz s, e;
                if (int_at(a, 1, &s) < 0 || int_at(b, 2, &e) < 0) {
                    Py_DECREF(header);
                    goto fail;
                }
                rs = spans_of(sp, s, e, PyTuple_GET_ITEM(a, 1), PyTuple_GET_ITEM(b, 2));
            } else {
                rs = spans_of(sp, ts, ts, PyTuple_GET_ITEM(t, 0), PyTuple_GET_ITEM(t, 0));
            }
            if (rs == NULL) {
                Py_DECREF(header);
                goto fail;
            }
            PyTuple_SET_ITEM(row_spans, r - 1, rs);
        }
        PyObject *parts[5] = {header, body, index_at(&ix, ts),
                              spans_of(sp, ts, te, PyTuple_GET_ITEM(t, 0), PyTuple_GET_ITEM(t, 1)),
                              row_spans};
        body = row_spans = NULL;
        PyObject *node = pack((PyTypeObject *)type, 5, parts);
        if (node == NULL)
            goto fail;
        int r = PyList_Append(out, node);
        Py_DECREF(node);
        if (r < 0)
            goto fail;
    }
    PyMem_Free(ix.starts);
    return list_to_tuple(out);
fail:
    PyMem_Free(ix.starts);
    Py_XDECREF(body);
    Py_XDECREF(row_spans);
    Py_XDECREF(out);
    return NULL;
}

static inline int
is_bspace(uchar c) /* bytes.strip()'s whitespace */
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c';
}

/* core._fence_closed: whether the fenced block at w[s:e] ends with a closing fence line
   (s and e are clamped to the bytes, as slicing does). */
static int
fence_closed(const uchar *w, ssz total, ssz s, ssz e)
{
    if (s < 0)
        s = s + total < 0 ? 0 : s + total;
    if (e < 0)
        e = e + total < 0 ? 0 : e + total;
    if (s > total)
        s = total;
    if (e > total)
        e = total;
    if (e < s)
        e = s;
    ssz o = s;
    while (o < e && w[o] == ' ')
        o++;
    if (o >= e || (w[o] != '`' && w[o] != '~'))
        return 1;
    uchar ch = w[o];
    ssz n = 0;
    while (o + n < e && w[o + n] == ch)
        n++;
    ssz t = e; /* tail = w[s:t] */
    while (t > s && (w[t - 1] == '\r' || w[t - 1] == '\n'))
        t--;
    ssz nl = t - 1;
    while (nl >= s && w[nl] != '\n' && w[nl] != '\r')
        nl--;
    if (nl < s)
        return 0;
    ssz a = nl + 1, b = t;
    while (a < b && is_bspace(w[a]))
        a++;
    while (b > a && is_bspace(w[b - 1]))
        b--;
    if (b - a < n)
        return 0;
    for (ssz k = a; k < b; k++)
        if (w[k] != ch)
            return 0;
    return 1;
}

/* args (work: bytes, a: int, b: int) of a function named in usage: the bytes, their
   size and the two ints; -1 with an exception set for other arguments. */
static int
bytes_two_offsets(PyObject *const *args, Py_ssize_t nargs, const char *usage,
                  const uchar **w, ssz *n, ssz *a, ssz *b)
{
    if (nargs != 3 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, usage);
        return -1;
    }
    *w = (const uchar *)PyBytes_AS_STRING(args[0]);
    *n = PyBytes_GET_SIZE(args[0]);
    *a = PyLong_AsSsize_t(args[1]);
    if (*a == -1 && PyErr_Occurred())
        return -1;
    *b = PyLong_AsSsize_t(args[2]);
    if (*b == -1 && PyErr_Occurred())
        return -1;
    return 0;
}

/* fence_closed(work, start, end) -> bool: core._fence_closed in C. */
static PyObject *
m_fence_closed(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    const uchar *w;
    ssz n, s, e;
    if (bytes_two_offsets(args, nargs, "fence_closed(work: bytes, start, end)", &w, &n, &s,
                          &e) < 0)
        return NULL;
    return PyBool_FromLong(fence_closed(w, n, s, e));
}

/* code_blocks(spans, code_type, codes, starts, names, work): the code blocks as
   core._Parts.code_blocks builds them. */
static PyObject *
m_code_blocks(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyBytes_Check(args[5])) {
        PyErr_SetString(PyExc_TypeError,
                        "code_blocks(spans, code_type, codes, starts, names, work: bytes)");
        return NULL;
    }
    PyObject *type = args[1], *codes = args[2];
    if (spans_check(args[0]) < 0 || node_type(type, 6) < 0 || seq_check(codes, "codes") < 0)
        return NULL;
    Spans *sp = (Spans *)args[0];
    const uchar *w = (const uchar *)PyBytes_AS_STRING(args[5]);
    ssz total = PyBytes_GET_SIZE(args[5]);
    Index ix;
    if (index_init(&ix, args[3], args[4]) < 0)
        return NULL;
    ssz count = seq_len(codes);
    PyObject *out = PyTuple_New(count);
    if (out == NULL)
        goto fail;
    for (ssz i = 0; i < count; i++) {
        PyObject *c = record(codes, i, 5);
        ssz cs, ce;
        if (c == NULL || int_at(c, 0, &cs) < 0 || int_at(c, 1, &ce) < 0)
            goto fail;
        PyObject *fenced = PyTuple_GET_ITEM(c, 4);
        if (!PyBool_Check(fenced)) {
            PyErr_SetString(PyExc_TypeError, "a code block's fenced must be a bool");
            goto fail;
        }
        int is_fenced = fenced == Py_True;
        PyObject *parts[6] = {ustrip(PyTuple_GET_ITEM(c, 2)), Py_NewRef(PyTuple_GET_ITEM(c, 3)),
                              index_at(&ix, cs),
                              spans_of(sp, cs, ce, PyTuple_GET_ITEM(c, 0), PyTuple_GET_ITEM(c, 1)),
                              Py_NewRef(fenced),
                              PyBool_FromLong(is_fenced ? fence_closed(w, total, cs, ce) : 1)};
        PyObject *node = pack((PyTypeObject *)type, 6, parts);
        if (node == NULL)
            goto fail;
        PyTuple_SET_ITEM(out, i, untracked(node));
    }
    PyMem_Free(ix.starts);
    return out;
fail:
    PyMem_Free(ix.starts);
    Py_XDECREF(out);
    return NULL;
}

/* links(spans, link_type, links, starts, names): the links as core._Parts.links builds
   them. */
static PyObject *
m_links(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "links(spans, link_type, links, starts, names)");
        return NULL;
    }
    PyObject *type = args[1], *links = args[2];
    if (spans_check(args[0]) < 0 || node_type(type, 5) < 0 || seq_check(links, "links") < 0)
        return NULL;
    Spans *sp = (Spans *)args[0];
    Index ix;
    if (index_init(&ix, args[3], args[4]) < 0)
        return NULL;
    ssz count = seq_len(links);
    PyObject *out = PyTuple_New(count);
    if (out == NULL)
        goto fail;
    for (ssz i = 0; i < count; i++) {
        PyObject *l = record(links, i, 5);
        ssz s, e;
        if (l == NULL || int_at(l, 0, &s) < 0 || int_at(l, 1, &e) < 0)
            goto fail;
        PyObject *parts[5] = {Py_NewRef(PyTuple_GET_ITEM(l, 2)), Py_NewRef(PyTuple_GET_ITEM(l, 3)),
                              index_at(&ix, s),
                              spans_of(sp, s, e, PyTuple_GET_ITEM(l, 0), PyTuple_GET_ITEM(l, 1)),
                              Py_NewRef(PyTuple_GET_ITEM(l, 4))};
        PyObject *node = pack((PyTypeObject *)type, 5, parts);
        if (node == NULL)
            goto fail;
        PyTuple_SET_ITEM(out, i, untracked(node));
    }
    PyMem_Free(ix.starts);
    return out;
fail:
    PyMem_Free(ix.starts);
    Py_XDECREF(out);
    return NULL;
}

static int
cmp_ssz(const void *a, const void *b)
{
    ssz x = *(const ssz *)a, y = *(const ssz *)b;
    return (x > y) - (x < y);
}

/* Whether the needle nd (lowercase bytes) stands at w[at:] in w of n bytes, ASCII
   capitals folded (a needle's own capital matches no byte folded). */
static inline int
needle_at(const uchar *w, ssz n, ssz at, PyObject *nd)
{
    ssz len = PyBytes_GET_SIZE(nd);
    const uchar *s = (const uchar *)PyBytes_AS_STRING(nd);
    if (n - at < len)
        return 0;
    for (ssz i = 0; i < len; i++) {
        uchar c = w[at + i];
        if (c >= 'A' && c <= 'Z')
            c = (uchar)(c - 'A' + 'a');
        if (c != s[i])
            return 0;
    }
    return 1;
}

/* contains_any_ci(work, needles) -> bool: whether one of the needles (non-empty bytes,
   their ASCII letters lowercase) occurs in work, ASCII letters of work matched in any
   case (bytes.lower() then `in`, for each needle, in one pass and no copy). */
static PyObject *
m_contains_any_ci(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "contains_any_ci(work: bytes, needles: tuple[bytes, ...])");
        return NULL;
    }
    const uchar *w = (const uchar *)PyBytes_AS_STRING(args[0]);
    ssz n = PyBytes_GET_SIZE(args[0]);
    PyObject *needles = args[1];
    ssz k = PyTuple_GET_SIZE(needles);
    if (k > 64) {
        PyErr_SetString(PyExc_ValueError, "contains_any_ci(): at most 64 needles");
        return NULL;
    }
    /* which needles may start at a byte, by its value and the next one's (one bit per
       needle): most places are passed over after two table lookups */
    uint64_t first[256] = {0}, second[257] = {0};
    for (ssz j = 0; j < k; j++) {
        PyObject *nd = PyTuple_GET_ITEM(needles, j);
        if (!PyBytes_Check(nd) || PyBytes_GET_SIZE(nd) == 0) {
            PyErr_SetString(PyExc_TypeError, "contains_any_ci(): needles must be non-empty bytes");
            return NULL;
        }
        const uchar *s = (const uchar *)PyBytes_AS_STRING(nd);
        uint64_t bit = (uint64_t)1 << j;
        for (int pos = 0; pos < 2; pos++) {
            uint64_t *table = pos == 0 ? first : second;
            if (pos == 1 && PyBytes_GET_SIZE(nd) == 1) {
                for (int c = 0; c < 257; c++) /* (any next byte, or none) */
                    second[c] |= bit;
                break;
            }
            uchar c = s[pos];
            table[c] |= bit;
            if (c >= 'a' && c <= 'z')
                table[c - 'a' + 'A'] |= bit;
        }
    }
    /* needles of three bytes or more (SB402's stems: seven or eight): which needles may
       start at a place, by the three bytes there (ASCII letters in either case), looked up
       at every place without a branch but on a candidate; the loop below branches on the
       first byte, which a quarter of the bytes of English pass (s, e, r): its
       mispredictions were most of its time in a lint, between other work */
    ssz shortest = PY_SSIZE_T_MAX;
    for (ssz j = 0; j < k; j++) {
        ssz len = PyBytes_GET_SIZE(PyTuple_GET_ITEM(needles, j));
        if (len < shortest)
            shortest = len;
    }
    if (k > 0 && shortest >= 3) {
        uint64_t third[256] = {0};
        for (ssz j = 0; j < k; j++) {
            uchar c = (uchar)PyBytes_AS_STRING(PyTuple_GET_ITEM(needles, j))[2];
            third[c] |= (uint64_t)1 << j;
            if (c >= 'a' && c <= 'z')
                third[c - 'a' + 'A'] |= (uint64_t)1 << j;
        }
        ssz at = 0;
#if defined(__SSE2__)
        /* sixteen places at a time: those whose three bytes (ASCII letters folded) are
           the first three of a needle, by SSE2 compares (at most eight distinct), then
           each such place as below */
        uchar pair0[8], pair1[8], pair2[8];
        int pairs = 0;
        for (ssz j = 0; j < k && pairs <= 8; j++) {
            const uchar *nd = (const uchar *)PyBytes_AS_STRING(PyTuple_GET_ITEM(needles, j));
            uchar a = nd[0] >= 'A' && nd[0] <= 'Z' ? (uchar)(nd[0] | 0x20) : nd[0];
            uchar b = nd[1] >= 'A' && nd[1] <= 'Z' ? (uchar)(nd[1] | 0x20) : nd[1];
            uchar c = nd[2] >= 'A' && nd[2] <= 'Z' ? (uchar)(nd[2] | 0x20) : nd[2];
            int seen = 0;
            for (int q = 0; q < pairs && q < 8; q++)
                seen |= pair0[q] == a && pair1[q] == b && pair2[q] == c;
            if (!seen) {
                if (pairs < 8) {
                    pair0[pairs] = a;
                    pair1[pairs] = b;
                    pair2[pairs] = c;
                }
                pairs++;
            }
        }
        if (pairs <= 8) {
            const __m128i above = _mm_set1_epi8('A' - 1), below = _mm_set1_epi8('Z' + 1);
            const __m128i bit = _mm_set1_epi8(0x20);
            __m128i p0[8], p1[8], p2[8];
            for (int q = 0; q < pairs; q++) {
                p0[q] = _mm_set1_epi8((char)pair0[q]);
                p1[q] = _mm_set1_epi8((char)pair1[q]);
                p2[q] = _mm_set1_epi8((char)pair2[q]);
            }
            for (; at + 18 <= n; at += 16) {
                __m128i v0 = _mm_loadu_si128((const __m128i *)(w + at));
                __m128i v1 = _mm_loadu_si128((const __m128i *)(w + at + 1));
                v0 = _mm_or_si128(v0, _mm_and_si128(bit, _mm_and_si128(_mm_cmpgt_epi8(v0, above),
                                                                      _mm_cmpgt_epi8(below, v0))));
                v1 = _mm_or_si128(v1, _mm_and_si128(bit, _mm_and_si128(_mm_cmpgt_epi8(v1, above),
                                                                      _mm_cmpgt_epi8(below, v1))));
                __m128i v2 = _mm_loadu_si128((const __m128i *)(w + at + 2));
                v2 = _mm_or_si128(v2, _mm_and_si128(bit, _mm_and_si128(_mm_cmpgt_epi8(v2, above),
                                                                      _mm_cmpgt_epi8(below, v2))));
                __m128i hit = _mm_setzero_si128();
                for (int q = 0; q < pairs; q++)
                    hit = _mm_or_si128(
                        hit, _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(v0, p0[q]),
                                                         _mm_cmpeq_epi8(v1, p1[q])),
                                           _mm_cmpeq_epi8(v2, p2[q])));
                unsigned bits = (unsigned)_mm_movemask_epi8(hit);
                while (bits) {
                    ssz c = at + __builtin_ctz(bits);
                    bits &= bits - 1;
                    if (c + 2 >= n)
                        continue;
                    uint64_t may = first[w[c]] & second[w[c + 1]] & third[w[c + 2]];
                    while (may) {
                        int j = __builtin_ctzll(may);
                        may &= may - 1;
                        if (needle_at(w, n, c, PyTuple_GET_ITEM(needles, j)))
                            Py_RETURN_TRUE;
                    }
                }
            }
        }
#endif
        for (; at + 2 < n; at++) {
            uint64_t may = first[w[at]] & second[w[at + 1]] & third[w[at + 2]];
            while (may) {
                int j = __builtin_ctzll(may);
                may &= may - 1;
                if (needle_at(w, n, at, PyTuple_GET_ITEM(needles, j)))
                    Py_RETURN_TRUE;
            }
        }
        Py_RETURN_FALSE;
    }
    for (ssz at = 0; at < n; at++) {
        uint64_t may = first[w[at]];
        if (!may)
            continue;
        may &= second[at + 1 < n ? w[at + 1] : 256];
        while (may) {
            int j = __builtin_ctzll(may);
            may &= may - 1;
            if (needle_at(w, n, at, PyTuple_GET_ITEM(needles, j)))
                Py_RETURN_TRUE;
        }
    }
    Py_RETURN_FALSE;
}

/* find_all(work, needles) -> list: every offset where one of the needles (non-empty
   bytes) starts in work, ascending, each once; overlapping occurrences count
   (core._find_refs's bytes.find loop, in one pass per distinct first byte: kind prefixes
   start with capitals, rarer in prose than the hyphen they end with). */
static PyObject *
m_find_all(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "find_all(work: bytes, needles: tuple[bytes, ...])");
        return NULL;
    }
    const uchar *w = (const uchar *)PyBytes_AS_STRING(args[0]);
    ssz n = PyBytes_GET_SIZE(args[0]);
    PyObject *needles = args[1];
    ssz k = PyTuple_GET_SIZE(needles);
    uchar firsts[256] = {0};
    for (ssz j = 0; j < k; j++) {
        PyObject *nd = PyTuple_GET_ITEM(needles, j);
        if (!PyBytes_Check(nd) || PyBytes_GET_SIZE(nd) == 0) {
            PyErr_SetString(PyExc_TypeError, "find_all(): needles must be non-empty bytes");
            return NULL;
        }
        firsts[(uchar)PyBytes_AS_STRING(nd)[0]] = 1;
    }
    ssz *found = NULL, nfound = 0, cap = 0;
    int several = 0; /* (more than one first byte: the offsets need sorting) */
    for (int c = 0, seen = 0; c < 256; c++) {
        if (!firsts[c])
            continue;
        several |= seen++;
        const uchar *p = w, *end = w + n;
        while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
            ssz at = p - w;
            for (ssz j = 0; j < k; j++) {
                PyObject *nd = PyTuple_GET_ITEM(needles, j);
                ssz len = PyBytes_GET_SIZE(nd);
                const uchar *s = (const uchar *)PyBytes_AS_STRING(nd);
                if (s[0] != c || n - at < len || memcmp(p, s, (size_t)len) != 0)
                    continue;
                if (nfound >= cap && grow((void **)&found, &cap, sizeof(ssz)) < 0) {
                    PyMem_Free(found);
                    return NULL;
                }
                found[nfound++] = at;
                break; /* (once per offset) */
            }
            p++;
        }
    }
    if (several)
        qsort(found, (size_t)nfound, sizeof(ssz), cmp_ssz);
    PyObject *out = PyList_New(nfound);
    for (ssz i = 0; out != NULL && i < nfound; i++) {
        PyObject *v = PyLong_FromSsize_t(found[i]);
        if (v == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, v);
    }
    PyMem_Free(found);
    return out;
}

/* core._trim_value: a value's bytes w[s:e] without surrounding blanks, a trailing HTML
   comment, a trailing backslash line break or enclosing backticks (0 <= s <= e <= n). */
static void
trim_value(const uchar *w, ssz *ps, ssz *pe)
{
    ssz s = *ps, e = *pe;
    while (e > s && (w[e - 1] == ' ' || w[e - 1] == '\t' || w[e - 1] == '\r'))
        e--;
    if (e - s >= 7 && w[e - 3] == '-' && w[e - 2] == '-' && w[e - 1] == '>') {
        ssz open_at = -1; /* w.rfind(b"<!--", s, e) */
        for (ssz k = e - 4; k >= s; k--) {
            if (w[k] == '<' && w[k + 1] == '!' && w[k + 2] == '-' && w[k + 3] == '-') {
                open_at = k;
                break;
            }
        }
        if (open_at >= 0) {
            e = open_at;
            while (e > s && (w[e - 1] == ' ' || w[e - 1] == '\t'))
                e--;
        }
    }
    if (e > s && w[e - 1] == '\\') {
        e--;
        while (e > s && (w[e - 1] == ' ' || w[e - 1] == '\t'))
            e--;
    }
    while (s < e && (w[s] == ' ' || w[s] == '\t'))
        s++;
    if (e - s >= 2 && w[s] == '`' && w[e - 1] == '`') {
        s++;
        e--;
    }
    *ps = s;
    *pe = e;
}

/* The arguments (work: bytes, start, end) of a function that reads the lines of a
   zone of work: the bytes, their size, the first line start at or after start (a
   line starts at 0 or after "\n") and end, capped at the size. -1 with an exception
   set for other arguments or a negative offset. */
static int
zone_args(PyObject *const *args, Py_ssize_t nargs, const char *name, const uchar **w, ssz *n,
          ssz *first, ssz *end)
{
    char usage[96];
    PyOS_snprintf(usage, sizeof usage, "%s(work: bytes, start, end)", name);
    ssz zs, ze;
    if (bytes_two_offsets(args, nargs, usage, w, n, &zs, &ze) < 0)
        return -1;
    if (zs < 0 || ze < 0) {
        PyErr_Format(PyExc_ValueError, "%s(): offsets must not be negative", name);
        return -1;
    }
    if (ze > *n)
        ze = *n;
    ssz p = zs;
    if (p && (p > *n || (*w)[p - 1] != '\n')) {
        const uchar *nl = p < ze ? memchr(*w + p, '\n', (size_t)(ze - p)) : NULL;
        p = nl == NULL ? ze : (nl - *w) + 1;
    }
    *first = p;
    *end = ze;
    return 0;
}

/* bold_fields(work, start, end) -> list of (start, end, name_start, name_end, colon,
   value_start, value_end): each match of core._BOLD_FIELD in work[start:end] (what
   finditer gives, `^` holding at offset 0 and after "\n" only), colon whether its colon
   group matched, and its value's bytes narrowed by core._trim_value. The pattern's one
   way of matching a line, spelled out:
       ^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)(?P<name>[^*_\r\n]{1,60}?)(?:\*\*|__)
       (?P<colon>[ \t]*:)?[ \t]*(?P<value>[^\r\n]*)\r?$
   bold_next() gives them one by one: the first at or after the line start *pp (its
   seven fields in v, colon as 0 or 1), *pp moved to the line after it; 0 when none. */
static int
bold_next(const uchar *w, ssz *pp, ssz ze, ssz v[7])
{
    ssz p = *pp;
    while (p < ze) {
        ssz i = p;
        while (i < ze && (w[i] == ' ' || w[i] == '\t'))
            i++;
        if (i + 1 < ze && (w[i] == '-' || w[i] == '*' || w[i] == '+') &&
            (w[i + 1] == ' ' || w[i + 1] == '\t')) {
            i += 1;
            while (i < ze && (w[i] == ' ' || w[i] == '\t'))
                i++;
        }
        ssz ns = i + 2, ne = ns, q = 0, mend = 0, vs = 0;
        int colon = 0, ok = 0;
        if (i + 1 < ze && ((w[i] == '*' && w[i + 1] == '*') || (w[i] == '_' && w[i + 1] == '_'))) {
            while (ne < ze && ne - ns <= 60 && w[ne] != '*' && w[ne] != '_' && w[ne] != '\r' &&
                   w[ne] != '\n')
                ne++;
            if (ne > ns && ne - ns <= 60 && ne + 1 < ze &&
                ((w[ne] == '*' && w[ne + 1] == '*') || (w[ne] == '_' && w[ne + 1] == '_'))) {
                ssz d = ne + 2, d2 = d;
                while (d2 < ze && (w[d2] == ' ' || w[d2] == '\t'))
                    d2++;
                ssz pos = d;
                if (d2 < ze && w[d2] == ':') {
                    colon = 1;
                    pos = d2 + 1;
                }
                vs = pos;
                while (vs < ze && (w[vs] == ' ' || w[vs] == '\t'))
                    vs++;
                q = vs;
                while (q < ze && w[q] != '\r' && w[q] != '\n')
                    q++;
                if (q == ze || w[q] == '\n') {
                    ok = 1;
                    mend = q;
                } else if (q + 1 == ze || w[q + 1] == '\n') { /* "\r" ending the line */
                    ok = 1;
                    mend = q + 1;
                }
            }
        }
        ssz from = ok ? mend : p;
        const uchar *nl = from < ze ? memchr(w + from, '\n', (size_t)(ze - from)) : NULL;
        ssz next = nl == NULL ? ze : (nl - w) + 1;
        if (ok) {
            ssz ts = vs, te = q;
            trim_value(w, &ts, &te);
            v[0] = p;
            v[1] = mend;
            v[2] = ns;
            v[3] = ne;
            v[4] = colon;
            v[5] = ts;
            v[6] = te;
            *pp = next;
            return 1;
        }
        p = next;
    }
    *pp = p;
    return 0;
}

static PyObject *
m_bold_fields(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    const uchar *w;
    ssz n, ze, p, v[7];
    if (zone_args(args, nargs, "bold_fields", &w, &n, &p, &ze) < 0)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    while (bold_next(w, &p, ze, v)) {
        PyObject *rec = Py_BuildValue("(nnnnOnn)", v[0], v[1], v[2], v[3], v[4] ? Py_True : Py_False,
                                      v[5], v[6]);
        if (rec == NULL || PyList_Append(out, untracked(rec)) < 0) {
            Py_XDECREF(rec);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(rec);
    }
    return out;
}

/* holding(records, k, needles) -> list: the records (tuples) whose field k, a str,
   holds one of the needles (non-empty strs); in their order. */
/* The first offset of needle (nn > 0 bytes) in h[0:hn], else -1. */
static ssz
find_bytes(const uchar *h, ssz hn, const uchar *needle, ssz nn)
{
    if (hn < nn)
        return -1;
    const uchar *p = h, *end = h + hn - nn + 1;
    while (p < end) {
        p = memchr(p, needle[0], (size_t)(end - p));
        if (p == NULL)
            return -1;
        if (memcmp(p, needle, (size_t)nn) == 0)
            return p - h;
        p++;
    }
    return -1;
}

/* utf8_valid(data): whether data.decode("utf-8") succeeds. */
static PyObject *
m_utf8_valid(PyObject *Py_UNUSED(module), PyObject *arg)
{
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "utf8_valid(data: bytes)");
        return NULL;
    }
    int ascii;
    return PyBool_FromLong(
        check_utf8((const uchar *)PyBytes_AS_STRING(arg), PyBytes_GET_SIZE(arg), &ascii));
}

static PyObject *
m_holding(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyTuple_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "holding(records, k, needles: tuple[str, ...])");
        return NULL;
    }
    PyObject *records = args[0], *needles = args[2];
    if (seq_check(records, "records") < 0)
        return NULL;
    ssz k = PyLong_AsSsize_t(args[1]);
    if (k == -1 && PyErr_Occurred())
        return NULL;
    if (k < 0) {
        PyErr_SetString(PyExc_ValueError, "holding(): k must not be negative");
        return NULL;
    }
    ssz nn = PyTuple_GET_SIZE(needles);
    for (ssz j = 0; j < nn; j++) {
        PyObject *nd = PyTuple_GET_ITEM(needles, j);
        if (!PyUnicode_Check(nd) || PyUnicode_GET_LENGTH(nd) == 0) {
            PyErr_SetString(PyExc_TypeError, "holding(): needles must be non-empty strs");
            return NULL;
        }
    }
    /* (a copy: nothing below runs Python code, but the list is the caller's) */
    PyObject *recs = PySequence_Tuple(records);
    if (recs == NULL)
        return NULL;
    PyObject *out = PyList_New(0);
    ssz count = PyTuple_GET_SIZE(recs);
    for (ssz i = 0; out != NULL && i < count; i++) {
        PyObject *r = record(recs, i, k + 1);
        if (r == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyObject *text = PyTuple_GET_ITEM(r, k);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "holding(): the field must be a str");
            Py_CLEAR(out);
            break;
        }
        for (ssz j = 0; j < nn; j++) {
            PyObject *nd = PyTuple_GET_ITEM(needles, j);
            ssz at;
            if (PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND &&
                PyUnicode_KIND(nd) == PyUnicode_1BYTE_KIND) /* (most texts: no call set-up) */
                at = find_bytes(PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text),
                                PyUnicode_1BYTE_DATA(nd), PyUnicode_GET_LENGTH(nd));
            else
                at = PyUnicode_Find(text, nd, 0, PyUnicode_GET_LENGTH(text), 1);
            if (at == -2) {
                Py_CLEAR(out);
                break;
            }
            if (at >= 0) {
                if (PyList_Append(out, r) < 0)
                    Py_CLEAR(out);
                break;
            }
        }
    }
    Py_DECREF(recs);
    return out;
}

/* bold_field_nodes(work, start, end, spans, field_type, field_key, known, zone, opaque,
   rank) -> list of (rank, start, field): core._Parser._bold_fields's loop over
   bold_fields(work, start, end) in C. A line inside one of the opaque (start, end)
   ranges (sorted) is skipped, as is one whose name does not end in a colon when no colon
   follows the bold, or whose name is empty or (known given) not known(name). Each field
   is field_type(field_key(name).replace(" ", "_"), name, value, "bold", span, value_span,
   zone, None). */
#define BF_MEMO_MAX (1 << 14)
static PyObject *
m_bold_field_nodes(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    static PyObject *s_bold, *s_space, *s_under;
    if ((nargs != 10 && nargs != 11) || !PyBytes_Check(args[0]) ||
        (nargs == 11 && !PyDict_Check(args[10]))) {
        PyErr_SetString(PyExc_TypeError, "bold_field_nodes(work: bytes, start, end, spans, "
                        "field_type, field_key, known, zone, opaque, rank[, memo: dict])");
        return NULL;
    }
    /* memo: name -> key with "_" for " " (field_key's answers, kept between calls: a
       dict look-up in place of a call; emptied at BF_MEMO_MAX names) */
    PyObject *memo = nargs == 11 ? args[10] : NULL;
    if (s_bold == NULL) {
        s_bold = PyUnicode_InternFromString("bold");
        s_space = PyUnicode_InternFromString(" ");
        s_under = PyUnicode_InternFromString("_");
        if (s_bold == NULL || s_space == NULL || s_under == NULL)
            return NULL;
    }
    PyObject *type = args[4], *field_key = args[5], *known = args[6], *zone = args[7];
    PyObject *rank = args[9];
    if (spans_check(args[3]) < 0 || node_type(type, 8) < 0 || seq_check(args[8], "opaque") < 0)
        return NULL;
    Spans *sp = (Spans *)args[3];
    const uchar *w;
    ssz n, ze, p, v[7];
    if (zone_args(args, 3, "bold_field_nodes", &w, &n, &p, &ze) < 0)
        return NULL;
    /* the opaque ranges as C integers (before any Python code runs) */
    ssz nop = seq_len(args[8]);
    ssz *op = PyMem_Malloc(sizeof(ssz) * (size_t)(2 * nop + 1));
    PyObject *out = NULL;
    if (op == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (ssz i = 0; i < nop; i++) {
        PyObject *r = record(args[8], i, 2);
        if (r == NULL || int_at(r, 0, &op[2 * i]) < 0 || int_at(r, 1, &op[2 * i + 1]) < 0)
            goto done;
    }
    out = PyList_New(0);
    if (out == NULL)
        goto done;
    while (bold_next(w, &p, ze, v)) {
        ssz start = v[0];
        /* core._inside: the last range starting at or before `start` holds it */
        ssz lo = 0, hi = nop;
        while (lo < hi) {
            ssz mid = lo + (hi - lo) / 2;
            if (op[2 * mid] <= start)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && op[2 * (lo - 1)] <= start && start < op[2 * (lo - 1) + 1])
            continue;
        PyObject *raw = PyUnicode_DecodeUTF8((const char *)w + v[2], v[3] - v[2], "replace");
        PyObject *name = raw == NULL ? NULL : ustrip(raw);
        Py_XDECREF(raw);
        if (name == NULL)
            goto fail;
        ssz len = PyUnicode_GET_LENGTH(name);
        int kind = PyUnicode_KIND(name);
        const void *d = PyUnicode_DATA(name);
        if (!v[4] && !(len && PyUnicode_READ(kind, d, len - 1) == ':')) {
            Py_DECREF(name);
            continue;
        }
        ssz cut = len; /* name.rstrip(": \t") */
        while (cut > 0) {
            Py_UCS4 c = PyUnicode_READ(kind, d, cut - 1);
            if (c != ':' && c != ' ' && c != '\t')
                break;
            cut--;
        }
        Py_SETREF(name, PyUnicode_Substring(name, 0, cut));
        if (name == NULL)
            goto fail;
        if (!cut) {
            Py_DECREF(name);
            continue;
        }
        if (known != Py_None) {
            PyObject *ok = PyObject_CallOneArg(known, name);
            int yes = ok == NULL ? -1 : PyObject_IsTrue(ok);
            Py_XDECREF(ok);
            if (yes <= 0) {
                Py_DECREF(name);
                if (yes < 0)
                    goto fail;
                continue;
            }
        }
        PyObject *key = memo != NULL ? PyDict_GetItemWithError(memo, name) : NULL;
        if (key != NULL)
            Py_INCREF(key);
        else if (PyErr_Occurred()) {
            Py_DECREF(name);
            goto fail;
        } else {
            key = PyObject_CallOneArg(field_key, name);
            if (key != NULL && !PyUnicode_Check(key)) {
                PyErr_SetString(PyExc_TypeError, "field_key() must return a str");
                Py_CLEAR(key);
            }
            if (key != NULL)
                Py_SETREF(key, PyUnicode_Replace(key, s_space, s_under, -1));
            if (key != NULL && memo != NULL) {
                if (PyDict_GET_SIZE(memo) >= BF_MEMO_MAX)
                    PyDict_Clear(memo);
                if (PyDict_SetItem(memo, name, key) < 0)
                    Py_CLEAR(key);
            }
            if (key == NULL) {
                Py_DECREF(name);
                goto fail;
            }
        }
        PyObject *parts[8] = {key,
                              name,
                              PyUnicode_DecodeUTF8((const char *)w + v[5], v[6] - v[5], "replace"),
                              Py_NewRef(s_bold),
                              spans_of(sp, start, v[1], NULL, NULL),
                              spans_of(sp, v[5], v[6], NULL, NULL),
                              Py_NewRef(zone),
                              Py_NewRef(Py_None)};
        PyObject *node = pack((PyTypeObject *)type, 8, parts);
        /* (the field's start: its span's int) */
        PyObject *at = node == NULL ? NULL : Py_NewRef(PyTuple_GET_ITEM(parts[4], 0));
        PyObject *entry = at == NULL ? NULL : PyTuple_Pack(3, rank, at, node);
        Py_XDECREF(node);
        Py_XDECREF(at);
        if (entry == NULL || PyList_Append(out, entry) < 0) {
            Py_XDECREF(entry);
            goto fail;
        }
        Py_DECREF(entry);
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyMem_Free(op);
    return out;
}

/* Case-insensitive (ASCII) comparison of w[i:i+len(word)] with a lowercase word. */
static int
word_at(const uchar *w, ssz i, ssz end, const char *word)
{
    for (ssz k = 0; word[k]; k++) {
        if (i + k >= end)
            return 0;
        uchar c = w[i + k];
        if (c >= 'A' && c <= 'Z')
            c = (uchar)(c - 'A' + 'a');
        if (c != (uchar)word[k])
            return 0;
    }
    return 1;
}

/* criteria(work, start, end) -> list of (start, end, label_start, label_end, value_start,
   value_end): each match of core._CRITERIA in work[start:end] (what finditer gives: `^`
   holds at offset 0 and after "\n" only), spelled out; the pattern has one way of
   matching a line, its label being the first of its alternatives that the text has:
       ^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?(?P<label>acceptance criteria|
       acceptance|criteria|target|targets|metric)(?:[ \t]*:)?(?:\*\*|__)?[ \t]*:?[ \t]*
       (?P<value>[^\r\n]*)\r?$                                  (IGNORECASE, MULTILINE)
   criteria_next() gives them one by one: the first match at or after the line start *pp
   (its six offsets in c), *pp moved to the line after it; 0 when there is none. */
static int
criteria_next(const uchar *w, ssz *pp, ssz ze, ssz c[6])
{
    static const char *labels[] = {"acceptance criteria", "acceptance", "criteria", "target",
                                   "targets", "metric"};
    ssz p = *pp;
    while (p < ze) {
        ssz i = p, mend = 0, ls = 0, le = 0, vs = 0, q = 0;
        int ok = 0;
        while (i < ze && (w[i] == ' ' || w[i] == '\t'))
            i++;
        if (i + 1 < ze && (w[i] == '-' || w[i] == '*' || w[i] == '+') &&
            (w[i + 1] == ' ' || w[i + 1] == '\t')) {
            i++;
            while (i < ze && (w[i] == ' ' || w[i] == '\t'))
                i++;
        } else if (i < ze && is_digit(w[i])) {
            ssz j = i;
            while (j < ze && is_digit(w[j]))
                j++;
            if (j + 1 < ze && (w[j] == '.' || w[j] == ')') && (w[j + 1] == ' ' || w[j + 1] == '\t')) {
                i = j + 1;
                while (i < ze && (w[i] == ' ' || w[i] == '\t'))
                    i++;
            }
        }
        if (i + 1 < ze && ((w[i] == '*' && w[i + 1] == '*') || (w[i] == '_' && w[i + 1] == '_')))
            i += 2;
        for (size_t k = 0; k < sizeof labels / sizeof *labels; k++) {
            if (word_at(w, i, ze, labels[k])) {
                ls = i;
                le = i + (ssz)strlen(labels[k]);
                ok = 1;
                break;
            }
        }
        if (ok) {
            ssz j = le, d = le;
            while (d < ze && (w[d] == ' ' || w[d] == '\t'))
                d++;
            if (d < ze && w[d] == ':')
                j = d + 1;
            if (j + 1 < ze && ((w[j] == '*' && w[j + 1] == '*') || (w[j] == '_' && w[j + 1] == '_')))
                j += 2;
            while (j < ze && (w[j] == ' ' || w[j] == '\t'))
                j++;
            if (j < ze && w[j] == ':')
                j++;
            while (j < ze && (w[j] == ' ' || w[j] == '\t'))
                j++;
            vs = j;
            q = j;
            while (q < ze && w[q] != '\r' && w[q] != '\n')
                q++;
            ok = 0;
            if (q == ze || w[q] == '\n') {
                ok = 1;
                mend = q;
            } else if (q + 1 == ze || w[q + 1] == '\n') {
                ok = 1;
                mend = q + 1;
            }
        }
        ssz from = ok ? mend : p;
        const uchar *nl = from < ze ? memchr(w + from, '\n', (size_t)(ze - from)) : NULL;
        ssz next = nl == NULL ? ze : (nl - w) + 1;
        if (ok) {
            c[0] = p;
            c[1] = mend;
            c[2] = ls;
            c[3] = le;
            c[4] = vs;
            c[5] = q;
            *pp = next;
            return 1;
        }
        p = next;
    }
    *pp = p;
    return 0;
}

static PyObject *
m_criteria(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    const uchar *w;
    ssz n, ze, p, c[6];
    if (zone_args(args, nargs, "criteria", &w, &n, &p, &ze) < 0)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    while (criteria_next(w, &p, ze, c)) {
        PyObject *rec = Py_BuildValue("(nnnnnn)", c[0], c[1], c[2], c[3], c[4], c[5]);
        if (rec == NULL || PyList_Append(out, untracked(rec)) < 0) {
            Py_XDECREF(rec);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(rec);
    }
    return out;
}

/* The first line start at or after zs ("^" of a MULTILINE pattern searched from zs: a
   line starts at 0 or after "\n"), at most ze (ze <= n). */
static ssz
line_from(const uchar *w, ssz n, ssz zs, ssz ze)
{
    if (!zs || (zs <= n && w[zs - 1] == '\n'))
        return zs;
    const uchar *nl = zs < ze ? memchr(w + zs, '\n', (size_t)(ze - zs)) : NULL;
    return nl == NULL ? ze : (nl - w) + 1;
}

/* core._Parser._following_items: the list items right after an empty criteria label,
   the matches of \r?\n[ \t]*(?:[-*+]|\d+[.)])[ \t]+([^\r\n]*) in w[pos:end], each
   starting where the one before ended (the first at pos): their texts stripped, the
   empty ones left out, joined by "; ". */
static PyObject *
following_items(const uchar *w, ssz pos, ssz end)
{
    static PyObject *s_sep;
    if (s_sep == NULL && (s_sep = PyUnicode_InternFromString("; ")) == NULL)
        return NULL;
    PyObject *parts = PyList_New(0);
    if (parts == NULL)
        return NULL;
    ssz i = pos;
    for (;;) {
        if (i < end && w[i] == '\r')
            i++;
        if (!(i < end && w[i] == '\n'))
            break;
        i++;
        while (i < end && (w[i] == ' ' || w[i] == '\t'))
            i++;
        if (i < end && (w[i] == '-' || w[i] == '*' || w[i] == '+'))
            i++;
        else if (i < end && is_digit(w[i])) {
            while (i < end && is_digit(w[i]))
                i++;
            if (!(i < end && (w[i] == '.' || w[i] == ')')))
                break;
            i++;
        } else
            break;
        if (!(i < end && (w[i] == ' ' || w[i] == '\t')))
            break;
        while (i < end && (w[i] == ' ' || w[i] == '\t'))
            i++;
        ssz gs = i;
        while (i < end && w[i] != '\r' && w[i] != '\n')
            i++;
        PyObject *raw = PyUnicode_DecodeUTF8((const char *)w + gs, i - gs, "replace");
        PyObject *part = raw == NULL ? NULL : ustrip(raw);
        Py_XDECREF(raw);
        if (part == NULL || (PyUnicode_GET_LENGTH(part) && PyList_Append(parts, part) < 0)) {
            Py_XDECREF(part);
            Py_DECREF(parts);
            return NULL;
        }
        Py_DECREF(part);
    }
    PyObject *out = PyUnicode_Join(s_sep, parts);
    Py_DECREF(parts);
    return out;
}

/* A requirement found, before its node is made: where it is and its match's groups. */
typedef struct {
    ssz s, e, body, seq;
    PyObject *rid, *text; /* (owned) */
} ReqHit;

static int
cmp_hit(const void *a, const void *b)
{
    const ReqHit *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* requirements(spans, req_type, match, kind_of, items, heads, work, starts, names): the
   requirements as core._Parts.requirements builds them (core._Parser._requirement for each
   list item whose text match() matches, then each heading (_Head) whose title it matches,
   its body after the heading line; sorted by start, stably). kind_of is
   ctx.requirement_kind; match(text) a match whose groups 1 and 2 are the ID and the text. */
static PyObject *
m_requirements(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    static PyObject *s_group, *s_nonfunc, *s_func, *one, *two;
    if (nargs != 9 || !PyBytes_Check(args[6])) {
        PyErr_SetString(PyExc_TypeError, "requirements(spans, req_type, match, kind_of, items, "
                        "heads, work: bytes, starts, names)");
        return NULL;
    }
    if (s_group == NULL) {
        s_group = PyUnicode_InternFromString("group");
        s_nonfunc = PyUnicode_InternFromString("non-functional");
        s_func = PyUnicode_InternFromString("functional");
        one = PyLong_FromLong(1);
        two = PyLong_FromLong(2);
        if (s_group == NULL || s_nonfunc == NULL || s_func == NULL || one == NULL || two == NULL)
            return NULL;
    }
    PyObject *type = args[1], *match = args[2], *kind_of = args[3];
    PyObject *items = args[4], *heads = args[5];
    if (spans_check(args[0]) < 0 || node_type(type, 9) < 0 || seq_check(items, "items") < 0 ||
        seq_check(heads, "heads") < 0)
        return NULL;
    Spans *sp = (Spans *)args[0];
    const uchar *w = (const uchar *)PyBytes_AS_STRING(args[6]);
    ssz n = PyBytes_GET_SIZE(args[6]);
    Index ix;
    if (index_init(&ix, args[7], args[8]) < 0)
        return NULL;
    ssz ni = seq_len(items), nh = seq_len(heads), nhit = 0;
    ReqHit *hits = PyMem_Malloc(sizeof(ReqHit) * (size_t)(ni + nh + 1));
    PyObject *out = NULL;
    if (hits == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* the matches first (Python code runs here), then the nodes */
    for (ssz k = 0; k < ni + nh; k++) {
        int head = k >= ni;
        PyObject *rec = head ? record(heads, k - ni, 5) : record(items, k, 4);
        if (rec == NULL)
            goto done;
        ReqHit h = {0, 0, -1, nhit, NULL, NULL};
        if (int_at(rec, head ? 1 : 0, &h.s) < 0 ||
            int_at(rec, head ? 4 : 1, &h.e) < 0 || (head && int_at(rec, 2, &h.body) < 0))
            goto done;
        PyObject *m = PyObject_CallOneArg(match, PyTuple_GET_ITEM(rec, head ? 3 : 2));
        if (m == NULL)
            goto done;
        if (m == Py_None) {
            Py_DECREF(m);
            continue;
        }
        PyObject *g = PyObject_CallMethodObjArgs(m, s_group, one, two, NULL);
        Py_DECREF(m);
        if (g == NULL)
            goto done;
        if (!PyTuple_Check(g) || PyTuple_GET_SIZE(g) != 2 ||
            !PyUnicode_Check(PyTuple_GET_ITEM(g, 0)) || !PyUnicode_Check(PyTuple_GET_ITEM(g, 1))) {
            Py_DECREF(g);
            PyErr_SetString(PyExc_TypeError, "match() must give two str groups");
            goto done;
        }
        h.rid = Py_NewRef(PyTuple_GET_ITEM(g, 0));
        h.text = Py_NewRef(PyTuple_GET_ITEM(g, 1));
        Py_DECREF(g);
        hits[nhit++] = h;
    }
    qsort(hits, (size_t)nhit, sizeof(ReqHit), cmp_hit);
    out = PyTuple_New(nhit);
    if (out == NULL)
        goto done;
    for (ssz k = 0; k < nhit; k++) {
        ReqHit *h = &hits[k];
        if (h->s < 0 || h->body < -1) {
            PyErr_SetString(PyExc_ValueError, "requirements(): bad offsets in a record");
            goto fail;
        }
        PyObject *kind = PyObject_CallOneArg(kind_of, h->rid);
        if (kind == NULL)
            goto fail;
        int nonfunc = PyObject_RichCompareBool(kind, s_nonfunc, Py_EQ);
        Py_DECREF(kind);
        if (nonfunc < 0)
            goto fail;
        PyObject *text = ustrip(h->text);
        if (text == NULL)
            goto fail;
        PyObject *criteria = NULL, *target = NULL, *criteria_span = NULL, *target_span = NULL;
        ssz ze = h->e < n ? h->e : n, c[6];
        ssz from = h->body >= 0 ? h->body : h->s;
        ssz p = line_from(w, n, from, ze);
        int bad = 0;
        while (!bad && criteria_next(w, &p, ze, c)) {
            ssz vs = c[4], ve = c[5];
            trim_value(w, &vs, &ve);
            PyObject *raw = PyUnicode_DecodeUTF8((const char *)w + vs, ve - vs, "replace");
            PyObject *value = raw == NULL ? NULL : ustrip(raw);
            Py_XDECREF(raw);
            if (value != NULL && !PyUnicode_GET_LENGTH(value))
                Py_SETREF(value, following_items(w, c[1], h->e < n ? h->e : n));
            if (value == NULL) {
                bad = 1;
                break;
            }
            uchar l = w[c[2]];
            PyObject **slot, **slot_span;
            if (l == 't' || l == 'T' || l == 'm' || l == 'M') { /* a target or a metric */
                slot = &target;
                slot_span = &target_span;
            } else {
                slot = &criteria;
                slot_span = &criteria_span;
            }
            if (*slot == NULL) {
                *slot_span = spans_of(sp, c[0], c[1], NULL, NULL);
                if (*slot_span == NULL)
                    bad = 1;
                *slot = value;
            } else
                Py_DECREF(value);
        }
        /* an empty criteria or target is none */
        if (criteria != NULL && !PyUnicode_GET_LENGTH(criteria))
            Py_SETREF(criteria, Py_NewRef(Py_None));
        if (target != NULL && !PyUnicode_GET_LENGTH(target))
            Py_SETREF(target, Py_NewRef(Py_None));
        PyObject *parts[9] = {Py_NewRef(h->rid),
                              Py_NewRef(nonfunc ? s_nonfunc : s_func),
                              text,
                              criteria ? criteria : Py_NewRef(Py_None),
                              target ? target : Py_NewRef(Py_None),
                              index_at(&ix, h->s),
                              spans_of(sp, h->s, h->e, NULL, NULL),
                              criteria_span ? criteria_span : Py_NewRef(Py_None),
                              target_span ? target_span : Py_NewRef(Py_None)};
        if (bad) {
            for (int j = 0; j < 9; j++)
                Py_XDECREF(parts[j]);
            goto fail;
        }
        PyObject *node = pack((PyTypeObject *)type, 9, parts);
        if (node == NULL)
            goto fail;
        PyTuple_SET_ITEM(out, k, node);
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    for (ssz k = 0; k < nhit; k++) {
        Py_DECREF(hits[k].rid);
        Py_DECREF(hits[k].text);
    }
    PyMem_Free(hits);
    PyMem_Free(ix.starts);
    return out;
}

/* head_index(heads) -> (starts, names): core._Parts._index, each head's (_SectionHead)
   start and its template name, else (the name empty or None) its title. */
static PyObject *
m_head_index(PyObject *Py_UNUSED(module), PyObject *heads)
{
    if (seq_check(heads, "heads") < 0)
        return NULL;
    ssz count = seq_len(heads);
    PyObject *starts = PyList_New(count), *names = PyList_New(count);
    if (starts == NULL || names == NULL)
        goto fail;
    for (ssz i = 0; i < count; i++) {
        PyObject *h = record(heads, i, 6);
        if (h == NULL)
            goto fail;
        PyObject *name = PyTuple_GET_ITEM(h, 5);
        int named = PyObject_IsTrue(name);
        if (named < 0)
            goto fail;
        PyList_SET_ITEM(starts, i, Py_NewRef(PyTuple_GET_ITEM(h, 1)));
        PyList_SET_ITEM(names, i, Py_NewRef(named ? name : PyTuple_GET_ITEM(h, 3)));
    }
    return Py_BuildValue("(NN)", starts, names);
fail:
    Py_XDECREF(starts);
    Py_XDECREF(names);
    return NULL;
}

/* preorder(roots, k) -> tuple: every node of the trees `roots` (a tuple of nodes, each a
   tuple whose item k is the tuple of its children) in document order: a node, then its
   children's trees (Document.flat_sections). */
static PyObject *
m_preorder(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyTuple_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "preorder(roots: tuple, k)");
        return NULL;
    }
    ssz k = PyLong_AsSsize_t(args[1]);
    if (k == -1 && PyErr_Occurred())
        return NULL;
    if (k < 0) {
        PyErr_SetString(PyExc_ValueError, "preorder(): k must not be negative");
        return NULL;
    }
    /* a stack of (siblings, next index); no Python code runs, the tuples are immutable */
    ssz cap = 16, depth = 0;
    struct level {
        PyObject *nodes;
        ssz next;
    } *stack = PyMem_Malloc(sizeof *stack * (size_t)cap);
    PyObject *out = PyList_New(0);
    if (stack == NULL || out == NULL) {
        if (stack == NULL)
            PyErr_NoMemory();
        goto fail;
    }
    stack[depth].nodes = args[0];
    stack[depth++].next = 0;
    while (depth) {
        struct level *top = &stack[depth - 1];
        if (top->next >= PyTuple_GET_SIZE(top->nodes)) {
            depth--;
            continue;
        }
        PyObject *node = PyTuple_GET_ITEM(top->nodes, top->next++);
        if (!PyTuple_Check(node) || PyTuple_GET_SIZE(node) <= k ||
            !PyTuple_Check(PyTuple_GET_ITEM(node, k))) {
            PyErr_SetString(PyExc_TypeError, "preorder(): a node must be a tuple whose item k "
                            "is the tuple of its children");
            goto fail;
        }
        if (PyList_Append(out, node) < 0)
            goto fail;
        PyObject *children = PyTuple_GET_ITEM(node, k);
        if (PyTuple_GET_SIZE(children)) {
            if (depth == cap) {
                if (grow((void **)&stack, &cap, sizeof *stack) < 0)
                    goto fail;
            }
            stack[depth].nodes = children;
            stack[depth++].next = 0;
        }
    }
    PyMem_Free(stack);
    return list_to_tuple(out);
fail:
    PyMem_Free(stack);
    Py_XDECREF(out);
    return NULL;
}

/* field_heads(heads, keys, sections, named) -> (in_sections, candidates): for
   core._Parser._fields, the indices (ascending) of the heads (_Head: level, start, end,
   title, until) of level 2 or deeper whose key (keys[i], the title normalised) is in
   the set `sections`, and of the heads of level 2 whose key is in the set `named` or
   whose title holds ":". */
static PyObject *
m_field_heads(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyAnySet_Check(args[2]) || !PyAnySet_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "field_heads(heads, keys, sections: set, named: set)");
        return NULL;
    }
    PyObject *heads = args[0], *keys = args[1];
    if (seq_check(heads, "heads") < 0 || seq_check(keys, "keys") < 0)
        return NULL;
    ssz count = seq_len(heads);
    if (seq_len(keys) != count) {
        PyErr_SetString(PyExc_ValueError, "heads and keys differ in length");
        return NULL;
    }
    PyObject *in_sections = PyList_New(0), *candidates = PyList_New(0);
    if (in_sections == NULL || candidates == NULL)
        goto fail;
    for (ssz i = 0; i < count; i++) {
        PyObject *h = record(heads, i, 5);
        ssz level;
        if (h == NULL || int_at(h, 0, &level) < 0)
            goto fail;
        if (level < 2)
            continue;
        PyObject *key = PyList_Check(keys) ? PyList_GET_ITEM(keys, i) : PyTuple_GET_ITEM(keys, i);
        PyObject *title = PyTuple_GET_ITEM(h, 3);
        if (!PyUnicode_Check(title)) {
            PyErr_SetString(PyExc_TypeError, "a heading's title must be a str");
            goto fail;
        }
        int in = PySet_Contains(args[2], key);
        int cand = level == 2 ? PySet_Contains(args[3], key) : 0;
        if (in < 0 || cand < 0)
            goto fail;
        if (level == 2 && !cand)
            cand = PyUnicode_FindChar(title, ':', 0, PyUnicode_GET_LENGTH(title), 1) >= 0;
        for (int j = 0; j < 2; j++) {
            if (!(j ? cand : in))
                continue;
            PyObject *v = PyLong_FromSsize_t(i);
            if (v == NULL || PyList_Append(j ? candidates : in_sections, v) < 0) {
                Py_XDECREF(v);
                goto fail;
            }
            Py_DECREF(v);
        }
    }
    return Py_BuildValue("(NN)", in_sections, candidates);
fail:
    Py_XDECREF(in_sections);
    Py_XDECREF(candidates);
    return NULL;
}

/* core._review_col: a Review History column's role (date, reviewer, status, feedback)
   from norm_key(header), which it returns otherwise (a new reference). */
static PyObject *
review_col(PyObject *norm_key, PyObject *header)
{
    static const char *roles[][8] = {
        {"date", "date", "when", "fecha", NULL},
        {"reviewer", "reviewer", "who", "by", "name", "author", "revisor", "relecteur"},
        {"status", "status", "state", "decision", "result", "estado", "statut", NULL},
        {"feedback", "feedback", "note", "notes", "comment", "comments", "remarks", NULL},
    };
    PyObject *k = PyObject_CallOneArg(norm_key, header);
    if (k == NULL || !PyUnicode_Check(k))
        return k;
    for (size_t r = 0; r < sizeof roles / sizeof *roles; r++) {
        for (int j = 1; j < 8 && roles[r][j] != NULL; j++) {
            if (PyUnicode_CompareWithASCIIString(k, roles[r][j]) == 0) {
                Py_DECREF(k);
                return PyUnicode_FromString(roles[r][0]);
            }
        }
    }
    return k;
}

/* Whether an ASCII str holds `word` (lowercase) in any case. */
static int
ascii_holds_ci(PyObject *s, const char *word)
{
    const uchar *d = PyUnicode_1BYTE_DATA(s);
    ssz n = PyUnicode_GET_LENGTH(s), m = (ssz)strlen(word);
    for (ssz i = 0; i + m <= n; i++)
        if (word_at(d, i, n, word))
            return 1;
    return 0;
}

/* review_history(entry_type, names, heads, tables, norm_key): core._Parser._review_history
   (the rows of the first table in the first section whose name norm_key makes
   "review history", as entry_type(date, reviewer, status, feedback, row_span)); names:
   each head's template name, else its title; heads: (level, start, end, title, until, …);
   tables: the document's Table nodes (header, rows, section, span, row_spans). */
static PyObject *
m_review_history(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    static const char *roles[] = {"date", "reviewer", "status", "feedback"};
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "review_history(entry_type, names, heads, tables, norm_key)");
        return NULL;
    }
    PyObject *type = args[0], *names = args[1], *heads = args[2], *tables = args[3];
    PyObject *norm_key = args[4];
    if (node_type(type, 5) < 0 || seq_check(names, "names") < 0 ||
        seq_check(heads, "heads") < 0 || seq_check(tables, "tables") < 0)
        return NULL;
    ssz count = seq_len(names), at_head = -1;
    if (seq_len(heads) < count) {
        PyErr_SetString(PyExc_ValueError, "review_history(): fewer heads than names");
        return NULL;
    }
    for (ssz i = 0; i < count && at_head < 0; i++) {
        PyObject *name = PyList_Check(names) ? PyList_GET_ITEM(names, i) : PyTuple_GET_ITEM(names, i);
        /* (an ASCII name without "review" cannot be one: norm_key lowercases it and makes
           each run of other characters than letters and digits one space) */
        if (PyUnicode_Check(name) && PyUnicode_IS_ASCII(name) && !ascii_holds_ci(name, "review"))
            continue;
        PyObject *k = PyObject_CallOneArg(norm_key, name);
        if (k == NULL)
            return NULL;
        int eq = PyUnicode_Check(k) && PyUnicode_CompareWithASCIIString(k, "review history") == 0;
        Py_DECREF(k);
        if (eq)
            at_head = i;
    }
    if (at_head < 0)
        return PyTuple_New(0);
    PyObject *h = record(heads, at_head, 5);
    ssz hs, end;
    if (h == NULL || int_at(h, 1, &hs) < 0 || int_at(h, 4, &end) < 0)
        return NULL;
    ssz nt = seq_len(tables);
    for (ssz k = 0; k < nt; k++) {
        PyObject *t = record(tables, k, 5);
        if (t == NULL)
            return NULL;
        PyObject *span = PyTuple_GET_ITEM(t, 3), *header = PyTuple_GET_ITEM(t, 0);
        PyObject *rows = PyTuple_GET_ITEM(t, 1), *row_spans = PyTuple_GET_ITEM(t, 4);
        ssz ts;
        if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) < 1 || int_at(span, 0, &ts) < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "a table's span must be a record");
            return NULL;
        }
        if (!(hs <= ts && ts < end))
            continue;
        if (seq_check(header, "header") < 0 || seq_check(rows, "rows") < 0 ||
            seq_check(row_spans, "row_spans") < 0)
            return NULL;
        /* each role's column: the first header cell of that role */
        ssz at[4] = {-1, -1, -1, -1}, nh = seq_len(header);
        for (ssz c = 0; c < nh; c++) {
            PyObject *cell = record(header, c, 1);
            PyObject *role = cell == NULL ? NULL : review_col(norm_key, PyTuple_GET_ITEM(cell, 0));
            if (role == NULL)
                return NULL;
            for (int r = 0; r < 4; r++)
                if (at[r] < 0 && PyUnicode_Check(role) &&
                    PyUnicode_CompareWithASCIIString(role, roles[r]) == 0)
                    at[r] = c;
            Py_DECREF(role);
        }
        ssz nr = seq_len(rows), ns = seq_len(row_spans);
        ssz m = nr < ns ? nr : ns;
        PyObject *out = PyTuple_New(m);
        if (out == NULL)
            return NULL;
        for (ssz i = 0; i < m; i++) {
            PyObject *row = record(rows, i, 0);
            if (row == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyObject *parts[5];
            for (int r = 0; r < 4; r++) {
                if (at[r] >= 0 && at[r] < PyTuple_GET_SIZE(row)) {
                    PyObject *cell = record(row, at[r], 1);
                    parts[r] = cell == NULL ? NULL : Py_NewRef(PyTuple_GET_ITEM(cell, 0));
                } else
                    parts[r] = PyUnicode_New(0, 0);
            }
            parts[4] = Py_NewRef(PyList_Check(row_spans) ? PyList_GET_ITEM(row_spans, i)
                                                         : PyTuple_GET_ITEM(row_spans, i));
            PyObject *entry = pack((PyTypeObject *)type, 5, parts);
            if (entry == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyTuple_SET_ITEM(out, i, entry);
        }
        return out;
    }
    return PyTuple_New(0);
}

/* Ranges (start, end) as C integers, sorted as given: core._inside's ranges. */
typedef struct {
    ssz n;
    ssz *v; /* start, end, start, end, … */
} Ranges;

static int
ranges_init(Ranges *r, PyObject *seq)
{
    r->v = NULL;
    if (seq_check(seq, "ranges") < 0)
        return -1;
    r->n = seq_len(seq);
    r->v = PyMem_Malloc(sizeof(ssz) * (size_t)(2 * r->n + 1));
    if (r->v == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (ssz i = 0; i < r->n; i++) {
        PyObject *t = record(seq, i, 2);
        if (t == NULL || int_at(t, 0, &r->v[2 * i]) < 0 || int_at(t, 1, &r->v[2 * i + 1]) < 0) {
            PyMem_Free(r->v);
            r->v = NULL;
            return -1;
        }
    }
    return 0;
}

/* core._inside: the last range starting at or before pos holds it */
static int
ranges_hold(const Ranges *r, ssz pos)
{
    ssz lo = 0, hi = r->n;
    while (lo < hi) {
        ssz mid = lo + (hi - lo) / 2;
        if (r->v[2 * mid] <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && pos < r->v[2 * (lo - 1) + 1];
}

/* references(spans, ref_type, matches, work, opaque, anchors, doc_id, starts, names):
   core._Parser._references's loop over the matches of ref_re in work, in C. */
static PyObject *
m_references(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    static PyObject *s_regs;
    if (nargs != 9 || !PyBytes_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "references(spans, ref_type, matches, work: bytes, "
                        "opaque, anchors, doc_id, starts, names)");
        return NULL;
    }
    if (s_regs == NULL && (s_regs = PyUnicode_InternFromString("regs")) == NULL)
        return NULL;
    PyObject *type = args[1], *doc_id = args[6];
    if (spans_check(args[0]) < 0 || node_type(type, 5) < 0 || seq_check(args[2], "matches") < 0)
        return NULL;
    if (doc_id != Py_None && !PyUnicode_Check(doc_id)) {
        PyErr_SetString(PyExc_TypeError, "doc_id must be a str or None");
        return NULL;
    }
    Spans *sp = (Spans *)args[0];
    const uchar *w = (const uchar *)PyBytes_AS_STRING(args[3]);
    ssz n = PyBytes_GET_SIZE(args[3]);
    Ranges opaque = {0, NULL}, anchors = {0, NULL};
    Index ix = {0, NULL, NULL};
    PyObject *out = NULL, *matches = NULL;
    if (ranges_init(&opaque, args[4]) < 0 || ranges_init(&anchors, args[5]) < 0 ||
        index_init(&ix, args[7], args[8]) < 0)
        goto done;
    /* (a copy: reading a match's regs runs no Python code, but the list is the caller's) */
    matches = PySequence_Tuple(args[2]);
    if (matches == NULL)
        goto done;
    out = PyList_New(0);
    if (out == NULL)
        goto done;
    for (ssz i = 0; i < PyTuple_GET_SIZE(matches); i++) {
        PyObject *regs = PyObject_GetAttr(PyTuple_GET_ITEM(matches, i), s_regs);
        if (regs == NULL)
            goto fail;
        ssz g[6] = {-1, -1, -1, -1, -1, -1};
        int bad = !PyTuple_Check(regs) || PyTuple_GET_SIZE(regs) < 3;
        for (int k = 0; !bad && k < 3; k++) {
            PyObject *pair = PyTuple_GET_ITEM(regs, k);
            bad = !PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
                  int_at(pair, 0, &g[2 * k]) < 0 || int_at(pair, 1, &g[2 * k + 1]) < 0;
        }
        Py_DECREF(regs);
        if (bad) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "expected matches of a pattern of 2 groups");
            goto fail;
        }
        ssz s = g[0], e = g[1];
        if (s < 0 || e > n || g[2] < 0 || g[3] > n || g[2] > g[3] || g[5] > n) {
            PyErr_SetString(PyExc_ValueError, "a match outside the bytes");
            goto fail;
        }
        if (opaque.n && ranges_hold(&opaque, s))
            continue;
        if (s && w[s - 1] == '#')
            continue;
        if (anchors.n && ranges_hold(&anchors, s))
            continue;
        PyObject *target = PyUnicode_DecodeUTF8((const char *)w + g[2], g[3] - g[2], NULL);
        if (target == NULL)
            goto fail;
        PyObject *req = Py_None;
        if (g[4] >= 0 && g[5] > g[4]) {
            req = PyUnicode_DecodeUTF8((const char *)w + g[4], g[5] - g[4], NULL);
            if (req == NULL) {
                Py_DECREF(target);
                goto fail;
            }
        } else {
            Py_INCREF(req);
        }
        if (req == Py_None && doc_id != Py_None) {
            int same = PyUnicode_Compare(target, doc_id) == 0;
            if (same) {
                Py_DECREF(target);
                Py_DECREF(req);
                continue;
            }
        }
        PyObject *parts[5] = {target, req,
                              PyUnicode_DecodeUTF8((const char *)w + s, e - s, NULL),
                              index_at(&ix, s), spans_of(sp, s, e, NULL, NULL)};
        PyObject *node = pack((PyTypeObject *)type, 5, parts);
        if (node == NULL || PyList_Append(out, untracked(node)) < 0) {
            Py_XDECREF(node);
            goto fail;
        }
        Py_DECREF(node);
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyMem_Free(opaque.v);
    PyMem_Free(anchors.v);
    PyMem_Free(ix.starts);
    Py_XDECREF(matches);
    return out;
}

PyDoc_STRVAR(line_starts_doc,
             "line_starts(data, /)\n--\n\n"
             "The offsets where the lines of ``data`` start (lines end at CRLF, CR or LF),\n"
             "as a tuple: specbook.parse.scan.lines.line_starts in C.");

/* set_types(blocks, heading, item, task, cell, table, code): the named tuple types
   scan() makes its records as; each must be a tuple subclass with the right number of
   fields. */
static PyObject *
set_types(PyObject *Py_UNUSED(module), PyObject *args)
{
    static const ssz sizes[7] = {6, 4, 4, 3, 3, 3, 5};
    PyTypeObject *t[7];
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!O!:set_types", &PyType_Type, &t[0], &PyType_Type,
                          &t[1], &PyType_Type, &t[2], &PyType_Type, &t[3], &PyType_Type, &t[4],
                          &PyType_Type, &t[5], &PyType_Type, &t[6]))
        return NULL;
    for (int i = 0; i < 7; i++) {
        PyObject *fields = NULL;
        if (PyType_IsSubtype(t[i], &PyTuple_Type))
            fields = PyObject_GetAttrString((PyObject *)t[i], "_fields");
        if (fields == NULL || !PyTuple_Check(fields) || PyTuple_GET_SIZE(fields) != sizes[i]) {
            Py_XDECREF(fields);
            PyErr_Format(PyExc_TypeError, "set_types(): argument %d must be a named tuple type "
                         "of %zd fields", i + 1, sizes[i]);
            return NULL;
        }
        Py_DECREF(fields);
    }
    PyTypeObject **slots[7] = {&T_blocks, &T_heading, &T_item, &T_task, &T_cell, &T_table, &T_code};
    for (int i = 0; i < 7; i++) {
        Py_INCREF(t[i]);
        Py_XSETREF(*slots[i], t[i]);
    }
    Py_RETURN_NONE;
}

PyDoc_STRVAR(set_types_doc,
             "set_types(blocks, heading, item, task, cell, table, code, /)\n--\n\n"
             "The named tuple types of specbook.parse.scan.blocks that scan() makes its\n"
             "records as (Blocks, RawHeading, RawItem, RawTask, RawCell, RawTable, RawCode).");

PyDoc_STRVAR(scan_doc,
             "scan(work, /)\n--\n\n"
             "The blocks of the UTF-8 Markdown ``work`` as a tuple (headings, items, tables,\n"
             "codes, html, links), exactly as specbook.parse.scan.fast.scan returns them, or None\n"
             "when this scanner is not sure (the caller then asks fast.scan).");

/* == the stored parse (specbook.core.stored): revive, pack ===============================
 * (one block: dump and load of a parsed document for the snapshot) */

/* -- revive(value, shape): the model's nodes again from what pack(value) stored ------------
 *
 * What specbook.core.stored made in Python, node type by node type, from the data pack()
 * stored: `shape` says what each part of `value` becomes.
 *   None                  the value as it is
 *   a type                a node of that type (a tuple subclass) of the value's items
 *   (type, (s0, s1, ...)) a node of that type, item i made by shape si (as many items as
 *                         shapes)
 *   [s]                   a tuple of the value's items, each made by shape s
 * A None value stays None whatever its shape (an optional span). A shape may hold itself
 * (a section's children are sections). A value of the wrong form is a TypeError.
 */
static PyObject *
revive_of(PyObject *v, PyObject *shape)
{
    if (shape == Py_None || v == Py_None)
        return Py_NewRef(v);
    if (!PyTuple_Check(v)) {
        PyErr_Format(PyExc_TypeError, "revive(): a tuple was expected, not %.50s",
                     Py_TYPE(v)->tp_name);
        return NULL;
    }
    ssz n = PyTuple_GET_SIZE(v);
    PyObject *out = NULL;
    if (Py_EnterRecursiveCall(" in revive()"))
        return NULL;
    if (PyList_Check(shape)) {
        if (PyList_GET_SIZE(shape) != 1) {
            PyErr_SetString(PyExc_TypeError, "revive(): a list shape holds one shape");
            goto done;
        }
        PyObject *each = PyList_GET_ITEM(shape, 0);
        out = PyTuple_New(n);
        if (out == NULL)
            goto done;
        for (ssz i = 0; i < n; i++) {
            PyObject *got = revive_of(PyTuple_GET_ITEM(v, i), each);
            if (got == NULL) {
                Py_CLEAR(out);
                goto done;
            }
            PyTuple_SET_ITEM(out, i, got);
        }
        goto done;
    }
    PyObject *type = shape, *fields = NULL;
    if (PyTuple_Check(shape)) {
        if (PyTuple_GET_SIZE(shape) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(shape, 1))) {
            PyErr_SetString(PyExc_TypeError, "revive(): a node shape is (type, (shapes))");
            goto done;
        }
        type = PyTuple_GET_ITEM(shape, 0);
        fields = PyTuple_GET_ITEM(shape, 1);
        if (PyTuple_GET_SIZE(fields) != n) {
            PyErr_Format(PyExc_TypeError, "revive(): %zd items where %zd were expected", n,
                         PyTuple_GET_SIZE(fields));
            goto done;
        }
    }
    if (!PyType_Check(type) || !PyType_IsSubtype((PyTypeObject *)type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "revive(): a node's type must be a tuple subclass");
        goto done;
    }
    PyTypeObject *t = (PyTypeObject *)type;
    out = t->tp_alloc(t, n);
    if (out == NULL)
        goto done;
    for (ssz i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(v, i);
        PyObject *got = fields == NULL ? Py_NewRef(item)
                                       : revive_of(item, PyTuple_GET_ITEM(fields, i));
        if (got == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyTuple_SET_ITEM(out, i, got);
    }
done:
    Py_LeaveRecursiveCall();
    return out;
}

static PyObject *
m_revive(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "revive(value, shape) takes two arguments");
        return NULL;
    }
    return revive_of(args[0], args[1]);
}

/* -- pack(value): marshal data of the model's nodes ---------------------------------------
 *
 * What marshal.dumps stores of the value with each tuple (named tuples too) and list made
 * an exact tuple, written straight from the nodes: marshal takes exact tuples only, and
 * copying the nodes into such tuples first cost as much as marshal itself. It writes
 * tuples, lists (as tuples), str, int (32 bits), bytes, None, True and False; anything
 * else (a float, a dict, a subclass of str or int, an int beyond 32 bits) is a TypeError
 * or ValueError, and the caller stores the value another way. Every code is marshal's own
 * (marshal.loads reads them whatever version wrote them): a tuple or ASCII str of fewer
 * than 256 items or characters with a one-byte length, as format 4 writes them; a str of
 * 4 characters or more equal to one already written (the section each node names, a
 * field key) as a 5-byte reference to that one. Format 4 finds its references through a
 * table of every object it meets, its costliest part; format 2 has none. Equal strings
 * so stored are one object when loaded.
 */
typedef struct {
    PyObject *s; /* (borrowed: the value being packed holds it) */
    Py_hash_t h;
    uint32_t at; /* its reference index */
} mseen;

typedef struct {
    char *p;
    ssz n, cap;
    mseen *seen;   /* the strings written with a reference flag: open addressing */
    size_t nseen, mask;
    uint32_t refs; /* objects flagged so far (marshal numbers them in that order) */
} mbuf;

#define M_FLAG_REF 0x80

static int
mb_room(mbuf *b, ssz k)
{
    if (b->n + k <= b->cap)
        return 0;
    ssz cap = b->cap ? b->cap * 2 : 8192;
    while (cap < b->n + k)
        cap *= 2;
    char *p = PyMem_Realloc(b->p, (size_t)cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline void
mb_u32(mbuf *b, uint32_t x)
{
    unsigned char *q = (unsigned char *)b->p + b->n;
    q[0] = (unsigned char)(x & 0xff);
    q[1] = (unsigned char)((x >> 8) & 0xff);
    q[2] = (unsigned char)((x >> 16) & 0xff);
    q[3] = (unsigned char)((x >> 24) & 0xff);
    b->n += 4;
}

/* a length-prefixed run of bytes: code, then 1 byte of length when short (< 0 when no
   short code), else long code and 4 bytes */
static int
mb_sized(mbuf *b, int short_code, char long_code, int flag, const char *s, ssz len)
{
    if (len > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "pack(): a value too long for marshal");
        return -1;
    }
    if (mb_room(b, len + 5) < 0)
        return -1;
    if (short_code >= 0 && len < 256) {
        b->p[b->n++] = (char)(short_code | flag);
        b->p[b->n++] = (char)len;
    }
    else {
        b->p[b->n++] = (char)(long_code | flag);
        mb_u32(b, (uint32_t)len);
    }
    memcpy(b->p + b->n, s, (size_t)len);
    b->n += len;
    return 0;
}

/* the reference index of a str equal to v already written, else -1 (and v is noted as
   the next one, when the table has room); -2: an error is set */
static long
mb_seen(mbuf *b, PyObject *v)
{
    Py_hash_t h = PyObject_Hash(v); /* (a str keeps its hash: computed once) */
    if (h == -1)
        return -2;
    if (b->seen == NULL || 2 * (b->nseen + 1) > b->mask + 1) {
        size_t cap = b->seen == NULL ? 256 : 2 * (b->mask + 1);
        mseen *t = PyMem_Calloc(cap, sizeof(mseen));
        if (t == NULL) {
            PyErr_NoMemory();
            return -2;
        }
        for (size_t i = 0; b->seen != NULL && i <= b->mask; i++) {
            if (b->seen[i].s == NULL)
                continue;
            size_t j = (size_t)b->seen[i].h & (cap - 1);
            while (t[j].s != NULL)
                j = (j + 1) & (cap - 1);
            t[j] = b->seen[i];
        }
        PyMem_Free(b->seen);
        b->seen = t;
        b->mask = cap - 1;
    }
    ssz len = PyUnicode_GET_LENGTH(v);
    int kind = PyUnicode_KIND(v);
    size_t j = (size_t)h & b->mask;
    for (; b->seen[j].s != NULL; j = (j + 1) & b->mask) {
        PyObject *o = b->seen[j].s;
        if (o == v ||
            (b->seen[j].h == h && PyUnicode_GET_LENGTH(o) == len && PyUnicode_KIND(o) == kind &&
             memcmp(PyUnicode_DATA(o), PyUnicode_DATA(v), (size_t)(len * kind)) == 0))
            return (long)b->seen[j].at;
    }
    b->seen[j].s = v;
    b->seen[j].h = h;
    b->seen[j].at = b->refs;
    b->nseen++;
    return -1;
}

static int
pack_str(mbuf *b, PyObject *v)
{
    int flag = 0;
    if (PyUnicode_GET_LENGTH(v) >= 4) {
        /* (a reference is 5 bytes: a string of 4 characters is 6 at least) */
        long at = mb_seen(b, v);
        if (at == -2)
            return -1;
        if (at >= 0) {
            if (mb_room(b, 5) < 0)
                return -1;
            b->p[b->n++] = 'r';
            mb_u32(b, (uint32_t)at);
            return 0;
        }
        b->refs++;
        flag = M_FLAG_REF;
    }
    if (PyUnicode_IS_ASCII(v))
        return mb_sized(b, 'z', 'a', flag, (const char *)PyUnicode_DATA(v),
                        PyUnicode_GET_LENGTH(v));
    /* (as marshal: UTF-8, a lone surrogate passed through) */
    PyObject *u = PyUnicode_AsEncodedString(v, "utf8", "surrogatepass");
    if (u == NULL)
        return -1;
    int r = mb_sized(b, -1, 'u', flag, PyBytes_AS_STRING(u), PyBytes_GET_SIZE(u));
    Py_DECREF(u);
    return r;
}

static int
pack_of(mbuf *b, PyObject *v)
{
    if (v == Py_None || v == Py_True || v == Py_False) {
        if (mb_room(b, 1) < 0)
            return -1;
        b->p[b->n++] = v == Py_None ? 'N' : v == Py_True ? 'T' : 'F';
        return 0;
    }
    if (PyUnicode_CheckExact(v))
        return pack_str(b, v);
    if (PyLong_CheckExact(v)) {
        int overflow = 0;
        long x = PyLong_AsLongAndOverflow(v, &overflow);
        if (overflow || x < INT32_MIN || x > INT32_MAX) {
            PyErr_SetString(PyExc_ValueError, "pack(): an int out of 32 bits");
            return -1;
        }
        if (mb_room(b, 5) < 0)
            return -1;
        b->p[b->n++] = 'i';
        mb_u32(b, (uint32_t)(int32_t)x);
        return 0;
    }
    if (PyBytes_CheckExact(v))
        return mb_sized(b, -1, 's', 0, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v));
    int is_list = PyList_Check(v);
    if (!is_list && !PyTuple_Check(v)) {
        PyErr_Format(PyExc_TypeError, "pack(): cannot store a %.50s", Py_TYPE(v)->tp_name);
        return -1;
    }
    ssz n = is_list ? PyList_GET_SIZE(v) : PyTuple_GET_SIZE(v);
    if (n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "pack(): a value too long for marshal");
        return -1;
    }
    if (mb_room(b, 5) < 0)
        return -1;
    if (n < 256) {
        b->p[b->n++] = ')';
        b->p[b->n++] = (char)n;
    }
    else {
        b->p[b->n++] = '(';
        mb_u32(b, (uint32_t)n);
    }
    if (Py_EnterRecursiveCall(" in pack()"))
        return -1;
    int r = 0;
    for (ssz i = 0; i < n && r == 0; i++) {
        if (is_list && PyList_GET_SIZE(v) != n) {
            /* (the count is written: a list that changes size cannot be stored) */
            PyErr_SetString(PyExc_RuntimeError, "pack(): the list changed size");
            r = -1;
            break;
        }
        PyObject *item = is_list ? PyList_GET_ITEM(v, i) : PyTuple_GET_ITEM(v, i);
        Py_INCREF(item);
        r = pack_of(b, item);
        Py_DECREF(item);
    }
    Py_LeaveRecursiveCall();
    return r;
}

static PyObject *
m_pack(PyObject *Py_UNUSED(module), PyObject *v)
{
    mbuf b = {NULL, 0, 0, NULL, 0, 0, 0};
    PyObject *out = NULL;
    if (pack_of(&b, v) == 0)
        out = PyBytes_FromStringAndSize(b.p, b.n);
    PyMem_Free(b.p);
    PyMem_Free(b.seen);
    return out;
}

/* == end of the stored parse's block (revive, pack) ========================================= */

/* -- json_of(value, shape): compact JSON text of the model's nodes --------------------------
 * What json.dumps(..., ensure_ascii=False, separators=(",", ":")) and msgspec write of the
 * dicts specbook.book.jsonout._model_json makes, written straight from the nodes (or the
 * plain tuples of a stored parse), without those dicts. A shape is a tuple of entries
 * (key: bytes, already '"key":'; index; how; arg), one per key of the object written of a
 * record (a tuple), in order; how says what to write of record[index]:
 *   0 the value itself (str, int, bool, None, a list or tuple of such, a dict with str keys)
 *   1 value[arg]                         2 [item[arg] for item in value]
 *   3 [[c[arg] for c in row] for row in value]
 *   4 [object of shape arg for item in value]      5 the same with this shape ([] if empty)
 *   6 the object of shape arg of value
 * Raises TypeError on anything else (a float, a str subclass, a bad shape), OverflowError
 * for an int past 64 bits and UnicodeEncodeError for a lone surrogate: the caller then
 * makes the dicts and encodes them as before. */

typedef struct {
    char *p;
    ssz n, cap;
} jbuf;

static int
jb_grow(jbuf *b, ssz need)
{
    if (need <= b->cap - b->n)
        return 0;
    ssz cap = b->cap ? b->cap : 8192;
    while (cap - b->n < need) {
        if (cap > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        cap *= 2;
    }
    char *p = PyMem_Realloc(b->p, (size_t)cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline int
jb_put(jbuf *b, const char *s, ssz len)
{
    if (jb_grow(b, len) < 0)
        return -1;
    memcpy(b->p + b->n, s, (size_t)len);
    b->n += len;
    return 0;
}

static int
jw_str(jbuf *b, PyObject *s)
{
    ssz len;
    const char *u = PyUnicode_AsUTF8AndSize(s, &len);
    if (u == NULL)
        return -1;
    if (len > (PY_SSIZE_T_MAX - 2) / 6) {
        PyErr_NoMemory();
        return -1;
    }
    if (jb_grow(b, len * 6 + 2) < 0) /* (each byte at most \u00XX) */
        return -1;
    static const char hex[] = "0123456789abcdef";
    char *o = b->p + b->n;
    *o++ = '"';
    for (ssz i = 0; i < len; i++) {
        uchar c = (uchar)u[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    b->n = o - b->p;
    return 0;
}

static int
jw_value(jbuf *b, PyObject *v)
{
    if (v == Py_None)
        return jb_put(b, "null", 4);
    if (v == Py_True)
        return jb_put(b, "true", 4);
    if (v == Py_False)
        return jb_put(b, "false", 5);
    if (PyUnicode_CheckExact(v))
        return jw_str(b, v);
    if (PyLong_CheckExact(v)) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (x == -1 && PyErr_Occurred())
            return -1;
        if (overflow) {
            PyErr_SetString(PyExc_OverflowError, "json_of(): an int past 64 bits");
            return -1;
        }
        /* (by hand: snprintf took most of the writer's time, a document has hundreds
         * of line numbers) */
        char tmp[24], *e = tmp + sizeof tmp, *d = e;
        unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
        do {
            *--d = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (x < 0)
            *--d = '-';
        return jb_put(b, d, e - d);
    }
    if (PyTuple_Check(v) || PyList_CheckExact(v)) {
        if (Py_EnterRecursiveCall(" in json_of()"))
            return -1;
        int rc = jb_put(b, "[", 1);
        /* (a list is read again at each step: the caller's, it could change size) */
        for (ssz i = 0; rc == 0 && i < PySequence_Fast_GET_SIZE(v); i++) {
            if (i && jb_put(b, ",", 1) < 0) {
                rc = -1;
                break;
            }
            PyObject *item = PySequence_Fast_GET_ITEM(v, i);
            Py_INCREF(item);
            rc = jw_value(b, item);
            Py_DECREF(item);
        }
        Py_LeaveRecursiveCall();
        return rc < 0 ? -1 : jb_put(b, "]", 1);
    }
    if (PyDict_CheckExact(v)) {
        if (Py_EnterRecursiveCall(" in json_of()"))
            return -1;
        int rc = jb_put(b, "{", 1);
        ssz pos = 0, k = 0;
        PyObject *key, *val;
        while (rc == 0 && PyDict_Next(v, &pos, &key, &val)) {
            if (!PyUnicode_CheckExact(key)) {
                PyErr_SetString(PyExc_TypeError, "json_of(): a dict key that is not a str");
                rc = -1;
                break;
            }
            Py_INCREF(key);
            Py_INCREF(val);
            rc = (k++ && jb_put(b, ",", 1) < 0) || jw_str(b, key) < 0 || jb_put(b, ":", 1) < 0
                         || jw_value(b, val) < 0
                     ? -1
                     : 0;
            Py_DECREF(key);
            Py_DECREF(val);
        }
        Py_LeaveRecursiveCall();
        return rc < 0 ? -1 : jb_put(b, "}", 1);
    }
    PyErr_Format(PyExc_TypeError, "json_of(): cannot write a %.100s", Py_TYPE(v)->tp_name);
    return -1;
}

/* item k of a tuple or list, borrowed; NULL with IndexError / TypeError set */
static PyObject *
j_item(PyObject *v, ssz k)
{
    if (!(PyTuple_Check(v) || PyList_CheckExact(v))) {
        PyErr_Format(PyExc_TypeError, "json_of(): a %.100s where a tuple belongs",
                     Py_TYPE(v)->tp_name);
        return NULL;
    }
    if (k < 0 || k >= PySequence_Fast_GET_SIZE(v)) {
        PyErr_SetString(PyExc_IndexError, "json_of(): a record shorter than its shape");
        return NULL;
    }
    return PySequence_Fast_GET_ITEM(v, k);
}

static int jw_record(jbuf *b, PyObject *rec, PyObject *shape);

/* [what(item) for item in seq] */
static int
jw_each(jbuf *b, PyObject *seq, int how, PyObject *arg, PyObject *shape)
{
    if (!(PyTuple_Check(seq) || PyList_CheckExact(seq))) {
        PyErr_Format(PyExc_TypeError, "json_of(): a %.100s where a sequence belongs",
                     Py_TYPE(seq)->tp_name);
        return -1;
    }
    ssz k = 0;
    if (how == 2 || how == 3) {
        k = PyLong_AsSsize_t(arg);
        if (k == -1 && PyErr_Occurred())
            return -1;
    }
    Py_INCREF(seq);
    int rc = jb_put(b, "[", 1);
    for (ssz i = 0; rc == 0 && i < PySequence_Fast_GET_SIZE(seq); i++) {
        if (i && jb_put(b, ",", 1) < 0) {
            rc = -1;
            break;
        }
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        Py_INCREF(item);
        if (how == 2) {
            PyObject *x = j_item(item, k);
            rc = x == NULL ? -1 : jw_value(b, x);
        }
        else if (how == 3) {
            if (!(PyTuple_Check(item) || PyList_CheckExact(item))) {
                PyErr_SetString(PyExc_TypeError, "json_of(): a row that is not a sequence");
                rc = -1;
            }
            else {
                rc = jb_put(b, "[", 1);
                for (ssz j = 0; rc == 0 && j < PySequence_Fast_GET_SIZE(item); j++) {
                    PyObject *x = j_item(PySequence_Fast_GET_ITEM(item, j), k);
                    rc = x == NULL || (j && jb_put(b, ",", 1) < 0) || jw_value(b, x) < 0 ? -1 : 0;
                }
                if (rc == 0)
                    rc = jb_put(b, "]", 1);
            }
        }
        else
            rc = jw_record(b, item, how == 5 ? shape : arg);
        Py_DECREF(item);
    }
    Py_DECREF(seq);
    return rc < 0 ? -1 : jb_put(b, "]", 1);
}

static int
jw_record(jbuf *b, PyObject *rec, PyObject *shape)
{
    if (!PyTuple_CheckExact(shape)) {
        PyErr_SetString(PyExc_TypeError, "json_of(): a shape is a tuple of entries");
        return -1;
    }
    if (Py_EnterRecursiveCall(" in json_of()"))
        return -1;
    int rc = jb_put(b, "{", 1);
    for (ssz e = 0; rc == 0 && e < PyTuple_GET_SIZE(shape); e++) {
        PyObject *entry = PyTuple_GET_ITEM(shape, e);
        if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 4
            || !PyBytes_CheckExact(PyTuple_GET_ITEM(entry, 0))) {
            PyErr_SetString(PyExc_TypeError, "json_of(): an entry is (key, index, how, arg)");
            rc = -1;
            break;
        }
        PyObject *key = PyTuple_GET_ITEM(entry, 0), *arg = PyTuple_GET_ITEM(entry, 3);
        ssz index = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 1));
        long how = PyLong_AsLong(PyTuple_GET_ITEM(entry, 2));
        if ((index == -1 || how == -1) && PyErr_Occurred()) {
            rc = -1;
            break;
        }
        if ((e && jb_put(b, ",", 1) < 0)
            || jb_put(b, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key)) < 0) {
            rc = -1;
            break;
        }
        PyObject *v = j_item(rec, index);
        if (v == NULL) {
            rc = -1;
            break;
        }
        Py_INCREF(v);
        switch (how) {
        case 0:
            rc = jw_value(b, v);
            break;
        case 1: {
            ssz k = PyLong_AsSsize_t(arg);
            PyObject *x = k == -1 && PyErr_Occurred() ? NULL : j_item(v, k);
            rc = x == NULL ? -1 : jw_value(b, x);
            break;
        }
        case 2:
        case 3:
        case 4:
            rc = jw_each(b, v, (int)how, arg, shape);
            break;
        case 5:
            rc = v == Py_None ? jb_put(b, "[]", 2) : jw_each(b, v, 5, arg, shape);
            break;
        case 6:
            rc = jw_record(b, v, arg);
            break;
        default:
            PyErr_SetString(PyExc_ValueError, "json_of(): how is 0 to 6");
            rc = -1;
        }
        Py_DECREF(v);
    }
    Py_LeaveRecursiveCall();
    return rc < 0 ? -1 : jb_put(b, "}", 1);
}

static PyObject *
m_json_of(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "json_of(value, shape) takes two arguments");
        return NULL;
    }
    jbuf b = {NULL, 0, 0};
    PyObject *out = NULL;
    if (jw_record(&b, args[0], args[1]) == 0)
        out = PyUnicode_DecodeUTF8(b.p, b.n, "strict");
    PyMem_Free(b.p);
    return out;
}

/* ======================================================================================
 * The section rules' hot loops (specbook.lint.rules.sections): the shared section walk,
 * the sections whose title is not their template name's key, SB201's usual case and
 * SB202's candidates. Each mirrors the Python function it names, which stays the
 * reference (and what runs without this module); tests/test_csections.py holds them to it.
 * A Section is read by position: (level, title, template_name, heading, span, children),
 * a Span as (start, end, line, end_line); anything else raises TypeError.
 * ====================================================================================== */

/* item k of a tuple of at least n items, borrowed; NULL with TypeError set */
static PyObject *
sw_field(PyObject *t, ssz n, ssz k, const char *what)
{
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) < n) {
        PyErr_Format(PyExc_TypeError, "%s must be a tuple of %zd items, not %.100s", what, n,
                     Py_TYPE(t)->tp_name);
        return NULL;
    }
    return PyTuple_GET_ITEM(t, k);
}

/* a Py_ssize_t of an int; -1 with an exception set on error (check PyErr_Occurred) */
static ssz
sw_int(PyObject *v)
{
    if (!PyLong_Check(v)) {
        PyErr_Format(PyExc_TypeError, "an offset must be an int, not %.100s", Py_TYPE(v)->tp_name);
        return -1;
    }
    return PyLong_AsSsize_t(v);
}

/* section_walk(sections, norm_heading, memo) -> (nodes, by_key): sections.py's
 * _build_walk and _add_nodes. nodes: a list of (section, parent section or None, key,
 * parent's node or None) in document order, key = norm_heading(template_name or title);
 * by_key: key -> list of positions in nodes. memo (a dict) keeps norm_heading's answers:
 * a look-up costs a fifth of a call through its lru_cache; it is emptied when it holds
 * SW_MEMO_MAX. The tree is walked with a stack of its own (no recursion limit to reach);
 * norm_heading may run any Python code, which cannot change the tuples held. */
/* dict[key].append(item), the list made when key has none: what `setdefault(key,
 * []).append(item)` does; 0, or -1 with an exception set */
static int
sw_add(PyObject *dict, PyObject *key, PyObject *item)
{
    PyObject *places = PyDict_GetItemWithError(dict, key);
    if (places != NULL)
        return PyList_Append(places, item);
    if (PyErr_Occurred())
        return -1;
    places = PyList_New(1);
    if (places == NULL)
        return -1;
    Py_INCREF(item);
    PyList_SET_ITEM(places, 0, item);
    int rc = PyDict_SetItem(dict, key, places);
    Py_DECREF(places);
    return rc;
}

#define SW_MEMO_MAX (1 << 14)
static PyObject *
m_section_walk(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyTuple_Check(args[0]) || !PyCallable_Check(args[1])
        || !PyDict_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError,
                        "section_walk(sections: tuple, norm_heading, memo: dict)");
        return NULL;
    }
    PyObject *norm = args[1], *memo = args[2];
    struct level {
        PyObject *siblings; /* borrowed: held by the tree */
        ssz next;
        PyObject *parent; /* borrowed section, or Py_None */
        PyObject *up;     /* borrowed node (held by nodes), or Py_None */
    } *stack = NULL;
    ssz cap = 0, depth = 0;
    PyObject *nodes = PyList_New(0), *by_key = PyDict_New();
    if (nodes == NULL || by_key == NULL || grow((void **)&stack, &cap, sizeof *stack) < 0)
        goto fail;
    stack[0] = (struct level){args[0], 0, Py_None, Py_None};
    depth = 1;
    while (depth) {
        struct level *top = &stack[depth - 1];
        if (top->next >= PyTuple_GET_SIZE(top->siblings)) {
            depth--;
            continue;
        }
        PyObject *s = PyTuple_GET_ITEM(top->siblings, top->next++);
        PyObject *title = sw_field(s, 6, 1, "a section");
        if (title == NULL)
            goto fail;
        PyObject *template_name = PyTuple_GET_ITEM(s, 2), *children = PyTuple_GET_ITEM(s, 5);
        int named = PyObject_IsTrue(template_name);
        if (named < 0)
            goto fail;
        PyObject *name = named ? template_name : title;
        PyObject *key = PyDict_GetItemWithError(memo, name);
        if (key != NULL)
            Py_INCREF(key);
        else if (PyErr_Occurred())
            goto fail;
        else {
            key = PyObject_CallOneArg(norm, name);
            if (key == NULL)
                goto fail;
            if (PyDict_GET_SIZE(memo) >= SW_MEMO_MAX)
                PyDict_Clear(memo);
            if (PyDict_SetItem(memo, name, key) < 0) {
                Py_DECREF(key);
                goto fail;
            }
        }
        PyObject *node = PyTuple_Pack(4, s, top->parent, key, top->up);
        if (node == NULL) {
            Py_DECREF(key);
            goto fail;
        }
        ssz i = PyList_GET_SIZE(nodes);
        int rc = PyList_Append(nodes, node);
        Py_DECREF(node); /* (held by nodes from here) */
        PyObject *at = rc < 0 ? NULL : PyLong_FromSsize_t(i);
        if (at == NULL) {
            Py_DECREF(key);
            goto fail;
        }
        rc = sw_add(by_key, key, at);
        Py_DECREF(at);
        Py_DECREF(key);
        if (rc < 0)
            goto fail;
        int more = PyObject_IsTrue(children); /* (`if s.children:`) */
        if (more < 0)
            goto fail;
        if (more) {
            if (!PyTuple_Check(children)) {
                PyErr_SetString(PyExc_TypeError, "section_walk(): a section's children must be "
                                                 "a tuple");
                goto fail;
            }
            if (depth == cap && grow((void **)&stack, &cap, sizeof *stack) < 0)
                goto fail;
            /* (top may have moved with the stack; the node is the list's last item) */
            stack[depth++] = (struct level){children, 0, s, node};
        }
    }
    PyMem_Free(stack);
    PyObject *out = PyTuple_Pack(2, nodes, by_key);
    Py_DECREF(nodes);
    Py_DECREF(by_key);
    return out;
fail:
    PyMem_Free(stack);
    Py_XDECREF(nodes);
    Py_XDECREF(by_key);
    return NULL;
}

/* the node (a tuple of 4) at position i of nodes (a list), borrowed; NULL with an
 * exception set */
static PyObject *
sw_node(PyObject *nodes, PyObject *at)
{
    ssz i = sw_int(at);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    if (i < 0 || i >= PyList_GET_SIZE(nodes)) {
        PyErr_SetString(PyExc_IndexError, "a position past the section walk's nodes");
        return NULL;
    }
    PyObject *node = PyList_GET_ITEM(nodes, i);
    return sw_field(node, 4, 0, "a node") == NULL ? NULL : node;
}

/* own_title_keys(nodes, norm_heading) -> {key of the title: [positions]}: sections.py's
 * _own_title_keys, for the sections with a template name that is not their title, whose
 * title's key is not their node's key. */
static PyObject *
m_own_title_keys(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_CheckExact(args[0]) || !PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "own_title_keys(nodes: list, norm_heading)");
        return NULL;
    }
    PyObject *nodes = args[0], *found = PyDict_New();
    if (found == NULL)
        return NULL;
    Py_INCREF(nodes);
    /* (norm_heading may run Python code: the list is read by index, checked each turn) */
    for (ssz i = 0; i < PyList_GET_SIZE(nodes); i++) {
        PyObject *node = PyList_GET_ITEM(nodes, i);
        PyObject *s = sw_field(node, 4, 0, "a node");
        PyObject *title = s == NULL ? NULL : sw_field(s, 6, 1, "a section");
        if (title == NULL)
            goto fail;
        PyObject *template_name = PyTuple_GET_ITEM(s, 2);
        int differs = PyObject_RichCompareBool(template_name, title, Py_NE);
        int named = differs > 0 ? PyObject_IsTrue(template_name) : differs;
        if (named < 0)
            goto fail;
        if (!named)
            continue;
        Py_INCREF(node);
        PyObject *own = PyObject_CallOneArg(args[1], title);
        int other = own == NULL ? -1 : PyObject_RichCompareBool(own, PyTuple_GET_ITEM(node, 2),
                                                                Py_NE);
        Py_DECREF(node);
        if (other < 0) {
            Py_XDECREF(own);
            goto fail;
        }
        int rc = 0;
        if (other) {
            PyObject *at = PyLong_FromSsize_t(i);
            rc = at == NULL ? -1 : sw_add(found, own, at);
            Py_XDECREF(at);
        }
        Py_DECREF(own);
        if (rc < 0)
            goto fail;
    }
    Py_DECREF(nodes);
    return found;
fail:
    Py_DECREF(nodes);
    Py_DECREF(found);
    return NULL;
}

/* sections_present(nodes, by_key, tops, pairs) -> bool: SB201's usual case,
 * ``by_key.keys() >= tops and {(up[2], key) for _, _, key, up in nodes if up is not None}
 * >= pairs`` without the set of pairs: each (parent key, key) of pairs has a section of
 * that key whose parent's key it is. */
static PyObject *
m_sections_present(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyList_CheckExact(args[0]) || !PyDict_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "sections_present(nodes: list, by_key: dict, tops, pairs)");
        return NULL;
    }
    PyObject *nodes = args[0], *by_key = args[1], *item, *it = PyObject_GetIter(args[2]);
    int present = 1;
    if (it == NULL)
        return NULL;
    while (present > 0 && (item = PyIter_Next(it)) != NULL) {
        present = PyDict_Contains(by_key, item);
        Py_DECREF(item);
    }
    Py_DECREF(it);
    if (present < 0 || PyErr_Occurred())
        return NULL;
    it = present ? PyObject_GetIter(args[3]) : NULL;
    if (present && it == NULL)
        return NULL;
    while (present > 0 && (item = PyIter_Next(it)) != NULL) {
        PyObject *parent = sw_field(item, 2, 0, "a pair");
        PyObject *places = parent == NULL ? NULL
                                          : PyDict_GetItemWithError(by_key, PyTuple_GET_ITEM(item, 1));
        if (places == NULL) {
            present = PyErr_Occurred() ? -1 : 0;
        }
        else if (!PyList_CheckExact(places)) {
            PyErr_SetString(PyExc_TypeError, "sections_present(): by_key's values are lists");
            present = -1;
        }
        else {
            /* (the comparisons may run Python code: the lists are held, read by index) */
            Py_INCREF(places);
            present = 0;
            for (ssz j = 0; present == 0 && j < PyList_GET_SIZE(places); j++) {
                PyObject *node = sw_node(nodes, PyList_GET_ITEM(places, j));
                if (node == NULL) {
                    present = -1;
                    break;
                }
                PyObject *up = PyTuple_GET_ITEM(node, 3);
                if (up == Py_None)
                    continue;
                Py_INCREF(node);
                PyObject *up_key = sw_field(up, 3, 2, "a parent's node");
                present = up_key == NULL ? -1 : PyObject_RichCompareBool(up_key, parent, Py_EQ);
                Py_DECREF(node);
            }
            Py_DECREF(places);
        }
        Py_DECREF(item);
    }
    Py_XDECREF(it);
    if (present < 0 || PyErr_Occurred())
        return NULL;
    return PyBool_FromLong(present);
}

/* whether a section's text work[start:end] shows something: sections.py's _SPOKEN, after
 * blanks a byte that starts neither a thematic break line (three or more of one of `-*_`
 * with only spaces and tabs between, to the line's end) nor an HTML comment (`<!--`).
 * start and end are clamped to the bytes as re's pos and endpos are. */
static int
sw_spoken(const uchar *p, ssz n, ssz start, ssz end)
{
    start = start < 0 ? 0 : start > n ? n : start;
    end = end < 0 ? 0 : end > n ? n : end;
    ssz i = start;
    while (i < end && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i >= end)
        return 0;
    uchar c = p[i];
    if (c == '<')
        return !(end - i >= 4 && memcmp(p + i, "<!--", 4) == 0);
    if (c != '-' && c != '*' && c != '_')
        return 1;
    int marks = 0;
    for (; i < end && p[i] != '\r' && p[i] != '\n'; i++) {
        if (p[i] == c)
            marks++;
        else if (p[i] != ' ' && p[i] != '\t')
            return 1; /* `- item`, `**Bold**`: text */
    }
    return marks < 3;
}

/* quiet_leaves(nodes, data) -> [section]: the sections SB202 looks at closer, those with
 * no children, not of level 1, whose text after the heading is not spoken (see
 * sw_spoken), in document order. */
static PyObject *
m_quiet_leaves(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_CheckExact(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "quiet_leaves(nodes: list, data: bytes)");
        return NULL;
    }
    PyObject *nodes = args[0], *out = PyList_New(0);
    const uchar *p = (const uchar *)PyBytes_AS_STRING(args[1]);
    ssz n = PyBytes_GET_SIZE(args[1]);
    if (out == NULL)
        return NULL;
    /* (no Python code runs below: the list keeps its items) */
    for (ssz i = 0; i < PyList_GET_SIZE(nodes); i++) {
        PyObject *s = sw_field(PyList_GET_ITEM(nodes, i), 4, 0, "a node");
        PyObject *level = s == NULL ? NULL : sw_field(s, 6, 0, "a section");
        if (level == NULL)
            goto fail;
        PyObject *children = PyTuple_GET_ITEM(s, 5);
        if (!PyTuple_Check(children) || !PyLong_Check(level)) {
            PyErr_SetString(PyExc_TypeError, "quiet_leaves(): a section's level is an int and "
                                             "its children a tuple");
            goto fail;
        }
        if (PyTuple_GET_SIZE(children))
            continue;
        int overflow;
        long lv = PyLong_AsLongAndOverflow(level, &overflow);
        if (lv == 1 && !overflow)
            continue;
        PyObject *heading = sw_field(PyTuple_GET_ITEM(s, 3), 2, 1, "a heading span");
        PyObject *span = heading == NULL ? NULL : sw_field(PyTuple_GET_ITEM(s, 4), 2, 1, "a span");
        if (span == NULL)
            goto fail;
        ssz start = sw_int(heading), end = start == -1 && PyErr_Occurred() ? -1 : sw_int(span);
        if (end == -1 && PyErr_Occurred())
            goto fail;
        if (!sw_spoken(p, n, start, end) && PyList_Append(out, s) < 0)
            goto fail;
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* prompt_spans(data) -> [(start, end)]: SB205's bracketed prompts, the matches of
 * templates.facts.PROMPT_BYTES, ``\[(?<![\w!\]\\]\[)(?![ xX]\])([^\[\]\r\n]{1,200})\](?![(\[])``,
 * in order: a `[` not after a word byte, `!`, `]` or `\`, not a task box (`[ ]`, `[x]`),
 * 1 to 200 bytes other than brackets and line ends, `]`, then neither `(` nor `[`. (A
 * match holds no `[`: the next search, from its end or from the next byte, finds the
 * same next `[`.) */
static PyObject *
m_prompt_spans(PyObject *Py_UNUSED(module), PyObject *data)
{
    if (!PyBytes_Check(data)) {
        PyErr_SetString(PyExc_TypeError, "prompt_spans(data: bytes)");
        return NULL;
    }
    const uchar *p = (const uchar *)PyBytes_AS_STRING(data);
    ssz n = PyBytes_GET_SIZE(data);
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (const uchar *at = memchr(p, '[', (size_t)n); at != NULL;
         at = memchr(at + 1, '[', (size_t)(n - (at + 1 - p)))) {
        ssz i = at - p;
        if (i > 0) {
            uchar b = p[i - 1];
            if (b == '_' || b == '!' || b == ']' || b == '\\' || (b >= '0' && b <= '9')
                || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z'))
                continue;
        }
        if (i + 2 < n && (p[i + 1] == ' ' || p[i + 1] == 'x' || p[i + 1] == 'X')
            && p[i + 2] == ']')
            continue;
        ssz k = i + 1;
        while (k < n && k - i <= 201 && p[k] != '[' && p[k] != ']' && p[k] != '\r'
               && p[k] != '\n')
            k++;
        if (k >= n || p[k] != ']' || k - i - 1 < 1 || k - i - 1 > 200)
            continue;
        if (k + 1 < n && (p[k + 1] == '(' || p[k + 1] == '['))
            continue;
        PyObject *span = Py_BuildValue("(nn)", i, k + 1);
        if (span == NULL || PyList_Append(out, span) < 0) {
            Py_XDECREF(span);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(span);
    }
    return out;
}

/* ================================ end of the section rules' loops ===================== */

/* ==== begin cparse block: the parse's and the model's assembly (core.py) in C ==== */

/* find_refs(work, needles, match) -> list: core._find_refs, the matches of ref_re as
   finditer gives them: match(work, i) tried at each offset find_all(work, needles)
   gives, left to right, never inside the last match. */
static PyObject *
m_find_refs(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "find_refs(work, needles, match)");
        return NULL;
    }
    static PyObject *end_name = NULL;
    if (end_name == NULL && (end_name = PyUnicode_InternFromString("end")) == NULL)
        return NULL;
    PyObject *starts = m_find_all(module, args, 2);
    if (starts == NULL)
        return NULL;
    PyObject *out = PyList_New(0);
    ssz end = 0;
    for (ssz k = 0; out != NULL && k < PyList_GET_SIZE(starts); k++) {
        PyObject *at = PyList_GET_ITEM(starts, k);
        ssz i = PyLong_AsSsize_t(at);
        if (i < end)
            continue;
        PyObject *call[2] = {args[0], at};
        PyObject *m = PyObject_Vectorcall(args[2], call, 2, NULL);
        if (m == NULL) {
            Py_CLEAR(out);
            break;
        }
        if (m != Py_None) {
            PyObject *e = PyObject_CallMethodNoArgs(m, end_name);
            end = e == NULL ? -1 : PyLong_AsSsize_t(e);
            Py_XDECREF(e);
            if ((end == -1 && PyErr_Occurred()) || PyList_Append(out, m) < 0)
                Py_CLEAR(out);
        }
        Py_DECREF(m);
    }
    Py_DECREF(starts);
    return out;
}

/* head_names(heads, names, keys) -> (starts, labels, template_names): core._Parts.heads
   and _Parts._index without a _SectionHead for each head: each head's start, its template
   name else its title, and its template name or None (names.get(keys[i]) for a level
   above 1, else None; heads: the _Heads, keys: their normalised titles). */
static PyObject *
m_head_names(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "head_names(heads, names, keys)");
        return NULL;
    }
    PyObject *hs = args[0], *names = args[1], *keys = args[2];
    if (seq_check(hs, "heads") < 0 || seq_check(keys, "keys") < 0)
        return NULL;
    ssz count = names_keys_count(hs, names, keys);
    if (count < 0)
        return NULL;
    PyObject *starts = PyList_New(count), *labels = PyList_New(count);
    PyObject *tnames = PyList_New(count);
    if (starts == NULL || labels == NULL || tnames == NULL)
        goto fail;
    for (ssz i = 0; i < count; i++) {
        PyObject *h = record(hs, i, 5);
        ssz level;
        if (h == NULL || int_at(h, 0, &level) < 0)
            goto fail;
        PyObject *name = head_name(names, keys, i, level);
        if (name == NULL)
            goto fail;
        int named = PyObject_IsTrue(name); /* (_index: `h.name or h.title`) */
        if (named < 0)
            goto fail;
        PyList_SET_ITEM(starts, i, Py_NewRef(PyTuple_GET_ITEM(h, 1)));
        PyList_SET_ITEM(labels, i, Py_NewRef(named ? name : PyTuple_GET_ITEM(h, 3)));
        PyList_SET_ITEM(tnames, i, Py_NewRef(name));
    }
    return Py_BuildValue("(NNN)", starts, labels, tnames);
fail:
    Py_XDECREF(starts);
    Py_XDECREF(labels);
    Py_XDECREF(tnames);
    return NULL;
}

/* heading_keys(heads, norm_heading, memo) -> list: norm_heading(title) of each head's title
   (item 3 of each record), as core._Parser.build's map: from memo (a dict, title -> key)
   when it has the title, else from norm_heading, the answer kept in memo (emptied first
   when it holds HK_MEMO_MAX titles). A dict look-up is a fraction of a call through
   norm_heading's lru_cache, and a document asks for each of its dozens of headings. */
#define HK_MEMO_MAX (1 << 14)
static PyObject *
m_heading_keys(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyDict_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "heading_keys(heads, norm_heading, memo: dict)");
        return NULL;
    }
    PyObject *hs = args[0], *norm = args[1], *memo = args[2];
    if (seq_check(hs, "heads") < 0)
        return NULL;
    ssz count = seq_len(hs);
    PyObject *out = PyList_New(count);
    if (out == NULL)
        return NULL;
    for (ssz i = 0; i < count; i++) {
        PyObject *h = record(hs, i, 4);
        if (h == NULL)
            goto fail;
        PyObject *title = PyTuple_GET_ITEM(h, 3), *key = NULL;
        int exact = PyUnicode_CheckExact(title); /* (its look-up runs no Python code) */
        if (exact) {
            key = PyDict_GetItemWithError(memo, title);
            if (key == NULL && PyErr_Occurred())
                goto fail;
            Py_XINCREF(key);
        }
        if (key == NULL) {
            key = PyObject_CallOneArg(norm, title);
            if (key == NULL)
                goto fail;
            if (exact) {
                if (PyDict_GET_SIZE(memo) >= HK_MEMO_MAX)
                    PyDict_Clear(memo);
                if (PyDict_SetItem(memo, title, key) < 0) {
                    Py_DECREF(key);
                    goto fail;
                }
            }
        }
        PyList_SET_ITEM(out, i, key);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* norm_ascii(text, numbering) -> str: core.text.norm_key of an ASCII str (numbering
   false), or core.text.norm_heading of it (numbering true: _NUMBERING's match at its
   start taken off first, `^\s*(?:\d+(?:\.\d+)*[.)]?|[ivxlc]+[.)]|[a-z][.)])\s+`, case
   ignored). norm_key of ASCII text: lowercase, each run of other characters than a-z and
   0-9 one space, no space at either end. (Each part of the pattern is greedy and what
   could follow a shorter match of it cannot: its one way to match is the greedy one.) */
static int
na_space(uchar c) /* `\s` of a str pattern, on an ASCII character */
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int
na_roman(uchar c)
{
    c = (uchar)(c | 0x20);
    return c == 'i' || c == 'v' || c == 'x' || c == 'l' || c == 'c';
}

/* the end of _NUMBERING's match at the start of s[0:n], else 0 */
static ssz
na_numbering(const uchar *s, ssz n)
{
    ssz p = 0, q;
    while (p < n && na_space(s[p]))
        p++;
    if (p < n && is_digit(s[p])) { /* \d+(?:\.\d+)*[.)]? */
        q = p;
        while (q < n && is_digit(s[q]))
            q++;
        while (q + 1 < n && s[q] == '.' && is_digit(s[q + 1])) {
            q++;
            while (q < n && is_digit(s[q]))
                q++;
        }
        if (q < n && (s[q] == '.' || s[q] == ')'))
            q++;
    } else if (p < n && na_roman(s[p])) { /* [ivxlc]+[.)] (or [a-z][.)]: the same end) */
        q = p;
        while (q < n && na_roman(s[q]))
            q++;
        if (q < n && (s[q] == '.' || s[q] == ')'))
            q++;
        else
            return 0; /* (and [a-z][.)] fails where this does) */
    } else if (p < n && is_alpha(s[p])) { /* [a-z][.)] */
        q = p + 1;
        if (q < n && (s[q] == '.' || s[q] == ')'))
            q++;
        else
            return 0;
    } else
        return 0;
    if (q >= n || !na_space(s[q]))
        return 0;
    while (q < n && na_space(s[q]))
        q++;
    return q;
}

static PyObject *
m_norm_ascii(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyUnicode_IS_ASCII(args[0])) {
        PyErr_SetString(PyExc_TypeError, "norm_ascii(text: an ASCII str, numbering: bool)");
        return NULL;
    }
    int numbering = PyObject_IsTrue(args[1]);
    if (numbering < 0)
        return NULL;
    const uchar *s = PyUnicode_1BYTE_DATA(args[0]);
    ssz n = PyUnicode_GET_LENGTH(args[0]);
    ssz from = numbering ? na_numbering(s, n) : 0;
    uchar small[256];
    uchar *out = n <= (ssz)sizeof small ? small : PyMem_Malloc((size_t)n);
    if (out == NULL)
        return PyErr_NoMemory();
    ssz k = 0;
    int gap = 0; /* (a run of other characters since the last letter or digit) */
    for (ssz i = from; i < n; i++) {
        uchar c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (uchar)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (gap && k)
                out[k++] = ' ';
            gap = 0;
            out[k++] = c;
        } else
            gap = 1;
    }
    PyObject *r = PyUnicode_FromStringAndSize((const char *)out, k);
    if (out != small)
        PyMem_Free(out);
    return r;
}

/* line_index(data, span_type) -> (line_starts, spans): line_starts(data) and
   Spans(span_type, line_starts) in one call (core._Parser's line index and span function:
   no partial, no argument parsing, no check of offsets made here ascending). */
static PyObject *
m_line_index(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyType_Check(args[1]) ||
        !PyType_IsSubtype((PyTypeObject *)args[1], &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "line_index(data: bytes, span_type: a tuple type)");
        return NULL;
    }
    const uchar *w = (const uchar *)PyBytes_AS_STRING(args[0]);
    ssz nb = PyBytes_GET_SIZE(args[0]);
    int cr = memchr(w, '\r', (size_t)nb) != NULL;
    ssz n = 1; /* (the lines: as line_starts() counts them) */
    for (const uchar *p = w, *end = w + nb; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        n++;
    if (cr)
        for (ssz i = 0; i < nb; i++)
            n += w[i] == '\r' && (i + 1 == nb || w[i + 1] != '\n');
    ssz *ls = PyMem_Malloc(sizeof(ssz) * (size_t)n);
    PyObject *starts = NULL;
    if (ls == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    ssz k = 0;
    ls[k++] = 0;
    if (!cr) {
        for (const uchar *p = w, *end = w + nb; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;)
            ls[k++] = ++p - w;
    } else {
        for (ssz i = 0; i < nb; i++)
            if (w[i] == '\n' || (w[i] == '\r' && (i + 1 == nb || w[i + 1] != '\n')))
                ls[k++] = i + 1;
    }
    starts = PyTuple_New(n);
    if (starts == NULL)
        goto fail;
    for (ssz i = 0; i < n; i++) {
        PyObject *v = PyLong_FromSsize_t(ls[i]);
        if (v == NULL)
            goto fail;
        PyTuple_SET_ITEM(starts, i, v);
    }
    untracked(starts);
    Spans *self = (Spans *)SpansType.tp_alloc(&SpansType, 0);
    if (self == NULL)
        goto fail;
    self->vectorcall = spans_vectorcall;
    self->starts = Py_NewRef(starts);
    self->type = (PyTypeObject *)Py_NewRef(args[1]);
    self->ls = ls;
    self->n = n;
    self->lo = 0;
    self->hi = -1;
    self->line = 0;
    self->lines = NULL;
    return Py_BuildValue("(NN)", starts, (PyObject *)self);
fail:
    PyMem_Free(ls);
    Py_XDECREF(starts);
    return NULL;
}

/* ==== end cparse block ==== */


/* ==== begin recordcost block: outline() (store/records.py outline_of) ==== */

/* The decimal digits of v into buf (at least 21 bytes), a minus sign first when
   negative: the number of bytes written (what str(v) gives). */
static int
outline_digits(char *buf, long long v)
{
    char tmp[24];
    int n = 0, len = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    return len;
}

/* The level, title and span lines of one Section (level, title, _, _, span, ...; span:
   start, end, line, end_line): 0, or -1 when it is not of those types (exact ints, an
   ASCII str without a line break), with no exception set. */
static int
outline_parts(PyObject *s, long long nums[3], PyObject **title)
{
    if (!PyTuple_Check(s) || PyTuple_GET_SIZE(s) < 5)
        return -1;
    PyObject *level = PyTuple_GET_ITEM(s, 0), *t = PyTuple_GET_ITEM(s, 1);
    PyObject *span = PyTuple_GET_ITEM(s, 4);
    if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) < 4 || !PyUnicode_CheckExact(t) ||
        !PyUnicode_IS_ASCII(t))
        return -1;
    if (memchr(PyUnicode_1BYTE_DATA(t), '\n', (size_t)PyUnicode_GET_LENGTH(t)) != NULL)
        return -1;
    PyObject *vals[3] = {level, PyTuple_GET_ITEM(span, 2), PyTuple_GET_ITEM(span, 3)};
    for (int k = 0; k < 3; k++) {
        if (!PyLong_CheckExact(vals[k]))
            return -1;
        int overflow = 0;
        nums[k] = PyLong_AsLongLongAndOverflow(vals[k], &overflow);
        if (overflow || (nums[k] == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return -1;
        }
    }
    *title = t;
    return 0;
}

/* outline(sections) -> str | None: "level\tline\tend line\ttitle" of each Section of the
   tuple, joined by "\n" (the f-string per heading of records.outline_of); None when a
   section is not of the expected types or a title is not ASCII or holds a line break
   (the Python loop answers then). */
static PyObject *
m_outline(PyObject *Py_UNUSED(module), PyObject *seq)
{
    if (!PyTuple_Check(seq))
        Py_RETURN_NONE;
    ssz n = PyTuple_GET_SIZE(seq);
    ssz total = n > 0 ? n - 1 : 0;
    char buf[24];
    for (ssz i = 0; i < n; i++) {
        long long nums[3];
        PyObject *title;
        if (outline_parts(PyTuple_GET_ITEM(seq, i), nums, &title) < 0)
            Py_RETURN_NONE;
        for (int k = 0; k < 3; k++)
            total += outline_digits(buf, nums[k]) + 1;
        total += PyUnicode_GET_LENGTH(title);
    }
    PyObject *out = PyUnicode_New(total, 127);
    if (out == NULL)
        return NULL;
    char *w = (char *)PyUnicode_1BYTE_DATA(out);
    for (ssz i = 0; i < n; i++) {
        long long nums[3];
        PyObject *title;
        (void)outline_parts(PyTuple_GET_ITEM(seq, i), nums, &title); /* (checked above) */
        if (i)
            *w++ = '\n';
        for (int k = 0; k < 3; k++) {
            w += outline_digits(w, nums[k]);
            *w++ = '\t';
        }
        ssz len = PyUnicode_GET_LENGTH(title);
        memcpy(w, PyUnicode_1BYTE_DATA(title), (size_t)len);
        w += len;
    }
    return out;
}

/* ==== end recordcost block ==== */


/* ==== rules block (issue 19: the document rules' and the facts' loops) ====
   trace.coverage's _listed_in (the tests a Testing Strategy lists), whose Python
   (_py_listed_items) is the reference: tests/test_rules_cost.py holds them to it. */

/* what str.strip() strips of ASCII text */
static inline int
rb_space(uchar c)
{
    return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
}

/* \w of ASCII text */
static inline int
rb_word(uchar c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* whether s[i:to] is (?:\w+(?:::|\.))* whole */
static int
rb_segments(const uchar *s, ssz i, ssz to)
{
    while (i < to) {
        ssz w0 = i;
        while (i < to && rb_word(s[i]))
            i++;
        if (i == w0)
            return 0;
        if (i < to && s[i] == '.')
            i++;
        else if (i + 1 < to && s[i] == ':' && s[i + 1] == ':')
            i += 2;
        else
            return 0;
    }
    return 1;
}

/* trace.coverage._LISTED's full match of s[0:n] (ASCII, stripped):
   ^(?:(?P<file>[\w./\\-]+\.py)::)?(?:\w+(?:::|\.))*(?P<name>test\w*)(?:\([^()]*\))?$
   1 with the name at [*ns, *ne), else 0. The body before a `(...)` suffix ends with the
   name, the run of word characters that ends it (what comes before a name is `::`, `.`
   or nothing), and what is before the name is the segments, or a file (no `:` in it),
   `::` and segments. */
static int
rb_listed(const uchar *s, ssz n, ssz *ns, ssz *ne)
{
    if (n == 0)
        return 0;
    ssz b = n;
    if (s[n - 1] == ')') {
        ssz j = n - 2;
        while (j >= 0 && s[j] != '(' && s[j] != ')')
            j--;
        if (j < 0 || s[j] != '(')
            return 0;
        b = j;
    }
    else if (!rb_word(s[n - 1]))
        return 0;
    ssz a = b;
    while (a > 0 && rb_word(s[a - 1]))
        a--;
    if (b - a < 4 || memcmp(s + a, "test", 4) != 0)
        return 0;
    if (!rb_segments(s, 0, a)) {
        ssz c = 0;
        while (c < a && s[c] != ':') {
            uchar ch = s[c];
            if (!(rb_word(ch) || ch == '.' || ch == '/' || ch == '\\' || ch == '-'))
                return 0;
            c++;
        }
        if (c + 1 >= a || s[c + 1] != ':' || c < 4 || memcmp(s + c - 3, ".py", 3) != 0)
            return 0;
        if (!rb_segments(s, c + 2, a))
            return 0;
    }
    *ns = a;
    *ne = b;
    return 1;
}

/* listed_items(work, pos, end) -> list | None: for each line of work[pos:end] that is a
   list item (trace.coverage._ITEM) with a code span naming a test (_CODE_SPAN, _LISTED),
   (line start, checked: None or whether its box is ticked, the first such span's
   content start and end, that content stripped, the test's name); None when work[pos:end]
   is not all ASCII (or pos, end are not offsets in it in order): _py_listed_items then. */
static PyObject *
m_listed_items(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    const uchar *w;
    ssz n, pos, end;
    if (bytes_two_offsets(args, nargs, "listed_items(work: bytes, pos: int, end: int)", &w, &n,
                          &pos, &end) < 0)
        return NULL;
    if (pos < 0 || end > n || pos > end)
        Py_RETURN_NONE;
    for (ssz i = pos; i < end; i++)
        if (w[i] >= 0x80)
            Py_RETURN_NONE;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    ssz at = pos;
    while (at < end) {
        const uchar *t = memchr(w + at, '`', (size_t)(end - at));
        if (t == NULL)
            break;
        ssz tick = t - w;
        ssz start = tick;
        while (start > at && w[start - 1] != '\n')
            start--;
        const uchar *nl = memchr(w + tick, '\n', (size_t)(end - tick));
        ssz stop = nl != NULL ? (nl - w) + 1 : end;
        at = stop;
        ssz le = stop;
        while (le > start && (w[le - 1] == '\r' || w[le - 1] == '\n'))
            le--;
        /* _ITEM: ^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[([ xX])\][ \t]+)?(.*)$ */
        ssz i = start;
        while (i < le && (w[i] == ' ' || w[i] == '\t'))
            i++;
        if (i < le && (w[i] == '-' || w[i] == '*' || w[i] == '+'))
            i++;
        else {
            ssz d = i;
            while (i < le && w[i] >= '0' && w[i] <= '9')
                i++;
            if (i == d || i - d > 9 || i >= le || (w[i] != '.' && w[i] != ')'))
                continue;
            i++;
        }
        if (i >= le || (w[i] != ' ' && w[i] != '\t'))
            continue;
        while (i < le && (w[i] == ' ' || w[i] == '\t'))
            i++;
        PyObject *checked = Py_None;
        if (i + 3 < le && w[i] == '[' && (w[i + 1] == ' ' || w[i + 1] == 'x' || w[i + 1] == 'X') &&
            w[i + 2] == ']' && (w[i + 3] == ' ' || w[i + 3] == '\t')) {
            checked = w[i + 1] == ' ' ? Py_False : Py_True;
            i += 3;
            while (i < le && (w[i] == ' ' || w[i] == '\t'))
                i++;
        }
        /* the code spans of the text, `([^`\r\n]+)`, the first naming a test */
        ssz p = i;
        while (p < le) {
            if (w[p] != '`') {
                p++;
                continue;
            }
            ssz q = p + 1;
            while (q < le && w[q] != '`' && w[q] != '\r' && w[q] != '\n')
                q++;
            if (q == p + 1 || q >= le || w[q] != '`') {
                p++;
                continue;
            }
            ssz ws = p + 1, we = q, ns, ne;
            while (ws < we && rb_space(w[ws]))
                ws++;
            while (we > ws && rb_space(w[we - 1]))
                we--;
            if (!rb_listed(w + ws, we - ws, &ns, &ne)) {
                p = q + 1;
                continue;
            }
            PyObject *item = Py_BuildValue(
                "(nOnns#s#)", start, checked, p + 1, q, (const char *)w + ws, we - ws,
                (const char *)w + ws + ns, ne - ns);
            if (item == NULL || PyList_Append(out, item) < 0) {
                Py_XDECREF(item);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(item);
            break;
        }
    }
    return out;
}

/* ==== end rules block ==== */

static PyMethodDef methods[] = {
    {"scan", scan, METH_O, scan_doc},
    {"line_starts", line_starts, METH_O, line_starts_doc},
    {"set_types", set_types, METH_VARARGS, set_types_doc},
    {"heads", (PyCFunction)(void (*)(void))m_heads, METH_FASTCALL,
     "heads(head_type, headings, n): the headings with where their sections end."},
    {"named_heads", (PyCFunction)(void (*)(void))m_named_heads, METH_FASTCALL,
     "named_heads(type, heads, names, keys): the heads with their template names."},
    {"sections", (PyCFunction)(void (*)(void))m_sections, METH_FASTCALL,
     "sections(spans, section_type, heads[, names]): the section tree."},
    {"checklists", (PyCFunction)(void (*)(void))m_checklists, METH_FASTCALL,
     "checklists(spans, item_type, items, starts, names): the task-list items."},
    {"tables", (PyCFunction)(void (*)(void))m_tables, METH_FASTCALL,
     "tables(spans, table_type, cell_type, tables, starts, names): the pipe tables."},
    {"code_blocks", (PyCFunction)(void (*)(void))m_code_blocks, METH_FASTCALL,
     "code_blocks(spans, code_type, codes, starts, names, work): the code blocks."},
    {"links", (PyCFunction)(void (*)(void))m_links, METH_FASTCALL,
     "links(spans, link_type, links, starts, names): the links."},
    {"bold_fields", (PyCFunction)(void (*)(void))m_bold_fields, METH_FASTCALL,
     "bold_fields(work, start, end): the **Name**: value lines of work[start:end]."},
    {"utf8_valid", m_utf8_valid, METH_O,
     "utf8_valid(data): whether data.decode('utf-8') succeeds."},
    {"holding", (PyCFunction)(void (*)(void))m_holding, METH_FASTCALL,
     "holding(records, k, needles): the records whose field k holds one of the needles."},
    {"bold_field_nodes", (PyCFunction)(void (*)(void))m_bold_field_nodes, METH_FASTCALL,
     "bold_field_nodes(work, start, end, spans, field_type, field_key, known, zone, opaque,\n"
     "rank): the **Name**: value fields of work[start:end] as (rank, start, field)."},
    {"criteria", (PyCFunction)(void (*)(void))m_criteria, METH_FASTCALL,
     "criteria(work, start, end): the acceptance criteria / target lines of work[start:end]."},
    {"requirements", (PyCFunction)(void (*)(void))m_requirements, METH_FASTCALL,
     "requirements(spans, req_type, match, kind_of, items, heads, work, starts, names):\n"
     "the requirements of the list items and headings match() matches."},
    {"head_index", m_head_index, METH_O,
     "head_index(heads): each head's start, and its template name else its title."},
    {"preorder", (PyCFunction)(void (*)(void))m_preorder, METH_FASTCALL,
     "preorder(roots, k): every node of the trees, in document order (children at k)."},
    {"field_heads", (PyCFunction)(void (*)(void))m_field_heads, METH_FASTCALL,
     "field_heads(heads, keys, sections, named): the heads _fields reads fields of."},
    {"review_history", (PyCFunction)(void (*)(void))m_review_history, METH_FASTCALL,
     "review_history(entry_type, names, heads, tables, norm_key): the Review History rows."},
    {"references", (PyCFunction)(void (*)(void))m_references, METH_FASTCALL,
     "references(spans, ref_type, matches, work, opaque, anchors, doc_id, starts, names):\n"
     "the references of the matches of ref_re."},
    {"contains_any_ci", (PyCFunction)(void (*)(void))m_contains_any_ci, METH_FASTCALL,
     "contains_any_ci(work, needles): whether a needle (ASCII letters lowercase) occurs in"
     " work, its ASCII letters in any case."},
    {"find_all", (PyCFunction)(void (*)(void))m_find_all, METH_FASTCALL,
     "find_all(work, needles): every offset where one of the needles starts, ascending."},
    {"revive", (PyCFunction)(void (*)(void))m_revive, METH_FASTCALL,
     "revive(value, shape): the nodes shape names, made of the data pack() stored."},
    {"pack", m_pack, METH_O,
     "pack(value): marshal data of value, its tuples (named tuples too) and lists as tuples\n"
     "(marshal.loads reads it)."},
    {"json_of", (PyCFunction)(void (*)(void))m_json_of, METH_FASTCALL,
     "json_of(record, shape): compact JSON text of the object shape makes of record."},
    {"fence_closed", (PyCFunction)(void (*)(void))m_fence_closed, METH_FASTCALL,
     "fence_closed(work, start, end): whether a fenced block ends with its closing fence."},
    /* the section rules' loops (see their block above) */
    {"section_walk", (PyCFunction)(void (*)(void))m_section_walk, METH_FASTCALL,
     "section_walk(sections, norm_heading, memo): (nodes, by_key), the section rules'\n"
     "shared walk; memo keeps norm_heading's answers."},
    {"own_title_keys", (PyCFunction)(void (*)(void))m_own_title_keys, METH_FASTCALL,
     "own_title_keys(nodes, norm_heading): {key of a title: positions} of the sections whose\n"
     "title's key is not their template name's."},
    {"sections_present", (PyCFunction)(void (*)(void))m_sections_present, METH_FASTCALL,
     "sections_present(nodes, by_key, tops, pairs): whether every key of tops has a section\n"
     "and every (parent key, key) of pairs a section under a parent of that key."},
    {"quiet_leaves", (PyCFunction)(void (*)(void))m_quiet_leaves, METH_FASTCALL,
     "quiet_leaves(nodes, data): the sections with no children, not of level 1, whose text\n"
     "after the heading shows nothing but blanks, thematic breaks or a comment's start."},
    {"prompt_spans", m_prompt_spans, METH_O,
     "prompt_spans(data): (start, end) of each match of templates.facts.PROMPT_BYTES."},
    /* (cparse block) */
    {"find_refs", (PyCFunction)(void (*)(void))m_find_refs, METH_FASTCALL,
     "find_refs(work, needles, match): the matches of match at the offsets find_all gives,\n"
     "left to right, none inside the last (core._find_refs)."},
    {"head_names", (PyCFunction)(void (*)(void))m_head_names, METH_FASTCALL,
     "head_names(heads, names, keys): (starts, labels, template names) of the heads."},
    {"heading_keys", (PyCFunction)(void (*)(void))m_heading_keys, METH_FASTCALL,
     "heading_keys(heads, norm_heading, memo): norm_heading of each head's title, memo first."},
    {"norm_ascii", (PyCFunction)(void (*)(void))m_norm_ascii, METH_FASTCALL,
     "norm_ascii(text, numbering): norm_key of an ASCII str, or norm_heading (numbering)."},
    {"line_index", (PyCFunction)(void (*)(void))m_line_index, METH_FASTCALL,
     "line_index(data, span_type): (line_starts(data), Spans(span_type, line_starts))."},
    {"outline", m_outline, METH_O, /* (recordcost block) */
     "outline(sections): the index record's outline of the sections, or None."},
    /* (rules block) */
    {"listed_items", (PyCFunction)(void (*)(void))m_listed_items, METH_FASTCALL,
     "listed_items(work, pos, end): the test-naming list items of work[pos:end] as\n"
     "(line start, checked, span start, span end, written, name), or None (not ASCII)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "specbook.parse.scan._cscan",
    "specbook.parse.scan.fast.scan (and scan.lines.line_starts) in C: see scan().",
    0,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__cscan(void)
{
    init_tables();
    if (PyType_Ready(&SpansType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SpansType);
    if (PyModule_AddObject(m, "Spans", (PyObject *)&SpansType) < 0) {
        Py_DECREF(&SpansType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
