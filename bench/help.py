"""`ratebot --help` wall time, against starting the same interpreter with `python -c pass`.

Both run as fresh processes, as a person at a shell runs them; the best of `rounds`
counts, taking turns, so both get the same share of whatever else the machine does.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

# What the `ratebot` console script runs, for an environment where it is not installed.
_ENTRY = "import sys; from app.cli.main import main; sys.argv[0] = 'ratebot'; sys.exit(main())"


def ratebot_command() -> list[str]:
    """The installed `ratebot` script beside this interpreter, else its entry point."""
    script = Path(sys.executable).parent / "ratebot"
    if script.is_file():
        return [sys.executable, str(script), "--help"]
    return [sys.executable, "-c", _ENTRY, "--help"]


def wall_time(command: list[str]) -> float:
    """Seconds from starting `command` until it exited; a failure is an error, not a figure."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


async def run(rounds: int = 7) -> dict[str, float]:
    bare_command = [sys.executable, "-c", "pass"]
    command = ratebot_command()
    wall_time(command)  # the first start compiles bytecode no later start pays for
    bare = help_s = float("inf")
    for _ in range(rounds):
        bare = min(bare, wall_time(bare_command))
        help_s = min(help_s, wall_time(command))
    return {"python_s": bare, "help_s": help_s, "ratio": help_s / bare}
