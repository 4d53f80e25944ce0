"""The demo world: one login per role (printed by `make demo`, shown on the demo login page).

Other apps add their part of the world with ``register_seeder``; `csdp demo` runs every seeder in
order, each idempotent (get-or-create by natural key), so running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from csdp.accounts.models import Institution, User
from csdp.accounts.roles import InstitutionKind, StaffRole

DEMO_PASSWORD = "Demo-2026!"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role_label: str
    display_name: str
    institution: tuple[str, str, str] | None = None  # (kind, name, code)
    staff_role: str = ""
    note: str = ""


ISSUER_A = (InstitutionKind.ISSUER, "北京悦龙科技股份有限公司", "920188")
ISSUER_B = (InstitutionKind.ISSUER, "北京星河精密机械股份有限公司", "920219")
UNDERWRITER = (InstitutionKind.UNDERWRITER, "华信证券股份有限公司", "UW001")
PARTICIPANT = (InstitutionKind.PARTICIPANT, "东方财通证券股份有限公司", "P0001")
PLEDGE = (InstitutionKind.PLEDGE_USER, "张明（个人投资者）", "PL0001")

DEMO_USERS = [
    DemoUser(
        "issuer_a", "发行人", "王经办", ISSUER_A, note="悦龙科技经办人；首次登录前先启用软件 USB-KEY（见下方说明）"
    ),
    DemoUser("issuer_b", "发行人", "李经办", ISSUER_B, note="星河精机经办人"),
    DemoUser("underwriter", "主承销商", "赵承销", UNDERWRITER),
    DemoUser("participant", "结算参与人", "钱清算", PARTICIPANT),
    DemoUser("pledger", "质押信息平台用户", "张明", PLEDGE),
    DemoUser("reviewer", "审核", "孙审核", staff_role=StaffRole.REVIEWER, note="本公司审核岗"),
    DemoUser("operator", "业务办理", "周办理", staff_role=StaffRole.OPERATOR, note="本公司业务办理岗"),
    DemoUser("admin", "管理员", "吴管理", staff_role=StaffRole.ADMIN, note="本公司系统管理员"),
]

_SEEDERS: list[tuple[int, Callable[[], None]]] = []


def register_seeder(order: int) -> Callable:
    def decorate(fn: Callable[[], None]) -> Callable[[], None]:
        if all(existing is not fn for _, existing in _SEEDERS):
            _SEEDERS.append((order, fn))
        return fn

    return decorate


def _institution(spec: tuple[str, str, str]) -> Institution:
    kind, name, code = spec
    institution, _ = Institution.objects.get_or_create(kind=kind, code=code, defaults={"name": name})
    return institution


@register_seeder(order=0)
def seed_users() -> None:
    for spec in DEMO_USERS:
        if User.objects.filter(username=spec.username).exists():
            continue
        user = User(
            username=spec.username,
            display_name=spec.display_name,
            institution=_institution(spec.institution) if spec.institution else None,
            staff_role=spec.staff_role,
            mobile="13800000000",
            email=f"{spec.username}@demo.csdp.local",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()


def demo_seed() -> None:
    with transaction.atomic():
        for _, seeder in sorted(_SEEDERS, key=lambda pair: pair[0]):
            seeder()
