"""Who sent an activity: the tenant they wrote from, and the Emulator's email-shaped ids."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from botbuilder.schema.teams import TeamsChannelAccount

from adapters.teams import inbound

TENANT = "ce067f64-338d-44a0-89fb-7fc8973e254f"


def activity(channel: str = "msteams", sender: str = "29:jan", **extra: Any) -> Activity:
    body = {"type": "message", "channelId": channel, "serviceUrl": "http://127.0.0.1:1/",
            "conversation": {"id": "a:1"}, "from": {"id": sender, "name": "Jan"}, **extra}
    return Activity().deserialize(body)


def test_the_sender_carries_the_tenant_of_channel_data() -> None:
    who = inbound.sender_of(activity(channelData={"tenant": {"id": TENANT}}))
    assert who.teams_tenant_id == TENANT


def test_a_sender_without_a_tenant_has_none() -> None:
    assert inbound.sender_of(activity()).teams_tenant_id is None


def test_a_roster_entry_names_its_members_tenant() -> None:
    member = TeamsChannelAccount(id="29:jan", name="Jan", email="jan@example.com",
                                 tenant_id=TENANT)
    assert inbound.identity_of(member).teams_tenant_id == TENANT


def test_an_emulator_user_id_that_is_an_email_is_their_email() -> None:
    who = inbound.sender_of(activity("emulator", "jan@example.com"))
    assert (who.email, who.teams_user_id) == ("jan@example.com", "jan@example.com")


def test_only_the_emulator_is_trusted_with_an_email_shaped_id() -> None:
    assert inbound.sender_of(activity("msteams", "jan@example.com")).email is None
    assert inbound.sender_of(activity("emulator", "5e1f-user-guid")).email is None
