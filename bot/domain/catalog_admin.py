"""The replies and refusals of `/ratings` admin commands, as (English, Dutch) templates.

The core words each reply in English (the command line shows it so); in chat,
`texts.reply_in_locale` finds the reply's template here and says it in the caller's
language. Each English template is the exact sentence the code writes: a scan
(tests/unit/test_admin_replies_catalogue.py) keeps the two in step. A `{reason}`, `{unit}`
or `{choice}` value is itself looked up here, so a nested explanation is translated too.
"""

from __future__ import annotations

ADMIN_CATALOG: dict[str, tuple[str, str]] = {
    # Who may: the admin check.
    "admin.only_admins": ("Only admins can do that. Ask one of them: {names}.",
                          "Alleen beheerders kunnen dat. Vraag het een van hen: {names}."),
    "admin.no_admins": (
        "Only admins can do that, and there are none yet: set RATEBOT_ADMINS or run "
        "`ratebot admins add <email>` on the server.",
        "Alleen beheerders kunnen dat, en die zijn er nog niet: zet RATEBOT_ADMINS of voer "
        "`ratebot admins add <email>` uit op de server.",
    ),
    "admin.unsupported": ("That command is not supported here.",
                          "Dat commando werkt hier niet."),
    # Teams.
    "admin.no_teams": ("There are no teams yet: add one with `team add <name>`.",
                       "Er zijn nog geen teams: voeg er een toe met `team add <name>`."),
    "admin.team_added": ("Added the team `{team}`.", "Team `{team}` toegevoegd."),
    "admin.team_changed": ("Changed `{option}` of `{team}`.",
                           "`{option}` van `{team}` gewijzigd."),
    "admin.unknown_team": (
        "There is no team called '{name}'. Add it first with `team add {team}`.",
        "Er is geen team met de naam '{name}'. Voeg het eerst toe met `team add {team}`.",
    ),
    "admin.team_exists": ("There is already a team called '{name}'.",
                          "Er is al een team met de naam '{name}'."),
    "admin.bad_team_name": (
        "'{name}' can't be a team name: use 2-32 lowercase letters, digits and dashes, "
        "starting and ending with a letter or digit (like 'servicedesk'). Try '{suggestion}'.",
        "'{name}' kan geen teamnaam zijn: gebruik 2-32 kleine letters, cijfers en streepjes, "
        "met een letter of cijfer aan begin en eind (zoals 'servicedesk'). "
        "Probeer '{suggestion}'.",
    ),
    "admin.bad_team_name_plain": (
        "'{name}' can't be a team name: use 2-32 lowercase letters, digits and dashes, "
        "starting and ending with a letter or digit (like 'servicedesk').",
        "'{name}' kan geen teamnaam zijn: gebruik 2-32 kleine letters, cijfers en streepjes, "
        "met een letter of cijfer aan begin en eind (zoals 'servicedesk').",
    ),
    "admin.team_in_use": (
        "Team '{team}' has {conversations} conversation(s) and {ratings} rating(s), so it "
        "can't be removed: its history would be lost. Nothing was changed.",
        "Team '{team}' heeft {conversations} gesprek(ken) en {ratings} beoordeling(en) en kan "
        "daarom niet verwijderd worden: de geschiedenis zou verloren gaan. Er is niets gewijzigd.",
    ),
    "admin.no_setting": ("Teams have no setting called '{name}'.",
                         "Teams hebben geen instelling '{name}'."),
    "admin.unknown_option_close": (
        "'{name}' is not a team option. Did you mean '{close}'? Options: {options}.",
        "'{name}' is geen teaminstelling. Bedoel je '{close}'? Instellingen: {options}.",
    ),
    "admin.unknown_option": ("'{name}' is not a team option. Options: {options}.",
                             "'{name}' is geen teaminstelling. Instellingen: {options}."),
    # Before `invalid_value`, which would match it too.
    "admin.not_a_channel": (
        "'{value}' is not a valid {option}: {reason}, or 'none' to clear it.",
        "'{value}' is geen geldige {option}: {reason}, of 'none' om het leeg te maken.",
    ),
    "admin.invalid_value": ("'{value}' is not a valid {option}: {reason}.",
                            "'{value}' is geen geldige {option}: {reason}."),
    "admin.channel_here": (
        "In {platform}, send `ratings team set {team} {option} here` in the channel itself "
        "(or `none` to clear it).",
        "Stuur in {platform} `ratings team set {team} {option} here` in het kanaal zelf "
        "(of `none` om het leeg te maken).",
    ),
    "admin.channel_set": ("`{team}` now uses this channel as its {purpose} channel in "
                          "{platform}.",
                          "`{team}` gebruikt dit kanaal nu als {purpose}-kanaal in {platform}."),
    "admin.channel_cleared": ("`{team}` no longer has {purpose} channel in {platform}.",
                              "`{team}` heeft geen {purpose}-kanaal meer in {platform}."),
    # Why a value was refused ({reason} above).
    "admin.reason.choice": ("use one of {choices}", "gebruik een van {choices}"),
    "admin.reason.number_default": (
        "use a whole number of {unit} from {low} to {high} or 'default'",
        "gebruik een heel aantal {unit} van {low} tot {high} of 'default'",
    ),
    "admin.reason.number": ("use a whole number of {unit} from {low} to {high}",
                            "gebruik een heel aantal {unit} van {low} tot {high}"),
    "admin.reason.question": (
        "use 1-300 characters, or 'default' for the scale's own question",
        "gebruik 1-300 tekens, of 'default' voor de eigen vraag van de schaal",
    ),
    "admin.reason.display_name": ("use 1-80 characters", "gebruik 1-80 tekens"),
    "admin.reason.timezone": ("use an IANA name like Europe/Amsterdam, or 'default'",
                              "gebruik een IANA-naam zoals Europe/Amsterdam, of 'default'"),
    "admin.reason.locale": ("use {choices}, or 'default'", "gebruik {choices}, of 'default'"),
    "admin.reason.schedule": ("expected a weekday and a time, like 'mon 09:00'",
                              "verwacht een weekdag en een tijd, zoals 'mon 09:00'"),
    "admin.reason.weekday": ("'{day}' is not a weekday (mon, tue, ... sun)",
                             "'{day}' is geen weekdag (mon, tue, ... sun)"),
    "admin.reason.time": ("'{clock}' is not a time of day like 09:00",
                          "'{clock}' is geen tijdstip zoals 09:00"),
    "admin.reason.zone": ("'{zone}' is not a timezone (use an IANA name like Europe/Amsterdam)",
                          "'{zone}' is geen tijdzone (gebruik een IANA-naam zoals "
                          "Europe/Amsterdam)"),
    "admin.reason.channel": ("pick the channel with # (or give its id, like C0123ABCD)",
                             "kies het kanaal met # (of geef het id, zoals C0123ABCD)"),
    "admin.unit.days": ("days", "dagen"),
    "admin.unit.percent": ("percent", "procent"),
    "admin.unit.minutes": ("minutes", "minuten"),
    "admin.unit.months": ("months", "maanden"),
    # Agents and helpdesk groups.
    "admin.agent_added": ("{who} now helps in `{team}` (and is never asked to rate IT).",
                          "{who} helpt nu in `{team}` (en wordt nooit gevraagd IT te "
                          "beoordelen)."),
    "admin.agent_removed": (
        "{who} no longer helps in `{team}` (and may be asked to rate IT again).",
        "{who} helpt niet meer in `{team}` (en kan weer gevraagd worden IT te beoordelen).",
    ),
    "admin.not_an_agent": ("{who} was not an agent of `{team}`; nothing changed.",
                           "{who} was geen medewerker van `{team}`; er is niets gewijzigd."),
    "admin.group_moved": (
        "Tickets of {source} group `{group}` now rate `{team}` instead of `{before}`.",
        "Tickets van {source}-groep `{group}` beoordelen nu `{team}` in plaats van `{before}`.",
    ),
    "admin.group_form": (
        "Write the group as <source>:<group>, e.g. zendesk:Service Desk (got '{ref}').",
        "Schrijf de groep als <source>:<group>, bijvoorbeeld zendesk:Service Desk "
        "(nu: '{ref}').",
    ),
    "admin.group_source": ("Unknown source '{source}'. Known sources: {sources}.",
                           "Onbekende bron '{source}'. Bekende bronnen: {sources}."),
    "admin.group_too_long": ("A group name is at most {n} characters.",
                             "Een groepsnaam heeft hoogstens {n} tekens."),
    "admin.group_mapped": ("Tickets of {source} group `{group}` now rate `{team}`.",
                           "Tickets van {source}-groep `{group}` beoordelen nu `{team}`."),
    # Admins and people.
    "admin.admin_added": ("{who} is now an admin.", "{who} is nu beheerder."),
    "admin.admin_already": ("{who} was already an admin.", "{who} was al beheerder."),
    "admin.admin_removed_env": (
        "{who} is no longer an admin (still an admin through RATEBOT_ADMINS on the server).",
        "{who} is geen beheerder meer (wel nog via RATEBOT_ADMINS op de server).",
    ),
    "admin.admin_removed": ("{who} is no longer an admin.", "{who} is geen beheerder meer."),
    "admin.not_admin_env": (
        "{who} was not an admin (still an admin through RATEBOT_ADMINS on the server).",
        "{who} was geen beheerder (wel via RATEBOT_ADMINS op de server).",
    ),
    "admin.not_admin": ("{who} was not an admin.", "{who} was geen beheerder."),
    "admin.admins_none": ("Admins: none", "Beheerders: geen"),
    "admin.admins": ("Admins: {names}", "Beheerders: {names}"),
    "admin.not_an_admin_id": ("'{value}' is not an email or a platform user id.",
                              "'{value}' is geen e-mailadres of gebruikers-id van het platform."),
    "admin.not_an_email": ("'{value}' is not an email address.",
                           "'{value}' is geen e-mailadres."),
    "admin.not_an_exclusion": (
        "'{value}' is not an exclusion: use an email (like ceo@example.com) or '@' and a "
        "domain for everyone there (like @contractor.example).",
        "'{value}' is geen uitsluiting: gebruik een e-mailadres (zoals ceo@example.com) of '@' "
        "en een domein voor iedereen daar (zoals @contractor.example).",
    ),
    "admin.nobody_with_email": ("Nobody with the email {email} is known.",
                                "Niemand met het e-mailadres {email} is bekend."),
    "admin.forget_no_email": (
        "Ratebot knows no email for that person, so there is nothing to forget.",
        "Ratebot kent geen e-mailadres van die persoon, dus er is niets te vergeten.",
    ),
    "admin.forget_unknown": (
        "Nobody with that email is known, so there is nothing to forget.",
        "Niemand met dat e-mailadres is bekend, dus er is niets te vergeten.",
    ),
    "admin.forgotten": ("Forgotten. {kept} of their ratings were kept without a name.",
                        "Vergeten. {kept} van hun beoordelingen zijn zonder naam bewaard."),
    # What the command's words lacked, before its usage line.
    "admin.usage.unexpected": ("'{word}' was not expected here. Usage: {usage}",
                               "'{word}' hoort hier niet. Gebruik: {usage}"),
    "admin.usage.too_many": ("Too many words. Usage: {usage}",
                             "Te veel woorden. Gebruik: {usage}"),
    "admin.usage.weeks": ("'{word}' is not a number of weeks. Usage: {usage}",
                          "'{word}' is geen aantal weken. Gebruik: {usage}"),
    "admin.usage.team": ("Say what to do with the team. Usage: {usage}",
                         "Zeg wat er met het team moet gebeuren. Gebruik: {usage}"),
    "admin.usage.person": (
        "'{word}' is not a person: mention them with @ or give their email. Usage: {usage}",
        "'{word}' is geen persoon: noem ze met @ of geef hun e-mailadres. Gebruik: {usage}",
    ),
    "admin.usage.person_team": ("Say which person and which team. Usage: {usage}",
                                "Zeg welke persoon en welk team. Gebruik: {usage}"),
    "admin.usage.admins": ("Say add or remove, and whom. Usage: {usage}",
                           "Zeg add of remove, en wie. Gebruik: {usage}"),
    "admin.usage.digest": ("Say preview or send, and which team's digest. Usage: {usage}",
                           "Zeg preview of send, en van welk team. Gebruik: {usage}"),
    "admin.usage.forget": ("Say whom to forget. Usage: {usage}",
                           "Zeg wie vergeten moet worden. Gebruik: {usage}"),
    "admin.usage.my": ("Say `my data` or `my ratings`. Usage: {usage}",
                       "Zeg `my data` of `my ratings`. Gebruik: {usage}"),
    # Help and scores.
    "admin.help_guess": ("I don't know `{word}`. Did you mean `{guess}`?",
                         "Ik ken `{word}` niet. Bedoel je `{guess}`?"),
    "admin.help_unknown": ("I don't know `{word}`.", "Ik ken `{word}` niet."),
    "admin.help_usage": ("*Usage:* `/ratings <command>`", "*Gebruik:* `/ratings <command>`"),
    "admin.stats_title": ("*Scores over the last {weeks} weeks*",
                          "*Scores over de laatste {weeks} weken*"),
    "admin.stats_answered": ("• {team}: {score} (n = {n}, {percent}% answered)",
                             "• {team}: {score} (n = {n}, {percent}% beantwoord)"),
    # Digests and the export.
    "admin.digest_posted": ("Posted the digest of `{team}` for {period}.",
                            "Het overzicht van `{team}` voor {period} is geplaatst."),
    "admin.exporting": ("Sending {count} ratings as a CSV file in a direct message.",
                        "{count} beoordelingen komen als CSV-bestand in een privébericht."),
    # One team's settings in a team listing (bot.flows.command_handlers.team_line); in
    # Dutch with the option name `team set` takes beside its Dutch words.
    "team_line.days": ("{n} days", "{n} dagen"),
    "team_line.default": ("default", "standaard"),
    "team_line.off": ("off", "uit"),
    "team_line.throttle": ("throttle {value}", "wachttijd (throttle) {value}"),
    "team_line.expiry": ("expiry {value}", "verloopt na (expiry) {value}"),
    "team_line.reminder": ("reminder {value}", "herinnering (reminder) {value}"),
    "team_line.coaching": ("coaching on", "coaching aan"),
    "team_line.mutual": (
        "mutual rating on (agents rate requests; admins see totals only)",
        "wederzijds beoordelen (mutual) aan (medewerkers beoordelen verzoeken; "
        "beheerders zien alleen totalen)",
    ),
    "team_line.reasons": ("reasons {value}", "redenen (reasons) {value}"),
    "team_line.lost_time": ("lost time on", "verloren werktijd (lost-time) aan"),
    "team_line.locale": ("locale {value}", "taal (locale) {value}"),
    "team_line.channels": ("channels: {value}", "kanalen: {value}"),
}
