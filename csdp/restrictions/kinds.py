"""The four-eyes kinds of the rights restrictions (csdp.approvals): an operator prepares, a different
reviewer approves; ``apply`` runs in the approving transaction."""

from collections.abc import Callable

from csdp.accounts.roles import Role
from csdp.approvals.kinds import Shown, register_kind
from csdp.restrictions import services_deduct as dd
from csdp.restrictions import services_freeze as fz
from csdp.restrictions import services_pledge as pl
from csdp.restrictions import services_release as rl
from csdp.restrictions import services_transfer as tr

PREPARERS = {Role.OPERATOR, Role.ADMIN}
APPROVERS = {Role.REVIEWER, Role.ADMIN}


def _shares(n) -> str:
    return f"{n:,} 股" if isinstance(n, int) else "—"


def _plain(value) -> str:
    return "—" if value in (None, "") else str(value)


# What the reviewer reads of the kinds' payloads (their keys are the services' field names, which ``apply``
# reads): a label and a formatter per key; ids, digests and schedules are the services' and are not shown.
_FIELDS: dict[str, tuple[str, Callable[[object], str]]] = {
    "number": ("编号", _plain),
    "court": ("执行法院", _plain),
    "document_number": ("协助执行通知书文号", _plain),
    "document": ("过户依据文件", _plain),
    "reason": ("过户原因", _plain),
    "account": ("出质人证券账户", _plain),
    "account_number": ("证券账户", _plain),
    "from_account": ("过出方证券账户", _plain),
    "to_account": ("过入方证券账户", _plain),
    "security": ("证券代码", _plain),
    "security_code": ("证券代码", _plain),
    "pledge": ("质押编号", _plain),
    "whole_holding": ("冻结范围", lambda v: "全部持有" if v else "指定数量"),
    "quantity_shares": ("数量", _shares),
    "share_nature": ("股份性质", lambda v: _plain(v) if v else "不指定"),
    "lockup_end": ("限售截止日", _plain),
    "start_date": ("冻结起始日", _plain),
    "end_date": ("冻结截止日", _plain),
    "applicant": ("申请及缴费方", lambda v: {"to": "过入方", "from": "过出方"}.get(str(v), _plain(v))),
    "fee_fen": ("过户费", lambda v: f"{v / 100:,.2f} 元" if isinstance(v, int) else "—"),
    "files": ("附件", lambda v: f"{len(v)} 份" if isinstance(v, list) else "—"),
}


def describe(approval) -> list[Shown]:
    """The payload (and, once applied, the result) in the reviewer's words, in their order; a key with no
    label is left out."""
    shown = []
    for key, value in [*(approval.payload or {}).items(), *(approval.result or {}).items()]:
        if key in _FIELDS:
            label, text = _FIELDS[key]
            shown.append(Shown(label, text(value)))
    return shown


for code, label, apply in [
    (pl.KIND_PLEDGE, "证券质押登记", pl.apply_pledge),
    (rl.KIND_RELEASE, "解除质押", rl.apply_release),
    (fz.KIND_FREEZE, "司法冻结（含轮候冻结）", fz.apply_freeze),
    (fz.KIND_RENEW, "续冻", fz.apply_renew),
    (fz.KIND_UNFREEZE, "解除冻结（全部或部分）", fz.apply_unfreeze),
    (dd.KIND_DEDUCT, "司法扣划", dd.apply_deduct),
    (tr.KIND_TRANSFER, "非交易过户", tr.apply_transfer),
]:
    register_kind(code=code, label=label, apply=apply, preparers=PREPARERS, approvers=APPROVERS, describe=describe)
