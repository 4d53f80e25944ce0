from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

STAFF = {Role.REVIEWER, Role.OPERATOR, Role.ADMIN}
register(MenuItem(section="登记存管", label="证券信息", url_name="securities:security_list", roles=STAFF, order=300))
register(
    MenuItem(
        section="登记存管", label="投资者与证券账户查询", url_name="securities:account_lookup", roles=STAFF, order=310
    )
)
register(
    MenuItem(
        section="结算参与人服务",
        label="托管单元",
        url_name="securities:my_custody_units",
        roles={Role.PARTICIPANT},
        order=320,
    )
)
register(
    MenuItem(
        section="登记存管",
        label="主数据导入",
        url_name="securities:master_import",
        roles={Role.OPERATOR, Role.ADMIN},
        order=315,
    )
)
register(
    MenuItem(
        section="登记存管", label="结算参与人与托管单元", url_name="securities:participant_list", roles=STAFF, order=312
    )
)
register(
    MenuItem(
        section="登记存管",
        label="主数据维护",
        url_name="securities:master_record_list",
        roles={Role.OPERATOR, Role.ADMIN},
        order=316,
    )
)
