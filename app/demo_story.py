"""The demo's story: who works where, how busy each team is and how its people feel.

Plain data and the few draws made from it; `app.demo` plays the story through the flows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.domain.model import Anonymity
from bot.domain.reasons import LostTime, offered
from bot.domain.scales import Category, Scale

FIRST = (
    "Anna", "Bram", "Carmen", "Daan", "Emma", "Farid", "Greta", "Hugo", "Ines", "Jan",
    "Kim", "Lotte", "Mohammed", "Nina", "Omar", "Priya", "Quinten", "Rosa", "Sven", "Tess",
    "Umut", "Vera", "Wout", "Xander", "Yara", "Zoe", "Lucas", "Sophie", "Noah", "Julia",
)
LAST = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer",
    "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Dekker", "Brouwer", "de Wit",
    "Dijkstra", "Kok", "Jacobs", "Vermeulen", "Lambrechts", "Ngo", "Okafor", "Kowalski",
    "Rossi", "Schmidt", "Nowak", "Haddad", "Silva", "Murphy",
)

PRAISE = (
    "Quick and friendly, thanks!",
    "Solved within ten minutes. Great service.",
    "Really appreciated that you explained what went wrong.",
    "Fixed before I had finished my coffee.",
    "Very patient with me, thank you.",
    "Clear instructions, it works again.",
    "Excellent, you even checked back the next day.",
    "Helpful as always.",
    "Thanks for sorting this out so fast.",
    "Great that someone came by in person.",
    "Super responsive, much appreciated.",
    "Perfect, exactly what I needed.",
)
NEUTRAL = (
    "Fine, it took a bit longer than expected.",
    "Solved, but I had to explain the problem twice.",
    "OK in the end.",
    "Works now, though I'm not sure what the cause was.",
    "Took two days, but the fix is good.",
    "Good result, communication could be better.",
    "Would have liked an update while waiting.",
)
COMPLAINT = (
    "Took three days to get a reply.",
    "The ticket was closed but the problem is still there.",
    "Nobody told me what was going on.",
    "I was sent from one team to another.",
    "Had to chase this several times.",
    "The workaround is not a solution.",
    "Still can't print from my laptop.",
    "It felt like nobody really listened.",
    "Closed without asking me whether it worked.",
    "Same issue as last month, again.",
    "The phone queue was far too long.",
    "Waited a week for a simple access request.",
)
COMMENTS = {Category.PROMOTER: PRAISE, Category.PASSIVE: NEUTRAL, Category.DETRACTOR: COMPLAINT}
COMMENT_CHANCE = {Category.PROMOTER: 0.2, Category.PASSIVE: 0.3, Category.DETRACTOR: 0.6}


@dataclass(frozen=True)
class TeamPlan:
    name: str
    display_name: str
    scale: Scale
    anonymity: Anonymity
    per_day: float  # conversations closed on an average working day
    response: float  # the chance a delivered prompt is answered
    # Share of promoters and of detractors at the start and the end of the twelve weeks.
    promoters: tuple[float, float]
    detractors: tuple[float, float]
    subjects: tuple[str, ...]
    agents: tuple[str, ...]
    options: tuple[tuple[str, str], ...] = ()

    def mood(self, progress: float) -> tuple[float, float]:
        """(promoter share, detractor share) `progress` (0..1) through the demo."""
        def between(pair: tuple[float, float]) -> float:
            return pair[0] + (pair[1] - pair[0]) * progress

        return between(self.promoters), between(self.detractors)


TEAMS = (
    TeamPlan(
        "servicedesk", "Service Desk", Scale.NPS, Anonymity.IDENTIFIED,
        per_day=7.5, response=0.64, promoters=(0.36, 0.62), detractors=(0.30, 0.10),
        subjects=(
            "Password reset", "Laptop won't connect to Wi-Fi", "New starter account",
            "Printer on the third floor jams", "Outlook keeps asking for my password",
            "Second monitor flickers", "Access to the Finance shared drive",
            "Phone not syncing mail", "Teams meeting room camera broken", "Locked out",
        ),
        agents=("Piet Claes", "Sanne Willems", "Ruben Maes", "Fatima El Amrani"),
        options=(("lost-time", "on"),),
    ),
    TeamPlan(
        "infrastructure", "Infrastructure", Scale.CSAT, Anonymity.CONFIDENTIAL,
        per_day=5, response=0.62, promoters=(0.74, 0.80), detractors=(0.12, 0.08),
        subjects=(
            "VPN slow from home", "File server almost full", "Firewall rule for a vendor",
            "Certificate renewal for the intranet", "Restore a deleted folder",
            "New test VM", "Wi-Fi dead zone in building B", "DNS entry for new service",
        ),
        agents=("Kees Janssens", "Ilse Wouters", "Tom Peeters"),
        # Its agents rate the requests too (mutual rating): admins see the totals.
        options=(("delay", "30"), ("throttle", "21"), ("mutual", "on"),
                 ("reasons", "low: Took too long; Not fixed; Had to chase it | "
                             "high: Quick; Fixed for good; Kept me informed")),
    ),
    TeamPlan(
        "appdev", "Application Development", Scale.NPS, Anonymity.ANONYMOUS,
        per_day=5.5, response=0.58, promoters=(0.42, 0.34), detractors=(0.20, 0.30),
        subjects=(
            "Expense app rejects receipts", "Export to Excel, please",
            "Timesheet app crashes on submit", "HR portal access",
            "Sales report shows wrong totals", "API key for the CRM integration",
            "Purchase order workflow stuck", "Login loop in the intranet app",
        ),
        agents=("Lisa Goossens", "Mehmet Yilmaz", "Joris Jacobs", "Eva Claessens"),
        options=(("question", "How happy are you with how Application Development "
                              "handled your request?"), ("lost-time", "on")),
    ),
)
EMPLOYEES = 850
OPTED_OUT_SHARE = 0.02


def email_of(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.com"


def employees(rng: random.Random) -> list[str]:
    names = [f"{first} {last}" for first in FIRST for last in LAST]
    return rng.sample(names, EMPLOYEES)


def pick_score(rng: random.Random, scale: Scale, promoters: float, detractors: float) -> int:
    roll = rng.random()
    category = (Category.PROMOTER if roll < promoters
                else Category.DETRACTOR if roll < promoters + detractors else Category.PASSIVE)
    spec = scale.spec
    if category is Category.PROMOTER:
        scores = list(range(spec.promoter_from, spec.high + 1))
    elif category is Category.DETRACTOR:
        scores = list(range(spec.low, spec.detractor_to + 1))
    else:
        scores = list(range(spec.detractor_to + 1, spec.promoter_from))
    # The scores nearest the middle are the common ones ("6" far more than "0").
    weights = [1.0 / (1 + abs(s - (spec.low + spec.high) / 2)) for s in scores]
    if category is Category.PROMOTER:
        weights.reverse()
    return rng.choices(scores, weights)[0]


# The answers after the score: how often each reason is tapped (a team's own labels by
# their place), and the work time lost, by category.
REASON_CHANCE = {Category.PROMOTER: 0.5, Category.PASSIVE: 0.45, Category.DETRACTOR: 0.75}
REASON_ODDS = {"slow": 0.55, "not_solved": 0.4, "explain_twice": 0.25, "unfriendly": 0.08,
               "fast": 0.55, "solved_for_good": 0.35, "clear": 0.3, "friendly": 0.4}
CUSTOM_ODDS = (0.5, 0.35, 0.2)
LOST_CHANCE = 0.6
LOST_ODDS = {  # none, < 1 h, half a day, a day or more
    Category.PROMOTER: (0.6, 0.35, 0.05, 0.0),
    Category.PASSIVE: (0.3, 0.45, 0.2, 0.05),
    Category.DETRACTOR: (0.1, 0.3, 0.4, 0.2),
}


def pick_after(rng: random.Random, category: Category, setting: str | None, asks_time: bool
               ) -> tuple[list[str], LostTime | None]:
    """The reasons someone taps after a score of `category`, and the time they say it cost."""
    reasons: list[str] = []
    if rng.random() < REASON_CHANCE[category]:
        keys = offered(setting, category)
        odds = [REASON_ODDS.get(key, CUSTOM_ODDS[min(i, len(CUSTOM_ODDS) - 1)])
                for i, key in enumerate(keys)]
        reasons = [key for key, odd in zip(keys, odds, strict=True) if rng.random() < odd]
        if not reasons and keys:  # someone who taps, taps at least one
            reasons = rng.choices(keys, odds)
    lost = None
    if asks_time and rng.random() < LOST_CHANCE:
        lost = rng.choices(list(LostTime), LOST_ODDS[category])[0]
    return reasons, lost
