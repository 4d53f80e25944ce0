"""Benchmark: browsing and filtering the pledge board (seed 004 §十四) with N postings.

    .venv/bin/python bench/pledge_browse.py                       # SQLite file var/bench_pledge.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_pledge_bench .venv/bin/python bench/pledge_browse.py

Creates the schema (migrate), seeds N postings in bulk (default 100,000; 2,000 owners, 300
securities; statuses as a live board: 70 % 待洽谈, 15 % 洽谈中, 5 % each 已质押 / 失效 / 待审核), runs
ANALYZE, then times the board queries exactly as the page and the API run them
(selectors.board_filtered + board_page: one page of 20 plus one row to know whether a next page
exists) with random filter values, R rounds per query shape. Prints JSON with p50/p95 in ms per
shape and over all; record the figures in docs/performance.md. Target: p95 ≤ 50 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_pledge.sqlite3'}")

KINDS = ["stock", "bond", "fund", "amp"]
WORDS = ["悦龙", "星河", "颖泰", "茅台", "宁德", "平安", "短期", "质押", "融资", "出借", "资金", "基金", "份额", "急需", "优质"]
STATUSES = ["open"] * 70 + ["negotiating"] * 15 + ["pledged"] * 5 + ["expired"] * 5 + ["pending_review"] * 5


def seed(n: int, owners: int, securities: int, rng: random.Random) -> None:
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from csdp.accounts.models import Institution, User
    from csdp.pledge.models import PledgeProfile, Posting
    from csdp.securities.models import Investor, SecuritiesAccount, Security

    if Posting.objects.count() >= n:
        return
    with transaction.atomic():
        Posting.objects.all().delete()
        Security.objects.bulk_create([Security(code=f"{880000 + i}", name=f"基准证券{i}", kind=KINDS[i % 4],
                                               market="BSE") for i in range(securities)], ignore_conflicts=True)
        secs = list(Security.objects.filter(code__startswith="88"))
        Institution.objects.bulk_create([Institution(kind="pledge_user", name=f"基准用户{i}", code=f"B{i:06d}")
                                         for i in range(owners)], ignore_conflicts=True)
        insts = list(Institution.objects.filter(code__startswith="B", kind="pledge_user"))
        User.objects.bulk_create([User(username=f"bench{i.code}", institution=i, password="!") for i in insts],
                                 ignore_conflicts=True)
        users = list(User.objects.filter(username__startswith="benchB"))
        Investor.objects.bulk_create([Investor(ymt_number=f"19{u.pk:010d}", name=f"基准投资者{u.pk}", id_type="other",
                                               id_number=f"BENCH{u.pk}", holder_type="03") for u in users],
                                     ignore_conflicts=True)
        investors = {i.id_number: i for i in Investor.objects.filter(id_number__startswith="BENCH")}
        SecuritiesAccount.objects.bulk_create([SecuritiesAccount(number=f"B{u.pk:09d}", investor=investors[f"BENCH{u.pk}"],
                                                                 market="BSE") for u in users], ignore_conflicts=True)
        accounts = {a.investor_id: a for a in SecuritiesAccount.objects.filter(number__startswith="B")}
        PledgeProfile.objects.bulk_create([PledgeProfile(user=u, kind="investor", investor=investors[f"BENCH{u.pk}"],
                                                         name=f"基准{u.pk}", id_type="other", id_number=f"BENCH{u.pk}")
                                           for u in users], ignore_conflicts=True)
    now, today = timezone.now(), dt.date.today()
    batch = []
    for i in range(n):
        owner = users[rng.randrange(len(users))]
        pledgor = rng.random() < 0.5
        sec = secs[rng.randrange(len(secs))]
        title = "".join(rng.sample(WORDS, 3)) + f"{i}"
        status = STATUSES[rng.randrange(len(STATUSES))]
        rate = rng.randrange(300, 1200)
        batch.append(Posting(
            owner=owner, side="pledgor" if pledgor else "lender", status=status, status_since=now,
            account=accounts[investors[f"BENCH{owner.pk}"].pk] if pledgor else None, security=sec if pledgor else None,
            quantity_shares=rng.randrange(100, 1_000_000) if pledgor else None,
            security_code=sec.code if pledgor else "", security_kind=sec.kind if pledgor else "",
            accepted_kinds="" if pledgor else ",".join(rng.sample(KINDS, 2)),
            amount_fen=rng.randrange(10_000, 100_000_000) * 100, term_months=rng.choice([1, 3, 6, 12, 24, 36]),
            rate_min_bp=rate - rng.randrange(0, 200) if pledgor else rate, rate_max_bp=rate,
            valid_until=today + dt.timedelta(days=rng.randrange(-30, 180)), title=title, search_text=title,
            published_at=now - dt.timedelta(minutes=i) if status != "pending_review" else None, created_at=now,
            listed=status in ("open", "negotiating", "pledged")))
        if len(batch) == 10_000:
            _store(batch, rng)
            batch = []
    _store(batch, rng)


def _store(batch, rng) -> None:
    from csdp.pledge.models import Posting, PostingCode, PostingToken
    from csdp.pledge.selectors import bigrams

    Posting.objects.bulk_create(batch)  # ids come back on SQLite ≥ 3.35 and PostgreSQL
    codes = [PostingCode(posting=p, code=p.security_code) for p in batch if p.security_code]
    codes += [PostingCode(posting=p, code=f"{880000 + rng.randrange(300)}") for p in batch
              if not p.security_code and rng.random() < 0.2]  # a fifth of the lenders name one code
    PostingCode.objects.bulk_create(codes)
    PostingToken.objects.bulk_create([PostingToken(posting=p, token=t) for p in batch for t in bigrams(p.search_text)])


def shapes(rng: random.Random, codes: list[str]) -> dict:
    from csdp.pledge.selectors import BoardFilter

    return {
        "default (recent)": lambda: BoardFilter(),
        "side + sort amount": lambda: BoardFilter(side=rng.choice(["pledgor", "lender"]), sort="amount"),
        "kind": lambda: BoardFilter(kind=rng.choice(KINDS)),
        "code": lambda: BoardFilter(code=rng.choice(codes)),
        "amount range": lambda: BoardFilter(amount_min_fen=rng.randrange(1, 50) * 1_000_000_00,
                                            amount_max_fen=rng.randrange(50, 100) * 1_000_000_00),
        "rate ≤ x, sort rate": lambda: BoardFilter(rate_max_bp=rng.randrange(300, 1200), sort="rate"),
        "term ≤ x, sort term": lambda: BoardFilter(term_max_months=rng.choice([1, 3, 6, 12]), sort="term"),
        "status negotiating": lambda: BoardFilter(status="negotiating"),
        "keyword": lambda: BoardFilter(keyword=rng.choice(WORDS)),
        "keyword rare (number)": lambda: BoardFilter(keyword=str(rng.randrange(100_000))),
        "combined": lambda: BoardFilter(side="pledgor", kind=rng.choice(KINDS), rate_max_bp=900,
                                        term_max_months=12, sort="amount"),
        "page 50": lambda: BoardFilter(sort="amount"),
    }


def measure(rounds: int, rng: random.Random) -> dict:
    from django.db import connection

    from csdp.pledge.models import Posting
    from csdp.pledge.selectors import board_filtered, board_page

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    codes = list(Posting.objects.exclude(security_code="").values_list("security_code", flat=True).distinct())
    out, every = {}, []
    for name, make in shapes(rng, codes).items():
        page = 50 if name == "page 50" else 1
        times = []
        for _ in range(rounds):
            spec = make()
            started = time.perf_counter()
            board_page(board_filtered(spec), page)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        every += times
        out[name] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * len(times)) - 1], 2)}
    every.sort()
    out["ALL"] = {"p50_ms": round(statistics.median(every), 2), "p95_ms": round(every[int(0.95 * len(every)) - 1], 2),
                  "queries": len(every)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--owners", type=int, default=2_000)
    parser.add_argument("--securities", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    seed(args.postings, args.owners, args.securities, rng)
    seeded_s = round(time.perf_counter() - started, 1)
    result = {"database": connection.vendor, "postings": args.postings, "seed_s": seeded_s,
              "filters": measure(args.rounds, rng)}
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
