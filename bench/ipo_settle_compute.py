"""Benchmark: the compute of T clearing (`t_clearing`) and T+1 settle (`t1_settle_day`) at 1M orders.

    createdb -h 127.0.0.1 -U postgres csdp_comp_b
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_comp_b .venv/bin/python bench/ipo_settle_compute.py --rounds 5
    dropdb -h 127.0.0.1 -U postgres csdp_comp_b

Builds one offering as `csdp ipo simulate` does (participants, exchange file, load), then runs T clearing,
the T+1 deposits and declarations, and T+1 settle `--rounds` times, each round in a transaction that is
rolled back at the end — so every round sees the same loaded book. The frames a committed step keeps in
memory (csdp.ipo.selectors) are kept as a commit would keep them, so T+1 reads T's verdicts from memory
as in one `csdp eod run`. The commit itself is not timed (it is the database's, not the compute's).

For each step: wall seconds and process CPU seconds (all threads of this process: Polars' pool, the
COPY encoder; not the PostgreSQL server), then the same for the functions listed in PHASES that the
checkout has (a phase missing from an older checkout is skipped), and the collect of each files step's
frames (`t_frames_collect`, `t1_frames_collect`: what the files steps compute before writing). Prints one
JSON object.
Runs unchanged on an older checkout (`git archive <commit> | tar -x -C /tmp/x`), for A/B.
"""
from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")

# module path, function name: timed wherever the step calls them through that module's namespace
PHASES = [
    ("csdp.ipo.eod.t_day", "load_subscriptions"),
    ("csdp.ipo.eod.t_day", "clearing_outcomes"),
    ("csdp.ipo.eod.t_day", "copy_in"),
    ("csdp.ipo.eod.t_day", "remember_t_outcomes"),
    ("csdp.ipo.eod.t_day", "participant_amounts"),
    ("csdp.ipo.eod.t_day", "clearing_detail"),
    ("csdp.ipo.eod.t_day", "size_distribution"),
    ("csdp.ipo.eod.t1_day", "available_by_participant"),
    ("csdp.ipo.eod.t1_day", "load_outcomes"),
    ("csdp.ipo.eod.t1_day", "invalidate_shortfall_day"),
    ("csdp.ipo.eod.t1_day", "settle_orders"),
    ("csdp.ipo.eod.t1_day", "_record"),
    ("csdp.ipo.eod.t1_day", "settlement_results_write"),
    ("csdp.ipo.eod.t1_day", "partition_replace"),
    ("csdp.ipo.eod.t1_day", "subscription_money_move"),
    ("csdp.ipo.eod.t1_day", "transfer_post"),
]


class Timers:
    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = defaultdict(list)
        self.cpu: dict[str, list[float]] = defaultdict(list)

    def measure(self, name: str, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn()
        finally:
            self.wall[name].append(time.perf_counter() - wall)
            self.cpu[name].append(time.process_time() - cpu)

    def wrap(self, module_name: str, attr: str) -> None:
        module = importlib.import_module(module_name)
        inner = getattr(module, attr, None)
        if inner is None:
            return

        @functools.wraps(inner)
        def timed(*args, **kwargs):
            return self.measure(f"{module_name.rsplit('.', 1)[1]}.{attr}", lambda: inner(*args, **kwargs))

        setattr(module, attr, timed)

    def per_round(self, rounds: int) -> dict:
        """Each name's seconds summed within a round (a phase may run several times in one), as ranges."""
        out = {}
        for name in self.wall:
            wall, cpu = self.wall[name], self.cpu[name]
            calls = len(wall) // rounds or 1
            walls = [sum(wall[i:i + calls]) for i in range(0, len(wall), calls)]
            cpus = [sum(cpu[i:i + calls]) for i in range(0, len(cpu), calls)]
            out[name] = (f"{min(walls):.3f}–{max(walls):.3f} s, median {statistics.median(walls):.3f} "
                         f"(CPU {min(cpus):.3f}–{max(cpus):.3f}, median {statistics.median(cpus):.3f})")
        return out


def collect_frames(frames_of, offering) -> dict[str, int]:
    """What a files step computes before it writes: each type's columns for the kernel (an order type
    of the book, as files._type_writer takes it) or its frame with its layout's columns; rows per type,
    to compare checkouts."""
    from csdp.ipo.eod.layouts import LAYOUTS
    from csdp.ipo.eod.order_records import OrderFile

    def rows(file_type, frame):
        layout = LAYOUTS[file_type]
        if isinstance(frame, OrderFile) and (taken := frame.matrix(layout)) is not None:
            return sum(len(r) for r in taken[1].values())
        frame = frame.frame() if isinstance(frame, OrderFile) else frame
        return frame.lazy().select([f.name for f in layout.fields]).collect().height

    return {file_type: rows(file_type, frame) for file_type, frame in frames_of(offering).items()}


class Rollback(Exception):
    pass


def _committed(connection) -> None:
    """What a commit would run: the selectors keep the frames of the steps that just 'committed'."""
    callbacks, connection.run_on_commit = list(connection.run_on_commit), []
    for _, callback, _ in callbacks:
        callback()


def one_round(offering_pk: int, timers: Timers, seed: int) -> dict:
    from django.db import connection, transaction

    from csdp.ipo import selectors
    from csdp.ipo.eod.participant_files import t1_frames, t_frames
    from csdp.ipo.eod.runner import run_step
    from csdp.ipo.eod.t1_day import t1_settle_day
    from csdp.ipo.eod.t_day import t_clearing
    from csdp.ipo.models import EodStep, EodStepRun, Offering
    from csdp.ipo.sim import _at, _fund

    details = {}
    try:
        with selectors.eod_frames(), transaction.atomic():  # one run's scope: frames kept between its steps
            offering = Offering.objects.get(pk=offering_pk)
            _at(offering.t_date, 17)
            timers.measure("t_clearing", lambda: run_step(offering, EodStep.T_CLEARING, t_clearing))
            _committed(connection)
            details["t_frames"] = timers.measure("t_frames_collect", lambda: collect_frames(t_frames, offering))
            _fund(offering, seed)
            _committed(connection)
            _at(offering.day(1), 17)
            timers.measure("t1_settle", lambda: t1_settle_day(day=offering.day(1)))
            _committed(connection)
            details["t1_frames"] = timers.measure("t1_frames_collect", lambda: collect_frames(t1_frames, offering))
            for run in EodStepRun.objects.filter(offering_id=offering_pk):
                details[run.step] = run.detail
            raise Rollback
    except Rollback:
        pass
    selectors.forget_remembered()
    return details


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=80)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from csdp.ipo.engine.validity import per_investor_cap
    from csdp.ipo.eod.t_day import offering_subscriptions_load
    from csdp.ipo.sim import _at, _new_offering, _participants, exchange_file_write

    profiles = _participants(args.participants)
    offering = _new_offering(args.orders)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"SG{offering.code}.csv"
        exchange_file_write(path, orders=args.orders, participants=profiles,
                            cap=per_investor_cap(offering.initial_online_shares), seed=args.seed)
        _at(offering.t_date, 15, 10)
        offering_subscriptions_load(offering=offering, path=path)
    loaded_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # the steps' own peak shows above it
    timers = Timers()
    for module_name, attr in PHASES:
        timers.wrap(module_name, attr)
    details = [one_round(offering.pk, timers, args.seed) for _ in range(args.rounds)]
    print(json.dumps({"orders": args.orders, "rounds": args.rounds, "timings": timers.per_round(args.rounds),
                      "details_identical": all(d == details[0] for d in details),
                      "detail": json.dumps(details[0], ensure_ascii=False, sort_keys=True),
                      "peak_rss_mb": {"after_load": loaded_rss_mb,
                                      "after_rounds": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024},
                      "load_average": os.getloadavg()}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
