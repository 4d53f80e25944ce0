"""Bulk import of master data from Excel (.xlsx) or CSV: securities, investors, securities accounts,
clearing participants, custody units and the participants' / underwriters' ledger accounts.

All or nothing: every row is checked first (types, check digits of ID numbers and USCCs, references to
rows that exist or come earlier in the same file, duplicates within the file and against the database)
and every problem is listed with its row and column; only a file without problems is written, in one
transaction, with one audit event naming the file's SHA-256 and what it created. The file is read by the
one sheet reader (csdp.lib.sheets: columns found by their header, CSV or streamed .xlsx, reading stops
at MAX_ROWS), so a huge file costs no more than the limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind
from csdp.accounts.services import institution_create
from csdp.audit.services import audit_record
from csdp.ledger.models import AccountKind, LedgerAccount
from csdp.ledger.services import ledger_account_open
from csdp.lib.errors import CsdpError, Problem
from csdp.lib.ids import resident_id_problem, uscc_problem
from csdp.lib.sheets import Column as SheetColumn, SheetRejected, SheetSpec, sheet_read
from csdp.securities.models import (
    CustodyUnit,
    HolderNature,
    IdType,
    Investor,
    Market,
    ParticipantProfile,
    SecuritiesAccount,
    Security,
    SecurityKind,
    SecurityStatus,
)
from csdp.securities.services import (
    security_create,
    investor_create,
    account_open,
    participant_profile_create,
    custody_unit_create,
)

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024


class ImportRefused(CsdpError):
    code = "master_import.refused"


def _choice(choices, value: str) -> str | None:
    """A choice by its code or its Chinese label."""
    for code, label in choices:
        if value in (code, label):
            return code
    return None


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = True


@dataclass(frozen=True)
class Spec:
    label: str
    columns: tuple[Column, ...]
    check: Callable[[dict, Context], list[Problem]]
    write: Callable[[dict, Context], object]
    key: str  # the column naming the row's object


class Context:
    """What earlier rows of the same file will create, so a later row may refer to them; and, when one
    existing record is edited, the rows that are that record (its own values are no duplicate of it)."""

    def __init__(self, exclude: dict | None = None):
        self.seen: dict[str, set[str]] = {}
        self.exclude = exclude or {}  # model class → pk of the record being edited

    def others(self, queryset):
        """The queryset without the record being edited."""
        pk = self.exclude.get(queryset.model)
        return queryset.exclude(pk=pk) if pk is not None else queryset

    def add(self, what: str, key: str) -> bool:
        bucket = self.seen.setdefault(what, set())
        if key in bucket:
            return False
        bucket.add(key)
        return True

    def has(self, what: str, key: str) -> bool:
        return key in self.seen.get(what, set())


def _p(message: str, field: str) -> Problem:
    return Problem(message, field=field)


# -- securities -------------------------------------------------------------------------------------
def _security_check(r: dict, ctx: Context) -> list[Problem]:
    out = []
    code = r["证券代码"]
    if not (code.isdigit() and len(code) == 6):
        out.append(_p(f"证券代码 {code} 应为 6 位数字。", "证券代码"))
    elif ctx.others(Security.objects.filter(code=code)).exists() or not ctx.add("security", code):
        out.append(_p(f"证券代码 {code} 已存在。", "证券代码"))
    if not r["证券简称"] or len(r["证券简称"]) > 40:
        out.append(_p("证券简称应为 1–40 个字符。", "证券简称"))
    if _choice(SecurityKind.choices, r["证券类别"]) is None:
        out.append(_p(f"证券类别“{r['证券类别']}”无效（{'、'.join(SecurityKind.labels)}）。", "证券类别"))
    if _choice(Market.choices, r["市场"]) is None:
        out.append(_p(f"市场“{r['市场']}”无效（{'、'.join(Market.values)}）。", "市场"))
    if r.get("状态") and _choice(SecurityStatus.choices, r["状态"]) is None:
        out.append(_p(f"状态“{r['状态']}”无效。", "状态"))
    if (
        r.get("发行人代码")
        and not Institution.objects.filter(kind=InstitutionKind.ISSUER, code=r["发行人代码"]).exists()
    ):
        out.append(_p(f"发行人代码 {r['发行人代码']} 不存在。", "发行人代码"))
    return out


def _security_write(r: dict, ctx: Context):
    issuer = (
        Institution.objects.filter(kind=InstitutionKind.ISSUER, code=r["发行人代码"]).first()
        if r.get("发行人代码")
        else None
    )
    return security_create(
        code=r["证券代码"],
        name=r["证券简称"],
        kind=_choice(SecurityKind.choices, r["证券类别"]),
        market=_choice(Market.choices, r["市场"]),
        status=_choice(SecurityStatus.choices, r.get("状态") or "") or SecurityStatus.LISTED,
        issuer=issuer,
    )


# -- investors ----------------------------------------------------------------------------------------
def _investor_check(r: dict, ctx: Context) -> list[Problem]:
    out = []
    ymt = r["一码通账户号码"]
    if not (ymt.isdigit() and len(ymt) == 12):
        out.append(_p(f"一码通账户号码 {ymt} 应为 12 位数字。", "一码通账户号码"))
    elif ctx.others(Investor.objects.filter(ymt_number=ymt)).exists() or not ctx.add("investor", ymt):
        out.append(_p(f"一码通账户号码 {ymt} 已存在。", "一码通账户号码"))
    id_type = _choice(IdType.choices, r["证件类型"])
    number = r["证件号码"].upper()
    if id_type is None:
        out.append(_p(f"证件类型“{r['证件类型']}”无效（{'、'.join(IdType.labels)}）。", "证件类型"))
    else:
        # Check digits: GB 11643 for the resident ID, GB 32100 for the USCC.
        problem = (
            resident_id_problem(number)
            if id_type == IdType.RESIDENT_ID
            else (uscc_problem(number) if id_type == IdType.USCC else None)
        )
        if problem:
            out.append(_p(problem, "证件号码"))
        elif ctx.others(Investor.objects.filter(id_type=id_type, id_number=number)).exists() or not ctx.add(
            "identity", f"{id_type}:{number}"
        ):
            out.append(_p(f"证件号码 {number} 已登记为其他投资者。", "证件号码"))
    if not r["投资者名称"]:
        out.append(_p("请填写投资者名称。", "投资者名称"))
    if _choice(HolderNature.choices, r["股东性质"]) is None:
        out.append(_p(f"股东性质“{r['股东性质']}”无效（{'、'.join(HolderNature.labels)}）。", "股东性质"))
    return out


def _investor_write(r: dict, ctx: Context):
    return investor_create(
        ymt_number=r["一码通账户号码"],
        name=r["投资者名称"],
        id_type=_choice(IdType.choices, r["证件类型"]),
        id_number=r["证件号码"],
        holder_type=_choice(HolderNature.choices, r["股东性质"]),
    )


# -- securities accounts ------------------------------------------------------------------------------
def _account_check(r: dict, ctx: Context) -> list[Problem]:
    out = []
    number = r["证券账户号码"].upper()
    if not (len(number) == 10 and number.isalnum() and number.isascii()):
        out.append(_p(f"证券账户号码 {number} 应为 10 位数字或大写字母。", "证券账户号码"))
    elif ctx.others(SecuritiesAccount.objects.filter(number=number)).exists() or not ctx.add("account", number):
        out.append(_p(f"证券账户号码 {number} 已存在。", "证券账户号码"))
    ymt = r["一码通账户号码"]
    if not (Investor.objects.filter(ymt_number=ymt).exists() or ctx.has("investor", ymt)):
        out.append(_p(f"一码通账户号码 {ymt} 不存在（请先导入投资者）。", "一码通账户号码"))
    if _choice(Market.choices, r["市场"]) is None:
        out.append(_p(f"市场“{r['市场']}”无效。", "市场"))
    unit = r.get("托管单元代码")
    if unit and not (CustodyUnit.objects.filter(code=unit).exists() or ctx.has("unit", unit)):
        out.append(_p(f"托管单元 {unit} 不存在。", "托管单元代码"))
    mobile = r.get("预留手机号码", "")
    if mobile and not (mobile.isdigit() and len(mobile) == 11 and mobile.startswith("1")):
        out.append(_p(f"预留手机号码 {mobile} 应为以 1 开头的 11 位数字。", "预留手机号码"))
    return out


def _account_write(r: dict, ctx: Context):
    unit = CustodyUnit.objects.get(code=r["托管单元代码"]) if r.get("托管单元代码") else None
    return account_open(
        number=r["证券账户号码"].upper(),
        investor=Investor.objects.get(ymt_number=r["一码通账户号码"]),
        market=_choice(Market.choices, r["市场"]),
        custody_unit=unit,
        mobile=r.get("预留手机号码", ""),
    )


# -- clearing participants ----------------------------------------------------------------------------
def _participant_check(r: dict, ctx: Context) -> list[Problem]:
    out = []
    code = r["结算参与人代码"]
    if not code or len(code) > 10:
        out.append(_p("结算参与人代码应为 1–10 个字符。", "结算参与人代码"))
    elif (
        ctx.others(ParticipantProfile.objects.filter(code=code)).exists()
        or ctx.others(Institution.objects.filter(kind=InstitutionKind.PARTICIPANT, code=code)).exists()
        or not ctx.add("participant", code)
    ):
        out.append(_p(f"结算参与人代码 {code} 已存在。", "结算参与人代码"))
    if not r["机构全称"]:
        out.append(_p("请填写机构全称。", "机构全称"))
    uscc = r.get("统一社会信用代码", "").upper()
    if uscc:
        if problem := uscc_problem(uscc):
            out.append(_p(problem, "统一社会信用代码"))
        elif ctx.others(Institution.objects.filter(uscc=uscc)).exists() or not ctx.add("uscc", uscc):
            out.append(_p(f"统一社会信用代码 {uscc} 已被其他机构使用。", "统一社会信用代码"))
    return out


def _participant_write(r: dict, ctx: Context):
    institution = institution_create(
        kind=InstitutionKind.PARTICIPANT,
        name=r["机构全称"],
        code=r["结算参与人代码"],
        uscc=r.get("统一社会信用代码", "").upper(),
        actor=ctx.actor,
    )
    return participant_profile_create(institution=institution, code=r["结算参与人代码"])


# -- custody units ------------------------------------------------------------------------------------
def _unit_check(r: dict, ctx: Context) -> list[Problem]:
    out = []
    code = r["托管单元代码"]
    if not (code and len(code) <= 6 and code.isalnum()):
        out.append(_p(f"托管单元代码 {code} 应为 1–6 位数字或字母。", "托管单元代码"))
    elif ctx.others(CustodyUnit.objects.filter(code=code)).exists() or not ctx.add("unit", code):
        out.append(_p(f"托管单元代码 {code} 已存在。", "托管单元代码"))
    participant = r["结算参与人代码"]
    if not (ParticipantProfile.objects.filter(code=participant).exists() or ctx.has("participant", participant)):
        out.append(_p(f"结算参与人代码 {participant} 不存在。", "结算参与人代码"))
    return out


def _unit_write(r: dict, ctx: Context):
    return custody_unit_create(
        participant=ParticipantProfile.objects.get(code=r["结算参与人代码"]),
        code=r["托管单元代码"],
        name=r.get("名称", ""),
    )


# -- ledger accounts of participants and underwriters -------------------------------------------------
LEDGER_OWNER_KINDS = {
    "participant_reserve": InstitutionKind.PARTICIPANT,
    "underwriter_reserve": InstitutionKind.UNDERWRITER,
}


def _ledger_kind(value: str) -> str | None:
    kind = _choice(AccountKind.choices, value)
    return kind if kind in LEDGER_OWNER_KINDS else None


def _ledger_owner(r: dict):
    kind = _ledger_kind(r["账户类型"])
    return Institution.objects.filter(kind=LEDGER_OWNER_KINDS[kind], code=r["所属机构代码"]).first() if kind else None


def _ledger_check(r: dict, ctx: Context) -> list[Problem]:
    out = []
    number = r["账号"]
    if not number or len(number) > 32:
        out.append(_p("账号应为 1–32 个字符。", "账号"))
    elif ctx.others(LedgerAccount.objects.filter(number=number)).exists() or not ctx.add("ledger", number):
        out.append(_p(f"账号 {number} 已存在。", "账号"))
    if not r["户名"]:
        out.append(_p("请填写户名。", "户名"))
    kind = _ledger_kind(r["账户类型"])
    if kind is None:
        out.append(_p("账户类型应为“综合结算备付金账户”（结算参与人）或“自营结算备付金账户”（主承销商）。", "账户类型"))
    elif _ledger_owner(r) is None and not (kind == "participant_reserve" and ctx.has("participant", r["所属机构代码"])):
        out.append(
            _p(
                f"所属机构代码 {r['所属机构代码']} 不是已登记的{InstitutionKind(LEDGER_OWNER_KINDS[kind]).label}。",
                "所属机构代码",
            )
        )
    return out


def _ledger_write(r: dict, ctx: Context):
    return ledger_account_open(
        number=r["账号"], name=r["户名"], kind=_ledger_kind(r["账户类型"]), owner=_ledger_owner(r)
    )


SPECS: dict[str, Spec] = {
    "securities": Spec(
        "证券",
        (
            Column("证券代码"),
            Column("证券简称"),
            Column("证券类别"),
            Column("市场"),
            Column("状态", False),
            Column("发行人代码", False),
        ),
        _security_check,
        _security_write,
        "证券代码",
    ),
    "investors": Spec(
        "投资者",
        (Column("一码通账户号码"), Column("投资者名称"), Column("证件类型"), Column("证件号码"), Column("股东性质")),
        _investor_check,
        _investor_write,
        "一码通账户号码",
    ),
    "accounts": Spec(
        "证券账户",
        (
            Column("证券账户号码"),
            Column("一码通账户号码"),
            Column("市场"),
            Column("托管单元代码", False),
            Column("预留手机号码", False),  # kept by the custody participant; proves control (004 §六(一))
        ),
        _account_check,
        _account_write,
        "证券账户号码",
    ),
    "participants": Spec(
        "结算参与人",
        (Column("结算参与人代码"), Column("机构全称"), Column("统一社会信用代码", False)),
        _participant_check,
        _participant_write,
        "结算参与人代码",
    ),
    "custody_units": Spec(
        "托管单元",
        (Column("托管单元代码"), Column("结算参与人代码"), Column("名称", False)),
        _unit_check,
        _unit_write,
        "托管单元代码",
    ),
    "ledger_accounts": Spec(
        "结算备付金账户",
        (Column("账号"), Column("户名"), Column("账户类型"), Column("所属机构代码")),
        _ledger_check,
        _ledger_write,
        "账号",
    ),
}


def master_template(kind: str) -> str:
    """The header line of a kind, as CSV (UTF-8 with BOM, so Excel opens it in Chinese)."""
    return "\ufeff" + ",".join(c.header for c in SPECS[kind].columns) + "\r\n"


def _sheet_spec(spec: Spec) -> SheetSpec:
    """The import's columns for the one sheet reader: by header, any order, CSV too."""
    columns = tuple(
        SheetColumn(c.header, c.header, required=c.required, missing=f"请填写{c.header}。") for c in spec.columns
    )
    return SheetSpec(
        label=spec.label, columns=columns, max_rows=MAX_ROWS, max_bytes=MAX_BYTES, header_by_name=True, csv=True
    )


def _read(spec: Spec, content: bytes) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """The data rows (row number, header → text) and the empty required cells; a file refused whole
    (size, format, header, no rows, too many rows) raises ImportRefused with the reader's reason."""
    try:
        sheet = sheet_read(content, _sheet_spec(spec))
    except SheetRejected as rejected:
        raise ImportRefused(
            rejected.message, code=f"master_import.{rejected.reason or 'invalid'}", problems=rejected.problems
        ) from None
    records = [(row["line"], {c.header: row[c.header] or "" for c in spec.columns}) for row in sheet.rows]
    return records, sheet.problems


def master_import(*, kind: str, content: bytes, name: str, actor) -> dict:
    """Check every row, then write all of them or nothing. Returns {kind, rows, created: [keys]}."""
    if kind not in SPECS:
        raise ImportRefused("未知的导入类型。", code="master_import.kind")
    spec = SPECS[kind]
    records, problems = _read(spec, content)
    flagged = {p.row for p in problems}  # rows the reader refused are not checked again
    problems += _problems(spec, [(n, r) for n, r in records if n not in flagged], actor)
    problems.sort(key=lambda p: p.row or 0)
    if problems:
        raise ImportRefused(
            f"{spec.label}导入文件有 {len(problems)} 处问题，未导入任何数据。",
            code="master_import.invalid",
            problems=problems,
        )
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        _write(spec, records, actor)
        created = [record[spec.key] for _, record in records]
        audit_record(
            actor=actor,
            action="master_import",
            object_type=f"master_import.{kind}",
            object_id=digest[:16],
            to_state="imported",
            data={"kind": kind, "file": name[:200], "sha256": digest, "rows": len(records), "keys": created[:1000]},
        )
    return {"kind": kind, "rows": len(records), "created": created}


def _problems(spec: Spec, records: list[tuple[int, dict]], actor, exclude: dict | None = None) -> list[Problem]:
    """Every problem of every row: the rule a file, a single record and an edit share (``exclude``: the
    rows of the record being edited, model → pk, which its own values do not duplicate)."""
    ctx = Context(exclude)
    ctx.actor = actor
    problems = []
    for number, record in records:
        for column in spec.columns:
            if column.required and not record[column.header]:
                problems.append(Problem(f"请填写{column.header}。", field=column.header, row=number))
        if any(p.row == number for p in problems):
            continue
        problems += [Problem(p.message, field=p.field, row=number) for p in spec.check(record, ctx)]
    return problems


def _write(spec: Spec, records: list[tuple[int, dict]], actor) -> list:
    ctx = Context()
    ctx.actor = actor
    written = []
    for number, record in records:
        try:
            written.append(spec.write(record, ctx))
        except CsdpError as error:  # a service's own refusal: everything rolls back
            raise ImportRefused(
                f"第{number}行：{error.message}",
                code="master_import.invalid",
                problems=[Problem(error.message, row=number)],
            ) from None
    return written
