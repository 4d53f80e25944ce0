import datetime as dt
import logging
import sys
import time

from django.core.management.base import CommandError

from csdp.clock.eod import eod_jobs
from csdp.clock.services import business_today, is_trading_day
from csdp.lib.commands import CsdpCommand
from csdp.lib.locks import LOCK_BUSY_EXIT, LockBusy, exclusive
from tqdm import tqdm

log = logging.getLogger("csdp.eod")


class Command(CsdpCommand):
    help = "日终处理：按顺序运行业务日（默认为业务时钟当日）到期的全部日终作业；可重复执行，中断后重跑即续做"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "jobs"])
        parser.add_argument("--date", help="业务日期 YYYY-MM-DD（默认业务时钟当日）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, action, date=None, no_progress=False, **options):
        if action == "jobs":
            for name, _ in eod_jobs():
                self.stdout.write(name)
            return
        try:
            day = dt.date.fromisoformat(date) if date else business_today()
        except ValueError:
            raise CommandError(f"无法识别的日期：{date}") from None
        if not is_trading_day(day):
            # Not a failure: a timer that runs every day finds nothing to do on a closed day.
            self.stdout.write(f"{day} 不是交易日，没有日终处理。")
            return
        try:
            # One run at a time across every machine (README "End of day"): a second one exits at once.
            with exclusive("eod-run"):
                failed = self._run(day, progress=not no_progress and sys.stderr.isatty())
        except LockBusy as busy:
            self.stderr.write(f"日终处理正在由 {busy} 运行，本次未执行任何步骤。")
            sys.exit(LOCK_BUSY_EXIT)
        if failed:
            raise CommandError(f"{failed} 个日终步骤失败，其余已完成；更正后重新运行 csdp eod run 即可续做。")

    def _run(self, day: dt.date, *, progress: bool) -> int:
        failed = 0
        jobs = eod_jobs()
        bar = tqdm(jobs, desc="日终", unit="作业", disable=not progress, file=sys.stderr)
        for name, job in bar:
            bar.set_postfix_str(name)
            started = time.perf_counter()
            lines = job(day, None)
            elapsed = time.perf_counter() - started
            errors = sum(bool(line.error) for line in lines)
            failed += errors
            log.info(
                "eod job %s",
                name,
                extra={
                    "event": "eod_job",
                    "job": name,
                    "business_date": day.isoformat(),
                    "seconds": round(elapsed, 3),
                    "lines": len(lines),
                    "errors": errors,
                },
            )
            with tqdm.external_write_mode(file=sys.stderr):  # the bar steps aside for the lines
                if not lines:
                    self.stdout.write(f"[{name}] 没有到期的步骤。")
                for line in lines:
                    text = "失败：" + line.error if line.error else line.text
                    self.stdout.write(f"[{name}] {line.subject}: {text}")
        return failed
