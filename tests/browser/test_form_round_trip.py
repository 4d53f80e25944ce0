"""Every form that shows a stored date again keeps it in a real browser (issue 19 §1): the registration
wizard after going back a step, the wizard resumed after a rejection, the 本机构 key-field change, the
resubmission of a rejected key-field application, and the pledge posting edit (tests/browser/test_layout.py).
Chromium drops a value its <input type=date> cannot read (``2020/01/01``); each date the server wrote
must still be in its input, and the form submitted unchanged must go through."""

from __future__ import annotations

import pytest

from csdp.accounts.models import User
from csdp.issuers.models import Registration
from tests.browser.harness import session_login
from tests.browser.test_layout import demo_world  # noqa: F401  (the fixture)
from tests.browser.test_registration import _next, _register

pytestmark = pytest.mark.browser

DATES = """() => [...document.querySelectorAll('main input[type=date]')]
  .map(i => [i.name, i.getAttribute('value') || '', i.value])"""


def dates_dropped(page) -> list[str]:
    """Date inputs whose server-written value the browser did not keep."""
    return [f"{name}: {written!r} → {kept!r}" for name, written, kept in page.evaluate(DATES) if written != kept]


def dates_shown(page) -> dict[str, str]:
    return {name: kept for name, _, kept in page.evaluate(DATES) if kept}


def test_the_registration_wizard_keeps_its_dates_going_back_and_after_a_rejection(page, base_url, cast):
    from csdp.issuers.services.review import registration_reject

    _register(page, base_url)
    registration = Registration.objects.get(institution_name="北京浏览器测试股份有限公司")
    token = registration_reject(registration=registration, actor=cast.reviewer, reason="营业执照扫描件不清晰")

    page.goto(f"{base_url}/issuers/register/resume/{token}/")
    assert page.url.endswith("/issuers/register/institution/")
    assert dates_dropped(page) == [] and dates_shown(page)["licence_valid_from"] == "2015-01-01"
    _next(page)  # unchanged: the stored dates pass validation
    assert page.locator(".errorlist").count() == 0, page.locator(".errorlist").all_inner_texts()
    assert page.url.endswith("/issuers/register/user/")

    with page.expect_navigation():  # back one step by the step list
        page.locator("ol a", has_text="机构信息").first.click()
    assert dates_dropped(page) == [] and dates_shown(page)["licence_valid_from"] == "2015-01-01"
    page.uncheck("#id_licence_long_term")
    page.fill("#id_licence_valid_until", "2035-12-31")
    _next(page)
    with page.expect_navigation():
        page.locator("ol a", has_text="机构信息").first.click()
    assert dates_shown(page) == {"licence_valid_from": "2015-01-01", "licence_valid_until": "2035-12-31"}
    assert dates_dropped(page) == []


def test_the_key_field_change_and_a_rejected_applications_resubmission_keep_their_dates(
    page,
    base_url,
    demo_world,
):
    from csdp.issuers.models import InfoChangeApplication

    issuer_a = User.objects.get(username="issuer_a")
    session_login(page, base_url, issuer_a)
    page.goto(f"{base_url}/issuers/institution/key-change/")
    assert page.locator("main input[type=date]").count() > 0
    assert dates_dropped(page) == [] and dates_shown(page)

    rejected = InfoChangeApplication.objects.filter(status="rejected").select_related("institution").first()
    assert rejected is not None  # the demo world's rejected application of issuer B
    owner = User.objects.filter(institution=rejected.institution).order_by("pk").first()
    page.context.clear_cookies()
    session_login(page, base_url, owner)
    page.goto(f"{base_url}/issuers/applications/{rejected.pk}/resubmit/")
    assert page.locator("main input[type=date]").count() > 0
    assert dates_dropped(page) == [] and dates_shown(page)
    date_errors = page.locator("input[type=date] ~ .errorlist, .errorlist:near(input[type=date])")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert date_errors.count() == 0, date_errors.all_inner_texts()
