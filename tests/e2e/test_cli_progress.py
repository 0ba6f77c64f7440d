"""Long work shows its progress on a terminal, and nothing at all when piped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ratebot(*args: str, db: Path, terminal: bool) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "RATEBOT_DATABASE_URL": f"sqlite:///{db}"}
    environ.pop("TTY_COMPATIBLE", None)
    if terminal:
        environ["TTY_COMPATIBLE"] = "1"  # rich then draws as on a terminal
    return subprocess.run([sys.executable, "-m", "app.cli.main", *args], env=environ,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_demo_and_export_show_progress_on_a_terminal_only(tmp_path: Path) -> None:
    shown = ratebot("demo", "--weeks", "1", db=tmp_path / "shown.db", terminal=True)
    assert shown.returncode == 0, shown.stderr
    assert "Simulating 1 week" in shown.stderr and "100%" in shown.stderr
    assert "Simulating" not in shown.stdout  # the stats and the summary stay clean

    quiet = ratebot("demo", "--weeks", "1", db=tmp_path / "quiet.db", terminal=False)
    assert quiet.returncode == 0 and quiet.stderr == ""

    exported = ratebot("export", "--out", str(tmp_path / "r.csv"), db=tmp_path / "quiet.db",
                       terminal=True)
    assert exported.returncode == 0 and "Exporting ratings" in exported.stderr
    piped = ratebot("export", db=tmp_path / "quiet.db", terminal=False)
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout.startswith("rated_at,")
