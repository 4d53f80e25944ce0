from csdp.accounts.roles import STAFF_ROLES, Role
from csdp.accounts.menu import MenuItem, register

# 000 §三(一)1: 发行人业务 → 发行人虚拟柜台. Lead underwriters file greenshoe and IPO types here too.
_FILERS = {Role.ISSUER, Role.UNDERWRITER}
register(MenuItem(section="发行人虚拟柜台", label="新申报业务", url_name="counter:notice", roles=_FILERS, order=100))
register(MenuItem(section="发行人虚拟柜台", label="业务列表", url_name="counter:list", roles=_FILERS, order=101))
register(MenuItem(section="发行人虚拟柜台", label="业务指南", url_name="counter:catalogue", roles=_FILERS, order=102))
# Clearing participants and pledge-board users file the types registered for them (e.g. 证券质押登记).
_OTHER_FILERS = {Role.PARTICIPANT, Role.PLEDGE_USER}
register(MenuItem(section="虚拟柜台", label="新申报业务", url_name="counter:notice", roles=_OTHER_FILERS, order=100))
register(MenuItem(section="虚拟柜台", label="业务列表", url_name="counter:list", roles=_OTHER_FILERS, order=101))
register(
    MenuItem(section="虚拟柜台办理", label="柜台业务队列", url_name="counter:queue", roles=set(STAFF_ROLES), order=100)
)
register(
    MenuItem(
        section="虚拟柜台办理", label="业务类型目录", url_name="counter:catalogue", roles=set(STAFF_ROLES), order=101
    )
)

# 000 §一(四): 北京市场发行人服务 — the seven businesses the issuer files at the counter, first in the
# left bar; each opens 新申报业务 with its business type chosen (catalogue codes 01–07).
ISSUER_SERVICES = "北京市场发行人服务"
for _order, (_code, _label) in enumerate(
    [
        ("01", "股份初始登记"),
        ("02", "新增股份登记"),
        ("03", "股份解除限售登记"),
        ("04", "股份限售登记"),
        ("05", "权益分派"),
        ("06", "退出登记"),
        ("07", "信息查询"),
    ]
):
    register(
        MenuItem(
            section=ISSUER_SERVICES,
            label=_label,
            url_name="counter:notice",
            roles={Role.ISSUER},
            order=1 + _order,
            query=f"type={_code}",
        )
    )
