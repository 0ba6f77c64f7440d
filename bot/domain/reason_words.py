"""How a reason reads: the catalogue's words for a default one, a team's own as typed."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.reasons import custom_label
from bot.domain.texts import text


def reason_label(key: str, locale: str, escape: Callable[[str], str] = str) -> str:
    """`key` in `locale`; a team's own label passes through `escape` (an admin typed it)."""
    label = custom_label(key)
    return escape(label) if label is not None else text(f"reason.{key}", locale)
