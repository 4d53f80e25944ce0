import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.ipo.engine.ordering import packed_order_key, sort_rows

PARTS = [("q", True), ("s", False)]
TIES = [("account", True)]


def frame_of(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"q": pl.Int64, "s": pl.Int64, "account": pl.String}, orient="row")


def reference(frame: pl.DataFrame) -> list:
    return sorted(frame.rows(), key=lambda r: (-r[0], r[1], tuple(-ord(c) for c in r[2])))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-5, 5), st.integers(-3, 3), st.sampled_from(["01", "02", "10"])), min_size=1, max_size=40
    )
)
def test_sorting_by_the_packed_key_equals_the_lexicographic_order_with_text_tie_breaks(rows):
    frame = frame_of(rows)
    assert sort_rows(frame, PARTS, TIES).rows() == reference(frame)


def test_ranges_too_wide_for_63_bits_give_no_packed_key():
    frame = frame_of([(0, -(2**62), "a"), (2**40, 2**62, "b")])
    assert packed_order_key(frame, PARTS) is None
    assert sort_rows(frame, PARTS, TIES).rows() == reference(frame)


def test_a_null_in_a_key_column_gives_no_packed_key_and_sorts_last():
    frame = frame_of([(1, None, "a"), (1, 5, "b")])
    assert packed_order_key(frame, PARTS) is None
    assert sort_rows(frame, PARTS, TIES).get_column("account").to_list() == ["b", "a"]
