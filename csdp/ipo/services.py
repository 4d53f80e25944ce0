"""Writes of the IPO timeline that people make (the EOD steps are in csdp/ipo/eod)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import CalendarError, at_local, business_today, clock_now, is_trading_day, trading_day_offset
from csdp.ipo.errors import IpoError
from csdp.ipo.models import Offering, OfferingStatus, ParticipantObligation, ShortfallDeclaration
from csdp.ipo.selectors import orders_of
from csdp.ipo.transitions import offering_transition
from csdp.issuers.models import IssuerSecurity
from csdp.keys.signing import submission_signed, SignatureRefused, submission_digest, submission_sign_verify
from csdp.ledger.models import AccountKind, LedgerAccount, Transfer
from csdp.ledger.selectors import balance_of, reserve_account_of
from csdp.ledger.services import LedgerError, ledger_account_open, transfer_post
from csdp.lib.errors import Problem
from csdp.register.models import RegistrationEvent

DEPOSIT_CUTOFF = (16, 0)  # 002 §4.1.2(二): T+1 16:00
DECLARATION_CUTOFF = (15, 30)  # 002 §4.1.2(四): T+1 15:30


@transaction.atomic
def offering_create(
    *,
    code: str,
    name: str,
    issuer,
    underwriter,
    price_fen: int,
    initial_online_shares: int,
    online_shares: int,
    t_date: dt.date,
    listing_date: dt.date,
    strategic_shares: int = 0,
    offline_shares: int = 0,
    pre_ipo_shares: int = 0,
    old_code: str = "",
    actor=None,
) -> Offering:
    if not (len(code) == 6 and code.startswith("920") and code.isdigit()):
        raise IpoError("北交所新股证券代码应为 920 开头的 6 位数字。")
    if Offering.objects.filter(code=code).exists():
        raise IpoError(f"证券代码 {code} 已登记过一次公开发行，不能重复登记。", code="ipo.duplicate_code")
    if t_date < business_today():
        raise IpoError(f"申购日 {t_date} 已过（当前业务日 {business_today()}），不能登记。", code="ipo.t_in_past")
    try:
        if not is_trading_day(t_date):
            raise IpoError(f"申购日 {t_date} 不是交易日。")
        if listing_date <= trading_day_offset(t_date, 2):
            raise IpoError("上市日应晚于 T+2 日。")
        if not is_trading_day(listing_date):
            raise IpoError(f"上市日 {listing_date} 不是交易日。")
    except CalendarError as error:  # beyond the calendar's horizon: the form says why, not a 500
        raise IpoError(error.message, code=error.code) from None
    if price_fen <= 0 or initial_online_shares <= 0 or online_shares <= 0:
        raise IpoError("发行价格与网上发行数量应为正数。")
    offering = Offering.objects.create(
        code=code,
        name=name,
        old_code=old_code,
        issuer=issuer,
        underwriter=underwriter,
        price_fen=price_fen,
        initial_online_shares=initial_online_shares,
        online_shares=online_shares,
        strategic_shares=strategic_shares,
        offline_shares=offline_shares,
        pre_ipo_shares=pre_ipo_shares,
        t_date=t_date,
        listing_date=listing_date,
        issuer_bank_account=_issuer_bank(issuer),
    )
    # The new code joins the issuer's codes, so it can file the T-1 application on the counter.

    IssuerSecurity.objects.get_or_create(code=code, defaults={"institution": issuer, "name": name})
    audit_record(actor=actor, obj=offering, action="offering.create", to_state=offering.status)
    return offering


@transaction.atomic
def offering_report_account(*, offering: Offering, account: LedgerAccount, actor) -> None:
    """002 §3.2.1: the lead underwriter reports its 自营结算备付金账户 before T."""
    locked = Offering.objects.select_for_update().get(pk=offering.pk)
    if business_today() >= locked.t_date:
        raise IpoError("应在申购日（T日）前报备自营结算备付金账户。")
    if account.kind != AccountKind.UNDERWRITER_RESERVE or account.owner_id != locked.underwriter_id:
        raise IpoError("只能报备主承销商本机构的自营结算备付金账户。")
    locked.underwriter_account = account
    locked.save(update_fields=["underwriter_account"])
    audit_record(actor=actor, obj=locked, action="offering.report_account", data={"account": account.number})


def _issuer_bank(issuer) -> LedgerAccount:
    """The issuer's bank account (outside our books) that receives the proceeds (002 §3.2.2)."""
    existing = LedgerAccount.objects.filter(owner=issuer, kind=AccountKind.ISSUER_BANK).order_by("pk").first()
    return existing or ledger_account_open(
        number=f"ISS-{issuer.pk}-BANK", name=f"{issuer.name} 募集资金专户", kind=AccountKind.ISSUER_BANK, owner=issuer
    )


def _depository_bank() -> LedgerAccount:
    """结算备付金专用存款账户: where participants' deposits arrive (002 §4.1.2(二))."""
    return ledger_account_open(
        number="CSDC-BJ-BANK", name="本公司结算备付金专用存款账户", kind=AccountKind.DEPOSITORY_BANK
    )


def _open_t1_obligations(institution, day: dt.date) -> list[ParticipantObligation]:
    return [
        o
        for o in ParticipantObligation.objects.filter(
            participant__institution=institution, offering__status=OfferingStatus.CLEARED
        ).select_related("offering")
        if o.offering.day(1) == day
    ]


@transaction.atomic
def reserve_deposit(*, institution, amount_fen: int, reference: str, actor) -> Transfer:
    """Money arriving in a participant's 综合结算备付金账户 (002 §4.1.2(二)). On a T+1 day of an
    offering the participant subscribed to, deposits after 16:00 are refused."""
    now = clock_now()
    today = business_today()
    if _open_t1_obligations(institution, today) and now >= at_local(today, *DEPOSIT_CUTOFF):
        raise IpoError("已过 T+1 日 16:00 申购资金存入截止时间。")
    if amount_fen <= 0:
        raise IpoError("存入金额应大于 0。")
    reserve = reserve_account_of(institution)
    if reserve is None:
        raise IpoError("本机构尚未开立结算备付金账户。")
    try:  # the reference is the sender's bank serial: unique per institution, not across institutions
        transfer = transfer_post(
            debit=_depository_bank(),
            credit=reserve,
            amount_fen=amount_fen,
            key=f"deposit:{institution.pk}:{reference}",
            code="DEPOSIT",
            memo="备付金存入",
        )
    except LedgerError:
        raise IpoError(f"汇款流水号 {reference} 已用于另一笔存入。") from None
    if not getattr(transfer, "replayed", False):
        audit_record(
            actor=actor, obj=reserve, action="reserve.deposit", data={"amount_fen": amount_fen, "reference": reference}
        )
    return transfer


@transaction.atomic
def reserve_withdraw(*, institution, amount_fen: int, reference: str, actor) -> Transfer:
    """T+2 划回申购余款 (002 §4.1.4) or any withdrawal of available money. Sending the same reference
    again returns the first withdrawal (``replayed``), whatever the balance is by then."""
    reserve = reserve_account_of(institution)
    if reserve is None or amount_fen <= 0:
        raise IpoError("金额无效或未开立结算备付金账户。")
    key = f"withdraw:{institution.pk}:{reference}"
    if amount_fen > balance_of(reserve).available_fen and not Transfer.objects.filter(key=key).exists():
        raise IpoError("划出金额超过可用余额。")
    try:
        transfer = transfer_post(
            debit=reserve, credit=_depository_bank(), amount_fen=amount_fen, key=key, code="WITHDRAW", memo="划回资金"
        )
    except LedgerError as error:
        raise IpoError(str(error)) from None
    if not getattr(transfer, "replayed", False):
        audit_record(
            actor=actor, obj=reserve, action="reserve.withdraw", data={"amount_fen": amount_fen, "reference": reference}
        )
    return transfer


@dataclass(frozen=True)
class DeclarationRow:
    """附件5 股票公开发行申购资金不足申报表, one investor."""

    account: str
    account_name: str
    seq: int  # 成交号码
    invalid_shares: int
    reserve_account: str
    settlement_account: str


def _declaration_window(offering: Offering) -> Offering:
    """002 §4.1.2(四): declarations (and their withdrawal) on T+1, after T EOD, before 15:30 business time."""
    offering = Offering.objects.get(pk=offering.pk)  # re-read: the caller's copy may be stale
    today = business_today()
    if offering.status != OfferingStatus.CLEARED or today != offering.day(1):
        raise IpoError("资金不足申报只能在 T+1 日、T日清算完成后提交或撤回。", code="ipo.declaration_closed")
    if clock_now() >= at_local(today, *DECLARATION_CUTOFF):
        raise IpoError("已过 T+1 日 15:30 申报截止时间。", code="ipo.declaration_late")
    return offering


def shortfall_declare(
    *, offering: Offering, participant, rows: list[DeclarationRow], actor
) -> list[ShortfallDeclaration]:
    """002 §4.1.2(四): declared by 15:30 on T+1, after T EOD. The whole table is checked and saved
    together; every problem is listed. A declared order is a declared invalid subscription at T+1 EOD
    whether or not the reserve covers it (§4.1.2(五)); each row is acknowledged by its receipt number."""
    offering = _declaration_window(offering)
    now = clock_now()
    orders = orders_of(offering, participant_code=participant.code, seqs=[r.seq for r in rows])
    problems = []
    seen: set[int] = set()
    for index, row in enumerate(rows, start=1):
        order = orders.get(row.seq)
        if row.seq in seen:
            problems.append(Problem(f"成交号码 {row.seq} 重复申报", row=index))
        elif order is None or order["account"] != row.account:
            problems.append(Problem(f"成交号码 {row.seq} 与证券账户 {row.account} 不是本参与人的申购", row=index))
        elif not order["valid"]:
            problems.append(Problem(f"成交号码 {row.seq} 的申购已是无效申购", row=index))
        elif not 0 < row.invalid_shares <= order["quantity"]:
            problems.append(Problem(f"无效股数应在 1 至 {order['quantity']} 之间", row=index))
        seen.add(row.seq)
    if problems:
        raise IpoError(
            "；".join(f"第 {p.row} 条：{p.message}" for p in problems),
            code="ipo.declaration_invalid",
            problems=problems,
        )
    with transaction.atomic():
        saved = []
        for row in rows:
            declaration, _ = ShortfallDeclaration.objects.update_or_create(
                offering=offering,
                seq=row.seq,
                defaults=dict(
                    participant=participant,
                    account=row.account,
                    account_name=row.account_name,
                    subscription_code=offering.code,
                    security_name=offering.name,
                    subscription_date=offering.t_date,
                    reserve_account=row.reserve_account,
                    settlement_account=row.settlement_account,
                    invalid_shares=row.invalid_shares,
                    declared_by=actor,
                    declared_at=now,
                    withdrawn_at=None,
                    withdrawn_by=None,
                ),
            )
            saved.append(declaration)
        audit_record(
            actor=actor,
            obj=offering,
            action="ipo.shortfall_declare",
            data={"participant": participant.code, "rows": len(rows), "receipts": [d.receipt for d in saved]},
        )
    return saved


@transaction.atomic
def shortfall_withdraw(*, offering: Offering, participant, seqs: list[int], actor) -> int:
    """The participant withdraws some of its 附件5 rows before 15:30 on T+1; every unknown row is listed."""
    offering = _declaration_window(offering)
    rows = {
        d.seq: d
        for d in ShortfallDeclaration.objects.select_for_update()
        .filter(offering=offering, participant=participant, seq__in=seqs, withdrawn_at__isnull=True)
        .order_by("pk")
    }
    missing = [Problem(f"成交号码 {seq} 没有本参与人有效的资金不足申报") for seq in seqs if seq not in rows]
    if missing or not seqs:
        raise IpoError(
            "撤回失败：" + "；".join(p.message for p in missing) if missing else "请选择要撤回的申报。",
            code="ipo.declaration_unknown",
            problems=missing,
        )
    now = clock_now()
    for declaration in rows.values():
        declaration.withdrawn_at, declaration.withdrawn_by = now, actor
        declaration.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_record(
        actor=actor,
        obj=offering,
        action="ipo.shortfall_withdraw",
        data={"participant": participant.code, "seqs": sorted(rows)},
    )
    return len(rows)


def proceeds_content(offering: Offering) -> dict:
    """What the lead underwriter signs when it pays the proceeds: amount, from, to (002 §3.2.2)."""
    run = offering.step_runs.filter(step="t1_settle", status="done").first()
    return {
        "offering": offering.code,
        "amount_fen": run.detail["proceeds_fen"] if run else 0,
        "from": offering.underwriter_account.number if offering.underwriter_account_id else "",
        "to": offering.issuer_bank_account.number if offering.issuer_bank_account_id else "",
    }


@transaction.atomic
def proceeds_pay(*, offering: Offering, actor, signature_payload: str | None = None) -> int:
    """002 §3.2.2: on T+2 the lead underwriter pays the proceeds from its 自营结算备付金账户 to the
    issuer's bank account; the depository then issues the 认购资金划款通知. A person's payment is signed
    with the underwriter's USB-KEY over ``proceeds_content``, verified here (actor None: the simulator)."""
    locked = Offering.objects.select_for_update().get(pk=offering.pk)
    if locked.status != OfferingStatus.SETTLED:
        raise IpoError("T+1 日交收完成后才能划付认购资金。")
    if business_today() < locked.day(2):
        raise IpoError(f"认购资金应于 T+2 日（{locked.day(2)}）划付。")
    if actor is not None:
        digest = submission_digest(content=proceeds_content(locked))
        try:
            locked.proceeds_signature = submission_sign_verify(
                user=actor, digest=digest, payload=signature_payload or "", require_key=True
            )
        except SignatureRefused as refused:
            raise IpoError(refused.message, code="ipo.signature_refused") from None
        locked.save(update_fields=["proceeds_signature"])
    amount = locked.step_runs.get(step="t1_settle").detail["proceeds_fen"]
    if amount:
        try:
            transfer_post(
                debit=locked.underwriter_account,
                credit=locked.issuer_bank_account,
                amount_fen=amount,
                key=f"ipo:{locked.code}:pay_issuer",
                code="IPO_PAY_ISSUER",
                memo=f"{locked.code} 认购资金划付发行人",
            )
        except LedgerError as error:
            raise IpoError(str(error)) from None
    offering_transition(offering=locked, to=OfferingStatus.PAID, actor=actor, reason="认购资金已划付发行人")
    return amount


def code_switch_content(offering: Offering) -> dict:
    """What the issuer signs: the switch the register carried out (old code → new code, holdings moved)."""
    moved = RegistrationEvent.objects.filter(security__code=offering.code, event_type="switch_in").count()
    return {
        "offering": offering.code,
        "old_code": offering.old_code,
        "new_code": offering.code,
        "positions_moved": moved,
    }


@transaction.atomic
def code_switch_confirm(*, offering: Offering, signature_payload: str, actor) -> None:
    """002 §2.1.2(七): 代码切换完成后，发行人应对代码切换结果进行确认. Signed with the USB-KEY; the
    signature is verified here, under the offering's lock, over the result as it stands."""
    locked = Offering.objects.select_for_update().get(pk=offering.pk)
    if not locked.old_code or not locked.step_runs.filter(step="code_switch", status="done").exists():
        raise IpoError("代码切换完成后才能确认切换结果。")
    if locked.code_switch_confirmed_at is not None:
        raise IpoError("代码切换结果已确认。")
    locked.code_switch_signature = submission_signed(
        user=actor, content=code_switch_content(locked), payload=signature_payload
    )
    locked.code_switch_confirmed_at, locked.code_switch_confirmed_by = clock_now(), actor
    locked.save(update_fields=["code_switch_confirmed_at", "code_switch_confirmed_by", "code_switch_signature"])
    audit_record(actor=actor, obj=locked, action="ipo.code_switch_confirm", data=code_switch_content(locked))
