"""Webhook ingestion (SPEC-002)."""

from __future__ import annotations

import pytest

from parcel.webhooks.signature import sign


@pytest.mark.spec("SPEC-002/FR-1")
def test_webhook_rejects_bad_signature(app, dhl) -> None:
    payload = dhl.push_payload(0)
    missing = app.post("/v1/webhooks/dhl", content=payload)
    wrong = app.post("/v1/webhooks/dhl", content=payload, headers={"X-Signature": "00" * 32})
    assert missing.status_code == wrong.status_code == 401
    assert app.tracker.count_events() == 0


@pytest.mark.spec("SPEC-002/FR-1")
def test_webhook_accepts_signed_delivery(app, dhl) -> None:
    payload = dhl.push_payload(0)
    response = app.post("/v1/webhooks/dhl", content=payload, headers={"X-Signature": sign(payload, "dhl-secret")})
    assert response.status_code == 202


def test_duplicate_delivery_stored_once(app, dhl) -> None:
    # SPEC-002/FR-2: carriers retry deliveries they think failed
    payload = dhl.push_payload(0)
    headers = {"X-Signature": sign(payload, "dhl-secret")}
    app.post("/v1/webhooks/dhl", content=payload, headers=headers)
    app.post("/v1/webhooks/dhl", content=payload, headers=headers)
    assert app.tracker.count_events() == len(dhl.events(0))
