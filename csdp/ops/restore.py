"""After a restore (docs/operations.md): is what came back whole and consistent?

Four checks, each read-only: the audit trail's hash chain; the register rebuilt from its event log
against the positions; the ledger's totals rebuilt from its transfers against the accounts (and
double entry: Σ debits = Σ credits); every stored file's SHA-256 against its database record (uploads
under CSDP_STORAGE_DIR, participant files under CSDP_FILES_DIR) — a database restored from a later or
earlier moment than the files shows up here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Case, F, IntegerField, Sum, Value, When

from csdp.audit.services import audit_verify
from csdp.ipo.models import ParticipantFile
from csdp.ledger.models import Phase, Transfer, LedgerAccount
from csdp.register.models import Position
from csdp.register.selectors import register_rebuild_check
from csdp.uploads.models import StoredFile


@dataclass
class CheckResult:
    name: str
    label: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "ok": self.ok,
            "checked": self.checked,
            "problems": self.problems[:100],
            "problem_count": len(self.problems),
        }


def check_audit_chain() -> CheckResult:
    result = CheckResult("audit_chain", "审计轨迹哈希链")
    verified = audit_verify()
    result.checked = verified.checked
    if not verified.ok:
        result.problems.append(f"第 {verified.first_bad_seq} 条起不一致：{verified.problem}")
    return result


def check_register() -> CheckResult:
    result = CheckResult("register", "持有明细与登记变动记录")
    result.checked = Position.objects.count()
    for d in register_rebuild_check():
        account_id, security_id, nature, lockup_end = d.lot
        result.problems.append(
            f"账户#{account_id} 证券#{security_id} 股份性质{nature} 限售至{lockup_end or '—'}："
            f"记录推算 {d.from_log}，持有明细 {d.in_positions}"
        )
    return result


def _ledger_from_transfers() -> dict[int, dict[str, int]]:
    """Each account's four totals recomputed from the transfers (ledger/services.py's effects, in SQL)."""

    def side(column: str) -> dict[int, tuple[int, int]]:
        rows = (
            Transfer.objects.order_by()
            .values(column)
            .annotate(
                posted=Sum(
                    Case(
                        When(phase__in=[Phase.POSTED, Phase.POST], then=F("amount_fen")),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                ),
                held=Sum(
                    Case(When(phase=Phase.PENDING, then=F("amount_fen")), default=Value(0), output_field=IntegerField())
                ),
                released=Sum(
                    Case(
                        When(phase__in=[Phase.POST, Phase.VOID], then=F("pending__amount_fen")),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                ),
            )
        )
        return {r[column]: (r["posted"], r["held"] - r["released"]) for r in rows}

    totals: dict[int, dict[str, int]] = {}
    for account_id, (posted, pending) in side("debit_account").items():
        totals.setdefault(account_id, {}).update(debits_posted=posted, debits_pending=pending)
    for account_id, (posted, pending) in side("credit_account").items():
        totals.setdefault(account_id, {}).update(credits_posted=posted, credits_pending=pending)
    return totals


def check_ledger() -> CheckResult:
    result = CheckResult("ledger", "资金账簿总额")
    names = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")
    rebuilt = _ledger_from_transfers()
    sums = dict.fromkeys(names, 0)
    for account in LedgerAccount.objects.order_by("pk").values("pk", "number", *names):
        result.checked += 1
        expected = rebuilt.get(account["pk"], {})
        for name in names:
            sums[name] += account[name]
            if account[name] != expected.get(name, 0):
                result.problems.append(
                    f"账户 {account['number']} {name}：账户 {account[name]} 分，"
                    f"由划转记录推算 {expected.get(name, 0)} 分"
                )
    if sums["debits_posted"] != sums["credits_posted"]:
        result.problems.append(f"借方记账合计 {sums['debits_posted']} 分 ≠ 贷方记账合计 {sums['credits_posted']} 分")
    if sums["debits_pending"] != sums["credits_pending"]:
        result.problems.append(f"借方冻结合计 {sums['debits_pending']} 分 ≠ 贷方冻结合计 {sums['credits_pending']} 分")
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_rows() -> Iterator[tuple[str, Path, str]]:
    storage, files = Path(settings.CSDP_STORAGE_DIR), Path(settings.CSDP_FILES_DIR)
    for pk, rel, sha in StoredFile.objects.order_by("pk").values_list("pk", "storage_path", "sha256").iterator():
        yield f"上传文件#{pk}", storage / rel, sha
    for pk, rel, sha in ParticipantFile.objects.order_by("pk").values_list("pk", "path", "sha256").iterator():
        yield f"参与人数据文件#{pk}", files / rel, sha


def files_count() -> int:
    return StoredFile.objects.count() + ParticipantFile.objects.count()


def check_files(progress: Callable[[int], None] = lambda n: None) -> CheckResult:
    result = CheckResult("files", "文件 SHA-256 与记录")
    for label, path, expected in _file_rows():
        result.checked += 1
        progress(1)
        if not path.is_file():
            result.problems.append(f"{label}：文件缺失 {path}")
        elif _sha256(path) != expected:
            result.problems.append(f"{label}：SHA-256 与记录不符 {path}")
    return result


def restore_check(progress: Callable[[int], None] = lambda n: None) -> list[CheckResult]:
    return [check_audit_chain(), check_register(), check_ledger(), check_files(progress)]
