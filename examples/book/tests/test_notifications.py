"""Delivery notifications (SPEC-003)."""

from __future__ import annotations

import pytest

from parcel.notify.notifier import Notifier


@pytest.mark.spec("SPEC-003/FR-1")
def test_unconfirmed_subscription_gets_no_mail(app, dhl) -> None:
    shipment = app.post("/v1/shipments", json=dhl.registration(2)).json()
    app.post(f"/v1/track/{shipment['public_token']}/subscribe", json={"email": "ana@example.org"})
    dhl.deliver(2)
    assert app.smtp.sent == []


@pytest.mark.spec("SPEC-003/FR-2")
@pytest.mark.spec("SPEC-003/NFR-2")
def test_notifier_sends_once_per_status_change(app) -> None:
    notifier = Notifier(app.outbox, app.smtp)
    row = app.outbox.add(shipment_id="s-1", status="out_for_delivery", email="ana@example.org")
    notifier.run_once()
    app.outbox.redeliver(row)
    notifier.run_once()
    assert len(app.smtp.sent) == 1
