from csdp.accounts.roles import STAFF_ROLES, Role
from csdp.accounts.menu import MenuItem, register

# 004 §八, §十一, §十四, §十五: the board's own screens.
_USERS = {Role.PLEDGE_USER}
_SECTION = "证券质押信息平台"
register(
    MenuItem(
        section=_SECTION, label="信息浏览与筛选", url_name="pledge:board", roles=_USERS | set(STAFF_ROLES), order=300
    )
)
register(MenuItem(section=_SECTION, label="信息发布", url_name="pledge:posting_new", roles=_USERS, order=301))
register(MenuItem(section=_SECTION, label="已提交信息管理", url_name="pledge:my_postings", roles=_USERS, order=302))
register(MenuItem(section=_SECTION, label="私信", url_name="pledge:threads", roles=_USERS, order=303))
register(MenuItem(section=_SECTION, label="用户信息维护", url_name="pledge:profile", roles=_USERS, order=304))
register(
    MenuItem(
        section="质押信息平台管理", label="信息审核", url_name="pledge:review_queue", roles=set(STAFF_ROLES), order=300
    )
)
register(
    MenuItem(
        section="质押信息平台管理", label="举报与私信监管", url_name="pledge:reports", roles=set(STAFF_ROLES), order=301
    )
)
register(
    MenuItem(section="质押信息平台管理", label="用户管理", url_name="pledge:users", roles=set(STAFF_ROLES), order=302)
)
register(
    MenuItem(
        section="质押信息平台管理",
        label="出借方申请",
        url_name="pledge:lender_queue",
        roles=set(STAFF_ROLES),
        order=303,
    )
)
register(
    MenuItem(
        section="质押信息平台管理", label="利率与证券种类", url_name="pledge:rules", roles=set(STAFF_ROLES), order=304
    )
)
# 004 §六(一): the custody participant confirms its clients' registrations (accounts without a mobile).
register(
    MenuItem(
        section="证券质押信息平台",
        label="投资者注册确认",
        url_name="pledge:holder_confirmations",
        roles={Role.PARTICIPANT},
        order=310,
    )
)
