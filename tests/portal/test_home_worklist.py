"""The home page's 待处理: the first eight items needing action and how many more there are, counted in
the database — a review queue of thousands of postings is counted, not built item by item (issue 18)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from csdp.accounts.worklists import staff_queue, staff_queue_summary
from csdp.pledge.states import PostingStatus
from csdp.portal.due import PENDING_SHOWN
from tests.pledge.factories import board_user, freeze_clock, posting

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_queue(db):
    freeze_clock()
    owner = board_user("lender", name="华兴小贷")
    return [posting(owner, status=PostingStatus.PENDING_REVIEW, title=f"待审核信息{n:03d}") for n in range(230)]


def test_staff_see_eight_postings_awaiting_review_and_the_true_number_of_the_rest(cast, client_for, review_queue):
    page = client_for(cast.operator).get("/").content.decode()

    assert page.count("质押信息审核：待审核信息") == PENDING_SHOWN
    # All 230, though the 待办 page lists the first 200 of them.
    assert f"另有 {230 - PENDING_SHOWN} 项待处理" in page
    assert len([i for i in staff_queue(cast.operator) if i.kind == "质押信息审核"]) == 200


def test_the_home_page_builds_only_the_items_it_shows(cast, review_queue):
    with CaptureQueriesContext(connection) as queries:
        summary = staff_queue_summary(cast.operator, PENDING_SHOWN)

    assert summary.total == 230 and len(summary.first) == PENDING_SHOWN
    posting_reads = [q["sql"] for q in queries.captured_queries if 'FROM "pledge_posting"' in q["sql"]]
    assert len(posting_reads) == 2  # the first eight and a COUNT
    assert any("LIMIT 8" in sql for sql in posting_reads) and any("COUNT(*)" in sql for sql in posting_reads)


def test_a_preparer_is_not_asked_to_review_their_own_approval(cast, client_for):
    from tests.approvals.kinds import prepare

    prepare(cast.operator)

    assert "复核：测试业务：测试" not in client_for(cast.operator).get("/").content.decode()
    assert "复核：测试业务：测试" in client_for(cast.reviewer).get("/").content.decode()


def test_the_staff_queue_says_when_it_lists_only_part_of_a_queue_and_links_the_whole(cast, client_for, review_queue):
    page = client_for(cast.operator).get("/queue/").content.decode()

    assert "质押信息审核共 230 项，此处列出其中 200 项" in page
    assert 'href="/pledge/review/"' in page
