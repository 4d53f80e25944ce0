"""The lead underwriter's money-moving submissions are signed with its USB-KEY, verified inside the
service — the T+2 payment of the proceeds, the 第五章 refund application, the greenshoe CSPLW filing —
and a page never claims a signature it will not make."""

import datetime as dt

import pytest

from csdp.accounts.models import User
from csdp.counter.models import Status
from csdp.counter.services import CounterError, application_submit
from csdp.ipo.errors import IpoError
from csdp.ipo.models import OfferingStatus
from csdp.ipo.services import proceeds_content, proceeds_pay
from csdp.keys.signing import MONEY_KEY_REQUIRED, signing_context, submission_digest
from csdp.keys.testing import enrol_test_key, sign
from csdp.lib.errors import CsdpError
from tests.counter.factories import draft
from tests.ipo.stop_world import T3, _interest_data, _underwriter_user
from tests.ipo.stop_world import loaded, stopped_5_2  # noqa: F401 (pytest fixtures)
from tests.ipo.test_reconcile import settled  # noqa: F401 (pytest fixture)
from tests.ipo.test_views import cleared  # noqa: F401 (pytest fixture)
from tests.ipo.world import at

pytestmark = pytest.mark.django_db
T2 = dt.date(2026, 3, 18)


def test_the_proceeds_are_not_paid_without_the_underwriters_key(settled, client_for):
    offering = settled[0]
    underwriter = User.objects.create(username="uw", institution=offering.underwriter)
    at(T2, 10)
    client = client_for(underwriter)
    page = client.get(f"/ipo/{offering.pk}/").content.decode()
    assert "您尚未启用有效的 USB-KEY" in page and "（USB-KEY 签名）" not in page  # no claim, and the button is off
    with pytest.raises(IpoError) as refused:
        proceeds_pay(offering=offering, actor=underwriter, signature_payload="")
    assert refused.value.message == MONEY_KEY_REQUIRED
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SETTLED and offering.proceeds_signature is None


def test_the_proceeds_are_paid_on_a_signature_verified_in_the_service(settled, client_for):
    offering = settled[0]
    underwriter = User.objects.create(username="uw", institution=offering.underwriter)
    key = enrol_test_key(underwriter)
    at(T2, 10)
    client = client_for(underwriter)
    assert "划付认购资金至发行人银行账户（USB-KEY 签名）" in client.get(f"/ipo/{offering.pk}/").content.decode()
    digest = submission_digest(content=proceeds_content(offering))
    client.post(
        f"/ipo/{offering.pk}/pay/", {"key_signature": sign(key, signing_context(user=underwriter, digest=digest))}
    )
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PAID
    assert offering.proceeds_signature.method == "key" and offering.proceeds_signature.digest == digest
    assert offering.proceeds_signature.verify()
    notice = client.get(f"/ipo/{offering.pk}/payment-notice/").content.decode()
    assert "划付指令已由主承销商 USB-KEY 签名" in notice


def test_a_refund_application_without_the_underwriters_key_is_refused(stopped_5_2, cast):
    offering = stopped_5_2[0]
    at(T3, 10)
    filer = _underwriter_user(offering)
    application = draft(filer, type_code="15", code="920188", data=_interest_data())
    with pytest.raises(CounterError, match="须使用 USB-KEY 签名"):
        application_submit(application=application, user=filer, signature_payload="")
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_a_csplw_filing_is_not_signed_without_a_key(cast, client_for):
    from csdp.greenshoe.models import FilingKind, FilingStatus
    from csdp.greenshoe.services import filing_sign, filing_submit
    from tests.greenshoe import world as gs

    option, security, special, (a, *_) = gs.build(cast, market_bought=100_000)
    gs.at(dt.date(2026, 4, 29))
    filing = filing_submit(
        option=option,
        kind=FilingKind.TRANSFER,
        actor=cast.underwriter,
        stored=gs.csplw_file(cast.underwriter, [gs.csplw_row(special, a, 60_000)]),
    )
    page = client_for(cast.underwriter).get(f"/greenshoe/filings/{filing.pk}/").content.decode()
    assert "您尚未启用有效的 USB-KEY" in page and "提交时将使用您的 USB-KEY" not in page
    with pytest.raises(CsdpError, match="须使用 USB-KEY 签名"):
        filing_sign(filing=filing, signature_payload="", actor=cast.underwriter)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.VALIDATED and filing.signature is None
