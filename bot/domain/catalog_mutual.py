"""Mutual rating's words (bot.domain.request_checks), as (English, Dutch) templates."""

from __future__ import annotations

MUTUAL_CATALOG: dict[str, tuple[str, str]] = {
    # The question to the agent who closed the conversation.
    "mutual.fallback": ("How was this request to work on? ({team})",
                        "Hoe was het om aan dit verzoek te werken? ({team})"),
    "mutual.closed": ("You closed a request for {team}.",
                      "Je hebt een verzoek voor {team} afgesloten."),
    "mutual.closed_about": ("You closed “{subject}” for {team}.",
                            "Je hebt “{subject}” voor {team} afgesloten."),
    "mutual.question": ("How was this request to work on?",
                        "Hoe was het om aan dit verzoek te werken?"),
    "mutual.clarity": ("The request was", "Het verzoek was"),
    "mutual.clear": ("Clear", "Duidelijk"),
    "mutual.partly": ("Partly clear", "Deels duidelijk"),
    "mutual.unclear": ("Unclear", "Onduidelijk"),
    "mutual.reach": ("The person was reachable", "De persoon was bereikbaar"),
    "mutual.yes": ("Yes", "Ja"),
    "mutual.no": ("Not easily", "Niet goed"),
    "mutual.private": (
        "Only admins see these answers, counted together: never per agent, never by the "
        "person who asked, never in the team's score.",
        "Alleen beheerders zien deze antwoorden, opgeteld: nooit per medewerker, nooit door "
        "wie het vroeg, nooit in de score van het team.",
    ),
    "mutual.until": ("Answer either or both; you can change them until {date}.",
                     "Beantwoord een of beide; je kunt ze wijzigen tot {date}."),
    "mutual.thanks": ("Thanks, noted. Tap another answer to change it.",
                      "Bedankt, genoteerd. Tik een ander antwoord om het te wijzigen."),
    "mutual.expired": ("This question has expired.", "Deze vraag is verlopen."),
    "mutual.not_yours": ("This question was sent to someone else.",
                         "Deze vraag is aan iemand anders gesteld."),
    "mutual.gone": ("This question is no longer available.",
                    "Deze vraag is niet meer beschikbaar."),
    "mutual.answered": (
        "Your answer was already noted: change it with the buttons of the updated message.",
        "Je antwoord was al genoteerd: wijzig het met de knoppen van het bijgewerkte bericht.",
    ),
    # Admin replies (matched line by line by `texts.reply_in_locale`).
    "admin.mutual_on": (
        "Mutual rating is on: an agent who closes a conversation of this team gets a private "
        "question about the request (was it clear, was the person reachable). The answers "
        "are kept apart from the team's score and shown to admins only as totals, never per "
        "agent or requester.",
        "Wederzijdse beoordeling staat aan: een medewerker die een gesprek van dit team "
        "afsluit, krijgt een persoonlijke vraag over het verzoek (was het duidelijk, was de "
        "persoon bereikbaar). De antwoorden staan los van de score van het team en beheerders "
        "zien alleen totalen, nooit per medewerker of aanvrager.",
    ),
    "admin.mutual_stats": (
        "• {team}, requests as agents saw them (last {days} days): clear {clear}, "
        "partly {partly}, unclear {unclear}; reachable {reachable} (n={n})",
        "• {team}, verzoeken zoals medewerkers ze zagen (laatste {days} dagen): duidelijk "
        "{clear}, deels {partly}, onduidelijk {unclear}; bereikbaar {reachable} (n={n})",
    ),
}
