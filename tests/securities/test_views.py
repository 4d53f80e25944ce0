from csdp.lib.ids import make_resident_id
from csdp.register.services import register_apply
from csdp.securities.services import account_open, investor_create, security_create


def test_staff_find_an_account_and_its_holdings_by_one_code_number(cast, client_for):
    investor = investor_create(
        ymt_number="180000000001",
        name="张明",
        id_type="resident_id",
        id_number=make_resident_id("11010519850315123"),
        holder_type="03",
    )
    account = account_open(number="0180000001", investor=investor, market="BSE")
    stock = security_create(code="920188", name="悦龙科技", kind="stock", market="BSE")
    register_apply(
        events=[
            {
                "security": stock,
                "account": account,
                "event_type": "initial",
                "key": "a",
                "quantity_delta": 1_200,
                "business_date": "2026-03-30",
            }
        ]
    )
    page = client_for(cast.operator).get("/securities/accounts/", {"q": "180000000001"})
    assert page.status_code == 200
    assert "0180000001" in page.content.decode() and "1,200" in page.content.decode()


def test_the_security_page_shows_its_code_history(cast, client_for):
    import datetime as dt

    from csdp.securities.services import security_code_change_register

    stock = security_create(code="833819", name="颖泰生物", kind="stock", market="NEEQ")
    security_code_change_register(old_code="833819", new_code="920819", effective_date=dt.date(2025, 10, 9))
    page = client_for(cast.reviewer).get(f"/securities/{stock.pk}/")
    assert "920819" in page.content.decode()
