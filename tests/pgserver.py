"""A real, throw-away PostgreSQL server for the tests and the benchmark.

:class:`PgServer` runs ``initdb`` into a temporary folder and starts the server on a
free port of 127.0.0.1 (its Unix socket in the same folder). PostgreSQL refuses to run
as root, so under root (CI) the folder is handed to the ``postgres`` user and every
server command runs as that user. The session fixture :func:`pg_url` starts one server
for the whole test run and stops it at the end, also when tests fail. Missing binaries
fail the tests with what to do; they are never skipped.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HOW_TO_GET_IT = (
    "PostgreSQL's server binaries (initdb, pg_ctl) are missing: run `make test`, which "
    "installs Debian's postgresql, or `apt-get install postgresql`"
)


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: Debian's newest version first,
    else wherever ``PATH`` has them."""

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in p.parent.name.split(".") if x.isdigit())

    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    if found:
        return max(found, key=version)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One PostgreSQL server in a temporary folder; :meth:`stop` removes everything."""

    def __init__(self, *, fast: bool = True, database: str = "specbook") -> None:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise RuntimeError(HOW_TO_GET_IT)
        self.bin = bin_dir
        self.database = database
        self.fast = fast
        self.root = Path(tempfile.mkdtemp(prefix="specbook-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self.running = False
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 120) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}\n"
                f"{done.stderr}\n{tail}"
            )

    @property
    def url(self) -> str:
        return f"postgresql://specbook@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> str:
        """Create the cluster, start the server, create the database; returns its URL."""
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "specbook", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=200",
        ]
        if self.fast:  # the tests need no durability; the benchmark keeps the defaults
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        for _attempt in range(5):  # the port may be taken between choosing and binding
            self.port = free_port()
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                    "-o", " ".join([f"-p {self.port}", *options]), "-w", "-t", "60", "start",
                )  # fmt: skip
                break
            except RuntimeError:
                if _attempt == 4:
                    raise
        self.running = True
        atexit.register(self.stop)  # also when the run ends without teardown
        import psycopg

        admin = f"postgresql://specbook@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'CREATE DATABASE "{self.database}"')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return self.url

    def create_database(self, name: str) -> str:
        """A further empty database on this server; returns its URL."""
        import psycopg

        admin = f"postgresql://specbook@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://specbook@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.running:
            self.running = False
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


_SERVER: list[PgServer] = []


# Named by `name=` so test modules import the functions without shadowing their
# arguments: `from tests.pgserver import pg_server_fixture  # noqa: F401`.
@pytest.fixture(scope="session", name="pg_server")
def pg_server_fixture() -> Iterator[PgServer]:
    """The test run's PostgreSQL server (one per run, however many modules use it)."""
    if find_bin_dir() is None:
        pytest.fail(HOW_TO_GET_IT)
    if not _SERVER:
        server = PgServer()
        try:
            server.start()
        except BaseException:
            server.stop()
            raise
        _SERVER.append(server)
    try:
        yield _SERVER[0]
    finally:
        # Every module importing the fixture tears down at the session's end; the
        # first to do so stops the server, the rest find it stopped.
        while _SERVER:
            _SERVER.pop().stop()


@pytest.fixture(scope="session", name="pg_url")
def pg_url_fixture(pg_server: PgServer) -> str:
    """The URL of an empty database on the test run's PostgreSQL server."""
    return pg_server.url


_DATABASES = [0]


def fresh_database(server: PgServer) -> str:
    """A new empty database on ``server`` for one test; drop it with :func:`drop_database`."""
    _DATABASES[0] += 1
    return server.create_database(f"t{os.getpid()}_{_DATABASES[0]}")


def drop_database(server: PgServer, url: str) -> None:
    """Close this process's pool for ``url`` and drop its database."""
    import psycopg

    from specbook.store.postgres import close_pools

    close_pools(url)
    name = url.rsplit("/", 1)[1]
    admin = f"postgresql://specbook@127.0.0.1:{server.port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
