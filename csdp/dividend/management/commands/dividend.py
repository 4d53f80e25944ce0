"""`csdp dividend <subcommand>` (issue 16, fixed names and JSON keys):

    csdp dividend compute --holders H.csv --cash-per-10 X --bonus-per-10 Y --transfer-per-10 Z --seed S --output OUT.csv
    csdp dividend simulate --holders N [--participants P] [--seed S]

Every failure is a CommandError: the Chinese message on stderr, exit status 1, no output file.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from csdp.dividend.compute import compute_file
from csdp.dividend.engine import Method, RateError, Rates
from csdp.dividend.simulate import simulate
from csdp.lib.errors import CsdpError
from django.conf import settings
from django.core.management import call_command


def add_compute_arguments(parser) -> None:
    parser.add_argument(
        "--holders", required=True, type=Path, metavar="H.csv", help="股权登记日持有明细 CSV：account,quantity"
    )
    parser.add_argument("--cash-per-10", default="0", metavar="X", help="每10股派现金（元，含税，最多6位小数）")
    parser.add_argument("--bonus-per-10", default="0", metavar="Y", help="每10股送股（股）")
    parser.add_argument("--transfer-per-10", default="0", metavar="Z", help="每10股转增（股）")
    parser.add_argument("--seed", required=True, type=int, metavar="S", help="尾数分配随机种子（记录于结果）")
    parser.add_argument(
        "--method",
        default=Method.PRECISE,
        choices=[m.value for m in Method],
        help="尾数处理：precise 精确算法（默认）或 truncate 截尾",
    )
    parser.add_argument(
        "--output", required=True, type=Path, metavar="OUT.csv", help="结果 CSV：account,quantity,cash_fen,bonus_shares"
    )


def run_compute(command: BaseCommand, options: dict) -> None:
    try:
        rates = Rates.parse(options["cash_per_10"], options["bonus_per_10"], options["transfer_per_10"])
        summary = compute_file(
            holders=options["holders"],
            rates=rates,
            seed=options["seed"],
            output=options["output"],
            method=Method(options["method"]),
        )
    except RateError as error:
        raise CommandError(str(error)) from None
    except CsdpError as error:
        raise CommandError("\n".join([error.message, *(str(p) for p in error.problems)])) from None
    command.stdout.write(summary.as_json())


def add_simulate_arguments(parser) -> None:
    parser.add_argument("--holders", required=True, type=int, metavar="N", help="模拟持有人（证券账户）数量")
    parser.add_argument("--participants", type=int, default=50, metavar="P", help="托管结算参与人数量（默认 50）")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="随机种子（默认 7）")
    parser.add_argument("--setup-only", action="store_true", help="只建立模拟登记簿（供 --reuse 的计时复用）")
    parser.add_argument("--reuse", action="store_true", help="沿用 --setup-only 建立的登记簿，只运行日终")


def run_simulate(command: BaseCommand, options: dict) -> None:
    if options["holders"] <= 0 or options["participants"] <= 0:
        raise CommandError("--holders 和 --participants 必须是正整数")
    if not settings.CSDP_CLOCK_SETTABLE:
        raise CommandError("模拟需要可设置的业务时钟（演示或测试环境），生产环境不能运行。")
    call_command("migrate", verbosity=0)
    try:
        result = simulate(
            holders=options["holders"],
            participants=options["participants"],
            seed=options["seed"],
            setup_only=options["setup_only"],
            reuse=options["reuse"],
        )
    except CsdpError as error:
        raise CommandError(error.message) from None
    command.stdout.write(json.dumps(result, ensure_ascii=False))
    if options["setup_only"]:
        return
    if not result["invariants_ok"]:
        raise CommandError("不变量校验失败：" + ", ".join(k for k, ok in result["invariants"].items() if not ok))


SUBCOMMANDS = {
    "compute": ("按股权登记日持有明细计算派现与送转股（精确算法），文件到文件", add_compute_arguments, run_compute),
    "simulate": (
        "模拟一次完整权益分派：申请、代派资金、登记日快照、权益计算、派息、红股登记、文件",
        add_simulate_arguments,
        run_simulate,
    ),
}


class Command(BaseCommand):
    help = "权益分派：" + "；".join(f"{name} {spec[0]}" for name, spec in SUBCOMMANDS.items())
    requires_system_checks = []

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, (summary, add_arguments, _) in SUBCOMMANDS.items():
            add_arguments(subparsers.add_parser(name, help=summary, description=summary))

    def handle(self, *args, subcommand: str, **options):
        SUBCOMMANDS[subcommand][2](self, options)
