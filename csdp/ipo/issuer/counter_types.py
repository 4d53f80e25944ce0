"""The IPO's business types on the virtual counter (issue 4 §6 plug-in): the T-1 share-registration
application (002 §2.1.1(二), 附件2) and the application after a failure or suspension (002 第五章)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from csdp.audit.services import audit_record
from csdp.clock.services import business_today
from csdp.counter.models import Application
from csdp.counter.registry import (
    BusinessTypeSpec,
    FilingContext,
    GeneratedFile,
    StructuredForm,
    register_business_type,
)
from csdp.counter.services import CounterError
from csdp.counter.states import Status
from csdp.ipo.engine.interest import MAX_RATE
from csdp.ipo.errors import IpoError
from csdp.ipo.models import LockupShareholder, Offering, OfferingStatus, RefundItem, StopRefund
from csdp.ipo.failure.refunds import InterestTerms, default_terms, refund_problems, stop_items_carry_out
from csdp.ipo.transitions import offering_transition
from csdp.register.models import Position
from csdp.securities.models import SecuritiesAccount, Market, Security, SecurityStatus
from csdp.securities.services import security_code_change_register
import io
from openpyxl import Workbook, load_workbook

SWITCH_TEXT = (
    "我公司申请于上市前一交易日（代码切换日）将原股票代码切换为北交所股票代码；公开发行期间暂停办理向特定对象发行股票登记、"
    "证券权益分派、股份限售登记、股份解除限售登记、股权激励、网络投票等可能影响代码切换的业务（附件2）。"
)


class ShareRegistrationForm(StructuredForm):
    suspension_commitment = forms.BooleanField(
        label="发行人关于暂停办理影响股份登记的其他业务的承诺",
        required=True,
        error_messages={"required": "须作出暂停办理影响股份登记的其他业务的承诺。"},
    )
    old_code = forms.RegexField(
        label="原新三板股票代码（挂牌公司填写）",
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": "原股票代码应为 6 位数字。"},
    )
    code_switch_application = forms.BooleanField(label=SWITCH_TEXT, required=False)
    lockup_file = forms.FileField(
        label="限售股东名单（Excel，使用“新股发行股份登记申请”业务指南中的限售股东名单模板）", required=False
    )
    lockups = forms.CharField(
        label="或逐行填写限售股东名单（每行：证券账户号码,限售股数,限售截止日 YYYY-MM-DD）；上传 Excel 时以 Excel 为准",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("old_code") and not data.get("code_switch_application"):
            raise ValidationError("挂牌公司须提交关于股票代码切换相关事宜的申请及承诺（附件2）。")
        if data.get("lockup_file"):
            data["lockups"] = lockups_from_excel(data["lockup_file"].read())
        return data

    def json_data(self) -> dict:
        data = super().json_data()
        data.pop("lockup_file", None)  # its rows are in ``lockups``: what staff read and the filer signs
        return data


LOCKUP_HEADER = ("证券账户号码", "限售股数", "限售截止日")


def lockup_template() -> bytes:
    """The Excel template of the T-1 lock-up list (002 §2.1.1(二): 北交所要求限售的股东信息)."""

    book = Workbook()
    sheet = book.active
    sheet.title = "限售股东名单"
    sheet.append(LOCKUP_HEADER)
    sheet.append(["0100000001", 500000, "2027-03-30"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def lockups_from_excel(content: bytes) -> str:
    """The template's rows as the text form (one ``account,shares,YYYY-MM-DD`` per line); every
    malformed row is named at once."""

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:  # openpyxl raises several types for a file that is not an .xlsx
        raise ValidationError("限售股东名单应为 Excel（.xlsx）文件，请使用下载的模板。") from None
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or tuple(str(c or "").strip() for c in rows[0][:3]) != LOCKUP_HEADER:
        raise ValidationError("限售股东名单表头应为：" + "、".join(LOCKUP_HEADER) + "（请使用下载的模板）。")
    lines, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row[:3]) + [None] * (3 - len(row[:3]))
        if all(c in (None, "") for c in cells):
            continue
        account, shares, end = cells
        if isinstance(end, dt.datetime):
            end = end.date()
        if isinstance(shares, float) and shares.is_integer():
            shares = int(shares)
        text = f"{str(account or '').strip()},{shares if shares is not None else ''},{end.isoformat() if isinstance(end, dt.date) else str(end or '').strip()}"
        try:
            parse_lockups(text)
        except ValidationError:
            problems.append(f"Excel 第 {number} 行应为“证券账户号码、限售股数、限售截止日”")
            continue
        lines.append(text)
    if problems:
        raise ValidationError(problems)
    return "\n".join(lines)


def parse_lockups(text: str) -> list[tuple[str, int, dt.date]]:
    rows, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        try:
            account, shares, end = parts[0], int(parts[1]), dt.date.fromisoformat(parts[2])
            if len(account) != 10 or shares <= 0:
                raise ValueError
        except (IndexError, ValueError):
            problems.append(f"第 {number} 行应为“证券账户号码,限售股数,限售截止日”")
            continue
        rows.append((account, shares, end))
    if problems:
        raise ValidationError("限售股东名单：" + "；".join(problems))
    return rows


def _offering_of(context: FilingContext) -> Offering:
    offering = Offering.objects.filter(code=context.securities_code, issuer=context.institution).first()
    if offering is None:
        raise ValidationError(f"证券代码 {context.securities_code} 没有本机构的公开发行。")
    return offering


def validate_share_registration(context: FilingContext) -> None:
    offering = _offering_of(context)
    if offering.status != OfferingStatus.PREPARING:
        raise ValidationError("该发行已申请登记或已进入发行阶段。")
    if business_today() > offering.day(-1):
        raise ValidationError(f"应在 T-1 日（{offering.day(-1)}）前提交股份登记申请。")
    if not context.data.get("suspension_commitment"):
        raise ValidationError("须作出暂停办理影响股份登记的其他业务的承诺。")
    if context.data.get("old_code") and not context.data.get("code_switch_application"):
        raise ValidationError("挂牌公司须提交关于股票代码切换相关事宜的申请及承诺（附件2）。")
    lockups = parse_lockups(context.data.get("lockups", ""))
    problems = _old_code_problems(context.data.get("old_code", ""), context.institution)
    problems += _lockup_problems(offering, context.data.get("old_code", ""), lockups)
    if problems:
        raise ValidationError(problems)  # every problem at once


def _old_code_problems(old_code: str, issuer) -> list[str]:
    """The NEEQ code against the securities master: a security of this issuer listed on NEEQ."""
    if not old_code:
        return []
    security = Security.objects.filter(code=old_code).first()
    if security is None:
        return [f"原新三板代码 {old_code} 不在证券资料中"]
    problems = []
    if security.market != Market.NEEQ:
        problems.append(
            f"原新三板代码 {old_code} 不是全国中小企业股份转让系统的证券（{security.get_market_display()}）"
        )
    if security.status not in (SecurityStatus.LISTED, SecurityStatus.SUSPENDED):
        problems.append(f"原新三板代码 {old_code} 的状态为“{security.get_status_display()}”，不能切换代码")
    if security.issuer_id is not None and security.issuer_id != issuer.pk:
        problems.append(f"原新三板代码 {old_code} 不是本机构的证券")
    return problems


def _lockup_problems(offering: Offering, old_code: str, lockups: list[tuple[str, int, dt.date]]) -> list[str]:
    """Each lock-up row against the register: the account exists, appears once, its lock-up ends after
    listing, and it holds at least that many unrestricted shares of the company (the NEEQ security; the
    shares the lock-up turns into 05/06 at registration, rules.md §11)."""
    numbers = [a for a, _, _ in lockups]
    known = set(SecuritiesAccount.objects.filter(number__in=numbers).values_list("number", flat=True))
    code = old_code or offering.code
    held = dict(
        Position.objects.filter(security__code=code, account__number__in=numbers, share_nature="00")
        .values_list("account__number")
        .annotate(total=Sum("quantity"))
    )
    problems, seen = [], set()
    for row, (account, shares, end) in enumerate(lockups, start=1):
        where = f"限售股东名单第 {row} 行（{account}）"
        if account in seen:
            problems.append(f"{where}：证券账户重复")
        seen.add(account)
        if account not in known:
            problems.append(f"{where}：证券账户未登记")
        elif held.get(account, 0) < shares:
            problems.append(f"{where}：限售 {shares:,} 股超过其持有的 {code} 无限售股份 {held.get(account, 0):,} 股")
        if end <= offering.listing_date:
            problems.append(f"{where}：限售截止日应晚于上市日 {offering.listing_date}")
    return problems


# An application filed and accepted in time may be confirmed by the issuer (办结) after T: its lock-ups and
# code switch are still recorded, for the registration step reads them, and the offering keeps its status.
# Once the shares are registered (or the offering stopped) a confirmation can change nothing: it is
# refused with the reason, before anything is written (issue 14).
LATE_CONFIRMABLE = {OfferingStatus.SUBSCRIBING, OfferingStatus.CLEARED, OfferingStatus.SETTLED, OfferingStatus.PAID}


def share_registration_finish_problem(offering: Offering, data: dict) -> str:
    """Why the issuer's confirmation of its T-1 application cannot be carried out now ('' if it can)."""
    if offering.status not in {OfferingStatus.PREPARING} | LATE_CONFIRMABLE:
        return (
            f"{offering.code} 的发行状态为“{offering.get_status_display()}”，股份登记申请的限售股东与代码切换"
            "已无法生效，不能办结；请联系本公司业务办理岗。"
        )
    if (
        LockupShareholder.objects.filter(offering=offering).exists()
        or offering.transitions.filter(to_state=OfferingStatus.APPLIED).exists()
    ):
        return f"{offering.code} 的股份登记申请已办结过一次，不能重复办结。"
    if data.get("old_code") and business_today() >= offering.l_minus_1:
        return (
            f"代码切换日（{offering.l_minus_1}）已到，不能再办结含代码切换申请的股份登记申请；请联系本公司业务办理岗。"
        )
    return ""


def share_registration_finished(application) -> None:
    """Runs inside the transaction that finishes the counter application."""
    offering = Offering.objects.select_for_update().get(code=application.securities_code)
    data = application.rounds.order_by("-number").first().data  # the round the staff accepted
    problem = share_registration_finish_problem(offering, data)
    if problem:
        raise CounterError(problem)
    lockups = parse_lockups(data.get("lockups", ""))
    accounts = dict(SecuritiesAccount.objects.filter(number__in=[a for a, _, _ in lockups]).values_list("number", "pk"))
    with transaction.atomic():
        LockupShareholder.objects.bulk_create(
            LockupShareholder(
                offering=offering, account_id=accounts[a], shares=s, lockup_end=e, application_id=application.pk
            )
            for a, s, e in lockups
        )
        if data.get("old_code"):
            offering.old_code = data["old_code"]
            offering.save(update_fields=["old_code"])
            # rules.md §5: the switch follows the mapping table, never a formula alone.
            security_code_change_register(
                old_code=offering.old_code,
                new_code=offering.code,
                effective_date=offering.l_minus_1,
                reason="北交所公开发行并上市，L-1 代码切换（附件2）",
            )
        if offering.status == OfferingStatus.PREPARING:
            offering_transition(
                offering=offering, to=OfferingStatus.APPLIED, reason=f"虚拟柜台申请 {application.pk} 办结"
            )
        else:
            audit_record(
                actor=None,
                obj=offering,
                action="ipo.share_registration_late",
                data={
                    "application": application.pk,
                    "status": offering.status,
                    "lockups": len(lockups),
                    "old_code": data.get("old_code", ""),
                },
            )


def share_registration_pending(offering: Offering):
    """The issuer's T-1 application for this offering that staff accepted but that is not finished yet."""
    return (
        Application.objects.filter(
            business_type__code=SHARE_REGISTRATION_CODE,
            securities_code=offering.code,
            status__in=[Status.ACCEPTED, Status.RESULT_ISSUED],
        )
        .order_by("pk")
        .first()
    )


SHARE_REGISTRATION_CODE = "11"


SHARE_REGISTRATION = register_business_type(
    BusinessTypeSpec(
        code=SHARE_REGISTRATION_CODE,
        name="新股发行股份登记申请（T-1）",
        filer_kinds={"issuer"},
        form_class=ShareRegistrationForm,
        validate=validate_share_registration,
        on_finished=share_registration_finished,
        attachments_required=True,
        guide=(
            "北交所公开发行：发行人应在 T-1 日前申请办理股份登记，填报北交所要求限售的股东信息，并提交："
            "1. 发行人关于暂停办理影响股份登记的其他业务的承诺；2. 挂牌公司公开发行并上市的，关于股票代码切换相关事宜的申请及承诺（附件2）；"
            "3. 本公司要求提供的其他材料。材料均需加盖发行人公章，多页材料加盖骑缝章。"
            "限售股东名单请使用 Excel 模板（北交所公开发行 → 发行详情页面“下载限售股东名单模板”）；本公司逐行核对证券账户及其"
            "持有的无限售股份，原新三板代码核对证券资料，全部问题一并列出。"
        ),
    )
)


# ---- 002 第五章: the application after a failure or suspension ---------------------------------------------


class StopApplicationForm(StructuredForm):
    """书面申请 (with what it asks for), 委托退款授权书 and 公告 — the documents go in the attachments."""

    materials = forms.BooleanField(
        label="已随附加盖公章的书面申请、委托退款授权书和公告",
        required=True,
        error_messages={"required": "须提交书面申请、委托退款授权书和公告。"},
    )
    refund_interest = forms.BooleanField(label="申请返还冻结资金利息", required=False)
    annual_rate = forms.DecimalField(
        label="年利率（%，最多四位小数）",
        required=False,
        max_digits=7,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=MAX_RATE,
    )
    day_count = forms.TypedChoiceField(
        label="计息基础",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "请选择"), (360, "实际天数/360"), (365, "实际天数/365")],
    )
    interest_from = forms.DateField(label="计息起日（空：申购日 T）", required=False)
    interest_to = forms.DateField(label="计息止日，不含（空：T+2 日）", required=False)
    refund_principal = forms.BooleanField(label="申请返还认购资金本金", required=False)
    cancel_shares = forms.BooleanField(label="申请注销已登记到账股份", required=False)

    def clean(self):
        data = super().clean()
        if data.get("refund_interest") and (data.get("annual_rate") is None or not data.get("day_count")):
            raise ValidationError("申请返还利息须填写年利率和计息基础。")
        return data


def stop_request(offering: Offering, data: dict) -> tuple[set[str], InterestTerms | None]:
    """The items and interest terms an application's data asks for (dates default to T and T+2)."""
    items = {
        item
        for item, flag in (
            (RefundItem.INTEREST, "refund_interest"),
            (RefundItem.PRINCIPAL, "refund_principal"),
            (RefundItem.CANCELLATION, "cancel_shares"),
        )
        if data.get(flag)
    }
    terms = None
    if RefundItem.INTEREST in items and data.get("annual_rate") and data.get("day_count"):
        terms = default_terms(offering, Decimal(str(data["annual_rate"])), int(data["day_count"]))
        start = dt.date.fromisoformat(data["interest_from"]) if data.get("interest_from") else terms.start
        end = dt.date.fromisoformat(data["interest_to"]) if data.get("interest_to") else terms.end
        terms = InterestTerms(terms.annual_rate, terms.day_count, start, end)
    return items, terms


def _stopped_offering_of(context_institution, code: str) -> Offering:
    offering = (
        Offering.objects.filter(code=code)
        .filter(Q(issuer=context_institution) | Q(underwriter=context_institution))
        .first()
    )
    if offering is None:
        raise ValidationError(f"证券代码 {code} 没有本机构作为发行人或主承销商的公开发行。")
    return offering


def validate_stop_application(context: FilingContext) -> None:
    offering = _stopped_offering_of(context.institution, context.securities_code)
    items, terms = stop_request(offering, context.data)
    problems = refund_problems(offering, items=items, terms=terms, filer_id=context.institution.pk)
    if problems:
        raise ValidationError("；".join(problems))


def stop_application_accepted(application) -> None:
    """受理: the depository carries out what was applied for, in the acceptance's transaction."""
    offering = Offering.objects.select_for_update().get(code=application.securities_code)
    data = application.rounds.order_by("-number").first().data  # the round the staff accepted
    items, terms = stop_request(offering, data)
    problems = refund_problems(offering, items=items, terms=terms, filer_id=application.filer_institution_id)
    if problems:
        raise CounterError("；".join(problems))
    try:
        stop_items_carry_out(offering=offering, application=application, items=items, terms=terms)
    except IpoError as error:
        raise CounterError(error.message) from None


def stop_application_report(application) -> list[GeneratedFile]:
    """The result the filer reads (Excel): what was done, per item; amounts in yuan from integer fen."""

    book = Workbook()
    sheet = book.active
    sheet.title = "办理结果"
    sheet.append(
        [
            "事项",
            "金额（元）",
            "股数",
            "结算参与人数",
            "明细笔数",
            "年利率（%）",
            "计息基础",
            "计息起日",
            "计息止日（不含）",
        ]
    )
    rows = StopRefund.objects.filter(application_id=application.pk).order_by("pk")
    for r in rows:
        sheet.append(
            [
                r.get_item_display(),
                f"{r.amount_fen // 100}.{r.amount_fen % 100:02d}",
                r.shares,
                r.participants,
                r.orders,
                str(r.annual_rate) if r.annual_rate is not None else "",
                r.day_count or "",
                r.interest_from.isoformat() if r.interest_from else "",
                r.interest_to.isoformat() if r.interest_to else "",
            ]
        )
    if not rows:
        sheet.append(["已接收发行失败或中止材料；未申请返还或注销。"])
    out = io.BytesIO()
    book.save(out)
    return [GeneratedFile(name=f"{application.securities_code}_中止发行办理结果.xlsx", content=out.getvalue())]


STOP_APPLICATION = register_business_type(
    BusinessTypeSpec(
        code="15",
        name="发行失败或中止：返还本息及注销股份申请",
        filer_kinds={"issuer", "underwriter"},
        form_class=StopApplicationForm,
        validate=validate_stop_application,
        on_accepted=stop_application_accepted,
        result_builder=stop_application_report,
        attachments_required=True,
        # Interest and principal leave the lead underwriter's account: signed with its USB-KEY.
        key_required=lambda data: bool(data.get("refund_interest") or data.get("refund_principal")),
        guide=(
            "确认出现股票暂停、暂缓、中止发行上市后，发行人、主承销商应尽快提交关于股票中止发行的材料。涉及返还投资者本金和利息的，"
            "应提交书面申请、委托退款授权书和公告等材料；涉及需注销已登记到账股份的，书面申请中应包括申请注销已登记到账股份的内容。"
            "本公司根据主承销商申请，将冻结资金利息返还结算参与人，由结算参与人返还投资者。"
            "返还资金从主承销商报备的自营结算备付金账户划出，受理前请确保可用余额充足。"
        ),
    )
)
