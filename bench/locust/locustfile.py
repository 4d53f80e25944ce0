"""50 concurrent users of every kind against a running CSDP (gunicorn + PostgreSQL).

    bench/locust/measure.sh            (or by hand:)
    LOCUST_IDENTITIES=bench/locust/out/csdp_locust-identities.json /tmp/ops-locust/bin/locust \\
        -f bench/locust/locustfile.py --headless -u 50 -r 10 -t 120s --host http://127.0.0.1:8000

Identities come from bench/locust/seed.py. Each user class reads the pages its role uses day to day;
back offices call the API with a token. Every request is checked: any status other than 200 counts as a
failure, and so does an API list whose body is not the cursor page ``{items, next_cursor}`` (csdp/lib/
cursor.py); a list with a next page is followed once with its ``next_cursor``.
"""

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

IDENTITIES = json.loads(
    Path(os.environ.get("LOCUST_IDENTITIES") or Path(__file__).parent / "identities.json").read_text()
)


class _Session(HttpUser):
    abstract = True
    # A person reads a page before the next click, and a back office polls every few seconds: 3–8 s
    # between tasks (each task makes 1–6 requests). The first harness waited 0.5–2 s, which asked
    # 94 requests a second of the 2 vCPUs (docs/performance.md).
    wait_time = between(3, 8)
    username = ""

    def on_start(self):
        self.client.cookies.set("sessionid", random.choice(IDENTITIES["sessions"][self.username]))
        tokens = IDENTITIES["tokens"].get(self.username) or [""]
        self.token = random.choice(tokens) if isinstance(tokens, list) else tokens

    def page(self, path: str, name: str | None = None):
        with self.client.get(path, name=name or path, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    def api(self, path: str, *, items: str = "items", follow: bool = True, name: str | None = None):
        """GET an API path with the role's token; check the status and, for a list, the cursor page."""
        headers = {"Authorization": f"Bearer {self.token}"}
        name = name or "API " + path.split("?")[0]
        with self.client.get(path, headers=headers, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return
            if items is None:
                return
            body = response.json()
            if not isinstance(body.get(items), list) or "next_cursor" not in body:
                response.failure(f"not a cursor page: {sorted(body)}")
                return
        if follow and body["next_cursor"] is not None:
            sep = "&" if "?" in path else "?"
            self.api(f"{path}{sep}cursor={body['next_cursor']}", items=items, follow=False, name=name + " (next)")


class Participant(_Session):
    weight = 4
    username = "participant"

    @task(3)
    def back_office(self):
        self.api("/api/v1/ipo/obligations")
        self.api("/api/v1/ipo/files?limit=100")
        self.api("/api/v1/ledger/reserve-balance", items=None)
        self.api("/api/v1/ipo/reserve/statement?limit=100")
        self.api("/api/v1/ipo/offerings")

    @task(1)
    def pages(self):
        self.page("/")
        self.page("/ledger/reserve/")
        self.page("/ipo/")


class Issuer(_Session):
    weight = 2
    username = "issuer"

    @task
    def pages(self):
        self.page("/")
        self.page("/counter/list/")
        self.page("/counter/catalogue/")


class Underwriter(_Session):
    weight = 1
    username = "underwriter"

    @task
    def pages(self):
        self.page("/")
        self.page("/ipo/")
        self.api("/api/v1/ipo/offerings")


class Pledger(_Session):
    """An owner of board postings (bench/locust/postings.py): the board, its own postings, the API."""

    weight = 1
    username = "pledger"

    @task
    def board(self):
        self.page("/pledge/")
        self.page(f"/pledge/?page={random.randint(2, 50)}", name="/pledge/?page=[n]")
        self.page("/pledge/mine/")
        self.api("/api/v1/pledge/postings?limit=20", items="details", name="API /api/v1/pledge/postings")


class Staff(_Session):
    weight = 2
    username = "operator"

    @task(3)
    def pages(self):
        self.page("/")
        self.page("/approvals/")
        self.page("/securities/")
        self.page("/counter/queue/")
        self.page("/ledger/")
        self.page("/pledge/")

    @task(1)
    def positions(self):
        security_id = random.choice(IDENTITIES["securities"])
        self.page(f"/register/securities/{security_id}/positions/", name="/register/securities/[id]/positions/")

    @task(1)
    def master_data(self):
        account = random.choice(IDENTITIES.get("accounts") or ["0000000000"])
        self.page(f"/securities/accounts/?q={account}", name="/securities/accounts/?q=[account]")
        self.page("/securities/records/?kind=accounts", name="/securities/records/?kind=accounts")
        self.page(
            f"/securities/records/?kind=accounts&q={account}", name="/securities/records/?kind=accounts&q=[account]"
        )
