"""Delivery, exactly once: lost claims, sends in doubt and platforms that say "slow down"."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.domain.messages import RatingPrompt
from bot.domain.model import PromptStatus
from bot.ports.chat import (
    AwaitingRecipient,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from bot.ports.telemetry import SilentTelemetry
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import Close
from tests.flows.delivery_support import Rounds

LEASE = timedelta(minutes=1)


async def test_a_worker_whose_claim_was_taken_over_does_not_send(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    # A first worker claimed the prompt and stalled past its lease; a second took it.
    (stalled,) = await Rounds(services, lease=LEASE).claim("a" * 32)
    clock.advance(minutes=2)
    await Rounds(services, lease=LEASE).run_once()
    assert [p.prompt_id for p in chat.sent] == [outcome.prompt.id]
    # The stalled worker wakes up and tries to send what it claimed.
    await Rounds(services, lease=LEASE).send([stalled])
    assert len(chat.sent) == 1


async def test_a_send_that_arrived_before_a_crash_is_recorded_not_repeated(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    # The post reached the platform; the answer never came back (a time-out).
    chat.fail_next(TransientDeliveryError("slack: TimeoutError", in_doubt=True))
    rounds = Rounds(services)
    await rounds.run_once()
    assert len(chat.sent) == 1
    prompt = await services.store.get_prompt(outcome.prompt.id)
    assert prompt is not None and prompt.status is PromptStatus.PENDING
    assert prompt.sending_since is not None
    clock.advance(hours=2)
    await rounds.run_once()
    assert chat.lookups == [outcome.prompt.id]
    assert len(chat.sent) == 1
    sent = await services.store.get_prompt(outcome.prompt.id)
    assert sent is not None and sent.status is PromptStatus.SENT
    assert sent.message_ref == chat.arrived[outcome.prompt.id]


async def test_a_send_in_doubt_goes_out_again_where_the_platform_cannot_tell(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    chat.can_find = False  # like Teams: a bot cannot read its chats back
    chat.fail_next(TransientDeliveryError("teams: TimeoutError", in_doubt=True))
    rounds = Rounds(services)
    await rounds.run_once()
    clock.advance(hours=2)
    await rounds.run_once()
    assert [p.prompt_id for p in chat.sent] == [outcome.prompt.id] * 2
    sent = await services.store.get_prompt(outcome.prompt.id)
    assert sent is not None and sent.status is PromptStatus.SENT


async def test_a_crash_between_claim_and_send_leaves_nothing_in_doubt(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await close("T-1")
    await services.store.claim_due_prompts(now=clock.now(), limit=5, lease=LEASE)
    clock.advance(minutes=2)
    await Rounds(services, lease=LEASE).run_once()
    assert chat.lookups == [] and len(chat.sent) == 1


async def test_a_rate_limit_postpones_without_using_an_attempt(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    chat.fail_next(*[RateLimited("slack: ratelimited", retry_after=30)] * 20)
    rounds = Rounds(services)
    for _ in range(20):
        await rounds.run_once()
        prompt = await services.store.get_prompt(outcome.prompt.id)
        assert prompt is not None and prompt.attempts == 0
        assert prompt.next_attempt_at == clock.now() + timedelta(seconds=30)
        assert prompt.status is PromptStatus.PENDING
        await rounds.run_once()  # inside the window: nothing is tried
        clock.advance(seconds=30)
    await rounds.run_once()
    assert [p.prompt_id for p in chat.sent] == [outcome.prompt.id]


@dataclass
class FailureKinds(SilentTelemetry):
    kinds: list[str] = field(default_factory=list)

    def delivery_failed(self, platform: str, kind: str) -> None:
        self.kinds.append(kind)


async def test_a_person_not_reachable_yet_waits_without_using_attempts(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    # More waits than the delivery attempts allowed: waiting for someone is never a failure.
    waits = services.policy.max_delivery_attempts + 3
    telemetry = FailureKinds()
    outcome = await close("T-1")
    chat.fail_next(*[AwaitingRecipient("waiting for a chat", retry_after=60)] * waits)
    rounds = Rounds(replace(services, telemetry=telemetry))
    for _ in range(waits):
        await rounds.run_once()
        prompt = await services.store.get_prompt(outcome.prompt.id)
        assert prompt is not None and prompt.status is PromptStatus.PENDING
        assert (prompt.attempts, prompt.reason) == (0, "waiting for a chat")
        clock.advance(seconds=60)
    await rounds.run_once()
    assert [p.prompt_id for p in chat.sent] == [outcome.prompt.id]
    assert telemetry.kinds == ["waiting"] * waits


@dataclass
class BlindChat(FakeChat):
    """A platform whose history cannot be read (Slack without the im:history scope)."""

    lookup_error: Exception = field(
        default_factory=lambda: PermanentDeliveryError("slack: missing_scope")
    )

    async def find_prompt(self, prompt: RatingPrompt, *, since: datetime) -> str | None:
        self.lookups.append(prompt.prompt_id)
        raise self.lookup_error


async def test_a_send_in_doubt_that_can_never_be_checked_goes_out_again(
    close: Close, services: Services, clock: FakeClock
) -> None:
    blind = BlindChat()
    outcome = await close("T-1")
    blind.fail_next(TransientDeliveryError("slack: TimeoutError", in_doubt=True))
    rounds = Rounds(replace(services, chats=(blind,)))
    await rounds.run_once()
    clock.advance(hours=2)
    await rounds.run_once()
    assert blind.lookups == [outcome.prompt.id]
    sent = await services.store.get_prompt(outcome.prompt.id)
    assert sent is not None and sent.status is PromptStatus.SENT


async def test_a_lookup_that_fails_for_now_is_tried_again_before_sending(
    close: Close, services: Services, clock: FakeClock
) -> None:
    blind = BlindChat(lookup_error=TransientDeliveryError("slack: internal_error"))
    outcome = await close("T-1")
    blind.fail_next(TransientDeliveryError("slack: TimeoutError", in_doubt=True))
    rounds = Rounds(replace(services, chats=(blind,)))
    await rounds.run_once()
    for _ in range(services.policy.max_delivery_attempts - 1):
        clock.advance(hours=1)  # past each back-off, within working hours
        await rounds.run_once()
    # Asked on each later attempt while attempts were left; then sent once more.
    assert len(blind.lookups) == services.policy.max_delivery_attempts - 1
    assert len(blind.sent) == 2
    sent = await services.store.get_prompt(outcome.prompt.id)
    assert sent is not None and sent.status is PromptStatus.SENT
