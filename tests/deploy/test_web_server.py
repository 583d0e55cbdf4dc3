"""The web client's server block (deploy/k8s/base/web/default.conf, copied into the `socialapp-web`
image), run by Debian's nginx over a stand-in build: the probes' /healthz, the application shell
for client-side routes, hashed bundles cached for good, a missing bundle a 404 (not the shell)."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVER_BLOCK = REPO / "deploy" / "k8s" / "base" / "web" / "default.conf"
SHELL = b"<!doctype html><div id=app></div>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def web_server() -> Iterator[str]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("Debian's nginx is not installed (apt-get install nginx)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="web-server-") as directory:
        # nginx started as root serves from workers running as `nobody`: they must read the files.
        Path(directory).chmod(0o755)
        root = Path(directory) / "html"
        (root / "assets").mkdir(parents=True)
        (root / "index.html").write_bytes(SHELL)
        (root / "assets" / "index-1a2b.js").write_text("console.log(1)")
        block = SERVER_BLOCK.read_text()
        assert "listen 8080;" in block
        assert "root /usr/share/nginx/html;" in block
        block = block.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace(
            "root /usr/share/nginx/html;", f"root {root};"
        )
        temp = "".join(
            f"{kind}_temp_path {directory}/{kind}; " for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        conf = (
            f"worker_processes 1; pid {directory}/nginx.pid; error_log stderr warn;\n"
            "events { worker_connections 64; }\n"
            f"http {{ access_log off; {temp}\ntypes {{ text/html html; application/javascript js; }}\n{block}\n}}\n"
        )
        (Path(directory) / "nginx.conf").write_text(conf)
        process = subprocess.Popen(
            [nginx, "-p", directory, "-c", f"{directory}/nginx.conf", "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            while True:  # nginx either listens or exits
                if process.poll() is not None:
                    assert process.stderr is not None
                    pytest.fail(f"nginx exited: {process.stderr.read().decode()}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_healthz_answers_the_probes(web_server: str) -> None:
    status, headers, body = get(web_server + "/healthz")

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert body == b'{"status": "ok"}'


@pytest.mark.parametrize("path", ["/", "/u/alice", "/settings/profile", "/posts/0b7e"])
def test_client_side_routes_load_the_application_shell_uncached(web_server: str, path: str) -> None:
    status, headers, body = get(web_server + path)

    assert status == 200
    assert body == SHELL
    assert headers["Cache-Control"] == "no-cache", "a new release is picked up at once"


def test_hashed_bundles_are_cached_for_good_and_a_missing_one_is_a_404(web_server: str) -> None:
    status, headers, _ = get(web_server + "/assets/index-1a2b.js")
    missing, _, body = get(web_server + "/assets/index-gone.js")

    assert status == 200
    assert re.search(r"max-age=31536000.*immutable", headers["Cache-Control"])
    assert missing == 404, "an old bundle must not be answered with the HTML shell"
    assert body != SHELL
