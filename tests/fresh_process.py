"""Running a snippet of Python in a fresh process with exactly the environment given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def probe_fresh_process(code: str, tmp_path: Path, **env: str) -> dict[str, Any]:
    """Run `code` in a new interpreter with the real settings module, DATA_DIR=tmp_path, PATH
    and `env` (nothing else of this process's environment), and return the JSON object it
    prints last. A failing snippet fails the calling test with its stderr."""
    clean_env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "socialapp.settings", "DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean_env, **env}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    printed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return printed
