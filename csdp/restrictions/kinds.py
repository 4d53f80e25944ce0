"""The four-eyes kinds of the rights restrictions (csdp.approvals): an operator prepares, a different
reviewer approves; ``apply`` runs in the approving transaction."""

from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind
from csdp.restrictions import services_deduct as dd
from csdp.restrictions import services_freeze as fz
from csdp.restrictions import services_pledge as pl
from csdp.restrictions import services_release as rl
from csdp.restrictions import services_transfer as tr

PREPARERS = {Role.OPERATOR, Role.ADMIN}
APPROVERS = {Role.REVIEWER, Role.ADMIN}

for code, label, apply in [
    (pl.KIND_PLEDGE, "证券质押登记", pl.apply_pledge),
    (rl.KIND_RELEASE, "解除质押", rl.apply_release),
    (fz.KIND_FREEZE, "司法冻结（含轮候冻结）", fz.apply_freeze),
    (fz.KIND_RENEW, "续冻", fz.apply_renew),
    (fz.KIND_UNFREEZE, "解除冻结（全部或部分）", fz.apply_unfreeze),
    (dd.KIND_DEDUCT, "司法扣划", dd.apply_deduct),
    (tr.KIND_TRANSFER, "非交易过户", tr.apply_transfer),
]:
    register_kind(code=code, label=label, apply=apply, preparers=PREPARERS, approvers=APPROVERS)
