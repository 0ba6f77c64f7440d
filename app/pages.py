"""The privacy and terms pages `ratebot serve` answers, which the Teams app links to.

Plain pages in the README's own words (what is stored, anonymity, retention, forgetting),
with this server's retention limits filled in: an organisation with pages of its own
gives their addresses to `ratebot teams-package` instead.
"""

from __future__ import annotations

import html

from adapters.teams.package import PRIVACY_PATH, TERMS_PATH
from app.settings import Settings

__all__ = ["PRIVACY_PATH", "TERMS_PATH", "privacy_page", "terms_page"]

# (heading, paragraphs); a paragraph of lines starting "- " is a list.
Section = tuple[str, tuple[str, ...]]


def _months(months: int) -> str:
    return "kept forever" if months == 0 else f"{months} months"


def privacy_sections(settings: Settings) -> tuple[Section, ...]:
    """What ratebot stores about a person, who sees it, how long, and how to be forgotten."""
    return (
        ("What ratebot stores", (
            "When a helpdesk conversation closes, the employee who asked for help gets a "
            "direct message with one question and a row of score buttons. One click records "
            "the rating; an optional comment follows. Each rating belongs to a team and, "
            "where known, an agent.",
            "A team sees its scores and comments in its weekly digest, and a low score at once "
            "in an alert; who gave a rating is shown there only in an identified team.",
            "Only the person who had the conversation is asked; never someone who opted out, "
            "is on the exclusion list, is an agent of any team, or is the ticket's own agent. "
            "Every decision to ask or not is stored with its reason.",
        )),
        ("Anonymity", (
            "Per team: identified (names kept), confidential (names kept, shown only to "
            "admins, never in digests or alerts) or anonymous. In an anonymous team the stored "
            "rating carries no prompt, person, agent or ticket, and its time is the day only. "
            "The prompt tells you which level applies.",
            f"Per-agent figures are hidden below {settings.min_respondents} respondents.",
            "The chat platform itself (Slack or Teams) knows who clicked which score, and the "
            "prompt's message in your own chat shows your score.",
        )),
        ("Retention", (
            "Once a day ratebot removes what is older than each team's limits (a team may set "
            "its own; this server's defaults are shown):",
            f"- comments: {_months(settings.retention_comment_months)};\n"
            f"- ratings lose the person, the agent and the ticket: "
            f"{_months(settings.retention_identity_months)} (the score stays);\n"
            f"- prompts and decisions, then the closes they were about: "
            f"{_months(settings.retention_prompt_months)}.",
            "Never removed: a prompt still pending, anything about a rating whose follow-up is "
            "open, and the audit log.",
        )),
        ("Your own data, and being forgotten", (
            "Anyone can ask for everything stored about them: `my data` in Teams, "
            "`/ratings my-data` in Slack. Ratings given to anonymous teams are stored without "
            "any link to you, so they are not in it.",
            "`optout` stops all prompts; `optin` starts them again.",
            "`forget me` in Teams, `/ratings forget-me` in Slack, asks you to confirm, then "
            "erases who you are: your ratings stay as numbers without you, and you are never "
            "asked again.",
        )),
        ("Who runs it", (
            "This ratebot is run by your organisation (its IT department), not by the people "
            "who write ratebot: ask your IT department about anything on this page.",
        )),
    )


def terms_sections() -> tuple[Section, ...]:
    """The terms: free software, run by the organisation, rating is voluntary."""
    return (
        ("Terms of use", (
            "ratebot is free software under the Apache License 2.0, provided as is, without "
            "warranty of any kind.",
            "This ratebot is run by your organisation's IT department: its use at work is "
            "governed by your organisation's own rules, which it can tell you about.",
            "Rating is voluntary: ignore a prompt and it expires; `optout` stops all prompts. "
            f"What is stored and for how long is on the privacy page ({PRIVACY_PATH}).",
        )),
    )


def render(title: str, sections: tuple[Section, ...]) -> str:
    """A small, self-contained HTML page: no script, no style sheet or font from elsewhere."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    for heading, paragraphs in sections:
        body.append(f"<h2>{html.escape(heading)}</h2>")
        for paragraph in paragraphs:
            body.append(_paragraph(paragraph))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:42em;margin:2em auto;padding:0 1em;"
        "line-height:1.5}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _paragraph(text: str) -> str:
    escaped = _code(html.escape(text))
    if escaped.startswith("- "):
        items = "".join(f"<li>{line[2:]}</li>" for line in escaped.splitlines())
        return f"<ul>{items}</ul>"
    return f"<p>{escaped}</p>"


def _code(text: str) -> str:
    """`word` as code, as the README writes commands."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: leave the text as it is
        return text
    return "".join(f"<code>{part}</code>" if odd else part
                   for odd, part in ((i % 2 == 1, p) for i, p in enumerate(parts)))


def privacy_page(settings: Settings) -> str:
    return render("ratebot: privacy", privacy_sections(settings))


def terms_page() -> str:
    return render("ratebot: terms of use", terms_sections())
