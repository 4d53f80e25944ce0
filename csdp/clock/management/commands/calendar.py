import datetime as dt

from django.core.management.base import CommandError

from csdp.clock.models import ClosedDay
from csdp.clock.services import (
    CalendarError,
    business_today,
    calendar_year_load,
    closed_day_add,
    closed_day_remove,
    closed_days_from_exchange_calendars,
    closed_days_parse,
    trading_day_offset,
    trading_days_between,
)
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = (
        "交易日历：list YEAR | close DATE REASON | open DATE | offset DATE N | "
        "load YEAR (--file F | --exchange-calendars)"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "close", "open", "offset", "load"])
        parser.add_argument("values", nargs="*")
        parser.add_argument("--file", help="load：休市日文件，每行 YYYY-MM-DD,原因")
        parser.add_argument(
            "--exchange-calendars",
            action="store_true",
            help="load：从 exchange_calendars 的 XSHG 交易日数据导入（该包已有的年度）",
        )

    def handle(self, *args, action, values, **options):
        try:
            if action == "load":
                self._load(int(values[0]), options)
            elif action == "list":
                year = int(values[0]) if values else business_today().year
                start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
                for row in ClosedDay.objects.filter(date__range=(start, end)):
                    self.stdout.write(f"{row.date}  {row.reason}")
                self.stdout.write(f"{year} 年交易日 {len(trading_days_between(start, end))} 天")
            elif action == "close":
                closed_day_add(day=dt.date.fromisoformat(values[0]), reason=" ".join(values[1:]), actor="cli")
                self.stdout.write(f"已登记休市日 {values[0]}")
            elif action == "open":
                closed_day_remove(day=dt.date.fromisoformat(values[0]), reason="cli", actor="cli")
                self.stdout.write(f"已取消休市日 {values[0]}")
            else:
                self.stdout.write(trading_day_offset(dt.date.fromisoformat(values[0]), int(values[1])).isoformat())
        except CalendarError as error:
            raise CommandError(str(error)) from None
        except (IndexError, ValueError):
            raise CommandError("参数不正确，见 csdp calendar --help") from None

    def _load(self, year: int, options) -> None:
        if bool(options.get("file")) == bool(options.get("exchange_calendars")):
            raise CommandError("load 需要 --file F 或 --exchange-calendars 其中之一")
        if options.get("file"):
            with open(options["file"], encoding="utf-8") as source:
                closed = closed_days_parse(source.read(), year=year)
            origin = f"文件 {options['file']}"
        else:
            closed = closed_days_from_exchange_calendars(year)
            origin = "exchange_calendars XSHG"
        calendar_year_load(year=year, closed=closed, source=origin, actor=None)
        self.stdout.write(f"已导入 {year} 年休市安排：{len(closed)} 个休市日（{origin}）")
