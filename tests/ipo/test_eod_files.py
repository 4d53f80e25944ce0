"""The participant files' frames (csdp/ipo/eod/participant_files.py): what each record says about its order."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.ipo.eod.order_records import reason_codes
from csdp.ipo.eod.layouts import REASON_CODES


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", *REASON_CODES]), max_size=30))
def test_each_sgqs_record_carries_its_orders_reason_code_and_a_valid_order_none(reasons):
    codes = reason_codes(pl.DataFrame({"reason": reasons}, schema={"reason": pl.Utf8}))
    assert codes.to_list() == [REASON_CODES[r][0] if r else "" for r in reasons]
