"""The participants' matchmaking pages: every page in several languages, signing in with the
private link (POST only) or a company account, permissions, the list's filters and the
"suggested for you" ranking (test_matchmaking_actions.py: requests, answers, the calendar file,
the survey, registration)."""

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from events.matchmaking import access, suggestions
from events.models import MatchmakingProfile
from tests import factories

from .matchmaking_world import build_world, sign_in, url

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "sv", "fi", "pl", "lt"]


@pytest.fixture
def world():
    return build_world()


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def headings(page):
    """The heading levels of the page's main content, in order."""
    return [int(tag.name[1]) for tag in page.find("main").find_all(["h1", "h2", "h3", "h4"])]


def assert_accessible_basics(page):
    levels = headings(page)
    assert levels and levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    for field in page.find("main").find_all(["input", "textarea", "select"]):
        if field.get("type") in {"hidden", "submit"}:
            continue
        assert page.find("label", attrs={"for": field["id"]}), field


# --- Every page, in every language -----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_answers_in_each_language(client, world, language):
    event, aino = world["event"], world["aino"]
    pages = {
        "list": url("matchmaking", event, language),
        "sign-in": url("matchmaking-signin", event, language),
        "access": url("matchmaking-access", event, language, token=aino.access_token),
    }
    for name, address in pages.items():
        assert address.startswith(f"/{language}/"), address
        response = client.get(address)
        assert response.status_code == 200, name
        page = soup(response)
        assert page.html["lang"] == language
        assert_accessible_basics(page)
        assert page.find("link", href=lambda h: h and h.endswith("css/matchmaking.css"))
    sign_in(client, aino, language)
    for name in ["matchmaking-agenda", "matchmaking-profile", "matchmaking"]:
        response = client.get(url(name, event, language))
        assert response.status_code == 200, name
        page = soup(response)
        assert page.html["lang"] == language
        assert_accessible_basics(page)
        assert "aino@kvarken.example" not in response.content.decode()
    request_page = client.get(url("matchmaking-request", event, language, pk=world["jan"].pk))
    assert request_page.status_code == 200
    assert_accessible_basics(soup(request_page))
    ics = client.get(url("matchmaking-agenda-ics", event, language))
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")


def test_personal_pages_are_not_kept_by_caches(client, world):
    sign_in(client, world["aino"])
    response = client.get(url("matchmaking-agenda", world["event"]))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    page = soup(response)
    assert page.find("meta", attrs={"name": "robots", "content": "noindex"})


def test_only_published_matchmaking_events_have_the_pages(client, world):
    seminar = factories.event()
    hidden = factories.matchmaking_event(is_published=False)
    for event in (seminar, hidden):
        assert client.get(url("matchmaking", event)).status_code == 404
        assert client.get(url("matchmaking-signin", event)).status_code == 404
    assert client.get("/en/events/no-such-event/matchmaking/").status_code == 404


# --- Signing in ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_sign_in_explanation(client, world):
    event = world["event"]
    for name, kwargs in [
        ("matchmaking-agenda", {}),
        ("matchmaking-profile", {}),
        ("matchmaking-agenda-ics", {}),
        ("matchmaking-request", {"pk": world["jan"].pk}),
    ]:
        response = client.get(url(name, event, "fi", **kwargs))
        assert response.status_code == 302, name
        assert response["Location"].startswith(url("matchmaking-signin", event, "fi"))
        explanation = client.get(response["Location"])
        assert explanation.status_code == 200
        with translation.override("fi"):
            private_link = translation.gettext("Sign in with your private link")
        assert private_link in explanation.content.decode()
    answer = url("matchmaking-answer", event, pk=1, action="accept")
    assert client.post(answer)["Location"].startswith(url("matchmaking-signin", event))
    # The company login keeps where the visitor was going.
    explanation = soup(client.get(response["Location"]))
    login_url = factories.url_in("fi", "my_company:login")
    login = explanation.find("a", href=lambda h: h and h.startswith(f"{login_url}?next="))
    request_page = url("matchmaking-request", event, "fi", pk=world["jan"].pk)
    assert login["href"].endswith(f"?next={request_page}")  # back to the request page


def test_the_private_link_signs_in_on_post_only(client, world):
    event, aino = world["event"], world["aino"]
    link = url("matchmaking-access", event, token=aino.access_token)
    page = client.get(link)  # what a mail client's link scanner does
    assert page.status_code == 200
    assert access.SESSION_KEY not in client.session
    assert client.get(url("matchmaking-agenda", event)).status_code == 302
    form = soup(page).find("form", method="post")
    assert form["action"] == link and form.find("button")
    key_before = client.session.session_key
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == url("matchmaking-agenda", event)
    assert client.session.session_key != key_before  # a new key: no session fixation
    agenda = client.get(response["Location"])
    assert agenda.status_code == 200
    assert "Aino Virtanen" in agenda.content.decode()


def test_a_renewed_link_is_revoked_at_once(client, world):
    event, aino = world["event"], world["aino"]
    old_link = url("matchmaking-access", event, token=aino.access_token)
    sign_in(client, aino)
    aino.renew_token()
    assert client.get(old_link).status_code == 404
    assert client.post(old_link).status_code == 404
    # The session opened with the old link no longer counts either.
    assert client.get(url("matchmaking-agenda", event)).status_code == 302
    sign_in(client, aino)
    assert client.get(url("matchmaking-agenda", event)).status_code == 200


def test_unknown_overlong_or_foreign_tokens_are_404(client, world):
    event = world["event"]
    other_event = factories.matchmaking_event()
    stranger = factories.matchmaking_participant(other_event)
    for token in ["x" * 43, "x" * 65, "-", "%2e%2e", stranger.access_token]:
        assert client.get(url("matchmaking-access", event, token=token)).status_code == 404
        assert client.post(url("matchmaking-access", event, token=token)).status_code == 404


def test_a_cancelled_registration_signs_nobody_in(client, world):
    jan = world["jan"]
    sign_in(client, jan)
    jan.registration.status = "cancelled"
    jan.registration.save()
    assert client.get(url("matchmaking-agenda", world["event"])).status_code == 302
    link = url("matchmaking-access", world["event"], token=jan.access_token)
    assert client.get(link).status_code == 404


def test_signing_out(client, world):
    event = world["event"]
    sign_in(client, world["aino"])
    response = client.post(url("matchmaking-signout", event))
    assert response.status_code == 302
    assert client.get(url("matchmaking-agenda", event)).status_code == 302
    assert client.get(url("matchmaking-signout", event)).status_code == 405


def test_a_representative_is_signed_in_with_the_company_account(client, world):
    event, jan = world["event"], world["jan"]
    user = factories.representative(world["podlaska"], email="someone@podlaska.example")
    client.force_login(user)
    agenda = client.get(url("matchmaking-agenda", event))
    assert agenda.status_code == 200
    assert "Jan Kowalski" in agenda.content.decode()
    # No sign-out button: the account signs them in, not a link.
    assert url("matchmaking-signout", event) not in agenda.content.decode()
    # Their own registration comes first when the company sent two people.
    own = factories.matchmaking_participant(
        event, company=world["podlaska"], name="Ola Nowak", email="someone@podlaska.example"
    )
    assert "Ola Nowak" in client.get(url("matchmaking-agenda", event)).content.decode()
    assert own.pk > jan.pk
    # A representative of another company is nobody here.
    client.force_login(factories.representative(factories.company()))
    assert client.get(url("matchmaking-agenda", event)).status_code == 302


# --- The participants list -------------------------------------------------------------------


def names_on(response):
    return [
        heading.get_text(strip=True) for heading in soup(response).select(".mm-cards .mm-card h3")
    ]


def test_the_list_shows_profiles_escaped_and_without_addresses(client, world):
    response = client.get(url("matchmaking", world["event"]))
    html = response.content.decode()
    assert sorted(names_on(response)) == [
        "Aino Virtanen",
        "Erik Berg",
        "Jan Kowalski",
        "Lina Petraitė",
    ]
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    for address in ["aino@kvarken.example", "jan@podlaska.example", "erik@berg.example"]:
        assert address not in html
    card = soup(response).find(id=f"participant-{world['aino'].pk}")
    assert card.find(class_="mm-presentation")["lang"] == "fi"
    assert card.find("a", href=world["kvarken"].get_absolute_url())
    assert "Finland" in card.get_text()
    assert "Stainless welding" in card.get_text() and "Machining" in card.get_text()
    assert "Laser cutting" in card.get_text()  # sought
    # Anonymous visitors get no request forms, and a hint to sign in.
    assert not soup(response).select(".mm-card form")
    assert url("matchmaking-signin", world["event"]) in html


def test_hidden_waiting_and_cancelled_participants_are_not_listed(client, world):
    event = world["event"]
    factories.matchmaking_participant(event, name="Hidden Person", is_visible=False)
    factories.matchmaking_participant(event, name="Waiting Person", status="waiting")
    factories.matchmaking_participant(event, name="Gone Person", status="cancelled")
    names = names_on(client.get(url("matchmaking", event)))
    assert len(names) == 4 and not {"Hidden Person", "Waiting Person", "Gone Person"} & set(names)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"country": "PL"}, ["Jan Kowalski"]),
        ({"country": "FI"}, ["Aino Virtanen"]),
        ({"capability": "welding"}, ["Aino Virtanen"]),  # stainless welding is below welding
        ({"capability": "laser-cutting"}, ["Erik Berg", "Jan Kowalski"]),  # Jan's company's
        ({"capability": "machining"}, ["Aino Virtanen"]),
        ({"q": "laser"}, ["Aino Virtanen", "Lina Petraitė"]),  # offers or needs text
        ({"q": "FIBRE 20"}, ["Lina Petraitė"]),
        ({"language": "pl"}, ["Jan Kowalski"]),
        ({"language": "fi", "capability": "welding"}, ["Aino Virtanen"]),
        ({"country": "PL", "capability": "welding"}, []),
    ],
)
def test_filters(client, world, query, expected):
    response = client.get(url("matchmaking", world["event"]), query)
    assert response.status_code == 200
    assert sorted(names_on(response)) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"country": "XX"},
        {"capability": "no-such-capability"},
        {"language": "zz"},
        {"q": "x" * 500},
        {"page": "999"},
        {"page": "-1"},
        {"q": "\x00"},
    ],
)
def test_nonsense_filter_values_never_fail(client, world, query):
    response = client.get(url("matchmaking", world["event"]), query)
    assert response.status_code == 200


def test_filter_choices_are_what_the_participants_have(client, world):
    page = soup(client.get(url("matchmaking", world["event"])))
    countries = [option["value"] for option in page.select("select[name=country] option")]
    assert countries == ["", "FI", "PL"]
    capabilities = [o["value"] for o in page.select("select[name=capability] option")]
    assert set(capabilities) == {"", "welding", "stainless-welding", "laser-cutting", "machining"}
    languages = [o["value"] for o in page.select("select[name=language] option")]
    assert set(languages) == {"", "en", "fi", "pl"}


def test_the_list_is_paginated(client, world):
    for _number in range(31):
        factories.matchmaking_participant(world["event"])
    first = client.get(url("matchmaking", world["event"]))
    assert len(names_on(first)) == 30
    assert len(names_on(client.get(url("matchmaking", world["event"]), {"page": 2}))) == 5


# --- Suggestions -----------------------------------------------------------------------------


def test_suggestions_rank_complements_with_reasons_in_the_partner_matching_style(world):
    with translation.override("en"):
        mine = suggestions.detailed(MatchmakingProfile.objects.filter(pk=world["aino"].pk)).get()
        found = suggestions.suggest(mine, list(suggestions.candidates(world["event"])))
    assert [s.profile.registration.name for s in found] == ["Jan Kowalski", "Erik Berg"]
    jan, erik = found
    assert jan.reason == (
        "needs what you offer: Stainless welding; "
        "offers what you need: Laser cutting, Stainless steel; holds ISO 3834"
    )
    assert jan.score == 3 + 3 + 2 + 2
    assert erik.reason == "offers what you need: Laser cutting"
    # Two who offer the same capability share it.
    with translation.override("en"):
        mine = suggestions.detailed(MatchmakingProfile.objects.filter(pk=world["erik"].pk)).get()
        found = suggestions.suggest(mine, list(suggestions.candidates(world["event"])))
    by_name = {s.profile.registration.name: s for s in found}
    assert by_name["Jan Kowalski"].reason == "shares: Laser cutting"
    assert by_name["Aino Virtanen"].reason == "needs what you offer: Laser cutting"


def test_suggestions_leave_out_colleagues_and_existing_requests(world):
    colleague = factories.matchmaking_participant(
        world["event"], company=world["kvarken"], offered_capabilities=[world["laser"]]
    )
    mine = suggestions.detailed(MatchmakingProfile.objects.filter(pk=world["aino"].pk)).get()
    everyone = list(suggestions.candidates(world["event"]))
    assert colleague.pk not in [s.profile.pk for s in suggestions.suggest(mine, everyone)]
    left = suggestions.suggest(mine, everyone, exclude=[world["jan"].pk])
    assert [s.profile.registration.name for s in left] == ["Erik Berg"]


def test_suggested_for_you_on_the_list_page(client, world):
    sign_in(client, world["aino"])
    page = soup(client.get(url("matchmaking", world["event"])))
    section = page.find("h2", id="suggested-title").parent
    items = section.select(".mm-suggestions > li")
    assert [item.h3.get_text(strip=True) for item in items] == [
        "Jan Kowalski, Podlaska Stal Sp. z o.o.",
        "Erik Berg, Berg Laser AB",
    ]
    assert "holds ISO 3834" in items[0].get_text()
    link = url("matchmaking-request", world["event"], pk=world["jan"].pk)
    assert items[0].find("a")["href"] == link


def test_the_list_page_makes_a_constant_number_of_queries(
    client, world, django_assert_max_num_queries
):
    sign_in(client, world["aino"])
    address = url("matchmaking", world["event"])
    with django_assert_max_num_queries(25) as few:
        assert client.get(address).status_code == 200
    capabilities = [world["laser"], world["welding"], world["stainless_welding"]]
    for number in range(40):
        company = factories.company() if number % 2 else None
        if company:
            company.capabilities.add(world["laser"])
        factories.matchmaking_participant(
            world["event"],
            company=company,
            offered_capabilities=capabilities[: number % 3 + 1],
            sought_capabilities=capabilities[number % 3 :],
            languages=[factories.spoken_language("en")],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(address)
    assert len(soup(response).select(".mm-suggestions > li")) == suggestions.LIMIT
    assert len(names_on(response)) == 30
