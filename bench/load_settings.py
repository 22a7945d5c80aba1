"""Settings of the web and worker processes that ``bench.load`` starts: the test settings on
the benchmark's own database, plus a minimal view for the floor measurement."""

from backoffice.settings.test import *  # noqa: F403
from backoffice.settings.test import env

ROOT_URLCONF = "bench.load_urls"
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE  # noqa: F405
if env.bool("DB_POOL", default=False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
        "min_size": 2, "max_size": env.int("DB_POOL_MAX", default=8), "timeout": 10}
