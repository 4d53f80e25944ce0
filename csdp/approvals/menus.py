from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

register(
    MenuItem(
        section="业务复核",
        label="复核（四眼）",
        url_name="approvals:list",
        roles={Role.ADMIN, Role.OPERATOR, Role.REVIEWER},
        order=300,
    )
)
