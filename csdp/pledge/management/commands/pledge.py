"""csdp pledge recheck [--day YYYY-MM-DD]: the daily recheck of the pledge board (004 §十一)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from csdp.lib.commands import CsdpCommand
from csdp.pledge.recheck import pledge_recheck


class Command(CsdpCommand):
    help = "证券质押信息平台：pledge recheck — 过期信息失效，出质人信息按前一交易日日终持有核查"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        recheck = sub.add_parser("recheck", help="每日核查（可由日终调用）")
        recheck.add_argument("--day", help="业务日期，默认取业务时钟的今天")

    def handle(self, *args, **options):
        day = None
        if options.get("day"):
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['day']}") from None
        result = pledge_recheck(day=day)
        self.stdout.write(
            f"核查 {result.checked} 条出质人信息，标记异常 {result.flagged} 条，过期失效 {result.expired} 条。"
        )
