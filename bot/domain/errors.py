"""The core's error tree. A `UserFacingError` carries a message fit for a person."""

from __future__ import annotations


class RatebotError(Exception):
    """Base of every error the core raises on purpose."""


class UserFacingError(RatebotError):
    """Its message is safe and useful to show to the person who caused it."""


class NotFound(UserFacingError):
    pass


class UnknownTeam(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no team called '{name}'. Add it first with `team add {name}`.")
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
