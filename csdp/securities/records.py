"""One master-data record at a time (issue 18 §1): 逐条录入 creates one, 修改 corrects one.

Both are checked by the bulk import's own row rule (imports._problems: check digits, references,
duplicates) and written by the entity's services, each with an audit event. An edit never changes the
record's key (the column that names it) and never anything that decides whose holdings or money these
are (an account's holder or custody unit, a unit's participant, a reserve account's kind or owner, a
security's status): those have their own four-eyes businesses in the register and the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from csdp.accounts.models import Institution
from csdp.audit.services import audit_record
from csdp.lib.errors import Problem
from csdp.securities.imports import (
    LEDGER_OWNER_KINDS,
    SPECS,
    ImportRefused,
    _choice,
    _problems,
    _write,
)
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
from csdp.accounts.roles import InstitutionKind
from csdp.securities.services import security_update, investor_update, account_update, custody_unit_update
from csdp.accounts.administration import institution_update
from csdp.ledger.models import LedgerAccount, AccountKind
from csdp.ledger.services import ledger_account_rename


def _refused(label: str, problems: list[Problem], what: str) -> ImportRefused:
    return ImportRefused(
        f"{label}信息有 {len(problems)} 处问题，未{what}。", code="master_import.invalid", problems=problems
    )


def _record(kind: str, values: dict[str, str]) -> dict[str, str]:
    return {c.header: str(values.get(c.header) or "").strip() for c in SPECS[kind].columns}


def master_record_create(*, kind: str, values: dict[str, str], actor):
    """One record typed on a page, checked exactly as a row of the bulk import (check digits, references,
    duplicates) and written by the same services, with its own audit event. Returns the new object."""
    if kind not in SPECS:
        raise ImportRefused("未知的数据类型。", code="master_import.kind")
    spec = SPECS[kind]
    record = _record(kind, values)
    problems = [Problem(p.message, field=p.field) for p in _problems(spec, [(1, record)], actor)]
    if problems:
        raise _refused(spec.label, problems, "保存")
    with transaction.atomic():
        (created,) = _write(spec, [(1, record)], actor)
        audit_record(
            actor=actor,
            action="master_record_create",
            object_type=f"master_record.{kind}",
            object_id=record[spec.key],
            to_state="created",
            data={"kind": kind, **record},
        )
    return created


# -- editing ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Editable:
    rows: Callable[[], object]  # the kind's records (a QuerySet), for the list and for the lookup by key
    key_field: str  # the model field holding the spec's key column
    values: Callable[[object], dict[str, str]]  # a record as the import's columns (header → text)
    editable: tuple[str, ...]  # the columns a page may change
    locked: str  # why the other columns are not editable here (shown on the page)
    update: Callable[[object, dict, object], object]  # (record, checked values, actor) → saved record
    exclude: Callable[[object], dict]  # the rows that are this record, for the duplicate checks
    search: tuple[str, ...] = ()  # the fields the list page searches
    # Millions of accounts and investors: searched by the start of their key (its index), not by scanning.
    search_lookup: str = "icontains"


def _label(choices, code: str) -> str:
    return dict(choices).get(code, code)


def _security_values(s: Security) -> dict[str, str]:
    return {
        "证券代码": s.code,
        "证券简称": s.name,
        "证券类别": _label(SecurityKind.choices, s.kind),
        "市场": s.market,
        "状态": _label(SecurityStatus.choices, s.status),
        "发行人代码": s.issuer.code if s.issuer else "",
    }


def _security_update(s: Security, r: dict, actor):
    if r["发行人代码"] == (s.issuer.code if s.issuer else ""):
        issuer = s.issuer  # unchanged (an issuer without a code stays the issuer)
    elif r["发行人代码"]:
        issuer = Institution.objects.get(kind=InstitutionKind.ISSUER, code=r["发行人代码"])
    else:
        issuer = None
    return security_update(
        security=s,
        name=r["证券简称"],
        kind=_choice(SecurityKind.choices, r["证券类别"]),
        market=_choice(Market.choices, r["市场"]),
        issuer=issuer,
    )


def _investor_values(i: Investor) -> dict[str, str]:
    return {
        "一码通账户号码": i.ymt_number,
        "投资者名称": i.name,
        "证件类型": _label(IdType.choices, i.id_type),
        "证件号码": i.id_number,
        "股东性质": _label(HolderNature.choices, i.holder_type),
    }


def _investor_update(i: Investor, r: dict, actor):
    return investor_update(
        investor=i,
        name=r["投资者名称"],
        id_type=_choice(IdType.choices, r["证件类型"]),
        id_number=r["证件号码"],
        holder_type=_choice(HolderNature.choices, r["股东性质"]),
    )


def _account_values(a: SecuritiesAccount) -> dict[str, str]:
    return {
        "证券账户号码": a.number,
        "一码通账户号码": a.investor.ymt_number,
        "市场": a.market,
        "托管单元代码": a.custody_unit.code if a.custody_unit else "",
        "预留手机号码": a.mobile,
    }


def _account_update(a: SecuritiesAccount, r: dict, actor):
    return account_update(account=a, mobile=r["预留手机号码"])


def _participant_values(p: ParticipantProfile) -> dict[str, str]:
    return {"结算参与人代码": p.code, "机构全称": p.institution.name, "统一社会信用代码": p.institution.uscc}


def _participant_update(p: ParticipantProfile, r: dict, actor):
    institution = p.institution
    institution_update(
        institution=institution,
        name=r["机构全称"],
        code=institution.code,
        uscc=r["统一社会信用代码"],
        is_active=institution.is_active,
        actor=actor,
    )
    return p


def _unit_values(u: CustodyUnit) -> dict[str, str]:
    return {"托管单元代码": u.code, "结算参与人代码": u.participant.code, "名称": u.name}


def _unit_update(u: CustodyUnit, r: dict, actor):
    return custody_unit_update(unit=u, name=r["名称"])


def _ledger_rows():
    return LedgerAccount.objects.filter(kind__in=list(LEDGER_OWNER_KINDS)).select_related("owner")


def _ledger_values(a) -> dict[str, str]:
    return {
        "账号": a.number,
        "户名": a.name,
        "账户类型": _label(AccountKind.choices, a.kind),
        "所属机构代码": a.owner.code if a.owner else "",
    }


def _ledger_update(a, r: dict, actor):
    return ledger_account_rename(account=a, name=r["户名"])


def _ledger_exclude(a) -> dict:
    return {LedgerAccount: a.pk}


EDITABLE: dict[str, Editable] = {
    "securities": Editable(
        lambda: Security.objects.select_related("issuer"),
        "code",
        _security_values,
        ("证券简称", "证券类别", "市场", "发行人代码"),
        "证券状态只经“证券状态变更”办理（留有变更记录）；证券代码只经代码转换办理。",
        _security_update,
        lambda s: {Security: s.pk},
        ("code", "name"),
    ),
    "investors": Editable(
        lambda: Investor.objects.all(),
        "ymt_number",
        _investor_values,
        ("投资者名称", "证件类型", "证件号码", "股东性质"),
        "一码通账户号码是投资者的标识，不可修改。",
        _investor_update,
        lambda i: {Investor: i.pk},
        ("ymt_number",),
        "startswith",
    ),
    "accounts": Editable(
        lambda: SecuritiesAccount.objects.select_related("investor", "custody_unit"),
        "number",
        _account_values,
        ("预留手机号码",),
        "账户的持有人（一码通账户）、市场和托管单元决定持有的证券归谁、由谁托管，"
        "只能经非交易过户、转托管等业务（双人复核）变更，不在此修改。",
        _account_update,
        lambda a: {SecuritiesAccount: a.pk},
        ("number",),
        "startswith",
    ),
    "participants": Editable(
        lambda: ParticipantProfile.objects.select_related("institution"),
        "code",
        _participant_values,
        ("机构全称", "统一社会信用代码"),
        "结算参与人代码是参与人的标识，不可修改。",
        _participant_update,
        lambda p: {ParticipantProfile: p.pk, Institution: p.institution_id},
        ("code", "institution__name"),
    ),
    "custody_units": Editable(
        lambda: CustodyUnit.objects.select_related("participant"),
        "code",
        _unit_values,
        ("名称",),
        "托管单元所属的结算参与人决定其下账户的证券由谁托管，只能经转托管业务变更，不在此修改。",
        _unit_update,
        lambda u: {CustodyUnit: u.pk},
        ("code", "name"),
    ),
    "ledger_accounts": Editable(
        _ledger_rows,
        "number",
        _ledger_values,
        ("户名",),
        "账户类型、所属机构和余额涉及资金，只能经资金划转业务（双人复核）变更，不在此修改。",
        _ledger_update,
        _ledger_exclude,
        ("number", "name"),
    ),
}


UPPER_CASE = {"证件号码", "统一社会信用代码"}


def master_record_get(kind: str, key: str):
    """The record of a kind named by its key, or None."""
    editable = EDITABLE.get(kind)
    if editable is None or not key:
        return None
    return editable.rows().filter(**{editable.key_field: key}).first()


def master_record_update(*, kind: str, key: str, values: dict[str, str], actor) -> dict:
    """Correct one record: the editable columns from ``values``, every other column kept, the whole row
    checked by the import's rule (its own values are no duplicate of itself) and saved by the entity's
    service; an audit event keeps the changed columns before and after. Returns {column: (before, after)}
    (empty: nothing changed, nothing written)."""
    spec, editable = SPECS.get(kind), EDITABLE.get(kind)
    obj = master_record_get(kind, key)
    if spec is None or editable is None or obj is None:
        raise ImportRefused("要修改的记录不存在。", code="master_import.not_found")
    before = editable.values(obj)
    submitted = _record(kind, values)
    after = {h: (submitted[h] if h in editable.editable else before[h]) for h in before}
    for header in UPPER_CASE & set(editable.editable):  # stored upper-cased: "x" for "X" is no change
        after[header] = after[header].upper()
    problems = [
        Problem(p.message, field=p.field) for p in _problems(spec, [(1, after)], actor, exclude=editable.exclude(obj))
    ]
    if problems:
        raise _refused(spec.label, problems, "修改")
    changed = {h: (before[h], after[h]) for h in before if before[h] != after[h]}
    if not changed:
        return {}
    with transaction.atomic():
        editable.update(obj, after, actor)
        audit_record(
            actor=actor,
            action="master_record_update",
            object_type=f"master_record.{kind}",
            object_id=key,
            to_state="updated",
            data={
                "kind": kind,
                "before": {h: old for h, (old, _) in changed.items()},
                "after": {h: new for h, (_, new) in changed.items()},
            },
        )
    return changed
