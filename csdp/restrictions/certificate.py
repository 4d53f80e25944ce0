"""质押登记证明: a one-page PDF for both parties, carrying a verification code that anyone can check
on the public verify page (the page shows the pledge as the register has it now)."""

from __future__ import annotations

from django.urls import reverse

from csdp.lib.pdf import text_pdf
from csdp.register.models import ShareNature
from csdp.restrictions.models import Pledge


def certificate_pdf(pledge: Pledge, *, base_url: str = "") -> bytes:
    nature = ShareNature(pledge.share_nature).label
    rows = [
        ("质押登记编号", pledge.number),
        ("出质人", pledge.pledgor_name),
        ("出质人证券账户", pledge.pledgor_account.number),
        ("质权人", pledge.pledgee_name),
        ("证券代码及简称", f"{pledge.security.code} {pledge.security.name}"),
        ("股份性质", nature + (f"（限售截止日 {pledge.lockup_end:%Y-%m-%d}）" if pledge.lockup_end else "")),
        ("质押数量", f"{pledge.quantity_shares:,} 股"),
        ("主债权金额", f"{pledge.debt_amount_fen // 100:,}.{pledge.debt_amount_fen % 100:02d} 元"),
        ("债务履行期限", f"{pledge.debt_start:%Y-%m-%d} 至 {pledge.debt_end:%Y-%m-%d}"),
        ("质押合同编号", pledge.contract_number),
        ("登记日期", f"{pledge.registered_on:%Y-%m-%d}"),
    ]
    lines = [(160, 770, 20, "证券质押登记证明"), (72, 730, 11, f"{pledge.pledgor_name}、{pledge.pledgee_name}：")]
    lines.append((72, 710, 11, "根据你们的申请，本公司已办理下列证券的质押登记："))
    y = 680
    for label, value in rows:
        lines.append((90, y, 11, f"{label}：{value}"))
        y -= 22
    verify = base_url + reverse("restrictions:verify")
    lines += [
        (72, y - 10, 11, f"验证码：{pledge.verify_code}"),
        (72, y - 32, 10, f"可在 {verify} 输入验证码核验本证明及该质押的当前状态。"),
        (72, y - 54, 10, "质押登记自登记日起生效；解除质押以本公司登记为准。"),
        (360, y - 100, 12, "中国证券登记结算有限责任公司"),
    ]
    return text_pdf(title=f"证券质押登记证明 {pledge.number}", lines=lines)
