"""The corporate-action engine of 权益分派: pure functions from tables to tables (no database).

Rates.parse(cash, bonus, transfer)                    rates per 10 shares as exact integers
apportion(quantity, rate, denominator, ties, method)  精确算法 / truncation on one column
account_entitlements(holdings, rates, seed=…)         per account: cash_fen, bonus_shares
lot_entitlements(lots, accounts)                      per lot: cash, held cash, bonus (frozen / pledged)
"""

from csdp.dividend.engine.apportion import Method, apportion, tie_keys
from csdp.dividend.engine.entitlements import Totals, account_entitlements, entitle, lot_entitlements
from csdp.dividend.engine.rates import CASH_DENOMINATOR, SHARE_DENOMINATOR, Rates, RateError

__all__ = [
    "CASH_DENOMINATOR",
    "SHARE_DENOMINATOR",
    "Method",
    "RateError",
    "Rates",
    "Totals",
    "account_entitlements",
    "apportion",
    "entitle",
    "lot_entitlements",
    "tie_keys",
]
