"""Forms of the pledge board. They check shape with Chinese messages; the rules live in services.
Amounts are entered in yuan (two decimals) and kept in fen; rates in percent, kept in basis points."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from csdp.counter.forms import MultipleFileField, MultipleFileInput
from csdp.pledge import selectors
from csdp.pledge.models import Side
from csdp.pledge.services import PostingData
from csdp.pledge.states import BOARD, PostingStatus
from csdp.register.selectors import holdings_of, pledgeable_quantity
from csdp.securities.models import IdType, Market, SecurityKind
from django.contrib.auth.password_validation import validate_password

_R = {"required": "此项为必填项。"}


def _yuan(label, required=True):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0.01"),
        max_digits=16,
        decimal_places=2,
        error_messages={**_R, "invalid": "请填写金额（元，最多两位小数）。", "min_value": "金额须大于 0。"},
    )


def _rate(label, required=True):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        error_messages={**_R, "invalid": "请填写年利率（%）。"},
    )


def to_fen(yuan: Decimal) -> int:
    return int(yuan * 100)


def to_bp(percent: Decimal) -> int:
    return int(percent * 100)


class PostingForm(forms.Form):
    """信息发布 (004 §八): the pledgor area or the lender area, chosen by ``side``."""

    title = forms.CharField(label="标题", max_length=60, error_messages=_R)
    holding = forms.ChoiceField(label="质押证券（本人持有）", required=False)
    quantity_shares = forms.IntegerField(label="质押数量（股/份）", required=False, min_value=1)
    accepted_kinds = forms.MultipleChoiceField(
        label="可接受的证券类别", required=False, choices=SecurityKind.choices, widget=forms.CheckboxSelectMultiple
    )
    accepted_codes = forms.RegexField(
        label="可接受的证券代码（逗号分隔，可空）",
        required=False,
        max_length=200,
        regex=r"^\s*(\d{6}\s*(,\s*\d{6}\s*)*)?$",
        error_messages={"invalid": "证券代码为 6 位数字，多个以逗号分隔。"},
    )
    amount_yuan = _yuan("金额（元）")
    term_months = forms.IntegerField(label="期限（月）", min_value=1, max_value=360, error_messages=_R)
    rate_min_percent = _rate("年利率下限（%）", required=False)
    rate_max_percent = _rate("年利率（上限，%）")
    valid_until = forms.DateField(
        label="有效期至",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={**_R, "invalid": "请填写有效的日期（YYYY-MM-DD）。"},
    )
    description = forms.CharField(
        label="补充说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, side: str, profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.side = side
        if side == Side.PLEDGOR:
            self.fields["holding"].required = True
            self.fields["quantity_shares"].required = True
            self.fields["holding"].choices = [("", "请选择")] + holding_choices(profile)
            del self.fields["accepted_kinds"], self.fields["accepted_codes"]
        else:
            del self.fields["holding"], self.fields["quantity_shares"], self.fields["rate_min_percent"]
            self.fields["rate_max_percent"].label = "年利率（%）"

    def to_data(self) -> PostingData:
        d = self.cleaned_data
        rate_max = to_bp(d["rate_max_percent"])
        rate_min = to_bp(d["rate_min_percent"]) if d.get("rate_min_percent") is not None else rate_max
        common = dict(
            side=self.side,
            amount_fen=to_fen(d["amount_yuan"]),
            term_months=d["term_months"],
            rate_min_bp=rate_min,
            rate_max_bp=rate_max,
            valid_until=d["valid_until"],
            title=d["title"],
            description=d["description"],
        )
        if self.side == Side.PLEDGOR:
            account_id, security_id = (int(x) for x in d["holding"].split(":"))
            return PostingData(
                **common, account_id=account_id, security_id=security_id, quantity_shares=d["quantity_shares"]
            )
        codes = ",".join(c.strip() for c in d["accepted_codes"].split(",") if c.strip())
        return PostingData(**common, accepted_kinds=",".join(d["accepted_kinds"]), accepted_codes=codes)


def holding_choices(profile) -> list[tuple[str, str]]:
    """The user's own unrestricted holdings, with what was pledgeable at the previous trading day's EOD."""
    as_of = selectors.previous_trading_day()
    choices, seen = [], set()
    for account in selectors.investor_accounts(profile):
        for h in holdings_of(account):
            key = f"{account.pk}:{h.security.pk}"
            if key in seen or h.share_nature != "00":
                continue
            seen.add(key)
            free = pledgeable_quantity(account=account, security=h.security, as_of=as_of)
            choices.append((key, f"{account.number} · {h.security.code} {h.security.name} · 可质押 {free:,} 股"))
    return choices


def initial_from(posting) -> dict:
    return {
        "title": posting.title,
        "holding": f"{posting.account_id}:{posting.security_id}" if posting.account_id else "",
        "quantity_shares": posting.quantity_shares,
        "amount_yuan": Decimal(posting.amount_fen) / 100,
        "term_months": posting.term_months,
        "rate_min_percent": Decimal(posting.rate_min_bp) / 100,
        "rate_max_percent": Decimal(posting.rate_max_bp) / 100,
        "valid_until": posting.valid_until,
        "description": posting.description,
        "accepted_codes": posting.accepted_codes,
        "accepted_kinds": [k for k in posting.accepted_kinds.split(",") if k],
    }


class BoardFilterForm(forms.Form):
    """信息浏览与筛选 (004 §十四)."""

    side = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + Side.choices)
    kind = forms.ChoiceField(label="证券类别", required=False, choices=[("", "全部")] + SecurityKind.choices)
    code = forms.RegexField(label="证券代码", required=False, regex=r"^\d{6}$", error_messages={"invalid": "6 位数字"})
    amount_min_yuan = _yuan("金额不低于（元）", required=False)
    amount_max_yuan = _yuan("金额不高于（元）", required=False)
    rate_max_percent = _rate("年利率不高于（%）", required=False)
    term_max_months = forms.IntegerField(label="期限不超过（月）", required=False, min_value=1)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部")] + [(s.value, s.label) for s in PostingStatus if s in BOARD]
    )
    keyword = forms.CharField(label="关键字", required=False, max_length=30)
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[
            ("recent", "最新发布"),
            ("amount", "金额从高到低"),
            ("amount_asc", "金额从低到高"),
            ("rate", "利率从低到高"),
            ("term", "期限从短到长"),
        ],
    )

    def spec(self) -> selectors.BoardFilter:
        d = self.cleaned_data
        return selectors.BoardFilter(
            side=d.get("side") or "",
            kind=d.get("kind") or "",
            code=d.get("code") or "",
            amount_min_fen=to_fen(d["amount_min_yuan"]) if d.get("amount_min_yuan") else None,
            amount_max_fen=to_fen(d["amount_max_yuan"]) if d.get("amount_max_yuan") else None,
            rate_max_bp=to_bp(d["rate_max_percent"]) if d.get("rate_max_percent") is not None else None,
            term_max_months=d.get("term_max_months"),
            status=d.get("status") or "",
            keyword=(d.get("keyword") or "").strip(),
            sort=d.get("sort") or "recent",
        )


class PlatformInfoForm(forms.Form):
    """业务平台信息 (004 §七)."""

    contact_name = forms.CharField(label="联系人", max_length=50, error_messages=_R)
    contact_phone = forms.RegexField(
        label="联系电话",
        regex=r"^[0-9\-+ ]{7,20}$",
        max_length=30,
        error_messages={**_R, "invalid": "请填写有效的电话号码。"},
    )
    contact_email = forms.EmailField(label="联系邮箱", required=False, error_messages={"invalid": "请填写有效的邮箱。"})
    region = forms.CharField(label="所在地区", max_length=100, error_messages=_R)
    business_intro = forms.CharField(
        label="业务简介", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )


class InvestorRegisterForm(forms.Form):
    """004 §六(一): ID number and a securities account of that investor, the site login, and proof of
    control of the account — the SMS code sent to the mobile on file with the custody participant,
    or (without one) a request the participant confirms. Which fields a button needs: the view."""

    id_number = forms.CharField(label="证件号码", max_length=30, error_messages=_R)
    account_number = forms.RegexField(
        label="证券账户号码", regex=r"^[0-9A-Za-z]{10}$", error_messages={**_R, "invalid": "证券账户为 10 位。"}
    )
    username = forms.RegexField(
        label="用户名",
        regex=r"^[A-Za-z0-9_]{4,30}$",
        error_messages={**_R, "invalid": "用户名为 4-30 位字母、数字或下划线。"},
    )
    sms_code = forms.RegexField(
        label="短信验证码（发送至托管参与人处预留的手机）",
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": "短信验证码为 6 位数字。"},
    )
    password = forms.CharField(
        label="登录密码（短信验证方式）",
        widget=forms.PasswordInput,
        min_length=10,
        required=False,
        error_messages={"min_length": "密码至少 10 位。"},
    )
    mobile = forms.RegexField(
        label="手机号码（托管参与人确认方式，用于接收临时密码）",
        regex=r"^1\d{10}$",
        required=False,
        error_messages={"invalid": "请填写 11 位手机号码。"},
    )
    email = forms.EmailField(label="电子邮箱", required=False)
    captcha = forms.CharField(label="图形验证码", max_length=8, required=False)

    def clean_password(self):
        if self.cleaned_data["password"]:
            validate_password(self.cleaned_data["password"])
        return self.cleaned_data["password"]


class HolderRefuseForm(forms.Form):
    reason = forms.CharField(label="拒绝原因", max_length=500, error_messages=_R)


class LenderApplyForm(forms.Form):
    """004 §六(二): lenders without an account apply with materials."""

    name = forms.CharField(label="机构或个人名称", max_length=200, error_messages=_R)
    id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices, error_messages=_R)
    id_number = forms.CharField(label="证件号码", max_length=30, error_messages=_R)
    username = forms.RegexField(
        label="拟用用户名",
        regex=r"^[A-Za-z0-9_]{4,30}$",
        error_messages={**_R, "invalid": "用户名为 4-30 位字母、数字或下划线。"},
    )
    mobile = forms.RegexField(
        label="手机号码", regex=r"^1\d{10}$", error_messages={**_R, "invalid": "请填写 11 位手机号码。"}
    )
    email = forms.EmailField(label="电子邮箱", error_messages={**_R, "invalid": "请填写有效的邮箱。"})
    materials = MultipleFileField(
        label="申请材料（营业执照或身份证明、资金出借资质等扫描件：PDF/PNG/JPEG）",
        widget=MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )
    captcha = forms.CharField(label="图形验证码", max_length=8, error_messages=_R)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因 / 意见",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写原因。"},
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label="私信内容",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写私信内容。", "max_length": "私信不超过 2000 字。"},
    )


class LprForm(forms.Form):
    effective_date = forms.DateField(
        label="生效日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), error_messages=_R
    )
    one_year_percent = _rate("一年期LPR（%）")
    source = forms.CharField(label="来源", max_length=200, error_messages=_R)


class MultipleForm(forms.Form):
    rate_cap_multiple = forms.DecimalField(
        label="利率上限倍数",
        min_value=Decimal("1"),
        max_value=Decimal("10"),
        max_digits=4,
        decimal_places=2,
        error_messages=_R,
    )


class RestrictedSettingForm(forms.Form):
    restricted_pledgeable = forms.BooleanField(label="限售股份可列入可质押数量", required=False)


class EligibleForm(forms.Form):
    market = forms.ChoiceField(label="市场", choices=Market.choices)
    kind = forms.ChoiceField(label="证券类别", choices=SecurityKind.choices)
    note = forms.CharField(label="依据", max_length=200, required=False)
