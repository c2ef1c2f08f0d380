"""Running wrk and reading its report (`--latency` output of wrk 4.x)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

THREADS = 2
CONNECTIONS = 16

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m)"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    non_success: int  # "Non-2xx or 3xx responses"
    socket_errors: dict[str, int]

    @property
    def errors(self) -> int:
        return self.non_success + sum(self.socket_errors.values())

    def describe_errors(self) -> str:
        if not self.errors:
            return "0"
        parts = [
            f"{count} {kind}" for kind, count in self.socket_errors.items() if count
        ]
        if self.non_success:
            parts.insert(0, f"{self.non_success} non-2xx/3xx")
        return f"{self.errors} ({', '.join(parts)})"


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def parse(output: str) -> WrkResult:
    """The figures of one wrk report; raises ValueError if it has none."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    if not rate or not total:
        raise ValueError(f"not a wrk report:\n{output}")
    percentiles = {
        percent: _milliseconds(value, unit)
        for percent, value, unit in re.findall(
            rf"^\s+(50|99)(?:\.0+)?%\s+{_DURATION}\s*$", output, re.MULTILINE
        )
    }
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = dict.fromkeys(("connect", "read", "write", "timeout"), 0)
    if socket:
        socket_errors = dict(zip(socket_errors, map(int, socket.groups()), strict=True))
    non_success = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests=int(total.group(1)),
        requests_per_second=float(rate.group(1)),
        p50_ms=percentiles.get("50"),
        p99_ms=percentiles.get("99"),
        non_success=int(non_success.group(1)) if non_success else 0,
        socket_errors=socket_errors,
    )


def command(url: str, seconds: int, timeout: int, script: Path | None) -> list[str]:
    arguments = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    arguments += ["--latency", f"--timeout={timeout}s"]
    if script is not None:
        arguments += ["-s", str(script)]
    return [*arguments, url]


def run(
    url: str, seconds: int, timeout: int, script: Path | None, log: Path
) -> WrkResult:
    """Drive `url` for `seconds`, keep wrk's own report in `log`, and parse it."""
    arguments = command(url, seconds, timeout, script)
    completed = subprocess.run(
        arguments, capture_output=True, text=True, timeout=seconds + timeout + 60
    )
    log.write_text(" ".join(arguments) + "\n\n" + completed.stdout + completed.stderr)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr}")
    return parse(completed.stdout)


def header_script(path: Path, name: str, value: str) -> Path:
    """A wrk Lua script that sends one extra header with every request."""
    # A long bracket string: ETags carry double quotes that must reach the server.
    path.write_text(f'wrk.headers["{name}"] = [==[{value}]==]\n')
    return path


def version() -> str:
    completed = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    first_line = (completed.stdout + completed.stderr).splitlines()[0]
    return first_line.split(" Copyright")[0].strip()
