"""Commenting after a score: a text to fix keeps the form, a comment is shown back."""

from __future__ import annotations

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
