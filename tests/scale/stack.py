"""The scale check's deployment, every part a real process in a temporary folder:

    Varnish (deploy/varnish.vcl)  ->  haproxy (deploy/haproxy.cfg)
        ->  gunicorn on 127.0.0.11 and on 127.0.0.12 (production settings)
            ->  Redis (no persistence, volatile-lru), PostgreSQL primary
                (+ a streaming replica in DATABASE_REPLICA_URLS)
    and `manage.py run_worker` purging Varnish after each commit.

`Stack.start()` brings it up (independent parts in parallel) and registers every
stop on an ExitStack, so `Stack.close()` (or the session fixture's teardown, which
also runs on Ctrl-C) ends everything it started, whatever failed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from tests import redis_server
from tests.scale.postgres import ReplicatedPostgres
from tests.varnish_server import Varnish, run_varnish

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
GUNICORN = Path(sys.executable).with_name("gunicorn")
HOST_ADDRESSES = ("127.0.0.11", "127.0.0.12")
# Redis for a fleet. The only key without a TTL is the content version's copy
# (blog/versioning.py, VERSION_TIMEOUT = None); responses (api/caching.py, 1 h),
# rate-limit counters (their window) and /readyz's probe (5 s) all carry one.
# volatile-lru evicts only keys with a TTL, so memory pressure drops old
# responses and never the version: with allkeys-lru an evicted copy sends every
# process of every host to PostgreSQL at once, and Redis's tracking pushes the
# eviction to all of them. `save ""`: nothing on disk, the database is the truth.
REDIS_MAXMEMORY = "64mb"
REDIS_POLICY = "volatile-lru"


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def require_loopback_aliases() -> None:
    """Linux routes all of 127.0.0.0/8 to the loopback: binding 127.0.0.11 needs
    no setup. Say so plainly where it does not hold."""
    for address in HOST_ADDRESSES:
        try:
            free_port(address)
        except OSError as error:
            raise RuntimeError(
                f"cannot bind {address} ({error}): add the loopback alias, e.g. "
                f"`ip addr add {address}/8 dev lo`"
            ) from error


def wait_until(condition, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except (OSError, http.client.HTTPException, redis.RedisError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout}s")
        time.sleep(interval)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)


def request(
    base_url: str,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    timeout: float = 10,
) -> Answer:
    """One request on a connection of its own."""
    host, port = base_url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, found, body)
    finally:
        connection.close()


def _stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM,
                grace: float = 15) -> None:  # fmt: skip
    """`sig` to the process's group, SIGKILL to it after `grace` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class RedisServer(redis_server.RedisServer):
    """tests/redis_server.py's, as a fleet's: a memory limit and its policy."""

    def __init__(self, directory: Path) -> None:
        super().__init__(
            directory,
            "--maxmemory",
            REDIS_MAXMEMORY,
            "--maxmemory-policy",
            REDIS_POLICY,
        )

    def stop(self) -> None:
        self.kill()
        self.process = None


class Process:
    """A process of the app (gunicorn or the worker) with the stack's environment
    and a log file; started again with the same command and environment."""

    def __init__(self, name: str, command: list[str], environment: dict[str, str],
                 log_dir: Path) -> None:  # fmt: skip
        self.name = name
        self.command = command
        self.environment = environment
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.environment, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: the host dies with its requests."""
        if self.process is not None:
            _stop_group(self.process, signal.SIGKILL, grace=5)

    def terminate(self, grace: float = 30) -> None:
        """SIGTERM to the master only, as systemd's stop would: gunicorn's
        graceful stop (the worker: after the step under way)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        finally:
            _stop_group(self.process, signal.SIGKILL, grace=1)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class AppHost(Process):
    def __init__(self, name: str, address: str, environment: dict[str, str],
                 log_dir: Path) -> None:  # fmt: skip
        self.address = address
        self.port = free_port(address)
        super().__init__(
            name,
            [str(GUNICORN), "config.wsgi:application"],
            {**environment, "GUNICORN_BIND": f"{address}:{self.port}"},
            log_dir,
        )

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def ready(self) -> bool:
        return (
            request(self.url, "/readyz", {"Host": "localhost"}, timeout=2).status == 200
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.ready():
                    return
            except (OSError, http.client.HTTPException):
                pass
            if not self.running() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not get ready:\n{self.log_tail()}")
            time.sleep(0.1)

    def restart(self) -> None:
        if self.running():
            self.terminate()
        self.start()
        self.wait_ready()


def haproxy_config(template: str, bind: str, servers: dict[str, str],
                   stats_port: int) -> str:  # fmt: skip
    """deploy/haproxy.cfg with its frontend's `bind` and the server lines between
    the BEGIN/END markers replaced, and a stats listener (CSV) added for the
    harness to see each server's state."""
    text, binds = re.subn(r"^(\s*)bind \S+$", rf"\g<1>bind {bind}", template,
                          count=1, flags=re.MULTILINE)  # fmt: skip
    block = re.compile(r"^(\s*)# BEGIN app servers\n.*?^\s*# END app servers$",
                       re.MULTILINE | re.DOTALL)  # fmt: skip
    match = block.search(text)
    if not (binds and match):
        raise ValueError("deploy/haproxy.cfg lost its `bind` or its server markers")
    indent = match.group(1)
    lines = [f"{indent}# BEGIN app servers"]
    lines += [f"{indent}server {name} {address}" for name, address in servers.items()]
    lines.append(f"{indent}# END app servers")
    text = text[: match.start()] + "\n".join(lines) + text[match.end() :]
    return text + (
        "\n# Added by tests/scale/stack.py: server states for the harness.\n"
        f"listen stats\n    bind 127.0.0.1:{stats_port}\n"
        "    stats enable\n    stats uri /stats\n    no log\n"
    )


class Haproxy:
    def __init__(self, directory: Path, servers: dict[str, str]) -> None:
        self.port = free_port()
        self.stats_port = free_port()
        self.config = directory / "haproxy.cfg"
        self.config.write_text(haproxy_config(
            HAPROXY_CFG.read_text(), f"127.0.0.1:{self.port}", servers, self.stats_port
        ))  # fmt: skip
        self.log_path = directory / "haproxy.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
        if haproxy is None:
            raise RuntimeError("haproxy is not installed: run .ci/scale.sh")
        subprocess.run([haproxy, "-c", "-q", "-f", str(self.config)], check=True)
        with self.log_path.open("a") as log:
            # -db: foreground, no daemon; the stack stops it.
            self.process = subprocess.Popen(
                [haproxy, "-db", "-f", str(self.config)], stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def server_states(self) -> dict[str, str]:
        """{server name: UP, DOWN, NOLB, MAINT, "UP 1/2", ...} from the stats CSV."""
        answer = request(f"http://127.0.0.1:{self.stats_port}", "/stats;csv")
        lines = answer.body.decode().splitlines()
        columns = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(columns, line.split(","), strict=False))
            if row.get("pxname") == "app_hosts" and row["svname"] != "BACKEND":
                states[row["svname"]] = row["status"]
        return states

    def wait_for_state(self, server: str, state: str, timeout: float = 20) -> None:
        wait_until(lambda: self.server_states().get(server) == state, timeout,
                   f"haproxy marking {server} {state}")  # fmt: skip

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)


class Stack:
    """Everything running, and the levers the scenarios pull."""

    def __init__(self) -> None:
        require_loopback_aliases()
        self.root = Path(tempfile.mkdtemp(prefix="scale-check-"))
        # mkdtemp's 0700 would keep the `postgres` user out of its folder below.
        self.root.chmod(0o755)
        self.exit = contextlib.ExitStack()
        self.exit.callback(shutil.rmtree, self.root, True)
        self.postgres = ReplicatedPostgres(self.root / "pg", free_port(), free_port())
        self.redis = RedisServer(self._dir("redis"))
        self.secret_key = secrets.token_urlsafe(50)
        self.hosts: list[AppHost] = []
        self.worker: Process | None = None
        self.haproxy: Haproxy | None = None
        self.varnish: Varnish | None = None
        self.timings: dict[str, float] = {}

    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # --- Environment ------------------------------------------------------------------

    def environment(self, **overrides: str) -> dict[str, str]:
        """Production settings, as every host gets them: one secret key, one
        Redis, the primary, the replica."""
        inherited = {
            k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "API_", "IMAGE_", "DATABASE_", "REDIS_",
                                 "CDN_", "VARNISH_", "GUNICORN_", "WEB_CONCURRENCY"))
        }  # fmt: skip
        return {
            **inherited,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": self.secret_key,
            "DJANGO_ALLOWED_HOSTS": ",".join(
                ["127.0.0.1", "localhost", *HOST_ADDRESSES]
            ),
            # Plain HTTP on the loopback: no TLS terminator sends X-Forwarded-Proto.
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            # Varnish appends the reader, haproxy appends Varnish.
            "DJANGO_NUM_PROXIES": "2",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": self.postgres.primary.url(),
            "DATABASE_REPLICA_URLS": self.postgres.replica.url(),
            "REDIS_URL": self.redis.url,
            "MEDIA_ROOT": str(self._dir("media")),
            # Short, so the error scenario can watch a cached 404 expire.
            "API_ERROR_MAX_AGE": "2",
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_GRACEFUL_TIMEOUT": "15",
            "WEB_CONCURRENCY": "2",
            "WORKER_POLL_MS": "50",
            **overrides,
        }

    def manage(self, *arguments: str, timeout: float = 120) -> str:
        """`manage.py <arguments>` against the primary, as an operator runs it."""
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments], cwd=ROOT,
            env=self.environment(), capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n"
                               f"{result.stdout}\n{result.stderr}")  # fmt: skip
        return result.stdout

    def shell(self, code: str) -> str:
        """Python run by `manage.py shell -c` on the primary: the ORM as the admin
        uses it, signals, content version and outbox included."""
        return self.manage("shell", "-c", code)

    def shell_commit(self, code: str, timeout: float = 60) -> float:
        """Run `code` (which prints `committed <time.time()>` after its save) in
        `manage.py shell -c`; return that time as soon as it is printed, while
        Django is still shutting down (most of a second on this machine), so what a
        scenario measures starts at the commit."""
        process = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
            env=self.environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        seen = []
        deadline = time.monotonic() + timeout
        for line in process.stdout:
            seen.append(line)
            if line.startswith("committed "):
                self.exit.callback(process.wait)
                threading.Thread(target=process.communicate, daemon=True).start()
                return float(line.split()[1])
            if time.monotonic() > deadline:
                break
        process.kill()
        process.wait()
        raise RuntimeError(f"manage.py shell did not commit:\n{''.join(seen)}")

    # --- Starting ---------------------------------------------------------------------

    def start(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        self.exit.callback(self.postgres.stop)
        self.exit.callback(self.redis.stop)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            redis_started = pool.submit(self.redis.start)
            with self.timed("postgres primary"):
                self.postgres.start_primary()
            replica = pool.submit(self.timed_call, "postgres replica",
                                  self.postgres.start_replica)  # fmt: skip
            with self.timed("migrate"):
                self.manage("migrate", "--noinput")
            with self.timed("seed_demo"):
                self.manage("seed_demo")
            redis_started.result()
            replica.result()
        self.postgres.wait_for_replay()

        logs = self._dir("logs")
        self.hosts = [
            AppHost(f"app{n}", address, self.environment(), logs)
            for n, address in enumerate(HOST_ADDRESSES, start=1)
        ]
        for host in self.hosts:
            self.exit.callback(host.kill)
            host.start()
        servers = {host.name: f"{host.address}:{host.port}" for host in self.hosts}
        self.haproxy = Haproxy(self._dir("haproxy"), servers)
        self.exit.callback(self.haproxy.stop)
        self.haproxy.start()
        self.varnish = self.exit.enter_context(
            run_varnish(self.haproxy.port, backend_host="127.0.0.1")
        )
        self.worker = Process(
            "worker",
            [sys.executable, "manage.py", "run_worker"],
            self.environment(CDN_PURGE="varnish",
                             VARNISH_PURGE_URLS=self.varnish.url("/")),
            logs,
        )  # fmt: skip
        self.exit.callback(self.worker.terminate, 15)
        self.worker.start()
        with self.timed("hosts ready"):
            for host in self.hosts:
                host.wait_ready()
            for host in self.hosts:
                self.haproxy.wait_for_state(host.name, "UP")
        wait_until(lambda: "Worker started" in self.worker.log_path.read_text(), 30,
                   "the worker starting")  # fmt: skip
        # The worker starts on seed_demo's backlog: the covers' renditions (each
        # a change readers see, so a new version and a purge of `posts tags`...)
        # and the events' purges. A scenario that cached something before they
        # are done would see it purged under its feet.
        with self.timed("worker backlog"):
            self.wait_for_purges(timeout=120)

    @contextlib.contextmanager
    def timed(self, what: str):
        started = time.monotonic()
        yield
        self.timings[what] = time.monotonic() - started

    def timed_call(self, what: str, function) -> None:
        with self.timed(what):
            function()

    def pending_work(self) -> int:
        """Images the worker has not processed and committed events it has not
        purged from Varnish yet."""
        return self.postgres.primary.query(
            "SELECT (SELECT count(*) FROM blog_image WHERE status = 'pending')"
            " + (SELECT count(*) FROM blog_event WHERE purged_at IS NULL)"
        )[0][0]

    def wait_for_purges(self, timeout: float = 30) -> None:
        """Until the worker has nothing left to do (images, purges)."""
        what = f"the worker finishing its work ({self.worker.log_tail()})"
        wait_until(lambda: self.pending_work() == 0, timeout, what)

    def close(self) -> None:
        self.exit.close()

    # --- Addresses --------------------------------------------------------------------

    @property
    def haproxy_url(self) -> str:
        return self.haproxy.url

    @property
    def varnish_url(self) -> str:
        return self.varnish.url("").rstrip("/")

    @property
    def host_urls(self) -> list[str]:
        return [host.url for host in self.hosts]

    def varnish_workdir(self) -> Path:
        # run_varnish keeps its -n folder beside the log (tests/varnish_server.py).
        return self.varnish.log.parent / "work"

    def varnish_counters(self, *names: str) -> dict[str, int]:
        varnishstat = shutil.which("varnishstat") or "/usr/bin/varnishstat"
        output = subprocess.run(
            [varnishstat, "-1", "-n", str(self.varnish_workdir()),
             *(arg for name in names for arg in ("-f", name))],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        counters = {}
        for line in output.splitlines():
            name, value, *_ = line.split()
            counters[name] = int(value)
        return counters

    def restore_hosts(self) -> None:
        """Both hosts running and UP in haproxy again, whatever a scenario did."""
        for host in self.hosts:
            if not host.running():
                host.start()
                host.wait_ready()
        for host in self.hosts:
            self.haproxy.wait_for_state(host.name, "UP")
