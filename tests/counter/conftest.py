from __future__ import annotations

import pytest

from tests.counter.factories import give_codes


@pytest.fixture
def codes(cast):
    """Issuer A holds 920001 and 920003; issuer B holds 920002."""
    give_codes(cast.issuer_a.institution, "920001", "920003")
    give_codes(cast.issuer_b.institution, "920002")
    return {"a": "920001", "b": "920002"}


@pytest.fixture
def key_a(cast):
    from csdp.keys.testing import enrol_test_key

    return enrol_test_key(cast.issuer_a)


@pytest.fixture
def key_b(cast):
    from csdp.keys.testing import enrol_test_key

    return enrol_test_key(cast.issuer_b)
