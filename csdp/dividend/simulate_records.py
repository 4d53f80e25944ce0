"""The simulated register's freezes and pledges as production keeps them (csdp.restrictions): each frozen
lot of the simulation is one court's freeze naming that lot, each pledged lot one registered pledge, and
their register events carry the restrictions' key prefix, so ``restrictions_rebuild_check`` finds records =
register before and after the distribution, and the list date's bonus shares on them accrue to real records
(csdp.dividend.accrual) — the work production does. Written in bulk (COPY): at ten million holders there
are ~100k freezes and ~300k pledges. One approval row stands for the freezes' four-eyes and two synthetic
board users for the pledges' parties: the simulation measures the end of day, not the daytime filings."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.utils import timezone

from csdp.accounts.models import Institution, User
from csdp.accounts.roles import InstitutionKind
from csdp.approvals.models import Approval, Status as ApprovalStatus
from csdp.lib.bulk import copy_in
from csdp.restrictions.holdings import KEY_PREFIX
from csdp.restrictions.models import Freeze, FreezeStatus, Pledge, PledgeStatus
from csdp.restrictions.services_freeze import KIND_FREEZE
from csdp.securities.models import Security


def encumbrance_events(frame: pl.DataFrame, security: Security, start: dt.date) -> pl.DataFrame:
    """The FREEZE and PLEDGE register events of the simulated lots, keyed as csdp.restrictions keys its
    own (one batch after the initial registration: these keys sort apart from the initial ones)."""
    base = [
        pl.lit(security.pk, pl.Int64).alias("security_id"),
        "account_id",
        "share_nature",
        "lockup_end",
        pl.lit(start).alias("business_date"),
    ]
    key = pl.concat_str(
        [pl.lit(f"{KEY_PREFIX}sim:{security.code}:"), pl.col("account_id").cast(pl.Utf8).str.zfill(12), pl.lit(":")]
        + [pl.col("share_nature")]
    )
    return pl.concat(
        [
            frame.filter(pl.col("frozen") > 0).select(
                *base,
                pl.lit("freeze").alias("event_type"),
                pl.col("frozen").alias("frozen_delta"),
                (key + ":f").alias("key"),
            ),
            frame.filter(pl.col("pledged") > 0).select(
                *base,
                pl.lit("pledge").alias("event_type"),
                pl.col("pledged").alias("pledged_delta"),
                (key + ":p").alias("key"),
            ),
        ],
        how="diagonal",
    )


def _user(username: str, name: str) -> User:
    """A board user of its own institution (kind 质押业务用户), as the pledge board registers them."""
    institution, _ = Institution.objects.get_or_create(
        kind=InstitutionKind.PLEDGE_USER, code=f"SIM-{username}", defaults={"name": name}
    )
    user, _ = User.objects.get_or_create(username=username, defaults={"display_name": name, "institution": institution})
    return user


def records_create(frame: pl.DataFrame, security: Security, start: dt.date, staff: tuple[User, User]) -> int:
    """A Freeze per frozen lot and a Pledge per pledged lot, holding what the events registered."""
    now, code = timezone.now(), security.code
    operator, reviewer = staff
    approval = Approval.objects.create(
        kind=KIND_FREEZE,
        key=f"sim:{code}:freezes",
        summary=f"模拟司法冻结 {code}（批量）",
        status=ApprovalStatus.APPLIED,
        prepared_by=operator,
        prepared_at=now,
        approved_by=reviewer,
        approved_at=now,
        applied_at=now,
    )
    frozen = frame.filter(pl.col("frozen") > 0)
    freezes = frozen.select(
        (pl.lit(f"SF{code}") + pl.int_range(pl.len()).cast(pl.Utf8).str.zfill(10)).alias("number"),
        pl.lit(FreezeStatus.ACTIVE.value).alias("status"),
        pl.lit("模拟人民法院").alias("court"),
        pl.lit("（2026）模执1号").alias("document_number"),
        "account_id",
        pl.lit(security.pk, pl.Int64).alias("security_id"),
        pl.lit(False).alias("whole_holding"),
        "share_nature",
        "lockup_end",
        pl.col("frozen").alias("requested_shares"),
        pl.lit(0, pl.Int64).alias("lifted_shares"),
        pl.lit(0, pl.Int64).alias("deducted_shares"),
        pl.col("frozen").alias("frozen_shares"),
        pl.lit(0, pl.Int64).alias("accrued_shares"),
        pl.lit(start).alias("start_date"),
        pl.lit(start.replace(year=start.year + 3)).alias("end_date"),
        pl.lit(approval.pk, pl.Int64).alias("approval_id"),
        pl.lit(now).alias("created_at"),
    )
    pledgor, lender = _user("sim-pledgor", "模拟出质人"), _user("sim-lender", "模拟质权人")
    pledged = frame.filter(pl.col("pledged") > 0)
    pledges = pledged.select(
        (pl.lit(f"SP{code}") + pl.int_range(pl.len()).cast(pl.Utf8).str.zfill(10)).alias("number"),
        pl.lit(PledgeStatus.REGISTERED.value).alias("status"),
        pl.lit(pledgor.pk, pl.Int64).alias("pledgor_user_id"),
        pl.lit("模拟出质人").alias("pledgor_name"),
        pl.col("account_id").alias("pledgor_account_id"),
        pl.lit(lender.pk, pl.Int64).alias("pledgee_user_id"),
        pl.lit("模拟质权人").alias("pledgee_name"),
        pl.lit("").alias("pledgee_account"),
        pl.lit(security.pk, pl.Int64).alias("security_id"),
        "share_nature",
        "lockup_end",
        pl.col("pledged").alias("quantity_shares"),
        pl.lit(0, pl.Int64).alias("released_shares"),
        pl.lit(0, pl.Int64).alias("accrued_shares"),
        (pl.col("pledged") * 500).alias("debt_amount_fen"),
        pl.lit(start).alias("debt_start"),
        pl.lit(start.replace(year=start.year + 2)).alias("debt_end"),
        pl.lit("模拟质押合同").alias("contract_number"),
        pl.lit(pledgor.pk, pl.Int64).alias("started_by_id"),
        pl.lit(start).alias("registered_on"),
        pl.lit("").alias("verify_code"),
        pl.lit("").alias("reason"),
        pl.lit(now).alias("created_at"),
    )
    copy_in(Freeze._meta.db_table, freezes.columns, freezes, any_order=True)
    copy_in(Pledge._meta.db_table, pledges.columns, pledges, any_order=True)
    return freezes.height + pledges.height
