"""Test-only fault points: the relay or a consumer SIGKILLs itself at one exact place, so the
fault drills (tests/drills/) reach windows that a kill from outside hits only by luck.

    EVENTS_RELAY_FAULT_AFTER_SEND=kill        the broker confirmed a batch, its rows not yet deleted
    EVENTS_CONSUMER_FAULT_AFTER_COMMIT=kill   a batch's handlers committed, its offsets not yet stored

`kill:N` kills the N-th time the point is reached instead of the first. The variables are read
once, when a relay or consumer is built; unset (always, outside drills) a point costs one
attribute test.
"""

from __future__ import annotations

import logging
import os
import signal

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

RELAY_AFTER_SEND = "EVENTS_RELAY_FAULT_AFTER_SEND"
CONSUMER_AFTER_COMMIT = "EVENTS_CONSUMER_FAULT_AFTER_COMMIT"


class FaultPoint:
    def __init__(self, variable: str) -> None:
        self.variable = variable
        self.remaining = _times(variable, os.environ.get(variable, ""))

    @property
    def armed(self) -> bool:
        return self.remaining > 0

    def reached(self) -> None:
        """Kill this process here once the point was reached as often as configured."""
        if self.remaining <= 0:
            return
        self.remaining -= 1
        if self.remaining == 0:
            logger.warning("fault point reached: killing this process", extra={"fault": self.variable})
            for handler in logging.getLogger().handlers:  # the line above is all a drill sees of it
                handler.flush()
            os.kill(os.getpid(), signal.SIGKILL)


def _times(variable: str, value: str) -> int:
    """0 for unset, N for `kill:N`, 1 for `kill`; anything else is a configuration error."""
    if not value:
        return 0
    action, _, count = value.partition(":")
    if action != "kill" or (count and not count.isdigit()) or count == "0":
        raise ImproperlyConfigured(f"{variable}={value!r}: expected 'kill' or 'kill:N' (N >= 1)")
    return int(count or 1)
