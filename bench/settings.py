"""Settings of the benchmark (``make bench``): the production settings on the benchmark's own database.

What differs from production is only what the benchmark needs: its database and Redis
database (``BENCH_DATABASE_URL``, ``BENCH_REDIS_URL``, set by ``bench/run.py``), its own
state and static folders under ``var/bench/``, the host names it is reached by, a filing
rate limit that does not stop 50 filings a minute from one account, and a URLconf that
adds the two pages measure 5 compares the dashboard with (``bench/urls.py``). Production code gets none of it.
"""

import os
from pathlib import Path

_VAR = Path(__file__).resolve().parent.parent / "var" / "bench"

# ipp.settings reads the environment when it is imported: give it the benchmark's services first.
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ipp_bench")
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
os.environ.pop("CELERY_BROKER_URL", None)  # the broker is the benchmark's Redis database
os.environ["IPP_VAR_DIR"] = str(_VAR)
os.environ["STATIC_ROOT"] = str(_VAR / "staticfiles")
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "b" * 40)
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production allows 60 filings a minute per account; the benchmark files 50 in a few seconds from one.
os.environ["IPP_API_FILING_RATE"] = "100000/min"

from ipp.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
