"""What an accepted close keeps for settling: its people, short, and read back whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from storage.pending import parse_payload, pending_payload

AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_every_identity_a_close_names_is_read_back_as_given() -> None:
    close = ConversationClosed(
        source="generic", ticket_id="1", requester_email="ann@example.com", team="desk",
        closed_at=AT, requester_name="Ann", requester_slack_id="U1", requester_teams_id="29:a",
        agent_email="bob@example.com", agent_name="Bob", agent_slack_id="U2",
        agent_teams_id="29:b",
    )
    payload = parse_payload(pending_payload(close, AT))
    assert payload.accepted_at == AT
    assert payload.requester == PersonIdentity(email="ann@example.com", display_name="Ann",
                                               slack_user_id="U1", teams_user_id="29:a")
    assert payload.agent == PersonIdentity(email="bob@example.com", display_name="Bob",
                                           slack_user_id="U2", teams_user_id="29:b")


def test_what_a_close_does_not_name_takes_no_room() -> None:
    close = ConversationClosed(source="generic", ticket_id="1", requester_email="a@example.com",
                               team="desk", closed_at=AT)
    stored = pending_payload(close, AT)
    assert json.loads(stored) == {"at": AT.isoformat(), "r": {"e": "a@example.com"}, "a": {}}
    assert parse_payload(stored).agent == PersonIdentity()
