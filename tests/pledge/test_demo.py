"""The demo board: 'pledger' is 张明 the investor (real holdings), postings in every state,
a conversation and a report; seeding twice changes nothing."""

from django.urls import reverse

from csdp.accounts.models import User
from csdp.ledger.demo import seed_ledger
from csdp.pledge.demo import seed_pledge_board
from csdp.pledge.models import Posting
from csdp.pledge.models_social import Message, Report, Thread
from csdp.pledge.states import PostingStatus
from csdp.accounts.demo import seed_users
from csdp.register.demo import seed_register
from csdp.restrictions.demo import seed_restrictions
from csdp.securities.demo import DEMO_ZHANG_MING_YMT, seed_securities


def demo_seed():
    for seeder in (seed_users, seed_securities, seed_ledger, seed_register, seed_pledge_board, seed_restrictions):
        seeder()


def _counts():
    return Posting.objects.count(), Thread.objects.count(), Message.objects.count(), Report.objects.count()


def test_the_demo_board_seeds_twice_without_change(db):
    demo_seed()
    first = _counts()
    demo_seed()
    assert _counts() == first
    assert set(Posting.objects.values_list("status", flat=True)) == set(PostingStatus.values)
    assert first[1:] == (1, 2, 1)


def test_the_demo_pledger_is_zhang_ming_and_sees_his_real_holdings(db, client_for):
    demo_seed()
    pledger = User.objects.get(username="pledger")
    assert pledger.pledge_profile.investor.ymt_number == DEMO_ZHANG_MING_YMT
    html = client_for(pledger).get(reverse("pledge:posting_new")).content.decode()
    # 833819 → 920819: 20 000 − 3 000 frozen − 5 000 pledged (records of csdp.restrictions.demo); the 8 000 限售 920188 shares are not offered.
    assert "0180000001 · 920819 颖泰生物 · 可质押 12,000 股" in html
    assert "0180000001 · 920188 悦龙科技 · 可质押 500 股" in html
