import json
import sys

from django.core.management.base import BaseCommand, CommandError

from csdp.ops.restore import files_count, restore_check
from tqdm import tqdm


class Command(BaseCommand):
    help = "运维：restore-check 恢复后核对（审计哈希链、名册重算、资金总额、文件 SHA-256）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["restore-check"])
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="以 JSON 输出（键：ok, checks[name, label, ok, checked, problems, problem_count]）",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, action, as_json: bool = False, no_progress: bool = False, **options):
        bar = tqdm(
            total=files_count(),
            desc="核对文件",
            unit="个",
            file=sys.stderr,
            disable=no_progress or as_json or not sys.stderr.isatty(),
        )
        results = restore_check(progress=bar.update)
        bar.close()
        ok = all(r.ok for r in results)
        if as_json:
            self.stdout.write(json.dumps({"ok": ok, "checks": [r.as_dict() for r in results]}, ensure_ascii=False))
        else:
            for r in results:
                self.stdout.write(f"{'通过' if r.ok else '不通过'}  {r.label}（核对 {r.checked} 项）")
                for problem in r.problems[:20]:
                    self.stdout.write(f"    {problem}")
                if len(r.problems) > 20:
                    self.stdout.write(f"    …… 共 {len(r.problems)} 处")
        if not ok:
            raise CommandError("恢复核对未通过：见上列问题。")
