"""The demo greenshoe: 920188's option, three agreements and the lead underwriter's special account."""

import pytest

from csdp.greenshoe.models import GreenshoeOption, SpecialAccount
from csdp.accounts.demo import demo_seed

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_an_option_with_agreements_and_a_special_account():
    demo_seed()
    option = GreenshoeOption.objects.get(offering__code="920188")
    assert option.limit_shares > 0 and option.agreements.count() == 3
    special = SpecialAccount.objects.get(underwriter=option.offering.underwriter)
    assert special.name.endswith("行使超额配售选择权专用证券账户")
