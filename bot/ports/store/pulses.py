"""The store's part for relationship pulses: the pulses, their prompts, their answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.pulse import Pulse, PulseAnswer
from bot.domain.pulse_result import PulseResult
from bot.domain.scales import Category


class Pulses(Protocol):
    async def open_pulse(self, team_id: int, *, now: datetime) -> Pulse | None:
        """The team's pulse that has not closed by `now`, if any. Inside a transaction it
        holds the team until the end, so two pulses of one team never start together."""
        ...

    async def pulse_candidates(self, team_id: int, *, since: datetime) -> list[int]:
        """The people (ids) who asked the team for help in a conversation closed (or, when
        not closed, made) since `since`; a pulse's own conversations are not among them."""
        ...

    async def start_pulse(
        self, team_id: int, *, question: str, days: int, created_by: str, at: datetime,
        closes_at: datetime, recipients: Sequence[int], left_out: Mapping[str, int],
    ) -> Pulse:
        """Store the pulse and, for each recipient, a conversation of its own (source
        `pulse`, the question as its subject) with one prompt due now that names the pulse."""
        ...

    async def insert_pulse_answer(
        self, *, answer_id: int | None, pulse_id: int, prompt_id: int | None,
        person_id: int | None, score: int, category: Category, receipt: str, at: datetime,
    ) -> PulseAnswer | None:
        """Store a first answer; None when the prompt's answer was stored meanwhile."""
        ...

    async def pulse_answer(
        self, *, prompt_id: int | None = None, pulse_id: int | None = None,
        receipt: str | None = None,
    ) -> PulseAnswer | None:
        """The answer of a prompt, or (anonymous answers) the pulse's one with this receipt."""
        ...

    async def change_pulse_answer(
        self, answer_id: int, *, at: datetime, score: int | None = None,
        category: Category | None = None, comment: str | None = None,
        receipt: str | None = None,
    ) -> PulseAnswer:
        """Change what is given; return the answer as it now stands."""
        ...

    async def held_pulse_answers(self) -> list[int]:
        """The ids of the anonymous answers the nightly batch has not rewritten yet."""
        ...

    async def rewrite_pulse_answers(self, new_ids: Sequence[tuple[int, int]]) -> None:
        """Write each (old id, new id) answer again under its new id, in the order given,
        so neither ids nor the engine's row order still say which was given first."""
        ...

    async def closed_pulse(
        self, team_id: int, *, since: datetime, until: datetime
    ) -> PulseResult | None:
        """The team's pulse that closed in [since, until), with its answers' NPS."""
        ...
