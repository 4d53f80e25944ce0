"""A participant paid a 权益分派's cash for its clients reads it on its reserve statement (/ipo/reserve/,
the API and the ZJDZ file) as 现金红利 coming in — not as a freeze of its own money — with the security
and the distribution in the 摘要, and 冻结变动 signed like the IPO's rows (placed −, released +)."""

from __future__ import annotations

import datetime as dt

import pytest

from csdp.accounts.models import User
from csdp.ipo.eod.reconcile import statement_frame
from csdp.ledger.models import Transfer
from csdp.ledger.selectors import reserve_account_of, statement
from csdp.securities.models import ParticipantProfile
from tests.conftest import PASSWORD
from tests.dividend.world import PAY, R, eod, fund, schedule

pytestmark = pytest.mark.django_db
SUMMARY = "920001 甲股份 权益分派现金红利（股权登记日 2026-06-05，派息日 2026-06-08）"


@pytest.fixture
def paid(world, cast):
    distribution = schedule(cast.issuer_a)
    fund(distribution, cast.issuer_a)
    eod(dt.date(2026, 6, 3))
    eod(R)
    eod(PAY)
    institution = ParticipantProfile.objects.get(code="P1").institution
    user = User(username="p1_user", institution=institution)
    user.set_password(PASSWORD)
    user.save()
    return distribution, reserve_account_of(institution), user


def test_the_dividend_rows_read_as_cash_coming_in_with_the_distribution_in_the_summary(paid):
    distribution, account, _ = paid
    _, lines = statement(account, R, PAY)
    hold, paid_line = [line for line in lines if line.transfer.code == "dividend.pay"]

    assert (hold.type_label, hold.direction, hold.posted_change_fen) == ("现金红利待划入", "贷", 0)
    assert hold.pending_change_fen == -hold.transfer.amount_fen  # placed: − as an IPO freeze
    assert (paid_line.type_label, paid_line.direction) == ("现金红利划入", "贷")
    assert paid_line.posted_change_fen == paid_line.transfer.amount_fen > 0
    assert paid_line.pending_change_fen == hold.transfer.amount_fen  # released: + as an IPO deduction's
    assert hold.summary == paid_line.summary == SUMMARY
    assert paid_line.transfer.key == f"dividend:{distribution.pk}:pay:{account.owner_id}:post"  # not hold:<id>:post


def test_the_page_and_the_api_show_the_words_and_the_summary(paid, client_for):
    _, account, user = paid
    client = client_for(user)

    page = client.get("/ipo/reserve/", {"from": R.isoformat(), "to": PAY.isoformat()}).content.decode()
    items = client.get("/api/v1/ipo/reserve/statement").json()["items"]

    assert "现金红利待划入" in page and "现金红利划入" in page and SUMMARY in page
    assert "冻结扣划" not in page
    pay = [i for i in items if i["code"] == "dividend.pay"]
    assert [(i["type_label"], i["memo"]) for i in pay] == [("现金红利待划入", SUMMARY), ("现金红利划入", SUMMARY)]
    assert pay[0]["pending_change_fen"] < 0 < pay[1]["pending_change_fen"]


def test_the_zjdz_file_keeps_its_stable_type_code_and_carries_the_summary(paid):
    _, account, _ = paid

    on_pay_date = statement_frame(account, PAY).filter(statement_frame(account, PAY)["YWDM"] == "dividend.pay")

    assert on_pay_date.select("LX", "JDFX", "ZY").rows() == [("冻结扣划", "贷", SUMMARY)]
    assert on_pay_date["JZBD"][0] > 0 and on_pay_date["DJBD"][0] > 0
    assert Transfer.objects.filter(code="dividend.pay", memo="").count() == 2  # the posts keep no memo of their own
