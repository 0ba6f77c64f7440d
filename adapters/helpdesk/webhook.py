"""`POST /webhooks/{source}`: one error boundary for every helpdesk source."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from adapters.helpdesk.source import Ignored, PayloadError, WebhookEvent, WebhookSource
from bot.domain.errors import StoreUnavailable, UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.untrusted import loggable
from bot.flows.asking import close_accepted, conversation_reopened
from bot.ports.helpdesk_api import ApiUnavailable, HelpdeskApiError
from bot.ports.telemetry import Telemetry
from bot.services import Services

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
RETRY_AFTER_SECONDS = 30
_CHUNK = 16 * 1024


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None once it exceeds `limit` bytes (counted as it arrives)."""
    declared = request.content_length
    if declared is not None:
        if declared > limit:
            return None
        # aiohttp reads exactly Content-Length bytes of such a body, never more: it is
        # safe to read at once, without the per-chunk iteration (most webhooks come so).
        return await request.read()
    chunks: list[bytes] = []
    size = 0
    # Content-Length can lie or be absent (chunked), so count what actually arrives.
    async for chunk in request.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


# The `word` label of ratebot_webhook_unknown_statuses: lower-cased, cut to WORD_LABEL
# characters, and "other" once UNKNOWN_WORDS distinct (source, word) pairs are counted.
WORD_LABEL = 32
UNKNOWN_WORDS = 50
OTHER = "other"


class UnknownStatuses:
    """Status words no parser knows: a warning once per (source, word), a bounded counter."""

    def __init__(self, telemetry: Telemetry, *, limit: int = UNKNOWN_WORDS) -> None:
        self._telemetry = telemetry
        self._limit = limit
        self._seen: set[tuple[str, str]] = set()

    def report(self, source: str, word: str) -> None:
        label = word.strip().lower()[:WORD_LABEL]
        key = (source, label)
        if key not in self._seen:
            if len(self._seen) >= self._limit:
                label, key = OTHER, (source, OTHER)
            if key not in self._seen:
                self._seen.add(key)
                log.warning(
                    "webhook %s: status word '%s' is unknown to ratebot, so the event was "
                    "ignored%s",
                    source,
                    loggable(word, WORD_LABEL * 2),
                    "" if label != OTHER else " (further unknown words are counted as 'other')",
                )
        self._telemetry.unknown_status(source, label)


# Puts a vendor's close into its ratebot team (bot.flows.source_mapping.TeamRouter).
Route = Callable[[ConversationClosed], Awaitable[ConversationClosed]]


class WebhookEndpoint:
    """Size, signature, JSON, validation, then the core; every outcome counted."""

    def __init__(
        self,
        services: Services,
        sources: Mapping[str, WebhookSource],
        *,
        max_body: int = MAX_BODY,
        route: Route | None = None,
    ) -> None:
        self._services = services
        self._sources = dict(sources)
        self._max_body = max_body
        self._route = route
        self._unknown = UnknownStatuses(services.telemetry)

    @property
    def known_sources(self) -> list[str]:
        return sorted(self._sources)

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["source"]
        source = self._sources.get(name)
        if source is None:
            # Not counted: the label would come from the caller and could grow without bound.
            return _error(404, f"unknown webhook source '{name[:64]}'", known=self.known_sources)
        outcome, response = await self._respond(source, request)
        self._services.telemetry.webhook_received(source.name, outcome)
        return response

    async def _respond(
        self, source: WebhookSource, request: web.Request
    ) -> tuple[str, web.Response]:
        event: WebhookEvent | None = None
        try:
            body = await read_body(request, self._max_body)
            if body is None:
                return "too_large", _error(413, f"body larger than {self._max_body} bytes")
            if not source.configured:
                return "unauthorized", _error(403, _unconfigured(source))
            verdict = source.verify(request.headers, body)
            if not verdict.ok:
                return "unauthorized", _error(401, verdict.reason)
            try:
                event = await _parse(source, body, self._services.clock.now())
            except PayloadError as exc:
                return "invalid", _error(400, exc.message, fields=exc.fields or None)
            if isinstance(event, Ignored) and event.unknown_status is not None:
                self._unknown.report(source.name, event.unknown_status)
            return await self._apply(event)
        except UnknownTeam as exc:
            return "unknown_team", _error(422, str(exc))
        except StoreUnavailable:
            log.warning("webhook %s: database unavailable, asked the sender to retry", source.name)
            response = _error(503, "database unavailable, retry later")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return "unavailable", response
        except HelpdeskApiError as exc:
            # The helpdesk retries a 5xx; the reconcile poll finds what it gives up on.
            log.warning("webhook %s: the helpdesk's API did not answer: %s", source.name, exc)
            wait = exc.retry_after if isinstance(exc, ApiUnavailable) else None
            response = _error(503, f"{source.name}'s API did not answer, retry later")
            response.headers["Retry-After"] = str(max(RETRY_AFTER_SECONDS, int(wait or 0)))
            return "unavailable", response
        except Exception as exc:
            _log_failure(source.name, event, exc)
            return "error", _error(500, "internal error")

    async def _apply(self, event: WebhookEvent) -> tuple[str, web.Response]:
        if isinstance(event, Ignored):
            return "ignored", web.json_response({"status": "ignored", "reason": event.reason})
        if isinstance(event, ConversationClosed):
            if self._route is not None:
                event = await self._route(event)
            # Stored durably before the 202; the worker decides moments later.
            if not await close_accepted(self._services, event):
                return "duplicate", _answer(_DUPLICATE)
            return "accepted", _answer(_ACCEPTED, status=202)
        reopened = await conversation_reopened(self._services, event)
        body: dict[str, object] = {
            "status": "reopened",
            "found": reopened.found,
            "withdrawn": reopened.withdrawn is not None,
        }
        return "reopened", web.json_response(body)


async def _parse(source: WebhookSource, body: bytes, received_at: datetime) -> WebhookEvent:
    """The source's event; a source that asks its helpdesk's API (Jira Cloud) does so here."""
    enriched = getattr(source, "parse_enriched", None)
    if enriched is not None:
        event: WebhookEvent = await enriched(body, received_at=received_at)
        return event
    return source.parse(body, received_at=received_at)


# The answers every close gets, encoded once rather than per request.
_ACCEPTED = json.dumps({"status": "accepted"}).encode()
_DUPLICATE = json.dumps({"status": "duplicate"}).encode()


def _answer(body: bytes, *, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json")


def _error(status: int, message: str, **extra: Any) -> web.Response:
    body = {"error": message, **{key: value for key, value in extra.items() if value is not None}}
    return web.json_response(body, status=status)


def _unconfigured(source: WebhookSource) -> str:
    return f"webhooks from '{source.name}' are refused until {source.secret_setting} is set"


def _log_failure(source: str, event: WebhookEvent | None, exc: BaseException) -> None:
    # The exception's message is left out: database errors quote their parameters,
    # which hold emails and names. The frames say where it failed; the type says what.
    # The ticket id is the sender's text: escaped and cut short, it cannot forge log lines.
    ticket = getattr(event, "ticket_id", None)
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "webhook %s failed (event %s, ticket %s): %s; message withheld\n%s",
        source,
        type(event).__name__ if event is not None else "unparsed",
        loggable(ticket),
        type(exc).__qualname__,
        frames,
    )
