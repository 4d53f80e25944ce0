"""The exchange's subscription file (docs/interfaces.md §1): the parser with its usual-file fast path
gives, for every file, the verdict of the parser before it (tests/ipo/exchange_file_before.py) —
the same typed frame for a good file, the same listed errors and total for a bad one."""
from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from csdp.ipo import exchange_file
from csdp.ipo.exchange_file import COLUMNS, ExchangeFileRejected, parse_exchange_file
from tests.ipo import exchange_file_before

T = dt.date(2026, 3, 16)
PARTICIPANTS = pl.DataFrame({"participant": ["S0001", "S0001", "S0002", "S0003"],
                             "custody_unit": ["800002", "800003", "800004", "800006"]})
UNITS = {"S0001": ["800002", "800003"], "S0002": ["800004"], "S0003": ["800006"]}

# Spellings the careful checks see differently from the usual form, mixed into good rows.
EDGES = {
    "seq": ["", "0", "+5", "-5", "-0", " 7", "7 ", "5.0", "1e3", "0x1", "0000000000000000001", "999999999999999999",
            "1234567890123456789", "007", "01", "1", "\u3000" + "8"],
    "account": ["", "012345678", "01234567890", "+123456789", " 0123456789", "0123456789 ", "012345678a",
                "-123456789", "0123456789"],
    "participant": ["", "S9999", " S0001", "S0001\t", "s0001", "S0002"],
    "custody_unit": ["", "800004", "999999", " 800002", "800002 "],
    "quantity": ["", "0", "+100", "-100", "100.0", "1e2", "0000000000100", "999999999999", " 100", "100 ", "007"],
    "price": ["", "14.04", "14.040", "14.4", "14.40", "014.04", "14.05", "+14.04", " 14.04", "14", "14.", ".04",
              "14.0", "14.00", "14.1", "14.10", "14,04", "abc"],
    "investor_id": ["", "110101199001011234", "A" * 30, "A" * 31, "张" * 30, "张" * 31, " ID1", "ID1 ",
                    "\u3000ID1", "张三", "A\nB", 'A"B', "A,B"],
    "confirmed_at": ["", "2026-03-16 09:30:00", "2026-03-16T09:30", "2026-03-16T09:30:00.5", "2026-03-15T09:30:00",
                     "2026-03-16T24:00:00", "2026-03-16T 9:30:00", "2026-03-16T09:30:60", "16-03-2026 09:30:00",
                     "2026-03-16T09:30:00+08:00", "20260316T093000", "2026-3-16T9:30:00", " 2026-03-16T09:30:00",
                     "2026- 3-16T09:30:00", "2026-03-17T00:00:00", "2026-03-16T23:59:59", "2026-03-16"],
}


@st.composite
def good_rows(draw, count: int) -> list[dict[str, str]]:
    rows = []
    for seq in sorted(draw(st.sets(st.integers(1, 10**6), min_size=count, max_size=count))):
        participant = draw(st.sampled_from(sorted(UNITS)))
        rows.append({
            "seq": str(seq), "account": f"{draw(st.integers(0, 10**10 - 1)):010d}", "participant": participant,
            "custody_unit": draw(st.sampled_from(UNITS[participant])), "quantity": str(draw(st.integers(0, 10**6))),
            "price": "14.04", "investor_id": draw(st.sampled_from(["", "", "110101199001011234", "张三"])),
            "confirmed_at": f"2026-03-16T{draw(st.integers(9, 15)):02d}:{draw(st.integers(0, 59)):02d}:"
                            f"{draw(st.integers(0, 59)):02d}",
        })
    return rows


@st.composite
def files(draw) -> tuple[bytes, int]:
    """A file's bytes and the issue price in fen: mostly good rows, a few edges, sometimes a quirk of
    the whole file (BOM, GBK, CRLF, columns missing, reordered or extra)."""
    rows = draw(good_rows(draw(st.integers(1, 12))))
    for _ in range(draw(st.integers(0, 3))):
        row, column = draw(st.sampled_from(rows)), draw(st.sampled_from(COLUMNS))
        row[column] = draw(st.sampled_from(EDGES[column] + [r[column] for r in rows]))
    columns = list(COLUMNS)
    quirk = draw(st.sampled_from(["none"] * 6 + ["bom", "gbk", "crlf", "no_investor_id", "reordered", "extra",
                                                 "quote_all", "no_final_newline", "blank_line", "blank_end"]))
    if quirk == "no_investor_id":
        columns.remove("investor_id")
    elif quirk == "reordered":
        columns = columns[::-1]
    elif quirk == "extra":
        columns.append("note")
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\r\n" if quirk == "crlf" else "\n",
                            quoting=csv.QUOTE_ALL if quirk == "quote_all" else csv.QUOTE_MINIMAL, restval="x")
    writer.writeheader()
    writer.writerows(rows)
    text = out.getvalue()
    if quirk == "no_final_newline":
        text = text.rstrip("\n")
    elif quirk == "blank_line":
        head, _, rest = text.partition("\n")
        text = head + "\n" + rest.replace("\n", "\n\n", 1)
    elif quirk == "blank_end":
        text += "\n\n"
    if quirk == "gbk":
        data = text.encode("gbk", errors="replace")
    else:
        data = (b"\xef\xbb\xbf" if quirk == "bom" else b"") + text.encode()
    return data, draw(st.sampled_from([1404, 1404, 1400, 1410]))


def outcome(parse, path, price_fen: int):
    """What the caller sees: the typed frame, the listed errors and their total, or a crash."""
    try:
        return "loaded", parse(path, price_fen=price_fen, t_date=T, participants=PARTICIPANTS)
    except ExchangeFileRejected as refused:
        return "refused", (refused.errors, refused.total)
    except Exception as crash:  # noqa: BLE001 — a crash must at least be the same crash
        return "crashed", type(crash).__name__


def assert_same_verdict(path, price_fen: int) -> str:
    new_kind, new = outcome(parse_exchange_file, path, price_fen)
    old_kind, old = outcome(exchange_file_before.parse_exchange_file, path, price_fen)
    assert new_kind == old_kind, (new, old)
    if new_kind == "loaded":
        assert_frame_equal(new, old)
    else:
        assert new == old
    return new_kind


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=files())
@example(case=((",".join(COLUMNS) + "\n1,0100000001,S0001,800002,100,14.04,,2026-03-16T09:30:00\n").encode(), 1404))
def test_the_new_parser_gives_the_old_verdict_for_every_file(tmp_path, case):
    data, price_fen = case
    path = tmp_path / "sg.csv"
    path.write_bytes(data)
    assert_same_verdict(path, price_fen)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(1, 12).flatmap(good_rows))
def test_a_file_of_documented_rows_takes_the_fast_path(tmp_path, rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "sg.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert exchange_file._parse_usual(path, price_fen=1404, t_date=T, participants=PARTICIPANTS) is not None
    assert assert_same_verdict(path, 1404) == "loaded"


def usual_file(tmp_path, *rows: str):
    path = tmp_path / "sg.csv"
    path.write_text(",".join(COLUMNS) + "\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_a_usual_file_is_typed_by_the_fast_path_exactly_as_the_careful_path_types_it(tmp_path):
    path = usual_file(tmp_path, "1,0100000001,S0001,800002,100,14.04,,2026-03-16T09:30:00",
                      '2,0100000002,S0002,800004,2500,14.04,"",2026-03-16T14:59:59',
                      "3,0100000003,S0001,800003,0,14.04,110101199001011234,2026-03-16T00:00:00")
    fast = exchange_file._parse_usual(path, price_fen=1404, t_date=T, participants=PARTICIPANTS)
    assert fast is not None
    assert_frame_equal(fast, exchange_file._parse_careful(path, price_fen=1404, t_date=T, participants=PARTICIPANTS))
    assert fast["confirmed_at"].dt.to_string("%Y-%m-%dT%H:%M:%S%z").to_list() == [
        "2026-03-16T09:30:00+0800", "2026-03-16T14:59:59+0800", "2026-03-16T00:00:00+0800"]


@pytest.mark.parametrize("seq", ["+5", "-5", "-0", "5.0", "1e3", "0000000000000000001", ""])
def test_a_seq_that_is_not_1_to_18_digits_is_refused_as_not_a_positive_integer(tmp_path, seq):
    path = usual_file(tmp_path, f"{seq},0100000001,S0001,800002,100,14.04,,2026-03-16T09:30:00")
    with pytest.raises(ExchangeFileRejected) as refused:
        parse_exchange_file(path, price_fen=1404, t_date=T, participants=PARTICIPANTS)
    assert (refused.value.errors[0].column, refused.value.errors[0].message) == ("seq", "应为正整数")


@pytest.mark.parametrize("when", ["2026-03-16T24:00:00", "2026-03-16T09:30:00+08:00", "16-03-2026 09:30:00", ""])
def test_a_time_the_parser_cannot_read_is_refused_with_the_documented_form(tmp_path, when):
    path = usual_file(tmp_path, "1,0100000001,S0001,800002,100,14.04,,2026-03-16T09:29:00",
                      f"2,0100000002,S0001,800002,100,14.04,,{when}")
    with pytest.raises(ExchangeFileRejected) as refused:
        parse_exchange_file(path, price_fen=1404, t_date=T, participants=PARTICIPANTS)
    assert refused.value.errors == [exchange_file.RowError(2, "confirmed_at", "确认时间格式应为 YYYY-MM-DDTHH:MM:SS")]


@pytest.mark.parametrize("when,read", [("2026-03-16 09:30:00", "09:30:00"), ("2026-03-16T09:30", "09:30:00"),
                                       ("2026-03-16T09:30:00.5", "09:30:00"), ("2026-03-16", "00:00:00")])
def test_a_time_in_another_spelling_of_the_first_rows_style_is_still_accepted_as_before(tmp_path, when, read):
    path = usual_file(tmp_path, "1,0100000001,S0001,800002,100,14.04,,2026-03-16T09:29:00",
                      f"2,0100000002,S0001,800002,100,14.04,,{when}")
    assert exchange_file._parse_usual(path, price_fen=1404, t_date=T, participants=PARTICIPANTS) is None
    loaded = parse_exchange_file(path, price_fen=1404, t_date=T, participants=PARTICIPANTS)
    assert loaded["confirmed_at"].dt.to_string("%H:%M:%S").to_list() == ["09:29:00", read]


def test_the_digit_check_accepts_exactly_what_the_careful_regex_accepts():
    import itertools

    alphabet = ["0", "5", "+", "-", " ", ".", "e", "x", "_", "１", "٣", "\t", "a", ","]
    texts = pl.Series("seq", ["".join(p) for n in range(5) for p in itertools.product(alphabet, repeat=n)])
    fast = pl.DataFrame({"seq": texts}).select(exchange_file._digits("seq", max_len=3)).to_series()
    assert (fast == texts.str.contains(r"^[0-9]{1,3}$")).all()


@pytest.mark.parametrize("price_fen", [1404, 1400, 1410, 5, 100_000])
def test_every_price_spelling_the_fast_path_takes_is_the_issue_price_to_the_careful_check(price_fen):
    checks = exchange_file._checks(price_fen, T, PARTICIPANTS)
    price_checks = [wrong for column, wrong, _ in checks if column == "price"]
    spellings = pl.DataFrame({"price": exchange_file._price_spellings(price_fen)})
    assert not spellings.select(pl.any_horizontal(price_checks)).to_series().any()
