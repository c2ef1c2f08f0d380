"""A PostgreSQL 15 primary and a streaming replica of the scale check's own, in a
temporary folder, on free ports of 127.0.0.1.

The machine runs the check as root and PostgreSQL refuses to run as root, so every
server binary runs as the `postgres` OS user (`runuser`), in folders it owns. The
replica is made with `pg_basebackup -R -C -S`: `-R` writes `standby.signal` and
`primary_conninfo`, `-C -S` creates a physical replication slot on the primary, so
the primary keeps every WAL segment the replica has not received yet, however long
the replica is paused, delayed or down (a scenario may leave it so for a while).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

BIN = Path("/usr/lib/postgresql/15/bin")
OS_USER = "postgres"
DATABASE = "writing"
SLOT = "scale_replica"


def _as_postgres(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    run_as = [] if os.geteuid() != 0 else ["runuser", "-u", OS_USER, "--"]
    result = subprocess.run(
        [*run_as, *map(str, command)], capture_output=True, text=True, **kwargs
    )
    if result.returncode != 0:
        raise PostgresError(
            f"{' '.join(result.args)} exited {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )
    return result


class PostgresError(RuntimeError):
    """A PostgreSQL program failed; the message holds what it printed."""


def require_postgres() -> None:
    missing = [name for name in ("initdb", "pg_ctl", "pg_basebackup")
               if not (BIN / name).exists()]  # fmt: skip
    if missing:
        raise RuntimeError(
            f"PostgreSQL 15's {', '.join(missing)} missing from {BIN}: "
            "apt-get install postgresql-15"
        )


class PostgresServer:
    """One server: its data folder, port and log; started and stopped with pg_ctl
    (which detaches the postmaster, so `stop` is what ends it)."""

    def __init__(self, root: Path, name: str, port: int) -> None:
        self.root = root
        self.name = name
        self.port = port
        self.data = root / name
        self.log = root / f"{name}.log"

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://{OS_USER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = DATABASE) -> psycopg.Connection:
        """An autocommit connection, to be closed by the caller (`with`)."""
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=3)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.connect() as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def start(self) -> None:
        # Settings on the command line rather than in postgresql.conf: the replica's
        # folder is a copy of the primary's, conf files included.
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c fsync=off "
            "-c full_page_writes=off -c max_connections=100"
        )
        _as_postgres(BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30",
                     "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`fast` for a clean stop, `immediate` for a crash (no checkpoint)."""
        if (self.data / "postmaster.pid").exists():
            _as_postgres(BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t",
                         "30", "stop")  # fmt: skip

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    # --- Counting the queries it ran (the replica scenarios) --------------------------

    def log_statements(self, on: bool) -> None:
        """`log_statement = all` (or none) live: every backend rereads it at its
        next command after the reload."""
        with self.connect() as connection:
            value = "all" if on else "none"
            connection.execute(f"ALTER SYSTEM SET log_statement = '{value}'")
            connection.execute("SELECT pg_reload_conf()")
        time.sleep(0.3)

    def log_position(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def reads_of(self, table: str, since: int) -> int:
        """Statements reading `table` logged since the `log_position()` `since`."""
        with self.log.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        quoted = f'"{table}"'
        return sum(
            1
            for line in text.splitlines()
            if quoted in line and ("statement: " in line or "execute " in line)
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class ReplicatedPostgres:
    """The primary and one streaming replica, and what the replica scenarios do to
    the replica: pause and resume replay, delay it, kill and restart it."""

    def __init__(self, root: Path, primary_port: int, replica_port: int) -> None:
        require_postgres()
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        shutil.chown(root, OS_USER, OS_USER)
        self.primary = PostgresServer(root, "primary", primary_port)
        self.replica = PostgresServer(root, "replica", replica_port)

    # --- Starting ---------------------------------------------------------------------

    def start_primary(self) -> None:
        _as_postgres(BIN / "initdb", "-D", self.primary.data, "-U", OS_USER,
                     "-A", "trust", "--no-sync", "-E", "UTF8",
                     "--locale", "C.UTF-8")  # fmt: skip
        # initdb's pg_hba.conf already trusts replication connections from
        # 127.0.0.1; max_wal_senders (10) and wal_level (replica) are the defaults.
        self.primary.start()
        with self.primary.connect("postgres") as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")

    def start_replica(self) -> None:
        """A base backup of the running primary, then the replica streaming from
        it through the slot. `--checkpoint=fast`: the default (spread) waits for
        the primary's paced checkpoint, most of a minute and a half here."""
        _as_postgres(BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", self.primary.port,
                     "-U", OS_USER, "-D", self.replica.data, "-R", "-X", "stream",
                     "-C", "-S", SLOT, "--checkpoint=fast", "--no-sync")  # fmt: skip
        self.replica.start()
        self.wait_for_replay()

    def stop(self) -> None:
        for server in (self.replica, self.primary):
            with contextlib.suppress(PostgresError):
                server.stop("immediate")

    # --- The replica scenarios' levers -----------------------------------------------

    def primary_lsn(self) -> str:
        return self.primary.query("SELECT pg_current_wal_lsn()::text")[0][0]

    def replay_lsn(self) -> str | None:
        return self.replica.query("SELECT pg_last_wal_replay_lsn()::text")[0][0]

    def replayed(self, lsn: str) -> bool:
        """Whether the replica has replayed the primary's WAL up to `lsn`."""
        rows = self.replica.query(
            "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)
        )
        return bool(rows[0][0])

    def wait_for_replay(self, lsn: str | None = None, timeout: float = 30) -> None:
        """Until the replica has replayed `lsn` (default: the primary's position
        now)."""
        lsn = lsn or self.primary_lsn()
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.replayed(lsn):
                    return
            except psycopg.OperationalError:
                pass  # still starting
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the replica did not replay {lsn} in {timeout}s:\n"
                    f"{self.replica.log_tail()}"
                )
            time.sleep(0.05)

    def pause_replay(self) -> None:
        self.replica.query("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.replica.query("SELECT pg_wal_replay_resume()")

    def replay_paused(self) -> bool:
        return self.replica.query("SELECT pg_get_wal_replay_pause_state()")[0][0] != (
            "not paused"
        )

    def set_apply_delay(self, milliseconds: int) -> None:
        """`recovery_min_apply_delay` on the replica (0: none), live: ALTER SYSTEM
        and a reload, no restart. The delay holds back commit records, so a row
        committed on the primary appears on the replica that much later."""
        with self.replica.connect() as connection:
            connection.execute(
                f"ALTER SYSTEM SET recovery_min_apply_delay = '{int(milliseconds)}ms'"
            )
            connection.execute("SELECT pg_reload_conf()")
            deadline = time.monotonic() + 5
            while self.apply_delay_ms(connection) != int(milliseconds):
                if time.monotonic() > deadline:
                    raise AssertionError("recovery_min_apply_delay was not reloaded")
                time.sleep(0.02)

    @staticmethod
    def apply_delay_ms(connection: psycopg.Connection) -> int:
        row = connection.execute(
            "SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'"
        ).fetchone()
        return int(row[0])  # pg_settings gives it in milliseconds

    def kill_replica(self) -> None:
        """A crash: no shutdown checkpoint."""
        self.replica.stop("immediate")

    def restart_replica(self) -> None:
        if self.replica.is_running():
            self.replica.stop("fast")
        self.replica.start()
