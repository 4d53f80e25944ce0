"""The invariants of issue 5's Correctness list, checked against the database after a run (used by
`csdp ipo simulate` and by the property tests)."""
from __future__ import annotations

import polars as pl
from django.db.models import Sum

from csdp.ipo.engine.allocation import allocation_ratio
from csdp.ipo.eod.files import outcomes_frame
from csdp.ipo.models import Offering, ParticipantObligation
from csdp.ledger.models import LedgerAccount
from csdp.register.models import RegistrationEvent


def allocation_summary(offering: Offering) -> dict:
    outcomes = outcomes_frame(offering)
    valid_at_t = outcomes.filter(pl.col("valid") | pl.col("reason").is_in(["declared", "shortfall"]))  # valid at T EOD
    valid_shares = int(valid_at_t["quantity"].sum() or 0)
    allocated = int(outcomes["allocated"].sum() or 0)
    ratio = allocation_ratio(offering.online_shares, valid_shares)
    return {
        "online_shares": offering.online_shares,
        "valid_orders": valid_at_t.height,
        "valid_shares": valid_shares,
        "invalid_orders": outcomes.height - valid_at_t.height,
        "ratio": float(ratio) if ratio is not None else None,
        "allocated_accounts": outcomes.filter(pl.col("allocated") > 0).height,
        "allocated_shares": allocated,
        "unsubscribed_shares": offering.online_shares - allocated,
        "kept_shares": int(outcomes["kept"].sum() or 0),
        "remainder_shares": offering.online_shares - int(outcomes["kept"].sum() or 0),
    }


def invariants(offering: Offering) -> dict[str, bool]:
    outcomes = outcomes_frame(offering)
    money = ParticipantObligation.objects.filter(offering=offering).aggregate(
        frozen=Sum("frozen_fen"), deducted=Sum("deducted_fen"), unfrozen=Sum("unfrozen_fen"))
    kept = int(outcomes["kept"].sum() or 0)
    forfeited = int((outcomes["allocated"] - outcomes["kept"]).sum() or 0)
    unsubscribed = offering.online_shares - int(outcomes["allocated"].sum() or 0)
    per_order = outcomes.group_by("participant").agg(pl.col("frozen_fen").sum(), pl.col("deducted_fen").sum())
    per_participant = {code: (frozen, deducted) for code, frozen, deducted in ParticipantObligation.objects.filter(
        offering=offering).values_list("participant__code", "frozen_fen", "deducted_fen")}
    registered = RegistrationEvent.objects.filter(key__startswith=f"ipo:{offering.code}:").aggregate(n=Sum("quantity_delta"))["n"] or 0
    return {
        # Once registered: online allocations kept + 余股 + strategic + offline = the shares issued.
        "register_total_equals_shares_issued": registered in (0, offering.issue_shares),
        "order_money_matches_participant_money": all(
            per_participant.get(row["participant"]) == (row["frozen_fen"], row["deducted_fen"])
            for row in per_order.iter_rows(named=True)),
        "frozen_equals_deducted_plus_unfrozen": (money["frozen"] or 0) == (money["deducted"] or 0) + (money["unfrozen"] or 0),
        "no_reserve_below_zero": not LedgerAccount.objects.filter(
            debits_must_not_exceed_credits=True).extra(where=["debits_posted + debits_pending > credits_posted"]).exists(),
        "allocations_plus_remainder_equal_online_shares": kept + forfeited + unsubscribed == offering.online_shares,
        "every_allocation_within_its_order": outcomes.filter(pl.col("allocated") > pl.col("quantity")).height == 0,
        "invalid_orders_keep_nothing": outcomes.filter(~pl.col("valid") & (pl.col("kept") > 0)).height == 0,
    }
