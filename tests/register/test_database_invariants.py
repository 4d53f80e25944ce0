import pytest
from django.db import IntegrityError, connection, transaction

from csdp.register.models import Position, RegistrationEvent
from csdp.register.selectors import register_rebuild_check
from csdp.register.services import register_apply
from tests.register.conftest import event


def _refused(action):
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


@pytest.fixture
def held(world):
    register_apply(events=[event(world, "a", quantity=1_000), event(world, "p", "pledge", pledged=400)])
    return world


def test_the_database_refuses_an_update_or_delete_of_an_event(held):
    def raw(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    _refused(lambda: RegistrationEvent.objects.filter(key="a").update(quantity_delta=5))
    _refused(lambda: raw("DELETE FROM register_registrationevent"))


def test_the_database_refuses_a_position_below_zero_or_over_encumbered(held):
    position = Position.objects.get()
    _refused(lambda: Position.objects.filter(pk=position.pk).update(quantity=-1))
    _refused(lambda: Position.objects.filter(pk=position.pk).update(frozen=601))
    _refused(lambda: Position.objects.filter(pk=position.pk).update(pledged=-1, frozen=1))


def test_the_rebuild_check_reports_a_position_that_drifted_from_the_log(held):
    Position.objects.update(quantity=900)
    [difference] = register_rebuild_check()
    assert difference.from_log == (1_000, 0, 400) and difference.in_positions == (900, 0, 400)
