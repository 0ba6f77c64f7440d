"""What a person sees after acting in a chat: plain data each adapter renders its own way."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.answers import RatedItem
from bot.domain.messages import PromptUpdate
from bot.domain.model import Person, Team


@dataclass(frozen=True, slots=True)
class PromptView:
    """The prompt a person clicked or commented on, as it should look now."""

    locale: str  # the reader's language
    # The prompt redrawn: with the score and comment, or with a notice in place of buttons.
    update: PromptUpdate | None = None
    notice: str | None = None  # said to this person alone, the prompt left as it is
    # Why a comment was not taken as typed (its text can be fixed and sent again), or, for
    # a form that shows errors beside its field, why the answer was refused.
    problem: str | None = None
    fixable: bool = False  # `problem` is about the text typed, not about the prompt
    changed: bool = True  # False: the prompt already shows this (a replayed click)


@dataclass(frozen=True, slots=True)
class OptView:
    """The person after saying whether they may be asked, and what to tell them."""

    person: Person
    notice: str
    locale: str


@dataclass(frozen=True, slots=True)
class Closed:
    """A request closed in a help channel: whether its requester will be asked to rate."""

    team: Team
    requester: Person
    asked: bool


@dataclass(frozen=True, slots=True)
class TeamLine:
    display_name: str
    score: str
    n: int
    trend: str
    open_follow_ups: int


@dataclass(frozen=True, slots=True)
class Home:
    """A person's own page: their recent ratings, the opt-out switch, for admins the teams."""

    person: Person
    ratings: list[RatedItem]
    teams: list[TeamLine] | None  # None unless the person is an admin
    locale: str
