"""The special-account application on the virtual counter (002 §3.3)."""

import pytest

from csdp.counter.models import Status
from csdp.counter.services import CounterError
from csdp.greenshoe.models import SPECIAL_ACCOUNT_SUFFIX, SpecialAccount
from csdp.lib.ids import make_uscc
from csdp.securities.models import IdType
from csdp.securities.services import investor_create
from tests.counter.factories import draft, drive

pytestmark = pytest.mark.django_db
YMT = "180000000099"


@pytest.fixture
def proprietary(cast):
    return investor_create(
        ymt_number=YMT,
        name=cast.underwriter.institution.name,
        id_type=IdType.USCC,
        id_number=make_uscc("91110000100000001"),
        holder_type="02",
    )


def _data(cast, **changes):
    data = {"account_name": cast.underwriter.institution.name + SPECIAL_ACCOUNT_SUFFIX, "ymt_number": YMT}
    data.update(changes)
    return data


def test_a_finished_application_opens_the_special_account_under_the_underwriters_ymt(cast, proprietary):
    from csdp.keys.testing import enrol_test_key

    key = enrol_test_key(cast.underwriter)
    application = draft(cast.underwriter, type_code="33", code="920777", data=_data(cast))
    drive(application, Status.FINISHED, filer=cast.underwriter, key=key, operator=cast.operator)
    special = SpecialAccount.objects.get(underwriter=cast.underwriter.institution)
    assert special.account.investor == proprietary and special.account.number.startswith("09")
    assert (
        special.name == "丙证券股份有限公司行使超额配售选择权专用证券账户" and special.application_id == application.pk
    )


def test_the_account_name_must_be_the_full_name_plus_the_suffix(cast, proprietary):
    with pytest.raises(CounterError, match="主承销公司全称"):
        draft(cast.underwriter, type_code="33", code="920777", data=_data(cast, account_name="丙证券专用账户"))


def test_the_ymt_number_must_be_the_underwriters_own(cast, proprietary):
    investor_create(
        ymt_number="180000000100",
        name="别人",
        id_type=IdType.USCC,
        id_number=make_uscc("91110000100000002"),
        holder_type="02",
    )
    with pytest.raises(CounterError, match="自营账户"):
        draft(cast.underwriter, type_code="33", code="920777", data=_data(cast, ymt_number="180000000100"))


def test_an_issuer_cannot_file_the_special_account_type(cast, proprietary):
    with pytest.raises(CounterError):
        draft(cast.issuer_a, type_code="33", code="920001", data=_data(cast))
