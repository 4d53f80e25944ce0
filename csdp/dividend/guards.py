"""Share-changing business is suspended for a security from its 权益分派's approval until R's end of day.

Why: the cash to fund is the issued capital × the rate. The issuer funds it by the deadline (R−2
trading days, rules.md §12 委托代派) and R's end of day checks it again against R's register; a share
issued or cancelled in between would make full funding short (the whole cash part would not proceed) or
leave a surplus. Issuers suspend what changes their share count over the same window — convertible-bond
conversion and option exercise are suspended from the announcement until R (*assumption*: common issuer
practice in 权益分派实施公告, not in the seeds; docs/dividend.md "Share-changing business during a
distribution"). The register asks this guard inside every transaction that would move the issued capital
(csdp.register.capital.issued_capital_move, the securities' rows locked), so no path is left out: the
counter's 初始登记 and 新增股份, a greenshoe or an IPO registration, a cancellation. Transfers, freezes,
pledges and lock-up releases do not change the issued capital and go on. R's end of day (status no longer
SCHEDULED) or a withdrawal lifts it; so does R's date passing with its end of day missed, since a late R
reads the register as of R (steps.step_entitle) and a change dated after R cannot reach it."""

from __future__ import annotations

from csdp.clock.services import business_today
from csdp.dividend.models import Distribution, Status


def capital_change_refusal(security_ids: list[int]) -> str | None:
    """The reason shares of these securities may not be issued or cancelled now, or None."""
    live = (
        Distribution.objects.filter(
            security_id__in=security_ids, status=Status.SCHEDULED, record_date__gte=business_today()
        )
        .select_related("security")
        .order_by("security_id", "record_date")
        .first()
    )
    if live is None:
        return None
    return (
        f"证券 {live.security.code} 正在实施权益分派（股权登记日 {live.record_date}），"
        f"股权登记日日终处理完成前暂停办理增加或减少股本的登记业务，请于 {live.record_date} 之后的交易日办理。"
    )
