"""A kind's statuses from the words its documents use: which are the kind's own, which
are other words for them, in what order they come, how the team spells them, and a
workflow in which every status can be reached and left.

Policy (each choice is written into the config's comments by :mod:`specbook.services.adopt`):

1. A word the kind already recognises (its statuses or aliases; any case, accents,
   emoji or trailing note such as ``Draft (analysis phase)``) needs nothing.
2. A known synonym of one of the kind's statuses becomes an alias (``Accepté`` ->
   Accepted, ``released`` -> Implemented), where the meaning carries over without
   doubt.
3. Any other word becomes a status of the kind when it is a status word specbook
   knows (``ready``, ``provisional``, ``withdrawn``), when the team's template lists
   it, or when two or more documents use it (a team's own vocabulary); a word one
   document uses and specbook does not know is more likely a note than a status and
   is left for lint to report.
4. Order: the built-in kind's order (or the template's list) stays; every other
   status goes where known lifecycles put its meaning (KEPs, PEPs, MADR and specbook's
   own); a word of no known lifecycle goes by its documents' dates (documents further
   along are older), else among the working statuses.
5. Spelling: specbook's (``Accepted``) unless every document of the kind writes its
   status one way (``accepted``), then the team's.
6. Workflow: forward one step; back to the first status from any working status;
   from any working status to any end (closed, rejected, superseded…); and from an
   end back to the first status (reopened) — so no status is a dead end. A built-in
   kind keeps its own moves too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from specbook.core.config import KindConfig
from specbook.core.text import norm_key
from specbook.services.adopt.words import CARRIES_OVER, END_RANK, concept_of, rank_of

_TOKEN = re.compile(r"[^\W_]+")
_CUT = re.compile(r"\s+[-—–]\s+|[—–(:;,/\[]")


@dataclass
class StatusWord:
    """One status word (or phrase) a kind's documents use, and what adopt made of it.

    ``outcome`` is ``known`` (recognised already), ``alias`` (mapped onto
    ``target``), ``new`` (added to the statuses as ``target``) or ``unknown``.
    """

    word: str
    outcome: str
    target: str | None
    paths: list[str]
    why: str


@dataclass
class StatusPlan:
    """A kind's statuses as adopt writes them."""

    statuses: list[str]
    aliases: dict[str, str]
    alias_notes: dict[str, str]
    words: list[StatusWord]
    transitions: dict[str, list[str]]
    # why each status not of the built-in kind sits where it does
    placed: dict[str, str] = field(default_factory=dict)
    spelling: str = "specbook"  # or "lower" / "upper": the team's
    # every document writes its status exactly as one of `statuses`
    exact: bool = True


def _words_of(value: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(value))


def head(value: str) -> str:
    """The status phrase at the start of ``value``: before any explanation, without a
    trailing version (``RÉVISÉ v2 — …`` -> ``RÉVISÉ``)."""
    m = _CUT.search(value)
    text = value[: m.start()] if m else value
    tokens = [t.group(0) for t in _words_of(text)]
    while tokens and any(ch.isdigit() for ch in tokens[-1]):
        tokens.pop()
    return " ".join(tokens)


def pretty(phrase: str) -> str:
    """A new status word as a heading would write it: ``pending_release`` -> ``Pending Release``."""
    words = [w for w in re.split(r"[\s_\-]+", phrase) if w]
    if phrase.isupper() or phrase.islower():
        return " ".join(w.capitalize() for w in words)
    return " ".join(words)


def _resolve(kind: KindConfig, concept: str) -> str | None:
    """The kind's status that a word of ``concept`` means, where that is clear."""
    own = {c: s for s in kind.statuses if (c := concept_of(s)) is not None}
    if concept in own:
        return own[concept]
    hits = [own[c] for c in CARRIES_OVER.get(concept, ()) if c in own]
    return hits[0] if len(hits) == 1 else None


def _phrase_key(value: str, key: str) -> bool:
    """Whether ``value`` starts with a phrase whose comparison key is ``key``."""
    tokens = _words_of(value)
    return any(
        norm_key(value[tokens[0].start() : tokens[n - 1].end()]) == key
        for n in range(1, min(len(tokens), 4) + 1)
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _classify(
    kind: KindConfig, values: Mapping[str, list[str]], listed: set[str]
) -> tuple[list[StatusWord], dict[str, str], dict[str, str], dict[str, str]]:
    """Sort each status value into known / alias / new / unknown.

    Returns the words, the aliases to write (as the documents most often spell them),
    notes on the aliases, and the new statuses (comparison key -> spelling as the
    documents most often write it).
    """
    words: list[StatusWord] = []
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    alias_target: dict[str, str] = {}
    # candidate new statuses: key -> (spellings, documents, is a known status word)
    cand_spell: dict[str, Counter[str]] = defaultdict(Counter)
    cand_docs: dict[str, set[str]] = defaultdict(set)
    cand_known: dict[str, bool] = {}
    undecided: list[tuple[str, list[str], str]] = []
    for value, paths in sorted(values.items()):
        hit = kind.canonical_status(value)
        if hit is not None:
            words.append(StatusWord(value, "known", hit, paths, f"means {hit} already"))
            continue
        tokens = _words_of(value)
        key: str | None = None
        for n in range(min(len(tokens), 4), 0, -1):
            phrase = value[tokens[0].start() : tokens[n - 1].end()]
            concept = concept_of(phrase)
            if concept is None:
                continue
            target = _resolve(kind, concept)
            if target is not None:
                spellings[norm_key(phrase)][phrase] += len(paths)
                alias_target[norm_key(phrase)] = target
                why = f"a word for {concept.replace('_', ' ')}"
                words.append(StatusWord(value, "alias", target, paths, why))
                key = ""
            else:
                key = "=" + concept  # one status per meaning, however it is spelled
                cand_spell[key][phrase] += len(paths)
                cand_docs[key] |= set(paths)
                cand_known[key] = True
            break
        if key is None:
            text = head(value)
            if text and len(text.split()) <= 3:
                key = norm_key(text)
                cand_spell[key][text] += len(paths)
                cand_docs[key] |= set(paths)
                cand_known.setdefault(key, norm_key(text) in listed)
            else:
                why = "not a status word specbook knows"
                words.append(StatusWord(value, "unknown", None, paths, why))
                continue
        if key:
            undecided.append((value, paths, key))
    added = {
        key: spell.most_common(1)[0][0]
        for key, spell in sorted(cand_spell.items())
        if cand_known[key] or len(cand_docs[key]) >= 2
    }
    for value, paths, key in undecided:
        if key in added:
            why = (
                f"a status word the {kind.name} kind has no status for"
                if cand_known[key]
                else "this book's own word, used by more than one document"
            )
            words.append(StatusWord(value, "new", added[key], paths, why))
        else:
            why = "one document's word, not a status specbook knows"
            words.append(StatusWord(value, "unknown", None, paths, why))
    aliases = {
        spellings[key].most_common(1)[0][0]: target for key, target in sorted(alias_target.items())
    }
    notes: dict[str, str] = {}
    for alias in aliases:
        key = norm_key(alias)
        using = {
            p for w in words if w.outcome == "alias" for p in w.paths if _phrase_key(w.word, key)
        }
        concept = concept_of(alias) or ""
        notes[alias] = f"{_n(len(using), 'document')}; a word for {concept.replace('_', ' ')}"
    words.sort(key=lambda w: (w.outcome, w.word))
    return words, aliases, notes, added


# documents needed before their one way of writing statuses is taken as the team's
_SPELLING_EVIDENCE = 3


def _spelling(values: Mapping[str, list[str]]) -> str:
    """``lower`` / ``upper`` when every document (three at least) writes its status that
    way, else ``specbook`` (specbook's own spelling)."""
    if len({p for paths in values.values() for p in paths}) < _SPELLING_EVIDENCE:
        return "specbook"
    styles: set[str] = set()
    for value in values:
        words = (head(value) or value).split()
        letters = [c for c in (words[0] if words else "") if c.isalpha()]
        if not letters:
            continue
        word = "".join(letters)
        styles.add("lower" if word.islower() else "upper" if word.isupper() else "mixed")
    if len(styles) == 1 and styles != {"mixed"}:
        return styles.pop()
    return "specbook"


def _listing(values: Mapping[str, list[str]]) -> list[str]:
    """The longest status value that lists statuses in order (``a | b | c``), split."""
    best: list[str] = []
    for value in values:
        parts = [p.strip() for p in value.split("|")]
        if len(parts) >= max(3, len(best) + 1) and all(p and len(p.split()) <= 3 for p in parts):
            best = parts
    return best


def _median(days: list[dt.date]) -> dt.date | None:
    if not days:
        return None
    return sorted(days)[len(days) // 2]


def plan_statuses(
    kind_name: str,
    base: KindConfig,
    own: bool,
    values: Mapping[str, list[str]],
    listed: list[str],
    dates: Mapping[str, dt.date],
    builtin_moves: Mapping[str, tuple[str, ...]] | None,
) -> StatusPlan:
    """The statuses, aliases and workflow of a kind.

    ``base`` is the built-in kind it is built on; ``own`` is set for a kind of its own
    (``KEP``), whose statuses are its documents' words rather than the built-in ones.
    ``values`` maps each status value the documents state to the documents stating
    it; ``listed`` is the status list of the team's template, in its order (may be
    empty); ``dates`` each document's date (for ordering words of no known lifecycle).
    """
    if len(listed) < 2:  # one value is the template's own status, not a list of them
        listed = []
    if not listed:  # a document stating the team's statuses in order: `a | b | c`
        listed = _listing(values)
    values = dict(values)
    if own and (values or listed):
        seed: list[str] = list(dict.fromkeys(listed))
        seed_aliases: dict[str, str] = {}
    else:
        seed = list(base.statuses)
        known = {norm_key(s) for s in seed}
        seed += [s for s in listed if norm_key(s) not in known]
        seed_aliases = {a: t for a, t in base.status_aliases.items() if t in seed}
        for word in listed:  # the team's listed words are its vocabulary, used or not
            values.setdefault(word, [])
    probe = KindConfig(
        name=kind_name,
        prefix=base.prefix,
        folder=base.folder,
        digits=base.digits,
        template=base.template,
        statuses=tuple(seed),
        types=(),
        status_aliases=seed_aliases,
    )
    words, aliases, notes, added = _classify(probe, values, {norm_key(s) for s in listed})
    fixed = list(seed)
    new = [s for s in added.values() if norm_key(s) not in {norm_key(f) for f in fixed}]
    if not fixed and not new:
        fixed = list(base.statuses)
        seed_aliases = dict(base.status_aliases)
    spelling = _spelling(values)
    if spelling == "specbook":
        new = [pretty(s) if not own else s for s in new]
        for w in words:
            if w.outcome == "new" and w.target is not None and not own:
                w.target = pretty(w.target)
    # each status's documents' median date, for words of no known lifecycle
    by_status: dict[str, list[dt.date]] = defaultdict(list)
    for w in words:
        if w.target is None:
            continue
        for p in w.paths:
            if p in dates:
                by_status[norm_key(w.target)].append(dates[p])
    placed: dict[str, str] = {}
    order = _order(fixed, new, by_status, placed, listing_ranks(listed))
    # the team's spelling: each status as the documents most often write it
    written: dict[str, str] = {}
    if spelling != "specbook":
        seen: dict[str, Counter[str]] = defaultdict(Counter)
        for value, paths in values.items():
            cut = _CUT.search(value)
            text = (value[: cut.start()] if cut else value).strip()
            target = probe.canonical_status(text) if text else None
            if target is None and text:
                target = next(
                    (w.target for w in words if w.word == value and w.target is not None), None
                )
            if target is not None and text:
                seen[norm_key(target)][text] += len(paths)
        for s in order:
            spelled = seen.get(norm_key(s))
            if spelled and norm_key(spelled.most_common(1)[0][0]) == norm_key(s):
                written[s] = spelled.most_common(1)[0][0]
            else:
                written[s] = s.lower() if spelling == "lower" else s.upper()
    else:
        written = {s: s for s in order}
    statuses = [written[s] for s in order]
    by_key = {norm_key(s): written[s] for s in order}

    def renamed(target: str) -> str | None:
        return by_key.get(norm_key(target))

    out_aliases: dict[str, str] = {}
    for alias, target in [*seed_aliases.items(), *aliases.items()]:
        t = renamed(target)
        if t is not None and norm_key(alias) not in by_key:
            out_aliases[alias] = t
    for w in words:
        if w.target is not None:
            w.target = renamed(w.target) or w.target
    moves = _workflow(statuses, builtin_moves, renamed)
    status_set = set(statuses)
    exact = all(v.strip() in status_set for v in values)
    placed = {written.get(k, k): v for k, v in placed.items()}
    return StatusPlan(
        statuses, out_aliases, notes, words, moves, placed, spelling=spelling, exact=exact
    )


def listing_ranks(listed: list[str]) -> dict[str, float]:
    """Ranks for a team's own list of statuses in order (``draft | pending_execution |
    in_progress | released``): known words keep their place in known lifecycles, the
    others go evenly between their neighbours. Keys are comparison keys."""
    known = [rank_of(w) for w in listed]
    out: dict[str, float] = {}
    for i, w in enumerate(listed):
        r = known[i]
        if r is None:
            before = next((known[j] for j in range(i - 1, -1, -1) if known[j] is not None), None)
            after = next(
                (known[j] for j in range(i + 1, len(listed)) if known[j] is not None), None
            )
            lo = before if before is not None else 0.25
            hi = after if after is not None else END_RANK - 0.5
            gap = [j for j in range(len(listed)) if known[j] is None]
            # evenly between lo and hi among the unknown words that share this gap
            run = [j for j in gap if all(known[m] is None for m in range(min(i, j), max(i, j) + 1))]
            pos = run.index(i) + 1
            r = lo + (hi - lo) * pos / (len(run) + 1)
        out[norm_key(w)] = r
    return out


# Documents' median dates must lie this far apart to say which status comes first.
_DATE_GAP = dt.timedelta(days=14)


def _order(
    fixed: list[str],
    new: list[str],
    dates: Mapping[str, list[dt.date]],
    placed: dict[str, str],
    listed: Mapping[str, float],
) -> list[str]:
    """``fixed`` in its own order with each of ``new`` inserted where the team's own list,
    its meaning or its documents' dates put it; records why in ``placed``."""
    ranks: dict[str, float | None] = {s: rank_of(s) for s in [*fixed, *new]}
    medians = {s: _median(list(dates.get(norm_key(s), []))) for s in ranks}
    working = sorted(
        (s for s in ranks if (r := ranks[s]) is not None and r < END_RANK and medians[s]),
        key=lambda s: ranks[s] or 0.0,
    )
    order = list(fixed)
    for s in new:
        r = ranks[s]
        if norm_key(s) in listed and r is None:
            r = listed[norm_key(s)]
            placed[s] = "placed as the team's own list of statuses has it"
        elif r is None:
            day = medians[s]
            older = [
                w
                for w in working
                if day is not None and (m := medians[w]) is not None and m + _DATE_GAP <= day
            ]
            newer = [
                w
                for w in working
                if day is not None and (m := medians[w]) is not None and m >= day + _DATE_GAP
            ]
            if newer:  # right after the statuses whose documents are newer
                last = max(newer, key=lambda w: ranks[w] or 0.0)
                r = (ranks[last] or 0.0) + 0.01
                placed[s] = (
                    f"no lifecycle specbook knows has it; its documents (median date {day}) "
                    f"are older than those {last} ({medians[last]}), so it comes after"
                )
            elif older:  # right before those whose documents are older
                first = min(older, key=lambda w: ranks[w] or 0.0)
                r = max((ranks[first] or 0.0) - 0.01, 0.25)
                placed[s] = (
                    f"no lifecycle specbook knows has it; its documents (median date {day}) "
                    f"are newer than those {first} ({medians[first]}), so it comes before"
                )
            else:
                r = 3.5
                placed[s] = (
                    "no lifecycle specbook knows has it, and its documents' dates do not tell: "
                    "placed among the working statuses"
                )
            ranks[s] = r
        else:
            meaning = (concept_of(s) or concept_of(s.split()[0]) or s).replace("_", " ")
            placed[s] = (
                f"a word for {meaning}, an end status (documents rest there)"
                if r >= END_RANK
                else f"a word for {meaning}, placed where known lifecycles put it"
            )
        ranks[s] = r
        at = 0
        for i, f in enumerate(order):
            rf = ranks.get(f)
            if rf is not None and rf <= r:
                at = i + 1
        order.insert(at, s)
    return order


def _workflow(
    statuses: list[str],
    builtin_moves: Mapping[str, tuple[str, ...]] | None,
    renamed: Callable[[str], str | None],
) -> dict[str, list[str]]:
    """Moves between ``statuses`` (in lifecycle order) with no dead end: every status can
    be reached from the first and left."""
    ranks = {s: rank_of(s) for s in statuses}
    ends = [s for s in statuses if (r := ranks[s]) is not None and r >= END_RANK]
    working = [s for s in statuses if s not in ends]
    if not working:
        working, ends = statuses[:1], statuses[1:]
    moves: dict[str, list[str]] = {s: [] for s in statuses}

    def add(a: str, b: str) -> None:
        if a != b and b not in moves[a]:
            moves[a].append(b)

    start = working[0]
    for i, s in enumerate(working):
        if i + 1 < len(working):
            add(s, working[i + 1])  # one step forward
        if i > 0:
            add(s, start)  # sent back: changes requested, reopened
        for e in ends:
            add(s, e)  # rejected, withdrawn, closed, superseded… from anywhere
    for e in ends:
        add(e, start)  # an end can be reopened
        re_ = ranks[e] or 0.0
        for e2 in ends:  # deprecated -> superseded
            if re_ >= 6.5 and (ranks[e2] or 0.0) > re_:
                add(e, e2)
    for a, targets in (builtin_moves or {}).items():
        ra = renamed(a)
        for b in targets:
            rb = renamed(b)
            if ra is not None and rb is not None and ra in moves:
                add(ra, rb)
    return moves


def dead_ends(statuses: list[str], moves: Mapping[str, list[str]]) -> list[str]:
    """Statuses that cannot be left, or cannot be reached from the first status."""
    out = [s for s in statuses if not moves.get(s)]
    reached = {statuses[0]} if statuses else set()
    todo = list(reached)
    while todo:
        for b in moves.get(todo.pop(), []):
            if b not in reached:
                reached.add(b)
                todo.append(b)
    return out + [s for s in statuses if s not in reached and s not in out]
