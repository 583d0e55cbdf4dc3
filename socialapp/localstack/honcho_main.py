"""`honcho` with the stack's grace period: honcho SIGKILLs what is still running 5 s after its
SIGTERM; Kubernetes waits each pod's terminationGracePeriodSeconds. This runs honcho's own
command line with the longest grace period of the manifests (HONCHO_KILL_WAIT), so a relay or
consumer finishing its batch on SIGTERM gets the time it gets in the cluster."""

from __future__ import annotations

import os

import honcho.manager  # type: ignore[import-untyped]
from honcho.command import main  # type: ignore[import-untyped]

if __name__ == "__main__":
    honcho.manager.KILL_WAIT = int(os.environ.get("HONCHO_KILL_WAIT", "60"))
    main()
