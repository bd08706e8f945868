"""`make reliability`: R1–R15, one line per scenario with its figures; exit 1 if one fails.

`python -m reliability` runs them all at full size, `--short` a smaller version (CI), and names
select scenarios: `python -m reliability R1 R4`. Every load goes to 127.0.0.1 only, is bounded
in requests and seconds, and every process started is killed at the end.
"""

import sys
import time
import traceback

from reliability import scenarios as s

PYTEST = {
    "R5": (["kiemdiem/api/tests/test_reliability.py::test_r5_random_interleavings"], False),
    "R6": (
        [
            "kiemdiem/transfer/tests/test_jobs.py::test_import_killed_mid_write_leaves_nothing_and_resumes"
        ],
        True,
    ),
    "R7": (
        [
            "kiemdiem/api/tests/test_fuzz.py",
            "kiemdiem/api/tests/test_reliability.py::test_r7_forms_never_answer_5xx",
        ],
        False,
    ),
    "R8": (["kiemdiem/core/tests/test_logins.py"], False),
    "R9": (["kiemdiem/api/tests/test_reliability.py::test_r9_idor_sweep"], False),
    "R10": (["kiemdiem/core/tests/test_audit_chain.py"], True),
    "R11": (["kiemdiem/dashboard/tests/test_random_activity.py"], False),
}
LIVE = {
    "R1": s.r1_postgres_killed,
    "R2": s.r2_workers_killed,
    "R3": s.r3_sqlite_killed,
    "R4": s.r4_backup_restore,
    "R12": s.r12_spike,
    "R13": s.r13_check_deploy,
    "R14": s.r14_replica,
    "R15": s.r15_pgbouncer,
}
ORDER = [f"R{n}" for n in range(1, 16)]


def main() -> int:
    args = sys.argv[1:]
    short = "--short" in args
    wanted = [a.upper() for a in args if not a.startswith("--")] or ORDER
    failed = []
    for name in wanted:
        began = time.monotonic()
        try:
            if name in LIVE:
                ok, line = LIVE[name](short)
            elif name in PYTEST:
                nodes, postgres = PYTEST[name]
                ok, line = s.pytest_scenario(nodes, "short" if short else "full", postgres)
            else:
                ok, line = False, "không có kịch bản này"
        except Exception as exc:  # noqa: BLE001 - a crashed scenario is a failed one
            ok, line = False, f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        status = "ok" if ok else "FAIL"
        print(f"RELIABILITY {name} {status} {line} ({time.monotonic() - began:.0f}s)", flush=True)
        if not ok:
            failed.append(name)
    print(f"RELIABILITY {len(wanted) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
