from csdp.accounts.menu import MenuItem, register
from csdp.accounts.roles import Role

# The roles each entry lists are the views' own (@allow in views.py): roster_query issuer and staff,
# holding_files participant and staff.
STAFF: set[str] = {Role.REVIEWER, Role.OPERATOR, Role.ADMIN}
# Issuer: its own codes' 持有人名册 (as of a day) and 持股变动, downloaded at once.
register(
    MenuItem(
        section="证券登记", label="持有人名册查询", url_name="register:roster_query", roles={Role.ISSUER}, order=420
    )
)
# Participant: the GFBD files of its custody clients, between its 权利限制 (413) and 权益分派 (471) files.
register(
    MenuItem(
        section="证券登记",
        label="持股变动数据文件（GFBD）",
        url_name="register:holding_files",
        roles={Role.PARTICIPANT},
        order=421,
    )
)
register(MenuItem(section="登记存管", label="持有人名册查询", url_name="register:roster_query", roles=STAFF, order=317))
register(
    MenuItem(section="登记存管", label="持股变动数据文件", url_name="register:holding_files", roles=STAFF, order=318)
)
