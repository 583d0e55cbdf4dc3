"""Test settings of live servers in the media tests: tests.settings, with the GraphQL multipart
view mounted (tests.media.urls) and the media limits settable from the environment.

Once socialapp serves GraphQL multipart itself (see the media report), ROOT_URLCONF here is
redundant but harmless.
"""

import os

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.media.urls"

if os.environ.get("MEDIA_MAX_UPLOAD_BYTES"):
    MEDIA_MAX_UPLOAD_BYTES = int(os.environ["MEDIA_MAX_UPLOAD_BYTES"])
if os.environ.get("MEDIA_INTERNAL_TOKEN"):
    MEDIA_INTERNAL_TOKEN = os.environ["MEDIA_INTERNAL_TOKEN"]
