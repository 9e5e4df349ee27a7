"""The people of `make load`: demo users who log in and then work without pause, 80 % reads and
20 % writes, as locust users (`tests/load/run.py` starts locust headless with this file).

Reads (weights out of 100): My day `/` 16, the client list `/clients/` 16, a client card
`/clients/<id>/` 16, a client search `/clients/search?q=...` 8, the task list `/tasks` 12, the
calendar JSON for this week `/calendar/@@events.json?start=..&end=..` 12.
Writes: log a call on a client (the interaction add form) 8, comment one of one's tasks 6,
create an event in one's own calendar 6. A write counts as an error unless it answers with a
redirect (the form was accepted).

Each simulated user logs in as the next login of LOAD_LOGINS (comma-separated; default: the demo
people below) with LOAD_PASSWORD (default the demo password), reads the CSRF token from a page,
and takes the clients and tasks it may work on from its own lists. LOAD_HOSTS (comma-separated
base URLs) spreads the users over several server processes, one host per user in turn.

The figures count from the moment the last user has logged in (a log-in, with its deliberately
slow password hash, is not part of the mix); LOAD_SECONDS (default 60) later the run stops.
"""
from __future__ import annotations

import datetime as dt
import html
import itertools
import os
import random
import re

import gevent
from locust import FastHttpUser, task

# Demo people with clients and tasks of their own (portal/demo/company.py), admin first.
DEFAULT_LOGINS = ("admin,director,sokolov,popova,lebedev,novikova,morozov,petrova,fedorova,"
                  "mikhailov,egorov,nikitin,semenova,vinogradova,belova")
LOGINS = [name.strip() for name in os.environ.get("LOAD_LOGINS", DEFAULT_LOGINS).split(",")
          if name.strip()]
PASSWORD = os.environ.get("LOAD_PASSWORD", "demo1234")
# The measured time, from the moment every user is logged in.
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
HOSTS = [host.strip().rstrip("/") for host in os.environ.get("LOAD_HOSTS", "").split(",")
         if host.strip()]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ORG_NAME = re.compile(r'name="organization_name"[^>]*value="([^"]*)"')
CLIENT_LINK = re.compile(r'/clients/(\d+)/"')
TASK_LINK = re.compile(r'/tasks/(\d+)"')
# Words of client names for the search: the first word of a quoted name («Вектор» -> Вектор).
CLIENT_NAME = re.compile(r"«([^»\s]{3,})")
SEARCH_WORDS = ["ром", "сервис", "техно", "ООО", "строй"]

_next_user = itertools.count()
_logged_in = itertools.count(1)


def week_window(today: dt.date) -> str:
    """The calendar's query for the week of `today` (Monday to Monday), as the page asks it."""
    monday = today - dt.timedelta(days=today.weekday())
    return (f"start={monday.isoformat()}T00:00:00"
            f"&end={(monday + dt.timedelta(days=7)).isoformat()}T00:00:00")


class PortalUser(FastHttpUser):
    """One person at the portal: logs in once, then 80 % reads and 20 % writes with no pause."""

    host = HOSTS[0] if HOSTS else None
    network_timeout = 60.0
    connection_timeout = 60.0

    def __init__(self, environment):
        number = next(_next_user)
        self.login = LOGINS[number % len(LOGINS)]
        if HOSTS:
            self.host = HOSTS[number % len(HOSTS)]
        super().__init__(environment)
        self.token = ""
        self.clients: list[str] = []
        self.my_tasks: list[str] = []
        self.words = list(SEARCH_WORDS)
        self.rnd = random.Random(number)

    # -- start -------------------------------------------------------------------------------
    def on_start(self) -> None:
        try:
            self._log_in()
        finally:
            # The figures count from the moment every user is in (log-in, a deliberately slow
            # password hash, is not part of the mix); the run stops SECONDS later. A user whose
            # log-in failed still counts: its pages answer with a redirect, an error.
            options = getattr(self.environment, "parsed_options", None)
            if options is not None and next(_logged_in) == options.num_users:
                self.environment.stats.reset_all()
                gevent.spawn_later(SECONDS, self.environment.runner.quit)

    def _log_in(self) -> None:
        page = self.client.get("/login", name="/login (form)")
        match = CSRF.search(page.text or "")
        if not match:
            raise RuntimeError(f"no CSRF token on the log-in page ({page.status_code})")
        with self.client.post("/login", data={"login": self.login, "password": PASSWORD,
                                              "csrf_token": match.group(1)},
                              allow_redirects=False, catch_response=True) as res:
            if res.status_code != 303:
                res.failure(f"log-in of {self.login} answered {res.status_code}")
                return
        home = self._get("/", "/")
        token = CSRF.search(home)
        self.token = token.group(1) if token else ""
        listing = self._get("/clients/", "/clients/")
        self.clients = sorted(set(CLIENT_LINK.findall(listing)))
        self.words += CLIENT_NAME.findall(listing)[:20]
        self.my_tasks = sorted(set(TASK_LINK.findall(self._get("/tasks", "/tasks"))))

    def _get(self, path: str, name: str, **params) -> str:
        """A page that must answer 200 (a redirect, to the log-in page say, is an error)."""
        with self.client.get(path, name=name, params=params or None, allow_redirects=False,
                             catch_response=True) as res:
            if res.status_code != 200:
                res.failure(f"{name} for {self.login}: {res.status_code}")
            return res.text or ""

    # -- reads: 80 ---------------------------------------------------------------------------
    @task(16)
    def my_day(self) -> None:
        self._get("/", "/")

    @task(16)
    def client_list(self) -> None:
        self._get("/clients/", "/clients/")

    @task(16)
    def client_card(self) -> None:
        if self.clients:
            self._get(f"/clients/{self.rnd.choice(self.clients)}/", "/clients/<id>/")

    @task(8)
    def client_search(self) -> None:
        self._get("/clients/search", "/clients/search?q=", q=self.rnd.choice(self.words))

    @task(12)
    def task_list(self) -> None:
        self._get("/tasks", "/tasks")

    @task(12)
    def calendar_week(self) -> None:
        self._get(f"/calendar/@@events.json?{week_window(dt.date.today())}",
                  "/calendar/@@events.json")

    # -- writes: 20 --------------------------------------------------------------------------
    def _post(self, path: str, fields: dict, name: str) -> None:
        fields = dict(fields, csrf_token=self.token)
        with self.client.post(path, data=fields, name=name, allow_redirects=False,
                              catch_response=True) as res:
            if res.status_code not in (302, 303):
                text = res.text or ""
                alert = re.search(r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>([^<]+)',
                                  text)
                res.failure(f"{name} by {self.login}: {res.status_code} "
                            f"{alert.group(1).strip() if alert else ''}")

    @task(8)
    def log_a_call(self) -> None:
        if not self.clients:
            return
        # As a person does: open the form from the card (the client filled in), then save it.
        client_id = self.rnd.choice(self.clients)
        page = self._get("/clients/interactions/@@add", "log a call (form)",
                         organization=client_id)
        name = ORG_NAME.search(page)
        now = dt.datetime.now()
        self._post("/clients/interactions/@@add", {
            "mode": "log", "kind": "call", "direction": "out",
            "organization": client_id, "organization_name": html.unescape(name.group(1)) if name else "",
            "contact": "", "subject": "Нагрузочный звонок", "text": "Обсудили поставку",
            "date": now.date().isoformat(), "time": "00:01", "responsible": "", "color": "",
            "result": "", "result_text": ""}, "log a call")

    @task(6)
    def comment_a_task(self) -> None:
        if not self.my_tasks:
            return self.log_a_call()
        task_id = self.rnd.choice(self.my_tasks)
        self._post(f"/tasks/{task_id}/comment", {"body": "Нагрузочный комментарий"},
                   "comment a task")

    @task(6)
    def create_an_event(self) -> None:
        day = dt.date.today() + dt.timedelta(days=self.rnd.randrange(1, 30))
        hour = self.rnd.randrange(8, 18)
        self._post("/calendar/add", {
            "title": "Нагрузочная встреча", "calendar": "personal", "timezone": "Europe/Moscow",
            "start_date": day.isoformat(), "start_time": f"{hour:02d}:00",
            "end_date": day.isoformat(), "end_time": f"{hour:02d}:30",
            "location": "", "guests": "", "visibility": "public", "description": "",
            "freq": "", "interval": "1", "ends": "count", "count": "5", "until": "",
            "reminder": "15", "link_type": "", "link_id": ""}, "create an event")
