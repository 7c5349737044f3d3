"""Carrier auto-detection (SPEC-004)."""

from __future__ import annotations

from parcel.carriers.detect import detect


def test_detect_carrier_ups_1z_number() -> None:
    """SPEC-004/FR-2: a valid UPS number is found, a wrong check digit is not."""
    assert detect("1Z999AA10123456784")[0].carrier == "ups"
    assert detect("1Z999AA10123456785") == []


def test_detect_carrier_ambiguous_number() -> None:
    """SPEC-004/FR-2: both candidates, best first."""
    candidates = detect("00340434161094042557")
    assert [c.carrier for c in candidates][:2] == ["dhl", "postnl"]
    assert candidates[0].confidence >= candidates[1].confidence


# SPEC-004/FR-1
def test_register_shipment_without_carrier_code(app) -> None:
    response = app.post("/v1/shipments", json={"tracking_number": "1Z999AA10123456784"})
    assert response.status_code == 201
    assert response.json()["carrier_code"] == "ups"
