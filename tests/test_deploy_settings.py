"""Production settings: ``check --deploy`` is clean and the secure defaults are on.

The suite runs under ``ipp.settings.test``, which relaxes some of them, so the production
module (``ipp.settings`` with ``DEBUG=0``) is evaluated in a subprocess with a clean
environment: no DATABASE_URL (SQLite under a temporary IPP_VAR_DIR), no Redis, no S3.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.utils import get_random_secret_key

ROOT = Path(__file__).resolve().parent.parent

# Only what a process needs to run; none of the settings' own variables leak in.
_PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def production_env(var_dir: Path) -> dict[str, str]:
    env = {key: os.environ[key] for key in _PASS_THROUGH if key in os.environ}
    env.update(
        DEBUG="0",
        SECRET_KEY=get_random_secret_key(),  # 50 random characters
        ALLOWED_HOSTS="ipp.example.com",
        DJANGO_SETTINGS_MODULE="ipp.settings",
        IPP_VAR_DIR=str(var_dir),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run(args: list[str], var_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=production_env(var_dir),
                          capture_output=True, text=True, timeout=60)


def test_check_deploy_reports_no_issues_with_production_settings(tmp_path):
    assert len(production_env(tmp_path)["SECRET_KEY"]) == 50
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


_PRINT_SETTINGS = """
import json
import django
from django.conf import settings

django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "DATABASE_ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DATABASE_NAME": str(settings.DATABASES["default"]["NAME"]),
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_CONTENT_TYPE_NOSNIFF": settings.SECURE_CONTENT_TYPE_NOSNIFF,
    "X_FRAME_OPTIONS": settings.X_FRAME_OPTIONS,
    "CSP": settings.CONTENT_SECURITY_POLICY,
    "MIDDLEWARE": settings.MIDDLEWARE,
}))
"""


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    result = run(["-c", _PRINT_SETTINGS], var_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "var_dir": str(var_dir)}


def test_production_settings_turn_the_secure_defaults_on(production_settings):
    values = production_settings
    assert values["DEBUG"] is False
    # Without DATABASE_URL: the embedded SQLite file under IPP_VAR_DIR, nothing real touched.
    assert values["DATABASE_ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASE_NAME"].startswith(values["var_dir"])
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_production_settings_send_a_content_security_policy_of_self(production_settings):
    directives = production_settings["CSP"]["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    for directive, sources in directives.items():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, directive
    assert "csp.middleware.CSPMiddleware" in production_settings["MIDDLEWARE"]
