import pytest

from tests.restrictions.factories import freeze_clock, world as make_world


@pytest.fixture
def w(cast):
    freeze_clock()
    return make_world(cast.participant)
