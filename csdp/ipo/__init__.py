"""BSE public offerings (seed 002). Where each step of the guide lives:

- T-1, the issuer's share-registration application and, after a failure, its refund application
  (第二章 §2.1.1, 第五章): `issuer/counter_types.py` (business types on the virtual counter);
  the lead underwriter's account reported before T (第三章): `services.py`.
- T, the exchange's subscription data (§4.1.1): `subscription/` (`exchange_subscriptions.py`, the
  drop folder `inbox.py`).
- End of day, T (clearing), T+1 (freeze, invalid processing, allocation), T+2 (deduction, release),
  registration day (share registration data), and the participant files (第四章, 附件1): `eod/`, the
  pure allocation engine `engine/`; members' reconciliation files and the underwriter's results:
  `eod/reconcile.py`.
- T+2, the issuer's 余股 / 战略配售 / 网下 detail filings (§2.1.2): `issuer/detail_filings.py`.
- Failure or suspension at each stage, and its refunds (第五章): `failure/` (`stop.py`, `refunds.py`).
- The timeline of 附件1 as the pages show it: `timeline.py`; status changes: `transitions.py`.
- Pages, API, menus, work lists, demo: `views.py`, `pages.py`, `api.py`, `menus.py`, `worklists.py`,
  `seams.py`, `demo.py`. `csdp ipo allocate` (the engine on CSV files): `runner.py`, `allocate_csv.py`.
- The simulator (`csdp ipo simulate`, benches): `sim/`, never imported by the production path.
"""
