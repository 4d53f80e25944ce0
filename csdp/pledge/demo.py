"""Demo pledge board (order 70, after the register): 张明 (demo user "pledger") linked to investor
180000000001 so that his real holdings show, 李华 and 国新投资 as further pledgors, two lenders, postings in
every state, a private conversation and an open report. Idempotent: users by username, postings by
(owner, title)."""

from __future__ import annotations

import datetime as dt

from csdp.accounts.models import User
from csdp.accounts.roles import InstitutionKind
from csdp.accounts.services import institution_create, user_create
from csdp.clock.services import business_today
from csdp.accounts.demo import DEMO_PASSWORD, register_seeder
from csdp.pledge import services
from csdp.pledge.models import PledgeProfile, ProfileKind, Posting, Side
from csdp.pledge.models_social import Report, Thread
from csdp.pledge.services_access import platform_info_update
from csdp.pledge.services_social import message_send, report_create, thread_start
from csdp.register.models import Position
from csdp.securities.demo import DEMO_ZHANG_MING_YMT
from csdp.securities.models import Investor, Security

PLATFORM = {"contact_name": "", "contact_phone": "13800000000", "region": "北京市", "business_intro": ""}
# (username, display name, investor 一码通 or None for a lender, intro)
USERS = [
    ("pledger", "张明", DEMO_ZHANG_MING_YMT, "个人投资者，持有北交所、深市基金份额，寻求短期质押融资。"),
    ("pledger_li", "李华", "180000000002", "个人投资者。"),
    # 国新投资 files the demo's registered pledge of its 920188 shares (csdp.restrictions.demo).
    ("pledger_gx", "国新投资有限公司", "180000000004", "国有股东，持有悦龙科技股份。"),
    ("lender_hx", "北京华兴小额贷款有限公司", None, "持牌小贷公司，专注股票质押融资，放款快。"),
    ("lender_wang", "王磊", None, "个人出借方，闲置资金。"),
]
# (owner, title, code or None, quantity, amount yuan, term months, rate bp min, max, final status)
POSTINGS = [
    ("pledger", "颖泰生物 1 万股质押融资", "920819", 10_000, 300_000, 6, 500, 800, "open"),
    ("pledger", "富国天惠LOF 份额质押", "161005", 30_000, 40_000, 3, 450, 600, "negotiating"),
    ("pledger", "茅台 100 股短期融资", "600519", 100, 100_000, 1, 400, 500, "pending_review"),
    ("pledger_li", "悦龙科技 500 股质押", "920188", 500, 20_000, 6, 600, 900, "returned"),
    ("pledger_li", "颖泰生物 2000 股（已办结）", "920819", 2_000, 50_000, 12, 500, 700, "pledged"),
    ("pledger_li", "颖泰生物 1000 股（已过期）", "920819", 1_000, 20_000, 6, 500, 700, "expired"),
    ("lender_hx", "500 万元股票质押资金", None, None, 5_000_000, 12, 700, 700, "open"),
    ("lender_hx", "100 万元基金份额质押", None, None, 1_000_000, 6, 600, 600, "negotiating"),
    ("lender_wang", "20 万元短期出借", None, None, 200_000, 3, 800, 800, "open"),
    ("lender_wang", "利率过高被退回", None, None, 100_000, 3, 1500, 1500, "returned"),
    ("lender_wang", "已删除的信息", None, None, 50_000, 3, 800, 800, "deleted"),
]


def _user(username: str, name: str, investor_ymt: str | None):
    user = User.objects.filter(username=username).first()
    if user is None:
        institution = institution_create(kind=InstitutionKind.PLEDGE_USER, name=name, code=f"PLD-{username}")
        user = user_create(
            username=username,
            password=DEMO_PASSWORD,
            institution=institution,
            display_name=name,
            mobile="13800000000",
            email=f"{username}@demo.csdp.local",
        )
    if not PledgeProfile.objects.filter(user=user).exists():
        investor = Investor.objects.filter(ymt_number=investor_ymt).first() if investor_ymt else None
        PledgeProfile.objects.create(
            user=user,
            kind=ProfileKind.INVESTOR if investor else ProfileKind.LENDER,
            investor=investor,
            name=investor.name if investor else name,
            id_type=investor.id_type if investor else "uscc",
            id_number=investor.id_number if investor else f"DEMO-{username}",
        )
    return user


def _posting(owner, title, code, quantity, amount_yuan, term, rate_min, rate_max, final, reviewer):
    if Posting.objects.filter(owner=owner, title=title).exists():
        return None
    security = Security.objects.get(code=code) if code else None
    held = (
        Position.objects.filter(account__investor__pledge_profile__user=owner, security=security).first()
        if code
        else None
    )
    data = services.PostingData(
        side=Side.PLEDGOR if code else Side.LENDER,
        amount_fen=amount_yuan * 100,
        term_months=term,
        rate_min_bp=rate_min,
        rate_max_bp=rate_max,
        valid_until=business_today() + dt.timedelta(days=60),
        title=title,
        description=f"演示信息：{title}。欢迎私信洽谈。",
        account_id=held.account_id if held else None,
        security_id=security.pk if security else None,
        quantity_shares=quantity,
        accepted_kinds="" if code else "stock,fund",
    )
    posting = services.posting_submit(user=owner, data=data)
    if final == "pending_review":
        return posting
    if final == "returned":
        services.posting_return(
            posting=posting, actor=reviewer, reason="演示：请补充融资用途，或将利率调整到上限以内。"
        )
        return posting
    if final == "deleted":
        services.posting_set_status(posting=posting, user=owner, to_state="deleted", reason="演示：不再需要")
        return posting
    services.posting_approve(posting=posting, actor=reviewer)
    if final == "negotiating":
        services.posting_set_status(posting=posting, user=owner, to_state="negotiating")
    elif final in ("pledged", "expired"):
        services.posting_set_status(posting=posting, user=owner, to_state=final)
    return posting


@register_seeder(order=70)
def seed_pledge_board() -> None:
    users = {}
    for username, name, ymt, intro in USERS:
        users[username] = user = _user(username, name, ymt)
        profile = user.pledge_profile
        if not profile.platform_info_complete:
            platform_info_update(
                profile=profile,
                actor=user,
                **{
                    **PLATFORM,
                    "contact_name": name,
                    "business_intro": intro,
                    "contact_email": f"{username}@demo.csdp.local",
                },
            )
    reviewer = User.objects.get(username="reviewer")
    for owner, *rest in POSTINGS:
        _posting(users[owner], *rest, reviewer=reviewer)
    loan = Posting.objects.get(owner=users["lender_hx"], title="500 万元股票质押资金")
    if not Thread.objects.filter(posting=loan, starter=users["pledger"]).exists():
        thread = thread_start(
            posting=loan,
            user=users["pledger"],
            body="您好，我有颖泰生物 1 万股可质押，想融资 30 万元、期限 6 个月，年利率可否 6%？",
        )
        message_send(thread=thread, user=users["lender_hx"], body="可以洽谈，请提供持股证明，我们将尽快安排。")
    spam = Posting.objects.get(owner=users["lender_wang"], title="20 万元短期出借")
    if not Report.objects.filter(posting=spam).exists():
        report_create(reporter=users["pledger_li"], posting=spam, reason="演示：该信息疑似要求先付“保证金”，请核实。")
