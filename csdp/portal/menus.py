from csdp.accounts.roles import MEMBER_ROLES, STAFF_ROLES
from csdp.accounts.menu import MenuItem, register

register(
    MenuItem(section="我的", label="申请列表", url_name="portal:my_applications", roles=set(MEMBER_ROLES), order=10)
)
register(MenuItem(section="工作台", label="待办", url_name="portal:staff_queue", roles=set(STAFF_ROLES), order=10))
