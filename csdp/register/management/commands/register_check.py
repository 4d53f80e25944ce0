from typing import Any

from django.core.management.base import CommandParser

from csdp.lib.commands import CsdpCommand
from csdp.register.management.commands.register import Command as RegisterCommand


class Command(CsdpCommand):
    help = "同 csdp register check：核对登记簿不变式（不修改数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--security", help="证券代码；不填则核对全部证券")

    def handle(self, *args: Any, **options: Any) -> None:
        command = RegisterCommand(stdout=self.stdout, stderr=self.stderr)  # type: ignore[arg-type]  # an OutputWrapper writes as a TextIO
        command._check(options.get("security"))
