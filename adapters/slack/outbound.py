"""`SlackChat`: the core's `ChatPort` over Slack's Web API; Slack's errors become the core's."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.direct import DirectMessages
from adapters.slack.directory import NO_SLACK_USER, SlackDirectory
from adapters.slack.pacing import Pacer, slack_pacers
from adapters.slack.ratelimit import DEFAULT_WINDOW_SECONDS, PLATFORM, RateLimitGate
from adapters.slack.reminding import SlackReminders
from adapters.slack.render import (
    Block,
    Message,
    alert_message,
    digest_message,
    plain_message,
    prompt_message,
)
from bot.domain.clock import Clock, SystemClock
from bot.domain.identity import PersonIdentity
from bot.domain.messages import (
    ChannelMessage,
    DetractorAlert,
    DigestMessage,
    PromptUpdate,
    RatingPrompt,
)
from bot.domain.model import Person
from bot.domain.texts import locale_for
from bot.flows.contact_book import ContactBook
from bot.flows.platform_pauses import PlatformPauses
from bot.ports.chat import (
    PermanentDeliveryError,
    RateLimited,
    RecipientUnreachable,
    SendBegins,
    TransientDeliveryError,
)
from bot.ports.store import Store

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
DM_CACHE = 10_000
# Errors that retrying will not cure; anything else Slack answers is worth another try.
PERMANENT = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
    "no_permission", "missing_scope", "channel_not_found", "is_archived", "user_not_found",
    "user_disabled", "cannot_dm_bot", "not_in_channel", "invalid_blocks", "msg_too_long",
    "restricted_action", "org_login_required", "ekm_access_denied", "team_access_not_granted",
})
UNREACHABLE = frozenset({"users_not_found"})
RATE_LIMITED = "slack: ratelimited"
# Every prompt's message carries this metadata event with its prompt id: after a crash
# mid-send, the worker finds out from the DM's history whether the post arrived.
PROMPT_EVENT = "ratebot_prompt"
HISTORY_MARGIN = timedelta(minutes=10)  # for the clocks of ratebot and Slack
HISTORY_PAGE_SIZE = 100
HISTORY_PAGES = 5
# A click's update waits out a rate-limit window up to this long (the SDK's own retry
# used to); beyond it the call fails at once.
MAX_WAIT_SECONDS = 10.0
# Set while the delivery worker sends: a rate-limit window then postpones the prompt.
_DELIVERING: ContextVar[bool] = ContextVar("slack_delivering", default=False)


def slack_client(token: str, *, api_url: str | None = None,
                 session: aiohttp.ClientSession | None = None,
                 retry_connection_errors: bool = True) -> AsyncWebClient:
    """The Web API client at `api_url` (SLACK_API_URL), Slack's own by default.

    A 429 is not retried by the SDK: `RateLimitGate` keeps its window for every caller.
    A dropped connection is retried, except where a repeat could post twice
    (`retry_connection_errors=False`, the client that posts prompts).
    """
    handlers: list[AsyncRetryHandler] = [AsyncConnectionErrorRetryHandler(max_retry_count=2)]
    return AsyncWebClient(
        token=token,
        base_url=api_url or DEFAULT_API_URL,
        session=session,
        retry_handlers=handlers if retry_connection_errors else [],
    )


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_ref(ref: str) -> tuple[str, str]:
    channel, _, ts = ref.partition(":")
    if not channel or not ts:
        raise ValueError(f"not a Slack message reference: {ref!r}")
    return channel, ts


def retry_after_of(exc: Exception) -> float | None:
    """Seconds of a 429's `Retry-After`; None when `exc` is not Slack saying "slow down"."""
    if not isinstance(exc, SlackApiError):
        return None
    response = exc.response
    if response.status_code != 429 and response.get("error") != "ratelimited":
        return None
    header = response.headers.get("Retry-After") or response.headers.get("retry-after")
    value = header[0] if isinstance(header, list) else header
    try:
        return float(value) if value else DEFAULT_WINDOW_SECONDS
    except ValueError:
        return DEFAULT_WINDOW_SECONDS


def delivery_error(exc: Exception) -> PermanentDeliveryError | TransientDeliveryError:
    """What a failed Web API call means for the delivery worker."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = str(response.get("error") or "unknown_error")
        retry_after = retry_after_of(exc)
        if retry_after is not None:
            return RateLimited(f"slack: {error}", retry_after=retry_after)
        if error in UNREACHABLE:
            return RecipientUnreachable(NO_SLACK_USER)
        if error in PERMANENT:
            return PermanentDeliveryError(f"slack: {error}")
        # Slack failed on its side: the call may have been carried out all the same.
        return TransientDeliveryError(f"slack: {error}", in_doubt=response.status_code >= 500)
    # A time-out or a dropped connection may come after Slack got the call; only a
    # connection that was never made is known not to have arrived.
    in_doubt = not isinstance(exc, aiohttp.ClientConnectorError)
    return TransientDeliveryError(f"slack: {type(exc).__name__}", in_doubt=in_doubt)


def api_name(method: Callable[..., Any]) -> str:
    """The Web API method a client function calls: `chat_postMessage` is chat.postMessage."""
    return getattr(method, "__name__", "unknown").replace("_", ".", 1)


def _is_prompt(message: Mapping[str, Any], prompt_id: int) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(
        metadata.get("event_type") == PROMPT_EVENT
        and str(payload.get("prompt_id")) == str(prompt_id)
    )


class SlackChat(DirectMessages, SlackReminders):
    """Sends prompts and alerts as Block Kit messages; remembers who is who in `people`."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, store: Store, *, default_locale: str,
                 session: aiohttp.ClientSession | None = None,
                 pacers: Mapping[str, Pacer] | None = None,
                 gate: RateLimitGate | None = None,
                 poster: AsyncWebClient | None = None, clock: Clock | None = None) -> None:
        self.client = client
        # Posts prompts without the SDK's retry on a dropped connection: the post may
        # have arrived, and the delivery worker asks Slack before it posts again.
        self._poster = poster or client
        clock = clock or SystemClock()
        self._contacts = ContactBook(store, clock)
        self.gate = gate or RateLimitGate(PlatformPauses(store, PLATFORM), clock, shared=False)
        self._default_locale = default_locale
        self._session = session  # owned: closed by `aclose`
        self._pacers = slack_pacers() if pacers is None else pacers
        self.directory = SlackDirectory(client, self._call, lambda m: self._pacers.get(m),
                                        self._contacts, self.gate, clock)
        # A person's DM with the bot never changes: asked once, no Tier 3 call per prompt.
        self._dms: OrderedDict[str, str] = OrderedDict()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    # ------------------------------------------------------------------ ChatPort

    async def send_prompt(
        self, prompt: RatingPrompt, *, begin: SendBegins | None = None
    ) -> str:
        token = _DELIVERING.set(True)
        try:
            person = await self._slack_person(prompt.recipient)
            user_id = person.slack_user_id
            assert user_id is not None
            # Posting to the user id opens the DM: no conversations.open (Tier 3) needed.
            channel = self._dms.get(user_id, user_id)
            message = prompt_message(prompt, self.locale_of(person))
            # Waiting out a window here, not after `begin`: the doubt is the post alone. `_call`
            # looks again after `begin`, for a window another replica was told of in between.
            await self._open_gate("chat.postMessage")
            if begin is not None:
                await begin()
            posted = await self._call(
                self._poster.chat_postMessage, channel=channel, text=message.text,
                blocks=message.blocks, unfurl_links=False, unfurl_media=False,
                metadata={
                    "event_type": PROMPT_EVENT,
                    "event_payload": {"prompt_id": str(prompt.prompt_id)},
                },
            )
            self._keep_dm(user_id, str(posted["channel"]))
            return message_ref(str(posted["channel"]), str(posted["ts"]))
        finally:
            _DELIVERING.reset(token)

    async def find_prompt(self, prompt: RatingPrompt, *, since: datetime) -> str | None:
        """Look for the prompt's message in the person's DM, by its metadata."""
        user_id = prompt.recipient.slack_user_id
        if user_id is None:
            return None  # never looked up in Slack, so never posted there
        token = _DELIVERING.set(True)
        try:
            channel = await self.open_dm(user_id)
            oldest = (since - HISTORY_MARGIN).timestamp()
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                found = await self._call(
                    self.client.conversations_history, channel=channel, oldest=f"{oldest:.6f}",
                    include_all_metadata=True, limit=HISTORY_PAGE_SIZE, cursor=cursor,
                )
                for message in found.get("messages") or []:
                    if _is_prompt(message, prompt.prompt_id):
                        return message_ref(channel, str(message["ts"]))
                cursor = (found.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    return None
            return None
        finally:
            _DELIVERING.reset(token)

    async def update_prompt(self, message_ref: str, update: PromptUpdate) -> None:
        channel, ts = split_ref(message_ref)
        locale = self.locale_of(update.prompt.recipient)
        await self.update(channel, ts, prompt_message(update.prompt, locale, update))

    async def post_message(self, channel: str, message: ChannelMessage) -> str:
        if isinstance(message, DetractorAlert):
            return await self.post(channel, alert_message(message, self._default_locale))
        if isinstance(message, DigestMessage):
            ref = await self.post(channel, digest_message(message))
            if message.chart_png is not None:
                # The chart goes in the digest's thread: the message stays one message.
                digest = message.digest
                await self._call(
                    self.client.files_upload_v2, channel=channel, content=message.chart_png,
                    filename=f"digest-{digest.team_name}-{digest.week}.png",
                    title=f"{digest.team_display_name} {digest.week}",
                    thread_ts=split_ref(ref)[1],
                )
            return ref
        return await self.post(channel, plain_message(message.text))

    async def update_alert(self, ref: str, alert: DetractorAlert) -> None:
        channel, ts = split_ref(ref)
        await self.update(channel, ts, alert_message(alert, self._default_locale))

    # ------------------------------------------------------------------ people

    def locale_of(self, person: Person | None) -> str:
        return locale_for(person.locale if person else None, self._default_locale)

    async def _slack_person(self, person: Person) -> Person:
        """The person with their Slack id and locale: from the directory, else looked up
        by email once (see `SlackDirectory.resolve`), and kept."""
        if person.slack_user_id and person.locale:
            return person
        user_id = person.slack_user_id
        if user_id is None:
            entry, listed = await self.directory.resolve(person.email)
            if listed:  # the directory knows their time zone and language too
                return await self._contacts.learned(PersonIdentity(
                    email=person.email, slack_user_id=entry.user_id,
                    display_name=person.display_name, locale=entry.locale,
                    timezone=entry.timezone,
                ))
            user_id = entry.user_id
        identity = await self.identity_of(user_id)
        return await self._contacts.learned(
            PersonIdentity(
                email=person.email or identity.email,
                slack_user_id=user_id,
                display_name=person.display_name or identity.display_name,
                locale=identity.locale,
                timezone=identity.timezone,
            )
        )

    async def identity_of(self, user_id: str) -> PersonIdentity:
        """Who a Slack user is (email, name, locale, timezone), from `users.info`."""
        await self._pace("users.info")
        info = await self._call(self.client.users_info, user=user_id, include_locale=True)
        user: dict[str, Any] = info["user"]
        profile: dict[str, Any] = user.get("profile") or {}
        return PersonIdentity(
            email=profile.get("email") or None,
            display_name=profile.get("real_name") or user.get("real_name") or user.get("name"),
            locale=user.get("locale") or None,
            timezone=user.get("tz") or None,
            slack_user_id=user_id,
        )

    # ------------------------------------------------------------------ Web API

    async def open_dm(self, user_id: str) -> str:
        known = self._dms.get(user_id)
        if known is not None:
            self._dms.move_to_end(user_id)
            return known
        await self._pace("conversations.open")
        opened = await self._call(self.client.conversations_open, users=user_id)
        channel = str(opened["channel"]["id"])
        self._keep_dm(user_id, channel)
        return channel

    def _keep_dm(self, user_id: str, channel: str) -> None:
        if channel.startswith("D") and self._dms.get(user_id) != channel:
            self._dms[user_id] = channel
            if len(self._dms) > DM_CACHE:
                self._dms.popitem(last=False)

    async def post(self, channel: str, message: Message) -> str:
        posted = await self._call(
            self.client.chat_postMessage, channel=channel, text=message.text,
            blocks=message.blocks, unfurl_links=False, unfurl_media=False,
        )
        return message_ref(str(posted["channel"]), str(posted["ts"]))

    async def update(self, channel: str, ts: str, message: Message) -> None:
        await self._call(self.client.chat_update, channel=channel, ts=ts, text=message.text,
                         blocks=message.blocks)

    async def ephemeral(self, channel: str, user_id: str, message: Message) -> None:
        await self._call(self.client.chat_postEphemeral, channel=channel, user=user_id,
                         text=message.text, blocks=message.blocks)

    async def open_view(self, trigger_id: str, view: Block) -> None:
        await self._call(self.client.views_open, trigger_id=trigger_id, view=view)

    async def publish_home(self, user_id: str, view: Block) -> None:
        await self._call(self.client.views_publish, user_id=user_id, view=view)

    async def send_file(self, user_id: str, filename: str, content: bytes, comment: str) -> None:
        channel = await self.open_dm(user_id)
        await self._call(self.client.files_upload_v2, channel=channel, filename=filename,
                         content=content, title=filename, initial_comment=comment)

    async def message_in(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One message of a channel (who wrote it, its text), or None when it is gone."""
        found = await self._call(self.client.conversations_history, channel=channel,
                                 latest=ts, inclusive=True, limit=1)
        messages: list[dict[str, Any]] = found.get("messages") or []
        return messages[0] if messages and messages[0].get("ts") == ts else None

    async def _pace(self, method: str) -> None:
        pacer = self._pacers.get(method)
        if pacer is not None:
            await pacer.turn()

    async def _open_gate(self, name: str) -> None:
        """Wait out the method's rate-limit window, or, while delivering, give way.

        A person's click waits (a short window) for its update; the delivery worker
        does not: its prompt waits for the window's end without using an attempt.
        """
        remaining = await self.gate.remaining(name)
        if remaining <= 0:
            return
        if _DELIVERING.get() or remaining > MAX_WAIT_SECONDS:
            raise RateLimited(RATE_LIMITED, retry_after=remaining)
        await self.gate.sleep(remaining)

    async def _call(self, method: Callable[..., Awaitable[AsyncSlackResponse]],
                    **kwargs: Any) -> AsyncSlackResponse:
        name = api_name(method)
        for _ in range(2):  # once more after waiting out a window Slack announced
            await self._open_gate(name)
            try:
                return await method(**kwargs)
            except (TimeoutError, SlackApiError, aiohttp.ClientError) as exc:
                retry_after = retry_after_of(exc)
                if retry_after is not None:
                    await self.gate.pause(name, retry_after)
                    log.warning("slack asked to slow down: %s for %.1f s", name, retry_after)
                    continue
                error = delivery_error(exc)
                log.warning("slack call failed: %s", error.reason)
                raise error from exc
        raise RateLimited(RATE_LIMITED, retry_after=await self.gate.remaining(name) or None)
