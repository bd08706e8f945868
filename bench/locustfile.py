"""Personas of the deadline-day load test (locust; `make loadtest` runs it through bench.loadtest).

Runs in locust's own process (gevent): it imports nothing of Django. bench.loadtest writes the
personas' sessions and work as JSON (KIEMDIEM_LOADTEST_DATA); every request is appended to
KIEMDIEM_LOADTEST_OUT (CSV: step, seconds into the step, name, ms, ok).

The pages a person of each kind opens on the deadline day, through the real pages and forms
(GET the page, read its CSRF token and the version of what it changes, POST the form):

- cell secretaries (`CellSecretary`): home and their plan list; report progress on an item of an
  accepted plan (the item page, then its progress form); resubmit a plan the commune returned
  (the list of returned plans, the plan page, its submit form);
- commune secretaries (`CommuneSecretary`): home, their commune's dashboard; appraise a plan of
  one of their cells (the "Chờ tôi thẩm định" queue, the plan page, then accept or return it);
- the provincial office (`ProvinceOffice`): the dashboards (list, province, a commune) and the
  Excel exports of a dashboard's table and of a commune's plans;
- a screen in an office (`DashboardWatcher`) that keeps the province's dashboard open and
  reloads it every 15–30 s: the case the figures' lag serves (kiemdiem/core/page_cache.py).

A page read also fetches what the page loads at once through htmx (`hx-trigger="load"`: a
dashboard's oversight table), as a browser would, named "<page kind>+load".

Request names are "<page kind>" for reads and "write:<what>" / "export:<what>" for the rest. A
write is ok only when it redirects (a form shown again is a refusal: an error here), an export
only when the answer is an XLSX file. The follow-up GET after a write's redirect is not made (it
is the same page kind as the GET before it). Each locust user is one login (no two users write
the same plan or item: a conflict would be a real error).
"""

import csv
import json
import os
import random
import re
import time
from typing import Any, cast

from locust import HttpUser, LoadTestShape, between, events, task
from locust.clients import ResponseContextManager
from locust.env import Environment

DATA: dict[str, Any] = (
    json.loads(open(os.environ["KIEMDIEM_LOADTEST_DATA"]).read())  # noqa: SIM115
    if os.environ.get("KIEMDIEM_LOADTEST_DATA")
    else {"cells": [], "communes": [], "offices": [], "session_cookie": "sessionid"}
)
STEPS = [int(n) for n in os.environ.get("KIEMDIEM_LOADTEST_STEPS", "10,20,40,80").split(",")]
STEP_SECONDS = int(os.environ.get("KIEMDIEM_LOADTEST_STEP_SECONDS", 60))
# before the first step, its users for this long, left out of the figures (step -1): every
# gunicorn worker's first requests, the caches of PostgreSQL and of the workers
WARMUP_SECONDS = int(os.environ.get("KIEMDIEM_LOADTEST_WARMUP_SECONDS", 20))
MAX_REQUESTS = int(os.environ.get("KIEMDIEM_LOADTEST_MAX_REQUESTS", 60000))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
PLAN_LINK = re.compile(r'href="/ke-hoach/(\d+)/"')
# what a page fetches through htmx as soon as it is shown
LOADED = re.compile(r'hx-get="([^"]+)" hx-trigger="load"')

STARTED = time.monotonic()
_out = None
_writer: Any = None
_count = 0


def form_fields(html: str, action: str) -> dict[str, str]:
    """The CSRF token and the version inside the form posting to `action` ({} if absent)."""
    at = html.find(f'action="{action}"')
    if at < 0:
        return {}
    end = html.find("</form>", at)
    form = html[at:end]
    token, version = CSRF.search(form), VERSION.search(form)
    if token is None:
        return {}
    fields = {"csrfmiddlewaretoken": token.group(1)}
    if version is not None:
        fields["version"] = version.group(1)
    return fields


def _kept(response: Any) -> str:
    """What the page cache did (kiemdiem/core/page_cache.py): hit, miss, pass, or "" (not a page
    it looks at, or no answer)."""
    headers = getattr(response, "headers", None)
    return (headers or {}).get("X-Page-Cache", "")


@events.request.add_listener
def record(
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    exception: BaseException | None = None,
    **kwargs: Any,
) -> None:
    """One CSV row per request; the run stops at MAX_REQUESTS requests."""
    global _out, _writer, _count
    path = os.environ.get("KIEMDIEM_LOADTEST_OUT")
    if path and _writer is None:
        _out = open(path, "w", newline="")  # noqa: SIM115 - closed at quit
        _writer = csv.writer(_out)
        _writer.writerow(["step", "t", "name", "ms", "ok", "kept"])
    elapsed = time.monotonic() - STARTED - WARMUP_SECONDS
    step = -1 if elapsed < 0 else min(int(elapsed // STEP_SECONDS), len(STEPS) - 1)
    if _writer is not None:
        _writer.writerow(
            [
                step,
                f"{elapsed - step * STEP_SECONDS:.2f}",
                name,
                f"{response_time:.1f}",
                0 if exception else 1,
                _kept(kwargs.get("response")),
            ]
        )
    _count += 1
    runner = kwargs.get("context", {}).get("runner")
    if _count >= MAX_REQUESTS and runner is not None:
        runner.quit()


@events.quitting.add_listener
def close(environment: Environment, **kwargs: Any) -> None:
    if _out is not None:
        _out.close()


class StepShape(LoadTestShape):
    """A warm-up, then STEPS users, STEP_SECONDS each, then stop: bounded in time."""

    def tick(self) -> tuple[int, float] | None:
        elapsed = time.monotonic() - STARTED - WARMUP_SECONDS
        step = max(0, int(elapsed // STEP_SECONDS))
        if step >= len(STEPS):
            return None
        return STEPS[step], 10.0


class Persona(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # reading the page before the next click
    pool: list[dict[str, Any]] = []
    taken = 0

    def on_start(self) -> None:
        cls = type(self)
        self.me = cls.pool[cls.taken % len(cls.pool)]
        cls.taken += 1
        self.client.cookies.set(DATA["session_cookie"], self.me["session"])
        self.rng = random.Random(cls.taken)

    def context(self) -> dict[str, Any]:
        return {"runner": self.environment.runner}

    def read(self, url: str, name: str) -> str:
        """GET a page, then what it loads through htmx at once, as a browser does."""
        page = self.get(url, name)
        for fragment in LOADED.findall(page):
            self.get(fragment.replace("&amp;", "&"), f"{name}+load", {"HX-Request": "true"})
        return page

    def get(self, url: str, name: str, headers: dict[str, str] | None = None) -> str:
        with cast(
            ResponseContextManager,
            self.client.get(
                url,
                name=name,
                headers=headers,
                catch_response=True,
                allow_redirects=False,
                context=self.context(),
            ),
        ) as response:
            if response.status_code != 200:
                response.failure(f"{url} → {response.status_code}")
                return ""
            return response.text

    def post(self, url: str, name: str, data: dict[str, Any], expect: str = "redirect") -> bool:
        with cast(
            ResponseContextManager,
            self.client.post(
                url,
                data=data,
                name=name,
                catch_response=True,
                allow_redirects=False,
                context=self.context(),
            ),
        ) as response:
            if expect == "xlsx":
                ok = response.status_code == 200 and response.headers.get(
                    "Content-Type", ""
                ).startswith(XLSX)
            else:
                ok = response.status_code == 302
            if not ok:
                response.failure(f"{url} → {response.status_code} (form refused or error)")
            return ok


class CellSecretary(Persona):
    """Bí thư chi bộ: reports progress, resubmits returned plans, looks at their lists."""

    weight = 5
    pool = DATA["cells"]

    @task(2)
    def browse(self) -> None:
        self.read("/", "home")
        self.read("/ke-hoach/", "plan-list")

    @task(3)
    def report_progress(self) -> None:
        item = self.rng.choice(self.me["items"])
        url = f"/ke-hoach/noi-dung/{item}/"
        page = self.read(url, "item")
        fields = form_fields(page, f"{url}tien-do/")
        if not fields:
            return
        fields.update(
            status="in_progress",
            percent=str(self.rng.randint(10, 90)),
            narrative="Đã triển khai, đang tiếp tục thực hiện (kiểm thử tải).",
        )
        self.post(f"{url}tien-do/", "write:progress", fields)

    @task(1)
    def resubmit(self) -> None:
        page = self.read("/ke-hoach/?status=returned", "plan-list-returned")
        mine = set(self.me["plans"])
        returned = [int(pk) for pk in PLAN_LINK.findall(page) if int(pk) in mine]
        if not returned:
            self.read("/ke-hoach/cho-xac-nhan/", "verification-queue")
            return
        url = f"/ke-hoach/{self.rng.choice(returned)}/"
        fields = form_fields(self.read(url, "plan"), f"{url}nop/")
        if fields:
            fields["note"] = "Đã chuẩn bị lại theo yêu cầu (kiểm thử tải)."
            self.post(f"{url}nop/", "write:submit", fields)


class CommuneSecretary(Persona):
    """Bí thư đảng ủy xã: appraises the cells' plans (accept or return), watches the commune."""

    weight = 2
    pool = DATA["communes"]

    @task(2)
    def appraise(self) -> None:
        queue = self.read("/ke-hoach/cho-tham-dinh/", "appraisal-queue")
        waiting = PLAN_LINK.findall(queue)
        if not waiting:
            self.read(self.me["dashboard"], "dashboard-commune")
            return
        url = f"/ke-hoach/{self.rng.choice(waiting)}/"
        page = self.read(url, "plan")
        if self.rng.random() < 0.5:
            fields = form_fields(page, f"{url}tra-lai/")
            if fields:
                fields.update(grounds="not_feasible", remarks="Cần cụ thể hơn (kiểm thử tải).")
                self.post(f"{url}tra-lai/", "write:return", fields)
        else:
            fields = form_fields(page, f"{url}dat/")
            if fields:
                fields["remarks"] = "Đạt yêu cầu (kiểm thử tải)."
                self.post(f"{url}dat/", "write:accept", fields)

    @task(1)
    def browse(self) -> None:
        self.read("/", "home")
        self.read(self.me["dashboard"], "dashboard-commune")


class ProvinceOffice(Persona):
    """Văn phòng Tỉnh ủy: dashboards, and their tables and lists exported to Excel."""

    weight = 3
    pool = DATA["offices"]

    @task(1)
    def dashboards(self) -> None:
        self.read("/theo-doi/", "dashboards")
        self.read(DATA["province_dashboard"], "dashboard-province")
        self.read(self.rng.choice(DATA["communes"])["dashboard"], "dashboard-commune")

    @task(3)
    def export(self) -> None:
        commune = self.rng.choice(DATA["communes"])
        page = self.read(commune["dashboard"], "dashboard-commune")
        fields = form_fields(page, "/xuat/tao/")
        if not fields:
            return
        fields.pop("version", None)
        if self.rng.random() < 0.5:
            unit = self.rng.choice([DATA["province"], commune["unit"]])
            fields.update(kind="dashboard.children", p_cycle=DATA["cycle"], p_unit=unit)
            self.post("/xuat/tao/", "export:dashboard-children", fields, expect="xlsx")
        else:
            fields.update(kind="remediation.plans", p_cycle=DATA["cycle"], p_unit=commune["unit"])
            self.post("/xuat/tao/", "export:plans", fields, expect="xlsx")


class DashboardWatcher(Persona):
    """A screen in an office: the province's dashboard kept open, reloaded by hand."""

    weight = 1
    wait_time = between(15, 30)
    pool = DATA["offices"]

    @task
    def reload(self) -> None:
        self.read(DATA["province_dashboard"], "dashboard-province-watched")
