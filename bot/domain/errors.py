"""The core's error tree. A `UserFacingError` carries a message fit for a person."""

from __future__ import annotations

from bot.domain.hints import Hint, Surface


class RatebotError(Exception):
    """Base of every error the core raises on purpose."""


class UserFacingError(RatebotError):
    """Its message is safe and useful to show to the person who caused it.

    A message that points to a command carries it as a `hint`: `str()` writes it in the
    chat's grammar, `for_surface(Surface.CLI)` in the command line's.
    """

    def __init__(self, message: str = "", *, hint: Hint | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.for_surface(Surface.CHAT))

    def for_surface(self, surface: Surface) -> str:
        if self.hint is None:
            return self.message
        return f"{self.message} {self.hint.render(surface)}".strip()


class NotFound(UserFacingError):
    pass


class UnknownTeam(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"There is no team called '{name}'.",
            hint=Hint.to("Add it first with {hint}.", "team.add", team=name),
        )
        self.name = name


class AlreadyExists(UserFacingError):
    pass


class InvalidValue(UserFacingError):
    pass


class NotAuthorized(UserFacingError):
    pass


class PromptExpired(UserFacingError):
    def __init__(self) -> None:
        super().__init__("This rating request has expired, so the answer was not recorded.")


class NotRecipient(UserFacingError):
    def __init__(self) -> None:
        super().__init__(
            "This rating request was sent to someone else, so it can't be answered here."
        )


class ScoreOffScale(UserFacingError):
    pass


class PromptClosed(UserFacingError):
    """The prompt can no longer be answered (withdrawn, skipped, failed)."""


class StoreUnavailable(RatebotError):
    """The database could not be reached; the caller should ask the sender to retry.

    `reason` says what failed in terms fit for a log (an error type, a SQLSTATE): the
    chained driver error's message can quote a query's parameters, emails among them.
    """

    def __init__(self, message: str, *, reason: str = "unknown") -> None:
        super().__init__(message)
        self.reason = reason


class SchemaOutdated(RatebotError):
    """The database schema is behind the code; run `ratebot migrate`."""
