"""A NEEQ-listed issuer (002 §2.1.2(七)): shares register under the old code, switch to the 920 code on
L-1 with holdings kept, and the issuer confirms the switch result with its key."""

import datetime as dt

import pytest

from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.services import code_switch_confirm, code_switch_content, proceeds_pay, reserve_deposit
from csdp.ipo.timeline import timeline
from csdp.keys.signing import signing_context, submission_digest
from csdp.keys.testing import enrol_test_key, sign
from csdp.register.models import Position
from csdp.securities.models import Security
from csdp.securities.services import security_code_change_register
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db
T1, T2, L = dt.date(2026, 3, 17), dt.date(2026, 3, 18), dt.date(2026, 3, 30)


def test_a_neeq_issuer_switches_code_on_l_minus_1_and_confirms_the_result(tmp_path, cast, client_for):
    p1 = world.participant("C001", "410001", funds_fen=0)
    world.investor_account("0410000001", "投资者甲", id17="11010519800101011")
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    Security.objects.create(code="833188", name="悦龙科技", market="NEEQ", status="listed")
    offering.old_code = "833188"
    offering.save(update_fields=["old_code"])
    security_code_change_register(old_code="833188", new_code="920188", effective_date=offering.l_minus_1)
    at(T, 10)
    offering_subscriptions_load(
        offering=offering, path=world.subscription_file(tmp_path, [(1, "0410000001", "C001", "410001", 1_000)])
    )
    at(T, 17)
    eod_run()
    at(T1, 11)
    reserve_deposit(institution=p1.institution, amount_fen=1_000 * 1404, reference="c1", actor=None)
    at(T1, 17)
    eod_run()
    at(T2, 10)
    proceeds_pay(offering=offering, actor=None)
    at(T2, 17)
    eod_run()  # registered under the NEEQ code
    assert Position.objects.get(security__code="833188").quantity == 1_000
    at(offering.l_minus_1, 17)
    eod_run()  # L-1: the switch
    assert Position.objects.get(security__code="920188").quantity == 1_000
    offering.refresh_from_db()
    page = client_for(cast.issuer_a).get(f"/ipo/{offering.pk}/").content.decode()
    assert "确认代码切换结果" in page
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=code_switch_content(offering))
    code_switch_confirm(
        offering=offering,
        signature_payload=sign(key, signing_context(user=cast.issuer_a, digest=digest)),
        actor=cast.issuer_a,
    )
    offering.refresh_from_db()
    assert offering.code_switch_confirmed_by == cast.issuer_a and offering.code_switch_signature.verify()
    confirmed = [m for m in timeline(offering) if m.label == "确认代码切换结果"]
    assert confirmed and confirmed[0].done
