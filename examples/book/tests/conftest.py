"""Shared fixtures of Parcel's test suite.

Tests name the requirement they check with the ``spec`` marker registered here, a
comment or docstring naming it, or a name such as ``test_spec_<n>_fr_<m>_...``;
``specbook trace`` turns these tags into a coverage table.
"""

from __future__ import annotations

import pytest

from parcel.testing import FakeCarrier, make_app


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spec(ref): the requirement a test checks, e.g. SPEC-001/FR-2")


@pytest.fixture
def app():
    return make_app(database_url="postgresql:///parcel_test")


@pytest.fixture
def dhl() -> FakeCarrier:
    return FakeCarrier.from_recording("dhl", "tests/recordings/dhl-20-shipments.json")
