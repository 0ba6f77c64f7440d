"""What the command line says: hints in its own grammar, one sentence, nothing silent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import Env, cli, ok


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'ratebot.db'}", "COLUMNS": "220"}


def test_an_unknown_team_is_hinted_with_the_cli_command(env: Env) -> None:
    result = cli(env, "stats", "--team", "nosuch")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "There is no team called 'nosuch'. Add it first with `ratebot teams add nosuch`."
    )


def test_a_channel_name_is_refused_with_the_form_the_cli_takes(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    refused = cli(env, "teams", "set", "servicedesk", "digest-channel", "#it-digest")
    assert refused.exit_code == 1
    # The hint is the id form, never the "#channel" that was just refused.
    assert "give the channel's id, like C0123ABCD" in refused.stderr
    assert "pick the channel with #" not in refused.stderr
    done = ok(env, "teams", "set", "servicedesk", "digest-channel", "C0123ABCD")
    assert done.strip() == "Set digest-channel of servicedesk to C0123ABCD."


def test_confirmations_and_refusals_are_one_sentence(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    said = ok(env, "teams", "set", "servicedesk", "question", "How did we do?")
    assert said.strip() == "Set question of servicedesk to “How did we do?”"
    bad = cli(env, "teams", "set", "servicedesk", "timezone", "Mars/Base")
    assert bad.stderr.count("Mars/Base") == 1, bad.stderr


def test_an_exclusion_that_could_never_match_is_refused(env: Env) -> None:
    bad = cli(env, "exclusions", "add", "***")
    assert bad.exit_code == 1 and "is not an exclusion" in bad.stderr
    assert ok(env, "exclusions", "list").strip() == ""


def test_moving_a_group_and_removing_its_team_say_what_happened(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "add", "infra")
    ok(env, "teams", "map", "servicedesk", "zendesk:Network")
    moved = ok(env, "teams", "map", "infra", "zendesk:Network")
    assert moved.strip() == (
        "Closes from zendesk group 'Network' now go to infra instead of servicedesk."
    )
    removed = ok(env, "teams", "remove", "infra")
    assert "Removed team infra." in removed
    assert "no longer mapped: zendesk:Network" in removed
    assert "zendesk:Network" not in ok(env, "teams", "maps")


def test_the_teams_table_calls_the_throttle_as_the_option_and_the_digest_do(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    listed = ok(env, "teams", "list")
    assert "Throttle" in listed and "Cooldown" not in listed
