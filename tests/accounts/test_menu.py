"""The seed's layout (000 §一(四)): the issuer's left bar starts with the seven businesses under
北京市场发行人服务; 用户设置 (修改密码, 国密证书管理) sits at the top right, not in the left bar; a limited
login scope lists only what it may open; exactly one entry is current."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from csdp.accounts.menu import menu_for

pytestmark = pytest.mark.django_db
SEVEN = ["股份初始登记", "新增股份登记", "股份解除限售登记", "股份限售登记", "权益分派", "退出登记", "信息查询"]


def test_the_issuer_bar_starts_with_the_seven_businesses_of_the_seed(cast):
    menu = menu_for(cast.issuer_a)
    section, items = menu[0]
    assert section == "北京市场发行人服务"
    assert [i["label"] for i in items][:7] == SEVEN
    assert items[4]["url"] == "/counter/new/notice/?type=05"


def test_user_settings_are_at_the_top_right_and_not_in_the_left_bar(cast, client_for):
    page = client_for(cast.issuer_a).get("/").content.decode()
    sidebar = page[page.index('id="sidebar"') : page.index("</aside>")]
    topbar = page[page.index('class="topbar"') : page.index("</header>")]
    assert "用户设置" not in sidebar and "修改密码" not in sidebar
    assert "用户设置" in topbar and "修改密码" in topbar and "国密证书管理" in topbar


def test_exactly_one_entry_is_current(cast, client_for):
    client = client_for(cast.issuer_a)
    for url in ("/counter/new/notice/?type=05", "/counter/list/", "/counter/new/notice/", "/keys/certificates/"):
        page = client.get(url).content.decode()
        current = re.findall(r'<a href="([^"]+)" aria-current="page">', page)
        assert len(current) == 1, (url, current)
    page = client.get("/counter/new/notice/?type=05").content.decode()
    assert re.search(r'aria-current="page">权益分派<', page)


def test_the_chosen_business_is_kept_through_the_notice_to_the_form(cast, client_for):
    from tests.counter.factories import give_codes

    give_codes(cast.issuer_a.institution, "920001")
    client = client_for(cast.issuer_a)
    response = client.post("/counter/new/notice/", {"acknowledged": "1", "type": "05"})
    assert response["Location"] == "/counter/new/?type=05"
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'<option value="\d+" selected>05-权益分派</option>', page)


def test_a_limited_login_scope_lists_only_what_it_may_open(cast):
    scope = "password_sms"  # 口令登录 (000 §二(六)): 经办人信息维护 and the certificate pages only
    full = {i["label"] for _, items in menu_for(cast.issuer_a) for i in items}
    limited = menu_for(cast.issuer_a, scope=scope)
    shown = [i for _, items in limited for i in items]
    assert len(shown) < len(full)
    assert {i["label"] for i in shown} == {"经办人信息维护", "国密证书管理"}
    client = Client()
    client.force_login(cast.issuer_a)
    session = client.session
    session["login_scope"] = scope
    session.save()
    for item in shown:  # every entry shown opens (no 功能受限 redirect)
        response = client.get(item["url"])
        assert response.status_code == 200 and "/limited/" not in response.get("Location", ""), item
