from csdp.accounts.roles import Role
from csdp.accounts.menu import MenuItem, register

register(
    MenuItem(
        section="资金结算",
        label="资金账户与对账单",
        url_name="ledger:account_list",
        roles={Role.REVIEWER, Role.OPERATOR, Role.ADMIN},
        order=400,
    )
)
register(
    MenuItem(
        section="资金结算",
        label="结算备付金余额",
        url_name="ledger:my_reserve",
        roles={Role.PARTICIPANT, Role.UNDERWRITER},
        order=410,
    )
)
