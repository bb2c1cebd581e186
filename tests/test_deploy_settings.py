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


def run(args: list[str], var_dir: Path, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**production_env(var_dir), **extra_env},
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
    "THROTTLE_RATES": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "ACCOUNT_RATE_LIMITS": settings.ACCOUNT_RATE_LIMITS,
}))
"""


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    # The API's rates are the operator's to set (docs/operations.md): given here, they must be the ones in force.
    result = run(["-c", _PRINT_SETTINGS], var_dir, IPP_API_TOKEN_RATE="7/min", IPP_API_FILING_RATE="45/min")
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


def test_the_api_rates_come_from_the_environment_and_sign_in_is_rate_limited(production_settings):
    assert production_settings["THROTTLE_RATES"] == {"api_token": "7/min", "complaint_file": "45/min"}
    limits = production_settings["ACCOUNT_RATE_LIMITS"]
    # Each one set (allauth turns a limit off when it is empty or False); test_sign_in crosses them.
    assert all(limits.get(action) and "/" in limits[action]
               for action in ("login", "login_failed", "signup", "reset_password", "confirm_email")), limits


# --- Real answers under the production settings ---------------------------------------------------------------
# A page, the sign-in page and the API's schema, as a browser gets them over HTTPS (and once over plain HTTP),
# through the whole middleware stack. Only the static files' storage is swapped for the plain one: the
# production one needs the manifest `collectstatic` writes at deploy time, and no header depends on it.
_PRINT_RESPONSES = """
import json
import django
from django.conf import settings

django.setup()
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
answers = {}
with override_settings(STORAGES=static):
    client = Client(HTTP_HOST="ipp.example.com")
    plain = client.get("/")
    answers["plain_http"] = {"status": plain.status_code, "location": plain.get("Location")}
    for path in ["/", "/accounts/login/", "/api/v1/schema/"]:
        response = client.get(path, secure=True)
        answers[path] = {
            "status": response.status_code, "headers": dict(response.headers),
            "cookies": {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
                        for name, c in response.cookies.items()}}
    # The session cookie, as the session middleware sets it once a session holds something (a sign-in); its
    # row is not written: the embedded database has no tables here.
    request = RequestFactory().get("/", secure=True, HTTP_HOST="ipp.example.com")
    middleware = SessionMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    request.session["_auth_user_id"] = "1"
    request.session.save = lambda must_create=False: setattr(request.session, "_session_key", "k" * 32)
    cookie = middleware.process_response(request, HttpResponse()).cookies[settings.SESSION_COOKIE_NAME]
    answers["session_cookie"] = {"secure": bool(cookie["secure"]), "httponly": bool(cookie["httponly"]),
                                 "samesite": cookie["samesite"]}
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production_answers(tmp_path_factory):
    result = run(["-c", _PRINT_RESPONSES], tmp_path_factory.mktemp("var"))
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_sent_to_https(production_answers):
    assert production_answers["plain_http"] == {"status": 301, "location": "https://ipp.example.com/"}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/v1/schema/"])
def test_every_answer_carries_hsts_csp_and_clickjacking_protection(production_answers, path):
    answer = production_answers[path]
    headers = answer["headers"]
    assert answer["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    policy = dict(directive.strip().split(" ", 1) for directive in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == "'self'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    # Clickjacking: no other site may frame a page (our own review screens frame documents only).
    assert policy["frame-ancestors"] == "'self'" and headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_cookies_are_secure_and_the_session_and_device_cookies_are_out_of_scripts_reach(production_answers):
    home, sign_in = production_answers["/"]["cookies"], production_answers["/accounts/login/"]["cookies"]
    assert sign_in["csrftoken"]["secure"] and sign_in["csrftoken"]["samesite"] == "Lax"
    assert home["ipp_device"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert production_answers["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert all(cookie["secure"] for answer in ("/", "/accounts/login/") for cookie in production_answers[answer]["cookies"].values())
