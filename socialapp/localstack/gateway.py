"""The local gateway's nginx configuration, generated from the Istio VirtualService.

Istio tries a VirtualService's routes in order and takes the first match; nginx takes an
exact location first, then the longest prefix. The two agree once every match that an
earlier route already catches is left out (it never matters in Istio), which this does, so
the generated gateway routes every path as the mesh would.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
from dataclasses import dataclass
from pathlib import Path

from socialapp.localstack.manifests import ROOT, Route

TEMPLATE = ROOT / "deploy" / "local" / "nginx.conf.template"
MIME_TYPES = Path("/etc/nginx/mime.types")
# Istio's "0s" turns a route's timeout off; nginx has none to turn off, so a day stands for it.
NO_TIMEOUT = "86400s"


@dataclass(frozen=True)
class Location:
    """One nginx location: the match and the route that owns it."""

    modifier: str  # "=" exact, "^~" prefix (no regex location can override it)
    path: str
    route: Route


def effective_locations(routes: list[Route]) -> list[Location]:
    """Every match that can win in Istio's first-match order, as nginx locations."""
    locations: list[Location] = []
    exact_taken: set[str] = set()
    prefixes_taken: list[str] = []
    for route in routes:
        for path in route.exact:
            if path in exact_taken or any(path.startswith(prefix) for prefix in prefixes_taken):
                continue  # an earlier route catches it first
            exact_taken.add(path)
            locations.append(Location("=", path, route))
        for prefix in route.prefixes:
            if any(prefix.startswith(earlier) for earlier in prefixes_taken):
                continue
            locations.append(Location("^~", prefix, route))
        prefixes_taken.extend(route.prefixes)
    return locations


def _nginx_string(value: str) -> str:
    """A quoted nginx string (single quotes; backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _timeout(route: Route) -> list[str]:
    if route.timeout is None:
        return []
    seconds = NO_TIMEOUT if re.fullmatch(r"0+(\.0+)?s", route.timeout) else route.timeout
    return [f"proxy_read_timeout {seconds};", f"proxy_send_timeout {seconds};"]


def _location_body(location: Location, upstreams: dict[str, int], static_roots: dict[str, Path]) -> list[str]:
    route = location.route
    if route.direct_status is not None:
        lines = []
        content_type = "text/plain"
        for name, value in route.response_headers.items():
            if name.lower() == "content-type":
                content_type = value
            else:
                lines.append(f"add_header {name} {_nginx_string(value)} always;")
        return [
            f"default_type {_nginx_string(content_type)};",
            *lines,
            f"return {route.direct_status} {_nginx_string(route.direct_body)};",
        ]
    host = route.destination or ""
    if host in static_roots:
        # A single-page application: a path that is no file gets index.html (client-side routes).
        return [f"root {static_roots[host]};", "try_files $uri $uri/ @spa_index;"]
    if host not in upstreams:
        raise ValueError(f"route {route.name!r} goes to {host!r}, which the stack does not run")
    return [f"proxy_pass http://{host};", *_timeout(route)]


def render(
    routes: list[Route],
    *,
    port: int,
    stack_dir: Path,
    upstreams: dict[str, int],
    static_roots: dict[str, Path],
) -> str:
    """The nginx.conf of a gateway on 127.0.0.1:`port` in front of `upstreams` (service -> local port)."""
    blocks = []
    for location in effective_locations(routes):
        body = "\n".join(f"            {line}" for line in _location_body(location, upstreams, static_roots))
        head = f"        # route {location.route.name}\n        location {location.modifier} {location.path} {{"
        blocks.append(f"{head}\n{body}\n        }}")
    if not any(loc.modifier == "^~" and loc.path == "/" for loc in effective_locations(routes)):
        # No route matched: Envoy answers 404 with an empty body.
        blocks.append("        location / {\n            return 404;\n        }")
    for host, root in static_roots.items():
        blocks.append(
            f"        # the SPA fallback of {host}\n        location @spa_index {{\n"
            f"            root {root};\n            try_files /index.html =404;\n        }}"
        )
    upstream_blocks = "\n".join(
        f"    upstream {host} {{\n        server 127.0.0.1:{local_port};\n        keepalive 16;\n    }}"
        for host, local_port in sorted(upstreams.items())
    )
    # nginx run by root drops its workers to `nobody`, who could not write the stack's temp dirs.
    user_line = ""
    if os.geteuid() == 0:
        user_line = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
    replacements = {
        "@GENERATED_NOTE@": "routes: " + json.dumps([route.name for route in routes]),
        "@USER_LINE@": user_line,
        "@STACK_DIR@": str(stack_dir),
        "@MIME_TYPES@": str(MIME_TYPES),
        "@PORT@": str(port),
        "@UPSTREAMS@": upstream_blocks,
        "@LOCATIONS@": "\n\n".join(blocks),
    }
    text = TEMPLATE.read_text()
    for marker, value in replacements.items():
        text = text.replace(marker, value)
    return text


def prepare_dirs(stack_dir: Path) -> None:
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (stack_dir / "temp" / name).mkdir(parents=True, exist_ok=True)
