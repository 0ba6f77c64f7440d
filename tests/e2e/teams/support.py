"""Activities shaped as Teams sends them, and a helper that posts them like Teams does."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.fakes.bot_connector import FakeConnector

FIXTURES = Path("/work/shared/fixtures")
TENANT = "ce067f64-338d-44a0-89fb-7fc8973e254f"
BOT = {"id": "28:8d88f59b-ae61-4300-bec0-caace7d28446", "name": "ratebot"}
TEAM_ID = "19:team-general@thread.tacv2"
HELP_CHANNEL = "19:help-channel@thread.tacv2"
ALERT_CHANNEL = "19:alerts@thread.tacv2"


@dataclass(frozen=True)
class User:
    teams_id: str
    aad: str
    name: str
    email: str

    def account(self) -> dict[str, Any]:
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad}

    def member(self) -> dict[str, Any]:
        """As the roster API returns them (TeamsChannelAccount)."""
        return {**self.account(), "email": self.email, "userPrincipalName": self.email,
                "givenName": self.name.split()[0], "tenantId": TENANT}

    @property
    def chat(self) -> str:
        return f"a:personal-{self.aad}"


JAN = User("29:jan-teams-id", "aad-jan-0001", "Jan Jansen", "jan@example.com")
PIET = User("29:piet-teams-id", "aad-piet-0002", "Piet Pieters", "piet@example.com")
KLAAS = User("29:klaas-teams-id", "aad-klaas-0003", "Klaas Vaak", "klaas@example.com")


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


@dataclass
class Teams:
    """Posts activities to the bot as Teams would, and reads what the bot sent back."""

    client: TestClient[Any, Any]
    connector: FakeConnector
    headers: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def base(self, kind: str, user: User | None, conversation: dict[str, Any],
             locale: str = "en-US", **extra: Any) -> dict[str, Any]:
        activity: dict[str, Any] = {
            "type": kind,
            "id": f"f:{next(self._ids)}",
            "timestamp": "2026-11-24T10:00:00.000Z",
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "conversation": {"tenantId": TENANT, **conversation},
            "recipient": BOT,
            "entities": [{"type": "clientInfo", "locale": locale}],
            "channelData": {"tenant": {"id": TENANT}},
            "locale": locale,
            **extra,
        }
        if user is not None:
            activity["from"] = user.account()
        return activity

    def personal(self, user: User) -> dict[str, Any]:
        return {"conversationType": "personal", "id": user.chat}

    @staticmethod
    def channel(channel: str, thread: str | None = None) -> dict[str, Any]:
        conversation_id = channel if thread is None else f"{channel};messageid={thread}"
        return {"conversationType": "channel", "isGroup": True, "id": conversation_id}

    @staticmethod
    def channel_data(channel: str) -> dict[str, Any]:
        return {"tenant": {"id": TENANT}, "team": {"id": TEAM_ID, "name": "IT"},
                "channel": {"id": channel, "name": "help"}}

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        response = await self.client.post("/api/messages", json=activity, headers=self.headers)
        text = await response.text()
        return response.status, (json.loads(text) if text else None)

    # ---------------------------------------------------------------- scenarios
    async def install(self, user: User, locale: str = "en-US") -> tuple[int, Any]:
        activity = self.base("installationUpdate", user, self.personal(user), locale,
                             action="add")
        return await self.post(activity)

    async def add_bot_to_channel(self, channel: str, by: User) -> tuple[int, Any]:
        activity = self.base("conversationUpdate", by, self.channel(channel),
                             membersAdded=[BOT], channelData=self.channel_data(channel))
        return await self.post(activity)

    async def say(self, user: User, text: str, *, channel: str | None = None,
                  thread: str | None = None, message_id: str | None = None,
                  mention: bool = False, locale: str = "en-US") -> tuple[int, Any]:
        """A message; with `mention`, it @mentions the bot the way Teams marks it up."""
        if mention:
            text = f"<at>{BOT['name']}</at> {text}"
        if channel is None:
            activity = self.base("message", user, self.personal(user), locale, text=text)
        else:
            activity = self.base("message", user, self.channel(channel, thread), locale,
                                 text=text, channelData=self.channel_data(channel))
            if message_id is not None:
                activity["id"] = message_id
        if mention:
            activity["entities"].append({"type": "mention", "mentioned": BOT,
                                         "text": f"<at>{BOT['name']}</at>"})
        return await self.post(activity)

    async def execute(self, user: User, action: dict[str, Any],
                      inputs: dict[str, Any] | None = None, *,
                      reply_to: str = "1000", locale: str = "en-US",
                      activity_id: str | None = None,
                      conversation: dict[str, Any] | None = None,
                      service_url: str | None = None) -> tuple[int, Any]:
        """Click an `Action.Execute` button of a card (an `adaptiveCard/action` invoke)."""
        assert action["type"] == "Action.Execute"
        activity = self.base(
            "invoke", user, conversation or self.personal(user), locale,
            name="adaptiveCard/action", replyToId=reply_to,
            value={"action": {"type": "Action.Execute", "id": action.get("id", "x"),
                              "verb": action["verb"],
                              "data": {**action["data"], **(inputs or {})}},
                   "trigger": "manual"},
        )
        if activity_id is not None:
            activity["id"] = activity_id
        if service_url is not None:
            activity["serviceUrl"] = service_url
        return await self.post(activity)

    async def submit(self, user: User, action: dict[str, Any],
                     inputs: dict[str, Any] | None = None, *, reply_to: str) -> tuple[int, Any]:
        """Click the `Action.Submit` fallback (a message carrying `value`)."""
        fallback = action["fallback"]
        assert fallback["type"] == "Action.Submit"
        activity = self.base("message", user, self.personal(user), replyToId=reply_to,
                             value={**fallback["data"], **(inputs or {})})
        return await self.post(activity)


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action of a card, in order: card actions and ActionSets alike."""
    found = list(card.get("actions") or [])
    for element in card.get("body") or []:
        if element.get("type") == "ActionSet":
            found.extend(element["actions"])
    return found


def button(card: dict[str, Any], title: str | None = None, verb: str | None = None
           ) -> dict[str, Any]:
    for action in buttons(card):
        if (title is None or action["title"] == title) and (verb is None or action["verb"] == verb):
            return action
    raise AssertionError(f"no button {title or verb!r} in the card")


def texts_of(card: dict[str, Any]) -> str:
    """The card's text blocks, and its FactSet facts as "label: value" lines."""
    lines: list[str] = []
    for el in card.get("body") or []:
        if el.get("type") == "TextBlock":
            lines.append(el.get("text", ""))
        elif el.get("type") == "FactSet":
            lines += [f"{fact['title']}: {fact['value']}" for fact in el.get("facts") or []]
    return "\n".join(lines)

