"""A small pledge world: 张明's holdings with frozen, pledged and 限售 lots, board users, postings."""

from __future__ import annotations

import datetime as dt

from csdp.accounts.models import Institution, User
from csdp.clock.services import clock_set
from csdp.lib.ids import make_resident_id
from csdp.pledge.models import PledgeProfile, Posting, ProfileKind, Side
from csdp.pledge.services import _codes_write, owner_listable
from csdp.pledge.states import BOARD, PostingStatus
from csdp.register.services import register_apply
from csdp.securities.services import account_open, investor_create, security_create

TODAY = dt.date(2026, 4, 15)  # a Wednesday; the previous trading day is 2026-04-14
PREVIOUS = dt.date(2026, 4, 14)
HELD_ON = dt.date(2026, 3, 30)
ZHANG_ID = make_resident_id("11010519800101123")
ZHANG_MOBILE = "13800000001"  # on file with the custody participant


def freeze_clock(day: dt.date = TODAY, hh: int = 10) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, 0), frozen=True)


def holdings_world() -> dict:
    """张明 holds 920188: 10 000 free of which 2 000 frozen and 1 000 pledged, plus 5 000 限售 —
    7 000 pledgeable. Also a fund (161005) and an 'other' kind security outside the allow-list."""
    investor = investor_create(
        ymt_number="180000000001", name="张明", id_type="resident_id", id_number=ZHANG_ID, holder_type="03"
    )
    account = account_open(number="0180000001", investor=investor, market="BSE", mobile=ZHANG_MOBILE)
    stock = security_create(code="920188", name="悦龙科技", kind="stock", market="BSE")
    fund = security_create(code="161005", name="富国天惠LOF", kind="fund", market="SZSE")
    other = security_create(code="900001", name="其他凭证", kind="other", market="BSE")
    events = [
        ("s", stock, "initial", 10_000, 0, 0, "00", None),
        ("f", stock, "freeze", 0, 2_000, 0, "00", None),
        ("p", stock, "pledge", 0, 0, 1_000, "00", None),
        ("r", stock, "initial", 5_000, 0, 0, "05", dt.date(2027, 3, 30)),
        ("fund", fund, "initial", 50_000, 0, 0, "00", None),
        ("o", other, "initial", 100, 0, 0, "00", None),
    ]
    register_apply(
        events=[
            {
                "key": f"t:{k}",
                "account": account,
                "security": sec,
                "event_type": kind,
                "quantity_delta": q,
                "frozen_delta": fr,
                "pledged_delta": pl,
                "share_nature": nature,
                "lockup_end": lockup,
                "business_date": HELD_ON,
            }
            for k, sec, kind, q, fr, pl, nature, lockup in events
        ]
    )
    return {"investor": investor, "account": account, "stock": stock, "fund": fund, "other": other}


def board_user(username: str, *, investor=None, name: str | None = None, complete: bool = True) -> User:
    institution = Institution.objects.create(kind="pledge_user", name=name or username, code=f"T-{username}")
    user = User(
        username=username,
        institution=institution,
        display_name=name or username,
        mobile="13900000001",
        email=f"{username}@example.test",
    )
    user.set_password("Test-Pass-2026!")
    user.save()
    profile_for(user, investor=investor, complete=complete)
    return user


def profile_for(user: User, *, investor=None, complete: bool = True) -> PledgeProfile:
    existing = PledgeProfile.objects.filter(user=user).first()
    if existing:
        return existing
    return PledgeProfile.objects.create(
        user=user,
        kind=ProfileKind.INVESTOR if investor else ProfileKind.LENDER,
        investor=investor,
        name=investor.name if investor else user.display_name,
        id_type="uscc",
        id_number=f"ID-{user.username}",
        contact_name="联系人",
        contact_phone="010-12345678",
        region="北京市",
        platform_info_at=dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC) if complete else None,
    )


def posting(
    owner: User,
    *,
    status: str = PostingStatus.OPEN,
    side: str = Side.LENDER,
    world: dict | None = None,
    quantity: int = 1_000,
    amount_fen: int = 100_000_00,
    rate_bp: int = 600,
    term: int = 6,
    valid_until: dt.date | None = None,
    title: str = "测试信息",
    description: str = "",
) -> Posting:
    """A posting straight in the given state (the state machine is tested through the services)."""
    moment = dt.datetime(2026, 4, 15, 9, tzinfo=dt.UTC)
    fields = {}
    if side == Side.PLEDGOR:
        fields = {
            "account": world["account"],
            "security": world["stock"],
            "quantity_shares": quantity,
            "security_code": world["stock"].code,
            "security_kind": world["stock"].kind,
        }
    row = Posting.objects.create(
        listed=status in BOARD and owner_listable(owner.pk),
        owner=owner,
        side=side,
        status=status,
        status_since=moment,
        amount_fen=amount_fen,
        term_months=term,
        rate_min_bp=rate_bp,
        rate_max_bp=rate_bp,
        valid_until=valid_until or TODAY + dt.timedelta(days=30),
        title=title,
        description=description,
        search_text=title,
        created_at=moment,
        published_at=moment if status in BOARD else None,
        **fields,
    )
    _codes_write(row)
    return row
