"""Generate a corpus of realistic SPEC documents laid out as a specbook book.

Standard library only, so benchmarks and tests can import it without the package::

    sys.path.insert(0, str(Path(__file__).parent))   # the bench/ folder
    import gen
    paths = gen.generate(tmp_path, 1000, seed=1)

or run it::

    python bench/gen.py OUT_DIR N [--seed S]

Every document is the seed SPEC template (``technical-spec-template.md``) filled in:
same sections, headings, tables, fixed checklist items and bold field lines, with no
bracketed prompt left. Documents reference only IDs that exist in the same corpus
(``SPEC-0012``, ``SPEC-0007/FR-2``; every document has at least FR-1 and FR-2), dates
are real and in the past, the header Status agrees with the last Review History row,
Approved/Implemented documents carry an approval by someone other than the author,
and Implemented documents have every Implementation Plan and Pre-Deployment item
checked. Output is deterministic for a given ``(n, seed)``: document ``i`` depends
only on ``(seed, i, n)``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import random
import re
import sys
import time
from pathlib import Path

__all__ = ["generate", "id_digits", "render_spec", "spec_id", "spec_title"]

# --------------------------------------------------------------------------- vocabulary

STATUSES = ("Draft", "Review", "Approved", "Implemented", "Archived")
STATUS_WEIGHTS = (20, 15, 25, 30, 10)
TYPES = ("Feature", "Enhancement", "Fix", "Refactor", "Infrastructure")

SUBJECTS = (
    "rate limiter",
    "export pipeline",
    "session store",
    "audit log",
    "search index",
    "billing ledger",
    "notification service",
    "webhook dispatcher",
    "feature flag service",
    "report scheduler",
    "file upload gateway",
    "permission model",
    "tenant registry",
    "metrics collector",
    "cache layer",
    "job queue",
    "payment reconciliation",
    "user directory sync",
    "API gateway",
    "config loader",
    "backup scheduler",
    "image thumbnailer",
    "email digest",
    "password reset flow",
    "SSO integration",
    "data retention policy",
    "CSV importer",
    "GraphQL endpoint",
    "inventory snapshot",
    "order history",
    "schema migration runner",
    "event bus",
    "PDF renderer",
    "geolocation lookup",
    "access token rotation",
    "log shipping",
    "health check endpoint",
    "dashboard widget service",
    "invoice generator",
    "shipping quote service",
    "refund workflow",
    "customer timeline",
    "price catalogue",
    "document preview",
    "two-factor enrolment",
    "usage metering",
    "data warehouse loader",
    "translation memory",
    "mobile push gateway",
    "support ticket router",
)
ACTIONS = (
    "Add",
    "Introduce",
    "Rework",
    "Harden",
    "Migrate",
    "Replace",
    "Split",
    "Cache",
    "Paginate",
    "Throttle",
    "Batch",
    "Parallelize",
    "Instrument",
    "Simplify",
    "Shard",
    "Version",
    "Encrypt",
    "Stream",
    "Backfill",
    "Consolidate",
)
MECHANISMS = (
    "exponential backoff",
    "idempotency keys",
    "a write-ahead log",
    "bounded queues",
    "consistent hashing",
    "row-level locks",
    "optimistic concurrency",
    "a read-through cache",
    "signed URLs",
    "incremental snapshots",
    "per-tenant quotas",
    "structured logging",
    "circuit breakers",
    "content hashing",
    "cursor pagination",
    "background workers",
    "a transactional outbox",
    "leader election",
    "token buckets",
    "a dead-letter queue",
    "copy-on-write snapshots",
    "server-sent events",
    "batched upserts",
    "envelope encryption",
)
AUDIENCES = (
    "enterprise tenants",
    "mobile clients",
    "the admin portal",
    "partner integrations",
    "internal tooling",
    "the public API",
    "batch jobs",
    "support agents",
    "EU customers",
    "the finance team",
    "self-hosted installs",
    "free-tier accounts",
)
PROBLEMS = (
    "timeouts under peak load",
    "duplicate deliveries",
    "slow cold starts",
    "unbounded memory growth",
    "stale reads after failover",
    "lock contention on hot rows",
    "silent data loss on retry",
    "inconsistent pagination",
    "excessive database round trips",
    "noisy alerts",
    "manual reconciliation work",
    "missing audit trails",
    "thundering herds after deploys",
    "clock skew between regions",
    "oversized payloads",
    "partial writes on crash",
    "N+1 queries in list views",
    "opaque error messages",
)
CONSEQUENCES = (
    "forces on-call engineers to intervene by hand",
    "delays the month-end close",
    "breaks downstream dashboards",
    "makes customers retry and amplify the load",
    "puts our contractual SLOs at risk",
    "makes incident triage slow and error-prone",
    "blocks the next compliance audit",
    "inflates the infrastructure bill",
    "erodes trust in the numbers we report",
    "keeps two teams from shipping independently",
)
TEAMS = (
    "The platform team",
    "Customer success",
    "The data team",
    "SRE",
    "The payments squad",
    "Security engineering",
    "The mobile team",
    "Finance operations",
    "The growth team",
    "Developer experience",
)
PERIODS = (
    "month-end close",
    "peak shopping hours",
    "nightly batch windows",
    "regional failovers",
    "large imports",
    "quarterly audits",
    "marketing campaigns",
    "the Monday morning spike",
)
METRIC_UNITS = {
    "p95 latency": " ms",
    "p99 latency": " ms",
    "error rate": " per 100k requests",
    "throughput": " requests/s",
    "memory per worker": " MB",
    "CPU utilisation": " millicores",
    "queue depth": " messages",
    "cold start time": " ms",
    "database connections": " connections",
    "cache hit ratio": " hits per 1k lookups",
    "storage growth": " GB/month",
    "deploy duration": " s",
}
METRICS = (
    "p95 latency",
    "p99 latency",
    "error rate",
    "throughput",
    "memory per worker",
    "CPU utilisation",
    "queue depth",
    "cold start time",
    "database connections",
    "cache hit ratio",
    "storage growth",
    "deploy duration",
)
# (category, what is measured, target with # for the number)
NFR_SHAPES = (
    ("Performance", "request latency stays flat", "p95 < # ms"),
    ("Performance", "tail latency stays bounded", "p99 < # ms"),
    ("Performance", "downstream data stays fresh", "end-to-end delay <= # s"),
    ("Reliability", "errors stay rare", "error rate < 0.#%"),
    ("Reliability", "recovery after losing a node", "recovery time < # min"),
    ("Scalability", "throughput grows with nodes", ">= # requests/s per node"),
    ("Scalability", "storage growth stays predictable", "<= # GB of new storage per month"),
    ("Availability", "the service stays reachable", "availability >= 99.#% per month"),
    ("Efficiency", "memory stays bounded", "memory < # MB per worker"),
    ("Efficiency", "the cache absorbs repeated reads", "cache hit ratio >= #%"),
    ("Security", "signing keys rotate", "keys rotated every <= # days"),
    ("Observability", "SLO breaches page quickly", "alert within # min of a breach"),
)
NFR_RANGES = {  # target -> (low, high, multiplier) of the random number
    "p95 < # ms": (2, 40, 10),
    "p99 < # ms": (3, 90, 10),
    "end-to-end delay <= # s": (1, 60, 1),
    "error rate < 0.#%": (1, 9, 1),
    "recovery time < # min": (1, 30, 1),
    ">= # requests/s per node": (1, 50, 100),
    "<= # GB of new storage per month": (1, 40, 5),
    "availability >= 99.#% per month": (5, 99, 1),
    "memory < # MB per worker": (2, 32, 32),
    "cache hit ratio >= #%": (70, 99, 1),
    "keys rotated every <= # days": (7, 90, 1),
    "alert within # min of a breach": (1, 10, 1),
}
ROLES = (
    "Controller",
    "Worker",
    "Repository",
    "Scheduler",
    "Adapter",
    "Validator",
    "Gateway",
    "Store",
    "Dispatcher",
    "Resolver",
    "Planner",
    "Collector",
    "Client",
    "Policy",
)
VERBS = (
    "accepts",
    "validates",
    "persists",
    "forwards",
    "aggregates",
    "schedules",
    "emits",
    "deduplicates",
    "retries",
    "reconciles",
    "caches",
    "publishes",
    "streams",
    "rejects",
)
OBJECTS = (
    "requests",
    "events",
    "records",
    "batches",
    "jobs",
    "tokens",
    "snapshots",
    "invoices",
    "messages",
    "uploads",
    "quotas",
    "metrics",
)
OBJECTS_ONE = (
    "request",
    "event",
    "record",
    "batch",
    "job",
    "token",
    "snapshot",
    "invoice",
    "message",
    "upload",
    "quota",
    "metric",
)
PEOPLE = (
    "Alice Moreau",
    "Bilal Haddad",
    "Chen Wei",
    "Dana Kowalski",
    "Emeka Obi",
    "Fatima Zahra",
    "Gustav Lind",
    "Hana Sato",
    "Ivan Petrov",
    "Julia Souza",
    "Kofi Mensah",
    "Lena Fischer",
    "Marco Rossi",
    "Nadia Rahman",
    "Oscar Nilsson",
    "Priya Nair",
    "Quentin Blake",
    "Rosa Jimenez",
    "Samir Patel",
    "Tara O'Neill",
    "Umar Farooq",
    "Vera Novak",
    "William Tan",
    "Xenia Popescu",
    "Yusuf Demir",
    "Zoe Martin",
)
TAGS = (
    "api",
    "performance",
    "security",
    "billing",
    "storage",
    "observability",
    "mobile",
    "compliance",
    "infra",
    "ux",
    "data",
    "reliability",
    "search",
    "auth",
    "payments",
    "integrations",
    "migration",
    "cost",
)
PACKAGES = (
    ("redis", "==5.0.4", "cache and quota backend"),
    ("tenacity", ">=8.2", "retry policies"),
    ("orjson", "==3.10.3", "fast JSON encoding"),
    ("structlog", ">=24.1", "structured logs"),
    ("cryptography", ">=42.0", "envelope encryption"),
    ("boto3", "==1.34.100", "S3 access"),
    ("prometheus-client", ">=0.20", "metrics export"),
    ("pydantic", ">=2.7", "payload models"),
    ("celery", "==5.4.0", "background workers"),
    ("sqlalchemy", ">=2.0.30", "data access"),
    ("httpcore", ">=1.0", "outbound HTTP"),
    ("pyjwt", "==2.8.0", "token verification"),
    ("apscheduler", ">=3.10", "job scheduling"),
    ("msgpack", "==1.0.8", "compact payloads"),
)
COLUMN_TYPES = {
    "tenant_id": "BIGINT",
    "user_id": "BIGINT",
    "status": "VARCHAR(32)",
    "payload": "TEXT",
    "created_at": "TIMESTAMP",
    "updated_at": "TIMESTAMP",
    "attempts": "INTEGER",
    "checksum": "VARCHAR(64)",
    "amount": "NUMERIC(12, 2)",
    "region": "VARCHAR(32)",
    "expires_at": "TIMESTAMP",
    "version": "INTEGER",
    "external_ref": "VARCHAR(255)",
    "priority": "SMALLINT",
    "error_code": "VARCHAR(16)",
    "size_bytes": "BIGINT",
    "is_active": "BOOLEAN",
    "due_on": "DATE",
}
COLUMN_NAMES = tuple(COLUMN_TYPES)
TEST_AREAS = (
    "rejects malformed input",
    "retries transient failures",
    "keeps ordering per key",
    "respects tenant isolation",
    "survives a worker restart",
    "emits one audit entry per change",
    "paginates without gaps",
    "times out slow dependencies",
    "handles an empty batch",
    "rolls back partial writes",
)
FIXED_PRE_DEPLOY = (
    "Database migrations prepared",
    "Configuration files updated",
    "Dependencies installed",
    "Tests passing",
    "Documentation updated",
)
FIXED_SECURITY = (
    "Input validation",
    "Authentication/Authorization",
    "Data encryption",
    "Audit logging",
)
FIXED_USER_DOCS = ("User guide updated", "API documentation updated", "Examples added")
FIXED_DEV_DOCS = ("Architecture docs updated", "Code comments added", "README updated")
RISK_LEVELS = ("High", "Med", "Low")
THREATS = (
    "Token replay",
    "Tenant data leakage",
    "Injection through imported files",
    "Privilege escalation via stale roles",
    "Denial of service by oversized requests",
    "Tampering with queued messages",
    "Secrets in logs",
)
THREAT_FIXES = (
    "short-lived signed tokens and a nonce cache",
    "tenant ID enforced in every query and covered by tests",
    "strict schema validation before parsing",
    "roles re-read on every privileged call",
    "request size limits at the gateway",
    "HMAC signatures on every message",
    "log scrubbing of known secret patterns",
)

BASE_DAY = _dt.date(2023, 1, 2).toordinal()
DAY_SPAN = 900  # created dates fall in 2023-01-02 .. mid 2025, everything stays in the past

# ----------------------------------------------------------------------------- helpers


def id_digits(n: int) -> int:
    """Digits of the numeric part of IDs in a corpus of ``n`` documents."""
    return max(3, len(str(n)))


def spec_id(i: int, n: int) -> str:
    return f"SPEC-{i:0{id_digits(n)}d}"


def _doc_rng(seed: int, i: int) -> random.Random:
    return random.Random(f"specbook-bench:{seed}:{i}")


def _title_and_subject(rng: random.Random) -> tuple[str, str]:
    rnd = rng.random
    action = ACTIONS[int(rnd() * len(ACTIONS))]
    subject = SUBJECTS[int(rnd() * len(SUBJECTS))]
    r = rnd()
    if r < 0.4:
        return f"{action} {subject} with {MECHANISMS[int(rnd() * len(MECHANISMS))]}", subject
    if r < 0.7:
        return f"{action} {subject} for {AUDIENCES[int(rnd() * len(AUDIENCES))]}", subject
    return f"{action} {subject}", subject


def spec_title(rng: random.Random) -> str:
    """A title such as ``Harden webhook dispatcher with idempotency keys``."""
    return _title_and_subject(rng)[0]


_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    return _SLUG_RE.sub("-", title.lower()).strip("-")[:60].rstrip("-")


def _day(ordinal: int) -> str:
    return _dt.date.fromordinal(ordinal).isoformat()


def _camel(words: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", words) if w)


def _snake(words: str) -> str:
    return _SLUG_RE.sub("_", words.lower()).strip("_")


def _box(rng: random.Random) -> str:
    return "[x]" if rng.random() < 0.5 else "[ ]"


# ------------------------------------------------------------------------ review history


def _history(status: str, rng: random.Random) -> list[str]:
    """Statuses of the Review History rows, oldest first, ending with ``status``."""
    options = {
        "Draft": (["Draft"], ["Draft", "Review", "Draft"]),
        "Review": (["Review"], ["Draft", "Review"], ["Draft", "Review", "Draft", "Review"]),
        "Approved": (["Review", "Approved"], ["Draft", "Review", "Approved"]),
        "Implemented": (
            ["Review", "Approved", "Implemented"],
            ["Draft", "Review", "Approved", "Implemented"],
        ),
        "Archived": (
            ["Draft", "Archived"],
            ["Review", "Approved", "Archived"],
            ["Review", "Approved", "Implemented", "Archived"],
            ["Draft", "Review", "Approved", "Archived"],
        ),
    }[status]
    return list(rng.choice(options))


# ----------------------------------------------------------------------------- render


def render_spec(i: int, n: int, rng: random.Random) -> str:
    """Render document ``i`` (1-based) of a corpus of ``n`` documents as Markdown text."""
    rnd = rng.random

    def ch(seq):  # rng.choice / rng.randint without their overhead
        return seq[int(rnd() * len(seq))]

    def ri(lo: int, hi: int) -> int:
        return lo + int(rnd() * (hi - lo + 1))

    doc_id = spec_id(i, n)
    title, subject = _title_and_subject(rng)
    mech = ch(MECHANISMS)
    audience = ch(AUDIENCES)
    problem = ch(PROBLEMS)
    status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
    doc_type = ch(TYPES)
    pkg = _snake(subject)
    author = ch(PEOPLE)
    others = [p for p in PEOPLE if p != author]
    reviewers = rng.sample(others, ri(1, 3))

    # references to other documents of the corpus (IDs 1..n, never itself)
    pool = rng.sample(range(1, n + 1), min(n, 5))
    refs = [spec_id(j, n) for j in pool if j != i][: ri(1, 4)]

    def req_ref() -> str:  # only called when refs is not empty
        return f"{ch(refs)}/FR-{ri(1, 2)}"

    # dates
    created = BASE_DAY + ri(0, DAY_SPAN)
    hist = _history(status, rng)
    hist_days = []
    d = created
    for _ in hist:
        hist_days.append(d)
        d += ri(1, 12)
    modified = hist_days[-1]

    out: list[str] = []
    w = out.append

    # ---- header
    w(f"# Technical Specification: {title}\n\n")
    w(
        f"**ID**: {doc_id}\n**Date**: {_day(created)}\n**Status**: {status}\n"
        f"**Type**: {doc_type}\n\n---\n\n"
    )
    w(f"## Summary\n\n{title} to end {problem} for {audience}.\n\n---\n\n")

    # ---- context
    w("## Context\n\n### Background\n")
    w(f"Today the {subject} suffers from {problem}, which {ch(CONSEQUENCES)}.")
    if rng.random() < 0.6:
        w(
            f" {ch(TEAMS)} reported that it hurts {audience} most during {ch(PERIODS)}; "
            f"tickets about it grew by {ri(12, 240)}% in {ri(2, 5)} quarters."
        )
    if rng.random() < 0.4:
        w(
            f" The design was sized for {ri(2, 90) * 100:,} {ch(OBJECTS)} per minute; "
            f"peaks are now {ri(3, 40)}x that."
        )
    if refs:
        w(f" This spec builds on {req_ref()}.")
    w("\n\n")
    w("### Related Work\n")
    w(
        f"- Related Specs: {', '.join(refs) if refs else 'none'}\n"
        "- Related Bugs: none\n- Related Decisions: none\n- Related Tasks: none\n\n"
    )
    w("### Dependencies\n")
    deps = [
        f"{refs[0]} reaches Approved before implementation starts"
        if refs
        else "Capacity review signed off by SRE",
        f"{ch(('Redis 7', 'PostgreSQL 16', 'Kafka 3.7', 'S3', 'Vault'))} available in "
        f"every region we deploy to",
        f"{ch(TEAMS)} to own the on-call runbook",
    ]
    for dep in deps[: ri(2, 3)]:
        w(f"- {dep}\n")
    w("\n---\n\n")

    # ---- requirements: 4..8 in total, at least 2 FR and 2 NFR
    total = ri(4, 8)
    n_fr = ri(2, total - 2)
    n_nfr = total - n_fr
    w("## Requirements\n\n### Functional Requirements\n")
    fr_lines = []
    for k in range(1, n_fr + 1):
        obj = ch(OBJECTS)
        verb = ch(VERBS)
        crit_ref = (
            f", consistent with {req_ref()}" if k == 2 and refs and rng.random() < 0.5 else ""
        )
        fr_lines.append(
            f"{k}. **FR-{k}**: The {subject} {verb} {obj} from {ch(AUDIENCES)}.\n"
            f"   - Acceptance Criteria: {ri(2, 50) * 10} {obj} handled with no {ch(('errors', 'regressions', 'duplicates', 'gaps', 'lost writes'))}"
            f"{crit_ref}.\n"
        )
    w("\n".join(fr_lines))
    w("\n### Non-Functional Requirements\n")
    nfr_lines = []
    for k in range(1, n_nfr + 1):
        kind, what, unit = ch(NFR_SHAPES)
        lo, hi, scale = NFR_RANGES[unit]
        target = unit.replace("#", str(ri(lo, hi) * scale))
        nfr_lines.append(
            f"{k}. **NFR-{k}**: {kind}: {what} during {ch(PERIODS)}\n   - Target: {target}\n"
        )
    w("\n".join(nfr_lines))
    w(
        f"\n### Out of Scope\nChanges to {ch(SUBJECTS)} and any migration of historical "
        f"{ch(OBJECTS)} older than {ri(2, 24)} months; those get their own spec.\n\n---\n\n"
    )

    # ---- design
    comps = []
    used_roles = rng.sample(ROLES, 3 if rng.random() < 0.3 else 2)
    base = _camel(subject.split()[-1])
    for role in used_roles:
        comps.append(
            (f"{base} {role}", f"{base}{role}", f"{pkg}/{_snake(role)}", _snake(f"{base} {role}"))
        )
    w("## Design\n\n### Architecture Overview\n")
    w(
        f"A thin {comps[0][0]} {ch(VERBS)} incoming {ch(OBJECTS)} and hands them to the "
        f"{comps[1][0]}, which relies on {mech}. State lives in PostgreSQL"
        f"{ch(('', '', '; workers stay stateless and scale out', '; nothing is kept in memory'))}.\n\n```\n"
    )
    names = [c[1] for c in comps]
    w(f"client --> {names[0]} --> {names[1]}\n")
    pad = " " * (len("client --> ") + len(names[0]) + len(" --> "))
    w(f"{pad}|\n{pad}+--> postgres ({_snake(subject)})\n")
    if len(names) > 2:
        w(f"{pad}+--> {names[2]} --> metrics\n")
    w("```\n\n### Component Design\n\n")
    for k, (name, cls, path, _) in enumerate(comps, 1):
        fn = f"{ch(('handle', 'load', 'flush', 'plan', 'apply', 'check'))}_{ch(OBJECTS)}"
        w(f"#### Component {k}: {name}\n")
        w(f"**Purpose**: {ch(VERBS).capitalize()} {ch(OBJECTS)} for the {subject}\n")
        w(f"**Location**: `src/{path}.py`\n")
        w(f"**Interfaces**: `{cls}.{fn}()`; uses the {ch(SUBJECTS)}\n\n")
        w(
            f"**Key Classes/Functions**:\n- `{cls}` - owns one {ch(OBJECTS_ONE)}\n"
            f"- `{fn}()` - {ch(VERBS)} up to {ri(1, 20) * 50} {ch(OBJECTS)}\n\n"
        )

    table = _snake(subject)
    cols = rng.sample(COLUMN_NAMES, ri(3, 6))
    col_lines = ["    id INTEGER PRIMARY KEY"]
    col_lines += [
        f"    {c} {COLUMN_TYPES[c]}{' NOT NULL' if rng.random() < 0.4 else ''}" for c in cols
    ]
    w("### Data Model\n\n#### New/Modified Tables\n```sql\n")
    w(f"CREATE TABLE {table} (\n" + ",\n".join(col_lines) + "\n);\n")
    if rng.random() < 0.6:
        w(f"CREATE INDEX idx_{table}_{cols[0]} ON {table} ({cols[0]});\n")
    w("```\n\n#### Data Flow\n")
    for k in range(1, 4):
        w(
            f"{k}. {names[(k - 1) % len(names)]} {ch(VERBS)} {ch(OBJECTS)} "
            f"for {ch(('the queue', 'PostgreSQL', 'the next stage', 'the audit log', 'the caller'))}\n"
        )
    w("\n---\n\n")

    # ---- implementation plan
    done_all = status == "Implemented"
    box = (lambda: "[x]") if done_all else (lambda: _box(rng))
    w("## Implementation Plan\n\n### Files to Create\n")
    for name, cls, path, _ in comps[:2]:
        w(f"- {box()} `src/{path}.py` - {name} and its {ch(OBJECTS)} handling\n")
    w("\n### Files to Modify\n")
    w(f"- {box()} `src/{pkg}/service.py` - call the {comps[0][0]}\n")
    w(f"- {box()} `config/{pkg}.yaml` - add `{_snake(mech)[:30]}` settings\n")
    w("\n### Dependencies to Add\n```\n")
    for name, spec, why in rng.sample(PACKAGES, ri(1, 3)):
        w(f"{name}{spec}  # {why}\n")
    w("```\n\n### Configuration Changes\n```yaml\n# New configuration required\n")
    w(
        f"{pkg}:\n  enabled: {ch(('true', 'false'))}\n  batch_size: {ri(1, 20) * 50}\n"
        f"  timeout_seconds: {ri(1, 60)}\n  region: {ch(('eu-west-1', 'us-east-1', 'ap-south-1'))}\n"
    )
    w("```\n\n---\n\n")

    # ---- testing
    w("## Testing Strategy\n\n### Unit Tests\n")
    for name, cls, path, snake in comps[:2]:
        area = ch(TEST_AREAS)
        w(f"- {_box(rng)} `test_{snake}_{_snake(area)[:40]}()` - Tests it {area}\n")
    w("\n### Integration Tests\n")
    w(
        f"- {_box(rng)} `test_{pkg}_end_to_end()` - Tests the path from "
        f"{ch(AUDIENCES)} to PostgreSQL\n\n"
    )
    w("### Manual Testing\n")
    w("1. Deploy to staging with the flag on and replay a day of traffic\n")
    w(f"2. Compare the {ch(METRICS)} dashboard with the NFR targets\n")
    if rng.random() < 0.5:
        w(f"3. Kill one worker mid-batch and confirm no {ch(OBJECTS)} are lost\n")
    w(
        f"\n### Test Data Required\n{ri(1, 50) * 1000:,} anonymised {ch(OBJECTS)} from "
        f"{ch(AUDIENCES)}, some malformed.\n\n---\n\n"
    )

    # ---- deployment
    w("## Deployment\n\n### Pre-Deployment Checklist\n")
    for item in FIXED_PRE_DEPLOY:
        w(f"- {box()} {item}\n")
    w("\n### Deployment Steps\n")
    steps = [
        "Apply the database migration",
        f"Deploy the {comps[0][0]} behind the `{pkg}.enabled` flag",
        f"Enable it for {ri(1, 25)}% of {audience}, then everyone after {ri(1, 7)} days",
        "Remove the old code path",
    ]
    for k, step in enumerate(steps[: ri(3, 4)], 1):
        w(f"{k}. {step}\n")
    w(
        f"\n### Rollback Plan\nTurn `{pkg}.enabled` off; the migration is additive. Replay "
        f"{ch(OBJECTS)} from the {ch(('dead-letter queue', 'audit log', 'outbox table'))}.\n\n"
    )
    w(
        f"### Monitoring\nWatch {ch(METRICS)} and {ch(METRICS)} for {ri(1, 14)} days; page "
        f"when the error budget burns {ri(2, 10)}x faster than normal.\n\n---\n\n"
    )

    # ---- risks
    w(
        "## Risk Assessment\n\n| Risk | Probability | Impact | Mitigation |\n"
        "|------|-------------|--------|------------|\n"
    )
    for _ in range(ri(2, 3)):
        risk, fix = ch(PROBLEMS), ch(MECHANISMS)
        w(
            f"| {risk[0].upper() + risk[1:]} in the {ch(SUBJECTS)} | {ch(RISK_LEVELS)} | "
            f"{ch(RISK_LEVELS)} | {fix[0].upper() + fix[1:]} and a staged rollout |\n"
        )
    w("\n---\n\n## Alternatives Considered\n\n")
    for k in range(1, ri(1, 2) + 1):
        alt = ch(MECHANISMS)
        w(f"### Alternative {k}: {alt[0].upper() + alt[1:]}\n")
        w(f"**Description**: Solve {problem} with {alt} instead of {mech}.\n")
        w(
            f"**Pros**: {ch(('Less code', 'Well understood', 'No new infrastructure', 'Cheaper to run'))}.\n"
        )
        w(
            f"**Cons**: {ch(('Does not scale past one region', 'Hard to test', 'Adds an operational burden', 'Leaks tenant state'))}.\n"
        )
        w(f"**Why Rejected**: It would still leave {ch(AUDIENCES)} exposed to {ch(PROBLEMS)}.\n\n")
    w("---\n\n")

    # ---- performance & security
    w("## Performance Considerations\n\n### Expected Performance Impact\n")
    for m in rng.sample(METRICS, ri(2, 3)):
        a = ri(50, 900)
        unit = METRIC_UNITS[m]
        w(f"- {m[0].upper() + m[1:]}: from {a}{unit} to {a * ri(20, 90) // 100}{unit} in staging\n")
    w(
        f"\n### Optimization Opportunities\nBatch {ch(OBJECTS)} per tenant and move the "
        f"{comps[-1][0]} to {ch(MECHANISMS)} if {ch(METRICS)} grows beyond the NFR target.\n\n---\n\n"
    )
    w("## Security Considerations\n\n### Threat Model\n")
    for t in rng.sample(range(len(THREATS)), ri(2, 3)):
        w(f"- {THREATS[t]}: {THREAT_FIXES[t]}\n")
    w("\n### Security Controls\n")
    for item in FIXED_SECURITY:
        w(f"- {_box(rng)} {item}\n")
    w("\n---\n\n## Documentation\n\n### User Documentation\n")
    for item in FIXED_USER_DOCS:
        w(f"- {_box(rng)} {item}\n")
    w("\n### Developer Documentation\n")
    for item in FIXED_DEV_DOCS:
        w(f"- {_box(rng)} {item}\n")
    w("\n---\n\n")

    # ---- timeline
    phase_status = {
        "Draft": ("In Progress", "Planned", "Planned", "Planned"),
        "Review": ("Done", "Planned", "Planned", "Planned"),
        "Approved": ("Done", "In Progress", "Planned", "Planned"),
        "Implemented": ("Done", "Done", "Done", "Done"),
        "Archived": ("Done", "Cancelled", "Cancelled", "Cancelled"),
    }[status]
    w(
        "## Timeline\n\n| Phase | Duration | Start Date | End Date | Status |\n"
        "|-------|----------|------------|----------|--------|\n"
    )
    start = created
    for phase, ps in zip(("Design", "Implementation", "Testing", "Deployment"), phase_status):
        dur = ri(2, 15)
        end = start + dur
        w(f"| {phase} | {dur} days | {_day(start)} | {_day(end)} | {ps} |\n")
        start = end + 1
    w("\n---\n\n")

    # ---- review history
    w(
        "## Review History\n\n| Date | Reviewer | Status | Feedback |\n"
        "|------|----------|--------|----------|\n"
    )
    approvers = []
    seen_review = False
    for k, (st, day) in enumerate(zip(hist, hist_days)):
        if st == "Draft" and k == 0:
            who, note = author, "Initial draft"
        elif st == "Draft":
            who, note = ch(reviewers), f"Changes requested: clarify NFR-{ri(1, n_nfr)} target"
        elif st == "Review":
            who, note = author, "Ready for review"
            seen_review = True
        elif st == "Approved":
            who = ch(reviewers)
            note = f"Looks good; watch {ch(METRICS)} after rollout"
            if seen_review or k == 0:
                approvers.append(who)
        elif st == "Implemented":
            who, note = author, f"Shipped behind `{pkg}.enabled`"
        else:
            who, note = (
                author,
                ch(
                    (
                        "Superseded by a broader redesign",
                        "Feature retired with the legacy plan",
                        "No longer needed after the platform migration",
                    )
                ),
            )
        w(f"| {_day(day)} | {who} | {st} | {note} |\n")
    w("\n---\n\n")

    # ---- metadata & notes
    w("## Metadata\n\n")
    w(
        f"- **Created**: {_day(created)}\n- **Modified**: {_day(modified)}\n"
        f"- **Author**: {author}\n- **Reviewers**: {', '.join(reviewers)}\n"
        f"- **Approvers**: {', '.join(approvers) if approvers else 'none'}\n"
        f"- **Tags**: {', '.join(rng.sample(TAGS, 3))}\n\n---\n\n"
    )
    w(
        f"## Notes\n\nFollow-up work: extend {mech} to the {ch(SUBJECTS)} once "
        f"{ch(METRICS)} has stayed stable through {ch(PERIODS)}."
    )
    if len(refs) > 1:
        w(f" Coordinate the rollout with {refs[-1]}.")
    w("\n")
    return "".join(out)


# ----------------------------------------------------------------------------- corpus


def generate(out_dir: Path, n: int, seed: int = 0) -> list[Path]:
    """Write ``specbook.toml`` and ``n`` SPEC documents under ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    specs = out_dir / "docs" / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    digits = id_digits(n)
    toml = '[book]\nname = "bench"\n'
    if digits != 3:
        toml += f"\n[kinds.SPEC]\ndigits = {digits}\n"
    (out_dir / "specbook.toml").write_text(toml, encoding="utf-8")
    paths = []
    for i in range(1, n + 1):
        rng = _doc_rng(seed, i)
        text = render_spec(i, n, rng)
        title = text[len("# Technical Specification: ") : text.index("\n")]
        path = specs / f"{spec_id(i, n)}-{slugify(title)}.md"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate N SPEC documents as a specbook book.")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")
    t0 = time.perf_counter()
    paths = generate(args.out_dir, args.n, args.seed)
    dt = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in paths)
    print(
        f"wrote {len(paths)} documents ({size / 1e6:.1f} MB, avg {size / len(paths) / 1024:.1f} KiB) "
        f"to {args.out_dir} in {dt:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
