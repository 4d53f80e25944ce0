import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from csdp.ipo.eod.day import eod_run
from csdp.ipo.errors import IpoError


class Command(BaseCommand):
    help = "日终处理：运行业务日（默认为业务时钟当日）到期的全部日终步骤；可重复执行"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run"])
        parser.add_argument("--date", help="业务日期 YYYY-MM-DD（默认业务时钟当日）")

    def handle(self, *args, action, date=None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"无法识别的日期：{date}") from None
        try:
            reports = eod_run(day)
        except IpoError as error:
            raise CommandError(error.message) from None
        if not reports:
            self.stdout.write("没有到期的日终步骤。")
        for report in reports:
            if report.error:
                state = f"失败：{report.error}"
            else:
                state = "已完成（跳过）" if report.skipped else f"{report.seconds:.2f} 秒，{report.rows} 行"
            self.stdout.write(f"{report.offering} {report.step}: {state}")
        failed = [r for r in reports if r.error]
        if failed:
            raise CommandError(f"{len(failed)} 个日终步骤失败，其余步骤已完成；更正后重新运行 csdp eod run 即可续做。")
