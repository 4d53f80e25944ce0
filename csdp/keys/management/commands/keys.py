from django.utils import timezone

from csdp.keys import ca
from csdp.keys.selectors import certificates_expiring
from csdp.keys.services import challenges_purge, crl_publish
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = (
        "USB-KEY 与证书：ca-init 创建/检查本平台 CA；crl 重新发布证书作废列表；expiring 列出 30 天内到期的证书；"
        "purge 删除一天前已过期的签名挑战"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["ca-init", "crl", "expiring", "purge"])

    def handle(self, *args, action, **options):
        if action == "ca-init":
            authority, created = ca.ca_init()
            cert = authority.certificate
            self.stdout.write(("已创建" if created else "已存在") + f" CA：{cert.subject.rfc4514_string()}")
            self.stdout.write(
                f"序列号 {cert.serial_number:x}，有效期至 {timezone.localtime(cert.not_valid_after_utc):%Y-%m-%d}，目录 {ca.ca_dir()}"
            )
        elif action == "crl":
            crl_publish()
            self.stdout.write(f"已发布证书作废列表：{ca.ca_dir() / 'crl.der'}、{ca.ca_dir() / 'crl.pem'}")
        elif action == "purge":
            self.stdout.write(f"已删除 {challenges_purge()} 个过期的签名挑战")
        else:
            for c in certificates_expiring():
                # The expiry day in business time (Asia/Shanghai): 2028-03-15T20:00Z is 03-16 in Beijing.
                self.stdout.write(f"{timezone.localtime(c.not_after):%Y-%m-%d}  {c.user.username:<16} {c.serial}")
