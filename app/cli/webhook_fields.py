"""Which fields of a payload a close was made of, for the person testing their helpdesk setup.

The parsers say what a close is, not where they found it; so the value each field ended up
with is looked for in the payload itself. That works for every source alike and never
drifts from the parsers: a value found verbatim names its path, one found inside a longer
text names that text's path, and one the source put together (GitHub's
`owner/repo#number`) names the parts.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.events import ConversationClosed

# Where a source joins two payload values into a ticket id (GitHub: `<repository>#<number>`).
_JOINS = ("#",)


@dataclass(frozen=True, slots=True)
class UsedField:
    """One field of a close: its name, its value and where in the payload it came from."""

    name: str
    value: str | None
    origin: str


def used_fields(
    event: ConversationClosed,
    payload: Mapping[str, Any],
    *,
    team_is_group: bool,
    requester_origin: str | None = None,
) -> list[UsedField]:
    """The fields ratebot used from `payload` to make `event`.

    `team_is_group`: the source names a helpdesk group that a mapping turns into a team
    (every vendor source), rather than the ratebot team itself (the generic webhook).
    `requester_origin`: where the source says it read the requester, when a search of the
    payload cannot tell (an address inside an issue body names its label there).
    """
    texts = list(_leaves(payload))
    agent = event.agent_email or event.agent_name
    fields = [
        ("ticket id", event.ticket_id, None),
        ("requester", event.requester_email, requester_origin),
        ("group" if team_is_group else "team", event.team or None, None),
        ("agent", agent, None),
        ("subject", event.subject, None),
    ]
    return [
        UsedField(name, value, known or _origin(value, texts)) for name, value, known in fields
    ]


def origin_of(value: str | None, payload: Mapping[str, Any]) -> str:
    """Where in `payload` one value came from (a reopen's ticket id, say)."""
    return _origin(value, list(_leaves(payload)))


def _origin(value: str | None, texts: list[tuple[str, str]]) -> str:
    if value is None:
        return "not in the payload"
    exact = _path_of(value, texts)
    if exact is not None:
        return exact
    for join in _JOINS:
        parts = value.split(join)
        paths = [_path_of(part, texts) for part in parts] if len(parts) > 1 else []
        if paths and all(paths):
            return f" + '{join}' + ".join(path or "" for path in paths)
    wanted = _key(value)
    for path, text in texts:
        if wanted in _key(text) or wanted in _key(html.unescape(text)):
            return f"inside {path}"
    return "derived by the source (not in the payload as such)"


def _path_of(value: str, texts: list[tuple[str, str]]) -> str | None:
    """The first path, in payload order, whose value is `value` (any case, HTML entities undone)."""
    wanted = _key(value)
    for path, text in texts:
        if _key(text) == wanted or _key(html.unescape(text)) == wanted:
            return path
    return None


def _key(text: str) -> str:
    return text.strip().casefold()


def _leaves(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every text or number in `data` with its dotted path (`issue.assignees[0].login`)."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, f"{path}[{index}]")
    elif isinstance(data, str) or (isinstance(data, int | float) and not isinstance(data, bool)):
        yield path, str(data)
