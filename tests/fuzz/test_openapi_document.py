"""The committed OpenAPI document (docs/openapi.yaml) is the one /api/schema/ serves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_openapi_document_is_up_to_date(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"
    # With the production settings: the test settings add test-only services and routes.
    subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--file", str(generated)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "socialapp.settings"},
        check=True,
        capture_output=True,
    )
    committed = (ROOT / "docs" / "openapi.yaml").read_text()
    assert committed == generated.read_text(), (
        "docs/openapi.yaml is stale: manage.py spectacular --file docs/openapi.yaml (production settings)"
    )
