"""`ratebot demo`: three teams and twelve weeks of realistic traffic, through the real flows.

Nothing is inserted behind the core's back: conversations close through
`conversation_closed`, the `DeliveryWorker` sends prompts to an in-process chat
platform, people answer through `record_rating` and `add_comment`, all on a clock of
the demo's own that jumps from one simulated moment to the next.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app import demo_pulse
from app.bootstrap import Ratebot, build
from app.demo_platform import DemoChat, DemoClock
from app.demo_story import (
    COMMENT_CHANCE,
    COMMENTS,
    OPTED_OUT_SHARE,
    TEAMS,
    TeamPlan,
    email_of,
    employees,
    pick_after,
    pick_score,
)
from app.settings import Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import AlreadyExists, UserFacingError
from bot.domain.events import ConversationClosed, ConversationReopened
from bot.domain.identity import PersonIdentity
from bot.domain.messages import (
    RatingPrompt,
)
from bot.domain.model import Anonymity, PromptStatus
from bot.domain.reasons import LostTime
from bot.domain.request_checks import CLARITY, REACH
from bot.flows import admin
from bot.flows.asking import conversation_closed, conversation_reopened
from bot.flows.interactions import after_score, following_up
from bot.flows.interactions.checking_requests import answer_check
from bot.flows.recording import add_comment, record_rating
from bot.flows.reminding import send_reminders
from bot.flows.reporting import TeamStats, team_stats

WEEKS = 12  # the story the demo tells; tests may tell a shorter one
ACTOR = "demo"
SOURCE = "demo"
TICK_MINUTES = 10
WORKER_BATCH = 25  # the DeliveryWorker's default batch size
# Most detractors' follow-ups are resolved, with what was done, within a day or two.
RESOLVED_SHARE = 0.75
# Of the people reminded of a prompt they had let lie, the share that answers then.
ANSWERED_AFTER_REMINDER = 0.35
REMIND_EVERY = timedelta(hours=1)  # the worker looks once a minute; hourly is enough here
NOTES = ("Called back and fixed it together", "Replaced the faulty part",
         "Explained the workaround and raised a problem ticket", "Reset the account and checked")


# --------------------------------------------------------------------------- the simulation


@dataclass
class Counts:
    conversations: int = 0
    sent: int = 0
    ratings: int = 0
    comments: int = 0


@dataclass(frozen=True)
class DemoResult:
    stats: list[TeamStats]
    counts: Counts
    seconds: float
    weeks: int

    @property
    def summary(self) -> str:
        c = self.counts
        return (
            f"Demo: {len(self.stats)} teams, {c.conversations:,} conversations, "
            f"{c.sent:,} prompts delivered, {c.ratings:,} ratings, {c.comments:,} comments "
            f"over {self.weeks} weeks (simulated in {self.seconds:.1f} s)."
        )



class Simulation:
    """A queue of timed events, each run with the clock set to its time."""

    def __init__(self, bot: Ratebot, clock: DemoClock, chat: DemoChat, rng: random.Random,
                 start: datetime, end: datetime) -> None:
        self.bot, self.clock, self.chat, self.rng = bot, clock, chat, rng
        self.start, self.end = start, end
        self.counts = Counts()
        self._queue: list[tuple[datetime, int, str, tuple[object, ...]]] = []
        self._seq = itertools.count()
        self._ticks: set[datetime] = set()
        self._delivered = 0
        self._plans = {plan.name: plan for plan in TEAMS}
        # Follow-ups and reminders draw from their own numbers: the rest of the story stays
        # as it was.
        self._loops = random.Random(start.timestamp())
        self._nudged = random.Random(start.timestamp() + 1)
        self._answering: set[int] = set()  # prompts whose person answers without a nudge
        self._reminded = 0
        self._reminders_at = start
        self._mutual = random.Random(start.timestamp() + 2)  # so do the agents' answers
        self._pulses = demo_pulse.numbers(start)  # and so does the pulse (app.demo_pulse)
        # So do the answers after the score (reasons, lost time).
        self._tapping = random.Random(start.timestamp() + 3)

    def at(self, moment: datetime, kind: str, *args: object) -> None:
        if moment < self.end:
            heapq.heappush(self._queue, (moment, next(self._seq), kind, args))

    def tick(self, moment: datetime) -> None:
        """Run the delivery worker soon after `moment`, on a ten-minute grid.

        The grid batches nearby prompts into one worker round: the store's round trips,
        not the simulation, are what makes the demo take seconds.
        """
        grid = TICK_MINUTES
        moment = moment.replace(minute=moment.minute - moment.minute % grid, second=0,
                                microsecond=0) + timedelta(minutes=grid)
        if moment not in self._ticks:
            self._ticks.add(moment)
            self.at(moment, "deliver")

    def plan_traffic(self, people: list[str], agents: dict[str, list[str]]) -> None:
        services = self.bot.services
        zone = ZoneInfo(services.policy.timezone)
        hours = services.policy.working_hours
        it_staff = [name for names in agents.values() for name in names]
        # A few people need IT far more often than others.
        weights = [1.0 / math.sqrt(i + 20) for i in range(len(people))]
        day = self.start.astimezone(zone).date()
        last = self.end.astimezone(zone).date()
        ticket = itertools.count(1001)
        while day <= last:
            opens = datetime.combine(day, hours.start, zone)
            self.tick(opens)
            if day.weekday() in hours.days:
                for plan in TEAMS:
                    count = max(0, round(self.rng.gauss(plan.per_day, plan.per_day / 3)))
                    for _ in range(count):
                        minutes = self.rng.uniform(-20, 10.5 * 60)  # some before and after hours
                        closed = (opens + timedelta(minutes=minutes)).astimezone(UTC)
                        if self.rng.random() < 0.02:
                            requester = self.rng.choice(it_staff)
                        else:
                            requester = self.rng.choices(people, weights)[0]
                        agent = self.rng.choice(agents[plan.name])
                        self.at(closed, "close", plan, f"{plan.name[:3].upper()}-{next(ticket)}",
                                requester, agent)
            day += timedelta(days=1)
        pulse = demo_pulse.starts_at(self.end, services.policy.timezone)
        if pulse > self.start:
            self.at(pulse, "pulse")

    async def run(self, done: Callable[[float], None] = lambda _: None) -> Counts:
        """Run every event in time order; tell `done` the share of the weeks simulated."""
        span = (self.end - self.start).total_seconds()
        while self._queue:
            moment, _, kind, args = heapq.heappop(self._queue)
            self.clock.set(moment)
            await getattr(self, "_" + kind)(*args)
            done(max(0.0, (moment - self.start).total_seconds()) / span)
        self.clock.set(self.end)
        await self._deliver(drain=True)
        done(1.0)
        return self.counts

    async def _close(self, plan: TeamPlan, ticket: str, requester: str, agent: str) -> None:
        services = self.bot.services
        event = ConversationClosed(
            source=SOURCE, ticket_id=ticket, requester_email=email_of(requester),
            requester_name=requester, team=plan.name, closed_at=self.clock.now(),
            subject=self.rng.choice(plan.subjects), agent_email=email_of(agent),
            agent_name=agent,
        )
        outcome = await conversation_closed(services, event)
        self.counts.conversations += 1
        prompt = outcome.prompt
        if prompt.status is PromptStatus.PENDING:
            self.tick(prompt.next_attempt_at or self.clock.now())
        if self.rng.random() < 0.02:  # the fix did not hold
            later = self.clock.now() + timedelta(minutes=self.rng.uniform(5, 90))
            self.at(later, "reopen", ticket)

    async def _reopen(self, ticket: str) -> None:
        event = ConversationReopened(source=SOURCE, ticket_id=ticket, reopened_at=self.clock.now())
        await conversation_reopened(self.bot.services, event)

    async def _deliver(self, *, drain: bool = False) -> None:
        # One batch per tick: anything left over goes out at the next tick, minutes later.
        worker = self.bot.worker
        while await worker.run_once() >= WORKER_BATCH or drain:
            drain = False
        await self._agents_answer()
        fresh = self.chat.sent[self._delivered:]
        self._delivered = len(self.chat.sent)
        self.counts.sent += len(fresh)
        progress_span = (self.end - self.start).total_seconds()
        for prompt in fresh:
            if prompt.pulse:
                self._pulse_answered(prompt)
                continue
            plan = self._plans[prompt.team_name]
            if self.rng.random() >= plan.response:
                continue  # never answered: it expires
            # Most answer within the hour; some the next day or two.
            delay = min(timedelta(minutes=self.rng.lognormvariate(3.3, 1.4)), timedelta(days=3))
            progress = (self.clock.now() - self.start).total_seconds() / progress_span
            self._answering.add(prompt.prompt_id)
            self.at(self.clock.now() + delay, "answer", plan, prompt, progress)
        await self._remind(progress_span)

    async def _agents_answer(self) -> None:
        """Most agents asked about a request they closed answer it at once (mutual rating)."""
        rng, checks = self._mutual, self.chat.checks
        for check in checks:
            if rng.random() < 0.75:
                agent = PersonIdentity(email=check.agent.email)
                clarity = rng.choices(("clear", "partly", "unclear"), (0.7, 0.2, 0.1))[0]
                view = await answer_check(self.bot.services, check.check_id, agent, CLARITY,
                                          clarity, None)
                if view.check is not None and rng.random() < 0.8:
                    await answer_check(self.bot.services, check.check_id, agent, REACH,
                                       rng.choices(("yes", "no"), (0.85, 0.15))[0],
                                       view.check.receipt)
        checks.clear()

    async def _remind(self, progress_span: float) -> None:
        """The reminders due, as the worker sends them; some people answer then."""
        now = self.clock.now()
        if now < self._reminders_at:
            return
        self._reminders_at = now + REMIND_EVERY
        await send_reminders(self.bot.services)
        fresh = self.chat.reminders[self._reminded:]
        self._reminded = len(self.chat.reminders)
        nudged = self._nudged
        for prompt in fresh:
            if prompt.prompt_id in self._answering or nudged.random() >= ANSWERED_AFTER_REMINDER:
                continue
            delay = timedelta(minutes=nudged.lognormvariate(3.0, 1.0))
            progress = (now - self.start).total_seconds() / progress_span
            self.at(now + delay, "answer", self._plans[prompt.team_name], prompt, progress,
                    nudged)

    async def _answer(self, plan: TeamPlan, prompt: RatingPrompt, progress: float,
                      rng: random.Random | None = None) -> None:
        """`rng`: the numbers to draw from; an answer after a reminder has its own."""
        rng = rng or self.rng
        promoters, detractors = plan.mood(progress)
        score = pick_score(rng, plan.scale, promoters, detractors)
        person = PersonIdentity(email=prompt.recipient.email)
        try:
            result = await record_rating(self.bot.services, prompt.prompt_id, person, score)
        except UserFacingError:
            return  # withdrawn after a reopen: the person sees why, nothing is recorded
        self.counts.ratings += 1
        loops = self._loops
        # An anonymous team's follow-up changes its id in the nightly batch: left open here.
        if result.follow_up_id is not None and plan.anonymity is not Anonymity.ANONYMOUS \
                and loops.random() < RESOLVED_SHARE:
            later = self.clock.now() + timedelta(hours=loops.lognormvariate(2.5, 0.9))
            self.at(later, "resolve", result.follow_up_id, loops.choice(plan.agents),
                    loops.choice(NOTES))
        if result.prompt is not None:
            reasons, lost = pick_after(self._tapping, result.category, result.prompt.reasons,
                                       result.prompt.lost_time)
            later = self.clock.now() + timedelta(seconds=self._tapping.uniform(5, 60))
            self.at(later, "after_score", prompt.prompt_id, person, result.receipt, reasons, lost)
        if rng.random() < COMMENT_CHANCE[result.category]:
            comment = rng.choice(COMMENTS[result.category])
            later = self.clock.now() + timedelta(seconds=rng.uniform(20, 240))
            self.at(later, "comment", prompt.prompt_id, person, comment, result.receipt)

    async def _pulse(self) -> None:
        await demo_pulse.start(self.bot.services, actor=ACTOR)
        self.tick(self.clock.now())

    def _pulse_answered(self, prompt: RatingPrompt) -> None:
        delay = demo_pulse.answer_delay(self._pulses)
        if delay is not None:
            self.at(self.clock.now() + delay, "pulse_answer", prompt)

    async def _pulse_answer(self, prompt: RatingPrompt) -> None:
        await demo_pulse.answer(self.bot.services, prompt, self._pulses)

    async def _comment(
        self, prompt_id: int, person: PersonIdentity, comment: str, receipt: str
    ) -> None:
        await add_comment(self.bot.services, prompt_id, person, comment, receipt=receipt)
        self.counts.comments += 1

    async def _after_score(self, prompt_id: int, person: PersonIdentity, receipt: str,
                           reasons: list[str], lost: LostTime | None) -> None:
        services = self.bot.services
        for key in reasons:
            await after_score.choose_reason(services, prompt_id, person, key, receipt, on=True)
        if lost is not None:
            await after_score.answer_lost_time(services, prompt_id, person, lost.value, receipt)

    async def _resolve(self, follow_up_id: int, agent: str, note: str) -> None:
        # The person who rated hears what was done ("you said, we did").
        who = PersonIdentity(email=email_of(agent), display_name=agent)
        try:
            await following_up.resolve(self.bot.services, follow_up_id, who, note)
        except UserFacingError:
            return  # gone meanwhile (the person asked to be forgotten)


async def _set_up(bot: Ratebot, rng: random.Random) -> tuple[list[str], dict[str, list[str]]]:
    services = bot.services
    agents: dict[str, list[str]] = {}
    for plan in TEAMS:
        await admin.add_team(services, plan.name, display_name=plan.display_name, actor=ACTOR)
        await admin.set_team_option(services, plan.name, "scale", plan.scale.value, actor=ACTOR)
        await admin.set_team_option(
            services, plan.name, "anonymity", plan.anonymity.value, actor=ACTOR
        )
        for option, value in plan.options:
            await admin.set_team_option(services, plan.name, option, value, actor=ACTOR)
        for name in plan.agents:
            await admin.add_agent(services, plan.name, email_of(name), name=name, actor=ACTOR)
        agents[plan.name] = list(plan.agents)
    people = employees(rng)
    for name in rng.sample(people, round(len(people) * OPTED_OUT_SHARE)):
        await admin.opt_out(services, email_of(name))
    return people, agents


async def run_demo(
    settings: Settings, *, seed: int = 7, weeks: int = WEEKS,
    done: Callable[[float], None] = lambda _: None,
) -> DemoResult:
    """Fill the database of `settings` with the demo; refuse one that already has teams.

    `done` hears the share of the weeks simulated so far, for a progress bar.
    """
    started = wallclock.perf_counter()
    end = SystemClock().now()
    start = (end - timedelta(weeks=weeks)).replace(hour=0, minute=0, second=0, microsecond=0)
    start += timedelta(days=1)  # stay inside the stats window that ends now
    clock, chat = DemoClock(start), DemoChat()
    bot = await build(settings, clock=clock, chats=(chat,), rng=random.Random(seed + 1))
    try:
        if await bot.services.store.list_teams():
            raise AlreadyExists(
                "This database already has teams, so the demo leaves it alone. "
                "Run the demo into a file of its own: ratebot demo --database demo.db"
            )
        rng = random.Random(seed)
        people, agents = await _set_up(bot, rng)
        simulation = Simulation(bot, clock, chat, rng, start, end)
        simulation.plan_traffic(people, agents)
        counts = await simulation.run(done)
        stats = await team_stats(bot.services, team=None, weeks=weeks)
    finally:
        await bot.aclose()
    return DemoResult(stats, counts, wallclock.perf_counter() - started, weeks)
