from csdp.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "建立演示数据（可重复执行）并打印各角色的登录信息"

    def add_arguments(self, parser):
        # `make demo` passes the address it serves on; WebAuthn needs localhost (or HTTPS), not 0.0.0.0.
        parser.add_argument("--url", default="http://localhost:8000", help="演示服务地址（默认 http://localhost:8000）")

    def handle(self, *args, **options):
        demo_seed()
        url = options["url"].rstrip("/")
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。登录地址 {url}/accounts/login/"))
        self.stdout.write(f"{'角色':<10}{'用户名':<14}{'密码':<12}说明")
        for user in DEMO_USERS:
            self.stdout.write(f"{user.role_label:<10}{user.username:<14}{DEMO_PASSWORD:<12}{user.note}")
        self.stdout.write(
            f"issuer_a 须先启用软件 USB-KEY：{url}/keys/enrol/（用户名 issuer_a、上述密码、登录页“演示短信”中的启用验证码），"
            "再以“U盾登录”进入。"
        )
