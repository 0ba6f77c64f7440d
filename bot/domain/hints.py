"""Pointers to a command, written in the grammar of where they are read.

A message that tells someone what to do next names a command. In chat that is the
`/ratings` grammar (`team add servicedesk`), on the command line `ratebot teams add
servicedesk`: one message, two renderings. An error carries its `Hint`; the chat shows
`str(error)`, the command line asks for `Surface.CLI`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Surface(StrEnum):
    """Where a message is read."""

    CHAT = "chat"
    CLI = "cli"


# key: (in chat, on the command line). A command chat lacks names the server's.
PHRASES: dict[str, tuple[str, str]] = {
    "team.add": ("`team add {team}`", "`ratebot teams add {team}`"),
    "team.map": ("`team map {team} {group}`", "`ratebot teams map {team} {group}`"),
    "team.unmap": (
        "`ratebot teams unmap {group}` on the server", "`ratebot teams unmap {group}`"
    ),
    "team.digest_channel": (
        "`team set {team} digest-channel #channel`",
        "`ratebot teams set {team} digest-channel C0123ABCD` (the Slack channel's id)",
    ),
    # Chat turns `#name` into the channel's id; the command line can't look a name up.
    "channel.slack": (
        "pick the channel with # (or give its id, like C0123ABCD)",
        "give the channel's id, like C0123ABCD (the command line can't look a channel "
        "name up: Slack shows the id at the bottom of the channel's details)",
    ),
}


@dataclass(frozen=True, slots=True)
class Hint:
    """A sentence with one `{hint}`, filled with the phrase `key` in a surface's grammar."""

    sentence: str  # e.g. "Add it first with {hint}."
    key: str  # a key of PHRASES
    values: tuple[tuple[str, str], ...] = ()  # the phrase's placeholders

    @classmethod
    def to(cls, sentence: str, key: str, **values: str) -> Hint:
        return cls(sentence, key, tuple(values.items()))

    def render(self, surface: Surface) -> str:
        chat, cli = PHRASES[self.key]
        phrase = (cli if surface is Surface.CLI else chat).format(**dict(self.values))
        # replace, not format: the phrase may hold names people typed, braces and all.
        return self.sentence.replace("{hint}", phrase)
