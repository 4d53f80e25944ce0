"""Demo cash ledger (order 25): the depository's accounts, the participant's funded reserve, the lead
underwriter's 自营结算备付金账户 and the issuers' external bank accounts."""

from __future__ import annotations

import datetime as dt

from csdp.accounts.models import Institution
from csdp.ledger.models import AccountKind
from csdp.ledger.services import hold_create, ledger_account_open, transfer_post
from csdp.accounts.demo import ISSUER_A, ISSUER_B, PARTICIPANT, UNDERWRITER, register_seeder

FUNDED_ON = dt.date(2026, 3, 13)  # the trading day before the demo IPO's T day (2026-03-16)
BANK_NUMBER = "CSDC-BJ-BANK"
PARTICIPANT_RESERVE = f"{PARTICIPANT[2]}-ZH"
UNDERWRITER_RESERVE = f"{UNDERWRITER[2]}-ZY"


def _owner(spec: tuple[str, str, str]) -> Institution:
    return Institution.objects.get(kind=spec[0], code=spec[2])


@register_seeder(order=25)
def seed_ledger() -> None:
    bank = ledger_account_open(
        number=BANK_NUMBER, name="本公司结算备付金专用存款账户", kind=AccountKind.DEPOSITORY_BANK
    )
    ledger_account_open(number="CSDC-INTEREST", name="申购资金利息户", kind=AccountKind.INTEREST)
    ledger_account_open(number="CSDC-FEES", name="登记费用户", kind=AccountKind.FEES)
    reserve = ledger_account_open(
        number=PARTICIPANT_RESERVE,
        name=f"{PARTICIPANT[1]} 综合结算备付金账户",
        kind=AccountKind.PARTICIPANT_RESERVE,
        owner=_owner(PARTICIPANT),
    )
    underwriter = ledger_account_open(
        number=UNDERWRITER_RESERVE,
        name=f"{UNDERWRITER[1]} 自营结算备付金账户",
        kind=AccountKind.UNDERWRITER_RESERVE,
        owner=_owner(UNDERWRITER),
    )
    for spec, bank_name in ((ISSUER_A, "招商银行北京分行"), (ISSUER_B, "中国银行北京中关村支行")):
        ledger_account_open(
            number=f"ISS-{spec[2]}-BANK",
            name=f"{spec[1]} 募集资金专户（{bank_name}）",
            kind=AccountKind.ISSUER_BANK,
            owner=_owner(spec),
        )
    # 50 million yuan deposited by the participant, 1 million by the underwriter (integer fen).
    transfer_post(
        debit=bank,
        credit=reserve,
        amount_fen=5_000_000_000,
        key="demo:deposit:participant",
        code="DEPOSIT",
        business_date=FUNDED_ON,
        memo="备付金存入",
    )
    transfer_post(
        debit=bank,
        credit=underwriter,
        amount_fen=100_000_000,
        key="demo:deposit:underwriter",
        code="DEPOSIT",
        business_date=FUNDED_ON,
        memo="备付金存入",
    )
    # A pending hold so the demo shows posted / pending / available apart.
    clearing = ledger_account_open(number="CSDC-SETTLE", name="待交收资金过渡户", kind=AccountKind.IPO_CLEARING)
    hold_create(
        debit=reserve,
        credit=clearing,
        amount_fen=120_000_000,
        key="demo:hold:participant",
        code="SETTLE_FREEZE",
        business_date=FUNDED_ON,
        memo="演示：待交收资金冻结",
    )
