"""Measure 5: requests per second of the rights holder's dashboard under gunicorn with wrk, as a share of a bare
Django view (a fixed string) served by the same gunicorn, workers, settings and middleware in the same run."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
WRK = "/usr/bin/wrk"
WORKERS = 2


def ensure_wrk(log=print) -> str:
    """wrk (Debian's package), installed when missing and running as root; otherwise how to install it."""
    found = shutil.which("wrk") or (WRK if os.path.exists(WRK) else None)
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("make bench needs wrk for the dashboard's throughput: run `sudo apt-get install -y wrk` "
                         "(Debian/Ubuntu), then make bench again.")
    log("  installing wrk (apt-get install -y wrk)")
    apt = shutil.which("apt-get") or "/usr/bin/apt-get"
    if subprocess.call([apt, "install", "-y", "-q", "wrk"], stdout=subprocess.DEVNULL) != 0:  # noqa: S603
        subprocess.check_call([apt, "update", "-q"], stdout=subprocess.DEVNULL)  # noqa: S603
        subprocess.check_call([apt, "install", "-y", "-q", "wrk"], stdout=subprocess.DEVNULL)  # noqa: S603
    return shutil.which("wrk") or WRK


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """The project's gunicorn (``.venv/bin/gunicorn ipp.wsgi``) on the benchmark's settings, as a subprocess."""

    def __init__(self, *, env: dict, log_path: Path):
        self.port = _free_port()
        self.env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn and arguments)
            [str(gunicorn), "ipp.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS),
             "--worker-class", "sync", "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.__exit__()
                raise RuntimeError(f"gunicorn stopped (see {self.log_path})")
            try:
                self.get("/bench/bare/")
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()  # a failed __enter__ gets no __exit__: stop the server here
        raise RuntimeError(f"gunicorn did not answer in 60 s (see {self.log_path})")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            self.url(path), headers={"X-Forwarded-Proto": "https", **(headers or {})})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:  # noqa: S310 (http://127.0.0.1 only)
                return response.status, response.read()
        except urllib.error.HTTPError as error:  # a redirect or an error page: its status is the answer
            return error.code, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wrk(wrk_path: str, url: str, *, headers: dict, seconds: int, connections: int) -> dict:
    command = [wrk_path, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    return {"requests_per_second": round(rps, 1), "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1).strip() if errors else "", "latency_p50": latency.get("50"),
            "latency_p99": latency.get("99")}


def measure_dashboard(*, targets: dict[str, tuple[str, dict]], env: dict, seconds: int, rounds: int, log=print,
                      log_dir: Path) -> dict:
    """Each page of ``targets`` (name: (path, cookies)) under the same gunicorn: warmed up, then ``rounds`` wrk runs of
    each, the pages taking turns, so a slow moment of the machine falls on all of them; the median run counts."""
    wrk_path = ensure_wrk(log)
    connections = WORKERS * 2
    runs: dict[str, list[dict]] = {name: [] for name in targets}

    def headers_of(cookies: dict) -> dict:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()), "X-Forwarded-Proto": "https"}

    with Gunicorn(env=env, log_path=log_dir / "gunicorn.log") as server:
        for name, (path, cookies) in targets.items():
            status, _body = server.get(path, headers_of(cookies))
            if status != 200:
                raise RuntimeError(f"{path} ({name}) answered {status} under gunicorn")
            wrk(wrk_path, server.url(path), headers=headers_of(cookies), seconds=3, connections=connections)
        for _round in range(rounds):
            for name, (path, cookies) in targets.items():
                result = wrk(wrk_path, server.url(path), headers=headers_of(cookies), seconds=seconds,
                             connections=connections)
                if result["non_2xx"] or result["socket_errors"]:
                    raise RuntimeError(f"{path} ({name}) under wrk: {result}")
                runs[name].append(result)
                log(f"  {name}: {result['requests_per_second']} requests/s (p50 {result['latency_p50']})")
    rps = {name: median(r["requests_per_second"] for r in results) for name, results in runs.items()}
    return {"dashboard_rps": rps["dashboard"], "bare_rps": rps["bare"], "ratio": round(rps["dashboard"] / rps["bare"], 3),
            "requests_per_second": rps, "ratios": {name: round(value / rps["bare"], 3) for name, value in rps.items()},
            "runs": runs, "workers": WORKERS, "connections": connections, "seconds": seconds, "rounds": rounds,
            "wrk_threads": 1}
