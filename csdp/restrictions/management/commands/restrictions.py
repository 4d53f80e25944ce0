"""csdp restrictions check: the records agree with the register (docs/restrictions.md); exit 1 if not.
csdp restrictions eod --day YYYY-MM-DD: the end-of-day step alone (expiry, queues, QLBD files)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import CommandError

from csdp.lib.commands import CsdpCommand
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.eod import restrictions_eod_job


class Command(CsdpCommand):
    help = (
        "证券权利限制：restrictions check — 质押、冻结记录与登记簿核对；restrictions eod — 冻结到期、轮候与参与人文件"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="记录与登记簿核对（JSON 输出）")
        eod = sub.add_parser("eod", help="单独运行日终步骤")
        eod.add_argument("--day", required=True, help="业务日期 YYYY-MM-DD")

    def handle(self, *args, **options):
        if options["action"] == "check":
            problems = restrictions_rebuild_check()
            self.stdout.write(json.dumps({"ok": not problems, "problems": problems}, ensure_ascii=False))
            if problems:
                raise CommandError("权利限制记录与登记簿不一致。", returncode=1)
            return
        try:
            day = dt.date.fromisoformat(options["day"])
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['day']}") from None

        for line in restrictions_eod_job(day, None):
            self.stdout.write(f"{line.subject}：{line.text}{'；' + line.error if line.error else ''}")
