"""End-to-end flows against a local PostgreSQL and recorded carrier responses."""

from __future__ import annotations

import pytest


@pytest.mark.spec("SPEC-001/FR-1")
@pytest.mark.spec("SPEC-001/FR-2")
def test_register_then_poll_then_read_flow(app, dhl) -> None:
    shipment = app.post("/v1/shipments", json=dhl.registration(0)).json()
    app.poller.run_once()
    events = app.get(f"/v1/shipments/{shipment['id']}/events").json()
    assert len(events) == len(dhl.events(0))


@pytest.mark.spec("SPEC-002/NFR-1")
def test_webhook_to_events_endpoint_flow(app, dhl) -> None:
    shipment = app.post("/v1/shipments", json=dhl.registration(4)).json()
    dhl.push(4, to=app.url("/v1/webhooks/dhl"))
    assert app.wait_for_events(shipment["id"], timeout=2.0)


@pytest.mark.spec("SPEC-003/FR-2")
def test_webhook_to_email_flow(app, dhl) -> None:
    shipment = app.post("/v1/shipments", json=dhl.registration(5)).json()
    app.subscribe_confirmed(shipment["public_token"], "ana@example.org")
    dhl.push(5, status="delivered", to=app.url("/v1/webhooks/dhl"))
    assert app.smtp.wait_for_mail("ana@example.org", timeout=60.0)


def test_replay_day_stays_under_quota(app) -> None:
    """SPEC-005/NFR-1: one production day of DHL polls stays under the quota."""
    fake = app.fake_carrier("dhl", quota_per_day=1_000)
    app.poller.replay("tests/recordings/dhl-production-day.json", carrier=fake)
    assert fake.requests_today <= 1_000
