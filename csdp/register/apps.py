from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "csdp.register"
    label = "register"
    verbose_name = "证券持有人名册"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.accounts.roles import Role
        from csdp.approvals.kinds import register_kind
        from csdp.register import counter_types, demo, info_query, menus  # noqa: F401  (info_query: the 信息查询 type)
        from csdp.register.issuer_businesses import KIND, business_apply
        from csdp.register.selectors import holdings_of
        from csdp.securities.lookup import holdings_reader

        holdings_reader(holdings_of)  # the securities account lookup shows the register's holdings

        # Four-eyes for the issuer's register businesses (01–04, 06): the operator who accepts the
        # counter application prepares; a different reviewer approves (csdp.approvals).
        from csdp.clock.eod import register_eod_job
        from csdp.register.holding_files import holding_change_files_recover

        # Before the approvals job (order 5) applies the day's businesses.
        register_eod_job(order=4, name="register_files", job=holding_change_files_recover)
        from csdp.register.roster_snapshot import roster_snapshots_eod

        # Last: the snapshot folds the day's events of every earlier job.
        register_eod_job(order=90, name="register_snapshots", job=roster_snapshots_eod)
        from csdp.register.issuer_business_review import business_describe, business_rejected

        register_kind(
            code=KIND,
            label="发行人登记业务",
            apply=business_apply,
            preparers={Role.OPERATOR, Role.ADMIN},
            approvers={Role.REVIEWER, Role.ADMIN},
            describe=business_describe,  # the reviewer reads the business, not the payload's keys
            on_reject=business_rejected,  # the counter application goes back to the issuer with the reason
        )
