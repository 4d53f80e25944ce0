import datetime as dt
from decimal import Decimal

import pytest
from dbfread import DBF

from csdp.lib.dbf import DbfValueError, Field, write_dbf

FIELDS = [
    Field("ZQDM", "C", 6, title="证券代码"),
    Field("ZQJC", "C", 8, title="证券简称"),
    Field("SGSL", "N", 12, title="申购数量"),
    Field("SGJE", "N", 16, 2, title="申购金额"),
    Field("RQ", "D", 8, title="日期"),
]


def test_a_written_file_reads_back_with_gbk_text_numbers_and_dates(tmp_path):
    path = tmp_path / "sgqs.dbf"
    rows = [
        {
            "ZQDM": "920188",
            "ZQJC": "悦龙科技",
            "SGSL": 989600,
            "SGJE": Decimal("13893984.00"),
            "RQ": dt.date(2026, 3, 16),
        },
        {"ZQDM": "920188", "ZQJC": "悦龙科技", "SGSL": 100, "SGJE": Decimal("1404.00"), "RQ": dt.date(2026, 3, 16)},
    ]
    assert write_dbf(path, FIELDS, rows, on=dt.date(2026, 3, 16)) == 2
    table = DBF(path)  # no encoding given: the language-driver byte says GBK
    assert table.encoding in ("cp936", "gbk")
    records = list(table)
    assert records[0]["ZQJC"] == "悦龙科技"
    assert records[0]["SGSL"] == 989600
    assert records[0]["SGJE"] == pytest.approx(13893984.00)
    assert records[1]["RQ"] == dt.date(2026, 3, 16)
    assert [f.name for f in table.fields] == ["ZQDM", "ZQJC", "SGSL", "SGJE", "RQ"]


def test_a_value_too_wide_for_its_field_is_refused_and_no_file_is_left(tmp_path):
    path = tmp_path / "bad.dbf"
    with pytest.raises(DbfValueError, match="ZQJC"):
        write_dbf(
            path, FIELDS, [{"ZQDM": "920188", "ZQJC": "一个非常长的证券简称", "SGSL": 1}], on=dt.date(2026, 3, 16)
        )
    assert not path.exists() and not list(tmp_path.iterdir())


def test_floats_are_refused_because_money_is_never_a_float(tmp_path):
    with pytest.raises(DbfValueError, match="float"):
        write_dbf(tmp_path / "f.dbf", FIELDS, [{"SGJE": 1.5}], on=dt.date(2026, 3, 16))


def test_field_names_longer_than_ten_characters_are_refused():
    with pytest.raises(ValueError, match="1–10"):
        Field("ELEVENCHARS", "C", 5)


def test_the_frame_writer_produces_the_same_bytes_as_the_row_writer(tmp_path):
    import polars as pl

    rows = [
        {"ZQDM": "920188", "ZQJC": "悦龙科技", "SGSL": 989600, "SGJE": 1389398400, "RQ": dt.date(2026, 3, 16)},
        {"ZQDM": "920188", "ZQJC": "A股", "SGSL": 100, "SGJE": -5, "RQ": None},
        {"ZQDM": None, "ZQJC": "", "SGSL": None, "SGJE": 7, "RQ": dt.date(2026, 3, 17)},
    ]
    frame = pl.DataFrame(
        rows, schema={"ZQDM": pl.Utf8, "ZQJC": pl.Utf8, "SGSL": pl.Int64, "SGJE": pl.Int64, "RQ": pl.Date}
    )
    as_decimal = [{**r, "SGJE": Decimal(r["SGJE"]) / 100} for r in rows]
    write_dbf(tmp_path / "rows.dbf", FIELDS, as_decimal, on=dt.date(2026, 3, 16))
    from csdp.lib.dbf import write_dbf_frame

    write_dbf_frame(tmp_path / "frame.dbf", FIELDS, frame, on=dt.date(2026, 3, 16))
    assert (tmp_path / "frame.dbf").read_bytes() == (tmp_path / "rows.dbf").read_bytes()
    assert [r["SGJE"] for r in DBF(tmp_path / "frame.dbf")] == [
        pytest.approx(13893984.00),
        pytest.approx(-0.05),
        pytest.approx(0.07),
    ]


def test_the_frame_writer_refuses_a_text_too_wide_in_gbk_bytes(tmp_path):
    import polars as pl

    from csdp.lib.dbf import write_dbf_frame

    frame = pl.DataFrame({"ZQDM": ["920188"], "ZQJC": ["悦龙科技股份"], "SGSL": [1], "SGJE": [1]}).with_columns(
        pl.lit(dt.date(2026, 3, 16)).alias("RQ")
    )
    with pytest.raises(DbfValueError, match="ZQJC"):
        write_dbf_frame(tmp_path / "x.dbf", FIELDS, frame, on=dt.date(2026, 3, 16))
    assert not list(tmp_path.iterdir())


def test_an_ascii_only_frame_takes_the_direct_path_and_still_matches_the_row_writer(tmp_path):
    import polars as pl

    from csdp.lib.dbf import is_ascii, write_dbf_frame

    rows = [
        {"ZQDM": "920188", "ZQJC": "YLKJ", "SGSL": n * 100, "SGJE": n * 140400, "RQ": dt.date(2026, 3, 16)}
        for n in range(1, 2001)
    ]
    frame = pl.DataFrame(
        rows, schema={"ZQDM": pl.Utf8, "ZQJC": pl.Utf8, "SGSL": pl.Int64, "SGJE": pl.Int64, "RQ": pl.Date}
    )
    assert is_ascii(frame)
    write_dbf_frame(tmp_path / "frame.dbf", FIELDS, frame, on=dt.date(2026, 3, 16))
    write_dbf(
        tmp_path / "rows.dbf", FIELDS, [{**r, "SGJE": Decimal(r["SGJE"]) / 100} for r in rows], on=dt.date(2026, 3, 16)
    )
    assert (tmp_path / "frame.dbf").read_bytes() == (tmp_path / "rows.dbf").read_bytes()


def _width_by_text(field, frame):
    """The width check as it was: build every value's text and measure it (the reference)."""
    from csdp.lib.dbf import _frame_field_expr

    return frame.select((_frame_field_expr(field).str.len_chars() > field.length).any()).item()


@pytest.mark.parametrize("length,decimals", [(1, 0), (3, 0), (5, 2), (4, 2), (3, 2), (18, 0), (19, 0), (20, 4)])
def test_the_number_width_check_from_the_extremes_agrees_with_measuring_every_text(length, decimals):
    import polars as pl
    from hypothesis import given, settings, strategies as st

    from csdp.lib.dbf import _number_extremes, _number_too_wide

    field = Field("N", "N", length, decimals)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.one_of(st.none(), st.integers(min_value=-(10**18), max_value=10**18)), max_size=6))
    def check(values):
        frame = pl.DataFrame({"N": values}, schema={"N": pl.Int64})
        extremes = frame.select(_number_extremes(field)).row(0, named=True)
        assert _number_too_wide(field, extremes) == _width_by_text(field, frame)

    check()


def test_an_ascii_text_field_is_padded_to_its_width_as_the_byte_counting_path_does():
    import polars as pl

    from csdp.lib.dbf import dbf_records

    frame = pl.DataFrame(
        {"ZQDM": ["92", None, "920188"], "ZQJC": ["A", "BB", ""], "SGSL": [1, 2, 3], "SGJE": [1, 2, 3]}
    ).with_columns(pl.lit(dt.date(2026, 3, 16)).alias("RQ"))
    from csdp.lib.dbf import _frame_field_expr

    slow = frame.select(pl.concat_str([pl.lit(" "), *[_frame_field_expr(f) for f in FIELDS]]).alias("r"))
    assert dbf_records(FIELDS, frame).equals(slow)


def test_every_field_with_a_value_too_wide_is_named_in_one_refusal():
    import polars as pl

    from csdp.lib.dbf import dbf_check_widths

    fields = (Field("A", "C", 4), Field("B", "C", 4), Field("M", "N", 6, 2), Field("Q", "N", 3))
    frame = pl.DataFrame({"A": ["ABCDE"], "B": ["悦龙科"], "M": [-100000], "Q": [999]})
    with pytest.raises(DbfValueError) as refused:
        dbf_check_widths(fields, frame)
    assert str(refused.value) == "A: a value is wider than 4; B: a value is wider than 4; M: a value is wider than 6"
