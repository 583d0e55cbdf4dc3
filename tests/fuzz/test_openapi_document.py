"""The committed OpenAPI document (docs/openapi.yaml) is the one /api/schema/ serves, and it names the
kernel's refusals, the upload and the bearer scheme (socialapp/openapi.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

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


def operations() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    paths: dict[str, dict[str, Any]] = document["paths"]
    return {f"{method.upper()} {path}": spec for path, item in paths.items() for method, spec in item.items()}


def test_every_operation_with_a_body_documents_the_kernels_refusals() -> None:
    for name, operation in operations().items():
        if "requestBody" in operation:
            for status in ("400", "413", "415"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Errors"}, f"{name} {status}"


def test_the_upload_is_documented_with_its_parts_its_answers_and_the_bearer_scheme() -> None:
    document = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    upload = operations()["POST /api/media/images"]

    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        **document["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert upload["security"] == [{"bearerAuth": []}]
    parts = document["components"]["schemas"]["ImageUploadRequest"]
    assert parts["properties"]["file"] == {**parts["properties"]["file"], "type": "string", "format": "binary"}
    assert parts["required"] == ["file"]
    assert sorted(upload["responses"]) == ["201", "400", "401", "413", "415", "422", "429"]
    assert upload["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Media"}
    assert "Retry-After" in upload["responses"]["429"]["headers"]
