from csdp.accounts.roles import Role
from csdp.keys.models import KeyModel  # noqa: F401  (the models load before the menu; keeps import order stable)
from csdp.accounts.menu import MenuItem, register

MEMBER_ROLES = {Role.ISSUER, Role.UNDERWRITER, Role.PARTICIPANT, Role.PLEDGE_USER}
STAFF_ROLES = {Role.REVIEWER, Role.OPERATOR, Role.ADMIN}

# 000 §二(四): 用户设置 → 国密证书管理; §一(四): 用户设置（修改 PIN 码）
register(
    MenuItem(section="用户设置", label="国密证书管理", url_name="keys:certificates", roles=MEMBER_ROLES, order=950)
)
register(MenuItem(section="用户设置", label="修改 PIN 码", url_name="keys:pin_change", roles=MEMBER_ROLES, order=951))
register(MenuItem(section="系统管理", label="USB-KEY 管理", url_name="keys:admin", roles=STAFF_ROLES, order=910))
