"""News list, news page, Atom and RSS feeds."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def titles(response):
    return [
        a.get_text() for a in BeautifulSoup(response.content, "html.parser").select(".news-title")
    ]


@pytest.fixture
def news():
    now = timezone.now()
    items = [
        factories.news(title_en=f"News {n:02d}", published_at=now - datetime.timedelta(days=n))
        for n in range(12)
    ]
    factories.news(
        title_en="Press", kind="press_release", published_at=now - datetime.timedelta(hours=1)
    )
    factories.news(title_en="Draft", is_published=False)
    factories.news(title_en="Scheduled", published_at=now + datetime.timedelta(days=3))
    return items


def test_list_is_paginated_newest_first(client, news):
    first = titles(client.get(reverse("portal:news-list")))
    assert first[:2] == ["News 00", "Press"] and len(first) == 10
    second = titles(client.get(reverse("portal:news-list"), {"page": 2}))
    assert second == ["News 09", "News 10", "News 11"]
    assert "Draft" not in first + second and "Scheduled" not in first + second


def test_press_releases_only(client, news):
    assert titles(client.get(reverse("portal:news-list"), {"kind": "press_release"})) == ["Press"]


@pytest.mark.parametrize(
    "params", [{"page": "-1"}, {"page": "abc"}, {"page": "\x00"}, {"kind": "x" * 10_000}]
)
def test_nonsense_is_ignored(client, news, params):
    assert client.get(reverse("portal:news-list"), params).status_code == 200


def test_list_query_count(client, news, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get(reverse("portal:news-list"))


def test_news_page(client):
    cluster = factories.cluster(name_en="The Paper Province")
    contact = factories.person(first_name="Karin", last_name="Ek", email="karin.ek@example.org")
    item = factories.news(
        title_en="SEK 500,000 for inter-cluster cooperation",
        summary_en="Tillväxtverket funds the project.",
        body_en="First paragraph.\n\nSecond paragraph.",
        kind="press_release",
        cluster=cluster,
        contact=contact,
    )
    related = factories.news(title_en="Earlier news of the cluster", cluster=cluster)
    factories.news(title_en="Unrelated news")
    response = client.get(item.get_absolute_url())
    html = response.content.decode()
    page = BeautifulSoup(html, "html.parser")
    assert page.h1.get_text() == "SEK 500,000 for inter-cluster cooperation"
    assert page.find("meta", property="og:type")["content"] == "article"
    assert (
        page.find("meta", attrs={"name": "description"})["content"]
        == "Tillväxtverket funds the project."
    )
    assert len(page.select(".prose p")) == 2
    assert "karin.ek@example.org" not in html and "karin.ek [at] example [dot] org" in html
    assert page.find("a", href=related.get_absolute_url())
    assert "Unrelated news" not in html


def test_unpublished_or_unknown_news_is_404(client):
    draft = factories.news(is_published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("portal:news-detail", args=["nope"])).status_code == 404


def test_atom_feed(client, news):
    response = client.get(reverse("portal:news-atom"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 13
    assert entries[0].find(f"{ATOM}title").text == "News 00"
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert all(entry_id.startswith("tag:") for entry_id in ids) and len(set(ids)) == 13
    assert entries[0].find(f"{ATOM}link").get("href").endswith(news[0].get_absolute_url())
    assert "Draft" not in response.content.decode()


def test_rss_feed(client, news):
    response = client.get(reverse("portal:news-rss"))
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert len(items) == 13
    assert items[1].find("title").text == "Press"
    assert [c.text for c in items[1].findall("category")] == ["Press release"]


def test_feeds_are_linked_from_the_pages(client):
    page = BeautifulSoup(client.get(reverse("portal:news-list")).content, "html.parser")
    assert page.find("link", type="application/atom+xml")["href"] == reverse("portal:news-atom")
    assert page.find("link", type="application/rss+xml")["href"] == reverse("portal:news-rss")
