"""The relationship pulse's words (English, Dutch): its prompt, its digest line, the admin's
replies and refusals (`/ratings pulse`)."""

from __future__ import annotations

PULSE_CATALOG: dict[str, tuple[str, str]] = {
    # The prompt: no ticket, no agent, just the team asking about the relationship.
    "pulse.intro": ("A short question from *{team}* about how they help you",
                    "Een korte vraag van *{team}* over hoe ze je helpen"),
    # The digest of the week a pulse closes, beside the per-ticket score.
    "digest.pulse": ("Relationship pulse", "Relatiepeiling"),
    "digest.pulse.value": (
        "{label} {score} from {answered} of {asked} asked (closed {day}) · tickets this week "
        "{ticket_label} {tickets}",
        "{label} {score} van {answered} van {asked} gevraagden (gesloten {day}) · tickets "
        "deze week {ticket_label} {tickets}",
    ),
    "digest.pulse.question": ("Pulse question", "Vraag van de peiling"),
    "weekday.0": ("Mon", "ma"), "weekday.1": ("Tue", "di"), "weekday.2": ("Wed", "wo"),
    "weekday.3": ("Thu", "do"), "weekday.4": ("Fri", "vr"), "weekday.5": ("Sat", "za"),
    "weekday.6": ("Sun", "zo"),
    # The admin's replies (bot.flows.pulse.pulse_reply) and refusals.
    "admin.pulse.started": (
        "Started a pulse for `{team}`: {asked} of {found} people who had a conversation with "
        "it in the last {days} days will be asked. It closes on {day}.",
        "Peiling voor `{team}` gestart: {asked} van de {found} mensen die de afgelopen {days} "
        "dagen contact met het team hadden krijgen de vraag. Ze sluit op {day}.",
    ),
    "admin.pulse.nobody": (
        "No pulse was started for `{team}`: nobody who had a conversation with it in the "
        "last {days} days can be asked.",
        "Er is geen peiling voor `{team}` gestart: niemand die de afgelopen {days} dagen "
        "contact met het team had kan de vraag krijgen.",
    ),
    "admin.pulse.left_out": (
        "Left out: {opted_out} opted out, {cooldown} asked recently (cooldown), {agent} IT "
        "staff, {excluded} excluded, {unreachable} no longer known.",
        "Niet gevraagd: {opted_out} afgemeld, {cooldown} onlangs al gevraagd (rustperiode), "
        "{agent} IT-medewerkers, {excluded} uitgesloten, {unreachable} niet meer bekend.",
    ),
    "admin.pulse.running": (
        "`{team}` already has a pulse running; it closes on {day}.",
        "`{team}` heeft al een lopende peiling; die sluit op {day}.",
    ),
    "admin.pulse.days": (
        "The number of days must be a whole number from 1 to {most}.",
        "Het aantal dagen moet een geheel getal van 1 tot {most} zijn.",
    ),
    "admin.pulse.question_long": (
        "A question can have at most {most} characters.",
        "Een vraag mag hoogstens {most} tekens hebben.",
    ),
    "admin.usage.pulse": (
        "Say which team's relationship pulse to start. Usage: {usage}",
        "Zeg voor welk team de relatiepeiling moet starten. Gebruik: {usage}",
    ),
    "admin.usage.pulse_days": (
        "'{word}' is not a number of days: write days=60. Usage: {usage}",
        "'{word}' is geen aantal dagen: schrijf days=60. Gebruik: {usage}",
    ),
    "chart.pulse": ("Relationship pulse", "Relatiepeiling"),
    "chart.alt_pulse": (", and a diamond for the relationship pulse that closed in its last week",
                        ", en een ruit voor de relatiepeiling die in de laatste week sloot"),
}
