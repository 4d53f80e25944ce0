import datetime as dt

from django.core.management.base import CommandError

from csdp.clock.eod import eod_jobs
from csdp.clock.services import business_today, is_trading_day
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "日终处理：按顺序运行业务日（默认为业务时钟当日）到期的全部日终作业；可重复执行，中断后重跑即续做"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "jobs"])
        parser.add_argument("--date", help="业务日期 YYYY-MM-DD（默认业务时钟当日）")

    def handle(self, *args, action, date=None, **options):
        if action == "jobs":
            for name, _ in eod_jobs():
                self.stdout.write(name)
            return
        try:
            day = dt.date.fromisoformat(date) if date else business_today()
        except ValueError:
            raise CommandError(f"无法识别的日期：{date}") from None
        if not is_trading_day(day):
            raise CommandError(f"{day} 不是交易日，没有日终处理。")
        failed = 0
        for name, job in eod_jobs():
            lines = job(day, None)
            if not lines:
                self.stdout.write(f"[{name}] 没有到期的步骤。")
            for line in lines:
                failed += bool(line.error)
                self.stdout.write(f"[{name}] {line.subject}: {'失败：' + line.error if line.error else line.text}")
        if failed:
            raise CommandError(f"{failed} 个日终步骤失败，其余已完成；更正后重新运行 csdp eod run 即可续做。")
