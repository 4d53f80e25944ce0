"""The 附件1 timeline of one offering as the pages show it: each milestone with its date, cut-off,
who acts, and whether it is done, due now, or later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.utils import timezone

from csdp.clock.services import at_local, business_today, clock_now
from csdp.ipo.models import EodStep, Offering, OfferingStatus, RefundItem, StopStage

_ORDER = [
    OfferingStatus.PREPARING,
    OfferingStatus.APPLIED,
    OfferingStatus.SUBSCRIBING,
    OfferingStatus.CLEARED,
    OfferingStatus.SETTLED,
    OfferingStatus.PAID,
    OfferingStatus.REGISTERED,
    OfferingStatus.LISTED,
]


@dataclass(frozen=True)
class Milestone:
    day: dt.date
    label: str
    who: str
    source: str
    done: bool
    deadline: dt.datetime | None = None
    passed: bool = False  # not done here, but the offering has gone on past it (e.g. filed outside the platform)

    @property
    def state(self) -> str:
        if self.done:
            return "done"
        if self.passed:
            return "passed"
        now = clock_now()
        if self.deadline and now > self.deadline:
            return "late"
        return "due" if self.day <= business_today() else "later"


def _reached(offering: Offering, status: str) -> bool:
    if offering.status in (OfferingStatus.FAILED, OfferingStatus.SUSPENDED):
        return offering.transitions.filter(to_state=status).exists()
    return _ORDER.index(offering.status) >= _ORDER.index(status)


def timeline(offering: Offering) -> list[Milestone]:
    t, t1, t2 = offering.t_date, offering.day(1), offering.day(2)
    steps = set(offering.step_runs.filter(status="done").values_list("step", flat=True))
    items = [
        # Done only if the application was really filed: an offering may pass this status by.
        Milestone(
            offering.day(-1),
            "提交新股发行登记申请（限售股东、暂停业务承诺、代码切换申请）",
            "发行人",
            "002 §2.1.1",
            offering.transitions.filter(to_state=OfferingStatus.APPLIED).exists(),
        ),
        Milestone(
            offering.day(-1),
            "报备自营结算备付金账户",
            "主承销商",
            "002 §3.2.1",
            offering.underwriter_account_id is not None,
            at_local(t, 0, 0),
        ),
        Milestone(t, "接收北交所申购数据", "本公司", "002 §4.1.1", EodStep.T_LOAD in steps),
        Milestone(t, "T日日终清算，发送申购清算数据", "本公司", "002 §4.1.1", EodStep.T_FILES in steps),
        Milestone(
            t1,
            "申报申购资金不足的投资者（附件5）",
            "结算参与人",
            "002 §4.1.2(四)",
            _reached(offering, OfferingStatus.SETTLED),
            at_local(t1, 15, 30),
        ),
        Milestone(
            t1,
            "足额申购资金存入综合结算备付金账户",
            "结算参与人",
            "002 §4.1.2(二)",
            _reached(offering, OfferingStatus.SETTLED),
            at_local(t1, 16, 0),
        ),
        Milestone(
            t1,
            "T+1日日终冻结、无效处理、配售、扣款与解冻，发送数据",
            "本公司",
            "002 §4.1.2–4.1.3",
            EodStep.T1_FILES in steps,
        ),
        Milestone(t2, "认购资金划至发行人银行账户", "主承销商", "002 §3.2.2", _reached(offering, OfferingStatus.PAID)),
        Milestone(t2, "划回申购余款", "结算参与人", "002 §4.1.4", _reached(offering, OfferingStatus.PAID)),
        Milestone(
            t2,
            "填报余股、战略配售、网下发行明细",
            "发行人",
            "002 §2.1.2(一)–(三)",
            _reached(offering, OfferingStatus.REGISTERED),
        ),
        Milestone(
            offering.day(2),
            "确认股份登记数据并缴纳股份登记费（T+2 至 L-2）",
            "发行人",
            "002 §2.1.2(四)(五)",
            _reached(offering, OfferingStatus.REGISTERED),
        ),
    ]
    if offering.old_code:
        items.append(
            Milestone(
                offering.l_minus_1,
                f"代码切换 {offering.old_code} → {offering.code}",
                "本公司",
                "002 §2.1.2(七)",
                "code_switch" in steps,
            )
        )
        items.append(
            Milestone(
                offering.l_minus_1,
                "确认代码切换结果",
                "发行人",
                "002 §2.1.2(七)",
                offering.code_switch_confirmed_at is not None,
            )
        )
    items.append(
        Milestone(
            offering.listing_date,
            "上市；查看股份登记结果",
            "发行人",
            "002 §2.1.2(八)",
            _reached(offering, OfferingStatus.LISTED),
        )
    )
    items = _passed_marked(items)
    stop = getattr(offering, "stop", None)
    if stop is None:
        return items
    # A stopped offering: what happened before it, then what 第五章 asks for from its stage on.
    return [m for m in items if m.done] + stop_milestones(offering, stop, steps)


def _passed_marked(items: list[Milestone]) -> list[Milestone]:
    """A step not done while a later one of the same list is: the offering went on without it here,
    so it is neither due nor late (the list must match the offering's state, issue 19 §9)."""
    last_done = max((i for i, m in enumerate(items) if m.done), default=-1)
    return [replace(m, passed=True) if not m.done and i < last_done else m for i, m in enumerate(items)]


def stop_milestones(offering: Offering, stop, steps: set[str]) -> list[Milestone]:
    refunded = set(offering.stop_refunds.values_list("item", flat=True))
    day = timezone.localtime(stop.confirmed_at).date()
    items = [Milestone(day, f"北交所确认{stop.get_kind_display()}（{stop.reference}）", "本公司", "002 第五章", True)]
    if stop.stage == StopStage.BEFORE_T_EOD:
        items.append(
            Milestone(
                offering.t_date,
                "不发送申购清算数据；结算参与人于T日日终解冻客户资金",
                "结算参与人",
                "002 §5.1",
                business_today() > offering.t_date,
            )
        )
        return items
    if stop.stage == StopStage.BEFORE_T1_EOD:
        items.append(
            Milestone(
                offering.day(1),
                "T+1日日终解冻结算参与人资金，发送资金解冻数据",
                "本公司",
                "002 §5.2",
                EodStep.STOP_UNFREEZE in steps,
            )
        )
        items.append(
            Milestone(
                offering.day(2), "向投资者返还解冻资金", "结算参与人", "002 §5.2", business_today() > offering.day(2)
            )
        )
    items.append(
        Milestone(
            offering.day(2),
            "申请返还冻结资金利息（虚拟柜台 15，主承销商申请）",
            "主承销商",
            f"002 §{stop.stage}",
            RefundItem.INTEREST in refunded,
        )
    )
    if stop.stage == StopStage.BEFORE_LISTING and "registration" in steps:
        items.append(
            Milestone(
                day,
                "申请返还认购资金本金并注销已登记到账股份（虚拟柜台 15）",
                "发行人、主承销商",
                "002 第五章",
                RefundItem.CANCELLATION in refunded,
            )
        )
    return items
