from csdp.accounts.roles import Role
from csdp.portal.menu import MenuItem, register

register(MenuItem(section="系统管理", label="用户管理", url_name="accounts:user_list", roles={Role.ADMIN}, order=900))
