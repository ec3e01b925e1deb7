"""The key journeys of the portal's people, in a real browser (headless Chromium).

A buyer filters the directory, searches with and without accents, reads a profile in Finnish;
a visitor subscribes to the events feed, registers for an event, books a visit for a delegation;
a coordinator edits a company in the Finnish and Swedish tabs of the admin and reads its
history, and is refused another cluster's company; a representative edits their own company.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from companies.models import Company
from events.models import Registration, VisitRequest
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password-1"


@pytest.fixture
def world():
    """Two clusters, three companies in two countries, classified in several languages."""
    ostrobothnia = factories.region(
        country="FI", name_en="Ostrobothnia", name_fi="Pohjanmaa", name_sv="Österbotten"
    )
    podlaskie = factories.region(country="PL", name_en="Podlaskie", name_pl="Podlaskie")
    vaasa = factories.municipality(
        region=ostrobothnia, name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa"
    )
    bialystok = factories.municipality(
        region=podlaskie, name_en="Białystok", name_pl="Białystok", name_fi="Białystok"
    )
    metal = factories.cluster(
        name_en="Ostrobothnia Metal", name_fi="Pohjanmaan metalli", name_sv="Österbottens metall"
    )
    paper = factories.cluster(name_en="Paper Province", sector="paper", country="SE")
    laser = factories.capability(
        name_en="Laser cutting",
        name_fi="Laserleikkaus",
        name_sv="Laserskärning",
        name_pl="Cięcie laserowe",
    )
    iso3834 = factories.certification(code="ISO 3834", name_en="Welding quality")
    welder = factories.company(
        clusters=[metal],
        municipality=vaasa,
        name="Pohjanmaan Hitsaus Oy",
        business_id=factories.VALID_BUSINESS_IDS["FI"][0],
        description_en="Welding and laser cutting of steel structures.",
        description_fi="Teräsrakenteiden hitsausta ja laserleikkausta.",
        description_sv="Svetsning och laserskärning av stålkonstruktioner.",
    )
    welder.capabilities.add(laser)
    factories.certificate(welder, iso3834)
    factories.company(
        clusters=[metal],
        municipality=vaasa,
        name="Kvarken Machining Ab",
        business_id=factories.VALID_BUSINESS_IDS["FI"][1],
        description_en="CNC machining of shafts.",
    )
    polish = factories.company(
        clusters=[paper],
        municipality=bialystok,
        name="Podlaska Stal Sp. z o.o.",
        business_id=factories.VALID_BUSINESS_IDS["PL"][0],
        description_en="Steel service centre in Białystok.",
        description_pl="Centrum serwisowe stali w Białymstoku.",
    )
    return {
        "metal": metal,
        "paper": paper,
        "welder": welder,
        "polish": polish,
        "laser": laser,
        "vaasa": vaasa,
    }


def result_names(page):
    return page.locator(".company-results h3, .company-results h2").all_inner_texts()


# --- The directory and the profile ----------------------------------------------------------


def test_filter_the_directory_and_open_a_profile(page, world):
    page.goto("/en/companies/")
    assert "3 companies" in page.locator("#results-heading").inner_text()
    page.locator(f"#f-capability-{world['laser'].pk}").check()
    page.locator(f"#f-cluster-{world['metal'].pk}").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"capability="))
    assert (
        f"capability={world['laser'].pk}" in page.url and f"cluster={world['metal'].pk}" in page.url
    )
    assert "1 company" in page.locator("#results-heading").inner_text()
    page.get_by_role("link", name="Pohjanmaan Hitsaus Oy").first.click()
    page.wait_for_url(re.compile(re.escape(world["welder"].get_absolute_url()) + "$"))
    assert page.locator("h1").inner_text() == "Pohjanmaan Hitsaus Oy"
    assert "ISO 3834" in page.locator("main").inner_text()
    page.assert_clean()


@pytest.mark.parametrize(
    "query", ["Białystok", "bialystok", "BIALYSTOK", "Vasa", "laserskärning", "laserskarning"]
)
def test_search_with_and_without_accents(page, world, query):
    page.goto("/en/companies/")
    page.locator("#directory-q").fill(query)
    page.locator("#directory-q").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    text = page.locator("main").inner_text()
    expected = (
        "Podlaska Stal Sp. z o.o." if query.lower().startswith("bia") else "Pohjanmaan Hitsaus Oy"
    )
    assert expected in text, f"{query!r} did not find {expected}"
    page.assert_clean()


def test_switch_language_on_a_profile_and_back(page, world):
    welder = world["welder"]
    page.goto(welder.get_absolute_url())
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Welding and laser cutting" in page.locator("main").inner_text()
    page.locator(".language-switcher a[hreflang='fi']").click()
    page.wait_for_url(re.compile(r"/fi/"))
    assert page.locator("html").get_attribute("lang") == "fi"
    assert welder.slug in page.url and "/companies/" not in page.url  # the path is translated too
    assert "Teräsrakenteiden hitsausta" in page.locator("main").inner_text()
    page.locator(".language-switcher a[hreflang='sv']").click()
    page.wait_for_url(re.compile(r"/sv/"))
    assert "Svetsning och laserskärning" in page.locator("main").inner_text()
    page.locator(".language-switcher a[hreflang='en']").click()
    page.wait_for_url(re.compile(r"/en/companies/"))
    assert page.path() == welder.get_absolute_url()
    assert "Welding and laser cutting" in page.locator("main").inner_text()
    page.assert_clean()


# --- Events ---------------------------------------------------------------------------------


@pytest.fixture
def seminar(world):
    return factories.event(
        title_en="Laser Welding Seminar",
        cluster=world["metal"],
        municipality=world["vaasa"],
        registration_open=True,
        capacity=30,
    )


def test_subscribe_to_the_events_feed(page, seminar):
    page.goto("/en/events/")
    link = page.get_by_role("link", name="Subscribe to the calendar (iCalendar)")
    href = link.get_attribute("href")
    feed = page.request.get(page.base_url + href if href.startswith("/") else href)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    body = feed.text()
    assert body.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:Laser Welding Seminar" in body
    # The event's own page offers its single .ics too.
    page.goto(seminar.get_absolute_url())
    single = page.locator("a[href$='/ical/']").first.get_attribute("href")
    answer = page.request.get(page.base_url + single)
    assert answer.headers["content-type"].startswith("text/calendar")
    assert "Laser Welding Seminar" in answer.text()
    page.assert_clean()


def test_register_for_an_event(page, seminar):
    page.goto(seminar.get_absolute_url())
    assert "Registration is open" in page.locator("#registration").inner_text()
    page.locator("#id_name").fill("Aino Virtanen")
    page.locator("#id_organization_name").fill("Example Oy")
    page.locator("#id_email").fill("aino.virtanen@example.org")
    page.locator("#id_dietary_needs").fill("Vegetarian")
    page.locator("#registration").get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/registration/[0-9a-f-]{36}/$"))
    registration = Registration.objects.get(event=seminar)
    assert registration.name == "Aino Virtanen"
    assert registration.status == Registration.Status.CONFIRMED
    assert str(registration.cancel_token) in page.url
    assert "Laser Welding Seminar" in page.locator("main").inner_text()
    assert any("aino.virtanen@example.org" in message.to for message in mail.outbox)
    page.assert_clean()


def test_submit_the_visit_form_with_three_participants(page, world):
    page.goto("/en/visit/")
    page.locator("#id_cluster").select_option(str(world["metal"].pk))
    page.locator("input[name='main_goal'][value='business']").check()
    page.locator("#id_purpose").fill("Meet subcontractors for welded steel structures.")
    page.locator("input[name='focus_areas'][value='metal']").check()
    page.locator("input[name='wants_to_meet_companies'][value='yes']").check()
    page.locator("#id_company_types").fill("Welding and laser cutting workshops.")
    page.locator("#id_preferred_dates").fill("12–14 May 2027")
    page.locator("#id_expected_participants").fill("3")
    page.locator("#id_name").fill("Jonas Berg")
    page.locator("#id_email").fill("jonas.berg@example.org")
    page.locator("#id_consent").check()
    participants = [
        ("Jonas Berg", "Example AB", "Purchasing manager"),
        ("Maja Lind", "Example AB", "Engineer"),
        ("Ola Nilsson", "Example Kommun", "Business adviser"),
    ]
    for index, (name, organisation, title) in enumerate(participants):
        if index:
            page.get_by_role("button", name="Add a participant").click()
            page.locator(f"#id_participants-{index}-name").wait_for()
        page.locator(f"#id_participants-{index}-name").fill(name)
        page.locator(f"#id_participants-{index}-organization_name").fill(organisation)
        page.locator(f"#id_participants-{index}-title").fill(title)
    # What was typed before "Add a participant" survives the round trip.
    assert page.locator("#id_participants-0-name").input_value() == "Jonas Berg"
    assert page.locator("#id_purpose").input_value().startswith("Meet subcontractors")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r"/thanks/$"))
    visit = VisitRequest.objects.get()
    assert visit.cluster == world["metal"]
    assert visit.name == "Jonas Berg"
    assert visit.wants_to_meet_companies is True
    assert [p.name for p in visit.participants.order_by("position", "id")] == [
        p[0] for p in participants
    ]
    page.assert_clean()


# --- Coordinators and representatives -------------------------------------------------------


def admin_login(page, username):
    page.goto("/en/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type='submit'], button[type='submit']").first.click()
    page.wait_for_url(re.compile(r"/en/admin/$"))


def test_a_coordinator_edits_a_company_in_the_finnish_and_swedish_tabs_and_sees_the_history(
    page, world
):
    coordinator = factories.coordinator(world["metal"], username="kerttu", password=PASSWORD)
    welder = world["welder"]
    admin_login(page, "kerttu")
    page.goto(f"/en/admin/companies/company/{welder.pk}/change/")
    # modeltranslation's tabs, built by jQuery UI served from our own static files
    fi_tab = page.locator("a[href='#tab_id_description_fi']")
    sv_tab = page.locator("a[href='#tab_id_description_sv']")
    fi_tab.wait_for()
    fi_tab.click()
    assert page.locator("#id_description_fi").is_visible()
    assert not page.locator("#id_description_en").is_visible()
    page.locator("#id_description_fi").fill("Hitsausta ja laserleikkausta Vaasassa.")
    sv_tab.click()
    assert page.locator("#id_description_sv").is_visible()
    page.locator("#id_description_sv").fill("Svetsning och laserskärning i Vasa.")
    page.locator("input[name='_save']").click()
    page.wait_for_url(re.compile(r"/en/admin/companies/company/(\?.*)?$"))
    assert page.locator(".messagelist .success").count() == 1
    welder.refresh_from_db()
    assert welder.description_fi == "Hitsausta ja laserleikkausta Vaasassa."
    assert welder.description_sv == "Svetsning och laserskärning i Vasa."

    page.goto(f"/en/admin/companies/company/{welder.pk}/history/")
    history = page.locator("#content").inner_text()
    assert "kerttu" in history
    record = welder.history.latest()
    assert record.history_user == coordinator
    assert record.history_type == "~"
    page.assert_clean()


def test_a_coordinator_is_refused_another_clusters_company(page, world):
    factories.coordinator(world["metal"], username="kerttu", password=PASSWORD)
    polish = world["polish"]  # a member of the Paper Province only
    admin_login(page, "kerttu")
    page.goto("/en/admin/companies/company/")
    listing = page.locator("#result_list").inner_text()
    assert "Pohjanmaan Hitsaus Oy" in listing
    assert "Podlaska Stal" not in listing
    response = page.goto(f"/en/admin/companies/company/{polish.pk}/change/", expect_status=None)
    assert response.status in {200, 302, 403, 404}
    assert page.locator("#company_form").count() == 0
    assert "Podlaska Stal" not in page.locator("body").inner_text()
    # A crafted POST is refused too, and changes nothing.
    answer = page.request.post(
        f"{page.base_url}/en/admin/companies/company/{polish.pk}/change/",
        form={"name": "Hijacked"},
        headers={"Referer": f"{page.base_url}/en/admin/"},
        max_redirects=0,
    )
    assert answer.status in {302, 403, 404}
    polish.refresh_from_db()
    assert polish.name == "Podlaska Stal Sp. z o.o."


def test_a_representative_edits_their_own_company(page, world):
    welder, polish = world["welder"], world["polish"]
    factories.representative(welder, username="rep", password=PASSWORD)
    page.goto("/en/my-company/login/")
    page.locator("#id_username").fill("rep")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type='submit']").first.click()
    page.wait_for_url(re.compile(rf"/en/my-company/{welder.slug}/$"))
    page.locator(f"a[href$='/{welder.slug}/edit/']").first.click()
    page.wait_for_url(re.compile(r"/edit/$"))
    page.locator("#id_description_en").fill("Welding, laser cutting and now also bending.")
    page.locator("#id_founded").fill("1987")
    page.get_by_role("button", name="Save the profile").click()
    page.wait_for_url(re.compile(rf"/en/my-company/{welder.slug}/$"))
    assert page.locator(".messages").count() == 1
    welder.refresh_from_db()
    assert welder.description_en == "Welding, laser cutting and now also bending."
    assert welder.founded == 1987
    assert welder.confirmed_at is not None
    assert timezone.now() - welder.confirmed_at < datetime.timedelta(minutes=5)
    page.assert_clean()
    # Someone else's company: not found, whatever the URL says.
    response = page.goto(f"/en/my-company/{polish.slug}/edit/", expect_status=None)
    assert response.status == 404
    assert Company.objects.get(pk=polish.pk).founded is None
