"""Why a prompt could not be delivered, in the catalogue's words, never as a platform's code.

A failed prompt keeps the reason its adapter gave ("slack: channel_not_found", "Teams
answered 403", "the ratebot app is not installed for this person", with "(gave up after
5 attempts)" when retries ran out). Those are for logs and operators; the digest a team
reads says what happened in words the catalogue holds in every language.
"""

from __future__ import annotations

import re

from bot.domain.texts import text

_GAVE_UP = re.compile(r"^(?P<reason>.*) \(gave up after (?P<attempts>\d+) attempts\)$")
_STATUS = re.compile(r"\banswered (?P<status>\d{3})\b")
_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")
_EXCEPTION = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]*)*(?:Error|Exception|Timeout)\b")

# A platform's error code, by what it means for the team reading the digest.
_ACCESS = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
    "no_permission", "missing_scope", "restricted_action", "org_login_required",
    "ekm_access_denied", "team_access_not_granted",
})
_REJECTED = frozenset({
    "invalid_blocks", "msg_too_long", "is_archived", "cannot_dm_bot", "not_in_channel",
})


def failure_key(reason: str) -> tuple[str, dict[str, str]]:
    """(catalogue key, values) saying why a delivery failed; `platform` names the chat."""
    gave_up = _GAVE_UP.match(reason)
    base = gave_up["reason"] if gave_up else reason
    key = _key(base)
    if gave_up:
        return "failure.gave_up", {"reason": key, "attempts": gave_up["attempts"]}
    return key, {}


def failure_text(reason: str, locale: str = "en") -> str:
    """The failure as a person reads it: "Slack could not find the conversation"."""
    key, values = failure_key(reason)
    platform = _platform(reason, locale)
    if key == "failure.gave_up":
        said = text(values["reason"], locale, platform=platform)
        return text(key, locale, reason=said, attempts=values["attempts"])
    return text(key, locale, platform=platform)


def _platform(reason: str, locale: str) -> str:
    lowered = reason.lower()
    if "slack" in lowered:
        return "Slack"
    if "teams" in lowered:
        return "Teams"
    return text("failure.platform", locale)


def _key(reason: str) -> str:
    lowered = reason.lower()
    if "not installed" in lowered:
        return "failure.not_installed"
    if "deactivated" in lowered or "user_disabled" in lowered:
        return "failure.deactivated"
    if "no slack user" in lowered or "users_not_found" in lowered:
        return "failure.no_account"
    status = _STATUS.search(lowered)
    if status:
        return _by_status(int(status["status"]))
    codes = set(_CODE.findall(lowered))
    if any(code.endswith("not_found") for code in codes):
        return "failure.not_found"
    if codes & _ACCESS:
        return "failure.access"
    if "ratelimited" in lowered or "rate_limited" in codes:
        return "failure.rate_limited"
    if codes & _REJECTED:
        return "failure.rejected"
    if "could not be reached" in lowered or _EXCEPTION.search(reason):
        return "failure.unreachable"
    return "failure.unknown"


def _by_status(status: int) -> str:
    if status == 404:
        return "failure.not_found"
    if status in (401, 403):
        return "failure.access"
    if status == 429:
        return "failure.rate_limited"
    if status >= 500:
        return "failure.unreachable"
    return "failure.rejected"
