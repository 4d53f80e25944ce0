from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

register(
    MenuItem(
        section="系统管理",
        label="交易日历",
        url_name="clock:calendar",
        roles={Role.ADMIN, Role.OPERATOR, Role.REVIEWER},
        order=910,
    )
)
