"""Shared set-up for benchmarks: a throw-away database and the closing JSON line.

Usage in bench/NAME.py::

    from bench.harness import bench_database, emit, timed

    def main():
        with bench_database():
            ...measure...
            emit("NAME", value=x, unit="s", reference=r)

Benchmarks use the test settings (PostgreSQL when reachable, like `make test`) and a database of
their own (test_<name>_bench_<pid>: two runs never meet), created and dropped around the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import tracemalloc


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.test")
    import django

    django.setup()


@contextlib.contextmanager
def bench_database():
    """Create a fresh database for the benchmark, migrate it, drop it afterwards."""
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    settings.DATABASES["default"].setdefault("TEST", {})
    settings.DATABASES["default"]["TEST"]["NAME"] = (
        f"test_{settings.DATABASES['default']['NAME']}_bench_{os.getpid()}".replace("/", "_")
        if connection.vendor != "sqlite" else str(settings.BASE_DIR / "bench.sqlite3")
    )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"# database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


@contextlib.contextmanager
def timed():
    """Measure wall time: ``with timed() as t: ...; t.seconds``."""

    class Timer:
        seconds = 0.0

    timer = Timer()
    start = time.perf_counter()
    try:
        yield timer
    finally:
        timer.seconds = time.perf_counter() - start


@contextlib.contextmanager
def peak_memory():
    """Peak Python memory allocated inside the block, in MiB: ``with peak_memory() as m: ...; m.mib``."""

    class Peak:
        mib = 0.0

    peak = Peak()
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.mib = tracemalloc.get_traced_memory()[1] / 1048576
        tracemalloc.stop()


def emit(benchmark: str, *, value: float, unit: str, reference: float, **extra) -> dict:
    """Print the one-line JSON result every benchmark ends with."""
    ratio = value / reference if reference else None
    result = {"benchmark": benchmark, "value": round(value, 6), "unit": unit,
              "reference": round(reference, 6), "ratio": round(ratio, 4) if ratio else ratio}
    result.update(extra)
    print(json.dumps(result), flush=True)
    return result
