"""One message, two renderings: a hint names the command where the message is read."""

from __future__ import annotations

from bot.domain.errors import InvalidValue, UnknownTeam
from bot.domain.hints import Hint, Surface


def test_an_unknown_team_hints_the_chat_command_in_chat_and_the_cli_command_on_the_cli() -> None:
    error = UnknownTeam("nosuch")
    assert str(error) == "There is no team called 'nosuch'. Add it first with `team add nosuch`."
    assert error.for_surface(Surface.CHAT) == str(error)
    assert error.for_surface(Surface.CLI) == (
        "There is no team called 'nosuch'. Add it first with `ratebot teams add nosuch`."
    )


def test_a_command_only_the_server_has_says_so_in_chat() -> None:
    hint = Hint.to("Unmap it with {hint}.", "team.unmap", group="zendesk:Desk")
    assert hint.render(Surface.CHAT) == (
        "Unmap it with `ratebot teams unmap zendesk:Desk` on the server."
    )
    assert hint.render(Surface.CLI) == "Unmap it with `ratebot teams unmap zendesk:Desk`."


def test_typed_braces_are_text_not_placeholders() -> None:
    error = UnknownTeam("{team}")
    assert error.for_surface(Surface.CLI).endswith("`ratebot teams add {team}`.")


def test_a_message_without_a_hint_is_the_same_everywhere() -> None:
    error = InvalidValue("Nothing to see.")
    assert str(error) == error.for_surface(Surface.CLI) == "Nothing to see."


def test_a_missing_digest_channel_is_hinted_in_a_form_the_cli_accepts() -> None:
    hint = Hint.to("set one with {hint}.", "team.digest_channel", team="desk")
    assert hint.render(Surface.CHAT) == "set one with `team set desk digest-channel #channel`."
    cli = hint.render(Surface.CLI)
    assert cli.startswith("set one with `ratebot teams set desk digest-channel C0123ABCD`")
    assert "#" not in cli
