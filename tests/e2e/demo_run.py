"""`ratebot demo` as the e2e tests run it, and the one seeded run several of them read."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from app.cli.main import app


def run_demo(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["demo", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@dataclass(frozen=True)
class DemoRun:
    """What `ratebot demo --database <database> --seed 3` wrote and said; read it only."""

    database: Path
    configured: Path  # RATEBOT_DATABASE_URL's file, which the demo must not touch
    code: int
    out: str
    err: str
    seconds: float


def seeded_run(folder: Path) -> DemoRun:
    configured, database = folder / "configured.db", folder / "demo.db"
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{configured}", "COLUMNS": "220"}
    started = time.perf_counter()
    code, out, err = run_demo(env, "--database", str(database), "--seed", "3")
    return DemoRun(database, configured, code, out, err, time.perf_counter() - started)
