"""W10: the province pages on SQLite vs on PostgreSQL, in one run.

The same campaign (bench.dashboard.prepare: the province seed, a cycle opened through the
services, the set-based activity, the same random seed) on both databases: PostgreSQL is the
database of `make bench`; SQLite a file kept between runs (var/bench/province.sqlite3, built by
the first run: a few minutes). Each page of W1 (bench.pages.pages) is requested REQUESTS times
one after the other through django.test.Client and the whole middleware stack, logged in as the
provincial office, after one warm-up request: the median wall time per page on each database.
The SQLite side runs in a child process (`python -m bench.sqlite_pages`, which prints its times
as JSON), right after the PostgreSQL side.

Prints `BENCH W10-page-<name> app=<SQLite ms> baseline=<PostgreSQL ms> ratio=… unit=ms` per
page and `BENCH W10-max …` for the page with the highest ratio. Target (issue 17): ratio ≤ 2.
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

# Django and the app are imported inside the functions: the SQLite side runs this module as a
# script, before django.setup().

REQUESTS = int(os.environ.get("KIEMDIEM_BENCH_W10_REQUESTS", 15))
ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "var" / "bench" / "province.sqlite3"


def page_times() -> dict[str, float]:
    """Median milliseconds of each W1 page on the database of this process, built by its view
    (the kept pages of kiemdiem/core/page_cache.py are off on both sides: a kept page reads one
    row, whatever the database; the line compares what each database does to build a page)."""
    from django.conf import settings
    from django.test import Client

    from bench.dashboard import prepare, timed
    from bench.pages import pages

    settings.KIEMDIEM_PAGE_CACHE_SECONDS = 0
    province, office, cycle = prepare()
    client = Client(SERVER_NAME="localhost")
    client.force_login(office)
    times = {}
    for name, url in pages(cycle, province, office).items():

        def get(name: str = name, url: str = url) -> None:
            if client.get(url).status_code != 200:
                raise SystemExit(f"bench: {name} {url} → lỗi")

        times[name] = statistics.median(timed(get, REQUESTS))  # after a warm-up request
    return times


def run() -> str:
    from bench.dashboard import log, sig3

    postgres = page_times()
    SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
    log(f"W10: SQLite {SQLITE_FILE} ({'reused' if SQLITE_FILE.exists() else 'built now'})")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{SQLITE_FILE}",
        "DJANGO_SETTINGS_MODULE": "kiemdiem.settings",
    }
    out = subprocess.run(
        [sys.executable, "-m", "bench.sqlite_pages"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,  # its progress goes to stderr, as ours
        text=True,
        check=True,
    ).stdout
    sqlite = json.loads(out.strip().splitlines()[-1])
    ratios = {name: sqlite[name] / postgres[name] for name in postgres}
    lines = [
        f"BENCH W10-page-{name} app={sig3(sqlite[name])} baseline={sig3(postgres[name])} "
        f"ratio={sig3(ratios[name])} unit=ms"
        for name in postgres
    ]
    worst = max(ratios, key=ratios.get)
    lines.append(
        f"BENCH W10-max app={sig3(sqlite[worst])} baseline={sig3(postgres[worst])} "
        f"ratio={sig3(ratios[worst])} unit=ms"
    )
    log(f"W10: highest ratio on {worst}")
    return "\n".join(lines)


def main() -> None:
    """The SQLite side (a child process of run()): print the page times as JSON."""
    import django

    os.environ.setdefault("KIEMDIEM_DEBUG", "0")
    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        raise SystemExit("bench.sqlite_pages: DATABASE_URL phải là sqlite:///…")
    times = page_times()
    print(json.dumps(times), flush=True)


if __name__ == "__main__":
    main()
