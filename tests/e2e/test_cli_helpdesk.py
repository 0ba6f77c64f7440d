"""`ratebot teams map` and `ratebot webhook-test` against a real SQLite database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from app.cli.main import app as ratebot_app
from tests.adapters.helpdesk import payloads

Env = dict[str, str]
ZENDESK_SECRET = "zendesk-cli-secret"


def command_line() -> typer.Typer:
    return ratebot_app


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return {
        "RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'ratebot.db'}",
        "RATEBOT_ZENDESK_SECRET": ZENDESK_SECRET,
        "COLUMNS": "200",
    }


def cli(env: Env, *args: str) -> Result:
    return CliRunner().invoke(command_line(), list(args), env=env, catch_exceptions=False)


def ok(env: Env, *args: str) -> str:
    result = cli(env, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_group_is_mapped_listed_and_unmapped(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    said = ok(env, "teams", "map", "servicedesk", "zendesk:Service Desk")
    assert said.strip() == "Closes from zendesk group 'Service Desk' now go to servicedesk."
    listed = ok(env, "teams", "maps")
    assert "zendesk:Service Desk -> servicedesk" in listed
    assert "Unmapped groups are refused" in listed
    assert "Removed" in ok(env, "teams", "unmap", "zendesk:service desk")
    assert "zendesk:" not in ok(env, "teams", "maps")


def test_mapping_to_a_missing_team_or_source_fails_with_one_line(env: Env) -> None:
    result = cli(env, "teams", "map", "nope", "zendesk:Desk")
    assert result.exit_code == 1
    assert "There is no team called 'nope'" in result.stderr
    result = cli(env, "teams", "map", "nope", "freshdesk:Desk")
    assert result.exit_code == 1
    assert "Unknown source 'freshdesk'" in result.stderr
    assert "Traceback" not in result.output


def test_webhook_test_signs_posts_and_explains_without_touching_the_database(
    env: Env, tmp_path: Path
) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "map", "servicedesk", "zendesk:Service Desk")
    saved = tmp_path / "solved.json"
    saved.write_text(json.dumps(payloads.zendesk("Solved")))
    out = ok(env, "webhook-test", "zendesk", "--file", str(saved))
    assert "Close of ticket 1042 (group 'Service Desk')" in out
    assert "requester: jan@example.com" in out
    assert 'POST /webhooks/zendesk -> 202 {"status": "accepted"}' in out
    assert "decision: pending" in out
    again = ok(env, "webhook-test", "zendesk", "--file", str(saved))
    assert "-> 202" in again  # the scratch copy is fresh each time: no "duplicate"
    with sqlite3.connect(tmp_path / "ratebot.db") as connection:
        for table in ("conversations", "prompts", "people"):
            assert connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)


def test_webhook_test_reports_an_unmapped_group_and_an_ignored_status(
    env: Env, tmp_path: Path
) -> None:
    ok(env, "teams", "add", "servicedesk")
    saved = tmp_path / "payload.json"
    saved.write_text(json.dumps(payloads.zendesk("Solved")))
    result = cli(env, "webhook-test", "zendesk", "--file", str(saved))
    assert result.exit_code == 1
    assert "-> 422" in result.stdout
    assert "zendesk:Service Desk" in result.stdout
    saved.write_text(json.dumps(payloads.zendesk("New")))
    out = ok(env, "webhook-test", "zendesk", "--file", str(saved))
    assert "Ignored: Zendesk status 'New'" in out
    assert '-> 200 {"status": "ignored"' in out


def test_webhook_test_needs_the_sources_secret(env: Env, tmp_path: Path) -> None:
    saved = tmp_path / "payload.json"
    saved.write_text(json.dumps(payloads.github()))
    result = cli(env, "webhook-test", "github", "--file", str(saved))
    assert result.exit_code == 2
    assert "Set RATEBOT_GITHUB_SECRET first" in result.stderr
    result = cli(env, "webhook-test", "freshdesk", "--file", str(saved))
    assert result.exit_code == 2
    assert "Unknown source 'freshdesk'" in result.stderr


GENERIC_SECRET = "generic-cli-secret"
GITHUB_SECRET = "github-cli-secret"


def test_webhook_test_takes_the_generic_shape_and_names_each_field_it_used(
    env: Env, tmp_path: Path
) -> None:
    env = {**env, "RATEBOT_WEBHOOK_SECRET": GENERIC_SECRET}
    ok(env, "teams", "add", "servicedesk")
    saved = tmp_path / "generic.json"
    saved.write_text(json.dumps({
        "ticket_id": 1042,
        "requester_email": "Jan@Example.com",
        "agent": "piet@example.com",
        "team": "servicedesk",
        "subject": "Printer on the third floor",
    }))
    out = ok(env, "webhook-test", "generic", "--file", str(saved))
    assert "Close of ticket 1042 (team 'servicedesk')" in out
    assert "ticket id: 1042  (from ticket_id)" in out
    assert "requester: jan@example.com  (from requester_email)" in out
    assert "team:      servicedesk  (from team)" in out
    assert "agent:     piet@example.com  (from agent)" in out
    assert "subject:   Printer on the third floor  (from subject)" in out
    assert 'POST /webhooks/generic -> 202 {"status": "accepted"}' in out
    assert "decision: pending" in out


def test_webhook_test_explains_a_generic_payload_it_refuses(env: Env, tmp_path: Path) -> None:
    env = {**env, "RATEBOT_WEBHOOK_SECRET": GENERIC_SECRET}
    saved = tmp_path / "generic.json"
    saved.write_text(json.dumps({"ticket_id": "INC-1", "requester_email": "not an address"}))
    result = cli(env, "webhook-test", "generic", "--file", str(saved))
    assert result.exit_code == 1
    assert "requester_email: not a valid email address" in result.stdout
    assert "team: required" in result.stdout
    assert "-> 400" in result.stdout
    result = cli({**env, "RATEBOT_WEBHOOK_SECRET": ""}, "webhook-test", "generic", "-f", str(saved))
    assert result.exit_code == 2
    assert "Set RATEBOT_WEBHOOK_SECRET first" in result.stderr


def test_webhook_test_github_says_which_form_label_named_the_requester(
    env: Env, tmp_path: Path
) -> None:
    env = {**env, "RATEBOT_GITHUB_SECRET": GITHUB_SECRET}
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "map", "servicedesk", "github:acme/it-requests")
    payload = payloads.github()
    payload["issue"]["body"] = (
        "### Contact Details\n\njan@example.com\n\n### What happened?\n\nA bug happened!"
    )
    saved = tmp_path / "github.json"
    saved.write_text(json.dumps(payload))
    out = ok(env, "webhook-test", "github", "--file", str(saved))
    assert "Close of ticket acme/it-requests#17 (group 'acme/it-requests')" in out
    assert "(from repository.full_name + '#' + issue.number)" in out
    assert (
        "requester: jan@example.com  (from issue.body, under the label 'Contact Details')" in out
    )
    assert "agent:     piet-ops  (from issue.assignee.login)" in out
    assert "-> 202" in out


def test_webhook_test_github_reads_the_configured_labels_only(env: Env, tmp_path: Path) -> None:
    env = {
        **env,
        "RATEBOT_GITHUB_SECRET": GITHUB_SECRET,
        "RATEBOT_GITHUB_EMAIL_LABELS": "Werkadres, E-mailadres",
    }
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "map", "servicedesk", "github:acme/it-requests")
    payload = payloads.github()
    payload["issue"]["body"] = "### E-mailadres\n\njan@example.com"
    saved = tmp_path / "github.json"
    saved.write_text(json.dumps(payload))
    out = ok(env, "webhook-test", "github", "--file", str(saved))
    assert "under the label 'E-mailadres'" in out
    payload["issue"]["body"] = "### Email\n\njan@example.com"
    saved.write_text(json.dumps(payload))
    out = ok(env, "webhook-test", "github", "--file", str(saved))
    assert "Ignored: the issue body names no requester e-mail" in out
    assert "'Werkadres', 'E-mailadres'" in out
    assert '-> 200 {"status": "ignored"' in out


def test_webhook_test_names_nested_paths_for_a_vendor_payload(env: Env, tmp_path: Path) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "map", "servicedesk", "zendesk:Service Desk")
    saved = tmp_path / "solved.json"
    saved.write_text(json.dumps(payloads.zendesk("Solved")))
    out = ok(env, "webhook-test", "zendesk", "--file", str(saved))
    assert "Fields used, and where in the payload each came from:" in out
    assert "group:     Service Desk  (from " in out
    assert "not in the payload" not in out.split("subject")[0]


def test_webhook_test_names_where_a_reopens_ticket_id_came_from(env: Env, tmp_path: Path) -> None:
    env = {**env, "RATEBOT_WEBHOOK_SECRET": GENERIC_SECRET}
    saved = tmp_path / "reopen.json"
    saved.write_text(json.dumps({"event": "reopened", "ticket_id": "INC-7"}))
    out = ok(env, "webhook-test", "generic", "--file", str(saved))
    assert "Reopen of ticket INC-7" in out
    assert "ticket id: INC-7  (from ticket_id)" in out
    assert '-> 200 {"status": "reopened", "found": false, "withdrawn": false}' in out
