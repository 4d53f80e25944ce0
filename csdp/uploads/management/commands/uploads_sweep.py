"""`csdp uploads_sweep [--older-than-s N]`: remove orphan files from the storage directory."""

from csdp.uploads.services import storage_sweep, stored_files_orphans_purge
from csdp.lib.commands import CsdpCommand


class Command(CsdpCommand):
    help = "删除无业务引用的过期上传文件，以及存储目录中没有数据库记录的孤立文件和过期临时文件。"

    def add_arguments(self, parser):
        parser.add_argument("--older-than-s", type=int, default=3600)

    def handle(self, *args, older_than_s, **options):
        purged = stored_files_orphans_purge()
        self.stdout.write(f"已删除 {purged} 个无业务引用的上传文件记录（超过保留时限）。")
        removed = storage_sweep(older_than_s=older_than_s)
        for relative in removed:
            self.stdout.write(relative)
        self.stdout.write(f"已删除 {len(removed)} 个孤立文件。")
