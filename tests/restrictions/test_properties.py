"""Random sequences of pledges, releases, freezes (of the holding or of one named lot, with queues,
renewals and expiry), whole and partial unfreezes, court deductions, transfers and other businesses'
register changes: after every step available ≥ 0 on every lot, the records agree with the register
(the rebuild check), no share is lost across a transfer or a deduction, and a refusal is Chinese and
leaves nothing behind."""

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csdp.approvals.services import approval_approve
from csdp.lib.errors import CsdpError
from csdp.register.models import Position
from csdp.register.services import register_apply
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.models import FREEZE_LIVE, PLEDGE_OUTSTANDING, Deduction, Freeze, NonTradeTransfer, Pledge
from csdp.restrictions.services_deduct import deduct_prepare
from csdp.restrictions.services_freeze import (
    FreezeData,
    freeze_prepare,
    freeze_release_prepare,
    freeze_renew_prepare,
    freezes_expire,
)
from csdp.restrictions.services_release import release_apply, release_review_prepare
from csdp.restrictions.services_transfer import TransferData, transfer_prepare
from tests.restrictions.factories import TODAY, registered_pledge

STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "pledge",
                "release",
                "freeze",
                "lot_freeze",
                "unfreeze",
                "partial_unfreeze",
                "deduct",
                "renew",
                "expire",
                "transfer",
                "buy",
                "nature",
            ]
        ),
        st.integers(1, 16_000),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=14,
)


def _check(w):
    positions = list(Position.objects.filter(security=w["stock"]))
    assert all(p.quantity - p.frozen - p.pledged >= 0 for p in positions)
    assert restrictions_rebuild_check() == []
    for acc in (w["account"], w["heir"]):  # and straight against the lots: nobody else freezes or pledges here
        mine = [p for p in positions if p.account_id == acc.pk]
        freezes = Freeze.objects.filter(account=acc, status__in=FREEZE_LIVE)
        pledges = Pledge.objects.filter(pledgor_account=acc, status__in=PLEDGE_OUTSTANDING)
        assert sum(p.frozen for p in mine) == sum(f.frozen_shares for f in freezes)
        assert sum(p.pledged for p in mine) == sum(p.quantity_shares - p.released_shares for p in pledges)
    return sum(p.quantity for p in positions)


def _snapshot():
    """Everything a refused step could have touched: the register's lots and the records."""
    return (
        sorted(Position.objects.values_list("pk", "quantity", "frozen", "pledged")),
        sorted(Freeze.objects.values_list("pk", "status", "frozen_shares", "lifted_shares", "deducted_shares")),
        sorted(Pledge.objects.values_list("pk", "status", "released_shares")),
        Deduction.objects.count(),
        NonTradeTransfer.objects.count(),
    )


def _step(w, cast, action, n, pick, counter):
    op, rv = cast.operator, cast.reviewer
    account, security = w["account"], w["stock"]
    if action == "pledge":
        restricted = {"share_nature": "05", "lockup_end": dt.date(2027, 3, 30)} if pick % 2 else {}
        registered_pledge(w, op, rv, quantity_shares=n, contract_number=f"HT-{counter}", **restricted)
    elif action == "release":
        pledges = list(Pledge.objects.filter(status__in=PLEDGE_OUTSTANDING).order_by("pk"))
        if pledges:
            p = pledges[pick % len(pledges)]
            r = release_apply(pledge=p, by=w["lender"], quantity_shares=min(n, p.quantity_shares - p.released_shares))
            approval_approve(approval=release_review_prepare(release=r, by=op), by=rv)
    elif action in ("freeze", "lot_freeze"):
        lot = {"share_nature": "05", "lockup_end": dt.date(2027, 3, 30)} if action == "lot_freeze" else {}
        approval = freeze_prepare(
            by=op,
            data=FreezeData(
                court="法院",
                document_number=f"执{counter}",
                account_number=account.number,
                security_code=security.code,
                whole_holding=pick == 0,
                quantity_shares=n,
                start_date=TODAY,
                end_date=TODAY + dt.timedelta(days=pick),
                **lot,
            ),
        )
        approval_approve(approval=approval, by=rv)
    elif action in ("unfreeze", "partial_unfreeze", "renew", "deduct"):
        live = list(Freeze.objects.filter(status__in=FREEZE_LIVE).order_by("pk"))
        if live:
            f = live[pick % len(live)]
            if action in ("unfreeze", "partial_unfreeze"):
                part = min(n, f.demand_shares) if action == "partial_unfreeze" else None
                approval = freeze_release_prepare(freeze=f, by=op, document_number=f"解{counter}", quantity_shares=part)
            elif action == "deduct":
                target = w["heir"] if f.account_id == account.pk else account
                approval = deduct_prepare(
                    freeze=f,
                    by=op,
                    to_account=target.number,
                    quantity_shares=min(n, f.frozen_shares),
                    document_number=f"扣{counter}",
                )
            else:
                approval = freeze_renew_prepare(
                    freeze=f, by=op, end_date=f.end_date + dt.timedelta(days=30), document_number=f"续{counter}"
                )
            approval_approve(approval=approval, by=rv)
    elif action == "expire":
        freezes_expire(day=TODAY + dt.timedelta(days=pick))
    elif action == "transfer":
        source, target = (account, w["heir"]) if pick % 2 == 0 else (w["heir"], account)
        approval = transfer_prepare(
            by=op,
            data=TransferData(
                reason="inheritance",
                from_account=source.number,
                to_account=target.number,
                security_code=security.code,
                quantity_shares=n,
                document=f"证{counter}",
            ),
        )
        approval_approve(approval=approval, by=rv)
    elif action == "buy":  # another business adds shares (e.g. a placement): the queue takes them at EOD
        register_apply(
            events=[
                {
                    "key": f"buy:{counter}",
                    "account": account,
                    "security": security,
                    "event_type": "initial",
                    "quantity_delta": n,
                    "business_date": TODAY,
                }
            ]
        )
        freezes_expire(day=TODAY - dt.timedelta(days=1))  # fills the queues, expires nothing
        return n
    elif action == "nature":  # a nature change moving a pledge to another lot (csdp.register's business)
        lot = Position.objects.filter(account=account, security=security, share_nature="05").first()
        if lot and lot.pledged:
            move = min(lot.pledged, n)
            common = {"account": account, "security": security, "event_type": "restrict", "business_date": TODAY}
            register_apply(
                events=[
                    {
                        **common,
                        "key": f"nat:{counter}:out",
                        "quantity_delta": -move,
                        "pledged_delta": -move,
                        "share_nature": "05",
                        "lockup_end": lot.lockup_end,
                    },
                    {**common, "key": f"nat:{counter}:in", "quantity_delta": move, "pledged_delta": move},
                ]
            )
    return 0


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=STEPS)
def test_random_sequences_keep_the_register_and_the_records_in_step(w, cast, steps):
    with transaction.atomic():
        expected = _check(w)
        for counter, (action, n, pick) in enumerate(steps):
            before = _snapshot()
            try:
                with transaction.atomic():
                    expected += _step(w, cast, action, n, pick, counter)
            except CsdpError as refused:
                assert refused.message and not refused.message.isascii()  # every refusal in Chinese
                assert _snapshot() == before  # and nothing half-applied
            assert _check(w) == expected  # nothing lost: transfers move, never create or destroy
        transaction.set_rollback(True)
