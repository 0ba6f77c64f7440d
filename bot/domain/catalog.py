"""Everything ratebot says to people, as (English, Dutch) templates by key.

`bot.domain.texts` looks them up and fills them in; keeping the words apart from that
logic lets the catalogue grow without crowding the code that uses it.
"""

from __future__ import annotations

from bot.domain.catalog_admin import ADMIN_CATALOG
from bot.domain.catalog_after_score import AFTER_SCORE_CATALOG
from bot.domain.catalog_digest import DIGEST_CATALOG
from bot.domain.catalog_mutual import MUTUAL_CATALOG
from bot.domain.catalog_pulse import PULSE_CATALOG

CATALOG: dict[str, tuple[str, str]] = {
    # key: (English, Dutch)
    "prompt.helped": ("*{team}* helped you", "*{team}* heeft je geholpen"),
    "prompt.helped_by": (
        "{agent} of *{team}* helped you", "{agent} van *{team}* heeft je geholpen"
    ),
    "prompt.with": (" with “{subject}”", " met “{subject}”"),
    "prompt.ticket": (" (ticket {ticket})", " (ticket {ticket})"),
    "prompt.until": ("You can answer until {date}.", "Je kunt antwoorden tot {date}."),
    "prompt.fallback": ("{team} asks: {question}", "{team} vraagt: {question}"),
    "prompt.optout": ("Don't ask me again", "Niet meer vragen"),
    "prompt.thanks": ("You rated *{score}*. Thank you!", "Je gaf een *{score}*. Dank je wel!"),
    "prompt.change": (
        "Changed your mind? Click another score.",
        "Toch anders? Klik op een andere score.",
    ),
    "prompt.comment": ("Add a comment", "Opmerking toevoegen"),
    "prompt.edit_comment": ("Change the comment", "Opmerking wijzigen"),
    "prompt.your_comment": ("Your comment:", "Je opmerking:"),
    "prompt.expired": (
        "This rating request has expired, so the answer was not recorded.",
        "Dit verzoek om een beoordeling is verlopen; het antwoord is niet opgeslagen.",
    ),
    "reminder.line": (
        "A reminder: *{team}* would still like to know how it went. One click below is enough.",
        "Een herinnering: *{team}* hoort nog graag hoe het ging. Eén klik hieronder is genoeg.",
    ),
    "reminder.fallback": (
        "Reminder: {team} asks: {question}", "Herinnering: {team} vraagt: {question}"
    ),
    "prompt.not_yours": (
        "This rating request was sent to someone else, so it can't be answered here.",
        "Dit verzoek is naar iemand anders gestuurd en kan hier niet beantwoord worden.",
    ),
    "anonymity.identified": (
        "Your name is shown with your answer to the {team} team.",
        "Het {team}-team ziet je naam bij je antwoord.",
    ),
    "anonymity.confidential": (
        "Your answer is confidential: only ratebot admins can see your name.",
        "Je antwoord is vertrouwelijk: alleen ratebot-beheerders zien je naam.",
    ),
    "anonymity.anonymous": (
        "Your answer is anonymous: it can't be traced back to you.",
        "Je antwoord is anoniem: het is niet naar jou te herleiden.",
    ),
    "hint.nps": ("0 = not at all likely, 10 = extremely likely",
                 "0 = helemaal niet waarschijnlijk, 10 = zeer waarschijnlijk"),
    "hint.csat": ("1 = very dissatisfied, 5 = very satisfied",
                  "1 = zeer ontevreden, 5 = zeer tevreden"),
    "hint.ces": ("1 = strongly disagree, 7 = strongly agree",
                 "1 = helemaal mee oneens, 7 = helemaal mee eens"),
    "hint.thumbs": ("", ""),
    "question.nps": (
        "How likely are you to recommend {team} to a colleague?",
        "Hoe waarschijnlijk is het dat je {team} aanbeveelt bij een collega?",
    ),
    "question.csat": (
        "How satisfied are you with the help you got from {team}?",
        "Hoe tevreden ben je over de hulp die je van {team} kreeg?",
    ),
    "question.ces": (
        "{team} made it easy to get my issue handled. How much do you agree?",
        "{team} maakte het makkelijk om mijn probleem op te lossen. Hoe eens ben je het daarmee?",
    ),
    "question.thumbs": ("Did {team} help you well?", "Heeft {team} je goed geholpen?"),
    "modal.title": ("Your feedback", "Je feedback"),
    "modal.label": ("What could we do better?", "Wat kunnen we beter doen?"),
    "modal.send": ("Send", "Versturen"),
    "modal.cancel": ("Cancel", "Annuleren"),
    "optout.done": (
        "You won't be asked for ratings any more. Changed your mind? Use `/ratings optin`.",
        "We vragen je niet meer om een beoordeling. Toch wel? Gebruik `/ratings optin`.",
    ),
    "optin.done": (
        "You may be asked for ratings again.",
        "We kunnen je weer om een beoordeling vragen.",
    ),
    # Closing a request in a team's help channel: what the agent who closed it is told.
    "closing.asked": (
        "Closed. {who} will be asked to rate {team}.",
        "Gesloten. {who} krijgt de vraag om {team} te beoordelen.",
    ),
    "closing.not_asked": (
        "Closed. {who} will not be asked this time.",
        "Gesloten. {who} krijgt deze keer geen vraag.",
    ),
    "closing.requester": ("The requester", "De aanvrager"),
    "closing.not_help_channel": (
        "This channel is no team's help channel. An admin can make it one with {command}.",
        "Dit kanaal is van geen enkel team het helpkanaal. Een beheerder maakt het er een "
        "met {command}.",
    ),
    "closing.only_agents": (
        "Only agents of {team} can close requests here. An admin can add you with {command}.",
        "Alleen agents van {team} kunnen hier verzoeken sluiten. Een beheerder voegt je toe "
        "met {command}.",
    ),
    "closing.unknown_thread": (
        "I don't know who started this thread (it began before ratebot was in this channel), "
        "so nobody will be asked.",
        "Ik weet niet wie deze thread begon (hij begon voordat ratebot in dit kanaal was), "
        "dus niemand krijgt de vraag.",
    ),
    "command.working": (
        "Working on it: the answer follows in a moment.",
        "Bezig: het antwoord volgt zo.",
    ),
    "apology": (
        "Sorry, something went wrong on our side. Please try again in a minute.",
        "Sorry, er ging bij ons iets mis. Probeer het over een minuut opnieuw.",
    ),
    # An alert is named in its scale's words: only NPS has detractors.
    "alert.title.nps": ("Detractor alert for *{team}*", "Detractor-melding voor *{team}*"),
    "alert.title.csat": (
        "Dissatisfied rating for *{team}*", "Ontevreden beoordeling voor *{team}*"
    ),
    "alert.title.ces": ("Hard-going rating for *{team}*", "Moeizame beoordeling voor *{team}*"),
    "alert.title.thumbs": ("Thumbs down for *{team}*", "Duim omlaag voor *{team}*"),
    "alert.score": ("Score: *{score}* of {high}", "Score: *{score}* van {high}"),
    "alert.comment": ("Comment:", "Opmerking:"),
    "alert.agent": ("Agent: {agent}", "Medewerker: {agent}"),
    "alert.requester": ("Requester: {requester}", "Aanvrager: {requester}"),
    "alert.ticket": ("Ticket: {ticket}", "Ticket: {ticket}"),
    "alert.subject": ("Subject: {subject}", "Onderwerp: {subject}"),
    "alert.claim": ("I'll follow up", "Ik pak het op"),
    # A button says what it does: "Resolved" beside "I'll follow up" read as a state.
    "alert.resolve": ("Mark as resolved", "Markeer als opgelost"),
    "alert.claimed": ("{who} is following up.", "{who} pakt dit op."),
    "alert.resolved": ("Resolved by {who}.", "Opgelost door {who}."),
    # Once resolved, whoever claimed it is history: one line, in the past tense.
    "alert.resolved_after_claim": (
        "Resolved by {who}, after {claimer} followed up.",
        "Opgelost door {who}, nadat {claimer} het had opgepakt.",
    ),
    "alert.note": ("Note: {note}", "Notitie: {note}"),
    "alert.fallback.nps": (
        "Detractor alert for {team}: score {score}",
        "Detractor-melding voor {team}: score {score}",
    ),
    "alert.fallback.csat": (
        "Dissatisfied rating for {team}: score {score}",
        "Ontevreden beoordeling voor {team}: score {score}",
    ),
    "alert.fallback.ces": (
        "Hard-going rating for {team}: score {score}",
        "Moeizame beoordeling voor {team}: score {score}",
    ),
    "alert.fallback.thumbs": (
        "Thumbs down for {team}", "Duim omlaag voor {team}",
    ),
    "resolve.title": ("Resolve follow-up", "Opvolging afronden"),
    "resolve.label": ("What was done? (short note)", "Wat is er gedaan? (korte notitie)"),
    "home.title": ("Your recent ratings", "Je recente beoordelingen"),
    "home.none": ("You haven't rated anything yet.", "Je hebt nog niets beoordeeld."),
    "home.rated": ("{team}: *{score}* on {date}", "{team}: *{score}* op {date}"),
    "home.asked": ("You may be asked for ratings.", "We kunnen je om een beoordeling vragen."),
    "home.not_asked": ("You have opted out of ratings.", "Je hebt je afgemeld voor beoordelingen."),
    "home.optout": ("Don't ask me", "Niet meer vragen"),
    "home.optin": ("Ask me again", "Vraag het me weer"),
    "home.teams": ("Teams (last {weeks} weeks)", "Teams (afgelopen {weeks} weken)"),
    "home.team": ("*{team}*: {score} (n = {n}) · trend {trend}",
                  "*{team}*: {score} (n = {n}) · trend {trend}"),
    "home.follow_ups": ("Open follow-ups: {count}", "Openstaande opvolgingen: {count}"),
    "home.privacy": ("What ratebot stores about you is yours to see, or to erase.",
                     "Wat ratebot over je bewaart, mag je inzien of laten wissen."),
    "mydata.button": ("My data", "Mijn gegevens"),
    "mydata.sent": (
        "Here is everything ratebot stores about you, as a JSON file. Ratings you gave to "
        "anonymous teams are stored without any link to you, so they are not in it.",
        "Hier is alles wat ratebot over je bewaart, als JSON-bestand. Beoordelingen voor "
        "anonieme teams zijn niet aan jou gekoppeld en staan er dus niet in.",
    ),
    "mydata.none": ("Ratebot stores nothing about you.", "Ratebot bewaart niets over je."),
    "mydata.too_big": (
        "Your data is too large to attach here: ask an admin for `ratebot export`, or use "
        "`/ratings my-data` in Slack.",
        "Je gegevens zijn te groot om hier mee te sturen: vraag een beheerder om "
        "`ratebot export`, of gebruik `/ratings my-data` in Slack.",
    ),
    "mydata.personal": (
        "Ask me that in our personal chat: your data is for you alone.",
        "Vraag me dat in onze persoonlijke chat: je gegevens zijn alleen voor jou.",
    ),
    "myratings.personal": (
        "Ask me that in our personal chat: your ratings are for you alone.",
        "Vraag me dat in onze persoonlijke chat: je beoordelingen zijn alleen voor jou.",
    ),
    "forgetme.button": ("Forget me", "Vergeet mij"),
    "forgetme.ask": (
        "Erase who you are from ratebot? Your ratings stay as numbers without your name, and "
        "you will never be asked for a rating again. This cannot be undone.",
        "Wil je dat ratebot wist wie je bent? Je beoordelingen blijven als getallen zonder je "
        "naam, en je wordt nooit meer om een beoordeling gevraagd. Dit kan niet ongedaan.",
    ),
    "forgetme.confirm": ("Yes, forget me", "Ja, vergeet mij"),
    "forgetme.cancel": ("Keep me", "Niet wissen"),
    "forgetme.done": (
        "Done: ratebot has forgotten who you are. {kept} of your ratings stay as numbers "
        "without your name, and you will not be asked again.",
        "Klaar: ratebot is vergeten wie je bent. {kept} van je beoordelingen blijven als "
        "getallen zonder je naam, en je wordt niet meer gevraagd.",
    ),
    "forgetme.unknown": ("Ratebot knows nothing about you: there is nothing to forget.",
                         "Ratebot weet niets over je: er valt niets te vergeten."),
    # Refusals: the core raises them in English, word for word as here, and
    # `in_locale` finds them again to say them in the reader's language (a test checks
    # that every refusal on the rating path has its entry).
    "refusal.withdrawn_reopened": (
        "This rating request was withdrawn because the ticket was reopened.",
        "Dit verzoek om een beoordeling is ingetrokken omdat het ticket weer open is.",
    ),
    "refusal.withdrawn": (
        "This rating request was withdrawn.", "Dit verzoek om een beoordeling is ingetrokken.",
    ),
    "refusal.not_open": (
        "This rating request is not open.", "Dit verzoek om een beoordeling staat niet open.",
    ),
    "refusal.anonymous_recorded": (
        "Your anonymous rating is already recorded.", "Je anonieme beoordeling is al opgeslagen.",
    ),
    "refusal.off_scale": (
        "{score} is not a score on this scale ({low} to {high}).",
        "{score} is geen score op deze schaal ({low} tot {high}).",
    ),
    "refusal.gone": (
        "This rating request no longer exists.",
        "Dit verzoek om een beoordeling bestaat niet meer.",
    ),
    "refusal.comment_empty": ("The comment is empty.", "De opmerking is leeg."),
    "refusal.comment_too_long": (
        "A comment can have at most {limit} characters; this one has {length}.",
        "Een opmerking mag hoogstens {limit} tekens hebben; deze heeft er {length}.",
    ),
    "refusal.score_first": (
        "There is no rating to comment on yet: choose a score first.",
        "Er is nog geen beoordeling om op te reageren: kies eerst een score.",
    ),
    "refusal.follow_up_gone": (
        "That follow-up no longer exists.", "Die opvolging bestaat niet meer.",
    ),
    "refusal.not_ours": ("That button is not one of ratebot's.", "Die knop is niet van ratebot."),
    "refusal.not_an_opening": (
        "Use this on the message that opened the request.",
        "Gebruik dit op het bericht waarmee het verzoek begon.",
    ),
    # "You said, we did": what the team did about a rating, told privately to the rater.
    "loop.you_said": (
        "You rated {team} recently, and they followed up. What they did: {note}",
        "Je beoordeelde {team} onlangs en zij hebben het opgevolgd. Wat ze deden: {note}",
    ),
    "loop.you_said_about": (
        "You rated {team} on “{subject}”, and they followed up. What they did: {note}",
        "Je beoordeelde {team} over “{subject}” en zij hebben het opgevolgd. "
        "Wat ze deden: {note}",
    ),
    # Coaching: an agent's own ratings, privately; never who gave them.
    "coach.praise": (
        "Well done! Someone you helped for {team} rated it {score} of {high}.",
        "Goed gedaan! Iemand die je voor {team} hielp, gaf een {score} van {high}.",
    ),
    "coach.praise_about": (
        "Well done! Someone you helped with “{subject}” for {team} rated it {score} of {high}.",
        "Goed gedaan! Iemand die je hielp met “{subject}” voor {team}, gaf een {score} "
        "van {high}.",
    ),
    "coach.feedback": (
        "Feedback on your help for {team}: rated {score} of {high}, now followed up.",
        "Feedback op je hulp voor {team}: beoordeeld met {score} van {high}, nu opgevolgd.",
    ),
    "coach.feedback_about": (
        "Feedback on your help with “{subject}” for {team}: rated {score} of {high}, "
        "now followed up.",
        "Feedback op je hulp met “{subject}” voor {team}: beoordeeld met {score} van {high}, "
        "nu opgevolgd.",
    ),
    "coach.comment": ("They wrote: {comment}", "Hun opmerking: {comment}"),
    "coach.done": ("What was done: {note}", "Wat er is gedaan: {note}"),
    "failure.platform": ("the chat platform", "het chatplatform"),
    "failure.not_installed": (
        "the ratebot app is not installed for them", "de ratebot-app is bij hen niet geïnstalleerd",
    ),
    "failure.no_account": (
        "no chat account was found for them", "er is geen chataccount van hen gevonden",
    ),
    "failure.deactivated": (
        "their chat account is deactivated", "hun chataccount is uitgeschakeld",
    ),
    "failure.not_found": (
        "{platform} could not find the conversation", "{platform} kon het gesprek niet vinden",
    ),
    "failure.access": (
        "{platform} refused ratebot access (check its token and permissions)",
        "{platform} weigerde ratebot toegang (controleer het token en de rechten)",
    ),
    "failure.rejected": ("{platform} refused the message", "{platform} weigerde het bericht"),
    "failure.unreachable": ("{platform} could not be reached", "{platform} was niet bereikbaar"),
    "failure.rate_limited": (
        "{platform} asked ratebot to slow down",
        "{platform} vroeg ratebot het rustiger aan te doen",
    ),
    "failure.unknown": (
        "{platform} did not take the message", "{platform} nam het bericht niet aan",
    ),
    "failure.gave_up": (
        "{reason}, gave up after {attempts} attempts", "{reason}, opgegeven na {attempts} pogingen",
    ),
}
CATALOG.update(DIGEST_CATALOG)  # the digest's words, kept in their own module
CATALOG.update(ADMIN_CATALOG)  # the replies of admin commands, in their own module
CATALOG.update(MUTUAL_CATALOG)  # mutual rating: the agent rates the request
CATALOG.update(PULSE_CATALOG)  # the relationship pulse's words, in their own module
CATALOG.update(AFTER_SCORE_CATALOG)  # reasons and lost time after the score
