"""Settings for a live server whose fan-out threshold a test chooses (FEED_FANOUT_MAX_FOLLOWERS in
the environment); everything else is tests.settings."""

import os

from tests.settings import *  # noqa: F403

FEED_FANOUT_MAX_FOLLOWERS = int(os.environ.get("FEED_FANOUT_MAX_FOLLOWERS", "10000"))
