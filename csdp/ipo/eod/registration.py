"""Share registration (002 §2.1.2(四)): the online allocations after invalid processing, and the
余股, 战略配售 and 网下 details the issuer confirmed, appended to the register in one set-based batch;
then 股份登记数据 to participants at that day's EOD (§4.3). L-1: the NEEQ code switches to the 920
code (§2.1.2(七)); L: listed, the issuer reads the result (§2.1.2(八))."""

from __future__ import annotations

import polars as pl

from csdp.clock.services import business_today
from csdp.fees.services import registration_fee_notice
from csdp.fees.states import FeeRefused
from csdp.ipo.issuer.counter_types import share_registration_pending
from csdp.ipo.issuer.detail_filings import NATURAL_PERSONS, filings_complete
from csdp.ipo.eod.runner import StepResult
from csdp.ipo.errors import IpoError
from csdp.ipo.models import FilingStatus, LockupShareholder, Offering, OfferingStatus, PlacementDetail
from csdp.ipo.selectors import order_outcomes
from csdp.ipo.transitions import offering_transition
from csdp.lib.bulk import lookup
from csdp.register.bulk import register_apply_bulk
from csdp.register.models import EventType
from csdp.register.services import RegisterError
from csdp.securities.models import Market, Security, SecurityStatus

EVENT_OF_FILING = {"remainder": EventType.REMAINDER, "strategic": EventType.STRATEGIC, "offline": EventType.OFFLINE}


def register_security(offering: Offering) -> Security:
    """Listed NEEQ companies register under their old code until the L-1 switch (§2.1.2(七))."""
    code = offering.old_code or offering.code
    security, _ = Security.objects.get_or_create(
        code=code,
        defaults={
            "name": offering.name,
            "market": Market.NEEQ if offering.old_code else Market.BSE,
            "status": SecurityStatus.LISTED if offering.old_code else SecurityStatus.PENDING,
            "issuer": offering.issuer,
        },
    )
    return security


def online_events(offering: Offering, security_id: int, day) -> pl.DataFrame:
    kept = order_outcomes(offering).filter(pl.col("kept") > 0).select("seq", "account", "kept")
    ids = lookup(kept["account"], table="securities_securitiesaccount", key="number", value="id")
    joined = kept.join(ids.rename({"number": "account", "id": "account_id"}), on="account", how="left")
    missing = joined.filter(pl.col("account_id").is_null())["account"].head(20).to_list()
    if missing:
        raise IpoError(f"以下获配证券账户未在本公司登记，不能办理股份登记：{', '.join(missing)}")
    return joined.select(
        pl.lit(security_id, dtype=pl.Int64).alias("security_id"),
        "account_id",
        pl.lit(EventType.IPO_ALLOCATION.value).alias("event_type"),
        pl.col("kept").alias("quantity_delta"),
        pl.lit(day).alias("business_date"),
        pl.concat_str([pl.lit(f"ipo:{offering.code}:alloc:"), pl.col("seq").cast(pl.Utf8)]).alias("key"),
    )


def placement_events(offering: Offering, security_id: int, day) -> pl.DataFrame:
    rows = PlacementDetail.objects.filter(filing__offering=offering, filing__status=FilingStatus.CONFIRMED).values_list(
        "filing__kind", "line", "account_id", "shares", "share_nature", "lockup_end"
    )
    return pl.DataFrame(
        [
            {
                "security_id": security_id,
                "account_id": account_id,
                "event_type": str(EVENT_OF_FILING[kind]),
                "quantity_delta": shares,
                "share_nature": nature,
                "lockup_end": lockup,
                "business_date": day,
                "key": f"ipo:{offering.code}:{kind}:{line}",
            }
            for kind, line, account_id, shares, nature, lockup in rows
        ],
        schema={
            "security_id": pl.Int64,
            "account_id": pl.Int64,
            "event_type": pl.Utf8,
            "quantity_delta": pl.Int64,
            "share_nature": pl.Utf8,
            "lockup_end": pl.Date,
            "business_date": pl.Date,
            "key": pl.Utf8,
        },
    )


def lockup_events(offering: Offering, security_id: int, day) -> pl.DataFrame:
    """002 §2.1.2(四)2: the pre-IPO shares of the issuer's lock-up list (the T-1 application) become
    限售流通股 until their date — each a pair of events moving shares from 00 to 05 (persons) or 06."""
    rows = []
    for lockup in LockupShareholder.objects.filter(offering=offering).select_related("account__investor"):
        nature = "05" if lockup.account.investor.holder_type in NATURAL_PERSONS else "06"
        base = {
            "security_id": security_id,
            "account_id": lockup.account_id,
            "event_type": EventType.RESTRICT.value,
            "business_date": day,
        }
        rows.append(
            {
                **base,
                "quantity_delta": -lockup.shares,
                "share_nature": "00",
                "lockup_end": None,
                "key": f"ipo:{offering.code}:lockup:{lockup.account_id}:out",
            }
        )
        rows.append(
            {
                **base,
                "quantity_delta": lockup.shares,
                "share_nature": nature,
                "lockup_end": lockup.lockup_end,
                "key": f"ipo:{offering.code}:lockup:{lockup.account_id}:in",
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "security_id": pl.Int64,
            "account_id": pl.Int64,
            "event_type": pl.Utf8,
            "business_date": pl.Date,
            "quantity_delta": pl.Int64,
            "share_nature": pl.Utf8,
            "lockup_end": pl.Date,
            "key": pl.Utf8,
        },
    )


def registration(offering: Offering) -> StepResult:
    if offering.status != OfferingStatus.PAID:
        raise IpoError("认购资金划付后才能办理股份登记。")
    if not filings_complete(offering):
        raise IpoError("余股、战略配售、网下发行明细尚未全部确认。")
    # A T-1 application accepted but not yet confirmed would bring lock-ups and a code switch after the
    # shares were registered without them (a second security of the same company): wait for it.

    pending = share_registration_pending(offering)
    if pending is not None:
        raise IpoError(
            f"发行人的股份登记申请（虚拟柜台申请 {pending.pk}）尚未办结：发行人确认办理结果后才能办理股份登记。",
            code="ipo.application_pending",
        )
    day = business_today()
    security = register_security(offering)
    events = pl.concat(
        [
            online_events(offering, security.pk, day),
            placement_events(offering, security.pk, day),
            lockup_events(offering, security.pk, day),
        ],
        how="diagonal_relaxed",
    )
    try:
        written = register_apply_bulk(events)
    except RegisterError as error:
        raise IpoError(str(error)) from None
    offering_transition(offering=offering, to=OfferingStatus.REGISTERED, reason="股份登记")
    registered = int(events.filter(pl.col("event_type") != EventType.RESTRICT.value)["quantity_delta"].sum() or 0)
    # 002 §2.1.2(五): the issuer pays the 股份登记费 on the Company's payment notice (fee schedule: rules.md §7).
    try:
        notice = registration_fee_notice(offering=offering, registered_shares=registered, actor=None)
    except FeeRefused as refused:
        raise IpoError(refused.message) from None
    return StepResult(
        rows=written,
        detail={
            "security": security.code,
            "registered_shares": registered,
            "events": events.height,
            "fee_notice": notice.number,
        },
    )
