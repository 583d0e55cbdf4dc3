"""Architecture rules the code must keep: apps talk through their doors only."""

from __future__ import annotations

from pathlib import Path

from socialapp.boundaries import find_boundary_violations

ROOT = Path(__file__).resolve().parents[1]


def test_no_app_imports_another_apps_internals() -> None:
    violations = find_boundary_violations(ROOT / "apps")
    assert not violations, "\n".join(map(str, violations))


def make_app(root: Path, name: str, files: dict[str, str]) -> None:
    app = root / name
    app.mkdir(parents=True)
    (app / "apps.py").write_text("")
    for filename, text in files.items():
        (app / filename).write_text(text)


def test_the_rule_catches_imports_of_models_services_and_whole_apps(tmp_path: Path) -> None:
    make_app(
        tmp_path,
        "feed",
        {
            "services.py": "from apps.users.models import Profile\n"
            "import apps.users.selectors\n"
            "from apps import media\n"
            "from apps.users.contracts import UserFollowed\n"
            "from apps.media import contracts\n"
            "from apps.feed.models import Post\n",
        },
    )
    make_app(tmp_path, "users", {"models.py": ""})

    violations = find_boundary_violations(tmp_path)

    assert [(v.line, v.imported) for v in violations] == [
        (1, "apps.users.models.Profile"),
        (2, "apps.users.selectors"),
        (3, "apps.media"),
    ]
