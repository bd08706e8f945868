"""Run every benchmark against the database of DATABASE_URL (a throwaway PostgreSQL in make bench).

Production-like settings: DEBUG off (no query log), one persistent connection.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemdiem.settings")
    os.environ.setdefault("KIEMDIEM_DEBUG", "0")
    os.environ.setdefault("KIEMDIEM_DB_CONN_MAX_AGE", "3600")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("bench: đặt DATABASE_URL tới một PostgreSQL dùng một lần; hãy chạy `make bench`.")
    import django

    django.setup()
    from bench import dashboard

    for bench in (dashboard,):
        print(bench.run(), flush=True)


if __name__ == "__main__":
    main()
