"""Each figure of indicators/figures.py against the records built for it (tests/indicators/
world.py), for a cluster and for a project; the query count; the cache."""

import copy
import datetime

import pytest
from django.utils import translation

from companies.models import Membership
from indicators import figures, queries
from indicators.models import HistoricalMembership
from indicators.periods import Period
from indicators.scopes import cluster_scope, project_scope
from tests import factories
from tests.shared import shared_data

from .world import PERIOD, build

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def world(shared_world):
    return copy.deepcopy(shared_world)


@pytest.fixture
def report(world):
    return figures.report(cluster_scope(world.cluster), PERIOD, use_cache=False)


def rows(report, key):
    return {
        label: values[0] if len(values) == 1 else values
        for label, values in report.figure(key).rows
    }


def test_members_at_the_end_joined_and_left(report):
    assert rows(report, "members") == {
        "Member companies at the end of the period": 4,
        "Joined in the period": 3,
        "Left in the period": 2,
    }


def test_joined_and_left_per_month(report):
    series = rows(report, "members_joined_left")
    assert list(series) == [f"{month} 2024" for month in MONTHS]
    assert {label: value for label, value in series.items() if value != [0, 0]} == {
        "March 2024": [1, 0],
        "April 2024": [1, 0],
        "June 2024": [1, 0],
        "July 2024": [0, 1],
        "September 2024": [0, 1],
    }


MONTHS = "January February March April May June July August September October November December"
MONTHS = MONTHS.split()


def test_members_by_country_region_size_and_sector(report, world):
    assert rows(report, "members_by_country") == {"Finland": 3, "Sweden": 1}
    assert rows(report, "members_by_region") == {world.region_fi.name: 3, world.region_se.name: 1}
    assert rows(report, "members_by_size") == {
        "Micro (fewer than 10 employees)": 1,
        "Small (10–49 employees)": 2,
        "Medium-sized (50–249 employees)": 0,
        "Large (250 or more employees)": 1,
    }
    assert rows(report, "members_by_sector") == {"Waste management": 2, "Energy supply": 1}


def test_profiles_confirmed_in_the_last_12_months_counts_an_earlier_confirmation(report):
    assert rows(report, "profiles") == {
        "Profiles confirmed in the 12 months before the end of the period": 2,
        "Share of the members (%)": 50,
    }
    assert rows(report, "profiles_stale") == {
        "Members whose profile was not confirmed for 12 months": 2
    }


def test_events_held_and_unique_participants(report):
    assert rows(report, "events") == {
        "Events held": 2,
        "Confirmed registrations": 6,
        "Participants (people)": 4,
        "Participating organisations": 4,
    }
    assert rows(report, "events_by_kind") == {"Seminar": 1, "Matchmaking": 1}


def test_matchmaking_meetings_and_outcomes(report):
    assert rows(report, "matchmaking") == {
        "Meetings requested": 3,
        "Meetings scheduled": 2,
        "Meetings held": 1,
        "Meetings that led to cooperation": 1,
    }
    assert rows(report, "matchmaking_outcomes") == {
        "No result": 1,
        "Follow-up agreed": 1,
        "Negotiation started": 0,
        "Agreement signed": 1,
    }
    assert rows(report, "matchmaking_requests") == {"Accepted": 2, "Declined": 1}


def test_offers_interest_renewals_and_jobs(report):
    assert rows(report, "offers") == {"Offers": 2, "Requests": 1, "Job posts": 2}
    assert rows(report, "offers_by_category") == {
        "Subcontracting capacity": 1,
        "Partner wanted": 1,
        "Product or supply": 1,
    }
    assert rows(report, "offers_engagement") == {
        "Expressions of interest received": 3,
        "Offers that received interest": 2,
        "Renewals of offers": 1,
    }
    assert rows(report, "offers_by_status") == {
        "Published": 2,
        "Withdrawn": 1,
        "Waiting for moderation": 1,
    }
    assert rows(report, "jobs_by_status") == {
        "Published": 1,
        "Withdrawn": 1,
        "Waiting for moderation": 1,
    }


def test_visit_requests_and_their_status(report):
    assert rows(report, "visits") == {"Visit requests received": 2, "Visitors expected": 15}
    assert rows(report, "visits_by_status") == {"New": 1, "Confirmed": 1}
    assert rows(report, "visits_by_goal") == {
        "Finding business partners or suppliers": 1,
        "Learning about solutions and good practice": 1,
    }


def test_companies_reached_counts_each_company_or_organisation_once(report, world):
    # Directory companies: c1, c2, c3, c4, c6; named organisations: Acme, Beta, Gamma, Delta,
    # Omega ("pohjan teras oy" is c1, "acme  oy" is Acme).
    assert rows(report, "reached") == {
        "Companies and organisations reached": 10,
        "of which companies in the directory": 5,
    }
    reached = {pk for pk, _name in queries.reached_companies(cluster_scope(world.cluster), PERIOD)}
    assert reached == {c.pk for c in (world.c1, world.c2, world.c3, world.c4, world.c6)}


def test_public_and_coordinator_only_figures(report):
    private = {figure.key for figure in report.figures if not figure.public}
    assert private == {
        "profiles_stale",
        "matchmaking_requests",
        "offers_engagement",
        "offers_by_status",
        "jobs_by_status",
        "visits_by_status",
        "visits_by_goal",
    }
    assert {figure.key for figure in report.public().figures} == {
        figure.key for figure in report.figures
    } - private


def test_a_project_counts_its_clusters_members_and_its_own_events(world):
    report = figures.report(project_scope(world.project), PERIOD, use_cache=False)
    assert rows(report, "members")["Member companies at the end of the period"] == 4
    assert rows(report, "events") == {
        "Events held": 1,
        "Confirmed registrations": 3,
        "Participants (people)": 3,
        "Participating organisations": 3,
    }
    assert rows(report, "matchmaking")["Meetings held"] == 1
    assert rows(report, "visits")["Visit requests received"] == 2


def test_other_periods(world):
    scope = cluster_scope(world.cluster)
    year_2025 = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    later = figures.report(scope, year_2025, use_cache=False)
    assert rows(later, "members") == {
        "Member companies at the end of the period": 5,  # c1, c2, c6, and c5 and c7 (2025)
        "Joined in the period": 2,
        "Left in the period": 1,  # c4
    }
    assert rows(later, "events")["Events held"] == 1
    all_time = figures.report(scope, Period(None, year_2025.end), use_cache=False)
    assert rows(all_time, "members")["Joined in the period"] == 7  # c1–c7 (c8: unpublished)
    series = all_time.figure("members_joined_left")
    assert series.title == "Members joined and left per quarter"
    assert [label for label, _values in series.rows][:2] == ["Q1 2019", "Q2 2019"]
    assert series.rows[-1][0] == "Q4 2025"


def test_membership_history_is_kept(world):
    membership = Membership.objects.get(company=world.c1)
    membership.is_active = False
    membership.save()
    last = HistoricalMembership.objects.filter(id=membership.pk).order_by("-history_id").first()
    assert (last.history_type, last.is_active) == ("~", False)


def test_a_report_is_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for _n in range(5):  # more records do not make more queries
        factories.company(clusters=[world.cluster])
    with django_assert_max_num_queries(25):
        figures.report(cluster_scope(world.cluster), PERIOD, use_cache=False)


@pytest.fixture
def memory_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache  # the settings change replaced the cache handler

    cache.clear()
    yield cache
    cache.clear()


def test_the_second_call_is_served_from_the_cache(world, memory_cache, django_assert_num_queries):
    scope = cluster_scope(world.cluster)
    first = figures.report(scope, PERIOD)
    with django_assert_num_queries(0):
        second = figures.report(scope, PERIOD)
    assert second.figures == first.figures
    with translation.override("fi"), django_assert_num_queries(0):
        stamp = figures.data_stamp()  # one stamp for every language and scope
    with translation.override("fi"):
        finnish_key = figures.cache_key(scope, PERIOD, stamp)
    assert finnish_key != figures.cache_key(scope, PERIOD, stamp)


def test_a_change_moves_the_stamp_and_the_key(world, memory_cache):
    scope = cluster_scope(world.cluster)
    before = figures.cache_key(scope, PERIOD, queries.data_stamp())
    world.c6.confirmed_at = world.c1.confirmed_at
    world.c6.save()
    assert figures.cache_key(scope, PERIOD, queries.data_stamp()) != before
    other_period = figures.cache_key(scope, Period(None, PERIOD.end), queries.data_stamp())
    assert other_period != before
