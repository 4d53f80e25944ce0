"""Random register traffic, one event or a bulk batch at a time: accepted events keep every position
equal to the rebuild from the log, refused ones leave no trace, and no position is ever negative or
encumbered beyond its quantity."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csdp.register.models import Position
from csdp.register.selectors import register_rebuild_check
from csdp.register.services import RegisterError, register_apply, register_apply_bulk
from tests.register.conftest import DAY

deltas = st.tuples(
    st.sampled_from(["quantity_delta", "frozen_delta", "pledged_delta"]),
    st.integers(min_value=-300, max_value=600).filter(bool),
)
steps = st.lists(
    st.tuples(st.sampled_from(["account", "other"]), st.lists(deltas, min_size=1, max_size=3), st.booleans()),
    min_size=1,
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_positions_always_equal_the_rebuild_from_the_log(world, steps):
    with transaction.atomic():
        model = {"account": [0, 0, 0], "other": [0, 0, 0]}
        for n, (who, changes, bulk) in enumerate(steps):
            rows = [
                {
                    "security_id": world["stock"].pk,
                    "account_id": world[who].pk,
                    "event_type": "initial",
                    "business_date": DAY,
                    "key": f"{n}-{i}",
                    field: value,
                }
                for i, (field, value) in enumerate(changes)
            ]
            q, f, p = model[who]
            for field, value in changes:
                q, f, p = (
                    (q + value, f, p)
                    if field == "quantity_delta"
                    else (q, f + value, p)
                    if field == "frozen_delta"
                    else (q, f, p + value)
                )
            legal = q >= 0 and f >= 0 and p >= 0 and f + p <= q
            try:
                (register_apply_bulk(rows) if bulk else register_apply(events=rows))
                model[who] = [q, f, p]
            except RegisterError:
                pass
            assert register_rebuild_check() == []
            assert not Position.objects.filter(quantity__lt=0).exists()
            if bulk:  # the bulk path judges only the end state of its batch
                assert legal == (model[who] == [q, f, p])
        for who, (q, f, p) in model.items():
            stored = Position.objects.filter(account=world[who]).values_list("quantity", "frozen", "pledged").first()
            assert (stored or (0, 0, 0)) == (q, f, p)
        transaction.set_rollback(True)
