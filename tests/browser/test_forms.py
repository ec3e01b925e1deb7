"""The public forms in a real browser: long checkbox lists filtered by typing (checklist.js),
participants added to the visit form without a reload (formset.js), and confirmations that
show where the person is looking after sending, on a desktop and on a phone."""

import re

import pytest

from board.models import OfferInterest
from events.models import VisitRequest
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


def visible_labels(page, widget_id):
    return page.locator(f"#{widget_id} .checklist-option:visible label").all_inner_texts()


def assert_in_viewport(page, selector):
    """The element is on screen: its box lies within the window, with nothing to scroll."""
    box = page.evaluate(
        """selector => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, height: r.height, inner: window.innerHeight};
        }""",
        selector,
    )
    assert box["height"] > 0, f"{selector} is not shown"
    assert 0 <= box["top"] and box["bottom"] <= box["inner"], f"{selector} is out of view: {box}"


@pytest.fixture
def capabilities():
    welding = factories.capability(name_en="Welding", name_pl="Spawanie")
    factories.capability(name_en="TIG welding", name_pl="Spawanie TIG", parent=welding)
    cutting = factories.capability(name_en="Cutting", name_pl="Cięcie")
    factories.capability(name_en="Laser cutting", name_pl="Cięcie laserowe", parent=cutting)
    factories.capability(
        name_en="Waterjet cutting", name_pl="Cięcie strumieniem wody", parent=cutting
    )
    for n in range(12):  # a long list, so that it gets its filter box
        factories.capability(name_en=f"Other process {n}", name_pl=f"Inny proces {n}")


def test_a_long_checkbox_list_filters_as_one_types(page, capabilities):
    factories.cluster()
    page.goto("/en/offers/new/")
    countries = page.locator("#id_target_countries_filter")
    assert countries.is_visible()  # the script showed the tools
    assert page.locator("#id_target_countries [data-checklist-count]").inner_text() == "Selected: 0"

    countries.fill("swe")
    assert visible_labels(page, "id_target_countries") == ["Sweden"]
    page.locator("#id_target_countries").get_by_label("Sweden", exact=True).check()
    assert page.locator("#id_target_countries [data-checklist-count]").inner_text() == "Selected: 1"
    # Accents do not matter; what is checked stays in sight.
    countries.fill("aland")
    assert visible_labels(page, "id_target_countries")[:2] == ["Sweden", "Åland Islands"]
    # A group whose options are all filtered out disappears with them.
    assert page.locator("#id_target_countries .checklist-group:visible").count() == 2
    countries.fill("qqqq")
    assert visible_labels(page, "id_target_countries") == ["Sweden"]
    page.locator("#id_target_countries").get_by_label("Sweden", exact=True).uncheck()
    assert page.locator("#id_target_countries [data-checklist-count]").inner_text() == "Selected: 0"
    countries.fill("qqqqq")
    assert visible_labels(page, "id_target_countries") == []
    assert page.locator("#id_target_countries [data-checklist-empty]").inner_text() == (
        "No option matches the text you typed."
    )
    # Enter in the box does not send the form; Escape empties the box.
    countries.press("Enter")
    page.wait_for_timeout(300)
    assert page.path() == "/en/offers/new/"
    countries.press("Escape")
    assert countries.input_value() == ""
    assert len(visible_labels(page, "id_target_countries")) > 200
    page.assert_clean()


def test_the_filter_ignores_polish_accents_and_searches_group_headings(page, capabilities):
    factories.cluster()
    page.goto(factories.url_in("pl", "offers:create"))
    box = page.locator("#id_capabilities_filter")
    box.fill("ciecie las")
    assert visible_labels(page, "id_capabilities") == ["Cięcie laserowe"]
    # A group's heading matches its options: "spawanie" shows the whole welding group.
    box.fill("spawanie")
    assert visible_labels(page, "id_capabilities") == ["Spawanie", "Spawanie TIG"]
    assert page.locator("#id_capabilities .checklist-group:visible legend").all_inner_texts() == [
        "Spawanie"
    ]
    page.assert_clean()


def test_without_javascript_the_lists_are_plain_checkboxes(browser, live_server, capabilities):
    factories.cluster()
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/en/offers/new/")
        assert not page.locator("#id_capabilities_filter").is_visible()
        assert page.locator("#id_capabilities input[type=checkbox]").count() == 17
        page.locator("#id_capabilities").get_by_label("Laser cutting").check()
        assert page.locator("#id_capabilities input:checked").count() == 1
    finally:
        context.close()


def fill_visit_form(page, cluster):
    page.locator("#id_cluster").select_option(str(cluster.pk))
    page.locator("input[name='main_goal'][value='business']").check()
    page.locator("#id_purpose").fill("Meet subcontractors for welded steel structures.")
    page.locator("input[name='focus_areas'][value='metal']").check()
    page.locator("input[name='focus_areas'][value='energy']").check()
    page.locator("input[name='wants_to_meet_companies'][value='no']").check()
    page.locator("#id_preferred_dates").fill("12–14 May 2027")
    page.locator("#id_expected_participants").fill("3")
    page.locator("#id_name").fill("Jonas Berg")
    page.locator("#id_email").fill("jonas.berg@example.org")
    page.locator("#id_consent").check()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_add_participants_without_a_reload_then_send_and_see_the_thanks(page, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    cluster = factories.cluster(name_en="Ostrobothnia Metal")
    navigations = []
    page.goto("/en/visit/")
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("() => { window.stillTheSamePage = true; }")
    fill_visit_form(page, cluster)
    total = page.locator("input[name='participants-TOTAL_FORMS']")
    assert total.input_value() == "1"
    participants = ["Jonas Berg", "Maja Lind", "Ola Nilsson"]
    page.locator("#id_participants-0-name").fill(participants[0])
    for index, name in enumerate(participants[1:], start=1):
        page.get_by_role("button", name="Add a participant").click()
        row = page.locator(f"#id_participants-{index}-name")
        row.wait_for()
        assert total.input_value() == str(index + 1)
        # The cursor is in the new row, which is on screen.
        assert page.evaluate("() => document.activeElement.id") == f"id_participants-{index}-name"
        assert_in_viewport(page, f"#id_participants-{index}-name")
        legend = row.locator("xpath=ancestor::fieldset[1]/legend").inner_text()
        assert legend == f"Participant #{index + 1}"
        page.keyboard.type(name)
    assert navigations == [], "adding a participant must not load a page"
    assert page.evaluate("() => window.stillTheSamePage") is True
    assert page.locator("#id_purpose").input_value().startswith("Meet subcontractors")

    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r"/en/visit/thanks/$"))
    assert_in_viewport(page, "main h1")
    assert page.locator("main h1").inner_text() == "Thank you for your visit request"
    visit = VisitRequest.objects.get()
    assert [p.name for p in visit.participants.order_by("position")] == participants
    assert visit.focus_areas == ["metal", "energy"]
    page.assert_clean()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_express_interest_thanks_where_the_form_was(page, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    cluster = factories.cluster()
    factories.coordinator(cluster, email="coord@example.org")
    company = factories.company(clusters=[cluster], email="sales@example.org")
    offer = factories.offer(
        company=company,
        cluster=cluster,
        title_en="Laser cutting capacity",
        description_en="Two fibre lasers with free capacity from May. " * 30,  # a long page
    )
    page.goto(offer.get_absolute_url())
    form = page.locator("#interest form")
    form.locator("#id_name").fill("Piotr Example")
    form.locator("#id_email").fill("piotr@example.org")
    form.locator("#id_message").fill("We need 200 laser-cut brackets a month.")
    form.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"#interest$"))
    page.wait_for_load_state()
    confirmation = page.locator("#interest .form-confirmation")
    assert "Thank you: your message was passed on." in confirmation.inner_text()
    assert_in_viewport(page, "#interest .form-confirmation")
    assert page.locator("#interest form").count() == 0  # nothing to send twice
    assert OfferInterest.objects.filter(offer=offer).count() == 1
    page.assert_clean()
