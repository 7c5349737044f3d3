"""Checks of SPEC-001/FR-1; a module docstring may carry tags too."""

import pytest


@pytest.mark.spec("SPEC-001/FR-2")
def test_events_sorted():
    pass


@pytest.mark.spec("SPEC-001/FR-9")  # SB404
def test_missing_requirement():
    pass


# covers SPEC-009/FR-1  # SB404
def test_missing_document():
    pass


def test_spec_001_fr_5_named_after_a_missing_requirement():  # SB404
    pass


def test_spec_001_nfr_1_named_after_a_real_one():
    pass


@pytest.mark.spec("SPEC-1/FR-1")
def test_unpadded_number_names_the_same_document():
    pass


@pytest.mark.spec("SPEC-001")
def test_whole_document():
    pass


@pytest.mark.spec("the tracking spec")  # SB404
def test_malformed_marker():
    pass


class TestShareLinks:
    """SPEC-001/FR-3 in a class docstring."""  # SB404

    def test_token(self):
        note = "SPEC-001/FR-9 in a plain string is data, not a tag"
        assert note
