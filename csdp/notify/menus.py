from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

register(
    MenuItem(
        section="系统管理",
        label="消息发件箱",
        url_name="notify:outbox",
        roles={Role.ADMIN, Role.OPERATOR, Role.REVIEWER},
        order=920,
    )
)
