"""Running rules: selection, options, status-aware severity, findings."""

# (No `from __future__ import annotations`: typing.NamedTuple compiles each string
# annotation into a ForwardRef, at every start-up; names used before they are
# defined are quoted.)

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from specbook.core.config import BookConfig, KindConfig
from specbook.core.errors import ConfigError, UsageError
from specbook.core.model import Document
from specbook.lint.facts import BookFacts, DocFacts, facts_of
from specbook.lint.finding import Finding
from specbook.lint.registry import (
    DayWindow,
    DocumentCheck,
    Extract,
    Rule,
    RuleContext,
    day_after,
    load_rules,
)
from specbook.templates.facts import TemplateFacts, template_facts

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class ActiveRule(NamedTuple):
    rule: Rule
    options: dict[str, Any]
    severity: str | None  # a configured override, or None for the rule's own


@dataclass
class LintResult:
    findings: list[Finding]
    files: int
    documents: int

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def summary(self) -> dict[str, int]:
        return {
            "files": self.files,
            "documents": self.documents,
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "infos": self.count("info"),
        }


def _matches(token: str, r: Rule) -> bool:
    t = token.strip()
    return t.upper() == r.id or t.lower() == r.name or (len(t) >= 2 and r.id.startswith(t.upper()))


def _split(tokens: Iterable[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        out.extend(x for x in t.replace(" ", ",").split(",") if x)
    return out


class Linter:
    """The enabled rules of a book, with their options, ready to run.

    Raises :class:`ConfigError` for a ``[lint.rules.X]`` table naming no rule or an
    option the rule does not have, and :class:`UsageError` for a ``--select`` /
    ``--ignore`` token that matches no rule.
    """

    def __init__(
        self,
        config: BookConfig,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        today: dt.date | None = None,
        rules: list[Rule] | None = None,
    ) -> None:
        self.config = config
        if today is None:
            from specbook.core.clock import today as _today

            today = _today()
        self.today = today
        self._today_iso = today.isoformat()
        all_rules = rules if rules is not None else load_rules()
        self.all_rules = all_rules
        where = str(config.path) if config.path else "(config)"
        per_rule: dict[str, dict[str, Any]] = {}
        for key, table in config.lint_rules.items():
            match = [r for r in all_rules if key.upper() == r.id or key.lower() == r.name]
            if not match:
                raise ConfigError(
                    where, f"lint.rules.{key}", "no such rule; `specbook rules` lists them"
                )
            r = match[0]
            allowed = {"severity", *r.options}
            for opt, value in table.items():
                if opt not in allowed:
                    raise ConfigError(
                        where,
                        f"lint.rules.{key}.{opt}",
                        f"unknown option; allowed: {', '.join(sorted(allowed))}",
                    )
                if opt == "severity" and value not in ("error", "warning", "info", "off"):
                    raise ConfigError(
                        where, f"lint.rules.{key}.severity", "expected error, warning, info or off"
                    )
                default = r.options.get(opt)
                if opt != "severity" and default is not None and type(value) is not type(default):
                    raise ConfigError(
                        where,
                        f"lint.rules.{key}.{opt}",
                        f"expected a {type(default).__name__} like {default!r}, got {value!r}",
                    )
                choices = r.option_choices.get(opt)
                if choices is not None and value not in choices:
                    raise ConfigError(
                        where,
                        f"lint.rules.{key}.{opt}",
                        f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}",
                    )
            per_rule.setdefault(r.id, {}).update(table)

        cli_select, cli_ignore = _split(select), _split(ignore)
        for token in [*cli_select, *cli_ignore]:
            if not any(_matches(token, r) for r in all_rules):
                raise UsageError(
                    f"--select/--ignore {token!r} names no rule; `specbook rules` lists them"
                )
        chosen_select = cli_select or list(config.lint_select)
        chosen_ignore = [*config.lint_ignore, *cli_ignore]
        self.active: list[ActiveRule] = []
        for r in all_rules:
            if chosen_select and not any(_matches(t, r) for t in chosen_select):
                continue
            if any(_matches(t, r) for t in chosen_ignore):
                continue
            table = per_rule.get(r.id, {})
            sev = table.get("severity")
            if sev == "off":
                continue
            options = {**r.options, **{k: v for k, v in table.items() if k != "severity"}}
            self.active.append(ActiveRule(r, options, sev))
        self.document_rules = [a for a in self.active if a.rule.check is not None]
        self.book_rules = [a for a in self.active if a.rule.book_check is not None]
        self._extracts = [a for a in self.book_rules if a.rule.extract is not None]
        # the document rules whose findings depend on the day (see Rule.uses_today): a
        # plugin's rules count as such, specbook's own declare it (a test checks them)
        own = __name__.rsplit(".", 1)[0] + "."
        self.today_rules = frozenset(
            a.rule.id
            for a in self.document_rules
            if a.rule.uses_today or not getattr(a.rule.check, "__module__", "").startswith(own)
        )
        self._templates: dict[str, TemplateFacts | None] = {}
        self._contexts: dict[str | None, list[tuple[ActiveRule, DocumentCheck, RuleContext]]] = {}
        self._windows: dict[str | None, list[tuple[DayWindow | None, RuleContext]]] = {}
        self._takes: dict[str | None, list[tuple[str, Extract, RuleContext]]] = {}

    def fingerprint(self) -> str:
        """Identifies the rule set and its options (part of the lint cache key)."""
        parts = [f"{a.rule.id}:{a.severity}:{sorted(a.options.items())!r}" for a in self.active]
        return "|".join(parts)

    def day(self) -> str:
        """What a document's findings depend on besides its content and the rules: the
        day, when a rule of :attr:`today_rules` is active (else nothing)."""
        return self.today.isoformat() if self.today_rules else ""

    def window(self, doc: Document) -> str:
        """The days on which ``doc``'s findings of the rules that read the day (see
        :attr:`today_rules`) stay what they are today, as ``FIRST/END`` (ISO dates, END
        not included, either side empty for no bound): the days every one of those
        rules' :attr:`Rule.day_window` holds, today alone for a rule that has none.
        Empty when no rule reads the day (the findings hold on any day)."""
        if not self.today_rules:
            return ""
        today = self.today
        first: dt.date | None = None
        end: dt.date | None = None
        kind = self.config.kinds.get(doc.kind) if doc.kind else None
        kind_name = kind.name if kind is not None else None
        windows = self._windows.get(kind_name)
        if windows is None:
            windows = self._windows[kind_name] = [
                (a.rule.day_window, ctx)
                for a, _check, ctx in self._checks(kind_name)
                if a.rule.id in self.today_rules
            ]
        for window, ctx in windows:
            lo: dt.date | None
            hi: dt.date | None
            if window is None:
                lo, hi = today, day_after(today)
            else:
                lo, hi = window(doc, ctx)
            if lo is not None and (first is None or lo > first):
                first = lo
            if hi is not None and (end is None or hi < end):
                end = hi
        return f"{first.isoformat() if first else ''}/{end.isoformat() if end else ''}"

    def holds(self, window: str | None) -> bool:
        """Whether findings stored with ``window`` (see :meth:`window`) are today's."""
        if not self.today_rules:
            return True
        first, slash, end = (window or "").partition("/")
        if not slash:
            return False
        today = self._today_iso
        return (not first or first <= today) and (not end or today < end)

    def _template(self, kind: KindConfig | None) -> TemplateFacts | None:
        if kind is None:
            return None
        if kind.name not in self._templates:
            self._templates[kind.name] = template_facts(self.config, kind)
        return self._templates[kind.name]

    def _severity(
        self,
        a: ActiveRule,
        report_severity: str | None,
        doc_status: str | None,
        kind: KindConfig | None,
    ) -> str:
        if a.severity is not None:
            return a.severity
        if report_severity is not None:
            return report_severity
        if a.rule.status_aware:
            if kind is None or doc_status is None or doc_status == kind.statuses[0]:
                return "warning"
            return "error"
        return a.rule.severity

    def _checks(self, kind_name: str | None) -> list[tuple[ActiveRule, DocumentCheck, RuleContext]]:
        """The document rules with their contexts for documents of ``kind_name``: made
        once per kind and run (a context depends on the kind, not the document)."""
        found = self._contexts.get(kind_name)
        if found is None:
            kind = self.config.kinds.get(kind_name) if kind_name else None
            template = self._template(kind)
            found = []
            for a in self.document_rules:
                assert a.rule.check is not None
                ctx = RuleContext(self.config, kind, a.options, self.today, template)
                found.append((a, a.rule.check, ctx))
            self._contexts[kind_name] = found
        return found

    def lint_document(self, doc: Document, only: frozenset[str] | None = None) -> list[Finding]:
        """Findings of the document-scope rules on ``doc`` (with ``only``: of the
        rules with those IDs)."""
        kind = self.config.kinds.get(doc.kind) if doc.kind else None
        out: list[Finding] = []
        path = doc.path or ""
        for a, check, ctx in self._checks(kind.name if kind is not None else None):
            if only is not None and a.rule.id not in only:
                continue
            for rep in check(doc, ctx):
                sp = rep.span
                file = rep.file
                out.append(
                    Finding(
                        rule=a.rule.id,
                        name=a.rule.name,
                        severity=self._severity(a, rep.severity, doc.status_canonical, kind),
                        path=path if file is None else file,
                        doc_id=doc.id,
                        line=sp.line,
                        column=doc.column(sp.start, file),
                        end_line=sp.end_line,
                        end_column=doc.column(sp.end, file),
                        message=rep.message,
                        # (a fix's offsets are of the file it names; --fix edits documents)
                        fix=rep.fix if file is None else (),
                    )
                )
        return out

    def facts(self, doc: Document) -> DocFacts:
        """:func:`facts_of` ``doc``, with what the active book rules take of it
        (:attr:`Rule.extract`)."""
        if not self._extracts:
            return facts_of(doc)
        kind = self.config.kinds.get(doc.kind) if doc.kind else None
        kind_name = kind.name if kind is not None else None
        takes = self._takes.get(kind_name)
        if takes is None:  # (the contexts depend on the kind, not the document)
            takes = self._takes[kind_name] = [
                (
                    a.rule.id,
                    a.rule.extract,
                    RuleContext(self.config, kind, a.options, self.today, None),
                )
                for a in self._extracts
                if a.rule.extract is not None
            ]
        return facts_of(doc, {rule_id: extract(doc, ctx) for rule_id, extract, ctx in takes})

    def lint_book(
        self,
        facts: list[DocFacts],
        use_cache: bool = True,
        focus: frozenset[str] | None = None,
        skipped: dict[str, str] | None = None,
        looked: set[str] | None = None,
    ) -> list[Finding]:
        """Findings of the book-scope rules over every document's facts; with
        ``use_cache`` false, rules that keep their own cache (SB505) do not use it.
        With ``focus`` (paths), rules report on those documents only (the others may be
        light facts: ID, requirement IDs and supersede links). ``skipped``: the files
        the listing left out, and why (SB002). ``looked``, when given, receives the
        other files the rules looked at (see :attr:`BookFacts.looked`)."""
        book = BookFacts(facts, focus=focus, skipped=dict(skipped or {}))
        if looked is not None:
            book.looked = looked
        status = {d.path: (d.status_canonical, d.kind) for d in facts}
        out: list[Finding] = []
        for a in self.book_rules:
            assert a.rule.book_check is not None
            ctx = RuleContext(self.config, None, a.options, self.today, None, book, use_cache)
            for rep in a.rule.book_check(book, ctx):
                st, kind_name = status.get(rep.path, (None, None))
                kind = self.config.kinds.get(kind_name) if kind_name else None
                out.append(
                    Finding(
                        rule=a.rule.id,
                        name=a.rule.name,
                        severity=self._severity(a, None, st, kind),
                        path=rep.path,
                        doc_id=rep.doc_id,
                        line=rep.line,
                        column=rep.column,
                        end_line=rep.end_line,
                        end_column=rep.end_column,
                        message=rep.message,
                    )
                )
        return out

    def run(self, docs: list[Document], skipped: dict[str, str] | None = None) -> LintResult:
        """Lint ``docs`` as one book: every rule, every document (``skipped``: the
        files the book's listing left out, see :attr:`specbook.book.Book.skipped`)."""
        findings: list[Finding] = []
        facts = []
        for d in docs:
            findings.extend(self.lint_document(d))
            facts.append(self.facts(d))
        findings.extend(self.lint_book(facts, skipped=skipped))
        return LintResult(sort_findings(findings), files=len(docs), documents=len(docs))


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule, f.message))
