"""`csdp ipo allocate` end to end, as an operator runs it (a subprocess of the installed script)."""

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

CSDP = Path(sys.executable).with_name("csdp")

SMALL = """account,participant,quantity,seq
0000000001,001,1000,1
0000000002,001,1000,2
0000000003,002,1000,3
0000000003,002,500,4
0000000004,002,150,5
"""


def run_allocate(tmp_path: Path, content: str | None, *extra: str, online: str = "1050") -> subprocess.CompletedProcess:
    source = tmp_path / "subscriptions.csv"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    return subprocess.run(
        [
            str(CSDP),
            "ipo",
            "allocate",
            "--subscriptions",
            str(source),
            "--online-shares",
            online,
            "--output",
            str(tmp_path / "out.csv"),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_allocates_a_small_file_and_prints_one_json_summary(tmp_path):
    done = run_allocate(tmp_path, SMALL, "--initial-online-shares", "1000000")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout, parse_float=Decimal)
    assert summary == {
        "online_shares": 1050,
        "valid_orders": 3,
        "valid_shares": 3000,
        "invalid_orders": 2,
        "ratio": Decimal("0.35"),
        "allocated_accounts": 3,
        "allocated_shares": 1050,
        "unsubscribed_shares": 0,
        "oversubscribed": True,
    }
    out = pl.read_csv(tmp_path / "out.csv", schema_overrides={"account": pl.String, "participant": pl.String})
    assert out.columns == ["account", "participant", "quantity", "seq", "valid", "reason", "allocated_shares"]
    assert out.get_column("account").to_list()[0] == "0000000001"
    assert out.get_column("allocated_shares").to_list() == [400, 350, 300, 0, 0]
    assert out.get_column("reason").to_list() == [None, None, None, "duplicate", "unit"]


def test_the_ratio_is_printed_with_every_decimal_digit(tmp_path):
    rows = "".join(f"{i:010d},001,{100 * (i % 3 + 1)},{i}\n" for i in range(7))
    done = run_allocate(
        tmp_path, "account,participant,quantity,seq\n" + rows, "--initial-online-shares", "10000", online="300"
    )
    assert done.returncode == 0, done.stderr
    ratio = json.loads(done.stdout, parse_float=Decimal)["ratio"]
    assert ratio == Decimal(300) / Decimal(1300)  # 28 significant digits, not a binary float's 17
    assert len(ratio.as_tuple().digits) >= 27


@pytest.mark.parametrize(
    ("content", "online", "message"),
    [
        ("account,participant,quantity,seq\n0000000001,001,1e3,1\n", "1000", "第 2 行：quantity 不是整数"),
        ("", "1000", "申购文件为空"),
        ("account,participant,quantity,seq\n0000000001,001,100,1\n", "-5", "--online-shares 必须是正整数"),
    ],
    ids=["non-integer-quantity", "empty-file", "negative-n"],
)
def test_bad_input_exits_non_zero_with_a_message_and_no_output_file(tmp_path, content, online, message):
    done = run_allocate(tmp_path, content, "--initial-online-shares", "100000", online=online)
    assert done.returncode != 0
    assert message in done.stderr
    assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subscriptions.csv"]


def call_allocate(tmp_path: Path, content: str | None, *extra: str, online: str = "1000") -> str:
    """In process (no interpreter start-up): returns stdout; a CommandError propagates."""
    source = tmp_path / "subscriptions.csv"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    out = io.StringIO()
    call_command(
        "ipo",
        "allocate",
        "--subscriptions",
        str(source),
        "--online-shares",
        online,
        "--output",
        str(tmp_path / "out.csv"),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_without_the_initial_online_shares_it_refuses_instead_of_capping_at_the_final_number(tmp_path):
    # Defaulting M to N made this order invalid (cap = 1999 × 5 % → 0 lots): now it is refused outright.
    with pytest.raises(CommandError, match="必须提供 --initial-online-shares"):
        call_allocate(tmp_path, "account,participant,quantity,seq\n0000000001,001,100,1\n", online="1999")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subscriptions.csv"]


def test_the_cap_is_five_percent_of_the_initial_online_shares(tmp_path):
    printed = call_allocate(
        tmp_path,
        "account,participant,quantity,seq\n0000000001,001,100,1\n",
        "--initial-online-shares",
        "1999",
        online="1999",
    )
    assert json.loads(printed)["invalid_orders"] == 1  # cap = 1999 × 5 % → 0 lots


def test_an_investor_id_column_joins_accounts_of_one_investor(tmp_path):
    content = "account,participant,quantity,seq,investor_id\n0000000001,001,100,2,X\n0000000002,002,100,1,X\n"
    call_allocate(tmp_path, content, "--initial-online-shares", "100000")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out.get_column("reason").to_list() == ["duplicate", None]
    assert out.get_column("investor_id").to_list() == ["X", "X"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("account,participant,seq\n0000000001,001,1\n", "缺少列：quantity"),
        ("account,participant,quantity,seq\n0000000001,001,100,abc\n", "第 2 行：seq 不是整数"),
        ("account,participant,quantity,seq\n0000000001,001,100,1\n0000000002,001,,2\n", "第 3 行：quantity 为空"),
        ("account,participant,quantity,seq\n", "没有申购记录"),
        (None, "申购文件不存在"),
    ],
    ids=["missing-column", "non-integer-seq", "empty-quantity", "header-only", "no-file"],
)
def test_every_bad_file_is_refused_by_name_and_leaves_no_output(tmp_path, content, message):
    with pytest.raises(CommandError, match=message):
        call_allocate(tmp_path, content, "--initial-online-shares", "100000")
    assert not (tmp_path / "out.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
