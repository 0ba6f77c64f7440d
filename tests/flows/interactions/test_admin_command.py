"""Admin commands where a channel is named by being in it (Teams)."""

from __future__ import annotations

from bot.domain.identity import PersonIdentity
from bot.flows.command_handlers import Caller, CommandContext
from bot.flows.interactions import admin_command
from bot.services import Services


async def test_a_channel_is_set_here_by_an_admin_only(services: Services) -> None:
    ctx = CommandContext(services, ("admin@example.com",))
    here = admin_command.Here("teams", '{"conversation": {"id": "19:help"}}')
    admin = Caller(PersonIdentity(email="admin@example.com"), actor="teams:admin")
    reply = await admin_command.run(ctx, "team set servicedesk help-channel here", admin, here)
    assert reply.text == "`servicedesk` now uses this channel as its help channel in Teams."
    team = await services.store.get_team("servicedesk")
    assert team is not None and team.channel("teams", "help") == here.reference
    someone = Caller(PersonIdentity(email="kees@example.com"), actor="teams:kees")
    refused = await admin_command.run(ctx, "team set servicedesk help-channel none", someone,
                                      here)
    assert refused.text.startswith("Only admins can do that.")
