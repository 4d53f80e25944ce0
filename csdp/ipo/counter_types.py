"""The IPO's business types on the virtual counter (issue 4 §6 plug-in): the T-1 share-registration
application (002 §2.1.1(二), 附件2)."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from csdp.clock.services import business_today
from csdp.counter.registry import BusinessTypeSpec, FilingContext, register_business_type
from csdp.ipo.models import LockupShareholder, Offering, OfferingStatus
from csdp.ipo.transitions import offering_transition
from csdp.securities.models import SecuritiesAccount
from csdp.securities.services import security_code_change_register

SWITCH_TEXT = ("我公司申请于上市前一交易日（代码切换日）将原股票代码切换为北交所股票代码；公开发行期间暂停办理向特定对象发行股票登记、"
               "证券权益分派、股份限售登记、股份解除限售登记、股权激励、网络投票等可能影响代码切换的业务（附件2）。")


class ShareRegistrationForm(forms.Form):
    suspension_commitment = forms.BooleanField(
        label="发行人关于暂停办理影响股份登记的其他业务的承诺（002 §2.1.1(二)1）", required=True,
        error_messages={"required": "须作出暂停办理影响股份登记的其他业务的承诺。"})
    old_code = forms.RegexField(label="原新三板股票代码（挂牌公司填写）", regex=r"^\d{6}$", required=False,
                                error_messages={"invalid": "原股票代码应为 6 位数字。"})
    code_switch_application = forms.BooleanField(label=SWITCH_TEXT, required=False)
    lockups = forms.CharField(
        label="限售股东名单（每行：证券账户号码,限售股数,限售截止日 YYYY-MM-DD）", widget=forms.Textarea(attrs={"rows": 6}),
        required=False)

    def clean(self):
        data = super().clean()
        if data.get("old_code") and not data.get("code_switch_application"):
            raise ValidationError("挂牌公司须提交关于股票代码切换相关事宜的申请及承诺（附件2）。")
        return data


def parse_lockups(text: str) -> list[tuple[str, int, dt.date]]:
    rows, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        try:
            account, shares, end = parts[0], int(parts[1]), dt.date.fromisoformat(parts[2])
            if len(account) != 10 or shares <= 0:
                raise ValueError
        except (IndexError, ValueError):
            problems.append(f"第 {number} 行应为“证券账户号码,限售股数,限售截止日”")
            continue
        rows.append((account, shares, end))
    if problems:
        raise ValidationError("限售股东名单：" + "；".join(problems))
    return rows


def _offering_of(context: FilingContext) -> Offering:
    offering = Offering.objects.filter(code=context.securities_code, issuer=context.institution).first()
    if offering is None:
        raise ValidationError(f"证券代码 {context.securities_code} 没有本机构的公开发行。")
    return offering


def validate_share_registration(context: FilingContext) -> None:
    offering = _offering_of(context)
    if offering.status != OfferingStatus.PREPARING:
        raise ValidationError("该发行已申请登记或已进入发行阶段。")
    if business_today() > offering.day(-1):
        raise ValidationError(f"应在 T-1 日（{offering.day(-1)}）前提交股份登记申请（002 §2.1.1(二)）。")
    if not context.data.get("suspension_commitment"):
        raise ValidationError("须作出暂停办理影响股份登记的其他业务的承诺（002 §2.1.1(二)1）。")
    if context.data.get("old_code") and not context.data.get("code_switch_application"):
        raise ValidationError("挂牌公司须提交关于股票代码切换相关事宜的申请及承诺（附件2）。")
    lockups = parse_lockups(context.data.get("lockups", ""))
    known = set(SecuritiesAccount.objects.filter(number__in=[a for a, _, _ in lockups]).values_list("number", flat=True))
    missing = [a for a, _, _ in lockups if a not in known]
    if missing:
        raise ValidationError(f"限售股东证券账户未登记：{', '.join(missing[:20])}")
    early = [a for a, _, end in lockups if end <= offering.listing_date]
    if early:
        raise ValidationError(f"限售截止日应晚于上市日 {offering.listing_date}：{', '.join(early[:20])}")


def share_registration_finished(application) -> None:
    """Runs inside the transaction that finishes the counter application."""
    offering = Offering.objects.select_for_update().get(code=application.securities_code)
    data = application.rounds.order_by("-number").first().data  # the round the staff accepted
    lockups = parse_lockups(data.get("lockups", ""))
    accounts = dict(SecuritiesAccount.objects.filter(number__in=[a for a, _, _ in lockups]).values_list("number", "pk"))
    with transaction.atomic():
        LockupShareholder.objects.bulk_create(
            LockupShareholder(offering=offering, account_id=accounts[a], shares=s, lockup_end=e, application_id=application.pk)
            for a, s, e in lockups)
        if data.get("old_code"):
            offering.old_code = data["old_code"]
            offering.save(update_fields=["old_code"])
            # rules.md §5: the switch follows the mapping table, never a formula alone.
            security_code_change_register(old_code=offering.old_code, new_code=offering.code,
                                          effective_date=offering.l_minus_1, reason="北交所公开发行并上市，L-1 代码切换（附件2）")
        offering_transition(offering=offering, to=OfferingStatus.APPLIED, reason=f"虚拟柜台申请 {application.pk} 办结")


SHARE_REGISTRATION = register_business_type(BusinessTypeSpec(
    code="11", name="新股发行股份登记申请（T-1）", filer_kinds={"issuer"}, form_class=ShareRegistrationForm,
    validate=validate_share_registration, on_finished=share_registration_finished, attachments_required=True,
    guide=("北交所公开发行：发行人应在 T-1 日前申请办理股份登记，填报北交所要求限售的股东信息，并提交："
           "1. 发行人关于暂停办理影响股份登记的其他业务的承诺；2. 挂牌公司公开发行并上市的，关于股票代码切换相关事宜的申请及承诺（附件2）；"
           "3. 本公司要求提供的其他材料。材料均需加盖发行人公章，多页材料加盖骑缝章（002 §2.1.1）。"),
))
