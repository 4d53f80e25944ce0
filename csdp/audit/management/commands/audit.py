from django.core.management.base import CommandError

from csdp.audit.services import audit_verify
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "审计轨迹：verify 校验哈希链 (walks the whole hash chain)"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"审计链校验失败：第 {result.first_bad_seq} 条 — {result.problem}（已校验 {result.checked} 条）"
            )
        self.stdout.write(self.style.SUCCESS(f"审计链完整：{result.checked} 条记录校验通过。"))
