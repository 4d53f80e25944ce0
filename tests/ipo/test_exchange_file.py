"""The exchange's subscription file (docs/interfaces.md §1): the usual-file fast path gives, for every
file, the verdict of the careful path — the same typed frame for a good file — and neither crashes:
a bad file is refused with its errors listed (row, column, message) and nothing is loaded."""

from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from csdp.ipo.subscription import exchange_subscriptions as exchange_file
from csdp.ipo.subscription.exchange_subscriptions import COLUMNS, ExchangeFileRejected, RowError, parse_exchange_file

T = dt.date(2026, 3, 16)
PARTICIPANTS = pl.DataFrame(
    {"participant": ["S0001", "S0001", "S0002", "S0003"], "custody_unit": ["800002", "800003", "800004", "800006"]}
)
UNITS = {"S0001": ["800002", "800003"], "S0002": ["800004"], "S0003": ["800006"]}

# Spellings the careful checks see differently from the usual form, mixed into good rows.
EDGES = {
    "seq": [
        "",
        "0",
        "+5",
        "-5",
        "-0",
        " 7",
        "7 ",
        "5.0",
        "1e3",
        "0x1",
        "0000000000000000001",
        "999999999999999999",
        "1234567890123456789",
        "007",
        "01",
        "1",
        "\u3000" + "8",
        "00",
        "１",
        "٣",
        "1１",
    ],
    "account": [
        "",
        "012345678",
        "01234567890",
        "+123456789",
        " 0123456789",
        "0123456789 ",
        "012345678a",
        "-123456789",
        "0123456789",
        "０１２３４５６７８９",
        "012345678٩",
    ],
    "participant": ["", "S9999", " S0001", "S0001\t", "s0001", "S0002"],
    "custody_unit": ["", "800004", "999999", " 800002", "800002 "],
    "quantity": [
        "",
        "0",
        "+100",
        "-100",
        "100.0",
        "1e2",
        "0000000000100",
        "999999999999",
        " 100",
        "100 ",
        "007",
        "１００",
        "١٠٠",
    ],
    "price": [
        "",
        "14.04",
        "14.040",
        "14.4",
        "14.40",
        "014.04",
        "14.05",
        "+14.04",
        " 14.04",
        "14",
        "14.",
        ".04",
        "14.0",
        "14.00",
        "14.1",
        "14.10",
        "14,04",
        "abc",
        "１４.０４",
        "14.0٤",
        "99999999999999999999.04",
    ],
    "investor_id": [
        "",
        "110101199001011234",
        "A" * 30,
        "A" * 31,
        "张" * 30,
        "张" * 31,
        " ID1",
        "ID1 ",
        "\u3000ID1",
        "张三",
        "A\nB",
        'A"B',
        "A,B",
    ],
    "confirmed_at": [
        "",
        "2026-03-16 09:30:00",
        "2026-03-16T09:30",
        "2026-03-16T09:30:00.5",
        "2026-03-15T09:30:00",
        "2026-03-16T24:00:00",
        "2026-03-16T 9:30:00",
        "2026-03-16T09:30:60",
        "16-03-2026 09:30:00",
        "2026-03-16T09:30:00+08:00",
        "20260316T093000",
        "2026-3-16T9:30:00",
        " 2026-03-16T09:30:00",
        "2026- 3-16T09:30:00",
        "2026-03-17T00:00:00",
        "2026-03-16T23:59:59",
        "2026-03-16",
        "2026-03-16T23:59:60",
        "2026-03-16 23:59:60",
        "2026-03-16T09:30:00Z",
        "2026-03-16 09:30",
        "16/03/2026 09:30:00",
        "2026-03-16T０9:30:00",
        "2026-03-16T09:30:00 ",
        "2026-03-16t09:30:00",
    ],
}


@st.composite
def good_rows(draw, count: int) -> list[dict[str, str]]:
    rows = []
    for seq in sorted(draw(st.sets(st.integers(1, 10**6), min_size=count, max_size=count))):
        participant = draw(st.sampled_from(sorted(UNITS)))
        rows.append(
            {
                "seq": str(seq),
                "account": f"{draw(st.integers(0, 10**10 - 1)):010d}",
                "participant": participant,
                "custody_unit": draw(st.sampled_from(UNITS[participant])),
                "quantity": str(draw(st.integers(0, 10**6))),
                "price": "14.04",
                "investor_id": draw(st.sampled_from(["", "", "110101199001011234", "张三"])),
                "confirmed_at": f"2026-03-16T{draw(st.integers(9, 15)):02d}:{draw(st.integers(0, 59)):02d}:"
                f"{draw(st.integers(0, 59)):02d}",
            }
        )
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
    quirk = draw(
        st.sampled_from(
            ["none"] * 6
            + [
                "bom",
                "gbk",
                "crlf",
                "no_investor_id",
                "reordered",
                "extra",
                "quote_all",
                "no_final_newline",
                "blank_line",
                "blank_end",
            ]
        )
    )
    if quirk == "no_investor_id":
        columns.remove("investor_id")
    elif quirk == "reordered":
        columns = columns[::-1]
    elif quirk == "extra":
        columns.append("note")
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        columns,
        extrasaction="ignore",
        lineterminator="\r\n" if quirk == "crlf" else "\n",
        quoting=csv.QUOTE_ALL if quirk == "quote_all" else csv.QUOTE_MINIMAL,
        restval="x",
    )
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
    except Exception as crash:
        return "crashed", f"{type(crash).__name__}: {crash}"


def assert_same_verdict(path, price_fen: int) -> str:
    """parse_exchange_file (fast path, else careful) against the careful path alone."""
    kind, verdict = outcome(parse_exchange_file, path, price_fen)
    careful_kind, careful = outcome(exchange_file.parse_careful, path, price_fen)
    assert "crashed" not in (kind, careful_kind), (verdict, careful)
    assert kind == careful_kind, (verdict, careful)
    if kind == "loaded":
        assert_frame_equal(verdict, careful)
        assert_loadable(verdict)
    else:
        assert verdict == careful
    return kind


def assert_loadable(frame: pl.DataFrame) -> None:
    """What the database and the files downstream take for granted of a loaded frame."""
    assert frame["seq"].n_unique() == frame.height and frame["seq"].min() >= 1  # primary key (offering, seq)
    assert frame["account"].str.contains(r"^[0-9]{10}$").all()
    assert (frame["confirmed_at"].dt.date() == T).all()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=files())
@example(case=((",".join(COLUMNS) + "\n1,0100000001,S0001,800002,100,14.04,,2026-03-16T09:30:00\n").encode(), 1404))
def test_every_file_gets_one_verdict_from_both_paths_and_never_a_crash(tmp_path, case):
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
    path = usual_file(
        tmp_path,
        "1,0100000001,S0001,800002,100,14.04,,2026-03-16T09:30:00",
        '2,0100000002,S0002,800004,2500,14.04,"",2026-03-16T14:59:59',
        "3,0100000003,S0001,800003,0,14.04,110101199001011234,2026-03-16T00:00:00",
    )
    fast = exchange_file._parse_usual(path, price_fen=1404, t_date=T, participants=PARTICIPANTS)
    assert fast is not None
    assert_frame_equal(fast, exchange_file.parse_careful(path, price_fen=1404, t_date=T, participants=PARTICIPANTS))
    assert fast["confirmed_at"].dt.to_string("%Y-%m-%dT%H:%M:%S%z").to_list() == [
        "2026-03-16T09:30:00+0800",
        "2026-03-16T14:59:59+0800",
        "2026-03-16T00:00:00+0800",
    ]


TIME_FORM = "确认时间格式应为 YYYY-MM-DDTHH:MM:SS"


def refusal(path) -> list[RowError]:
    with pytest.raises(ExchangeFileRejected) as refused:
        parse_exchange_file(path, price_fen=1404, t_date=T, participants=PARTICIPANTS)
    return refused.value.errors


@pytest.mark.parametrize("seq", ["+5", "-5", "-0", "5.0", "1e3", "0000000000000000001", "", "0", "00", "１", "٣"])
def test_a_seq_that_is_not_1_to_18_ascii_digits_of_at_least_1_is_refused_as_not_a_positive_integer(tmp_path, seq):
    path = usual_file(tmp_path, f"{seq},0100000001,S0001,800002,100,14.04,,2026-03-16T09:30:00")
    assert refusal(path) == [RowError(1, "seq", "应为正整数")]


def test_one_host_sequence_spelled_twice_is_refused_as_a_repeat_on_both_rows(tmp_path):
    path = usual_file(
        tmp_path,
        "01,0100000001,S0001,800002,100,14.04,,2026-03-16T09:30:00",
        "2,0100000002,S0001,800002,100,14.04,,2026-03-16T09:30:01",
        "1,0100000003,S0001,800002,100,14.04,,2026-03-16T09:30:02",
    )
    assert refusal(path) == [RowError(1, "seq", "主机确认序号重复"), RowError(3, "seq", "主机确认序号重复")]


@pytest.mark.parametrize(
    "column,value,message",
    [
        ("account", "０１０００００００１", "证券账户应为 10 位数字"),
        ("account", "010000000٣", "证券账户应为 10 位数字"),
        ("quantity", "１００", "申购数量应为非负整数"),
        ("quantity", "١٠٠", "申购数量应为非负整数"),
        ("price", "１４.０４", "价格格式应为元，最多两位小数"),
    ],
)
def test_digits_other_than_ascii_are_refused_in_their_column(tmp_path, column, value, message):
    row = dict(zip(COLUMNS, ["1", "0100000001", "S0001", "800002", "100", "14.04", "", "2026-03-16T09:30:00"]))
    path = usual_file(tmp_path, ",".join({**row, column: value}.values()))
    assert refusal(path) == [RowError(1, column, message)]


def test_a_price_too_large_to_read_is_not_the_issue_price(tmp_path):
    path = usual_file(tmp_path, "1,0100000001,S0001,800002,100,99999999999999999999.04,,2026-03-16T09:30:00")
    assert refusal(path) == [RowError(1, "price", "申购价格与发行价格不符")]


OTHER_TIMES = [
    "2026-03-16T24:00:00",
    "2026-03-16T09:30:00+08:00",
    "2026-03-16T09:30:00Z",
    "16-03-2026 09:30:00",
    "16/03/2026 09:30:00",
    "2026-03-16T09:30",
    "2026-03-16 09:30",
    "2026-03-16T09:30:00.5",
    "2026-03-16",
    "20260316T093000",
    "2026-3-16T9:30:00",
    "2026-03-16T09:30:60",
    "2026-03-16T23:59:60",
    "",
]


@pytest.mark.parametrize("when", OTHER_TIMES)
@pytest.mark.parametrize("first", ["2026-03-16T09:29:00", "2026-03-16 09:29:00", "same"])
def test_a_time_not_in_the_documented_form_is_refused_whatever_the_first_row_says(tmp_path, when, first):
    first = when if first == "same" else first
    path = usual_file(
        tmp_path, f"1,0100000001,S0001,800002,100,14.04,,{first}", f"2,0100000002,S0001,800002,100,14.04,,{when}"
    )
    errors = [RowError(2, "confirmed_at", TIME_FORM)]
    assert refusal(path) == ([RowError(1, "confirmed_at", TIME_FORM)] if first == when else []) + errors


def test_a_space_for_the_t_is_read_as_the_same_beijing_time_on_any_row(tmp_path):
    path = usual_file(
        tmp_path,
        "1,0100000001,S0001,800002,100,14.04,,2026-03-16T09:29:00",
        "2,0100000002,S0001,800002,100,14.04,,2026-03-16 09:30:00",
        "3,0100000002,S0001,800002,100,14.04,,2026-03-16T09:31:00",
    )
    assert exchange_file._parse_usual(path, price_fen=1404, t_date=T, participants=PARTICIPANTS) is None
    loaded = parse_exchange_file(path, price_fen=1404, t_date=T, participants=PARTICIPANTS)
    assert loaded["confirmed_at"].dt.to_string("%Y-%m-%dT%H:%M:%S%z").to_list() == [
        "2026-03-16T09:29:00+0800",
        "2026-03-16T09:30:00+0800",
        "2026-03-16T09:31:00+0800",
    ]


def test_an_order_of_0_shares_is_loaded_and_left_to_t_eod_to_report_invalid(tmp_path):
    from csdp.ipo.engine.validity import REASON_UNIT, validate_orders

    path = usual_file(tmp_path, "1,0100000001,S0001,800002,0,14.04,,2026-03-16T09:30:00")
    loaded = parse_exchange_file(path, price_fen=1404, t_date=T, participants=PARTICIPANTS)
    orders = loaded.rename({"quantity_shares": "quantity"})
    assert validate_orders(orders, initial_online_shares=100_000)["reason"].to_list() == [REASON_UNIT]


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


# Through the load and the upload page: a refused file leaves nothing behind — before, the repeat
# reached the database's primary key (IntegrityError) and the other digits crashed the final cast.

BAD_FILES = {
    "repeat": (
        ["01,0100000001", "1,0100000002"],
        [RowError(1, "seq", "主机确认序号重复"), RowError(2, "seq", "主机确认序号重复")],
    ),
    "seq 0": (["0,0100000001"], [RowError(1, "seq", "应为正整数")]),
    "fullwidth seq": (["１,0100000001"], [RowError(1, "seq", "应为正整数")]),
    "fullwidth account": (["1,０１０００００００１"], [RowError(1, "account", "证券账户应为 10 位数字")]),
}


@pytest.fixture
def offering_at_t(db):
    from tests.ipo import world

    world.participant("Q001", "100001", funds_fen=0)
    offering = world.offering(online_shares=1_000, initial=100_000)
    world.at(world.T, 10)
    return offering


def bad_file(tmp_path, heads: list[str], when: str = "2026-03-16T09:30:00"):
    return usual_file(tmp_path, *(f"{head},Q001,100001,100,14.04,,{when}" for head in heads))


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_by_the_load_with_its_errors_listed_and_nothing_is_loaded(tmp_path, offering_at_t, case):
    from csdp.ipo.eod.t_day import offering_subscriptions_load
    from csdp.ipo.models import Subscription

    heads, errors = BAD_FILES[case]
    with pytest.raises(ExchangeFileRejected) as refused:
        offering_subscriptions_load(offering=offering_at_t, path=bad_file(tmp_path, heads))
    assert refused.value.errors == errors
    assert not Subscription.objects.filter(offering=offering_at_t).exists()


def test_a_time_with_an_offset_is_refused_by_the_load_and_nothing_is_loaded(tmp_path, offering_at_t):
    from csdp.ipo.eod.t_day import offering_subscriptions_load
    from csdp.ipo.models import Subscription

    path = bad_file(tmp_path, ["1,0100000001"], when="2026-03-16T09:30:00+08:00")
    with pytest.raises(ExchangeFileRejected) as refused:
        offering_subscriptions_load(offering=offering_at_t, path=path)
    assert refused.value.errors == [RowError(1, "confirmed_at", TIME_FORM)]
    assert not Subscription.objects.filter(offering=offering_at_t).exists()


def test_the_operator_uploading_a_repeated_seq_sees_the_rows_named_not_a_server_error(cast, client_for, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from csdp.ipo.models import Subscription
    from tests.ipo import world

    world.participant("V003", "700001", funds_fen=0)
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    world.at(world.T, 10)
    upload = SimpleUploadedFile(
        "sg.csv",
        (
            ",".join(COLUMNS) + "\n"
            "01,0700000001,V003,700001,100,14.04,,2026-03-16T09:30:00\n"
            "1,0700000002,V003,700001,100,14.04,,2026-03-16T09:31:00\n"
        ).encode(),
    )
    page = client_for(cast.operator).post(f"/ipo/{offering.pk}/subscriptions/", {"file": upload})
    assert page.status_code == 422
    text = page.content.decode()
    assert all(f"<tr><td>{row}</td><td>seq</td><td>主机确认序号重复</td></tr>" in text for row in (1, 2))
    assert not Subscription.objects.filter(offering=offering).exists()
