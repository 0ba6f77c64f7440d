"""Mutual rating: the agent who closed a conversation rates the request itself, as values.

Asked once per conversation (a reopened one is not asked again), only in teams that turned
it on, only of an agent who is a known person, not opted out, and not the requester. The
answers are kept apart from the team's ratings and reported to admins as a whole only:
never per agent, never per requester, never below the minimum number of respondents.
What is stored, and why an answer names no check, agent or requester: `storage.request_checks`.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.anonymity import random_rating_id
from bot.domain.decisions import AskingFacts, Settlement
from bot.domain.model import Person, Team
from bot.domain.texts import text

# How far back the admins' figures look.
FIGURES_DAYS = 90
# A platform that fails is tried again after these waits, then given up.
RETRY_WAITS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


class Clarity(StrEnum):
    CLEAR = "clear"
    PARTLY = "partly"
    UNCLEAR = "unclear"


class Reach(StrEnum):
    YES = "yes"
    NOT_EASILY = "no"


CLARITY, REACH = "clarity", "reach"  # the two questions, as a click names them


@dataclass(frozen=True, slots=True)
class NewRequestCheck:
    """A check to open for a settled close; the store keeps one per conversation."""

    conversation_id: int
    team_id: int
    agent_id: int


@dataclass(frozen=True, slots=True)
class RequestCheck:
    """The question to the agent, or (with answers) the same message after a tap."""

    check_id: int
    team_display_name: str
    agent: Person
    expires_at: datetime
    locale: str  # the agent's language (else the team's)
    subject: str | None = None
    ticket_id: str | None = None
    clarity: Clarity | None = None
    reach: Reach | None = None
    receipt: str | None = None  # carried by the redrawn buttons: finds the answer again
    notice: str | None = None  # in place of the buttons: expired, not yours, gone


@dataclass(frozen=True, slots=True)
class RequestFigures:
    """A team's answers over the last `FIGURES_DAYS` days, counted by the store."""

    clear: int = 0
    partly: int = 0
    unclear: int = 0
    reachable: int = 0
    not_reachable: int = 0
    n: int = 0  # answers given (either question)

    def share(self, part: int, *, of: int) -> int:
        return round(100 * part / of) if of else 0

    @property
    def clarity_answers(self) -> int:
        return self.clear + self.partly + self.unclear

    @property
    def reach_answers(self) -> int:
        return self.reachable + self.not_reachable


def checks_to_open(
    settlements: Sequence[Settlement], facts: AskingFacts
) -> list[NewRequestCheck]:
    """The settled closes whose agent is to be asked about the request."""
    opened = []
    for settlement in settlements:
        team = facts.teams.get(settlement.close.team_id)
        agent = facts.person(settlement.agent_id)
        if team is None or not team.mutual or agent is None or agent.opted_out:
            continue
        if settlement.agent_id == settlement.requester_id:
            continue  # someone who closed their own request has nobody to rate
        opened.append(NewRequestCheck(settlement.close.conversation_id, team.id, agent.id))
    return opened


def retry_wait(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed sends; None: give up."""
    return RETRY_WAITS[attempts - 1] if attempts <= len(RETRY_WAITS) else None


def answered_marker(key: str, check_id: int) -> str:
    """Says "this check was answered" to the server alone (keyed), never which answer:
    a replayed first tap must not store a second answer, and the check row keeps no trace."""
    return hmac.new(key.encode(), f"request-check:{check_id}".encode(),
                    hashlib.sha256).hexdigest()


def shuffled(ids: Sequence[int], rng: random.Random) -> list[tuple[int, int]]:
    """(old id, new random id) in a random order: the order the answers are written again."""
    order = list(ids)
    rng.shuffle(order)
    return [(old, random_rating_id(rng)) for old in order]


def receipt_hash(receipt: str) -> str:
    return hashlib.sha256(receipt.encode()).hexdigest()


def parse_answer(question: str, value: str) -> Clarity | Reach:
    """The tapped answer; raise ValueError for anything ratebot did not draw."""
    if question == CLARITY:
        return Clarity(value)
    if question == REACH:
        return Reach(value)
    raise ValueError(question)


def mutual_note(option: str, team: Team) -> str:
    """What turning mutual rating on means, said under the `team set` reply; else nothing."""
    if option.strip().lower() != "mutual" or not team.mutual:
        return ""
    return "\n" + text("admin.mutual_on", "en")
