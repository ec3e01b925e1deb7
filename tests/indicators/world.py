"""Records built for each figure of indicators/figures.py, with the figures they must give over
PERIOD (the year 2024): members who joined and left inside and outside the period, confirmed
profiles, events and registrations, matchmaking requests, meetings and answers, offers with
interest and a renewal, job posts, visit requests. Dates in the past are set with ``update()``
after creation (also on the history rows), as if the records had been made then."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from board.models import CooperationOffer, JobPosting, OfferInterest
from clusters.models import ModerationStatus
from companies.models import Company, Membership
from events.models import (
    Event,
    MatchmakingProfile,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSlot,
    Registration,
    VisitRequest,
)
from indicators.models import HistoricalMembership
from indicators.periods import Period
from tests import factories

PERIOD = Period(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))


def at(year, month, day, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def _history_date(model, pk, moment, history_type=None):
    """Move the latest history row of ``model`` ``pk`` (of that type) to ``moment``."""
    rows = model.history.model.objects.filter(id=pk)
    if history_type:
        rows = rows.filter(history_type=history_type)
    row = rows.order_by("-history_id").first()
    model.history.model.objects.filter(history_id=row.history_id).update(history_date=moment)


def _member(cluster, joined_on, created=None, **kwargs):
    company = factories.company(**kwargs)
    membership = Membership.objects.create(company=company, cluster=cluster, joined_on=joined_on)
    if created:
        _history_date(Membership, membership.pk, created, "+")
    return company, membership


def _leave(membership, moment, delete=False):
    if delete:
        pk = membership.pk
        membership.delete()
        _history_date(Membership, pk, moment, "-")
    else:
        membership.is_active = False
        membership.save()
        _history_date(Membership, membership.pk, moment, "~")


def build():
    w = SimpleNamespace()
    w.cluster = factories.cluster(name_en="Kvarken Cleantech", slug="kvarken-cleantech")
    w.other = factories.cluster(name_en="Other Paper", slug="other-paper", country="SE")
    w.project = factories.project(name_en="Green Kvarken")
    w.project.clusters.add(w.cluster)
    fi = factories.municipality(name_en="Vaasa", country="FI")
    se = factories.municipality(name_en="Umeå", country="SE")
    w.region_fi, w.region_se = fi.region, se.region
    w.sector_1 = factories.sector(name_en="Waste management")
    w.sector_2 = factories.sector(name_en="Energy supply")
    micro, medium, large = (
        Company.SizeClass.MICRO,
        Company.SizeClass.MEDIUM,
        Company.SizeClass.LARGE,
    )

    # -- members: at the end of 2024 c1, c2, c4, c6; joined in 2024 c2, c3, c6; left c3, c10
    w.c1, _m = _member(
        w.cluster, datetime.date(2020, 5, 1), name="Pohjan Teräs Oy", municipality=fi
    )
    w.c1.sectors.add(w.sector_1)
    w.c2, _m = _member(w.cluster, datetime.date(2024, 3, 10), municipality=se, size_class=micro)
    w.c2.sectors.add(w.sector_2)
    w.c3, m3 = _member(w.cluster, datetime.date(2024, 6, 1), municipality=fi, size_class=medium)
    w.c3.sectors.add(w.sector_1, w.sector_2)
    _leave(m3, at(2024, 9, 15))
    w.c4, m4 = _member(w.cluster, datetime.date(2019, 1, 1), municipality=fi, size_class=large)
    w.c4.sectors.add(w.sector_1)
    _leave(m4, at(2025, 2, 1))
    w.c5, _m = _member(w.cluster, datetime.date(2025, 3, 1), municipality=fi)
    w.c6, _m = _member(w.cluster, None, created=at(2024, 4, 1), municipality=fi)
    w.c7, _m = _member(w.cluster, None, created=at(2025, 4, 1), municipality=fi)
    w.c8, _m = _member(w.cluster, datetime.date(2024, 2, 2), municipality=fi, is_published=False)
    w.c9, _m = _member(w.other, datetime.date(2024, 2, 2), municipality=se)
    w.c10, m10 = _member(w.cluster, datetime.date(2018, 1, 1), municipality=fi)
    _leave(m10, at(2024, 7, 7), delete=True)

    # -- profiles: c1 confirmed in 2024; c2 confirmed in 2024, again in 2025 (history keeps it)
    Company.objects.filter(pk=w.c1.pk).update(confirmed_at=at(2024, 6, 1))
    w.c2.confirmed_at = at(2024, 5, 5)
    w.c2.save()
    w.c2.confirmed_at = at(2025, 6, 1)
    w.c2.save()
    Company.objects.filter(pk=w.c4.pk).update(confirmed_at=at(2022, 1, 1))

    # -- events: e1 (the cluster's seminar) and e2 (the project's matchmaking) held in 2024
    w.e1 = factories.event(
        cluster=w.cluster, starts_at=at(2024, 5, 10), ends_at=at(2024, 5, 10, 16)
    )
    w.e2 = factories.event(
        project=w.project,
        kind=Event.Kind.MATCHMAKING,
        starts_at=at(2024, 10, 1),
        ends_at=at(2024, 10, 1, 16),
    )
    factories.event(cluster=w.cluster, starts_at=at(2025, 2, 1), ends_at=at(2025, 2, 1, 16))
    factories.event(
        cluster=w.cluster, is_published=False, starts_at=at(2024, 3, 1), ends_at=at(2024, 3, 2)
    )
    factories.event(cluster=w.other, starts_at=at(2024, 3, 1), ends_at=at(2024, 3, 2))
    register = factories.registration
    register(w.e1, email="alice@example.org", organization_name="Acme Oy")
    register(w.e1, email="ALICE@example.org", organization_name="acme  oy")
    register(w.e1, email="bob@example.org", organization_name="Beta AB")
    register(
        w.e1,
        email="carl@example.org",
        organization_name="Åström Oy",
        status=Registration.Status.CANCELLED,
    )
    alice = register(w.e2, email="alice@example.org", organization_name="Acme Oy")
    dora = register(w.e2, email="dora@example.org", organization_name="Gamma")
    eve = register(w.e2, email="eve@example.org", organization_name="Delta")

    # -- matchmaking at e2: 3 requests, 2 meetings, 1 held, 1 led to cooperation
    profile = MatchmakingProfile.objects.create
    p_a = profile(registration=alice, event=w.e2, company=w.c2)
    p_b = profile(registration=dora, event=w.e2)
    p_c = profile(registration=eve, event=w.e2, company=w.c1)
    slot = MeetingSlot.objects.create(
        event=w.e2, starts_at=at(2024, 10, 1, 13), ends_at=at(2024, 10, 1, 14), tables=3
    )
    request = MeetingRequest.objects.create
    deadline = w.e2.starts_at
    accepted, declined = MeetingRequest.Status.ACCEPTED, MeetingRequest.Status.DECLINED
    r1 = request(event=w.e2, sender=p_a, receiver=p_b, status=accepted, expires_at=deadline)
    request(event=w.e2, sender=p_c, receiver=p_a, status=declined, expires_at=deadline)
    r3 = request(event=w.e2, sender=p_b, receiver=p_c, status=accepted, expires_at=deadline)
    m1 = Meeting.objects.create(request=r1, event=w.e2, slot=slot, table=1)
    m2 = Meeting.objects.create(request=r3, event=w.e2, slot=slot, table=2)
    after, outcome = MeetingFeedback.Round.AFTER_EVENT, MeetingFeedback.Outcome
    feedback = MeetingFeedback.objects.create
    feedback(meeting=m1, profile=p_a, round=after, held=True, outcome=outcome.AGREEMENT)
    feedback(meeting=m1, profile=p_b, round=after, held=True, outcome=outcome.FOLLOW_UP)
    feedback(meeting=m2, profile=p_c, round=after, held=False, outcome=outcome.NONE)

    # -- offers: posted in 2024 o1, o4 (offers), o2 (a request, withdrawn since); o3 pending
    published, withdrawn = ModerationStatus.PUBLISHED, ModerationStatus.WITHDRAWN
    category = CooperationOffer.Category
    w.o1 = factories.offer(cluster=w.cluster, company=w.c1, category=category.SUBCONTRACTING)
    o2 = factories.offer(
        cluster=w.cluster,
        company=w.c4,
        direction=CooperationOffer.Direction.REQUEST,
        category=category.PARTNER,
        status=withdrawn,
    )
    o3 = factories.offer(cluster=w.cluster, company=w.c1, status=ModerationStatus.PENDING)
    w.o4 = factories.offer(company=w.c2, category=category.SUPPLY, status=published)
    o5 = factories.offer(cluster=w.other, company=w.c9)
    o6 = factories.offer(cluster=w.cluster, company=w.c1)
    for offer in (w.o1, o2, o3, w.o4, o5):
        CooperationOffer.objects.filter(pk=offer.pk).update(created_at=at(2024, 2, 1))
    CooperationOffer.objects.filter(pk=o6.pk).update(created_at=at(2023, 6, 1))
    w.o1.renew()  # a renewal in 2024
    _history_date(CooperationOffer, w.o1.pk, at(2024, 8, 1), "~")
    w.o4.refresh_from_db()
    w.o4.title_en = "Supply of recycled plastics"  # an edit that is not a renewal
    w.o4.save()
    _history_date(CooperationOffer, w.o4.pk, at(2024, 8, 2), "~")
    interest = OfferInterest.objects.create
    interests = [
        interest(offer=w.o1, name="A", email="a@example.org", organization_name="Acme Oy"),
        interest(offer=w.o1, name="B", email="b@example.org", organization_name="pohjan teras oy"),
        interest(offer=w.o4, name="C", email="c@example.org", organization_name="Omega Ltd"),
        interest(offer=w.o1, name="D", email="d@example.org", organization_name="Late Ltd"),
    ]
    for index, item in enumerate(interests[:3]):
        OfferInterest.objects.filter(pk=item.pk).update(created_at=at(2024, 3 + index, 1))
    OfferInterest.objects.filter(pk=interests[3].pk).update(created_at=at(2025, 1, 10))

    # -- job posts: 2 published or withdrawn in 2024 (c1, c2), 1 pending; others outside
    jobs = [
        factories.job(company=w.c1),
        factories.job(company=w.c2, status=withdrawn),
        factories.job(company=w.c1, status=ModerationStatus.PENDING),
        factories.job(company=w.c9),
    ]
    for job in jobs:
        JobPosting.objects.filter(pk=job.pk).update(created_at=at(2024, 4, 4))
    late = factories.job(company=w.c1)
    JobPosting.objects.filter(pk=late.pk).update(created_at=at(2023, 4, 4))

    # -- visit requests: 2 in 2024 (new, confirmed), 15 visitors expected
    visits = [
        factories.visit_request(cluster=w.cluster, expected_participants=5),
        factories.visit_request(
            cluster=w.cluster,
            expected_participants=10,
            status=VisitRequest.Status.CONFIRMED,
            main_goal=VisitRequest.MainGoal.LEARNING,
        ),
        factories.visit_request(cluster=w.other),
    ]
    for visit in visits:
        VisitRequest.objects.filter(pk=visit.pk).update(created_at=at(2024, 9, 9))
    late_visit = factories.visit_request(cluster=w.cluster)
    VisitRequest.objects.filter(pk=late_visit.pk).update(created_at=at(2025, 9, 9))
    assert HistoricalMembership.objects.filter(history_type="-").count() == 1
    return w
