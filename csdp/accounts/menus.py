from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

register(MenuItem(section="系统管理", label="用户管理", url_name="accounts:user_list", roles={Role.ADMIN}, order=900))
register(
    MenuItem(section="用户设置", label="修改密码", url_name="accounts:password_change", roles=set(Role), order=952)
)
register(
    MenuItem(section="系统管理", label="机构管理", url_name="accounts:institution_list", roles={Role.ADMIN}, order=901)
)
register(MenuItem(section="用户设置", label="API 令牌", url_name="accounts:token_list", roles=set(Role), order=953))
