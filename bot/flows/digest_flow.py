"""Posting digests exactly once: claim (team, week), build, post to each platform, mark posted."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.domain.digest import Digest
from bot.domain.errors import UnknownTeam, UserFacingError
from bot.domain.hints import Hint
from bot.domain.messages import DigestMessage
from bot.domain.model import Team
from bot.domain.weeks import IsoWeek
from bot.flows.digest import team_timezone, weekly_digest
from bot.flows.digest_times import previous_fire, schedule_of
from bot.ports.charts import FULL_SIZE
from bot.ports.chat import ChatPort, DeliveryError
from bot.services import Services

log = logging.getLogger(__name__)

DIGEST = "digest"  # the channel purpose
LEASE = timedelta(minutes=10)  # far longer than building and posting one digest takes
LATE_AFTER = timedelta(minutes=15)  # posted this long after its time, a digest says so
DEFAULT_GRACE = timedelta(hours=24)


class Outcome(StrEnum):
    POSTED = "posted"
    ALREADY = "already"  # posted before, or another replica holds the claim
    NO_CHANNEL = "no_channel"  # no platform has a digest channel for the team
    NOT_DUE = "not_due"  # the scheduled moment is further back than the grace
    FAILED = "failed"  # every platform refused; the claim was released for a retry


@dataclass(frozen=True, slots=True)
class DigestResult:
    team: str
    period: str
    outcome: Outcome
    late: bool = False


class DigestFlow:
    """Posts each team's weekly digest once, whatever the number of replicas.

    The run for (team, ISO week) is claimed in the store first; only the claimer
    builds and posts, then marks the run posted. A claimer that dies before marking
    leaves a claim that any replica may take over once `lease` has passed; a crash
    after posting but before marking can therefore post twice, which chat platforms
    give us no way to rule out. When some platforms accept the digest and others
    refuse, the run counts as posted (a repost would duplicate it where it arrived).
    """

    def __init__(
        self,
        services: Services,
        *,
        grace: timedelta = DEFAULT_GRACE,
        lease: timedelta = LEASE,
    ) -> None:
        self._services = services
        self._grace = grace
        self._lease = lease

    @property
    def grace(self) -> timedelta:
        return self._grace

    async def run_due(self, team: Team) -> DigestResult:
        """Post the digest of the team's latest scheduled moment, unless done or too old.

        The scheduled job calls this at the scheduled time; `catch_up` calls it on
        start and periodically, which posts digests missed while the bot was down
        (marked late) and takes over claims of replicas that died.
        """
        now = self._services.clock.now()
        schedule, zone = schedule_of(team, self._services.policy)
        scheduled_at = previous_fire(schedule, zone, now)
        week = IsoWeek.last_complete(scheduled_at, team_timezone(team, self._services))
        if now - scheduled_at > self._grace:
            return DigestResult(team.name, str(week), Outcome.NOT_DUE)
        run = await self._services.store.get_digest_run(team.id, str(week))
        if run is not None and run.status == "posted":
            return DigestResult(team.name, str(week), Outcome.ALREADY, run.late)
        return await self._post(team, week, late=now - scheduled_at > LATE_AFTER)

    async def catch_up(self) -> list[DigestResult]:
        """`run_due` for every team; one team's failure does not stop the others."""
        results = []
        for team in await self._services.store.list_teams():
            try:
                results.append(await self.run_due(team))
            except Exception:
                log.exception("digest catch-up failed for team id %s", team.id)
        return results

    async def send_digest(self, team_name: str, week: IsoWeek | None = None) -> DigestResult:
        """Post a digest now, on an admin's request; it counts as that week's digest.

        Raise `UserFacingError` when it was posted before or there is nowhere to post.
        """
        team = await self._team(team_name)
        now = self._services.clock.now()
        last = IsoWeek.last_complete(now, team_timezone(team, self._services))
        if week is not None and week > last:
            # Posting a week that has not ended would use up that week's one digest.
            raise UserFacingError(
                f"{week} has not ended yet; the last complete week is {last}."
            )
        week = week or last
        result = await self._post(team, week, late=False)
        if result.outcome is Outcome.ALREADY:
            raise UserFacingError(
                f"The digest of {team.name} for {week} was posted already (or is being posted)."
            )
        if result.outcome is Outcome.NO_CHANNEL:
            raise UserFacingError(
                f"{team.name} has no digest channel:",
                hint=Hint.to("set one with {hint}.", "team.digest_channel", team=team.name),
            )
        if result.outcome is Outcome.FAILED:
            raise UserFacingError("The chat platform refused the digest; try again later.")
        return result

    async def preview(self, team_name: str, week: IsoWeek | None = None) -> Digest:
        """Build a digest without posting or claiming anything."""
        return await weekly_digest(self._services, await self._team(team_name), week)

    async def _team(self, name: str) -> Team:
        team = await self._services.store.get_team(name)
        if team is None:
            raise UnknownTeam(name)
        return team

    async def _post(self, team: Team, week: IsoWeek, *, late: bool) -> DigestResult:
        services, period = self._services, str(week)
        targets = [
            (chat, channel)
            for chat in services.chats
            if (channel := team.channel(chat.platform, DIGEST)) is not None
        ]
        if not targets:
            return DigestResult(team.name, period, Outcome.NO_CHANNEL)
        store = services.store
        if not await store.claim_digest_run(
            team.id, period, now=services.clock.now(), lease=self._lease
        ):
            return DigestResult(team.name, period, Outcome.ALREADY)
        try:
            digest = await weekly_digest(services, team, week)
            chart = await self._render_chart(digest)
            refs = await self._deliver(team, targets, DigestMessage(digest, chart, late))
        except Exception:
            # Nothing was posted: let the next attempt go at once. (A cancelled task
            # keeps its claim; the lease runs out instead.)
            await store.release_digest_run(team.id, period)
            raise
        if not refs:
            await store.release_digest_run(team.id, period)
            return DigestResult(team.name, period, Outcome.FAILED, late)
        await store.mark_digest_posted(
            team.id, period, at=services.clock.now(), late=late, message_ref=json.dumps(refs)
        )
        log.info("posted the digest of team id %s for %s%s", team.id, period,
                 " (late)" if late else "")
        return DigestResult(team.name, period, Outcome.POSTED, late)

    async def _render_chart(self, digest: Digest) -> bytes | None:
        try:
            # Drawing takes a fraction of a second of CPU: keep it off the event loop.
            return await asyncio.to_thread(self._services.charts.render, digest, FULL_SIZE)
        except Exception:
            log.exception("drawing the digest chart failed; posting the text alone")
            return None

    async def _deliver(
        self, team: Team, targets: list[tuple[ChatPort, str]], message: DigestMessage
    ) -> dict[str, str]:
        refs: dict[str, str] = {}
        for chat, channel in targets:
            try:
                refs[chat.platform] = await chat.post_message(channel, message)
            except DeliveryError as error:
                log.warning("posting the digest of team id %s to %s failed: %s",
                            team.id, chat.platform, error.reason)
            except Exception:
                log.exception("posting the digest of team id %s to %s failed",
                              team.id, chat.platform)
        return refs
