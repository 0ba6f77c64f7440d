"""The shape DESIGN.md promises: a core free of SDKs and drivers, every module importable."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# APScheduler is allowed: DESIGN.md puts the scheduler in the core, behind bot/scheduling.py.
FORBIDDEN_IN_CORE = {
    "slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp", "sqlalchemy",
    "aiosqlite", "asyncpg", "alembic",
}
# The composition root and the command line wire the adapters in; nothing else may.
COMPOSITION_ROOT = {"bootstrap", "server", "cli"}


def core_modules() -> list[Path]:
    return sorted((ROOT / "bot").glob("*.py"))


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.stem)
def test_the_core_never_imports_a_platform_sdk_or_driver(path: Path) -> None:
    if path.stem in COMPOSITION_ROOT or path.stem.startswith("cli_"):
        return
    leaks = imported_packages(path) & FORBIDDEN_IN_CORE
    assert not leaks, f"bot/{path.name} imports {sorted(leaks)}; keep it in adapters/ or storage/"


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.stem)
def test_the_core_only_reaches_adapters_and_storage_from_the_composition_root(path: Path) -> None:
    if path.stem in COMPOSITION_ROOT or path.stem.startswith("cli_"):
        return
    assert not imported_packages(path) & {"adapters", "storage"}, f"bot/{path.name}"


def test_every_module_imports_cleanly() -> None:
    for package in ("bot", "adapters", "storage"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if info.name.startswith("storage.migrations"):
                continue  # Alembic scripts run inside Alembic's context only
            importlib.import_module(info.name)
