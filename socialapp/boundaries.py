"""The rule that keeps the apps carvable: an app imports another app only through its door.

`apps.<a>` may import `apps.<b>.contracts` (event payload types, DTOs, port interfaces) and
nothing else of `apps.<b>`: not its models, services, selectors or events. The test suite
runs `find_boundary_violations()` over the source tree.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ALLOWED_FOREIGN_MODULES = ("contracts",)


@dataclass(frozen=True)
class BoundaryViolation:
    path: Path
    line: int
    importer: str
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: apps.{self.importer} imports {self.imported}"


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from apps.feed import contracts` names the module in the alias.
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def _violates(importer: str, module: str) -> bool:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "apps" or parts[1] == importer:
        return False
    if len(parts) == 2:
        return True  # `import apps.feed` / `from apps import feed`: the whole room
    return parts[2] not in ALLOWED_FOREIGN_MODULES


def find_boundary_violations(apps_root: Path) -> list[BoundaryViolation]:
    violations: list[BoundaryViolation] = []
    for app_dir in sorted(p for p in apps_root.iterdir() if (p / "apps.py").exists()):
        for path in sorted(app_dir.rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for line, module in _imported_modules(tree):
                if _violates(app_dir.name, module):
                    violations.append(BoundaryViolation(path, line, app_dir.name, module))
    return violations
