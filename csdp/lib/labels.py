"""Chinese labels for the codes the platform stores (issue 19 §5: text for users, not for us).

Audit actions (``offering.transition``), states (``preparing``), message purposes (``ipo_stop``) and
choice values (``stock``) are stable codes for programs; a page, a message or a file shows the label.
States and choice values come from the models' own choices; actions and purposes are listed here,
with a derived label (object name + verb) for a code not listed, and never the raw code.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from django.apps import apps
import re

SYSTEM_ACTOR = "系统"

# The last part of an audit action: what was done to the object.
VERBS = {
    "create": "创建",
    "transition": "状态变更",
    "submit": "提交",
    "approve": "批准",
    "reject": "驳回",
    "issue": "签发",
    "issued": "出具",
    "revoke": "作废",
    "expire": "到期",
    "update": "修改",
    "add": "新增",
    "delete": "删除",
    "remove": "删除",
    "lock": "锁定",
    "locked": "锁定",
    "enrol": "启用",
    "record": "登记",
    "confirm": "确认",
    "declare": "申报",
    "deposit": "存入",
    "withdraw": "划回",
    "open": "开立",
    "close": "关闭",
    "stop": "中止发行",
    "draft": "暂存",
    "assign": "分派",
    "apply": "申请",
    "register": "注册",
    "set": "设置",
    "handle": "处理",
    "flagged": "标记异常",
    "flag_cleared": "解除标记",
    "expired": "已过期",
}

ACTIONS = {
    "agent.update": "修改经办人信息",
    "api_token.create": "创建接口令牌",
    "api_token.revoke": "作废接口令牌",
    "calendar.close": "登记休市日",
    "calendar.open": "取消休市日",
    "certificate.expire": "证书到期",
    "master_import": "主数据批量导入",
    "master_record_create": "主数据逐条录入",
    "master_record_update": "主数据修改",
    "certificate.issue": "签发证书",
    "certificate.revoke": "作废证书",
    "code.locked": "验证码锁定",
    "counter.assign": "分派业务",
    "counter.catalogue_edit": "修改业务目录",
    "counter.draft": "暂存业务申请",
    "counter.result_attach": "上传办理结果",
    "counter.result_remove": "删除办理结果",
    "counter.template_add": "上传模板",
    "counter.template_remove": "删除模板",
    "fee_invoice.issue": "开具发票",
    "fee_notice.issued": "出具付款通知",
    "fee_notice.payment_declared": "申报已付款",
    "fee_payment.record": "登记到账",
    "fee_schedule.version_add": "新增收费标准版本",
    "file.stored": "保存文件",
    "greenshoe.agreement_add": "登记延期交付协议",
    "greenshoe.filing_replaced": "替换申报数据",
    "greenshoe.filing_submit": "提交申报数据",
    "greenshoe.filing_transition": "申报数据状态变更",
    "greenshoe.limit_reached": "登记达到限额",
    "greenshoe.option_create": "登记超额配售选择权",
    "greenshoe.special_account_open": "开立专用账户",
    "info_application.submit": "提交信息变更申请",
    "institution.create": "创建机构",
    "institution_info.non_key_update": "修改非关键信息",
    "invoice_info.submit": "提交发票信息",
    "ipo.code_switch_confirm": "确认代码切换",
    "ipo.filing_confirm": "确认申报数据",
    "ipo.filing_submit": "提交申报数据",
    "ipo.shortfall_declare": "申报资金不足",
    "ipo.subscriptions_load": "接收申购数据",
    "key.enrol": "启用 USB-KEY",
    "key.issue": "制作 USB-KEY",
    "key.issue_void": "作废启用验证码",
    "key.lock": "锁定 USB-KEY",
    "key.pin_change": "修改 PIN 码",
    "key.pin_reset": "重置 PIN 码",
    "key_application.submit": "提交 USB-KEY 申请",
    "offering.create": "创建发行",
    "offering.report_account": "报备自营结算备付金账户",
    "offering.stop": "记录发行失败或中止",
    "offering.transition": "发行状态变更",
    "pledge.eligible.add": "新增可质押证券范围",
    "pledge.eligible.delete": "删除可质押证券范围",
    "pledge.lender.apply": "申请出借方权限",
    "pledge.lpr.add": "新增 LPR",
    "pledge.lpr.delete": "删除 LPR",
    "pledge.posting.expired": "质押信息过期",
    "pledge.posting.flag_cleared": "解除质押信息标记",
    "pledge.posting.flagged": "标记质押信息",
    "pledge.posting.submit": "提交质押信息",
    "pledge.profile.platform_info": "填写业务平台信息",
    "pledge.profile.register": "注册质押信息平台用户",
    "pledge.rate_cap.set": "设置利率上限倍数",
    "pledge.report.create": "举报",
    "pledge.report.handle": "处理举报",
    "registration.approve": "批准注册申请",
    "registration.reject": "驳回注册申请",
    "registration.submit": "提交注册申请",
    "reserve.deposit": "存入备付金",
    "reserve.withdraw": "划回备付金",
    "security_status_change": "证券状态变更",
    "dividend.fund_declare": "登记委托代派资金",
    "dividend.fund_confirm": "确认委托代派资金到账",
    "dividend.fund_reject": "驳回委托代派资金登记",
    "dividend.fund_lapse": "委托代派资金登记逾期未确认",
    "dividend.held_release": "冻结解除后派发暂不派发的现金红利",
    "dividend.bonus_on_closed_account": "已注销账户的送转股登记",
    "user.create": "创建用户",
    "user.locked": "用户锁定",
    "user.password_forgot_reset": "短信验证找回密码",
    "user.password_reset": "重置密码（临时密码）",
    "user.password_change": "修改密码",
}

# Prefixes of parametrised actions (``counter.{to_state}``): the object they concern.
ACTION_OBJECTS = {
    "counter": "业务申请",
    "fee_notice": "付款通知",
    "key_application": "USB-KEY 申请",
    "offering": "发行",
    "pledge.lender": "出借方权限申请",
    "pledge.posting": "质押信息",
    "pledge.moderation": "用户管理",
    "greenshoe": "超额配售",
    "ipo": "发行",
    "registration": "注册申请",
    "key": "USB-KEY",
    "certificate": "证书",
}

PURPOSES = {
    "agent_mobile_changed": "经办人手机号变更",
    "attachment": "附件",
    "django_mail": "系统邮件",
    "dividend": "权益分派",
    "dividend_files_ready": "权益分派数据文件已发布",
    "ipo_files_ready": "新股发行数据文件已发布",
    "restrictions.pledge": "证券质押登记",
    "pledge.holder": "质押信息平台注册确认",
    "agent_change_requested": "经办人变更申请",
    "enrol": "USB-KEY 启用",
    "fee_invoice": "发票",
    "fee_notice": "付款通知",
    "info_application_approved": "信息变更申请通过",
    "info_application_rejected": "信息变更申请驳回",
    "ipo_stop": "发行失败或中止",
    "key_application": "USB-KEY 申请",
    "key_issue": "USB-KEY 制作",
    "login": "登录验证码",
    "password_reset": "重置密码",
    "pin_reset": "重置 PIN 码",
    "pledge.lender": "出借方权限",
    "pledge.posting": "质押信息",
    "pledge.recheck": "质押信息复核",
    "pledge.message": "私信",
    "register_rejected": "注册申请驳回",
    "result": "办理结果",
    "sign": "签名验证码",
    "username_lookup": "找回用户名",
    "counter.to_handle": "待办理业务",
    "counter.effected": "业务已办理生效",
    "password_forgot": "找回密码",
    "key_renewal": "证书更新",
}


@cache
def _choices() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """(per model label → {value: label} of its status-like fields, every choice value → its label)."""
    per_model: dict[str, dict[str, str]] = {}
    everywhere: dict[str, str] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            choices = getattr(field, "flatchoices", None)
            if not choices:
                continue
            pairs = {str(value): str(label) for value, label in choices if value not in (None, "")}
            if field.name in ("status", "state", "from_state", "to_state", "from_status", "to_status"):
                per_model.setdefault(model._meta.label_lower, {}).update(pairs)
            for value, label in pairs.items():
                everywhere.setdefault(value, label)
    return per_model, everywhere


def choice_label(value: object, model_label: str | None = None) -> str:
    """The Chinese label of a stored choice value ("" for an empty value; the value itself if it is
    already free text, e.g. Chinese)."""
    if value in (None, ""):
        return ""
    text = str(value)
    per_model, everywhere = _choices()
    if model_label and text in per_model.get(model_label, {}):
        return per_model[model_label][text]
    return everywhere.get(text, text)


def choice_labels(values: str | Iterable[str], model_label: str | None = None, sep: str = "、") -> str:
    """``stock,fund`` → ``股票、基金``."""
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").split(",") if v.strip()]
    return sep.join(choice_label(v.strip(), model_label) for v in values)


def audit_action_label(action: str, object_type: str = "") -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    head, _, tail = action.rpartition(".")
    noun = ACTION_OBJECTS.get(head) or ACTION_OBJECTS.get(head.split(".")[0], "")
    if not noun and object_type:
        noun = _verbose_name(object_type)
    if tail in VERBS:
        return f"{noun}{VERBS[tail]}"
    state = choice_label(tail, object_type)
    if state != tail:
        return f"{noun}：{state}" if noun else state
    return f"{noun}操作" if noun else "其他操作"


def actor_label(label: str) -> str:
    return SYSTEM_ACTOR if label in ("", "system", None) else label


def purpose_label(purpose: str) -> str:
    if purpose in PURPOSES:
        return PURPOSES[purpose]
    if purpose.startswith("counter."):
        state = choice_label(purpose.partition(".")[2], "counter.application")
        return f"业务申请{state}" if state else "业务申请"
    return "业务通知"


def _verbose_name(model_label: str) -> str:
    try:
        name = str(apps.get_model(model_label)._meta.verbose_name)
    except (LookupError, ValueError):
        return ""
    return name if not name.isascii() else ""  # Django's default is the English class name


# A seed or rules citation inside stored text (written by older versions, e.g. a rule's note
# "§九(三) …" or a business guide "…（002 §2.1.1）"): citations belong next to the code, not in front
# of users. New text is written without them; this cleans what is already stored.
_REF = r"(?:(?:seed\s*)?0\d\d\s*|rules\.md\s*)?(?:§[0-9一二三四五六七八九十.()（）–\-]+|第[一二三四五六七八九十]+章)"
_CITE = rf"{_REF}(?:\s*[、,，；;]\s*{_REF})*"
_CITATIONS = [
    (rf"（\s*{_CITE}\s*）", ""),
    (rf"\(\s*{_CITE}\s*\)", ""),
    (rf"[，,]\s*{_CITE}(?=\s*[，,）)])", ""),
    (rf"(?<=[（(]){_CITE}\s*[，,：:]\s*", ""),
    (rf"^\s*{_CITE}\s*", ""),
    (r"（[\w/]+\.py）", ""),  # a source file named in stored text ("（csdp/clock/holidays.py）")
]


def without_citations(text: str) -> str:
    for pattern, replacement in _CITATIONS:
        text = re.sub(pattern, replacement, text)
    return text


# Certificate subject attributes (RFC 4514 names or dotted OIDs) in the words of the certificate page.
DN_ATTRIBUTES = {
    "CN": "用户",
    "O": "机构",
    "OU": "部门",
    "C": "国家",
    "2.5.4.5": "统一社会信用代码",
    "SERIALNUMBER": "统一社会信用代码",
    "L": "城市",
    "ST": "省份",
    "E": "电子邮箱",
}


def subject_label(rfc4514: str) -> str:
    """``2.5.4.5=9111…,O=甲公司,CN=issuer_a`` → ``用户 issuer_a；机构 甲公司；统一社会信用代码 9111…``."""
    parts = [p for p in re.split(r"(?<!\\),", rfc4514 or "") if "=" in p]
    shown = []
    for part in reversed(parts):  # RFC 4514 lists the most specific attribute last
        name, _, value = part.partition("=")
        label = DN_ATTRIBUTES.get(name.strip().upper(), "其他")
        shown.append(f"{label} {value.replace(chr(92), '')}")
    return "；".join(shown)


# Fee exemptions are keyed by the paragraph that grants them (csdp/fees/compute.py EXEMPTIONS); users see why.
EXEMPTIONS = {"002 §2.2.3": "主承销商向延期交付投资者交付股份的非交易过户"}


def exemption_label(reason: str) -> str:
    return EXEMPTIONS.get(reason, without_citations(reason) or "依规定免收")
