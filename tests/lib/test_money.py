"""csdp.lib.money: amounts in Chinese financial capitals (人民币大写) and in figures with separators."""
import pytest

from csdp.lib.money import rmb_upper, yuan_figures


@pytest.mark.parametrize(("fen", "upper"), [
    (0, "零元整"),
    (5, "伍分"),
    (35, "叁角伍分"),
    (1_05, "壹元零伍分"),
    (1_50, "壹元伍角"),
    (10_00, "壹拾元整"),
    (1404_00, "壹仟肆佰零肆元整"),
    (1680_32, "壹仟陆佰捌拾元叁角贰分"),
    (1010_00, "壹仟零壹拾元整"),
    (100000_00, "壹拾万元整"),
    (107000_53, "壹拾万柒仟元伍角叁分"),
    (1000001_00, "壹佰万零壹元整"),
    (100010000_00, "壹亿零壹万元整"),
    (100000001_00, "壹亿零壹元整"),
    (1010000000_00, "壹拾亿壹仟万元整"),
    (278_028_000_00, "贰亿柒仟捌佰零贰万捌仟元整"),
])
def test_amounts_are_written_in_capitals_as_the_bill_rules_require(fen, upper):
    assert rmb_upper(fen) == upper


def test_figures_carry_thousands_separators_and_two_decimals_from_integer_fen():
    assert yuan_figures(278_028_000_00) == "278,028,000.00"
    assert yuan_figures(1_05) == "1.05"
    assert yuan_figures(-1404_00) == "-1,404.00"


def test_the_template_filter_is_the_same_helper():
    from django.template import Context, Template

    rendered = Template("{% load money %}{{ fen|rmb_upper }}").render(Context({"fen": 1404_00}))
    assert rendered == "壹仟肆佰零肆元整"
