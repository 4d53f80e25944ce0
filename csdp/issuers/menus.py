"""Left function bar entries (000 §一(四) 图: 北京市场发行人服务 … 本机构信息维护、经办人信息维护、增值税发票信息)."""

from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

SECTION = "北京市场发行人服务"
register(
    MenuItem(
        section=SECTION, label="本机构信息维护", url_name="issuers:institution_info", roles={Role.ISSUER}, order=310
    )
)
register(
    MenuItem(section=SECTION, label="经办人信息维护", url_name="issuers:agent_info", roles={Role.ISSUER}, order=320)
)
register(
    MenuItem(section=SECTION, label="增值税发票信息", url_name="issuers:invoice_info", roles={Role.ISSUER}, order=330)
)
register(
    MenuItem(section="审核", label="注册审核", url_name="issuers:registration_queue", roles={Role.REVIEWER}, order=110)
)
register(
    MenuItem(
        section="审核",
        label="信息变更审核",
        url_name="issuers:info_application_queue",
        roles={Role.REVIEWER},
        order=120,
    )
)
