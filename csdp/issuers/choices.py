"""Fixed option lists of the registration and maintenance forms (seed 000 §一(一), §二(三))."""

from __future__ import annotations

from django.db import models


class MaterialKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", "营业执照"
    ORG_CODE_CERT = "org_code_cert", "组织机构代码证"
    LEGAL_REP_ID = "legal_rep_id", "法定代表人身份证明文件"
    AGENT_ID = "agent_id", "经办人身份证明文件"
    LEGAL_REP_CERT = "legal_rep_cert", "法定代表人证明书"
    AUTHORIZATION = "authorization", "法定代表人授权委托书"
    TAX_REGISTRATION = "tax_registration", "税务登记证"
    GENERAL_TAXPAYER = "general_taxpayer", "一般纳税人资格证明"
    CHANGE_SUPPORT = "change_support", "变更证明材料"


# 000 §一(一)8: every one of these is required, the organisation-code certificate unless 三证合一.
REGISTRATION_MATERIALS = [
    MaterialKind.BUSINESS_LICENCE,
    MaterialKind.ORG_CODE_CERT,
    MaterialKind.LEGAL_REP_ID,
    MaterialKind.AGENT_ID,
    MaterialKind.LEGAL_REP_CERT,
    MaterialKind.AUTHORIZATION,
]


def registration_materials(three_in_one: bool) -> list[str]:
    return [k for k in REGISTRATION_MATERIALS if not (three_in_one and k == MaterialKind.ORG_CODE_CERT)]


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO_PERMIT = "hk_macao", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "taiwan", "台湾居民来往大陆通行证"
    FOREIGN_PR = "foreign_pr", "外国人永久居留身份证"


# The options the real registration form offers (000 §一(一)6 图1-6). Only the issuer ones may be
# chosen; anything else "cannot be approved", so the form refuses it with the manual's warning.
INSTITUTION_TYPES = [
    ("issuer_beijing", "发行人：北京市场发行人"),
    ("issuer_shanghai", "发行人：上海市场发行人"),
    ("issuer_shenzhen", "发行人：深圳市场发行人"),
    ("fund_manager", "基金管理人"),
    ("other", "其他机构"),
]
PARTICIPANT_TYPES = [
    ("settlement", "结算参与人"),
    ("custodian", "托管人"),
    ("securities_company", "证券公司"),
]
PLATFORMS = [
    ("bj_issuer", "北京市场发行人服务"),
    ("sh_issuer", "上海市场发行人服务"),
    ("sz_issuer", "深圳市场发行人服务"),
    ("participant", "结算参与人服务"),
    ("fund", "开放式基金服务"),
]
ROLES = [
    ("issuer", "发行人"),
    ("participant", "结算参与人"),
    ("custodian", "托管人"),
    ("fund_manager", "基金管理人"),
]
ALLOWED_INSTITUTION_TYPE, ALLOWED_PLATFORM, ALLOWED_ROLE = "issuer_beijing", "bj_issuer", "issuer"
WRONG_TYPE_WARNING = (
    "机构类型只能选择“发行人：北京市场发行人”（请勿勾选参与人类型）；申请平台及角色只能选择"
    "“平台：北京市场发行人服务”及“角色：发行人”。若选择其他选项，注册申请将无法被审核，请务必注意！"
)

# Wizard steps before the forms (000 §一(一)2–5).
USER_CATEGORIES = [("participant_user", "参与人用户"), ("investor_user", "投资者用户")]
REGISTRATION_METHODS = [("online", "在线注册"), ("offline", "线下注册（提交纸质材料）")]


class TaxpayerType(models.TextChoices):
    GENERAL = "general", "一般纳税人"
    SMALL = "small", "非一般纳税人"


class InvoiceType(models.TextChoices):
    PAPER_SPECIAL = "paper_special", "纸质增值税专用发票"
    E_ORDINARY = "e_ordinary", "增值税电子普通发票"


# 000 §二(三)1: a general taxpayer may take either; anyone else only the electronic ordinary invoice.
INVOICE_TYPES_FOR = {
    TaxpayerType.GENERAL: {InvoiceType.PAPER_SPECIAL, InvoiceType.E_ORDINARY},
    TaxpayerType.SMALL: {InvoiceType.E_ORDINARY},
}
