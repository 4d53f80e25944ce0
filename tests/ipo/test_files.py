import polars as pl
import pytest

from csdp.ipo.allocate_csv import SubscriptionFileError, read_subscriptions, write_allocation


def test_account_and_participant_codes_keep_their_leading_zeros(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("seq,quantity,participant,account,memo\n7, 100 ,000123,0012345678,x\n", encoding="utf-8")
    frame = read_subscriptions(source)
    assert frame.columns == ["account", "participant", "quantity", "seq"]
    assert frame.row(0) == ("0012345678", "000123", 100, 7)
    assert frame.schema["quantity"] == pl.Int64


def test_a_missing_output_directory_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(SubscriptionFileError, match="输出目录不存在"):
        write_allocation(pl.DataFrame({"account": ["1"]}), tmp_path / "nowhere" / "out.csv")


def test_a_failed_write_leaves_neither_the_output_nor_a_temporary_file(tmp_path):
    unwritable = pl.DataFrame({"account": ["1"], "reason": [pl.Series([1, 2])]})  # nested lists: CSV refuses
    with pytest.raises(Exception):  # noqa: B017 - whatever Polars raises: the point is what is left behind
        write_allocation(unwritable, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_the_allocation_file_replaces_an_older_one_whole(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    write_allocation(pl.DataFrame({"account": ["0000000001"], "allocated_shares": [100]}), target)
    assert target.read_text(encoding="utf-8") == "account,allocated_shares\n0000000001,100\n"
