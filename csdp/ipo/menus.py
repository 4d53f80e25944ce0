from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

_SEEN_BY = {Role.REVIEWER, Role.OPERATOR, Role.ADMIN, Role.ISSUER, Role.UNDERWRITER, Role.PARTICIPANT}
register(MenuItem(section="北交所公开发行", label="发行列表", url_name="ipo:offering_list", roles=_SEEN_BY, order=200))
register(
    MenuItem(
        section="北交所公开发行",
        label="登记新发行",
        url_name="ipo:offering_new",
        roles={Role.OPERATOR, Role.ADMIN},
        order=201,
    )
)
register(
    MenuItem(
        section="北交所公开发行",
        label="申购资金与数据文件",
        url_name="ipo:participant_home",
        roles={Role.PARTICIPANT},
        order=202,
    )
)
register(
    MenuItem(
        section="北交所公开发行",
        label="备付金对账",
        url_name="ipo:reserve_statement",
        roles={Role.PARTICIPANT, Role.UNDERWRITER},
        order=203,
    )
)
