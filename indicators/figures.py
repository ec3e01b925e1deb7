"""A cluster's (or a project's) figures over a period, named in the active language, cached.

``report(scope, period)`` gives every figure as a table (a heading for its rows, one or two value
columns, the rows), marked **public** or **coordinators only**. What each figure counts is
defined in indicators/queries.py; how a scope is delimited in indicators/scopes.py.

Public (the figures page, its CSV and XLSX): members at the end of the period, joined and left,
members by month (or quarter, or year), by country, region, size class and sector, profiles
confirmed in the last 12 months, events held and their participants, events by kind,
matchmaking meetings requested, scheduled, held and led to cooperation, their outcomes,
cooperation offers posted (offers and requests, by category), job posts, visit requests
received, companies reached.

Coordinators only (the admin's version): profiles not confirmed for 12 months, the status of
meeting requests, expressions of interest and renewals of offers, offers and job posts per
moderation status, visit requests per status and per main goal. They describe individual
companies' and visitors' dealings with the cluster (a request declined, an offer that nobody
answered) or the coordinators' own workload, which the public figures do not need.

Caching: the whole report is cached per scope, period (its dates), language and the data's stamp
(``queries.data_stamp``: the latest change of every record counted, one query, itself cached
for STAMP_TIMEOUT seconds). A change shows within STAMP_TIMEOUT; a deletion that leaves no
history (a registration, a meeting) within REPORT_TIMEOUT. A second request in the same minute
makes no query at all.
"""

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from board.models import CooperationOffer
from clusters.models import ModerationStatus
from companies.models import Company
from companies.text import normalize
from events.models import Event, MeetingFeedback, MeetingRequest, VisitRequest

from . import queries
from .periods import Period, series_rows

STAMP_TIMEOUT = 60  # seconds: how soon a change shows
REPORT_TIMEOUT = 6 * 60 * 60  # seconds: the longest a cached report lives
CACHE_VERSION = 1  # bump when a figure's definition changes

BARS = "bars"
SERIES = "series"
NUMBERS = "numbers"


@dataclass
class Figure:
    key: str
    section: str
    title: str
    public: bool
    label_heading: str
    columns: list[str]
    rows: list[tuple[str, list]]  # (label, one value per column)
    chart: str = NUMBERS
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(value for _label, values in self.rows for value in values)


@dataclass
class Report:
    scope_key: str
    name: str
    period: Period
    figures: list[Figure] = field(default_factory=list)

    def public(self) -> "Report":
        return Report(self.scope_key, self.name, self.period, [f for f in self.figures if f.public])

    def figure(self, key) -> Figure | None:
        return next((figure for figure in self.figures if figure.key == key), None)

    def value(self, key, row=0, column=0):
        figure = self.figure(key)
        return figure.rows[row][1][column] if figure and len(figure.rows) > row else None

    def sections(self) -> list[tuple[str, str, list[Figure]]]:
        titles = section_titles()
        return [
            (key, titles[key], figures)
            for key in titles
            if (figures := [figure for figure in self.figures if figure.section == key])
        ]


def section_titles() -> dict:
    return {
        "members": _("Member companies"),
        "events": _("Events"),
        "matchmaking": _("Matchmaking meetings"),
        "board": _("Cooperation offers and jobs"),
        "visits": _("Visits"),
        "reach": _("Companies reached"),
    }


# --- Caching -----------------------------------------------------------------------------------


def data_stamp() -> str:
    return cache.get_or_set(f"indicators:stamp:{CACHE_VERSION}", queries.data_stamp, STAMP_TIMEOUT)


def cache_key(scope, period: Period, stamp: str) -> str:
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    language = translation.get_language() or "en"
    return f"indicators:{CACHE_VERSION}:{scope.key}:{period.key}:{language}:{digest}"


def report(scope, period: Period, *, use_cache=True) -> Report:
    """Every figure of ``scope`` over ``period`` in the active language (cached)."""
    if not use_cache:
        return build(scope, period)
    key = cache_key(scope, period, data_stamp())
    cached = cache.get(key)
    if cached is None:
        cached = build(scope, period)
        cache.set(key, cached, REPORT_TIMEOUT)
    return cached


# --- Labels ------------------------------------------------------------------------------------


def _choices(choices, counts: dict) -> list[tuple[str, list]]:
    """Rows for the choices that occur, largest first (then in the choices' order)."""
    labels = dict(choices)
    ordered = [value for value in labels if value in counts]
    ordered += [value for value in counts if value not in labels]
    return _largest_first(
        [(str(labels.get(value, value)), [counts[value]]) for value in ordered if counts[value]]
    )


def _largest_first(rows):
    return sorted(rows, key=lambda row: -row[1][0])


def _country_rows(counts: dict) -> list:
    rows = [
        (countries.name(code) or str(code) if code else _("Not given"), [n])
        for code, n in counts.items()
        if n
    ]
    return _largest_first(sorted(rows))


def _sum(rows, **match) -> int:
    return sum(row["n"] for row in rows if all(row[k] in v for k, v in match.items()))


# --- The report --------------------------------------------------------------------------------


def build(scope, period: Period) -> Report:
    """Compute every figure (about twenty queries, whatever the number of records)."""
    figures = []
    figures += _member_figures(scope, period)
    events, participants = _event_figures(scope, period)
    figures += events
    figures += _matchmaking_figures(scope, period)
    board, interested = _board_figures(scope, period)
    figures += board
    figures += _visit_figures(scope, period)
    figures.append(_reach_figure(scope, period, participants, interested))
    return Report(scope.key, scope.name, period, figures)


def _member_figures(scope, period):
    counts = queries.member_counts(scope, period)
    joined, left = queries.joined_dates(scope, period), queries.left_dates(scope, period)
    grain, series = series_rows(joined, left, period)
    total, confirmed = counts["total"], counts["confirmed"]
    member_heading, number = _("Member companies"), _("Number")
    sizes = dict(Company.SizeClass.choices)
    by_size = queries.members_by(scope, period, "size_class")
    grain_titles = {
        "month": _("Members joined and left per month"),
        "quarter": _("Members joined and left per quarter"),
        "year": _("Members joined and left per year"),
    }
    return [
        Figure(
            "members",
            "members",
            _("Members"),
            True,
            _("Figure"),
            [number],
            [
                (_("Member companies at the end of the period"), [total]),
                (_("Joined in the period"), [len(joined)]),
                (_("Left in the period"), [len(left)]),
            ],
            note=_(
                "Published companies with an active membership. Leaving is counted from the "
                "membership history the portal keeps."
            ),
        ),
        Figure(
            "members_joined_left",
            "members",
            grain_titles[grain],
            True,
            {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}[grain],
            [_("Joined"), _("Left")],
            series,
            chart=SERIES,
        ),
        Figure(
            "members_by_country",
            "members",
            _("Members by country"),
            True,
            _("Country"),
            [member_heading],
            _country_rows(queries.members_by(scope, period, "country")),
            chart=BARS,
        ),
        Figure(
            "members_by_region",
            "members",
            _("Members by region"),
            True,
            _("Region"),
            [member_heading],
            _largest_first(
                sorted((str(r.name), [n]) for r, n in queries.members_by_region(scope, period))
            ),
            chart=BARS,
        ),
        Figure(
            "members_by_size",
            "members",
            _("Members by size class"),
            True,
            _("Size class"),
            [member_heading],
            [(str(sizes[code]), [by_size.get(code, 0)]) for code in sizes],
            chart=BARS,
        ),
        Figure(
            "members_by_sector",
            "members",
            _("Members by sector"),
            True,
            _("Sector"),
            [member_heading],
            _largest_first(
                sorted((str(s.name), [n]) for s, n in queries.members_by_sector(scope, period))
            ),
            chart=BARS,
            note=_("A company may work in several sectors."),
        ),
        Figure(
            "profiles",
            "members",
            _("Profiles confirmed"),
            True,
            _("Figure"),
            [number],
            [
                (
                    _("Profiles confirmed in the 12 months before the end of the period"),
                    [confirmed],
                ),
                (_("Share of the members (%)"), [round(100 * confirmed / total) if total else 0]),
            ],
        ),
        Figure(
            "profiles_stale",
            "members",
            _("Profiles not confirmed"),
            False,
            _("Figure"),
            [number],
            [(_("Members whose profile was not confirmed for 12 months"), [total - confirmed])],
        ),
    ]


def _event_figures(scope, period):
    rows = queries.participants(scope, period)
    people = {email.strip().lower() for email, _organisation in rows}
    organisations = {normalize(organisation) for _email, organisation in rows} - {""}
    by_kind = queries.events_by_kind(scope, period)
    figures = [
        Figure(
            "events",
            "events",
            _("Events held"),
            True,
            _("Figure"),
            [_("Number")],
            [
                (_("Events held"), [sum(by_kind.values())]),
                (_("Confirmed registrations"), [len(rows)]),
                (_("Participants (people)"), [len(people)]),
                (_("Participating organisations"), [len(organisations)]),
            ],
            note=_("People are counted once per e-mail address, organisations once per name."),
        ),
        Figure(
            "events_by_kind",
            "events",
            _("Events by kind"),
            True,
            _("Kind"),
            [_("Events")],
            _choices(Event.Kind.choices, by_kind),
            chart=BARS,
        ),
    ]
    return figures, rows  # the registrations travel on to the reach figure


def _matchmaking_figures(scope, period):
    results = queries.matchmaking(scope, period)
    outcomes = queries.meeting_outcomes(scope, period)
    statuses = queries.request_statuses(scope, period)
    meetings = _("Meetings")
    return [
        Figure(
            "matchmaking",
            "matchmaking",
            _("Matchmaking meetings"),
            True,
            _("Figure"),
            [_("Number")],
            [
                (_("Meetings requested"), [results["requested"]]),
                (_("Meetings scheduled"), [results["scheduled"]]),
                (_("Meetings held"), [results["held"]]),
                (_("Meetings that led to cooperation"), [results["cooperation"]]),
            ],
            note=_(
                "A meeting counts as held when a participant said so in the survey, and as "
                "leading to cooperation when an answer names a follow-up, a negotiation or an "
                "agreement."
            ),
        ),
        Figure(
            "matchmaking_outcomes",
            "matchmaking",
            _("Outcomes of the meetings"),
            True,
            _("Outcome"),
            [meetings],
            [
                (str(label), [outcomes.get(value, 0)])
                for value, label in MeetingFeedback.Outcome.choices
            ],
            chart=BARS,
            note=_("Meetings for which a participant's answer named the outcome."),
        ),
        Figure(
            "matchmaking_requests",
            "matchmaking",
            _("Meeting requests by status"),
            False,
            _("Status"),
            [_("Requests")],
            _choices(MeetingRequest.Status.choices, statuses),
            chart=BARS,
        ),
    ]


def _board_figures(scope, period):
    offers = queries.offers(scope, period)
    interested = queries.interests(scope, period)
    jobs = queries.jobs(scope, period)
    public = {"status": queries.WENT_PUBLIC}
    categories = {}
    for row in offers:
        if row["status"] in queries.WENT_PUBLIC:
            categories[row["category"]] = categories.get(row["category"], 0) + row["n"]
    offer_statuses, job_statuses = {}, {}
    for rows, statuses in ((offers, offer_statuses), (jobs, job_statuses)):
        for row in rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + row["n"]
    number = _("Number")
    figures = [
        Figure(
            "offers",
            "board",
            _("Offers, requests and job posts"),
            True,
            _("Figure"),
            [number],
            [
                (
                    _("Offers"),
                    [_sum(offers, direction=[CooperationOffer.Direction.OFFER], **public)],
                ),
                (
                    _("Requests"),
                    [_sum(offers, direction=[CooperationOffer.Direction.REQUEST], **public)],
                ),
                (_("Job posts"), [_sum(jobs, **public)]),
            ],
            note=_("Published in the period (including those withdrawn since)."),
        ),
        Figure(
            "offers_by_category",
            "board",
            _("Cooperation offers by category"),
            True,
            _("Category"),
            [_("Offers and requests")],
            _choices(CooperationOffer.Category.choices, categories),
            chart=BARS,
        ),
        Figure(
            "offers_engagement",
            "board",
            _("Interest and renewals"),
            False,
            _("Figure"),
            [number],
            [
                (_("Expressions of interest received"), [len(interested)]),
                (_("Offers that received interest"), [len({offer for offer, _o in interested})]),
                (_("Renewals of offers"), [queries.renewals(scope, period)]),
            ],
        ),
        Figure(
            "offers_by_status",
            "board",
            _("Cooperation offers by moderation status"),
            False,
            _("Status"),
            [_("Offers and requests")],
            _choices(ModerationStatus.choices, offer_statuses),
            chart=BARS,
        ),
        Figure(
            "jobs_by_status",
            "board",
            _("Job posts by moderation status"),
            False,
            _("Status"),
            [_("Job posts")],
            _choices(ModerationStatus.choices, job_statuses),
            chart=BARS,
        ),
    ]
    return figures, interested


def _visit_figures(scope, period):
    rows = queries.visits(scope, period)
    statuses, goals = {}, {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + row["n"]
        goals[row["main_goal"]] = goals.get(row["main_goal"], 0) + row["n"]
    requests = _("Visit requests")
    return [
        Figure(
            "visits",
            "visits",
            _("Visit requests"),
            True,
            _("Figure"),
            [_("Number")],
            [
                (_("Visit requests received"), [sum(row["n"] for row in rows)]),
                (_("Visitors expected"), [sum(row["people"] or 0 for row in rows)]),
            ],
        ),
        Figure(
            "visits_by_status",
            "visits",
            _("Visit requests by status"),
            False,
            _("Status"),
            [requests],
            _choices(VisitRequest.Status.choices, statuses),
            chart=BARS,
        ),
        Figure(
            "visits_by_goal",
            "visits",
            _("Visit requests by main goal"),
            False,
            _("Main goal"),
            [requests],
            _choices(VisitRequest.MainGoal.choices, goals),
            chart=BARS,
        ),
    ]


def _reach_figure(scope, period, participants, interested):
    companies = queries.reached_companies(scope, period)
    known = {normalize(name) for _pk, name in companies}
    named = {normalize(name) for _email, name in participants}
    named |= {normalize(name) for _offer, name in interested}
    others = named - known - {""}
    return Figure(
        "reached",
        "reach",
        _("Companies reached"),
        True,
        _("Figure"),
        [_("Number")],
        [
            (_("Companies and organisations reached"), [len(companies) + len(others)]),
            (_("of which companies in the directory"), [len(companies)]),
        ],
        note=_(
            "Directory companies that joined, confirmed their profile, posted an offer or a job or "
            "met in matchmaking in the period, and the organisations named in event registrations "
            "and expressions of interest, each counted once."
        ),
    )
