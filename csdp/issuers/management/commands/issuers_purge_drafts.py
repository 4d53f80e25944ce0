"""`csdp issuers_purge_drafts`: delete registration drafts abandoned past their expiry (daily job)."""

from csdp.issuers.services.registration import registration_drafts_purge
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "删除已过期且未提交的发行人在线注册草稿。"

    def handle(self, *args, **options):
        self.stdout.write(f"已删除 {registration_drafts_purge()} 份过期注册草稿。")
