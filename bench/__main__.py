"""Run the benchmarks against the database of DATABASE_URL (a throwaway PostgreSQL in make bench).

`python -m bench` runs them all; `python -m bench import-members` only the ones named.
Production-like settings: DEBUG off (no query log), one persistent connection.
"""

import os
import sys

# name → module; `make bench` runs them in this order (the first one prepares the province).
NAMES = {
    "province-dashboard": "dashboard",  # W2
    "pages": "pages",  # W1
    "summary-rebuild": "rebuild",  # W4
    "write-path": "writes",  # W5
    "import-members": "import_members",  # W6
    "backup-restore": "backup",  # W7
    "province-report": "report",  # W8
    "sqlite-pages": "sqlite_pages",  # W10
    "classification-statistics": "classification",  # issue 13: statistics vs raw aggregate
    "documents-province-zip": "documents",  # issue 16: the province's plans as one ZIP
    # not in `make bench` (its own data set: make bench-national)
    "national-dashboard": "national",  # W3
    # not in `make bench`: make loadtest (issue 17 #4, ~10 minutes of a loaded machine)
    "deadline-day": "loadtest",
}
DEFAULT = [name for name in NAMES if name not in ("national-dashboard", "deadline-day")]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemdiem.settings")
    os.environ.setdefault("KIEMDIEM_DEBUG", "0")
    os.environ.setdefault("KIEMDIEM_DB_CONN_MAX_AGE", "3600")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("bench: đặt DATABASE_URL tới một PostgreSQL dùng một lần; hãy chạy `make bench`.")
    wanted = sys.argv[1:] or DEFAULT
    unknown = [name for name in wanted if name not in NAMES]
    if unknown:
        sys.exit(f"bench: không có {', '.join(unknown)}; chọn trong {', '.join(NAMES)}.")
    import importlib

    import django

    django.setup()
    for name in wanted:
        bench = importlib.import_module(f"bench.{NAMES[name]}")
        print(bench.run(), flush=True)


if __name__ == "__main__":
    main()
