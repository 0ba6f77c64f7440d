"""Commenting after a score: a text to fix keeps the form, a comment is shown back."""

from __future__ import annotations

import dataclasses

from bot.domain.identity import PersonIdentity
from bot.flows.interactions import (
    answering,
    commenting,
)
from bot.services import Services


async def test_an_empty_comment_keeps_the_form_and_a_comment_is_shown_back(
    services: Services, sent: int, jan: PersonIdentity
) -> None:
    rated = await answering.answer(services, sent, jan, 8, None)
    receipt = rated.update.receipt if rated.update else None
    empty = await commenting.comment(services, sent, jan, "  ", receipt, score=8)
    assert empty.fixable and empty.problem == "The comment is empty."
    assert empty.update is not None and empty.update.score == 8
    done = await commenting.comment(services, sent, jan, " Quick help ", receipt, score=8)
    assert done.problem is None and done.update is not None
    assert (done.update.score, done.update.comment) == (8, "Quick help")


async def test_a_dutch_reader_is_refused_in_dutch(
    services: Services, sent: int, jan: PersonIdentity
) -> None:
    dutch = dataclasses.replace(jan, locale="nl-NL")
    rated = await answering.answer(services, sent, dutch, 8, None)
    receipt = rated.update.receipt if rated.update else None
    empty = await commenting.comment(services, sent, dutch, "  ", receipt, score=8)
    assert empty.fixable and empty.problem == "De opmerking is leeg."
    long = await commenting.comment(services, sent, dutch, "x" * 2345, receipt, score=8)
    assert long.problem == "Een opmerking mag hoogstens 2.000 tekens hebben; deze heeft er 2.345."
    stranger = PersonIdentity(slack_user_id="UKEES", locale="nl")
    theirs = await commenting.comment(services, sent, stranger, "Hoi", None, score=8)
    assert theirs.problem is not None and "iemand anders" in theirs.problem


async def test_the_comment_form_keeps_the_anonymity_notice_in_the_readers_language(
    services: Services, sent: int, jan: PersonIdentity
) -> None:
    form = await commenting.comment_form(services, sent, dataclasses.replace(jan, locale="nl"))
    assert form.locale == "nl"
    assert form.notice is not None and form.notice.startswith("Het ")  # identified, in Dutch
    gone = await commenting.comment_form(services, sent + 1000, jan)
    assert gone.notice is None
