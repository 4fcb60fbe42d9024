"""The load `benchmarks/load.py` puts on a running server: what visitors and demo users do on the demo data.

Run alone with `locust -f benchmarks/locustfile.py --host http://127.0.0.1:8000`; load.py runs it
headless. Anonymous visitors (3 in 5) browse, filter and search; signed-in demo users (2 in 5) also
open their workspace, and the enterprise user writes: about 5 % of all requests create a demand
draft through the API. When the test starts, codes and ids come from the server's own API and
each demo user signs in once (the simulated users share those sessions).
"""

from __future__ import annotations

import json
import os
import random
import urllib.request
from http.cookiejar import Cookie, CookieJar
from urllib.parse import quote, urlencode, urlsplit

from locust import FastHttpUser, between, constant, events, task

PASSWORD = "mengkeju-demo"  # mengkeju.demo.loader.DEMO_PASSWORD
READERS = ["researcher", "broker", "hq", "subcenter", "analyst"]
WORDS = [
    "稀土",
    "光伏",
    "氢能",
    "乳业",
    "煤化工",
    "风电",
    "储能",
    "羊绒",
    "马铃薯",
    "新材料",
    "智能",
    "节水灌溉",
]
MODES = ["joint_development", "commissioned_development", "consulting_service", "transfer"]
THINK = float(os.environ.get("LOAD_THINK_S", "0"))  # mean seconds between a user's requests

DATA: dict[str, list] = {}


def _get_json(host: str, path: str):
    with urllib.request.urlopen(host + path, timeout=60) as response:
        return json.load(response)


def _login(host: str, username: str) -> dict[str, str]:
    """Sign in through the login form; the session and CSRF cookies it leaves."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(host + "/accounts/login/", timeout=60).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    opener.open(host + "/accounts/login/", data=form.encode(), timeout=60).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"could not sign in as {username}")
    return cookies


def _cookie(name: str, value: str, host: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {}
    )


def _results(body):
    return body["results"] if isinstance(body, dict) else body


@events.test_start.add_listener
def discover(environment, **_kwargs):
    """Chain, link and division codes and listing ids, read once per locust process."""
    host = environment.host.rstrip("/")
    chains = _results(_get_json(host, "/api/chains/"))
    DATA["chains"] = [c["code"] for c in chains]
    DATA["links"] = [link["code"] for c in chains for link in c["links"]]
    DATA["divisions"] = [d["code"] for d in _results(_get_json(host, "/api/divisions/?external=false"))]
    for kind in ("achievements", "demands"):
        ids = []
        for page in (1, 2, 3, 4, 5):
            ids += [item["id"] for item in _results(_get_json(host, f"/api/{kind}/?page={page}"))]
        DATA[kind] = ids
    DATA["sessions"] = {name: _login(host, name) for name in [*READERS, "enterprise"]}
    if not (DATA["chains"] and DATA["divisions"] and DATA["achievements"] and DATA["demands"]):
        raise RuntimeError("no demo data on the server: run benchmarks/load.py --prepare")


def _filters() -> str:
    picks = [f"chain={random.choice(DATA['chains'])}"]
    if random.random() < 0.6:
        picks.append(f"division={random.choice(DATA['divisions'])}")
    return "&".join(picks)


class Browsing(FastHttpUser):
    """Tasks every visitor does; weights are relative within the user class."""

    abstract = True
    wait_time = between(0, 2 * THINK) if THINK else constant(0)

    @task(8)
    def home(self):
        self.client.get("/", name="home")

    @task(12)
    def achievement_list(self):
        self.client.get(f"/achievements/?{_filters()}", name="achievements ?chain&division")

    @task(8)
    def demand_list(self):
        self.client.get(f"/demands/?{_filters()}", name="demands ?chain&division")

    @task(12)
    def keyword_search(self):
        kind = random.choice(["achievements", "demands"])
        self.client.get(f"/{kind}/?q={quote(random.choice(WORDS))}", name=f"{kind} ?q=")

    @task(10)
    def achievement_detail(self):
        self.client.get(f"/achievements/{random.choice(DATA['achievements'])}/", name="achievement detail")

    @task(6)
    def demand_detail(self):
        self.client.get(f"/demands/{random.choice(DATA['demands'])}/", name="demand detail")

    @task(10)
    def api_list(self):
        query = _filters() if random.random() < 0.5 else f"q={quote(random.choice(WORDS))}"
        self.client.get(f"/api/achievements/?{query}", name="api achievements")


class Visitor(Browsing):
    weight = 3


class SignedIn(Browsing):
    """A demo user; 'enterprise' writes demand drafts."""

    abstract = True
    username = "researcher"

    def on_start(self):
        # Signed in once, when the test started: people log in once and then browse; a login per
        # simulated user would spend the measured minute on password hashing.
        host = urlsplit(self.host).hostname
        for name, value in DATA["sessions"][self.username].items():
            self.client.cookiejar.set_cookie(_cookie(name, value, host))

    def _csrf(self) -> str:
        return next(cookie.value for cookie in self.client.cookiejar if cookie.name == "csrftoken")

    @task(10)
    def workspace(self):
        with self.client.get("/workspace/", name="workspace", catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure("not signed in")


class Reader(SignedIn):
    weight = 1

    def on_start(self):
        self.username = random.choice(READERS)
        super().on_start()


class Enterprise(SignedIn):
    weight = 1
    username = "enterprise"

    @task(28)  # ~ 5 % of every request of the whole mix (3 visitors : 1 reader : 1 enterprise)
    def create_demand_draft(self):
        title = f"负载测试需求 {random.choice(WORDS)} {random.randrange(10**6)}"
        body = {
            "title": title,
            "division": random.choice(DATA["divisions"]),
            "chain_links": random.sample(DATA["links"], 2),
            "cooperation_modes": [random.choice(MODES)],
            "problem": f"寻求{random.choice(WORDS)}方向的技术合作，解决生产中的工艺难题。",
        }
        with self.client.post(
            "/api/demands/",
            json=body,
            headers={"X-CSRFToken": self._csrf(), "Referer": self.host + "/"},
            name="api create demand draft",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
