"""`csdp ipo <subcommand>`: BSE public-offering batch steps run by operators.

    csdp ipo allocate --subscriptions FILE.csv --online-shares N --initial-online-shares M --output OUT.csv

Subcommands live in SUBCOMMANDS (name → argument builder, runner), so a new one (e.g. ``simulate``)
is one more entry. Every failure is a CommandError: message on stderr, exit status 1, no output file.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from csdp.ipo.allocate_csv import SubscriptionFileError
from csdp.ipo.engine import EngineRangeError
from csdp.ipo.errors import IpoError
from csdp.ipo.subscription.inbox import inbox_scan
from csdp.ipo.interfaces import interfaces_markdown
from csdp.ipo.runner import allocate_file, summary_json
from csdp.ipo.sim import simulate
import json
from django.conf import settings
from django.core.management import call_command
import sys
import time
from tqdm import tqdm


def _positive(value: int | None, option: str) -> None:
    if value is not None and value <= 0:
        raise CommandError(f"{option} 必须是正整数（收到 {value}）")


def add_allocate_arguments(parser) -> None:
    parser.add_argument(
        "--subscriptions",
        required=True,
        type=Path,
        metavar="FILE.csv",
        help="申购明细 CSV，表头 account,participant,quantity,seq（可选 investor_id）",
    )
    parser.add_argument("--online-shares", required=True, type=int, metavar="N", help="网上发行数量（股）")
    parser.add_argument(
        "--initial-online-shares",
        type=int,
        metavar="M",
        help="网上初始发行数量（股，必填），用于计算单一投资者申购上限 5%%",
    )
    parser.add_argument("--output", required=True, type=Path, metavar="OUT.csv", help="配售结果 CSV")


def run_allocate(command: BaseCommand, options: dict) -> None:
    _positive(options["online_shares"], "--online-shares")
    # The cap is 5% of the *initial* online shares (rules.md §1); N is the final number after any
    # callback, so defaulting M to N made every order above a shrunken cap invalid (issue 14).
    if options["initial_online_shares"] is None:
        raise CommandError(
            "必须提供 --initial-online-shares（网上初始发行数量）：单一投资者申购上限按它的 5% 计算，"
            "不能以网上最终发行数量代替"
        )
    _positive(options["initial_online_shares"], "--initial-online-shares")
    try:
        summary = allocate_file(
            subscriptions=options["subscriptions"],
            online_shares=options["online_shares"],
            initial_online_shares=options["initial_online_shares"],
            output=options["output"],
        )
    except (SubscriptionFileError, EngineRangeError) as error:
        raise CommandError(str(error)) from None
    command.stdout.write(summary_json(summary))


def add_simulate_arguments(parser) -> None:
    parser.add_argument("--subscriptions", required=True, type=int, metavar="N", help="模拟申购笔数")
    parser.add_argument("--participants", type=int, default=50, metavar="P", help="结算参与人数量（默认 50）")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="随机种子（默认 7）")


def run_simulate(command: BaseCommand, options: dict) -> None:

    _positive(options["subscriptions"], "--subscriptions")
    _positive(options["participants"], "--participants")
    if not settings.CSDP_CLOCK_SETTABLE:
        raise CommandError("模拟需要可设置的业务时钟（演示或测试环境），生产环境不能运行。")
    call_command("migrate", verbosity=0)  # the configured database, migrated if needed
    try:
        result = simulate(
            orders=options["subscriptions"], participants=options["participants"], seed=options["seed"], progress=True
        )
    except IpoError as error:
        raise CommandError(error.message) from None
    command.stdout.write(json.dumps(result, ensure_ascii=False))
    if not result["invariants_ok"]:
        raise CommandError("不变量校验失败：" + ", ".join(k for k, ok in result["invariants"].items() if not ok))


def add_interfaces_arguments(parser) -> None:
    parser.add_argument(
        "--output", type=Path, default=Path("docs/interfaces.md"), help="输出文件（默认 docs/interfaces.md）"
    )


def run_interfaces(command: BaseCommand, options: dict) -> None:
    options["output"].write_text(interfaces_markdown() + "\n", encoding="utf-8")
    command.stdout.write(f"已写出 {options['output']}")


def add_inbox_arguments(parser) -> None:
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(settings.CSDP_EXCHANGE_INBOX),
        metavar="DIR",
        help="申购数据接收目录（默认 CSDP_EXCHANGE_INBOX）",
    )
    parser.add_argument("--watch", action="store_true", help="持续监视目录，直到中断")
    parser.add_argument("--interval", type=float, default=5.0, metavar="S", help="监视间隔秒数（默认 5）")


def _inbox_bar(paths):
    return tqdm(
        paths, desc="接收申购数据", unit="个文件", file=sys.stderr, disable=not sys.stderr.isatty() or not paths
    )


def run_inbox(command: BaseCommand, options: dict) -> None:
    """Load the exchange files waiting in the drop folder (csdp/ipo/subscription/inbox.py)."""
    while True:
        try:
            results = inbox_scan(options["dir"], progress=_inbox_bar)
        except IpoError as error:
            raise CommandError(error.message) from None
        except Exception as error:
            if not options["watch"]:
                raise
            command.stderr.write(f"接收目录处理出错，{options['interval']} 秒后重试：{error!r}")
            results = []
        for result in results:
            line = (
                f"{result.name}：已接收 {result.rows} 笔" if result.loaded else f"{result.name}：拒绝 — {result.error}"
            )
            command.stdout.write(line)
        if not options["watch"]:
            if any(not r.loaded for r in results):
                raise CommandError("有申购数据文件被拒绝，错误清单见 rejected/ 目录。")
            return
        time.sleep(options["interval"])


SUBCOMMANDS = {
    "allocate": ("网上配售：校验申购、按比例配售（rules.md §1–§2）", add_allocate_arguments, run_allocate),
    "inbox": ("接收目录中的北交所申购数据文件（SG<代码>_<日期>.csv），逐个导入", add_inbox_arguments, run_inbox),
    "interfaces": (
        "由代码中的定义生成 docs/interfaces.md（数据文件逐字段说明）",
        add_interfaces_arguments,
        run_interfaces,
    ),
    "simulate": (
        "模拟一次完整发行：T-1 至 L，经与生产相同的代码路径，输出各步用时与不变量",
        add_simulate_arguments,
        run_simulate,
    ),
}


class Command(BaseCommand):
    help = "北交所公开发行批处理：" + "；".join(f"{name} {spec[0]}" for name, spec in SUBCOMMANDS.items())
    # A pure file-to-file step: no system checks, no database needed.
    requires_system_checks = []

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, (summary, add_arguments, _) in SUBCOMMANDS.items():
            add_arguments(subparsers.add_parser(name, help=summary, description=summary))

    def handle(self, *args, subcommand: str, **options):
        SUBCOMMANDS[subcommand][2](self, options)
