"""Time the set-based paths on synthetic data inside one transaction that is rolled back, so the
database is left as it was. Reproduce the figures in docs/ledger-and-register.md with
`csdp depository_bench --events 1000000 --transfers 100000` (DATABASE_URL pointing at PostgreSQL)."""

import datetime as dt
import time
from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl
from django.core.management.base import CommandParser
from django.db import connection, transaction

from csdp.ledger.models import AccountKind
from csdp.ledger.bulk import transfers_post_bulk
from csdp.ledger.services import ledger_account_open, transfer_post
from csdp.register.selectors import register_rebuild_check
from csdp.register.bulk import register_apply_bulk
from csdp.securities.models import Investor, SecuritiesAccount, Security
from csdp.lib.commands import CsdpCommand

DAY = dt.date(2026, 3, 30)
T = TypeVar("T")


class Rollback(Exception):
    pass


class Command(CsdpCommand):
    help = "在回滚的事务中测量批量登记与批量划转的速度"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--transfers", type=int, default=10_000)
        parser.add_argument("--accounts", type=int, default=10_000)

    def handle(self, *args: Any, events: int, transfers: int, accounts: int, **options: Any) -> None:
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Foreign keys are checked at commit; this run never commits, so check them now
                    # and count them in the figures.
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self._run(events, transfers, accounts)
                raise Rollback
        except Rollback:
            self.stdout.write("已回滚，数据库未改变。")

    def _timed(self, label: str, fn: Callable[[], T]) -> T:
        start = time.perf_counter()
        result = fn()
        self.stdout.write(f"{label}: {time.perf_counter() - start:.2f} s")
        return result

    def _run(self, events: int, transfers: int, accounts: int) -> None:
        security = Security.objects.create(code="999998", name="基准测试", kind="stock", market="BSE")
        investor = Investor.objects.create(
            ymt_number="999999999998", name="基准", id_type="other", id_number="BENCH", holder_type="06"
        )
        SecuritiesAccount.objects.bulk_create(
            [SecuritiesAccount(number=f"9{i:09d}", investor=investor, market="BSE") for i in range(accounts)]
        )
        ids = list(SecuritiesAccount.objects.filter(number__startswith="9").values_list("pk", flat=True))
        frame = pl.DataFrame(
            {
                "security_id": [security.pk] * events,
                "account_id": [ids[i % len(ids)] for i in range(events)],
                "event_type": ["ipo_allocation"] * events,
                "business_date": [DAY] * events,
                "key": [f"bench:{i}" for i in range(events)],
                "quantity_delta": [100] * events,
            }
        )
        written = self._timed(
            f"register_apply_bulk {events:,} events into {len(ids):,} positions", lambda: register_apply_bulk(frame)
        )
        assert written == events
        self._timed("register_rebuild_check (whole register)", lambda: register_rebuild_check())
        bank = ledger_account_open(number="BENCH-BANK", name="基准", kind=AccountKind.DEPOSITORY_BANK)
        reserves = [
            ledger_account_open(number=f"BENCH-{i}", name="基准", kind=AccountKind.PARTICIPANT_RESERVE)
            for i in range(100)
        ]
        for r in reserves:
            transfer_post(
                debit=bank, credit=r, amount_fen=10**12, key=f"bench-fund-{r.pk}", code="x", business_date=DAY
            )
        clearing = ledger_account_open(number="BENCH-CLR", name="基准", kind=AccountKind.IPO_CLEARING)
        rows = [
            {
                "debit_account_id": reserves[i % 100].pk,
                "credit_account_id": clearing.pk,
                "amount_fen": 1404,
                "key": f"bench-t{i}",
                "code": "IPO",
                "business_date": DAY,
                "phase": "pending",
            }
            for i in range(transfers)
        ]
        self._timed(f"transfers_post_bulk {transfers:,} holds", lambda: transfers_post_bulk(rows))
        n = min(transfers, 1000)
        self._timed(
            f"transfer_post one by one, {n:,} transfers",
            lambda: [
                transfer_post(
                    debit=reserves[i % 100],
                    credit=clearing,
                    amount_fen=1,
                    key=f"bench-s{i}",
                    code="x",
                    business_date=DAY,
                )
                for i in range(n)
            ],
        )
