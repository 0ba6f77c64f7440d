"""The Slack app manifest and `ratebot slack-manifest`."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from adapters.slack.manifest import EXAMPLE_URL, manifest, render, request_url, slack_manifest

TOP = Path(__file__).resolve().parents[3]


def test_manifest_yaml_at_the_top_is_the_rendered_manifest() -> None:
    assert (TOP / "manifest.yaml").read_text() == render(EXAMPLE_URL)


def test_every_request_url_points_at_the_one_endpoint() -> None:
    text = render("https://ratings.corp.example/bot/")
    assert text.count('"https://ratings.corp.example/bot/slack/events"') == 3
    data = manifest("https://ratings.corp.example")
    assert data["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened", "reaction_added", "function_executed"]
    assert data["features"]["slash_commands"][0]["command"] == "/ratings"
    assert data["features"]["shortcuts"][0]["callback_id"] == "close_and_ask"
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert {"chat:write", "commands", "users:read.email", "reactions:read", "files:write"} <= set(
        data["oauth_config"]["scopes"]["bot"])


def test_the_socket_mode_variant_has_no_request_url() -> None:
    text = render(socket_mode=True)
    assert "socket_mode_enabled: true" in text
    assert "request_url" not in text and "url:" not in text


@pytest.mark.parametrize("bad", ["http://ratings.example", "ratings.example", "https://", ""])
def test_a_bad_url_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="https URL"):
        request_url(bad)


def test_one_of_url_or_socket_mode_is_needed() -> None:
    with pytest.raises(ValueError, match="--socket-mode"):
        render()


def test_the_command_prints_the_manifest_or_says_what_is_missing() -> None:
    cli = typer.Typer()
    cli.command()(slack_manifest)
    runner = CliRunner()
    printed = runner.invoke(cli, ["--url", "https://ratings.corp.example"])
    assert printed.exit_code == 0
    assert printed.stdout == render("https://ratings.corp.example")
    assert runner.invoke(cli, ["--socket-mode"]).stdout == render(socket_mode=True)
    refused = runner.invoke(cli, [])
    assert refused.exit_code == 2 and "--socket-mode" in refused.stderr


def test_the_workflow_step_is_declared_for_bolt_to_run() -> None:
    data = manifest("https://ratings.corp.example")
    step = data["functions"]["ask_for_rating"]
    inputs = step["input_parameters"]
    assert list(inputs["properties"]) == ["requester", "team", "agent", "subject"]
    assert inputs["required"] == ["requester", "team"]
    assert inputs["properties"]["requester"]["type"] == "slack#/types/user_id"
    # Custom steps run by the app itself need both, or Workflow Builder does not offer them.
    assert data["settings"]["function_runtime"] == "remote"
    assert data["settings"]["org_deploy_enabled"] is True
