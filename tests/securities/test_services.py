import pytest

from csdp.lib.ids import make_resident_id, make_uscc
from csdp.securities.models import CustodyUnit, ParticipantProfile, SecuritiesAccount
from csdp.securities.services import (
    SecuritiesError,
    account_open,
    custody_unit_create,
    investor_create,
    participant_profile_create,
    security_code_change_register,
)


def test_it_refuses_a_resident_id_with_a_wrong_check_digit(db):
    good = make_resident_id("11010519850315123")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(SecuritiesError, match="校验位"):
        investor_create(ymt_number="180000000001", name="张明", id_type="resident_id", id_number=bad, holder_type="03")


def test_it_refuses_a_uscc_with_a_wrong_check_character(db):
    good = make_uscc("91110105MA01YW001")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(SecuritiesError, match="统一社会信用代码"):
        investor_create(ymt_number="180000000003", name="远望", id_type="uscc", id_number=bad, holder_type="02")


def test_it_refuses_a_one_code_number_that_is_not_twelve_digits(db):
    with pytest.raises(SecuritiesError):
        investor_create(
            ymt_number="18000000001",
            name="张明",
            id_type="resident_id",
            id_number=make_resident_id("11010519850315123"),
            holder_type="03",
        )


def test_it_refuses_a_second_mapping_for_one_old_code(db):
    import datetime as dt

    security_code_change_register(old_code="833819", new_code="920819", effective_date=dt.date(2025, 10, 9))
    with pytest.raises(SecuritiesError):
        security_code_change_register(old_code="833819", new_code="920820", effective_date=dt.date(2025, 10, 9))


def test_only_a_participant_institution_gets_a_participant_profile(cast):
    with pytest.raises(SecuritiesError, match="结算参与人"):
        participant_profile_create(institution=cast.issuer_a.institution, code="X001")


def test_a_participant_sees_only_its_own_profile_and_custody_units(cast):
    from csdp.accounts.models import Institution

    mine = participant_profile_create(institution=cast.participant.institution, code="P001")
    other = participant_profile_create(
        institution=Institution.objects.create(kind="participant", name="别家证券", code="P002"), code="P002"
    )
    custody_unit_create(participant=mine, code="710001")
    custody_unit_create(participant=other, code="720001")
    assert list(ParticipantProfile.objects.visible_to(cast.participant)) == [mine]
    assert [u.code for u in CustodyUnit.objects.visible_to(cast.participant)] == ["710001"]
    assert CustodyUnit.objects.visible_to(cast.reviewer).count() == 2
    assert not CustodyUnit.objects.visible_to(cast.issuer_a).exists()


def test_investors_accounts_are_visible_to_staff_only(cast):
    investor = investor_create(
        ymt_number="180000000001",
        name="张明",
        id_type="resident_id",
        id_number=make_resident_id("11010519850315123"),
        holder_type="03",
    )
    account_open(number="0180000001", investor=investor, market="BSE")
    assert SecuritiesAccount.objects.visible_to(cast.operator).count() == 1
    for member in (cast.participant, cast.pledge_user, cast.issuer_a):
        assert not SecuritiesAccount.objects.visible_to(member).exists()


def test_a_status_change_follows_the_transition_table_and_leaves_a_row(cast):
    from csdp.securities.models import SecurityTransition
    from csdp.securities.services import security_create, security_status_change

    security = security_create(code="920188", name="悦龙科技", kind="stock", market="BSE", status="pending")
    security_status_change(security=security, to="listed", actor=cast.operator, reason="上市")
    [row] = SecurityTransition.objects.all()
    assert (row.from_state, row.to_state, row.actor, row.reason) == ("pending", "listed", cast.operator, "上市")
    with pytest.raises(SecuritiesError, match="不能由"):
        security_status_change(security=security, to="pending", actor=cast.operator, reason="回退")
