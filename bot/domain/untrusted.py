"""Text from outside the process: whether the database can store it, how to log it safely.

Every inbound path (helpdesk webhooks, Slack, Teams) decodes JSON it did not write. JSON
can spell characters no database column takes: `\\u0000` (PostgreSQL refuses NUL in text)
and unpaired surrogates such as `\\ud800` (not Unicode, so not encodable as UTF-8). Those
are refused at the door, naming where they were, before anything is stored. And a value
a caller chose must not be able to forge log lines or flood them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

NUL_REASON = "contains a NUL character, which cannot be stored"
# Enough to name what is wrong; a body with thousands of bad strings gets no longer answer.
MAX_REPORTED = 10
LOG_LIMIT = 120
_PATH_LIMIT = 60


def unstorable(text: str) -> str | None:
    """Why the database cannot store `text`, or None when it can."""
    if "\x00" in text:
        return NUL_REASON
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        return (
            f"contains an unpaired surrogate (U+{code:04X}), which is not valid Unicode "
            "and cannot be stored"
        )
    return None


def may_hold_unstorable(raw: bytes) -> bool:
    """False when the JSON or form body `raw` cannot decode to text `unstorable` refuses.

    A cheap test on the raw bytes that spares walking the decoded document for nearly
    every request: ASCII without escapes cannot spell NUL or a surrogate.
    """
    # How NUL or a surrogate can be spelled in an ASCII body: a JSON `\u` escape, a NUL
    # itself (a form value keeps it), or a percent-encoded NUL or backslash (JSON inside a
    # form field, as Slack sends interactions). Plain substring tests, written out: each is
    # a C scan, many times faster than one regex, and a loop over them cost more than they.
    return (not raw.isascii() or b"\\u" in raw or b"\x00" in raw or b"%00" in raw
            or b"%5c" in raw or b"%5C" in raw)


def unstorable_fields(document: object) -> dict[str, str]:
    """Where decoded JSON holds text the database cannot store: dotted path -> reason.

    Keys are checked as well as values. At most `MAX_REPORTED` places are named, in the
    order they appear.
    """
    found: dict[str, str] = {}
    for path, text in _strings(document):
        reason = unstorable(text)
        if reason is not None:
            found.setdefault(_dotted(path), reason)
            if len(found) >= MAX_REPORTED:
                break
    return found


# Where a string is: (the path of its container, its key or index); None at the top. Linked,
# not a tuple per level, so a deeply nested body costs linear time to walk.
Path = tuple["Path", object] | None
_SHOWN_LEVELS = 12


def _strings(document: object) -> Iterator[tuple[Path, str]]:
    """Every string in `document` (keys too) with where it is, in document order."""
    # Iterative: a deeply nested body must not exhaust the interpreter's stack.
    stack: list[tuple[Path, Any]] = [(None, document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, Mapping):
            for key in value:
                if isinstance(key, str):
                    yield (path, key), key
            stack.extend(((path, key), item) for key, item in reversed(list(value.items())))
        elif isinstance(value, list | tuple):
            stack.extend(((path, index), item) for index, item in reversed(
                list(enumerate(value))
            ))


def _dotted(path: Path) -> str:
    parts: list[str] = []
    while path is not None:
        path, part = path
        # The path names a caller's keys, which may hold the very characters being refused.
        parts.append(loggable(part, _PATH_LIMIT))
    parts.reverse()
    if len(parts) > _SHOWN_LEVELS:
        parts = [*parts[: _SHOWN_LEVELS // 2], "…", *parts[1 - _SHOWN_LEVELS // 2 :]]
    return ".".join(parts) or "body"


def describe(fields: Mapping[str, str]) -> str:
    """One message naming every field: `requester_email: contains a NUL character, ...`."""
    return "; ".join(f"{name}: {reason}" for name, reason in fields.items())


def loggable(value: object, limit: int = LOG_LIMIT) -> str:
    """`value` as one safe piece of a log line: control characters escaped, length capped.

    A caller-chosen value could otherwise end the line and forge the next one (`\\n`),
    drive a terminal (`\\x1b`), or flood the log. What is cut off is marked with `…`.
    """
    text = value if isinstance(value, str) else str(value)
    cut = len(text) > limit
    shown = text[:limit]
    if not (shown.isascii() and shown.isprintable()):
        shown = "".join(_escape(char) for char in shown)
    if len(shown) > limit:
        shown, cut = shown[:limit], True
    return shown + "…" if cut else shown


def _escape(char: str) -> str:
    # Line breaks, terminal controls, bidi overrides and surrogates become \n, \x1b, \u202e.
    return char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
