"""The contract reads other apps call: as-of information, codes, the agent's postal address."""

from __future__ import annotations

import datetime as dt

from csdp.issuers.models import InstitutionInfoVersion
from csdp.issuers.selectors import (
    agent_postal_address,
    effective_invoice_info,
    institution_info_as_of,
    issuer_securities_codes,
)


def test_info_as_of_reads_the_version_in_force_on_each_day(issuers):
    institution = issuers.issuer_a.institution
    base = institution_info_as_of(institution, dt.date(2026, 1, 1))
    values = base.values()
    values.update(name="改名后股份有限公司")
    InstitutionInfoVersion.objects.create(
        institution=institution,
        effective_from=dt.date(2026, 6, 1),
        source=InstitutionInfoVersion.Source.KEY_CHANGE,
        **values,
    )
    assert institution_info_as_of(institution, dt.date(2019, 12, 31)) is None
    assert institution_info_as_of(institution, dt.date(2026, 5, 31)).name == "甲发行人股份有限公司"
    assert institution_info_as_of(institution, dt.date(2026, 6, 1)).name == "改名后股份有限公司"


def test_a_later_row_of_the_same_day_wins(issuers):
    institution = issuers.issuer_a.institution
    values = institution_info_as_of(institution, dt.date(2026, 1, 1)).values()
    values.update(phone="010-1")
    InstitutionInfoVersion.objects.create(
        institution=institution,
        effective_from=dt.date(2020, 1, 1),
        source=InstitutionInfoVersion.Source.NON_KEY_CHANGE,
        **values,
    )
    assert institution_info_as_of(institution, dt.date(2020, 1, 1)).phone == "010-1"


def test_codes_and_postal_address_belong_to_the_institution(issuers):
    assert issuer_securities_codes(issuers.issuer_a.institution) == ["920001"]
    assert issuer_securities_codes(issuers.issuer_b.institution) == ["920002"]
    assert agent_postal_address(issuers.issuer_a) == "北京市北京市海淀区旧址路 1 号"
    assert agent_postal_address(issuers.reviewer) == ""
    assert agent_postal_address(issuers.participant) == ""


def test_no_invoice_info_reads_as_none(issuers):
    assert effective_invoice_info(issuers.issuer_a.institution, dt.date(2026, 3, 2)) is None


def test_the_api_reads_the_issuers_own_information_as_of_a_day(issuers, client_for):
    response = client_for(issuers.issuer_a).get("/api/v1/issuers/me?as_of=2026-03-02")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "甲发行人股份有限公司" and body["securities_codes"] == ["920001"]
    assert body["licence_valid_until"] is None and body["invoice_title"] is None
    assert client_for(issuers.issuer_a).get("/api/v1/issuers/me?as_of=2019-01-01").status_code == 404
    assert client_for(issuers.participant).get("/api/v1/issuers/me").status_code == 403
