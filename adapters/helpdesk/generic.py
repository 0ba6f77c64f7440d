"""The generic webhook: ratebot's own canonical payload, signed with HMAC-SHA256.

A sender that cannot compute an HMAC (Power Automate's expressions have no function for
one) sends the secret itself instead, as the vendor sources that cannot sign do: in
`X-Ratebot-Token`, or as the basic-auth password, over HTTPS only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
)

from adapters.helpdesk.auth import TOKEN_HEADER, check_shared_secret
from adapters.helpdesk.source import (
    OUT_OF_RANGE,
    PayloadError,
    SecretSource,
    Verdict,
    WebhookEvent,
    is_email,
    load_object,
)
from bot.domain.events import ConversationClosed, ConversationReopened

SIGNATURE_HEADER = "X-Ratebot-Signature"
SECRET_SETTING = "RATEBOT_WEBHOOK_SECRET"
_PREFIX = "sha256="


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError("not a valid email address")
    # People are matched by email; helpdesks disagree about case.
    return value.lower()


def _blank_to_none(value: Any) -> Any:
    # Helpdesks often send "" for a field they do not have.
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text_only(value: Any) -> Any:
    # Pydantic would read a number as a Unix time; the contract is ISO-8601 text.
    if value is not None and not isinstance(value, str):
        raise ValueError("must be an ISO-8601 date-time text with a timezone")
    return value


def _ticket_text(value: Any) -> Any:
    # Many helpdesks number their tickets; accept 1042 as "1042", never true/false.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _closed_event(value: str) -> str:
    if value != "closed":
        raise ValueError("must be 'closed' or 'reopened'")
    return value


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:59:59-05:00 is a valid text for a time no datetime can hold in UTC.
        raise ValueError(OUT_OF_RANGE) from None


# The contract's limits, in characters, after surrounding whitespace is stripped.
EMAIL_LONGEST, TICKET_LONGEST, TEAM_LONGEST, SUBJECT_LONGEST, NAME_LONGEST = 254, 200, 64, 500, 200

Email = Annotated[str, Field(max_length=EMAIL_LONGEST), AfterValidator(_email)]
OptionalEmail = Annotated[Email | None, BeforeValidator(_blank_to_none)]
TicketId = Annotated[
    str, Field(min_length=1, max_length=TICKET_LONGEST), BeforeValidator(_ticket_text)
]
Subject = Annotated[
    Annotated[str, Field(max_length=SUBJECT_LONGEST)] | None, BeforeValidator(_blank_to_none)
]
Name = Annotated[
    Annotated[str, Field(max_length=NAME_LONGEST)] | None, BeforeValidator(_blank_to_none)
]
Moment = Annotated[AwareDatetime | None, BeforeValidator(_text_only), AfterValidator(_utc)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    ticket_id: TicketId


class ClosePayload(_Payload):
    event: Annotated[str, AfterValidator(_closed_event)] = "closed"
    requester_email: Email
    team: Annotated[str, Field(min_length=1, max_length=TEAM_LONGEST)]
    agent: OptionalEmail = None
    subject: Subject = None
    closed_at: Moment = None
    always_ask: StrictBool = False
    requester_name: Name = None
    agent_name: Name = None

    def event_at(self, received_at: datetime) -> ConversationClosed:
        return _close_of(self.model_dump(), received_at)


def _close_of(fields: Mapping[str, Any], received_at: datetime) -> ConversationClosed:
    """The close of a payload read into `ClosePayload`'s fields, by either reading."""
    return ConversationClosed(
        source=GenericWebhook.name,
        ticket_id=fields["ticket_id"],
        requester_email=fields["requester_email"],
        team=fields["team"],
        closed_at=fields["closed_at"] or received_at,
        subject=fields["subject"],
        agent_email=fields["agent"],
        agent_name=fields["agent_name"],
        requester_name=fields["requester_name"],
        always_ask=fields["always_ask"],
    )


class ReopenPayload(_Payload):
    event: Literal["reopened"]
    reopened_at: Moment = None

    def event_at(self, received_at: datetime) -> ConversationReopened:
        return ConversationReopened(
            source=GenericWebhook.name,
            ticket_id=self.ticket_id,
            reopened_at=self.reopened_at or received_at,
        )


def sign(body: bytes, secret: str) -> str:
    """The header value a sender puts in `X-Ratebot-Signature` for `body`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def check_signature(body: bytes, header: str | None, secret: str) -> Verdict:
    if not header:
        return Verdict(False, f"missing {SIGNATURE_HEADER} header")
    expected = sign(body, secret).encode()
    # compare_digest takes bytes of any content; str would raise on non-ASCII input.
    given = header.strip().lower().encode("utf-8", errors="replace")
    if not hmac.compare_digest(expected, given):
        return Verdict(False, f"{SIGNATURE_HEADER} does not match the body")
    return Verdict(True)


def parse_payload(body: bytes, *, received_at: datetime) -> WebhookEvent:
    """Read the generic JSON body into a core event, or raise `PayloadError`."""
    data = load_object(body)
    plain = plain_close(data, received_at)
    if plain is not None:
        return plain
    model = ReopenPayload if data.get("event") == "reopened" else ClosePayload
    try:
        payload = model.model_validate(data)
    except ValidationError as exc:
        raise PayloadError("invalid payload", _field_errors(exc)) from None
    return payload.event_at(received_at)


class _NotPlain(Exception):
    """The payload needs the model: something to strip, convert or refuse."""


def plain_close(data: Mapping[str, Any], received_at: datetime) -> ConversationClosed | None:
    """The close `ClosePayload` reads from `data`, when reading it needs none of the
    model's work: no whitespace to strip, no number to turn into text, nothing to refuse.

    None otherwise, and the model reads it, or names what is wrong. Nearly every sender's
    payload is plain, and on the path every webhook waits on, validating it through the
    model cost more than the rest of reading it (`python -m bench intake`). Both readings
    give the same close for any payload this one takes (tests/adapters/test_generic_payload).
    """
    try:
        if data.get("event", "closed") != "closed":
            return None
        ticket = data["ticket_id"]
        fields = {
            "ticket_id": _plain_text(str(ticket) if type(ticket) is int else ticket,
                                     TICKET_LONGEST),
            "requester_email": _plain_email(data["requester_email"]),
            "team": _plain_text(data["team"], TEAM_LONGEST),
            "agent": _plain_optional(data.get("agent"), _plain_email),
            "subject": _plain_optional(data.get("subject"), _plain_subject),
            "closed_at": _plain_moment(data.get("closed_at")),
            "always_ask": _plain_flag(data.get("always_ask", False)),
            "requester_name": _plain_optional(data.get("requester_name"), _plain_name),
            "agent_name": _plain_optional(data.get("agent_name"), _plain_name),
        }
    except (_NotPlain, KeyError):
        return None
    return _close_of(fields, received_at)


def _plain_text(value: Any, longest: int) -> str:
    # Python's strip() takes off every character the model's does (and a few more), so
    # a value it leaves alone is one the model keeps as it is.
    if type(value) is not str or not 0 < len(value) <= longest or value.strip() != value:
        raise _NotPlain
    return value


def _plain_email(value: Any) -> str:
    text = _plain_text(value, EMAIL_LONGEST)
    if not is_email(text):
        raise _NotPlain
    return text.lower()


def _plain_subject(value: Any) -> str:
    return _plain_text(value, SUBJECT_LONGEST)


def _plain_name(value: Any) -> str:
    return _plain_text(value, NAME_LONGEST)


def _plain_optional(value: Any, read: Callable[[Any], str]) -> str | None:
    if value is None or (type(value) is str and not value.strip()):
        return None  # as `_blank_to_none` has it
    return read(value)


# ISO-8601 as helpdesks write it, in ranges `datetime.fromisoformat` and the model agree on
# (both keep the first six digits of a fraction: Power Automate's `utcNow()` writes seven).
_PLAIN_MOMENT = re.compile(
    r"\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,  # \d is then 0-9 only
)


def _plain_moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if type(value) is not str or _PLAIN_MOMENT.fullmatch(value) is None:
        raise _NotPlain
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _NotPlain from None


def _plain_flag(value: Any) -> bool:
    if type(value) is not bool:
        raise _NotPlain
    return value


def _field_errors(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in error["loc"]) or "body"
        message = "required" if error["type"] == "missing" else error["msg"]
        fields.setdefault(name, message.removeprefix("Value error, "))
    return fields


class GenericWebhook(SecretSource):
    """The `generic` source: any helpdesk that can send a signed JSON POST."""

    name = "generic"
    secret_setting = SECRET_SETTING

    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        # A signature, when there is one, decides; a request with neither proof is told
        # about the signature, the contract's way.
        if SIGNATURE_HEADER not in headers and _carries_secret(headers):
            return check_shared_secret(headers, secret)
        return check_signature(body, headers.get(SIGNATURE_HEADER), secret)

    def sign(self, body: bytes, *, now: datetime) -> dict[str, str]:
        """The signature header a sender puts on `body` (for `webhook-test`)."""
        if self._secret is None:
            raise ValueError(f"{self.secret_setting} is not set")
        return {SIGNATURE_HEADER: sign(body, self._secret)}

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        return parse_payload(body, received_at=received_at)


def _carries_secret(headers: Mapping[str, str]) -> bool:
    return TOKEN_HEADER in headers or "Authorization" in headers
