"""`ChatPort.send_direct` for `SlackChat`: a notice in the person's chat with the bot (and
mutual rating's `send_request_check`, found the same way).

Kept apart from `adapters.slack.outbound` so that module stays within its size.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import replace

from adapters.slack.render import Message, plain_message
from adapters.slack.request_check import check_message
from bot.domain.messages import TextMessage
from bot.domain.model import Person
from bot.domain.request_checks import RequestCheck
from bot.domain.texts import locale_for


class DirectMessages(ABC):
    """Finds the person the way prompts do (directory, then email), then posts to them."""

    _dms: OrderedDict[str, str]

    @abstractmethod
    async def _slack_person(self, person: Person) -> Person: ...

    @abstractmethod
    async def post(self, channel: str, message: Message) -> str: ...

    async def send_direct(self, person: Person, message: TextMessage) -> str:
        user_id = (await self._slack_person(person)).slack_user_id
        assert user_id is not None  # `_slack_person` raises when Slack does not know them
        # Posting to the user id opens the DM: no conversations.open (Tier 3) needed.
        return await self.post(self._dms.get(user_id, user_id), plain_message(message.text))

    async def send_request_check(self, check: RequestCheck) -> str:
        person = await self._slack_person(check.agent)
        assert person.slack_user_id is not None  # `_slack_person` raises when Slack lacks them
        # Slack's profile may have told their language just now: the agent's decides.
        shown = replace(check, locale=locale_for(person.locale, check.locale))
        channel = self._dms.get(person.slack_user_id, person.slack_user_id)
        return await self.post(channel, check_message(shown))
