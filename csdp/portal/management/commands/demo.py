
from csdp.portal.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "建立演示数据（可重复执行）并打印各角色的登录信息"

    def handle(self, *args, **options):
        demo_seed()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。登录地址 http://localhost:8000/accounts/login/"))
        self.stdout.write(f"{'角色':<10}{'用户名':<14}{'密码':<12}说明")
        for user in DEMO_USERS:
            self.stdout.write(f"{user.role_label:<10}{user.username:<14}{DEMO_PASSWORD:<12}{user.note}")
