from django.core.management.base import CommandError

from csdp.register.selectors import register_rebuild_check
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "由登记变动记录重算全部持有明细，并与持有明细表核对（不修改数据）"

    def handle(self, *args, **options):
        differences = register_rebuild_check()
        for d in differences:
            account_id, security_id, nature, lockup_end = d.lot
            self.stdout.write(f"账户#{account_id} 证券#{security_id} 股份性质{nature} 限售至{lockup_end or '—'}："
                              f"记录推算 {d.from_log}，持有明细 {d.in_positions}")
        if differences:
            raise CommandError(f"持有明细与登记变动记录不一致：{len(differences)} 处。")
        self.stdout.write(self.style.SUCCESS("持有明细与登记变动记录一致。"))
