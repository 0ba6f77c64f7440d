"""Every reply and refusal of a `/ratings` admin command is in the catalogue, in English and
Dutch, so a Dutch admin is never answered in English by a sentence someone forgot.

Like tests/unit/test_refusals_catalogue.py: the code words replies in English; this scan
finds each sentence the admin path says or raises (with sample values) and checks that
`texts.reply_in_locale` finds its template. The command line keeps the English.
"""

from __future__ import annotations

import ast
import string

import pytest

from bot.domain.catalog_admin import ADMIN_CATALOG
from bot.domain.texts import reply_in_locale, reply_key, template
from tests.unit.test_refusals_catalogue import REFUSALS, ROOT, SAMPLE, _locals, _Strings

ADMIN_PATH = [
    "bot/flows/admin.py",
    "bot/flows/command_handlers.py",
    "bot/flows/interactions/admin_command.py",
    "bot/domain/errors.py",
    "storage/teams.py",
    "bot/flows/source_mapping.py",
]
# The parser's complaints, each shown with the command's usage after it.
USAGE_PATH = "bot/domain/commands.py"
SAID = REFUSALS | {"Reply", "_Refused", "ValueError", "super", "_Usage"}
# Sentences the scan sees in pieces, each covered by templates checked whole below.
PIECES = {
    f"{SAMPLE} {SAMPLE}.",  # "{who} is now an admin." and its siblings: the verb is chosen
    f"{SAMPLE} {SAMPLE}{SAMPLE}.",  # the same with "(still an admin through RATEBOT_ADMINS)"
    f"`{SAMPLE}` {SAMPLE} {SAMPLE} channel in {SAMPLE}.",  # a channel set or cleared here
    "Admins: ", ", ", "none",  # "Admins: a, b" or "Admins: none"
    f"'{SAMPLE}' is not a team option.{SAMPLE} Options: {SAMPLE}.",  # with or without a guess
    f"'{SAMPLE}' is not a valid {SAMPLE}:",  # the channel's hint follows (admin.not_a_channel)
    f"use one of {SAMPLE}", f"use a whole number of {SAMPLE} from {SAMPLE} to {SAMPLE}{SAMPLE}",
    f"use {SAMPLE}, or 'default'",
    f"Tickets of {SAMPLE} group `{SAMPLE}` now rate `{SAMPLE}`{SAMPLE}.",
    # With or without "Try 'x'." (admin.bad_team_name, admin.bad_team_name_plain).
    f"'{SAMPLE}' can't be a team name: use 2-32 lowercase letters, digits and dashes, "
    f"starting and ending with a letter or digit (like 'servicedesk').{SAMPLE}",
    # Guards of the code's own calls that no typed command reaches: the command handlers
    # send channel options and purposes through their own checks first.
    f"'{SAMPLE}' names a channel; set it with set_team_option.",
    f"A channel's purpose is one of {SAMPLE}.",
}


def said(path: str) -> list[tuple[int, str]]:
    """(line, sentence) of everything `path` replies, raises or explains a value with."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    strings = _Strings(tree)
    found: list[tuple[int, str]] = []
    for function in [n for n in ast.walk(tree)
                     if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
        local = _locals(function)
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            if name == "__init__" and isinstance(node.func, ast.Attribute):
                name = "super"
            if name not in SAID:
                continue
            for argument in node.args[:1]:
                for sentence in strings.of(argument, local):
                    found += [(node.lineno, line) for line in sentence.split("\n")
                              if line.strip() and not line.startswith(f"{SAMPLE} of ")]
    return found


ALL = sorted({(path, line, sentence) for path in ADMIN_PATH for line, sentence in said(path)
              if sentence not in PIECES and not sentence.startswith(("• ", "  "))}
             | {(USAGE_PATH, line, f"{sentence} Usage: team add <name>")
                for line, sentence in said(USAGE_PATH)})


def test_the_scan_finds_the_replies_it_is_meant_to_guard() -> None:
    sentences = {sentence for _, _, sentence in ALL}
    assert f"Changed `{SAMPLE}` of `{SAMPLE}`." in sentences
    assert f"There is no team called '{SAMPLE}'." in sentences
    assert "use 1-80 characters" in sentences
    assert f"Posted the digest of `{SAMPLE}` for {SAMPLE}." in sentences
    assert len(sentences) >= 25


@pytest.mark.parametrize(("path", "line", "sentence"), ALL)
def test_every_admin_reply_is_in_the_catalogue(path: str, line: int, sentence: str) -> None:
    if sentence == f"There is no team called '{SAMPLE}'.":  # raised with its hint, below
        sentence += f" Add it first with `team add {SAMPLE}`."
    assert reply_key(sentence) is not None, (
        f"{path}:{line} says {sentence!r}, which the catalogue lacks: add it to "
        "bot/domain/catalog_admin.py under an 'admin.' key, in English and Dutch")
    assert reply_in_locale(sentence, "nl") != sentence
    assert reply_in_locale(sentence, "en") == sentence


@pytest.mark.parametrize(("english", "dutch"), [
    ("`ann` is now an admin.", "`ann` is nu beheerder."),
    ("`ann` was already an admin.", "`ann` was al beheerder."),
    ("`ann` is no longer an admin (still an admin through RATEBOT_ADMINS on the server).",
     "`ann` is geen beheerder meer (wel nog via RATEBOT_ADMINS op de server)."),
    ("`ann` was not an admin.", "`ann` was geen beheerder."),
    ("Admins: a@example.com, <@U1>", "Beheerders: a@example.com, <@U1>"),
    ("Admins: none", "Beheerders: geen"),
    ("`desk` now uses this channel as its alert channel in Teams.",
     "`desk` gebruikt dit kanaal nu als alert-kanaal in Teams."),
    ("`desk` no longer has digest channel in Teams.",
     "`desk` heeft geen digest-kanaal meer in Teams."),
    ("'sampel' is not a team option. Did you mean 'sample'? Options: scale, sample.",
     "'sampel' is geen teaminstelling. Bedoel je 'sample'? Instellingen: scale, sample."),
    ("'x' is not a team option. Options: scale.", "'x' is geen teaminstelling. "
     "Instellingen: scale."),
    ("'C1 x' is not a valid alert-channel: pick the channel with # (or give its id, like "
     "C0123ABCD), or 'none' to clear it.",
     "'C1 x' is geen geldige alert-channel: kies het kanaal met # (of geef het id, zoals "
     "C0123ABCD), of 'none' om het leeg te maken."),
    ("'0' is not a valid sample: use a whole number of percent from 1 to 100.",
     "'0' is geen geldige sample: gebruik een heel aantal procent van 1 tot 100."),
    ("'x' is not a valid throttle: use a whole number of days from 0 to 365 or 'default'.",
     "'x' is geen geldige throttle: gebruik een heel aantal dagen van 0 tot 365 of "
     "'default'."),
    ("'huge' is not a valid scale: use one of nps, csat.",
     "'huge' is geen geldige scale: gebruik een van nps, csat."),
    ("'fr' is not a valid locale: use en, nl, or 'default'.",
     "'fr' is geen geldige locale: gebruik en, nl, of 'default'."),
    ("'Mars' is not a valid digest: 'Mars' is not a timezone (use an IANA name like "
     "Europe/Amsterdam).", "'Mars' is geen geldige digest: 'Mars' is geen tijdzone "
     "(gebruik een IANA-naam zoals Europe/Amsterdam)."),
    ("Tickets of zendesk group `L2` now rate `desk` instead of `infra`.",
     "Tickets van zendesk-groep `L2` beoordelen nu `desk` in plaats van `infra`."),
    ("'Service Desk' can't be a team name: use 2-32 lowercase letters, digits and dashes, "
     "starting and ending with a letter or digit (like 'servicedesk'). Try 'service-desk'.",
     "'Service Desk' kan geen teamnaam zijn: gebruik 2-32 kleine letters, cijfers en "
     "streepjes, met een letter of cijfer aan begin en eind (zoals 'servicedesk'). "
     "Probeer 'service-desk'."),
    ("I don't know `stast`. Did you mean `stats`?", "Ik ken `stast` niet. Bedoel je `stats`?"),
    ("*Usage:* `/ratings <command>`", "*Gebruik:* `/ratings <command>`"),
    ("*Scores over the last 4 weeks*\n• Desk: +40 ± 20 (n = 1,200, 83% answered)\n• IT: +3",
     "*Scores over de laatste 4 weken*\n• Desk: +40 ± 20 (n = 1.200, 83% beantwoord)\n• IT: +3"),
    ("Tickets of zendesk group `L2` now rate `desk`.",
     "Tickets van zendesk-groep `L2` beoordelen nu `desk`."),
    ("Sending 2,000 ratings as a CSV file in a direct message.",
     "2.000 beoordelingen komen als CSV-bestand in een privébericht."),
])
def test_sentences_built_in_pieces_are_said_whole(english: str, dutch: str) -> None:
    assert reply_in_locale(english, "nl") == dutch


def test_a_line_the_catalogue_lacks_is_kept_and_the_rest_translated() -> None:
    reply = "Changed `scale` of `desk`.\n• `desk` Desk: csat, identified"
    assert reply_in_locale(reply, "nl") == (
        "`scale` van `desk` gewijzigd.\n• `desk` Desk: csat, identified")


@pytest.mark.parametrize("key", sorted(ADMIN_CATALOG))
def test_every_admin_text_has_its_dutch_with_the_same_values(key: str) -> None:
    english, dutch = template(key, "en"), template(key, "nl")
    assert dutch and dutch != english, key
    names = sorted(n for _, n, _, _ in string.Formatter().parse(english) if n)
    assert names == sorted(n for _, n, _, _ in string.Formatter().parse(dutch) if n), key
