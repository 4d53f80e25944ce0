"""The four-eyes kinds of the rights restrictions (csdp.approvals): an operator prepares, a different
reviewer approves; ``apply`` runs in the approving transaction."""

from collections.abc import Callable

from csdp.accounts.roles import Role
from csdp.approvals.kinds import Shown, register_kind
from csdp.fees.money import fen_to_yuan
from csdp.register.models import ShareNature
from csdp.restrictions import services_deduct as dd
from csdp.restrictions import services_freeze as fz
from csdp.restrictions import services_pledge as pl
from csdp.restrictions import services_release as rl
from csdp.restrictions import services_transfer as tr
from csdp.restrictions.models import TransferReason

PREPARERS = {Role.OPERATOR, Role.ADMIN}
APPROVERS = {Role.REVIEWER, Role.ADMIN}


def _shares(n) -> str:
    return f"{n:,} 股" if isinstance(n, int) else "—"


def _plain(value) -> str:
    return "—" if value in (None, "") else str(value)


def _yuan(fen) -> str:
    return f"{fen_to_yuan(fen):,.2f} 元" if isinstance(fen, int) else "—"


def _label(choices) -> Callable[[object], str]:
    """A stored code in its Chinese label (the code itself if the choices no longer know it)."""
    return lambda v: str(choices(v).label) if v in choices.values else _plain(v)


# What the reviewer reads of the kinds' payloads (their keys are the services' field names, which ``apply``
# reads): a label and a formatter per key; ids, digests and schedules are the services' and are not shown.
_FIELDS: dict[str, tuple[str, Callable[[object], str]]] = {
    "number": ("编号", _plain),
    "court": ("执行法院", _plain),
    "document_number": ("协助执行通知书文号", _plain),
    "document": ("过户依据文件", _plain),
    "reason": ("过户原因", _label(TransferReason)),
    "account": ("出质人证券账户", _plain),
    "account_number": ("证券账户", _plain),
    "from_account": ("过出方证券账户", _plain),
    "to_account": ("过入方证券账户", _plain),
    "security": ("证券代码", _plain),
    "security_code": ("证券代码", _plain),
    "pledge": ("质押编号", _plain),
    "whole_holding": ("冻结范围", lambda v: "全部持有" if v else "指定数量"),
    "quantity_shares": ("数量", _shares),
    "share_nature": ("股份性质", lambda v: _label(ShareNature)(v) if v else "不指定"),
    "lockup_end": ("限售截止日", _plain),
    "start_date": ("冻结起始日", _plain),
    "end_date": ("冻结截止日", _plain),
    "applicant": ("申请及缴费方", lambda v: {"to": "过入方", "from": "过出方"}.get(str(v), _plain(v))),
    "fee_fen": ("过户费", _yuan),
    "files": ("附件", lambda v: f"{len(v)} 份" if isinstance(v, list) else "—"),
}


# The results ``apply`` returns are keyed in Chinese already and their numbers are shares — except the fee
# that transfers applied before it moved to the payload alone stored in fen under this key.
_RESULT_FEN = {"过户费（分）": "过户费"}


def _result_line(key: str, value) -> Shown | None:
    if key in _RESULT_FEN:
        return Shown(_RESULT_FEN[key], _yuan(value))
    if key.isascii():  # a field name, not a label
        return None
    return Shown(key, _shares(value) if isinstance(value, int) and not isinstance(value, bool) else _plain(value))


def describe(approval) -> list[Shown]:
    """The payload and, once applied, the result in the reviewer's words, in their order; a payload key with
    no label is left out, and a result line the payload already shows is not repeated."""
    shown = [Shown(_FIELDS[k][0], _FIELDS[k][1](v)) for k, v in (approval.payload or {}).items() if k in _FIELDS]
    for key, value in (approval.result or {}).items():
        line = _result_line(key, value)
        if line is not None and line not in shown:
            shown.append(line)
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
