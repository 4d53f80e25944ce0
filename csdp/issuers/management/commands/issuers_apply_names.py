"""`csdp issuers_apply_names`: carry institution names that take effect today (approved the day before,
000 §二(二)) to the institution rows. A start-of-day job; the 本机构信息维护 page also does it for its issuer."""

from csdp.clock.services import business_today
from csdp.issuers.services.info import institution_names_apply
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "将当日生效的机构名称变更同步到机构记录。"

    def handle(self, *args, **options):
        self.stdout.write(f"已更新 {institution_names_apply(on=business_today())} 家机构的名称。")
