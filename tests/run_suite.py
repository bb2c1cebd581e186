"""`make test`: say which services the suite runs against, then run it all.

PostgreSQL and Redis are used when they answer (DATABASE_URL / REDIS_URL, or the
localhost defaults). Otherwise the suite runs on SQLite and pytest names each skipped
test with its reason. With IPP_REQUIRE_SERVICES=1 (CI) a missing service fails the run.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipp.settings.test")
os.environ.setdefault("SECRET_KEY", "test-" + "k" * 50)

from ipp.settings import test as test_settings  # noqa: E402


def main(argv: list[str]) -> int:
    require = os.environ.get("IPP_REQUIRE_SERVICES") == "1"
    db = test_settings.DATABASES["default"]
    if test_settings.USING_POSTGRES:
        print(f"make test: PostgreSQL at {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432} (test database {db['TEST']['NAME']})")
    else:
        print("make test: PostgreSQL is not answering: running on SQLite; tests marked 'postgres' are skipped (listed below).")
    if test_settings.USING_REDIS:
        print(f"make test: Redis at {test_settings.TEST_REDIS_URL}")
    else:
        print(f"make test: Redis is not answering at {test_settings.TEST_REDIS_URL}; tests marked 'redis' are skipped (listed below).")
    if require and not (test_settings.USING_POSTGRES and test_settings.USING_REDIS):
        print("make test: IPP_REQUIRE_SERVICES=1 but a service is missing: failing.", file=sys.stderr)
        return 1
    workers = os.environ.get("IPP_TEST_WORKERS", "2")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", workers, "--dist", "loadgroup", *argv]
    code = subprocess.call(command, cwd=ROOT)
    if code == 5:
        print("make test: pytest collected no tests; that is a failure, not a pass.", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
