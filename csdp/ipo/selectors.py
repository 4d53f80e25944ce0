from __future__ import annotations

from django.db import connection

from csdp.ipo.models import Offering


def orders_of(offering: Offering, *, participant_code: str, seqs: list[int]) -> dict[int, dict]:
    """The named orders of one participant with their T EOD validity (a few rows: declarations)."""
    if not seqs:
        return {}
    placeholders = ", ".join(["%s"] * len(seqs))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, account, quantity_shares, valid FROM ipo_subscriptionoutcome "
            f"WHERE offering_id = %s AND participant = %s AND seq IN ({placeholders})",
            [offering.pk, participant_code, *seqs],
        )
        return {seq: {"account": account, "quantity": qty, "valid": bool(valid)} for seq, account, qty, valid in cursor.fetchall()}
