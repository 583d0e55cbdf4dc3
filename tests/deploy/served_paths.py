"""Print, as JSON, the paths one service serves when run alone: `python -m tests.deploy.served_paths
<service> [candidate path ...]`, with SOCIALAPP_SERVICES set to that service (the test runs it in a
subprocess, since the URL map is built once per process from the enabled services).

Output: {"http": [{"pattern", "sample", "name"}], "websocket": [...], "resolves": {candidate: bool}}.
`sample` is one concrete path the pattern takes (its converters and regex parts filled in), so a
test can ask which gateway route it would take.
"""

from __future__ import annotations

import json
import os
import re
import sys
from re import _parser as regex_parser
from typing import Any

SAMPLES = {"int": "1", "uuid": "00000000-0000-4000-8000-000000000001", "slug": "x", "str": "x", "path": "x/y"}


def sample_of_route(route: str) -> str:
    """`api/<int:pk>/` -> `api/1/`."""
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "x"), route)


def sample_of_regex(pattern: str) -> str:
    """A string the regex matches (enough of one for URL patterns: literals, groups, classes, repeats)."""

    def generate(parsed: Any) -> str:
        out = []
        for op, value in parsed:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(value))
            elif name == "SUBPATTERN":
                out.append(generate(value[-1]))
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                low, _high, item = value
                out.append(generate(item) * max(low, 1))
            elif name == "IN":
                out.append(char_in(value))
            elif name == "ANY":
                out.append("x")
            elif name == "BRANCH":
                out.append(generate(value[1][0]))
            # AT (anchors) and the rest add nothing
        return "".join(out)

    def char_in(items: Any) -> str:
        negate = any(str(op) == "NEGATE" for op, _ in items)
        if negate:
            return "x"
        op, value = items[0]
        if str(op) == "LITERAL":
            return chr(value)
        if str(op) == "RANGE":
            return chr(value[0])
        return "x"  # a category such as \w

    return generate(regex_parser.parse(pattern))


def walk(patterns: Any, prefix: str = "") -> list[dict[str, str]]:
    from django.urls import URLResolver  # noqa: PLC0415
    from django.urls.resolvers import RegexPattern, RoutePattern  # noqa: PLC0415

    found: list[dict[str, str]] = []
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            route = str(getattr(pattern, "_route"))  # noqa: B009 (private to Django, untyped)
            text, sample = route, sample_of_route(route)
        elif isinstance(pattern, RegexPattern):
            regex = str(pattern.regex.pattern)
            text, sample = regex, sample_of_regex(regex)
        else:  # LocalePrefixPattern and the like: not used here
            text, sample = str(pattern), str(pattern)
        if isinstance(entry, URLResolver):
            found.extend(walk(entry.url_patterns, prefix + sample))
        else:
            found.append({"pattern": text, "sample": "/" + prefix + sample, "name": str(entry.name or "")})
    return found


def main() -> None:
    service, candidates = sys.argv[1], sys.argv[2:]
    os.environ["SOCIALAPP_SERVICES"] = service
    # The internal port routes exist only with a token: show them, as a deployment has one.
    os.environ.setdefault("INTERNAL_TOKEN", "served-paths-listing")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialapp.settings")
    import django  # noqa: PLC0415

    django.setup()
    from django.urls import Resolver404, get_resolver, resolve  # noqa: PLC0415

    from socialapp.routing import websocket_urlpatterns  # noqa: PLC0415

    resolves = {}
    for candidate in candidates:
        try:
            match = resolve(candidate)
            resolves[candidate] = match.url_name != "web-client"
        except Resolver404:
            resolves[candidate] = False
    websocket = [p for p in walk(websocket_urlpatterns()) if p["sample"] != "/"]  # "" = the refusal
    listing = {"http": walk(get_resolver().url_patterns), "websocket": websocket, "resolves": resolves}
    sys.stdout.write(json.dumps(listing) + "\n")


if __name__ == "__main__":
    main()
