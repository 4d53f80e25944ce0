from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

_SEEN_BY = {Role.REVIEWER, Role.OPERATOR, Role.ADMIN, Role.ISSUER, Role.UNDERWRITER}
register(
    MenuItem(section="北交所公开发行", label="超额配售选择权", url_name="greenshoe:list", roles=_SEEN_BY, order=210)
)
register(
    MenuItem(
        section="北交所公开发行",
        label="登记超额配售选择权",
        url_name="greenshoe:option_new",
        roles={Role.OPERATOR, Role.ADMIN},
        order=211,
    )
)
