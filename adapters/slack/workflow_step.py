"""The Workflow Builder step "Ask for a rating": a Slack custom step (a function).

Teams that run their help desk in Slack workflows, without a helpdesk product, end a
workflow with this step. Slack sends a `function_executed` event carrying the step's
inputs; the close goes through the same intake as a helpdesk webhook, and the step is
completed (or failed with a reason the workflow's owner can read) through bolt's
`complete` / `fail`, i.e. `functions.completeSuccess` / `functions.completeError`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt.app.async_app import AsyncApp

from adapters.slack.outbound import SlackChat
from bot.domain.errors import StoreUnavailable, UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.untrusted import loggable
from bot.flows.asking import close_accepted
from bot.flows.interactions import people
from bot.ports.chat import DeliveryError
from bot.services import Services

log = logging.getLogger(__name__)

CALLBACK_ID = "ask_for_rating"
SOURCE = "slack-workflow"
Payload = dict[str, Any]


class BadInputs(ValueError):
    """The step's inputs cannot make a close; the message is shown in the workflow."""


@dataclass(frozen=True, slots=True)
class StepInputs:
    requester: str  # a Slack user id
    team: str
    agent: str | None = None  # a Slack user id
    subject: str | None = None


def step_inputs(event: Payload) -> StepInputs:
    """The step's inputs as Slack sends them in `event.inputs` (absent optional ones too)."""
    inputs = event.get("inputs")
    if not isinstance(inputs, dict):
        raise BadInputs("the step has no inputs")

    def given(name: str) -> str | None:
        value = inputs.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise BadInputs(f"the input '{name}' is not text")
        return value.strip() or None

    requester, team = given("requester"), given("team")
    if requester is None:
        raise BadInputs("the input 'requester' (the person to ask) is missing")
    if team is None:
        raise BadInputs("the input 'team' (the ratebot team) is missing")
    return StepInputs(requester, team, given("agent"), given("subject"))


def manifest_function() -> Payload:
    """The step as declared under `functions` in the app manifest."""
    return {
        "title": "Ask for a rating",
        "description": "Ask the requester to rate the help they got from a team",
        # The manifest's function schema: `properties` and the `required` names.
        "input_parameters": {
            "properties": {
                "requester": _parameter("slack#/types/user_id", "Requester",
                                        "The person who asked for help", required=True),
                "team": _parameter("string", "Team", "The ratebot team that helped (its name)",
                                   required=True),
                "agent": _parameter("slack#/types/user_id", "Agent", "Who helped"),
                "subject": _parameter("string", "Subject", "What the request was about"),
            },
            "required": ["requester", "team"],
        },
        "output_parameters": {"properties": {}, "required": []},
    }


def _parameter(kind: str, title: str, description: str, *, required: bool = False) -> Payload:
    return {"type": kind, "title": title, "description": description, "is_required": required}


async def ask_for_rating(services: Services, chat: SlackChat, event: Payload) -> str | None:
    """Turn one execution into a close; None when accepted, else why not (for `fail`).

    The ticket id is the execution id: Slack re-executing the same step is the same close,
    which the intake drops, so the requester is asked once.
    """
    execution = event.get("function_execution_id")
    if not isinstance(execution, str) or not execution:
        return "the event carries no function_execution_id"
    try:
        inputs = step_inputs(event)
    except BadInputs as exc:
        return str(exc)
    team = await services.store.get_team(inputs.team)
    if team is None:
        return f"There is no ratebot team called '{inputs.team}'."
    try:
        requester = await _person(services, chat, inputs.requester)
        agent = None if inputs.agent is None else await _person(services, chat, inputs.agent)
    except DeliveryError as exc:
        # Without its Slack profile nobody can be asked; the step must not hang unanswered.
        return f"Slack could not tell who the requester or agent is: {exc}"
    closed = ConversationClosed(
        source=SOURCE, ticket_id=execution, requester_email=requester.email, team=team.name,
        closed_at=services.clock.now(), subject=inputs.subject,
        agent_email=None if agent is None else agent.email,
        agent_name=None if agent is None else agent.display_name,
        requester_name=requester.display_name, requester_slack_id=inputs.requester,
        agent_slack_id=inputs.agent,
    )
    try:
        await close_accepted(services, closed)
    except UnknownTeam as exc:  # removed between the look-up and the close
        return str(exc)
    return None


async def _person(services: Services, chat: SlackChat, user_id: str) -> Person:
    async def lookup() -> PersonIdentity:
        return await chat.identity_of(user_id)

    return await people.person_of(services, PersonIdentity(slack_user_id=user_id), lookup,
                                  wants_locale=True)


def register(app: AsyncApp, services: Services, chat: SlackChat,
             middleware: Sequence[Callable[..., Awaitable[Any]]] = ()) -> None:
    """Listen for the step's executions; bolt acknowledges the event itself."""

    async def executed(event: Payload, complete: Callable[..., Awaitable[Any]],
                       fail: Callable[..., Awaitable[Any]]) -> None:
        try:
            problem = await ask_for_rating(services, chat, event)
        except StoreUnavailable:
            # The step fails visibly in the workflow's activity; its owner may run it again.
            log.warning("slack workflow step: database unavailable")
            problem = "ratebot's database is unavailable; try again in a moment"
        if problem is None:
            await complete(outputs={})
            return
        log.info("slack workflow step refused: %s", loggable(problem))
        await fail(error=problem)

    app.function(CALLBACK_ID, middleware=list(middleware))(executed)
