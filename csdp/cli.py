"""`csdp`: the operators' command. `csdp clock show`, `csdp calendar list 2026`, `csdp audit verify`,
`csdp demo`, and every Django management command (`csdp migrate`, `csdp runserver` …).

Settings: DJANGO_SETTINGS_MODULE, default csdp.settings.dev (production sets csdp.settings.production).
"""

from __future__ import annotations

import os
import sys

from csdp.lib.errors import CsdpError


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")
    # Imported here: Django is imported only once DJANGO_SETTINGS_MODULE is set above.
    from django.core.management import execute_from_command_line

    args = ["csdp", *(sys.argv[1:] if argv is None else argv)]
    if len(args) == 1 or args[1:] in (["help"], ["--help"], ["-h"]):
        print(operator_help())
        return 0

    try:
        execute_from_command_line(args)
    except CsdpError as error:  # the command line's edge: the message on stderr, the refusal's exit code
        print(str(error), file=sys.stderr)
        return error.exit_code
    return 0


# The commands an operator runs, in the order of a day's work; every other Django command follows.
OPERATOR_COMMANDS = [
    "admin",
    "eod",
    "ipo",
    "register_check",
    "audit",
    "ops",
    "calendar",
    "clock",
    "keys",
    "pledge",
    "issuers_apply_names",
    "issuers_purge_drafts",
    "uploads_sweep",
    "db_worker",
    "migrate",
    "createcachetable",
    "collectstatic",
    "check",
    "demo",
]

# Django's own commands, described for an operator of this platform.
FRAMEWORK_HELP = {
    "db_worker": "后台任务进程（短信、邮件、日终作业）；每台机器可运行一个或多个，共用同一 PostgreSQL",
    "migrate": "执行数据库迁移（安装与升级后运行）",
    "createcachetable": "建立数据库缓存表（频率限制等，多台机器共享）",
    "collectstatic": "收集静态文件到 STATIC_ROOT（带内容哈希的文件名）",
    "check": "检查配置；生产环境运行 csdp check --deploy --fail-level WARNING",
}


def _first_line(text: str, width: int = 96) -> str:
    line = " ".join((text or "").split())
    for stop in ("；", "。", ". "):
        if stop in line and line.index(stop) > 10:
            line = line[: line.index(stop)]
            break
    return line if len(line) <= width else line[: width - 1] + "…"


def operator_help() -> str:
    """`csdp --help`: the operators' commands first, one line each, then where the rest is."""
    # Imported here, as in main(): Django only once the entry point has set DJANGO_SETTINGS_MODULE.
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    commands = get_commands()
    lines = ["用法：csdp <命令> [选项]；csdp <命令> --help 查看该命令的详细说明。", "", "运维命令："]
    for name in OPERATOR_COMMANDS:
        if name in commands:
            help_text = FRAMEWORK_HELP.get(name) or load_command_class(commands[name], name).help
            lines.append(f"  {name:<22}{_first_line(help_text)}")
    others = sorted(set(commands) - set(OPERATOR_COMMANDS))
    lines += ["", f"其他 Django 命令（{len(others)} 个）：" + " ".join(others)]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
