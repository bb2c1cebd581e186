"""Private servers and the portal's real processes, for the fault tests (``make faults``) and the soak.

Nothing here touches the machine's shared PostgreSQL or Redis: every server is started on a
free port (bound to port 0 and released) in a temporary folder of its own, and everything
started is stopped by ``Stack.close()`` (process groups killed, the folder removed).

- ``RedisServer``: ``redis-server --port N --save "" --appendonly no --dir <tmp>``; ``kill()``
  stops it hard (SIGKILL), ``start()`` again on the same port.
- ``PostgresCluster``: ``initdb`` + ``pg_ctl start`` with ``-p N -k <tmp>``; ``restart()`` is
  ``pg_ctl restart -m fast``. As root (PostgreSQL refuses to run as root) they run as the
  ``postgres`` user through ``runuser``.
- ``Stack``: both servers, the environment the portal reads (``DATABASE_URL``, ``REDIS_URL``,
  ``CELERY_BROKER_URL``, ``IPP_VAR_DIR``…), ``manage.py`` commands, and the real processes:
  gunicorn, a Celery worker, Celery beat.
- ``Client``: a small HTTP client (http.client, one keep-alive connection) that returns the
  status and JSON of each answer and never raises on an HTTP error.

Only the standard library and psycopg2 (a dependency of the portal) are used, so the soak
(``bench/soak.py``) imports this module without pytest or Django.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any
from uuid import uuid4

from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin (gunicorn, celery)
PG_BIN = Path(os.environ.get("IPP_PG_BIN", "/usr/lib/postgresql/15/bin"))
SETUP_SCRIPT = Path(__file__).resolve().parent / "setup_data.py"

# The portal's settings read these; a test run's own values must not leak into the processes.
_OWN_ENV = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "IPP_VAR_DIR", "DEBUG",
            "SECRET_KEY", "CONN_MAX_AGE", "EMAIL_URL", "STORAGE", "STATIC_ROOT", "IPP_TEST_DB_NAME")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def postgres_binaries_missing() -> str | None:
    """Why the private PostgreSQL cannot be started here, or None."""
    for name in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / name).exists():
            return f"PostgreSQL binaries not found in {PG_BIN} (set IPP_PG_BIN, or apt-get install postgresql-15)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
        if not shutil.which("runuser"):
            return "running as root and runuser is missing (needed to run PostgreSQL as 'postgres')"
    return None


def redis_binary_missing() -> str | None:
    return None if shutil.which("redis-server") else "redis-server is not installed (apt-get install redis-server)"


def children_of(pid: int) -> set[int]:
    """The direct child processes of ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


class Process:
    """A subprocess in a session (process group) of its own, its output in a log file."""

    def __init__(self, name: str, command: list[str], *, env: dict, log: Path, cwd: Path = ROOT):
        self.name, self.command, self.log_path = name, command, log
        self._log = log.open("ab")
        self.popen = subprocess.Popen(command, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kill(self, sig: int = signal.SIGKILL, *, timeout: float = 30) -> None:
        """Send ``sig`` to the whole process group and wait for the leader; SIGKILL whatever is left."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=30)
        # The group may outlive its leader (pool children): nothing of it may stay behind.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self._log.close()

    def stop(self, *, timeout: float = 20) -> None:
        self.kill(signal.SIGTERM, timeout=timeout)


class RedisServer:
    def __init__(self, base: Path):
        self.dir = base / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = Process("redis", ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
                               env=dict(os.environ), log=self.dir / "redis.log")
        wait_until(self.ping, timeout=20, message=f"redis-server on port {self.port}: {self.process.log_tail()}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """Stop it the hard way (SIGKILL): a broker that is simply gone."""
        if self.process:
            self.process.kill(signal.SIGKILL)
            self.process = None
        wait_until(lambda: not port_answers(self.port), timeout=10, message="redis-server to stop listening")

    def close(self) -> None:
        if self.process:
            self.process.kill(signal.SIGKILL)
            self.process = None


class PostgresCluster:
    """A PostgreSQL cluster of our own: its data, socket and log in the stack's folder."""

    def __init__(self, base: Path, *, fast: bool = True):
        self.data = base / "pg"
        self.run_dir = base / "pg-run"  # the socket and the log: written by the server's user
        self.port = free_port()
        self.fast = fast
        for folder in (self.data, self.run_dir):
            folder.mkdir(mode=0o700)
            if os.geteuid() == 0:
                entry = pwd.getpwnam("postgres")
                os.chown(folder, entry.pw_uid, entry.pw_gid)
        self.log = self.run_dir / "pg.log"

    @staticmethod
    def _as_server_user(command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def _ctl(self, *args: str, timeout: float = 90) -> None:
        subprocess.run(self._as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]), check=True,
                       timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def url(self, name: str = "ipp") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self) -> None:
        subprocess.run(self._as_server_user([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                                             "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]),
                       check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.run_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if self.fast:  # test data: nothing to keep if the machine crashes
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._ctl("-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart -m fast``: every session is disconnected, the server comes back on the same port."""
        self._ctl("restart", "-m", mode, "-w", "-t", "60")

    def create_database(self, name: str = "ipp") -> None:
        with self.connect("postgres") as db:
            db.autocommit = True
            with db.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')

    def connect(self, name: str = "ipp"):
        import psycopg2

        return contextlib.closing(psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=name,
                                                   connect_timeout=5))

    def close(self) -> None:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            self._ctl("stop", "-m", "immediate", "-w", "-t", "30", timeout=60)
        except (subprocess.SubprocessError, OSError):
            with contextlib.suppress(OSError, ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)


class Database:
    """Counting in the private database with plain SQL (one connection, autocommit, reconnects when needed)."""

    def __init__(self, url: str):
        self.url = url
        self._conn = None

    def _connection(self):
        import psycopg2

        if self._conn is None or self._conn.closed:
            self._conn = psycopg2.connect(self.url, connect_timeout=5)
            self._conn.autocommit = True
        return self._conn

    def rows(self, sql: str, params=()) -> list[tuple]:
        import psycopg2

        for attempt in (1, 2):
            try:
                with self._connection().cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                self.close()  # the server restarted: once more on a new connection
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def value(self, sql: str, params=()):
        return self.rows(sql, params)[0][0]

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None


class Stack:
    """Private PostgreSQL and Redis (or given URLs), the portal's environment and its processes."""

    def __init__(self, *, database_url: str | None = None, redis_url: str | None = None, debug: bool = True,
                 fast_postgres: bool = True, extra_env: dict | None = None, keep: bool = False):
        self.base = Path(tempfile.mkdtemp(prefix="ipp-faults-"))
        os.chmod(self.base, 0o711)  # noqa: S103 - traverse only: the postgres user must reach its folders inside
        self.keep = keep
        self.processes: list[Process] = []
        self.pg: PostgresCluster | None = None
        self.redis: RedisServer | None = None
        try:
            if database_url is None:
                self.pg = PostgresCluster(self.base, fast=fast_postgres)
                self.pg.init()
                self.pg.start()
                self.pg.create_database("ipp")
                database_url = self.pg.url("ipp")
            if redis_url is None:
                self.redis = RedisServer(self.base)
                self.redis.start()
                redis_url = self.redis.url
        except BaseException:
            self.close()
            raise
        self.database_url, self.redis_url = database_url, redis_url
        self.var = self.base / "var"
        self.var.mkdir()
        self.db = Database(database_url)
        self.env = {key: value for key, value in os.environ.items() if key not in _OWN_ENV}
        self.env.update({
            "DJANGO_SETTINGS_MODULE": "ipp.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "IPP_VAR_DIR": str(self.var),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "LOG_LEVEL": "INFO",
            # Load, not abuse: the throttles would answer 429 to a load generator on one address.
            "IPP_API_FILING_RATE": "100000/min",
            "IPP_API_TOKEN_RATE": "100000/min",
            "IPP_UNUSUAL_SIGNIN_CHECK": "0",
        })
        if debug:
            self.env["DEBUG"] = "1"
        else:
            self.env.update({"DEBUG": "0", "SECRET_KEY": "faults-" + uuid4().hex * 2, "SECURE_SSL_REDIRECT": "0",
                             "ALLOWED_HOSTS": "127.0.0.1,localhost", "STATIC_ROOT": str(self.base / "static")})
        self.env.update(extra_env or {})
        self.web_port: int | None = None

    # --- commands ---------------------------------------------------------------------------

    def run(self, *args: str, timeout: float = 600) -> str:
        """Run a command with the portal's environment; its output, or an error with it."""
        done = subprocess.run(list(args), cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def manage(self, *args: str, timeout: float = 600) -> str:
        return self.run(sys.executable, "manage.py", *args, timeout=timeout)

    def setup(self, *args: str, timeout: float = 600) -> Any:
        """tests/faults/setup_data.py: builds data with the portal's own code; answers JSON."""
        return json.loads(self.run(sys.executable, str(SETUP_SCRIPT), *args, timeout=timeout).strip().splitlines()[-1])

    def prepare(self) -> dict:
        """The schema, the demo accounts and catalogue (seed_demo), and what the tests add (users, tokens)."""
        self.manage("migrate", "--noinput", "-v0")
        self.manage("createcachetable")  # the cache when REDIS_URL is empty; harmless otherwise
        if self.env.get("DEBUG") == "1":
            self.manage("seed_demo")
        else:
            self.manage("seed_demo", "--demo")
            self.manage("collectstatic", "--noinput", "-v0")
        return self.setup("base")

    def send_task(self, name: str, *args) -> None:
        """Send a task the way beat does, through the broker (``celery call``)."""
        command = [str(BIN / "celery"), "-A", "ipp", "call", name]
        if args:
            command += ["--args", json.dumps(list(args))]
        self.run(*command, timeout=120)

    # --- processes --------------------------------------------------------------------------

    def start(self, name: str, command: list[str], *, env: dict | None = None) -> Process:
        process = Process(name, command, env={**self.env, **(env or {})}, log=self.base / f"{name}.log")
        self.processes.append(process)
        return process

    def gunicorn(self, *, workers: int = 2, name: str = "gunicorn", threads: int = 1) -> Process:
        self.web_port = free_port()
        process = self.start(name, [str(BIN / "gunicorn"), "ipp.wsgi:application", "-w", str(workers),
                                    "--threads", str(threads), "-b", f"127.0.0.1:{self.web_port}",
                                    "--timeout", "60", "--graceful-timeout", "5",
                                    # Not the shared ~/.gunicorn/gunicorn.ctl another gunicorn on this machine uses.
                                    "--control-socket", str(self.base / f"{name}.ctl")])
        wait_until(lambda: not process.alive() or self.http().get("/health/").status == 200, timeout=60,
                   interval=0.2, message=f"gunicorn to answer /health/: {process.log_tail()}")
        assert process.alive(), process.log_tail()
        return process

    def worker(self, *, pool: str = "prefork", concurrency: int = 2, name: str = "worker") -> Process:
        node = f"{name}-{uuid4().hex[:8]}@%h"
        process = self.start(name, [str(BIN / "celery"), "-A", "ipp", "worker", f"--pool={pool}", "-c",
                                    str(concurrency), "--loglevel=INFO", "-n", node])
        wait_until(lambda: not process.alive() or " ready." in process.log_tail(200_000), timeout=60, interval=0.2,
                   message=f"the Celery worker to be ready: {process.log_tail()}")
        assert process.alive(), process.log_tail()
        return process

    def beat(self, *, name: str = "beat") -> Process:
        return self.start(name, [str(BIN / "celery"), "-A", "ipp", "beat", "--loglevel=INFO",
                                 "-s", str(self.var / f"celerybeat-schedule-{uuid4().hex[:8]}")])

    def http(self, timeout: float = 30) -> Client:
        assert self.web_port, "gunicorn is not running"
        return Client(self.web_port, timeout=timeout)

    # --- the end ----------------------------------------------------------------------------

    def close(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                process.kill(signal.SIGKILL, timeout=10)
        self.processes.clear()
        with contextlib.suppress(Exception):
            if getattr(self, "db", None):
                self.db.close()
        for server in (self.redis, self.pg):
            if server is not None:
                with contextlib.suppress(Exception):
                    server.close()
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Response:
    def __init__(self, status: int, body: bytes, elapsed: float, location: str | None = None):
        self.status, self.body, self.elapsed, self.location = status, body, elapsed, location

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:300]!r}>"


def _set_cookies(answer: http.client.HTTPResponse) -> dict[str, str]:
    cookies = {}
    for header in answer.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies


class Client:
    """One keep-alive connection to 127.0.0.1:port. Answers are returned whatever their status; a network
    failure is status 0 (the connection is opened again for the next request)."""

    def __init__(self, port: int, *, timeout: float = 30, token: str | None = None):
        self.port, self.timeout, self.token = port, timeout, token
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, payload: dict | None = None, *, form: dict | None = None,
                headers: dict | None = None) -> Response:
        headers = {"Accept": "application/json", "Host": "127.0.0.1", **(headers or {})}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.perf_counter()
        try:
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self._conn.request(method, path, body=body, headers=headers)
            answer = self._conn.getresponse()
            data = answer.read()
            self.cookies.update(_set_cookies(answer))
            if answer.getheader("Connection", "").lower() == "close":
                self.close()
            return Response(answer.status, data, time.perf_counter() - started, answer.getheader("Location"))
        except (OSError, http.client.HTTPException) as error:
            # Never sent again: a POST the server may have run must not be filed twice.
            self.close()
            return Response(0, repr(error).encode(), time.perf_counter() - started)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, payload: dict | None = None) -> Response:
        return self.request("POST", path, payload or {})

    def obtain_token(self, email: str, password: str) -> str:
        """POST /api/v1/auth/token/ (docs/api.md); the client sends it from then on."""
        answer = self.post("/api/v1/auth/token/", {"email": email, "password": password})
        assert answer.status == 200, answer
        self.token = answer.json()["token"]
        return self.token

    def sign_in(self, email: str, password: str) -> None:
        """Sign in on the portal's page (allauth's form, with its CSRF token): the session cookie is kept."""
        self.get("/accounts/login/")
        csrf = self.cookies["csrftoken"]
        answer = self.request("POST", "/accounts/login/", form={"login": email, "password": password,
                                                                "csrfmiddlewaretoken": csrf},
                              headers={"Accept": "text/html", "Referer": f"http://127.0.0.1:{self.port}/accounts/login/"})
        assert answer.status == 302 and "sessionid" in self.cookies, answer

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# --- the portal's API, as a client uses it (docs/api.md) ------------------------------------------

def file_complaint(client: Client, *, ipr: int, urls: list[str], platform: str = "taobao",
                   reason: str = "counterfeit") -> Response:
    """POST /api/v1/complaints/: one complaint on ``ipr`` against ``urls`` (one per line)."""
    return client.post("/api/v1/complaints/", {"platform": platform, "ipr": ipr, "reason": reason,
                                               "urls": "\n".join(urls)})


def states_of(db: Database, complaint_ids) -> dict[str, int]:
    """How many items of these complaints are in each state."""
    ids = list(complaint_ids)
    if not ids:
        return {}
    return dict(db.rows("SELECT state, count(*) FROM complaints_complaintitem WHERE complaint_id = ANY(%s) "
                        "GROUP BY state", (ids,)))
