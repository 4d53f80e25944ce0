"""`csdp register check [--security CODE]`: the register's invariants (csdp.register.capital) over the
whole register or one security — Σ positions = issued capital, available ≥ 0, positions = the replay
of the events. Exit status 0 when they hold, 2 with every problem listed when not.

`csdp register holders --security CODE --as-of YYYY-MM-DD [--top N] --output F.csv`: the 持有人名册
as of the end of that day, replayed from the events (csdp.register.roster); writes
account,name,id_number,share_nature,lockup_end,quantity,frozen,pledged (one row per lot) and prints one
JSON object: security, as_of, top, holders, lots, total_quantity, issued_capital, seconds (fixed: issue 15).

`csdp register snapshot --security CODE --as-of YYYY-MM-DD`: keep the 持有人名册 of that day as a snapshot
(csdp.register.roster_snapshot), which the as-of lists of nearby days start from; once per day (a second
run reports the one there). The end of day takes them itself for large securities."""

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from csdp.lib.commands import CsdpCommand
from csdp.lib.errors import CsdpError, Problem
from csdp.register.capital import register_check
from csdp.securities.models import Security
from csdp.register.roster_snapshot import roster_snapshot_build
from csdp.register.roster import roster_csv_write
import sys
from tqdm import tqdm


CHECK_CHUNK = 200  # securities per set-based check


class Command(CsdpCommand):
    help = "登记簿：check 核对登记簿（持有合计等于登记股本、可用数量不小于零、持有明细等于登记变动记录重放）"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="核对登记簿不变式（不修改数据）")
        check.add_argument("--security", help="证券代码；不填则核对全部证券")
        holders = actions.add_parser("holders", help="证券持有人名册（某日日终，由登记变动记录重放）")
        holders.add_argument("--security", required=True, help="证券代码")
        holders.add_argument("--as-of", required=True, dest="as_of", help="查询日期 YYYY-MM-DD（该日日终）")
        holders.add_argument("--top", type=int, help="只列持有数量最多的前 N 名持有人")
        holders.add_argument("--output", required=True, help="输出 CSV 文件")
        snapshot = actions.add_parser("snapshot", help="保存某日日终的持有人名册快照（此后临近日期的名册由快照推算）")
        snapshot.add_argument("--security", required=True, help="证券代码")
        snapshot.add_argument("--as-of", required=True, dest="as_of", help="快照日期 YYYY-MM-DD（该日日终）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "check":
            self._check(options.get("security"))
        elif action == "holders":
            self._holders(options)
        elif action == "snapshot":
            self._snapshot(options)

    def _security_day(self, options: dict[str, Any]) -> tuple[Security, dt.date]:
        try:
            as_of = dt.date.fromisoformat(options["as_of"])
        except ValueError:
            raise CommandError(f"无法识别的日期：{options['as_of']}（格式 YYYY-MM-DD）") from None
        security = Security.objects.filter(code=options["security"]).first()
        if security is None:
            raise CommandError(f"证券 {options['security']} 不存在。")
        return security, as_of

    def _snapshot(self, options: dict[str, Any]) -> None:
        security, as_of = self._security_day(options)
        self.stdout.write(json.dumps(roster_snapshot_build(security=security, as_of=as_of), ensure_ascii=False))

    def _holders(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        if options.get("top") is not None and options["top"] < 1:
            raise CommandError("--top 应为正整数。")
        security, as_of = self._security_day(options)
        summary = roster_csv_write(security=security, as_of=as_of, top=options.get("top"), path=Path(options["output"]))
        summary = {**summary, "output": options["output"], "seconds": round(time.perf_counter() - started, 3)}
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _chunks(self, security: Security | None) -> Iterator[list[int]]:
        """Security ids in chunks of CHECK_CHUNK, with a progress bar on a terminal: each chunk is still
        one set-based check, the bar shows how far the whole register has got."""
        ids = (
            [security.pk]
            if security is not None
            else list(Security.objects.order_by("pk").values_list("pk", flat=True))
        )
        chunks = [ids[i : i + CHECK_CHUNK] for i in range(0, len(ids), CHECK_CHUNK)]
        yield from tqdm(
            chunks, desc="核对登记簿", unit="批", file=sys.stderr, disable=not sys.stderr.isatty() or len(chunks) < 2
        )

    def _check(self, code: str | None) -> None:
        security = None
        if code:
            security = Security.objects.filter(code=code).first()
            if security is None:
                raise CommandError(f"证券 {code} 不存在。")
        problems: list[Problem] = []
        for chunk in self._chunks(security):
            try:
                register_check(security_ids=chunk)
            except CsdpError as error:
                problems += error.problems
        if problems:
            for problem in problems:
                self.stdout.write(str(problem))
            raise CommandError(f"登记簿校验未通过（{len(problems)} 项）：{problems[0].message}", returncode=2)
        self.stdout.write(
            self.style.SUCCESS(
                f"登记簿核对通过：{'证券 ' + code if code else '全部证券'}持有合计等于登记股本，"
                "可用数量均不小于零，持有明细与登记变动记录一致。"
            )
        )
