"""The participant files of a fixed-seed `csdp ipo simulate` run, as one SHA-256 per file: the check
that a speed change keeps every file byte-identical (run it before and after, compare the output).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_digest .venv/bin/python bench/files_digest.py \
        --orders 20000 --participants 12 --seed 5 > after.txt

Uses a fresh files directory, so nothing of an earlier run is counted.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--participants", type=int, default=12)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="csdp-digest-"))
    os.environ["CSDP_FILES_DIR"] = str(root)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from csdp.ipo.sim import simulate

    result = simulate(orders=args.orders, participants=args.participants, seed=args.seed)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        print(hashlib.sha256(path.read_bytes()).hexdigest(), path.relative_to(root))
    print("summary", {k: result[k] for k in ("valid_orders", "invalid_orders", "allocated_shares", "invariants_ok")})


if __name__ == "__main__":
    main()
