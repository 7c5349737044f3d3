"""How specbook does on the documents teams already have: a report per corpus.

For every corpus under ``tests/corpus/`` (the real repositories of ``wild/``, the
books of ``synthetic/``), in a scratch git copy of it:

1. ``specbook list --json`` with no config (zero-config), then ``specbook adopt``,
   then ``list --json`` again: the documents, the kinds adopt inferred, and whether
   both listings name the same documents;
2. ``lint --statistics --format json``: findings per rule, and per document;
3. ten documents (a fixed sample) with their ID, status and title, to check by hand
   against the files;
4. on one document (the sample's first with a next status): ``status`` to its next
   status, ``review --approve`` and ``check 1`` (when it has checkboxes), each
   followed by its ``git diff`` (only the intended lines, in the team's style).

    .venv/bin/python scripts/adoption_report.py [--diffs] [--findings RULE] [CORPUS...]

``--findings RULE`` prints every finding of that rule (for the true/false-positive
check); ``--diffs`` prints the lifecycle diffs. The corpora are copied, never changed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO / "tests" / "corpus"
# the day the report is made on (the documents' own dates stay what they are)
TODAY = "2026-11-20"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SPECBOOK_TODAY": TODAY}
    return subprocess.run(
        [sys.executable, "-m", "specbook", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Report", "-c", "user.email=report@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def corpora(names: list[str]) -> list[Path]:
    found = sorted(
        p for group in ("wild", "synthetic") for p in (CORPORA / group).iterdir() if p.is_dir()
    )
    return [p for p in found if not names or p.name in names]


def listed(cwd: Path) -> list[dict[str, Any]]:
    out = run(["list", "--json"], cwd)
    if out.returncode != 0:
        print(f"list: exit {out.returncode}: {out.stderr.strip()[:300]}")
        return []
    data = json.loads(out.stdout)
    return data if isinstance(data, list) else data.get("documents", [])


def next_status(root: Path, doc: dict[str, Any]) -> str | None:
    """The status the document's kind lets it move to next: the first allowed one
    after where it stands in the kind's order of statuses (else the first allowed)."""
    from specbook.core.config import load_config
    from specbook.core.workflow import workflow_for

    config = load_config(root / "specbook.toml")
    kind = config.kinds.get(doc.get("kind") or "")
    current = doc.get("status_canonical")
    if kind is None:
        return None
    if not current:  # (a document stating no status: its kind's first)
        return kind.statuses[0] if kind.statuses else None
    allowed = workflow_for(kind).allowed(current)
    order = list(kind.statuses)
    later = [
        s
        for s in allowed
        if s in order and current in order and order.index(s) > order.index(current)
    ]
    return (later or list(allowed) or [None])[0]


def pick(root: Path, sample: list[dict[str, Any]]) -> tuple[dict[str, Any], str] | None:
    """The sample's first document with a status to move to: one stating a status
    first, then one with unticked checklist items."""
    found = []
    for d in sample:
        shown = json.loads(run(["show", "--json", str(d.get("path"))], root).stdout or "{}")
        target = next_status(root, shown)
        if target and shown.get("id"):
            open_items = any(not c.get("checked") for c in shown.get("checklists", []))
            found.append((not shown.get("status"), not open_items, shown, target))
    if not found:
        return None
    found.sort(key=lambda t: t[:2])
    return found[0][2], found[0][3]


def lifecycle_diffs(root: Path, sample: list[dict[str, Any]]) -> None:
    for path in root.rglob("*"):  # (the corpus files are read-only in the repository)
        if path.is_file() and not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "adopted", "--allow-empty")
    chosen = pick(root, sample)
    if chosen is None:
        print("\nlifecycle: no document of the sample has a status to move to")
        return
    doc, target = chosen
    ref = str(doc["path"])
    steps = [
        ["status", ref, target, "--by", "Zed Reviewer", "--force"],
        ["review", ref, "--approve", "--by", "Zed Reviewer"],
    ]
    items = doc.get("checklists", [])
    unticked = [n for n, c in enumerate(items, 1) if not c.get("checked")]
    if unticked:  # (its first unticked item, by number)
        steps.append(["check", ref, str(unticked[0])])
    print(f"\nlifecycle on {doc['id']} ({ref}, {doc.get('status')}):")
    for step in steps:
        done = run(step, root)
        print(f"\n$ specbook {' '.join(step)}  -> exit {done.returncode}")
        if done.returncode != 0:
            print(done.stderr.strip()[:500])
        print(git(root, "diff", "--no-color", "-U0").rstrip("\n") or "(no change)")
        git(root, "add", "-A")
        git(root, "commit", "-qm", " ".join(step), "--allow-empty")


def report(src: Path, diffs: bool, findings_of: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / src.name
        shutil.copytree(src, root)
        git(root, "init", "-q", "-b", "main")
        zero = listed(root)
        adopt = run(["adopt"], root)
        after = listed(root)
        print(f"\n## {src.relative_to(CORPORA)}\n")
        same = sorted((str(d.get("id")), str(d.get("path"))) for d in zero) == sorted(
            (str(d.get("id")), str(d.get("path"))) for d in after
        )
        print(f"documents: {len(after)} (zero-config lists {len(zero)}; the same: {same})")
        if adopt.returncode != 0:
            print(f"adopt: exit {adopt.returncode}: {adopt.stderr.strip()[:400]}")
        kinds: dict[str, int] = {}
        for d in after:
            kinds[str(d.get("kind"))] = kinds.get(str(d.get("kind")), 0) + 1
        print("kinds: " + ", ".join(f"{k} ({n})" for k, n in sorted(kinds.items())))
        lint = run(["lint", "--statistics", "--format", "json"], root)
        try:
            stats = json.loads(lint.stdout)
        except ValueError:
            print(f"lint: exit {lint.returncode}: {lint.stderr.strip()[:300]}")
            stats = {"statistics": []}
        rows = stats["statistics"]
        total = sum(r["count"] for r in rows)
        print(f"findings: {total} ({total / max(len(after), 1):.2f} per document)")
        for r in rows:
            print(
                f"  {r['rule']} {r.get('name', '')}: {r['count']} in {r['documents']} "
                f"documents{' (fixable)' if r.get('fixable') else ''}"
            )
        if findings_of:
            full = json.loads(run(["lint", "--format", "json"], root).stdout)
            for f in full["findings"]:
                if f["rule"] in findings_of:
                    print(f"    {f['rule']} {f['path']}:{f['line']}: {f['message'][:160]}")
        rng = random.Random(src.name)
        sample = rng.sample(after, min(10, len(after)))
        print("sample (hand check against the files):")
        for d in sample:
            print(
                f"  {d.get('id')!s:14} {str(d.get('status'))[:26]:26} "
                f"{str(d.get('title'))[:58]}  ({d.get('path')})"
            )
        if diffs:
            lifecycle_diffs(root, sample)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="*", help="corpus folder names (default: all)")
    ap.add_argument("--diffs", action="store_true", help="run status/review/check, print diffs")
    ap.add_argument("--findings", action="append", default=[], metavar="RULE")
    args = ap.parse_args()
    for src in corpora(args.corpus):
        report(src, args.diffs, args.findings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
