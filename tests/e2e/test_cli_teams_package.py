"""`ratebot teams-package` as an admin runs it: version, privacy and terms links, errors."""

from __future__ import annotations

import json
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from app.cli.main import app

APP_ID = "8d88f59b-ae61-4300-bec0-caace7d28446"


def teams_package(tmp_path: Path, *args: str) -> Result:
    # Settings are not read by this command: an empty environment must do.
    return CliRunner().invoke(app, ["teams-package", "--app-id", APP_ID,
                                    "--out", str(tmp_path / "app.zip"), *args],
                              env={"COLUMNS": "200"}, catch_exceptions=False)


def written(tmp_path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(tmp_path / "app.zip") as package:
        found: dict[str, Any] = json.loads(package.read("manifest.json"))
        return found


def test_the_version_is_ratebots_own_by_default(tmp_path: Path) -> None:
    done = teams_package(tmp_path, "--domain", "ratebot.example.com")
    assert done.exit_code == 0, done.output
    installed = version("ratebot")
    found = written(tmp_path)
    assert installed.startswith(found["version"])  # 0.1.0, or 0.1.0 of 0.1.0.dev3
    assert f"(version {found['version']})" in done.output
    assert found["developer"]["privacyUrl"] == "https://ratebot.example.com/privacy"
    assert found["developer"]["termsOfUseUrl"] == "https://ratebot.example.com/terms"


def test_a_version_and_the_organisations_own_pages_are_taken(tmp_path: Path) -> None:
    done = teams_package(tmp_path, "--domain", "ratebot.example.com", "--version", "4.10.0",
                         "--privacy-url", "https://intranet.example.com/privacy",
                         "--terms-url", "https://intranet.example.com/terms")
    assert done.exit_code == 0, done.output
    found = written(tmp_path)
    assert found["version"] == "4.10.0"
    assert found["developer"]["privacyUrl"] == "https://intranet.example.com/privacy"
    assert found["developer"]["termsOfUseUrl"] == "https://intranet.example.com/terms"


@pytest.mark.parametrize(("args", "says"), [
    (["--version", "1.0"], "'1.0' is not a version Teams takes: write three numbers"),
    (["--version", "1.0.0-beta.1"], "'1.0.0-beta.1' is not a version Teams takes"),
    (["--privacy-url", "http://intranet.example.com/privacy"],
     "--privacy-url must be an https:// address, not 'http://intranet.example.com/privacy'"),
    (["--terms-url", "terms.html"], "--terms-url must be an https:// address"),
])
def test_a_value_teams_would_refuse_is_a_usage_error_and_nothing_is_written(
    tmp_path: Path, args: list[str], says: str
) -> None:
    done = teams_package(tmp_path, *args)
    assert done.exit_code == 2
    assert says in done.output and "Traceback" not in done.output
    assert not (tmp_path / "app.zip").exists()
