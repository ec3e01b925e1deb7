"""The counting: each function reads one figure's numbers in one or two queries (aggregates,
``values()`` + ``Count``, ``Exists``), never a loop of queries over rows. Values come back as
codes and ids; indicators/figures.py names them in the visitor's language.

Definitions (a period runs from its first day's midnight to its last day's, in the portal's
time zone; "all time" has no start):

- **Members**: published companies with an active membership of the scope's clusters. At the
  end of a past period: those whose membership began by then (``joined_on``; without one, the
  membership's creation in its history) and is still active, or that left after the period.
- **Joined**: memberships whose ``joined_on`` (or, without one, the creation recorded in the
  history) falls in the period. **Left**: changes recorded in the membership history
  (indicators/models.py) that made an active membership inactive, or deleted an active one
  (a company's deletion included). Only changes made since the history was installed count.
- **Profiles confirmed**: members at the end of the period whose profile was confirmed in the 12
  months before it (the last confirmation, or an earlier one kept in the company's history).
- **Events held**: published events of the scope that started in the period (and have
  started). **Participants**: confirmed registrations to them; people counted once per e-mail
  address, organisations once per name (ignoring case and accents).
- **Matchmaking**: events.matchmaking.services.results() over the events held; outcomes are
  the meetings for which some survey answer named the outcome.
- **Offers posted**: cooperation offers of the scope created in the period that were published
  (those withdrawn since included). **Renewals**: changes in the offers' history that moved
  ``valid_until`` later. **Interest**: expressions of interest received in the period.
- **Job posts**: posts by member companies created in the period (published or withdrawn).
- **Visit requests**: requests addressed to the scope's clusters, received in the period.
- **Companies reached**: published directory companies that joined, confirmed their profile, posted an
  offer or a job, or met in matchmaking in the period, plus the organisations named in the
  confirmed registrations and expressions of interest (the same name, ignoring case and accents,
  counts once).
"""

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from board.models import CooperationOffer, JobPosting, OfferInterest
from clusters.models import ModerationStatus, Region
from companies.models import Company, Membership, Sector
from events.matchmaking.services import results as matchmaking_results
from events.models import (
    Event,
    MatchmakingProfile,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    Registration,
    VisitRequest,
)

from .models import HistoricalMembership
from .periods import Period, year_before

WENT_PUBLIC = [ModerationStatus.PUBLISHED, ModerationStatus.WITHDRAWN]


def on_days(period: Period, field: str) -> Q:
    """``field`` (a date) inside the period."""
    query = Q(**{f"{field}__lte": period.end})
    if period.start is not None:
        query &= Q(**{f"{field}__gte": period.start})
    return query


def during(period: Period, field: str) -> Q:
    """``field`` (a date and time) inside the period."""
    query = Q(**{f"{field}__lt": period.end_at})
    if period.start_at is not None:
        query &= Q(**{f"{field}__gte": period.start_at})
    return query


# --- Members -----------------------------------------------------------------------------------


def leave_events(scope) -> QuerySet:
    """History rows where a membership of the scope stopped: made inactive after being active
    (or with no earlier row: it existed before the history), or deleted while active. A company
    that exists but is not published is not counted (it was never among the members)."""
    previous_active = Subquery(
        HistoricalMembership.objects.filter(
            id=OuterRef("id"), history_id__lt=OuterRef("history_id")
        )
        .order_by("-history_id")
        .values("is_active")[:1]
    )
    unpublished = Company.objects.filter(pk=OuterRef("company_id"), is_published=False)
    return (
        HistoricalMembership.objects.filter(cluster_id__in=scope.cluster_ids())
        .annotate(previous_active=previous_active)
        .filter(
            (Q(history_type="~", is_active=False) & ~Q(previous_active=False))
            | Q(history_type="-", is_active=True)
        )
        .exclude(Exists(unpublished))
    )


def _created_in_history():
    return Subquery(
        HistoricalMembership.objects.filter(id=OuterRef("pk"), history_type="+")
        .order_by("history_id")
        .values("history_date")[:1]
    )


def members_at_end(scope, period: Period) -> QuerySet:
    """The member companies at the end of the period (a Company queryset, one row each).

    Uncorrelated ``IN`` subqueries: the database hashes the members' ids once rather than
    probing the memberships for each of the directory's companies."""
    created_later = HistoricalMembership.objects.filter(
        id=OuterRef("pk"), history_type="+", history_date__gte=period.end_at
    )
    still_member = (
        Membership.objects.filter(cluster_id__in=scope.cluster_ids(), is_active=True)
        .filter(Q(joined_on__lte=period.end) | Q(joined_on__isnull=True) & ~Exists(created_later))
        .values("company_id")
    )
    left_later = (
        leave_events(scope)
        .filter(history_date__gte=period.end_at)
        .filter(Q(joined_on__lte=period.end) | Q(joined_on__isnull=True))
        .values("company_id")
    )
    return Company.objects.published().filter(Q(pk__in=still_member) | Q(pk__in=left_later))


def confirmed_during(period: Period) -> Q:
    """Companies whose profile was confirmed in the period: the last confirmation, or an
    earlier one that the company's history keeps."""
    earlier = Company.history.model.objects.filter(during(period, "confirmed_at")).values("id")
    return during(period, "confirmed_at") | Q(pk__in=earlier)


def member_counts(scope, period: Period) -> dict:
    """Members at the end of the period, and those of them who confirmed their profile in the 12
    months before it. One query."""
    window = Period(year_before(period.end), period.end)
    return members_at_end(scope, period).aggregate(
        total=Count("pk"), confirmed=Count("pk", filter=confirmed_during(window))
    )


def joined_dates(scope, period: Period) -> list:
    """The day each membership of the period began. One query."""
    rows = (
        Membership.objects.filter(cluster_id__in=scope.cluster_ids(), company__is_published=True)
        .annotate(created=_created_in_history())
        .filter(
            on_days(period, "joined_on") | (Q(joined_on__isnull=True) & during(period, "created"))
        )
        .values_list("joined_on", "created")
    )
    return [joined or timezone.localdate(created) for joined, created in rows]


def left_dates(scope, period: Period) -> list:
    """The day of each membership's end in the period. One query."""
    rows = leave_events(scope).filter(during(period, "history_date"))
    return [timezone.localdate(moment) for moment in rows.values_list("history_date", flat=True)]


def members_by(scope, period: Period, field: str) -> dict:
    """Members at the end of the period per value of a company field. One query."""
    rows = members_at_end(scope, period).values(field).annotate(n=Count("pk")).order_by()
    return {row[field]: row["n"] for row in rows}


def members_by_region(scope, period: Period) -> list[tuple[Region, int]]:
    """Members at the end of the period per region (of their municipality). Two queries."""
    counts = members_by(scope, period, "municipality__region")
    regions = Region.objects.filter(pk__in=[pk for pk in counts if pk is not None])
    return [(region, counts[region.pk]) for region in regions]


def members_by_sector(scope, period: Period) -> list[tuple[Sector, int]]:
    """Members at the end of the period per sector (a company may have several). One query."""
    members = members_at_end(scope, period).values("pk")
    sectors = Sector.objects.filter(companies__in=members).annotate(n=Count("companies"))
    return [(sector, sector.n) for sector in sectors]


# --- Events and matchmaking --------------------------------------------------------------------


def held_events(scope, period: Period) -> QuerySet:
    """The scope's published events that started in the period (and have started)."""
    query = Q(starts_at__lt=min(period.end_at, timezone.now()))
    if period.start_at is not None:
        query &= Q(starts_at__gte=period.start_at)
    return scope.events().published().filter(query)


def events_by_kind(scope, period: Period) -> dict:
    rows = held_events(scope, period).values("kind").annotate(n=Count("pk")).order_by()
    return {row["kind"]: row["n"] for row in rows}


def participants(scope, period: Period) -> list[tuple[str, str]]:
    """(e-mail, organisation) of each confirmed registration to the events held. One query."""
    events = held_events(scope, period).values("pk")
    return list(
        Registration.objects.filter(event__in=events, status=Registration.Status.CONFIRMED)
        .order_by()
        .values_list("email", "organization_name")
    )


def matchmaking(scope, period: Period) -> dict:
    """Requested, scheduled, held and led to cooperation: the matchmaking app's own figures."""
    return matchmaking_results(held_events(scope, period).values("pk"))


def meeting_outcomes(scope, period: Period) -> dict:
    """Per outcome, the meetings for which some survey answer named it. One query."""
    events = held_events(scope, period).values("pk")
    rows = (
        MeetingFeedback.objects.filter(meeting__event__in=events)
        .exclude(outcome="")
        .values("outcome")
        .annotate(n=Count("meeting", distinct=True))
        .order_by()
    )
    return {row["outcome"]: row["n"] for row in rows}


def request_statuses(scope, period: Period) -> dict:
    events = held_events(scope, period).values("pk")
    rows = (
        MeetingRequest.objects.filter(event__in=events)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


# --- Cooperation offers, jobs, visits ----------------------------------------------------------


def current_members(scope) -> QuerySet:
    return Membership.objects.filter(cluster_id__in=scope.cluster_ids(), is_active=True).values(
        "company_id"
    )


def scope_offers(scope) -> QuerySet:
    return CooperationOffer.objects.filter(
        Q(cluster_id__in=scope.cluster_ids())
        | Q(cluster__isnull=True, company__in=current_members(scope))
    )


def offers(scope, period: Period) -> list[dict]:
    """Offers created in the period, counted per status, direction and category. One query."""
    return list(
        scope_offers(scope)
        .filter(during(period, "created_at"))
        .values("status", "direction", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )


def interests(scope, period: Period) -> list[tuple[int, str]]:
    """(offer, organisation) of each expression of interest received in the period."""
    return list(
        OfferInterest.objects.filter(during(period, "created_at"), offer__in=scope_offers(scope))
        .order_by()
        .values_list("offer_id", "organization_name")
    )


def renewals(scope, period: Period) -> int:
    """Changes in the period that moved an offer's ``valid_until`` later. One query."""
    history = CooperationOffer.history.model.objects
    previous_until = Subquery(
        history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("valid_until")[:1]
    )
    return (
        history.filter(during(period, "history_date"), history_type="~")
        .filter(id__in=scope_offers(scope).values("pk"))
        .annotate(previous_until=previous_until)
        .filter(valid_until__gt=F("previous_until"))
        .count()
    )


def jobs(scope, period: Period) -> list[dict]:
    """Job posts of member companies created in the period, per status and kind. One query."""
    return list(
        JobPosting.objects.filter(during(period, "created_at"), company__in=current_members(scope))
        .values("status", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )


def visits(scope, period: Period) -> list[dict]:
    """Visit requests received in the period, per status and main goal. One query."""
    return list(
        VisitRequest.objects.filter(
            during(period, "created_at"), cluster_id__in=scope.cluster_ids()
        )
        .values("status", "main_goal")
        .annotate(n=Count("pk"), people=Sum("expected_participants"))
        .order_by()
    )


# --- Companies reached -------------------------------------------------------------------------


def reached_companies(scope, period: Period) -> list[tuple[int, str]]:
    """(id, name) of the published companies active with the scope in the period. One query
    (uncorrelated ``IN`` subqueries, as for the members)."""
    members = current_members(scope)
    joined = (
        Membership.objects.filter(cluster_id__in=scope.cluster_ids())
        .annotate(created=_created_in_history())
        .filter(
            on_days(period, "joined_on") | (Q(joined_on__isnull=True) & during(period, "created"))
        )
        .values("company_id")
    )
    posted_offers = (
        scope_offers(scope)
        .filter(during(period, "created_at"), status__in=WENT_PUBLIC)
        .values("company_id")
    )
    posted_jobs = JobPosting.objects.filter(
        during(period, "created_at"), status__in=WENT_PUBLIC, company__in=members
    ).values("company_id")
    met = MatchmakingProfile.objects.filter(
        event__in=held_events(scope, period).values("pk"),
        registration__status=Registration.Status.CONFIRMED,
    ).values("company_id")
    return list(
        Company.objects.published()
        .filter(
            Q(pk__in=joined)
            | Q(pk__in=members) & confirmed_during(period)
            | Q(pk__in=posted_offers)
            | Q(pk__in=posted_jobs)
            | Q(pk__in=met)
        )
        .order_by()
        .values_list("pk", "name")
    )


# --- The data's stamp (the cache's version) ----------------------------------------------------


def _latest(queryset, field):
    return queryset.order_by(f"-{field}").values(field)[:1]


def data_stamp() -> str:
    """The latest change of every record the figures count, in one query: it changes whenever
    one is added or edited, and whenever a membership, company, offer, job post or event is
    deleted (their history keeps the deletion). Deleting a registration, a meeting or a visit
    request does not move it: the cached figures' timeout covers those."""
    sources = [
        _latest(HistoricalMembership.objects, "history_date"),
        _latest(Company.history.model.objects, "history_date"),
        _latest(CooperationOffer.history.model.objects, "history_date"),
        _latest(JobPosting.history.model.objects, "history_date"),
        _latest(Event.history.model.objects, "history_date"),
        _latest(Registration.objects, "updated_at"),
        _latest(OfferInterest.objects, "created_at"),
        _latest(VisitRequest.objects, "updated_at"),
        _latest(MeetingRequest.objects, "updated_at"),
        _latest(Meeting.objects, "updated_at"),
        _latest(MeetingFeedback.objects, "updated_at"),
    ]
    parts, params = [], []
    for queryset in sources:
        sql, query_params = queryset.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return "|".join(str(value) for value in row)
