from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

register(
    MenuItem(
        section="权益分派",
        label="权益分派",
        url_name="dividend:list",
        roles={Role.REVIEWER, Role.OPERATOR, Role.ADMIN, Role.ISSUER},
        order=470,
    )
)
register(
    MenuItem(
        section="权益分派",
        label="权益分派数据文件",
        url_name="dividend:files",
        roles={Role.REVIEWER, Role.OPERATOR, Role.ADMIN, Role.PARTICIPANT},
        order=471,
    )
)
