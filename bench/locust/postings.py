"""Pledge-board postings for the locust dataset, set-based in PostgreSQL (docs/performance.md
"Pages under 50 users").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_locust .venv/bin/python bench/locust/postings.py 100000

The owners (OWNERS pledge users, each an investor with a BSE account and an active board profile) and
SECURITIES board securities are a few thousand rows made by the ORM; the N postings, their code rows and
their keyword bigrams (pledge.selectors.bigrams: neighbouring characters, upper-cased, no spaces) are
each one INSERT … SELECT over generate_series in the database — no Python loop over the postings.
The mix is bench/pledge_browse.py's: half pledgors, half lenders; 70 % 待洽谈, 15 % 洽谈中, 5 % each
已质押 / 失效 / 待审核; a fifth of the lenders name one accepted code. PostgreSQL only (the benchmark's).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")

OWNERS = 2_000
SECURITIES = 300
WORDS = [
    "悦龙",
    "星河",
    "颖泰",
    "茅台",
    "宁德",
    "平安",
    "短期",
    "质押",
    "融资",
    "出借",
    "资金",
    "基金",
    "份额",
    "急需",
    "优质",
]
# 20 slots: 14 open, 3 negotiating, 1 each pledged / expired / pending_review (70/15/5/5/5 %).
STATUSES = ["open"] * 14 + ["negotiating"] * 3 + ["pledged", "expired", "pending_review"]
KINDS = ["stock", "bond", "fund", "amp"]


def owners_and_securities() -> None:
    """The board's owners and securities (small: ORM bulk_create), made once."""
    from django.db import transaction

    from csdp.accounts.models import Institution, User
    from csdp.pledge.models import PledgeProfile
    from csdp.securities.models import Investor, SecuritiesAccount, Security

    with transaction.atomic():
        Security.objects.bulk_create(
            [
                Security(code=f"{880000 + i}", name=f"基准证券{i}", kind=KINDS[i % 4], market="BSE")
                for i in range(SECURITIES)
            ],
            ignore_conflicts=True,
        )
        Institution.objects.bulk_create(
            [Institution(kind="pledge_user", name=f"基准用户{i}", code=f"B{i:06d}") for i in range(OWNERS)],
            ignore_conflicts=True,
        )
        insts = Institution.objects.filter(code__startswith="B", kind="pledge_user")
        User.objects.bulk_create(
            [User(username=f"bench{i.code}", institution=i, password="!") for i in insts], ignore_conflicts=True
        )
        users = list(User.objects.filter(username__startswith="benchB"))
        Investor.objects.bulk_create(
            [
                Investor(
                    ymt_number=f"19{u.pk:010d}",
                    name=f"基准投资者{u.pk}",
                    id_type="other",
                    id_number=f"BENCH{u.pk}",
                    holder_type="03",
                )
                for u in users
            ],
            ignore_conflicts=True,
        )
        investors = {i.id_number: i for i in Investor.objects.filter(id_number__startswith="BENCH")}
        SecuritiesAccount.objects.bulk_create(
            [SecuritiesAccount(number=f"B{u.pk:09d}", investor=investors[f"BENCH{u.pk}"], market="BSE") for u in users],
            ignore_conflicts=True,
        )
        PledgeProfile.objects.bulk_create(
            [
                PledgeProfile(
                    user=u,
                    kind="investor",
                    investor=investors[f"BENCH{u.pk}"],
                    name=f"基准{u.pk}",
                    id_type="other",
                    id_number=f"BENCH{u.pk}",
                )
                for u in users
            ],
            ignore_conflicts=True,
        )


def _array(values: list[str]) -> str:
    return "(ARRAY[" + ",".join(f"'{v}'" for v in values) + "])"


POSTINGS_SQL = f"""
CREATE TEMP TABLE bench_owner AS
  SELECT row_number() OVER (ORDER BY u.id) AS n, u.id AS user_id, a.id AS account_id
  FROM accounts_user u
  JOIN securities_investor i ON i.id_number = 'BENCH' || u.id
  JOIN securities_securitiesaccount a ON a.investor_id = i.id
  WHERE u.username LIKE 'benchB%%';
CREATE TEMP TABLE bench_security AS
  SELECT row_number() OVER (ORDER BY id) AS n, id, code, kind FROM securities_security WHERE code LIKE '88%%';
INSERT INTO pledge_posting (
  owner_id, side, status, status_since, account_id, security_id, quantity_shares, security_code,
  security_kind, accepted_kinds, accepted_codes, amount_fen, term_months, rate_min_bp, rate_max_bp,
  valid_until, title, description, search_text, listed, flag_reason, published_at, review_reason, created_at)
SELECT o.user_id,
       CASE WHEN g.pledgor THEN 'pledgor' ELSE 'lender' END,
       g.status, now(),
       CASE WHEN g.pledgor THEN o.account_id END,
       CASE WHEN g.pledgor THEN s.id END,
       CASE WHEN g.pledgor THEN 100 + floor(random() * 999900)::bigint END,
       CASE WHEN g.pledgor THEN s.code ELSE '' END,
       CASE WHEN g.pledgor THEN s.kind ELSE '' END,
       CASE WHEN g.pledgor THEN '' ELSE {_array(KINDS)}[1 + g.i %% 4] || ',' || {_array(KINDS)}[1 + (g.i + 1) %% 4] END,
       '',
       (10000 + floor(random() * 99990000)::bigint) * 100,
       (ARRAY[1, 3, 6, 12, 24, 36])[1 + floor(random() * 6)::int],
       CASE WHEN g.pledgor THEN g.rate - floor(random() * 200)::int ELSE g.rate END,
       g.rate,
       current_date + (floor(random() * 210)::int - 30),
       g.title, '', g.title,
       g.status IN ('open', 'negotiating', 'pledged'),
       '',
       CASE WHEN g.status <> 'pending_review' THEN now() - make_interval(mins => g.i) END,
       '', now()
FROM (
  SELECT i,
         random() < 0.5 AS pledgor,
         {_array(STATUSES)}[1 + floor(random() * {len(STATUSES)})::int] AS status,
         1 + floor(random() * (SELECT count(*) FROM bench_owner))::int AS owner_n,
         1 + floor(random() * (SELECT count(*) FROM bench_security))::int AS security_n,
         300 + floor(random() * 900)::int AS rate,
         {_array(WORDS)}[1 + floor(random() * {len(WORDS)})::int]
           || {_array(WORDS)}[1 + floor(random() * {len(WORDS)})::int]
           || {_array(WORDS)}[1 + floor(random() * {len(WORDS)})::int] || i::text AS title
  FROM generate_series(1, %(n)s) AS i
) g
JOIN bench_owner o ON o.n = g.owner_n
JOIN bench_security s ON s.n = g.security_n;
INSERT INTO pledge_postingcode (posting_id, code)
  SELECT id, security_code FROM pledge_posting WHERE security_code <> ''
  UNION ALL
  SELECT p.id, s.code FROM pledge_posting p
  JOIN bench_security s ON s.n = 1 + (p.id %% (SELECT count(*) FROM bench_security))
  WHERE p.security_code = '' AND p.id %% 5 = 0;
INSERT INTO pledge_postingtoken (posting_id, token)
  SELECT DISTINCT p.id, substr(p.t, k, 2)
  FROM (SELECT id, upper(regexp_replace(search_text, '\\s', '', 'g')) AS t FROM pledge_posting) p,
       generate_series(1, char_length(p.t) - 1) AS k;
"""


def main() -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from csdp.pledge.models import Posting

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if connection.vendor != "postgresql":
        raise SystemExit("postings.py writes set-based SQL for PostgreSQL; set DATABASE_URL.")
    if Posting.objects.exists():
        print(f"postings already present ({Posting.objects.count()}); nothing done")
        return
    started = time.monotonic()
    owners_and_securities()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(POSTINGS_SQL, {"n": n})
    with connection.cursor() as cursor:
        for table in ("pledge_posting", "pledge_postingcode", "pledge_postingtoken", "pledge_pledgeprofile"):
            cursor.execute(f"ANALYZE {table}")
    print(f"{Posting.objects.count()} postings in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
