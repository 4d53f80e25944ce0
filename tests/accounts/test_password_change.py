import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_a_user_replaces_a_temporary_password_in_user_settings(cast, client_for):
    client = client_for(cast.issuer_a)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Neu-Passwort-2026!", "new_password2": "Neu-Passwort-2026!"},
    )
    assert response["Location"] == reverse("portal:home")
    cast.issuer_a.refresh_from_db()
    assert cast.issuer_a.check_password("Neu-Passwort-2026!")
    assert client.get(reverse("portal:home")).status_code == 200  # this session survives the change
