"""Detail filings at their seams (002 §2.1.2(一)–(四), rules.md §4): a refused re-upload does not leave
the earlier list under the errors with its sign button; staff can return a confirmed list for
correction; a strategic investor who also subscribed online, 余股 to anyone but the lead underwriter and
duplicate rows are refused, every error at once."""

import pytest

from csdp.ipo.errors import IpoError
from csdp.ipo.issuer.detail_filings import check_rows, detail_filing_confirm, detail_filing_return, filings_complete
from csdp.ipo.models import DetailFiling, FilingKind, FilingStatus
from csdp.securities.models import SecuritiesAccount
from tests.ipo import world
from tests.ipo.test_registration import _excel, _file, settled  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _strategic_row(number="0800000001", name="战略投资者有限公司", shares=500):
    id_number = SecuritiesAccount.objects.get(number=number).investor.id_number
    return [number, name, id_number, shares, "06", "400001", "2027-03-30"]


def test_a_refused_reupload_does_not_show_the_earlier_list_with_its_sign_button(settled, cast, client_for):
    offering, _ = settled
    _file(offering, cast.issuer_a, [_strategic_row()])
    client = client_for(cast.issuer_a)
    before = client.get(f"/ipo/{offering.pk}/filings/").content.decode()
    assert f"/ipo/{offering.pk}/filings/strategic/confirm/" in before and "0800000001" in before
    bad = _excel([["0999999999", "无此账户", "110105198001010010", 500, "06", "400001", "2027-03-30"]])
    page = client.post(f"/ipo/{offering.pk}/filings/strategic/upload/", {"file": bad})
    text = page.content.decode()
    assert page.status_code == 422 and "0999999999 不存在" in text
    assert f"/ipo/{offering.pk}/filings/strategic/confirm/" not in text and "0800000001" not in text
    assert "此前的申报明细清单未在此显示" in text


def test_staff_return_a_confirmed_list_and_the_issuer_files_it_again(settled, cast, client_for):
    offering, _ = settled
    from csdp.ipo.issuer.detail_filings import filing_content
    from csdp.keys.signing import signing_context, submission_digest
    from csdp.keys.testing import enrol_test_key, sign

    filing = _file(offering, cast.issuer_a, [_strategic_row()])
    digest = submission_digest(content=filing_content(filing), files=[filing.source])
    payload = sign(enrol_test_key(cast.issuer_a), signing_context(user=cast.issuer_a, digest=digest))
    detail_filing_confirm(filing=filing, signature_payload=payload, actor=cast.issuer_a)
    assert filings_complete(offering)
    with pytest.raises(IpoError, match="原因"):
        detail_filing_return(filing=filing, reason=" ", actor=cast.operator)
    page = (
        client_for(cast.operator)
        .post(f"/ipo/{offering.pk}/filings/strategic/return/", {"reason": "限售截止日有误"}, follow=True)
        .content.decode()
    )
    assert "已将战略配售股份明细退回发行人更正" in page
    filing.refresh_from_db()
    assert (filing.status, filing.return_reason) == (FilingStatus.RETURNED, "限售截止日有误")
    assert not filings_complete(offering)  # registration waits for the corrected list
    issuer_page = client_for(cast.issuer_a).get(f"/ipo/{offering.pk}/filings/").content.decode()
    assert "退回更正：限售截止日有误" in issuer_page and "上传并校验" in issuer_page
    again = _file(offering, cast.issuer_a, [_strategic_row()])
    assert again.status == FilingStatus.VALIDATED and DetailFiling.objects.live().filter(offering=offering).count() == 1
    filing.refresh_from_db()
    assert filing.status == FilingStatus.REPLACED and filing.return_reason == "限售截止日有误"  # the history stays
    with pytest.raises(IpoError, match="已确认的明细清单"):
        detail_filing_return(filing=again, reason="再次", actor=cast.operator)


def test_a_new_upload_keeps_the_one_it_replaces_with_its_rows_and_an_audit_event(settled, cast, client_for):
    from csdp.audit.models import AuditEvent

    offering, _ = settled
    first = _file(offering, cast.issuer_a, [_strategic_row()])
    second = _file(offering, cast.issuer_a, [_strategic_row()])

    first.refresh_from_db()
    assert first.status == FilingStatus.REPLACED and first.replaced_at is not None
    assert [d.shares for d in first.details.all()] == [500]  # its rows are kept, not deleted
    assert AuditEvent.objects.filter(action="ipo.filing_replace", object_id=str(first.pk)).exists()
    assert list(DetailFiling.objects.live().filter(offering=offering)) == [second]
    page = client_for(cast.issuer_a).get(f"/ipo/{offering.pk}/filings/").content.decode()
    assert f"/ipo/{offering.pk}/filings/strategic/confirm/" in page


def test_online_subscribers_duplicates_and_a_remainder_to_others_are_refused_all_at_once(settled):
    offering, _ = settled
    # 投资者甲 (0400000001) subscribed online: it cannot also be a strategic investor.
    _, errors = check_rows(
        offering,
        FilingKind.STRATEGIC,
        [
            tuple(_strategic_row("0400000001", "投资者甲", 250)),
            tuple(_strategic_row(shares=250)),
            tuple(_strategic_row(shares=250)),
        ],
    )
    messages = {(e.line, e.message) for e in errors}
    assert (2, "该投资者已参与本次网上申购，不能同时作为战略投资者") in messages
    assert (4, "与第 3 行重复（同一证券账户、同一股份性质只能填报一行）") in messages
    assert {e.line for e in errors} == {2, 4}  # line 3 is clean; the sum is checked only once every row is
    # 余股 only to the lead underwriter's own account (002 §2.1.2(一)).
    row = (
        "0400000002",
        "投资者乙",
        SecuritiesAccount.objects.get(number="0400000002").investor.id_number,
        100,
        "00",
        "400001",
        None,
    )
    _, errors = check_rows(offering, FilingKind.REMAINDER, [row])
    assert [e.message for e in errors] == ["余股只能登记到主承销商“华信证券”本机构的证券账户"]
    world.investor_account("0900000001", "华信证券", id17="91110000MA01UWAA1", holder_type="02", uscc=True)
    own = SecuritiesAccount.objects.get(number="0900000001")
    _, errors = check_rows(
        offering, FilingKind.REMAINDER, [(own.number, "华信证券", own.investor.id_number, 100, "00", "400001", None)]
    )
    assert all("主承销商" not in e.message for e in errors)
