"""Block Kit, built by pure functions from core objects and view models (App Home too)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from adapters.slack import after_score
from adapters.slack.escape import escape, quote
from adapters.slack.rate_value import rate_value
from bot.domain.digest_text import layout
from bot.domain.digest_text import title as digest_title
from bot.domain.messages import DetractorAlert, DigestMessage, PromptUpdate, RatingPrompt
from bot.domain.scales import Scale
from bot.domain.texts import (
    alert_fallback,
    alert_title,
    anonymity_notice,
    follow_up_line,
    in_locale,
    question_for,
    text,
)
from bot.flows.interactions.forgetting_me import ForgetQuestion
from bot.flows.interactions.my_ratings import TREND_WEEKS
from bot.flows.interactions.views import Home

Block = dict[str, Any]

RATE_BLOCK = "rate"
RATE_ACTION = "rate:"  # + score: action ids are unique within the block
COMMENT_ACTION = "comment"
OPTOUT_ACTION = "optout"
CLAIM_ACTION = "followup.claim"
RESOLVE_ACTION = "followup.resolve"
HOME_OPTOUT_ACTION = "home.optout"
HOME_OPTIN_ACTION = "home.optin"
MYDATA_ACTION = "privacy.mydata"
FORGETME_ACTION = "privacy.forgetme"
COMMENT_VIEW = "rating_comment"
RESOLVE_VIEW = "followup_resolve"
COMMENT_BLOCK, COMMENT_INPUT = "comment_block", "comment_input"
NOTE_BLOCK, NOTE_INPUT = "note_block", "note_input"
MAX_COMMENT = 2000
MAX_NOTE = 500
MAX_SECTION = 3000  # Slack's limit for a section's text
MAX_FIELD = 2000  # for one of a section's fields


@dataclass(frozen=True, slots=True)
class Message:
    text: str  # the notification fallback
    blocks: list[Block]


def _mrkdwn(content: str) -> Block:
    return {"type": "mrkdwn", "text": content}


def _plain(content: str) -> Block:
    return {"type": "plain_text", "text": content, "emoji": True}


def _section(content: str) -> Block:
    return {"type": "section", "text": _mrkdwn(content)}


def _context(*parts: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(part) for part in parts if part]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": _plain(label), "action_id": action_id,
                     "value": value}
    if style:
        button["style"] = style
    return button


def score_label(scale: Scale, score: int) -> str:
    if scale is Scale.THUMBS:
        return ":+1:" if score == 1 else ":-1:"
    return str(score)


def slack_date(moment: datetime) -> str:
    """A date Slack shows in the reader's own timezone, with a plain fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{moment:%Y-%m-%d}>"


def _intro(prompt: RatingPrompt, locale: str) -> str:
    team = escape(prompt.team_display_name)
    if prompt.pulse:  # a relationship pulse: no ticket, no agent
        return text("pulse.intro", locale, team=team) + "."
    if prompt.agent_name:
        intro = text("prompt.helped_by", locale, agent=escape(prompt.agent_name), team=team)
    else:
        intro = text("prompt.helped", locale, team=team)
    if prompt.subject:
        intro += text("prompt.with", locale, subject=escape(prompt.subject))
    if prompt.ticket_id:
        intro += text("prompt.ticket", locale, ticket=escape(prompt.ticket_id))
    return intro + "."


@cache
def _faces(scale: Scale) -> tuple[tuple[int, str, str], ...]:
    """Each score's button face: (score, label, action id), the same on every prompt."""
    return tuple((score, score_label(scale, score), f"{RATE_ACTION}{score}")
                 for score in scale.scores())


def _score_buttons(prompt: RatingPrompt, chosen: int | None, receipt: str | None) -> Block:
    # A click redraws every button of the scale: built straight from the faces.
    prompt_id = prompt.prompt_id
    elements: list[Block] = [
        {"type": "button", "text": {"type": "plain_text", "text": label, "emoji": True},
         "action_id": action_id, "value": rate_value(prompt_id, score, receipt)}
        for score, label, action_id in _faces(prompt.scale)
    ]
    if chosen is not None and prompt.scale.contains(chosen):
        elements[chosen - prompt.scale.spec.low]["style"] = "primary"
    return {"type": "actions", "block_id": RATE_BLOCK, "elements": elements}


def prompt_message(
    prompt: RatingPrompt, locale: str, update: PromptUpdate | None = None
) -> Message:
    """The rating question, or (with `update`) the same message after a click or a withdrawal."""
    question = question_for(prompt, locale)
    team = escape(prompt.team_display_name)
    fallback = escape(text("prompt.fallback", locale, team=prompt.team_display_name,
                           question=question))
    blocks: list[Block] = [_section(_intro(prompt, locale)), _section(f"*{escape(question)}*")]
    if update is not None and update.notice is not None:
        # A notice raised in English by the rules reads in the prompt's language.
        blocks.append(_context(escape(in_locale(update.notice, locale))))
        return Message(fallback, blocks)
    score = update.score if update else None
    receipt = update.receipt if update else None
    blocks.append(_score_buttons(prompt, score, receipt))
    hint = text(f"hint.{prompt.scale.value}", locale)
    notice = anonymity_notice(prompt.anonymity, team, locale)
    if score is None:
        until = text("prompt.until", locale, date=slack_date(prompt.expires_at))
        blocks.append(_context(hint, notice, until))
        blocks.append({"type": "actions", "block_id": "optout", "elements": [
            _button(text("prompt.optout", locale), OPTOUT_ACTION, str(prompt.prompt_id)),
        ]})
        return Message(fallback, blocks)
    thanks = text("prompt.thanks", locale, score=score_label(prompt.scale, score))
    blocks.append(_section(thanks + " " + text("prompt.change", locale)))
    blocks += after_score.blocks(update, locale) if update else []  # the team asks these
    comment = update.comment if update else None
    if comment:
        blocks.append(_section(text("prompt.your_comment", locale) + "\n" + quote(comment)))
    label = text("prompt.edit_comment" if comment else "prompt.comment", locale)
    blocks.append({"type": "actions", "block_id": "comment", "elements": [
        _button(label, COMMENT_ACTION, f"{prompt.prompt_id}:{receipt or ''}"),
    ]})
    blocks.append(_context(notice))
    return Message(fallback, blocks)


def reminder_message(prompt: RatingPrompt, locale: str) -> Message:
    """The prompt again, under one line saying it is a reminder: a fresh copy at the bottom
    of the DM, buttons and all, reads more clearly than a reply in a thread two days up."""
    message = prompt_message(prompt, locale)
    team = escape(prompt.team_display_name)
    fallback = escape(text("reminder.fallback", locale, team=prompt.team_display_name,
                           question=question_for(prompt, locale)))
    return Message(fallback, [_section(text("reminder.line", locale, team=team)),
                              *message.blocks])


def _modal(callback_id: str, title: str, locale: str, metadata: dict[str, object],
           field: Block) -> Block:
    """A one-field modal; `metadata` says what it is about, read back on submission."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "title": _plain(title),
        "submit": _plain(text("modal.send", locale)),
        "close": _plain(text("modal.cancel", locale)),
        "blocks": [field],
    }


def comment_modal(locale: str, metadata: dict[str, object], initial: str | None = None,
                  *, notice: str | None = None) -> Block:
    """The comment form; `notice` (who will see the answer) stays under the field, since the
    modal covers the message that said it."""
    element: Block = {"type": "plain_text_input", "action_id": COMMENT_INPUT, "multiline": True,
                      "max_length": MAX_COMMENT}
    if initial:
        element["initial_value"] = initial
    field = {"type": "input", "block_id": COMMENT_BLOCK,
             "label": _plain(text("modal.label", locale)), "element": element}
    modal = _modal(COMMENT_VIEW, text("modal.title", locale), locale, metadata, field)
    if notice:
        modal["blocks"].append(_context(escape(notice)))
    return modal


def resolve_modal(locale: str, metadata: dict[str, object]) -> Block:
    field = {"type": "input", "block_id": NOTE_BLOCK, "optional": True,
             "label": _plain(text("resolve.label", locale)),
             "element": {"type": "plain_text_input", "action_id": NOTE_INPUT,
                         "multiline": True, "max_length": MAX_NOTE}}
    return _modal(RESOLVE_VIEW, text("resolve.title", locale), locale, metadata, field)


def alert_message(alert: DetractorAlert, locale: str) -> Message:
    """A detractor alert for the team's channel; the names in it are the core's decision."""
    locale = alert.locale or locale  # the team's own language before the platform's default
    team = escape(alert.team_display_name)
    high = alert.scale.spec.high
    score = score_label(alert.scale, alert.score)
    blocks: list[Block] = [
        _section(alert_title(alert.scale, team, locale) + "\n"
                 + text("alert.score", locale, score=score, high=high)),
    ]
    if alert.comment:
        blocks.append(_section(text("alert.comment", locale) + "\n" + quote(alert.comment)))
    facts = []
    if alert.agent_name:
        facts.append(text("alert.agent", locale, agent=escape(alert.agent_name)))
    if alert.requester_name:
        facts.append(text("alert.requester", locale, requester=escape(alert.requester_name)))
    if alert.ticket_id:
        facts.append(text("alert.ticket", locale, ticket=escape(alert.ticket_id)))
    if alert.subject:
        facts.append(text("alert.subject", locale, subject=escape(alert.subject)))
    if facts:
        blocks.append(_context(*facts))
    value = str(alert.follow_up_id)
    state = follow_up_line(alert)
    said = None
    if state is not None:
        key, names = state
        said = text(key, locale, **{k: escape(v) for k, v in names.items()})
    if alert.resolved_by:
        done = said or ""
        if alert.resolution_note:
            done += "\n" + text("alert.note", locale, note=escape(alert.resolution_note))
        blocks.append(_section(":white_check_mark: " + done))
    else:
        buttons = [_button(text("alert.resolve", locale), RESOLVE_ACTION, value)]
        if said:
            blocks.append(_section(said))
        else:
            buttons.insert(0, _button(text("alert.claim", locale), CLAIM_ACTION, value, "primary"))
        blocks.append({"type": "actions", "block_id": "followup", "elements": buttons})
    fallback = escape(alert_fallback(alert.scale, alert.team_display_name, score, locale))
    return Message(fallback, blocks)


def digest_message(message: DigestMessage) -> Message:
    """The weekly digest: the title, the score, the week's facts as two columns of fields,
    then the comments and the per-agent figures (each section at most 3000 characters)."""
    parts = layout(message.digest, escape=escape, late=message.late)
    title = digest_title(message.digest, escape)
    blocks: list[Block] = [_section(title[:MAX_SECTION])]
    if parts.late:
        blocks.append(_context(f"_{parts.late}_"))
    headline = parts.headline
    if parts.respondents is not None:
        headline = f"*{headline}*  (n={parts.respondents})\n{parts.change}"
    blocks.append(_section(headline))
    # Slack shows fields two to a row: label over value, a readable grid of the week; a
    # section holds at most 10 fields, so a longer week takes another section.
    blocks += [{"type": "section", "fields": [
        _mrkdwn(f"*{fact.label}*\n{fact.value}"[:MAX_FIELD]) for fact in parts.facts[at:at + 10]
    ]} for at in range(0, len(parts.facts), 10)]
    if parts.comments:
        blocks.append({"type": "divider"})
        blocks += _long_sections(f"*{parts.comments_heading}*",
                                 [f"> {line}" for line in parts.comments])
    if parts.agents_heading:
        blocks += _long_sections(f"*{parts.agents_heading}*",
                                 [f"• {fact.label}: {fact.value}" for fact in parts.agents])
    return Message(title, blocks[:50])


def _long_sections(heading: str, lines: list[str]) -> list[Block]:
    """`heading` and `lines` as sections of at most 3000 characters, cut between lines."""
    sections = [heading]
    for line in lines:
        line = line[:MAX_SECTION]
        if len(sections[-1]) + 1 + len(line) <= MAX_SECTION:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    return [_section(part) for part in sections]


def markdown_message(content: str) -> Message:
    """Text already made safe for Slack (its values escaped, people mentioned)."""
    return Message(content, [_section(content)])


def mention(identifier: str) -> str:
    """An admin as Slack shows them: a live mention for a user id, else the escaped email."""
    if identifier[:1] in ("U", "W") and identifier.isalnum():
        return f"<@{identifier}>"
    return escape(identifier)


def plain_message(content: str) -> Message:
    """Text from the core shown as typed (escaped), e.g. a digest line or a command reply."""
    return Message(escape(content), [_section(escape(content))])


def home_view(home: Home) -> Block:
    """The Home tab; every name in it was typed by someone, so it is escaped."""
    locale = home.locale
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": text("home.title", locale)}},
    ]
    if not home.ratings:
        blocks.append(_section(text("home.none", locale)))
    for item in home.ratings:
        blocks.append(_section(text(
            "home.rated", locale, team=escape(item.team_display_name),
            score=score_label(item.scale, item.score), date=slack_date(item.rated_at),
        )))
    opted_out = home.person.opted_out
    blocks.append({
        "type": "section",
        "text": _mrkdwn(text("home.not_asked" if opted_out else "home.asked", locale)),
        "accessory": {
            "type": "button",
            "action_id": HOME_OPTIN_ACTION if opted_out else HOME_OPTOUT_ACTION,
            "text": {"type": "plain_text",
                     "text": text("home.optin" if opted_out else "home.optout", locale)},
            "value": "home",
        },
    })
    blocks.extend(_privacy(locale))
    if home.teams is not None:
        blocks.append({"type": "divider"})
        blocks.append({"type": "header", "text": {
            "type": "plain_text", "text": text("home.teams", locale, weeks=TREND_WEEKS)}})
        for line in home.teams:
            blocks.append(_section(
                text("home.team", locale, team=escape(line.display_name), score=line.score,
                     n=line.n, trend=line.trend)
                + "\n" + text("home.follow_ups", locale, count=line.open_follow_ups)
            ))
    return {"type": "home", "blocks": blocks[:100]}  # Slack's limit per view


def _privacy(locale: str) -> list[Block]:
    """My data and forget me, for everyone; Slack's own dialog confirms the erasure."""
    forget = _button(text("forgetme.button", locale), FORGETME_ACTION, "home", "danger")
    forget["confirm"] = {
        "title": _plain(text("forgetme.button", locale)),
        "text": _plain(text("forgetme.ask", locale)),
        "confirm": _plain(text("forgetme.confirm", locale)),
        "deny": _plain(text("forgetme.cancel", locale)),
        "style": "danger",
    }
    return [
        _section(text("home.privacy", locale)),
        {"type": "actions", "elements": [
            _button(text("mydata.button", locale), MYDATA_ACTION, "home"), forget,
        ]},
    ]


def forget_question_message(ask: ForgetQuestion) -> Message:
    """`/ratings forget-me`: nothing is erased until the person clicks to confirm."""
    return Message(ask.question, [
        _section(escape(ask.question)),
        {"type": "actions", "elements": [
            _button(ask.confirm, FORGETME_ACTION, "confirm", "danger"),
        ]},
    ])
