"""A Varnish of the test's own: deploy/varnish.vcl as shipped, with only the backend's
address changed, in front of a server the test starts. Debian's `varnishd` and the
xkey vmod from `varnish-modules` do it (.ci/varnish.sh installs both)."""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ports import free_port

VCL = Path(__file__).resolve().parents[1] / "deploy" / "varnish.vcl"
# Debian's multiarch vmod directory, and the upstream default for source builds.
XKEY_VMOD_GLOBS = (
    "/usr/lib/*/varnish/vmods/libvmod_xkey.so",
    "/usr/lib/varnish/vmods/libvmod_xkey.so",
    "/usr/local/lib/varnish/vmods/libvmod_xkey.so",
)
_BACKEND_BLOCK = re.compile(r"^backend default \{.*?^\}", re.MULTILINE | re.DOTALL)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _varnishd() -> str | None:
    # /usr/sbin is not on every user's PATH.
    return shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin")


def require_varnish() -> str:
    """`varnishd`'s path; a skip without it (and the xkey vmod), a failure under CI."""
    varnishd = _varnishd()
    has_xkey = any(glob.glob(pattern) for pattern in XKEY_VMOD_GLOBS)
    if varnishd and has_xkey:
        return varnishd
    missing = "varnishd" if not varnishd else "the xkey vmod (varnish-modules)"
    if _in_ci():
        pytest.fail(f"{missing} is missing under CI: run .ci/varnish.sh first.")
    pytest.skip(
        f"{missing} is not installed (apt-get install varnish varnish-modules, or "
        "run .ci/varnish.sh); under CI this test fails instead."
    )


def vcl_for_backend(vcl: str, host: str, port: int) -> str:
    """The VCL with `backend default`'s `.host` and `.port` replaced, nothing else."""
    block = _BACKEND_BLOCK.search(vcl)
    if block is None:
        raise ValueError("no `backend default { ... }` block at the start of a line")
    text = block.group(0)
    text, hosts = re.subn(r'(\.host\s*=\s*)"[^"]*"', rf'\g<1>"{host}"', text, count=1)
    text, ports = re.subn(r'(\.port\s*=\s*)"[^"]*"', rf'\g<1>"{port}"', text, count=1)
    if not (hosts and ports):
        raise ValueError("`backend default` has no quoted .host and .port")
    return vcl[: block.start()] + text + vcl[block.end() :]


@dataclass
class Response:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self):
        return json.loads(self.body)


class Varnish:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        *,
        source: str | None = None,
        timeout: float = 10,
    ) -> Response:
        """One request on a connection of its own; `source` is the local address to
        connect from (127.0.0.2 is on the loopback but outside the `purgers` ACL)."""
        connection = http.client.HTTPConnection(
            "127.0.0.1",
            self.port,
            timeout=timeout,
            source_address=(source, 0) if source else None,
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return Response(answer.status, answer.reason, answer.headers, answer.read())
        finally:
            connection.close()

    def get(self, path: str, headers: dict[str, str] | None = None, **kw) -> Response:
        return self.request("GET", path, headers, **kw)

    def purge(self, keys: Iterable[str] | str, soft: bool = False, **kw) -> Response:
        """`PURGE /` with `xkey: k1 k2` (or `xkey-softpurge:`), as the app's worker
        sends it; the VCL answers 200 with `X-Purged: N` and `{"purged": N}`."""
        value = keys if isinstance(keys, str) else " ".join(keys)
        header = "xkey-softpurge" if soft else "xkey"
        return self.request("PURGE", "/", {header: value}, **kw)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _exited(pid: int) -> bool:
    """Whether the process has exited, without reaping it: while it is a zombie its
    process group id cannot be reused, so killing the group stays safe."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _stop(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM (the manager stops its cache child), then SIGKILL to the whole group:
    the child, or a VCL compiler, if the manager left one behind."""
    if process.returncode is None:
        if not _exited(process.pid):
            process.terminate()
            deadline = time.monotonic() + grace
            while not _exited(process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_until_answering(
    server: Varnish, process: subprocess.Popen, timeout: float
) -> None:
    """The manager listens at once but the child answers only once the VCL is
    compiled and loaded: wait for any HTTP answer (a key-less PURGE is one Varnish
    makes itself, without the backend)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _exited(process.pid):
            raise RuntimeError(f"varnishd exited at start:\n{server.log_tail()}")
        try:
            server.request("PURGE", "/", timeout=1)
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
    raise RuntimeError(f"varnishd did not answer in {timeout}s:\n{server.log_tail()}")


@contextlib.contextmanager
def run_varnish(
    backend_port: int,
    *,
    vcl: Path = VCL,
    backend_host: str = "127.0.0.1",
    start_timeout: float = 30,
) -> Iterator[Varnish]:
    """varnishd in the foreground, on a free port of 127.0.0.1, in front of
    `backend_host:backend_port`; stopped, with its children, on the way out.

    `-j none`: as root varnishd would switch to the `vcache` user, which cannot
    read a working directory under pytest's root-only tmp folders; the test's own
    user is all it needs. Skips (fails under CI) without varnishd or vmod_xkey.
    """
    varnishd = require_varnish()
    with tempfile.TemporaryDirectory(prefix="varnish-") as directory:
        root = Path(directory)
        config = root / "default.vcl"
        config.write_text(vcl_for_backend(vcl.read_text(), backend_host, backend_port))
        server = Varnish(free_port(), root / "varnishd.log")
        with server.log.open("wb") as log:
            process = subprocess.Popen(
                [varnishd, "-F", "-j", "none", "-n", str(root / "work"),
                 "-a", f"127.0.0.1:{server.port}", "-f", str(config),
                 "-s", "malloc,64m"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            _wait_until_answering(server, process, start_timeout)
            yield server
        finally:
            _stop(process)
