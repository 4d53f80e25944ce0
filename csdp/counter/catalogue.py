"""The standard catalogue: the issuer businesses the manual's function bar names (seed 000 §一(四):
股份初始登记, 新增股份登记, 股份解除限售登记, 股份限售登记, 权益分派, 退出登记, 信息查询) and
00-其他 for anything else (seed 000 §三(一)6).

`catalogue_sync()` creates the missing rows — for these defaults and for every registered spec —
and never overwrites what staff have edited. It runs after every migrate and in the demo seeder,
so a business type registered by another app appears in the catalogue without a migration here.
"""

from __future__ import annotations

from dataclasses import dataclass

from csdp.audit.services import audit_record
from csdp.counter.models import BusinessType, BusinessTemplate
from csdp.counter.registry import registered_specs
from csdp.uploads.services import upload_store
from django.db import DEFAULT_DB_ALIAS, connections, transaction

_MATERIALS_NOTE = (
    "请按以下清单准备材料，加盖公章后扫描，合并成 1-2 个压缩包（ZIP）或 1 个 PDF 文件上传。"  # 000 §三(一)7
)


@dataclass(frozen=True)
class DefaultType:
    code: str
    name: str
    materials: tuple[str, ...]
    sort_order: int


DEFAULT_TYPES = (
    DefaultType(
        "01",
        "股份初始登记",
        (
            "《股份初始登记申请书》",
            "证券发行登记与交易所同意挂牌/上市的文件",
            "全体股东名册及持股明细（电子版与盖章版）",
            "限售股份明细及限售承诺",
            "法定代表人授权委托书",
        ),
        10,
    ),
    DefaultType(
        "02",
        "新增股份登记",
        ("《新增股份登记申请书》", "证监会注册或核准文件", "验资报告", "新增股份持有人名册及限售安排"),
        20,
    ),
    DefaultType(
        "03",
        "股份解除限售登记",
        ("《股份解除限售登记申请表》", "解除限售股东明细", "保荐机构核查意见", "交易所同意解除限售的文件"),
        30,
    ),
    DefaultType("04", "股份限售登记", ("《股份限售登记申请表》", "限售股东明细及限售期限", "限售承诺函"), 40),
    DefaultType(
        "05",
        "权益分派",
        ("《权益分派申请表》", "股东大会决议", "权益分派实施公告（草案）"),
        50,
    ),
    DefaultType("06", "退出登记", ("《退出登记申请书》", "终止上市/挂牌的决定文件", "股东名册移交确认书"), 60),
    DefaultType("00", "其他", ("业务申请书（写明所办业务与诉求）", "与业务相关的证明文件"), 990),
)


# Materials a default guide once listed: a row still holding that text was never edited by staff.
# 05 asked for the funding's payment voucher at filing; the funding is declared on the distribution's page
# after the plan's approval (csdp/dividend/funding.py).
_FORMER_MATERIALS = {
    "05": ("《权益分派申请表》", "股东大会决议", "权益分派实施公告（草案）", "委托代派现金红利的资金划付凭证"),
}


def default_guide(name: str, materials: tuple[str, ...]) -> str:
    lines = [f"【{name}】业务指南", _MATERIALS_NOTE, "所需材料："]
    lines += [f"{i}. {item}" for i, item in enumerate(materials, 1)]
    lines.append("提交后请关注办理意见：如被退回，请按意见修改或确认材料后重新提交。")
    return "\n".join(lines)


def catalogue_sync() -> int:
    """Create missing catalogue rows; return how many were created. A code both in the defaults and
    registered by an app takes the app's guide (its rules, as configured), not the generic list; a row
    whose guide is still a generic text this function wrote (never edited by staff) is given it too."""
    specs = {spec.code: spec for spec in registered_specs()}
    created = 0
    for item in DEFAULT_TYPES:
        spec = specs.get(item.code)
        guide = spec.guide if spec is not None and spec.guide else default_guide(item.name, item.materials)
        row, made = BusinessType.objects.get_or_create(
            code=item.code,
            defaults={
                "name": item.name,
                "guide": guide,
                "filer_kinds": ["issuer"],
                "sort_order": item.sort_order,
            },
        )
        created += made
        if not made and row.guide != guide and row.guide in _generic_guides(item):
            row.guide = guide
            row.save(update_fields=["guide"])
    for spec in registered_specs():
        _, made = BusinessType.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "guide": spec.guide,
                "filer_kinds": sorted(spec.filer_kinds),
                "sort_order": int(spec.code) * 10 if spec.code.isdigit() else 500,
            },
        )
        created += made
    return created


def _generic_guides(item: DefaultType) -> set[str]:
    texts = {default_guide(item.name, item.materials)}
    if item.code in _FORMER_MATERIALS:
        texts.add(default_guide(item.name, _FORMER_MATERIALS[item.code]))
    return texts


def catalogue_sync_after_migrate(sender, using="default", **kwargs) -> None:
    # `migrate <other app>` may run before our tables exist.
    if using == DEFAULT_DB_ALIAS and BusinessType._meta.db_table in connections[using].introspection.table_names():
        catalogue_sync()


# --- staff edits of the catalogue (admin, operator) ------------------------------------------------


def business_type_update(
    *, business_type, actor, name: str, guide: str, filer_kinds: list[str], handlers, is_active: bool, sort_order: int
):
    with transaction.atomic():
        business_type.name, business_type.guide = name.strip(), guide.strip()
        if business_type.spec is None:  # a structured type's filers are fixed by its spec
            business_type.filer_kinds = sorted(set(filer_kinds))
        business_type.is_active, business_type.sort_order = is_active, sort_order
        business_type.save()
        business_type.handlers.set(handlers)
        audit_record(
            actor=actor,
            obj=business_type,
            action="counter.catalogue_edit",
            data={"name": business_type.name, "active": is_active, "handlers": sorted(h.username for h in handlers)},
        )
    return business_type


def template_add(*, business_type, actor, title: str, file):
    """A downloadable template for the guide, stored through the upload service (kind "result":
    PDF or Excel). Raises csdp.uploads.errors.UploadRejected."""
    with transaction.atomic():
        stored = upload_store(file=file, kind="result", owner=None, actor=actor)
        row = BusinessTemplate.objects.create(
            business_type=business_type, title=title.strip(), stored_file=stored, uploaded_by=actor
        )
        audit_record(
            actor=actor,
            obj=business_type,
            action="counter.template_add",
            data={"title": row.title, "sha256": stored.sha256},
        )
    return row


def template_remove(*, template, actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor, obj=template.business_type, action="counter.template_remove", data={"title": template.title}
        )
        template.delete()
