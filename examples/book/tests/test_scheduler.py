"""The adaptive polling scheduler (SPEC-005)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from parcel.poller.ratelimit import TokenBucket
from parcel.poller.scheduler import next_interval


@pytest.mark.spec("SPEC-005/FR-1")
@pytest.mark.parametrize(
    ("status", "interval"),
    [
        ("out_for_delivery", timedelta(minutes=10)),
        ("in_transit", timedelta(hours=2)),
        ("exception", timedelta(hours=6)),
        ("delivered", None),
    ],
)
def test_next_interval_per_status(status: str, interval: timedelta | None) -> None:
    assert next_interval(status) == interval


@pytest.mark.spec("SPEC-005/FR-2")
def test_bucket_delays_least_urgent_first() -> None:
    bucket = TokenBucket(rate_per_hour=2)
    order = bucket.admit(["in_transit", "out_for_delivery", "exception"])
    assert order.delayed == ["in_transit"]
