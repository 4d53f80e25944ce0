import datetime as dt

from django.core.management.base import CommandError

from csdp.clock.services import SHANGHAI, clock_now, clock_reset, clock_set, is_trading_day
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "业务时钟：show 显示；set 2026-03-16T15:31 [--frozen] 设置（仅演示/测试环境）；reset 恢复真实时间"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["show", "set", "reset"])
        parser.add_argument("moment", nargs="?", help="北京时间，如 2026-03-16T15:31")
        parser.add_argument("--frozen", action="store_true", help="冻结在该时刻（默认从该时刻起继续走时）")

    def handle(self, *args, action, moment=None, frozen=False, **options):
        if action == "set":
            if not moment:
                raise CommandError("请给出时刻，如 csdp clock set 2026-03-16T15:31")
            try:
                parsed = dt.datetime.fromisoformat(moment)
            except ValueError:
                raise CommandError(f"无法识别的时刻：{moment}（格式 2026-03-16T15:31）") from None
            clock_set(moment=parsed, frozen=frozen)
        elif action == "reset":
            clock_reset()
        now = clock_now().astimezone(SHANGHAI)
        day_kind = "交易日" if is_trading_day(now.date()) else "非交易日"
        self.stdout.write(f"业务时间 {now:%Y-%m-%d %H:%M:%S} (北京时间, {day_kind})")
