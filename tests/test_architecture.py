"""Architecture rules the code must keep, as import-linter contracts in pyproject.toml: the kernel
imports no app, apps talk through their doors only, doors hold no adapters, and no package's
modules import each other in a circle (function-level imports included)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("auth", "users", "feed", "media", "notifications")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=root,
        env={**os.environ, "COLUMNS": "400"},  # one line per contract in the report
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def write_tree(root: Path, files: dict[str, str]) -> None:
    """A project with the five apps' packages (empty) plus `files`, under this project's contracts."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = "\n".join(_contract_toml(contract) for contract in config["contracts"])
    (root / "pyproject.toml").write_text(f'[tool.importlinter]\nroot_packages = ["socialapp", "apps"]\n{contracts}')
    packages = ["socialapp", "apps", *(f"apps/{app}" for app in APPS)]
    for package in packages:
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").touch()
    for name, text in files.items():
        (root / name).write_text(text)


def _contract_toml(contract: dict[str, object]) -> str:
    lines = ["[[tool.importlinter.contracts]]"]
    for key, value in contract.items():
        rendered = repr(value).replace("'", '"') if isinstance(value, list) else f'"{value}"'
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


def test_the_contracts_catch_each_kind_of_violation(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "apps/feed/models.py": "",
            "apps/feed/contracts.py": "import apps.feed.models\n",  # a door holding an adapter
            "apps/users/services.py": "from apps.feed.models import Post\n",  # through the wall
            "apps/users/events.py": "from apps.feed.contracts import PostCreated\n",  # through the door: fine
            "socialapp/urls.py": "import apps.media\n",  # the kernel reaching up
            "socialapp/one.py": "import socialapp.two\n",
            "socialapp/two.py": "def later():\n    import socialapp.one\n",  # a circle, however lazy
        },
    )

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    broken = {line.partition(" BROKEN")[0].strip() for line in result.stdout.splitlines() if " BROKEN" in line}
    assert broken == {
        "The kernel imports no app: apps contribute through their AppConfig (socialapp/service_app.py)",
        "A door holds interfaces: an app's contracts module imports nothing else of any app",
        "feed is a room with one door: other apps import only apps.feed.contracts",
        "media is a room with one door: other apps import only apps.media.contracts",
        "No import cycles between the modules of a package",
    }, result.stdout
