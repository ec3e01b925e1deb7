"""Event list with filters and pagination, event page in the event's time zone, iCalendar."""

import datetime
import zoneinfo
from urllib.parse import urlsplit

import icalendar
import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from tests import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def titles(response):
    page = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in page.select(".event-list .event-title")]


def at(days, hour=9):
    return (timezone.now() + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def events():
    fi_town = factories.municipality(country="FI", name_en="Vaasa")
    lt_town = factories.municipality(country="LT", name_en="Alytus")
    metal = factories.cluster(slug="metal")
    return {
        "soon": factories.event(
            title_en="Soon", starts_at=at(3), ends_at=at(3, 15), municipality=fi_town, cluster=metal
        ),
        "later": factories.event(
            title_en="Later",
            kind="fair",
            starts_at=at(30),
            ends_at=at(31),
            municipality=lt_town,
            time_zone="Europe/Vilnius",
        ),
        "past": factories.event(
            title_en="Past",
            starts_at=at(-30),
            ends_at=at(-30, 15),
            municipality=fi_town,
            cluster=metal,
        ),
        "hidden": factories.event(title_en="Hidden", is_published=False),
    }


def test_upcoming_by_default_past_on_request(client, events):
    assert titles(client.get(reverse("events:list"))) == ["Soon", "Later"]
    assert titles(client.get(reverse("events:list"), {"when": "past"})) == ["Past"]
    assert titles(client.get(reverse("events:list"), {"when": "all"})) == ["Later", "Soon", "Past"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "fair"}, ["Later"]),
        ({"cluster": "metal"}, ["Soon"]),
        ({"cluster": "metal", "when": "past"}, ["Past"]),
        ({"country": "LT"}, ["Later"]),
        ({"country": "FI", "when": "all"}, ["Soon", "Past"]),
    ],
)
def test_filters(client, events, params, expected):
    assert titles(client.get(reverse("events:list"), params)) == expected


def test_month_filter_shows_the_whole_month(client, events):
    month = timezone.localtime(events["past"].starts_at).strftime("%Y-%m")
    assert "Past" in titles(client.get(reverse("events:list"), {"month": month}))
    assert titles(client.get(reverse("events:list"), {"month": "1999-01"})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2027-13"},
        {"month": "abc"},
        {"month": "0000-01"},
        {"kind": "party"},
        {"cluster": "nope"},
        {"cluster": "\x00"},
        {"country": "ZZ"},
        {"when": "tomorrow"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999"},
        {"month": "x" * 10_000},
    ],
)
def test_nonsense_is_ignored(client, events, params):
    response = client.get(reverse("events:list"), params)
    assert response.status_code == 200
    assert titles(response) == ["Soon", "Later"]


def test_pagination(client):
    for n in range(15):
        factories.event(title_en=f"E{n:02d}", starts_at=at(n + 1), ends_at=at(n + 1, 12))
    first = client.get(reverse("events:list"))
    assert len(titles(first)) == 12
    assert titles(client.get(reverse("events:list"), {"page": 2})) == ["E12", "E13", "E14"]


def test_list_query_count_is_constant(client, django_assert_max_num_queries, events):
    for _ in range(20):
        factories.event(cluster=factories.cluster(), municipality=factories.municipality())
    with django_assert_max_num_queries(10):
        assert (
            client.get(
                reverse("events:list"), {"cluster": "metal", "country": "FI", "month": "2027-05"}
            ).status_code
            == 200
        )


@pytest.fixture
def vilnius_event():
    start = datetime.datetime(2027, 6, 22, 7, 0, tzinfo=UTC)  # 10:00 in Vilnius (EEST, UTC+3)
    return factories.event(
        title_en="Seminar in Alytus",
        title_fi="Seminaari Alytuksessa",
        summary_en="Metalworking cooperation.",
        programme_en="10:00 Welcome\n11:00 Company visits",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
        time_zone="Europe/Vilnius",
        venue_name_en="Alytus Business Centre",
        venue_address="Pramonės g. 1",
        municipality=factories.municipality(country="LT", name_en="Alytus"),
        registration_open=True,
        capacity=80,
        registration_deadline=start - datetime.timedelta(days=7),
    )


def test_event_page_shows_times_in_the_events_own_zone(client, vilnius_event):
    timezone.activate(zoneinfo.ZoneInfo("Europe/Stockholm"))  # the site's zone must not leak in
    try:
        response = client.get(vilnius_event.get_absolute_url())
    finally:
        timezone.deactivate()
    page = BeautifulSoup(response.content, "html.parser")
    facts = {
        dt.get_text(): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in page.select("aside dl.facts dt")
    }
    assert facts["Starts"] == "June 22, 2027, 10 a.m."
    assert facts["Ends"] == "June 22, 2027, 6 p.m."
    assert facts["Time zone"] == "Europe/Vilnius (EEST)"
    assert "Alytus Business Centre" in facts["Venue"]
    assert [li.get_text() for li in page.select(".programme li")] == [
        "10:00 Welcome",
        "11:00 Company visits",
    ]


def test_event_page_registration_block(client, vilnius_event):
    factories.registration(vilnius_event)
    page = BeautifulSoup(client.get(vilnius_event.get_absolute_url()).content, "html.parser")
    block = page.find(id="registration")
    text = block.get_text(" ", strip=True)
    assert "Registration" in text
    assert "80 participants" in text
    assert "June 15, 2027" in text  # the deadline
    assert "Places left 79" in text


def test_event_page_of_a_past_event(client, events):
    text = BeautifulSoup(
        client.get(events["past"].get_absolute_url()).content, "html.parser"
    ).get_text()
    assert "The event is over." in text


def test_event_page_query_count(client, vilnius_event, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        assert client.get(vilnius_event.get_absolute_url()).status_code == 200


def test_unknown_or_hidden_event_is_404(client, events):
    assert client.get(reverse("events:detail", args=["nope"])).status_code == 404
    assert client.get(events["hidden"].get_absolute_url()).status_code == 404
    assert client.get(reverse("events:ical", args=["nope"])).status_code == 404


# --- iCalendar ------------------------------------------------------------------------------


def parse(response):
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_event_ical_is_valid_with_tzid_and_local_times(client, vilnius_event):
    response = client.get(reverse("events:ical", args=[vilnius_event.slug]))
    assert response["Content-Disposition"] == f'attachment; filename="{vilnius_event.slug}.ics"'
    calendar = parse(response)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    (event,) = calendar.walk("VEVENT")
    start, end = event["DTSTART"], event["DTEND"]
    assert start.params["TZID"] == "Europe/Vilnius" and end.params["TZID"] == "Europe/Vilnius"
    assert start.dt.replace(tzinfo=None) == datetime.datetime(2027, 6, 22, 10, 0)
    assert start.dt == vilnius_event.starts_at and end.dt == vilnius_event.ends_at
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Vilnius"]
    assert str(event["SUMMARY"]) == "Seminar in Alytus"
    assert "Alytus Business Centre" in str(event["LOCATION"])
    assert "Metalworking cooperation." in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(vilnius_event.get_absolute_url())
    assert str(event["UID"]) == f"event-{vilnius_event.pk}@{urlsplit(settings.SITE_URL).hostname}"


def test_ical_uid_is_stable_and_text_follows_the_language(client, vilnius_event):
    first = parse(client.get(reverse("events:ical", args=[vilnius_event.slug])))
    vilnius_event.title_en = "Renamed seminar"
    vilnius_event.save()
    with translation.override("fi"):
        url = reverse("events:ical", args=[vilnius_event.slug])
    finnish = parse(client.get(url))
    (before,), (after,) = first.walk("VEVENT"), finnish.walk("VEVENT")
    assert before["UID"] == after["UID"]
    assert str(after["SUMMARY"]) == "Seminaari Alytuksessa"


def test_feed_of_all_events_and_of_one_cluster(client, events):
    everything = parse(client.get(reverse("events:feed")))
    assert sorted(str(e["SUMMARY"]) for e in everything.walk("VEVENT")) == ["Later", "Past", "Soon"]
    assert {tz["TZID"] for tz in everything.walk("VTIMEZONE")} == {
        "Europe/Helsinki",
        "Europe/Vilnius",
    }
    metal = parse(client.get(reverse("events:feed"), {"cluster": "metal"}))
    assert sorted(str(e["SUMMARY"]) for e in metal.walk("VEVENT")) == ["Past", "Soon"]
    pretty = parse(client.get(reverse("portal:cluster-events-ics", args=["metal"])))
    assert sorted(str(e["SUMMARY"]) for e in pretty.walk("VEVENT")) == ["Past", "Soon"]
    assert str(pretty["X-WR-CALNAME"]) == f"Events of {events['soon'].cluster.name}"


@pytest.mark.parametrize("cluster", ["nope", "\x00", "x" * 10_000, "../etc"])
def test_feed_of_unknown_cluster_is_404(client, events, cluster):
    assert client.get(reverse("events:feed"), {"cluster": cluster}).status_code == 404


def test_feed_query_count_is_constant(client, django_assert_max_num_queries):
    for n in range(20):
        factories.event(
            municipality=factories.municipality(), starts_at=at(n + 1), ends_at=at(n + 1, 12)
        )
    with django_assert_max_num_queries(2):
        assert client.get(reverse("events:feed")).status_code == 200


def test_empty_feed_is_still_a_calendar(client):
    calendar = parse(client.get(reverse("events:feed")))
    assert calendar.walk("VEVENT") == []
