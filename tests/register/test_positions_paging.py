"""The holders page pages through the holders (a million of them would not fit one response) and
takes its totals from the database, whatever page is shown."""
from csdp.register import views
from csdp.register.services import register_apply
from tests.register.conftest import event


def test_the_holders_page_shows_one_page_and_the_totals_of_all(world, cast, client_for, monkeypatch):
    monkeypatch.setattr(views, "HOLDERS_PER_PAGE", 1)
    register_apply(events=[event(world, "a", quantity=1_000), event(world, "b", quantity=2_000, account="other")])
    client = client_for(cast.reviewer)
    url = f"/register/securities/{world['stock'].pk}/positions/"
    first, second = client.get(url).content.decode(), client.get(url + "?page=2").content.decode()
    assert "0180000002" in first and "0180000001" not in first  # largest holder first
    assert "0180000001" in second and "0180000002" not in second
    assert "合计持有 3,000 股" in first and "合计持有 3,000 股" in second and "共 2 户" in first
