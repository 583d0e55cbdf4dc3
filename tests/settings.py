"""Test settings: the real components of the test machine (PostgreSQL, Redis), plus a
small test-only app (`tests.eventing_app`) that exercises the event framework end to end.

Every variable can still be overridden from the environment (CI sets nothing by default).
"""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socialapp")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("EVENTS_START_SWEEPER", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The test process imports the ASGI module; its collector stays as Python sets it.
os.environ.setdefault("GC_FREEZE_AFTER_STARTUP", "false")
# One RS256 key pair per test session, generated on first use and shared with child servers.
os.environ.setdefault("JWT_KEYS_DIR", os.path.join(tempfile.gettempdir(), f"socialapp-test-jwt-{os.getpid()}"))
os.environ.setdefault("JWT_GENERATE_KEYS", "true")
# Tests register many accounts from 127.0.0.1; the registration throttle has tests of its own.
os.environ.setdefault("REGISTRATIONS_PER_ADDRESS", "100000")

from socialapp.deployment import parse_services
from socialapp.settings import *  # noqa: F403
from socialapp.settings import DATABASE_APP_ALIASES, INSTALLED_APPS, SOCIALAPP_SERVICE_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.eventing_app"]
# The test app behaves as a sixth service whose tables live in the feed database.
SOCIALAPP_SERVICE_APPS = {**SOCIALAPP_SERVICE_APPS, "eventtests": "eventtests"}
SOCIALAPP_ENABLED_SERVICES = parse_services(os.environ.get("SOCIALAPP_SERVICES", "all"), list(SOCIALAPP_SERVICE_APPS))
DATABASE_APP_ALIASES = {**DATABASE_APP_ALIASES, "eventtests": "feed"}

# Several test sessions on one PostgreSQL server (e.g. two checkouts) must not drop each
# other's databases: TEST_DATABASE_SUFFIX gives this session test databases of its own.
if os.environ.get("TEST_DATABASE_SUFFIX"):
    for _config in DATABASES.values():
        if _config.get("TEST", {}).get("NAME"):
            _config["TEST"]["NAME"] += f"_{os.environ['TEST_DATABASE_SUFFIX']}"
