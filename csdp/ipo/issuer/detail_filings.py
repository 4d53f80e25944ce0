"""T+2 detail filings (002 §2.1.2(一)–(四)3): the issuer downloads a template, files 余股 /
战略配售 / 网下发行 details as Excel, every row is checked against the register (account number,
name, ID number, shares, share nature, custody unit) with every error listed at once; a file with an
error is refused whole; a clean one becomes the 申报明细清单 which the issuer confirms with its key."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction
from openpyxl import Workbook

from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.ipo.errors import IpoError
from csdp.ipo.models import (
    FILING_TRANSITIONS,
    DetailFiling,
    EodStep,
    FilingKind,
    FilingStatus,
    Offering,
    OfferingStatus,
    PlacementDetail,
)
from csdp.ipo.models import Subscription
from csdp.keys.signing import submission_signed
from csdp.lib.errors import Problem
from csdp.lib.sheets import RAW, Column, SheetRejected, SheetSpec, sheet_read
from csdp.register.models import RESTRICTED, ShareNature
from csdp.securities.models import CustodyUnit, SecuritiesAccount

HEADER = ("证券账户号码", "证券账户名称", "证件号码", "登记股数", "股份性质", "托管单元", "限售截止日")
NATURES = {str(v) for v in ShareNature.values}
MAX_ROWS = 20_000
NATURAL_PERSONS = {"03", "05"}  # 股东性质 境内 / 境外自然人 (rules.md §8): 限售 nature 05, others 06


@dataclass(frozen=True)
class FilingError:
    line: int
    column: str
    message: str


class FilingRejected(SheetRejected):
    """A filing with any error is refused whole; ``errors`` (also ``problems``) lists every one."""

    code = "ipo.filing_rejected"

    def __init__(self, errors: list[FilingError]):
        super().__init__(
            [Problem(e.message, field=e.column, row=e.line or None) for e in errors],
            message=f"申报文件未通过校验（共 {len(errors)} 处错误），整份文件未接收。",
        )
        self.errors = errors


def filing_template(kind: str) -> bytes:
    """The Excel template of a filing kind (downloaded by the issuer)."""
    book = Workbook()
    sheet = book.active
    sheet.title = FilingKind(kind).label
    sheet.append(HEADER)
    sheet.append(
        [
            "0100000001",
            "示例投资者",
            "11010519491231002X",
            1000,
            "06" if kind == FilingKind.STRATEGIC else "00",
            "000001",
            "2027-03-30" if kind == FilingKind.STRATEGIC else "",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def expected_total(offering: Offering, kind: str) -> int:
    if kind == FilingKind.STRATEGIC:
        return offering.strategic_shares
    if kind == FilingKind.OFFLINE:
        return offering.offline_shares
    run = offering.step_runs.filter(step=EodStep.T1_SETTLE, status="done").first()
    return run.detail.get("remainder_shares", 0) if run else 0


# The sheet as declared for the one reader (csdp/lib/sheets.py): raw cells, checked row by row below.
SHEET = SheetSpec(
    label="申报明细",
    columns=tuple(Column(f"c{i}", h, kind=RAW) for i, h in enumerate(HEADER)),
    max_rows=MAX_ROWS,
    rejected=FilingRejected,
)


def _rows(stored) -> list[tuple]:
    return sheet_read(stored, SHEET).tuples()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    return dt.date.fromisoformat(text) if text else None


def check_rows(offering: Offering, kind: str, body: list[tuple]) -> tuple[list[dict], list[FilingError]]:
    """Every row against the register; returns the clean rows and every error."""
    numbers = {_text(r[0]) for r in body}
    accounts = {a.number: a for a in SecuritiesAccount.objects.filter(number__in=numbers).select_related("investor")}
    units = set(CustodyUnit.objects.filter(code__in={_text(r[5]) for r in body}).values_list("code", flat=True))
    lockup_floor = offering.listing_date + dt.timedelta(days=182)  # rules.md §4: at least 6 months
    online = _subscribed_online(offering, accounts.values()) if kind == FilingKind.STRATEGIC else set()
    first_line: dict[tuple[str, str], int] = {}
    clean, errors = [], []
    for line, row in enumerate(body, start=2):
        row = tuple(row) + (None,) * (len(HEADER) - len(row))
        number, name, id_number, shares, nature, unit = (_text(v) for v in row[:6])
        problems = []
        account = accounts.get(number)
        earlier = first_line.setdefault((number, nature), line)
        if earlier != line:
            problems.append(("证券账户号码", f"与第 {earlier} 行重复（同一证券账户、同一股份性质只能填报一行）"))
        if account is None:
            problems.append(("证券账户号码", f"{number or '（空）'} 不存在"))
        else:
            if account.investor_id in online:
                # rules.md §4: 战略投资者不得参与本次公开发行的网上申购
                problems.append(("证券账户号码", "该投资者已参与本次网上申购，不能同时作为战略投资者"))
            if kind == FilingKind.REMAINDER and not _underwriters(account, offering.underwriter):
                # 002 §2.1.2(一): 余股由主承销商包销, registered to the lead underwriter's own account
                problems.append(
                    ("证券账户号码", f"余股只能登记到主承销商“{offering.underwriter.name}”本机构的证券账户")
                )
            if name != account.investor.name:
                problems.append(("证券账户名称", f"与登记的名称“{account.investor.name}”不符"))
            if id_number.upper() != account.investor.id_number.upper():
                problems.append(("证件号码", "与登记的证件号码不符"))
        if not shares.isdigit() or int(shares) <= 0:
            problems.append(("登记股数", "应为正整数"))
        if nature not in NATURES:
            problems.append(("股份性质", "应为 00（无限售）、05（限售·个人）或 06（限售·机构）"))
        elif account is not None and nature in RESTRICTED:
            wanted = "05" if account.investor.holder_type in NATURAL_PERSONS else "06"
            if nature != wanted:
                problems.append(("股份性质", f"该投资者的限售股份性质应为 {wanted}"))
        if unit not in units:
            problems.append(("托管单元", f"{unit or '（空）'} 不存在"))
        try:
            lockup = _date(row[6])
        except ValueError:
            lockup, problems = None, problems + [("限售截止日", "日期格式应为 YYYY-MM-DD")]
        if nature in RESTRICTED and lockup is None:
            problems.append(("限售截止日", "限售股份须填写限售截止日"))
        if nature == "00" and lockup is not None:
            problems.append(("限售截止日", "无限售股份不应填写限售截止日"))
        if kind == FilingKind.STRATEGIC and (nature not in RESTRICTED or (lockup and lockup < lockup_floor)):
            problems.append(("股份性质", f"战略配售股份应限售至少 6 个月（不早于 {lockup_floor}）"))
        errors.extend(FilingError(line, column, message) for column, message in problems)
        if not problems:
            clean.append(
                {
                    "line": line,
                    "account": account,
                    "account_name": name,
                    "id_number": id_number,
                    "shares": int(shares),
                    "share_nature": nature,
                    "custody_unit": unit,
                    "lockup_end": lockup,
                }
            )
    if not errors:
        total, wanted = sum(r["shares"] for r in clean), expected_total(offering, kind)
        if total != wanted:
            errors.append(FilingError(0, "合计", f"登记股数合计 {total:,} 股，应为 {wanted:,} 股"))
    return clean, errors


def _subscribed_online(offering: Offering, accounts) -> set[int]:
    """The investors (ids) among ``accounts``' holders who subscribed online in this offering through any
    of their accounts."""
    investors = {a.investor_id for a in accounts}
    if not investors:
        return set()
    numbers = dict(SecuritiesAccount.objects.filter(investor_id__in=investors).values_list("number", "investor_id"))
    subscribed = Subscription.objects.filter(offering=offering, account__in=list(numbers)).values_list(
        "account", flat=True
    )
    return {numbers[number] for number in subscribed}


def _underwriters(account: SecuritiesAccount, underwriter) -> bool:
    """Whether the account is the lead underwriter's own: its investor is the underwriter (by USCC when the
    institution has one recorded, else by its full name)."""
    if underwriter.uscc:
        return account.investor.id_number.upper() == underwriter.uscc.upper()
    return account.investor.name == underwriter.name


def detail_filing_submit(*, offering: Offering, kind: str, stored, actor) -> DetailFiling:
    """Validate an uploaded filing (csdp.uploads kind "spreadsheet") and keep it, replacing an
    unconfirmed earlier one. Refused whole with every error listed (FilingRejected)."""
    offering = Offering.objects.get(pk=offering.pk)
    if offering.status not in (OfferingStatus.SETTLED, OfferingStatus.PAID):
        raise IpoError("T+1 日交收完成后、股份登记前才能填报明细。")
    if business_today() < offering.day(2):
        raise IpoError(f"明细数据应于 T+2 日（{offering.day(2)}）起填报。")
    if expected_total(offering, kind) == 0:
        raise IpoError(f"本次发行没有{FilingKind(kind).label}需要填报。")
    clean, errors = check_rows(offering, kind, _rows(stored))
    if errors:
        raise FilingRejected(errors)
    with transaction.atomic():
        existing = DetailFiling.objects.live().select_for_update().filter(offering=offering, kind=kind).first()
        if existing and existing.status == FilingStatus.CONFIRMED:
            raise IpoError("该明细已确认，不能再修改；如需更正，请联系本公司退回。", code="ipo.filing_confirmed")
        if existing:
            _replace(existing, actor=actor)
        filing = DetailFiling.objects.create(
            offering=offering,
            kind=kind,
            source=stored,
            rows=len(clean),
            total_shares=sum(r["shares"] for r in clean),
            filed_by=actor,
            filed_at=clock_now(),
        )
        PlacementDetail.objects.bulk_create(PlacementDetail(filing=filing, **row) for row in clean)
        audit_record(
            actor=actor,
            obj=filing,
            action="ipo.filing_submit",
            to_state=filing.status,
            data={"kind": kind, "rows": len(clean), "sha256": stored.sha256},
        )
    return filing


def _replace(filing: DetailFiling, *, actor) -> None:
    """The earlier upload stays, with its rows and audit trail, as replaced (never deleted)."""
    if FilingStatus.REPLACED not in FILING_TRANSITIONS[filing.status]:
        raise IpoError("该明细已确认，不能再修改；如需更正，请联系本公司退回。", code="ipo.filing_confirmed")
    before = filing.status
    filing.status, filing.replaced_at = FilingStatus.REPLACED, clock_now()
    filing.save(update_fields=["status", "replaced_at"])
    audit_record(
        actor=actor,
        obj=filing,
        action="ipo.filing_replace",
        from_state=before,
        to_state=FilingStatus.REPLACED,
        reason="已由新上传的文件替换",
    )


def filing_content(filing: DetailFiling) -> dict:
    """What the issuer signs when confirming the 申报明细清单."""
    return {
        "offering": filing.offering.code,
        "kind": filing.kind,
        "total_shares": filing.total_shares,
        "rows": [
            [
                d.account.number,
                d.account_name,
                d.id_number,
                d.shares,
                d.share_nature,
                d.custody_unit,
                d.lockup_end.isoformat() if d.lockup_end else "",
            ]
            for d in filing.details.select_related("account")
        ],
    }


def detail_filing_confirm(*, filing: DetailFiling, signature_payload: str, actor) -> None:
    """The issuer confirms the checked list with its USB-KEY; the signature is verified here, under
    the filing's lock, over the list as stored (refused if missing or wrong, whoever calls)."""
    with transaction.atomic():
        locked = DetailFiling.objects.select_for_update().get(pk=filing.pk)
        if FilingStatus.CONFIRMED not in FILING_TRANSITIONS[locked.status]:
            raise IpoError("该明细清单已确认。")
        locked.signature = submission_signed(
            user=actor, content=filing_content(locked), files=[locked.source], payload=signature_payload
        )
        locked.status, locked.confirmed_by, locked.confirmed_at = FilingStatus.CONFIRMED, actor, clock_now()
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "signature"])
        audit_record(
            actor=actor,
            obj=locked,
            action="ipo.filing_confirm",
            from_state=FilingStatus.VALIDATED,
            to_state=FilingStatus.CONFIRMED,
        )


@transaction.atomic
def detail_filing_return(*, filing: DetailFiling, reason: str, actor) -> DetailFiling:
    """Staff return a confirmed 申报明细清单 to the issuer for correction, before registration used it;
    the issuer then files the corrected details again (and confirms them again)."""
    reason = (reason or "").strip()
    if not reason:
        raise IpoError("请填写退回更正的原因。", code="ipo.filing_return_reason")
    locked = DetailFiling.objects.select_for_update().get(pk=filing.pk)
    offering = Offering.objects.get(pk=locked.offering_id)
    if FilingStatus.RETURNED not in FILING_TRANSITIONS[locked.status]:
        raise IpoError("只有发行人已确认的明细清单可以退回更正。", code="ipo.filing_not_confirmed")
    if offering.step_runs.filter(step=EodStep.REGISTRATION, status="done").exists() or offering.status not in (
        OfferingStatus.SETTLED,
        OfferingStatus.PAID,
    ):
        raise IpoError("股份已据此登记，明细清单不能再退回。", code="ipo.filing_registered")
    locked.status, locked.returned_by, locked.returned_at, locked.return_reason = (
        FilingStatus.RETURNED,
        actor,
        clock_now(),
        reason,
    )
    locked.save(update_fields=["status", "returned_by", "returned_at", "return_reason"])
    audit_record(
        actor=actor,
        obj=locked,
        action="ipo.filing_return",
        from_state=FilingStatus.CONFIRMED,
        to_state=FilingStatus.RETURNED,
        reason=reason,
    )
    return locked


def required_kinds(offering: Offering) -> list[str]:
    return [k for k in FilingKind.values if expected_total(offering, k) > 0]


def filings_complete(offering: Offering) -> bool:
    confirmed = set(offering.filings.filter(status=FilingStatus.CONFIRMED).values_list("kind", flat=True))
    return set(required_kinds(offering)) <= confirmed
