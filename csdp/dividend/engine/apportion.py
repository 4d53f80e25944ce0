"""ChinaClear's 精确算法 (rules.md §12) on exact integers, and truncation as the alternative.

    exact_i   = n_i / d            n_i = quantity_i × rate (an integer), d the rate's denominator
    whole_i   = n_i // d           every holder gets the whole part
    declared  = (Σ n_i) // d       the declared total: Σ holdings × rate, in whole units
    R         = declared − Σ whole_i            (0 ≤ R < number of holders with a fraction)
    the R holders with the largest fractional parts (n_i mod d) get one unit more; equal fractions
    are ordered at random by a seed recorded with the run (``tie_keys``)

so Σ = declared exactly, each holder gets floor(exact) or floor(exact) + 1, and every +1 goes to a
fraction ≥ that of every holder left without one. Truncation gives everyone the whole part; the
rest (declared − Σ whole) stays undistributed (cash: back to the issuer).

Set-based: numpy/Polars column arithmetic and one ``np.partition`` (O(n)) to find the R-th largest
packed key (fraction in the high bits, the random tie key in the low bits); no sort, no Python loop
per holder. The same code serves ten rows and ten million.
"""

from __future__ import annotations

import enum

import numpy as np
import polars as pl

from csdp.ipo.engine.exact import column_max, EngineRangeError, exact_int_dtype, exact_sum

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


class Method(enum.StrEnum):
    PRECISE = "precise"  # 精确算法
    TRUNCATE = "truncate"  # 截尾：只分配整数部分


def splitmix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on uint64 (wrapping arithmetic, defined by its paper): a stable,
    version-independent pseudo-random key per input value."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def tie_keys(ordinals: np.ndarray, seed: int) -> np.ndarray:
    """The random order of equal fractions: a key per holder drawn from ``seed`` and the holder's
    ordinal (its rank by account number, so the order does not depend on how rows arrive)."""
    mixed = splitmix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]
    with np.errstate(over="ignore"):
        return splitmix64(ordinals.astype(np.uint64) ^ mixed)


def _whole_and_fraction(quantity: pl.Series, rate: int, denominator: int) -> tuple[pl.Series, pl.Series]:
    """(n // d, n mod d) for n = quantity × rate, in the narrowest exact integer type."""
    dtype = exact_int_dtype(column_max(quantity) * rate)
    product = pl.col("q").cast(dtype) * pl.lit(rate, dtype)
    out = quantity.to_frame("q").select(
        (product // pl.lit(denominator, dtype)).cast(pl.Int64).alias("whole"),
        (product % pl.lit(denominator, dtype)).cast(pl.Int64).alias("fraction"),
    )
    return out.get_column("whole"), out.get_column("fraction")


def apportion(
    quantity: pl.Series, rate: int, denominator: int, ties: np.ndarray | None, method: Method = Method.PRECISE
) -> tuple[pl.Series, int]:
    """Units per holder (Int64) and the declared total for ``quantity × rate / denominator``.
    ``ties``: uint64 keys (``tie_keys``), needed for the precise method."""
    n = quantity.len()
    declared = exact_sum(quantity.to_frame("q"), "q") * rate // denominator
    if n == 0 or rate == 0:
        return pl.Series(np.zeros(n, dtype=np.int64)), declared
    whole, fraction = _whole_and_fraction(quantity, rate, denominator)
    if method == Method.TRUNCATE:
        return whole, declared
    remainder = declared - exact_sum(whole.to_frame("w"), "w")
    if remainder == 0:
        return whole, declared
    if ties is None:
        raise ValueError("the precise method needs the tie keys drawn from the run's seed")
    plus = _largest(fraction.to_numpy().astype(np.uint64), denominator, ties, remainder)
    return whole + pl.Series(plus.astype(np.int64)), declared


def _largest(fraction: np.ndarray, denominator: int, ties: np.ndarray, count: int) -> np.ndarray:
    """A boolean mask of the ``count`` rows with the largest (fraction, tie key), fraction > 0 only;
    rows equal in both (a 2⁻ᵏ chance) are taken in row order."""
    fraction_bits = int(denominator - 1).bit_length()
    tie_bits = 63 - fraction_bits
    if tie_bits < 20:
        raise EngineRangeError(f"denominator {denominator} leaves too few bits for the random order")
    key = (fraction << np.uint64(tie_bits)) | (ties >> np.uint64(64 - tie_bits))
    key[fraction == 0] = 0  # a holder without a fraction never gets a unit more
    if count > int(np.count_nonzero(fraction)):
        raise EngineRangeError("more units to distribute than holders with a fraction")
    threshold = np.partition(key, key.size - count)[key.size - count]
    plus = key > threshold
    missing = count - int(np.count_nonzero(plus))
    if missing:
        at = key == threshold
        plus |= at & (np.cumsum(at) <= missing)
    return np.asarray(plus, dtype=bool)
