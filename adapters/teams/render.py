"""Adaptive Cards (schema 1.5), built by pure functions from core objects.

Every action is an `Action.Execute` (Universal Actions: the click is an
`adaptiveCard/action` invoke answered with the next card) with an `Action.Submit`
fallback for clients without them (the click is a message carrying `value`). Both carry
the same data; `verb` names the action, repeated as `ratebot` for the fallback.
Cards are plain JSON built directly, never through card templating, so nothing a person
typed is ever evaluated.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

# The primitives and the digest card live beside this module; they are re-exported so
# every card is still reached as `render.<name>`.
from adapters.teams import after_score
from adapters.teams.cards import CONTENT_TYPE as CONTENT_TYPE
from adapters.teams.cards import MAX_CARD_BYTES as MAX_CARD_BYTES
from adapters.teams.cards import MESSAGE_RESPONSE as MESSAGE_RESPONSE
from adapters.teams.cards import PNG_DATA_URI as PNG_DATA_URI
from adapters.teams.cards import Card as Card
from adapters.teams.cards import card as card
from adapters.teams.cards import card_bytes as card_bytes
from adapters.teams.cards import data_uri_bytes as data_uri_bytes
from adapters.teams.cards import has_image as has_image
from adapters.teams.cards import text_block as text_block
from adapters.teams.digest_card import digest_card as digest_card
from adapters.teams.escape import escape, notice, paragraphs, plain, say, teams_markdown
from bot.domain.messages import DetractorAlert, PromptUpdate, RatingPrompt
from bot.domain.scales import Scale
from bot.domain.texts import (
    alert_title_key,
    anonymity_notice,
    follow_up_line,
    in_locale,
    label_of,
    question_for,
    template,
    text,
)
from bot.flows.interactions.forgetting_me import ForgetQuestion
from bot.flows.interactions.my_data import MyDataView
from bot.flows.interactions.my_ratings import TREND_WEEKS
from bot.flows.interactions.views import Home, PromptView

RATE, COMMENT, OPTOUT, CLAIM, RESOLVE = "rate", "comment", "optout", "claim", "resolve"
FORGETME, OPTIN, MYDATA = "forgetme", "optin", "mydata"
JSON_DATA_URI = "data:application/json;base64,"
COMMENT_INPUT, NOTE_INPUT = "comment", "note"
MAX_COMMENT, MAX_NOTE = 2000, 500
BUTTONS_PER_ROW = 6  # Teams shows at most six buttons side by side


def action(verb: str, title: str, data: dict[str, Any], **style: Any) -> Card:
    """An `Action.Execute` with the same action as an `Action.Submit` fallback."""
    title = plain(title)
    return {
        "type": "Action.Execute", "title": title, "verb": verb, "data": data, **style,
        "fallback": {"type": "Action.Submit", "title": title,
                     "data": {"ratebot": verb, **data}, **style},
    }


def score_label(scale: Scale, score: int) -> str:
    if scale is Scale.THUMBS:
        return "👍" if score == 1 else "👎"
    return str(score)


def card_date(moment: datetime) -> str:
    """A date Teams shows in the reader's own locale and timezone."""
    return "{{DATE(" + moment.strftime("%Y-%m-%dT%H:%M:%SZ") + ", SHORT)}}"


def _intro(prompt: RatingPrompt, locale: str) -> str:
    team = prompt.team_display_name
    if prompt.pulse:  # a relationship pulse: no ticket, no agent
        return say("pulse.intro", locale, team=team) + "."
    if prompt.agent_name:
        intro = say("prompt.helped_by", locale, agent=prompt.agent_name, team=team)
    else:
        intro = say("prompt.helped", locale, team=team)
    if prompt.subject:
        intro += say("prompt.with", locale, subject=prompt.subject)
    if prompt.ticket_id:
        intro += say("prompt.ticket", locale, ticket=prompt.ticket_id)
    return intro + "."


def _score_rows(prompt: RatingPrompt, chosen: int | None, receipt: str | None) -> list[Card]:
    scores = list(prompt.scale.scores())
    rows = -(-len(scores) // BUTTONS_PER_ROW)
    size = -(-len(scores) // rows)  # spread evenly: 11 buttons are 6 + 5, not 6 + 5 + 0
    sets: list[Card] = []
    for start in range(0, len(scores), size):
        buttons = []
        for score in scores[start:start + size]:
            data: dict[str, Any] = {"prompt": prompt.prompt_id, "score": score}
            if receipt:
                data["receipt"] = receipt
            style = {"style": "positive"} if score == chosen else {}
            buttons.append(action(RATE, score_label(prompt.scale, score), data, **style))
        sets.append({"type": "ActionSet", "actions": buttons})
    return sets


def _header(prompt: RatingPrompt, locale: str) -> list[Card]:
    hint = text(f"hint.{prompt.scale.value}", locale)
    return [
        text_block(_intro(prompt, locale)),
        text_block(escape(question_for(prompt, locale)), weight="Bolder", size="Medium"),
        text_block(escape(hint), isSubtle=True, size="Small") if hint else {},
    ]


def prompt_card(prompt: RatingPrompt, locale: str) -> Card:
    """The question: one button per score, "Don't ask me again", the anonymity level."""
    return card(
        *_header(prompt, locale),
        *_score_rows(prompt, None, None),
        _anonymity(prompt, locale),
        text_block(
            say("prompt.until", locale, trusted={"date": card_date(prompt.expires_at)}),
            isSubtle=True, size="Small",
        ),
        {"type": "ActionSet", "actions": [
            action(OPTOUT, text("prompt.optout", locale), {"prompt": prompt.prompt_id})
        ]},
    )


def reminder_card(prompt: RatingPrompt, locale: str) -> Card:
    """The prompt's card again, under one line saying it is a reminder: its buttons record
    the same prompt as the first card's."""
    content = prompt_card(prompt, locale)
    line = text_block(say("reminder.line", locale, team=prompt.team_display_name))
    return {**content, "body": [line, *content["body"]]}


def rated_card(update: PromptUpdate, locale: str) -> Card:
    """After the click: the chosen score (still changeable) and the optional comment box."""
    prompt = update.prompt
    assert update.score is not None
    data: dict[str, Any] = {"prompt": prompt.prompt_id, "score": update.score}
    if update.receipt:
        data["receipt"] = update.receipt
    comment_box: Card = {
        "type": "Input.Text", "id": COMMENT_INPUT, "isMultiline": True,
        "maxLength": MAX_COMMENT, "label": text("modal.label", locale),
    }
    # The box starts empty even when a comment exists: what a person typed goes into a
    # card only through `escape`, never as a raw value.
    return card(
        *_header(prompt, locale),
        text_block(say("prompt.thanks", locale, score=score_label(prompt.scale, update.score))),
        text_block(escape(text("prompt.change", locale)), isSubtle=True, size="Small"),
        *_score_rows(prompt, update.score, update.receipt),
        *after_score.rows(update, locale),  # reasons, lost time: when the team asks them
        comment_box,
        {"type": "ActionSet", "actions": [
            action(COMMENT, text("modal.send", locale), data, associatedInputs="auto")
        ]},
        _anonymity(prompt, locale),
    )


def thanks_card(update: PromptUpdate, locale: str) -> Card:
    """The final card, once the comment is in."""
    prompt = update.prompt
    assert update.score is not None
    return card(
        text_block(_intro(prompt, locale)),
        text_block(say("prompt.thanks", locale, score=score_label(prompt.scale, update.score))),
        text_block(escape(text("prompt.your_comment", locale)), weight="Bolder")
        if update.comment else {},
        text_block(paragraphs(update.comment)) if update.comment else {},
        _anonymity(prompt, locale),
    )


def _anonymity(prompt: RatingPrompt, locale: str) -> Card:
    """Who will see the answer: said again beside the comment box and under the comment,
    where the person decides what to write."""
    notice = anonymity_notice(prompt.anonymity, prompt.team_display_name, locale)
    return text_block(escape(notice), isSubtle=True, size="Small")


def notice_card(message: str, update: PromptUpdate | None = None, locale: str = "en") -> Card:
    """A card saying why nothing happened (expired, withdrawn, not yours)."""
    if update is None:
        return card(text_block(notice(message)))
    return card(text_block(_intro(update.prompt, locale)), text_block(notice(message)))


def prompt_update_card(update: PromptUpdate, locale: str) -> Card:
    """The card a sent prompt shows in a given state (redrawn by the core)."""
    if update.notice:  # raised in English by the rules: said in the prompt's language
        return notice_card(in_locale(update.notice, locale), update, locale)
    if update.score is None:
        return prompt_card(update.prompt, locale)
    if update.comment:
        return thanks_card(update, locale)
    return rated_card(update, locale)


def answer_card(view: PromptView) -> Card:
    """The prompt after a score click: the score chosen, or why it was not recorded."""
    if view.update is None:
        return notice_card(view.notice or "")
    if view.update.notice is not None:
        return notice_card(view.update.notice, view.update, view.locale)
    return rated_card(view.update, view.locale)


def comment_card(view: PromptView) -> Card:
    """The prompt after a comment: thanks, the box kept with what to fix, or a refusal."""
    if view.problem is not None and not view.fixable:
        return answer_card(view)
    if view.update is None:
        return notice_card(view.notice or "")
    if view.fixable:
        # Keep the comment box: the person can fix the text and send it again.
        kept = rated_card(view.update, view.locale)
        kept["body"].append(text_block(escape(view.problem or ""), color="Attention"))
        return kept
    return thanks_card(view.update, view.locale)


def command_reply(reply: str) -> str:
    """A command's reply as Teams markdown; the shared replies name Slack's `/ratings`,
    and in Teams the command is a message."""
    return teams_markdown(reply).replace("`/ratings ", "`ratings ")


def card_response(content: Card) -> dict[str, Any]:
    """The `adaptiveCard/action` answer that replaces the clicked card."""
    return _action_answer(CONTENT_TYPE, content)


def message_response(message: str) -> dict[str, Any]:
    """The `adaptiveCard/action` answer that keeps the card and shows a short message."""
    return _action_answer(MESSAGE_RESPONSE, message)


def _action_answer(kind: str, value: Card | str) -> dict[str, Any]:
    return {"statusCode": 200, "type": kind, "value": value}


def task_message(note: str) -> dict[str, Any]:
    """A message action's answer: a short message in a dialog."""
    return {"task": {"type": "message", "value": note}}


def alert_card(alert: DetractorAlert, locale: str) -> Card:
    """A detractor's rating for the team's alert channel, with claim and resolve."""
    locale = alert.locale or locale  # the team's own language before the platform's default
    spec = alert.scale.spec
    body: list[Card] = [
        text_block(say(alert_title_key(alert.scale), locale, team=alert.team_display_name),
                   weight="Bolder", color="Attention"),
        text_block(say("alert.score", locale, score=score_label(alert.scale, alert.score),
                       high=score_label(alert.scale, spec.high))),
    ]
    # Who, which ticket, what about: a label column and a value column, as the digest.
    facts = [{"title": label_of(key, locale), "value": escape(value)} for key, value in (
        ("alert.agent", alert.agent_name), ("alert.requester", alert.requester_name),
        ("alert.ticket", alert.ticket_id), ("alert.subject", alert.subject)) if value]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    if alert.comment:
        body += [text_block(say("alert.comment", locale), weight="Bolder"),
                 text_block(paragraphs(alert.comment))]
    state = follow_up_line(alert)
    if state is not None:
        key, names = state
        style = {"color": "Good", "separator": True} if alert.resolved_by else {}
        # `say` for values named at run time: the catalog's bold as Teams', values escaped.
        line = template(key, locale).replace("*", "**").format(
            **{name: escape(value) for name, value in names.items()})
        body.append(text_block(line, **style))
    if alert.resolved_by:
        if alert.resolution_note:
            body.append(text_block(say("alert.note", locale, note=alert.resolution_note)))
        return card(*body)
    data = {"follow_up": alert.follow_up_id}
    body.append({"type": "Input.Text", "id": NOTE_INPUT, "isMultiline": True,
                 "maxLength": MAX_NOTE, "label": text("resolve.label", locale)})
    buttons = [action(RESOLVE, text("alert.resolve", locale), data, associatedInputs="auto")]
    if not alert.claimed_by:
        buttons.insert(0, action(CLAIM, text("alert.claim", locale), data,
                                 associatedInputs="none"))
    return card(*body, actions=buttons)


def forget_question_card(ask: ForgetQuestion) -> Card:
    """`forget me`: nothing is erased until the person clicks to confirm."""
    return card(text_block(notice(ask.question)),
                actions=[action(FORGETME, ask.confirm, {}, style="destructive")])


def my_data_card(view: MyDataView) -> Card:
    """The person's data as a download link in the card itself (a data: URI).

    A bot can send a file into a personal chat only through the file-consent flow, which
    uploads to the person's OneDrive (`supportsFiles`, Teams' upload URL): more than
    botbuilder alone does, and a copy outside ratebot. A link carries the file in the
    message, within the card's size limit.
    """
    if view.content is None:
        return card(text_block(notice(view.notice)))
    link = JSON_DATA_URI + base64.b64encode(view.content).decode()
    shown = card(text_block(notice(view.notice)),
                 actions=[{"type": "Action.OpenUrl", "title": plain(view.filename), "url": link}])
    if card_bytes(shown) > MAX_CARD_BYTES:
        return card(text_block(notice(text("mydata.too_big", view.locale))))
    return shown


def home_card(home: Home) -> Card:
    """`my ratings`: Slack's App Home as a card, with the same switch and privacy actions.

    Forget me opens its question inside the card first: nothing is erased until the
    person clicks the confirmation, as after a typed `forget me`.
    """
    locale, opted_out = home.locale, home.person.opted_out
    blocks = [text_block(say("home.title", locale), size="Medium", weight="Bolder")]
    if not home.ratings:
        blocks.append(text_block(say("home.none", locale)))
    for item in home.ratings:
        blocks.append(text_block(say(
            "home.rated", locale, team=item.team_display_name,
            score=score_label(item.scale, item.score), trusted={"date": card_date(item.rated_at)},
        ), spacing="Small"))
    blocks.append(text_block(say("home.not_asked" if opted_out else "home.asked", locale)))
    blocks.append(text_block(say("home.privacy", locale)))
    if home.teams is not None:
        blocks.append(text_block(say("home.teams", locale, weeks=TREND_WEEKS),
                                 size="Medium", weight="Bolder", separator=True))
        blocks.extend(text_block(
            say("home.team", locale, team=line.display_name, score=line.score, n=line.n,
                trend=line.trend) + "\n\n" + say("home.follow_ups", locale,
                                                  count=line.open_follow_ups),
            spacing="Small") for line in home.teams)
    switch = action(OPTIN if opted_out else OPTOUT,
                    text("home.optin" if opted_out else "home.optout", locale), {})
    confirm = card(text_block(say("forgetme.ask", locale)), actions=[
        action(FORGETME, text("forgetme.confirm", locale), {}, style="destructive")])
    forget = {"type": "Action.ShowCard", "title": plain(text("forgetme.button", locale)),
              "card": confirm}
    return card(*blocks, actions=[switch, action(MYDATA, text("mydata.button", locale), {}),
                                  forget])
