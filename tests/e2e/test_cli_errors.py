"""The `ratebot` command as a shell user meets it: start-up, help, exit codes, one-line errors."""

from __future__ import annotations

import importlib.util
import inspect
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import HELPDESK_SUMMARIES, app, helpdesk_command
from app.cli.onboarding import SLACK_MANIFEST_SUMMARY
from storage.engine import DriverMissing, create_engine

ROOT = Path(__file__).resolve().parents[2]


def ratebot(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args], env=environ, cwd=cwd,
        capture_output=True, text=True, timeout=60, input=stdin,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# --------------------------------------------------------------------------- start-up


def test_help_loads_no_platform_sdk_database_or_web_stack() -> None:
    """`ratebot --help` took 1.9 s: the heavy packages load when a command needs them."""
    probe = (
        "import sys, app.cli.main\n"
        "heavy = ('slack_bolt', 'slack_sdk', 'botbuilder', 'sqlalchemy', 'alembic',\n"
        "         'aiohttp', 'matplotlib', 'asyncpg', 'pydantic', 'prometheus_client')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]", done.stderr


def test_version_and_short_help() -> None:
    version = ratebot("--version")
    assert version.returncode == 0 and version.stdout.startswith("ratebot ")
    short = ratebot("-h")
    assert short.returncode == 0 and "Usage:" in short.stdout and "-h" in short.stdout
    assert "--install-completion" in short.stdout


def test_help_shows_no_type_beside_flags_and_keeps_sentences_whole() -> None:
    forget = ratebot("forget", "--help")
    assert forget.returncode == 0 and "<bool>" not in forget.stdout
    assert "--yes" in forget.stdout
    replay = ratebot("webhook-test", "--help", env={"COLUMNS": "200"})
    assert replay.returncode == 0 and "<bool>" not in replay.stdout
    assert "Nothing is written to the real database: the request goes to an in-process " \
        "server on a temporary copy" in replay.stdout


def test_the_stand_ins_summarise_their_commands_as_the_commands_do() -> None:
    for name, summary in HELPDESK_SUMMARIES.items():
        command = helpdesk_command(name)
        assert (command.help or "").split("\n\n")[0].replace("\n", " ") == summary
    from adapters.slack.manifest import slack_manifest

    assert inspect.getdoc(slack_manifest) == SLACK_MANIFEST_SUMMARY


def test_the_stand_ins_run_the_real_commands(tmp_path: Path) -> None:
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
    runner = CliRunner()
    maps = runner.invoke(app, ["teams", "maps"], env=env)
    assert maps.exit_code == 0 and "Unmapped groups are refused" in maps.stdout
    manifest = runner.invoke(app, ["slack-manifest", "--socket-mode"])
    assert manifest.exit_code == 0 and "socket_mode_enabled" in manifest.stdout


# --------------------------------------------------------------------------- exit codes


def test_usage_errors_exit_2_everywhere(tmp_path: Path) -> None:
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
    assert ratebot("export", "--format", "xml", env=env).returncode == 2
    assert ratebot("stats", "--weeks", "0", env=env).returncode == 2
    assert ratebot("no-such-command", env=env).returncode == 2


def test_a_missing_sqlite_directory_names_the_path_and_the_cause(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ratebot.db"
    done = ratebot("stats", env={"RATEBOT_DATABASE_URL": f"sqlite:///{missing}"})
    assert done.returncode == 1
    line = one_line(done)
    assert str(missing) in line and f"the directory {missing.parent} does not exist" in line


def test_teams_package_into_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "x.zip"
    done = ratebot("teams-package", "--app-id", "00000000-0000-0000-0000-000000000000",
                   "--out", str(out))
    assert done.returncode == 1
    assert str(out) in one_line(done)


def test_export_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{db}"}
    assert ratebot("demo", "--database", str(db), "--weeks", "1", env=env).returncode == 0
    shell = f"{sys.executable} -m app.cli.main export | head -1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
    )
    assert done.stdout.startswith("rated_at,team,")
    assert done.stderr == ""


def test_postgresql_without_its_driver_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "asyncpg" else real(name, *a))
    with pytest.raises(DriverMissing, match=r"pip install 'ratebot\[postgres\]'"):
        create_engine("postgresql://postgres@127.0.0.1:5432/x")


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist_is_named() -> None:
    base = os.environ.get("RATEBOT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("set RATEBOT_TEST_POSTGRES_URL to run the PostgreSQL tests")
    name = f"ratebot_absent_{random.randrange(16**8):08x}"
    done = ratebot("stats", env={"RATEBOT_DATABASE_URL": base.rsplit("/", 1)[0] + "/" + name})
    assert done.returncode == 1
    line = one_line(done)
    assert f"'{name}' does not exist" in line and f"createdb {name}" in line



def test_shell_completion_knows_every_command_also_those_loaded_late() -> None:
    installed = Path(sys.executable).parent / "ratebot"
    if not installed.exists():
        pytest.skip("the ratebot script is not installed (pip install -e .)")

    def complete(words: str) -> list[str]:
        environ = {**os.environ, "_RATEBOT_COMPLETE": "complete_bash", "COMP_WORDS": words,
                   "COMP_CWORD": str(len(words.split()) - 1)}
        done = subprocess.run([str(installed)], env=environ, capture_output=True, text=True,
                              timeout=60)
        return done.stdout.split()

    assert complete("ratebot tea") == ["teams-package", "teams"]
    assert complete("ratebot teams ma") == ["map", "maps"]
    assert "webhook-test" in complete("ratebot w")
    script = subprocess.run([str(installed), "--show-completion", "bash"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "SHELL": "/bin/bash"})
    assert script.returncode == 0 and "_ratebot_completion" in script.stdout


def test_a_command_on_postgresql_without_its_driver_is_one_line() -> None:
    without_asyncpg = (
        "import importlib.util, sys\n"
        "found = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda n, *a: None if n == 'asyncpg' else found(n, *a)\n"
        "sys.argv = ['ratebot', 'stats']\n"
        "from app.cli.main import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", without_asyncpg], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT),
                         "RATEBOT_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/x"},
    )
    assert done.returncode == 1
    assert "pip install 'ratebot[postgres]'" in one_line(done)
