"""The 超额配售选择权专用账户 (002 §3.3): checks of the 开户申请表 and the opening itself."""

from __future__ import annotations

from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.greenshoe.errors import GreenshoeError
from csdp.greenshoe.models import SPECIAL_ACCOUNT_SUFFIX, SpecialAccount
from csdp.securities.models import Investor, Market, SecuritiesAccount
from csdp.securities.services import SecuritiesError, account_open

ACCOUNT_PREFIX = "09"  # our choice: special accounts are numbered 09xxxxxxxx (assumption, docs/greenshoe.md)


def special_account_check(*, underwriter, name: str, ymt_number: str) -> Investor:
    """002 §3.3(一): the name is the lead underwriter's full name + 行使超额配售选择权专用证券账户 and the
    一码通 number is that of its proprietary account. Returns the underwriter's investor record."""
    wanted = underwriter.name + SPECIAL_ACCOUNT_SUFFIX
    if name.strip() != wanted:
        raise GreenshoeError(f"账户名称应填写“{wanted}”（主承销公司全称+行使超额配售选择权专用证券账户）。")
    investor = Investor.objects.filter(ymt_number=ymt_number.strip()).first()
    if investor is None:
        raise GreenshoeError(f"一码通账户号码 {ymt_number} 不存在。")
    if investor.name != underwriter.name:
        raise GreenshoeError("一码通账户号码应为主承销商自营账户的一码通账户号码（持有人名称与主承销商全称不符）。")
    if SpecialAccount.objects.filter(underwriter=underwriter).exists():
        raise GreenshoeError("主承销商已开立超额配售选择权专用账户。")
    return investor


def _next_number() -> str:
    taken = SecuritiesAccount.objects.filter(number__startswith=ACCOUNT_PREFIX).order_by("-number").first()
    serial = int(taken.number[len(ACCOUNT_PREFIX) :]) + 1 if taken else 1
    return f"{ACCOUNT_PREFIX}{serial:08d}"


@transaction.atomic
def special_account_open(*, underwriter, name: str, ymt_number: str, actor, application_id=None) -> SpecialAccount:
    investor = special_account_check(underwriter=underwriter, name=name, ymt_number=ymt_number)
    try:
        account = account_open(number=_next_number(), investor=investor, market=Market.BSE)
    except SecuritiesError as error:
        raise GreenshoeError(error.message) from None
    special = SpecialAccount.objects.create(
        underwriter=underwriter,
        account=account,
        name=name.strip(),
        ymt_number=investor.ymt_number,
        application_id=application_id,
        opened_at=clock_now(),
    )
    audit_record(
        actor=actor,
        obj=special,
        action="greenshoe.special_account_open",
        data={"account": account.number, "ymt_number": investor.ymt_number},
    )
    return special
