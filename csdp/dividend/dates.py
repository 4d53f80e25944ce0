"""The distribution's dates from the record date R and the trading calendar (rules.md §12, §6).

Default rule (configurable by environment, each an offset in trading days from R):

    除权除息日  R+1   CSDP_DIVIDEND_EX_OFFSET      (rules.md §12, confirmed)
    派息日      R+1   CSDP_DIVIDEND_PAY_OFFSET     (SSE A-share practice: cash on the ex-date; assumption)
    红股上市日  R+2   CSDP_DIVIDEND_LIST_OFFSET    (bonus shares trade the day after the ex-date; assumption)
    代派资金截止 R−2   CSDP_DIVIDEND_FUNDING_DAYS_BEFORE (2)(SSE practice R−2, rules.md §12: deadline an assumption)

R itself must be a trading day (ChinaClear offers no register for non-trading days, rules.md §11).

The offsets must keep R ≤ 除权除息日 ≤ 派息日 ≤ 红股上市日: the end-of-day steps run in that order
(entitle at R, pay, then register: runner.py), and cash paid before its ex-date has no meaning. A configuration that breaks the order is refused at start-up
(``check_offsets``, a Django system check) and by ``dates_for`` itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import checks

from csdp.clock.services import is_trading_day, trading_day_offset
from csdp.lib.env import ConfigError

# (offset key, date's name, its environment variable), in the order the dates must keep after R
ORDER = (
    ("ex", "除权除息日", "CSDP_DIVIDEND_EX_OFFSET"),
    ("pay", "派息日", "CSDP_DIVIDEND_PAY_OFFSET"),
    ("list", "红股上市日", "CSDP_DIVIDEND_LIST_OFFSET"),
)


@dataclass(frozen=True)
class Dates:
    record_date: dt.date
    ex_date: dt.date
    pay_date: dt.date
    list_date: dt.date
    funding_deadline: dt.date


def offsets() -> dict[str, int]:
    """The configured offsets in trading days from R (the funding deadline's negative)."""
    return dict(settings.CSDP_DIVIDEND_OFFSETS)


def offsets_problem(configured: dict[str, int]) -> str | None:
    """Why the offsets break R ≤ 除权除息日 ≤ 派息日 ≤ 红股上市日, or None. (The deadline is before R
    already: its variable counts days before R, at least 1, csdp/settings/base.py.)"""
    earlier_offset, earlier = 0, "股权登记日（R）"
    for key, name, variable in ORDER:
        if configured[key] < earlier_offset:
            return (
                f"权益分派日期规则配置有误：{name}（R{configured[key]:+d}，{variable}）早于{earlier}；"
                "应为 股权登记日 ≤ 除权除息日 ≤ 派息日 ≤ 红股上市日。"
            )
        earlier_offset, earlier = configured[key], f"{name}（R{configured[key]:+d}，{variable}）"
    return None


def check_offsets(app_configs, **kwargs) -> list[checks.Error]:
    """The system check (registered in apps.py): a broken rule is reported when the process starts."""
    problem = offsets_problem(offsets())
    return [checks.Error(problem, id="dividend.E001")] if problem else []


def dates_for(record_date: dt.date) -> Dates:
    configured = offsets()
    problem = offsets_problem(configured)
    if problem:  # a configuration error, not the filer's: not a ValueError the form would show as theirs
        raise ConfigError(problem)
    if not is_trading_day(record_date):
        raise ValueError(f"股权登记日 {record_date} 不是交易日。")
    return Dates(
        record_date=record_date,
        ex_date=trading_day_offset(record_date, configured["ex"]),
        pay_date=trading_day_offset(record_date, configured["pay"]),
        list_date=trading_day_offset(record_date, configured["list"]),
        funding_deadline=trading_day_offset(record_date, configured["funding"]),
    )


def rule_text() -> str:
    """The configured rule in words, for the issuer's guide and messages."""
    configured = offsets()
    return f"股权登记日后第 {configured['ex']}、{configured['pay']}、{configured['list']} 个交易日"


def deadline_text() -> str:
    return f"股权登记日前 {-offsets()['funding']} 个交易日"
