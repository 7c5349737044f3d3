"""A kind's workflow: its statuses, the moves between them and the statuses its gates
look for (review, approved, implemented, archived).

Kept apart from :mod:`specbook.services.lifecycle` (which edits files) so that readers of the
workflow, such as lint rules, load only this.
"""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

from typing import NamedTuple

from specbook.core.config import KindConfig

__all__ = ["Workflow", "workflow_for"]


class Workflow(NamedTuple):
    """The states and moves of one kind, and what its gates look for."""

    kind: KindConfig
    transitions: dict[str, tuple[str, ...]]
    review: str | None
    approved: str | None
    implemented: str | None
    archived: str | None
    approvals: int = 1

    def allowed(self, current: str | None) -> tuple[str, ...]:
        if current is None:
            return self.kind.statuses
        return self.transitions.get(current, ())


def _word(kind: KindConfig, *candidates: str) -> str | None:
    for c in candidates:
        hit = kind.canonical_status(c)
        if hit is not None:
            return hit
    return None


# The built-in kinds' moves, used while a kind keeps its default statuses.
_DEFAULT_MOVES: dict[str, dict[str, tuple[str, ...]]] = {
    "SPEC": {
        "Draft": ("Review", "Archived"),
        "Review": ("Approved", "Draft", "Archived"),
        "Approved": ("Implemented", "Draft", "Archived"),
        "Implemented": ("Archived",),
        "Archived": (),
    },
    "DEC": {
        "Proposed": ("Accepted", "Rejected"),
        "Accepted": ("Deprecated", "Superseded"),
        "Rejected": ("Proposed",),
        "Deprecated": ("Superseded",),
        "Superseded": (),
    },
    "BUG": {
        "Open": ("In Progress", "Fixed", "Won't Fix", "Closed"),
        "In Progress": ("Fixed", "Open", "Won't Fix"),
        "Fixed": ("Verified", "Open", "Closed"),
        "Verified": ("Closed", "Open"),
        "Closed": ("Open",),
        "Won't Fix": ("Open",),
    },
    "TASK": {
        "Todo": ("In Progress", "Blocked", "Cancelled"),
        "In Progress": ("Done", "Blocked", "Todo", "Cancelled"),
        "Blocked": ("In Progress", "Todo", "Cancelled"),
        "Done": ("In Progress",),
        "Cancelled": ("Todo",),
    },
}


def workflow_for(kind: KindConfig) -> Workflow:
    """The kind's workflow: the DESIGN.md one for SPEC-like kinds, else linear with
    steps back to the start and a way out to the last status from anywhere."""
    statuses = list(kind.statuses)
    review = _word(kind, "Review", "Proposed", "In Review")
    approved = kind.approved_status()
    implemented = _word(kind, "Implemented", "Done", "Fixed")
    archived = _word(kind, "Archived", "Closed", "Superseded", "Cancelled")
    if kind.transitions is not None:
        moves = {k: tuple(v) for k, v in kind.transitions.items()}
        return Workflow(kind, moves, review, approved, implemented, archived, kind.approvals)
    known = _DEFAULT_MOVES.get(kind.name)
    if known is not None and set(known) == set(statuses):
        return Workflow(kind, dict(known), review, approved, implemented, archived, kind.approvals)
    transitions: dict[str, list[str]] = {s: [] for s in statuses}
    spec_like = review is not None and approved is not None
    for i, s in enumerate(statuses):
        if i + 1 < len(statuses):
            transitions[s].append(statuses[i + 1])  # one step forward
        # back to the start: changes requested / reopened (SPEC-like: from Review or
        # Approved only; other kinds: from anywhere, e.g. a bug reopened)
        if i > 0 and (not spec_like or s in (review, approved)):
            transitions[s].append(statuses[0])
    for s in statuses:  # any -> Archived (or the kind's last status)
        for terminal in (archived, statuses[-1]):
            if terminal and terminal != s and terminal not in transitions[s]:
                transitions[s].append(terminal)
    return Workflow(
        kind=kind,
        transitions={k: tuple(v) for k, v in transitions.items()},
        review=review,
        approved=approved,
        implemented=implemented,
        archived=archived,
        approvals=kind.approvals,
    )
