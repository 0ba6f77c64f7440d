"""What ratebot says to people, in English and Dutch: one catalog for every platform.

Templates take values already made safe for the platform (the adapter escapes them);
`{placeholders}` are filled with `str.format`.
"""

from __future__ import annotations

import re
from functools import cache

from bot.domain.catalog import CATALOG
from bot.domain.messages import DetractorAlert, RatingPrompt
from bot.domain.model import Anonymity
from bot.domain.scales import Scale

LOCALES = ("en", "nl")
# The keys `in_locale` looks refusals up in.
_REFUSALS = ("refusal.", "prompt.expired", "prompt.not_yours")


def in_locale(message: str, locale: str) -> str:
    """A refusal the core raised in English, said in `locale` when the catalog has it.

    Refusals are raised deep in the rules, before anyone knows who will read them; the
    boundary that shows one knows its reader. A message the catalog lacks (an admin
    command's reply: commands speak English) is shown as raised.
    """
    if locale == "en" or locale not in LOCALES:
        return message
    for key, pattern in _refusal_patterns():
        found = pattern.fullmatch(message)
        if found:
            values = {name: _number(value, locale) for name, value in found.groupdict().items()}
            return text(key, locale, **values)
    return message


def reply_in_locale(message: str, locale: str) -> str:
    """An admin command's reply or refusal, worded in English by the core, said in `locale`.

    Line by line: a line the catalogue lacks (a team's settings, a table) is shown as
    written. A `{reason}` or `{unit}` inside is looked up in turn ("use a whole number of
    days ..."), so the explanation of a refused value is translated with its sentence.
    """
    if locale == "en" or locale not in LOCALES:
        return message
    return "\n".join(_reply_line(line, locale) for line in message.split("\n"))


def reply_key(line: str) -> str | None:
    """The catalogue key of one line of an admin reply; None when the catalogue lacks it."""
    return next((key for key, pattern in _reply_patterns() if pattern.fullmatch(line)), None)


def _reply_line(line: str, locale: str) -> str:
    for key, pattern in _reply_patterns():
        found = pattern.fullmatch(line)
        if found:
            values = {name: _reply_line(value, locale) if name in _NESTED else
                      _number(value, locale) for name, value in found.groupdict().items()}
            return text(key, locale, **values)
    return line


_NESTED = ("reason", "unit")


@cache
def _reply_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    replies = [key for key in CATALOG if key.startswith(("admin.", *_REFUSALS))]
    return tuple((key, _pattern(CATALOG[key][0])) for key in replies)


def refusal_key(message: str) -> str | None:
    """The catalog key of a refusal raised in English; None when the catalog lacks it."""
    return next((key for key, pattern in _refusal_patterns() if pattern.fullmatch(message)),
                None)


@cache
def _refusal_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    refusals = [key for key in CATALOG if key.startswith(_REFUSALS)]
    return tuple((key, _pattern(CATALOG[key][0])) for key in refusals)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)  # literal, name, literal, name, ...
    return re.compile("".join(
        f"(?P<{part}>.+?)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    ))


def _number(value: str, locale: str) -> str:
    """"2,000" as Dutch writes it ("2.000"): the thousands separators the core used."""
    return re.sub(r"(?<=\d),(?=\d{3}\b)", ".", value) if locale == "nl" else value


def locale_for(preferred: str | None, default: str) -> str:
    """The catalog locale for a platform locale like "nl-NL"; `default` when unknown."""
    if preferred:
        language = preferred.replace("_", "-").split("-")[0].lower()
        if language in LOCALES:
            return language
    return default if default in LOCALES else "en"


def text(key: str, locale: str, **values: object) -> str:
    """The text for `key` in `locale`, placeholders filled. Unknown keys are a bug: KeyError."""
    english, dutch = CATALOG[key]
    template = dutch if locale == "nl" else english
    return template.format(**values) if values else template


def default_question(scale: Scale, team: str, locale: str) -> str:
    return text(f"question.{scale.value}", locale, team=team)


def question_for(prompt: RatingPrompt, locale: str) -> str:
    """The question a person is asked: the team's own as written, or the scale's default
    in the reader's language (a team that never set one reads its language's default)."""
    english_default = prompt.scale.spec.question.format(team=prompt.team_display_name)
    if prompt.question == english_default:
        return default_question(prompt.scale, prompt.team_display_name, locale)
    return prompt.question


def alert_title_key(scale: Scale) -> str:
    """The catalog key of an alert's heading: each scale names its low ratings itself."""
    return f"alert.title.{scale.value}"


def alert_title(scale: Scale, team: str, locale: str) -> str:
    """The alert's heading in its scale's words ("Dissatisfied rating for *IT*" for CSAT)."""
    return text(alert_title_key(scale), locale, team=team)


def alert_fallback(scale: Scale, team: str, score: object, locale: str) -> str:
    """The alert's one-line notification text, in its scale's words."""
    return text(f"alert.fallback.{scale.value}", locale, team=team, score=score)


def follow_up_line(alert: DetractorAlert) -> tuple[str, dict[str, str]] | None:
    """Where the alert's follow-up stands, as (catalog key, values to escape); None while open.

    A resolved alert says who resolved it, and who had claimed it when that was someone
    else, never the claim's present tense ("... is following up") above "Resolved by".
    """
    if alert.resolved_by:
        claimer = alert.claimed_by
        if claimer and claimer != alert.resolved_by:
            return "alert.resolved_after_claim", {"who": alert.resolved_by, "claimer": claimer}
        return "alert.resolved", {"who": alert.resolved_by}
    if alert.claimed_by:
        return "alert.claimed", {"who": alert.claimed_by}
    return None


def label_of(key: str, locale: str) -> str:
    """The label of a "Label: {value}" text ("Agent" of "Agent: {agent}"), for a platform
    that shows labels and values in columns."""
    label, colon, _ = template(key, locale).partition(": {")
    if not colon:
        raise KeyError(f"{key} is not a 'Label: {{value}}' text")
    return label


def anonymity_notice(anonymity: Anonymity, team: str, locale: str) -> str:
    return text(f"anonymity.{anonymity.value}", locale, team=team)


def keys() -> list[str]:
    return list(CATALOG)


def template(key: str, locale: str) -> str:
    english, dutch = CATALOG[key]
    return dutch if locale == "nl" else english
