"""A local doccano server for annotators and tests, bound to 127.0.0.1 only.

doccano 1.8.4 lives in its own virtual environment (it needs Python ≤ 3.11, numpy < 2 and
dependencies that would clash with spaCy's), created once under a cache directory and
reused. Its web app is served by gunicorn from that venv on 127.0.0.1:PORT — not by
`doccano webserver`, which binds 0.0.0.0 — and `doccano task` runs the celery worker that
doccano's own file upload and export need. Each process leads its own process group, so
`stop` ends exactly what `start_server` started, by PID.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

from .errors import DoccanoServerError
from .settings import DEFAULT_PASSWORD, DEFAULT_USER, ENV_PASSWORD, DoccanoSettings

DOCCANO_VERSION = "1.8.4"
ENV_CACHE = "RELIEF_NER_DOCCANO_CACHE"
ENV_PYTHON = "RELIEF_NER_DOCCANO_PYTHON"
# Versions resolved and tested together with doccano 1.8.4; without pins a new release of
# one of its ~110 dependencies (Django REST framework, celery, …) could break the server.
CONSTRAINTS = Path(__file__).with_name("doccano-constraints.txt")
MARKER = "relief_ner-install.json"
STATE = "server.json"


def default_venv_dir() -> Path:
    base = os.environ.get(ENV_CACHE)
    if base:
        return Path(base).expanduser() / "doccano-venv"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "relief_ner" / "doccano-venv"


# -- the venv ---------------------------------------------------------------------------


def ensure_venv(venv_dir: Optional[Path] = None, python: Optional[str] = None, log: Optional[Path] = None) -> Path:
    """Install doccano into `venv_dir` unless a complete install of the same pinned set is
    already there; returns the venv path. Safe to call from parallel processes."""
    venv = Path(venv_dir or default_venv_dir()).expanduser().resolve()
    venv.parent.mkdir(parents=True, exist_ok=True)
    expected = {"doccano": DOCCANO_VERSION, "constraints": _constraints_sha()}
    with _locked(venv.with_name(venv.name + ".lock")):
        if _read_json(venv / MARKER) == expected and _usable(venv):
            return venv
        # No marker means a broken or older install: venvs cannot be repaired or moved
        # reliably, so start over -- but only ever delete something that is a venv.
        if venv.exists():
            if not (venv / "pyvenv.cfg").exists() and any(venv.iterdir()):
                raise DoccanoServerError(
                    f"{venv} exists and is not a virtual environment; choose another directory for doccano's venv"
                )
            shutil.rmtree(venv)
        log = log or venv.with_name(venv.name + "-install.log")
        interpreter = _find_python(python)
        with log.open("w") as out:
            _run([interpreter, "-m", "venv", str(venv)], out, "create the doccano venv", log)
            _run(
                [
                    str(venv / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--no-input",
                    "--disable-pip-version-check",
                    f"doccano=={DOCCANO_VERSION}",
                    "numpy<2",
                    "-c",
                    str(CONSTRAINTS),
                ],
                out,
                "install doccano",
                log,
            )
        (venv / MARKER).write_text(json.dumps(expected))
    return venv


def _usable(venv: Path) -> bool:
    # A cached venv outlives the interpreter it was made from (a machine handed over with
    # its cache, a pyenv upgrade); a quick import tells whether it still runs.
    try:
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import backend, gunicorn"],
            capture_output=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _find_python(explicit: Optional[str]) -> str:
    candidates: List[str] = [c for c in (explicit, os.environ.get(ENV_PYTHON)) if c]
    candidates += [sys.executable, "python3.11", "python3.10", "python3.9"]
    for cand in candidates:
        path = shutil.which(cand) or (cand if Path(cand).exists() else None)
        if not path:
            continue
        try:
            out = subprocess.run(
                [path, "-c", "import sys; print(*sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        major, minor = map(int, out.stdout.split())
        if (major, minor) >= (3, 8) and (major, minor) <= (3, 11):
            return path
    raise DoccanoServerError(
        f"doccano 1.8.4 needs Python 3.8–3.11 and none was found; install python3.11 or point {ENV_PYTHON} at one"
    )


def _constraints_sha() -> str:
    return hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(
    cmd: Sequence[str], out, what: str, log: Path, env: Optional[Dict[str, str]] = None, timeout: float = 1800
) -> None:
    out.write(f"$ {' '.join(cmd)}\n")
    out.flush()
    try:
        subprocess.run(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, timeout=timeout, check=True
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise DoccanoServerError(f"could not {what} ({err}); see {log}:\n{_tail(log)}") from None


CREDENTIALS = "credentials.json"
_PASSWORD_VAR = "RELIEF_NER_DOCCANO_NEW_PASSWORD"
# Creates or updates the superuser from the environment (not argv, which `ps` shows).
_SET_USER = f"""
import os, sys
sys.path.insert(0, sys.argv[1])
import django
django.setup()
from django.contrib.auth import get_user_model
name = os.environ["RELIEF_NER_DOCCANO_NEW_USER"]
user, created = get_user_model().objects.get_or_create(username=name, defaults={{"email": "admin@localhost"}})
user.is_staff = user.is_superuser = True
user.set_password(os.environ.pop("{_PASSWORD_VAR}"))
user.save()
print(("created" if created else "updated") + " doccano user " + name)
"""


def _owner_only(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.chmod(0o700 if path.is_dir() else 0o600)


def _private_open(path: Path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)  # also an existing log from an older version
    return os.fdopen(fd, "a")


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    tmp.replace(path)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- the server -------------------------------------------------------------------------


@dataclass
class ServerHandle:
    url: str
    port: int
    workdir: Path
    web_pid: int
    task_pid: Optional[int]
    username: str = DEFAULT_USER
    password: str = field(default=DEFAULT_PASSWORD, repr=False)
    _procs: List[subprocess.Popen] = field(default_factory=list, repr=False, compare=False)
    generated_password: bool = False

    def settings(self) -> DoccanoSettings:
        return DoccanoSettings(self.url, self.username, self.password)

    def stop(self, timeout: float = 20.0) -> None:
        """End the web server and the worker (and their children), by PID."""
        pids = [p for p in (self.task_pid, self.web_pid) if p]
        for pid in pids:
            _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for pid in pids:
            if not _wait_gone(pid, deadline, self._procs):
                _signal_group(pid, signal.SIGKILL)
                _wait_gone(pid, time.monotonic() + 5, self._procs)
        with contextlib.suppress(OSError):
            (self.workdir / STATE).unlink()

    def __enter__(self) -> "ServerHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_server(
    workdir: os.PathLike,
    port: Optional[int] = None,
    *,
    username: str = DEFAULT_USER,
    password: Optional[str] = None,
    venv_dir: Optional[Path] = None,
    python: Optional[str] = None,
    worker: bool = True,
    timeout: float = 180.0,
) -> ServerHandle:
    """Install (if needed), initialise and start doccano on 127.0.0.1:`port` (a free port
    if None), with its database and media under `workdir`. Returns once the API answers.

    The password is `password`, else `$RELIEF_NER_DOCCANO_PASSWORD`, else the one stored in
    `WORKDIR/credentials.json` by an earlier start, else a new random one
    (`handle.generated_password` is then True: show it once). It is set only when the user
    is new or the password changed, never passed on a command line (it would show in
    `ps`) and never logged; the workdir, its database (which holds the user's API token),
    logs and credentials are readable by their owner only."""
    workdir = Path(workdir).expanduser().resolve()
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    _owner_only(workdir, logs)
    state = _read_json(workdir / STATE)
    if state and any(_is_doccano(p) for p in (state.get("web_pid"), state.get("task_pid"))):
        raise DoccanoServerError(
            f"a doccano server started from {workdir} is still running at {state.get('url')}; stop it first"
        )
    stored = _read_json(workdir / CREDENTIALS) or {}
    generated = False
    if not password:
        password = os.environ.get(ENV_PASSWORD) or (
            stored.get("password") if stored.get("username") == username else None
        )
    if not password:
        password, generated = secrets.token_urlsafe(12), True
    venv = ensure_venv(venv_dir, python)
    env = _server_env(venv, workdir)
    with _private_open(logs / "init.log") as out:
        # `init` migrates the database and creates the roles; it is idempotent but slow,
        # so it runs once per workdir.
        if not (workdir / "db.sqlite3").exists() or not (workdir / ".initialised").exists():
            _run(
                [str(venv / "bin" / "doccano"), "init"],
                out,
                "initialise doccano",
                logs / "init.log",
                env=env,
                timeout=600,
            )
            (workdir / ".initialised").touch()
        if stored.get("username") != username or stored.get("password") != password:
            _run(
                [str(venv / "bin" / "python"), "-c", _SET_USER, str(_backend_dir(venv))],
                out,
                "create the doccano user",
                logs / "init.log",
                env={**env, "RELIEF_NER_DOCCANO_NEW_USER": username, _PASSWORD_VAR: password},
                timeout=300,
            )
            _write_private(workdir / CREDENTIALS, json.dumps({"username": username, "password": password}))
    _owner_only(workdir / "db.sqlite3")
    port = port or free_port()
    if _port_taken(port):
        raise DoccanoServerError(f"port {port} on 127.0.0.1 is already in use")
    backend = _backend_dir(venv)
    procs: List[subprocess.Popen] = []
    try:
        procs.append(
            _spawn(
                [
                    str(venv / "bin" / "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--worker-class",
                    "gthread",
                    "--timeout",
                    "300",
                    "--chdir",
                    str(backend),
                    "--pythonpath",
                    str(backend),
                    "config.wsgi",
                ],
                env,
                logs / "web.log",
            )
        )
        if worker:
            # One worker process: uploads/exports are rare and SQLite takes one writer.
            procs.append(_spawn([str(venv / "bin" / "doccano"), "task", "--concurrency", "1"], env, logs / "task.log"))
        handle = ServerHandle(
            f"http://127.0.0.1:{port}",
            port,
            workdir,
            procs[0].pid,
            procs[1].pid if worker else None,
            username,
            password,
            procs,
            generated_password=generated,
        )
        (workdir / STATE).write_text(
            json.dumps(
                {
                    "url": handle.url,
                    "port": port,
                    "web_pid": handle.web_pid,
                    "task_pid": handle.task_pid,
                    "username": username,
                }
            )
        )
        _wait_ready(handle, procs, logs, timeout)
    except BaseException:
        for proc in procs:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
        with contextlib.suppress(OSError):
            (workdir / STATE).unlink()
        raise
    return handle


def stop_server(workdir: os.PathLike) -> bool:
    """Stop the server that `start_server` started from `workdir` in another process,
    using the PIDs it recorded. Returns False if none was running."""
    workdir = Path(workdir).expanduser().resolve()
    state = _read_json(workdir / STATE)
    if not state:
        return False
    # The PIDs may be stale (a reboot, a crash) and reused by unrelated processes: only
    # signal the ones that still run doccano's programs.
    web, task = (p if _is_doccano(p) else None for p in (state.get("web_pid"), state.get("task_pid")))
    ServerHandle(state["url"], state["port"], workdir, web or 0, task).stop()
    return bool(web or task)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _server_env(venv: Path, workdir: Path) -> Dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    secret = workdir / "secret_key"
    if not secret.exists():
        # doccano ships a fixed default SECRET_KEY; a per-workdir one keeps sessions and
        # tokens from being forgeable by anyone who read doccano's source.
        secret.write_text(secrets.token_urlsafe(48))
        secret.chmod(0o600)
    env.update(
        {
            # What `doccano`'s CLI sets before importing Django; gunicorn needs it too.
            "DOCCANO_HOME": str(workdir),
            "STANDALONE": "True",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "SECRET_KEY": secret.read_text().strip(),
            "DEBUG": "False",
            "PYTHONUNBUFFERED": "1",
            "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def _backend_dir(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3.*/site-packages/backend/config/wsgi.py"))
    if not found:
        raise DoccanoServerError(f"doccano's backend is missing from {venv}; delete that directory to reinstall")
    return found[0].parent.parent


def _spawn(cmd: Sequence[str], env: Dict[str, str], log: Path) -> subprocess.Popen:
    out = _private_open(log)
    try:
        # A new session makes the PID a process-group id, so stop() reaches gunicorn's and
        # celery's own children through that one PID.
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
    finally:
        out.close()


def _wait_ready(handle: ServerHandle, procs: List[subprocess.Popen], logs: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc, name in zip(procs, ("web", "task")):
            if proc.poll() is not None:
                log = logs / f"{name}.log"
                raise DoccanoServerError(
                    f"doccano's {name} process exited with code {proc.returncode}; see {log}:\n{_tail(log)}"
                )
        try:
            with urllib.request.urlopen(f"{handle.url}/v1/me", timeout=5):
                return
        except urllib.error.HTTPError as err:
            if err.code in (401, 403):  # the API is up and wants a login
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise DoccanoServerError(
        f"doccano did not answer at {handle.url} within {timeout:g} s; "
        f"see {logs / 'web.log'}:\n{_tail(logs / 'web.log')}"
    )


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _alive(pid: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_doccano(pid: Optional[int]) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except (OSError, TypeError):
        return False
    return b"gunicorn" in cmdline or b"doccano" in cmdline


def _wait_gone(pid: int, deadline: float, procs: List[subprocess.Popen]) -> bool:
    own = next((p for p in procs if p.pid == pid), None)
    while time.monotonic() < deadline:
        if own is not None:
            if own.poll() is not None:
                return True
        elif not _alive(pid):
            return True
        time.sleep(0.2)
    return False


def _read_json(path: Path) -> Optional[Dict]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
