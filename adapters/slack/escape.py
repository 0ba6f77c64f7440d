"""mrkdwn escaping: what a person typed never pings anyone or disguises a link."""

from __future__ import annotations

# Slack's own three control characters; `<` and `>` delimit mentions and links.
_TABLE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """`text` safe to put inside a mrkdwn string, shown as typed."""
    return text.translate(_TABLE)


def fit(text: str, limit: int) -> str:
    """`text` escaped, cut (at a character, never inside an entity) to at most `limit`."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    out: list[str] = []
    size = 0
    for char in text:
        piece = escape(char)
        if size + len(piece) > limit - 1:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out) + "…"


def quote(text: str, limit: int = 2800) -> str:
    """`text` escaped and shown as a block quote, line by line; a section holds 3000."""
    lines = text.splitlines() or [""]
    # Each line gains "> " and a newline: leave room for them.
    body = fit("\n".join(lines), max(limit - 3 * len(lines), limit // 4))
    return "\n".join("> " + line for line in body.split("\n"))
