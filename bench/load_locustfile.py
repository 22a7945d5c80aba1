"""Clients of ``bench.load`` (locust, headless). LOAD_MODE=vote: each simulated resident takes
the next registered voter, casts a ballot (page form or API, alternately), sometimes first
sends one with too many projects (must get a French 400), then changes their vote; a few users
are agents loading the review queue, the convention list and the dashboard. LOAD_MODE=floor:
the same clients, each request replaced by a minimal view inserting one row. At the end the
last successful choices of every voter are written to LOAD_OUT for the integrity check."""

import itertools
import json
import os
import random

import gevent
from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["LOAD_DATA"]).read())
MODE = os.environ.get("LOAD_MODE", "vote")
# LOAD_PACE: mean pause in seconds a resident takes before each ballot (0: none, saturation).
PACE = float(os.environ.get("LOAD_PACE", "0"))
# LOAD_VOTER_OFFSET: voters already used by an earlier run of the same benchmark.
VOTERS = iter(DATA["voters"][int(os.environ.get("LOAD_VOTER_OFFSET", "0")):])
TAKEN = {"n": 0}
CSRF = DATA["csrf"]
LAST_SUCCESS: dict[str, list[int]] = {}
COUNTER = itertools.count()
REFUSED_AS_EXPECTED = {"n": 0, "wrong": 0}


def _headers():
    return {"X-CSRFToken": CSRF, "Referer": DATA["host"] + "/"}


def _read_the_page() -> None:
    """In a paced run, the pause of a person reading the page before sending a ballot."""
    if PACE:
        gevent.sleep(random.uniform(PACE / 2, PACE * 1.5))


class Resident(HttpUser):
    weight = 9
    wait_time = between(0, 0)  # paced runs pause before each ballot (``_read_the_page``)

    @task
    def vote_twice(self):
        try:
            voter = next(VOTERS)
        except StopIteration:
            self.environment.runner.quit()
            return
        TAKEN["n"] += 1
        self.client.cookies.clear()
        self.client.cookies.set("sessionid", voter["session"])
        self.client.cookies.set("csrftoken", CSRF)
        number = next(COUNTER)
        projects = DATA["projects"]
        if MODE == "floor":
            for _ in range(2):
                self.client.post("/bench/insert/", headers=_headers(), name="floor insert")
            return
        if number % 20 == 0:  # a ballot refused by a rule still gets its French 400
            _read_the_page()
            with self.client.post(f"/api/v1/votes/{DATA['call']}/ballot/",
                                  json={"choices": random.sample(projects, DATA["max"] + 1)},
                                  headers=_headers(), name="ballot refused (API)",
                                  catch_response=True) as response:
                if response.status_code == 400 and "projets" in response.text:
                    REFUSED_AS_EXPECTED["n"] += 1
                    response.success()
                else:
                    REFUSED_AS_EXPECTED["wrong"] += 1
                    response.failure(f"expected a French 400, got {response.status_code}")
        for _round in range(2):
            _read_the_page()
            choices = sorted(random.sample(projects, random.randint(1, DATA["max"])))
            if number % 2:
                response = self.client.post(
                    f"/api/v1/votes/{DATA['call']}/ballot/", json={"choices": choices},
                    headers=_headers(), name="ballot (API)")
                ok = response.status_code == 200
            else:
                response = self.client.post(
                    DATA["vote_url"], data={"choices": choices,
                                                          "csrfmiddlewaretoken": CSRF},
                    headers=_headers(), name="ballot (page)", allow_redirects=False)
                ok = response.status_code == 302
            if ok:
                LAST_SUCCESS[voter["voter"]] = choices


class Agent(HttpUser):
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        agent = random.choice(DATA["agents"])
        self.client.cookies.set("sessionid", agent)
        self.client.cookies.set("csrftoken", CSRF)

    @task
    def work(self):
        if MODE == "floor":
            self.client.post("/bench/insert/", headers=_headers(), name="floor insert (agent)")
            return
        self.client.get(DATA["queue_url"], name="review queue")
        self.client.get("/conventions/", name="convention list")
        self.client.get("/tableau-de-bord/", name="dashboard")


@events.test_stop.add_listener
def _write_results(environment, **_kwargs):
    with open(os.environ["LOAD_OUT"], "w") as handle:
        json.dump({"last_success": LAST_SUCCESS, "refused": REFUSED_AS_EXPECTED,
                   "voters_taken": TAKEN["n"]}, handle)
