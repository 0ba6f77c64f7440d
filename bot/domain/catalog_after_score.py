"""The words of the questions after the score (reasons, lost time), in English and Dutch."""

from __future__ import annotations

AFTER_SCORE_CATALOG: dict[str, tuple[str, str]] = {
    "after.reasons.low": ("What held it back? Tap all that apply.",
                          "Wat kon er beter? Tik alles aan wat klopt."),
    "after.reasons.high": ("What went well? Tap all that apply.",
                           "Wat ging er goed? Tik alles aan wat klopt."),
    "after.lost_time": ("How much work time did this issue cost you?",
                        "Hoeveel werktijd heeft dit probleem je gekost?"),
    "reason.slow": ("Took too long", "Duurde te lang"),
    "reason.not_solved": ("Not solved", "Niet opgelost"),
    "reason.explain_twice": ("Had to explain twice", "Moest het twee keer uitleggen"),
    "reason.unfriendly": ("Unfriendly", "Onvriendelijk"),
    "reason.fast": ("Fast", "Snel"),
    "reason.solved_for_good": ("Solved for good", "Echt opgelost"),
    "reason.clear": ("Clear explanation", "Duidelijke uitleg"),
    "reason.friendly": ("Friendly", "Vriendelijk"),
    "lost.none": ("None", "Geen"),
    "lost.under_1h": ("< 1 h", "< 1 uur"),
    "lost.half_day": ("Half a day", "Een halve dag"),
    "lost.day_plus": ("A day or more", "Een dag of meer"),
    # Refusals of a tap after the score.
    "refusal.after_score_first": ("Choose a score first, then tell us more.",
                                  "Kies eerst een score en vertel ons dan meer."),
    "refusal.not_offered": ("That answer is not offered with this score.",
                            "Dat antwoord hoort niet bij deze score."),
    # The digest.
    "digest.top_reasons": ("Top reasons", "Meest gekozen redenen"),
    "digest.reasons.low": ("held back: {reasons}", "kon beter: {reasons}"),
    "digest.reasons.high": ("went well: {reasons}", "ging goed: {reasons}"),
    "digest.lost_time": ("Work time lost", "Verloren werktijd"),
    "digest.lost_time.value": (
        "≈ {hours} h from {answers} answers (≈ {all_hours} h over all {n} ratings)",
        "≈ {hours} uur uit {answers} antwoorden (≈ {all_hours} uur over alle {n} beoordelingen)",
    ),
    "digest.lost_time.one": (
        "≈ {hours} h from 1 answer (≈ {all_hours} h over all {n} ratings)",
        "≈ {hours} uur uit 1 antwoord (≈ {all_hours} uur over alle {n} beoordelingen)",
    ),
    "chart.lost_hours": ("Hours lost", "Uren verloren"),
    "chart.hours": ("{hours} h", "{hours} u"),
    "chart.alt_lost": (", and as bars the work hours lost each week, estimated over all ratings",
                       ", en als staven de verloren werkuren per week, geschat over alle "
                       "beoordelingen"),
    "admin.help_reasons": (
        "Reasons asked after the score: `team set <team> reasons off`, `default`, or the "
        "team's own labels, like `{example}` (at most {n} a side, {chars} characters "
        "each). Work time lost: `team set <team> lost-time on`.",
        "Redenen na de score: `team set <team> reasons off`, `default`, of eigen labels "
        "van het team, zoals `{example}` (hoogstens {n} per kant, {chars} tekens per "
        "label). Verloren werktijd: `team set <team> lost-time on`.",
    ),
    # Why a `reasons` setting was refused (admin.invalid_value's {reason}).
    "admin.reason.reasons_syntax": (
        "use off, default, or your own labels like '{example}'",
        "gebruik off, default, of eigen labels zoals '{example}'",
    ),
    "admin.reason.reasons_empty": ("a label is empty: separate labels with ';'",
                                   "een label is leeg: scheid labels met ';'"),
    "admin.reason.reasons_many": ("give at most {n} labels a side",
                                  "geef hoogstens {n} labels per kant"),
    "admin.reason.reasons_long": ("a label can have at most {n} characters",
                                  "een label mag hoogstens {n} tekens hebben"),
    "admin.reason.reasons_twice": ("a label is given twice", "een label staat er twee keer in"),
}
