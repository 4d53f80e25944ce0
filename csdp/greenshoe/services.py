"""Greenshoe writes (002 §2.2, §3.3). Each validates on the server, raises GreenshoeError (Chinese
message) or FilingRejected (every row error), and leaves nothing half-saved."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now, trading_day_offset
from csdp.fees.compute import fee_compute
from csdp.fees.services import payment_notice_issue
from csdp.fees.states import FeeRefused
from csdp.greenshoe.errors import FilingRejected, GreenshoeError, RowError
from csdp.greenshoe.models import (
    FILING_MACHINE,
    DeferredDeliveryAgreement,
    FilingKind,
    FilingRow,
    FilingStatus,
    FilingTransition,
    GreenshoeFiling,
    GreenshoeOption,
    SpecialAccount,
)
from csdp.greenshoe.files import filing_files_publish
from csdp.greenshoe.selectors import committed_shares, owed_by_account, window
from csdp.greenshoe.sheets import check_row, normalise, read_rows
from csdp.ipo.models import OfferingStatus
from csdp.register.models import EventType
from csdp.register.services import RegisterError, register_apply
from csdp.securities.models import CustodyUnit, SecuritiesAccount, Security
from csdp.lib.statemachine import actor_kind, transition_record
from csdp.keys.signing import submission_signed

DEFAULT_LIMIT_PERCENT = 15  # rules.md §4: up to 15 % of the initial issue


def default_limit(offering) -> int:
    initial = offering.initial_online_shares + offering.strategic_shares + offering.offline_shares
    return initial * DEFAULT_LIMIT_PERCENT // 100


@transaction.atomic
def option_create(*, offering, exercise_end: dt.date, actor, limit_shares: int | None = None) -> GreenshoeOption:
    limit = default_limit(offering) if limit_shares is None else limit_shares
    if limit <= 0:
        raise GreenshoeError("超额配售股数上限应为正整数。")
    if limit > default_limit(offering):
        raise GreenshoeError(f"超额配售股数不得超过首次公开发行股数的 15%（{default_limit(offering):,} 股）。")
    if exercise_end < offering.listing_date:
        raise GreenshoeError("超额配售选择权行使期届满日不能早于上市日。")
    if GreenshoeOption.objects.filter(offering=offering).exists():
        raise GreenshoeError("该发行已登记超额配售选择权。")
    option = GreenshoeOption.objects.create(
        offering=offering,
        limit_shares=limit,
        exercise_end=exercise_end,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        obj=option,
        action="greenshoe.option_create",
        data={"limit_shares": limit, "exercise_end": exercise_end.isoformat()},
    )
    return option


@transaction.atomic
def agreement_add(
    *, option: GreenshoeOption, account: SecuritiesAccount, shares: int, actor
) -> DeferredDeliveryAgreement:
    """Record a 延期交付股票协议 of the lead underwriter with one investor."""
    option = GreenshoeOption.objects.select_for_update().get(pk=option.pk)
    if not isinstance(shares, int) or shares <= 0:
        raise GreenshoeError("延期交付股数应为正整数。")
    if option.agreements.filter(account=account).exists():
        raise GreenshoeError(f"证券账户 {account.number} 已有延期交付股票协议。")
    agreed = sum(a.shares for a in option.agreements.all())
    if agreed + shares > option.limit_shares:
        raise GreenshoeError(
            f"延期交付股数合计将达 {agreed + shares:,} 股，超过超额配售上限 {option.limit_shares:,} 股。"
        )
    agreement = DeferredDeliveryAgreement.objects.create(
        option=option, account=account, shares=shares, underwriter=option.offering.underwriter
    )
    audit_record(
        actor=actor, obj=agreement, action="greenshoe.agreement_add", data={"account": account.number, "shares": shares}
    )
    return agreement


@transaction.atomic
def limit_reached_declare(*, option: GreenshoeOption, on: dt.date, actor) -> GreenshoeOption:
    """002 §2.2.2: the lead underwriter's purchases reached the limit on ``on`` (its window starts then)."""
    option = GreenshoeOption.objects.select_for_update().get(pk=option.pk)
    if option.limit_reached_on is not None:  # declared once: a later date would move the filing window
        raise GreenshoeError(f"已报告于 {option.limit_reached_on} 达到限额，不能更改。")
    if on > business_today() or on > option.exercise_end or on < option.offering.listing_date:
        raise GreenshoeError("达到限额日应在上市日与行使期届满日之间，且不晚于今天。")
    option.limit_reached_on = on
    option.save(update_fields=["limit_reached_on"])
    audit_record(actor=actor, obj=option, action="greenshoe.limit_reached", data={"on": on.isoformat()})
    return option


def _check_window(option: GreenshoeOption, kind: str) -> None:
    if option.offering.status in (OfferingStatus.FAILED, OfferingStatus.SUSPENDED):  # 002 ch. 5: nothing to deliver
        raise GreenshoeError(f"该发行已{OfferingStatus(option.offering.status).label}，不能办理超额配售登记。")
    first, last = window(option, kind)
    today = business_today()
    if not first <= today <= last:
        label = FilingKind(kind).label
        raise GreenshoeError(f"{label}应于 {first} 至 {last}（三个交易日内）提交，今天是 {today}（002 §2.2）。")


def _check_rows(option: GreenshoeOption, kind: str, rows: list[dict]) -> list[RowError]:
    special = SpecialAccount.objects.filter(underwriter=option.offering.underwriter).select_related("account").first()
    special_number = special.account.number if special else ""
    accounts = {
        a.number: a
        for a in SecuritiesAccount.objects.filter(number__in={r["number"] for r in rows}).select_related("investor")
    }
    units = set(CustodyUnit.objects.filter(code__in={r["unit"] for r in rows}).values_list("code", flat=True))
    owed, seen, errors = owed_by_account(option), set(), []
    for row in rows:
        account = accounts.get(row["number"])
        problems = check_row(
            row,
            account,
            kind=kind,
            special_number=special_number,
            room=owed.get(account.pk) if account else None,
            unit_known=row["unit"] in units,
        )
        if account is not None and account.pk in seen:
            problems.append(("证券账户号码", "同一证券账户在文件中重复"))
        if account is not None:
            seen.add(account.pk)
        errors.extend(RowError(row["line"], column, message) for column, message in problems)
    return errors


def _check_total(option: GreenshoeOption, total: int) -> None:
    committed = committed_shares(option)
    if committed + total > option.limit_shares:
        raise FilingRejected(
            [
                RowError(
                    0,
                    "合计",
                    f"本次 {total:,} 股，连同已申报的 {committed:,} 股，超过超额配售上限 "
                    f"{option.limit_shares:,} 股（增发与过户合计）",
                )
            ]
        )


def _move(filing: GreenshoeFiling, *, to: str, actor, reason: str = "") -> None:
    current = filing.status
    if not FILING_MACHINE.allowed(current, to):
        raise GreenshoeError(f"申报不能从“{FilingStatus(current).label}”变为“{FilingStatus(to).label}”。")
    transition_record(
        machine=FILING_MACHINE,
        subject=filing,
        to_state=to,
        history=FilingTransition,
        actor=actor,
        by=actor_kind(actor),
        reason=reason,
        at=clock_now(),
        update_fields=["reason", "fee_notice"],
    )
    audit_record(
        actor=actor, obj=filing, action="greenshoe.filing_transition", from_state=current, to_state=to, reason=reason
    )


def filing_submit(*, option: GreenshoeOption, kind: str, stored, actor) -> GreenshoeFiling:
    """Check an uploaded DJ / CSPLW sheet (uploads kind "spreadsheet") and keep it as 已校验, replacing an
    unsigned earlier one of the same kind. Any error refuses the whole file (FilingRejected lists them all)."""
    rows = normalise(kind, read_rows(stored, kind))
    with transaction.atomic():
        option = GreenshoeOption.objects.select_for_update().select_related("offering").get(pk=option.pk)
        _check_window(option, kind)
        for unsigned in option.filings.filter(kind=kind, status=FilingStatus.VALIDATED).order_by("pk"):
            # never signed: it stays, with its history, as replaced (a correction is a new row, never a delete)
            _move(unsigned, to=FilingStatus.REPLACED, actor=actor, reason="已由新上传的文件替换")
        errors = _check_rows(option, kind, rows)
        if errors:
            raise FilingRejected(errors)
        total = sum(int(r["shares"]) for r in rows)
        _check_total(option, total)
        filing = GreenshoeFiling.objects.create(
            option=option,
            kind=kind,
            source=stored,
            rows=len(rows),
            total_shares=total,
            filed_by=actor,
            filed_at=clock_now(),
        )
        accounts = dict(
            SecuritiesAccount.objects.filter(number__in={r["number"] for r in rows}).values_list("number", "pk")
        )
        FilingRow.objects.bulk_create(
            FilingRow(
                filing=filing,
                line=r["line"],
                account_id=accounts[r["number"]],
                shares=int(r["shares"]),
                custody_unit=r["unit"],
            )
            for r in rows
        )
        FilingTransition.objects.create(
            filing=filing,
            from_state="",
            to_state=FilingStatus.VALIDATED,
            actor=actor,
            reason=stored.original_name,
            at=clock_now(),
        )
        audit_record(
            actor=actor,
            obj=filing,
            action="greenshoe.filing_submit",
            to_state=FilingStatus.VALIDATED,
            data={"kind": kind, "rows": len(rows), "total_shares": total, "sha256": stored.sha256},
        )
    return filing


def filing_content(filing: GreenshoeFiling) -> dict:
    """What the filer signs: the 申报明细 as checked (with the file's sha256 in the digest)."""
    offering = filing.option.offering
    return {
        "offering": offering.code,
        "kind": filing.kind,
        "total_shares": filing.total_shares,
        "rows": [[d.line, d.account.number, d.shares] for d in filing.details.select_related("account")],
    }


def filing_sign(*, filing: GreenshoeFiling, signature_payload: str, actor) -> GreenshoeFiling:
    """The filer confirms the checked details with its USB-KEY (附件3 / 附件4): the filing goes to staff.
    The signature is verified here, under the filing's lock, over the details as stored, and a key is
    required: the filing moves shares (DJ issuance, the lead underwriter's CSPLW transfer)."""
    with transaction.atomic():
        filing = GreenshoeFiling.objects.select_for_update().get(pk=filing.pk)
        if filing.filed_by.institution_id != getattr(actor, "institution_id", None):
            raise GreenshoeError("只有申报机构可以签名提交。")
        FILING_MACHINE.check(filing.status, FilingStatus.SUBMITTED)
        filing.signature = submission_signed(
            user=actor,
            content=filing_content(filing),
            files=[filing.source],
            payload=signature_payload,
            require_key=True,
        )
        filing.save(update_fields=["signature"])
        _move(filing, to=FilingStatus.SUBMITTED, actor=actor, reason="USB-KEY 签名提交")
    return filing


def _events(filing: GreenshoeFiling, security: Security, special: SpecialAccount | None) -> list[dict]:
    today, events = business_today(), []
    for row in filing.details.all():
        common = {"security_id": security.pk, "business_date": today, "memo": f"超额配售 {filing.get_kind_display()}"}
        if filing.kind == FilingKind.ISSUANCE:
            # Greenshoe shares join the online tranche (rules.md §4): registered as an allocation.
            events.append(
                {
                    **common,
                    "account_id": row.account_id,
                    "event_type": EventType.IPO_ALLOCATION,
                    "quantity_delta": row.shares,
                    "key": f"greenshoe:{filing.pk}:{row.line}",
                }
            )
        else:  # 002 §2.2.3: non-trade transfer, both legs
            events.append(
                {
                    **common,
                    "account_id": special.account_id,
                    "event_type": EventType.NON_TRADE_TRANSFER,
                    "quantity_delta": -row.shares,
                    "key": f"greenshoe:{filing.pk}:{row.line}:out",
                }
            )
            events.append(
                {
                    **common,
                    "account_id": row.account_id,
                    "event_type": EventType.NON_TRADE_TRANSFER,
                    "quantity_delta": row.shares,
                    "key": f"greenshoe:{filing.pk}:{row.line}:in",
                }
            )
    return events


def _bill(filing: GreenshoeFiling, actor):
    """002 §2.2.3: the additional issuance is billed per the schedule; the transfer carries no fee."""
    if filing.kind != FilingKind.ISSUANCE:
        return None
    offering = filing.option.offering
    return payment_notice_issue(
        payer=offering.issuer,
        reference_type="greenshoe.filing",
        reference_id=filing.pk,
        reference_label=f"{offering.code} {offering.name} 超额配售股份登记费",
        lines=[("greenshoe_registration", filing.total_shares)],
        due_date=trading_day_offset(business_today(), 5),
        actor=actor,
    )


def filing_register(*, filing: GreenshoeFiling, actor) -> GreenshoeFiling:
    """Staff approve: the register events are written and the fee billed, all or nothing."""
    with transaction.atomic():
        option = GreenshoeOption.objects.select_for_update().select_related("offering").get(pk=filing.option_id)
        filing = GreenshoeFiling.objects.select_for_update().get(pk=filing.pk)
        if filing.status != FilingStatus.SUBMITTED:
            raise GreenshoeError("该申报尚未签名提交，或已处理。")
        committed_other = committed_shares(option) - filing.total_shares
        if committed_other + filing.total_shares > option.limit_shares:
            raise GreenshoeError("增发与过户合计将超过超额配售上限。")
        security = Security.objects.filter(code=option.offering.code).first()
        if security is None:
            raise GreenshoeError(f"证券 {option.offering.code} 尚未登记，不能办理超额配售登记。")
        special = SpecialAccount.objects.filter(underwriter=option.offering.underwriter).first()
        if filing.kind == FilingKind.TRANSFER and special is None:
            raise GreenshoeError("主承销商尚未开立超额配售选择权专用账户。")
        try:
            register_apply(events=_events(filing, security, special))
            filing.fee_notice = _bill(filing, actor)
            _move(filing, to=FilingStatus.REGISTERED, actor=actor, reason="审核通过，已办理登记")
            filing_files_publish(option)
        except RegisterError as error:
            raise GreenshoeError(f"登记失败：{error.message}") from None
        except FeeRefused as error:
            raise GreenshoeError(f"出具付款通知失败：{error.message}") from None
    return filing


def filing_reject(*, filing: GreenshoeFiling, actor, reason: str) -> GreenshoeFiling:
    if not reason.strip():
        raise GreenshoeError("请填写退回理由。")
    with transaction.atomic():
        filing = GreenshoeFiling.objects.select_for_update().get(pk=filing.pk)
        filing.reason = reason.strip()[:200]
        _move(filing, to=FilingStatus.REJECTED, actor=actor, reason=filing.reason)
    return filing


def transfer_fee_quotes(*, shares: int, amount_fen: int, on: dt.date):
    """What the transfer would have cost, waived under 002 §2.2.3 (shown on the page)."""
    return [
        fee_compute(item="non_trade_transfer", base_value=shares, on=on, exempt="002 §2.2.3"),
        fee_compute(item="stamp_tax", base_value=amount_fen, on=on, exempt="002 §2.2.3"),
    ]
