"""What an accepted close keeps until it is settled: the people it named, as short JSON.

Accepting stores the close on its conversation row, undecided: `pending` holds what
settling needs (the people's identities and when it was accepted); settling clears it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from storage.base import normalize_email

# Short keys: the payload is written on every close and read once.
_IDENTITY_KEYS = (
    ("e", "email"), ("n", "display_name"), ("s", "slack_user_id"), ("t", "teams_user_id"),
)


# Built once: `json.dumps` with options builds an encoder on every call, and this runs on
# every webhook.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def pending_payload(event: ConversationClosed, now: datetime) -> str:
    return _COMPACT.encode({"at": now.isoformat(), "r": _identity_json(event, _REQUESTER),
                            "a": _identity_json(event, _AGENT)})


# Where each identity field sits on a close, for its requester and its agent: the
# payload is written straight from the close, as every webhook is stored with one.
_ON_A_CLOSE = {"email": "email", "display_name": "name", "slack_user_id": "slack_id",
               "teams_user_id": "teams_id"}
_REQUESTER = tuple((short, f"requester_{_ON_A_CLOSE[name]}") for short, name in _IDENTITY_KEYS)
_AGENT = tuple((short, f"agent_{_ON_A_CLOSE[name]}") for short, name in _IDENTITY_KEYS)


def _identity_json(event: ConversationClosed, fields: tuple[tuple[str, str], ...]
                   ) -> dict[str, str]:
    return {short: value for short, name in fields if (value := getattr(event, name))}


@dataclass(frozen=True, slots=True)
class Payload:
    accepted_at: datetime
    requester: PersonIdentity
    agent: PersonIdentity


def parse_payload(text: str) -> Payload:
    data = json.loads(text)
    return Payload(
        accepted_at=datetime.fromisoformat(data["at"]),
        requester=_identity_from(data.get("r", {})),
        agent=_identity_from(data.get("a", {})),
    )


def _identity_from(data: dict[str, str]) -> PersonIdentity:
    return PersonIdentity(**{name: data.get(short) for short, name in _IDENTITY_KEYS})


def scrub_payload(text: str, person: PersonIdentity) -> str | None:
    """The payload without any identity matching `person`; None when nothing matched.

    `forget` calls this so a person's email and name do not outlive them in a close not
    yet settled: that close is then decided as for a forgotten person.
    """
    data = json.loads(text)
    changed = False
    for role in ("r", "a"):
        identity = _identity_from(data.get(role, {}))
        if _same_person(identity, person):
            data[role] = {}
            changed = True
    return _COMPACT.encode(data) if changed else None


def _same_person(identity: PersonIdentity, person: PersonIdentity) -> bool:
    pairs = (
        (normalize_email(identity.email), normalize_email(person.email)),
        (identity.slack_user_id, person.slack_user_id),
        (identity.teams_user_id, person.teams_user_id),
    )
    return any(given is not None and given == stored for given, stored in pairs)
