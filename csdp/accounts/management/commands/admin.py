import os
import sys

from django.core.management.base import BaseCommand, CommandError

from csdp.accounts.administration import AdminRefused, admin_bootstrap, staff_role_from_text


class Command(BaseCommand):
    help = "创建内部用户（首个管理员）：csdp admin create --username U --role 管理员"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, help="审核 / 业务办理 / 管理员（或 reviewer / operator / admin）")
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="从标准输入读取密码（否则生成临时密码并打印一次）"
        )

    def handle(self, *args, action, username, role, name, email, password_stdin, **options):
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        elif os.environ.get("CSDP_ADMIN_PASSWORD"):
            password = os.environ["CSDP_ADMIN_PASSWORD"]
        try:
            user, password = admin_bootstrap(
                username=username,
                staff_role=staff_role_from_text(role),
                password=password,
                display_name=name,
                email=email,
            )
        except AdminRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"已创建内部用户 {user.username}（{user.role.label}）。")
        if not password_stdin and not os.environ.get("CSDP_ADMIN_PASSWORD"):
            self.stdout.write(f"临时密码：{password}  （只显示这一次，请登录后立即修改）")
