import datetime as dt

from django.core.management.base import CommandError

from csdp.clock.models import ClosedDay
from csdp.clock.services import CalendarError, business_today, closed_day_add, closed_day_remove, trading_day_offset, trading_days_between
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "交易日历：list YEAR | close DATE REASON | open DATE | offset DATE N"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "close", "open", "offset"])
        parser.add_argument("values", nargs="*")

    def handle(self, *args, action, values, **options):
        try:
            if action == "list":
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
