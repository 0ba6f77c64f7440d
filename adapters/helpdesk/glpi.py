"""GLPI 11 (core webhooks; GLPI 10 needed a plugin): a webhook on Ticket updates.

Checked against GLPI's own code (src/Webhook.php, src/QueuedWebhook.php,
src/Glpi/Api/HL/Controller/ITILController.php):

- `Webhook::raise()` signs: `X-GLPI-signature` is the hex HMAC-SHA256 of the raw body
  followed by the `X-GLPI-timestamp` value (Unix seconds, taken when the event is raised).
  The queue stores those headers and every try (a retry, a delayed send) re-sends them, so a
  signed GLPI request is accepted for `RATEBOT_GLPI_MAX_AGE_HOURS`; replays are duplicates.
- The default payload is `{"item": <the API's Ticket>, "event": ...}`. Its `item.team`
  members (`getCleanTeam()`) carry role (requester, assigned, observer), name (the login),
  realname, firstname, display_name and href (`.../front/user.form.php?id=N` or
  `group.form.php`), no `type`; nothing in a Ticket is an e-mail address.
- A custom payload is a Twig template rendered after GLPI put a backslash before every `"`
  in every value; Twig's HTML auto-escaping adds entities where a value is not `|raw`.

Ticket statuses: 1 New, 2 Processing (assigned), 3 Processing (planned), 4 Pending,
5 Solved, 6 Closed.

With GLPI's API connected, a close whose requester has no e-mail in the payload (logins
that are not addresses) is completed while the webhook waits: the members' user ids
(from `href`) are looked up (`User/{id}/UserEmail`), cached, within `LOOKUP_SECONDS`;
an API that does not answer in time makes the webhook answer 503, and GLPI retries.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from adapters.helpdesk.auth import Signature, SigningTime
from adapters.helpdesk.enrichment import LOOKUP_SECONDS, EnrichedWebhook, LookupNeeded
from adapters.helpdesk.source import Ignored, Verdict, WebhookEvent, is_email
from adapters.helpdesk.vendor import Outcome, Reader, outcome_of, pick_agent
from bot.domain.clock import Clock
from bot.domain.events import ConversationReopened
from bot.ports.helpdesk_api import HelpdeskApi

SIGNATURE_HEADER = "X-GLPI-signature"
TIMESTAMP_HEADER = "X-GLPI-timestamp"
# GLPI re-sends its queued webhooks with the headers of the first try: a week of outage.
DEFAULT_MAX_AGE = timedelta(hours=168)

NO_EMAIL = (
    "required: GLPI sends no e-mail addresses. Either make GLPI logins e-mail addresses "
    "(the requester's login in item.team is then used), or connect GLPI's API "
    "(RATEBOT_GLPI_URL and RATEBOT_GLPI_USER_TOKEN), or use the custom payload in "
    "docs/integrations/glpi.md, which adds requester_email"
)
NO_EMAIL_IN_GLPI = (
    "required: neither the payload nor GLPI's API gives the requester an e-mail address; "
    "give the requester's GLPI user one (Administration > Users > E-mails)"
)
# How long a webhook waits for GLPI's API to name a close's people.
_USER_ID = re.compile(r"/front/user\.form\.php\?(?:[^#]*&)?id=(\d+)", re.IGNORECASE)
# The top-level keys of GLPI's default payload; any other key means a custom template.
_DEFAULT_KEYS = {"item", "event", "parent_item"}
_MEMBER_KIND = re.compile(r"/front/(user|group|supplier)\.form\.php", re.IGNORECASE)

STATUSES = {
    "5": Outcome.CLOSE,
    "solved": Outcome.CLOSE,
    "6": Outcome.CLOSE,
    "closed": Outcome.CLOSE,
    # Worked on again; a ticket that was never solved has nothing to withdraw.
    "2": Outcome.REOPEN,
    "3": Outcome.REOPEN,
    "4": Outcome.REOPEN,
    "processing (assigned)": Outcome.REOPEN,
    "processing (planned)": Outcome.REOPEN,
    "pending": Outcome.REOPEN,
}


class GlpiWebhook(EnrichedWebhook):
    """The `glpi` source; with `api`, requesters without an e-mail are looked up."""

    name = "glpi"
    product = "GLPI"
    secret_setting = "RATEBOT_GLPI_SECRET"
    proof = Signature(
        SIGNATURE_HEADER, signing_time=SigningTime(TIMESTAMP_HEADER, "unix", before_body=False)
    )

    def __init__(
        self,
        secret: str | None,
        *,
        clock: Clock | None = None,
        max_age: timedelta = DEFAULT_MAX_AGE,
        api: HelpdeskApi | None = None,
        lookup_seconds: float = LOOKUP_SECONDS,
    ) -> None:
        super().__init__(secret, clock=clock, api=api, lookup_seconds=lookup_seconds)
        self._proof = Signature(
            SIGNATURE_HEADER,
            signing_time=SigningTime(TIMESTAMP_HEADER, "unix", before_body=False),
            max_age=max_age,
        )

    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        return self._proof.check(headers, body, secret, self._clock)

    def _parse(
        self, data: dict[str, Any], received_at: datetime, emails: Mapping[str, str | None] | None
    ) -> WebhookEvent:
        fields = Reader(data, "GLPI")
        # Only a template adds escapes; GLPI's default payload is plain json_encode.
        templated = not set(data) <= _DEFAULT_KEYS
        event = (fields.text("event") or "update").casefold()
        status_path = "item.status.id" if isinstance(fields.value("item.status"), Mapping) else (
            "item.status"
        )
        (ticket,) = fields.require("item.id")
        if event == "delete":
            return Ignored("a deleted ticket is not rated")
        (status,) = fields.require(status_path)
        outcome = outcome_of(status, STATUSES)
        if outcome is Outcome.REOPEN:
            return ConversationReopened(self.name, ticket, received_at)
        if outcome is Outcome.IGNORE:
            return Ignored(f"GLPI status {status} neither solves nor reopens a ticket")

        def plain(text: str | None) -> str | None:
            return _unescape(text) if templated and text is not None else text

        return self._closed(fields, ticket, _Team(fields.value("item.team"), plain, emails),
                            plain, received_at)

    def _closed(
        self, fields: Reader, ticket: str, team: _Team, plain: Any, received_at: datetime
    ) -> WebhookEvent:
        requester = fields.email("requester_email") or team.email("requester")
        if requester is None and "requester_email" not in fields.errors:
            wanted = team.user_ids("requester") + team.user_ids("assigned")
            if team.looked_up is None and self._api is not None and wanted:
                raise LookupNeeded(wanted)
            fields.errors["requester_email"] = (
                NO_EMAIL if team.looked_up is None else NO_EMAIL_IN_GLPI
            )
        technician = team.user("assigned")
        agent_email, agent_name = pick_agent(
            [(
                fields.optional_email("technician_email") or team.address_of(technician),
                _shown(technician),
            )],
            requester,
        )
        return self.closed(
            fields,
            ticket,
            requester=requester,
            team=plain(fields.text("group")) or team.group("assigned"),
            closed_at=received_at,
            subject=plain(fields.text("item.name", limit=500)),
            agent_email=agent_email,
            agent_name=plain(fields.text("technician_name")) or agent_name,
            requester_name=plain(fields.text("requester_name")),
        )


def _unescape(text: str) -> str:
    # GLPI wrote `\"` for every `"` before rendering (exactly undone: an original `\"` was
    # written `\\"`); Twig's auto-escaping wrote entities where a value was not `|raw`.
    return html.unescape(text.replace('\\"', '"'))


Member = Mapping[str, Any]


class _Team:
    """A ticket's actors (`item.team`), read by role; a member's kind from `type` or `href`.

    `looked_up`: the e-mails GLPI's API gave for user ids (None: not asked).
    """

    def __init__(
        self, members: Any, plain: Any, looked_up: Mapping[str, str | None] | None = None
    ) -> None:
        self._members: list[tuple[str | None, str, Member]] = []
        self._plain = plain
        self.looked_up = looked_up
        if not isinstance(members, list):
            return
        for member in members:
            if not isinstance(member, Mapping):
                continue
            role, name = member.get("role"), member.get("name")
            if isinstance(role, str) and isinstance(name, str) and name.strip():
                self._members.append((_kind(member), role.strip().casefold(), member))

    def _of(self, kind: str, role: str) -> list[Member]:
        # A member of unknown kind may be either (an old payload or a trimmed template).
        return [m for k, r, m in self._members if r == role and k in (kind, None)]

    def email(self, role: str) -> str | None:
        """The first user in `role` whose login is an e-mail address, else whose e-mail
        GLPI's API gave."""
        for member in self._of("User", role):
            found = _email_like(member)
            if found is not None:
                return found
        for member in self._of("User", role):
            found = self.address_of(member)
            if found is not None:
                return found
        return None

    def address_of(self, member: Member | None) -> str | None:
        """The member's login if it is an address, else what GLPI's API gave for its id."""
        found = _email_like(member)
        if found is not None or member is None or not self.looked_up:
            return found
        given = self.looked_up.get(_user_id(member) or "")
        return given.lower() if given is not None and is_email(given) else None

    def user_ids(self, role: str) -> list[str]:
        """The GLPI user ids of `role`'s members (from their `href`)."""
        return [found for m in self._of("User", role) if (found := _user_id(m)) is not None]

    def user(self, role: str) -> Member | None:
        users = self._of("User", role)
        return next((m for m in users if _email_like(m) is not None), None) or (
            users[0] if users else None
        )

    def group(self, role: str) -> str | None:
        kinds = [(k, m) for k, r, m in self._members if r == role]
        named = next((m for k, m in kinds if k == "Group"), None)
        if named is None:
            return None
        found: str | None = self._plain(str(named["name"]).strip())
        return found


def _kind(member: Member) -> str | None:
    kind = member.get("type")
    if isinstance(kind, str) and kind.strip():
        return kind.strip().capitalize()
    href = member.get("href")
    match = _MEMBER_KIND.search(href) if isinstance(href, str) else None
    return match.group(1).capitalize() if match else None


def _user_id(member: Member) -> str | None:
    href = member.get("href")
    match = _USER_ID.search(href) if isinstance(href, str) else None
    return match.group(1) if match else None


def _email_like(member: Member | None) -> str | None:
    # Where GLPI logins are e-mail addresses (LDAP, SSO), the login is the address.
    if member is None:
        return None
    login = str(member.get("name") or "").strip()
    return login.lower() if is_email(login) else None


def _shown(member: Member | None) -> str | None:
    if member is None:
        return None
    for key in ("display_name", "name"):
        value = member.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
