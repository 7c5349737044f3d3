"""Must show 3: the JSON API fuzzed from its own OpenAPI document (schemathesis).

Every operation of ``/api/openapi.json`` gets generated requests, valid and invalid
(negative mode breaks types, required fields and bodies), and no response may be a
5xx. Writes carry a valid bearer token, so transitions and reviews run the lifecycle
engine on a throwaway copy of the example book; path parameters are drawn from the
book's real IDs as often as from random text, so the engine is reached, not only 404.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from specbook.services.zeroconf import open_book
from specbook.web.app import create_app
from specbook.web.auth import Accounts, hash_token

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "book"
TOKEN = "fuzz-token-0123456789"
IDS = ["SPEC-001", "SPEC-002", "SPEC-003", "SPEC-004", "SPEC-005", "DEC-001", "BUG-003", "TASK-001"]
STATUSES = ["Draft", "review", "Approved", "Implemented", "Archived", "Accepted", "Done"]
EXAMPLES = 40
SEEN: defaultdict[tuple[str, str], set[int]] = defaultdict(set)


# schemathesis loads the schema when the module is imported (its fixture-based lazy
# loader does not work with pytest 9), so the throwaway book is made here too.
ROOT = Path(tempfile.mkdtemp(prefix="specbook-fuzz-")) / "book"
atexit.register(shutil.rmtree, ROOT.parent, ignore_errors=True)  # even when deselected
shutil.copytree(EXAMPLE, ROOT, ignore=shutil.ignore_patterns(".specbook"))
APP = create_app(open_book(ROOT), Accounts(tokens={"fuzz": hash_token(TOKEN)}))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Half the documents named are real, so writes reach the lifecycle engine."""
    if not path_parameters or "ref" not in path_parameters:
        return st.just(path_parameters)
    real = st.sampled_from(IDS + [i.lower() for i in IDS]).map(lambda r: {"ref": r})
    return st.one_of(real, st.just(path_parameters))


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Half the transition bodies name a status of the book, so gates are tried."""
    if not context.operation.path.endswith("/transitions") or not isinstance(body, dict):
        return st.just(body)
    real = st.sampled_from(STATUSES).map(lambda status: {**body, "status": status})
    return st.one_of(real, st.just(body))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_server_error(case: Any) -> None:
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    SEEN[(case.method.upper(), case.path)].add(response.status_code)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} {case.query} {case.body!r} -> "
        f"{response.status_code} {response.text[:300]}"
    )


def test_the_fuzzer_reached_the_engine() -> None:
    """Runs after the fuzzing above: writes got past the door (reviews recorded, moves
    refused by gates), and every document the fuzzer wrote to still loads."""
    assert SEEN, "run with the fuzz test above"
    moves = SEEN[("POST", "/api/documents/{ref}/transitions")]
    assert {400, 404, 409} <= moves, moves
    reviews = SEEN[("POST", "/api/documents/{ref}/reviews")]
    assert {200, 400, 404} <= reviews, reviews
    assert {200, 400} <= SEEN[("GET", "/api/search")]
    with TestClient(APP) as client:
        for ref in IDS:
            assert client.get(f"/api/documents/{ref}").status_code == 200
