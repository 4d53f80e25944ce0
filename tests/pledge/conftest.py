import pytest

from tests.pledge.factories import board_user, freeze_clock, holdings_world


@pytest.fixture
def clock(db):
    freeze_clock()


@pytest.fixture
def world(clock):
    return holdings_world()


@pytest.fixture
def zhang(world):
    """张明, a registered board user linked to the investor who holds the world's shares."""
    return board_user("zhang", investor=world["investor"], name="张明")


@pytest.fixture
def lender(clock):
    return board_user("lender", name="华兴小贷")


@pytest.fixture
def outsider(clock):
    return board_user("outsider", name="第三人")
