"""Load for the scale scenarios: a threaded client that counts every failed GET, and
wrk (Debian's package, as `bench/run.sh` installs) for throughput."""

from __future__ import annotations

import http.client
import itertools
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.errors

    @property
    def errors(self) -> int:
        """Requests that got no HTTP answer at all (reset, refused, timeout)."""
        return sum(1 for failure in self.failures if failure.startswith("error"))

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def truncated(self) -> int:
        """Answers cut off mid-body: the host died after its headers were sent."""
        return sum(
            1 for failure in self.failures if failure.startswith("error truncated")
        )

    def summary(self) -> str:
        shown = ", ".join(
            f"{status}: {n}" for status, n in sorted(self.statuses.items())
        )
        return (
            f"{self.requests} GETs in {self.seconds:.1f}s, {self.failed} failed "
            f"({shown}; no answer: {self.errors}, of which cut off mid-body: "
            f"{self.truncated})"
        )


def _get(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def run_load(
    base_url: str,
    paths: Sequence[str] | Callable[[int], str],
    seconds: float,
    *,
    threads: int = 4,
    during: Callable[[], None] | None = None,
    during_at: float = 1.5,
    ok: Callable[[int], bool] = lambda status: status == 200,
) -> LoadResult:
    """GETs from `threads` threads for `seconds`, each on a kept-alive connection
    (a new one after any failure), cycling through `paths` (or calling it with a
    counter); `during` runs in its own thread `during_at` seconds in. A GET whose
    status `ok` refuses, or that gets no answer, is a failure."""
    host, port = base_url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    pick = paths if callable(paths) else (lambda n: paths[n % len(paths)])
    counter = itertools.count()
    result = LoadResult(seconds)
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=15)
        while not stop.is_set():
            path = pick(next(counter))
            try:
                status = _get(connection, path)
            except http.client.IncompleteRead as error:
                connection.close()
                with lock:
                    result.failures.append(f"error truncated {path}: {error!r}")
                continue
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                with lock:
                    result.failures.append(f"error {path}: {error!r}")
                continue
            with lock:
                result.statuses[status] += 1
                if not ok(status):
                    result.failures.append(f"status {status} {path}")
        connection.close()

    workers = [threading.Thread(target=client) for _ in range(threads)]
    action_errors: list[BaseException] = []

    def act() -> None:
        time.sleep(during_at)
        try:
            during()
        except BaseException as error:  # reported after the load stops
            action_errors.append(error)

    action = threading.Thread(target=act) if during else None
    started = time.monotonic()
    for thread in workers:
        thread.start()
    if action:
        action.start()
    time.sleep(seconds)
    stop.set()
    for thread in workers:
        thread.join()
    if action:
        action.join()
    result.seconds = time.monotonic() - started
    if action_errors:
        raise action_errors[0]
    return result


@dataclass
class Throughput:
    requests_per_second: float
    detail: str


def wrk(url: str, seconds: int = 5, connections: int = 16) -> Throughput:
    """wrk's requests per second, or the threaded client's without wrk (then far
    lower: Python, not the server, is the limit)."""
    binary = shutil.which("wrk")
    if binary is None:
        path = "/" + url.split("/", 3)[3]
        result = run_load(url.rsplit(path, 1)[0], [path], seconds, threads=8)
        return Throughput(result.requests / result.seconds, "python client, 8 threads")
    output = subprocess.run(
        [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True, capture_output=True, text=True, timeout=seconds + 30,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = re.search(r"50%\s+(\S+)", output).group(1)
    p99 = re.search(r"99%\s+(\S+)", output).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    detail = f"wrk {connections} connections {seconds}s, p50 {p50}, p99 {p99}"
    if errors:
        detail += f", non-2xx/3xx {errors.group(1)}"
    if socket_errors:
        detail += f", socket errors {socket_errors.group(1)}"
    return Throughput(rate, detail)
