import pytest

from csdp.clock.services import clock_reset


@pytest.fixture
def business_clock(db):
    """Set the business clock inside a test; it is reset (and its cache cleared) afterwards."""
    from csdp.clock.services import clock_set

    yield clock_set
    clock_reset()
