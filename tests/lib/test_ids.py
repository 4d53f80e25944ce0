from csdp.lib.ids import make_resident_id, make_uscc, resident_id_problem, uscc_problem


def test_a_published_sample_resident_id_is_accepted():
    # The GB 11643-1999 sample number.
    assert resident_id_problem("11010519491231002X") is None


def test_a_resident_id_with_a_wrong_check_character_is_refused():
    assert resident_id_problem("110105194912310021") == "居民身份证号码校验位不正确。"


def test_a_resident_id_with_an_impossible_birth_date_is_refused():
    assert "出生日期" in resident_id_problem(make_resident_id("11010519491331002"))


def test_a_lower_case_x_is_read_as_the_check_character_x():
    assert resident_id_problem("11010519491231002x") is None


def test_published_unified_social_credit_codes_are_accepted():
    # 中国石油天然气股份有限公司 and the GB 32100 explanatory example.
    assert uscc_problem("91110000100010433L") is None
    assert uscc_problem("91350100M000100Y43") is None


def test_a_uscc_with_a_forbidden_letter_is_refused():
    assert "不含" in uscc_problem("91110108MA01ABCDI1")


def test_a_uscc_with_a_wrong_check_character_is_refused():
    good = make_uscc("91110108MA01ABCD1")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert uscc_problem(bad) == "统一社会信用代码校验位不正确。"


def test_a_bank_reference_has_one_spelling_whatever_its_case_width_or_surrounding_spaces():
    from csdp.lib.ids import bank_reference_normal

    assert {bank_reference_normal(s) for s in ("ICBC-001", "icbc-001", " Icbc-001 ", "ＩＣＢＣ－００１")} == {
        "ICBC-001"
    }
