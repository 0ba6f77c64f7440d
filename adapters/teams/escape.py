"""Markdown escaping for Adaptive Card text: what a person typed is shown as typed.

Adaptive Card `TextBlock`s render a markdown subset and evaluate `{{DATE(...)}}`
functions; card templating expands `${...}`. Text a person typed must do none of that:
no planted link, no formatting, no expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.domain import texts

# CommonMark treats a backslash before any ASCII punctuation as a literal character.
# Inline markup can start anywhere; block markup (headings, quotes, lists) only a line.
_INLINE = re.compile(r"([\\`*_\[\]()~<>|])")
_BLOCK = re.compile(r"^([ \t]*)([#>+\-])", re.MULTILINE)
_ORDERED = re.compile(r"^([ \t]*\d+)([.)])", re.MULTILINE)
_ZERO_WIDTH = "\u200b"
_BOLD = re.compile(r"(?<!\\)\*")


# Anything `escape` changes: most texts hold none of it, and one search is cheaper than the
# substitutions (a card escapes a dozen texts).
_MARKUP = re.compile(r"[\\`*_\[\]()~<>|]|\$\{|\{\{|^[ \t]*(?:[#>+\-]|\d+[.)])", re.MULTILINE)


def escape(value: object) -> str:
    """`value` as literal text inside a markdown TextBlock."""
    plain = str(value)
    return plain if _MARKUP.search(plain) is None else escaped(plain)


def escaped(plain: str) -> str:
    """`escape`'s work, done whether or not the text holds anything to escape."""
    # Break `${` and `{{` first: a zero-width space between the characters stops the
    # expression from ever being parsed, escaped or not.
    plain = plain.replace("${", "$" + _ZERO_WIDTH + "{").replace("{{", "{" + _ZERO_WIDTH + "{")
    plain = _INLINE.sub(r"\\\1", plain)
    plain = _BLOCK.sub(r"\1\\\2", plain)
    return _ORDERED.sub(r"\1\\\2", plain)


def paragraphs(value: object) -> str:
    """Typed text as literal markdown that keeps its line breaks: outside a list, Teams
    joins lines on a single `\\n` and breaks only on a blank line."""
    lines = escape(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n\n".join(line for line in lines if line.strip())


# The catalogue's own markup once escaped: `*bold*` and `code` (Teams has no inline code).
# A doubled mark (`**x**` typed into a value) is no catalogue markup and stays literal.
_ESCAPED_BOLD = re.compile(r"(?<!\*)\\\*([^*`\\\n]+)\\\*(?!\\\*)")
_ESCAPED_CODE = re.compile(r"(?<!`)\\`([^*`\\\n]+)\\`(?!\\`)")


def notice(message: str) -> str:
    """A filled catalogue notice as card markdown: everything escaped, then the catalogue's
    `*bold*` and `code` shown bold rather than as literal asterisks and backticks. A value
    can at most turn bold: links and expressions stay escaped."""
    escaped = escape(message)
    return _ESCAPED_CODE.sub(r"**\1**", _ESCAPED_BOLD.sub(r"**\1**", escaped))


def plain(value: object, limit: int | None = None) -> str:
    """`value` for a place that shows text without markdown (button titles, placeholders)."""
    text = str(value).replace("${", "$" + _ZERO_WIDTH + "{")
    text = text.replace("{{", "{" + _ZERO_WIDTH + "{")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def say(
    key: str, locale: str, *, trusted: Mapping[str, str] | None = None, **values: object
) -> str:
    """A catalog text as card markdown: the catalog's `*bold*` made `**bold**`, values escaped.

    `trusted` values are markup ratebot wrote itself (a `{{DATE()}}` function) and go in as is.
    """
    template = texts.template(key, locale).replace("*", "**")
    filled = {name: escape(value) for name, value in values.items()}
    filled.update(trusted or {})
    return template.format(**filled)


def teams_markdown(light: str) -> str:
    """The core's light markdown (`*bold*`, escaped values) as Teams markdown (`**bold**`)."""
    return _BOLD.sub("**", light)
