"""The tables, in one MetaData. Alembic owns the database; this mirrors its head revision."""

from __future__ import annotations

import sqlalchemy as sa

from storage.types import UtcDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


# 64 bits; on SQLite INTEGER (64 bits there) keeps the primary key the rowid.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


teams = sa.Table(
    "teams",
    metadata,
    _id(),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("scale", sa.String(16), nullable=False, server_default="nps"),
    sa.Column("question", sa.Text, nullable=True),
    sa.Column("anonymity", sa.String(16), nullable=False, server_default="identified"),
    sa.Column("cooldown_days", sa.Integer, nullable=True),
    sa.Column("expiry_days", sa.Integer, nullable=False, server_default="7"),
    sa.Column("sample_percent", sa.Integer, nullable=False, server_default="100"),
    sa.Column("send_delay_minutes", sa.Integer, nullable=False, server_default="0"),
    # Minutes after sending that an unanswered prompt is reminded of; 0: never.
    sa.Column("reminder_minutes", sa.Integer, nullable=False, server_default="2880"),
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("digest_schedule", sa.String(64), nullable=False, server_default="mon 09:00"),
    # Retention overrides in months (migration 0009); NULL: the global setting.
    sa.Column("retention_comment_months", sa.Integer, nullable=True),
    sa.Column("retention_identity_months", sa.Integer, nullable=True),
    sa.Column("retention_prompt_months", sa.Integer, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # The language of digests and alerts (migration 0014); NULL: the global RATEBOT_LOCALE.
    sa.Column("locale", sa.String(8), nullable=True),
    # Agents get their own ratings privately (migration 0016); off unless a team turns it on.
    sa.Column("coaching", sa.Boolean, nullable=False, server_default=sa.false()),
    # Agents rate the requests they closed (migration 0019): an organisation's decision.
    sa.Column("mutual", sa.Boolean, nullable=False, server_default=sa.false()),
    # Questions after the score (migration 0017): NULL the default reasons, 'off', or the
    # team's own labels (bot.domain.reasons); and whether to ask the work time lost.
    sa.Column("reasons", sa.String(600), nullable=True),
    sa.Column("lost_time", sa.Boolean, nullable=False, server_default=sa.false()),
)

team_channels = sa.Table(
    "team_channels",
    metadata,
    _id(),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("ref", sa.Text, nullable=False),
    sa.UniqueConstraint("team_id", "platform", "purpose"),
)

people = sa.Table(
    "people",
    metadata,
    _id(),
    sa.Column("email", sa.String(320), nullable=True, unique=True),
    sa.Column("display_name", sa.String(200), nullable=True),
    sa.Column("locale", sa.String(35), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("slack_user_id", sa.String(64), nullable=True, unique=True),
    sa.Column("teams_user_id", sa.String(200), nullable=True, unique=True),
    sa.Column("teams_aad_object_id", sa.String(64), nullable=True, index=True),
    sa.Column("teams_tenant_id", sa.String(64), nullable=True),
    sa.Column("opted_out", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("opted_out_at", UtcDateTime(), nullable=True),
    sa.Column("forgotten_at", UtcDateTime(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

agents = sa.Table(
    "agents",
    metadata,
    _id(),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False, index=True),
    sa.UniqueConstraint("team_id", "person_id"),
)

admins = sa.Table(
    "admins",
    metadata,
    _id(),
    sa.Column("identifier", sa.String(320), nullable=False, unique=True),
    sa.Column("added_by", sa.String(320), nullable=False),
    sa.Column("added_at", UtcDateTime(), nullable=False),
)

exclusions = sa.Table(
    "exclusions",
    metadata,
    _id(),
    sa.Column("pattern", sa.String(320), nullable=False, unique=True),
    sa.Column("added_at", UtcDateTime(), nullable=False),
)

conversations = sa.Table(
    "conversations",
    metadata,
    _id(),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False, index=True),
    sa.Column("requester_id", sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("people.id"), nullable=True),
    sa.Column("subject", sa.Text, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("round", sa.Integer, nullable=False, server_default="1"),
    sa.Column("always_ask", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # A close accepted but not yet settled: JSON of what settling needs (storage.settling).
    # It holds emails and names, so it is cleared once the decision is stored.
    sa.Column("pending", sa.Text, nullable=True),
    sa.Column("pending_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pending_retry_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("source", "external_id"),
    # Only the few closes waiting to be settled are indexed: the worker's claim stays a
    # short index scan however many conversations there are.
    sa.Index(
        "ix_conversations_pending",
        "id",
        sqlite_where=sa.text("pending IS NOT NULL"),
        postgresql_where=sa.text("pending IS NOT NULL"),
    ),
)

prompts = sa.Table(
    "prompts",
    metadata,
    _id(),
    sa.Column(
        "conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), nullable=False
    ),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    sa.Column("claimed_until", UtcDateTime(), nullable=True),
    # Which claim holds the prompt: a worker sends only while its token is still there.
    sa.Column("claim_token", sa.String(32), nullable=True, index=True),
    # Set just before the platform is called, cleared with the outcome: a prompt found
    # with it set was in flight when its worker died, and may have arrived.
    sa.Column("sending_since", UtcDateTime(), nullable=True),
    sa.Column("platform", sa.String(16), nullable=True),
    sa.Column("message_ref", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("answered_at", UtcDateTime(), nullable=True),
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    # Set once, by the one worker whose claim of the reminder succeeded (storage.reminders).
    sa.Column("reminded_at", UtcDateTime(), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # A relationship pulse's prompt (migration 0018, bot.flows.pulse); NULL: a ticket's.
    sa.Column("pulse_id", sa.Integer, sa.ForeignKey("pulses.id"), nullable=True, index=True),
    sa.UniqueConstraint("conversation_id", "round"),
    sa.Index("ix_prompts_due", "status", "next_attempt_at"),
    # Covers the prompt counts of stats and digests: status and reason without the table.
    # (whether a prompt belongs to a pulse, whose prompts are counted apart, and whether
    # it was reminded, for the digest's reminder counts).
    sa.Index("ix_prompts_team_created_status", "team_id", "created_at", "status", "reason",
             "pulse_id", "reminded_at"),
)

# Delivery workers and where they run: a claim token starts with its worker's instance, so
# a worker restarted on the same host can release what its dead predecessor held.
delivery_workers = sa.Table(
    "delivery_workers",
    metadata,
    sa.Column("instance", sa.String(16), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=False),
)

# A platform's "slow down" (Slack's 429 and Retry-After), kept where every replica sees it.
platform_pauses = sa.Table(
    "platform_pauses",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("method", sa.String(64), primary_key=True),
    sa.Column("until", UtcDateTime(), nullable=False),
)

ratings = sa.Table(
    "ratings",
    metadata,
    # Anonymous ratings take random 63-bit ids (bot.domain.anonymity): nothing sequential.
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("prompt_id", sa.Integer, sa.ForeignKey("prompts.id"), nullable=True, unique=True),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("people.id"), nullable=True),
    sa.Column("scale", sa.String(16), nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    # +1 promoter, 0 passive, -1 detractor: averaging it gives the NPS directly.
    sa.Column("category", sa.SmallInteger, nullable=False),
    sa.Column("comment", sa.String(2000), nullable=True),
    sa.Column("receipt_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("rated_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # An anonymous rating not yet rewritten by the nightly batch (storage.anonymity).
    sa.Column("awaiting_batch", sa.Boolean, nullable=False, server_default=sa.false()),
    # The work time the issue cost, as one bucket (bot.domain.reasons.LostTime; 0017).
    sa.Column("lost_time", sa.String(16), nullable=True),
    # Covers the tallies: the range scan never has to visit the table.
    sa.Index("ix_ratings_team_rated", "team_id", "rated_at", "category", "score",
             # The digest reads a week's ratings from this index alone (migration 0021).
             postgresql_include=["agent_id", "person_id", "id"]),
    # The digest's comments: only the ratings that have one, not every rating of the week.
    sa.Index(
        "ix_ratings_team_commented", "team_id", "rated_at",
        sqlite_where=sa.text("comment IS NOT NULL"),
        postgresql_where=sa.text("comment IS NOT NULL"),
    ),
    # The digest's work time lost over its weeks: only the ratings that answered (0017).
    sa.Index(
        "ix_ratings_team_lost", "team_id", "rated_at", "lost_time",
        sqlite_where=sa.text("lost_time IS NOT NULL"),
        postgresql_where=sa.text("lost_time IS NOT NULL"),
    ),
)

# The reasons tapped after the score, by key (bot.domain.reasons; migration 0017). No
# time and no row id of their own: on SQLite the rows sit in key order, not tap order.
rating_reasons = sa.Table(
    "rating_reasons",
    metadata,
    sa.Column("rating_id", BIG_ID, sa.ForeignKey("ratings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("reason", sa.String(64), primary_key=True),
    sqlite_with_rowid=False,
)

# Relationship pulses (migration 0018, bot.flows.pulse): one-off questions to a team's recent
# requesters, answered apart from the per-ticket ratings so no score can mix them.
pulses = sa.Table(
    "pulses",
    metadata,
    _id(),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("days", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("closes_at", UtcDateTime(), nullable=False),
    sa.Column("asked", sa.Integer, nullable=False),
    # Who was left out, as counts by reason ({"cooldown": 3, ...}); never who.
    sa.Column("left_out", sa.JSON, nullable=False),
    sa.Index("ix_pulses_team_closes", "team_id", "closes_at"),
)

pulse_answers = sa.Table(
    "pulse_answers",
    metadata,
    # As ratings: anonymous answers take random ids and keep no prompt, person or time.
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("pulse_id", sa.Integer, sa.ForeignKey("pulses.id"), nullable=False, index=True),
    sa.Column("prompt_id", sa.Integer, sa.ForeignKey("prompts.id"), nullable=True, unique=True),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("category", sa.SmallInteger, nullable=False),
    sa.Column("comment", sa.String(2000), nullable=True),
    sa.Column("receipt_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("answered_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # An anonymous answer not yet rewritten by the nightly batch (bot.flows.pulse_answers).
    sa.Column("awaiting_batch", sa.Boolean, nullable=False, server_default=sa.false()),
)

follow_ups = sa.Table(
    "follow_ups",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("rating_id", BIG_ID, sa.ForeignKey("ratings.id"), nullable=False, unique=True),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("claimed_by", sa.Integer, sa.ForeignKey("people.id"), nullable=True),
    sa.Column("claimed_at", UtcDateTime(), nullable=True),
    sa.Column("resolved_by", sa.Integer, sa.ForeignKey("people.id"), nullable=True),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("alert_platform", sa.String(16), nullable=True),
    sa.Column("alert_ref", sa.Text, nullable=True),
    sa.Index("ix_follow_ups_team_status", "team_id", "status"),
    sa.Index("ix_follow_ups_team_created", "team_id", "created_at"),
)

digest_runs = sa.Table(
    "digest_runs",
    metadata,
    _id(),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("claimed_at", UtcDateTime(), nullable=True),
    sa.Column("posted_at", UtcDateTime(), nullable=True),
    sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("message_ref", sa.Text, nullable=True),
    sa.UniqueConstraint("team_id", "period"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _id(),
    sa.Column("at", UtcDateTime(), nullable=False, index=True),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
)

# Helpdesk groups (Zendesk groups, Jira projects, ...) mapped to the teams they rate.
team_sources = sa.Table(
    "team_sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("group_key", sa.String(200), nullable=False),
    sa.Column("group_name", sa.String(200), nullable=False),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
        nullable=False, index=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("source", "group_key"),
)

# Chat deliveries already handled, for de-duplication. Slack retries an event for up to
# about an hour: remembering them a day is ample.
chat_deliveries = sa.Table(
    "chat_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(200), nullable=False, unique=True),
    sa.Column("seen_at", UtcDateTime(), nullable=False, index=True),
)

# Microsoft Teams: conversation references (proactive messages need them) and who started
# each thread in a help channel.
teams_conversations = sa.Table(
    "teams_conversations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(400), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("tenant_id", sa.String(64), nullable=True),
    sa.Column("service_url", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True),
    sa.Column("team_id", sa.String(400), nullable=True, index=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

teams_threads = sa.Table(
    "teams_threads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("thread_id", sa.String(400), nullable=False, unique=True),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)
