"""50 concurrent users of every kind against a running CSDP (gunicorn + PostgreSQL).

    /tmp/ops-locust/bin/locust -f bench/locust/locustfile.py --headless -u 50 -r 10 -t 120s \
        --host http://127.0.0.1:8000 --csv bench/locust/out/run

Identities come from bench/locust/seed.py. Each user class reads the pages its role uses day to day;
participants' back offices call the API with a token. Every request is checked: any status other
than 200 counts as a failure.
"""
import json
import random
from pathlib import Path

from locust import HttpUser, between, task

IDENTITIES = json.loads((Path(__file__).parent / "identities.json").read_text())


class _Session(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    username = ""

    def on_start(self):
        self.client.cookies.set("sessionid", random.choice(IDENTITIES["sessions"][self.username]))

    def page(self, path: str, name: str | None = None):
        with self.client.get(path, name=name or path, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class Participant(_Session):
    weight = 4
    username = "participant"

    @task(3)
    def api(self):
        headers = {"Authorization": f"Bearer {IDENTITIES['tokens']['participant']}"}
        for path in ("/api/v1/ipo/obligations", "/api/v1/ipo/files?cursor=0", "/api/v1/ledger/reserve-balance",
                     "/api/v1/ipo/reserve/statement?limit=100"):
            with self.client.get(path, headers=headers, name="API " + path.split("?")[0],
                                 catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}")

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


class Staff(_Session):
    weight = 2
    username = "operator"

    @task(2)
    def pages(self):
        self.page("/")
        self.page("/approvals/")
        self.page("/securities/")
        self.page("/counter/queue/")
        self.page("/ledger/")

    @task(1)
    def positions(self):
        security_id = random.choice(IDENTITIES.get("securities", [1]))
        self.page(f"/register/securities/{security_id}/positions/", name="/register/securities/[id]/positions/")
