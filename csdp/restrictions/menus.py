from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

STAFF = {Role.ADMIN, Role.OPERATOR, Role.REVIEWER}
register(
    MenuItem(
        section="证券质押",
        label="我的质押登记",
        url_name="restrictions:pledge_list",
        roles={Role.PLEDGE_USER},
        order=520,
    )
)
register(
    MenuItem(section="权利限制", label="质押登记审核", url_name="restrictions:staff_pledges", roles=STAFF, order=410)
)
register(MenuItem(section="权利限制", label="司法冻结", url_name="restrictions:freeze_list", roles=STAFF, order=411))
register(
    MenuItem(section="权利限制", label="非交易过户", url_name="restrictions:transfer_list", roles=STAFF, order=412)
)
register(
    MenuItem(
        section="权利限制",
        label="权利限制数据文件",
        url_name="restrictions:files",
        roles={Role.PARTICIPANT} | STAFF,
        order=413,
    )
)
