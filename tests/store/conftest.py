"""Real databases and a real browser for the store and report tests.

- `postgres_server`: a throwaway PostgreSQL cluster for the whole test run (initdb + pg_ctl
  in a temporary folder, TCP on 127.0.0.1 at a free port, no Unix socket). PostgreSQL
  refuses to run as root, so as root the cluster runs as the `postgres` system user that
  Debian's package creates.
- `db_url`: every store test runs twice, on a SQLite file (given as a plain path) and on a
  new database of that server.
- `browser`: headless Chromium through Selenium and Debian's chromedriver.

scripts/setup_system.sh installs what these need. Without it they are skipped, except in
CI (`CI` set), where a missing binary is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"


def _missing(what: str):
    message = f"{what} not found: run scripts/setup_system.sh"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _pg_bindir():
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a superuser connection to a fresh local PostgreSQL server."""
    pytest.importorskip("psycopg")
    bindir = _pg_bindir()
    if bindir is None:
        _missing("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    base = Path(tempfile.mkdtemp(prefix="relief-pg-"))
    prefix = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = base / "data", base / "server.log"
    port = _free_port()

    def run(*args):
        return subprocess.run([*prefix, *map(str, args)], check=True, capture_output=True, text=True)

    try:
        # -N and -F: no fsync; the tests kill processes, not the machine
        run(bindir / "initdb", "-D", data, "-U", "relief", "--auth=trust", "-E", "UTF8", "--locale=C", "-N")
        run(
            bindir / "pg_ctl",
            "-D",
            data,
            "-l",
            log,
            "-w",
            "-t",
            "60",
            "-o",
            f"-h 127.0.0.1 -p {port} -k '' -F",
            "start",
        )
    except subprocess.CalledProcessError as err:
        detail = err.stderr + (log.read_text() if log.exists() else "")
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"cannot start PostgreSQL: {detail}")
    try:
        yield f"postgresql://relief@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def new_postgres_database(server_url: str) -> str:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "records.sqlite")
    return new_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture(scope="session")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        _missing("chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,2400",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
