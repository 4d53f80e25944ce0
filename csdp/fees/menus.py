"""Left function bar entries: payers see their notices and invoices; everyone may read the schedule."""

from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

PAYERS = {Role.ISSUER, Role.UNDERWRITER, Role.PARTICIPANT}
OFFICE = {Role.OPERATOR, Role.ADMIN}

register(MenuItem(section="费用与发票", label="付款通知与发票", url_name="fees:notice_list", roles=PAYERS, order=700))
register(MenuItem(section="费用与发票", label="收费标准", url_name="fees:schedule", roles=PAYERS, order=710))
register(
    MenuItem(
        section="收费",
        label="付款通知",
        url_name="fees:notice_list",
        roles={Role.REVIEWER, Role.OPERATOR, Role.ADMIN},
        order=700,
    )
)
register(
    MenuItem(
        section="收费",
        label="收费标准",
        url_name="fees:schedule",
        roles={Role.REVIEWER, Role.OPERATOR, Role.ADMIN},
        order=710,
    )
)
